//! Which pages the site has: one job per output file, each a template and its context.

use diandan_functions::catalogue::{SlotKind, WindowState};
use serde::Serialize;
use serde_json::{json, Value};

use super::markdown;
use super::views::{Link, SlotView, Views};
use crate::content::model::Content;

/// One page to render: where it goes, with which template, and how to make its data. The
/// data is made only when the page renders, so a large catalogue never holds every page's
/// context at once.
pub struct Job<'a> {
    pub path: String,
    pub template: &'static str,
    pub ctx: Box<dyn Fn() -> Value + Send + Sync + 'a>,
}

fn job<'a>(
    path: String,
    template: &'static str,
    ctx: impl Fn() -> Value + Send + Sync + 'a,
) -> Job<'a> {
    Job {
        path,
        template,
        ctx: Box::new(ctx),
    }
}

/// A job whose data is already small.
fn ready<'a>(path: String, template: &'static str, ctx: Value) -> Job<'a> {
    job(path, template, move || ctx.clone())
}

/// Every page of the site.
pub fn jobs<'a>(v: &'a Views, c: &'a Content) -> Vec<Job<'a>> {
    let mut out = vec![home(v, c)];
    out.extend(program_lists(v));
    out.extend(program_pages(v));
    out.push(job(
        "lecturers/index.html".into(),
        "lecturers.html",
        move || json!({"section": "lecturers", "lecturers": v.lecturers}),
    ));
    out.extend(v.lecturers.iter().map(|l| {
        let forums: Vec<&SlotView> = v
            .slots
            .iter()
            .filter(|s| s.what.as_ref().is_some_and(|w| w.url == l.url))
            .collect();
        job(
            format!("lecturers/{}/index.html", l.id),
            "lecturer.html",
            move || json!({"section": "lecturers", "lecturer": l, "forums": forums}),
        )
    }));
    out.push(job(
        "courses/index.html".into(),
        "courses.html",
        move || json!({"section": "courses", "courses": v.courses}),
    ));
    out.extend(v.courses.iter().map(|k| {
        job(
            format!("courses/{}/index.html", k.id),
            "course.html",
            move || json!({"section": "courses", "course": k}),
        )
    }));
    out.extend(township_pages(v));
    out.extend(calendar_pages(v));
    out.extend(c.pages.iter().map(|p| {
        let html = markdown::to_html(&p.body, c.site.allow_raw_html);
        ready(
            format!("{}/index.html", p.id),
            "page.html",
            json!({"section": p.id.as_str(), "title": p.meta.title, "html": html}),
        )
    }));
    out.push(job(
        "wishes/index.html".into(),
        "wishes.html",
        move || json!({"section": "wishes", "wishes": v.wishes}),
    ));
    out.push(ready("404.html".into(), "404.html", json!({"section": ""})));
    out
}

/// A page per program, with up to three others of its category and the open stages.
fn program_pages(v: &Views) -> Vec<Job<'_>> {
    let groups: std::collections::HashMap<String, Vec<&super::views::ProgramView>> =
        v.categories().into_iter().collect();
    let stages: Vec<_> = upcoming(v)
        .filter(|s| s.what.is_none() && s.kind == SlotKind::Stage)
        .take(5)
        .collect();
    v.programs
        .iter()
        .map(|p| {
            let related: Vec<&super::views::ProgramView> = groups.get(&p.category).into_iter().flatten().copied().filter(|o| o.id != p.id).take(3).collect();
            let stages = stages.clone();
            job(format!("programs/{}/index.html", p.id), "program.html", move || {
                json!({"section": "programs", "program": p, "related": related, "open_stages": stages})
            })
        })
        .collect()
}

fn upcoming(v: &Views) -> impl Iterator<Item = &SlotView> {
    v.slots.iter().filter(|s| !s.past)
}

