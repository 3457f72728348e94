//! Rendering: views → pages (in parallel, templates compiled once) plus the machine-readable
//! files (sitemap, robots, catalogue.json) and the theme's assets, all held in memory.

use std::collections::BTreeMap;

use rayon::prelude::*;

pub mod catalogue;
pub mod feeds;
pub mod items;
pub mod live;
pub mod markdown;
pub mod pages;
pub mod slots;
pub mod theme;
pub mod views;

use crate::content::model::Content;
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

/// Renders every page and file of the site.
pub fn render(
    content: &Content,
    cat: &diandan_functions::catalogue::Catalogue,
    views: &Views,
    theme: &Theme,
) -> Result<Site, RenderError> {
    let jobs = pages::jobs(views, content);
    let base =
        serde_json::json!({"site": views.site, "today": views.today, "townships": views.townships});
    let rendered: Result<Vec<(String, Vec<u8>)>, RenderError> = jobs
        .into_par_iter()
        .map(|job| {
            let mut ctx = tera::Context::from_value(base.clone()).map_err(|e| err(&job, &e))?;
            ctx.extend(tera::Context::from_value((job.ctx)()).map_err(|e| err(&job, &e))?);
            let html = theme
                .tera
                .render(job.template, &ctx)
                .map_err(|e| err(&job, &e))?;
            Ok((job.path, html.into_bytes()))
        })
        .collect();
    let mut files: BTreeMap<String, Vec<u8>> = rendered?.into_iter().collect();
    for (path, bytes) in &theme.assets {
        files.insert(path.clone(), bytes.clone());
    }
    files.insert("catalogue.json".into(), cat.to_json().into_bytes());
    add_feeds(views, &mut files);
    files.insert("robots.txt".into(), robots(views).into_bytes());
    let sitemap = sitemap(views, &files);
    files.insert("sitemap.xml".into(), sitemap.into_bytes());
    Ok(Site { files })
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

/// Lists every HTML page except the 404 page.
fn sitemap(v: &Views, files: &BTreeMap<String, Vec<u8>>) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for path in files.keys().filter(|p| p.ends_with("index.html")) {
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
