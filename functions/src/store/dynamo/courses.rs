//! Course registrations in DynamoDB: capacity, waitlist, codes, cancellation and promotion.
//!
//! The course's counter (confirmed, waitlisted, last waitlist number, version) changes in the
//! same transaction as the registration itself, its "this child is registered" guard and, for
//! a waitlisted one, its waitlist entry. A cancellation frees the place and promotes the first
//! waitlist entry in one transaction, under the counter's version, so two cancellations can
//! never promote the same waiter nor leave a place unfilled.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::counter::Counter;
use super::db::{Backoff, Db, Query, Range, Tx};
use super::expr::{self, Cond, Values};
use super::item::{arrival, count, n, s, Item, ItemBuilder, Read};
use super::keys::{self, counter, Key};
use crate::catalogue::Allocation;
use crate::clock::china_now;
use crate::domain::{mask_name, CancelToken, ConfirmationCode, CourseId, PersonKey, SealedPhone};
use crate::store::{
    Cancellation, NewMessage, NewRegistration, Registered, RegistrationStatus, RegistrationView,
    StoreError,
};

/// Where a registration lands given the counter now: an application for a lottery course,
/// else a place while places remain, then the waitlist. `None`: full.
fn placement(now: &Counter, r: &NewRegistration) -> Result<Option<RegistrationStatus>, StoreError> {
    if r.allocation == Allocation::Lottery {
        if now.has(DRAWN) {
            return Err(StoreError::AlreadyDrawn);
        }
        return Ok(Some(RegistrationStatus::Applied));
    }
    let (confirmed, waitlisted) = (now.get("confirmed")?, now.get("waitlisted")?);
    Ok(if confirmed < i64::from(r.capacity) {
        Some(RegistrationStatus::Confirmed)
    } else if waitlisted < i64::from(r.waitlist) {
        Some(RegistrationStatus::Waitlisted)
    } else {
        None
    })
}

/// The counter attribute a drawn course carries: no more applications, and no second draw.
pub(super) const DRAWN: &str = "drawn";

fn registration_item(
    r: &NewRegistration,
    code: &ConfirmationCode,
    token: &CancelToken,
    slot: &Key,
) -> ItemBuilder {
    ItemBuilder::new(keys::registration(code).item())
        .s("code", code.as_str())
        .s("course", r.course.as_str())
        .s("token_hash", token.hash())
        .s("guardian_name", r.guardian_name.as_str())
        .s("phone", r.phone.digits())
        .s("person", r.person.as_str())
        .s("child_name", r.child_name.as_str())
        .n("child_age", r.child_age.get())
        .time("created_at", &r.at)
        .time("updated_at", &r.at)
        .s("arrival", arrival())
        .s("guardian_key", &slot.sk)
        .opt_n("remind_at", r.remind_at)
        .expiring(r.expires_at.timestamp())
}

/// The items that point at a registration: the "child registered" guard, the guardian's
/// slot and, when waitlisted or applied, its waitlist entry or application. None may exist yet.
fn markers(
    db: &Db,
    r: &NewRegistration,
    code: &ConfirmationCode,
    slot: Key,
    entry: Option<Key>,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let guard = keys::child_guard(&r.course, r.person.as_str(), r.child_name.as_str());
    let expires = r.expires_at.timestamp();
    let marker = |key: Key| {
        let item = ItemBuilder::new(key.item())
            .s("code", code.as_str())
            .expiring(expires);
        expr::put(&db.table, item.build(), Some(Cond::absent()))
    };
    [guard, slot].into_iter().chain(entry).map(marker).collect()
}

/// Where the transaction of one registration attempt puts each kind of item.
const AT_COUNTER: usize = 0;
const AT_REGISTRATION: usize = 1;
const AT_CHILD: usize = 2;
const AT_SLOT: usize = 3;

