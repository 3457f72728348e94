//! Checks that need more than one field or more than one file: sane numbers, real windows,
//! and every cross-reference (teachers, townships, programs, lecturers in the schedule).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Datelike, FixedOffset};

use super::diagnostic::{suggest, Diagnostic};
use super::load::Loaded;
use super::model::*;
use diandan_functions::catalogue::{Allocation, FormKind};

/// Top-level folders of the site that a free page must not shadow.
const RESERVED_PAGES: &[&str] = &[
    "programs",
    "lecturers",
    "courses",
    "townships",
    "calendar",
    "wishes",
    "assets",
    "api",
    "feeds",
];

/// The ids known, by kind, for reference checks (including files that failed to parse).
struct Ids<'a> {
    townships: Vec<&'a str>,
    programs: Vec<&'a str>,
    lecturers: Vec<&'a str>,
    /// The same ids for membership tests: a large catalogue checks thousands of references.
    known: HashSet<(&'static str, &'a str)>,
    broken: &'a BTreeSet<String>,
}

impl Ids<'_> {
    fn check(&self, kind: &str, id: &str, origin: &Origin, path: &str) -> Option<Diagnostic> {
        let (known, folder) = match kind {
            "township" => (&self.townships, "townships.yaml"),
            "program" => (&self.programs, "programs"),
            _ => (&self.lecturers, "lecturers"),
        };
        let kind_key = match kind {
            "township" => "township",
            "program" => "program",
            _ => "lecturer",
        };
        if self.known.contains(&(kind_key, id)) || self.broken.contains(&format!("{folder}/{id}")) {
            return None;
        }
        let msg = format!("there is no {kind} `{id}`");
        Some(
            Diagnostic::new(&origin.rel, origin.at(path), msg).hint(suggest(
                id,
                kind,
                known.iter().copied(),
            )),
        )
    }
}

/// Every problem in the loaded content, parse errors first, sorted by file and line.
pub fn validate(loaded: &Loaded) -> Vec<Diagnostic> {
    let c = &loaded.content;
    let townships: Vec<&str> = c.townships.iter().map(|t| t.meta.id.as_str()).collect();
    let programs: Vec<&str> = c.programs.iter().map(|p| p.id.as_str()).collect();
    let lecturers: Vec<&str> = c.lecturers.iter().map(|l| l.id.as_str()).collect();
    let known = (townships.iter().map(|&t| ("township", t)))
        .chain(programs.iter().map(|&p| ("program", p)))
        .chain(lecturers.iter().map(|&l| ("lecturer", l)))
        .collect();
    let ids = Ids {
        townships,
        programs,
        lecturers,
        known,
        broken: &loaded.broken,
    };
    let mut out = loaded.problems.clone();
    check_site(c, &ids, &mut out);
    check_townships(c, &mut out);
    c.programs.iter().for_each(|p| check_program(p, &mut out));
    c.lecturers
        .iter()
        .for_each(|l| check_lecturer(l, &ids, &mut out));
    c.courses
        .iter()
        .for_each(|k| check_course(k, &ids, &mut out));
    c.pages.iter().for_each(|p| check_page(p, &mut out));
    check_schedule(c, &ids, &mut out);
    out.sort();
    out.dedup();
    out
}

fn required(text: &str, origin: &Origin, key: &str, out: &mut Vec<Diagnostic>) {
    if text.trim().is_empty() {
        out.push(
            Diagnostic::new(&origin.rel, origin.at(key), format!("`{key}` is empty"))
                .hint(format!("write the {key} after `{key}:`")),
        );
    }
}

fn at_least(value: i64, min: i64, origin: &Origin, key: &str, out: &mut Vec<Diagnostic>) {
    if value < min {
        out.push(
            Diagnostic::new(&origin.rel, origin.at(key), format!("`{key}` is {value}"))
                .hint(format!("it must be a whole number of at least {min}")),
        );
    }
}

fn check_site(c: &Content, ids: &Ids, out: &mut Vec<Diagnostic>) {
    let (s, o) = (&c.site, &c.site_origin);
    if o.rel.as_os_str().is_empty() || s.title.is_empty() && s.base_url == "http://localhost" {
        return; // site.yaml itself failed to load; that is already reported.
    }
    required(&s.title, o, "title", out);
    required(&s.short_title, o, "short_title", out);
    required(&s.organiser, o, "organiser", out);
    if !(s.base_url.starts_with("https://") || s.base_url.starts_with("http://")) {
        out.push(
            Diagnostic::new(&o.rel, o.at("base_url"), "`base_url` is not a web address")
                .hint("write the site's address, e.g. https://diandan.example.cn"),
        );
    }
    required(&s.api_url, o, "api_url", out);
    at_least(s.nomination_threshold, 1, o, "nomination_threshold", out);
    at_least(s.repeat_after_months, 0, o, "repeat_after_months", out);
    at_least(s.page_size, 1, o, "page_size", out);
    for (i, p) in s.featured.iter().enumerate() {
        out.extend(ids.check("program", p.as_str(), o, &format!("featured[{i}]")));
    }
    for (i, form) in s.verify.iter().enumerate() {
        if FormKind::parse(form).is_none() {
            let names: Vec<&str> = FormKind::ALL.iter().map(|k| k.as_str()).collect();
            out.push(
                Diagnostic::new(
                    &o.rel,
                    o.at(&format!("verify[{i}]")),
                    format!("`verify` names `{form}`, which is not a form"),
                )
                .hint(format!("name forms from: {}", names.join(", "))),
            );
        }
    }
}

