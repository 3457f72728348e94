//! The schedule in DynamoDB: assignments, performances, and marking a slot done (which closes
//! the open orders of its program in its township, starting in the same transaction).

use std::collections::BTreeSet;

use chrono::NaiveDate;

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::db::{Backoff, Db, Query, Range, Tx, Written};
use super::demand;
use super::expr::{self, Cond};
use super::item::{count, Item, ItemBuilder, Read};
use super::keys::{self, part};
use super::notices::{self, Owed};
use crate::domain::SlotId;
use crate::store::{Assignment, AssignmentSource, Performance, StoreError};

/// Most items one transaction may hold.
const TRANSACTION_ITEMS: usize = 100;

fn check(a: &Assignment) -> Result<(), StoreError> {
    if a.is_well_formed() {
        Ok(())
    } else {
        Err(StoreError::Backend(
            "an assignment names exactly one program or lecturer".into(),
        ))
    }
}

fn assignment_item(a: &Assignment, source: AssignmentSource) -> Item {
    ItemBuilder::new(keys::assignment(&a.slot).item())
        .s("slot", a.slot.as_str())
        .opt_s("program", a.program.as_ref().map(|p| p.as_str()))
        .opt_s("lecturer", a.lecturer.as_ref().map(|l| l.as_str()))
        .s("reason", &a.reason)
        .s("source", source.as_str())
        .time("assigned_at", &a.at)
        .build()
}

fn optional_id<T: TryFrom<String>>(item: &Item, name: &str) -> Result<Option<T>, StoreError> {
    item.opt_str(name).map(|_| item.id(name)).transpose()
}

fn to_assignment(item: &Item) -> Result<Assignment, StoreError> {
    let source = item.str("source")?;
    Ok(Assignment {
        slot: item.id("slot")?,
        program: optional_id(item, "program")?,
        lecturer: optional_id(item, "lecturer")?,
        reason: item.str("reason")?.to_owned(),
        source: AssignmentSource::parse(source)
            .ok_or_else(|| StoreError::Backend(format!("dynamodb: unknown source {source:?}")))?,
        at: item.time("assigned_at")?,
    })
}

pub(super) async fn assignments(db: &Db) -> Result<Vec<Assignment>, StoreError> {
    let rows = db.query(&Query::new(part::ASSIGNMENTS, Range::All)).await?;
    let mut all = rows
        .iter()
        .map(to_assignment)
        .collect::<Result<Vec<_>, _>>()?;
    all.sort_by(|a, b| a.slot.cmp(&b.slot));
    Ok(all)
}

/// Stores the planner's assignments for slots that have none, with the texts they owe, in
/// one transaction (several for large plans: at most 100 items each). A slot assigned
/// meanwhile cancels it; it is then read again.
pub(super) async fn apply_plan(db: &Db, planned: &[Assignment]) -> Result<u32, StoreError> {
    planned.iter().try_for_each(check)?;
    let mut stored = 0u32;
    let mut backoff = Backoff::new();
    loop {
        let taken: BTreeSet<SlotId> = assignments(db).await?.into_iter().map(|a| a.slot).collect();
        let mut seen = BTreeSet::new();
        let todo: Vec<&Assignment> = (planned.iter())
            .filter(|a| !taken.contains(&a.slot) && seen.insert(a.slot.clone()))
            .collect();
        let batch = Batch::pack(db, &todo).await?;
        if batch.assigned == 0 {
            return Ok(stored);
        }
        match db.transact(batch.items).await? {
            Tx::Committed => {
                stored += count(i64::try_from(batch.assigned).unwrap_or(i64::MAX));
                for owed in batch.after {
                    owed.queue(db).await?;
                }
            }
            Tx::Cancelled(_) => backoff.wait().await?,
        }
    }
}

/// One transaction of a plan: assignments with the texts they owe, and the texts that did not
/// fit, to queue right after it.
struct Batch {
    items: Vec<TransactWriteItem>,
    assigned: usize,
    after: Vec<Owed>,
}

