//! Wishes, ratings, tallies and cleanup in SQLite: what the public pages are built from.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::{count, parse_id, parse_time, personal_expiry};
use crate::domain::{mask_name, PersonKey, ReplyText, SealedPhone, SlotId};
use crate::store::{
    month_of, Activity, NewMessage, NewRating, NewWish, PublicWish, RatingSummary, RawCounts,
    StoreError, Time, WishId,
};

pub(super) fn wish(tx: &Transaction<'_>, w: &NewWish) -> Result<WishId, StoreError> {
    tx.prepare_cached(
        "INSERT INTO wishes (text, township, name, person, created_at, contact_expires_at, reach)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        w.text.as_str(),
        w.township.as_str(),
        w.name.as_ref().map(|n| n.as_str()),
        w.person.as_ref().map(|p| p.as_str()),
        w.at.to_rfc3339(),
        personal_expiry(&w.at),
        w.person
            .as_ref()
            .and(w.reach.as_ref())
            .map(SealedPhone::to_stored),
    ])?;
    Ok(tx.last_insert_rowid())
}

pub(super) fn reply(
    tx: &Transaction<'_>,
    id: WishId,
    text: &ReplyText,
    at: &Time,
) -> Result<(), StoreError> {
    let changed = tx
        .prepare_cached("UPDATE wishes SET reply = ?2, replied_at = ?3 WHERE id = ?1")?
        .execute(params![id, text.as_str(), at.to_rfc3339()])?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    tell_author(tx, id)
}

/// Queues `ANSWERED` for a wish whose author asked to hear back, and lets their number go.
fn tell_author(tx: &Transaction<'_>, id: WishId) -> Result<(), StoreError> {
    let row: Option<(String, Option<String>, Option<String>)> = tx
        .prepare_cached("SELECT township, person, reach FROM wishes WHERE id = ?1")?
        .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((township, Some(person), Some(reach))) = row else {
        return Ok(());
    };
    if let Some(phone) = SealedPhone::from_stored(&reach) {
        let township = parse_id(township)?;
        let message = NewMessage::answered(id, &township, PersonKey::from_stored(person), phone);
        super::outbox::queue(tx, &message)?;
    }
    tx.prepare_cached("UPDATE wishes SET reach = NULL WHERE id = ?1")?
        .execute(params![id])?;
    Ok(())
}

