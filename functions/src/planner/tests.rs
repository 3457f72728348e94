//! A small Minhou for the planner's tests, and the rules end to end.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime, TimeZone};

use super::*;
use crate::catalogue::{GeoPoint, LecturerFacts, ProgramFacts, SiteFacts, TownshipFacts};
use crate::clock::china_offset;

pub fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("a valid id")
}

pub fn date(m: u32, d: u32) -> NaiveDate {
    let year = if m == 1 { 2027 } else { 2026 };
    NaiveDate::from_ymd_opt(year, m, d).expect("a valid date")
}

/// 10:00 on a day of December 2026, China time.
pub fn at(d: u32) -> Time {
    (china_offset()
        .with_ymd_and_hms(2026, 12, d, 10, 0, 0)
        .single())
    .expect("a valid time")
}

pub fn demand(program: &str, township: &str, open: u32, first_day: u32) -> OrderDemand {
    OrderDemand {
        program: id(program),
        township: id(township),
        open,
        first_at: at(first_day),
    }
}

pub fn request(lecturer: &str, crossed_day: u32, by: &[(&str, u32)]) -> LectureRequest {
    LectureRequest {
        lecturer: id(lecturer),
        threshold: 15,
        crossed_at: at(crossed_day),
        by_township: by
            .iter()
            .map(|(t, n)| (id(t), *n))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn township(name: &str, lat: f64, lon: f64) -> TownshipFacts {
    let location = Some(GeoPoint { lat, lon });
    TownshipFacts {
        name: name.into(),
        location,
    }
}

fn program(troupe: &str, orderable: bool) -> ProgramFacts {
    let (title, category) = ("节目".into(), "戏曲".into());
    ProgramFacts {
        title,
        category,
        troupe: troupe.into(),
        orderable,
    }
}

fn lecturer(name: &str, home: Option<&str>) -> LecturerFacts {
    LecturerFacts {
        name: name.into(),
        threshold: 15,
        township: home.map(id),
    }
}

fn slot(kind: SlotKind, township: &str, date: NaiveDate, hh: u32) -> SlotFacts {
    SlotFacts {
        kind,
        township: id(township),
        date,
        time: NaiveTime::from_hms_opt(hh, 30, 0).expect("a time"),
        venue: "文化广场".into(),
        program: None,
        lecturer: None,
    }
}

pub fn catalogue() -> Catalogue {
    let mut c = Catalogue {
        site: SiteFacts {
            repeat_after_months: 3,
            ..SiteFacts::default()
        },
        ..Catalogue::default()
    };
    c.townships
        .insert(id("nanyu"), township("南屿镇", 25.98, 119.17));
    c.townships
        .insert(id("ganzhe"), township("甘蔗街道", 26.15, 119.14));
    c.townships
        .insert(id("shangjie"), township("上街镇", 26.08, 119.23));
    c.townships
        .insert(id("tingping"), township("廷坪乡", 26.35, 119.05));
    c.programs
        .insert(id("minju"), program("闽侯县闽剧团", true));
    c.programs
        .insert(id("pinghua"), program("闽侯县曲艺团", true));
    c.programs
        .insert(id("pinghua-2"), program("闽侯县曲艺团", true));
    c.programs
        .insert(id("muou"), program("闽侯县木偶剧团", false));
    c.programs
        .insert(id("xiaopin"), program("县文化馆小品队", true));
    c.lecturers
        .insert(id("lin"), lecturer("林建志", Some("nanyu")));
    c.lecturers
        .insert(id("chen"), lecturer("陈思琪", Some("tingping")));
    c.lecturers.insert(id("wang"), lecturer("王丽萍", None));
    let slots = [
        slot(SlotKind::Stage, "nanyu", date(11, 28), 19),
        slot(SlotKind::Stage, "ganzhe", date(12, 5), 19),
        slot(SlotKind::Stage, "nanyu", date(12, 12), 19),
        slot(SlotKind::Stage, "shangjie", date(12, 12), 15),
        slot(SlotKind::Forum, "nanyu", date(12, 13), 15),
        slot(SlotKind::Forum, "tingping", date(12, 19), 14),
        slot(SlotKind::Forum, "shangjie", date(12, 20), 15),
        slot(SlotKind::Stage, "nanyu", date(1, 16), 19),
    ];
    for s in slots {
        c.slots
            .insert(SlotFacts::id_for(s.kind, s.date, &s.township), s);
    }
    pin(&mut c, "2026-12-05-ganzhe-stage", Some("minju"), None);
    pin(&mut c, "2026-12-13-nanyu-forum", None, Some("wang"));
    c
}

fn pin(c: &mut Catalogue, slot: &str, program: Option<&str>, lecturer: Option<&str>) {
    let s = c
        .slots
        .get_mut(&id::<SlotId>(slot))
        .expect("a fixture slot");
    s.program = program.map(id);
    s.lecturer = lecturer.map(id);
}

struct World {
    catalogue: Catalogue,
    assignments: Vec<Assignment>,
    demand: Vec<OrderDemand>,
    lectures: Vec<LectureRequest>,
    performances: Vec<Performance>,
}

impl World {
    fn new() -> Self {
        Self {
            catalogue: catalogue(),
            assignments: Vec::new(),
            demand: Vec::new(),
            lectures: Vec::new(),
            performances: Vec::new(),
        }
    }

    fn plan(&self) -> Vec<Proposal> {
        plan(&PlanInput {
            catalogue: &self.catalogue,
            today: date(12, 1),
            assignments: &self.assignments,
            demand: &self.demand,
            lectures: &self.lectures,
            performances: &self.performances,
        })
    }
}

/// (slot, program or lecturer, reason) of each proposal.
fn summary(proposals: &[Proposal]) -> Vec<(String, String, String)> {
    (proposals.iter())
        .map(|p| {
            let who = (p.program.as_ref().map(ToString::to_string))
                .or(p.lecturer.as_ref().map(ToString::to_string))
                .unwrap_or_default();
            (p.slot.to_string(), who, p.reason.clone())
        })
        .collect()
}

fn row(slot: &str, who: &str, why: &str) -> (String, String, String) {
    (slot.into(), who.into(), why.into())
}

#[test]
fn a_township_gets_what_it_ordered_most_and_then_the_next() {
    let mut w = World::new();
    w.demand = vec![
        demand("minju", "nanyu", 18, 2),
        demand("pinghua", "nanyu", 3, 1),
    ];
    let got = summary(&w.plan());
    assert_eq!(
        got,
        vec![
            row("2026-12-12-shangjie-stage", "", "暂无点单"),
            row("2026-12-12-nanyu-stage", "minju", "南屿镇 18 人点单"),
            row("2026-12-19-tingping-forum", "", forum::NOBODY_WAITING),
            row("2026-12-20-shangjie-forum", "", forum::NOBODY_WAITING),
            row("2027-01-16-nanyu-stage", "pinghua", "南屿镇 3 人点单"),
        ],
        "in date and time order; the past 11-28 slot and pinned slots are not planned"
    );
}

#[test]
fn a_troupe_planned_earlier_that_day_is_busy() {
    let mut w = World::new();
    w.demand = vec![
        demand("pinghua", "shangjie", 5, 1),
        demand("pinghua-2", "nanyu", 9, 1),
        demand("xiaopin", "nanyu", 1, 1),
    ];
    let got = summary(&w.plan());
    assert_eq!(
        got[0],
        row("2026-12-12-shangjie-stage", "pinghua", "上街镇 5 人点单")
    );
    assert_eq!(
        got[1],
        row("2026-12-12-nanyu-stage", "xiaopin", "南屿镇 1 人点单")
    );
    assert_eq!(
        got[4],
        row("2027-01-16-nanyu-stage", "pinghua-2", "南屿镇 9 人点单")
    );
}

#[test]
fn stored_assignments_and_performances_are_kept_and_count() {
    let mut w = World::new();
    w.demand = vec![
        demand("minju", "nanyu", 18, 2),
        demand("xiaopin", "nanyu", 2, 1),
    ];
    let staff = Assignment {
        slot: id("2026-12-12-nanyu-stage"),
        program: Some(id("minju")),
        lecturer: None,
        reason: "工作人员指定".into(),
        source: AssignmentSource::Staff,
        at: at(1),
    };
    w.assignments = vec![staff];
    w.performances = vec![Performance {
        slot: id("2026-12-12-shangjie-stage"),
        township: id("shangjie"),
        date: date(12, 12),
        program: Some(id("pinghua")),
        lecturer: None,
        at: at(12),
    }];
    let got = summary(&w.plan());
    let slots: Vec<_> = got.iter().map(|r| r.0.as_str()).collect();
    assert!(
        !slots.contains(&"2026-12-12-nanyu-stage") && !slots.contains(&"2026-12-12-shangjie-stage")
    );
    assert_eq!(
        got.last(),
        Some(&row("2027-01-16-nanyu-stage", "xiaopin", "南屿镇 2 人点单"))
    );
}

#[test]
fn a_crossed_lecturer_gets_one_forum_nearest_first() {
    let mut w = World::new();
    w.lectures = vec![
        request("lin", 1, &[("nanyu", 12), ("shangjie", 3)]),
        request("chen", 2, &[("tingping", 15)]),
    ];
    let got = summary(&w.plan());
    let forums: Vec<_> = got.iter().filter(|r| r.0.ends_with("forum")).collect();
    assert_eq!(forums.len(), 2);
    assert_eq!(forums[0].0, "2026-12-19-tingping-forum");
    assert_eq!(
        (forums[0].1.as_str(), forums[0].2.as_str()),
        ("chen", "15 人点将（廷坪乡最多，就在本地）")
    );
    assert_eq!(
        forums[1].1, "lin",
        "the next forum goes to the one still waiting"
    );
    let again = summary(&w.plan());
    assert_eq!(again, got, "the same input plans the same");
}

#[test]
fn proposals_become_auto_assignments_only_when_filled() {
    let mut w = World::new();
    w.demand = vec![demand("minju", "nanyu", 18, 2)];
    let proposals = w.plan();
    let stored: Vec<_> = proposals
        .iter()
        .filter_map(|p| p.to_assignment(at(3)))
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].source, AssignmentSource::Auto);
    assert_eq!(stored[0].reason, "南屿镇 18 人点单");
    assert_eq!(stored[0].at, at(3));
}