impl Batch {
    /// Packs assignments from `todo`, each with as many of its residents' texts as fit.
    async fn pack(db: &Db, todo: &[&Assignment]) -> Result<Self, StoreError> {
        let mut batch = Batch {
            items: Vec::new(),
            assigned: 0,
            after: Vec::new(),
        };
        for a in todo {
            let owed = notices::owed(db, a).await?;
            let full = batch.items.len() >= TRANSACTION_ITEMS;
            let crowded =
                batch.assigned > 0 && batch.items.len() + 1 + 3 * owed.len() > TRANSACTION_ITEMS;
            if full || crowded {
                break;
            }
            let put = assignment_item(a, AssignmentSource::Auto);
            batch
                .items
                .push(expr::put(&db.table, put, Some(Cond::absent()))?);
            batch.assigned += 1;
            for one in owed {
                let writes = one.writes(db)?;
                if batch.items.len() + writes.len() <= TRANSACTION_ITEMS {
                    batch.items.extend(writes);
                } else {
                    batch.after.push(one);
                }
            }
        }
        Ok(batch)
    }
}

pub(super) async fn pin(db: &Db, a: &Assignment) -> Result<(), StoreError> {
    check(a)?;
    db.put_item(assignment_item(a, AssignmentSource::Staff), None)
        .await
        .map(drop)
}

pub(super) async fn unpin(db: &Db, slot: &SlotId) -> Result<(), StoreError> {
    match db
        .delete_item(&keys::assignment(slot), Some(Cond::present()))
        .await?
    {
        Written::Done(_) => Ok(()),
        Written::ConditionFailed => Err(StoreError::NotFound),
    }
}

fn performance_item(p: &Performance) -> Item {
    ItemBuilder::new(keys::performance(&p.slot).item())
        .s("slot", p.slot.as_str())
        .s("township", p.township.as_str())
        .s("date", p.date.format("%Y-%m-%d").to_string())
        .opt_s("program", p.program.as_ref().map(|x| x.as_str()))
        .opt_s("lecturer", p.lecturer.as_ref().map(|x| x.as_str()))
        .time("done_at", &p.at)
        .build()
}

/// Records the performance and closes its program's open orders in its township. Up to 49
/// orders close in the performance's own transaction; more close in further transactions
/// right after (DynamoDB's 100-item limit), each atomic with its tally.
pub(super) async fn mark_done(db: &Db, p: &Performance) -> Result<u32, StoreError> {
    match &p.program {
        Some(program) => {
            let record = expr::put(&db.table, performance_item(p), Some(Cond::absent()))?;
            demand::close_orders(db, program, &p.township, &p.at, Some(record)).await
        }
        None => {
            let item = performance_item(p);
            match db.put_item(item, Some(Cond::absent())).await? {
                Written::Done(_) => Ok(0),
                Written::ConditionFailed => Err(StoreError::Duplicate),
            }
        }
    }
}

fn to_performance(item: &Item) -> Result<Performance, StoreError> {
    let date = item.str("date")?;
    Ok(Performance {
        slot: item.id("slot")?,
        township: item.id("township")?,
        date: NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| StoreError::Backend(format!("dynamodb: a malformed date {date:?}")))?,
        program: optional_id(item, "program")?,
        lecturer: optional_id(item, "lecturer")?,
        at: item.time("done_at")?,
    })
}

pub(super) async fn performances(db: &Db) -> Result<Vec<Performance>, StoreError> {
    let rows = db
        .query(&Query::new(part::PERFORMANCES, Range::All))
        .await?;
    let mut all = rows
        .iter()
        .map(to_performance)
        .collect::<Result<Vec<_>, _>>()?;
    all.sort_by(|a, b| (a.date, &a.slot).cmp(&(b.date, &b.slot)));
    Ok(all)
}
