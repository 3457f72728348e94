//! Residents hear back, each exactly once: `diandan serve` with the Aliyun adapter pointed at
//! a loopback stand-in that checks every request's signature. Thirteen guardians register for
//! a course of twelve (twelve `CONFIRMED`); the first cancels; only the waitlisted guardian who
//! moved up gets `PROMOTED`. Eighteen residents who order one program and tick `notify` each
//! get one `SCHEDULED` once staff apply the planner, two who did not tick get nothing; a
//! wish's author who ticked gets `ANSWERED` after the reply. A restart of `serve` sends
//! nothing again, no (number, kind) pair is sent twice, and no number reaches serve's output.
//! On SQLite and on DynamoDB.
//!
//! `harness = false`: this binary is also the `diandan` command its test starts.

mod support;

use std::time::{Duration, Instant};

use std::collections::BTreeSet;

use diandan_functions::sms::testing::{
    StandIn, Vendor, SECRET, TEMPLATE, TEMPLATE_ANSWERED, TEMPLATE_CONFIRMED, TEMPLATE_PROMOTED,
    TEMPLATE_SCHEDULED,
};
use serde_json::{json, Value};
use support::child::{copy_sample_site, Diandan};
use support::client;

const TODAY: &str = "2026-12-15";
const COURSE: &str = "hanjia-shaoer-guzheng";
/// The township whose next open stage (枕峰村戏台, 20 December) the orders fill, and the
/// program they order.
const TOWNSHIP: &str = "xiangqian";
const PROGRAM: &str = "minju-chenjinggu";
const ADMIN_TOKEN: &str = "notifications-admin-token-0123";
/// Every kind the story sends, besides the codes.
const KINDS: [&str; 4] = [
    TEMPLATE_CONFIRMED,
    TEMPLATE_PROMOTED,
    TEMPLATE_SCHEDULED,
    TEMPLATE_ANSWERED,
];

fn phone(n: u32) -> String {
    format!("137{:08}", 55_000_000 + n)
}

fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let mut res = (client().post(&format!("{base}{path}")))
        .header("Accept", "application/json")
        .header("Authorization", &format!("Bearer {ADMIN_TOKEN}"))
        .send_json(body)
        .expect("the server answers");
    let status = res.status().as_u16();
    (status, res.body_mut().read_json().unwrap_or_default())
}

/// Resident `n` asks for a code and reads it off their phone.
fn code(base: &str, phones: &StandIn, n: u32) -> String {
    let (status, _) = post(base, "/api/verify", json!({ "phone": phone(n) }));
    assert_eq!(status, 202);
    phones.code_for(&phone(n)).expect("the code arrived")
}

