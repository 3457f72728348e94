//! Lottery courses in DynamoDB. The draw is decided by one transaction: the course counter
//! (under its version, so no application came or went since the list was read) is marked
//! drawn, and the draw item is put on condition that none exists. Two concurrent draws cannot
//! both pass it. Each application then gets its outcome in its own small transaction (a course
//! may have more applications than a transaction may hold); a draw interrupted there is
//! finished by the next call, which then answers `AlreadyDrawn`.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::counter::Counter;
use super::courses::DRAWN;
use super::db::{Backoff, Db, Query, Range, Tx};
use super::expr::{self, Cond, Values};
use super::item::{count, n, s, Item, ItemBuilder, Read};
use super::keys::{self, counter, Key};
use crate::domain::draw::{Outcome, Witness};
use crate::domain::{ConfirmationCode, CourseId, PersonKey, SealedPhone};
use crate::store::{Draw, DrawRequest, Lottery, NewMessage, RegistrationStatus, StoreError};

fn malformed(what: &str) -> StoreError {
    StoreError::Backend(format!("dynamodb: a malformed {what}"))
}

/// The codes of a course's applications waiting for the draw.
async fn applications(db: &Db, course: &CourseId) -> Result<Vec<ConfirmationCode>, StoreError> {
    let part = keys::course_part(course);
    let items = db
        .query(&Query::new(&part, Range::Prefix(keys::APPLIED)))
        .await?;
    (items.iter())
        .map(|item| ConfirmationCode::parse(item.str("code")?).map_err(|_| malformed("code")))
        .collect()
}

fn draw_item(d: &Draw) -> Item {
    let ranking: Vec<&str> = d.ranking.iter().map(ConfirmationCode::as_str).collect();
    ItemBuilder::new(keys::draw(&d.course).item())
        .s("list_hash", &d.list_hash)
        .s("witness", d.witness.as_str())
        .s("seed", &d.seed)
        .s("ranking", ranking.join("\n"))
        .n("capacity", d.capacity)
        .n("waitlist", d.waitlist)
        .time("drawn_at", &d.drawn_at)
        .build()
}

fn read_draw(course: &CourseId, item: &Item) -> Result<Draw, StoreError> {
    let ranking = (item.str("ranking")?.split('\n').filter(|c| !c.is_empty()))
        .map(|c| ConfirmationCode::parse(c).map_err(|_| malformed("ranking")))
        .collect::<Result<_, _>>()?;
    Ok(Draw {
        course: course.clone(),
        list_hash: item.str("list_hash")?.to_owned(),
        witness: Witness::parse(item.str("witness")?).map_err(|_| malformed("witness"))?,
        seed: item.str("seed")?.to_owned(),
        ranking,
        capacity: count(item.num("capacity")?),
        waitlist: count(item.num("waitlist")?),
        drawn_at: item.time("drawn_at")?,
    })
}

/// The deciding transaction: counter marked drawn with the new counts, the draw item put.
fn decide(db: &Db, d: &Draw, now: &Counter) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut confirmed = 0i64;
    let mut waitlisted = 0i64;
    for (_, _, outcome) in d.outcomes() {
        match outcome {
            Outcome::Confirmed => confirmed += 1,
            Outcome::Waitlisted => waitlisted += 1,
            Outcome::NotDrawn => {}
        }
    }
    let values = Values::new()
        .with(":c", n(confirmed))
        .with(":w", n(waitlisted))
        .with(":lw", n(waitlisted))
        .with(":zero", n(0))
        .with(":yes", n(1))
        .with(":v1", n(now.version()? + 1));
    let update = format!(
        "SET #confirmed = :c, #waitlisted = :w, #last_wait = :lw, #applied = :zero, \
         #{DRAWN} = :yes, #v = :v1"
    );
    let not_drawn = Cond::new(format!("attribute_not_exists(#{DRAWN})"));
    Ok(vec![
        expr::update(
            &db.table,
            &counter::course(&d.course),
            &update,
            values,
            Some(now.unchanged_and(not_drawn)?),
        )?,
        expr::put(&db.table, draw_item(d), Some(Cond::absent()))?,
    ])
}

