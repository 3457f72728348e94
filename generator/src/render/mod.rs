//! Rendering: views → pages (in parallel, templates compiled once) plus the machine-readable
//! files (sitemap, robots, catalogue.json) and the theme's assets, all held in memory.

use std::collections::BTreeMap;

use rayon::prelude::*;

pub mod catalogue;
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

/// A page's template failed; names the page so a theme editor knows where to look.
#[derive(Debug, thiserror::Error)]
#[error("rendering {path} with {template} failed: {message}")]
pub struct RenderError {
    pub path: String,
    pub template: String,
    pub message: String,
}

/// Renders every page (all of the site's jobs) and file of the site.
pub fn render_all(
    jobs: &[pages::Job<'_>],
    cat: &diandan_functions::catalogue::Catalogue,
    views: &Views,
    theme: &Theme,
) -> Result<Site, RenderError> {
    let mut files: BTreeMap<String, Vec<u8>> = render_jobs(jobs.iter().collect(), views, theme)?
        .into_iter()
        .collect();
    for (path, bytes) in &theme.assets {
        files.insert(path.clone(), bytes.clone());
    }
    files.extend(data_files(views, cat));
    let sitemap = sitemap(views, files.keys());
    files.insert("sitemap.xml".into(), sitemap.into_bytes());
    Ok(Site { files })
}

/// Renders the given pages in parallel.
pub fn render_jobs(
    jobs: Vec<&pages::Job<'_>>,
    views: &Views,
    theme: &Theme,
) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let base =
        serde_json::json!({"site": views.site, "today": views.today, "townships": views.townships});
    jobs.into_par_iter()
        .map(|job| {
            let mut ctx = tera::Context::from_value(base.clone()).map_err(|e| err(job, &e))?;
            ctx.extend(tera::Context::from_value((job.ctx)()).map_err(|e| err(job, &e))?);
            let html = theme
                .tera
                .render(job.template, &ctx)
                .map_err(|e| err(job, &e))?;
            Ok((job.path.clone(), html.into_bytes()))
        })
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
    files
}

/// The county calendar, one per township, and the Atom feed.
pub fn feed_files(views: &Views) -> Vec<(String, Vec<u8>)> {
    let mut files = BTreeMap::new();
    add_feeds(views, &mut files);
    files.into_iter().collect()
}

fn err(job: &pages::Job, e: &dyn std::error::Error) -> RenderError {
    RenderError {
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
