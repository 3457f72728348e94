//! Editors' Markdown → HTML with pulldown-cmark; raw HTML is shown as text unless the site allows it.

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

/// Renders Markdown. With `allow_html` false, any HTML in the source is escaped, so a pasted
/// `<script>` shows as text instead of running on residents' phones.
pub fn to_html(md: &str, allow_html: bool) -> String {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(md, opts).map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) if !allow_html => Event::Text(h),
        other => other,
    });
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
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
    fn summary_takes_the_first_paragraph() {
        let md = "## 标题\n\n闽剧是福州的地方戏。\n第二行。\n\n另一段。";
        assert_eq!(summary(md, 80), "闽剧是福州的地方戏。第二行。");
        assert_eq!(summary(md, 5), "闽剧是福…");
    }
}