/// Guardian `n` asks for a code, reads it off the phone and registers a child.
fn register(base: &str, phones: &StandIn, n: u32) -> Value {
    let code = code(base, phones, n);
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

/// Resident `n` orders the program for the township, ticking `notify` or not.
fn order(base: &str, phones: &StandIn, n: u32, notify: bool) {
    let code = code(base, phones, n);
    let order = json!({"program": PROGRAM, "township": TOWNSHIP, "name": "村民",
                       "phone": phone(n), "code": code, "notify": notify});
    let (status, answer) = post(base, "/api/orders", order);
    assert_eq!(status, 201, "{answer}");
}

/// Every (number, template) the stand-in delivered, with how often.
fn pairs(phones: &StandIn) -> Vec<(String, &'static str)> {
    let mut all = Vec::new();
    for template in KINDS {
        all.extend(
            phones
                .delivered(template)
                .into_iter()
                .map(|(to, _)| (to, template)),
        );
    }
    all
}

/// The numbers that got `template`.
fn told(phones: &StandIn, template: &str) -> BTreeSet<String> {
    phones
        .delivered(template)
        .into_iter()
        .map(|(to, _)| to)
        .collect()
}

/// Places and cancels registrations: twelve `CONFIRMED`, then one `PROMOTED`.
fn courses(base: &str, phones: &StandIn) {
    let registered: Vec<Value> = (1..=13).map(|n| register(base, phones, n)).collect();
    assert_eq!(
        registered[12]["status"],
        json!("waitlisted"),
        "{:?}",
        registered[12]
    );
    let confirmed = texts(phones, TEMPLATE_CONFIRMED, 12);
    assert_eq!(
        told(phones, TEMPLATE_CONFIRMED),
        (1..=12).map(phone).collect()
    );
    assert_eq!(confirmed[0].1["course"], json!("寒假少儿古筝体验班"));
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
    let sent = texts(phones, TEMPLATE_PROMOTED, 1);
    assert_eq!(sent.len(), 1, "one text: {sent:?}");
    let (to, params) = &sent[0];
    assert_eq!(
        to,
        &phone(13),
        "to the guardian who moved up, and no one else"
    );
    assert_eq!(params["code"], registered[12]["code"]);
    assert_eq!(params["course"], json!("寒假少儿古筝体验班"), "{params}");
}

/// Eighteen orders that asked to hear back and two that did not; the planner applied.
fn stage(base: &str, phones: &StandIn) {
    for n in 101..=120 {
        order(base, phones, n, n <= 118);
    }
    let (status, plan) = post(base, "/api/admin/plan?apply=true", json!({}));
    assert_eq!(status, 200, "{plan}");
    let sent = texts(phones, TEMPLATE_SCHEDULED, 18);
    assert_eq!(
        told(phones, TEMPLATE_SCHEDULED),
        (101..=118).map(phone).collect(),
        "{plan}"
    );
    assert_eq!(
        sent[0].1["program"],
        json!("闽剧《陈靖姑》选段"),
        "{sent:?}"
    );
    assert_eq!(sent[0].1["venue"], json!("枕峰村戏台"));
}

/// A wish whose author ticked `notify`, and one whose author did not; staff reply to both.
fn wishes(base: &str, phones: &StandIn) {
    let mut ids = Vec::new();
    for (n, notify) in [(201, true), (202, false)] {
        let wish = json!({"text": "希望冬天多排几场闽剧下乡", "township": TOWNSHIP,
                          "phone": phone(n), "notify": notify});
        let (status, answer) = post(base, "/api/wishes", wish);
        assert_eq!(status, 201, "{answer}");
        ids.push(answer["id"].as_i64().unwrap());
    }
    for id in ids {
        let reply = json!({"reply": "已安排，12 月 20 日枕峰村戏台见。"});
        let (status, answer) = post(base, &format!("/api/admin/wishes/{id}/reply"), reply);
        assert_eq!(status, 200, "{answer}");
    }
    let sent = texts(phones, TEMPLATE_ANSWERED, 1);
    assert_eq!(
        told(phones, TEMPLATE_ANSWERED),
        BTreeSet::from([phone(201)])
    );
    assert_eq!(sent[0].1["township"], json!("祥谦镇"), "{sent:?}");
}

/// The whole story on the store `store` (`--store` argument; `None`: the root's SQLite).
fn told_once(store: Option<&str>) {
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
        ("DIANDAN_ADMIN_TOKEN", ADMIN_TOKEN),
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
    courses(&base, &phones);
    stage(&base, &phones);
    wishes(&base, &phones);
    let log = server.kill();
    let numbers: BTreeSet<String> = pairs(&phones).into_iter().map(|(to, _)| to).collect();
    let leaks: Vec<&String> = (log.iter())
        .filter(|l| numbers.iter().any(|n| l.contains(n.as_str())))
        .collect();
    assert!(leaks.is_empty(), "no number in serve's output: {leaks:?}");

    // A restart finds every message sent: nothing goes out again.
    let before = pairs(&phones);
    let (again, _) = serve();
    std::thread::sleep(Duration::from_secs(7));
    let after = pairs(&phones);
    drop(again);
    assert_eq!(
        after.len(),
        before.len(),
        "nothing sent again after a restart"
    );
    let distinct: BTreeSet<&(String, &str)> = after.iter().collect();
    assert_eq!(
        distinct.len(),
        after.len(),
        "no (number, kind) pair twice: {after:?}"
    );
    assert_eq!(after.len(), 12 + 1 + 18 + 1);
}

fn main() -> std::process::ExitCode {
    if let Some(code) = support::child::run_as_cli_if_asked() {
        return code;
    }
    told_once(None);
    eprintln!("notifications on SQLite: ok");
    match support::fresh_dynamo_table() {
        Some(table) => {
            told_once(Some(&format!("dynamodb:{table}")));
            eprintln!("notifications on DynamoDB: ok");
        }
        None => eprintln!(
            "notifications on DynamoDB: skipped ({})",
            diandan_functions::store::dynamo::testing::SKIP_VAR
        ),
    }
    std::process::ExitCode::SUCCESS
}
