//! Orders and nominations in SQLite: the demand the planner reads.

use rusqlite::{params, OptionalExtension, Transaction};

use super::{count, parse_id, parse_time, personal_expiry};
use crate::domain::{CancelToken, LecturerId, PersonKey, ProgramId, SealedPhone, TownshipId};
use crate::store::{
    LectureRequest, NewNomination, NewOrder, NominationOutcome, OrderOutcome, StoreError, Time,
};

pub(super) fn order(tx: &Transaction<'_>, o: &NewOrder) -> Result<OrderOutcome, StoreError> {
    let open: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM orders WHERE program = ?1 AND person = ?2 AND closed_at IS NULL",
        )?
        .query_row(params![o.program.as_str(), o.person.as_str()], |r| r.get(0))
        .optional()?;
    let duplicate = open.is_some();
    if !duplicate {
        tx.prepare_cached(
            "INSERT INTO orders
               (program, township, person, name, note, created_at, expires_at, reach)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            o.program.as_str(),
            o.township.as_str(),
            o.person.as_str(),
            o.name.as_str(),
            o.note.as_ref().map(|n| n.as_str()),
            o.at.to_rfc3339(),
            personal_expiry(&o.at),
            o.reach.as_ref().map(SealedPhone::to_stored),
        ])?;
    }
    let township_count: i64 = tx
        .prepare_cached(
            "SELECT COUNT(*) FROM orders
             WHERE program = ?1 AND township = ?2 AND closed_at IS NULL",
        )?
        .query_row(params![o.program.as_str(), o.township.as_str()], |r| {
            r.get(0)
        })?;
    let program_total: i64 = tx
        .prepare_cached("SELECT COUNT(*) FROM orders WHERE program = ?1 AND closed_at IS NULL")?
        .query_row(params![o.program.as_str()], |r| r.get(0))?;
    Ok(OrderOutcome {
        duplicate,
        township_count: count(township_count),
        program_total: count(program_total),
    })
}

pub(super) fn close_orders(
    tx: &Transaction<'_>,
    program: &ProgramId,
    township: &TownshipId,
    at: &Time,
) -> Result<u32, StoreError> {
    let closed = tx
        .prepare_cached(
            "UPDATE orders SET closed_at = ?3
         WHERE program = ?1 AND township = ?2 AND closed_at IS NULL",
        )?
        .execute(params![
            program.as_str(),
            township.as_str(),
            at.to_rfc3339()
        ])?;
    Ok(u32::try_from(closed).unwrap_or(u32::MAX))
}

fn nominations_of(tx: &Transaction<'_>, lecturer: &LecturerId) -> Result<u32, StoreError> {
    let n: i64 = tx
        .prepare_cached("SELECT COUNT(*) FROM nominations WHERE lecturer = ?1")?
        .query_row(params![lecturer.as_str()], |r| r.get(0))?;
    Ok(count(n))
}

fn has_crossed(tx: &Transaction<'_>, lecturer: &LecturerId) -> Result<bool, StoreError> {
    let found: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM lecture_requests WHERE lecturer = ?1")?
        .query_row(params![lecturer.as_str()], |r| r.get(0))
        .optional()?;
    Ok(found.is_some())
}

pub(super) fn nominate(
    tx: &Transaction<'_>,
    n: &NewNomination,
) -> Result<NominationOutcome, StoreError> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO nominations
               (lecturer, person, township, name, topic, created_at, expires_at, token_hash,
                reach)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (lecturer, person) DO NOTHING",
        )?
        .execute(params![
            n.lecturer.as_str(),
            n.person.as_str(),
            n.township.as_str(),
            n.name.as_str(),
            n.topic.as_ref().map(|t| t.as_str()),
            n.at.to_rfc3339(),
            personal_expiry(&n.at),
            n.withdraw.hash(),
            n.reach.as_ref().map(SealedPhone::to_stored),
        ])?;
    let duplicate = inserted == 0;
    let count = nominations_of(tx, &n.lecturer)?;
    // The request row is the "exactly once": whichever nomination first finds the count at
    // the threshold with no request yet writes it, inside the same transaction.
    let crossed = !duplicate && count >= n.threshold && !has_crossed(tx, &n.lecturer)?;
    if crossed {
        tx.prepare_cached(
            "INSERT INTO lecture_requests (lecturer, threshold, crossed_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![n.lecturer.as_str(), n.threshold, n.at.to_rfc3339()])?;
    }
    Ok(NominationOutcome {
        duplicate,
        count,
        threshold: n.threshold,
        crossed,
    })
}

pub(super) fn withdraw(
    tx: &Transaction<'_>,
    lecturer: &LecturerId,
    person: &PersonKey,
    token: &CancelToken,
) -> Result<u32, StoreError> {
    let stored: Option<Option<String>> = tx
        .prepare_cached("SELECT token_hash FROM nominations WHERE lecturer = ?1 AND person = ?2")?
        .query_row(params![lecturer.as_str(), person.as_str()], |r| r.get(0))
        .optional()?;
    // A nomination from before withdrawal tokens has none, and no token takes it back.
    if !stored.flatten().is_some_and(|hash| token.matches(&hash)) {
        return Err(StoreError::NotFound);
    }
    if has_crossed(tx, lecturer)? {
        return Err(StoreError::Frozen);
    }
    tx.prepare_cached("DELETE FROM nominations WHERE lecturer = ?1 AND person = ?2")?
        .execute(params![lecturer.as_str(), person.as_str()])?;
    nominations_of(tx, lecturer)
}

pub(super) fn lecture_requests(tx: &Transaction<'_>) -> Result<Vec<LectureRequest>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT lecturer, threshold, crossed_at FROM lecture_requests ORDER BY crossed_at, rowid",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut by_township = tx.prepare(
        "SELECT township, COUNT(*) FROM nominations WHERE lecturer = ?1 GROUP BY township",
    )?;
    let mut requests = Vec::with_capacity(rows.len());
    for (lecturer, threshold, crossed_at) in rows {
        let counts = by_township
            .query_map(params![lecturer], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let by_township = (counts.into_iter())
            .map(|(t, n)| Ok((parse_id(t)?, count(n))))
            .collect::<Result<_, StoreError>>()?;
        requests.push(LectureRequest {
            lecturer: parse_id(lecturer)?,
            threshold: count(threshold),
            crossed_at: parse_time(&crossed_at)?,
            by_township,
        });
    }
    Ok(requests)
}
