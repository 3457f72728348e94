//! Lottery courses in SQLite: the draw in one `BEGIN IMMEDIATE` transaction (the `draws` row's
//! primary key makes a second draw fail), and what the public pages show before and after it.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, OptionalExtension, Transaction};

use super::{count, parse_time};
use crate::domain::draw::Witness;
use crate::domain::{ConfirmationCode, CourseId, PersonKey, SealedPhone};
use crate::store::{Draw, DrawRequest, Lottery, NewMessage, RegistrationStatus, StoreError};

pub(super) fn drawn(tx: &Transaction<'_>, course: &CourseId) -> Result<bool, StoreError> {
    let found: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM draws WHERE course = ?1")?
        .query_row(params![course.as_str()], |r| r.get(0))
        .optional()?;
    Ok(found.is_some())
}

fn malformed(what: &str) -> StoreError {
    StoreError::Backend(format!("the store holds a malformed {what}"))
}

/// The codes of a course's applications waiting for the draw.
fn applications(
    tx: &Transaction<'_>,
    course: &CourseId,
) -> Result<Vec<ConfirmationCode>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT code FROM registrations WHERE course = ?1 AND status = 'applied' ORDER BY code",
    )?;
    let codes = stmt
        .query_map(params![course.as_str()], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    (codes.iter())
        .map(|c| ConfirmationCode::parse(c).map_err(|_| malformed("confirmation code")))
        .collect()
}

pub(super) fn draw(tx: &Transaction<'_>, request: &DrawRequest) -> Result<Draw, StoreError> {
    if drawn(tx, &request.course)? {
        return Err(StoreError::AlreadyDrawn);
    }
    let codes = applications(tx, &request.course)?;
    let result = Draw::make(request, &codes);
    let ranking: Vec<&str> = result
        .ranking
        .iter()
        .map(ConfirmationCode::as_str)
        .collect();
    tx.prepare_cached(
        "INSERT INTO draws (course, list_hash, witness, seed, ranking, capacity, waitlist,
             drawn_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        request.course.as_str(),
        result.list_hash,
        result.witness.as_str(),
        result.seed,
        ranking.join("\n"),
        result.capacity,
        result.waitlist,
        result.drawn_at.to_rfc3339(),
    ])?;
    let now = request.at.to_rfc3339();
    let mut update = tx.prepare_cached(
        "UPDATE registrations SET status = ?2, draw_rank = ?3, updated_at = ?4
         WHERE code = ?1 AND status = 'applied'",
    )?;
    for (i, code, outcome) in result.outcomes() {
        let status = RegistrationStatus::from_outcome(outcome);
        update.execute(params![code.as_str(), status.as_str(), i + 1, now])?;
        if status == RegistrationStatus::Confirmed {
            tell_confirmed(tx, request, code)?;
        }
    }
    // Only the waitlisted may still hear of a place: the others' numbers go.
    tx.prepare_cached(
        "UPDATE registrations SET reach = NULL
         WHERE course = ?1 AND status IN ('confirmed', 'not_drawn')",
    )?
    .execute(params![request.course.as_str()])?;
    Ok(result)
}

/// Queues `CONFIRMED` for a drawn place, if its guardian's number was kept.
fn tell_confirmed(
    tx: &Transaction<'_>,
    request: &DrawRequest,
    code: &ConfirmationCode,
) -> Result<(), StoreError> {
    let row: Option<(String, Option<String>, Option<i64>)> = tx
        .prepare_cached("SELECT person, reach, remind_at FROM registrations WHERE code = ?1")?
        .query_row(params![code.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((person, Some(reach), remind_at)) = row else {
        return Ok(());
    };
    if let Some(phone) = SealedPhone::from_stored(&reach) {
        let person = PersonKey::from_stored(person);
        let message = NewMessage::confirmed(code, &request.course, person, phone);
        let at = request.at.timestamp();
        super::outbox::queue_all(tx, &message.and_reminder(remind_at, at))?;
    }
    Ok(())
}

fn stored_draw(tx: &Transaction<'_>, course: &CourseId) -> Result<Option<Draw>, StoreError> {
    let row = tx
        .prepare_cached(
            "SELECT list_hash, witness, seed, ranking, capacity, waitlist, drawn_at
             FROM draws WHERE course = ?1",
        )?
        .query_row(params![course.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()?;
    let Some((list_hash, witness, seed, ranking, capacity, waitlist, at)) = row else {
        return Ok(None);
    };
    let ranking = (ranking.split('\n').filter(|c| !c.is_empty()))
        .map(|c| ConfirmationCode::parse(c).map_err(|_| malformed("ranking")))
        .collect::<Result<_, _>>()?;
    Ok(Some(Draw {
        course: course.clone(),
        list_hash,
        witness: Witness::parse(&witness).map_err(|_| malformed("witness"))?,
        seed,
        ranking,
        capacity: count(capacity),
        waitlist: count(waitlist),
        drawn_at: parse_time(&at)?,
    }))
}

pub(super) fn lotteries(
    tx: &Transaction<'_>,
    courses: &BTreeSet<CourseId>,
) -> Result<BTreeMap<CourseId, Lottery>, StoreError> {
    let mut out = BTreeMap::new();
    for course in courses {
        let lottery = match stored_draw(tx, course)? {
            Some(draw) => Lottery::drawn(draw),
            None => Lottery::waiting(&applications(tx, course)?),
        };
        out.insert(course.clone(), lottery);
    }
    Ok(out)
}
