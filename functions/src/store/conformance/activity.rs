//! Conformance cases for the counts by month the open data publishes.

use chrono::TimeZone;

use super::cases::nomination;
use super::{day, id, name, person, Shared};
use crate::clock::china_offset;
use crate::domain::{ReplyText, WishText};
use crate::store::{NewOrder, NewWish, TallyLimits, Time};

fn order(program: &str, who: u32, at: Time) -> NewOrder {
    NewOrder {
        program: id(program),
        township: id("nanyu"),
        person: person(who),
        name: name("张美玲"),
        note: None,
        at,
        reach: None,
    }
}

fn wish(who: u32, at: Time) -> NewWish {
    NewWish {
        text: WishText::parse("希望村里多放几场电影").expect("a valid wish"),
        township: id("nanyu"),
        name: Some(name("张美玲")),
        person: Some(person(who)),
        at,
        reach: None,
    }
}

pub async fn activity_counts_by_month_in_china_time(store: Shared) {
    let november = china_offset()
        .with_ymd_and_hms(2026, 11, 30, 23, 0, 0)
        .single()
        .unwrap();
    // 20:00 in London on 30 November is already 1 December in Fuzhou.
    let utc_evening = chrono::DateTime::parse_from_rfc3339("2026-11-30T20:00:00+00:00").unwrap();
    store.order(order("minju", 1, november)).await.unwrap();
    store.order(order("minju", 2, utc_evening)).await.unwrap();
    store.order(order("pinghua", 2, day(3))).await.unwrap();
    // A repeat counts nothing: one person cannot inflate the figures.
    let again = store.order(order("minju", 2, day(4))).await.unwrap();
    assert!(again.duplicate);
    store
        .nominate(nomination("lin", "nanyu", 1, 15))
        .await
        .unwrap();
    store
        .nominate(nomination("lin", "nanyu", 1, 15))
        .await
        .unwrap();
    let answered = store.wish(wish(1, november)).await.unwrap();
    let hidden = store.wish(wish(2, day(2))).await.unwrap();
    store.wish(wish(3, day(5))).await.unwrap();
    let reply = ReplyText::parse("已经安排。").unwrap();
    store.reply(answered, reply, day(6)).await.unwrap();
    store.hide(hidden).await.unwrap();

    let a = store.activity().await.unwrap();
    let (nov, dec) = (&a.months["2026-11"], &a.months["2026-12"]);
    assert_eq!(
        (nov.orders, nov.nominations, nov.wishes, nov.answered),
        (1, 0, 1, 0)
    );
    assert_eq!(
        (dec.orders, dec.nominations, dec.wishes, dec.answered),
        (2, 1, 1, 1)
    );
    assert_eq!(
        a.pending_wishes, 1,
        "the hidden wish is neither pending nor received"
    );
    assert_eq!(a.months.len(), 2);
    let snapshot = store.snapshot(&TallyLimits::default()).await.unwrap();
    assert_eq!(snapshot.activity, a, "a build sees the same counts");
}
