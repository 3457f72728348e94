//! Conformance cases for staff accounts: names taken once, sessions that idle out and end at
//! once on logout, a new password or disabling, runs of wrong passwords counted exactly, and
//! the log per actor.

use std::sync::Arc;

use super::{day, id, Shared};
use crate::domain::{AccountName, Password, PasswordHash, Role};
use crate::store::{Account, LoginKey, NewAction, NewSession, StoreError};

/// One hash for every case: hashing is deliberately slow.
fn hash() -> PasswordHash {
    static HASH: std::sync::LazyLock<PasswordHash> = std::sync::LazyLock::new(|| {
        let password = Password::parse("conformance-password").expect("long enough");
        PasswordHash::create(&password).expect("hashed")
    });
    HASH.clone()
}

fn name(s: &str) -> AccountName {
    s.parse().expect("a valid account name")
}

fn helper(s: &str) -> Account {
    let townships = vec![id("nanyu"), id("ganzhe")];
    Account::new(name(s), Role::Helper, townships, hash(), day(1))
}

fn session(key: &str, account: &str, generation: i64, expires_at: i64) -> NewSession {
    NewSession {
        key: key.to_owned(),
        account: name(account),
        generation,
        expires_at,
    }
}

pub async fn accounts_are_created_once_and_listed(store: Shared) {
    let lin = helper("lin-xiaomei");
    store.create_account(lin.clone()).await.unwrap();
    let admin = Account::new(name("chen"), Role::Admin, vec![], hash(), day(2));
    store.create_account(admin.clone()).await.unwrap();
    let again = Account::new(name("lin-xiaomei"), Role::Admin, vec![], hash(), day(3));
    assert_eq!(
        store.create_account(again).await,
        Err(StoreError::Duplicate)
    );
    let found = store.account(&name("lin-xiaomei")).await.unwrap();
    assert_eq!(found, lin, "stored as given, the first one kept");
    assert!(found.password.verify("conformance-password"));
    let all = store.accounts().await.unwrap();
    let names: Vec<&str> = all.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["chen", "lin-xiaomei"]);
    assert_eq!(all[0], admin);
    let nobody = name("nobody");
    assert_eq!(store.account(&nobody).await, Err(StoreError::NotFound));
    assert_eq!(
        store.set_password(&nobody, hash()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.disable_account(&nobody, day(3)).await,
        Err(StoreError::NotFound)
    );
}

pub async fn sessions_idle_out_and_end_on_logout(store: Shared) {
    store.create_account(helper("lin")).await.unwrap();
    let (t0, idle) = (1_000_000, 100);
    store
        .start_session(session("s1", "lin", 0, t0 + idle))
        .await
        .unwrap();
    let who = store.session_account("s1", t0 + 50, idle).await.unwrap();
    assert_eq!(who.name.as_str(), "lin");
    // Used at t0 + 50, so it lives until t0 + 150: idle time counts from the last use.
    assert!(store.session_account("s1", t0 + 140, idle).await.is_ok());
    assert_eq!(
        store.session_account("s1", t0 + 241, idle).await,
        Err(StoreError::NotFound),
        "idle for longer than allowed"
    );
    assert_eq!(
        store.session_account("s1", t0 + 150, idle).await,
        Err(StoreError::NotFound),
        "an idled-out session does not come back"
    );
    store
        .start_session(session("s2", "lin", 0, t0 + idle))
        .await
        .unwrap();
    store.end_session("s2").await.unwrap();
    assert_eq!(
        store.session_account("s2", t0 + 1, idle).await,
        Err(StoreError::NotFound)
    );
    store.end_session("never-was").await.unwrap();
    assert_eq!(
        store.session_account("never-was", t0, idle).await,
        Err(StoreError::NotFound)
    );
}