/// The transaction of one registration attempt.
fn register_items(
    db: &Db,
    r: &NewRegistration,
    now: &Counter,
    status: RegistrationStatus,
    (code, token): (&ConfirmationCode, &CancelToken),
    slot: Key,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let course_key = counter::course(&r.course);
    let mut confirmed = now.get("confirmed")?;
    let mut waitlisted = now.get("waitlisted")?;
    let mut last_wait = now.get("last_wait")?;
    let mut applied = now.get("applied")?;
    let mut reg = registration_item(r, code, token, &slot)
        .s("status", status.as_str())
        .sealed("reach", r.kept_reach(status));
    let mut entry = None;
    match status {
        RegistrationStatus::Waitlisted => {
            waitlisted += 1;
            last_wait += 1;
            let wait = keys::waitlist_entry(&r.course, last_wait);
            reg = reg.s("wait_key", &wait.sk);
            entry = Some(wait);
        }
        RegistrationStatus::Applied => {
            applied += 1;
            entry = Some(keys::application(&r.course, code.as_str()));
        }
        _ => confirmed += 1,
    }
    let values = Values::new()
        .with(":c", n(confirmed))
        .with(":w", n(waitlisted))
        .with(":lw", n(last_wait))
        .with(":a", n(applied))
        .with(":v1", n(now.version()? + 1));
    let update = "SET #confirmed = :c, #waitlisted = :w, #last_wait = :lw, #applied = :a, #v = :v1";
    let mut items = vec![
        expr::update(
            &db.table,
            &course_key,
            update,
            values,
            Some(now.unchanged()?),
        )?,
        expr::put(&db.table, reg.build(), Some(Cond::absent()))?,
    ];
    items.extend(markers(db, r, code, slot, entry)?);
    if let (RegistrationStatus::Confirmed, Some(phone)) = (status, &r.reach) {
        let message = NewMessage::confirmed(code, &r.course, r.person.clone(), phone.clone());
        for m in message.and_reminder(r.remind_at, r.at.timestamp()) {
            items.push(super::outbox::queue(db, &m)?);
        }
    }
    Ok(items)
}

/// The guardian's first free slot in the course, or `None` when all `max` are held.
async fn free_slot(db: &Db, r: &NewRegistration) -> Result<Option<Key>, StoreError> {
    let part = keys::course_part(&r.course);
    let prefix = keys::guardian_slots_of(r.person.as_str());
    let held: Vec<String> = (db.query(&Query::new(&part, Range::Prefix(&prefix))).await?)
        .iter()
        .map(|item| item.str(keys::SK).map(str::to_owned))
        .collect::<Result<_, _>>()?;
    Ok((1..=r.max_per_guardian)
        .map(|k| keys::guardian_slot(&r.course, r.person.as_str(), k))
        .find(|key| !held.contains(&key.sk)))
}

/// Why a registration that found no room is refused: the same child first, then `otherwise`.
async fn refusal(
    db: &Db,
    r: &NewRegistration,
    otherwise: StoreError,
) -> Result<Registered, StoreError> {
    let guard = keys::child_guard(&r.course, r.person.as_str(), r.child_name.as_str());
    Err(if db.get(&guard).await?.is_some() {
        StoreError::Duplicate
    } else {
        otherwise
    })
}

pub(super) async fn register(db: &Db, r: &NewRegistration) -> Result<Registered, StoreError> {
    let key = counter::course(&r.course);
    let _serial = db.lock(&key).await;
    let mut now = Counter::new(db.get(&key).await?);
    let (mut code, token) = (ConfirmationCode::random(), CancelToken::random());
    let mut backoff = Backoff::new();
    loop {
        let Some(slot) = free_slot(db, r).await? else {
            let max = r.max_per_guardian;
            return refusal(db, r, StoreError::GuardianLimit { max }).await;
        };
        let Some(status) = placement(&now, r)? else {
            return refusal(db, r, StoreError::Full).await;
        };
        let position = now.get("waitlisted")? + 1;
        let items = register_items(db, r, &now, status, (&code, &token), slot)?;
        let tx = db.transact(items).await?;
        match tx {
            Tx::Committed => {
                let waitlist_position =
                    (status == RegistrationStatus::Waitlisted).then(|| count(position));
                return Ok(Registered {
                    status,
                    code,
                    token,
                    waitlist_position,
                });
            }
            _ if tx.failed(AT_CHILD) => return Err(StoreError::Duplicate),
            // A code collision: the rest of the attempt stands, with another code.
            _ if tx.failed(AT_REGISTRATION) && !tx.failed(AT_COUNTER) => {
                code = ConfirmationCode::random()
            }
            // Another registration of this guardian took the slot: look for another.
            _ if tx.failed(AT_SLOT) && !tx.failed(AT_COUNTER) => backoff.wait().await?,
            _ => {
                now = Counter::new(match tx.old(AT_COUNTER) {
                    Some(old) => Some(old.clone()),
                    None => db.get(&key).await?,
                });
                backoff.wait().await?;
            }
        }
    }
}

/// The registration behind a code, once the token has been checked against it.
async fn find(
    db: &Db,
    code: &ConfirmationCode,
    token: &CancelToken,
) -> Result<(Item, RegistrationStatus), StoreError> {
    let item = db
        .get(&keys::registration(code))
        .await?
        .ok_or(StoreError::NotFound)?;
    if !token.matches(item.str("token_hash")?) {
        return Err(StoreError::BadToken);
    }
    let status = status_of(&item)?;
    Ok((item, status))
}

