//! The schedule in SQLite: assignments, performances and the open-order demand.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::{count, demand, parse_id, parse_time};
use crate::catalogue::SlotFacts;
use crate::domain::{PersonKey, ProgramId, SealedPhone, SlotId, TownshipId};
use crate::store::{
    reminder_time, Assignment, AssignmentSource, NewMessage, OrderDemand, Performance, StoreError,
    Time,
};

fn malformed(what: &str) -> StoreError {
    StoreError::Backend(format!("the store holds a malformed {what}"))
}

fn optional_id<T: TryFrom<String>>(raw: Option<String>) -> Result<Option<T>, StoreError> {
    raw.map(parse_id).transpose()
}

type AssignmentRow = (
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

fn assignment_row(r: &Row<'_>) -> rusqlite::Result<AssignmentRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn to_assignment(row: AssignmentRow) -> Result<Assignment, StoreError> {
    let (slot, program, lecturer, reason, source, at) = row;
    Ok(Assignment {
        slot: parse_id(slot)?,
        program: optional_id(program)?,
        lecturer: optional_id(lecturer)?,
        reason,
        source: AssignmentSource::parse(&source).ok_or_else(|| malformed("assignment source"))?,
        at: parse_time(&at)?,
    })
}

pub(super) fn assignments(tx: &Transaction<'_>) -> Result<Vec<Assignment>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT slot, program, lecturer, reason, source, assigned_at FROM assignments
         ORDER BY slot",
    )?;
    let rows = stmt
        .query_map([], assignment_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(to_assignment).collect()
}

fn check(a: &Assignment) -> Result<(), StoreError> {
    if a.is_well_formed() {
        Ok(())
    } else {
        Err(StoreError::Backend(
            "an assignment names exactly one program or lecturer".into(),
        ))
    }
}

fn write_assignment(
    tx: &Transaction<'_>,
    a: &Assignment,
    replace: bool,
) -> Result<usize, StoreError> {
    check(a)?;
    let conflict = if replace {
        "ON CONFLICT (slot) DO UPDATE SET program = excluded.program,
         lecturer = excluded.lecturer, reason = excluded.reason, source = excluded.source,
         assigned_at = excluded.assigned_at"
    } else {
        "ON CONFLICT (slot) DO NOTHING"
    };
    let sql = format!(
        "INSERT INTO assignments (slot, program, lecturer, reason, source, assigned_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) {conflict}"
    );
    Ok(tx.execute(
        &sql,
        params![
            a.slot.as_str(),
            a.program.as_ref().map(|p| p.as_str()),
            a.lecturer.as_ref().map(|l| l.as_str()),
            a.reason,
            a.source.as_str(),
            a.at.to_rfc3339(),
        ],
    )?)
}

/// Stores the planner's assignments; a slot that already has one (a staff pin, or an earlier
/// plan) keeps it. Returns how many were stored.
pub(super) fn apply_plan(tx: &Transaction<'_>, planned: &[Assignment]) -> Result<u32, StoreError> {
    let mut stored = 0;
    for a in planned {
        let a = Assignment {
            source: AssignmentSource::Auto,
            ..a.clone()
        };
        let written = write_assignment(tx, &a, false)?;
        if written > 0 {
            tell_residents(tx, &a)?;
        }
        stored += written;
    }
    Ok(u32::try_from(stored).unwrap_or(u32::MAX))
}

/// Queues `SCHEDULED` for the township's residents with an open order of the slot's program,
/// or `LECTURE` for the lecturer's nominators, who asked to hear back; their numbers go.
fn tell_residents(tx: &Transaction<'_>, a: &Assignment) -> Result<(), StoreError> {
    if let Some(program) = &a.program {
        let Some(township) = SlotFacts::township_of(&a.slot) else {
            return Ok(());
        };
        let waiting = reached(
            tx,
            "SELECT rowid, person, reach FROM orders WHERE program = ?1 AND township = ?2
             AND closed_at IS NULL AND reach IS NOT NULL ORDER BY rowid",
            params![program.as_str(), township.as_str()],
        )?;
        let eve = SlotFacts::date_of(&a.slot).and_then(reminder_time);
        for (row, person, phone) in waiting {
            let told = NewMessage::scheduled(&a.slot, program, person, phone);
            queue_once(tx, "orders", row, &told.and_reminder(eve, a.at.timestamp()))?;
        }
    } else if let Some(lecturer) = &a.lecturer {
        let waiting = reached(
            tx,
            "SELECT rowid, person, reach FROM nominations WHERE lecturer = ?1
             AND reach IS NOT NULL ORDER BY rowid",
            params![lecturer.as_str()],
        )?;
        for (row, person, phone) in waiting {
            let message = NewMessage::lecture(&a.slot, lecturer, person, phone);
            queue_once(tx, "nominations", row, &[message])?;
        }
    }
    Ok(())
}

/// Rows that kept a sealed number: (rowid, person, number).
fn reached(
    tx: &Transaction<'_>,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<(i64, PersonKey, SealedPhone)>, StoreError> {
    let rows = tx
        .prepare_cached(sql)?
        .query_map(args, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(row, person, reach)| {
            let phone = SealedPhone::from_stored(&reach)?;
            Some((row, PersonKey::from_stored(person), phone))
        })
        .collect())
}

