//! Residents hear back, each exactly once: `diandan serve` with the Aliyun adapter pointed at
//! a loopback stand-in that checks every request's signature. Thirteen guardians register for
//! a course of twelve; the first cancels; only the waitlisted guardian who moved up gets the
//! `PROMOTED` text. A restart of `serve` sends nothing again. On SQLite and on DynamoDB.
//!
//! `harness = false`: this binary is also the `diandan` command its test starts.

mod support;

use std::time::{Duration, Instant};

use diandan_functions::sms::testing::{StandIn, Vendor, SECRET, TEMPLATE, TEMPLATE_PROMOTED};
use serde_json::{json, Value};
use support::child::{copy_sample_site, Diandan};
use support::client;

const TODAY: &str = "2026-12-15";
const COURSE: &str = "hanjia-shaoer-guzheng";

fn phone(n: u32) -> String {
    format!("137{:08}", 55_000_000 + n)
}

fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let mut res = (client().post(&format!("{base}{path}")))
        .header("Accept", "application/json")
        .send_json(body)
        .expect("the server answers");
    let status = res.status().as_u16();
    (status, res.body_mut().read_json().unwrap_or_default())
}

/// Guardian `n` asks for a code, reads it off the phone and registers a child.
fn register(base: &str, phones: &StandIn, n: u32) -> Value {
    let (status, _) = post(base, "/api/verify", json!({ "phone": phone(n) }));
    assert_eq!(status, 202);
    let code = phones.code_for(&phone(n)).expect("the code arrived");
    let child = json!({"course": COURSE, "child_name": format!("孩子{n}"), "child_age": 9,
                       "guardian_name": "家长", "phone": phone(n), "code": code});
    let (status, answer) = post(base, "/api/registrations", child);
    assert_eq!(status, 201, "{answer}");
    answer
}

/// Waits until `phones` holds `n` texts of `template` (or 20 s pass); returns them.
fn texts(phones: &StandIn, template: &str, n: usize) -> Vec<(String, Value)> {
    let started = Instant::now();
    loop {
        let got = phones.delivered(template);
        if got.len() >= n || started.elapsed() > Duration::from_secs(20) {
            return got;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The whole story on the store `store` (`--store` argument; `None`: the root's SQLite).
fn promoted_once(store: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    copy_sample_site(dir.path());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let phones = runtime
        .block_on(StandIn::start(Vendor::Aliyun, 10))
        .unwrap();
    let settings = phones.settings(SECRET, TEMPLATE);
    let mut envs: Vec<(&str, &str)> = vec![
        ("DIANDAN_SMS", "aliyun"),
        (
            "DIANDAN_HMAC_SECRET",
            "notifications-test-secret-0123456789",
        ),
    ];
    envs.extend(settings.iter().map(|(k, v)| (*k, v.as_str())));
    let serve = || match store {
        Some(store) => {
            let root = dir.path().to_str().unwrap();
            let args = [
                "serve", "--port", "0", "--root", root, "--today", TODAY, "--store", store,
            ];
            let server = Diandan::spawn(&args, &envs);
            let line = server
                .wait_for_line("serving http://")
                .expect("serve starts");
            let base = line
                .split_whitespace()
                .nth(1)
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
            (server, base)
        }
        None => Diandan::serve(dir.path(), TODAY, &envs),
    };
    let (server, base) = serve();
    let registered: Vec<Value> = (1..=13).map(|n| register(&base, &phones, n)).collect();
    assert_eq!(
        registered[12]["status"],
        json!("waitlisted"),
        "{:?}",
        registered[12]
    );
    let cancel = registered[0]["cancel_url"].as_str().unwrap();
    let mut res = (client().post(&format!("{base}{cancel}")))
        .header("Accept", "application/json")
        .send_empty()
        .unwrap();
    assert!(
        res.status().is_success(),
        "{}",
        res.body_mut().read_to_string().unwrap()
    );
    let sent = texts(&phones, TEMPLATE_PROMOTED, 1);
    assert_eq!(sent.len(), 1, "one text: {sent:?}\n{:#?}", server.lines());
    let (to, params) = &sent[0];
    assert_eq!(
        to,
        &phone(13),
        "to the guardian who moved up, and no one else"
    );
    assert_eq!(params["code"], registered[12]["code"]);
    assert_eq!(params["course"], json!("寒假少儿古筝体验班"), "{params}");
    let log = server.kill();
    let leaks: Vec<&String> = log.iter().filter(|l| l.contains(&phone(13))).collect();
    assert!(leaks.is_empty(), "no number in serve's output: {leaks:?}");

    // A restart finds the message sent: nothing goes out again.
    let (again, _) = serve();
    std::thread::sleep(Duration::from_secs(7));
    let after = phones.delivered(TEMPLATE_PROMOTED);
    drop(again);
    assert_eq!(after.len(), 1, "nothing sent twice: {after:?}");
}

fn main() -> std::process::ExitCode {
    if let Some(code) = support::child::run_as_cli_if_asked() {
        return code;
    }
    promoted_once(None);
    eprintln!("notifications on SQLite: ok");
    match support::fresh_dynamo_table() {
        Some(table) => {
            promoted_once(Some(&format!("dynamodb:{table}")));
            eprintln!("notifications on DynamoDB: ok");
        }
        None => eprintln!(
            "notifications on DynamoDB: skipped ({})",
            diandan_functions::store::dynamo::testing::SKIP_VAR
        ),
    }
    std::process::ExitCode::SUCCESS
}