fn status_of(item: &Item) -> Result<RegistrationStatus, StoreError> {
    let raw = item.str("status")?;
    RegistrationStatus::parse(raw).ok_or_else(|| {
        StoreError::Backend(format!("dynamodb: unknown registration status {raw:?}"))
    })
}

/// Sets a registration's status, if it still has the status `was`; drops its waitlist key.
fn set_status(
    db: &Db,
    code: &str,
    was: RegistrationStatus,
    to: RegistrationStatus,
) -> Result<TransactWriteItem, StoreError> {
    let key = Key::new(keys::part::REGISTRATIONS, code);
    let values = Values::new()
        .with(":to", s(to.as_str()))
        .with(":now", s(china_now().to_rfc3339()));
    let cond = Cond::new("#status = :was").value(":was", s(was.as_str()));
    // Confirmed, the registration waits for no further text: its number goes.
    let update = "SET #status = :to, #updated_at = :now REMOVE #wait_key, #reach";
    expr::update(&db.table, &key, update, values, Some(cond))
}

/// The writes that move the first waitlisted registration of `course` up, and its code.
async fn promote_first(
    db: &Db,
    course: &CourseId,
) -> Result<Option<(Vec<TransactWriteItem>, String)>, StoreError> {
    let part = keys::course_part(course);
    let first = Query {
        max: Some(1),
        ..Query::new(&part, Range::Prefix(keys::WAIT))
    };
    let Some(entry) = db.query(&first).await?.into_iter().next() else {
        return Ok(None);
    };
    let waiter = entry.str("code")?.to_owned();
    let entry_key = Key::new(part.clone(), entry.str(keys::SK)?);
    let writes = vec![
        expr::delete(&db.table, &entry_key, Some(Cond::present()))?,
        set_status(
            db,
            &waiter,
            RegistrationStatus::Waitlisted,
            RegistrationStatus::Confirmed,
        )?,
    ];
    let mut writes = writes;
    for message in promoted_messages(db, course, &waiter).await? {
        writes.push(super::outbox::queue(db, &message)?);
    }
    Ok(Some((writes, waiter)))
}

/// The text telling the guardian of the waitlisted registration `code` of its place.
async fn promoted_messages(
    db: &Db,
    course: &CourseId,
    code: &str,
) -> Result<Vec<NewMessage>, StoreError> {
    let key = Key::new(keys::part::REGISTRATIONS, code);
    let reg = db.get(&key).await?.ok_or(StoreError::NotFound)?;
    let malformed = |what: &str| StoreError::Backend(format!("dynamodb: a registration's {what}"));
    let code = ConfirmationCode::parse(code).map_err(|_| malformed("code"))?;
    let Some(phone) = reg.opt_str("reach").and_then(SealedPhone::from_stored) else {
        return Ok(Vec::new());
    };
    let person = PersonKey::from_stored(reg.str("person")?.to_owned());
    let message = NewMessage::promoted(&code, course, person, phone);
    let remind_at = reg.opt_num("remind_at")?;
    Ok(message.and_reminder(remind_at, china_now().timestamp()))
}

/// The markers a registration holds besides its child guard (its guardian slot, its
/// application), to delete with it. Registrations made before slots existed hold none.
pub(super) fn held_markers(reg: &Item, course: &CourseId) -> Vec<Key> {
    let part = keys::course_part(course);
    let slot = reg.opt_str("guardian_key").map(|sk| Key::new(part, sk));
    let application = (reg.opt_str("status") == Some(RegistrationStatus::Applied.as_str()))
        .then(|| reg.opt_str("code").map(|c| keys::application(course, c)))
        .flatten();
    slot.into_iter().chain(application).collect()
}

