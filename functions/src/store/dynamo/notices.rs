//! Texts owed when the planner fills a slot (`SCHEDULED` with its `REMINDER`, `LECTURE`). They
//! ride in the assignment's own transaction: each resident's messages are put (if absent) and
//! their number removed from the order or nomination, beside the assignment's put. A
//! transaction holds at most 100 items, so what does not fit goes right after it, a small
//! transaction per resident. The message keys make a repeat queue nothing.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::db::{Db, Query, Range, Tx};
use super::expr::{self, Cond, Values};
use super::item::{s, Item, Read};
use super::keys::{self, part, Key, SK};
use crate::catalogue::SlotFacts;
use crate::domain::{PersonKey, SealedPhone};
use crate::store::{reminder_time, Assignment, NewMessage, StoreError};

/// One resident's texts, and the item (order or nomination) whose number they take.
pub(super) struct Owed {
    key: Key,
    messages: Vec<NewMessage>,
}

impl Owed {
    /// The writes that queue the texts and let the number go.
    pub(super) fn writes(&self, db: &Db) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut items = (self.messages.iter())
            .map(|m| super::outbox::queue(db, m))
            .collect::<Result<Vec<_>, _>>()?;
        items.push(expr::update(
            &db.table,
            &self.key,
            "REMOVE #reach",
            Values::new(),
            Some(Cond::new("attribute_exists(#reach)")),
        )?);
        Ok(items)
    }

    /// Queues them on their own, after the assignment: a message already queued (or a number
    /// already gone) leaves everything as it is.
    pub(super) async fn queue(&self, db: &Db) -> Result<(), StoreError> {
        match db.transact(self.writes(db)?).await? {
            Tx::Committed | Tx::Cancelled(_) => Ok(()),
        }
    }
}

/// The texts an assignment owes: to the slot township's residents with an open order of its
/// program, or to its lecturer's nominators, who asked to hear back.
pub(super) async fn owed(db: &Db, a: &Assignment) -> Result<Vec<Owed>, StoreError> {
    let mut out = Vec::new();
    if let Some(program) = &a.program {
        let Some(township) = SlotFacts::township_of(&a.slot) else {
            return Ok(out);
        };
        let prefix = keys::open_orders_of(program);
        let q = Query::new(part::ORDERS, Range::Prefix(&prefix)).filter(
            Cond::new("#township = :t AND attribute_exists(#reach)")
                .value(":t", s(township.as_str())),
        );
        let eve = SlotFacts::date_of(&a.slot).and_then(reminder_time);
        for (key, person, phone) in reached(part::ORDERS, db.query(&q).await?)? {
            let told = NewMessage::scheduled(&a.slot, program, person, phone);
            let messages = told.and_reminder(eve, a.at.timestamp());
            out.push(Owed { key, messages });
        }
    } else if let Some(lecturer) = &a.lecturer {
        let prefix = keys::nominations_of(lecturer);
        let q = Query::new(part::NOMINATIONS, Range::Prefix(&prefix))
            .filter(Cond::new("attribute_exists(#reach)"));
        for (key, person, phone) in reached(part::NOMINATIONS, db.query(&q).await?)? {
            let messages = vec![NewMessage::lecture(&a.slot, lecturer, person, phone)];
            out.push(Owed { key, messages });
        }
    }
    Ok(out)
}

/// The items that kept a sealed number: their key, whose it is, and the number.
fn reached(
    partition: &str,
    items: Vec<Item>,
) -> Result<Vec<(Key, PersonKey, SealedPhone)>, StoreError> {
    let mut out = Vec::new();
    for item in items {
        let person = PersonKey::from_stored(item.str("person")?.to_owned());
        if let Some(phone) = item.opt_str("reach").and_then(SealedPhone::from_stored) {
            out.push((Key::new(partition, item.str(SK)?), person, phone));
        }
    }
    Ok(out)
}
