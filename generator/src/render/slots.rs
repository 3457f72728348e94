//! Views of the calendar (stage and forum slots, with what the planner or staff put in them)
//! and of the wish wall.

use chrono::NaiveDate;
use diandan_functions::catalogue::{Catalogue, SlotFacts, SlotKind};
use diandan_functions::domain::mask_phones_in;

use super::live::StoreData;
use super::views::{date_label, Link, RatingView, SlotView, Views, WishView};

/// Every slot in date order: pinned in the content, else as assigned in the store.
pub fn slot_views(cat: &Catalogue, v: &Views, data: &StoreData, today: NaiveDate) -> Vec<SlotView> {
    let mut out: Vec<SlotView> = cat
        .slots
        .iter()
        .map(|(id, s)| {
            let assigned = data.assignments.get(id);
            let (what, reason) = match (pinned_link(v, s), assigned) {
                (Some(link), _) => (Some(link), None),
                (None, Some(a)) => {
                    let link = a.program.as_ref().and_then(|p| v.program_link(p.as_str()));
                    let link = link.or_else(|| {
                        a.lecturer
                            .as_ref()
                            .and_then(|l| v.lecturer_link(l.as_str()))
                    });
                    (link, Some(a.reason.clone()))
                }
                (None, None) => (None, None),
            };
            SlotView {
                id: id.to_string(),
                kind: s.kind,
                kind_label: kind_label(s.kind),
                date: s.date,
                date_label: date_label(s.date),
                month: s.date.format("%Y-%m").to_string(),
                time: s.time.format("%H:%M").to_string(),
                township: v.township_link(s.township.as_str()),
                township_id: s.township.to_string(),
                venue: s.venue.clone(),
                what,
                reason,
                past: s.date < today,
                rating: data
                    .ratings
                    .get(id)
                    .filter(|r| r.count > 0)
                    .map(|r| RatingView {
                        average: r.average,
                        count: r.count,
                    }),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.date, &a.time, &a.township_id, a.kind).cmp(&(b.date, &b.time, &b.township_id, b.kind))
    });
    out
}

fn pinned_link(v: &Views, s: &SlotFacts) -> Option<Link> {
    match s.kind {
        SlotKind::Stage => s.program.as_ref().and_then(|p| v.program_link(p.as_str())),
        SlotKind::Forum => s
            .lecturer
            .as_ref()
            .and_then(|l| v.lecturer_link(l.as_str())),
    }
}

pub fn kind_label(kind: SlotKind) -> &'static str {
    match kind {
        SlotKind::Stage => "周末农家戏台",
        SlotKind::Forum => "乡村公益讲坛",
    }
}

/// Answered wishes, newest reply first. Names arrive masked from the store; no contact at all.
pub fn wish_views(v: &Views, data: &StoreData) -> Vec<WishView> {
    let mut sorted: Vec<_> = data.wishes.iter().collect();
    sorted.sort_by_key(|w| std::cmp::Reverse((w.replied_on, w.id)));
    sorted
        .into_iter()
        .map(|w| WishView {
            id: w.id,
            // A number a resident (or staff) wrote into the text stays in the store.
            text: mask_phones_in(&w.text),
            township: v.township_link(w.township.as_str()),
            name: w.name.clone(),
            reply: mask_phones_in(&w.reply),
            asked_on: date_label(w.asked_on),
            replied_on: date_label(w.replied_on),
            replied_on_iso: w.replied_on.to_string(),
        })
        .collect()
}
