//! The downloads: each dataset as CSV (UTF-8 with a BOM, so Excel in China reads it, and every
//! text cell that could start a formula made inert) and as JSON, both with the build time.

use serde_json::{json, Map, Value};

/// What the downloads are published under.
pub const LICENCE: &str = "CC BY 4.0";

/// One cell; numbers stay numbers in JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(u64),
    Num(f64),
    Bool(bool),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => guard(s),
            Cell::Int(n) => n.to_string(),
            Cell::Num(x) => x.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Empty => String::new(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => json!(s),
            Cell::Int(n) => json!(n),
            Cell::Num(x) => json!(x),
            Cell::Bool(b) => json!(b),
            Cell::Empty => Value::Null,
        }
    }
}

/// A table to publish: file stem, title, column names and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub name: &'static str,
    pub title: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as a spreadsheet must show it: one that would start a formula gets a leading
/// apostrophe, which Excel and LibreOffice read as "this is text".
pub fn guard(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The dataset as CSV: BOM, a header row, every row with the build time in its last column.
pub fn to_csv(d: &Dataset, built_at: &str) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut w = ::csv::WriterBuilder::new()
        .quote_style(::csv::QuoteStyle::NonNumeric)
        .from_writer(&mut out);
    // Writing into memory cannot fail; a record of the wrong length is a bug caught by tests.
    let header = d.columns.iter().copied().chain(["built_at"]);
    let _ = w.write_record(header);
    for row in &d.rows {
        let cells = row.iter().map(Cell::csv).chain([built_at.to_owned()]);
        let _ = w.write_record(cells);
    }
    let _ = w.flush();
    drop(w);
    out
}

/// The dataset as JSON: rows as objects keyed by column, with title, licence and build time.
pub fn to_json(d: &Dataset, built_at: &str, source: &str) -> Vec<u8> {
    let rows: Vec<Value> = (d.rows.iter())
        .map(|row| {
            let fields = d
                .columns
                .iter()
                .zip(row)
                .map(|(c, v)| (c.to_string(), v.json()));
            Value::Object(fields.collect::<Map<_, _>>())
        })
        .collect();
    let doc = json!({
        "dataset": d.name, "title": d.title, "source": source, "built_at": built_at,
        "licence": LICENCE, "columns": d.columns, "rows": rows,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wishes() -> Dataset {
        Dataset {
            name: "wishes",
            title: "诉求",
            columns: vec!["id", "text", "days"],
            rows: vec![
                vec![
                    Cell::Int(1),
                    Cell::text("=HYPERLINK(\"x\")"),
                    Cell::Num(1.5),
                ],
                vec![Cell::Int(2), Cell::text("多放电影，\n谢谢"), Cell::Empty],
            ],
        }
    }

    #[test]
    fn every_formula_start_is_guarded() {
        for c in FORMULA_STARTS {
            assert_eq!(guard(&format!("{c}1+1")), format!("'{c}1+1"));
        }
        assert_eq!(
            guard("南屿镇 -1"),
            "南屿镇 -1",
            "only the first character matters"
        );
    }

    #[test]
    fn csv_starts_with_a_bom_and_quotes_text() {
        let bytes = to_csv(&wishes(), "2026-12-15T10:00:00+08:00");
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(bytes).unwrap();
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next(), Some("\"id\",\"text\",\"days\",\"built_at\""));
        assert_eq!(
            lines.next(),
            Some("1,\"'=HYPERLINK(\"\"x\"\")\",1.5,\"2026-12-15T10:00:00+08:00\"")
        );
    }

    #[test]
    fn json_keeps_the_text_and_the_types() {
        let doc: Value = serde_json::from_slice(&to_json(&wishes(), "t", "s")).unwrap();
        assert_eq!(doc["rows"][0]["text"], "=HYPERLINK(\"x\")");
        assert_eq!(doc["rows"][0]["days"], 1.5);
        assert_eq!(doc["rows"][1]["days"], Value::Null);
        assert_eq!(
            (doc["built_at"].as_str(), doc["licence"].as_str()),
            (Some("t"), Some(LICENCE))
        );
    }
}
