//! The small server-rendered pages (receipts, errors, re-shown forms): hand-written HTML,
//! every interpolated value escaped, in plain Chinese, usable on a cheap phone without JS.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, Weekday};

use super::problem::ApiError;

/// Escapes text for HTML content and double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What every page needs to link back to the site.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The site's base URL without a trailing slash ("" when served from the same origin).
    pub base_url: String,
    pub site_title: String,
}

/// The essentials styled inline, so the pages read well even before the theme styles them.
const INLINE_CSS: &str = "\
.receipt-code{font-size:2.5rem;font-weight:700;letter-spacing:.2em;font-family:monospace}\
.error-summary{border:4px solid #b10e1e;padding:1rem;margin:1rem 0}\
.error-summary:focus{outline:3px solid #fd0}\
.field--error{border-left:4px solid #b10e1e;padding-left:.75rem}\
.error-message{color:#b10e1e;font-weight:700}\
.hint{color:#555}\
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}\
.honeypot{position:absolute;left:-10000px}\
.receipt-main input,.receipt-main select,.receipt-main textarea{font-size:1.125rem;max-width:100%}\
.receipt-main button{font-size:1.25rem;padding:.5rem 1.5rem}";

/// A whole page around `body` (which must already be safe HTML). The header, main and footer
/// use the default theme's classes (`top`, `wrap`, `foot`), so the pages look like the site.
pub fn page(chrome: &Chrome, title: &str, body: &str) -> String {
    let base = escape(&chrome.base_url);
    let site = escape(&chrome.site_title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title} - {site}</title>\n\
         <link rel=\"stylesheet\" href=\"{base}/assets/site.css\">\n<style>{INLINE_CSS}</style>\n\
         </head>\n<body class=\"receipt\">\n\
         <header class=\"top\"><div class=\"wrap\"><a class=\"brand\" href=\"{base}/\"><span class=\"mark\" aria-hidden=\"true\">点</span>{site}</a></div></header>\n\
         <main id=\"main\" class=\"wrap receipt-main\">\n{body}\n</main>\n\
         <footer class=\"foot\"><div class=\"wrap\"><p><a href=\"{base}/\">返回首页</a></p></div></footer>\n\
         </body>\n</html>\n",
        title = escape(title),
    )
}

/// An HTML answer; never cached, since receipts are personal.
pub fn respond(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Status and cancel pages carry the secret token in their URL: never leak it to the
    // stylesheet's or the home page's host through the Referer header.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// An error as a page: what went wrong and what to do, without a form to re-show.
pub fn error_page(chrome: &Chrome, err: &ApiError) -> Response {
    let mut body = format!(
        "<h1>{}</h1>\n<p>{}</p>\n",
        escape(&err.title),
        escape(&err.detail)
    );
    if !err.errors.is_empty() {
        body.push_str("<ul>\n");
        for e in &err.errors {
            body.push_str(&format!("<li>{}</li>\n", escape(&e.message)));
        }
        body.push_str("</ul>\n");
    }
    body.push_str(
        "<p>请用浏览器的“返回”回到上一页修改后再提交。如有疑问，请拨打文化馆服务台电话。</p>",
    );
    respond(err.status, page(chrome, &err.title, &body))
}

/// `2026年12月12日（星期六）`.
pub fn date_zh(date: NaiveDate) -> String {
    let weekday = match date.weekday() {
        Weekday::Mon => "一",
        Weekday::Tue => "二",
        Weekday::Wed => "三",
        Weekday::Thu => "四",
        Weekday::Fri => "五",
        Weekday::Sat => "六",
        Weekday::Sun => "日",
    };
    format!(
        "{}年{}月{}日（星期{weekday}）",
        date.year(),
        date.month(),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            escape(r#"<script>"x" & 'y'</script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(escape("张美玲"), "张美玲");
    }

    #[test]
    fn pages_are_chinese_and_mobile_ready() {
        let chrome = Chrome {
            base_url: "https://x.example".into(),
            site_title: "点单<点将>".into(),
        };
        let html = page(&chrome, "标题", "<p>正文</p>");
        assert!(html.contains("<html lang=\"zh-CN\">"));
        assert!(html.contains("name=\"viewport\""));
        assert!(html.contains("href=\"https://x.example/assets/site.css\""));
        assert!(html.contains("点单&lt;点将&gt;"));
    }

    #[test]
    fn dates_read_naturally() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        assert_eq!(date_zh(d), "2026年12月12日（星期六）");
    }
}
