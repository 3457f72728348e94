//! What goes into the store's operations and what comes out: plain data, no storage details.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::catalogue::{Allocation, Catalogue};
use crate::domain::draw::{self, Outcome, Witness};
use crate::domain::{
    CancelToken, ChildAge, Comment, ConfirmationCode, CourseId, LecturerId, PersonKey, PersonName,
    Phone, ProgramId, SealedPhone, ShortText, SlotId, Stars, TownshipId, WishText,
};

/// China time: what every timestamp in the service is written in.
pub type Time = DateTime<FixedOffset>;

/// An order (点单) of a program for a township's village stage.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub program: ProgramId,
    pub township: TownshipId,
    pub person: PersonKey,
    pub name: PersonName,
    pub note: Option<ShortText>,
    pub at: Time,
    /// The resident's number, sealed, when they asked to hear by text message (`notify`):
    /// kept only until the message it waits for is queued.
    pub reach: Option<SealedPhone>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OrderOutcome {
    /// The person already had an open order for this program; nothing was counted.
    pub duplicate: bool,
    /// Open orders for this program from this township, after this one.
    pub township_count: u32,
    /// Open orders for this program from all townships.
    pub program_total: u32,
}

/// A nomination (点将) of a lecturer. The threshold comes from the catalogue.
#[derive(Debug, Clone)]
pub struct NewNomination {
    pub lecturer: LecturerId,
    pub township: TownshipId,
    pub person: PersonKey,
    pub name: PersonName,
    pub topic: Option<ShortText>,
    pub threshold: u32,
    pub at: Time,
    /// The secret the nominator gets to take the nomination back; the store keeps its hash.
    /// A repeat stores nothing, so only the first nomination's token works.
    pub withdraw: CancelToken,
    /// The resident's number, sealed, when they asked to hear by text message (`notify`):
    /// kept only until the message it waits for is queued.
    pub reach: Option<SealedPhone>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NominationOutcome {
    pub duplicate: bool,
    /// Nominations for this lecturer, after this one.
    pub count: u32,
    pub threshold: u32,
    /// True for exactly one nomination per lecturer: the one that reached the threshold.
    pub crossed: bool,
}

/// A registration (报名) of a child for a course; capacity and waitlist come from the catalogue.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub course: CourseId,
    pub capacity: u32,
    pub waitlist: u32,
    pub guardian_name: PersonName,
    /// Kept in full: staff call guardians when a place frees up or a session moves.
    pub phone: Phone,
    pub person: PersonKey,
    pub child_name: PersonName,
    pub child_age: ChildAge,
    pub at: Time,
    /// When the row may be deleted: the course's last session plus 30 days.
    pub expires_at: Time,
    /// First come (confirm, waitlist, refuse) or lottery (an application, drawn later).
    pub allocation: Allocation,
    /// Open registrations this guardian's phone may hold in the course, this one included.
    pub max_per_guardian: u32,
    /// When the reminder of the first session goes (seconds since the epoch), if it has one.
    pub remind_at: Option<i64>,
    /// The guardian's number, sealed, for the texts about this registration's place: kept
    /// only while it may still get one (applied, waitlisted).
    pub reach: Option<SealedPhone>,
}

impl NewRegistration {
    /// The sealed number the registration keeps once placed with `status`: only while a text
    /// about its place may still come (applied, waitlisted).
    pub fn kept_reach(&self, status: RegistrationStatus) -> Option<&SealedPhone> {
        let may_move = matches!(
            status,
            RegistrationStatus::Waitlisted | RegistrationStatus::Applied
        );
        self.reach.as_ref().filter(|_| may_move)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
    /// A lottery course's application, waiting for the draw.
    Applied,
    /// A lottery application the draw gave neither a place nor a waitlist place.
    NotDrawn,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Waitlisted => "waitlisted",
            Self::Cancelled => "cancelled",
            Self::Applied => "applied",
            Self::NotDrawn => "not_drawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "confirmed" => Some(Self::Confirmed),
            "waitlisted" => Some(Self::Waitlisted),
            "cancelled" => Some(Self::Cancelled),
            "applied" => Some(Self::Applied),
            "not_drawn" => Some(Self::NotDrawn),
            _ => None,
        }
    }

    /// What the draw made of an application.
    pub fn from_outcome(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Confirmed => Self::Confirmed,
            Outcome::Waitlisted => Self::Waitlisted,
            Outcome::NotDrawn => Self::NotDrawn,
        }
    }
}

