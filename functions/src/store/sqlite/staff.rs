//! Staff's reads and the action log in SQLite: pending wishes, exports, what was done when.

use rusqlite::{params, Transaction};

use super::{parse_id, parse_time};
use crate::domain::{mask_name, ConfirmationCode};
use crate::store::{
    AdminAction, NewAction, NominationRow, OrderRow, PendingWish, RegistrationRow,
    RegistrationStatus, StoreError,
};

pub(super) fn log_action(tx: &Transaction<'_>, a: &NewAction) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO admin_log (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        a.at.to_rfc3339(),
        a.actor,
        a.action,
        a.subject,
        a.detail
    ])?;
    Ok(tx.last_insert_rowid())
}

/// The latest actions, newest first; only `actor`'s when given.
pub(super) fn actions(
    tx: &Transaction<'_>,
    actor: Option<&str>,
    limit: u32,
) -> Result<Vec<AdminAction>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, at, actor, action, subject, detail FROM admin_log
         WHERE ?1 IS NULL OR actor = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![actor, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    (rows.into_iter())
        .map(|(id, at, actor, action, subject, detail)| {
            Ok(AdminAction {
                id,
                at: parse_time(&at)?,
                actor,
                action,
                subject,
                detail,
            })
        })
        .collect()
}

pub(super) fn pending_wishes(tx: &Transaction<'_>) -> Result<Vec<PendingWish>, StoreError> {
    // As for the wall: the person hash is not selected, and the name leaves masked.
    let mut stmt = tx.prepare(
        "SELECT id, text, township, name, created_at FROM wishes
         WHERE reply IS NULL AND hidden = 0 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    (rows.into_iter())
        .map(|(id, text, township, name, at)| {
            Ok(PendingWish {
                id,
                text,
                township: parse_id(township)?,
                name: name.as_deref().map(mask_name),
                asked_at: parse_time(&at)?,
            })
        })
        .collect()
}

/// Every order, or only `person`'s.
pub(super) fn export_orders(
    tx: &Transaction<'_>,
    person: Option<&str>,
) -> Result<Vec<OrderRow>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT program, township, name, note, created_at, closed_at FROM orders
         WHERE ?1 IS NULL OR person = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([person], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    (rows.into_iter())
        .map(|(program, township, name, note, at, closed)| {
            Ok(OrderRow {
                program: parse_id(program)?,
                township: parse_id(township)?,
                name,
                note,
                ordered_at: parse_time(&at)?,
                closed_at: closed.as_deref().map(parse_time).transpose()?,
            })
        })
        .collect()
}

/// Every nomination, or only `person`'s.
pub(super) fn export_nominations(
    tx: &Transaction<'_>,
    person: Option<&str>,
) -> Result<Vec<NominationRow>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT lecturer, township, name, topic, created_at FROM nominations
         WHERE ?1 IS NULL OR person = ?1 ORDER BY created_at, lecturer, rowid",
    )?;
    let rows = stmt
        .query_map([person], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    (rows.into_iter())
        .map(|(lecturer, township, name, topic, at)| {
            Ok(NominationRow {
                lecturer: parse_id(lecturer)?,
                township: parse_id(township)?,
                name,
                topic,
                nominated_at: parse_time(&at)?,
            })
        })
        .collect()
}

type RegistrationTuple = (String, String, String, String, String, String, i64, String);

fn to_registration(row: RegistrationTuple) -> Result<RegistrationRow, StoreError> {
    let (code, course, status, guardian_name, phone, child_name, age, at) = row;
    let bad = |what: &str| StoreError::Backend(format!("the store holds a malformed {what}"));
    Ok(RegistrationRow {
        code: ConfirmationCode::parse(&code).map_err(|_| bad("code"))?,
        course: parse_id(course)?,
        status: RegistrationStatus::parse(&status).ok_or_else(|| bad("status"))?,
        guardian_name,
        phone,
        child_name,
        child_age: u8::try_from(age).map_err(|_| bad("age"))?,
        registered_at: parse_time(&at)?,
    })
}

/// Every registration, or only `person`'s.
pub(super) fn export_registrations(
    tx: &Transaction<'_>,
    person: Option<&str>,
) -> Result<Vec<RegistrationRow>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT code, course, status, guardian_name, phone, child_name, child_age, created_at
         FROM registrations WHERE ?1 IS NULL OR person = ?1 ORDER BY course, id",
    )?;
    let rows = stmt
        .query_map([person], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<Result<Vec<RegistrationTuple>, _>>()?;
    rows.into_iter().map(to_registration).collect()
}
