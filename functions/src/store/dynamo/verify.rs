//! Text-message codes and verified devices in DynamoDB. A number's code is one item whose
//! every change is a versioned put (read, apply [`CodeState`]'s rules, write if nobody wrote
//! since), so the limits and wrong tries hold across Lambda instances; devices are plain items.
//! TTL deletes both once they stop mattering.

use super::counter::{Counter, VERSION};
use super::db::{Backoff, Db, Written};
use super::item::{Item, ItemBuilder, Read};
use super::keys::{self, TTL};
use crate::domain::PersonKey;
use crate::store::{CodeCheck, CodeState, Issued, NewCode, NewDevice, StoreError};

fn state_of(item: &Item) -> Result<CodeState, StoreError> {
    let num = |name: &str| item.num_or_zero(name);
    let small = |name: &str| num(name).map(|v| u32::try_from(v).unwrap_or(u32::MAX));
    Ok(CodeState {
        hash: item.opt_str("hash").map(str::to_owned),
        expires_at: num("code_expires")?,
        tries: small("tries")?,
        last_sent: num("last_sent")?,
        hour_start: num("hour_start")?,
        hour_sent: small("hour_sent")?,
        day_start: num("day_start")?,
        day_sent: small("day_sent")?,
    })
}

/// Writes `state` if the item is still as `read` found it; `false` when someone was first.
async fn save(
    db: &Db,
    person: &PersonKey,
    read: &Counter,
    state: &CodeState,
) -> Result<bool, StoreError> {
    let version = read.version()? + 1;
    let item = ItemBuilder::new(keys::sms_code(person).item())
        .opt_s("hash", state.hash.as_deref())
        .n("code_expires", state.expires_at)
        .n("tries", state.tries)
        .n("last_sent", state.last_sent)
        .n("hour_start", state.hour_start)
        .n("hour_sent", state.hour_sent)
        .n("day_start", state.day_start)
        .n("day_sent", state.day_sent)
        .n(TTL, state.row_expires())
        .n(VERSION, version)
        .build();
    let written = db.put_item(item, Some(read.unchanged()?)).await?;
    Ok(matches!(written, Written::Done(_)))
}

/// Reads the number's code item (if any) and its state.
async fn load(db: &Db, person: &PersonKey) -> Result<(Counter, Option<CodeState>), StoreError> {
    let read = Counter::new(db.get(&keys::sms_code(person)).await?);
    let state = read.item.as_ref().map(state_of).transpose()?;
    Ok((read, state))
}

pub(super) async fn issue_code(db: &Db, code: &NewCode) -> Result<Issued, StoreError> {
    let _held = db.lock(&keys::sms_code(&code.person)).await;
    let mut backoff = Backoff::new();
    loop {
        let (read, previous) = load(db, &code.person).await?;
        let state = match CodeState::issue(previous.as_ref(), code.hash.clone(), code.at) {
            Ok(state) => state,
            Err(wait) => return Ok(Issued::Wait(wait)),
        };
        if save(db, &code.person, &read, &state).await? {
            return Ok(Issued::Sent);
        }
        backoff.wait().await?;
    }
}

pub(super) async fn check_code(
    db: &Db,
    person: &PersonKey,
    hash: &str,
    at: i64,
) -> Result<CodeCheck, StoreError> {
    let _held = db.lock(&keys::sms_code(person)).await;
    let mut backoff = Backoff::new();
    loop {
        let (read, state) = load(db, person).await?;
        let Some(mut state) = state else {
            return Ok(CodeCheck::Missing);
        };
        let outcome = state.check(hash, at);
        if !matches!(outcome, CodeCheck::Wrong { .. }) || save(db, person, &read, &state).await? {
            return Ok(outcome);
        }
        backoff.wait().await?;
    }
}

pub(super) async fn add_device(db: &Db, device: &NewDevice) -> Result<(), StoreError> {
    let item = ItemBuilder::new(keys::device(&device.token_hash).item())
        .s("person", device.person.as_str())
        .n("device_expires", device.expires_at)
        .n(TTL, device.expires_at)
        .build();
    db.put_item(item, None).await?;
    Ok(())
}

pub(super) async fn device_person(
    db: &Db,
    token_hash: &str,
    at: i64,
) -> Result<Option<PersonKey>, StoreError> {
    let Some(item) = db.get(&keys::device(token_hash)).await? else {
        return Ok(None);
    };
    // TTL deletes late (up to days), so expiry is checked here.
    if item.num("device_expires")? <= at {
        return Ok(None);
    }
    Ok(Some(PersonKey::from_stored(item.str("person")?.to_owned())))
}

/// Deletes a person's code and verified devices: part of `forget_person`.
pub(super) async fn forget(db: &Db, person: &PersonKey) -> Result<(), StoreError> {
    db.delete_item(&keys::sms_code(person), None).await?;
    let devices = super::staff::partition(db, keys::part::DEVICES, Some(person.as_str())).await?;
    for device in devices {
        let key = keys::Key::new(device.str(keys::PK)?, device.str(keys::SK)?);
        db.delete_item(&key, None).await?;
    }
    Ok(())
}
