//! The build, as a recipe read top to bottom in [`recipe`]: load → validate → theme → store
//! snapshot → views → search index → render → write. Each step is a function of its own, timed by a tracing
//! span of its name (`DIANDAN_LOG=info` prints each one's time). Rendered files go straight to
//! a [`Sink`]: the output folder for `diandan build`, memory for `serve` and the tests.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diandan_functions::catalogue::Catalogue;
use tracing::info_span;

use crate::content::{self, Diagnostic, Loaded};
use crate::output::{WriteStats, Writer};
use crate::render::live::{DataSource, ReadError, StoreData};
use crate::render::{self, pages, search, MemorySink, Sink, Site, Theme, Views};

pub mod edit;
pub mod fingerprint;
pub mod memo;
pub mod page_cache;

use edit::{Good, State};
use memo::{Fresh, Memo};
use page_cache::PageCache;

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
    #[error("reading the store failed — check --store, or build without it")]
    Store(#[source] ReadError),
    #[error("writing the site into {} failed — check the folder is writable; the pages already there are whole", .out.display())]
    Write {
        out: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Today in China (UTC+8), where every resident of the site lives.
pub fn today_in_china() -> NaiveDate {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    chrono::Utc::now().with_timezone(&offset).date_naive()
}

pub fn theme_dir(root: &Path) -> PathBuf {
    root.join("themes").join("default")
}

/// What the render step made: every page's signature and key, and every file's path.
pub struct Rendered {
    /// Every page's [`pages::Job::signature`], by path.
    pub signatures: HashMap<String, u64>,
    /// Every page's and search shard's [`page_cache`] key, by path.
    pub keys: HashMap<String, u64>,
    /// The rendered files' paths (pages, assets, data files; not images).
    pub paths: BTreeSet<String>,
    /// The editors' images.
    pub images: Vec<String>,
    /// Pages rendered (not taken as they were from the last build).
    pub rendered: usize,
}

/// The whole recipe into `sink`. `reuse` is the last build's page cache when `sink` is the
/// same output folder: its unchanged pages are kept as they are.
pub fn recipe(
    opts: &BuildOptions,
    source: &dyn DataSource,
    sink: &dyn Sink,
    reuse: Option<&PageCache>,
) -> Result<(State, Rendered), BuildError> {
    let m = make(opts, source, None)?;
    let mut rendered = render(&m.views, &m.loaded, &m.cat, &m.theme, &m.index, sink, reuse)?;
    rendered.images = images(&opts.root, sink)?;
    let good = Good::new(m.data, m.cat, m.views, m.index, &rendered);
    let state = State::new(opts.clone(), m.loaded, m.theme, good);
    Ok((state, rendered))
}

/// Everything the pages are made from.
struct Made {
    loaded: Loaded,
    /// With a memo: what the load saw, for the next memo.
    seen: Option<content::memo::Seen>,
    theme: Theme,
    cat: Catalogue,
    data: StoreData,
    views: Views,
    index: search::Index,
    /// How much was made afresh with a memo.
    fresh: Fresh,
}

/// The steps before rendering; with `memo`, what it holds is taken instead of made again.
fn make(
    opts: &BuildOptions,
    source: &dyn DataSource,
    memo: Option<Memo>,
) -> Result<Made, BuildError> {
    let mut fresh = Fresh::default();
    let (loaded, seen, memo) = match memo {
        Some(mut memo) => {
            let parsed = std::mem::take(&mut memo.parsed);
            let (loaded, seen) = load_with(&opts.root, parsed)?;
            (loaded, Some(seen), memo)
        }
        None => (load(&opts.root)?, None, Memo::default()),
    };
    fresh.parsed = seen.as_ref().map_or(0, |s| s.parsed);
    let theme = theme(&opts.root)?;
    let cat = catalogue(&loaded);
    let data = store_snapshot(source, &cat)?;
    let mut views = views(&loaded, &cat, &data, opts.today, &memo.made);
    if let Some(earlier) = memo.open.as_ref().filter(|_| data.read_at.is_some()) {
        views.open.keep_time(earlier);
    }
    fresh.open = data.read_at.is_some() && memo.open != Some(views.open.read_at());
    let index = match memo.index {
        Some((count, entries)) => {
            let (index, made) =
                info_span!("search").in_scope(|| search::Index::reusing(count, entries, &views));
            fresh.entries = made;
            index
        }
        None => {
            let index = search_index(&views);
            fresh.entries = index.entries().len();
            index
        }
    };
    if seen.is_some() {
        tracing::info!(
            parsed = fresh.parsed,
            search_entries = fresh.entries,
            "made afresh beside the memo"
        );
    }
    Ok(Made {
        loaded,
        seen,
        theme,
        cat,
        data,
        views,
        index,
        fresh,
    })
}

/// Load and validate: every content file read and parsed, then checked as a whole.
pub fn load(root: &Path) -> Result<Loaded, BuildError> {
    let loaded = info_span!("load").in_scope(|| content::load(root));
    valid(loaded)
}

/// [`load`], taking from `memo` the item files that did not change since it was made.
pub fn load_with(
    root: &Path,
    memo: content::memo::Parsed,
) -> Result<(Loaded, content::memo::Seen), BuildError> {
    let (loaded, seen) = info_span!("load").in_scope(|| content::load_with(root, memo));
    Ok((valid(loaded)?, seen))
}

/// The loaded content if it validates.
fn valid(loaded: Loaded) -> Result<Loaded, BuildError> {
    let problems = info_span!("validate").in_scope(|| content::validate(&loaded));
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(BuildError::Content(problems))
    }
}

/// The theme's templates compiled, its assets read.
pub fn theme(root: &Path) -> Result<Theme, BuildError> {
    Ok(info_span!("theme").in_scope(|| Theme::load(&theme_dir(root)))?)
}

/// The catalogue the functions check submissions against (`catalogue.json`).
pub fn catalogue(loaded: &Loaded) -> Catalogue {
    info_span!("catalogue").in_scope(|| render::catalogue::catalogue(&loaded.content))
}

/// What the store knows that the pages show.
pub fn store_snapshot(source: &dyn DataSource, cat: &Catalogue) -> Result<StoreData, BuildError> {
    info_span!("store")
        .in_scope(|| source.read(cat))
        .map_err(BuildError::Store)
}

/// Every view the templates draw from, made once; `made` holds bodies already rendered.
pub fn views(
    loaded: &Loaded,
    cat: &Catalogue,
    data: &StoreData,
    today: NaiveDate,
    made: &render::markdown::Made,
) -> Views {
    info_span!("views").in_scope(|| Views::new(&loaded.content, cat, data, today, made))
}

/// The search index: every program, lecturer, course and township with its pinyin.
pub fn search_index(views: &Views) -> search::Index {
    info_span!("search").in_scope(|| search::Index::new(views))
}

/// Every page and file, into `sink`; with `reuse`, pages whose key is unchanged and whose file
/// is in place are kept without rendering.
pub fn render(
    views: &Views,
    loaded: &Loaded,
    cat: &Catalogue,
    theme: &Theme,
    index: &search::Index,
    sink: &dyn Sink,
    reuse: Option<&PageCache>,
) -> Result<Rendered, BuildError> {
    let _span = info_span!("render").entered();
    let jobs = pages::jobs(views, &loaded.content);
    let signatures = jobs
        .iter()
        .map(|j| (j.path.clone(), j.signature()))
        .collect();
    let mut keys = page_cache::keys(&jobs, views);
    let todo: Vec<&pages::Job> = (jobs.iter())
        .filter(|j| !kept(reuse, sink, &j.path, keys[&j.path]))
        .collect();
    render::render_into(&todo, views, theme, sink)?;
    let pages = jobs.iter().map(|j| &j.path);
    let mut paths = render::render_rest(pages, cat, views, theme, sink)?;
    // The search index's shards are kept like pages: a shard's key is a fingerprint of its rows.
    let mut shards = Vec::new();
    for (n, (path, key)) in index.keys().enumerate() {
        if !kept(reuse, sink, &path, key) {
            shards.push(n);
        }
        keys.insert(path.clone(), key);
        paths.insert(path);
    }
    index.put(sink, &shards)?;
    Ok(Rendered {
        signatures,
        keys,
        paths,
        images: Vec::new(),
        rendered: todo.len(),
    })
}

/// Whether the file at `path` is kept from the last build as it is: its key is the one the
/// page cache has and the file is in place.
fn kept(reuse: Option<&PageCache>, sink: &dyn Sink, path: &str, key: u64) -> bool {
    match reuse {
        Some(cache) if cache.fresh(path, key) && sink.has(path) => {
            sink.keep(path);
            true
        }
        _ => false,
    }
}

/// Editors' images under `content/images/` are published as they are.
pub fn images(root: &Path, sink: &dyn Sink) -> Result<Vec<String>, BuildError> {
    let _span = info_span!("images").entered();
    let content = root.join("content");
    let mut paths = Vec::new();
    for e in walkdir::WalkDir::new(content.join("images"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        if let (Ok(rel), Ok(bytes)) = (e.path().strip_prefix(&content), std::fs::read(e.path())) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            render::put(sink, &rel, bytes)?;
            paths.push(rel);
        }
    }
    Ok(paths)
}

/// Loads, validates, reads the store and renders the site in memory; writes nothing.
pub fn build_site(opts: &BuildOptions, source: &dyn DataSource) -> Result<Site, BuildError> {
    build_with_state(opts, source).map(|(site, _)| site)
}

/// A build in memory that also returns what later edits start from ([`State::update`]).
pub fn build_with_state(
    opts: &BuildOptions,
    source: &dyn DataSource,
) -> Result<(Site, State), BuildError> {
    let sink = MemorySink::default();
    let (state, _) = recipe(opts, source, &sink, None)?;
    Ok((sink.into_site(), state))
}

/// A finished build: how many pages and files the site has, and what was written.
pub struct Built {
    pub pages: usize,
    pub files: usize,
    /// Pages rendered; the others were kept from the last build.
    pub rendered: usize,
    pub stats: WriteStats,
    pub elapsed: Duration,
    /// Nothing that the site is made from changed since the last build into the same folder.
    pub unchanged: bool,
}

/// The whole recipe, written into `out` as it renders; see [`output`] for what a killed
/// build leaves.
pub fn build(
    opts: &BuildOptions,
    source: &dyn DataSource,
    out: &Path,
) -> Result<Built, BuildError> {
    let started = Instant::now();
    let print = source
        .fingerprint()
        .map(|f| fingerprint::of_inputs(&opts.root, opts.today, f));
    if let Some((pages, files)) = print.and_then(|p| fingerprint::matches(out, p)) {
        return Ok(Built {
            pages,
            files,
            rendered: 0,
            stats: WriteStats::default(),
            elapsed: started.elapsed(),
            unchanged: true,
        });
    }
    fingerprint::forget(out);
    let failed = |source| BuildError::Write {
        out: out.to_path_buf(),
        source,
    };
    let writer = Writer::open(out).map_err(failed)?;
    let header = page_cache::header(&opts.root);
    let cache = PageCache::load(out, header);
    let memo = info_span!("memo").in_scope(|| Memo::load(out));
    let m = make(opts, source, Some(memo))?;
    let mut rendered = render(
        &m.views,
        &m.loaded,
        &m.cat,
        &m.theme,
        &m.index,
        &writer,
        cache.as_ref(),
    )?;
    rendered.images = images(&opts.root, &writer)?;
    let stats = write(out, writer, cache).map_err(failed)?;
    let files = rendered.paths.len() + rendered.images.len();
    let pages = rendered
        .paths
        .iter()
        .filter(|p| p.ends_with(".html"))
        .count();
    PageCache::save(out, header, &rendered);
    save_memo(out, &m);
    if let Some(p) = print {
        fingerprint::remember(out, p, pages, files);
    }
    Ok(Built {
        pages,
        files,
        rendered: rendered.rendered,
        stats,
        elapsed: started.elapsed(),
        unchanged: false,
    })
}

/// Writes the memo again if it fell behind ([`memo`]).
fn save_memo(out: &Path, m: &Made) {
    let Some(seen) = m.seen.as_ref().filter(|_| m.fresh.stale()) else {
        return;
    };
    info_span!("memo").in_scope(|| {
        memo::save(
            out,
            &memo::Sources {
                loaded: &m.loaded,
                seen,
                views: &m.views,
                index: &m.index,
                store: m.data.read_at.is_some(),
            },
        )
    });
}

/// The write step: the staged files move into place. The page cache is dropped first, so a
/// build killed while moving is never taken as the last build's pages.
fn write(out: &Path, writer: Writer, cache: Option<PageCache>) -> std::io::Result<WriteStats> {
    let _span = info_span!("write").entered();
    PageCache::forget(out);
    writer.finish(cache.map(PageCache::into_files))
}
