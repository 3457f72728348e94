//! Texts owed after the planner fills a slot (`SCHEDULED`, `LECTURE`). A transaction holds at
//! most 100 items, so each resident's message is its own small transaction right after the
//! assignment: the message's put (if absent) and the removal of the number from the order or
//! nomination. The message key makes a repeat (a retry, a second planner run) queue nothing.

use super::db::{Db, Query, Range, Tx};
use super::expr::{self, Cond, Values};
use super::item::{Item, Read};
use super::keys::{self, part, Key, SK};
use crate::catalogue::SlotFacts;
use crate::domain::{PersonKey, SealedPhone};
use crate::store::{reminder_time, Assignment, NewMessage, StoreError};

/// Queues the texts an assignment owes: to the slot township's residents with an open order
/// of its program, or to its lecturer's nominators, who asked to hear back.
pub(super) async fn tell_residents(db: &Db, a: &Assignment) -> Result<(), StoreError> {
    if let Some(program) = &a.program {
        let Some(township) = SlotFacts::township_of(&a.slot) else {
            return Ok(());
        };
        let prefix = keys::open_orders_of(program);
        let q = Query::new(part::ORDERS, Range::Prefix(&prefix)).filter(
            Cond::new("#township = :t AND attribute_exists(#reach)")
                .value(":t", super::item::s(township.as_str())),
        );
        let eve = SlotFacts::date_of(&a.slot).and_then(reminder_time);
        let now = a.at.timestamp();
        for (item, person, phone) in reached(db.query(&q).await?)? {
            let told = NewMessage::scheduled(&a.slot, program, person, phone);
            queue_once(db, part::ORDERS, &item, &told.and_reminder(eve, now)).await?;
        }
    } else if let Some(lecturer) = &a.lecturer {
        let prefix = keys::nominations_of(lecturer);
        let q = Query::new(part::NOMINATIONS, Range::Prefix(&prefix))
            .filter(Cond::new("attribute_exists(#reach)"));
        for (item, person, phone) in reached(db.query(&q).await?)? {
            let message = NewMessage::lecture(&a.slot, lecturer, person, phone);
            queue_once(db, part::NOMINATIONS, &item, &[message]).await?;
        }
    }
    Ok(())
}

/// The items that kept a sealed number, with whose it is.
fn reached(items: Vec<Item>) -> Result<Vec<(Item, PersonKey, SealedPhone)>, StoreError> {
    let mut out = Vec::new();
    for item in items {
        let person = PersonKey::from_stored(item.str("person")?.to_owned());
        if let Some(phone) = item.opt_str("reach").and_then(SealedPhone::from_stored) {
            out.push((item, person, phone));
        }
    }
    Ok(out)
}

/// Queues `messages` and removes the number from the item they came from, in one
/// transaction; messages already queued (or a number already gone) leave everything as it is.
async fn queue_once(
    db: &Db,
    partition: &str,
    item: &Item,
    messages: &[NewMessage],
) -> Result<(), StoreError> {
    let key = Key::new(partition, item.str(SK)?);
    let mut items = (messages.iter())
        .map(|m| super::outbox::queue(db, m))
        .collect::<Result<Vec<_>, _>>()?;
    items.push(expr::update(
        &db.table,
        &key,
        "REMOVE #reach",
        Values::new(),
        Some(Cond::new("attribute_exists(#reach)")),
    )?);
    match db.transact(items).await? {
        Tx::Committed => Ok(()),
        // Queued already, or taken by another run meanwhile: nothing more to do.
        Tx::Cancelled(_) => Ok(()),
    }
}
