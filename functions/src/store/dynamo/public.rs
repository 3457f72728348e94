//! Wishes, ratings and tallies in DynamoDB: what the public pages are built from.
//!
//! A wish and who asked it are two items in the `WISHES` partition, so TTL can delete the
//! contact while the wish stays public. Ratings go with their slot's histogram in one
//! transaction; every counter lives in the `COUNTS` partition, so tallies are one query.

use std::collections::{BTreeMap, HashMap};

use super::db::{Backoff, Db, Query, Range, Tx, Written};
use super::expr::{self, Cond, Values};
use super::item::{count, flag, n, personal_expiry, s, Item, ItemBuilder, Read};
use super::keys::{self, counter, part, SK};
use crate::domain::{mask_name, PersonKey, ReplyText, SealedPhone, SlotId};
use crate::store::{
    NewMessage, NewRating, NewWish, PendingWish, PublicWish, RatingSummary, RawCounts, StoreError,
    Time, WishId,
};

pub(super) async fn wish(db: &Db, w: &NewWish) -> Result<WishId, StoreError> {
    let id = db.next_in(&keys::sequence("WISH")).await?;
    let wish = ItemBuilder::new(keys::wish(id).item())
        .n("id", id)
        .s("text", w.text.as_str())
        .s("township", w.township.as_str())
        .time("created_at", &w.at)
        .build();
    let taken = || StoreError::Backend(format!("dynamodb: wish number {id} was already taken"));
    if w.name.is_none() && w.person.is_none() {
        return match db.put_item(wish, Some(Cond::absent())).await? {
            Written::Done(_) => Ok(id),
            Written::ConditionFailed => Err(taken()),
        };
    }
    // The wish and who asked it appear together or not at all.
    let contact = ItemBuilder::new(keys::wish_contact(id).item())
        .n("id", id)
        .opt_s("name", w.name.as_ref().map(|x| x.as_str()))
        .opt_s("person", w.person.as_ref().map(|x| x.as_str()))
        .sealed("reach", w.person.as_ref().and(w.reach.as_ref()))
        .expiring(personal_expiry(&w.at))
        .build();
    let mut backoff = Backoff::new();
    loop {
        let items = vec![
            expr::put(&db.table, wish.clone(), Some(Cond::absent()))?,
            expr::put(&db.table, contact.clone(), Some(Cond::absent()))?,
        ];
        let tx = db.transact(items).await?;
        match tx {
            Tx::Committed => return Ok(id),
            _ if tx.failed(0) || tx.failed(1) => return Err(taken()),
            _ => backoff.wait().await?,
        }
    }
}

async fn set_on_wish(db: &Db, id: WishId, update: &str, values: Values) -> Result<(), StoreError> {
    match db
        .update_item(&keys::wish(id), update, values, Some(Cond::present()))
        .await?
    {
        Written::Done(_) => Ok(()),
        Written::ConditionFailed => Err(StoreError::NotFound),
    }
}

pub(super) async fn reply(
    db: &Db,
    id: WishId,
    text: &ReplyText,
    at: &Time,
) -> Result<(), StoreError> {
    let values = Values::new()
        .with(":r", s(text.as_str()))
        .with(":at", s(at.to_rfc3339()));
    let update = "SET #reply = :r, #replied_at = :at";
    let contact = db.get(&keys::wish_contact(id)).await?;
    let reach = contact.as_ref().and_then(|c| {
        let person = PersonKey::from_stored(c.opt_str("person")?.to_owned());
        Some((person, SealedPhone::from_stored(c.opt_str("reach")?)?))
    });
    let wish = match reach {
        Some(_) => db.get(&keys::wish(id)).await?,
        None => None,
    };
    let township = wish
        .as_ref()
        .and_then(|w| w.opt_str("township")?.parse().ok());
    let (Some((person, phone)), Some(township)) = (reach, township) else {
        return set_on_wish(db, id, update, values).await;
    };
    // The reply, the author's text and the number's removal go together.
    let items = vec![
        expr::update(
            &db.table,
            &keys::wish(id),
            update,
            values,
            Some(Cond::present()),
        )?,
        super::outbox::queue(db, &NewMessage::answered(id, &township, person, phone))?,
        expr::update(
            &db.table,
            &keys::wish_contact(id),
            "REMOVE #reach",
            Values::new(),
            Some(Cond::new("attribute_exists(#reach)")),
        )?,
    ];
    let tx = db.transact(items).await?;
    match tx {
        Tx::Committed => Ok(()),
        _ if tx.failed(0) => Err(StoreError::NotFound),
        // Answered and told meanwhile (a concurrent reply): the reply itself still counts.
        _ => {
            let values = Values::new()
                .with(":r", s(text.as_str()))
                .with(":at", s(at.to_rfc3339()));
            set_on_wish(db, id, update, values).await
        }
    }
}

pub(super) async fn hide(db: &Db, id: WishId) -> Result<(), StoreError> {
    set_on_wish(
        db,
        id,
        "SET #hidden = :yes",
        Values::new().with(":yes", flag(true)),
    )
    .await
}

/// Every wish, with the name its asker gave (if it has not expired yet).
async fn wishes(db: &Db) -> Result<Vec<(Item, Option<String>)>, StoreError> {
    let rows = db.query(&Query::new(part::WISHES, Range::All)).await?;
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut wishes = Vec::new();
    for row in rows {
        let sk = row.str(SK)?;
        if sk.starts_with(keys::CONTACT) {
            if let Some(name) = row.opt_str("name") {
                names.insert(row.num("id")?, name.to_owned());
            }
        } else if sk.starts_with(keys::WISH) {
            wishes.push(row);
        }
    }
    wishes
        .into_iter()
        .map(|w| {
            let name = names.remove(&w.num("id")?);
            Ok((w, name))
        })
        .collect()
}

