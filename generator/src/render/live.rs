//! What the store knows that the pages show: assignments the planner or staff made, tallies,
//! answered wishes and ratings. Read once per build, before rendering.

use std::collections::BTreeMap;
use std::sync::Arc;

use diandan_functions::catalogue::Catalogue;
use diandan_functions::domain::{LecturerId, ProgramId, SlotId};
use diandan_functions::store::{PublicWish, RatingSummary, Store, Tallies, TallyLimits};

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
}

/// Where a build gets its store data from; the catalogue says which ids and limits matter.
pub trait DataSource: Send + Sync {
    fn read(&self, catalogue: &Catalogue) -> anyhow::Result<StoreData>;
}

/// Builds from the content alone (no counts, no wish wall entries).
pub struct NoStore;

impl DataSource for NoStore {
    fn read(&self, _: &Catalogue) -> anyhow::Result<StoreData> {
        Ok(StoreData::default())
    }
}

/// Reads a live store; blocks the (non-async) build thread on the given runtime.
pub struct StoreSource {
    pub store: Arc<dyn Store>,
    pub runtime: tokio::runtime::Handle,
}

impl DataSource for StoreSource {
    fn read(&self, catalogue: &Catalogue) -> anyhow::Result<StoreData> {
        let limits = TallyLimits::from_catalogue(catalogue);
        let store = Arc::clone(&self.store);
        self.runtime.block_on(async move {
            Ok(StoreData {
                tallies: store.tallies(&limits).await?,
                wishes: store.answered_wishes().await?,
                ratings: store.rating_summaries().await?,
                assignments: BTreeMap::new(),
            })
        })
    }
}
