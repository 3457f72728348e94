//! Orders and nominations in DynamoDB: the demand the planner reads.
//!
//! An order is a conditional put of its "open order" item (one per person and program) in the
//! same transaction as the increment of its (program, township) tally. A nomination is a
//! conditional put in the same transaction as the versioned update of the lecturer's counter,
//! which carries the crossing: the transaction that moves the count to the threshold also
//! writes the lecture request, so the crossing is reported exactly once.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::counter::Counter;
use super::db::{Backoff, Db, Query, Range, Tx};
use super::expr::{self, Cond, Values};
use super::item::{arrival, count, n, personal_expiry, s, Item, ItemBuilder, Read};
use super::keys::{self, counter, part, Key, SK};
use crate::domain::{CancelToken, LecturerId, PersonKey, ProgramId, TownshipId};
use crate::store::{
    LectureRequest, NewNomination, NewOrder, NominationOutcome, OrderDemand, OrderOutcome,
    StoreError, Time,
};

/// Orders closed per transaction: two items each, plus the tally and one more (≤ 100 items).
pub(super) const CLOSE_CHUNK: usize = 49;

fn order_item(o: &NewOrder, key: &Key) -> Item {
    ItemBuilder::new(key.item())
        .s("program", o.program.as_str())
        .s("township", o.township.as_str())
        .s("person", o.person.as_str())
        .s("name", o.name.as_str())
        .opt_s("note", o.note.as_ref().map(|t| t.as_str()))
        .sealed("reach", o.reach.as_ref())
        .time("created_at", &o.at)
        .s("arrival", arrival())
        .expiring(personal_expiry(&o.at))
        .build()
}

/// `ADD #n :delta` on a plain (unversioned) tally.
pub(super) fn add_to(db: &Db, key: &Key, delta: i64) -> Result<TransactWriteItem, StoreError> {
    expr::update(
        &db.table,
        key,
        "ADD #n :delta",
        Values::new().with(":delta", n(delta)),
        None,
    )
}

pub(super) async fn order(db: &Db, o: &NewOrder) -> Result<OrderOutcome, StoreError> {
    let item = order_item(o, &keys::open_order(&o.program, &o.person));
    let tally = counter::orders(&o.program, &o.township);
    let mut backoff = Backoff::new();
    let duplicate = loop {
        let items = vec![
            expr::put(&db.table, item.clone(), Some(Cond::absent()))?,
            add_to(db, &tally, 1)?,
        ];
        let tx = db.transact(items).await?;
        match tx {
            Tx::Committed => break false,
            _ if tx.failed(0) => break true,
            _ => backoff.wait().await?,
        }
    };
    let (township_count, program_total) = order_counts(db, &o.program, &o.township).await?;
    Ok(OrderOutcome {
        duplicate,
        township_count,
        program_total,
    })
}

/// Open orders of a program from one township, and from all of them.
async fn order_counts(
    db: &Db,
    program: &ProgramId,
    township: &TownshipId,
) -> Result<(u32, u32), StoreError> {
    let prefix = counter::orders_of(program);
    let tallies = db
        .query(&Query::new(part::COUNTS, Range::Prefix(&prefix)))
        .await?;
    let mine = counter::orders(program, township).sk;
    let (mut here, mut total) = (0, 0);
    for t in &tallies {
        let n = t.num_or_zero("n")?;
        total += n;
        if t.opt_str(SK) == Some(mine.as_str()) {
            here = n;
        }
    }
    Ok((count(here), count(total)))
}

async fn open_orders(
    db: &Db,
    program: &ProgramId,
    township: &TownshipId,
) -> Result<Vec<Item>, StoreError> {
    let prefix = keys::open_orders_of(program);
    let q = Query::new(part::ORDERS, Range::Prefix(&prefix))
        .filter(Cond::new("#township = :t").value(":t", s(township.as_str())));
    db.query(&q).await
}

