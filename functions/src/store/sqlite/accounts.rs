//! Staff accounts, sessions and wrong-password counters in SQLite.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::{count, parse_id, parse_time, staff, SqliteStore};
use crate::domain::{AccountName, PasswordHash, Role};
use crate::store::accounts::{join_townships, split_townships};
use crate::store::{
    Account, Accounts, AdminAction, Failures, LoginKey, NewSession, StoreError, Time,
};

const ACCOUNT_COLUMNS: &str =
    "name, role, townships, password, created_at, disabled_at, generation";

type RawAccount = (String, String, String, String, String, Option<String>, i64);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawAccount> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn to_account(raw: RawAccount) -> Result<Account, StoreError> {
    let (name, role, townships, password, created_at, disabled_at, generation) = raw;
    let role: Role = (role.parse())
        .map_err(|_| StoreError::Backend(format!("the store holds a malformed role {role:?}")))?;
    Ok(Account {
        name: parse_id(name)?,
        role,
        townships: split_townships(&townships)?,
        password: PasswordHash::from_stored(password),
        created_at: parse_time(&created_at)?,
        disabled_at: disabled_at.as_deref().map(parse_time).transpose()?,
        generation,
    })
}

fn create(tx: &Transaction<'_>, a: &Account) -> Result<(), StoreError> {
    let inserted = tx.execute(
        "INSERT INTO accounts (name, role, townships, password, created_at, disabled_at, generation)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO NOTHING",
        params![
            a.name.as_str(),
            a.role.as_str(),
            join_townships(&a.townships),
            a.password.as_str(),
            a.created_at.to_rfc3339(),
            a.disabled_at.map(|t| t.to_rfc3339()),
            a.generation
        ],
    )?;
    if inserted == 0 {
        return Err(StoreError::Duplicate);
    }
    Ok(())
}

fn find(tx: &Transaction<'_>, name: &str) -> Result<Account, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE name = ?1");
    let found = tx.query_row(&sql, params![name], raw).optional()?;
    to_account(found.ok_or(StoreError::NotFound)?)
}

fn all(tx: &Transaction<'_>) -> Result<Vec<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY name");
    let mut stmt = tx.prepare(&sql)?;
    let rows = stmt.query_map([], raw)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(to_account).collect()
}

/// Bumps the generation (ending every session) along with `change`.
fn change(tx: &Transaction<'_>, name: &str, sql: &str, value: String) -> Result<(), StoreError> {
    let changed = tx.execute(sql, params![name, value])?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    tx.execute("DELETE FROM sessions WHERE account = ?1", params![name])?;
    Ok(())
}

/// The live session's account; `None` (with a lapsed session deleted: the transaction must
/// commit, so this is not an error) when there is none.
fn session(
    tx: &Transaction<'_>,
    key: &str,
    now: i64,
    idle: i64,
) -> Result<Option<Account>, StoreError> {
    let found: Option<(String, i64, i64)> = tx
        .query_row(
            "SELECT account, generation, expires_at FROM sessions WHERE key = ?1",
            params![key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((name, generation, expires_at)) = found else {
        return Ok(None);
    };
    let account = find(tx, &name)?;
    if expires_at <= now || !account.is_enabled() || account.generation != generation {
        tx.execute("DELETE FROM sessions WHERE key = ?1", params![key])?;
        return Ok(None);
    }
    tx.execute(
        "UPDATE sessions SET expires_at = ?2 WHERE key = ?1",
        params![key, now + idle],
    )?;
    Ok(Some(account))
}

fn failures(tx: &Transaction<'_>, key: &str, now: i64) -> Result<Failures, StoreError> {
    let found: Option<(i64, i64)> = tx
        .query_row(
            "SELECT count, until FROM login_failures WHERE key = ?1 AND until > ?2",
            params![key, now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(found
        .map(|(n, until)| Failures {
            count: count(n),
            until,
        })
        .unwrap_or_default())
}

fn fail(tx: &Transaction<'_>, key: &str, now: i64, window: i64) -> Result<Failures, StoreError> {
    tx.execute(
        "INSERT INTO login_failures (key, count, until) VALUES (?1, 1, ?2)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN until > ?3 THEN count + 1 ELSE 1 END,
           until = ?2",
        params![key, now + window, now],
    )?;
    failures(tx, key, now)
}

#[async_trait]
impl Accounts for SqliteStore {
    async fn create_account(&self, account: Account) -> Result<(), StoreError> {
        self.write(move |tx| create(tx, &account)).await
    }

    async fn account(&self, name: &AccountName) -> Result<Account, StoreError> {
        let name = name.clone();
        self.read(move |tx| find(tx, name.as_str())).await
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(all).await
    }

    async fn set_password(&self, name: &AccountName, hash: PasswordHash) -> Result<(), StoreError> {
        let name = name.clone();
        let sql = "UPDATE accounts SET password = ?2, generation = generation + 1 WHERE name = ?1";
        (self.write(move |tx| change(tx, name.as_str(), sql, hash.as_str().to_owned()))).await
    }

    async fn disable_account(&self, name: &AccountName, at: Time) -> Result<(), StoreError> {
        let name = name.clone();
        let sql = "UPDATE accounts SET disabled_at = COALESCE(disabled_at, ?2),
                   generation = generation + 1 WHERE name = ?1";
        (self.write(move |tx| change(tx, name.as_str(), sql, at.to_rfc3339()))).await
    }

    async fn start_session(&self, s: NewSession) -> Result<(), StoreError> {
        self.write(move |tx| {
            // Sessions left to idle out are swept here, so the table stays small.
            tx.execute(
                "DELETE FROM sessions WHERE expires_at <= ?1",
                params![s.expires_at - 86_400],
            )?;
            tx.execute(
                "INSERT INTO sessions (key, account, generation, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![s.key, s.account.as_str(), s.generation, s.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_account(
        &self,
        key: &str,
        now: i64,
        idle_secs: i64,
    ) -> Result<Account, StoreError> {
        let key = key.to_owned();
        (self
            .write(move |tx| session(tx, &key, now, idle_secs))
            .await)?
            .ok_or(StoreError::NotFound)
    }

    async fn end_session(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |tx| {
            tx.execute("DELETE FROM sessions WHERE key = ?1", params![key])?;
            Ok(())
        })
        .await
    }

    async fn record_login_failure(
        &self,
        key: &LoginKey,
        now: i64,
        window_secs: i64,
    ) -> Result<Failures, StoreError> {
        let key = key.as_str().to_owned();
        self.write(move |tx| fail(tx, &key, now, window_secs)).await
    }

    async fn login_failures(&self, key: &LoginKey, now: i64) -> Result<Failures, StoreError> {
        let key = key.as_str().to_owned();
        self.read(move |tx| failures(tx, &key, now)).await
    }

    async fn clear_login_failures(&self, key: &LoginKey) -> Result<(), StoreError> {
        let key = key.as_str().to_owned();
        self.write(move |tx| {
            tx.execute("DELETE FROM login_failures WHERE key = ?1", params![key])?;
            Ok(())
        })
        .await
    }

    async fn actions_by(&self, actor: &str, limit: u32) -> Result<Vec<AdminAction>, StoreError> {
        let actor = actor.to_owned();
        (self.read(move |tx| staff::actions(tx, Some(&actor), limit))).await
    }
}
