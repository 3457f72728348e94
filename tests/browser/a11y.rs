//! axe-core inside Chromium on every kind of page a resident can meet — the static pages, the
//! server-rendered receipt and error pages, and forms showing their mistakes — against the
//! WCAG 2.1 A and AA rules. Optionally saves the README's screenshots on the way.

use std::time::Duration;

use serde_json::json;

use crate::driver::Browser;
use crate::forms_nojs::{ORDER, PROGRAM};
use crate::support::Server;
use crate::verify::type_code;
use crate::{phone, tools};

const RULES: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']";

/// Every page type of the built site, by a representative path.
const PAGES: &[(&str, &str)] = &[
    ("home", "/"),
    ("programs", "/programs/"),
    ("programs, page 2", "/programs/page/2/"),
    ("program", PROGRAM),
    ("category", "/programs/category/闽剧/"),
    ("lecturers", "/lecturers/"),
    ("lecturer", "/lecturers/lin-xiuying/"),
    ("courses", "/courses/"),
    ("course", "/courses/hanjia-shaoer-guzheng/"),
    ("townships", "/townships/"),
    ("township", "/townships/nanyu/"),
    ("calendar", "/calendar/"),
    ("month", "/calendar/2026-12/"),
    ("about page", "/about/"),
    ("wishes", "/wishes/"),
    ("open data", "/data/"),
    ("monthly report", "/data/report/2026-12/"),
    ("404", "/no-such-page/"),
];

/// The README's screenshots: (page type, file name).
const SHOTS: &[(&str, &str)] = &[
    ("home", "home.png"),
    ("program", "program.png"),
    ("course", "course.png"),
    ("wish wall", "wishes.png"),
];

/// Some activity first, so live counts, receipts and status pages have something to show.
fn seed(server: &Server) -> String {
    let order = json!({"program": "minju-chenjinggu", "township": "nanyu", "name": "林阿姨", "phone": phone(1)});
    assert_eq!(server.post_json("/api/orders", order).0, 201);
    for n in 1..=6 {
        let body = json!({"lecturer": "lin-xiuying", "township": "shangjie", "name": "乡亲", "phone": phone(n)});
        assert_eq!(server.post_json("/api/nominations", body).0, 201);
    }
    let child = json!({"course": "hanjia-shaoer-guzheng", "child_name": "小明", "child_age": 9,
        "guardian_name": "陈美玲", "phone": phone(7)});
    let (status, registered) = server.post_json("/api/registrations", child);
    assert_eq!(status, 201, "{registered}");
    registered["cancel_url"]
        .as_str()
        .expect("a cancel URL")
        .to_owned()
}

/// Waits until the page has loaded and its live counts (if any) have been fetched and shown.
async fn settle(b: &Browser) {
    b.wait_js(
        "the page and its live counts",
        "return document.readyState === 'complete' && (!document.querySelector('[data-tally]') ||
           performance.getEntriesByType('resource').some(function (e) {
             return /tallies(\\.json)?$/.test(e.name) && e.responseEnd > 0; }));",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
}

/// Runs axe on the page shown; returns its violations, one line each.
async fn axe(b: &Browser, axe_js: &str) -> Vec<String> {
    let loaded = b
        .js(&format!("{axe_js}\n;return typeof axe;"), vec![])
        .await;
    assert_eq!(loaded, json!("object"), "axe-core loads into the page");
    let script = format!(
        "var done = arguments[arguments.length - 1];
         axe.run(document, {{ runOnly: {{ type: 'tag', values: {RULES} }}, resultTypes: ['violations'] }})
           .then(function (r) {{ done(r.violations.map(function (v) {{
             return v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.map(function (n) {{
               return n.target.join(' ') + ' [' + (n.failureSummary || '').replace(/\\s+/g, ' ') + ']'; }}).join('; ');
           }})); }})
           .catch(function (e) {{ done(['axe failed: ' + e]); }});"
    );
    let found = b
        .client
        .execute_async(&script, vec![])
        .await
        .expect("axe runs");
    serde_json::from_value::<Vec<String>>(found).expect("a list of violations")
}

/// The page the browser shows now, checked; returns its violations labelled with `what`.
pub async fn check(b: &Browser, axe_js: &str, what: &str) -> Vec<String> {
    settle(b).await;
    // Closed <details> (the rating forms) hide their content from axe; open them all.
    b.js(
        "document.querySelectorAll('details').forEach(function (d) { d.open = true; }); return true",
        vec![],
    )
    .await;
    let path = b.path().await;
    let found = axe(b, axe_js).await;
    b.js(
        "document.querySelectorAll('details').forEach(function (d) { d.open = false; }); window.scrollTo(0, 0); return true",
        vec![],
    )
    .await;
    found
        .into_iter()
        .map(|v| format!("{what} ({path}): {v}"))
        .collect()
}

