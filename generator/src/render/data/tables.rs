//! The figures behind `/data/`: each chart with its table, and each downloadable dataset,
//! made from the views and the store's snapshot.

use std::collections::{BTreeMap, HashMap};

use diandan_functions::store::ProgramTally;

use super::charts::{self, Chart, ChartView, Row};
use super::csv::{Cell, Dataset};
use crate::render::live::StoreData;
use crate::render::views::Views;

/// How many programs the "most ordered" chart shows.
const TOP_PROGRAMS: usize = 10;

pub(super) fn view(
    chart: Chart,
    caption: String,
    head: &[&str],
    rows: Vec<Vec<String>>,
) -> ChartView {
    let svg = if chart.rows.is_empty() {
        String::new()
    } else {
        charts::svg(&chart)
    };
    ChartView {
        id: chart.id,
        title: chart.title,
        caption,
        svg,
        head: head.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

fn bar(label: &str, value: u32, shown: String) -> Row {
    Row {
        label: label.to_owned(),
        values: vec![f64::from(value)],
        target: None,
        shown,
    }
}

pub(super) fn chart(id: &str, title: &str, series: &[&str], rows: Vec<Row>) -> Chart {
    Chart {
        id: id.into(),
        title: title.into(),
        series: series.iter().map(|s| s.to_string()).collect(),
        rows,
    }
}

/// Open orders by program and township: the tallies with the catalogue's names, programs and
/// townships in content order (any the content no longer has after them, by id).
struct Demand<'a> {
    /// (program id, title, category, tally)
    programs: Vec<(String, String, String, &'a ProgramTally)>,
    /// Township id → (position, name).
    townships: HashMap<String, (usize, String)>,
}

impl<'a> Demand<'a> {
    fn new(v: &Views, data: &'a StoreData) -> Self {
        let tallies: BTreeMap<&str, &ProgramTally> = (data.tallies.programs.iter())
            .map(|(k, t)| (k.as_str(), t))
            .collect();
        let mut programs: Vec<_> = (v.programs.iter())
            .filter_map(|p| {
                let t = tallies.get(p.id.as_str())?;
                Some((p.id.clone(), p.title.clone(), p.category.clone(), *t))
            })
            .collect();
        for (id, t) in &tallies {
            if !v.programs.iter().any(|p| p.id == *id) {
                programs.push((id.to_string(), id.to_string(), String::new(), *t));
            }
        }
        let townships = (v.townships.iter().enumerate())
            .map(|(i, t)| (t.id.clone(), (i, t.name.clone())))
            .collect();
        Demand {
            programs,
            townships,
        }
    }

    fn township(&self, id: &str) -> (usize, String) {
        (self.townships.get(id).cloned()).unwrap_or((usize::MAX, id.to_owned()))
    }

    /// Non-zero (program, township) counts, townships in content order within each program.
    fn cells(&self) -> Vec<(usize, &str, &str, &str, String, String, u32)> {
        let mut out = Vec::new();
        for (pid, title, category, t) in &self.programs {
            let mut row: Vec<_> = (t.by_township.iter())
                .filter(|(_, n)| **n > 0)
                .map(|(tid, n)| {
                    let (pos, name) = self.township(tid.as_str());
                    (
                        pos,
                        pid.as_str(),
                        title.as_str(),
                        category.as_str(),
                        tid.to_string(),
                        name,
                        *n,
                    )
                })
                .collect();
            row.sort_by(|a, b| (a.0, &a.4).cmp(&(b.0, &b.4)));
            out.extend(row);
        }
        out
    }
}

/// `orders` and the three charts of orders: by township, most-ordered programs, categories.
pub fn orders(v: &Views, data: &StoreData) -> (Dataset, Vec<ChartView>) {
    let demand = Demand::new(v, data);
    let cells = demand.cells();
    let rows = (cells.iter())
        .map(|(_, pid, title, cat, tid, tname, n)| {
            vec![
                Cell::text(tid.clone()),
                Cell::text(tname.clone()),
                Cell::text(*pid),
                Cell::text(*title),
                Cell::text(*cat),
                Cell::Int(u64::from(*n)),
            ]
        })
        .collect();
    let columns = vec![
        "township_id",
        "township",
        "program_id",
        "program",
        "category",
        "open_orders",
    ];
    let dataset = Dataset {
        name: "orders",
        title: "各乡镇点单（节目 × 乡镇）",
        columns,
        rows,
    };
    let total: u32 = cells.iter().map(|c| c.6).sum();
    let charts = vec![
        by_township(v, &cells, total),
        top_programs(&demand),
        by_category(v, &demand),
    ];
    (dataset, charts)
}

fn by_township(
    v: &Views,
    cells: &[(usize, &str, &str, &str, String, String, u32)],
    total: u32,
) -> ChartView {
    let counts: Vec<(String, u32)> = (v.townships.iter())
        .map(|t| {
            let n = cells.iter().filter(|c| c.4 == t.id).map(|c| c.6).sum();
            (t.name.clone(), n)
        })
        .collect();
    let rows = counts
        .iter()
        .map(|(name, n)| bar(name, *n, format!("{n}")))
        .collect();
    let table = counts
        .iter()
        .map(|(name, n)| vec![name.clone(), n.to_string()])
        .collect();
    view(
        chart("orders-by-township", "各乡镇的点单", &["点单"], rows),
        format!("群众正在等待的点单共 {total} 人次（演出之后，那里的点单就算完成，不再计入）。"),
        &["乡镇", "点单（人次）"],
        table,
    )
}

fn top_programs(d: &Demand) -> ChartView {
    let mut ranked: Vec<_> = d.programs.iter().filter(|p| p.3.total > 0).collect();
    ranked.sort_by_key(|p| std::cmp::Reverse(p.3.total));
    ranked.truncate(TOP_PROGRAMS);
    let rows = ranked
        .iter()
        .map(|p| bar(&p.1, p.3.total, p.3.total.to_string()))
        .collect();
    let table = (ranked.iter())
        .map(|p| vec![p.1.clone(), p.2.clone(), p.3.total.to_string()])
        .collect();
    view(
        chart("top-programs", "点单最多的节目", &["点单"], rows),
        format!("点单人数最多的前 {TOP_PROGRAMS} 个节目。"),
        &["节目", "类别", "点单（人次）"],
        table,
    )
}

fn by_category(v: &Views, d: &Demand) -> ChartView {
    let counts: Vec<(String, u32)> = (v.categories().into_iter())
        .map(|(name, ps)| {
            let n = (ps.iter())
                .filter_map(|p| d.programs.iter().find(|q| q.0 == p.id))
                .map(|q| q.3.total)
                .sum();
            (name, n)
        })
        .collect();
    let rows = counts
        .iter()
        .map(|(c, n)| bar(c, *n, n.to_string()))
        .collect();
    let table = counts
        .iter()
        .map(|(c, n)| vec![c.clone(), n.to_string()])
        .collect();
    view(
        chart("categories", "各类节目的点单", &["点单"], rows),
        "同一类节目的点单加在一起。".into(),
        &["类别", "点单（人次）"],
        table,
    )
}

/// `nominations` and the chart of lecturers' progress to their thresholds.
pub fn nominations(v: &Views) -> (Dataset, ChartView) {
    let mut ls: Vec<_> = v.lecturers.iter().collect();
    ls.sort_by_key(|l| std::cmp::Reverse(l.nominations));
    let reached = |r: bool| if r { "已达成" } else { "" };
    let rows = (ls.iter())
        .map(|l| Row {
            label: l.name.clone(),
            values: vec![f64::from(l.nominations)],
            target: Some(l.threshold.max(1) as f64),
            shown: format!("{} / {} {}", l.nominations, l.threshold, reached(l.reached))
                .trim_end()
                .to_owned(),
        })
        .collect();
    let table = (ls.iter())
        .map(|l| {
            let done = if l.reached { "是" } else { "否" };
            vec![
                l.name.clone(),
                l.nominations.to_string(),
                l.threshold.to_string(),
                done.into(),
            ]
        })
        .collect();
    let chart = view(
        chart("lecturers", "讲师的点将进度", &["已点将"], rows),
        "虚线框是请来讲课所需的点将人数，满了就安排乡村公益讲坛。".into(),
        &["讲师", "点将（人）", "所需人数", "已达成"],
        table,
    );
    let rows = (v.lecturers.iter())
        .map(|l| {
            vec![
                Cell::text(l.id.clone()),
                Cell::text(l.name.clone()),
                Cell::Int(u64::from(l.nominations)),
                Cell::Int(u64::try_from(l.threshold).unwrap_or(0)),
                Cell::Bool(l.reached),
            ]
        })
        .collect();
    let dataset = Dataset {
        name: "nominations",
        title: "讲师点将",
        columns: vec![
            "lecturer_id",
            "lecturer",
            "nominations",
            "threshold",
            "reached",
        ],
        rows,
    };
    (dataset, chart)
}

/// `courses` and the chart of places filled, left and waitlisted.
pub fn courses(v: &Views) -> (Dataset, ChartView) {
    let rows = (v.courses.iter())
        .map(|k| {
            let mut shown = format!("{}/{}", k.confirmed, k.capacity);
            if k.waitlisted > 0 {
                shown.push_str(&format!(" 候补 {}", k.waitlisted));
            }
            Row {
                label: k.title.clone(),
                values: vec![k.confirmed, k.places_left, k.waitlisted]
                    .into_iter()
                    .map(f64::from)
                    .collect(),
                target: None,
                shown,
            }
        })
        .collect();
    let table = (v.courses.iter())
        .map(|k| {
            let figures = [
                k.capacity.to_string(),
                k.confirmed.to_string(),
                k.places_left.to_string(),
                k.waitlisted.to_string(),
            ];
            std::iter::once(k.title.clone()).chain(figures).collect()
        })
        .collect();
    let chart = view(
        chart(
            "courses",
            "少儿课程的名额",
            &["已报名", "空余名额", "候补"],
            rows,
        ),
        "每门课的名额里报上了多少、还空多少，以及排在候补里的孩子。".into(),
        &["课程", "名额", "已报名", "空余", "候补"],
        table,
    );
    let rows = (v.courses.iter())
        .map(|k| {
            let n = |x: u32| Cell::Int(u64::from(x));
            let capacity = u64::try_from(k.capacity).unwrap_or(0);
            let waitlist = u64::try_from(k.waitlist).unwrap_or(0);
            vec![
                Cell::text(k.id.clone()),
                Cell::text(k.title.clone()),
                Cell::text(k.category.clone()),
                Cell::Int(capacity),
                n(k.confirmed),
                n(k.places_left),
                Cell::Int(waitlist),
                n(k.waitlisted),
            ]
        })
        .collect();
    let columns = vec![
        "course_id",
        "course",
        "category",
        "capacity",
        "confirmed",
        "places_left",
        "waitlist_places",
        "waitlisted",
    ];
    let dataset = Dataset {
        name: "courses",
        title: "少儿课程报名",
        columns,
        rows,
    };
    (dataset, chart)
}
