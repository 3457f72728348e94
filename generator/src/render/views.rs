//! View models: the loaded content turned once into what templates show (titles, URLs, labels
//! in Chinese), so templates hold no logic and every page shares the same work.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use diandan_functions::catalogue::{SlotFacts, SlotKind, WindowState};
use serde::Serialize;

use super::markdown;
use crate::content::model::{Content, Pick, TownshipKind};
use crate::content::validate::parse_session;

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
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
}

#[derive(Debug, Clone, Serialize)]
pub struct TownshipView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub url: String,
    pub venues: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
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
    pub summary: String,
    pub html: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LecturerView {
    pub id: String,
    pub url: String,
    pub name: String,
    pub title: String,
    pub topics: Vec<String>,
    pub threshold: i64,
    pub township: Option<Link>,
    pub summary: String,
    pub html: String,
}

#[derive(Debug, Clone, Serialize)]
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
    pub summary: String,
    pub html: String,
}

#[derive(Debug, Clone, Serialize)]
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
    /// The program or lecturer, when pinned (or, later, planned).
    pub what: Option<Link>,
    pub past: bool,
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
    pub fn new(c: &Content, today: NaiveDate) -> Views {
        let raw = c.site.allow_raw_html;
        let townships: Vec<TownshipView> = c
            .townships
            .iter()
            .map(|t| TownshipView {
                id: t.meta.id.to_string(),
                name: t.meta.name.clone(),
                kind: township_kind(t.meta.kind),
                url: format!("/townships/{}/", t.meta.id),
                venues: t.meta.venues.clone(),
            })
            .collect();
        let programs = c
            .programs
            .iter()
            .map(|p| ProgramView {
                id: p.id.to_string(),
                url: format!("/programs/{}/", p.id),
                title: p.meta.title.clone(),
                category: p.meta.category.clone(),
                category_url: category_url(&p.meta.category),
                troupe: p.meta.troupe.clone(),
                duration_minutes: p.meta.duration_minutes,
                audience: p.meta.audience.clone(),
                tags: p.meta.tags.clone(),
                orderable: p.meta.orderable,
                summary: markdown::summary(&p.body, 70),
                html: markdown::to_html(&p.body, raw),
            })
            .collect();
        let mut v = Views {
            site: site_view(c),
            today,
            townships,
            programs,
            lecturers: Vec::new(),
            courses: Vec::new(),
            slots: Vec::new(),
        };
        v.lecturers = lecturer_views(c, &v);
        v.courses = course_views(c, &v, today);
        v.slots = slot_views(c, &v, today);
        v
    }

    pub fn township_link(&self, id: &str) -> Link {
        self.townships.iter().find(|t| t.id == id).map_or_else(
            || Link {
                title: id.to_owned(),
                url: "/townships/".into(),
            },
            |t| Link {
                title: t.name.clone(),
                url: t.url.clone(),
            },
        )
    }

    fn program_link(&self, id: &str) -> Option<Link> {
        self.programs.iter().find(|p| p.id == id).map(|p| Link {
            title: p.title.clone(),
            url: p.url.clone(),
        })
    }

    fn lecturer_link(&self, id: &str) -> Option<Link> {
        self.lecturers.iter().find(|l| l.id == id).map(|l| Link {
            title: l.name.clone(),
            url: l.url.clone(),
        })
    }

    /// Programs grouped by category, in the order categories first appear.
    pub fn categories(&self) -> Vec<(String, Vec<&ProgramView>)> {
        let mut order: Vec<String> = Vec::new();
        let mut groups: BTreeMap<String, Vec<&ProgramView>> = BTreeMap::new();
        for p in &self.programs {
            if !groups.contains_key(&p.category) {
                order.push(p.category.clone());
            }
            groups.entry(p.category.clone()).or_default().push(p);
        }
        order
            .into_iter()
            .map(|c| {
                let g = groups.remove(&c).unwrap_or_default();
                (c, g)
            })
            .collect()
    }
}

fn site_view(c: &Content) -> SiteView {
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
        menu: pages
            .into_iter()
            .map(|(_, p)| Link {
                title: p.meta.title.clone(),
                url: format!("/{}/", p.id),
            })
            .collect(),
    }
}

