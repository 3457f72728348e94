//! Conformance cases for abuse-limit counters and a person's data: access and erasure.

use tokio::task::JoinSet;

use super::cases::nomination;
use super::courses::registration;
use super::{day, id, name, person, secret, Shared};
use crate::domain::{Comment, ReplyText, ShortText, Stars, WishText};
use crate::store::{
    Attempt, Forgotten, LimitKey, NewOrder, NewRating, NewWish, RegistrationStatus, TallyLimits,
};

fn attempt(who: u32, at: i64) -> Attempt {
    Attempt::new(LimitKey::person(&person(who)), at, 60)
}

pub async fn attempts_are_counted_per_key_and_window(store: Shared) {
    let t = 1_800_000_000;
    for expected in 1..=3 {
        assert_eq!(
            store.count_attempt(attempt(1, t + 5)).await.unwrap(),
            expected
        );
    }
    assert_eq!(
        store.count_attempt(attempt(2, t + 5)).await.unwrap(),
        1,
        "another key"
    );
    assert_eq!(
        store.count_attempt(attempt(1, t + 60)).await.unwrap(),
        1,
        "the next window"
    );
    let client = LimitKey::client(&secret(), "192.0.2.7".parse().unwrap());
    let a = Attempt::new(client, t, 600);
    assert_eq!(store.count_attempt(a.clone()).await.unwrap(), 1);
    assert_eq!(store.count_attempt(a).await.unwrap(), 2);
}

pub async fn concurrent_attempts_are_counted_exactly(store: Shared) {
    let mut tasks = JoinSet::new();
    for _ in 0..100 {
        let store = store.clone();
        tasks.spawn(async move { store.count_attempt(attempt(7, 1_800_000_000)).await });
    }
    let mut seen = Vec::new();
    while let Some(done) = tasks.join_next().await {
        seen.push(done.unwrap().unwrap());
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=100).collect::<Vec<u32>>(),
        "each attempt saw its own count"
    );
}

fn order(program: &str, who: u32) -> NewOrder {
    NewOrder {
        program: id(program),
        township: id("nanyu"),
        person: person(who),
        name: name("陈丽华"),
        note: Some(ShortText::parse("请来南屿").expect("a note")),
        at: day(1),
        reach: None,
    }
}

fn rating(who: u32, stars: u32) -> NewRating {
    NewRating {
        slot: id("2026-12-12-nanyu-stage"),
        person: person(who),
        stars: Stars::new(stars).expect("stars"),
        comment: Some(Comment::parse("很精彩").expect("a comment")),
        at: day(13),
    }
}

fn wish(who: u32) -> NewWish {
    NewWish {
        text: WishText::parse("希望周末多放几场露天电影").expect("a wish"),
        township: id("nanyu"),
        name: Some(name("陈丽华")),
        person: Some(person(who)),
        at: day(4),
        reach: None,
    }
}

/// Person 1 does one of everything; person 2 orders the same program, nominates the same
/// lecturer, rates the same slot and waits for person 1's course place.
async fn two_residents(store: &Shared) {
    for who in [1, 2] {
        store.order(order("minju-lin-zexu", who)).await.unwrap();
        store
            .nominate(nomination("chen-siqi", "nanyu", who, 15))
            .await
            .unwrap();
        store.rate(rating(who, who + 3)).await.unwrap();
        let r = store
            .register(registration(who, "王小明", 1, 5))
            .await
            .unwrap();
        let expected = if who == 1 {
            RegistrationStatus::Confirmed
        } else {
            RegistrationStatus::Waitlisted
        };
        assert_eq!(r.status, expected);
    }
    let w = store.wish(wish(1)).await.unwrap();
    let reply = ReplyText::parse("已经安排在春节期间。").expect("a reply");
    store.reply(w, reply, day(6)).await.unwrap();
}

pub async fn person_data_holds_everything_of_one_person(store: Shared) {
    two_residents(&store).await;
    let data = store.person_data(&person(1)).await.unwrap();
    assert_eq!(data.orders.len(), 1);
    assert_eq!(data.nominations.len(), 1);
    assert_eq!(data.ratings.len(), 1);
    assert_eq!(data.ratings[0].stars, 4);
    assert_eq!(data.registrations.len(), 1);
    assert_eq!(
        data.registrations[0].phone, "13800000001",
        "the phone in full, for its owner"
    );
    assert_eq!(data.wishes.len(), 1);
    assert_eq!(
        data.wishes[0].name.as_deref(),
        Some("陈丽华"),
        "unmasked: it is theirs"
    );
    assert!(data.wishes[0].reply.is_some());
    let nobody = store.person_data(&person(9)).await.unwrap();
    assert_eq!(nobody, Default::default());
}

fn limits() -> TallyLimits {
    let mut limits = TallyLimits::default();
    limits.thresholds.insert(id("chen-siqi"), 15);
    limits.capacities.insert(id("papercut"), 1);
    limits
}

pub async fn forgetting_a_person_erases_them_and_fixes_tallies(store: Shared) {
    two_residents(&store).await;
    let gone = store.forget_person(&person(1)).await.unwrap();
    let one = Forgotten {
        orders: 1,
        nominations: 1,
        registrations: 1,
        wishes: 1,
        ratings: 1,
    };
    assert_eq!(gone, one);
    assert_eq!(
        store.person_data(&person(1)).await.unwrap(),
        Default::default()
    );
    let t = store.tallies(&limits()).await.unwrap();
    assert_eq!(t.programs[&id("minju-lin-zexu")].total, 1);
    assert_eq!(t.lecturers[&id("chen-siqi")].nominations, 1);
    let course = t.courses[&id("papercut")];
    assert_eq!(
        (course.confirmed, course.waitlisted),
        (1, 0),
        "the waiter moved up"
    );
    let mine = store.person_data(&person(2)).await.unwrap();
    assert_eq!(mine.registrations[0].status, RegistrationStatus::Confirmed);
    let summary = &store.rating_summaries().await.unwrap()[&id("2026-12-12-nanyu-stage")];
    assert_eq!(
        (summary.count, summary.histogram[4]),
        (1, 1),
        "person 2's five stars remain"
    );
    assert!(store.answered_wishes().await.unwrap().is_empty());
    assert_eq!(
        store.forget_person(&person(1)).await.unwrap().total(),
        0,
        "idempotent"
    );
}
