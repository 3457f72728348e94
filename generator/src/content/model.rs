//! The content model of docs/content.md as typed, strict structs: what editors may write, and
//! nothing else.

use std::path::PathBuf;

use chrono::NaiveDate;
use diandan_functions::catalogue::{Allocation, GeoPoint};
use diandan_functions::domain::{CourseId, LecturerId, PageId, ProgramId, TownshipId};
use serde::{Deserialize, Deserializer, Serialize};

use super::locate::Locator;
use super::source::Yaml;

/// Where an item came from, kept so later checks can point into the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Origin {
    pub rel: PathBuf,
    yaml: String,
    first_line: usize,
    /// Path prefix of this item inside its file (`[3]` for the fourth township).
    prefix: String,
}

impl Origin {
    pub fn new(rel: PathBuf, yaml: Yaml<'_>, prefix: impl Into<String>) -> Origin {
        Origin {
            rel,
            yaml: yaml.text.to_owned(),
            first_line: yaml.first_line,
            prefix: prefix.into(),
        }
    }

    /// Line and column of the value at `path` (relative to this item). Parses on demand:
    /// positions are needed only when something is wrong.
    pub fn at(&self, path: &str) -> (usize, usize) {
        let full = match (self.prefix.is_empty(), path.is_empty()) {
            (true, _) => path.to_owned(),
            (false, true) => self.prefix.clone(),
            (false, false) if path.starts_with('[') => format!("{}{path}", self.prefix),
            (false, false) => format!("{}.{path}", self.prefix),
        };
        Locator::new(Yaml {
            text: &self.yaml,
            first_line: self.first_line,
        })
        .at(&full)
    }
}

/// `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    pub short_title: String,
    #[serde(default)]
    pub description: String,
    pub organiser: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub address: String,
    pub base_url: String,
    pub api_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_threshold")]
    pub nomination_threshold: i64,
    #[serde(default = "default_repeat")]
    pub repeat_after_months: i64,
    #[serde(default)]
    pub featured: Vec<ProgramId>,
    /// Programs per list page.
    #[serde(default = "default_page_size")]
    pub page_size: i64,
    /// Whether editors' Markdown may carry raw HTML (off: it is shown as text).
    #[serde(default)]
    pub allow_raw_html: bool,
    /// The forms that count only from a phone proved by a text-message code.
    #[serde(default)]
    pub verify: Vec<String>,
}

fn default_language() -> String {
    "zh-CN".to_owned()
}
fn default_threshold() -> i64 {
    15
}
fn default_page_size() -> i64 {
    20
}
fn default_repeat() -> i64 {
    3
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum TownshipKind {
    #[serde(rename = "镇")]
    Town,
    #[serde(rename = "乡")]
    Township,
    #[serde(rename = "街道")]
    Subdistrict,
}

/// One entry of `townships.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownshipMeta {
    pub id: TownshipId,
    pub name: String,
    pub kind: TownshipKind,
    #[serde(default)]
    pub location: Option<GeoPoint>,
    #[serde(default)]
    pub venues: Vec<String>,
}

/// Front matter of `programs/<slug>.md`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramMeta {
    pub title: String,
    pub category: String,
    pub troupe: String,
    pub duration_minutes: i64,
    #[serde(default)]
    pub audience: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default = "yes")]
    pub orderable: bool,
}

fn yes() -> bool {
    true
}

/// Front matter of `lecturers/<slug>.md`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LecturerMeta {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub threshold: Option<i64>,
    #[serde(default)]
    pub township: Option<TownshipId>,
}

/// `registration: { opens, closes }` of a course.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationMeta {
    #[serde(deserialize_with = "date")]
    pub opens: NaiveDate,
    #[serde(deserialize_with = "date")]
    pub closes: NaiveDate,
}

