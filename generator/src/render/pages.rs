//! Which pages the site has: one job per output file, each a template and its context.

use diandan_functions::catalogue::{SlotKind, WindowState};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use serde::Serialize;
use serde_json::{json, Value};

use super::markdown;
use super::views::{Link, ProgramView, SlotView, Views};
use crate::content::model::Content;

/// One piece of the views a page shows. A page re-renders after an edit only when one of its
/// pieces changed or its [`Job::signature`] did, so every view a context reads must be listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dep<'a> {
    /// A program's whole view (its own page).
    Program(&'a str),
    /// A program's card: what lists and links show ([`super::views::ProgramCard`]).
    Card(&'a str),
    Lecturer(&'a str),
    Course(&'a str),
    Slot(&'a str),
    Wishes,
}

/// One page to render: where it goes, with which template, and how to make its data. The
/// data is made only when the page renders, so a large catalogue never holds every page's
/// context at once.
pub struct Job<'a> {
    pub path: String,
    pub template: &'static str,
    pub ctx: Box<dyn Fn() -> Value + Send + Sync + 'a>,
    /// The views the context is made from.
    pub deps: Vec<Dep<'a>>,
    /// A hash of everything else in the context (pager, chips, or a small context itself).
    pub shape: u64,
}

impl Job<'_> {
    /// Changes when the page's template, its list of pieces or the rest of its context does.
    pub fn signature(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (self.template, &self.deps, self.shape).hash(&mut h);
        h.finish()
    }
}

fn hash_of(value: &impl Serialize) -> u64 {
    let mut h = DefaultHasher::new();
    serde_json::to_string(value)
        .unwrap_or_default()
        .hash(&mut h);
    h.finish()
}

fn job<'a>(
    path: String,
    template: &'static str,
    deps: Vec<Dep<'a>>,
    ctx: impl Fn() -> Value + Send + Sync + 'a,
) -> Job<'a> {
    Job {
        path,
        template,
        ctx: Box::new(ctx),
        deps,
        shape: 0,
    }
}

/// A job whose data is already small: the data itself is its shape.
fn ready<'a>(path: String, template: &'static str, ctx: Value) -> Job<'a> {
    let shape = hash_of(&ctx);
    Job {
        shape,
        ..job(path, template, Vec::new(), move || ctx.clone())
    }
}

/// Every page of the site.
pub fn jobs<'a>(v: &'a Views, c: &'a Content) -> Vec<Job<'a>> {
    let mut out = vec![home(v, c)];
    out.extend(program_lists(v));
    out.extend(program_pages(v));
    out.extend(lecturer_pages(v));
    out.extend(course_pages(v));
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
        vec![Dep::Wishes],
        move || json!({"section": "wishes", "wishes": v.wishes}),
    ));
    out.push(ready("404.html".into(), "404.html", json!({"section": ""})));
    out.extend(super::data::jobs(v));
    out
}

/// The lecturers' list and a page per lecturer, with the forums they speak at.
fn lecturer_pages(v: &Views) -> Vec<Job<'_>> {
    let mut out = Vec::new();
    out.push(job(
        "lecturers/index.html".into(),
        "lecturers.html",
        v.lecturers.iter().map(|l| Dep::Lecturer(&l.id)).collect(),
        move || json!({"section": "lecturers", "lecturers": v.lecturers}),
    ));
    out.extend(v.lecturers.iter().map(|l| {
        let forums: Vec<&SlotView> = v
            .slots
            .iter()
            .filter(|s| s.what.as_ref().is_some_and(|w| w.url == l.url))
            .collect();
        let deps = std::iter::once(Dep::Lecturer(&l.id))
            .chain(forums.iter().map(|s| Dep::Slot(&s.id)))
            .collect();
        job(
            format!("lecturers/{}/index.html", l.id),
            "lecturer.html",
            deps,
            move || json!({"section": "lecturers", "lecturer": l, "forums": forums}),
        )
    }));
    out
}

/// The courses' list and a page per course.
fn course_pages(v: &Views) -> Vec<Job<'_>> {
    let mut out = Vec::new();
    out.push(job(
        "courses/index.html".into(),
        "courses.html",
        v.courses.iter().map(|k| Dep::Course(&k.id)).collect(),
        move || json!({"section": "courses", "courses": v.courses}),
    ));
    out.extend(v.courses.iter().map(|k| {
        job(
            format!("courses/{}/index.html", k.id),
            "course.html",
            vec![Dep::Course(&k.id)],
            move || json!({"section": "courses", "course": k}),
        )
    }));
    let drawn =
        (v.courses.iter()).filter(|k| k.lottery.as_ref().is_some_and(|l| l.drawn.is_some()));
    out.extend(drawn.map(|k| {
        job(
            format!("courses/{}/draw/index.html", k.id),
            "draw.html",
            vec![Dep::Course(&k.id)],
            move || json!({"section": "courses", "course": k}),
        )
    }));
    out
}

/// A page per program, with up to three others of its category and the open stages.
fn program_pages(v: &Views) -> Vec<Job<'_>> {
    let groups: std::collections::HashMap<String, Vec<&ProgramView>> =
        v.categories().into_iter().collect();
    let stages: Vec<_> = upcoming(v)
        .filter(|s| s.what.is_none() && s.kind == SlotKind::Stage)
        .take(5)
        .collect();
    v.programs
        .iter()
        .map(|p| {
            let related: Vec<&ProgramView> = groups.get(&p.category).into_iter().flatten().copied().filter(|o| o.id != p.id).take(3).collect();
            let deps = std::iter::once(Dep::Program(&p.id))
                .chain(related.iter().map(|r| Dep::Card(&r.id)))
                .chain(stages.iter().map(|s| Dep::Slot(&s.id)))
                .collect();
            let stages = stages.clone();
            job(format!("programs/{}/index.html", p.id), "program.html", deps, move || {
                let related: Vec<_> = related.iter().map(|r| r.card()).collect();
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
    let deps = (slots.iter().map(|s| Dep::Slot(&s.id)))
        .chain(featured.iter().map(|p| Dep::Card(&p.id)))
        .chain(open.iter().map(|k| Dep::Course(&k.id)))
        .collect();
    job("index.html".into(), "index.html", deps, move || {
        let featured: Vec<_> = featured.iter().map(|p| p.card()).collect();
        json!({"section": "home", "upcoming": slots, "featured": featured, "open_courses": open})
    })
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
    items: &[&'a ProgramView],
    base: &str,
    size: usize,
    category: Option<&String>,
    chips: &[Value],
) -> Vec<Job<'a>> {
    let mut chunks: Vec<&[&ProgramView]> = items.chunks(size).collect();
    let chips_shape = hash_of(&chips);
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
            let shape = hash_of(&(chips_shape, &pager, category));
            let deps = chunk.iter().map(|p| Dep::Card(&p.id)).collect();
            let (chunk, chips, category) = (chunk.to_vec(), chips.to_vec(), category.cloned());
            let job = job(path, "programs.html", deps, move || {
                let programs: Vec<_> = chunk.iter().map(|p| p.card()).collect();
                json!({"section": "programs", "programs": programs, "pager": pager, "category": category, "categories": chips})
            });
            Job { shape, ..job }
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
