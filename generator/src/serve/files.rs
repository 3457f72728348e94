//! Serving the in-memory site: paths to files, content types, the 404 page, and the small
//! additions `serve` makes to HTML (the live-reload script, a banner when the build failed).

use std::sync::{Arc, PoisonError, RwLock};

use axum::body::Body;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};

use crate::render::Site;

/// What the browser sees: the last good site, and the problems of the last build if it failed.
#[derive(Default)]
pub struct Current {
    pub site: Arc<Site>,
    /// Set while the newest build failed; the old site keeps being served under a banner.
    pub problems: Option<String>,
    /// Bumped after every build, good or bad; the reload script waits for it to change.
    pub version: u64,
}

pub type Shared = Arc<RwLock<Current>>;

pub fn read(shared: &Shared) -> std::sync::RwLockReadGuard<'_, Current> {
    shared.read().unwrap_or_else(PoisonError::into_inner)
}

/// Decodes `%E9%97%BD` sequences; a malformed escape is kept as it is.
pub fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ics" => "text/calendar; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The script `serve` adds to every page: it waits for the next build and reloads.
pub const RELOAD_JS: &str = r#"(function(){var v=document.currentScript.getAttribute("data-version");
function wait(){fetch("/__diandan/wait?since="+v).then(function(r){return r.text()}).then(function(n){if(n!==v){location.reload()}else{wait()}}).catch(function(){setTimeout(wait,1000)})}wait()})();"#;

fn decorate(html: &[u8], current: &Current) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(html).into_owned();
    let script = format!(
        "<script src=\"/__diandan/reload.js\" data-version=\"{}\"></script></body>",
        current.version
    );
    text = text.replacen("</body>", &script, 1);
    if let Some(problems) = &current.problems {
        let banner = format!(
            "<div role=\"alert\" style=\"background:#fff3f3;border:4px solid #b00020;padding:1rem;margin:0;font:16px/1.5 monospace;white-space:pre-wrap\"><strong>构建失败，下面是上一次成功的页面。请修改以下问题：</strong>\n{}</div>",
            escape(problems)
        );
        text = match text
            .find("<body")
            .and_then(|i| text[i..].find('>').map(|j| i + j + 1))
        {
            Some(at) => format!("{}{banner}{}", &text[..at], &text[at..]),
            None => format!("{banner}{text}"),
        };
    }
    text.into_bytes()
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn file(status: StatusCode, path: &str, bytes: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type(path))
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Finds the file for a URL path: `/` → `index.html`, `/x/` → `x/index.html`, `/x` → redirect.
pub fn respond(shared: &Shared, uri: &Uri) -> Response {
    let current = read(shared);
    let path = percent_decode(uri.path());
    let key = path.trim_start_matches('/');
    let key = if key.is_empty() || key.ends_with('/') {
        format!("{key}index.html")
    } else {
        key.to_owned()
    };
    if let Some(bytes) = current.site.files.get(&key) {
        let body = if key.ends_with(".html") {
            decorate(bytes, &current)
        } else {
            bytes.clone()
        };
        return file(StatusCode::OK, &key, body);
    }
    if current
        .site
        .files
        .contains_key(&format!("{key}/index.html"))
    {
        return Redirect::permanent(&format!("{}/", uri.path())).into_response();
    }
    let page = current
        .site
        .files
        .get("404.html")
        .map(|b| decorate(b, &current));
    let page = page.unwrap_or_else(|| {
        decorate(
            "<!doctype html><html lang=\"zh-CN\"><body><h1>页面不存在</h1></body></html>"
                .as_bytes(),
            &current,
        )
    });
    file(StatusCode::NOT_FOUND, "404.html", page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(files: &[(&str, &str)]) -> Shared {
        let site = Site {
            files: files
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect(),
        };
        Arc::new(RwLock::new(Current {
            site: Arc::new(site),
            problems: None,
            version: 3,
        }))
    }

    #[test]
    fn maps_paths_to_files() {
        let s = shared(&[
            ("index.html", "<body>home</body>"),
            ("programs/category/闽剧/index.html", "<body>x</body>"),
            ("404.html", "<body>nf</body>"),
        ]);
        let ok = respond(&s, &"/".parse().unwrap());
        assert_eq!(ok.status(), StatusCode::OK);
        let cat = respond(
            &s,
            &"/programs/category/%E9%97%BD%E5%89%A7/".parse().unwrap(),
        );
        assert_eq!(cat.status(), StatusCode::OK);
        let redirect = respond(
            &s,
            &"/programs/category/%E9%97%BD%E5%89%A7".parse().unwrap(),
        );
        assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(
            respond(&s, &"/nope".parse().unwrap()).status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn decorates_html_with_reload_and_problems() {
        let mut c = Current {
            version: 7,
            ..Current::default()
        };
        let plain = String::from_utf8(decorate(b"<body class=a>x</body>", &c)).unwrap();
        assert!(plain.contains("data-version=\"7\""));
        c.problems = Some("content/a.md:1:1: <bad>".into());
        let banner = String::from_utf8(decorate(b"<body class=a>x</body>", &c)).unwrap();
        assert!(
            banner.starts_with("<body class=a><div role=\"alert\""),
            "{banner}"
        );
        assert!(banner.contains("&lt;bad&gt;"));
    }
}
