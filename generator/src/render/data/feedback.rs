//! What residents said back: ratings of what they attended and wishes with staff's answers,
//! each as a chart with its table and as a dataset.

use diandan_functions::catalogue::SlotKind;
use diandan_functions::domain::mask_phones_in;
use diandan_functions::store::PublicWish;

use super::charts::{ChartView, Row};
use super::csv::{Cell, Dataset};
use super::tables::{chart, view};
use crate::render::live::StoreData;
use crate::render::views::Views;

fn kind_id(kind: SlotKind) -> &'static str {
    match kind {
        SlotKind::Stage => "stage",
        SlotKind::Forum => "forum",
    }
}

/// `ratings` (one row per rated slot) and the chart of how many stars residents gave.
pub fn ratings(v: &Views, data: &StoreData) -> (Dataset, ChartView) {
    let mut histogram = [0u32; 5];
    let mut rows = Vec::new();
    for (id, r) in data.ratings.iter().filter(|(_, r)| r.count > 0) {
        for (sum, n) in histogram.iter_mut().zip(r.histogram) {
            *sum += n;
        }
        let slot = v.slots.iter().find(|s| s.id == id.as_str());
        let text = |f: &dyn Fn(&crate::render::views::SlotView) -> String| {
            Cell::Text(slot.map(f).unwrap_or_default())
        };
        let mut row = vec![
            Cell::text(id.to_string()),
            text(&|s| s.date.to_string()),
            text(&|s| s.township_id.clone()),
            text(&|s| s.township.title.clone()),
            text(&|s| kind_id(s.kind).to_owned()),
            text(&|s| s.what.as_ref().map(|w| w.title.clone()).unwrap_or_default()),
            Cell::Int(u64::from(r.count)),
            Cell::Num(r.average),
        ];
        row.extend(r.histogram.iter().map(|n| Cell::Int(u64::from(*n))));
        rows.push(row);
    }
    let columns = vec![
        "slot_id",
        "date",
        "township_id",
        "township",
        "kind",
        "title",
        "ratings",
        "average",
        "stars_1",
        "stars_2",
        "stars_3",
        "stars_4",
        "stars_5",
    ];
    let dataset = Dataset {
        name: "ratings",
        title: "演出和讲座的评分",
        columns,
        rows,
    };
    (dataset, stars_chart(histogram))
}

fn stars_chart(histogram: [u32; 5]) -> ChartView {
    let total: u32 = histogram.iter().sum();
    let points: u32 = histogram.iter().zip(1..).map(|(n, s)| n * s).sum();
    let levels: Vec<(String, u32)> = (1..=5u32)
        .rev()
        .map(|s| (format!("{s} 星"), histogram[(s - 1) as usize]))
        .collect();
    let rows: Vec<Row> = if total == 0 {
        Vec::new()
    } else {
        (levels.iter())
            .map(|(label, n)| Row {
                label: label.clone(),
                values: vec![f64::from(*n)],
                target: None,
                shown: format!("{n} 条"),
            })
            .collect()
    };
    let caption = if total == 0 {
        "还没有人评分。".to_owned()
    } else {
        let mean = (f64::from(points) / f64::from(total) * 10.0).round() / 10.0;
        format!("共 {total} 条评分，平均 {mean} 星（满分 5 星）。")
    };
    let table = if total == 0 {
        Vec::new()
    } else {
        levels
            .iter()
            .map(|(l, n)| vec![l.clone(), n.to_string()])
            .collect()
    };
    finish(
        "ratings",
        "群众给演出和讲座的评分",
        &["评分"],
        rows,
        caption,
        &["星级", "评分条数"],
        table,
    )
}

fn finish(
    id: &str,
    title: &str,
    series: &[&str],
    rows: Vec<Row>,
    caption: String,
    head: &[&str],
    table: Vec<Vec<String>>,
) -> ChartView {
    view(chart(id, title, series, rows), caption, head, table)
}

