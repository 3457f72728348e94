//! Conformance cases for course registrations: capacity, waitlist, cancel and promotion.

use std::collections::BTreeSet;

use tokio::task::JoinSet;

use super::{day, id, name, person, phone, Shared};
use crate::catalogue::{Allocation, DEFAULT_MAX_PER_GUARDIAN};
use crate::domain::{CancelToken, ChildAge, ConfirmationCode};
use crate::store::{NewRegistration, Registered, RegistrationStatus, StoreError, TallyLimits};

/// A registration for course `papercut` by guardian `who`, for a child called `child`.
pub fn registration(who: u32, child: &str, capacity: u32, waitlist: u32) -> NewRegistration {
    NewRegistration {
        course: id("papercut"),
        capacity,
        waitlist,
        guardian_name: name("王芳"),
        phone: phone(who),
        person: person(who),
        child_name: name(child),
        child_age: ChildAge::new(9).expect("a valid age"),
        at: day(3),
        expires_at: day(31),
        allocation: Allocation::FirstCome,
        max_per_guardian: DEFAULT_MAX_PER_GUARDIAN,
        remind_at: None,
        reach: Some(super::sealed(who)),
    }
}

async fn register(store: &Shared, who: u32, capacity: u32, waitlist: u32) -> Registered {
    store
        .register(registration(who, "王小明", capacity, waitlist))
        .await
        .unwrap()
}

async fn course_counts(store: &Shared, capacity: u32) -> (u32, u32, u32) {
    let mut limits = TallyLimits::default();
    limits.capacities.insert(id("papercut"), capacity);
    let tallies = store.tallies(&limits).await.unwrap();
    let c = tallies.courses[&id("papercut")];
    (c.confirmed, c.waitlisted, c.places_left)
}

pub async fn registrations_confirm_then_waitlist_then_refuse(store: Shared) {
    let a = register(&store, 1, 1, 2).await;
    assert_eq!(
        (a.status, a.waitlist_position),
        (RegistrationStatus::Confirmed, None)
    );
    let b = register(&store, 2, 1, 2).await;
    assert_eq!(
        (b.status, b.waitlist_position),
        (RegistrationStatus::Waitlisted, Some(1))
    );
    let c = register(&store, 3, 1, 2).await;
    assert_eq!(c.waitlist_position, Some(2));
    let full = store.register(registration(4, "王小明", 1, 2)).await;
    assert_eq!(full.map(|r| r.status), Err(StoreError::Full));
    assert_ne!(a.code, b.code);
    assert_eq!(a.token.reveal().len(), 32);
    assert_eq!(course_counts(&store, 1).await, (1, 2, 0));
}

pub async fn concurrent_registrations_never_exceed_capacity(store: Shared) {
    let mut tasks = JoinSet::new();
    for who in 0..200u32 {
        let store = store.clone();
        let r = registration(who, "李小红", 30, 10);
        tasks.spawn(async move { store.register(r).await });
    }
    let (mut confirmed, mut waitlisted, mut full) = (0, BTreeSet::new(), 0);
    let mut codes = BTreeSet::new();
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            Ok(r) => {
                assert!(codes.insert(r.code.clone()), "codes are unique");
                match r.waitlist_position {
                    None => confirmed += 1,
                    Some(at) => assert!(waitlisted.insert(at), "positions are unique"),
                }
            }
            Err(StoreError::Full) => full += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(confirmed, 30);
    assert_eq!(waitlisted, (1..=10).collect::<BTreeSet<u32>>());
    assert_eq!(full, 160);
    assert_eq!(codes.len(), 40, "none lost");
    assert_eq!(course_counts(&store, 30).await, (30, 10, 0));
}

pub async fn same_child_twice_is_a_duplicate(store: Shared) {
    let first = store
        .register(registration(1, "王小明", 30, 10))
        .await
        .unwrap();
    let again = store.register(registration(1, "王小明", 30, 10)).await;
    assert_eq!(again.map(|r| r.status), Err(StoreError::Duplicate));
    let sibling = store.register(registration(1, "王小红", 30, 10)).await;
    assert!(sibling.is_ok(), "a brother or sister is another child");
    store.cancel(&first.code, &first.token).await.unwrap();
    let back = store.register(registration(1, "王小明", 30, 10)).await;
    assert!(back.is_ok(), "a cancelled registration may be made again");
}

