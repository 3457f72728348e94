//! Hostile text renders inert. Residents' wishes, names and rating comments, staff replies and a
//! staff pin's reason carry HTML, script, `javascript:` addresses, `]]>` and iCalendar-breaking
//! lines; a store-backed build shows them as text on every page, keeps the Atom feed well-formed
//! XML and every `.ics` a calendar with exactly its own events; the API's own pages (re-shown
//! forms, receipts, errors) escape whatever they echo.

mod support;

#[path = "output_safety/inspect.rs"]
mod inspect;

use serde_json::{json, Value};
use support::*;

const SECRET: &str = "output-safety-secret-0123456789abcdef";
const SCRIPT: &str = "<script>alert(1)</script>";
const ATTRIBUTE: &str = "\"><img src=x onerror=alert(1)>";
/// Written into the reason of the slot pinned on the 12th: each line would be a calendar line.
const ICS_BREAK: &str =
    "工作人员安排\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:fake@x\r\nSUMMARY:假的;,\\";
const PINNED_SLOT: &str = "2026-12-12-nanyu-stage";

/// Everything hostile, each long enough for a wish (5–500 characters).
fn payloads() -> Vec<String> {
    [
        SCRIPT,
        ATTRIBUTE,
        "<a href=\"javascript:alert(1)\">点我</a> javascript:alert(1)",
        "]]><x>&amp;</x><![CDATA[ ]]>",
        "第一行\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:假的",
        "{{ 1 + 1 }} {% raw %} ${x} ' \" & \\ ; ,",
    ]
    .map(|p| format!("希望{p}"))
    .to_vec()
}

/// Names of at most 20 characters on one line.
const NAMES: [&str; 4] = [
    "<script>x</script>",
    "\"><svg onload=1>",
    "]]>&amp;",
    "javascript:1",
];

/// POSTs JSON, as staff (`admin`) or as a resident.
fn send(base: &str, path: &str, body: Value, admin: bool) -> (u16, String) {
    let mut req = client().post(&format!("{base}{path}"));
    if admin {
        req = req.header("Authorization", &format!("Bearer {ADMIN_TOKEN}"));
    }
    let mut res = req.send_json(body).expect("the server answers");
    let status = res.status().as_u16();
    (status, res.body_mut().read_to_string().unwrap_or_default())
}

/// Residents write; staff answer every wish with hostile text and pin a slot with a hostile
/// reason.
fn hostile_session(server: &Server) {
    let base = &server.base;
    for (i, text) in payloads().iter().enumerate() {
        let name = NAMES[i % NAMES.len()];
        let wish = json!({"text": text, "township": "nanyu", "name": name});
        let (status, answer) = send(base, "/api/wishes", wish, false);
        assert_eq!(status, 201, "{answer}");
        let id = serde_json::from_str::<Value>(&answer).unwrap()["id"].clone();
        let reply = json!({"reply": format!("回复：{text}")});
        let (status, answer) = send(base, &format!("/api/admin/wishes/{id}/reply"), reply, true);
        assert_eq!(status, 200, "{answer}");
        let rating = json!({"slot": "2026-12-05-baisha-stage", "phone": format!("1390000{i:04}"),
                            "stars": 4, "comment": text});
        let (status, answer) = send(base, "/api/ratings", rating, false);
        assert_eq!(status, 201, "{answer}");
        let order = json!({"program": "minju-chenjinggu", "township": "nanyu", "name": name,
                           "phone": format!("1380000{i:04}"), "note": text});
        assert_eq!(
            send(base, "/api/orders", server.with_code(order), false).0,
            201
        );
    }
    // Not characters at all to XML (a feed holding them is not well-formed): refused.
    let wish = json!({"text": "希望\u{FFFE}\u{FFFF}结束", "township": "nanyu"});
    assert_eq!(send(base, "/api/wishes", wish, false).0, 422);
    let pin = json!({"program": "minju-chenjinggu", "reason": ICS_BREAK});
    let (status, answer) = send(
        base,
        &format!("/api/admin/slots/{PINNED_SLOT}/pin"),
        pin,
        true,
    );
    assert_eq!(status, 200, "{answer}");
}