/// The transaction of one cancellation attempt, and the code it promotes.
async fn cancel_items(
    db: &Db,
    reg: &Item,
    was: RegistrationStatus,
    now: &Counter,
) -> Result<(Vec<TransactWriteItem>, Option<String>), StoreError> {
    let course: CourseId = reg.id("course")?;
    let code = reg.str("code")?;
    let guard = keys::child_guard(&course, reg.str("person")?, reg.str("child_name")?);
    let mut items = vec![
        set_status(db, code, was, RegistrationStatus::Cancelled)?,
        expr::delete(&db.table, &guard, None)?,
    ];
    for marker in held_markers(reg, &course) {
        items.push(expr::delete(&db.table, &marker, None)?);
    }
    let (mut confirmed, mut waitlisted) = (now.get("confirmed")?, now.get("waitlisted")?);
    let mut applied = now.get("applied")?;
    let mut promoted = None;
    match was {
        RegistrationStatus::Waitlisted => {
            waitlisted -= 1;
            let entry = Key::new(keys::course_part(&course), reg.str("wait_key")?);
            items.push(expr::delete(&db.table, &entry, None)?);
        }
        RegistrationStatus::Confirmed => match promote_first(db, &course).await? {
            Some((writes, waiter)) => {
                waitlisted -= 1;
                items.extend(writes);
                promoted = Some(waiter);
            }
            None => confirmed -= 1,
        },
        RegistrationStatus::Applied => applied -= 1,
        RegistrationStatus::NotDrawn | RegistrationStatus::Cancelled => {}
    }
    let values = Values::new()
        .with(":c", n(confirmed.max(0)))
        .with(":w", n(waitlisted.max(0)))
        .with(":a", n(applied.max(0)))
        .with(":v1", n(now.version()? + 1));
    let update = "SET #confirmed = :c, #waitlisted = :w, #applied = :a, #v = :v1";
    items.push(expr::update(
        &db.table,
        &counter::course(&course),
        update,
        values,
        Some(now.unchanged()?),
    )?);
    Ok((items, promoted))
}

pub(super) async fn cancel(
    db: &Db,
    code: &ConfirmationCode,
    token: &CancelToken,
) -> Result<Cancellation, StoreError> {
    cancel_found(db, Lookup::Holder(code, token)).await
}

/// Cancels a registration by its code alone: for erasing a person, on staff's authority.
pub(super) async fn cancel_by_code(db: &Db, code: &str) -> Result<Cancellation, StoreError> {
    cancel_found(db, Lookup::Staff(code)).await
}

/// Who asks for a registration: its holder (the token proves it) or staff.
enum Lookup<'a> {
    Holder(&'a ConfirmationCode, &'a CancelToken),
    Staff(&'a str),
}

impl Lookup<'_> {
    async fn read(&self, db: &Db) -> Result<(Item, RegistrationStatus), StoreError> {
        match self {
            Lookup::Holder(code, token) => find(db, code, token).await,
            Lookup::Staff(code) => {
                let key = Key::new(keys::part::REGISTRATIONS, *code);
                let item = db.get(&key).await?.ok_or(StoreError::NotFound)?;
                let status = status_of(&item)?;
                Ok((item, status))
            }
        }
    }
}

/// Cancels the registration `lookup` finds, promoting the first waitlisted into a freed place.
async fn cancel_found(db: &Db, lookup: Lookup<'_>) -> Result<Cancellation, StoreError> {
    let (mut reg, mut was) = lookup.read(db).await?;
    let course: CourseId = reg.id("course")?;
    let key = counter::course(&course);
    let _serial = db.lock(&key).await;
    let mut now = Counter::new(db.get(&key).await?);
    let mut backoff = Backoff::new();
    loop {
        if was == RegistrationStatus::Cancelled {
            return Err(StoreError::AlreadyCancelled);
        }
        let (items, promoted) = cancel_items(db, &reg, was, &now).await?;
        let counter_at = items.len() - 1;
        let tx = db.transact(items).await?;
        if let Tx::Committed = tx {
            let promoted = (promoted.as_deref())
                .map(ConfirmationCode::parse)
                .transpose()
                .map_err(|_| {
                    StoreError::Backend("dynamodb: a malformed confirmation code".into())
                })?;
            return Ok(Cancellation {
                course,
                was,
                promoted,
            });
        }
        if tx.failed(0) {
            (reg, was) = lookup.read(db).await?;
        }
        now = Counter::new(match tx.old(counter_at) {
            Some(old) => Some(old.clone()),
            None => db.get(&key).await?,
        });
        backoff.wait().await?;
    }
}

pub(super) async fn view(
    db: &Db,
    code: &ConfirmationCode,
    token: &CancelToken,
) -> Result<RegistrationView, StoreError> {
    let (reg, status) = find(db, code, token).await?;
    let course: CourseId = reg.id("course")?;
    let waitlist_position = if status == RegistrationStatus::Waitlisted {
        let part = keys::course_part(&course);
        let mine = reg.str("wait_key")?;
        let ahead = db
            .count(&Query::new(&part, Range::Between(keys::WAIT, mine)))
            .await?;
        Some(ahead)
    } else {
        None
    };
    Ok(RegistrationView {
        code: code.clone(),
        course,
        status,
        waitlist_position,
        child_name: mask_name(reg.str("child_name")?),
        registered_at: reg.time("created_at")?,
    })
}
