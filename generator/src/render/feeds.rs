//! Feeds residents subscribe to: iCalendar (RFC 5545) for the county and each township, with
//! stable UIDs so a changed slot updates in place, and an Atom feed of announcements and replies.

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use diandan_functions::catalogue::SlotKind;

use super::views::{SlotView, Views};

/// Escapes TEXT values (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            // Other control characters are not allowed in TEXT values (RFC 5545 §3.3.11).
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes one content line, folded at 75 octets without splitting a character (§3.1).
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn host(base_url: &str) -> &str {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// The slot's start in UTC: times in content are China time (UTC+8, no daylight saving).
fn start_utc(s: &SlotView) -> NaiveDateTime {
    let time = chrono::NaiveTime::parse_from_str(&s.time, "%H:%M").unwrap_or_default();
    s.date.and_time(time) - Duration::hours(8)
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn event(out: &mut String, v: &Views, s: &SlotView, dtstamp: &str) {
    let start = start_utc(s);
    let hours = match s.kind {
        SlotKind::Stage => 2,
        SlotKind::Forum => 1,
    };
    let what = s
        .what
        .as_ref()
        .map_or("节目待定（按群众点单安排）".to_owned(), |w| {
            w.title.clone()
        });
    push_line(out, "BEGIN:VEVENT");
    push_line(out, &format!("UID:{}@{}", s.id, host(&v.site.base_url)));
    push_line(out, &format!("DTSTAMP:{dtstamp}"));
    push_line(out, &format!("DTSTART:{}", stamp(start)));
    push_line(
        out,
        &format!("DTEND:{}", stamp(start + Duration::hours(hours))),
    );
    push_line(
        out,
        &format!("SUMMARY:{}", ics_text(&format!("{}：{what}", s.kind_label))),
    );
    push_line(
        out,
        &format!(
            "LOCATION:{}",
            ics_text(&format!("{} {}", s.township.title, s.venue))
        ),
    );
    if let Some(reason) = &s.reason {
        push_line(out, &format!("DESCRIPTION:{}", ics_text(reason)));
    }
    push_line(
        out,
        &format!("URL:{}/calendar/{}/", v.site.base_url, s.month),
    );
    push_line(out, "END:VEVENT");
}

/// A calendar of `slots`, named `name`.
pub fn ics<'a>(v: &Views, name: &str, slots: impl Iterator<Item = &'a SlotView>) -> String {
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//diandan//diandan 1.0//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push_line(&mut out, line);
    }
    push_line(&mut out, &format!("X-WR-CALNAME:{}", ics_text(name)));
    push_line(&mut out, "X-WR-TIMEZONE:Asia/Shanghai");
    // The build day, not the build second: an unchanged rebuild must write the same bytes.
    let dtstamp = stamp(v.today.and_hms_opt(0, 0, 0).unwrap_or_default());
    for s in slots {
        event(&mut out, v, s, &dtstamp);
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

/// Escapes text for XML content and attributes, dropping the characters XML 1.0 does not allow
/// at all (control characters, U+FFFE, U+FFFF), which would make the whole feed unreadable.
fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| {
            matches!(*c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        })
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rfc3339(d: NaiveDate) -> String {
    let at = d.and_hms_opt(0, 0, 0).unwrap_or_default() - Duration::hours(8);
    Utc.from_utc_datetime(&at)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

struct Entry {
    title: String,
    id: String,
    link: String,
    updated: NaiveDate,
    summary: String,
}

/// Announcements of filled upcoming slots and answered wishes, newest first.
pub fn atom(v: &Views) -> String {
    let base = &v.site.base_url;
    let host = host(base);
    let mut entries: Vec<Entry> = v
        .slots
        .iter()
        .filter(|s| !s.past)
        .filter_map(|s| {
            let what = s.what.as_ref()?;
            Some(Entry {
                title: format!("{} {}：{}", s.township.title, s.kind_label, what.title),
                id: format!("tag:{host},2026:slot/{}", s.id),
                link: format!("{base}/calendar/{}/", s.month),
                updated: v.today.min(s.date),
                summary: format!(
                    "{} {} 在{}，{}",
                    s.date_label,
                    s.time,
                    s.venue,
                    s.reason.clone().unwrap_or_default()
                ),
            })
        })
        .collect();
    entries.extend(v.wishes.iter().map(|w| Entry {
        title: format!("回复{}群众诉求", w.township.title),
        id: format!("tag:{host},2026:wish/{}", w.id),
        link: format!("{base}/wishes/#wish-{}", w.id),
        updated: NaiveDate::parse_from_str(&w.replied_on_iso, "%Y-%m-%d").unwrap_or(v.today),
        summary: format!("诉求：{}\n回复：{}", w.text, w.reply),
    }));
    entries.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.id.cmp(&b.id)));
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(v.today);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n<title>{}</title>\n<id>{base}/</id>\n<link rel=\"self\" href=\"{base}/feed.xml\"/>\n<link href=\"{base}/\"/>\n<updated>{}</updated>\n<author><name>{}</name></author>\n",
        xml(&v.site.title),
        rfc3339(updated),
        xml(&v.site.organiser)
    );
    for e in entries {
        out.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>{}</id>\n<link href=\"{}\"/>\n<updated>{}</updated>\n<summary>{}</summary>\n</entry>\n",
            xml(&e.title), xml(&e.id), xml(&e.link), rfc3339(e.updated), xml(&e.summary)
        ));
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_folds_text() {
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let mut out = String::new();
        push_line(&mut out, &format!("SUMMARY:{}", "闽".repeat(40)));
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line}");
        }
        assert_eq!(
            out.replace("\r\n ", ""),
            format!("SUMMARY:{}\r\n", "闽".repeat(40))
        );
    }

    #[test]
    fn text_xml_cannot_hold_is_dropped() {
        assert_eq!(xml("a\u{FFFE}b\u{FFFF}<c>\u{1}\td"), "ab&lt;c&gt;\td");
        assert_eq!(ics_text("a\u{7}b\tc"), "ab\tc");
    }

    #[test]
    fn hosts_come_from_the_base_url() {
        assert_eq!(host("https://diandan.example.cn"), "diandan.example.cn");
        assert_eq!(host("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
    }
}
