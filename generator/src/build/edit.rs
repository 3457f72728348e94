//! Rebuilding after an edit in `serve` without rebuilding everything: a full build leaves a [`State`]
//! (the loaded content, the theme, the views and a signature of every page); an edit to item
//! files (programs, lecturers, courses, pages) re-reads just those files, validates the whole
//! catalogue in memory, patches the views and renders only the pages whose views or
//! signatures changed. Anything else — site settings, townships, the schedule, images, the
//! theme, a new day, a change in the store beyond tallies — asks for a full build.
//!
//! The result is byte for byte what a full build of the same files gives
//! (`generator/tests/incremental.rs`).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use diandan_functions::catalogue::Catalogue;
use diandan_functions::store::Tallies;
use tracing::info_span;

use super::{BuildError, BuildOptions, Rendered};
use crate::content::patch::{classify, reload, Change, ItemKind};
use crate::content::{self, Loaded};
use crate::render::delta::{self, Dirty};
use crate::render::live::{DataSource, StoreData};
use crate::render::{self, pages, search, Site, Theme, Views};

/// What the last good build was made from and what it made.
pub(crate) struct Good {
    data: StoreData,
    cat: Catalogue,
    views: Views,
    /// The search index made from `views`.
    index: search::Index,
    /// Every page's [`pages::Job::signature`], by path.
    signatures: HashMap<String, u64>,
    /// The rendered files' paths (pages, assets, data files; not images): the sitemap's source.
    paths: BTreeSet<String>,
}

/// What a build leaves for the next edit to start from.
pub struct State {
    opts: BuildOptions,
    /// The content as on disk now, even when it has problems.
    loaded: Loaded,
    theme: Theme,
    /// `None` after a failure that left nothing to patch from: the next edit builds in full.
    good: Option<Good>,
    /// Items edited since `good` was made (edits that failed validation accumulate here).
    dirty: Dirty,
}

/// Files to put into and remove from the site, and the new catalogue if it changed.
#[derive(Debug, Default)]
pub struct Patch {
    pub put: Vec<(String, Vec<u8>)>,
    pub remove: Vec<String>,
    pub catalogue: Option<Catalogue>,
}

impl Patch {
    pub fn apply(&self, site: &mut Site) {
        for path in &self.remove {
            site.files.remove(path);
        }
        for (path, bytes) in &self.put {
            site.files.insert(path.clone(), bytes.clone());
        }
    }
}

/// How an edit was handled.
#[derive(Debug)]
pub enum Outcome {
    /// Only files the loader never reads changed: nothing to do.
    Unchanged,
    Patched(Box<Patch>),
    /// The edit is beyond what the incremental path handles: build in full.
    Full,
}

impl Good {
    /// What a full build was made from and what it made.
    pub(crate) fn new(
        data: StoreData,
        cat: Catalogue,
        views: Views,
        index: search::Index,
        rendered: &Rendered,
    ) -> Good {
        Good {
            data,
            cat,
            views,
            index,
            signatures: rendered.signatures.clone(),
            paths: rendered.paths.clone(),
        }
    }
}

impl State {
    /// What a full build made, kept for the edits that follow.
    pub(crate) fn new(opts: BuildOptions, loaded: Loaded, theme: Theme, good: Good) -> State {
        State {
            opts,
            loaded,
            theme,
            good: Some(good),
            dirty: Dirty::default(),
        }
    }

    /// The catalogue of the last good build, for the API to check submissions against.
    pub fn catalogue(&self) -> Option<&Catalogue> {
        self.good.as_ref().map(|g| &g.cat)
    }
}

impl State {
    /// Handles an edit of the files at `changed` (relative to the root). On `Err` the content
    /// has problems (or the store failed) and the site should stay as it was.
    pub fn update(
        &mut self,
        changed: &[PathBuf],
        source: &dyn DataSource,
        today: chrono::NaiveDate,
    ) -> Result<Outcome, BuildError> {
        if today != self.opts.today || self.good.is_none() {
            return Ok(Outcome::Full);
        }
        let mut items = Vec::new();
        for rel in changed {
            match classify(rel) {
                Change::Item(kind, path) => items.push((kind, path)),
                Change::Ignored => {}
                Change::Other => return Ok(Outcome::Full),
            }
        }
        if items.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        info_span!("reload").in_scope(|| self.reload(&items));
        let problems = info_span!("validate").in_scope(|| content::validate(&self.loaded));
        if !problems.is_empty() {
            return Err(BuildError::Content(problems));
        }
        let Some(mut good) = self.good.take() else {
            return Ok(Outcome::Full);
        };
        // From here a failure leaves `good` empty, so the next edit builds in full.
        let c = &self.loaded.content;
        let cat_changed = render::catalogue::patch(&mut good.cat, c, &self.dirty);
        let data = super::store_snapshot(source, &good.cat)?;
        if !same_beyond_tallies(&good.data, &data) {
            return Ok(Outcome::Full);
        }
        self.dirty
            .extend(tally_changes(&good.data.tallies, &data.tallies));
        let (mut patch, good) = self.render_patch(good, data)?;
        if cat_changed {
            let json = good.cat.to_json().into_bytes();
            patch.put.push(("catalogue.json".into(), json));
            patch.catalogue = Some(good.cat.clone());
        }
        self.good = Some(good);
        self.dirty = Dirty::default();
        Ok(Outcome::Patched(Box::new(patch)))
    }

