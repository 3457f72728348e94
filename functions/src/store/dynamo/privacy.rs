//! Abuse-limit counters and a person's data (access and erasure) in DynamoDB. Finding a
//! person reads each personal partition with a filter: rare, staff-initiated, and cheaper than
//! an index that every submission would pay for.

use super::courses;
use super::db::{Db, Written};
use super::expr::Values;
use super::item::{n, Item, Read};
use super::keys::{self, part, TTL};
use super::purge::purge_one;
use super::staff::{export_nominations, export_orders, export_registrations, partition};
use crate::domain::PersonKey;
use crate::store::{
    Attempt, Forgotten, PersonData, PersonRating, PersonWish, RegistrationStatus, StoreError,
};

pub(super) async fn count_attempt(db: &Db, a: &Attempt) -> Result<u32, StoreError> {
    let key = keys::attempt(a.key.as_str(), a.window_start);
    let values = Values::new()
        .with(":one", n(1))
        .with(":exp", n(a.expires_at));
    let update = format!("ADD #count :one SET #{TTL} = :exp");
    match db.update_item(&key, &update, values, None).await? {
        Written::Done(Some(item)) => Ok(u32::try_from(item.num("count")?).unwrap_or(u32::MAX)),
        _ => Err(StoreError::Backend(
            "dynamodb: an attempt counter update returned no item".into(),
        )),
    }
}

pub(super) async fn person_data(db: &Db, person: &PersonKey) -> Result<PersonData, StoreError> {
    let p = Some(person.as_str());
    Ok(PersonData {
        orders: export_orders(db, p).await?,
        nominations: export_nominations(db, p).await?,
        registrations: export_registrations(db, p).await?,
        wishes: wishes_of(db, person).await?,
        ratings: ratings_of(db, person).await?,
        messages: super::outbox::of_person(db, person).await?,
    })
}

/// The person's wish contacts, each with its wish.
async fn contacts(db: &Db, person: &PersonKey) -> Result<Vec<(Item, Option<Item>)>, StoreError> {
    let mut found = Vec::new();
    for contact in partition(db, part::WISHES, Some(person.as_str())).await? {
        let wish = db.get(&keys::wish(contact.num("id")?)).await?;
        found.push((contact, wish));
    }
    Ok(found)
}

async fn wishes_of(db: &Db, person: &PersonKey) -> Result<Vec<PersonWish>, StoreError> {
    let mut wishes = Vec::new();
    for (contact, wish) in contacts(db, person).await? {
        let Some(w) = wish else { continue };
        wishes.push(PersonWish {
            id: w.num("id")?,
            text: w.str("text")?.to_owned(),
            township: w.id("township")?,
            name: contact.opt_str("name").map(str::to_owned),
            asked_at: w.time("created_at")?,
            reply: w.opt_str("reply").map(str::to_owned),
        });
    }
    Ok(wishes)
}

async fn ratings_of(db: &Db, person: &PersonKey) -> Result<Vec<PersonRating>, StoreError> {
    let rows = partition(db, part::RATINGS, Some(person.as_str())).await?;
    (rows.iter())
        .map(|r| {
            Ok(PersonRating {
                slot: r.id("slot")?,
                stars: u8::try_from(r.num("stars")?).unwrap_or(0),
                comment: r.opt_str("comment").map(str::to_owned),
                rated_at: r.time("created_at")?,
            })
        })
        .collect()
}

/// Deletes every record of the person in `pk`, each with what it counted.
async fn purge_partition(db: &Db, pk: &str, person: &PersonKey) -> Result<u32, StoreError> {
    let mut gone = 0;
    for item in partition(db, pk, Some(person.as_str())).await? {
        // Every record's expiry is before the end of time: the purge's condition always holds.
        gone += u32::from(purge_one(db, &item, i64::MAX).await?);
    }
    Ok(gone)
}

pub(super) async fn forget(db: &Db, person: &PersonKey) -> Result<Forgotten, StoreError> {
    // Open registrations are cancelled first, so a freed place goes to the next child.
    for item in partition(db, part::REGISTRATIONS, Some(person.as_str())).await? {
        if item.str("status")? != RegistrationStatus::Cancelled.as_str() {
            match courses::cancel_by_code(db, item.str("code")?).await {
                Ok(_) | Err(StoreError::AlreadyCancelled | StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let registrations = purge_partition(db, part::REGISTRATIONS, person).await?;
    super::verify::forget(db, person).await?;
    super::outbox::forget(db, person).await?;
    let mut wishes = 0;
    for (contact, wish) in contacts(db, person).await? {
        if let Some(w) = wish {
            db.delete_item(&keys::Key::new(w.str(keys::PK)?, w.str(keys::SK)?), None)
                .await?;
        }
        db.delete_item(&keys::wish_contact(contact.num("id")?), None)
            .await?;
        wishes += 1;
    }
    Ok(Forgotten {
        registrations,
        wishes,
        orders: purge_partition(db, part::ORDERS, person).await?,
        nominations: purge_partition(db, part::NOMINATIONS, person).await?,
        ratings: purge_partition(db, part::RATINGS, person).await?,
    })
}