/// Days from a wish to its answer, for each answered wish.
fn days_to_answer(w: &PublicWish) -> i64 {
    (w.replied_on - w.asked_on).num_days().max(0)
}

/// The median of whole days; `None` for none.
pub fn median(mut days: Vec<i64>) -> Option<f64> {
    days.sort_unstable();
    let n = days.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(days[n / 2] as f64),
        _ => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
    }
}

/// `wishes` (texts and answers as on the wall) and the chart of the share answered.
pub fn wishes(v: &Views, data: &StoreData) -> (Dataset, ChartView) {
    let mut sorted: Vec<&PublicWish> = data.wishes.iter().collect();
    sorted.sort_by_key(|w| std::cmp::Reverse((w.replied_on, w.id)));
    let rows = (sorted.iter())
        .map(|w| {
            let township = v.township_link(w.township.as_str());
            vec![
                Cell::Int(u64::try_from(w.id).unwrap_or(0)),
                Cell::text(w.township.to_string()),
                Cell::text(township.title),
                w.name.clone().map_or(Cell::Empty, Cell::Text),
                Cell::text(mask_phones_in(&w.text)),
                Cell::text(w.asked_on.to_string()),
                Cell::text(mask_phones_in(&w.reply)),
                Cell::text(w.replied_on.to_string()),
                Cell::Int(u64::try_from(days_to_answer(w)).unwrap_or(0)),
            ]
        })
        .collect();
    let columns = vec![
        "wish_id",
        "township_id",
        "township",
        "name",
        "text",
        "asked_on",
        "reply",
        "replied_on",
        "days_to_answer",
    ];
    let dataset = Dataset {
        name: "wishes",
        title: "群众诉求和文化馆的回复",
        columns,
        rows,
    };
    let answered = u32::try_from(data.wishes.len()).unwrap_or(u32::MAX);
    let days = median(data.wishes.iter().map(days_to_answer).collect());
    (
        dataset,
        answered_chart(answered, data.activity.pending_wishes, days),
    )
}

fn answered_chart(answered: u32, pending: u32, median_days: Option<f64>) -> ChartView {
    let total = answered + pending;
    let share = (total > 0).then(|| (f64::from(answered) * 100.0 / f64::from(total)).round());
    let days = median_days.map_or("—".to_owned(), |d| format!("{d}"));
    let caption = match share {
        None => "还没有收到诉求。".to_owned(),
        Some(s) => format!(
            "收到的 {total} 条诉求中，已公开回复 {answered} 条（{s}%）；从提出到回复，用时的中位数是 {days} 天。"
        ),
    };
    let rows = if total == 0 {
        Vec::new()
    } else {
        vec![Row {
            label: "诉求".into(),
            values: vec![f64::from(answered), f64::from(pending)],
            target: None,
            shown: format!("{answered}/{total}"),
        }]
    };
    let table = if total == 0 {
        Vec::new()
    } else {
        let share = share.map_or(String::new(), |s| format!("{s}%"));
        let figures = [
            total.to_string(),
            answered.to_string(),
            pending.to_string(),
            share,
            days,
        ];
        vec![std::iter::once("诉求".to_owned()).chain(figures).collect()]
    };
    finish(
        "wishes",
        "诉求的回复",
        &["已回复", "待回复"],
        rows,
        caption,
        &[
            "项目",
            "收到",
            "已回复",
            "待回复",
            "回复率",
            "回复用时中位数（天）",
        ],
        table,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_days() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![9, 1, 3]), Some(3.0));
        assert_eq!(median(vec![4, 1, 2, 9]), Some(3.0));
        assert_eq!(median(vec![1, 2]), Some(1.5));
    }

    #[test]
    fn share_answered_counts_pending_wishes() {
        let c = answered_chart(3, 1, Some(2.0));
        assert!(
            c.caption.contains("4 条诉求") && c.caption.contains("75%"),
            "{}",
            c.caption
        );
        assert!(c.svg.contains("aria-label=\"诉求的回复\""));
        assert!(answered_chart(0, 0, None).svg.is_empty());
    }
}
