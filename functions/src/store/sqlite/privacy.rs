//! Abuse-limit counters and a person's data (access and erasure) for the SQLite store.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use rusqlite::{params, Transaction};

use super::{courses, parse_id, parse_time, staff};
use crate::domain::PersonKey;
use crate::store::{
    Attempt, Forgotten, LimitKey, PersonData, PersonRating, PersonWish, StoreError,
};

/// Attempts per key and window, in memory; spent windows are dropped as the map grows.
#[derive(Debug, Default)]
pub(super) struct Attempts(Mutex<HashMap<(LimitKey, i64), (u32, i64)>>);

/// Past this many live counters, spent windows are swept out on the next count.
const SWEEP_ABOVE: usize = 10_000;

impl Attempts {
    pub(super) fn count(&self, a: &Attempt) -> u32 {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() > SWEEP_ABOVE {
            // A window that ended before this one began can never be counted again.
            map.retain(|_, (_, expires)| *expires > a.window_start);
        }
        let entry = map
            .entry((a.key.clone(), a.window_start))
            .or_insert((0, a.expires_at));
        entry.0 = entry.0.saturating_add(1);
        entry.0
    }
}

pub(super) fn person_data(
    tx: &Transaction<'_>,
    person: &PersonKey,
) -> Result<PersonData, StoreError> {
    let p = Some(person.as_str());
    Ok(PersonData {
        orders: staff::export_orders(tx, p)?,
        nominations: staff::export_nominations(tx, p)?,
        registrations: staff::export_registrations(tx, p)?,
        wishes: wishes_of(tx, person)?,
        ratings: ratings_of(tx, person)?,
        messages: super::outbox::of_person(tx, person.as_str())?,
    })
}

type WishTuple = (i64, String, String, Option<String>, String, Option<String>);

fn wishes_of(tx: &Transaction<'_>, person: &PersonKey) -> Result<Vec<PersonWish>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT id, text, township, name, created_at, reply FROM wishes
         WHERE person = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map(params![person.as_str()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<Vec<WishTuple>, _>>()?;
    (rows.into_iter())
        .map(|(id, text, township, name, at, reply)| {
            Ok(PersonWish {
                id,
                text,
                township: parse_id(township)?,
                name,
                asked_at: parse_time(&at)?,
                reply,
            })
        })
        .collect()
}

fn ratings_of(tx: &Transaction<'_>, person: &PersonKey) -> Result<Vec<PersonRating>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT slot, stars, comment, created_at FROM ratings WHERE person = ?1 ORDER BY slot",
    )?;
    let rows = stmt
        .query_map(params![person.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    (rows.into_iter())
        .map(|(slot, stars, comment, at)| {
            Ok(PersonRating {
                slot: parse_id(slot)?,
                stars: u8::try_from(stars).unwrap_or(0),
                comment,
                rated_at: parse_time(&at)?,
            })
        })
        .collect()
}

/// Tallies are counted from rows here, so deleting the rows corrects them.
pub(super) fn forget(tx: &Transaction<'_>, person: &PersonKey) -> Result<Forgotten, StoreError> {
    let p = person.as_str();
    super::verify::forget(tx, p)?;
    super::outbox::forget(tx, p)?;
    let delete = |table: &str| -> Result<u32, StoreError> {
        // The table names are constants below, never input.
        let n = tx.execute(
            &format!("DELETE FROM {table} WHERE person = ?1"),
            params![p],
        )?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    };
    Ok(Forgotten {
        registrations: courses::forget(tx, p)?,
        orders: delete("orders")?,
        nominations: delete("nominations")?,
        wishes: delete("wishes")?,
        ratings: delete("ratings")?,
    })
}