/// Saves the README's screenshot of `page` when `DIANDAN_SCREENSHOTS` names a folder.
pub async fn maybe_screenshot(b: &Browser, page: &str) {
    let Some(dir) = std::env::var_os("DIANDAN_SCREENSHOTS") else {
        return;
    };
    if let Some((_, file)) = SHOTS.iter().find(|(p, _)| *p == page) {
        // Relative to the repository, not to tests/ where cargo runs the test.
        let dir = crate::support::repo_root().join(dir);
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        let png = b.screenshot().await;
        std::fs::write(dir.join(file), png).expect("the screenshot is saved");
    }
}

/// Sends `form` without site.js (as a browser without JavaScript would) after filling it.
async fn plain_submit(b: &Browser, fields: &[(&str, &str)]) {
    b.goto(PROGRAM).await;
    for (name, value) in fields {
        if *name == "township" {
            b.choose(ORDER, name, value).await;
        } else {
            b.fill(ORDER, name, value).await;
        }
    }
    let before = b.path().await;
    b.js(
        &format!("document.querySelector('{ORDER}').submit(); return true"),
        vec![],
    )
    .await;
    b.wait_js(
        "the server's page",
        &format!("return location.pathname + location.search !== {before:?}"),
    )
    .await;
}

pub async fn every_page_type(b: &Browser, server: &Server) {
    let axe_js = tools::axe_js();
    let cancel = seed(server);
    let mut violations = Vec::new();
    let mut checked = Vec::new();
    for (what, path) in PAGES {
        b.goto(path).await;
        violations.extend(check(b, &axe_js, what).await);
        maybe_screenshot(b, what).await;
        checked.push(*what);
    }

    // Forms showing their mistakes (site.js's summary) and their answers, in place.
    b.goto(PROGRAM).await;
    b.fill(ORDER, "phone", "12").await;
    b.submit(ORDER).await;
    b.wait_js(
        "the error summary",
        &format!("return !document.querySelector('{ORDER} .summary').hidden"),
    )
    .await;
    violations.extend(check(b, &axe_js, "program with form errors").await);
    b.choose(ORDER, "township", "nanyu").await;
    b.fill(ORDER, "name", "陈伯").await;
    b.fill(ORDER, "phone", "13900139000").await;
    b.submit(ORDER).await;
    b.wait_text("the code sent", |t| t.contains("验证码已发送至"))
        .await;
    violations.extend(check(b, &axe_js, "program asking for the code").await);
    type_code(b, server, ORDER, "13900139000").await;
    b.submit(ORDER).await;
    b.wait_text("the confirmation", |t| t.contains("点单成功"))
        .await;
    violations.extend(check(b, &axe_js, "program with its confirmation").await);

    // The server-rendered pages: the form again with its mistakes, a receipt, a registration.
    plain_submit(b, &[("name", "陈伯"), ("phone", "12")]).await;
    violations.extend(check(b, &axe_js, "error page").await);
    plain_submit(
        b,
        &[
            ("township", "ganzhe"),
            ("name", "陈伯"),
            ("phone", "13900139002"),
        ],
    )
    .await;
    violations.extend(check(b, &axe_js, "form asking for the code").await);
    type_code(b, server, "main form", "13900139002").await;
    let before = b.path().await;
    b.js(
        "document.querySelector('main form').submit(); return true",
        vec![],
    )
    .await;
    b.wait_js(
        "the receipt",
        &format!("return location.pathname + location.search !== {before:?}"),
    )
    .await;
    violations.extend(check(b, &axe_js, "receipt page").await);
    b.goto(&cancel).await;
    violations.extend(check(b, &axe_js, "cancel page").await);
    b.goto(&cancel.replace("/cancel?", "?")).await;
    violations.extend(check(b, &axe_js, "registration status page").await);
    checked.extend([
        "form errors",
        "code",
        "receipt",
        "error page",
        "registration",
    ]);

    assert!(
        violations.is_empty(),
        "axe-core found {} WCAG 2.1 A/AA violation(s) on {} page types:\n{}",
        violations.len(),
        checked.len(),
        violations.join("\n")
    );
}
