//! Deleting expired personal data, each record with the counters it added to, so tallies stay
//! what SQLite would show. One filtered query per partition that holds personal data; TTL
//! (a grace period later) deletes whatever this misses.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::counter::VERSION;
use super::db::{Backoff, Db, Query, Range, Tx, Written};
use super::expr::{self, Cond, Values};
use super::item::{n, s, Item, Read};
use super::keys::{self, counter, part, Key, EXPIRES, PK, SK};
use super::public::stars_attr;
use crate::domain::{CourseId, LecturerId, ProgramId, SlotId};
use crate::store::{RegistrationStatus, StoreError, Time};

/// Attempts per record before purge leaves it for the next run (or TTL).
const ATTEMPTS: u32 = 5;

async fn expired(db: &Db, pk: &str, now: i64) -> Result<Vec<Item>, StoreError> {
    let cond = Cond::new(format!("#{EXPIRES} < :now")).value(":now", n(now));
    db.query(&Query::new(pk, Range::All).filter(cond)).await
}

fn key_of(item: &Item) -> Result<Key, StoreError> {
    Ok(Key::new(item.str(PK)?, item.str(SK)?))
}

/// `ADD` deltas to a counter; versioned counters get their version bumped too.
fn adjust(
    db: &Db,
    key: &Key,
    deltas: &[(&str, i64)],
    versioned: bool,
) -> Result<TransactWriteItem, StoreError> {
    let mut parts = Vec::new();
    let mut values = Values::new();
    for (i, (attr, delta)) in deltas.iter().enumerate() {
        parts.push(format!("#{attr} :d{i}"));
        values = values.with(&format!(":d{i}"), n(delta));
    }
    if versioned {
        parts.push(format!("#{VERSION} :one"));
        values = values.with(":one", n(1));
    }
    expr::update(
        &db.table,
        key,
        &format!("ADD {}", parts.join(", ")),
        values,
        None,
    )
}

/// The writes that delete one expired record and undo what it counted.
fn purge_items(db: &Db, item: &Item, now: i64) -> Result<Vec<TransactWriteItem>, StoreError> {
    let key = key_of(item)?;
    let mut still_expired = Cond::new(format!("#{EXPIRES} < :now")).value(":now", n(now));
    if key.pk == part::REGISTRATIONS {
        // The counter change below is right only for the status read.
        still_expired = Cond::new(format!("#{EXPIRES} < :now AND #status = :s"))
            .value(":now", n(now))
            .value(":s", s(item.str("status")?));
    }
    let mut items = vec![expr::delete(&db.table, &key, Some(still_expired))?];
    match key.pk.as_str() {
        part::ORDERS if key.sk.starts_with(keys::OPEN_ORDERS) => {
            let program: ProgramId = item.id("program")?;
            let tally = counter::orders(&program, &item.id("township")?);
            items.push(adjust(db, &tally, &[("n", -1)], false)?);
        }
        part::NOMINATIONS => {
            let lecturer: LecturerId = item.id("lecturer")?;
            items.push(adjust(
                db,
                &counter::nominations(&lecturer),
                &[("n", -1)],
                true,
            )?);
        }
        part::RATINGS => {
            let slot: SlotId = item.id("slot")?;
            let stars = u8::try_from(item.num("stars")?).unwrap_or(0);
            items.push(adjust(
                db,
                &counter::ratings(&slot),
                &[(&stars_attr(stars), -1)],
                false,
            )?);
        }
        part::REGISTRATIONS => items.extend(registration_items(db, item)?),
        _ => {}
    }
    Ok(items)
}

/// A registration also takes its guard, its waitlist entry and its place in the counter.
fn registration_items(db: &Db, item: &Item) -> Result<Vec<TransactWriteItem>, StoreError> {
    let raw = item.str("status")?;
    let status = RegistrationStatus::parse(raw).ok_or_else(|| {
        StoreError::Backend(format!("dynamodb: unknown registration status {raw:?}"))
    })?;
    let course: CourseId = item.id("course")?;
    let mut items = Vec::new();
    let place = match status {
        RegistrationStatus::Cancelled => return Ok(items),
        RegistrationStatus::Confirmed => Some("confirmed"),
        RegistrationStatus::Waitlisted => {
            let entry = Key::new(keys::course_part(&course), item.str("wait_key")?);
            items.push(expr::delete(&db.table, &entry, None)?);
            Some("waitlisted")
        }
        RegistrationStatus::Applied => Some("applied"),
        RegistrationStatus::NotDrawn => None,
    };
    let guard = keys::child_guard(&course, item.str("person")?, item.str("child_name")?);
    items.push(expr::delete(&db.table, &guard, None)?);
    for marker in super::courses::held_markers(item, &course) {
        items.push(expr::delete(&db.table, &marker, None)?);
    }
    if let Some(place) = place {
        items.push(adjust(db, &counter::course(&course), &[(place, -1)], true)?);
    }
    Ok(items)
}

/// Deletes one record; `false` if it had gone or was no longer expired.
pub(super) async fn purge_one(db: &Db, item: &Item, now: i64) -> Result<bool, StoreError> {
    let items = purge_items(db, item, now)?;
    if items.len() == 1 {
        let key = key_of(item)?;
        let cond = Cond::new(format!("#{EXPIRES} < :now")).value(":now", n(now));
        return Ok(matches!(
            db.delete_item(&key, Some(cond)).await?,
            Written::Done(_)
        ));
    }
    let mut backoff = Backoff::new();
    for _ in 0..ATTEMPTS {
        let tx = db.transact(items.clone()).await?;
        match tx {
            Tx::Committed => return Ok(true),
            _ if tx.failed(0) => return Ok(false),
            _ => backoff.wait().await?,
        }
    }
    Ok(false)
}

pub(super) async fn purge_expired(db: &Db, now: &Time) -> Result<u64, StoreError> {
    let now = now.timestamp();
    let mut gone = 0u64;
    for pk in [
        part::ORDERS,
        part::NOMINATIONS,
        part::REGISTRATIONS,
        part::RATINGS,
        part::WISHES,
    ] {
        for item in expired(db, pk, now).await? {
            // A registration being cancelled right now changes under us: read it again.
            let item = if pk == part::REGISTRATIONS {
                match db.get(&key_of(&item)?).await? {
                    Some(fresh) => fresh,
                    None => continue,
                }
            } else {
                item
            };
            gone += u64::from(purge_one(db, &item, now).await?);
        }
    }
    Ok(gone)
}
