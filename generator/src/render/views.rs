//! View models: the loaded content turned once into what templates show (titles, URLs, labels
//! in Chinese), so templates hold no logic and every page shares the same work.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Weekday};
use diandan_functions::catalogue::{Catalogue, SlotKind, WindowState};
use serde::Serialize;

use super::live::StoreData;
use super::markdown::Made;
use super::{items, slots};
use crate::content::model::{Content, TownshipKind};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteView {
    pub title: String,
    pub short_title: String,
    pub description: String,
    pub organiser: String,
    pub contact: String,
    pub address: String,
    pub base_url: String,
    pub api_url: String,
    pub language: String,
    pub threshold: i64,
    pub menu: Vec<Link>,
    /// The forms that ask for a text-message code (`site.yaml`'s `verify`).
    pub verify: Vec<String>,
    #[serde(skip)]
    pub page_size: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TownshipView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub url: String,
    pub venues: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramView {
    pub id: String,
    pub url: String,
    pub title: String,
    pub category: String,
    pub category_url: String,
    pub troupe: String,
    pub duration_minutes: i64,
    pub audience: String,
    pub tags: Vec<String>,
    pub orderable: bool,
    /// Open orders when the site was built (the page's script keeps it live).
    pub orders: u32,
    pub summary: String,
    pub html: String,
}

/// A program as lists, the home page and "related" links show it: everything but the body's
/// HTML, so editing a program's text further down re-renders its own page and no other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramCard<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub title: &'a str,
    pub category: &'a str,
    pub category_url: &'a str,
    pub troupe: &'a str,
    pub duration_minutes: i64,
    pub audience: &'a str,
    pub tags: &'a [String],
    pub orderable: bool,
    pub orders: u32,
    pub summary: &'a str,
}

