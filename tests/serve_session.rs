//! The forms end to end on one machine: a scripted resident session over HTTP against the real
//! `serve` app (site + API + SQLite), then a restart that must show the same counts.

mod support;

use serde_json::{json, Value};
use support::*;

const SECRET: &str = "session-test-secret-0123456789abcdef";

fn get_json(base: &str, path: &str) -> Value {
    let mut res = client()
        .get(&format!("{base}{path}"))
        .header("Accept", "application/json")
        .call()
        .expect("the server answers");
    assert_eq!(res.status().as_u16(), 200, "GET {path}");
    res.body_mut().read_json().expect("JSON")
}

/// Mainland mobile numbers, distinct per `n`, as residents type them.
fn phone(n: u32) -> String {
    format!("139 {:04} {:04}", 1000 + n / 10000, n % 10000)
}

fn register(server: &Server, n: u32) -> (u16, Value) {
    server.post_json(
        "/api/registrations",
        json!({
            "course": "hanjia-shaoer-guzheng", "child_name": format!("孩子{n}"), "child_age": 9,
            "guardian_name": "陈美玲", "phone": phone(500 + n),
        }),
    )
}

fn order_and_nominate(server: &Server) {
    let base = &server.base;
    let order = json!({"program": "minju-chenjinggu", "township": "nanyu", "name": "林阿姨", "phone": "+86 138-0013-8000"});
    let (s, first) = server.post_json("/api/orders", order.clone());
    assert_eq!(s, 201, "{first}");
    let (s, again) = server.post_json("/api/orders", order);
    assert_eq!(
        (s, &again["program_total"]),
        (201, &first["program_total"]),
        "a repeated order is answered alike and counts nothing: {again}"
    );
    // A plain HTML form (JavaScript off): the first try sends a code and shows the form again;
    // with the code typed in, 303 to a receipt page that shows the count.
    let form = "program=minju-chenjinggu&township=nanyu&name=%E9%99%88%E4%BC%AF&phone=13900139000";
    let post_form = |body: String| {
        client()
            .post(&format!("{base}/api/orders"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body)
            .unwrap()
    };
    let mut asked = post_form(form.to_owned());
    let page = asked.body_mut().read_to_string().unwrap();
    assert_eq!(asked.status().as_u16(), 422, "{page}");
    assert!(page.contains("验证码已发送至"), "{page}");
    let code = server
        .inbox
        .code_for("13900139000")
        .expect("the text arrived");
    let mut res = post_form(format!("{form}&code={code}"));
    assert_eq!(res.status().as_u16(), 303);
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let receipt = client()
        .get(&format!("{base}{location}"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(
        receipt.contains("<strong>2</strong>"),
        "the receipt shows two orders from 南屿镇: {receipt}"
    );
    let _ = res.body_mut().read_to_string();
    let mut crossings = 0;
    for n in 1..=15 {
        let (s, r) = server.post_json("/api/nominations",
            json!({"lecturer": "lin-xiuying", "township": "shangjie", "name": "乡亲", "phone": phone(n)}),
        );
        assert_eq!(s, 201, "{r}");
        assert_eq!(r["count"], json!(n));
        crossings += usize::from(r["crossed"] == json!(true));
        assert_eq!(
            r["crossed"],
            json!(n == 15),
            "the threshold is reached exactly at 15"
        );
    }
    assert_eq!(crossings, 1);
}

fn registrations(server: &Server) {
    let base = &server.base;
    let mut confirmed = Vec::new();
    let mut waitlisted = Vec::new();
    for n in 1..=12 {
        let (s, r) = register(server, n);
        assert_eq!((s, r["status"].as_str()), (201, Some("confirmed")), "{r}");
        confirmed.push(r);
    }
    for n in 13..=16 {
        let (s, r) = register(server, n);
        assert_eq!((s, r["status"].as_str()), (201, Some("waitlisted")), "{r}");
        waitlisted.push(r);
    }
    let (s, r) = register(server, 17);
    assert_eq!(s, 409, "the course and its waitlist are full: {r}");
    // Cancel the first confirmed place with its cancel URL: the first waitlisted one moves up.
    let cancel_url = confirmed[0]["cancel_url"].as_str().unwrap();
    let mut res = client()
        .post(&format!("{base}{cancel_url}"))
        .header("Accept", "application/json")
        .send_empty()
        .unwrap();
    assert!(
        res.status().is_success(),
        "{}",
        res.body_mut().read_to_string().unwrap()
    );
    let first_waiting = &waitlisted[0];
    let status_url = first_waiting["status_url"].as_str().unwrap();
    let view = get_json(base, status_url);
    assert_eq!(
        view["status"],
        json!("confirmed"),
        "the first waitlisted registration was promoted: {view}"
    );
}

fn wish_and_rating(server: &Server) {
    let (s, r) = server.post_json("/api/wishes",
        json!({"text": "希望寒假能开少儿书法班", "township": "ganzhe", "name": "张美玲", "phone": "13800000001"}),
    );
    assert_eq!(s, 201, "{r}");
    let (s, r) = server.post_json("/api/ratings",
        json!({"slot": "2026-12-05-baisha-stage", "phone": "13800000002", "stars": 5, "comment": "演得真好"}),
    );
    assert_eq!(s, 201, "{r}");
}

fn expected_tallies(t: &Value) {
    let p = &t["programs"]["minju-chenjinggu"];
    assert_eq!(p["total"], json!(2), "{p}");
    assert_eq!(p["by_township"], json!({"nanyu": 2}));
    let l = &t["lecturers"]["lin-xiuying"];
    assert_eq!(
        (&l["nominations"], &l["threshold"], &l["reached"]),
        (&json!(15), &json!(15), &json!(true))
    );
    let c = &t["courses"]["hanjia-shaoer-guzheng"];
    assert_eq!(
        c,
        &json!({"capacity": 12, "confirmed": 12, "places_left": 0, "waitlisted": 3})
    );
}

/// The scripted session on `backend`, a restart, and the duplicate check after it. Returns
/// `/api/tallies` as the session left them.
fn resident_session(backend: Backend) -> Value {
    let now = china("2026-12-15");
    let server = Server::start_with(&repo_root(), backend.clone(), SECRET, now);
    let home = client()
        .get(&server.base)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(home.contains("点单点将"));
    order_and_nominate(&server);
    registrations(&server);
    wish_and_rating(&server);
    let before = get_json(&server.base, "/api/tallies");
    expected_tallies(&before);
    // The code the resident got is still good after the restart (ten minutes; the clock stands).
    let code = server.code("13800138000");
    server.stop();

    let again = Server::start_with(&repo_root(), backend, SECRET, now);
    let after = get_json(&again.base, "/api/tallies");
    assert_eq!(after, before, "the same counts after a restart");
    let mut res = client()
        .post(&format!("{}/api/orders", again.base))
        .send_json(json!({"program": "minju-chenjinggu", "township": "nanyu", "name": "林阿姨", "phone": "13800138000", "code": code}))
        .expect("the server answers");
    let s = res.status().as_u16();
    let r: Value = res.body_mut().read_json().unwrap_or(Value::Null);
    assert_eq!(
        (s, &r["program_total"]),
        (201, &json!(after["programs"]["minju-chenjinggu"]["total"])),
        "repeats are still recognised after a restart"
    );
    before
}

#[test]
fn a_resident_session_counts_exactly_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    resident_session(Backend::Sqlite(dir.path().join("store.sqlite3")));
}

/// The same session against `serve` on DynamoDB (the emulator `AWS_ENDPOINT_URL_DYNAMODB`
/// names, as `diandan serve --store dynamodb:TABLE` would use it) answers the same tallies.
#[test]
fn the_session_on_dynamodb_gives_the_same_tallies_as_on_sqlite() {
    let Some(table) = fresh_dynamo_table() else {
        eprintln!(
            "skipped: {}",
            diandan_functions::store::dynamo::testing::SKIP_VAR
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let on_sqlite = resident_session(Backend::Sqlite(dir.path().join("store.sqlite3")));
    let on_dynamo = resident_session(Backend::Dynamo(table));
    assert_eq!(on_dynamo, on_sqlite, "DynamoDB and SQLite count alike");
}

#[test]
fn nothing_the_generator_writes_holds_a_residents_phone_or_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite3");
    let server = Server::start(&repo_root(), &db, SECRET, china("2026-12-15"));
    let (s, _) = server.post_json("/api/wishes",
        json!({"text": "村里想看木偶戏", "township": "nanyu", "name": "郑秀兰", "phone": "13712345678"}),
    );
    assert_eq!(s, 201);
    let (s, _) = register(&server, 1);
    assert_eq!(s, 201);
    server.stop();
    let out = dir.path().join("public");
    let opts = diandan::build::BuildOptions {
        root: repo_root(),
        today: date("2026-12-15"),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = std::sync::Arc::new(diandan_functions::store::SqliteStore::open(&db).unwrap());
    let source = diandan::render::live::StoreSource {
        store,
        runtime: runtime.handle().clone(),
    };
    diandan::build::build(&opts, &source, &out).expect("the site builds with the store");
    let mut scanned = 0;
    for e in walkdir::WalkDir::new(&out)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
    {
        let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        for secret in [
            "13712345678",
            "郑秀兰",
            "1371234",
            &phone(501).replace(' ', ""),
            "陈美玲",
        ] {
            assert!(
                !text.contains(secret),
                "{} contains {secret}",
                e.path().display()
            );
        }
        scanned += 1;
    }
    assert!(scanned > 50);
}

/// A GET's status, `Cache-Control` and body, as sent.
fn get_raw(base: &str, path: &str) -> (u16, String, String) {
    let mut res = client()
        .get(&format!("{base}{path}"))
        .call()
        .expect("the server answers");
    let cache = (res.headers().get("cache-control"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = res.body_mut().read_to_string().unwrap_or_default();
    (res.status().as_u16(), cache, body)
}

/// `count` orders written straight into the store (no form, so no verification setting of
/// the content matters), from people `from..from + count`.
fn orders_into(db: &std::path::Path, from: u32, count: u32) {
    use diandan_functions::store::conformance::{day, id, name, person};
    use diandan_functions::store::{NewOrder, SqliteStore, Store};
    let store = SqliteStore::open(db).expect("the store opens beside the server");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for who in from..from + count {
        let order = NewOrder {
            program: id("minju-chenjinggu"),
            township: id(if who % 2 == 0 { "nanyu" } else { "shangjie" }),
            person: person(who),
            name: name("林阿姨"),
            note: None,
            at: day(1),
            reach: None,
        };
        runtime
            .block_on(store.order(order))
            .expect("the order is stored");
    }
}

#[test]
fn serves_tallies_json_as_the_api_answers_it_always_current() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite3");
    orders_into(&db, 0, 5);
    let server = Server::start(&repo_root(), &db, SECRET, china("2026-12-15"));
    for (burst, total) in [(None, 5), (Some((5, 7)), 12), (Some((12, 9)), 21)] {
        if let Some((from, count)) = burst {
            orders_into(&db, from, count);
        }
        let (status, cache, file) = get_raw(&server.base, "/tallies.json");
        assert_eq!(status, 200);
        assert_eq!(cache, "no-cache", "served fresh on every request");
        let (_, _, api) = get_raw(&server.base, "/api/tallies");
        assert_eq!(file, api, "the file is byte for byte the API's answer");
        let counted: Value = serde_json::from_str(&file).unwrap();
        assert_eq!(
            counted["programs"]["minju-chenjinggu"]["total"],
            json!(total),
            "{file}"
        );
    }
    server.stop();
}