fn check_townships(c: &Content, out: &mut Vec<Diagnostic>) {
    let mut seen = HashMap::new();
    for t in &c.townships {
        let o = &t.origin;
        if seen.insert(t.meta.id.as_str(), ()).is_some() {
            out.push(
                Diagnostic::new(
                    &o.rel,
                    o.at("id"),
                    format!("the township id `{}` is used twice", t.meta.id),
                )
                .hint("give each township its own id"),
            );
        }
        required(&t.meta.name, o, "name", out);
        if t.meta.venues.iter().all(|v| v.trim().is_empty()) {
            out.push(
                Diagnostic::new(
                    &o.rel,
                    o.at("name"),
                    format!("township `{}` has no venues", t.meta.id),
                )
                .hint("add `venues: [<a square or culture station>]`"),
            );
        }
    }
}

fn check_program(p: &Program, out: &mut Vec<Diagnostic>) {
    let o = &p.origin;
    required(&p.meta.title, o, "title", out);
    required(&p.meta.category, o, "category", out);
    required(&p.meta.troupe, o, "troupe", out);
    at_least(p.meta.duration_minutes, 1, o, "duration_minutes", out);
}

fn check_lecturer(l: &Lecturer, ids: &Ids, out: &mut Vec<Diagnostic>) {
    let o = &l.origin;
    required(&l.meta.name, o, "name", out);
    required(&l.meta.title, o, "title", out);
    if let Some(t) = l.meta.threshold {
        at_least(t, 1, o, "threshold", out);
    }
    if let Some(t) = &l.meta.township {
        out.extend(ids.check("township", t.as_str(), o, "township"));
    }
}

/// Parses a course session written `2026-07-10T09:00+08:00`.
pub fn parse_session(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M%:z")
        .or_else(|_| DateTime::parse_from_rfc3339(s.trim()))
        .ok()
}

fn check_course(k: &Course, ids: &Ids, out: &mut Vec<Diagnostic>) {
    let (m, o) = (&k.meta, &k.origin);
    required(&m.title, o, "title", out);
    required(&m.venue, o, "venue", out);
    out.extend(ids.check("lecturer", k.meta.teacher.as_str(), o, "teacher"));
    at_least(m.capacity, 1, o, "capacity", out);
    at_least(m.waitlist, 0, o, "waitlist", out);
    at_least(m.max_per_guardian, 1, o, "max_per_guardian", out);
    check_draw(k, out);
    let [lo, hi] = m.ages;
    if !(1..=99).contains(&lo) || !(1..=99).contains(&hi) || lo > hi {
        out.push(
            Diagnostic::new(
                &o.rel,
                o.at("ages"),
                format!("`ages` [{lo}, {hi}] is not an age range"),
            )
            .hint("write [youngest, oldest], e.g. [7, 12]"),
        );
    }
    if m.sessions.is_empty() {
        out.push(
            Diagnostic::new(&o.rel, o.at("sessions"), "the course has no sessions")
                .hint("list the dates and times, e.g. [\"2026-07-10T09:00+08:00\"]"),
        );
    }
    for (i, s) in m.sessions.iter().enumerate() {
        if parse_session(s).is_none() {
            out.push(
                Diagnostic::new(
                    &o.rel,
                    o.at(&format!("sessions[{i}]")),
                    format!("`{s}` is not a session time"),
                )
                .hint("write date, time and zone, e.g. \"2026-07-10T09:00+08:00\""),
            );
        }
    }
    let r = m.registration;
    if r.opens > r.closes {
        out.push(
            Diagnostic::new(
                &o.rel,
                o.at("registration.opens"),
                format!(
                    "registration opens ({}) after it closes ({})",
                    r.opens, r.closes
                ),
            )
            .hint("make `opens` the earlier date"),
        );
    }
}

