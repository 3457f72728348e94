//! Staff accounts, their login sessions and the counters of wrong passwords: the store's
//! part of named staff, kept apart from the residents' records.

use async_trait::async_trait;

use super::{AdminAction, StoreError, Time};
use crate::domain::{AccountName, PasswordHash, Role, TownshipId};

/// An account as stored. Deliberately not `Serialize`: the hash never leaves the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: AccountName,
    pub role: Role,
    /// The townships a helper serves; empty for the other roles.
    pub townships: Vec<TownshipId>,
    pub password: PasswordHash,
    pub created_at: Time,
    pub disabled_at: Option<Time>,
    /// Bumped by every password change and by disabling: sessions started under an older
    /// generation stop working at once.
    pub generation: i64,
}

impl Account {
    /// A new, enabled account.
    pub fn new(
        name: AccountName,
        role: Role,
        townships: Vec<TownshipId>,
        password: PasswordHash,
        at: Time,
    ) -> Self {
        Self {
            name,
            role,
            townships,
            password,
            created_at: at,
            disabled_at: None,
            generation: 0,
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.disabled_at.is_none()
    }

    /// Whether this account may submit for residents of `township`.
    pub fn serves(&self, township: &TownshipId) -> bool {
        self.role == Role::Helper && self.townships.contains(township)
    }
}

/// A session to start: the SHA-256 (hex) of its random id, never the id itself, so a copy of
/// the store does not hand out live sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub key: String,
    pub account: AccountName,
    /// The account's generation at login.
    pub generation: i64,
    /// Epoch seconds after which the session is over unless used again.
    pub expires_at: i64,
}

/// Whose wrong passwords a counter counts: an account name or a client address, hashed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginKey(String);

impl LoginKey {
    /// `keyed_hex` is a keyed hash (hex) of the name or address, made by the API.
    pub fn account(keyed_hex: &str) -> Self {
        Self(format!("account:{keyed_hex}"))
    }

    pub fn client(keyed_hex: &str) -> Self {
        Self(format!("client:{keyed_hex}"))
    }

    /// Letters, digits and `:` only.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Wrong passwords in a row under one key, and when the run is forgotten (epoch seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    pub count: u32,
    pub until: i64,
}

/// The accounts' operations, which every [`Store`](super::Store) also provides.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Adds an account; `Duplicate` if the name is taken (also by a disabled account).
    async fn create_account(&self, account: Account) -> Result<(), StoreError>;

    /// One account; `NotFound` if there is none by that name.
    async fn account(&self, name: &AccountName) -> Result<Account, StoreError>;

    /// Every account, by name.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// Replaces the password and ends the account's sessions; `NotFound` if no such account.
    async fn set_password(&self, name: &AccountName, hash: PasswordHash) -> Result<(), StoreError>;

    /// Disables the account for good and ends its sessions; `NotFound` if no such account.
    /// Disabling a disabled account changes nothing.
    async fn disable_account(&self, name: &AccountName, at: Time) -> Result<(), StoreError>;

    /// Stores a session.
    async fn start_session(&self, session: NewSession) -> Result<(), StoreError>;

    /// The account of a live session, whose idle time then starts again (`expires_at` becomes
    /// `now + idle_secs`). `NotFound` when the session is unknown, ended, idle too long, or
    /// its account is disabled or changed its password since.
    async fn session_account(
        &self,
        key: &str,
        now: i64,
        idle_secs: i64,
    ) -> Result<Account, StoreError>;

    /// Ends a session (logout). Ending an unknown session changes nothing.
    async fn end_session(&self, key: &str) -> Result<(), StoreError>;

    /// Counts one more wrong password under `key`; the run is forgotten `window_secs` after
    /// its last failure. Exact under concurrency. Returns the run as it is now.
    async fn record_login_failure(
        &self,
        key: &LoginKey,
        now: i64,
        window_secs: i64,
    ) -> Result<Failures, StoreError>;

    /// The run of wrong passwords under `key` at `now` (zero once forgotten).
    async fn login_failures(&self, key: &LoginKey, now: i64) -> Result<Failures, StoreError>;

    /// Forgets the run under `key` (a right password ends it).
    async fn clear_login_failures(&self, key: &LoginKey) -> Result<(), StoreError>;

    /// The latest admin actions by one actor (an account name, or `token`), newest first.
    async fn actions_by(&self, actor: &str, limit: u32) -> Result<Vec<AdminAction>, StoreError>;
}

/// Townships written as one string (`a,b`): slugs hold no comma.
pub(crate) fn join_townships(townships: &[TownshipId]) -> String {
    let names: Vec<&str> = townships.iter().map(TownshipId::as_str).collect();
    names.join(",")
}

/// The townships of [`join_townships`] read back.
pub(crate) fn split_townships(text: &str) -> Result<Vec<TownshipId>, StoreError> {
    (text.split(',').filter(|t| !t.is_empty()))
        .map(|t| {
            t.parse()
                .map_err(|_| StoreError::Backend(format!("a malformed township {t:?}")))
        })
        .collect()
}
