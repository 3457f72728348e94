//! Conformance cases for the per-guardian cap and lottery courses: applications, the draw
//! (once, also when two run at once), outcomes, and promotion in draw order.

use std::collections::BTreeSet;

use tokio::task::JoinSet;

use super::courses::registration;
use super::{day, id, Shared};
use crate::catalogue::Allocation;
use crate::domain::draw::{list_hash, Outcome, Witness};
use crate::domain::ConfirmationCode;
use crate::store::{
    DrawRequest, NewRegistration, Registered, RegistrationStatus, StoreError, TallyLimits,
};

/// Seventeen made-up children of one guardian.
const CHILDREN: [&str; 17] = [
    "王一鸣",
    "王二丫",
    "王三宝",
    "王思远",
    "王五福",
    "王六顺",
    "王七巧",
    "王八斗",
    "王久安",
    "王十全",
    "王小明",
    "王小红",
    "王小华",
    "王小东",
    "王小西",
    "王小南",
    "王小北",
];

fn application(who: u32, child: &str) -> NewRegistration {
    NewRegistration {
        allocation: Allocation::Lottery,
        ..registration(who, child, 3, 2)
    }
}

fn request(witness: &str) -> DrawRequest {
    DrawRequest {
        course: id("papercut"),
        witness: Witness::parse(witness).expect("digits"),
        capacity: 3,
        waitlist: 2,
        at: day(6),
    }
}

async fn apply_many(store: &Shared, n: u32) -> Vec<Registered> {
    let mut out = Vec::new();
    for who in 0..n {
        out.push(store.register(application(who, "李小红")).await.unwrap());
    }
    out
}

async fn status_of(store: &Shared, r: &Registered) -> (RegistrationStatus, Option<u32>) {
    let view = store.registration(&r.code, &r.token).await.unwrap();
    (view.status, view.waitlist_position)
}

async fn course_counts(store: &Shared) -> (u32, u32) {
    let mut limits = TallyLimits::default();
    limits.capacities.insert(id("papercut"), 3);
    let c = store.tallies(&limits).await.unwrap().courses[&id("papercut")];
    (c.confirmed, c.waitlisted)
}

pub async fn one_guardian_holds_at_most_the_cap(store: Shared) {
    let mut held = Vec::new();
    for child in CHILDREN {
        match store.register(registration(1, child, 12, 5)).await {
            Ok(r) => held.push(r),
            Err(e) => assert_eq!(e, StoreError::GuardianLimit { max: 2 }),
        }
    }
    assert_eq!(
        held.len(),
        2,
        "two registrations for one phone, not seventeen"
    );
    let again = store.register(registration(1, CHILDREN[0], 12, 5)).await;
    assert_eq!(again.map(|r| r.status), Err(StoreError::Duplicate));
    store.cancel(&held[0].code, &held[0].token).await.unwrap();
    let freed = store.register(registration(1, CHILDREN[5], 12, 5)).await;
    assert!(
        freed.is_ok(),
        "a cancelled registration frees the guardian's turn"
    );
    let three = NewRegistration {
        max_per_guardian: 3,
        remind_at: None,
        ..registration(2, CHILDREN[0], 12, 5)
    };
    store.register(three.clone()).await.unwrap();
    for child in [CHILDREN[1], CHILDREN[2]] {
        let r = NewRegistration {
            child_name: super::name(child),
            ..three.clone()
        };
        store.register(r).await.unwrap();
    }
    let fourth = NewRegistration {
        child_name: super::name(CHILDREN[3]),
        ..three
    };
    let refused = store.register(fourth).await.map(|r| r.status);
    assert_eq!(refused, Err(StoreError::GuardianLimit { max: 3 }));
}

pub async fn concurrent_registrations_of_one_guardian_respect_the_cap(store: Shared) {
    let mut tasks = JoinSet::new();
    for child in CHILDREN {
        let store = store.clone();
        tasks.spawn(async move { store.register(registration(7, child, 12, 5)).await });
    }
    let mut ok = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e, StoreError::GuardianLimit { max: 2 }),
        }
    }
    assert_eq!(ok, 2);
}

pub async fn lottery_applications_wait_for_the_draw(store: Shared) {
    let apps = apply_many(&store, 4).await;
    for a in &apps {
        assert_eq!(
            (a.status, a.waitlist_position),
            (RegistrationStatus::Applied, None)
        );
        assert_eq!(
            status_of(&store, a).await,
            (RegistrationStatus::Applied, None)
        );
    }
    assert_eq!(
        course_counts(&store).await,
        (0, 0),
        "nobody is confirmed before the draw"
    );
    let twice = store.register(application(0, "李小红")).await;
    assert_eq!(twice.map(|r| r.status), Err(StoreError::Duplicate));
    let sibling = store.register(application(0, "李小明")).await.unwrap();
    let third = store.register(application(0, "李小华")).await;
    assert_eq!(
        third.map(|r| r.status),
        Err(StoreError::GuardianLimit { max: 2 })
    );
    let withdrawn = store.cancel(&apps[1].code, &apps[1].token).await.unwrap();
    assert_eq!(
        (withdrawn.was, withdrawn.promoted),
        (RegistrationStatus::Applied, None)
    );
    let lotteries = store.lotteries(&[id("papercut")].into()).await.unwrap();
    let lottery = &lotteries[&id("papercut")];
    assert_eq!(
        lottery.applications, 4,
        "three of the first four, and a sibling"
    );
    assert!(lottery.draw.is_none());
    let left = [&apps[0], &apps[2], &apps[3], &sibling].map(|a| a.code.clone());
    assert_eq!(
        lottery.list_hash,
        list_hash(&left),
        "the withdrawn one is off the list"
    );
}

