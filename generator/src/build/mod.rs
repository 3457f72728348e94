//! The build pipeline as a recipe: load → validate → render → write, each step a named span.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use tracing::info_span;

use crate::content::Diagnostic;
use crate::output::{self, WriteStats};
use crate::render::live::DataSource;

pub mod fingerprint;
pub mod incremental;
use crate::render::{self, Site};

/// What a build needs to know besides the content.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The folder holding `content/` and `themes/`.
    pub root: PathBuf,
    /// "Today" for upcoming/past and open/closed: fixed in tests so output is reproducible.
    pub today: NaiveDate,
}

/// Why a build produced no site.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the content has {} problem(s)", .0.len())]
    Content(Vec<Diagnostic>),
    #[error(transparent)]
    Theme(#[from] render::theme::ThemeError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error("reading the store failed: {0} — check --store, or build without it")]
    Store(String),
}

/// Today in China (UTC+8), where every resident of the site lives.
pub fn today_in_china() -> NaiveDate {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    chrono::Utc::now().with_timezone(&offset).date_naive()
}

/// Loads, validates, reads the store and renders the site in memory; writes nothing.
pub fn build_site(opts: &BuildOptions, source: &dyn DataSource) -> Result<Site, BuildError> {
    incremental::build_with_state(opts, source).map(|(site, _)| site)
}

pub fn theme_dir(root: &Path) -> PathBuf {
    root.join("themes").join("default")
}

/// Editors' images under `content/images/` are published as they are.
pub(crate) fn copy_images(root: &Path, mut site: Site) -> Site {
    let dir = root.join("content").join("images");
    for e in walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        if let (Ok(rel), Ok(bytes)) = (
            e.path().strip_prefix(root.join("content")),
            std::fs::read(e.path()),
        ) {
            site.files
                .insert(rel.to_string_lossy().replace('\\', "/"), bytes);
        }
    }
    site
}

/// A finished build: how many pages and files the site has, and what was written.
pub struct Built {
    pub pages: usize,
    pub files: usize,
    pub stats: WriteStats,
    pub elapsed: Duration,
    /// Nothing that the site is made from changed since the last build into the same folder.
    pub unchanged: bool,
}

/// The whole recipe, ending with an atomic write into `out`.
pub fn build(opts: &BuildOptions, source: &dyn DataSource, out: &Path) -> anyhow::Result<Built> {
    let started = Instant::now();
    let print = source
        .fingerprint()
        .map(|f| fingerprint::of_inputs(&opts.root, opts.today, f));
    if let Some(known) = print.and_then(|p| fingerprint::matches(out, p)) {
        let (pages, files) = known;
        let stats = WriteStats::default();
        return Ok(Built {
            pages,
            files,
            stats,
            elapsed: started.elapsed(),
            unchanged: true,
        });
    }
    fingerprint::forget(out);
    let site = build_site(opts, source)?;
    let stats = info_span!("write").in_scope(|| output::write(&site, out)).map_err(|e| {
        anyhow::anyhow!("writing the site into {} failed: {e} — check the folder is writable; the previous output was left as it was", out.display())
    })?;
    if let Some(p) = print {
        fingerprint::remember(out, p, site.pages(), site.files.len());
    }
    let (pages, files) = (site.pages(), site.files.len());
    Ok(Built {
        pages,
        files,
        stats,
        elapsed: started.elapsed(),
        unchanged: false,
    })
}
