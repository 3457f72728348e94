//! The outbox on DynamoDB: one item per message in the `OUTBOX` partition, put (if absent) in
//! the transaction of its event; claimed and settled with conditional updates on its state.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::db::{Db, Query, Range, Written};
use super::expr::{self, Cond, Values};
use super::item::{n, s, Item, ItemBuilder, Read};
use super::keys::{self, Key};
use crate::domain::{PersonKey, SealedPhone};
use crate::store::outbox::{params_from_json, params_to_json};
use crate::store::{
    MessageKind, MessageState, NewMessage, QueuedMessage, Settled, StoreError, KEEP_SECS,
};

fn key(message_key: &str) -> Key {
    Key::new(keys::part::OUTBOX, message_key)
}

/// The put that queues `message` inside its event's transaction.
pub(super) fn queue(db: &Db, message: &NewMessage) -> Result<TransactWriteItem, StoreError> {
    let now = crate::clock::china_now().timestamp();
    let item = ItemBuilder::new(key(&message.key).item())
        .s("kind", message.kind.as_str())
        .s("person", message.person.as_str())
        .s("phone", message.phone.to_stored())
        .s("recipient", message.phone.masked())
        .s("params", params_to_json(&message.params))
        .s("state", MessageState::Pending.as_str())
        .n("tries", 0)
        .n("next_try", message.due)
        .n("created_at", now)
        .n(keys::TTL, now + KEEP_SECS)
        .build();
    expr::put(&db.table, item, Some(Cond::absent()))
}

fn message(item: &Item) -> Result<QueuedMessage, StoreError> {
    let malformed = |what: &str| StoreError::Backend(format!("dynamodb: an outbox item's {what}"));
    Ok(QueuedMessage {
        key: item.str(keys::SK)?.to_owned(),
        kind: MessageKind::parse(item.str("kind")?).ok_or_else(|| malformed("kind"))?,
        person: PersonKey::from_stored(item.str("person")?.to_owned()),
        phone: item.opt_str("phone").and_then(SealedPhone::from_stored),
        to: item.opt_str("recipient").unwrap_or_default().to_owned(),
        params: params_from_json(item.str("params")?),
        state: MessageState::parse(item.str("state")?).ok_or_else(|| malformed("state"))?,
        tries: u32::try_from(item.num("tries")?).unwrap_or(u32::MAX),
        next_try: item.num("next_try")?,
        error: item.opt_str("error").map(str::to_owned),
        created_at: item.num_or_zero("created_at")?,
        settled_at: item.opt_num("settled_at")?,
    })
}

async fn all(db: &Db, filter: Option<Cond>) -> Result<Vec<QueuedMessage>, StoreError> {
    let q = Query {
        filter,
        ..Query::new(keys::part::OUTBOX, Range::All)
    };
    (db.query(&q).await?.iter()).map(message).collect()
}

pub(super) async fn due(db: &Db, now: i64, limit: u32) -> Result<Vec<QueuedMessage>, StoreError> {
    let pending = Cond::new("#state = :pending AND #next_try <= :now")
        .value(":pending", s(MessageState::Pending.as_str()))
        .value(":now", n(now));
    let mut due = all(db, Some(pending)).await?;
    due.sort_by(|a, b| (a.next_try, &a.key).cmp(&(b.next_try, &b.key)));
    due.truncate(limit as usize);
    Ok(due)
}

pub(super) async fn recent(db: &Db, limit: u32) -> Result<Vec<QueuedMessage>, StoreError> {
    let q = Query::new(keys::part::OUTBOX, Range::All);
    let mut items = db.query(&q).await?;
    items.sort_by_key(|i| std::cmp::Reverse(i.num_or_zero("created_at").unwrap_or(0)));
    (items.iter().take(limit as usize)).map(message).collect()
}

pub(super) async fn claim(db: &Db, message_key: &str) -> Result<bool, StoreError> {
    let values = Values::new()
        .with(":sending", s(MessageState::Sending.as_str()))
        .with(":one", n(1));
    let cond = Cond::new("#state = :pending").value(":pending", s(MessageState::Pending.as_str()));
    let written = (db.update_item(
        &key(message_key),
        "SET #state = :sending ADD #tries :one",
        values,
        Some(cond),
    ))
    .await?;
    Ok(matches!(written, Written::Done(_)))
}

pub(super) async fn settle(
    db: &Db,
    message_key: &str,
    settled: &Settled,
    at: i64,
) -> Result<(), StoreError> {
    let next_try = settled.next_try();
    let mut update = "SET #state = :state, #settled_at = :at, #next_try = :next".to_owned();
    let mut values = Values::new()
        .with(":state", s(settled.state().as_str()))
        .with(":at", n(at))
        .with(":next", n(next_try));
    if let Some(error) = settled.error() {
        update.push_str(", #error = :error");
        values = values.with(":error", s(error));
    }
    if settled.done() {
        update.push_str(" REMOVE #phone");
    }
    let cond = Cond::new("#state = :sending").value(":sending", s(MessageState::Sending.as_str()));
    db.update_item(&key(message_key), &update, values, Some(cond))
        .await?;
    Ok(())
}

/// A person's messages: part of `person_data`.
pub(super) async fn of_person(
    db: &Db,
    person: &PersonKey,
) -> Result<Vec<QueuedMessage>, StoreError> {
    let theirs = Cond::new("#person = :person").value(":person", s(person.as_str()));
    all(db, Some(theirs)).await
}

/// Deletes a person's messages: part of `forget_person`.
pub(super) async fn forget(db: &Db, person: &PersonKey) -> Result<(), StoreError> {
    for m in of_person(db, person).await? {
        db.delete_item(&key(&m.key), None).await?;
    }
    Ok(())
}
