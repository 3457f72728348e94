//! Rendering: views → pages (in parallel, templates compiled once) plus the machine-readable
//! files (sitemap, robots, catalogue.json) and the theme's assets, each file handed to a
//! [`Sink`] as soon as it is made. The pages are the jobs of [`pages::jobs`]; every other file
//! comes from a producer listed in [`data_files`].

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

pub mod catalogue;
pub mod data;
pub mod delta;
pub mod feeds;
pub mod items;
pub mod live;
pub mod lottery;
pub mod markdown;
pub mod pages;
pub mod slots;
pub mod theme;
pub mod views;

pub use theme::Theme;
pub use views::Views;

/// The whole site in memory: path inside the output folder → bytes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Site {
    pub fn pages(&self) -> usize {
        self.files.keys().filter(|k| k.ends_with(".html")).count()
    }
}

/// Where rendered files go as soon as each is made: the output folder (`output::Writer`) or
/// memory ([`MemorySink`]). Rendering never holds the whole site's bytes itself.
pub trait Sink: Sync {
    fn put(&self, path: &str, bytes: Vec<u8>) -> std::io::Result<()>;

    /// Whether the file is already in the sink from an earlier build.
    fn has(&self, _path: &str) -> bool {
        false
    }

    /// Keeps a file from an earlier build as it is (only after [`Sink::has`] said it is there).
    fn keep(&self, _path: &str) {}
}

/// Collects the site in memory (`serve`, tests).
#[derive(Debug, Default)]
pub struct MemorySink(std::sync::Mutex<BTreeMap<String, Vec<u8>>>);

impl MemorySink {
    pub fn into_site(self) -> Site {
        let files = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        Site { files }
    }
}

impl Sink for MemorySink {
    fn put(&self, path: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        let mut files = self.0.lock().unwrap_or_else(|e| e.into_inner());
        files.insert(path.to_owned(), bytes);
        Ok(())
    }
}

/// A page's template failed (named, so a theme editor knows where to look), or its file could
/// not be written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("rendering {path} with {template} failed: {message}")]
    Template {
        path: String,
        template: String,
        message: String,
    },
    #[error("writing {path} failed")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Sends one file to the sink.
