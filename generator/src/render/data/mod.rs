//! The open data at `/data/`: what residents asked for and got, as inline SVG charts with their
//! tables, downloads (CSV and JSON, CC BY 4.0) and a printable report per month — all made
//! from the store's snapshot at build time, with nothing personal in any of it.

pub mod charts;
pub mod csv;
mod feedback;
pub mod report;
mod tables;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use serde::Serialize;
use serde_json::{json, Value};

use self::charts::ChartView;
use self::csv::Dataset;
use super::live::StoreData;
use super::pages::Job;
use super::views::{date_label, Views};
use crate::content::model::Content;

/// A download as the data page lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Download {
    pub name: &'static str,
    pub title: &'static str,
    pub rows: usize,
    pub columns: String,
}

/// Everything `/data/` publishes, made once per build.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpenData {
    /// When the store was read (RFC 3339), or the build's day without a store.
    pub built_at: String,
    /// The same in words: `2026年12月15日（周二）10:00`.
    pub built_label: String,
    pub charts: Vec<ChartView>,
    pub downloads: Vec<Download>,
    pub reports: Vec<report::Report>,
    #[serde(skip)]
    pub datasets: Vec<Dataset>,
}

impl OpenData {
    pub fn new(c: &Content, v: &Views, data: &StoreData) -> OpenData {
        let (built_at, built_label) = match data.read_at {
            Some(t) => (
                t.to_rfc3339(),
                format!("{}{}", date_label(t.date_naive()), t.format("%H:%M")),
            ),
            None => (v.today.to_string(), date_label(v.today)),
        };
        let (orders, mut charts) = tables::orders(v, data);
        let (nominations, lecturers) = tables::nominations(v);
        let (courses, places) = tables::courses(v);
        let (ratings, stars) = feedback::ratings(v, data);
        let (wishes, answered) = feedback::wishes(v, data);
        charts.extend([lecturers, places, stars, answered]);
        let datasets = vec![orders, nominations, courses, ratings, wishes];
        let downloads = (datasets.iter())
            .map(|d| Download {
                name: d.name,
                title: d.title,
                rows: d.rows.len(),
                columns: d.columns.join("、"),
            })
            .collect();
        OpenData {
            built_at,
            built_label,
            charts,
            downloads,
            reports: report::reports(c, v, data),
            datasets,
        }
    }
}

/// When the open data were read, with a hash of the figures they showed then: the CLI's memo
/// keeps it, so that a build whose store shows the same figures keeps the earlier time and
/// writes none of the open data's files again.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ReadAt {
    pub figures: u64,
    pub built_at: String,
    pub built_label: String,
}

impl OpenData {
    /// A hash of everything the open data show but the moment they were read.
    pub fn figures(&self) -> u64 {
        let mut h = DefaultHasher::new();
        let shown = serde_json::to_string(&(&self.charts, &self.downloads, &self.reports));
        shown.unwrap_or_default().hash(&mut h);
        for d in &self.datasets {
            csv::to_csv(d, "").hash(&mut h);
        }
        h.finish()
    }

    /// When these data were read, with their figures.
    pub fn read_at(&self) -> ReadAt {
        ReadAt {
            figures: self.figures(),
            built_at: self.built_at.clone(),
            built_label: self.built_label.clone(),
        }
    }

    /// Takes the time of an earlier reading that showed the same figures: the data are the
    /// same, and so are their files and pages.
    pub fn keep_time(&mut self, earlier: &ReadAt) {
        if self.built_at != earlier.built_at && self.figures() == earlier.figures {
            self.built_at.clone_from(&earlier.built_at);
            self.built_label.clone_from(&earlier.built_label);
        }
    }
}

fn hash_of(value: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    value.to_string().hash(&mut h);
    h.finish()
}

/// A page whose whole context is its signature, so it renders again whenever a figure changes.
fn page<'a>(path: String, template: &'static str, ctx: Value) -> Job<'a> {
    Job {
        path,
        template,
        shape: hash_of(&ctx),
        ctx: Box::new(move || ctx.clone()),
        deps: Vec::new(),
    }
}

/// The data page and a report page per month.
pub fn jobs(v: &Views) -> Vec<Job<'_>> {
    let open = &v.open;
    let mut out = vec![page(
        "data/index.html".into(),
        "data.html",
        json!({"section": "data", "open": open}),
    )];
    out.extend(open.reports.iter().map(|r| {
        let ctx = json!({"section": "data", "report": r, "built_label": open.built_label});
        page(
            format!("data/report/{}/index.html", r.month),
            "report.html",
            ctx,
        )
    }));
    out
}

/// The downloads: each dataset as `.csv` and `.json` under `data/`.
pub fn files(v: &Views) -> Vec<(String, Vec<u8>)> {
    let open = &v.open;
    let mut out = Vec::new();
    for d in &open.datasets {
        let csv = csv::to_csv(d, &open.built_at);
        out.push((format!("data/{}.csv", d.name), csv));
        let json = csv::to_json(d, &open.built_at, &v.site.title);
        out.push((format!("data/{}.json", d.name), json));
    }
    out
}
