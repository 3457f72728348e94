//! Looking for live markup: in HTML (tags and `javascript:` addresses that would run), in XML
//! (well-formedness, with a real tokenizer), in iCalendar (a real parser, and no line a
//! resident's text could have started) and in the API's answers.

use std::path::Path;

use icalendar::{Calendar, CalendarComponent, Component};

use crate::support::client;

/// What a hostile text would look like had it been let through unescaped.
const LIVE: [&str; 6] = [
    "<script>alert",
    "<script>x",
    "<img src=x onerror",
    "<svg onload",
    "<x>",
    "<![CDATA[ ]]>",
];

/// Whether a `javascript:` address opens a URL attribute of a real tag (`href="javascript:`),
/// rather than sitting in text or inside another attribute's quoted value.
fn script_address_in_a_tag(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices("javascript:").any(|(at, _)| {
        let before = &lower[..at];
        let in_tag = before
            .rfind('<')
            .is_some_and(|o| !before[o..].contains('>'));
        let value_start = before.trim_end_matches(['"', '\'', ' ']);
        let attribute = value_start.strip_suffix('=').map(str::trim_end);
        let url_attribute = ["href", "src", "action", "formaction"];
        in_tag && attribute.is_some_and(|a| url_attribute.iter().any(|u| a.ends_with(u)))
    })
}

/// Fails the test if `text` (an HTML page, `what`) holds live hostile markup.
pub fn inert_html(what: &str, text: &str) {
    for live in LIVE {
        assert!(!text.contains(live), "{what} holds {live}");
    }
    assert!(
        !script_address_in_a_tag(text),
        "{what} links to javascript:"
    );
}

/// Fails the test unless `text` is well-formed XML with only characters XML allows.
pub fn well_formed_xml(what: &str, text: &str) {
    let bad_char = text.chars().find(|c| {
        !matches!(*c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    });
    assert!(
        bad_char.is_none(),
        "{what} holds {bad_char:?}, not allowed in XML"
    );
    let mut open: Vec<String> = Vec::new();
    for token in xmlparser::Tokenizer::from(text) {
        let token = token.unwrap_or_else(|e| panic!("{what} is not well-formed XML: {e}"));
        match token {
            xmlparser::Token::ElementStart { local, .. } => open.push(local.to_string()),
            xmlparser::Token::ElementEnd { end, .. } => match end {
                xmlparser::ElementEnd::Open => {}
                xmlparser::ElementEnd::Empty => {
                    open.pop();
                }
                xmlparser::ElementEnd::Close(_, local) => {
                    let opened = open.pop();
                    assert_eq!(
                        opened.as_deref(),
                        Some(local.as_str()),
                        "{what}: tags cross"
                    );
                }
            },
            _ => {}
        }
    }
    assert!(open.is_empty(), "{what}: unclosed {open:?}");
}

fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text of every `<tag>` element of an XML document, unescaped.
pub fn atom_texts(feed: &str, tag: &str) -> Vec<String> {
    let (mut inside, mut texts) = (false, Vec::new());
    for token in xmlparser::Tokenizer::from(feed).map_while(Result::ok) {
        match token {
            xmlparser::Token::ElementStart { local, .. } => inside = local.as_str() == tag,
            xmlparser::Token::Text { text } if inside => texts.push(unescape_xml(text.as_str())),
            xmlparser::Token::ElementEnd { .. } => {}
            _ => inside = false,
        }
    }
    texts
}

/// One event of a calendar, its values unescaped by the parser.
#[derive(Debug)]
pub struct Event {
    pub uid: String,
    pub summary: String,
    pub description: String,
}

/// The events of an `.ics`, checked: it parses, and it has exactly one event per
/// `BEGIN:VEVENT` line, none of them one a resident's text could have made.
pub fn ics_events(text: &str) -> Vec<Event> {
    let cal: Calendar = text.parse().expect("the calendar parses as RFC 5545");
    let events: Vec<Event> = cal
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(Event {
                uid: e.get_uid().unwrap_or_default().to_owned(),
                summary: e.get_summary().unwrap_or_default().to_owned(),
                description: e.get_description().unwrap_or_default().to_owned(),
            }),
            _ => None,
        })
        .collect();
    let unfolded = text.replace("\r\n ", "");
    let begins = unfolded
        .split("\r\n")
        .filter(|l| *l == "BEGIN:VEVENT")
        .count();
    assert_eq!(begins, events.len(), "one event per BEGIN:VEVENT line");
    for line in unfolded.split("\r\n") {
        assert!(
            !line.starts_with("UID:fake") && !line.starts_with("SUMMARY:假的"),
            "{line}"
        );
    }
    assert!(
        events.iter().all(|e| !e.uid.starts_with("fake")),
        "{events:?}"
    );
    events
}

