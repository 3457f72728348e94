//! A small CSV writer for staff's exports: RFC 4180 quoting, CRLF line ends and a UTF-8 byte
//! order mark, so Excel opens the Chinese text correctly with a double click. Cells that a
//! spreadsheet would run as a formula get a leading apostrophe (CSV injection).

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The UTF-8 byte order mark Excel looks for.
const BOM: &str = "\u{feff}";

/// A CSV document being written.
pub(super) struct Csv {
    text: String,
}

impl Csv {
    /// A document with its header row.
    pub fn new(header: &[&str]) -> Self {
        let mut csv = Self {
            text: BOM.to_owned(),
        };
        csv.row(header);
        csv
    }

    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        let cells: Vec<Cow<'_, str>> = cells.iter().map(|c| cell(c.as_ref())).collect();
        self.text.push_str(&cells.join(","));
        self.text.push_str("\r\n");
    }

    #[cfg(test)]
    pub fn into_text(self) -> String {
        self.text
    }

    /// A download named `filename` (plain ASCII).
    pub fn into_response(self, filename: &str) -> Response {
        let mut response = (StatusCode::OK, self.text).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        let disposition = format!("attachment; filename=\"{filename}\"");
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    }
}

/// One cell: defused if it starts like a formula, quoted if it holds `,` `"` or a line break.
fn cell(raw: &str) -> Cow<'_, str> {
    let formula = raw.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let value: Cow<'_, str> = if formula {
        Cow::Owned(format!("'{raw}"))
    } else {
        Cow::Borrowed(raw)
    };
    if value.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_defuses() {
        assert_eq!(cell("南屿镇"), "南屿镇");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("说\"好\""), "\"说\"\"好\"\"\"");
        assert_eq!(cell("两行\n文字"), "\"两行\n文字\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+86"), "'+86");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn starts_with_a_bom_and_ends_rows_with_crlf() {
        let mut csv = Csv::new(&["姓名", "乡镇"]);
        csv.row(&["张美玲", "南屿镇"]);
        assert_eq!(csv.into_text(), "\u{feff}姓名,乡镇\r\n张美玲,南屿镇\r\n");
    }
}