    /// Re-reads the changed item files and marks their ids dirty.
    fn reload(&mut self, items: &[(ItemKind, PathBuf)]) {
        for (kind, rel) in items {
            let id = reload(&mut self.loaded, &self.opts.root, *kind, rel);
            let set = match kind {
                ItemKind::Program => &mut self.dirty.programs,
                ItemKind::Lecturer => &mut self.dirty.lecturers,
                ItemKind::Course => &mut self.dirty.courses,
                // Pages are small: their jobs carry their whole context as their signature.
                ItemKind::Page => continue,
            };
            set.insert(id);
        }
    }

    /// Patches the views and renders the pages they change. A failure leaves no good state,
    /// so the next edit builds in full.
    fn render_patch(&self, good: Good, data: StoreData) -> Result<(Patch, Good), BuildError> {
        let c = &self.loaded.content;
        let today = self.opts.today;
        let same_data = same_open_data(&good.data, &data);
        let (views, changed) = info_span!("views").in_scope(|| {
            delta::patch(
                good.views,
                c,
                &good.cat,
                &data,
                today,
                &self.dirty,
                same_data,
            )
        });
        let jobs = info_span!("pages").in_scope(|| pages::jobs(&views, c));
        let mut signatures = HashMap::with_capacity(jobs.len());
        let mut todo = Vec::new();
        for job in &jobs {
            let sig = job.signature();
            if changed.base
                || good.signatures.get(&job.path) != Some(&sig)
                || job.deps.iter().any(|d| changed.touches(d))
            {
                todo.push(job);
            }
            signatures.insert(job.path.clone(), sig);
        }
        let mut remove: Vec<String> = (good.signatures.keys())
            .filter(|p| !signatures.contains_key(*p))
            .cloned()
            .collect();
        let mut put =
            info_span!("render").in_scope(|| render::render_jobs(todo, &views, &self.theme))?;
        drop(jobs);
        // The calendars and the feed show slots and wishes only (the site and the day are the
        // same, or this would be a full build).
        if changed.base || !changed.slots.is_empty() || changed.wishes {
            put.extend(render::feed_files(&views));
        }
        // The index shows cards (title, category, troupe, tags), lecturers and courses.
        let index = if changed.base
            || !(changed.cards.is_empty()
                && changed.lecturers.is_empty()
                && changed.courses.is_empty())
        {
            let (index, patch) = info_span!("search").in_scope(|| good.index.update(&views));
            remove.extend(patch.remove);
            put.extend(patch.put);
            index
        } else {
            good.index
        };
        if changed.open {
            put.extend(render::data::files(&views));
        }
        let paths = with_sitemap(&views, good.paths, &remove, &mut put);
        let patch = Patch {
            put,
            remove,
            catalogue: None,
        };
        let good = Good {
            data,
            cat: good.cat,
            views,
            index,
            signatures,
            paths,
        };
        Ok((patch, good))
    }
}

/// Updates the list of the site's files and, when it changed, adds the sitemap made from it
/// to `put`.
fn with_sitemap(
    views: &Views,
    mut paths: BTreeSet<String>,
    remove: &[String],
    put: &mut Vec<(String, Vec<u8>)>,
) -> BTreeSet<String> {
    let mut changed = false;
    for p in remove {
        changed |= paths.remove(p);
    }
    for (p, _) in put.iter() {
        if !paths.contains(p) {
            changed |= paths.insert(p.clone());
        }
    }
    if !changed {
        return paths;
    }
    let sitemap = render::sitemap(views, paths.iter());
    put.push(("sitemap.xml".into(), sitemap.into_bytes()));
    paths
}

/// Whether the store's part of the pages is the same but for counts.
fn same_beyond_tallies(a: &StoreData, b: &StoreData) -> bool {
    a.wishes == b.wishes
        && a.ratings == b.ratings
        && a.assignments == b.assignments
        // A draw adds pages; rare enough to build in full.
        && a.lotteries == b.lotteries
}

/// Whether the open data would show the same figures: the store's part is equal but for the
/// moment it was read.
fn same_open_data(a: &StoreData, b: &StoreData) -> bool {
    same_beyond_tallies(a, b)
        && a.tallies == b.tallies
        && a.performances == b.performances
        && a.activity == b.activity
}

/// Items whose tallies differ (added and removed ones included).
fn tally_changes(a: &Tallies, b: &Tallies) -> Dirty {
    fn differ<K: Ord + ToString, V: PartialEq>(
        a: &std::collections::BTreeMap<K, V>,
        b: &std::collections::BTreeMap<K, V>,
    ) -> BTreeSet<String> {
        let keys = a.keys().chain(b.keys());
        keys.filter(|k| a.get(*k) != b.get(*k))
            .map(ToString::to_string)
            .collect()
    }
    Dirty {
        programs: differ(&a.programs, &b.programs),
        lecturers: differ(&a.lecturers, &b.lecturers),
        courses: differ(&a.courses, &b.courses),
    }
}