/// The writes that close `orders` (all of one program and township): each open item goes,
/// a closed copy takes its place, and the tally drops by as many.
fn close_items(
    db: &Db,
    orders: &[Item],
    program: &ProgramId,
    township: &TownshipId,
    at: &Time,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut items = Vec::with_capacity(orders.len() * 2 + 1);
    for order in orders {
        let open = Key::new(part::ORDERS, order.str(SK)?);
        let closed = keys::closed_order(program, order.str("person")?, order.str("arrival")?);
        let cond =
            Cond::new("attribute_exists(#pk) AND #township = :t").value(":t", s(township.as_str()));
        items.push(expr::delete(&db.table, &open, Some(cond))?);
        let mut copy = order.clone();
        copy.extend(closed.item());
        copy.insert("closed_at".into(), s(at.to_rfc3339()));
        items.push(expr::put(&db.table, copy, None)?);
    }
    let delta = -i64::try_from(orders.len()).unwrap_or(i64::MAX);
    items.push(add_to(db, &counter::orders(program, township), delta)?);
    Ok(items)
}

/// Closes the open orders of `program` in `township`, a chunk per transaction; `first`
/// (a performance record) rides in the first transaction. `Duplicate` if `first`'s condition
/// fails. Orders that vanish meanwhile (purged) are simply not counted.
pub(super) async fn close_orders(
    db: &Db,
    program: &ProgramId,
    township: &TownshipId,
    at: &Time,
    mut first: Option<TransactWriteItem>,
) -> Result<u32, StoreError> {
    let mut closed = 0u32;
    let mut backoff = Backoff::new();
    loop {
        let open = open_orders(db, program, township).await?;
        let chunk = &open[..open.len().min(CLOSE_CHUNK)];
        if chunk.is_empty() && first.is_none() {
            return Ok(closed);
        }
        let mut items: Vec<TransactWriteItem> = first.iter().cloned().collect();
        if !chunk.is_empty() {
            items.extend(close_items(db, chunk, program, township, at)?);
        }
        let tx = db.transact(items).await?;
        match tx {
            Tx::Committed => {
                closed += count(i64::try_from(chunk.len()).unwrap_or(i64::MAX));
                first = None;
            }
            _ if first.is_some() && tx.failed(0) => return Err(StoreError::Duplicate),
            _ => backoff.wait().await?,
        }
    }
}

fn nomination_item(nm: &NewNomination) -> Item {
    ItemBuilder::new(keys::nomination(&nm.lecturer, &nm.person).item())
        .s("lecturer", nm.lecturer.as_str())
        .s("township", nm.township.as_str())
        .s("person", nm.person.as_str())
        .s("name", nm.name.as_str())
        .opt_s("topic", nm.topic.as_ref().map(|t| t.as_str()))
        .sealed("reach", nm.reach.as_ref())
        .time("created_at", &nm.at)
        .s("token_hash", nm.withdraw.hash())
        .s("arrival", arrival())
        .expiring(personal_expiry(&nm.at))
        .build()
}

fn request_item(nm: &NewNomination) -> Item {
    ItemBuilder::new(keys::lecture_request(&nm.lecturer).item())
        .s("lecturer", nm.lecturer.as_str())
        .n("threshold", nm.threshold)
        .time("crossed_at", &nm.at)
        .s("arrival", arrival())
        .build()
}

/// The counter's new values; a crossing also records when and at which threshold.
fn set_nominations(
    db: &Db,
    key: &Key,
    now: &Counter,
    count: i64,
    crossing: Option<&NewNomination>,
) -> Result<TransactWriteItem, StoreError> {
    let version = now.version()?;
    let mut values = Values::new()
        .with(":n", n(count))
        .with(":v1", n(version + 1));
    let mut update = String::from("SET #n = :n, #v = :v1");
    if let Some(nm) = crossing {
        update.push_str(", #crossed_at = :at, #threshold = :t");
        values = values
            .with(":at", s(nm.at.to_rfc3339()))
            .with(":t", n(nm.threshold));
    }
    expr::update(&db.table, key, &update, values, Some(now.unchanged()?))
}