impl ProgramView {
    pub fn card(&self) -> ProgramCard<'_> {
        ProgramCard {
            id: &self.id,
            url: &self.url,
            title: &self.title,
            category: &self.category,
            category_url: &self.category_url,
            troupe: &self.troupe,
            duration_minutes: self.duration_minutes,
            audience: &self.audience,
            tags: &self.tags,
            orderable: self.orderable,
            orders: self.orders,
            summary: &self.summary,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LecturerView {
    pub id: String,
    pub url: String,
    pub name: String,
    pub title: String,
    pub topics: Vec<String>,
    pub threshold: i64,
    pub township: Option<Link>,
    pub nominations: u32,
    pub reached: bool,
    /// Progress to the threshold, 0–100, for the progress bar.
    pub percent: u32,
    pub summary: String,
    pub html: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseView {
    pub id: String,
    pub url: String,
    pub title: String,
    pub category: String,
    pub teacher: Option<Link>,
    pub age_min: i64,
    pub age_max: i64,
    pub capacity: i64,
    pub waitlist: i64,
    pub venue: String,
    pub sessions: Vec<String>,
    pub opens: String,
    pub closes: String,
    pub state: WindowState,
    pub state_label: &'static str,
    pub confirmed: u32,
    pub places_left: u32,
    pub waitlisted: u32,
    pub summary: String,
    pub html: String,
    pub max_per_guardian: i64,
    /// Set for a lottery course.
    pub lottery: Option<super::lottery::LotteryView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotView {
    pub id: String,
    pub kind: SlotKind,
    pub kind_label: &'static str,
    pub date: NaiveDate,
    pub date_label: String,
    pub month: String,
    pub time: String,
    pub township: Link,
    pub township_id: String,
    pub venue: String,
    /// The program or lecturer, when pinned or planned.
    pub what: Option<Link>,
    /// Why the planner or staff chose it, when they did.
    pub reason: Option<String>,
    pub past: bool,
    /// Residents' ratings, for past slots that have any.
    pub rating: Option<RatingView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingView {
    pub average: f64,
    pub count: u32,
}

/// An answered wish on the wish wall: never a phone, the name masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WishView {
    pub id: i64,
    pub text: String,
    pub township: Link,
    pub name: Option<String>,
    pub reply: String,
    pub asked_on: String,
    pub replied_on: String,
    pub replied_on_iso: String,
}

/// Everything the templates draw from, computed once per build.
#[derive(Debug, Clone, Serialize)]
pub struct Views {
    pub site: SiteView,
    pub today: NaiveDate,
    pub townships: Vec<TownshipView>,
    pub programs: Vec<ProgramView>,
    pub lecturers: Vec<LecturerView>,
    pub courses: Vec<CourseView>,
    /// All slots in date order.
    pub slots: Vec<SlotView>,
    /// Answered wishes, newest reply first.
    pub wishes: Vec<WishView>,
    #[serde(skip)]
    pub index: Index,
    /// The open data (`/data/`), made last from everything above.
    #[serde(skip)]
    pub open: super::data::OpenData,
}

pub fn weekday_label(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "周一",
        Weekday::Tue => "周二",
        Weekday::Wed => "周三",
        Weekday::Thu => "周四",
        Weekday::Fri => "周五",
        Weekday::Sat => "周六",
        Weekday::Sun => "周日",
    }
}

/// `2026年12月12日（周六）`: how dates read on posters.
pub fn date_label(d: NaiveDate) -> String {
    format!(
        "{}年{}月{}日（{}）",
        d.year(),
        d.month(),
        d.day(),
        weekday_label(d)
    )
}

/// Category pages live under their Chinese name; hrefs percent-encode it.
pub fn category_url(category: &str) -> String {
    format!("/programs/category/{}/", url_path(category.trim()))
}

fn township_kind(k: TownshipKind) -> &'static str {
    match k {
        TownshipKind::Town => "镇",
        TownshipKind::Township => "乡",
        TownshipKind::Subdistrict => "街道",
    }
}

impl Views {
    /// Computes every view once, in one pass: items in the order they refer to each other
    /// (programs and townships, then lecturers, courses, slots and wishes), the index of ids
    /// made once from the content. `cat` is the content's catalogue; `data` what the store
    /// knows; `made` bodies an earlier build rendered ([`Made::default`]: none).
    pub fn new(
        c: &Content,
        cat: &Catalogue,
        data: &StoreData,
        today: NaiveDate,
        made: &Made,
    ) -> Views {
        let mut v = Views {
            site: site_view(c),
            today,
            townships: c.townships.iter().map(township_view).collect(),
            programs: items::programs(c, data, made),
            lecturers: Vec::new(),
            courses: Vec::new(),
            slots: Vec::new(),
            wishes: Vec::new(),
            index: Index::of(c),
            open: Default::default(),
        };
        v.lecturers = items::lecturers(c, &v, data, made);
        v.courses = items::courses(c, &v, data, today, made);
        v.slots = slots::slot_views(cat, &v, data, today);
        v.wishes = slots::wish_views(&v, data);
        v.open = super::data::OpenData::new(c, &v, data);
        v
    }

    pub fn township_link(&self, id: &str) -> Link {
        match self
            .index
            .townships
            .get(id)
            .and_then(|&i| self.townships.get(i))
        {
            Some(t) => Link {
                title: t.name.clone(),
                url: t.url.clone(),
            },
            None => Link {
                title: id.to_owned(),
                url: "/townships/".into(),
            },
        }
    }

    pub fn program_link(&self, id: &str) -> Option<Link> {
        let p = self.programs.get(*self.index.programs.get(id)?)?;
        Some(Link {
            title: p.title.clone(),
            url: p.url.clone(),
        })
    }

    pub fn lecturer_link(&self, id: &str) -> Option<Link> {
        let l = self.lecturers.get(*self.index.lecturers.get(id)?)?;
        Some(Link {
            title: l.name.clone(),
            url: l.url.clone(),
        })
    }

    /// Programs grouped by category, in the order categories first appear.
    pub fn categories(&self) -> Vec<(String, Vec<&ProgramView>)> {
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<&str, Vec<&ProgramView>> = HashMap::new();
        for p in &self.programs {
            let group = groups.entry(p.category.as_str()).or_default();
            if group.is_empty() {
                order.push(p.category.clone());
            }
            group.push(p);
        }
        order
            .into_iter()
            .map(|c| {
                let g = groups.remove(c.as_str()).unwrap_or_default();
                (c, g)
            })
            .collect()
    }
}

/// Positions by id, so lookups stay O(1) on catalogues of thousands of items.
#[derive(Debug, Clone, Default)]
pub struct Index {
    townships: HashMap<String, usize>,
    programs: HashMap<String, usize>,
    lecturers: HashMap<String, usize>,
}

impl Index {
    /// Positions of the content's items: the views keep the content's order. Lookups of a kind
    /// not made yet find nothing.
    pub(super) fn of(c: &Content) -> Index {
        fn pos<'a>(ids: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
            ids.enumerate().map(|(i, id)| (id.to_owned(), i)).collect()
        }
        Index {
            townships: pos(c.townships.iter().map(|t| t.meta.id.as_str())),
            programs: pos(c.programs.iter().map(|p| p.id.as_str())),
            lecturers: pos(c.lecturers.iter().map(|l| l.id.as_str())),
        }
    }
}

pub(super) fn township_view(t: &crate::content::model::Township) -> TownshipView {
    TownshipView {
        id: t.meta.id.to_string(),
        name: t.meta.name.clone(),
        kind: township_kind(t.meta.kind),
        url: format!("/townships/{}/", t.meta.id),
        venues: t.meta.venues.clone(),
    }
}

pub(super) fn site_view(c: &Content) -> SiteView {
    let s = &c.site;
    let mut pages: Vec<_> = c
        .pages
        .iter()
        .filter_map(|p| p.meta.menu.map(|m| (m, p)))
        .collect();
    pages.sort_by_key(|(m, p)| (*m, p.id.clone()));
    SiteView {
        title: s.title.clone(),
        short_title: s.short_title.clone(),
        description: s.description.clone(),
        organiser: s.organiser.clone(),
        contact: s.contact.clone(),
        address: s.address.clone(),
        base_url: s.base_url.trim_end_matches('/').to_owned(),
        api_url: s.api_url.trim_end_matches('/').to_owned(),
        language: s.language.clone(),
        threshold: s.nomination_threshold,
        verify: s.verify.clone(),
        page_size: usize::try_from(s.page_size).unwrap_or(20),
        menu: pages
            .into_iter()
            .map(|(_, p)| Link {
                title: p.meta.title.clone(),
                url: format!("/{}/", p.id),
            })
            .collect(),
    }
}

/// Percent-encodes the non-ASCII parts of a site path (for the sitemap's `<loc>`).
pub fn url_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-/._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_on_posters() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        assert_eq!(date_label(d), "2026年12月12日（周六）");
    }

    #[test]
    fn category_urls_are_encoded() {
        assert_eq!(
            category_url("闽剧"),
            "/programs/category/%E9%97%BD%E5%89%A7/"
        );
    }
}
