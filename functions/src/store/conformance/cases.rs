//! Conformance cases for demand: orders, nominations, withdrawals, lecture requests.

use std::collections::BTreeMap;

use tokio::task::JoinSet;

use super::{day, id, name, person, Shared};
use crate::domain::{CancelToken, ShortText, TownshipId};
use crate::store::{NewNomination, NewOrder, StoreError};

fn order(program: &str, township: &str, who: u32) -> NewOrder {
    NewOrder {
        program: id(program),
        township: id(township),
        person: person(who),
        name: name("张美玲"),
        note: Some(ShortText::parse("想看这出戏").expect("a valid note")),
        at: day(1),
        reach: None,
    }
}

pub(super) fn nomination(
    lecturer: &str,
    township: &str,
    who: u32,
    threshold: u32,
) -> NewNomination {
    NewNomination {
        lecturer: id(lecturer),
        township: id(township),
        person: person(who),
        name: name("林秀英"),
        topic: None,
        threshold,
        at: day(2),
        withdraw: token(who),
        reach: None,
    }
}

/// The withdrawal token person `who` got for their nomination.
pub(super) fn token(who: u32) -> CancelToken {
    CancelToken::parse(&format!("{who:032x}")).expect("32 hex digits")
}

pub async fn order_repeat_is_counted_once(store: Shared) {
    let first = store.order(order("minju", "nanyu", 1)).await.unwrap();
    assert!(!first.duplicate);
    assert_eq!((first.township_count, first.program_total), (1, 1));
    let again = store.order(order("minju", "nanyu", 1)).await.unwrap();
    assert!(
        again.duplicate,
        "the same person ordering again is a duplicate"
    );
    assert_eq!((again.township_count, again.program_total), (1, 1));
    // One open order per person per program, whichever township they name.
    let elsewhere = store.order(order("minju", "ganzhe", 1)).await.unwrap();
    assert!(elsewhere.duplicate);
    assert_eq!((elsewhere.township_count, elsewhere.program_total), (0, 1));
    let other_program = store.order(order("pinghua", "nanyu", 1)).await.unwrap();
    assert!(!other_program.duplicate);
}

pub async fn orders_are_tallied_per_township_and_in_total(store: Shared) {
    for (who, township) in [(1, "nanyu"), (2, "nanyu"), (3, "ganzhe")] {
        store.order(order("minju", township, who)).await.unwrap();
    }
    let out = store.order(order("minju", "nanyu", 4)).await.unwrap();
    assert_eq!((out.township_count, out.program_total), (3, 4));
}

pub async fn closed_orders_may_be_placed_again(store: Shared) {
    store.order(order("minju", "nanyu", 1)).await.unwrap();
    store.order(order("minju", "ganzhe", 2)).await.unwrap();
    let closed = store
        .close_orders(&id("minju"), &id("nanyu"), day(20))
        .await
        .unwrap();
    assert_eq!(closed, 1);
    let again = store.order(order("minju", "nanyu", 1)).await.unwrap();
    assert!(
        !again.duplicate,
        "a performed order no longer blocks a new one"
    );
    assert_eq!((again.township_count, again.program_total), (1, 2));
}

pub async fn concurrent_orders_are_counted_exactly(store: Shared) {
    let mut tasks = JoinSet::new();
    // 150 persons, each submitting twice at once (a double tap on a slow network).
    for who in 0..300u32 {
        let store = store.clone();
        let township = if who % 3 == 0 { "nanyu" } else { "ganzhe" };
        let o = order("minju", township, who / 2 * 2);
        tasks.spawn(async move { store.order(o).await });
    }
    let mut duplicates = 0;
    while let Some(joined) = tasks.join_next().await {
        duplicates += u32::from(joined.unwrap().unwrap().duplicate);
    }
    assert_eq!(duplicates, 150);
    let last = store.order(order("minju", "nanyu", 10_000)).await.unwrap();
    assert_eq!(last.program_total, 151);
}

