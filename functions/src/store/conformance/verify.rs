//! Conformance cases for text-message codes, their limits and tries, and verified devices.

use tokio::task::JoinSet;

use super::{person, Shared};
use crate::store::{CodeCheck, Issued, NewCode, NewDevice, CODE_SECS, DEVICE_SECS, MAX_TRIES};

/// A moment in December 2026, in seconds.
const T: i64 = 1_796_000_000;

fn code(who: u32, hash: &str, at: i64) -> NewCode {
    NewCode {
        person: person(who),
        hash: hash.to_owned(),
        at,
    }
}

pub async fn codes_hold_ten_minutes_and_five_wrong_tries_burn_them(store: Shared) {
    assert_eq!(
        store.issue_code(code(1, "aa11", T)).await.unwrap(),
        Issued::Sent
    );
    let p = person(1);
    for at in [T + 1, T + 300, T + CODE_SECS - 1] {
        let check = store.check_code(&p, "aa11", at).await.unwrap();
        assert_eq!(
            check,
            CodeCheck::Valid,
            "any number of submissions within ten minutes"
        );
    }
    let late = store.check_code(&p, "aa11", T + CODE_SECS).await.unwrap();
    assert_eq!(late, CodeCheck::Missing, "expired after ten minutes");

    store.issue_code(code(2, "bb22", T)).await.unwrap();
    let p = person(2);
    for left in (0..MAX_TRIES).rev() {
        let check = store.check_code(&p, "wrong", T + 5).await.unwrap();
        assert_eq!(check, CodeCheck::Wrong { tries_left: left });
    }
    let after = store.check_code(&p, "bb22", T + 6).await.unwrap();
    assert_eq!(
        after,
        CodeCheck::Missing,
        "the right code after five wrong tries is burnt"
    );
    let never = store.check_code(&person(3), "bb22", T).await.unwrap();
    assert_eq!(never, CodeCheck::Missing, "no code was sent to this number");
}

pub async fn a_code_verifies_only_its_own_number(store: Shared) {
    store.issue_code(code(1, "aa11", T)).await.unwrap();
    store.issue_code(code(2, "bb22", T)).await.unwrap();
    let other = store.check_code(&person(2), "aa11", T + 1).await.unwrap();
    assert!(matches!(other, CodeCheck::Wrong { .. }), "{other:?}");
    let own = store.check_code(&person(1), "aa11", T + 1).await.unwrap();
    assert_eq!(own, CodeCheck::Valid);
    // A new code replaces the old one, and starts with a clean slate of tries.
    store.issue_code(code(1, "cc33", T + 61)).await.unwrap();
    let old = store.check_code(&person(1), "aa11", T + 62).await.unwrap();
    assert_eq!(
        old,
        CodeCheck::Wrong {
            tries_left: MAX_TRIES - 1
        }
    );
    let new = store.check_code(&person(1), "cc33", T + 62).await.unwrap();
    assert_eq!(new, CodeCheck::Valid);
}

pub async fn code_requests_are_limited_per_number(store: Shared) {
    assert_eq!(
        store.issue_code(code(1, "h", T)).await.unwrap(),
        Issued::Sent
    );
    let again = store.issue_code(code(1, "h", T + 20)).await.unwrap();
    assert_eq!(again, Issued::Wait(40), "one a minute");
    assert_eq!(
        store.issue_code(code(2, "h", T + 20)).await.unwrap(),
        Issued::Sent
    );
    for i in 1..5 {
        let sent = store.issue_code(code(1, "h", T + i * 60)).await.unwrap();
        assert_eq!(sent, Issued::Sent);
    }
    let sixth = store.issue_code(code(1, "h", T + 300)).await.unwrap();
    assert_eq!(sixth, Issued::Wait(3300), "five an hour");
}

pub async fn concurrent_code_requests_send_one(store: Shared) {
    let mut tasks = JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.spawn(async move { store.issue_code(code(1, &format!("h{i}"), T)).await });
    }
    let mut sent = 0;
    while let Some(done) = tasks.join_next().await {
        if done.unwrap().unwrap() == Issued::Sent {
            sent += 1;
        }
    }
    assert_eq!(sent, 1, "one code a minute, even when asked for at once");
}

pub async fn devices_are_bound_to_their_person_and_expire(store: Shared) {
    let device = NewDevice {
        token_hash: "d0d0".into(),
        person: person(1),
        expires_at: T + DEVICE_SECS,
    };
    store.add_device(device).await.unwrap();
    let found = store.device_person("d0d0", T + 1).await.unwrap();
    assert_eq!(found, Some(person(1)));
    assert_ne!(found, Some(person(2)));
    assert_eq!(store.device_person("d0d1", T + 1).await.unwrap(), None);
    let late = store.device_person("d0d0", T + DEVICE_SECS).await.unwrap();
    assert_eq!(late, None, "thirty days, then a new text message");
}

pub async fn forgetting_a_person_drops_their_codes_and_devices(store: Shared) {
    store.issue_code(code(1, "aa11", T)).await.unwrap();
    let device = NewDevice {
        token_hash: "d0d0".into(),
        person: person(1),
        expires_at: T + DEVICE_SECS,
    };
    store.add_device(device).await.unwrap();
    store.forget_person(&person(1)).await.unwrap();
    let check = store.check_code(&person(1), "aa11", T + 1).await.unwrap();
    assert_eq!(check, CodeCheck::Missing);
    assert_eq!(store.device_person("d0d0", T + 1).await.unwrap(), None);
}