fn hidden(w: &Item) -> bool {
    matches!(
        w.get("hidden"),
        Some(aws_sdk_dynamodb::types::AttributeValue::Bool(true))
    )
}

pub(super) async fn answered_wishes(db: &Db) -> Result<Vec<PublicWish>, StoreError> {
    let mut public = Vec::new();
    for (w, name) in wishes(db).await? {
        if hidden(&w) || w.opt_str("reply").is_none() {
            continue;
        }
        let replied = w.time("replied_at")?;
        let wish = PublicWish {
            id: w.num("id")?,
            text: w.str("text")?.to_owned(),
            township: w.id("township")?,
            name: name.as_deref().map(mask_name),
            reply: w.str("reply")?.to_owned(),
            asked_on: w.time("created_at")?.date_naive(),
            replied_on: replied.date_naive(),
        };
        public.push((replied, wish));
    }
    public.sort_by_key(|(replied, wish)| std::cmp::Reverse((*replied, wish.id)));
    Ok(public.into_iter().map(|(_, w)| w).collect())
}

pub(super) async fn pending_wishes(db: &Db) -> Result<Vec<PendingWish>, StoreError> {
    let mut pending = Vec::new();
    for (w, name) in wishes(db).await? {
        if hidden(&w) || w.opt_str("reply").is_some() {
            continue;
        }
        pending.push(PendingWish {
            id: w.num("id")?,
            text: w.str("text")?.to_owned(),
            township: w.id("township")?,
            name: name.as_deref().map(mask_name),
            asked_at: w.time("created_at")?,
        });
    }
    pending.sort_by_key(|w| w.id);
    Ok(pending)
}

/// The histogram attribute for a number of stars.
pub(super) fn stars_attr(stars: u8) -> String {
    format!("s{stars}")
}

pub(super) async fn rate(db: &Db, r: &NewRating) -> Result<(), StoreError> {
    let rating = ItemBuilder::new(keys::rating(&r.slot, &r.person).item())
        .s("slot", r.slot.as_str())
        .s("person", r.person.as_str())
        .n("stars", r.stars.get())
        .opt_s("comment", r.comment.as_ref().map(|c| c.as_str()))
        .time("created_at", &r.at)
        .expiring(personal_expiry(&r.at))
        .build();
    let bump = format!("ADD #{} :one", stars_attr(r.stars.get()));
    let mut backoff = Backoff::new();
    loop {
        let items = vec![
            expr::put(&db.table, rating.clone(), Some(Cond::absent()))?,
            expr::update(
                &db.table,
                &counter::ratings(&r.slot),
                &bump,
                Values::new().with(":one", n(1)),
                None,
            )?,
        ];
        let tx = db.transact(items).await?;
        match tx {
            Tx::Committed => return Ok(()),
            _ if tx.failed(0) => return Err(StoreError::Duplicate),
            _ => backoff.wait().await?,
        }
    }
}

pub(super) async fn rating_summaries(
    db: &Db,
) -> Result<BTreeMap<SlotId, RatingSummary>, StoreError> {
    let rows = db
        .query(&Query::new(part::COUNTS, Range::Prefix(counter::RATINGS)))
        .await?;
    let mut summaries = BTreeMap::new();
    for row in rows {
        let Some(slot) = keys::rest(row.str(SK)?, counter::RATINGS) else {
            continue;
        };
        let mut histogram = [0u32; 5];
        for (stars, bucket) in (1u8..=5).zip(histogram.iter_mut()) {
            *bucket = count(row.num_or_zero(&stars_attr(stars))?);
        }
        if histogram.iter().all(|&h| h == 0) {
            continue;
        }
        let slot = SlotId::try_from(slot.join("#"))
            .map_err(|_| StoreError::Backend("dynamodb: a malformed slot id".into()))?;
        summaries.insert(slot, RatingSummary::from_histogram(histogram));
    }
    Ok(summaries)
}

fn parse<T: TryFrom<String>>(raw: &str) -> Result<T, StoreError> {
    T::try_from(raw.to_owned())
        .map_err(|_| StoreError::Backend(format!("dynamodb: a malformed id {raw:?}")))
}

/// Every counter, read in one query of the `COUNTS` partition.
pub(super) async fn raw_counts(db: &Db) -> Result<RawCounts, StoreError> {
    let mut raw = RawCounts::default();
    for row in db.query(&Query::new(part::COUNTS, Range::All)).await? {
        let sk = row.str(SK)?;
        if let Some(ids) = keys::rest(sk, counter::ORDERS) {
            let n = row.num_or_zero("n")?;
            if let ([program, township], true) = (ids.as_slice(), n > 0) {
                raw.orders
                    .push((parse(program)?, parse(township)?, count(n)));
            }
        } else if let Some(ids) = keys::rest(sk, counter::NOMINATIONS) {
            let lecturer = parse(&ids.join("#"))?;
            if row.contains_key("crossed_at") {
                raw.crossed.insert(parse(&ids.join("#"))?);
            }
            raw.nominations
                .insert(lecturer, count(row.num_or_zero("n")?));
        } else if let Some(ids) = keys::rest(sk, counter::COURSE) {
            let counts = (
                count(row.num_or_zero("confirmed")?),
                count(row.num_or_zero("waitlisted")?),
            );
            raw.courses.insert(parse(&ids.join("#"))?, counts);
        }
    }
    Ok(raw)
}
