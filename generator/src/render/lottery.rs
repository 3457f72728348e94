//! A lottery course as residents see it: before the draw, the number of applications and the
//! list hash; after it, the published result (`draw.json` and a page of codes and outcomes).

use diandan_functions::catalogue::{Allocation, WindowState};
use diandan_functions::domain::draw::Outcome;
use diandan_functions::store::Draw;
use serde::Serialize;

use super::live::StoreData;
use crate::content::model::Course;

/// The lottery part of a course's view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LotteryView {
    /// How the witness digits will be drawn, as the course's `draw:` announces it.
    pub announcement: String,
    /// Shown once registration has closed: the list is final then.
    pub closed: bool,
    pub applications: u32,
    pub list_hash: String,
    pub drawn: Option<DrawView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrawView {
    pub url: String,
    pub json_url: String,
    pub witness: String,
    pub seed: String,
    pub drawn_on: String,
    pub rows: Vec<DrawRow>,
    /// The draw as `draw.json` publishes it.
    #[serde(skip)]
    pub published: Draw,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrawRow {
    pub rank: usize,
    pub code: String,
    pub outcome: Outcome,
    pub label: &'static str,
}

fn label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Confirmed => "录取",
        Outcome::Waitlisted => "候补",
        Outcome::NotDrawn => "未摇中",
    }
}

/// The lottery view of `k`, `None` for a first-come course.
pub fn view(k: &Course, data: &StoreData, state: WindowState) -> Option<LotteryView> {
    if k.meta.allocation != Allocation::Lottery {
        return None;
    }
    let stored = data.lotteries.get(&k.id).cloned().unwrap_or_default();
    let drawn = stored.draw.map(|d| DrawView {
        url: format!("/courses/{}/draw/", k.id),
        json_url: format!("/courses/{}/draw.json", k.id),
        witness: d.witness.as_str().to_owned(),
        seed: d.seed.clone(),
        drawn_on: super::views::date_label(d.drawn_at.date_naive()),
        rows: (d.outcomes())
            .map(|(i, code, outcome)| DrawRow {
                rank: i + 1,
                code: code.to_string(),
                outcome,
                label: label(outcome),
            })
            .collect(),
        published: d,
    });
    Some(LotteryView {
        announcement: k.meta.draw.clone().unwrap_or_default(),
        closed: state == WindowState::Closed,
        applications: stored.applications,
        list_hash: stored.list_hash,
        drawn,
    })
}

/// `courses/<id>/draw.json` for every drawn course.
pub fn files<'a>(
    courses: impl Iterator<Item = (&'a str, &'a LotteryView)>,
) -> Vec<(String, Vec<u8>)> {
    courses
        .filter_map(|(id, l)| l.drawn.as_ref().map(|d| (id, d)))
        .map(|(id, d)| {
            let json = serde_json::to_string_pretty(&d.published).unwrap_or_default();
            (format!("courses/{id}/draw.json"), json.into_bytes())
        })
        .collect()
}
