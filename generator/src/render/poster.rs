//! A4 posters for village notice boards and school boards: one per township (this month's and
//! next month's stages and forums, the most-ordered programs) and one per course, each with a
//! large QR code of its page on the site. Like every page, a poster's context (QR code
//! included) is made only when it renders, and its job lists the views it shows.

use chrono::{Datelike, NaiveDate};
use diandan_functions::catalogue::SlotKind;
use serde_json::{json, Value};

use super::pages::{hash_of, job, Dep, Job};
use super::qr;
use super::views::{CourseView, SlotView, TownshipView, Views};

/// How many of the most-ordered programs a township poster lists.
const TOP_PROGRAMS: usize = 5;

/// The poster pages: `townships/<id>/poster/` and `courses/<id>/poster/`.
pub fn jobs(v: &Views) -> Vec<Job<'_>> {
    let months = [month_of(v.today), month_of(next_month(v.today))];
    let top = top_programs(v);
    let mut out: Vec<Job> = v
        .townships
        .iter()
        .map(|t| township(v, t, &months, &top))
        .collect();
    out.extend(v.courses.iter().map(|k| course(v, k)));
    out
}

fn month_of(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

/// `2026-12` → `12月`.
fn month_name(m: &str) -> String {
    let month = m.rsplit('-').next().unwrap_or(m).trim_start_matches('0');
    format!("{month}月")
}

/// The programs residents ordered most (county-wide), else the first orderable ones, so a
/// new site's posters still suggest what to order.
fn top_programs(v: &Views) -> Value {
    let mut ordered: Vec<_> = v.programs.iter().filter(|p| p.orders > 0).collect();
    ordered.sort_by_key(|p| std::cmp::Reverse(p.orders));
    let (heading, list): (&str, Vec<_>) = if ordered.is_empty() {
        let open = v.programs.iter().filter(|p| p.orderable);
        ("欢迎点单的节目", open.take(TOP_PROGRAMS).collect())
    } else {
        (
            "大家点得最多的节目",
            ordered.into_iter().take(TOP_PROGRAMS).collect(),
        )
    };
    let list: Vec<Value> = list
        .iter()
        .map(|p| json!({"title": p.title, "category": p.category, "orders": p.orders}))
        .collect();
    json!({"heading": heading, "list": list})
}

/// A slot as a poster line: an open slot says who decides what fills it.
fn poster_slot(s: &SlotView) -> Value {
    let what = match (&s.what, s.kind) {
        (Some(link), _) => link.title.clone(),
        (None, SlotKind::Stage) => "待群众点单".to_owned(),
        (None, SlotKind::Forum) => "待群众点将".to_owned(),
    };
    json!({
        "date": s.date_label, "time": s.time, "venue": s.venue,
        "kind": s.kind, "kind_label": s.kind_label, "what": what, "open": s.what.is_none(),
    })
}

/// A township's poster shows its slots of the two months (listed as the page's pieces, so an
/// edit of one re-renders it) and the county's most-ordered programs (in its shape).
fn township<'a>(v: &'a Views, t: &'a TownshipView, months: &[String; 2], top: &Value) -> Job<'a> {
    let slots: Vec<(String, Vec<&'a SlotView>)> = months
        .iter()
        .map(|m| {
            let slots = (v.slots.iter())
                .filter(|s| s.township_id == t.id && &s.month == m && !s.past)
                .collect();
            (month_name(m), slots)
        })
        .collect();
    let deps = (slots.iter().flat_map(|(_, s)| s))
        .map(|s| Dep::Slot(&s.id))
        .collect();
    let shape = hash_of(&(months, top));
    let top = top.clone();
    let job = job(
        format!("townships/{}/poster/index.html", t.id),
        "poster.html",
        deps,
        move || {
            let sections: Vec<Value> = (slots.iter())
                .map(|(month, slots)| {
                    let slots: Vec<Value> = slots.iter().map(|s| poster_slot(s)).collect();
                    json!({"month": month, "slots": slots})
                })
                .collect();
            let address = format!("{}{}", v.site.base_url, t.url);
            let label = format!("二维码：用手机扫一扫，打开{}的点单页面", t.name);
            json!({
                "section": "townships", "kind": "township", "township": t, "months": sections,
                "top": top, "address": address, "qr": qr::svg(&address, &label), "back": t.url,
            })
        },
    );
    Job { shape, ..job }
}

/// A course's poster shows the course's view alone.
fn course<'a>(v: &'a Views, k: &'a CourseView) -> Job<'a> {
    job(
        format!("courses/{}/poster/index.html", k.id),
        "poster.html",
        vec![Dep::Course(&k.id)],
        move || {
            let address = format!("{}{}", v.site.base_url, k.url);
            let label = format!("二维码：用手机扫一扫，打开“{}”的报名页面", k.title);
            json!({
                "section": "courses", "kind": "course", "course": k, "address": address,
                "qr": qr::svg(&address, &label), "back": k.url,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_month_rolls_over_the_year() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(month_of(next_month(d(2026, 12, 15))), "2027-01");
        assert_eq!(month_of(next_month(d(2027, 1, 31))), "2027-02");
        assert_eq!(month_name("2027-01"), "1月");
        assert_eq!(month_name("2026-12"), "12月");
    }
}
