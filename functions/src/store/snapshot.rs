//! The store's state as the generator reads it for a build: one serialisable value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Activity, Assignment, Lottery, Performance, PublicWish, RatingSummary, Tallies};
use crate::domain::{CourseId, SlotId};

/// Everything the public pages show from the store, read at one moment. Nothing personal:
/// wishes carry masked names only, no contact details anywhere.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Slots filled by the planner or pinned by staff (not those pinned in the content).
    pub assignments: BTreeMap<SlotId, Assignment>,
    /// Slots staff marked as performed.
    pub performances: BTreeMap<SlotId, Performance>,
    /// The public tallies, as `GET /api/tallies` answers them.
    pub tallies: Tallies,
    /// Answered, not hidden wishes, newest reply first.
    pub wishes: Vec<PublicWish>,
    /// Ratings of every rated slot.
    pub ratings: BTreeMap<SlotId, RatingSummary>,
    /// Counts by month for the open data (absent in snapshots written before it existed).
    #[serde(default)]
    pub activity: Activity,
    /// Lottery courses: applications and list hash before the draw, the draw after it.
    #[serde(default)]
    pub lotteries: BTreeMap<CourseId, Lottery>,
}
