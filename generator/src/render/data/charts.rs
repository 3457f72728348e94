//! Horizontal bar charts as inline SVG, drawn at build time: no script, no chart library.
//! Labels are measured by display width (a CJK character takes about 1em, Latin about
//! 0.55em), and series differ by pattern as well as tone, so a grey-scale print still reads.

use std::fmt::Write as _;

use serde::Serialize;
use unicode_width::UnicodeWidthChar;

/// The drawing's width in SVG units; it scales to the page.
const WIDTH: f64 = 420.0;
const FONT: f64 = 14.0;
const ROW: f64 = 28.0;
const BAR: f64 = 18.0;
/// Labels longer than this share of the width are cut with "…" (the table has them whole).
const LABEL_SHARE: f64 = 0.36;
const INK: &str = "#1f1f1f";

/// How a series is filled: dark, pale with an outline (room left), or hatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Solid,
    Hatched,
    Pale,
}

const FILLS: [Fill; 3] = [Fill::Solid, Fill::Pale, Fill::Hatched];

/// One bar: its label, one value per series (stacked), an optional target drawn as an outlined
/// track (a lecturer's threshold), and the figure written after the bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub values: Vec<f64>,
    pub target: Option<f64>,
    pub shown: String,
}

/// A chart: an id unique on its page, a title (the SVG's accessible name), the series' names
/// (a legend is drawn when there is more than one) and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub series: Vec<String>,
    pub rows: Vec<Row>,
}

/// A chart ready for a page: the SVG and the same numbers as a table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChartView {
    pub id: String,
    pub title: String,
    /// One sentence under the title: what the chart counts, or its headline figure.
    pub caption: String,
    pub svg: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Display width of `text` in em: full-width characters 1em, others 0.55em.
pub fn text_em(text: &str) -> f64 {
    text.chars().map(char_em).sum()
}

fn char_em(c: char) -> f64 {
    match c.width().unwrap_or(0) {
        0 => 0.0,
        1 => 0.55,
        _ => 1.0,
    }
}

/// `text` cut to at most `max_em`, ending in "…" when cut.
pub fn fit(text: &str, max_em: f64) -> String {
    if text_em(text) <= max_em {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = char_em('…');
    for c in text.chars() {
        used += char_em(c);
        if used > max_em {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Escapes text for XML content and attribute values.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Where things go: computed once from the labels and figures.
struct Layout {
    label_w: f64,
    bar_x: f64,
    scale: f64,
    top: f64,
    height: f64,
}

fn layout(chart: &Chart) -> Layout {
    let em = |t: &str| text_em(t) * FONT;
    let widest = chart.rows.iter().map(|r| em(&r.label)).fold(0.0, f64::max);
    let label_w = widest.ceil().min((WIDTH * LABEL_SHARE).floor());
    let value_w = chart.rows.iter().map(|r| em(&r.shown)).fold(0.0, f64::max) + 8.0;
    let bar_x = label_w + 8.0;
    let largest = (chart.rows.iter())
        .map(|r| r.values.iter().sum::<f64>().max(r.target.unwrap_or(0.0)))
        .fold(0.0, f64::max);
    let room = (WIDTH - bar_x - value_w).max(40.0);
    let top = if chart.series.len() > 1 { ROW } else { 0.0 };
    Layout {
        label_w,
        bar_x,
        scale: if largest > 0.0 { room / largest } else { 0.0 },
        top,
        height: top + ROW * chart.rows.len().max(1) as f64 + 4.0,
    }
}

fn fill_attrs(fill: Fill, id: &str) -> String {
    match fill {
        Fill::Solid => format!("fill=\"{INK}\""),
        Fill::Hatched => format!("fill=\"url(#{id}-hatch)\" stroke=\"{INK}\""),
        Fill::Pale => format!("fill=\"#fff\" stroke=\"{INK}\""),
    }
}

/// The chart as an SVG element, its accessible name the chart's title.
pub fn svg(chart: &Chart) -> String {
    let l = layout(chart);
    let id = xml(&chart.id);
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {h}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>\
         <defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>\
         <rect width=\"2.5\" height=\"6\" fill=\"{INK}\"/></pattern></defs>\
         <g font-size=\"{FONT}\" fill=\"{INK}\">",
        h = l.height,
        t = xml(&chart.title),
    );
    legend(&mut s, chart, &id);
    for (i, row) in chart.rows.iter().enumerate() {
        bar_row(&mut s, &l, row, l.top + ROW * i as f64, &id);
    }
    s.push_str("</g></svg>");
    s
}

fn legend(s: &mut String, chart: &Chart, id: &str) {
    if chart.series.len() < 2 {
        return;
    }
    let mut x = 0.0;
    for (name, fill) in chart.series.iter().zip(FILLS) {
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"5\" width=\"14\" height=\"14\" {}/><text x=\"{}\" y=\"17\">{}</text>",
            fill_attrs(fill, id),
            x + 20.0,
            xml(name)
        );
        x += 20.0 + text_em(name) * FONT + 18.0;
    }
}

fn bar_row(s: &mut String, l: &Layout, row: &Row, y: f64, id: &str) {
    let bar_y = y + (ROW - BAR) / 2.0;
    let text_y = y + ROW / 2.0 + FONT * 0.35;
    let label = fit(&row.label, l.label_w / FONT);
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{text_y}\" text-anchor=\"end\">{}</text>",
        l.label_w,
        xml(&label)
    );
    if let Some(target) = row.target {
        let w = round(target * l.scale);
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{bar_y}\" width=\"{w}\" height=\"{BAR}\" fill=\"#fff\" \
             stroke=\"{INK}\" stroke-dasharray=\"4 3\"/>",
            l.bar_x
        );
    }
    let mut x = l.bar_x;
    for (value, fill) in row.values.iter().zip(FILLS) {
        let w = round(value * l.scale);
        if w > 0.0 {
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"{bar_y}\" width=\"{w}\" height=\"{BAR}\" {}/>",
                fill_attrs(fill, id)
            );
        }
        x += w;
    }
    let end = x.max(l.bar_x + row.target.map_or(0.0, |t| round(t * l.scale)));
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{text_y}\">{}</text>",
        end + 6.0,
        xml(&row.shown)
    );
}