/// Queues `messages` and erases the number of the row they came from: it waits for nothing
/// else.
fn queue_once(
    tx: &Transaction<'_>,
    table: &str,
    row: i64,
    messages: &[NewMessage],
) -> Result<(), StoreError> {
    super::outbox::queue_all(tx, messages)?;
    let sql = format!("UPDATE {table} SET reach = NULL WHERE rowid = ?1");
    tx.prepare_cached(&sql)?.execute(params![row])?;
    Ok(())
}

/// Staff's choice for a slot, replacing whatever was there.
pub(super) fn pin(tx: &Transaction<'_>, a: &Assignment) -> Result<(), StoreError> {
    let a = Assignment {
        source: AssignmentSource::Staff,
        ..a.clone()
    };
    write_assignment(tx, &a, true).map(drop)
}

pub(super) fn unpin(tx: &Transaction<'_>, slot: &SlotId) -> Result<(), StoreError> {
    let gone = tx
        .prepare_cached("DELETE FROM assignments WHERE slot = ?1")?
        .execute(params![slot.as_str()])?;
    if gone == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Records the performance and closes the program's open orders in that township, in one
/// transaction. A slot is done once: a second time is `Duplicate`.
pub(super) fn mark_done(tx: &Transaction<'_>, p: &Performance) -> Result<u32, StoreError> {
    let exists: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM performances WHERE slot = ?1")?
        .query_row(params![p.slot.as_str()], |r| r.get(0))
        .optional()?;
    if exists.is_some() {
        return Err(StoreError::Duplicate);
    }
    tx.prepare_cached(
        "INSERT INTO performances (slot, township, date, program, lecturer, done_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        p.slot.as_str(),
        p.township.as_str(),
        p.date.format("%Y-%m-%d").to_string(),
        p.program.as_ref().map(|x| x.as_str()),
        p.lecturer.as_ref().map(|x| x.as_str()),
        p.at.to_rfc3339(),
    ])?;
    match &p.program {
        Some(program) => demand::close_orders(tx, program, &p.township, &p.at),
        None => Ok(0),
    }
}

type PerformanceRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

fn to_performance(row: PerformanceRow) -> Result<Performance, StoreError> {
    let (slot, township, date, program, lecturer, at) = row;
    Ok(Performance {
        slot: parse_id(slot)?,
        township: parse_id(township)?,
        date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| malformed("date"))?,
        program: optional_id(program)?,
        lecturer: optional_id(lecturer)?,
        at: parse_time(&at)?,
    })
}

pub(super) fn performances(tx: &Transaction<'_>) -> Result<Vec<Performance>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT slot, township, date, program, lecturer, done_at FROM performances
         ORDER BY date, slot",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<Vec<PerformanceRow>, _>>()?;
    rows.into_iter().map(to_performance).collect()
}

/// Open orders per (program, township) with the earliest of them. The minimum is taken on
/// parsed times, not on the stored text, so offsets cannot mislead it.
pub(super) fn order_demand(tx: &Transaction<'_>) -> Result<Vec<OrderDemand>, StoreError> {
    let mut stmt =
        tx.prepare("SELECT program, township, created_at FROM orders WHERE closed_at IS NULL")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut seen: BTreeMap<(ProgramId, TownshipId), (i64, Time)> = BTreeMap::new();
    for row in rows {
        let (program, township, at) = row?;
        let at = parse_time(&at)?;
        let entry = seen
            .entry((parse_id(program)?, parse_id(township)?))
            .or_insert((0, at));
        entry.0 += 1;
        entry.1 = entry.1.min(at);
    }
    Ok(seen
        .into_iter()
        .map(|((program, township), (open, first_at))| OrderDemand {
            program,
            township,
            open: count(open),
            first_at,
        })
        .collect())
}