pub async fn disabling_or_a_new_password_ends_live_sessions(store: Shared) {
    store.create_account(helper("lin")).await.unwrap();
    store.create_account(helper("wu")).await.unwrap();
    let (t0, idle) = (2_000_000, 28_800);
    store
        .start_session(session("a", "lin", 0, t0 + idle))
        .await
        .unwrap();
    store
        .start_session(session("b", "wu", 0, t0 + idle))
        .await
        .unwrap();
    store.set_password(&name("lin"), hash()).await.unwrap();
    assert_eq!(
        store.session_account("a", t0 + 1, idle).await,
        Err(StoreError::NotFound),
        "a new password ends the old sessions"
    );
    let lin = store.account(&name("lin")).await.unwrap();
    assert!(lin.generation > 0);
    let fresh = session("a2", "lin", lin.generation, t0 + idle);
    store.start_session(fresh).await.unwrap();
    assert!(store.session_account("a2", t0 + 2, idle).await.is_ok());

    store.disable_account(&name("wu"), day(5)).await.unwrap();
    assert_eq!(
        store.session_account("b", t0 + 1, idle).await,
        Err(StoreError::NotFound),
        "a disabled account's live session stops at once"
    );
    let wu = store.account(&name("wu")).await.unwrap();
    assert_eq!(wu.disabled_at, Some(day(5)));
    store.disable_account(&name("wu"), day(9)).await.unwrap();
    let wu_again = store.account(&name("wu")).await.unwrap();
    assert_eq!(wu_again.disabled_at, Some(day(5)), "the first date stays");
    let after = session("b2", "wu", wu_again.generation, t0 + idle);
    store.start_session(after).await.unwrap();
    assert_eq!(
        store.session_account("b2", t0 + 2, idle).await,
        Err(StoreError::NotFound),
        "no session works for a disabled account"
    );
    assert!(store.session_account("a2", t0 + 3, idle).await.is_ok());
}

pub async fn login_failures_run_until_cleared_or_lapsed(store: Shared) {
    let key = LoginKey::account("ab12");
    let other = LoginKey::client("ab12");
    let (t0, window) = (3_000_000, 900);
    for i in 1..=3 {
        let run = store
            .record_login_failure(&key, t0 + i, window)
            .await
            .unwrap();
        assert_eq!((run.count, run.until), (i as u32, t0 + i + window));
    }
    let run = store.login_failures(&key, t0 + 10).await.unwrap();
    assert_eq!((run.count, run.until), (3, t0 + 3 + window));
    assert_eq!(store.login_failures(&other, t0).await.unwrap().count, 0);
    let later = t0 + 3 + window;
    assert_eq!(store.login_failures(&key, later).await.unwrap().count, 0);
    let run = store
        .record_login_failure(&key, later, window)
        .await
        .unwrap();
    assert_eq!(run.count, 1, "a lapsed run starts again");
    store.clear_login_failures(&key).await.unwrap();
    assert_eq!(store.login_failures(&key, later).await.unwrap().count, 0);
    store.clear_login_failures(&other).await.unwrap();
}

pub async fn concurrent_login_failures_are_counted_exactly(store: Shared) {
    let key = LoginKey::account("cd34");
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = Arc::clone(&store);
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            store
                .record_login_failure(&key, 4_000_000 + i % 3, 600)
                .await
        }));
    }
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap().unwrap().count);
    }
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=24).collect::<Vec<u32>>(),
        "each failure counted once"
    );
    let run = store.login_failures(&key, 4_000_010).await.unwrap();
    assert_eq!(run.count, 24);
}

pub async fn actions_are_listed_per_actor(store: Shared) {
    for (d, actor, action) in [
        (1, "lin", "proxy-order"),
        (2, "token", "pin"),
        (3, "lin", "proxy-wish"),
        (4, "chen", "reply"),
    ] {
        let entry = NewAction {
            at: day(d),
            actor: actor.into(),
            action: action.into(),
            subject: format!("s{d}"),
            detail: String::new(),
        };
        store.log_action(entry).await.unwrap();
    }
    let lin = store.actions_by("lin", 10).await.unwrap();
    let actions: Vec<&str> = lin.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["proxy-wish", "proxy-order"], "newest first");
    assert!(lin.iter().all(|a| a.actor == "lin"));
    assert_eq!(store.actions_by("lin", 1).await.unwrap().len(), 1);
    assert!(store.actions_by("nobody", 10).await.unwrap().is_empty());
    let all = store.actions(10).await.unwrap();
    assert_eq!(all[0].actor, "chen");
}