/// One decimal: small SVGs that render the same everywhere.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, values: &[f64], target: Option<f64>, shown: &str) -> Row {
        Row {
            label: label.into(),
            values: values.to_vec(),
            target,
            shown: shown.into(),
        }
    }

    #[test]
    fn chinese_is_measured_by_width_not_bytes() {
        assert_eq!(
            text_em("南屿镇"),
            3.0,
            "nine bytes, three full-width characters"
        );
        assert!((text_em("Li 3") - 2.2).abs() < 1e-9);
        assert_eq!(fit("闽剧《陈靖姑》选段", 5.0), "闽剧《陈…");
        assert_eq!(fit("南屿镇", 3.0), "南屿镇");
    }

    #[test]
    fn a_long_label_leaves_room_for_the_bars() {
        let long = "很长".repeat(40);
        let chart = Chart {
            id: "c".into(),
            title: "t".into(),
            series: vec!["n".into()],
            rows: vec![row(&long, &[5.0], None, "5")],
        };
        let l = layout(&chart);
        assert!(l.label_w <= WIDTH * LABEL_SHARE);
        assert!(l.bar_x + 5.0 * l.scale <= WIDTH, "the bar stays inside");
    }

    #[test]
    fn progress_chart_svg() {
        let chart = Chart {
            id: "lecturers".into(),
            title: "讲师点将进度".into(),
            series: vec!["已点将".into()],
            rows: vec![
                row("林秀英", &[9.0], Some(15.0), "9 / 15"),
                row("陈思琪 & <Co>", &[15.0], Some(15.0), "15 / 15 已达成"),
            ],
        };
        insta::assert_snapshot!(svg(&chart));
    }

    #[test]
    fn stacked_chart_svg_has_a_legend() {
        let chart = Chart {
            id: "courses".into(),
            title: "课程名额".into(),
            series: vec!["已报名".into(), "空余".into(), "候补".into()],
            rows: vec![row("少儿古筝", &[18.0, 2.0, 3.0], None, "18/20 候补 3")],
        };
        insta::assert_snapshot!(svg(&chart));
    }
}
