//! The Nu Html Checker (npm `vnu-jar`, run with Java) over every page of the sample site as
//! `serve` publishes it — found by following links from the home page and the sitemap — and
//! over the pages the API renders itself (receipts, the form again with its mistakes, a
//! registration's status and cancel pages, errors, a village helper's start page, forms and
//! receipt), plus the theme's CSS. No error may remain.

mod support;
#[path = "browser/tools.rs"]
mod tools;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{china, client, repo_root, Server, ADMIN_TOKEN};

const SECRET: &str = "html-valid-test-secret-0123456789abcdef";

struct Fetched {
    status: u16,
    content_type: String,
    location: Option<String>,
    body: String,
}

fn fetch(req: Result<ureq::http::Response<ureq::Body>, ureq::Error>, what: &str) -> Fetched {
    let mut res = req.unwrap_or_else(|e| panic!("{what}: {e}"));
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_default();
    let location = header("location");
    Fetched {
        status: res.status().as_u16(),
        content_type,
        location,
        body: res.body_mut().read_to_string().unwrap_or_default(),
    }
}

fn get(base: &str, path: &str) -> Fetched {
    fetch(client().get(&format!("{base}{path}")).call(), path)
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A plain HTML form post (JavaScript off).
fn post_form(base: &str, path: &str, fields: &[(&str, &str)]) -> Fetched {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    fetch(
        client()
            .post(&format!("{base}{path}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body.join("&")),
        path,
    )
}

/// Same-origin links of a page: `href="/…"`, without fragments.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|h| h.starts_with('/') && !h.starts_with("//") && !h.starts_with("/__diandan/"))
        .map(|h| h.split('#').next().unwrap_or(h).replace("&amp;", "&"))
        .collect()
}

/// Every page of the site, by following links from `/` and the sitemap's entries.
fn crawl(base: &str, pages: &mut BTreeMap<String, String>) {
    let sitemap = get(base, "/sitemap.xml").body;
    let listed: Vec<String> = sitemap
        .split("<loc>")
        .skip(1)
        .filter_map(|s| s.split("</loc>").next())
        .filter_map(|u| u.find("://").map(|i| &u[i + 3..]))
        .filter_map(|u| u.find('/').map(|i| u[i..].to_owned()))
        .collect();
    assert!(listed.len() > 50, "the sitemap lists the site: {sitemap}");
    let mut queue: VecDeque<String> = std::iter::once("/".to_owned())
        .chain(listed.iter().cloned())
        .collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    while let Some(path) = queue.pop_front() {
        let page = get(base, &path);
        if !page.content_type.starts_with("text/html") {
            continue;
        }
        assert_eq!(page.status, 200, "GET {path} (linked from the site)");
        for link in links(&page.body) {
            if !link.starts_with("/api/") && seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
        pages.insert(path, page.body);
    }
    for path in &listed {
        assert!(
            pages.contains_key(path),
            "{path} from the sitemap was checked"
        );
    }
}

/// Follows a 303 from a form post to the page it leads to.
fn landing(base: &str, res: Fetched, what: &str) -> (String, String) {
    assert_eq!(res.status, 303, "{what}: {}", res.body);
    let to = res.location.expect("a Location header");
    let page = get(base, &to);
    assert_eq!(page.status, 200, "{what}: GET {to}");
    (to, page.body)
}

/// `fields` with the text-message code for their phone, as a resident types it in.
fn coded<'a>(server: &Server, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, String)> {
    let phone = fields.iter().find(|(k, _)| *k == "phone").map(|(_, v)| *v);
    let mut typed: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
    typed.extend(phone.map(|p| ("code", server.code(p))));
    typed
}

fn post_coded(server: &Server, path: &str, fields: &[(&str, &str)]) -> Fetched {
    let typed = coded(server, fields);
    let fields: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_form(&server.base, path, &fields)
}

/// The pages the API renders: each reached the way a resident without JavaScript reaches it.
fn api_pages(server: &Server, pages: &mut BTreeMap<String, String>) {
    let base = &server.base;
    let order = [
        ("program", "minju-chenjinggu"),
        ("township", "nanyu"),
        ("name", "林阿姨"),
        ("phone", "13800138000"),
    ];
    // The first try without a code: one is sent, and the form comes back asking for it.
    let asked = post_form(base, "/api/orders", &order);
    assert_eq!(asked.status, 422, "{}", asked.body);
    assert!(asked.body.contains("验证码已发送至"), "{}", asked.body);
    pages.insert("POST /api/orders (code sent)".into(), asked.body);
    let sent = post_form(base, "/api/verify", &[("phone", "13800138009")]);
    assert_eq!(sent.status, 202, "{}", sent.body);
    pages.insert("POST /api/verify".into(), sent.body);
    let code = server
        .inbox
        .code_for("13800138000")
        .expect("the text arrived");
    let mut order = order.to_vec();
    order.push(("code", &code));
    let (to, body) = landing(base, post_form(base, "/api/orders", &order), "an order");
    pages.insert(to, body);
    let (to, body) = landing(base, post_form(base, "/api/orders", &order), "a repeat");
    pages.insert(to, body);
    let wrong = post_form(
        base,
        "/api/orders",
        &[
            ("program", "minju-chenjinggu"),
            ("name", "<陈伯>"),
            ("phone", "12"),
        ],
    );
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    pages.insert("POST /api/orders (mistakes)".into(), wrong.body);
    let nomination = [
        ("lecturer", "lin-xiuying"),
        ("township", "shangjie"),
        ("name", "乡亲"),
        ("phone", "13800138001"),
    ];
    let (to, body) = landing(
        base,
        post_coded(server, "/api/nominations", &nomination),
        "a nomination",
    );
    pages.insert(to, body);
    let withdraw = get(base, "/api/nominations/lin-xiuying/withdraw");
    pages.insert(
        "/api/nominations/lin-xiuying/withdraw".into(),
        withdraw.body,
    );
    let child = [
        ("course", "hanjia-shaoer-guzheng"),
        ("child_name", "小明"),
        ("child_age", "9"),
        ("guardian_name", "陈美玲"),
        ("phone", "13800138002"),
    ];
    let (status, body) = landing(
        base,
        post_coded(server, "/api/registrations", &child),
        "a registration",
    );
    let cancel = links(&body)
        .into_iter()
        .find(|l| l.contains("/cancel?"))
        .expect("a cancel link on the status page");
    pages.insert(status, body);
    pages.insert(cancel.clone(), get(base, &cancel).body);
    let token = cancel.split("token=").nth(1).expect("a token").to_owned();
    let path = cancel.split('?').next().expect("a path").to_owned();
    let (to, body) = landing(
        base,
        post_form(base, &path, &[("token", &token)]),
        "a cancel",
    );
    pages.insert(format!("{to} (cancelled)"), body);
    let wish = [("text", "希望寒假能开少儿书法班"), ("township", "ganzhe")];
    let (to, body) = landing(base, post_form(base, "/api/wishes", &wish), "a wish");
    pages.insert(to, body);
    let rating = [
        ("slot", "2026-12-05-baisha-stage"),
        ("phone", "13800138003"),
        ("stars", "5"),
    ];
    let (to, body) = landing(base, post_form(base, "/api/ratings", &rating), "a rating");
    pages.insert(to, body);
    let missing = get(base, "/api/orders/receipt?program=nope&township=nanyu");
    pages.insert("/api/orders/receipt (unknown)".into(), missing.body);
    // The staff and helper pages (README: `/assets/admin.html`) are pages of the site too.
    for page in ["/assets/admin.html", "/assets/helper.html"] {
        let fetched = get(base, page);
        assert_eq!(fetched.status, 200, "{page}");
        pages.insert(page.into(), fetched.body);
    }
    helper_pages(base, pages);
    let lost = get(base, "/no-such-page/");
    assert_eq!(lost.status, 404);
    pages.insert("/no-such-page/ (404)".into(), lost.body);
}

/// A request with the session cookie `jar`, from the site's own pages.
fn as_helper(base: &str, path: &str, jar: &str, form: Option<&str>) -> Fetched {
    let url = format!("{base}{path}");
    let sent = match form {
        None => client().get(&url).header("Cookie", jar).call(),
        Some(body) => (client().post(&url))
            .header("Cookie", jar)
            .header("Origin", base)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body),
    };
    fetch(sent, path)
}

/// What a village helper meets without JavaScript: start page, a form, a mistake, a receipt.
fn helper_pages(base: &str, pages: &mut BTreeMap<String, String>) {
    let account = serde_json::json!({"account": "lin-xiaomei", "role": "helper",
        "townships": "nanyu", "password": "tea-garden-2026"});
    let added = (client().post(&format!("{base}/api/admin/accounts")))
        .header("Authorization", &format!("Bearer {ADMIN_TOKEN}"))
        .send_json(&account);
    assert_eq!(fetch(added, "adding a helper").status, 201);
    let mut res = (client().post(&format!("{base}/api/staff/login")))
        .header("Origin", base)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send("account=lin-xiaomei&password=tea-garden-2026")
        .expect("the helper logs in");
    assert_eq!(res.status().as_u16(), 303);
    let set = (res.headers().get("set-cookie"))
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie");
    let jar = set.split(';').next().unwrap_or_default().to_owned();
    let _ = res.body_mut().read_to_string();
    for path in ["/api/helper/home", "/api/helper/forms/registrations"] {
        pages.insert(path.into(), as_helper(base, path, &jar, None).body);
    }
    let wrong = "channel=paper&township=nanyu&program=minju-chenjinggu&phone=12";
    let again = as_helper(base, "/api/helper/orders", &jar, Some(wrong));
    assert_eq!(again.status, 422);
    pages.insert("/api/helper/orders (mistakes)".into(), again.body);
    let right = format!(
        "channel=paper&township=nanyu&program=minju-chenjinggu&phone=13800138009&name={}",
        encode("陈阿婆")
    );
    let receipt = as_helper(base, "/api/helper/orders", &jar, Some(&right));
    assert_eq!(receipt.status, 201, "{}", receipt.body);
    pages.insert("/api/helper/orders (receipt)".into(), receipt.body);
}

/// Runs vnu over `dir`; returns its messages.
fn vnu(dir: &Path) -> Vec<Value> {
    let out = Command::new(tools::java())
        .args(["-Xss8m", "-jar"])
        .arg(tools::vnu_jar())
        .args([
            "--errors-only",
            "--also-check-css",
            "--format",
            "json",
            "--stdout",
        ])
        .arg(dir)
        .output()
        .expect("java runs the Nu Html Checker");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "vnu's JSON report ({e}); it said:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    report["messages"].as_array().cloned().unwrap_or_default()
}

#[test]
fn every_page_and_the_css_are_valid_for_the_nu_html_checker() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let server = Server::start(
        &repo_root(),
        &dir.path().join("store.sqlite3"),
        SECRET,
        china("2026-12-15"),
    );
    let mut pages = BTreeMap::new();
    crawl(&server.base, &mut pages);
    let site_pages = pages.len();
    for linked in ["/data/", "/data/report/2026-12/"] {
        assert!(
            pages.contains_key(linked),
            "{linked} is reached from the home page"
        );
    }
    api_pages(&server, &mut pages);
    let css = get(&server.base, "/assets/site.css");
    let data_css = get(&server.base, "/assets/data.css");
    server.stop();

    let out = dir.path().join("pages");
    std::fs::create_dir_all(&out).expect("a folder for the pages");
    let mut names = BTreeMap::new();
    for (n, (path, html)) in pages.iter().enumerate() {
        let file = format!("page-{n:03}.html");
        std::fs::write(out.join(&file), html).expect("the page is written");
        names.insert(file, path.clone());
    }
    std::fs::write(out.join("site.css"), css.body).expect("the CSS is written");
    std::fs::write(out.join("data.css"), data_css.body).expect("the CSS is written");
    let messages = vnu(&out);
    let problems: Vec<String> = messages
        .iter()
        .map(|m| {
            let url = m["url"].as_str().unwrap_or_default();
            let file = url.rsplit('/').next().unwrap_or_default();
            let page = names.get(file).map_or(file, String::as_str);
            format!(
                "{page}:{}: {}: {}\n    {}",
                m["lastLine"],
                m["type"].as_str().unwrap_or_default(),
                m["message"].as_str().unwrap_or_default(),
                m["extract"].as_str().unwrap_or_default().replace('\n', " ")
            )
        })
        .collect();
    println!(
        "the Nu Html Checker read {} pages ({site_pages} found by links, {} more: API pages, 404, staff page), site.css and data.css",
        pages.len(),
        pages.len() - site_pages
    );
    assert!(
        problems.is_empty(),
        "the Nu Html Checker found {} error(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
