//! Staff accounts, sessions and wrong-password counters in DynamoDB: an `ACCOUNTS` partition
//! (one item per name), `SESSIONS` (by the session id's hash) and `LOGIN_FAILURES`, the last
//! two deleted by TTL a day after they lapse.

use async_trait::async_trait;

use super::db::{Db, Query, Range, Written};
use super::expr::{Cond, Values};
use super::item::{count, n, Item, ItemBuilder, Read};
use super::keys::{part, Key, TTL};
use super::{staff, DynamoStore};
use crate::domain::{AccountName, PasswordHash, Role};
use crate::store::accounts::{join_townships, split_townships};
use crate::store::{
    Account, Accounts, AdminAction, Failures, LoginKey, NewSession, StoreError, Time,
};

/// TTL deletes lapsed sessions and counters this long after they lapse (it is not punctual;
/// reads check the time themselves).
const TTL_MARGIN: i64 = 86_400;
/// A counter update that keeps losing races to other instances gives up after this many tries.
const MAX_TRIES: usize = 20;

fn account_key(name: &str) -> Key {
    Key::new(part::ACCOUNTS, name)
}

fn to_account(item: &Item) -> Result<Account, StoreError> {
    let role = item.str("role")?;
    let role: Role = (role.parse())
        .map_err(|_| StoreError::Backend(format!("dynamodb: a malformed role {role:?}")))?;
    Ok(Account {
        name: item.id("name")?,
        role,
        townships: split_townships(item.str("townships")?)?,
        password: PasswordHash::from_stored(item.str("password")?.to_owned()),
        created_at: item.time("created_at")?,
        disabled_at: item.opt_time("disabled_at")?,
        generation: item.num_or_zero("generation")?,
    })
}

async fn create(db: &Db, a: &Account) -> Result<(), StoreError> {
    let item = ItemBuilder::new(account_key(a.name.as_str()).item())
        .s("name", a.name.as_str())
        .s("role", a.role.as_str())
        .s("townships", join_townships(&a.townships))
        .s("password", a.password.as_str())
        .time("created_at", &a.created_at)
        .opt_s(
            "disabled_at",
            a.disabled_at.map(|t| t.to_rfc3339()).as_deref(),
        )
        .n("generation", a.generation)
        .build();
    match db.put_item(item, Some(Cond::absent())).await? {
        Written::Done(_) => Ok(()),
        Written::ConditionFailed => Err(StoreError::Duplicate),
    }
}

async fn find(db: &Db, name: &str) -> Result<Account, StoreError> {
    match db.get(&account_key(name)).await? {
        Some(item) => to_account(&item),
        None => Err(StoreError::NotFound),
    }
}

/// Applies `update` to an existing account and bumps its generation (ending its sessions).
async fn change(db: &Db, name: &str, update: &str, values: Values) -> Result<(), StoreError> {
    let update = format!("{update} ADD #generation :one");
    let values = values.with(":one", n(1));
    match (db.update_item(&account_key(name), &update, values, Some(Cond::present()))).await? {
        Written::Done(_) => Ok(()),
        Written::ConditionFailed => Err(StoreError::NotFound),
    }
}

async fn session(db: &Db, key: &str, now: i64, idle: i64) -> Result<Account, StoreError> {
    let session_key = Key::new(part::SESSIONS, key);
    let Some(item) = db.get(&session_key).await? else {
        return Err(StoreError::NotFound);
    };
    let account = find(db, item.str("account")?).await?;
    let live = item.num("idle_until")? > now
        && account.is_enabled()
        && account.generation == item.num("generation")?;
    if !live {
        db.delete_item(&session_key, None).await?;
        return Err(StoreError::NotFound);
    }
    let values = Values::new()
        .with(":until", n(now + idle))
        .with(":ttl", n(now + idle + TTL_MARGIN));
    let update = format!("SET #idle_until = :until, #{TTL} = :ttl");
    // Logged out meanwhile: the session stays ended rather than being written back.
    match (db.update_item(&session_key, &update, values, Some(Cond::present()))).await? {
        Written::Done(_) => Ok(account),
        Written::ConditionFailed => Err(StoreError::NotFound),
    }
}

fn to_failures(item: &Item) -> Result<Failures, StoreError> {
    Ok(Failures {
        count: count(item.num("count")?),
        until: item.num("until")?,
    })
}

