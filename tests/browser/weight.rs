//! The page-weight budget on a slow rural connection: every program page with the CSS and
//! JavaScript it references (images excluded) at most 30 KB gzipped; and, in the browser,
//! not one request to another host.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;

use crate::driver::Browser;
use crate::forms_nojs::{ORDER, PROGRAM};
use crate::support::Server;
use crate::verify::type_code;

/// 30 KB, as transferred with gzip.
pub const BUDGET: usize = 30 * 1024;

fn get(base: &str, path: &str) -> Vec<u8> {
    let mut res = crate::support::client()
        .get(&format!("{base}{path}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(res.status().as_u16(), 200, "GET {path}");
    res.body_mut()
        .with_config()
        .limit(10 << 20)
        .read_to_vec()
        .expect("the body")
}

fn gzipped(bytes: &[u8]) -> usize {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes).expect("gzip in memory");
    gz.finish().expect("gzip in memory").len()
}

/// The values of `attr` in every `<tag …>` of `html`.
fn attrs<'a>(html: &'a str, tag: &str, attr: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    let key = format!("{attr}=\"");
    html.match_indices(&open)
        .filter_map(|(at, _)| {
            let rest = &html[at..];
            let tag_text = &rest[..rest.find('>')?];
            let start = tag_text.find(&key)? + key.len();
            let len = tag_text[start..].find('"')?;
            Some(&tag_text[start..start + len])
        })
        .collect()
}

/// What the page makes the browser fetch before it is usable: stylesheets and scripts.
/// `serve`'s live-reload script is left out: the published site does not have it.
fn assets(html: &str) -> Vec<String> {
    let styles = attrs(html, "link", "href")
        .into_iter()
        .filter(|h| h.ends_with(".css"));
    let scripts = attrs(html, "script", "src").into_iter();
    styles
        .chain(scripts)
        .filter(|u| !u.starts_with("/__diandan/"))
        .map(str::to_owned)
        .collect()
}

/// Every program page listed in the sitemap (`/programs/<slug>/`).
fn program_pages(base: &str) -> Vec<String> {
    let sitemap = String::from_utf8(get(base, "/sitemap.xml")).expect("UTF-8");
    let pages: Vec<String> = sitemap
        .split("<loc>")
        .skip(1)
        .filter_map(|s| s.split("</loc>").next())
        .filter_map(|url| url.find("/programs/").map(|i| url[i..].to_owned()))
        .filter(|p| {
            let rest = &p["/programs/".len()..];
            rest.matches('/').count() == 1 && !rest.is_empty() && !rest.starts_with("page")
        })
        .collect();
    assert!(
        pages.len() >= 10,
        "the sitemap lists the programs: {pages:?}"
    );
    pages
}

pub fn program_pages_fit_the_budget(base: &str) {
    let mut heaviest = (0, String::new(), String::new());
    for page in program_pages(base) {
        let html = String::from_utf8(get(base, &page)).expect("UTF-8");
        let refs = assets(&html);
        assert!(
            refs.iter().any(|r| r.ends_with(".css")) && refs.iter().any(|r| r.ends_with(".js")),
            "{page} references its CSS and JS: {refs:?}"
        );
        let mut parts = vec![format!("HTML {} B", gzipped(html.as_bytes()))];
        let mut total = gzipped(html.as_bytes());
        for r in &refs {
            assert!(r.starts_with('/'), "{page}: {r} is not on this host");
            let size = gzipped(&get(base, r));
            parts.push(format!("{r} {size} B"));
            total += size;
        }
        if total > heaviest.0 {
            heaviest = (total, page, parts.join(" + "));
        }
    }
    let (total, page, parts) = heaviest;
    println!("heaviest program page: {page}: {total} B gzipped ({parts}); budget {BUDGET} B");
    assert!(
        total <= BUDGET,
        "{page} weighs {total} B gzipped with its CSS and JS ({parts}), over the {BUDGET} B budget"
    );
}

/// Everything the browser fetched for a program page and an order sent from it.
pub async fn only_one_host(b: &Browser, server: &Server) {
    b.goto(PROGRAM).await;
    b.choose(ORDER, "township", "nanyu").await;
    b.fill(ORDER, "name", "林阿姨").await;
    b.fill(ORDER, "phone", "13800138000").await;
    b.submit(ORDER).await;
    b.wait_text("the code sent", |t| t.contains("验证码已发送至"))
        .await;
    type_code(b, server, ORDER, "13800138000").await;
    b.submit(ORDER).await;
    b.wait_text("the confirmation", |t| t.contains("点单成功"))
        .await;
    let urls: Value = b
        .js(
            "return performance.getEntries().map(function (e) { return e.name; })
               .filter(function (n) { return /^[a-z]+:/.test(n); });",
            vec![],
        )
        .await;
    let urls: Vec<String> = serde_json::from_value(urls).expect("a list of URLs");
    assert!(
        urls.iter().any(|u| u.ends_with("/assets/site.css"))
            && urls.iter().any(|u| u.contains("/api/orders")),
        "the browser's record has the page's requests: {urls:?}"
    );
    let foreign: Vec<&String> = urls
        .iter()
        .filter(|u| !u.starts_with(&format!("{}/", b.base)))
        .collect();
    assert_eq!(foreign, Vec::<&String>::new(), "requests to another host");
}
