//! The monthly report staff send to the county: stages and forums held with their programs and
//! townships, orders and nominations received, course enrolments, ratings, wishes received
//! and answered. One printable page per month at `/data/report/<yyyy-mm>/`.

use std::collections::BTreeSet;

use diandan_functions::catalogue::SlotKind;
use diandan_functions::store::{month_of_day, MonthActivity};
use serde::Serialize;

use crate::content::model::Content;
use crate::content::validate::parse_session;
use crate::render::live::StoreData;
use crate::render::views::{SlotView, Views};

/// A figure of the month: what it is and its value in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub name: String,
    pub value: String,
}

/// A stage or forum of the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSlot {
    pub date: String,
    pub township: String,
    pub kind: &'static str,
    pub what: String,
    pub status: &'static str,
    pub rating: String,
}

/// A course with a session in the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportCourse {
    pub title: String,
    pub capacity: i64,
    pub confirmed: u32,
    pub waitlisted: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `2026-12`
    pub month: String,
    /// `2026年12月`
    pub label: String,
    pub url: String,
    pub figures: Vec<Figure>,
    pub slots: Vec<ReportSlot>,
    pub courses: Vec<ReportCourse>,
}

/// `2026-12` → `2026年12月`.
pub fn month_label(m: &str) -> String {
    let (y, mo) = m.split_once('-').unwrap_or((m, ""));
    format!("{y}年{}月", mo.trim_start_matches('0'))
}

/// A report for every month with a schedule or with anything received.
pub fn reports(c: &Content, v: &Views, data: &StoreData) -> Vec<Report> {
    let months: BTreeSet<String> = (v.slots.iter().map(|s| s.month.clone()))
        .chain(data.activity.months.keys().cloned())
        .collect();
    months.into_iter().map(|m| report(c, v, data, m)).collect()
}

fn report(c: &Content, v: &Views, data: &StoreData, month: String) -> Report {
    let slots: Vec<&SlotView> = v.slots.iter().filter(|s| s.month == month).collect();
    let courses = courses_in(c, v, &month);
    let got = data
        .activity
        .months
        .get(&month)
        .copied()
        .unwrap_or_default();
    let figures = figures(&slots, &courses, got, data);
    Report {
        label: month_label(&month),
        url: format!("/data/report/{month}/"),
        figures,
        slots: slots.iter().map(|s| report_slot(s, data)).collect(),
        courses,
        month,
    }
}

fn held(s: &SlotView, data: &StoreData) -> bool {
    data.performances.keys().any(|id| id.as_str() == s.id)
}

fn report_slot(s: &SlotView, data: &StoreData) -> ReportSlot {
    let status = match (held(s, data), &s.what, s.past) {
        (true, _, _) => "已举办",
        (false, None, _) => "待安排",
        (false, Some(_), true) => "未登记举办",
        (false, Some(_), false) => "已排定",
    };
    ReportSlot {
        date: s.date.format("%-m月%-d日").to_string(),
        township: s.township.title.clone(),
        kind: match s.kind {
            SlotKind::Stage => "戏台",
            SlotKind::Forum => "讲坛",
        },
        what: s.what.as_ref().map_or("待定".into(), |w| w.title.clone()),
        status,
        rating: s
            .rating
            .as_ref()
            .map_or("—".into(), |r| format!("{}（{} 条）", r.average, r.count)),
    }
}

/// Courses with a session in `month`, in content order.
fn courses_in(c: &Content, v: &Views, month: &str) -> Vec<ReportCourse> {
    (c.courses.iter().zip(&v.courses))
        .filter(|(k, _)| {
            (k.meta.sessions.iter().filter_map(|s| parse_session(s)))
                .any(|s| month_of_day(s.date_naive()) == month)
        })
        .map(|(_, view)| ReportCourse {
            title: view.title.clone(),
            capacity: view.capacity,
            confirmed: view.confirmed,
            waitlisted: view.waitlisted,
        })
        .collect()
}

fn figures(
    slots: &[&SlotView],
    courses: &[ReportCourse],
    got: MonthActivity,
    data: &StoreData,
) -> Vec<Figure> {
    let count = |kind: SlotKind| {
        let all: Vec<_> = slots.iter().filter(|s| s.kind == kind).collect();
        let done = all.iter().filter(|s| held(s, data)).count();
        format!("{} 场，其中已举办 {done} 场", all.len())
    };
    let (rated, points) = (slots.iter().filter_map(|s| s.rating.as_ref()))
        .fold((0u32, 0.0), |(n, p), r| {
            (n + r.count, p + r.average * f64::from(r.count))
        });
    let rating = if rated == 0 {
        "本月还没有评分".to_owned()
    } else {
        let mean = (points / f64::from(rated) * 10.0).round() / 10.0;
        format!("平均 {mean} 星（{rated} 条评分）")
    };
    let confirmed: u32 = courses.iter().map(|k| k.confirmed).sum();
    let waitlisted: u32 = courses.iter().map(|k| k.waitlisted).sum();
    let fig = |name: &str, value: String| Figure {
        name: name.into(),
        value,
    };
    vec![
        fig("周末农家戏台", count(SlotKind::Stage)),
        fig("乡村公益讲坛", count(SlotKind::Forum)),
        fig("收到点单", format!("{} 人次", got.orders)),
        fig("收到点将", format!("{} 人次", got.nominations)),
        fig(
            "少儿课程报名",
            format!(
                "{} 门课，已报名 {confirmed} 人，候补 {waitlisted} 人",
                courses.len()
            ),
        ),
        fig("群众评分", rating),
        fig("收到诉求", format!("{} 条", got.wishes)),
        fig("回复诉求", format!("{} 条", got.answered)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_labels() {
        assert_eq!(month_label("2026-12"), "2026年12月");
        assert_eq!(month_label("2027-01"), "2027年1月");
    }
}
