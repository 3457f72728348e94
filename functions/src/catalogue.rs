//! The catalogue manifest (`catalogue.json`): what the generator publishes and the API checks
//! every submission against — ids, capacities, thresholds, open flags and the dated slots.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::domain::{hhmm, CourseId, LecturerId, ProgramId, SlotId, TownshipId};

/// Everything the functions need to know about the catalogue, keyed by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub site: SiteFacts,
    pub townships: BTreeMap<TownshipId, TownshipFacts>,
    pub programs: BTreeMap<ProgramId, ProgramFacts>,
    pub lecturers: BTreeMap<LecturerId, LecturerFacts>,
    pub courses: BTreeMap<CourseId, CourseFacts>,
    pub slots: BTreeMap<SlotId, SlotFacts>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFacts {
    pub title: String,
    pub base_url: String,
    pub api_url: String,
    pub nomination_threshold: u32,
    /// A program is not planned again in the same township within this many months.
    pub repeat_after_months: u32,
    /// The forms whose submissions count only from a phone proved by a text-message code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify: Vec<FormKind>,
}

/// The public forms, as `site.yaml`'s `verify:` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    Orders,
    Nominations,
    Registrations,
    Ratings,
    Wishes,
}

impl FormKind {
    pub const ALL: [FormKind; 5] = [
        FormKind::Orders,
        FormKind::Nominations,
        FormKind::Registrations,
        FormKind::Ratings,
        FormKind::Wishes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Orders => "orders",
            FormKind::Nominations => "nominations",
            FormKind::Registrations => "registrations",
            FormKind::Ratings => "ratings",
            FormKind::Wishes => "wishes",
        }
    }

    /// The form called `name` in `site.yaml`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl Catalogue {
    /// Whether submissions of `form` need a verified phone.
    pub fn needs_code(&self, form: FormKind) -> bool {
        self.site.verify.contains(&form)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    /// Great-circle distance in kilometres; good enough to rank townships by nearness.
    pub fn km_to(&self, other: &GeoPoint) -> f64 {
        let (la1, la2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = la2 - la1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * 6371.0 * a.sqrt().asin()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownshipFacts {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<GeoPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramFacts {
    pub title: String,
    pub category: String,
    pub troupe: String,
    /// Whether residents may order it now.
    pub orderable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LecturerFacts {
    pub name: String,
    /// Nominations that bring a public lecture.
    pub threshold: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<TownshipId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeRange {
    pub min: u8,
    pub max: u8,
}

impl AgeRange {
    pub fn contains(&self, age: u8) -> bool {
        (self.min..=self.max).contains(&age)
    }
}

/// The dates (inclusive, China time) during which registration is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub opens: NaiveDate,
    pub closes: NaiveDate,
}

/// Where a date stands relative to a registration window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    NotYetOpen,
    Open,
    Closed,
}

impl Window {
    pub fn state_on(&self, day: NaiveDate) -> WindowState {
        if day < self.opens {
            WindowState::NotYetOpen
        } else if day > self.closes {
            WindowState::Closed
        } else {
            WindowState::Open
        }
    }
}

/// How a course's places are given out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// In the order registrations arrive, then a waitlist.
    #[default]
    FirstCome,
    /// Applications during the window, then one public draw (摇号) after it closes.
    Lottery,
}

/// Registrations one guardian's phone may hold in a course unless the course says otherwise.
pub const DEFAULT_MAX_PER_GUARDIAN: u32 = 2;

fn default_max_per_guardian() -> u32 {
    DEFAULT_MAX_PER_GUARDIAN
}

fn is_default_max_per_guardian(n: &u32) -> bool {
    *n == DEFAULT_MAX_PER_GUARDIAN
}

impl Allocation {
    fn is_first_come(&self) -> bool {
        *self == Allocation::FirstCome
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseFacts {
    pub title: String,
    pub capacity: u32,
    pub waitlist: u32,
    pub ages: AgeRange,
    pub registration: Window,
    pub sessions: Vec<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Allocation::is_first_come")]
    pub allocation: Allocation,
    /// Open registrations (or applications) one guardian's phone may hold in this course.
    #[serde(
        default = "default_max_per_guardian",
        skip_serializing_if = "is_default_max_per_guardian"
    )]
    pub max_per_guardian: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotKind {
    /// 周末农家戏台: a performance.
    Stage,
    /// 乡村公益讲坛: a lecture.
    Forum,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotFacts {
    pub kind: SlotKind,
    pub township: TownshipId,
    pub date: NaiveDate,
    #[serde(with = "hhmm")]
    pub time: NaiveTime,
    pub venue: String,
    /// The program pinned by the editors (stages); `None` means the planner fills it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<ProgramId>,
    /// The lecturer pinned by the editors (forums); `None` means the planner fills it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lecturer: Option<LecturerId>,
}

impl SlotFacts {
    /// The slot's id: date, township and kind make it unique (one stage per township a day).
    pub fn id_for(kind: SlotKind, date: NaiveDate, township: &TownshipId) -> SlotId {
        let kind = match kind {
            SlotKind::Stage => "stage",
            SlotKind::Forum => "forum",
        };
        format!("{}-{}-{}", date.format("%Y-%m-%d"), township, kind)
            .try_into()
            .expect("a date, a township id and a kind always make a valid slug")
    }

    /// The date inside a slot id [`id_for`](Self::id_for) made.
    pub fn date_of(slot: &SlotId) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(slot.as_str().get(..10)?, "%Y-%m-%d").ok()
    }

    /// The township inside a slot id [`id_for`](Self::id_for) made: what the store needs to
    /// tell the residents there, without reading the catalogue.
    pub fn township_of(slot: &SlotId) -> Option<TownshipId> {
        let rest = slot.as_str().get(11..)?;
        let township = (rest.strip_suffix("-stage")).or_else(|| rest.strip_suffix("-forum"))?;
        township.parse().ok()
    }

    pub fn is_auto(&self) -> bool {
        self.program.is_none() && self.lecturer.is_none()
    }
}

impl Catalogue {
    /// Reads `catalogue.json` as the generator wrote it.
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the catalogue always serialises")
    }

    /// The threshold for a lecturer: their own, else the site's.
    pub fn threshold_of(&self, lecturer: &LecturerId) -> Option<u32> {
        self.lecturers.get(lecturer).map(|l| l.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_ids_are_slugs() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        let t: TownshipId = "nanyu".parse().unwrap();
        assert_eq!(
            SlotFacts::id_for(SlotKind::Stage, d, &t).as_str(),
            "2026-12-12-nanyu-stage"
        );
        let two: TownshipId = "gan-zhe".parse().unwrap();
        for (kind, t) in [(SlotKind::Stage, &t), (SlotKind::Forum, &two)] {
            let id = SlotFacts::id_for(kind, d, t);
            assert_eq!(SlotFacts::township_of(&id).as_ref(), Some(t));
        }
        let odd: SlotId = "2026-12-12-nanyu-party".parse().unwrap();
        assert_eq!(SlotFacts::township_of(&odd), None);
    }

    #[test]
    fn window_states() {
        let w = Window {
            opens: NaiveDate::from_ymd_opt(2026, 6, 20).unwrap(),
            closes: NaiveDate::from_ymd_opt(2026, 7, 5).unwrap(),
        };
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(w.state_on(day(6, 19)), WindowState::NotYetOpen);
        assert_eq!(w.state_on(day(6, 20)), WindowState::Open);
        assert_eq!(w.state_on(day(7, 5)), WindowState::Open);
        assert_eq!(w.state_on(day(7, 6)), WindowState::Closed);
    }

    #[test]
    fn distance_is_plausible() {
        let a = GeoPoint {
            lat: 26.15,
            lon: 119.14,
        };
        let b = GeoPoint {
            lat: 25.95,
            lon: 119.18,
        };
        let km = a.km_to(&b);
        assert!(km > 15.0 && km < 30.0, "{km}");
    }

    #[test]
    fn json_round_trip() {
        let mut c = Catalogue::default();
        let d = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        let t: TownshipId = "nanyu".parse().unwrap();
        c.slots.insert(
            SlotFacts::id_for(SlotKind::Stage, d, &t),
            SlotFacts {
                kind: SlotKind::Stage,
                township: t,
                date: d,
                time: NaiveTime::from_hms_opt(19, 30, 0).unwrap(),
                venue: "南屿镇文化广场".into(),
                program: None,
                lecturer: None,
            },
        );
        let back = Catalogue::from_json(c.to_json().as_bytes()).unwrap();
        assert_eq!(back, c);
        assert!(c.to_json().contains("\"19:30\""));
    }
}