/// How many files of each kind were checked.
#[derive(Debug, Default)]
pub struct Checked {
    pub html: usize,
    pub xml: usize,
    pub ics: usize,
    pub json: usize,
    pub other: usize,
}

/// Checks every file of a built site by its kind.
pub fn every_file(out: &Path) -> Checked {
    let mut checked = Checked::default();
    for e in walkdir::WalkDir::new(out).into_iter().map(Result::unwrap) {
        if !e.file_type().is_file() {
            continue;
        }
        let what = e.path().strip_prefix(out).unwrap().display().to_string();
        let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        match e.path().extension().and_then(|x| x.to_str()).unwrap_or("") {
            "html" => {
                inert_html(&what, &text);
                checked.html += 1;
            }
            "xml" => {
                well_formed_xml(&what, &text);
                checked.xml += 1;
            }
            "ics" => {
                ics_events(&text);
                checked.ics += 1;
            }
            "csv" => {
                inert_csv(&what, &text);
                checked.other += 1;
            }
            "json" => {
                let parsed = serde_json::from_str::<serde_json::Value>(&text);
                assert!(parsed.is_ok(), "{what} is not JSON");
                checked.json += 1;
            }
            _ => {
                inert_html(&what, &text);
                checked.other += 1;
            }
        }
    }
    checked
}

/// A download is data, served as `text/csv`: markup in it is text, but no cell may start as a
/// spreadsheet formula.
fn inert_csv(what: &str, text: &str) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{what} is not CSV: {e}"));
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '@']),
                "{what} has a cell that starts a formula: {cell}"
            );
        }
    }
}

/// An answer of the API: what was asked, whether it is HTML, and its body.
pub struct Page {
    pub what: String,
    pub html: bool,
    pub body: String,
}

fn page(what: String, mut res: ureq::http::Response<ureq::Body>) -> Page {
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    let kind = kind.map(str::to_owned);
    let html = kind.as_deref().is_some_and(|k| k.starts_with("text/html"));
    let sniffable = kind.as_deref().is_none_or(|k| !k.contains("json"));
    let nosniff = res.headers().get("x-content-type-options").is_some();
    let body = res.body_mut().read_to_string().unwrap_or_default();
    assert!(
        !sniffable || html || nosniff || body.is_empty(),
        "{what}: {kind:?} {body}"
    );
    Page { what, html, body }
}

/// POSTs a plain HTML form (JavaScript off).
pub fn post_form(base: &str, path: &str, fields: &[(&str, &str)]) -> Page {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let res = client()
        .post(&format!("{base}{path}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body)
        .expect("the server answers");
    page(format!("POST {path}"), res)
}

pub fn get(base: &str, path: &str) -> Page {
    let res = client()
        .get(&format!("{base}{path}"))
        .call()
        .expect("the server answers");
    page(format!("GET {path}"), res)
}

/// `parts` joined and percent-encoded for a query string or a path segment.
pub fn query(parts: &[&str]) -> String {
    let joined = parts.concat();
    let encoded = serde_urlencoded::to_string([("q", joined.as_str())]).unwrap();
    encoded.trim_start_matches("q=").to_owned()
}
