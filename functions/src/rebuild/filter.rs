//! Which DynamoDB stream records change what the site shows.
//!
//! The table keeps one partition (`pk`) per kind of record (see `store::dynamo::keys`). The
//! site is rebuilt for:
//! - `pk = ASSIGNMENTS`: the planner filled a slot, staff pinned or unpinned one;
//! - `pk = PERFORMANCES`: a slot was marked done;
//! - `pk = WISHES` with `sk` starting `WISH#`: only when `reply` or `hidden` differs between
//!   the old and the new image (a reply or a hide; a new wish is unpublished, a contact item
//!   `CONTACT#…` never shows).
//!
//! Everything else (orders, nominations and their counters in `COUNTS`, lecture requests,
//! registrations, ratings, sequences, the admin log) is left to the live counts the pages
//! fetch, and does not rebuild.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::EventRecord;
use serde::Serialize;

/// Why a record asks for a rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteChange {
    /// An assignment or a performance: the schedule.
    Schedule,
    /// A wish was answered or hidden: the wish wall.
    Wish,
}

/// The partitions whose every change is a schedule change.
const SCHEDULE_PARTITIONS: [&str; 2] = ["ASSIGNMENTS", "PERFORMANCES"];
const WISHES: &str = "WISHES";
const WISH_PREFIX: &str = "WISH#";

/// An attribute as the stream's JSON writes it (`{"S": "…"}`, `{"BOOL": true}`, …).
fn attribute<V: Serialize>(item: &HashMap<String, V>, name: &str) -> Option<serde_json::Value> {
    item.get(name).and_then(|v| serde_json::to_value(v).ok())
}

/// A string attribute.
fn string<V: Serialize>(item: &HashMap<String, V>, name: &str) -> Option<String> {
    let value = attribute(item, name)?;
    value.get("S")?.as_str().map(str::to_owned)
}

/// What a record changes on the site, if anything.
pub fn site_change(record: &EventRecord) -> Option<SiteChange> {
    let change = &record.change;
    let (keys, old, new) = (&*change.keys, &*change.old_image, &*change.new_image);
    let pk = (string(keys, "pk"))
        .or_else(|| string(new, "pk"))
        .or_else(|| string(old, "pk"))?;
    if SCHEDULE_PARTITIONS.contains(&pk.as_str()) {
        return Some(SiteChange::Schedule);
    }
    let sk = string(keys, "sk").unwrap_or_default();
    if pk != WISHES || !sk.starts_with(WISH_PREFIX) {
        return None;
    }
    let differs = |name: &str| attribute(old, name) != attribute(new, name);
    (differs("reply") || differs("hidden")).then_some(SiteChange::Wish)
}