/// Staff's request to draw a lottery course; capacity and waitlist come from the catalogue.
#[derive(Debug, Clone)]
pub struct DrawRequest {
    pub course: CourseId,
    pub witness: Witness,
    pub capacity: u32,
    pub waitlist: u32,
    pub at: Time,
}

/// A lottery course's draw as published (`/courses/<id>/draw.json`): what anyone needs to
/// recompute the ranking, and the outcome of each place in it. Codes only, never names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    pub course: CourseId,
    pub list_hash: String,
    pub witness: Witness,
    pub seed: String,
    /// Every application's code, first drawn first.
    pub ranking: Vec<ConfirmationCode>,
    pub capacity: u32,
    pub waitlist: u32,
    pub drawn_at: Time,
}

impl Draw {
    /// Ranks the applications `codes` as the request says.
    pub fn make(request: &DrawRequest, codes: &[ConfirmationCode]) -> Self {
        let drawn = draw::draw(codes, &request.witness);
        Self {
            course: request.course.clone(),
            list_hash: drawn.list_hash,
            witness: request.witness.clone(),
            seed: drawn.seed,
            ranking: drawn.ranking,
            capacity: request.capacity,
            waitlist: request.waitlist,
            drawn_at: request.at,
        }
    }

    /// Each code with what it got, in draw order.
    pub fn outcomes(&self) -> impl Iterator<Item = (usize, &ConfirmationCode, Outcome)> {
        (self.ranking.iter().enumerate())
            .map(|(i, code)| (i, code, Outcome::at(i, self.capacity, self.waitlist)))
    }
}

/// A lottery course as the public may see it: before the draw the number of applications and
/// their list hash; after it, the draw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lottery {
    /// Applications in the draw (waiting for it, or drawn).
    pub applications: u32,
    /// The list hash of those applications.
    pub list_hash: String,
    pub draw: Option<Draw>,
}

impl Lottery {
    /// Before the draw: the applications' number and list hash.
    pub fn waiting(codes: &[ConfirmationCode]) -> Self {
        Self {
            applications: u32::try_from(codes.len()).unwrap_or(u32::MAX),
            list_hash: draw::list_hash(codes),
            draw: None,
        }
    }

    /// After the draw: the list it drew from, and the draw.
    pub fn drawn(draw: Draw) -> Self {
        Self {
            applications: u32::try_from(draw.ranking.len()).unwrap_or(u32::MAX),
            list_hash: draw.list_hash.clone(),
            draw: Some(draw),
        }
    }
}

/// What a new registration got. The token is shown once, to the person who registered.
#[derive(Debug, Clone)]
pub struct Registered {
    pub status: RegistrationStatus,
    pub code: ConfirmationCode,
    pub token: CancelToken,
    /// 1 for the first on the waitlist; `None` when confirmed.
    pub waitlist_position: Option<u32>,
}

/// A registration as its holder may see it (no phone, the child's name masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistrationView {
    pub code: ConfirmationCode,
    pub course: CourseId,
    pub status: RegistrationStatus,
    pub waitlist_position: Option<u32>,
    pub child_name: String,
    pub registered_at: Time,
}

/// What a cancellation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub course: CourseId,
    /// The status the registration had before it was cancelled.
    pub was: RegistrationStatus,
    /// The waitlisted registration that took the freed place, if any.
    pub promoted: Option<ConfirmationCode>,
}

/// A wish (诉求). Only a keyed hash of the phone is kept: the public never sees contact details.
#[derive(Debug, Clone)]
pub struct NewWish {
    pub text: WishText,
    pub township: TownshipId,
    pub name: Option<PersonName>,
    pub person: Option<PersonKey>,
    pub at: Time,
    /// The resident's number, sealed, when they asked to hear by text message (`notify`):
    /// kept only until the message it waits for is queued.
    pub reach: Option<SealedPhone>,
}

pub type WishId = i64;

/// An answered wish as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicWish {
    pub id: WishId,
    pub text: String,
    pub township: TownshipId,
    /// The name as given, masked (`张*玲`); `None` when the resident gave none.
    pub name: Option<String>,
    pub reply: String,
    pub asked_on: NaiveDate,
    pub replied_on: NaiveDate,
}

/// A rating (评单) of a slot the person attended.
#[derive(Debug, Clone)]
pub struct NewRating {
    pub slot: SlotId,
    pub person: PersonKey,
    pub stars: Stars,
    pub comment: Option<Comment>,
    pub at: Time,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    pub count: u32,
    /// Mean stars, rounded to one decimal.
    pub average: f64,
    /// How many ratings gave 1, 2, 3, 4 and 5 stars.
    pub histogram: [u32; 5],
}