pub async fn cancel_promotes_the_first_waitlisted(store: Shared) {
    let a = register(&store, 1, 2, 3).await;
    let _b = register(&store, 2, 2, 3).await;
    let c = register(&store, 3, 2, 3).await;
    let d = register(&store, 4, 2, 3).await;
    assert_eq!(c.status, RegistrationStatus::Waitlisted);
    let done = store.cancel(&a.code, &a.token).await.unwrap();
    assert_eq!(done.was, RegistrationStatus::Confirmed);
    assert_eq!(
        done.promoted.as_ref(),
        Some(&c.code),
        "the first to wait moves up"
    );
    assert_eq!(done.course.as_str(), "papercut");
    let c_now = store.registration(&c.code, &c.token).await.unwrap();
    assert_eq!(c_now.status, RegistrationStatus::Confirmed);
    let d_now = store.registration(&d.code, &d.token).await.unwrap();
    assert_eq!(d_now.waitlist_position, Some(1));
    let a_now = store.registration(&a.code, &a.token).await.unwrap();
    assert_eq!(a_now.status, RegistrationStatus::Cancelled);
    assert_eq!(course_counts(&store, 2).await, (2, 1, 0));
}

pub async fn cancelling_a_waitlisted_place_promotes_nobody(store: Shared) {
    let _a = register(&store, 1, 1, 3).await;
    let b = register(&store, 2, 1, 3).await;
    let c = register(&store, 3, 1, 3).await;
    let done = store.cancel(&b.code, &b.token).await.unwrap();
    assert_eq!(
        (done.was, done.promoted),
        (RegistrationStatus::Waitlisted, None)
    );
    let c_now = store.registration(&c.code, &c.token).await.unwrap();
    assert_eq!(c_now.waitlist_position, Some(1));
    assert_eq!(course_counts(&store, 1).await, (1, 1, 0));
}

pub async fn cancel_refuses_a_wrong_token(store: Shared) {
    let a = register(&store, 1, 1, 1).await;
    let b = register(&store, 2, 1, 1).await;
    let wrong = CancelToken::random();
    assert_eq!(
        store.cancel(&a.code, &wrong).await,
        Err(StoreError::BadToken)
    );
    assert_eq!(
        store.cancel(&a.code, &b.token).await,
        Err(StoreError::BadToken)
    );
    let unknown = ConfirmationCode::parse("ZZZZZZ").unwrap();
    assert_eq!(
        store.cancel(&unknown, &a.token).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(course_counts(&store, 1).await, (1, 1, 0), "nothing changed");
    store.cancel(&a.code, &a.token).await.unwrap();
    let twice = store.cancel(&a.code, &a.token).await;
    assert_eq!(twice, Err(StoreError::AlreadyCancelled));
}

pub async fn concurrent_cancels_promote_each_waiter_once(store: Shared) {
    let mut confirmed = Vec::new();
    for who in 0..10 {
        confirmed.push(register(&store, who, 10, 10).await);
    }
    let mut waiting = BTreeSet::new();
    for who in 10..16 {
        waiting.insert(register(&store, who, 10, 10).await.code);
    }
    let mut tasks = JoinSet::new();
    for r in confirmed.into_iter().take(8) {
        let store = store.clone();
        tasks.spawn(async move { store.cancel(&r.code, &r.token).await });
    }
    let mut promoted = BTreeSet::new();
    while let Some(joined) = tasks.join_next().await {
        if let Some(code) = joined.unwrap().unwrap().promoted {
            assert!(promoted.insert(code), "promoted twice");
        }
    }
    assert_eq!(promoted, waiting, "all six waiters moved up, each once");
    assert_eq!(course_counts(&store, 10).await, (8, 0, 2));
}

pub async fn registration_view_needs_the_token(store: Shared) {
    let a = register(&store, 1, 5, 5).await;
    let view = store.registration(&a.code, &a.token).await.unwrap();
    assert_eq!(view.code, a.code);
    assert_eq!(view.status, RegistrationStatus::Confirmed);
    assert_eq!(view.child_name, "王*明");
    assert_eq!(view.registered_at, day(3));
    let wrong = store.registration(&a.code, &CancelToken::random()).await;
    assert_eq!(wrong, Err(StoreError::BadToken));
}
