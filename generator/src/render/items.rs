//! Views of the catalogue's items (programs, lecturers, courses) with their counts at build time.

use chrono::NaiveDate;
use diandan_functions::catalogue::{Window, WindowState};
use rayon::prelude::*;

use super::live::StoreData;
use super::markdown::{Made, Markup};
use super::views::{category_url, date_label, CourseView, LecturerView, ProgramView, Views};
use crate::content::model::{Content, Course, Lecturer, Program};
use crate::content::validate::parse_session;

/// Characters of a summary on list pages: two lines on a phone.
pub const SUMMARY_CHARS: usize = 70;

/// An item's body as its view shows it, from `made` if an earlier build rendered it.
fn markup(c: &Content, body: &str, made: &Made) -> Markup {
    made.markup(body, c.site.allow_raw_html, SUMMARY_CHARS)
}

pub fn programs(c: &Content, data: &StoreData, made: &Made) -> Vec<ProgramView> {
    c.programs
        .par_iter()
        .map(|p| program(c, p, data, made))
        .collect()
}

/// One program's view; `c` gives the site-wide settings.
pub fn program(c: &Content, p: &Program, data: &StoreData, made: &Made) -> ProgramView {
    let Markup { html, summary } = markup(c, &p.body, made);
    ProgramView {
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
        orders: data.tallies.programs.get(&p.id).map_or(0, |t| t.total),
        summary,
        html,
    }
}

pub fn lecturers(c: &Content, v: &Views, data: &StoreData, made: &Made) -> Vec<LecturerView> {
    c.lecturers
        .par_iter()
        .map(|l| lecturer(c, l, v, data, made))
        .collect()
}

/// One lecturer's view; `v` must already hold the townships.
pub fn lecturer(
    c: &Content,
    l: &Lecturer,
    v: &Views,
    data: &StoreData,
    made: &Made,
) -> LecturerView {
    let Markup { html, summary } = markup(c, &l.body, made);
    let threshold = l.meta.threshold.unwrap_or(c.site.nomination_threshold);
    let tally = data.tallies.lecturers.get(&l.id);
    let nominations = tally.map_or(0, |t| t.nominations);
    let reached = tally.is_some_and(|t| t.reached);
    let limit = u32::try_from(threshold.max(1)).unwrap_or(1);
    LecturerView {
        id: l.id.to_string(),
        url: format!("/lecturers/{}/", l.id),
        name: l.meta.name.clone(),
        title: l.meta.title.clone(),
        topics: l.meta.topics.clone(),
        threshold,
        township: l
            .meta
            .township
            .as_ref()
            .map(|t| v.township_link(t.as_str())),
        nominations,
        reached,
        percent: (nominations.min(limit) * 100) / limit,
        summary,
        html,
    }
}

fn window_label(state: WindowState) -> &'static str {
    match state {
        WindowState::NotYetOpen => "报名尚未开始",
        WindowState::Open => "正在报名",
        WindowState::Closed => "报名已结束",
    }
}

pub fn courses(
    c: &Content,
    v: &Views,
    data: &StoreData,
    today: NaiveDate,
    made: &Made,
) -> Vec<CourseView> {
    c.courses
        .par_iter()
        .map(|k| course(c, k, v, data, today, made))
        .collect()
}

/// One course's view; `v` must already hold the lecturers (for the teacher's link).
pub fn course(
    c: &Content,
    k: &Course,
    v: &Views,
    data: &StoreData,
    today: NaiveDate,
    made: &Made,
) -> CourseView {
    let m = &k.meta;
    let Markup { html, summary } = markup(c, &k.body, made);
    let state = Window {
        opens: m.registration.opens,
        closes: m.registration.closes,
    }
    .state_on(today);
    let mut sessions: Vec<_> = m.sessions.iter().filter_map(|s| parse_session(s)).collect();
    sessions.sort();
    let tally = data.tallies.courses.get(&k.id);
    let capacity = u32::try_from(m.capacity).unwrap_or(0);
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
        state_label: window_label(state),
        confirmed: tally.map_or(0, |t| t.confirmed),
        places_left: tally.map_or(capacity, |t| t.places_left),
        waitlisted: tally.map_or(0, |t| t.waitlisted),
        summary,
        html,
        max_per_guardian: m.max_per_guardian,
        lottery: super::lottery::view(k, data, state),
    }
}