/// Gives one application its outcome, if it is still waiting (its application item exists).
async fn settle(db: &Db, d: &Draw, rank: usize, code: &ConfirmationCode) -> Result<(), StoreError> {
    let outcome = Outcome::at(rank, d.capacity, d.waitlist);
    let status = RegistrationStatus::from_outcome(outcome);
    let mut update = String::from("SET #status = :to, #updated_at = :now");
    let mut values = Values::new()
        .with(":to", s(status.as_str()))
        .with(":now", s(d.drawn_at.to_rfc3339()));
    let mut items = vec![expr::delete(
        &db.table,
        &keys::application(&d.course, code.as_str()),
        Some(Cond::present()),
    )?];
    if outcome == Outcome::Waitlisted {
        // Waitlist numbers follow the draw: the first waiter drawn is promoted first.
        let seq = i64::try_from(rank + 1).unwrap_or(i64::MAX) - i64::from(d.capacity);
        let entry = keys::waitlist_entry(&d.course, seq);
        update.push_str(", #wait_key = :wk");
        values = values.with(":wk", s(&entry.sk));
        let item = ItemBuilder::new(entry.item()).s("code", code.as_str());
        items.push(expr::put(&db.table, item.build(), Some(Cond::absent()))?);
    }
    let key = keys::registration(code);
    if outcome != Outcome::Waitlisted {
        // Only a waiter may still hear of a place: the others' numbers go.
        update.push_str(" REMOVE #reach");
    }
    if outcome == Outcome::Confirmed {
        for message in confirmed_messages(db, d, code, &key).await? {
            items.push(super::outbox::queue(db, &message)?);
        }
    }
    let applied = Cond::new("#status = :was").value(":was", s("applied"));
    items.push(expr::update(
        &db.table,
        &key,
        &update,
        values,
        Some(applied),
    )?);
    let mut backoff = Backoff::new();
    loop {
        let tx = db.transact(items.clone()).await?;
        match tx {
            Tx::Committed => return Ok(()),
            // Settled already (an earlier, interrupted call got this far).
            _ if tx.failed(0) => return Ok(()),
            _ => backoff.wait().await?,
        }
    }
}

/// The `CONFIRMED` text for a drawn place, if its guardian's number was kept.
async fn confirmed_messages(
    db: &Db,
    d: &Draw,
    code: &ConfirmationCode,
    key: &Key,
) -> Result<Vec<NewMessage>, StoreError> {
    let Some(reg) = db.get(key).await? else {
        return Ok(Vec::new());
    };
    let Some(phone) = reg.opt_str("reach").and_then(SealedPhone::from_stored) else {
        return Ok(Vec::new());
    };
    let person = PersonKey::from_stored(reg.str("person")?.to_owned());
    let message = NewMessage::confirmed(code, &d.course, person, phone);
    let remind_at = reg.opt_num("remind_at")?;
    Ok(message.and_reminder(remind_at, d.drawn_at.timestamp()))
}

/// Settles every application of the draw still waiting.
async fn settle_all(db: &Db, d: &Draw) -> Result<(), StoreError> {
    for (rank, code, _) in d.outcomes() {
        settle(db, d, rank, code).await?;
    }
    Ok(())
}

async fn stored(db: &Db, course: &CourseId) -> Result<Option<Draw>, StoreError> {
    match db.get(&keys::draw(course)).await? {
        Some(item) => read_draw(course, &item).map(Some),
        None => Ok(None),
    }
}

pub(super) async fn draw(db: &Db, request: &DrawRequest) -> Result<Draw, StoreError> {
    let key = counter::course(&request.course);
    let _serial = db.lock(&key).await;
    let mut backoff = Backoff::new();
    loop {
        if let Some(done) = stored(db, &request.course).await? {
            settle_all(db, &done).await?;
            return Err(StoreError::AlreadyDrawn);
        }
        let now = Counter::new(db.get(&key).await?);
        let codes = applications(db, &request.course).await?;
        let result = Draw::make(request, &codes);
        if let Tx::Committed = db.transact(decide(db, &result, &now)?).await? {
            settle_all(db, &result).await?;
            return Ok(result);
        }
        // Another draw won, or an application came or went meanwhile: look again.
        backoff.wait().await?;
    }
}

pub(super) async fn lotteries(
    db: &Db,
    courses: &BTreeSet<CourseId>,
) -> Result<BTreeMap<CourseId, Lottery>, StoreError> {
    let mut out = BTreeMap::new();
    for course in courses {
        let lottery = match stored(db, course).await? {
            Some(draw) => Lottery::drawn(draw),
            None => Lottery::waiting(&applications(db, course).await?),
        };
        out.insert(course.clone(), lottery);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draw_survives_its_item() {
        let request = DrawRequest {
            course: "papercut".parse().unwrap(),
            witness: Witness::parse("371").unwrap(),
            capacity: 1,
            waitlist: 1,
            at: crate::clock::china_now(),
        };
        let codes = [ConfirmationCode::random(), ConfirmationCode::random()];
        let d = Draw::make(&request, &codes);
        let mut back = read_draw(&request.course, &draw_item(&d)).unwrap();
        back.drawn_at = d.drawn_at;
        assert_eq!(back, d);
    }
}