pub(super) async fn nominate(db: &Db, nm: &NewNomination) -> Result<NominationOutcome, StoreError> {
    let key = counter::nominations(&nm.lecturer);
    let _serial = db.lock(&key).await;
    let mut now = Counter::new(db.get(&key).await?);
    let item = nomination_item(nm);
    let mut backoff = Backoff::new();
    loop {
        let next = now.get("n")? + 1;
        let crossing = !now.has("crossed_at") && next >= i64::from(nm.threshold);
        let mut items = vec![
            expr::put(&db.table, item.clone(), Some(Cond::absent()))?,
            set_nominations(db, &key, &now, next, crossing.then_some(nm))?,
        ];
        if crossing {
            items.push(expr::put(
                &db.table,
                request_item(nm),
                Some(Cond::absent()),
            )?);
        }
        let tx = db.transact(items).await?;
        let outcome = |duplicate, count_now: i64, crossed| NominationOutcome {
            duplicate,
            count: count(count_now),
            threshold: nm.threshold,
            crossed,
        };
        match tx {
            Tx::Committed => return Ok(outcome(false, next, crossing)),
            _ if tx.failed(0) => {
                let latest = Counter::new(tx.old(1).cloned().or(now.item));
                return Ok(outcome(true, latest.get("n")?, false));
            }
            _ if tx.failed(2) && !tx.failed(1) => {
                return Err(StoreError::Backend(format!(
                    "dynamodb: a lecture request for {} exists but its counter never crossed",
                    nm.lecturer
                )))
            }
            _ => {
                now = Counter::new(match tx.old(1) {
                    Some(old) => Some(old.clone()),
                    None => db.get(&key).await?,
                });
                backoff.wait().await?;
            }
        }
    }
}

pub(super) async fn withdraw(
    db: &Db,
    lecturer: &LecturerId,
    person: &PersonKey,
    token: &CancelToken,
) -> Result<u32, StoreError> {
    let key = counter::nominations(lecturer);
    // Only the nomination's own token deletes it; a wrong one fails like a missing item.
    let own = Cond::new("#token_hash = :token_hash").value(":token_hash", s(token.hash()));
    let _serial = db.lock(&key).await;
    let mut now = Counter::new(db.get(&key).await?);
    let nomination = keys::nomination(lecturer, person);
    let mut backoff = Backoff::new();
    loop {
        if !now.exists() {
            return Err(StoreError::NotFound);
        }
        let left = (now.get("n")? - 1).max(0);
        let values = Values::new()
            .with(":n", n(left))
            .with(":v1", n(now.version()? + 1));
        let cond = now.unchanged_and(Cond::new("attribute_not_exists(#crossed_at)"))?;
        let items = vec![
            expr::delete(&db.table, &nomination, Some(own.clone()))?,
            expr::update(&db.table, &key, "SET #n = :n, #v = :v1", values, Some(cond))?,
        ];
        let tx = db.transact(items).await?;
        match tx {
            Tx::Committed => return Ok(count(left)),
            _ if tx.failed(0) => return Err(StoreError::NotFound),
            _ => {
                now = Counter::new(match tx.old(1) {
                    Some(old) => Some(old.clone()),
                    None => db.get(&key).await?,
                });
                if now.has("crossed_at") {
                    return Err(StoreError::Frozen);
                }
                backoff.wait().await?;
            }
        }
    }
}

pub(super) async fn lecture_requests(db: &Db) -> Result<Vec<LectureRequest>, StoreError> {
    let rows = db
        .query(&Query::new(part::LECTURE_REQUESTS, Range::All))
        .await?;
    let mut requests = Vec::with_capacity(rows.len());
    for row in rows {
        let lecturer: LecturerId = row.id("lecturer")?;
        let prefix = keys::nominations_of(&lecturer);
        let nominations = db
            .query(&Query::new(part::NOMINATIONS, Range::Prefix(&prefix)))
            .await?;
        let mut by_township: BTreeMap<TownshipId, u32> = BTreeMap::new();
        for nomination in &nominations {
            *by_township.entry(nomination.id("township")?).or_default() += 1;
        }
        let order = (row.time("crossed_at")?, row.str("arrival")?.to_owned());
        let request = LectureRequest {
            lecturer,
            threshold: count(row.num("threshold")?),
            crossed_at: order.0,
            by_township,
        };
        requests.push((order, request));
    }
    requests.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(requests.into_iter().map(|(_, r)| r).collect())
}

pub(super) async fn order_demand(db: &Db) -> Result<Vec<OrderDemand>, StoreError> {
    let open = db
        .query(&Query::new(part::ORDERS, Range::Prefix(keys::OPEN_ORDERS)))
        .await?;
    let mut seen: BTreeMap<(ProgramId, TownshipId), (i64, Time)> = BTreeMap::new();
    for order in &open {
        let at = order.time("created_at")?;
        let entry = seen
            .entry((order.id("program")?, order.id("township")?))
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