fn lecturer_views(c: &Content, v: &Views) -> Vec<LecturerView> {
    c.lecturers
        .iter()
        .map(|l| LecturerView {
            id: l.id.to_string(),
            url: format!("/lecturers/{}/", l.id),
            name: l.meta.name.clone(),
            title: l.meta.title.clone(),
            topics: l.meta.topics.clone(),
            threshold: l.meta.threshold.unwrap_or(c.site.nomination_threshold),
            township: l
                .meta
                .township
                .as_ref()
                .map(|t| v.township_link(t.as_str())),
            summary: markdown::summary(&l.body, 70),
            html: markdown::to_html(&l.body, c.site.allow_raw_html),
        })
        .collect()
}

fn course_views(c: &Content, v: &Views, today: NaiveDate) -> Vec<CourseView> {
    c.courses
        .iter()
        .map(|k| {
            let m = &k.meta;
            let window = diandan_functions::catalogue::Window {
                opens: m.registration.opens,
                closes: m.registration.closes,
            };
            let state = window.state_on(today);
            let mut sessions: Vec<_> = m.sessions.iter().filter_map(|s| parse_session(s)).collect();
            sessions.sort();
            CourseView {
                id: k.id.to_string(),
                url: format!("/courses/{}/", k.id),
                title: m.title.clone(),
                category: m.category.clone(),
                teacher: v.lecturer_link(m.teacher.as_str()),
                age_min: m.ages[0],
                age_max: m.ages[1],
                capacity: m.capacity,
                waitlist: m.waitlist,
                venue: m.venue.clone(),
                sessions: sessions
                    .iter()
                    .map(|s| format!("{} {}", date_label(s.date_naive()), s.format("%H:%M")))
                    .collect(),
                opens: date_label(m.registration.opens),
                closes: date_label(m.registration.closes),
                state,
                state_label: match state {
                    WindowState::NotYetOpen => "报名尚未开始",
                    WindowState::Open => "正在报名",
                    WindowState::Closed => "报名已结束",
                },
                summary: markdown::summary(&k.body, 70),
                html: markdown::to_html(&k.body, c.site.allow_raw_html),
            }
        })
        .collect()
}

fn slot_views(c: &Content, v: &Views, today: NaiveDate) -> Vec<SlotView> {
    let mut out = Vec::new();
    for m in &c.months {
        for s in &m.meta.stages {
            let what = match &s.program {
                Pick::Pinned(p) => v.program_link(p.as_str()),
                Pick::Auto => None,
            };
            out.push(slot_view(
                v,
                SlotKind::Stage,
                &s.township,
                s.date,
                &s.time,
                &s.venue,
                what,
                today,
            ));
        }
        for f in &m.meta.forums {
            let what = match &f.lecturer {
                Pick::Pinned(l) => v.lecturer_link(l.as_str()),
                Pick::Auto => None,
            };
            out.push(slot_view(
                v,
                SlotKind::Forum,
                &f.township,
                f.date,
                &f.time,
                &f.venue,
                what,
                today,
            ));
        }
    }
    out.sort_by(|a, b| (a.date, &a.time, &a.township_id).cmp(&(b.date, &b.time, &b.township_id)));
    out
}

#[allow(clippy::too_many_arguments)]
fn slot_view(
    v: &Views,
    kind: SlotKind,
    township: &diandan_functions::domain::TownshipId,
    date: NaiveDate,
    time: &str,
    venue: &str,
    what: Option<Link>,
    today: NaiveDate,
) -> SlotView {
    SlotView {
        id: SlotFacts::id_for(kind, date, township).to_string(),
        kind,
        kind_label: match kind {
            SlotKind::Stage => "周末农家戏台",
            SlotKind::Forum => "乡村公益讲坛",
        },
        date,
        date_label: date_label(date),
        month: date.format("%Y-%m").to_string(),
        time: time.trim().to_owned(),
        township: v.township_link(township.as_str()),
        township_id: township.to_string(),
        venue: venue.to_owned(),
        what,
        past: date < today,
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