/// Front matter of `courses/<slug>.md`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseMeta {
    pub title: String,
    pub category: String,
    pub teacher: LecturerId,
    pub ages: [i64; 2],
    pub capacity: i64,
    #[serde(default)]
    pub waitlist: i64,
    pub venue: String,
    pub sessions: Vec<String>,
    pub registration: RegistrationMeta,
    /// `first_come` (default) or `lottery`.
    #[serde(default)]
    pub allocation: Allocation,
    /// Registrations one guardian's phone may hold in the course.
    #[serde(default = "default_max_per_guardian")]
    pub max_per_guardian: i64,
    /// For a lottery: when, where and how the witness digits will be drawn in public, as
    /// residents read it on the course page (e.g. 7月6日上午10点在县文化馆一楼大厅当众摇三个号码球).
    #[serde(default)]
    pub draw: Option<String>,
}

fn default_max_per_guardian() -> i64 {
    i64::from(diandan_functions::catalogue::DEFAULT_MAX_PER_GUARDIAN)
}

/// Front matter of `pages/<slug>.md`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    pub title: String,
    /// Position in the footer menu; pages without it are not listed there.
    #[serde(default)]
    pub menu: Option<i64>,
}

/// A slot's program or lecturer: `auto` (the planner fills it) or a pinned slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick<T> {
    Auto,
    Pinned(T),
}

impl<T> Pick<T> {
    pub fn pinned(&self) -> Option<&T> {
        match self {
            Pick::Auto => None,
            Pick::Pinned(t) => Some(t),
        }
    }
}

impl<'de, T> Deserialize<'de> for Pick<T>
where
    T: TryFrom<String>,
    T::Error: std::fmt::Display,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "auto" {
            return Ok(Pick::Auto);
        }
        T::try_from(s)
            .map(Pick::Pinned)
            .map_err(|e| serde::de::Error::custom(format!("{e}; write `auto` or a slug")))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageMeta {
    pub township: TownshipId,
    #[serde(deserialize_with = "date")]
    pub date: NaiveDate,
    pub time: String,
    pub venue: String,
    pub program: Pick<ProgramId>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForumMeta {
    pub township: TownshipId,
    #[serde(deserialize_with = "date")]
    pub date: NaiveDate,
    pub time: String,
    pub venue: String,
    pub lecturer: Pick<LecturerId>,
}

/// `schedule/<yyyy-mm>.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthMeta {
    #[serde(default)]
    pub stages: Vec<StageMeta>,
    #[serde(default)]
    pub forums: Vec<ForumMeta>,
}

/// A date written `YYYY-MM-DD` that must exist on the calendar.
fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(d)?;
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        serde::de::Error::custom(format!(
            "`{s}` is not a real date; write YYYY-MM-DD with a day that exists, e.g. 2026-12-12"
        ))
    })
}

/// An item read from a Markdown file: its id (the file stem), front matter and body. It
/// serialises for the CLI's memo of parsed files ([`super::memo`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item<Id, Meta> {
    pub id: Id,
    pub meta: Meta,
    pub body: String,
    pub origin: Origin,
}

pub type Program = Item<ProgramId, ProgramMeta>;
pub type Lecturer = Item<LecturerId, LecturerMeta>;
pub type Course = Item<CourseId, CourseMeta>;
pub type Page = Item<PageId, PageMeta>;

#[derive(Debug, Clone)]
pub struct Township {
    pub meta: TownshipMeta,
    pub origin: Origin,
}

/// One schedule file: the month it covers (from its name) and its slots.
#[derive(Debug, Clone)]
pub struct Month {
    pub first_day: NaiveDate,
    pub meta: MonthMeta,
    pub origin: Origin,
}

/// The whole catalogue as loaded, sorted by id so every build is deterministic.
#[derive(Debug, Clone)]
pub struct Content {
    pub site: SiteConfig,
    pub site_origin: Origin,
    pub townships: Vec<Township>,
    pub programs: Vec<Program>,
    pub lecturers: Vec<Lecturer>,
    pub courses: Vec<Course>,
    pub months: Vec<Month>,
    pub pages: Vec<Page>,
}
