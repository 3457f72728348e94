//! The sender's clock: a text owed at night waits for eight in the morning, then goes once.

use std::sync::Arc;

use chrono::TimeZone;
use diandan_functions::clock::{china_offset, fixed_clock};
use diandan_functions::sms::Inbox;
use diandan_functions::store::conformance::registration;
use diandan_functions::store::{SqliteStore, Store};

use super::support::{app_on, catalogue};

#[tokio::test]
async fn a_promotion_at_night_is_texted_at_eight_in_the_morning_once() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let first = store
        .register(registration(1, "王小明", 1, 3))
        .await
        .unwrap();
    store
        .register(registration(2, "李小红", 1, 3))
        .await
        .unwrap();
    store.cancel(&first.code, &first.token).await.unwrap();
    let inbox = Arc::new(Inbox::new());
    let at = |day: u32, hour: u32, minute: u32| {
        let t = china_offset()
            .with_ymd_and_hms(2026, 12, day, hour, minute, 0)
            .single()
            .unwrap();
        fixed_clock(t)
    };
    let sms = inbox.clone();
    let app = app_on(store, catalogue(), (12, 15), move |s| s.with_sms(sms));
    for (day, hour, minute) in [(15, 21, 0), (15, 23, 59), (16, 3, 0), (16, 7, 59)] {
        let state = app.state.clone().with_clock(at(day, hour, minute));
        let report = state.send_messages().await.unwrap();
        assert!(report.quiet, "{day} {hour}:{minute:02} is quiet");
    }
    assert_eq!(inbox.count(), 0, "nothing at night");
    let morning = app.state.clone().with_clock(at(16, 8, 0));
    assert_eq!(morning.send_messages().await.unwrap().sent, 1);
    assert_eq!(morning.send_messages().await.unwrap().sent, 0, "sent once");
    let messages = inbox.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].phone.digits(),
        "13800000002",
        "to the guardian who moved up"
    );
}