/// A lottery course announces how its witness digits will be drawn; a first-come course has
/// nothing to draw.
fn check_draw(k: &Course, out: &mut Vec<Diagnostic>) {
    let (m, o) = (&k.meta, &k.origin);
    let announced = m.draw.as_deref().is_some_and(|d| !d.trim().is_empty());
    match m.allocation {
        Allocation::Lottery if !announced => out.push(
            Diagnostic::new(
                &o.rel,
                o.at("allocation"),
                "a lottery course must say how the witness digits will be drawn",
            )
            .hint("add `draw:` with the date, place and way, e.g. \"7月6日上午10点在县文化馆一楼大厅当众摇三个号码球\""),
        ),
        Allocation::FirstCome if m.draw.is_some() => out.push(
            Diagnostic::new(&o.rel, o.at("draw"), "`draw` is only for lottery courses")
                .hint("remove `draw:`, or add `allocation: lottery`"),
        ),
        _ => {}
    }
}

fn check_page(p: &Page, out: &mut Vec<Diagnostic>) {
    required(&p.meta.title, &p.origin, "title", out);
    if RESERVED_PAGES.contains(&p.id.as_str()) {
        out.push(
            Diagnostic::file(
                &p.origin.rel,
                format!(
                    "a page cannot be called `{}`: the site uses that address",
                    p.id
                ),
            )
            .hint("rename the file"),
        );
    }
}

/// What a slot must satisfy, whatever its kind.
struct SlotRef<'a> {
    path: String,
    township: &'a str,
    date: chrono::NaiveDate,
    time: &'a str,
    venue: &'a str,
}

fn check_schedule(c: &Content, ids: &Ids, out: &mut Vec<Diagnostic>) {
    let troupes: BTreeMap<&str, &str> = c
        .programs
        .iter()
        .map(|p| (p.id.as_str(), p.meta.troupe.as_str()))
        .collect();
    let mut taken = HashMap::new();
    let mut troupe_days = HashMap::new();
    for m in &c.months {
        let o = &m.origin;
        for (i, s) in m.meta.stages.iter().enumerate() {
            let r = SlotRef {
                path: format!("stages[{i}]"),
                township: s.township.as_str(),
                date: s.date,
                time: &s.time,
                venue: &s.venue,
            };
            check_slot(m, &r, ids, out);
            if taken
                .insert(("stage", s.township.as_str(), s.date), ())
                .is_some()
            {
                out.push(
                    Diagnostic::new(
                        &o.rel,
                        o.at(&r.path),
                        format!("`{}` already has a stage on {}", s.township, s.date),
                    )
                    .hint("one stage per township per day; move or remove one"),
                );
            }
            let Some(p) = s.program.pinned() else {
                continue;
            };
            out.extend(ids.check("program", p.as_str(), o, &format!("{}.program", r.path)));
            let Some(troupe) = troupes.get(p.as_str()) else {
                continue;
            };
            if let Some(other) = troupe_days.insert((*troupe, s.date), s.township.as_str()) {
                if other != s.township.as_str() {
                    out.push(
                        Diagnostic::new(
                            &o.rel,
                            o.at(&format!("{}.program", r.path)),
                            format!("{troupe} is already booked in `{other}` on {}", s.date),
                        )
                        .hint("a troupe plays in one township a day; pick another program or date"),
                    );
                }
            }
        }
        for (i, f) in m.meta.forums.iter().enumerate() {
            let r = SlotRef {
                path: format!("forums[{i}]"),
                township: f.township.as_str(),
                date: f.date,
                time: &f.time,
                venue: &f.venue,
            };
            check_slot(m, &r, ids, out);
            if taken
                .insert(("forum", f.township.as_str(), f.date), ())
                .is_some()
            {
                out.push(
                    Diagnostic::new(
                        &o.rel,
                        o.at(&r.path),
                        format!("`{}` already has a forum on {}", f.township, f.date),
                    )
                    .hint("one forum per township per day"),
                );
            }
            if let Some(l) = f.lecturer.pinned() {
                out.extend(ids.check("lecturer", l.as_str(), o, &format!("{}.lecturer", r.path)));
            }
        }
    }
}

fn check_slot(m: &Month, r: &SlotRef, ids: &Ids, out: &mut Vec<Diagnostic>) {
    let o = &m.origin;
    out.extend(ids.check("township", r.township, o, &format!("{}.township", r.path)));
    if (r.date.year(), r.date.month()) != (m.first_day.year(), m.first_day.month()) {
        out.push(
            Diagnostic::new(
                &o.rel,
                o.at(&format!("{}.date", r.path)),
                format!("{} is not in {}", r.date, m.first_day.format("%Y-%m")),
            )
            .hint("move the slot to the schedule file of its month"),
        );
    }
    if let Err(e) = diandan_functions::domain::hhmm::parse(r.time) {
        let (what, todo) = e.split_once("; ").unwrap_or((&e, "write it as HH:MM"));
        out.push(Diagnostic::new(&o.rel, o.at(&format!("{}.time", r.path)), what).hint(todo));
    }
    if r.venue.trim().is_empty() {
        out.push(
            Diagnostic::new(
                &o.rel,
                o.at(&format!("{}.venue", r.path)),
                "`venue` is empty",
            )
            .hint("write where it takes place"),
        );
    }
}
