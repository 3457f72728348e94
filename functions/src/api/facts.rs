//! Catalogue facts put into words for the receipt pages and form lists.

use chrono::NaiveDate;
use serde::Serialize;

use super::html::date_zh;
use crate::catalogue::{Catalogue, SlotFacts, SlotKind};
use crate::domain::{SlotId, TownshipId};

/// A slot as JSON clients see it.
#[derive(Debug, Clone, Serialize)]
pub struct SlotSummary {
    pub slot: SlotId,
    pub date: NaiveDate,
    pub time: String,
    pub venue: String,
}

/// The township's next Weekend Village Stage on or after `today`.
pub fn next_stage<'c>(
    catalogue: &'c Catalogue,
    township: &TownshipId,
    today: NaiveDate,
) -> Option<(&'c SlotId, &'c SlotFacts)> {
    (catalogue.slots.iter())
        .filter(|(_, s)| s.kind == SlotKind::Stage && &s.township == township && s.date >= today)
        .min_by_key(|(_, s)| (s.date, s.time))
}

pub fn summary(id: &SlotId, slot: &SlotFacts) -> SlotSummary {
    SlotSummary {
        slot: id.clone(),
        date: slot.date,
        time: slot.time.format("%H:%M").to_string(),
        venue: slot.venue.clone(),
    }
}

pub fn township_name(catalogue: &Catalogue, township: &TownshipId) -> String {
    (catalogue.townships.get(township))
        .map(|t| t.name.clone())
        .unwrap_or_else(|| township.to_string())
}

/// `2026年12月12日（星期六）19:30，南屿镇文化广场`.
pub fn when_and_where(slot: &SlotFacts) -> String {
    format!(
        "{} {}，{}",
        date_zh(slot.date),
        slot.time.format("%H:%M"),
        slot.venue
    )
}

/// `12月12日 南屿镇 周末农家戏台（南屿镇文化广场）`, for a list of slots to rate.
pub fn slot_label(catalogue: &Catalogue, slot: &SlotFacts) -> String {
    let kind = match slot.kind {
        SlotKind::Stage => "周末农家戏台",
        SlotKind::Forum => "乡村公益讲坛",
    };
    format!(
        "{} {} {}（{}）",
        slot.date.format("%-m月%-d日"),
        township_name(catalogue, &slot.township),
        kind,
        slot.venue
    )
}

/// The townships as (id, name) options for a form.
pub fn township_options(catalogue: &Catalogue) -> Vec<(String, String)> {
    (catalogue.townships.iter())
        .map(|(id, t)| (id.to_string(), t.name.clone()))
        .collect()
}