pub async fn nomination_repeat_is_counted_once(store: Shared) {
    let first = store
        .nominate(nomination("lin", "nanyu", 1, 15))
        .await
        .unwrap();
    assert!(!first.duplicate && !first.crossed);
    assert_eq!((first.count, first.threshold), (1, 15));
    let again = store
        .nominate(nomination("lin", "ganzhe", 1, 15))
        .await
        .unwrap();
    assert!(again.duplicate && !again.crossed);
    assert_eq!(again.count, 1);
    let other = store
        .nominate(nomination("chen", "nanyu", 1, 15))
        .await
        .unwrap();
    assert!(
        !other.duplicate,
        "one per person per lecturer, not per person"
    );
}

pub async fn concurrent_nominations_cross_the_threshold_once(store: Shared) {
    let mut tasks = JoinSet::new();
    for who in 0..500u32 {
        let store = store.clone();
        let township = ["nanyu", "ganzhe", "shangjie"][who as usize % 3];
        let n = nomination("lin", township, who, 15);
        tasks.spawn(async move { store.nominate(n).await });
    }
    let (mut crossings, mut counts) = (0, Vec::new());
    while let Some(joined) = tasks.join_next().await {
        let out = joined.unwrap().unwrap();
        assert!(!out.duplicate);
        crossings += u32::from(out.crossed);
        if out.crossed {
            assert_eq!(out.count, 15, "the crossing is the nomination that made 15");
        }
        counts.push(out.count);
    }
    assert_eq!(crossings, 1, "the crossing is reported exactly once");
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=500).collect::<Vec<_>>(),
        "every count seen once"
    );
    let requests = store.lecture_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].by_township.values().sum::<u32>(), 500);
}

pub async fn withdrawal_is_allowed_before_the_threshold_only(store: Shared) {
    for who in 0..3 {
        store
            .nominate(nomination("lin", "nanyu", who, 4))
            .await
            .unwrap();
    }
    let left = store
        .withdraw_nomination(&id("lin"), &person(0), &token(0))
        .await
        .unwrap();
    assert_eq!(left, 2);
    for who in [0, 3] {
        store
            .nominate(nomination("lin", "nanyu", who, 4))
            .await
            .unwrap();
    }
    let err = (store.withdraw_nomination(&id("lin"), &person(1), &token(1))).await;
    assert_eq!(err, Err(StoreError::Frozen));
    let tallies = store.lecture_requests().await.unwrap();
    assert_eq!(tallies.len(), 1);
}

pub async fn withdrawing_nothing_is_not_found(store: Shared) {
    let err = (store.withdraw_nomination(&id("lin"), &person(9), &token(9))).await;
    assert_eq!(err, Err(StoreError::NotFound));
}

/// A stranger who knows the nominator's phone but not the token gets the very answer a
/// never-made nomination gets; a repeat nomination's token takes nothing back.
pub async fn withdrawal_needs_the_nominations_own_token(store: Shared) {
    store
        .nominate(nomination("lin", "nanyu", 1, 15))
        .await
        .unwrap();
    let stranger = (store.withdraw_nomination(&id("lin"), &person(1), &token(7))).await;
    assert_eq!(stranger, Err(StoreError::NotFound));
    let mut repeat = nomination("lin", "nanyu", 1, 15);
    repeat.withdraw = token(8);
    assert!(store.nominate(repeat).await.unwrap().duplicate);
    let with_repeat = (store.withdraw_nomination(&id("lin"), &person(1), &token(8))).await;
    assert_eq!(with_repeat, Err(StoreError::NotFound));
    let own = (store.withdraw_nomination(&id("lin"), &person(1), &token(1))).await;
    assert_eq!(
        own,
        Ok(0),
        "the nomination was still there and still counted once"
    );
}

pub async fn lecture_requests_list_crossed_lecturers(store: Shared) {
    for who in 0..2 {
        store
            .nominate(nomination("lin", "nanyu", who, 2))
            .await
            .unwrap();
    }
    store
        .nominate(nomination("lin", "ganzhe", 2, 2))
        .await
        .unwrap();
    store
        .nominate(nomination("chen", "nanyu", 0, 2))
        .await
        .unwrap();
    let requests = store.lecture_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "chen has not crossed");
    let request = &requests[0];
    assert_eq!(request.lecturer.as_str(), "lin");
    assert_eq!(request.threshold, 2);
    assert_eq!(request.crossed_at, day(2));
    let expected: BTreeMap<TownshipId, u32> = [(id("nanyu"), 2), (id("ganzhe"), 1)].into();
    assert_eq!(request.by_township, expected);
}