/// A store-backed build of the sample site into `out`.
fn build_with_store(db: &std::path::Path, out: &std::path::Path) {
    let opts = diandan::build::BuildOptions {
        root: repo_root(),
        today: date("2026-12-10"),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = std::sync::Arc::new(diandan_functions::store::SqliteStore::open(db).unwrap());
    let source = diandan::render::live::StoreSource {
        store,
        runtime: runtime.handle().clone(),
    };
    diandan::build::build(&opts, &source, out).expect("the site builds with the store");
}

#[test]
fn hostile_text_is_inert_in_every_page_feed_and_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite3");
    let server = Server::start(&repo_root(), &db, SECRET, china("2026-12-10"));
    hostile_session(&server);
    server.stop();
    let out = dir.path().join("public");
    build_with_store(&db, &out);
    let checked = inspect::every_file(&out);
    assert!(checked.html > 50 && checked.ics > 10, "{checked:?}");
    let wall = std::fs::read_to_string(out.join("wishes/index.html")).unwrap();
    assert!(
        wall.contains("希望&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"),
        "shown as text: {wall}"
    );
    let feed = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    let summaries = inspect::atom_texts(&feed, "summary");
    assert!(
        summaries.iter().any(|s| s.contains(SCRIPT)),
        "the feed keeps the text: {summaries:?}"
    );
    assert!(
        summaries.iter().any(|s| s.contains("]]><x>&amp;</x>")),
        "{summaries:?}"
    );
    let calendar = std::fs::read_to_string(out.join("townships/nanyu/calendar.ics")).unwrap();
    let pinned = inspect::ics_events(&calendar)
        .into_iter()
        .find(|e| e.uid.starts_with(PINNED_SLOT))
        .expect("the pinned slot is in the township's calendar");
    let reason = ICS_BREAK.replace("\r\n", "\n");
    assert_eq!(
        pinned.description, reason,
        "the reason, whole, as one value"
    );
    assert!(pinned.summary.contains("陈靖姑"), "{pinned:?}");
}

/// The API's own pages: hostile values typed into forms, or put into receipt links.
#[test]
fn the_apis_own_pages_escape_what_they_echo() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &repo_root(),
        &dir.path().join("s.sqlite3"),
        SECRET,
        china("2026-12-10"),
    );
    let base = &server.base;
    let mut pages = Vec::new();
    for payload in payloads() {
        let form = [
            ("program", payload.as_str()),
            ("township", SCRIPT),
            ("name", ATTRIBUTE),
            ("phone", SCRIPT),
            ("note", payload.as_str()),
        ];
        pages.push(inspect::post_form(base, "/api/orders", &form));
        // A good order with a hostile code: the form comes back with the number kept.
        let form = [
            ("program", "minju-chenjinggu"),
            ("township", "nanyu"),
            ("name", "林阿姨"),
            ("phone", "13800138000"),
            ("note", payload.as_str()),
            ("code", payload.as_str()),
        ];
        pages.push(inspect::post_form(base, "/api/orders", &form));
        let form = [
            ("text", payload.as_str()),
            ("township", ATTRIBUTE),
            ("name", SCRIPT),
        ];
        pages.push(inspect::post_form(base, "/api/wishes", &form));
        let form = [
            ("course", ATTRIBUTE),
            ("child_name", SCRIPT),
            ("child_age", ATTRIBUTE),
            ("guardian_name", payload.as_str()),
            ("phone", "13800138000"),
        ];
        pages.push(inspect::post_form(base, "/api/registrations", &form));
        let form = [
            ("slot", SCRIPT),
            ("phone", "13800138000"),
            ("stars", ATTRIBUTE),
            ("comment", payload.as_str()),
        ];
        pages.push(inspect::post_form(base, "/api/ratings", &form));
    }
    let q = inspect::query(&[SCRIPT, ATTRIBUTE]);
    for path in [
        format!("/api/orders/receipt?program={q}&township={q}&duplicate={q}"),
        format!("/api/nominations/receipt?lecturer={q}&withdrawn=1"),
        format!("/api/wishes/receipt?township={q}"),
        format!("/api/ratings/receipt?slot={q}"),
        format!("/api/registrations/{q}?token={q}"),
        format!("/api/registrations/{q}/cancel?token={q}"),
        format!("/api/nominations/{q}/withdraw"),
    ] {
        pages.push(inspect::get(base, &path));
    }
    for page in &pages {
        inspect::inert_html(&page.what, &page.body);
    }
    let shown = pages
        .iter()
        .filter(|p| p.html && p.body.contains("&lt;script&gt;"))
        .count();
    assert!(shown >= 4, "re-shown forms keep what was typed, escaped");
}