impl RatingSummary {
    /// Count and mean from how many ratings gave 1..=5 stars.
    pub fn from_histogram(histogram: [u32; 5]) -> Self {
        let count: u32 = histogram.iter().sum();
        let points: u64 = (histogram.iter().zip(1u64..))
            .map(|(n, stars)| u64::from(*n) * stars)
            .sum();
        let average = if count == 0 {
            0.0
        } else {
            (points as f64 / f64::from(count) * 10.0).round() / 10.0
        };
        Self {
            count,
            average,
            histogram,
        }
    }
}

/// A lecturer who crossed the nomination threshold: the planner books a forum for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LectureRequest {
    pub lecturer: LecturerId,
    pub threshold: u32,
    pub crossed_at: Time,
    /// Nominations now, by township, so the planner can pick the nearest township.
    pub by_township: BTreeMap<TownshipId, u32>,
}

/// The catalogue facts tallies need; the store never reads the catalogue itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TallyLimits {
    /// Programs listed even with no orders.
    pub programs: BTreeSet<ProgramId>,
    pub thresholds: BTreeMap<LecturerId, u32>,
    pub capacities: BTreeMap<CourseId, u32>,
    /// Courses whose places are drawn: the snapshot reads their applications and draw.
    pub lotteries: BTreeSet<CourseId>,
}

impl TallyLimits {
    pub fn from_catalogue(catalogue: &Catalogue) -> Self {
        Self {
            programs: catalogue.programs.keys().cloned().collect(),
            thresholds: (catalogue.lecturers.iter())
                .map(|(id, l)| (id.clone(), l.threshold))
                .collect(),
            capacities: (catalogue.courses.iter())
                .map(|(id, c)| (id.clone(), c.capacity))
                .collect(),
            lotteries: (catalogue.courses.iter())
                .filter(|(_, c)| c.allocation == Allocation::Lottery)
                .map(|(id, _)| id.clone())
                .collect(),
        }
    }
}

/// `GET /api/tallies`, exactly as docs/api.md shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tallies {
    pub programs: BTreeMap<ProgramId, ProgramTally>,
    pub lecturers: BTreeMap<LecturerId, LecturerTally>,
    pub courses: BTreeMap<CourseId, CourseTally>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramTally {
    pub total: u32,
    pub by_township: BTreeMap<TownshipId, u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LecturerTally {
    pub nominations: u32,
    pub threshold: u32,
    pub reached: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseTally {
    pub capacity: u32,
    pub confirmed: u32,
    pub places_left: u32,
    pub waitlisted: u32,
}

/// Raw counts a backend reads; [`Tallies::assemble`] shapes them with the catalogue's limits.
#[derive(Debug, Clone, Default)]
pub struct RawCounts {
    /// (program, township) → open orders.
    pub orders: Vec<(ProgramId, TownshipId, u32)>,
    /// lecturer → nominations.
    pub nominations: BTreeMap<LecturerId, u32>,
    /// Lecturers whose crossing was recorded.
    pub crossed: BTreeSet<LecturerId>,
    /// course → (confirmed, waitlisted).
    pub courses: BTreeMap<CourseId, (u32, u32)>,
}

impl Tallies {
    /// Shared by every backend so that all of them answer the same shape.
    ///
    /// Lecturers and courses appear when the catalogue knows them (their threshold and
    /// capacity come from it); programs appear when listed or when they have orders.
    pub fn assemble(raw: RawCounts, limits: &TallyLimits) -> Self {
        let mut programs: BTreeMap<ProgramId, ProgramTally> = (limits.programs.iter())
            .map(|p| (p.clone(), ProgramTally::default()))
            .collect();
        for (program, township, n) in raw.orders {
            let tally = programs.entry(program).or_default();
            tally.total += n;
            *tally.by_township.entry(township).or_default() += n;
        }
        let lecturers = (limits.thresholds.iter())
            .map(|(id, &threshold)| {
                let nominations = raw.nominations.get(id).copied().unwrap_or(0);
                let reached = nominations >= threshold || raw.crossed.contains(id);
                let tally = LecturerTally {
                    nominations,
                    threshold,
                    reached,
                };
                (id.clone(), tally)
            })
            .collect();
        let courses = (limits.capacities.iter())
            .map(|(id, &capacity)| {
                let (confirmed, waitlisted) = raw.courses.get(id).copied().unwrap_or((0, 0));
                let tally = CourseTally {
                    capacity,
                    confirmed,
                    places_left: capacity.saturating_sub(confirmed),
                    waitlisted,
                };
                (id.clone(), tally)
            })
            .collect();
        Self {
            programs,
            lecturers,
            courses,
        }
    }
}