pub(super) fn hide(tx: &Transaction<'_>, id: WishId) -> Result<(), StoreError> {
    let changed = tx
        .prepare_cached("UPDATE wishes SET hidden = 1 WHERE id = ?1")?
        .execute(params![id])?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(super) fn answered_wishes(tx: &Transaction<'_>) -> Result<Vec<PublicWish>, StoreError> {
    // Contact columns (name in full, person) are deliberately not selected: only the masked
    // name leaves this function.
    let mut stmt = tx.prepare(
        "SELECT id, text, township, name, reply, created_at, replied_at FROM wishes
         WHERE reply IS NOT NULL AND hidden = 0 ORDER BY replied_at DESC, id DESC",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    (rows.into_iter())
        .map(|(id, text, township, name, reply, asked, replied)| {
            Ok(PublicWish {
                id,
                text,
                township: parse_id(township)?,
                name: name.as_deref().map(mask_name),
                reply,
                asked_on: parse_time(&asked)?.date_naive(),
                replied_on: parse_time(&replied)?.date_naive(),
            })
        })
        .collect()
}

pub(super) fn rate(tx: &Transaction<'_>, r: &NewRating) -> Result<(), StoreError> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO ratings (slot, person, stars, comment, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (slot, person) DO NOTHING",
        )?
        .execute(params![
            r.slot.as_str(),
            r.person.as_str(),
            r.stars.get(),
            r.comment.as_ref().map(|c| c.as_str()),
            r.at.to_rfc3339(),
            personal_expiry(&r.at),
        ])?;
    if inserted == 0 {
        return Err(StoreError::Duplicate);
    }
    Ok(())
}

pub(super) fn rating_summaries(
    tx: &Transaction<'_>,
) -> Result<BTreeMap<SlotId, RatingSummary>, StoreError> {
    let mut stmt = tx.prepare("SELECT slot, stars, COUNT(*) FROM ratings GROUP BY slot, stars")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut histograms: BTreeMap<SlotId, [u32; 5]> = BTreeMap::new();
    for (slot, stars, n) in rows {
        let bucket = usize::try_from(stars - 1).ok().filter(|b| *b < 5);
        let bucket =
            bucket.ok_or_else(|| StoreError::Backend(format!("the store holds {stars} stars")))?;
        histograms.entry(parse_id(slot)?).or_default()[bucket] = count(n);
    }
    Ok(histograms
        .into_iter()
        .map(|(slot, histogram)| (slot, RatingSummary::from_histogram(histogram)))
        .collect())
}

pub(super) fn raw_counts(tx: &Transaction<'_>) -> Result<RawCounts, StoreError> {
    let mut raw = RawCounts::default();
    let mut stmt = tx.prepare(
        "SELECT program, township, COUNT(*) FROM orders WHERE closed_at IS NULL
         GROUP BY program, township",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (program, township, n) = row?;
        raw.orders
            .push((parse_id(program)?, parse_id(township)?, count(n)));
    }
    let mut stmt = tx.prepare("SELECT lecturer, COUNT(*) FROM nominations GROUP BY lecturer")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (lecturer, n) = row?;
        raw.nominations.insert(parse_id(lecturer)?, count(n));
    }
    let mut stmt = tx.prepare("SELECT lecturer FROM lecture_requests")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for row in rows {
        raw.crossed.insert(parse_id(row?)?);
    }
    let mut stmt = tx.prepare(
        "SELECT course, SUM(status = 'confirmed'), SUM(status = 'waitlisted')
         FROM registrations GROUP BY course",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (course, confirmed, waitlisted) = row?;
        raw.courses
            .insert(parse_id(course)?, (count(confirmed), count(waitlisted)));
    }
    Ok(raw)
}

pub(super) fn purge_expired(tx: &Transaction<'_>, now: &Time) -> Result<u64, StoreError> {
    let now = now.timestamp();
    let mut gone = 0;
    for table in ["orders", "nominations", "registrations", "ratings"] {
        // The table names are constants above, never input.
        let sql = format!("DELETE FROM {table} WHERE expires_at < ?1");
        gone += tx.execute(&sql, params![now])? as u64;
    }
    // A wish stays public; only who asked it is forgotten.
    gone += tx
        .prepare_cached(
            "UPDATE wishes SET name = NULL, person = NULL
         WHERE contact_expires_at < ?1 AND (name IS NOT NULL OR person IS NOT NULL)",
        )?
        .execute(params![now])? as u64;
    gone += super::verify::purge(tx, now)?;
    gone += super::outbox::purge(tx, now)?;
    Ok(gone)
}

/// Orders, nominations and wishes by month, read as text and counted in Rust so that months
/// are China time whatever offset a row was stored with.
pub(super) fn activity(tx: &Transaction<'_>) -> Result<Activity, StoreError> {
    let mut a = Activity::default();
    for at in column(tx, "SELECT created_at FROM orders")? {
        a.month(month_of(&parse_time(&at)?)).orders += 1;
    }
    for at in column(tx, "SELECT created_at FROM nominations")? {
        a.month(month_of(&parse_time(&at)?)).nominations += 1;
    }
    let mut stmt = tx.prepare("SELECT created_at, replied_at FROM wishes WHERE hidden = 0")?;
    let wishes = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (asked, replied) in wishes {
        a.month(month_of(&parse_time(&asked)?)).wishes += 1;
        match replied {
            Some(at) => a.month(month_of(&parse_time(&at)?)).answered += 1,
            None => a.pending_wishes += 1,
        }
    }
    Ok(a)
}

fn column(tx: &Transaction<'_>, sql: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = tx.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