pub fn put(sink: &dyn Sink, path: &str, bytes: Vec<u8>) -> Result<(), RenderError> {
    sink.put(path, bytes).map_err(|source| RenderError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Renders `jobs` and every other file of the site into `sink`; see [`render_rest`]. Returns
/// the paths of every file it made.
pub fn render_all(
    jobs: &[&pages::Job<'_>],
    cat: &diandan_functions::catalogue::Catalogue,
    views: &Views,
    theme: &Theme,
    sink: &dyn Sink,
) -> Result<BTreeSet<String>, RenderError> {
    render_into(jobs, views, theme, sink)?;
    render_rest(jobs.iter().map(|j| &j.path), cat, views, theme, sink)
}

/// Every file besides the pages: the theme's assets, the [`data_files`], and the sitemap of
/// every page (`pages`, all of the site's, rendered or kept). Returns every file's path, the
/// pages' included.
pub fn render_rest<'a>(
    pages: impl Iterator<Item = &'a String>,
    cat: &diandan_functions::catalogue::Catalogue,
    views: &Views,
    theme: &Theme,
    sink: &dyn Sink,
) -> Result<BTreeSet<String>, RenderError> {
    let mut paths: BTreeSet<String> = pages.cloned().collect();
    let assets = theme.assets.iter().map(|(p, b)| (p.clone(), b.clone()));
    for (path, bytes) in assets.chain(data_files(views, cat)) {
        put(sink, &path, bytes)?;
        paths.insert(path);
    }
    let sitemap = sitemap(views, paths.iter());
    put(sink, "sitemap.xml", sitemap.into_bytes())?;
    paths.insert("sitemap.xml".into());
    Ok(paths)
}

/// Renders the given pages in parallel, each sent to `sink` as soon as it is made.
pub fn render_into(
    jobs: &[&pages::Job<'_>],
    views: &Views,
    theme: &Theme,
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    let base = base_context(views);
    jobs.par_iter()
        .try_for_each(|job| put(sink, &job.path, render_one(job, &base, theme)?))
}

fn base_context(views: &Views) -> serde_json::Value {
    serde_json::json!({"site": views.site, "today": views.today, "townships": views.townships})
}

fn render_one(
    job: &pages::Job<'_>,
    base: &serde_json::Value,
    theme: &Theme,
) -> Result<Vec<u8>, RenderError> {
    let mut ctx = tera::Context::from_value(base.clone()).map_err(|e| err(job, &e))?;
    ctx.extend(tera::Context::from_value((job.ctx)()).map_err(|e| err(job, &e))?);
    let html = theme
        .tera
        .render(job.template, &ctx)
        .map_err(|e| err(job, &e))?;
    Ok(html.into_bytes())
}

/// Renders the given pages in parallel, into memory (an edit's few pages).
pub fn render_jobs(
    jobs: Vec<&pages::Job<'_>>,
    views: &Views,
    theme: &Theme,
) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let base = base_context(views);
    jobs.into_par_iter()
        .map(|job| Ok((job.path.clone(), render_one(job, &base, theme)?)))
        .collect()
}

/// The machine-readable files besides the sitemap: `catalogue.json`, the calendars, the
/// Atom feed and `robots.txt`. All are small next to the pages, so they are always remade.
pub fn data_files(
    views: &Views,
    cat: &diandan_functions::catalogue::Catalogue,
) -> Vec<(String, Vec<u8>)> {
    let mut files = feed_files(views);
    files.push(("catalogue.json".into(), cat.to_json().into_bytes()));
    let lotteries =
        (views.courses.iter()).filter_map(|k| k.lottery.as_ref().map(|l| (k.id.as_str(), l)));
    files.extend(lottery::files(lotteries));
    files.push(("robots.txt".into(), robots(views).into_bytes()));
    files.extend(data::files(views));
    files
}

/// The county calendar, one per township, and the Atom feed.
pub fn feed_files(views: &Views) -> Vec<(String, Vec<u8>)> {
    let mut files = BTreeMap::new();
    add_feeds(views, &mut files);
    files.into_iter().collect()
}

fn err(job: &pages::Job, e: &dyn std::error::Error) -> RenderError {
    RenderError::Template {
        path: job.path.clone(),
        template: job.template.to_owned(),
        message: theme::chain(e),
    }
}

/// The county calendar, one per township, and the Atom feed.
fn add_feeds(v: &Views, files: &mut BTreeMap<String, Vec<u8>>) {
    let county = format!("{} 演出与讲座", v.site.title);
    files.insert(
        "calendar/all.ics".into(),
        feeds::ics(v, &county, v.slots.iter()).into_bytes(),
    );
    for t in &v.townships {
        let name = format!("{} · {}", t.name, v.site.short_title);
        let ics = feeds::ics(v, &name, v.slots.iter().filter(|s| s.township_id == t.id));
        files.insert(format!("townships/{}/calendar.ics", t.id), ics.into_bytes());
    }
    files.insert("feed.xml".into(), feeds::atom(v).into_bytes());
}

fn robots(v: &Views) -> String {
    format!(
        "User-agent: *\nDisallow: /api/\nSitemap: {}/sitemap.xml\n",
        v.site.base_url
    )
}

/// Lists every HTML page except the 404 page; `paths` are the site's files in order.
pub fn sitemap<'a>(v: &Views, paths: impl Iterator<Item = &'a String>) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for path in paths.filter(|p| p.ends_with("index.html")) {
        let url = path.trim_end_matches("index.html");
        let url = views::url_path(url);
        xml.push_str(&format!(
            "  <url><loc>{}/{url}</loc></url>\n",
            v.site.base_url
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}