pub async fn the_draw_ranks_every_application_once(store: Shared) {
    let apps = apply_many(&store, 12).await;
    let codes: Vec<ConfirmationCode> = apps.iter().map(|a| a.code.clone()).collect();
    let before = store.lotteries(&[id("papercut")].into()).await.unwrap();
    assert_eq!(before[&id("papercut")].list_hash, list_hash(&codes));
    let draw = store.draw(request("371")).await.unwrap();
    assert_eq!(draw.list_hash, list_hash(&codes));
    let ranked: BTreeSet<_> = draw.ranking.iter().cloned().collect();
    assert_eq!(
        ranked,
        codes.iter().cloned().collect(),
        "every application, once"
    );
    for (i, code, outcome) in draw.outcomes() {
        let a = apps.iter().find(|a| &a.code == code).unwrap();
        let want = match outcome {
            Outcome::Confirmed => (RegistrationStatus::Confirmed, None),
            Outcome::Waitlisted => (RegistrationStatus::Waitlisted, Some(i as u32 - 2)),
            Outcome::NotDrawn => (RegistrationStatus::NotDrawn, None),
        };
        assert_eq!(status_of(&store, a).await, want, "rank {}", i + 1);
    }
    assert_eq!(course_counts(&store).await, (3, 2));
    let second = store.draw(request("999")).await;
    assert_eq!(second, Err(StoreError::AlreadyDrawn));
    let after = store.lotteries(&[id("papercut")].into()).await.unwrap();
    assert_eq!(
        after[&id("papercut")].draw.as_ref(),
        Some(&draw),
        "the first draw stands"
    );
    assert_eq!(after[&id("papercut")].applications, 12);
    assert_eq!(
        course_counts(&store).await,
        (3, 2),
        "the refused draw changed nothing"
    );
    let late = store.register(application(50, "陈小华")).await;
    assert_eq!(late.map(|r| r.status), Err(StoreError::AlreadyDrawn));
}

pub async fn cancelling_after_the_draw_promotes_in_draw_order(store: Shared) {
    let apps = apply_many(&store, 8).await;
    let draw = store.draw(request("371")).await.unwrap();
    let find = |code: &ConfirmationCode| apps.iter().find(|a| &a.code == code).unwrap();
    let first = find(&draw.ranking[0]);
    let done = store.cancel(&first.code, &first.token).await.unwrap();
    assert_eq!(
        done.promoted.as_ref(),
        Some(&draw.ranking[3]),
        "the first drawn waiter"
    );
    let next = find(&draw.ranking[4]);
    assert_eq!(
        status_of(&store, next).await,
        (RegistrationStatus::Waitlisted, Some(1))
    );
    let unlucky = find(&draw.ranking[7]);
    let gone = store.cancel(&unlucky.code, &unlucky.token).await.unwrap();
    assert_eq!(
        (gone.was, gone.promoted),
        (RegistrationStatus::NotDrawn, None)
    );
    let second = find(&draw.ranking[1]);
    let done = store.cancel(&second.code, &second.token).await.unwrap();
    assert_eq!(done.promoted.as_ref(), Some(&draw.ranking[4]));
    assert_eq!(course_counts(&store).await, (3, 0));
}

pub async fn concurrent_draws_have_one_winner(store: Shared) {
    let apps = apply_many(&store, 12).await;
    let mut tasks = JoinSet::new();
    for witness in ["371", "372", "100", "999", "5", "42", "808", "123"] {
        let store = store.clone();
        tasks.spawn(async move { store.draw(request(witness)).await });
    }
    let mut winners = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            Ok(draw) => winners.push(draw),
            Err(e) => assert_eq!(e, StoreError::AlreadyDrawn),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one draw wins");
    let draw = &winners[0];
    let lotteries = store.lotteries(&[id("papercut")].into()).await.unwrap();
    assert_eq!(lotteries[&id("papercut")].draw.as_ref(), Some(draw));
    for (i, code, outcome) in draw.outcomes() {
        let a = apps.iter().find(|a| &a.code == code).unwrap();
        let status = status_of(&store, a).await.0;
        assert_eq!(
            status,
            RegistrationStatus::from_outcome(outcome),
            "rank {}",
            i + 1
        );
    }
    assert_eq!(course_counts(&store).await, (3, 2));
}