async fn failures(db: &Db, key: &LoginKey, now: i64) -> Result<Failures, StoreError> {
    match db
        .get(&Key::new(part::LOGIN_FAILURES, key.as_str()))
        .await?
    {
        Some(item) if item.num("until")? > now => to_failures(&item),
        _ => Ok(Failures::default()),
    }
}

/// One more failure: added to a live run, or a new run over a lapsed (or no) counter. Each
/// write is conditional on what it assumed, so concurrent failures are all counted.
async fn fail(db: &Db, key: &LoginKey, now: i64, window: i64) -> Result<Failures, StoreError> {
    let k = Key::new(part::LOGIN_FAILURES, key.as_str());
    let until = now + window;
    for _ in 0..MAX_TRIES {
        let values = Values::new()
            .with(":one", n(1))
            .with(":until", n(until))
            .with(":ttl", n(until + TTL_MARGIN));
        let live = Cond::new("#until > :now").value(":now", n(now));
        let update = format!("ADD #count :one SET #until = :until, #{TTL} = :ttl");
        if let Written::Done(Some(item)) = db.update_item(&k, &update, values, Some(live)).await? {
            return to_failures(&item);
        }
        let fresh = ItemBuilder::new(k.item())
            .n("count", 1)
            .n("until", until)
            .n(TTL, until + TTL_MARGIN)
            .build();
        let lapsed = Cond::new("attribute_not_exists(#pk) OR #until <= :now").value(":now", n(now));
        if let Written::Done(_) = db.put_item(fresh, Some(lapsed)).await? {
            return Ok(Failures { count: 1, until });
        }
    }
    Err(StoreError::Backend(
        "dynamodb: a login failure counter kept changing under its update".into(),
    ))
}

#[async_trait]
impl Accounts for DynamoStore {
    async fn create_account(&self, account: Account) -> Result<(), StoreError> {
        create(self.db().await?, &account).await
    }

    async fn account(&self, name: &AccountName) -> Result<Account, StoreError> {
        find(self.db().await?, name.as_str()).await
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let items = (self.db().await?)
            .query(&Query::new(part::ACCOUNTS, Range::All))
            .await?;
        items.iter().map(to_account).collect()
    }

    async fn set_password(&self, name: &AccountName, hash: PasswordHash) -> Result<(), StoreError> {
        let values = Values::new().with(":p", super::item::s(hash.as_str()));
        change(
            self.db().await?,
            name.as_str(),
            "SET #password = :p",
            values,
        )
        .await
    }

    async fn disable_account(&self, name: &AccountName, at: Time) -> Result<(), StoreError> {
        let values = Values::new().with(":at", super::item::s(at.to_rfc3339()));
        let update = "SET #disabled_at = if_not_exists(#disabled_at, :at)";
        change(self.db().await?, name.as_str(), update, values).await
    }

    async fn start_session(&self, s: NewSession) -> Result<(), StoreError> {
        let item = ItemBuilder::new(Key::new(part::SESSIONS, &s.key).item())
            .s("account", s.account.as_str())
            .n("generation", s.generation)
            .n("idle_until", s.expires_at)
            .n(TTL, s.expires_at + TTL_MARGIN)
            .build();
        match self
            .db()
            .await?
            .put_item(item, Some(Cond::absent()))
            .await?
        {
            Written::Done(_) => Ok(()),
            Written::ConditionFailed => Err(StoreError::Duplicate),
        }
    }

    async fn session_account(
        &self,
        key: &str,
        now: i64,
        idle_secs: i64,
    ) -> Result<Account, StoreError> {
        session(self.db().await?, key, now, idle_secs).await
    }

    async fn end_session(&self, key: &str) -> Result<(), StoreError> {
        let db = self.db().await?;
        db.delete_item(&Key::new(part::SESSIONS, key), None).await?;
        Ok(())
    }

    async fn record_login_failure(
        &self,
        key: &LoginKey,
        now: i64,
        window_secs: i64,
    ) -> Result<Failures, StoreError> {
        fail(self.db().await?, key, now, window_secs).await
    }

    async fn login_failures(&self, key: &LoginKey, now: i64) -> Result<Failures, StoreError> {
        failures(self.db().await?, key, now).await
    }

    async fn clear_login_failures(&self, key: &LoginKey) -> Result<(), StoreError> {
        let db = self.db().await?;
        db.delete_item(&Key::new(part::LOGIN_FAILURES, key.as_str()), None)
            .await?;
        Ok(())
    }

    async fn actions_by(&self, actor: &str, limit: u32) -> Result<Vec<AdminAction>, StoreError> {
        staff::actions(self.db().await?, Some(actor), limit).await
    }
}
