//! What the store knows that the pages show: assignments the planner or staff made, tallies,
//! answered wishes, ratings and lottery courses' draws. Read once per build, before rendering.

use std::collections::BTreeMap;
use std::sync::Arc;

use diandan_functions::catalogue::Catalogue;
use diandan_functions::domain::{CourseId, LecturerId, ProgramId, SlotId};
use diandan_functions::store::{
    Activity, Lottery, Performance, PublicWish, RatingSummary, Store, StoreError, Tallies,
    TallyLimits, Time,
};

/// A slot filled by the planner or pinned by staff.
#[derive(Debug, Clone, PartialEq)]
pub struct Assigned {
    pub program: Option<ProgramId>,
    pub lecturer: Option<LecturerId>,
    /// Why, in words residents read ("南屿镇 18 人点单").
    pub reason: String,
}

/// The store's part of a build. Empty when the site is built without a store.
#[derive(Debug, Clone, Default)]
pub struct StoreData {
    pub tallies: Tallies,
    pub wishes: Vec<PublicWish>,
    pub ratings: BTreeMap<SlotId, RatingSummary>,
    pub assignments: BTreeMap<SlotId, Assigned>,
    /// Slots staff marked as performed (the monthly reports count them).
    pub performances: BTreeMap<SlotId, Performance>,
    /// Counts by month for the open data.
    pub activity: Activity,
    /// When the store was read: the moment the open data speaks for. `None` without a store.
    pub read_at: Option<Time>,
    /// Lottery courses: applications and list hash, and the draw once made.
    pub lotteries: BTreeMap<CourseId, Lottery>,
}

/// Why the store's part of a build could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the store's snapshot failed")]
    Snapshot(#[from] StoreError),
}

/// Where a build gets its store data from; the catalogue says which ids and limits matter.
pub trait DataSource: Send + Sync {
    fn read(&self, catalogue: &Catalogue) -> Result<StoreData, ReadError>;

    /// A value that changes whenever `read` could answer differently, if the source can say
    /// so cheaply; `None` means every build must render (a live store).
    fn fingerprint(&self) -> Option<u64> {
        None
    }
}

/// Builds from the content alone (no counts, no wish wall entries).
pub struct NoStore;

impl DataSource for NoStore {
    fn read(&self, _: &Catalogue) -> Result<StoreData, ReadError> {
        Ok(StoreData::default())
    }

    fn fingerprint(&self) -> Option<u64> {
        Some(0)
    }
}

/// Reads a live store; blocks the (non-async) build thread on the given runtime.
pub struct StoreSource {
    pub store: Arc<dyn Store>,
    pub runtime: tokio::runtime::Handle,
}

impl DataSource for StoreSource {
    fn read(&self, catalogue: &Catalogue) -> Result<StoreData, ReadError> {
        let limits = TallyLimits::from_catalogue(catalogue);
        let store = Arc::clone(&self.store);
        let read_at = Some(chrono::SubsecRound::trunc_subsecs(
            diandan_functions::clock::china_now(),
            0,
        ));
        let snap = self
            .runtime
            .block_on(async move { store.snapshot(&limits).await })?;
        let assignments = snap
            .assignments
            .into_iter()
            .map(|(slot, a)| {
                (
                    slot,
                    Assigned {
                        program: a.program,
                        lecturer: a.lecturer,
                        reason: a.reason,
                    },
                )
            })
            .collect();
        Ok(StoreData {
            tallies: snap.tallies,
            wishes: snap.wishes,
            ratings: snap.ratings,
            assignments,
            performances: snap.performances,
            activity: snap.activity,
            read_at,
            lotteries: snap.lotteries,
        })
    }
}
