//! Conformance cases for what the public sees: wishes, ratings, tallies, and cleanup.

use serde_json::json;

use super::cases::nomination;
use super::courses::registration;
use super::{day, id, name, person, phone, Shared};
use crate::domain::{Comment, ReplyText, Stars, WishText};
use crate::store::{NewOrder, NewRating, NewWish, StoreError, TallyLimits};

fn wish(text: &str, who: Option<u32>) -> NewWish {
    NewWish {
        text: WishText::parse(text).expect("a valid wish"),
        township: id("nanyu"),
        name: who.map(|_| name("张美玲")),
        person: who.map(person),
        at: day(4),
        reach: None,
    }
}

fn reply(text: &str) -> ReplyText {
    ReplyText::parse(text).expect("a valid reply")
}

fn rating(slot: &str, who: u32, stars: u32) -> NewRating {
    NewRating {
        slot: id(slot),
        person: person(who),
        stars: Stars::new(stars).expect("valid stars"),
        comment: Some(Comment::parse("演得真好").expect("a valid comment")),
        at: day(13),
    }
}

pub async fn rating_is_once_per_person_per_slot(store: Shared) {
    let slot = "2026-12-12-nanyu-stage";
    store.rate(rating(slot, 1, 5)).await.unwrap();
    assert_eq!(
        store.rate(rating(slot, 1, 1)).await,
        Err(StoreError::Duplicate)
    );
    store.rate(rating(slot, 2, 4)).await.unwrap();
    store.rate(rating(slot, 3, 4)).await.unwrap();
    store
        .rate(rating("2026-12-19-ganzhe-stage", 1, 3))
        .await
        .unwrap();
    let summaries = store.rating_summaries().await.unwrap();
    let s = &summaries[&id(slot)];
    assert_eq!(s.count, 3);
    assert_eq!(s.histogram, [0, 0, 0, 2, 1]);
    assert!((s.average - 4.3).abs() < 1e-9, "{}", s.average);
    assert_eq!(summaries.len(), 2);
}

pub async fn wishes_are_public_only_when_replied(store: Shared) {
    let unanswered = store
        .wish(wish("希望村里多演几场闽剧", Some(1)))
        .await
        .unwrap();
    let answered = store
        .wish(wish("文化站能不能晚上开门", None))
        .await
        .unwrap();
    let hidden = store
        .wish(wish("这条留言含有不当内容", Some(2)))
        .await
        .unwrap();
    assert_ne!(unanswered, answered);
    assert!(store.answered_wishes().await.unwrap().is_empty());
    store
        .reply(answered, reply("已安排每周五晚开放。"), day(6))
        .await
        .unwrap();
    store.reply(hidden, reply("收到。"), day(6)).await.unwrap();
    store.hide(hidden).await.unwrap();
    let public = store.answered_wishes().await.unwrap();
    assert_eq!(public.len(), 1, "unanswered and hidden wishes stay private");
    let w = &public[0];
    assert_eq!((w.id, w.name.as_deref()), (answered, None));
    assert_eq!(w.reply, "已安排每周五晚开放。");
    assert_eq!(
        (w.asked_on, w.replied_on),
        (day(4).date_naive(), day(6).date_naive())
    );
    let missing = store.reply(9_999, reply("无此诉求"), day(6)).await;
    assert_eq!(missing, Err(StoreError::NotFound));
    assert_eq!(store.hide(9_999).await, Err(StoreError::NotFound));
}

pub async fn public_wishes_never_carry_contact_details(store: Shared) {
    let id = store
        .wish(wish("希望开设老年书法班", Some(7)))
        .await
        .unwrap();
    store
        .reply(id, reply("明年春季开班。"), day(8))
        .await
        .unwrap();
    let public = store.answered_wishes().await.unwrap();
    assert_eq!(public[0].name.as_deref(), Some("张*玲"));
    let text = serde_json::to_string(&public).unwrap();
    for secret in [phone(7).digits().to_owned(), person(7).as_str().to_owned()] {
        assert!(!text.contains(&secret), "contact leaked: {text}");
    }
    assert!(!text.contains("张美玲"), "the full name leaked: {text}");
}

pub async fn tallies_have_the_design_shape(store: Shared) {
    for (who, township) in [(1, "nanyu"), (2, "nanyu"), (3, "ganzhe")] {
        store
            .order(NewOrder {
                program: id("minju"),
                township: id(township),
                person: person(who),
                name: name("张美玲"),
                note: None,
                at: day(1),
                reach: None,
            })
            .await
            .unwrap();
    }
    for who in 0..15 {
        store
            .nominate(nomination("lin", "nanyu", who, 15))
            .await
            .unwrap();
    }
    for who in 0..3 {
        store
            .register(registration(who, "小明", 2, 5))
            .await
            .unwrap();
    }
    let mut limits = TallyLimits::default();
    limits.programs.insert(id("pinghua"));
    limits.thresholds.insert(id("lin"), 15);
    limits.thresholds.insert(id("chen"), 20);
    limits.capacities.insert(id("papercut"), 2);
    let tallies = serde_json::to_value(store.tallies(&limits).await.unwrap()).unwrap();
    let expected = json!({
        "programs": {
            "minju": { "total": 3, "by_township": { "nanyu": 2, "ganzhe": 1 } },
            "pinghua": { "total": 0, "by_township": {} }
        },
        "lecturers": {
            "lin": { "nominations": 15, "threshold": 15, "reached": true },
            "chen": { "nominations": 0, "threshold": 20, "reached": false }
        },
        "courses": {
            "papercut": { "capacity": 2, "confirmed": 2, "places_left": 0, "waitlisted": 1 }
        }
    });
    assert_eq!(tallies, expected);
}

pub async fn purge_drops_expired_personal_data(store: Shared) {
    let long_ago = day(1) - chrono::Duration::days(400);
    let old = NewOrder {
        program: id("minju"),
        township: id("nanyu"),
        person: person(1),
        name: name("张美玲"),
        note: None,
        at: long_ago,
        reach: None,
    };
    store.order(old.clone()).await.unwrap();
    store
        .order(NewOrder {
            person: person(2),
            at: day(1),
            ..old
        })
        .await
        .unwrap();
    let mut ended = registration(3, "小明", 5, 5);
    ended.expires_at = day(2);
    store.register(ended).await.unwrap();
    let gone = store.purge_expired(day(10)).await.unwrap();
    assert_eq!(gone, 2);
    let mut limits = TallyLimits::default();
    limits.capacities.insert(id("papercut"), 5);
    let tallies = store.tallies(&limits).await.unwrap();
    assert_eq!(tallies.programs[&id("minju")].total, 1);
    assert_eq!(tallies.courses[&id("papercut")].confirmed, 0);
}
