//! Editors' Markdown → HTML with pulldown-cmark; raw HTML is shown as text unless the site allows it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

/// An item's body as its views show it: the HTML and the first paragraph's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Markup {
    pub html: String,
    pub summary: String,
}

impl Markup {
    /// Renders `body`; `summary_chars` is the summary's length.
    pub fn of(body: &str, allow_html: bool, summary_chars: usize) -> Markup {
        Markup {
            html: to_html(body, allow_html),
            summary: summary(body, summary_chars),
        }
    }
}

/// Bodies an earlier build already rendered, by [`Made::key`]: the CLI's memo hands them to
/// the views so that an edit renders the Markdown of the edited items alone. Empty, every
/// body is rendered.
#[derive(Debug, Default)]
pub struct Made(pub HashMap<u64, Markup>);

impl Made {
    /// What a body's markup is made from: its text, the raw-HTML setting and the summary's
    /// length (a new binary, which may render otherwise, starts a new memo).
    pub fn key(body: &str, allow_html: bool, summary_chars: usize) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (body, allow_html, summary_chars).hash(&mut h);
        h.finish()
    }

    /// The markup of `body`, from the memo if an earlier build made it.
    pub fn markup(&self, body: &str, allow_html: bool, summary_chars: usize) -> Markup {
        let known = (!self.0.is_empty())
            .then(|| self.0.get(&Made::key(body, allow_html, summary_chars)))
            .flatten();
        match known {
            Some(m) => m.clone(),
            None => Markup::of(body, allow_html, summary_chars),
        }
    }
}

/// Renders Markdown. With `allow_html` false, any HTML in the source is escaped, so a pasted
/// `<script>` shows as text instead of running on residents' phones, and a link or image whose
/// address would run script (`javascript:`, `vbscript:`, `data:`) points nowhere instead.
pub fn to_html(md: &str, allow_html: bool) -> String {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(md, opts).map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) if !allow_html => Event::Text(h),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !allow_html && runs_script(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: "#".into(),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !allow_html && runs_script(&dest_url) => Event::Start(Tag::Image {
            link_type,
            dest_url: "#".into(),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Whether a link's address is one a browser would run as script. Browsers ignore ASCII
/// whitespace and control characters inside the scheme (`java\tscript:`), and case.
fn runs_script(url: &str) -> bool {
    let scheme: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take_while(|c| *c != ':' && *c != '/' && *c != '?' && *c != '#')
        .collect::<String>()
        .to_ascii_lowercase();
    let has_scheme = url.contains(':') && !scheme.is_empty();
    has_scheme && matches!(scheme.as_str(), "javascript" | "vbscript" | "data")
}

/// The first paragraph as plain text, cut to `max` characters: for lists and meta descriptions.
pub fn summary(md: &str, max: usize) -> String {
    let mut text = String::new();
    let mut in_para = false;
    for ev in Parser::new(md) {
        match ev {
            Event::Start(Tag::Paragraph) => in_para = true,
            Event::End(TagEnd::Paragraph) if !text.is_empty() => break,
            Event::End(TagEnd::Paragraph) => in_para = false,
            Event::Text(t) | Event::Code(t) if in_para => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_para => {}
            _ => {}
        }
    }
    if text.chars().count() > max {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_raw_html_unless_allowed() {
        let md = "hi <script>alert(1)</script>\n\n<div>x</div>\n";
        let safe = to_html(md, false);
        assert!(!safe.contains("<script>"), "{safe}");
        assert!(safe.contains("&lt;script&gt;"));
        assert!(to_html(md, true).contains("<script>"));
    }

    #[test]
    fn links_that_run_script_point_nowhere_unless_html_is_allowed() {
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
        ] {
            let md = format!("[点我]({url}) ![图](vbscript:x)\n");
            let safe = to_html(&md, false);
            assert!(!safe.to_ascii_lowercase().contains("script:"), "{safe}");
            assert!(!safe.contains("data:"), "{safe}");
        }
        let fine = to_html(
            "[节目单](/programs/) [文化馆](https://example.cn/a:b)",
            false,
        );
        assert!(fine.contains("href=\"/programs/\"") && fine.contains("https://example.cn/a:b"));
    }

    #[test]
    fn summary_takes_the_first_paragraph() {
        let md = "## 标题\n\n闽剧是福州的地方戏。\n第二行。\n\n另一段。";
        assert_eq!(summary(md, 80), "闽剧是福州的地方戏。第二行。");
        assert_eq!(summary(md, 5), "闽剧是福…");
    }
}
