//! Staff's reads and the action log in DynamoDB: what was done when, and the CSV exports.
//! Exports read whole partitions; they are rare and staff wait for them.

use super::db::{Db, Query, Range, Written};
use super::expr::Cond;
use super::item::{s, Item, ItemBuilder, Read};
use super::keys::{self, part, SK};
use crate::domain::ConfirmationCode;
use crate::store::{
    AdminAction, NewAction, NominationRow, OrderRow, RegistrationRow, RegistrationStatus,
    StoreError,
};

pub(super) async fn log_action(db: &Db, a: &NewAction) -> Result<i64, StoreError> {
    let id = db.next_in(&keys::sequence("ADMIN_LOG")).await?;
    let item = ItemBuilder::new(keys::admin_action(id).item())
        .n("id", id)
        .time("at", &a.at)
        .s("actor", &a.actor)
        .s("action", &a.action)
        .s("subject", &a.subject)
        .s("detail", &a.detail)
        .build();
    match db.put_item(item, Some(Cond::absent())).await? {
        Written::Done(_) => Ok(id),
        Written::ConditionFailed => Err(StoreError::Backend(format!(
            "dynamodb: admin log number {id} was already taken"
        ))),
    }
}

/// The latest actions, newest first; only `actor`'s when given.
pub(super) async fn actions(
    db: &Db,
    actor: Option<&str>,
    limit: u32,
) -> Result<Vec<AdminAction>, StoreError> {
    let mut q = Query {
        backwards: true,
        max: Some(usize::try_from(limit).unwrap_or(usize::MAX)),
        ..Query::new(part::ADMIN_LOG, Range::All)
    };
    if let Some(actor) = actor {
        q = q.filter(Cond::new("#actor = :actor").value(":actor", s(actor)));
    }
    (db.query(&q).await?.iter())
        .map(|item| {
            Ok(AdminAction {
                id: item.num("id")?,
                at: item.time("at")?,
                // Actions logged before accounts existed were all the token's.
                actor: item.opt_str("actor").unwrap_or("token").to_owned(),
                action: item.str("action")?.to_owned(),
                subject: item.str("subject")?.to_owned(),
                detail: item.str("detail")?.to_owned(),
            })
        })
        .collect()
}

fn opt_string(item: &Item, name: &str) -> Option<String> {
    item.opt_str(name).map(str::to_owned)
}

/// A whole partition, or only the items of `person` in it.
pub(super) async fn partition(
    db: &Db,
    pk: &str,
    person: Option<&str>,
) -> Result<Vec<Item>, StoreError> {
    let mut q = Query::new(pk, Range::All);
    if let Some(p) = person {
        q = q.filter(Cond::new("#person = :p").value(":p", s(p)));
    }
    db.query(&q).await
}

/// Every order, or only `person`'s.
pub(super) async fn export_orders(
    db: &Db,
    person: Option<&str>,
) -> Result<Vec<OrderRow>, StoreError> {
    let mut rows = partition(db, part::ORDERS, person).await?;
    rows.sort_by(|a, b| a.opt_str("arrival").cmp(&b.opt_str("arrival")));
    (rows.iter())
        .map(|o| {
            Ok(OrderRow {
                program: o.id("program")?,
                township: o.id("township")?,
                name: o.str("name")?.to_owned(),
                note: opt_string(o, "note"),
                ordered_at: o.time("created_at")?,
                closed_at: o.opt_time("closed_at")?,
            })
        })
        .collect()
}

/// Every nomination, or only `person`'s.
pub(super) async fn export_nominations(
    db: &Db,
    person: Option<&str>,
) -> Result<Vec<NominationRow>, StoreError> {
    let rows = partition(db, part::NOMINATIONS, person).await?;
    let mut keyed = Vec::with_capacity(rows.len());
    for n in &rows {
        let row = NominationRow {
            lecturer: n.id("lecturer")?,
            township: n.id("township")?,
            name: n.str("name")?.to_owned(),
            topic: opt_string(n, "topic"),
            nominated_at: n.time("created_at")?,
        };
        let order = (
            row.nominated_at,
            row.lecturer.clone(),
            opt_string(n, "arrival"),
        );
        keyed.push((order, row));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed.into_iter().map(|(_, r)| r).collect())
}

fn to_registration(r: &Item) -> Result<RegistrationRow, StoreError> {
    let bad = |what: &str| StoreError::Backend(format!("dynamodb: a malformed {what}"));
    Ok(RegistrationRow {
        code: ConfirmationCode::parse(r.str(SK)?).map_err(|_| bad("code"))?,
        course: r.id("course")?,
        status: RegistrationStatus::parse(r.str("status")?).ok_or_else(|| bad("status"))?,
        guardian_name: r.str("guardian_name")?.to_owned(),
        phone: r.str("phone")?.to_owned(),
        child_name: r.str("child_name")?.to_owned(),
        child_age: u8::try_from(r.num("child_age")?).map_err(|_| bad("age"))?,
        registered_at: r.time("created_at")?,
    })
}

/// Every registration, or only `person`'s.
pub(super) async fn export_registrations(
    db: &Db,
    person: Option<&str>,
) -> Result<Vec<RegistrationRow>, StoreError> {
    let mut rows = partition(db, part::REGISTRATIONS, person).await?;
    rows.sort_by(|a, b| {
        (a.opt_str("course"), a.opt_str("arrival"))
            .cmp(&(b.opt_str("course"), b.opt_str("arrival")))
    });
    rows.iter().map(to_registration).collect()
}
