//! The outbox in SQLite: messages are inserted in the transaction of their event (`INSERT OR
//! IGNORE` on the key keeps one per event and person), claimed with a conditional update.

use rusqlite::{params, Transaction};

use crate::domain::{PersonKey, SealedPhone};
use crate::store::outbox::{params_from_json, params_to_json};
use crate::store::{
    MessageKind, MessageState, NewMessage, QueuedMessage, Settled, StoreError, KEEP_SECS,
};

/// Queues each of `messages` (a text and its reminder) unless its key is queued already.
pub(super) fn queue_all(tx: &Transaction<'_>, messages: &[NewMessage]) -> Result<(), StoreError> {
    messages.iter().try_for_each(|m| queue(tx, m))
}

/// Queues `message` unless its key is queued already; due from its `due`.
pub(super) fn queue(tx: &Transaction<'_>, message: &NewMessage) -> Result<(), StoreError> {
    let now = crate::clock::china_now().timestamp();
    tx.prepare_cached(
        "INSERT OR IGNORE INTO outbox
             (key, kind, person, phone, recipient, params, state, next_try, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8)",
    )?
    .execute(params![
        message.key,
        message.kind.as_str(),
        message.person.as_str(),
        message.phone.to_stored(),
        message.phone.masked(),
        params_to_json(&message.params),
        message.due,
        now
    ])?;
    Ok(())
}

const COLUMNS: &str =
    "key, kind, person, phone, params, state, tries, next_try, error, recipient, created_at, settled_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(QueuedMessage, String, String)> {
    let phone: Option<String> = r.get(3)?;
    let message = QueuedMessage {
        key: r.get(0)?,
        kind: MessageKind::Promoted,
        person: PersonKey::from_stored(r.get(2)?),
        phone: phone.as_deref().and_then(SealedPhone::from_stored),
        to: r.get(9)?,
        params: params_from_json(&r.get::<_, String>(4)?),
        state: MessageState::Pending,
        tries: r.get(6)?,
        next_try: r.get(7)?,
        error: r.get(8)?,
        created_at: r.get(10)?,
        settled_at: r.get(11)?,
    };
    Ok((message, r.get(1)?, r.get(5)?))
}

fn rows(
    tx: &Transaction<'_>,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<QueuedMessage>, StoreError> {
    let mut stmt = tx.prepare_cached(sql)?;
    let found = stmt.query_map(args, row)?;
    let mut out = Vec::new();
    for found in found {
        let (mut message, kind, state) = found?;
        message.kind = MessageKind::parse(&kind)
            .ok_or_else(|| StoreError::Backend(format!("an unknown message kind {kind:?}")))?;
        message.state = MessageState::parse(&state)
            .ok_or_else(|| StoreError::Backend(format!("an unknown message state {state:?}")))?;
        out.push(message);
    }
    Ok(out)
}

pub(super) fn due(
    tx: &Transaction<'_>,
    now: i64,
    limit: u32,
) -> Result<Vec<QueuedMessage>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE state = 'pending' AND next_try <= ?1
         ORDER BY next_try, created_at, key LIMIT ?2"
    );
    rows(tx, &sql, params![now, limit])
}

pub(super) fn recent(tx: &Transaction<'_>, limit: u32) -> Result<Vec<QueuedMessage>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox ORDER BY created_at DESC, key LIMIT ?1");
    rows(tx, &sql, params![limit])
}

pub(super) fn claim(tx: &Transaction<'_>, key: &str) -> Result<bool, StoreError> {
    let changed = tx
        .prepare_cached(
            "UPDATE outbox SET state = 'sending', tries = tries + 1
             WHERE key = ?1 AND state = 'pending'",
        )?
        .execute(params![key])?;
    Ok(changed == 1)
}

pub(super) fn settle(
    tx: &Transaction<'_>,
    key: &str,
    settled: &Settled,
    at: i64,
) -> Result<(), StoreError> {
    let next_try = settled.next_try();
    tx.prepare_cached(
        "UPDATE outbox SET state = ?2, error = ?3, settled_at = ?4, next_try = ?5,
             phone = CASE WHEN ?6 THEN NULL ELSE phone END
         WHERE key = ?1 AND state = 'sending'",
    )?
    .execute(params![
        key,
        settled.state().as_str(),
        settled.error(),
        at,
        next_try,
        settled.done()
    ])?;
    Ok(())
}

/// Drops messages older than [`KEEP_SECS`] at `now`, sent or not: part of `purge_expired`.
pub(super) fn purge(tx: &Transaction<'_>, now: i64) -> Result<u64, StoreError> {
    let gone = tx.execute(
        "DELETE FROM outbox WHERE created_at < ?1",
        params![now - KEEP_SECS],
    )?;
    Ok(gone as u64)
}

/// A person's messages, oldest first: part of `person_data`.
pub(super) fn of_person(
    tx: &Transaction<'_>,
    person: &str,
) -> Result<Vec<QueuedMessage>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE person = ?1 ORDER BY created_at, key");
    rows(tx, &sql, params![person])
}

/// Deletes a person's messages: part of `forget_person`.
pub(super) fn forget(tx: &Transaction<'_>, person: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM outbox WHERE person = ?1", params![person])?;
    Ok(())
}
