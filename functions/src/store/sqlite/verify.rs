//! Text-message codes and verified devices in SQLite: each operation one transaction, the
//! rules themselves in [`crate::store::CodeState`].

use rusqlite::{params, OptionalExtension, Transaction};

use crate::domain::PersonKey;
use crate::store::{CodeCheck, CodeState, Issued, NewCode, NewDevice, StoreError};

fn load(tx: &Transaction<'_>, person: &str) -> Result<Option<CodeState>, StoreError> {
    let row = tx
        .prepare_cached(
            "SELECT hash, expires_at, tries, last_sent, hour_start, hour_sent, day_start, day_sent
             FROM sms_codes WHERE person = ?1",
        )?
        .query_row(params![person], |r| {
            Ok(CodeState {
                hash: r.get(0)?,
                expires_at: r.get(1)?,
                tries: r.get(2)?,
                last_sent: r.get(3)?,
                hour_start: r.get(4)?,
                hour_sent: r.get(5)?,
                day_start: r.get(6)?,
                day_sent: r.get(7)?,
            })
        })
        .optional()?;
    Ok(row)
}

fn save(tx: &Transaction<'_>, person: &str, s: &CodeState) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO sms_codes (person, hash, expires_at, tries, last_sent,
             hour_start, hour_sent, day_start, day_sent, row_expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        person,
        s.hash,
        s.expires_at,
        s.tries,
        s.last_sent,
        s.hour_start,
        s.hour_sent,
        s.day_start,
        s.day_sent,
        s.row_expires()
    ])?;
    Ok(())
}

pub(super) fn issue_code(tx: &Transaction<'_>, code: &NewCode) -> Result<Issued, StoreError> {
    let person = code.person.as_str();
    let previous = load(tx, person)?;
    match CodeState::issue(previous.as_ref(), code.hash.clone(), code.at) {
        Ok(state) => {
            save(tx, person, &state)?;
            Ok(Issued::Sent)
        }
        Err(wait) => Ok(Issued::Wait(wait)),
    }
}

pub(super) fn check_code(
    tx: &Transaction<'_>,
    person: &PersonKey,
    hash: &str,
    at: i64,
) -> Result<CodeCheck, StoreError> {
    let Some(mut state) = load(tx, person.as_str())? else {
        return Ok(CodeCheck::Missing);
    };
    let outcome = state.check(hash, at);
    if matches!(outcome, CodeCheck::Wrong { .. }) {
        save(tx, person.as_str(), &state)?;
    }
    Ok(outcome)
}

pub(super) fn add_device(tx: &Transaction<'_>, device: &NewDevice) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO devices (token_hash, person, expires_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        device.token_hash,
        device.person.as_str(),
        device.expires_at
    ])?;
    Ok(())
}

pub(super) fn device_person(
    tx: &Transaction<'_>,
    token_hash: &str,
    at: i64,
) -> Result<Option<PersonKey>, StoreError> {
    let person: Option<String> = tx
        .prepare_cached("SELECT person FROM devices WHERE token_hash = ?1 AND expires_at > ?2")?
        .query_row(params![token_hash, at], |r| r.get(0))
        .optional()?;
    Ok(person.map(PersonKey::from_stored))
}

/// Deletes what has expired by `now` (seconds): part of `purge_expired`.
pub(super) fn purge(tx: &Transaction<'_>, now: i64) -> Result<u64, StoreError> {
    let codes = tx.execute("DELETE FROM sms_codes WHERE row_expires < ?1", params![now])?;
    let devices = tx.execute("DELETE FROM devices WHERE expires_at < ?1", params![now])?;
    Ok((codes + devices) as u64)
}

/// Deletes a person's code and devices: part of `forget_person`.
pub(super) fn forget(tx: &Transaction<'_>, person: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM sms_codes WHERE person = ?1", params![person])?;
    tx.execute("DELETE FROM devices WHERE person = ?1", params![person])?;
    Ok(())
}