fn home<'a>(v: &'a Views, c: &'a Content) -> Job<'a> {
    let slots: Vec<_> = upcoming(v).take(6).collect();
    // The editors' picks, else the first orderable programs.
    let picked: Vec<_> = c
        .site
        .featured
        .iter()
        .filter_map(|id| v.programs.iter().find(|p| p.id == id.as_str()))
        .collect();
    let featured: Vec<_> = if picked.is_empty() {
        v.programs.iter().filter(|p| p.orderable).take(6).collect()
    } else {
        picked
    };
    let open: Vec<_> = v
        .courses
        .iter()
        .filter(|k| k.state == WindowState::Open)
        .collect();
    job(
        "index.html".into(),
        "index.html",
        move || json!({"section": "home", "upcoming": slots, "featured": featured, "open_courses": open}),
    )
}

#[derive(Serialize)]
struct Pager {
    current: usize,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
}

fn list_url(base: &str, page: usize) -> String {
    if page == 1 {
        base.to_owned()
    } else {
        format!("{base}page/{page}/")
    }
}

fn program_lists(v: &Views) -> Vec<Job<'_>> {
    let categories = v.categories();
    let chips: Vec<Value> = categories
        .iter()
        .map(|(name, ps)| json!({"title": name, "url": super::views::category_url(name), "count": ps.len()}))
        .collect();
    let all: Vec<_> = v.programs.iter().collect();
    let size = v.site.page_size.max(1);
    let mut out = paginate(&all, "/programs/", size, None, &chips);
    for (name, ps) in &categories {
        let dir = format!("/programs/category/{}/", name.trim());
        out.extend(paginate(ps, &dir, size, Some(name), &chips));
    }
    out
}

fn paginate<'a>(
    items: &[&'a super::views::ProgramView],
    base: &str,
    size: usize,
    category: Option<&String>,
    chips: &[Value],
) -> Vec<Job<'a>> {
    let mut chunks: Vec<&[&super::views::ProgramView]> = items.chunks(size).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    let total = chunks.len();
    let url_base = match category {
        Some(c) => super::views::category_url(c),
        None => base.to_owned(),
    };
    (1..=total)
        .zip(chunks)
        .map(|(n, chunk)| {
            let pager = Pager {
                current: n,
                total,
                prev: (n > 1).then(|| list_url(&url_base, n - 1)),
                next: (n < total).then(|| list_url(&url_base, n + 1)),
            };
            let path = format!("{}index.html", list_url(base, n).trim_start_matches('/'));
            let (chunk, chips, category) = (chunk.to_vec(), chips.to_vec(), category.cloned());
            job(path, "programs.html", move || {
                json!({"section": "programs", "programs": chunk, "pager": pager, "category": category, "categories": chips})
            })
        })
        .collect()
}

fn township_pages(v: &Views) -> Vec<Job<'_>> {
    let mut out = vec![ready(
        "townships/index.html".into(),
        "townships.html",
        json!({"section": "townships", "townships": v.townships}),
    )];
    out.extend(v.townships.iter().map(|t| {
        let (past, coming): (Vec<_>, Vec<_>) = v
            .slots
            .iter()
            .filter(|s| s.township_id == t.id)
            .partition(|s| s.past);
        ready(
            format!("townships/{}/index.html", t.id),
            "township.html",
            json!({"section": "townships", "township": t, "upcoming": coming, "past": past}),
        )
    }));
    out
}

fn calendar_pages(v: &Views) -> Vec<Job<'_>> {
    let mut months: Vec<String> = v.slots.iter().map(|s| s.month.clone()).collect();
    months.dedup();
    let links: Vec<Link> = months
        .iter()
        .map(|m| Link {
            title: month_label(m),
            url: format!("/calendar/{m}/"),
        })
        .collect();
    let mut out = vec![ready(
        "calendar/index.html".into(),
        "calendar.html",
        json!({"section": "calendar", "months": links}),
    )];
    for (i, m) in months.iter().enumerate() {
        let slots: Vec<_> = v.slots.iter().filter(|s| &s.month == m).collect();
        let ctx = json!({
            "section": "calendar", "month": month_label(m), "slots": slots,
            "prev": i.checked_sub(1).map(|j| &links[j]), "next": links.get(i + 1),
        });
        out.push(ready(format!("calendar/{m}/index.html"), "month.html", ctx));
    }
    out
}

/// `2026-12` → `2026年12月`.
fn month_label(m: &str) -> String {
    let (y, mo) = m.split_once('-').unwrap_or((m, ""));
    format!("{y}年{}月", mo.trim_start_matches('0'))
}
