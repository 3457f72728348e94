//! The sender: a text owed at night waits for eight in the morning, then goes once; the
//! `notify` function's handler with a recorded stream batch whose first send fails.

use std::sync::Arc;

use chrono::TimeZone;
use diandan_functions::clock::{china_offset, fixed_clock};
use diandan_functions::notify::on_wake;
use diandan_functions::sms::{Inbox, Message, Sms, SmsError};
use diandan_functions::store::conformance::{data_key, registration};
use diandan_functions::store::{NewRegistration, SqliteStore, Store};

use super::support::{app_on, catalogue};

/// Guardian 1's registration, whose number is not kept: only the promotion is owed.
fn untold(mut r: NewRegistration) -> NewRegistration {
    r.reach = None;
    r
}

#[tokio::test]
async fn a_promotion_at_night_is_texted_at_eight_in_the_morning_once() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let first = store
        .register(untold(registration(1, "王小明", 1, 3)))
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
    let app = app_on(store, catalogue(), (12, 15), move |s| {
        s.with_sms(sms).with_data_key(data_key().clone())
    });
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

/// An SMS provider that fails its first send (the vendor unreachable), then delivers.
#[derive(Default)]
struct Flaky {
    tries: std::sync::Mutex<u32>,
    delivered: Inbox,
}

#[async_trait::async_trait]
impl Sms for Flaky {
    async fn send(&self, message: &Message) -> Result<(), SmsError> {
        let first = {
            let mut tries = self.tries.lock().unwrap();
            *tries += 1;
            *tries == 1
        };
        if first {
            return Err(SmsError::Transport("connection reset".into()));
        }
        self.delivered.send(message).await
    }
}

/// The `notify` function woken by a recorded stream batch: the first send fails and is recorded
/// for a retry; the same batch delivered again sends nothing; the retry goes once.
#[tokio::test]
async fn a_stream_batch_with_a_failing_send_is_retried_once_and_not_duplicated() {
    let raw = include_str!("../fixtures/outbox_stream.json");
    let batch: serde_json::Value = serde_json::from_str(raw).unwrap();
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let first = store
        .register(untold(registration(1, "王小明", 1, 3)))
        .await
        .unwrap();
    store
        .register(registration(2, "李小红", 1, 3))
        .await
        .unwrap();
    store.cancel(&first.code, &first.token).await.unwrap();
    let sms = Arc::new(Flaky::default());
    let shared = sms.clone();
    let app = app_on(store, catalogue(), (12, 15), move |s| {
        s.with_sms(shared).with_data_key(data_key().clone())
    });
    let at = |minute: u32| {
        let t = china_offset()
            .with_ymd_and_hms(2026, 12, 15, 10, minute, 0)
            .single()
            .unwrap();
        app.state.clone().with_clock(fixed_clock(t))
    };
    let failed = on_wake(&at(0), &batch).await.unwrap();
    assert_eq!((failed.sent, failed.retried), (0, 1), "reported as a retry");
    let redelivered = on_wake(&at(0), &batch).await.unwrap();
    assert_eq!(
        (redelivered.sent, redelivered.retried),
        (0, 0),
        "not due again yet"
    );
    let later = on_wake(&at(5), &serde_json::json!({"source": "aws.events"}))
        .await
        .unwrap();
    assert_eq!(later.sent, 1, "the schedule's wake sends the retry");
    assert_eq!(on_wake(&at(20), &batch).await.unwrap().sent, 0, "once");
    assert_eq!(sms.delivered.count(), 1);
    assert_eq!(*sms.tries.lock().unwrap(), 2);
}

/// The notify function's stream filter in `template.yaml` admits outbox inserts only.
#[test]
fn the_stream_filter_admits_new_outbox_items_only() {
    let template = include_str!("../../../template.yaml");
    let line = (template.lines())
        .find(|l| l.contains("\"OUTBOX\""))
        .expect("the notify function's filter");
    let pattern = line
        .trim()
        .trim_start_matches("- Pattern: ")
        .trim_matches('\'');
    let pattern: serde_json::Value = serde_json::from_str(pattern).unwrap();
    let admits = |record: &serde_json::Value| {
        let names = pattern["eventName"].as_array().unwrap();
        let parts = pattern["dynamodb"]["Keys"]["pk"]["S"].as_array().unwrap();
        names.contains(&record["eventName"])
            && parts.contains(&record["dynamodb"]["Keys"]["pk"]["S"])
    };
    let batch: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/outbox_stream.json")).unwrap();
    assert!(admits(&batch["Records"][0]));
    let others: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/stream_records.json")).unwrap();
    for (name, record) in others.as_object().unwrap() {
        assert!(!admits(record), "{name} would wake the notify function");
    }
    let mut settled = batch["Records"][0].clone();
    settled["eventName"] = "MODIFY".into();
    assert!(
        !admits(&settled),
        "a claim or an outcome does not wake it again"
    );
}

/// A place is told at once and reminded the day before its first session at ten, once; the
/// reminder names the course, the date and the time.
#[tokio::test]
async fn a_place_is_reminded_the_day_before_the_first_session() {
    use diandan_functions::sms::Template;
    use diandan_functions::store::reminder_time;

    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let mut place = registration(1, "王小明", 5, 3);
    place.course = "summer-papercut".parse().unwrap();
    place.remind_at = reminder_time(chrono::NaiveDate::from_ymd_opt(2026, 7, 10).unwrap());
    place.at = china_offset()
        .with_ymd_and_hms(2026, 7, 1, 9, 0, 0)
        .single()
        .unwrap();
    store.register(place).await.unwrap();
    let inbox = Arc::new(Inbox::new());
    let sms = inbox.clone();
    let app = app_on(store, catalogue(), (7, 1), move |s| {
        s.with_sms(sms).with_data_key(data_key().clone())
    });
    let at = |day: u32, hour: u32| {
        let t = china_offset()
            .with_ymd_and_hms(2026, 7, day, hour, 0, 0)
            .single()
            .unwrap();
        app.state.clone().with_clock(fixed_clock(t))
    };
    assert_eq!(
        at(1, 10).send_messages().await.unwrap().sent,
        1,
        "told at once"
    );
    assert_eq!(
        at(9, 9).send_messages().await.unwrap().sent,
        0,
        "not before ten the day before"
    );
    assert_eq!(at(9, 10).send_messages().await.unwrap().sent, 1, "reminded");
    assert_eq!(at(9, 11).send_messages().await.unwrap().sent, 0, "once");
    let messages = inbox.messages();
    let reminder = messages.last().unwrap();
    assert_eq!(reminder.template, Template::Reminder);
    let words: Vec<&str> = reminder.params.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(words, ["“少儿剪纸暑期班”第一次上课", "7月10日", "09:00"]);
}
