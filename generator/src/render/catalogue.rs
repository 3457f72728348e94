//! The loaded content as the functions' `Catalogue` (`catalogue.json`): the facts every
//! submission is checked against.

use diandan_functions::catalogue::*;
use diandan_functions::domain::TownshipId;

use std::collections::{BTreeMap, BTreeSet};

use super::delta::Dirty;
use crate::content::model::Content;
use crate::content::validate::parse_session;

/// Builds the manifest. Call only on validated content: numbers are known to be in range.
pub fn catalogue(c: &Content) -> Catalogue {
    let site = &c.site;
    let threshold = u32::try_from(site.nomination_threshold).unwrap_or(15);
    let mut cat = Catalogue {
        site: SiteFacts {
            title: site.title.clone(),
            base_url: site.base_url.trim_end_matches('/').to_owned(),
            api_url: site.api_url.trim_end_matches('/').to_owned(),
            nomination_threshold: threshold,
            repeat_after_months: u32::try_from(site.repeat_after_months).unwrap_or(3),
            verify: site
                .verify
                .iter()
                .filter_map(|f| FormKind::parse(f))
                .collect(),
        },
        ..Catalogue::default()
    };
    for t in &c.townships {
        let facts = TownshipFacts {
            name: t.meta.name.clone(),
            location: t.meta.location,
        };
        cat.townships.insert(t.meta.id.clone(), facts);
    }
    for p in &c.programs {
        cat.programs.insert(p.id.clone(), program_facts(p));
    }
    for l in &c.lecturers {
        cat.lecturers
            .insert(l.id.clone(), lecturer_facts(l, threshold));
    }
    for k in &c.courses {
        cat.courses.insert(k.id.clone(), course_facts(k));
    }
    add_slots(c, &mut cat);
    cat
}

fn lecturer_facts(l: &crate::content::model::Lecturer, threshold: u32) -> LecturerFacts {
    LecturerFacts {
        name: l.meta.name.clone(),
        threshold: l
            .meta
            .threshold
            .and_then(|t| u32::try_from(t).ok())
            .unwrap_or(threshold),
        township: l.meta.township.clone(),
    }
}

/// Brings `cat` up to date after the items in `dirty` were edited, added or removed, and says
/// whether anything in it changed. The rest of the catalogue (site, townships, slots) comes
/// from files whose edits rebuild everything.
pub fn patch(cat: &mut Catalogue, c: &Content, dirty: &Dirty) -> bool {
    let threshold = cat.site.nomination_threshold;
    let programs = patch_map(
        &mut cat.programs,
        &dirty.programs,
        &c.programs,
        |p| &p.id,
        program_facts,
    );
    let lecturers = patch_map(
        &mut cat.lecturers,
        &dirty.lecturers,
        &c.lecturers,
        |l| &l.id,
        |l| lecturer_facts(l, threshold),
    );
    let courses = patch_map(
        &mut cat.courses,
        &dirty.courses,
        &c.courses,
        |k| &k.id,
        course_facts,
    );
    programs || lecturers || courses
}

/// Replaces the entries of the `dirty` ids by those of the items now holding them.
fn patch_map<K, V, T>(
    map: &mut BTreeMap<K, V>,
    dirty: &BTreeSet<String>,
    items: &[T],
    id_of: impl Fn(&T) -> &K,
    facts: impl Fn(&T) -> V,
) -> bool
where
    K: Ord + Clone + AsRef<str>,
    V: PartialEq,
{
    let gone: Vec<K> = (map.keys())
        .filter(|k| dirty.contains(k.as_ref()))
        .cloned()
        .collect();
    let before: Vec<(K, V)> = gone.iter().filter_map(|k| map.remove_entry(k)).collect();
    for item in items.iter().filter(|i| dirty.contains(id_of(i).as_ref())) {
        map.insert(id_of(item).clone(), facts(item));
    }
    let after = (map.iter()).filter(|(k, _)| dirty.contains(k.as_ref()));
    !before.iter().map(|(k, v)| (k, v)).eq(after)
}

fn program_facts(p: &crate::content::model::Program) -> ProgramFacts {
    ProgramFacts {
        title: p.meta.title.clone(),
        category: p.meta.category.clone(),
        troupe: p.meta.troupe.clone(),
        orderable: p.meta.orderable,
    }
}

fn course_facts(k: &crate::content::model::Course) -> CourseFacts {
    let m = &k.meta;
    let mut sessions: Vec<_> = m.sessions.iter().filter_map(|s| parse_session(s)).collect();
    sessions.sort();
    let age = |a: i64| u8::try_from(a).unwrap_or(0);
    CourseFacts {
        title: m.title.clone(),
        capacity: u32::try_from(m.capacity).unwrap_or(0),
        waitlist: u32::try_from(m.waitlist).unwrap_or(0),
        ages: AgeRange {
            min: age(m.ages[0]),
            max: age(m.ages[1]),
        },
        registration: Window {
            opens: m.registration.opens,
            closes: m.registration.closes,
        },
        sessions,
        allocation: m.allocation,
        max_per_guardian: u32::try_from(m.max_per_guardian).unwrap_or(0),
    }
}

fn add_slots(c: &Content, cat: &mut Catalogue) {
    let time = |s: &str| diandan_functions::domain::hhmm::parse(s).unwrap_or_default();
    for m in &c.months {
        for s in &m.meta.stages {
            let facts = slot(
                SlotKind::Stage,
                &s.township,
                s.date,
                time(&s.time),
                &s.venue,
            );
            let facts = SlotFacts {
                program: s.program.pinned().cloned(),
                ..facts
            };
            cat.slots.insert(
                SlotFacts::id_for(facts.kind, facts.date, &facts.township),
                facts,
            );
        }
        for f in &m.meta.forums {
            let facts = slot(
                SlotKind::Forum,
                &f.township,
                f.date,
                time(&f.time),
                &f.venue,
            );
            let facts = SlotFacts {
                lecturer: f.lecturer.pinned().cloned(),
                ..facts
            };
            cat.slots.insert(
                SlotFacts::id_for(facts.kind, facts.date, &facts.township),
                facts,
            );
        }
    }
}

fn slot(
    kind: SlotKind,
    t: &TownshipId,
    date: chrono::NaiveDate,
    time: chrono::NaiveTime,
    venue: &str,
) -> SlotFacts {
    SlotFacts {
        kind,
        township: t.clone(),
        date,
        time,
        venue: venue.to_owned(),
        program: None,
        lecturer: None,
    }
}
