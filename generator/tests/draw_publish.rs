//! A lottery course end to end through the command line: applications in the store, the list
//! hash on the course page after the close, `diandan draw` (once, not before the close), and
//! the published `draw.json` checked against an independent recomputation and by the "check it
//! yourself" script of docs/courses.md, run as residents would run it.

mod common;

use std::path::Path;

use chrono::TimeZone;
use common::*;
use diandan_functions::catalogue::Allocation;
use diandan_functions::clock::china_offset;
use diandan_functions::domain::{ChildAge, PersonName, Phone, Secret};
use diandan_functions::store::{NewRegistration, SqliteStore, Store};
use sha2::{Digest, Sha256};

const CHILDREN: [&str; 12] = [
    "林一", "林二", "林三", "林四", "林五", "林六", "林七", "林八", "林九", "林十", "陈一", "陈二",
];

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Twelve applications from twelve guardians, straight into the store `build` will read.
fn apply(root: &Path) -> Vec<String> {
    let store = SqliteStore::open(root.join(".diandan").join("diandan.sqlite3")).unwrap();
    let secret = Secret::new("draw-publish-test-secret").unwrap();
    let at = china_offset()
        .with_ymd_and_hms(2026, 11, 10, 9, 0, 0)
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut codes = Vec::new();
    for (i, child) in CHILDREN.iter().enumerate() {
        let phone = Phone::parse(&format!("1390000{i:04}")).unwrap();
        let r = NewRegistration {
            course: "guzheng".parse().unwrap(),
            capacity: 3,
            waitlist: 2,
            guardian_name: PersonName::parse("林家长").unwrap(),
            person: secret.person_key(&phone),
            phone,
            child_name: PersonName::parse(child).unwrap(),
            child_age: ChildAge::new(9).unwrap(),
            at,
            expires_at: at + chrono::Duration::days(60),
            allocation: Allocation::Lottery,
            max_per_guardian: 2,
            remind_at: None,
            reach: None,
        };
        let done = runtime.block_on(store.register(r)).unwrap();
        codes.push(done.code.to_string());
    }
    codes
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = diandan(args);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

fn build(root: &Path, out: &Path, today: &str) {
    let (ok, _, err) = run(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        today,
    ]);
    assert!(ok, "{err}");
}

fn draw(root: &Path, witness: &str, today: &str) -> (bool, String, String) {
    run(&[
        "draw",
        "guzheng",
        "--witness",
        witness,
        "--root",
        root.to_str().unwrap(),
        "--today",
        today,
    ])
}

/// The Python block under "Check it yourself" in docs/courses.md, exactly as published.
fn published_script() -> String {
    let doc = std::fs::read_to_string(repo_root().join("docs").join("courses.md")).unwrap();
    let section = doc
        .split("## Check it yourself")
        .nth(1)
        .expect("the section");
    let block = section.split("```python\n").nth(1).expect("a python block");
    block.split("```").next().unwrap().to_owned()
}

#[test]
fn a_lottery_is_announced_drawn_once_and_published_checkably() {
    let site = site(&[&fixtures().join("lottery")]);
    let root = site.path();
    let mut codes = apply(root);
    codes.sort();
    let list_hash = sha(&codes.join("\n"));

    let out = tempfile::tempdir().unwrap();
    build(root, &out.path().join("closed"), "2026-12-01");
    let page =
        std::fs::read_to_string(out.path().join("closed/courses/guzheng/index.html")).unwrap();
    assert!(page.contains("共 12 份申请"), "{page}");
    assert!(
        page.contains(&list_hash),
        "the list hash is published before the draw"
    );
    assert!(
        page.contains("请三位家长各摇一个号码球"),
        "the witness act is announced"
    );

    let (ok, _, err) = draw(root, "371", "2026-11-30");
    assert!(
        !ok && err.contains("open until"),
        "refused before the close: {err}"
    );
    let (ok, printed, err) = draw(root, "371", "2026-12-01");
    assert!(ok, "{err}");
    assert!(printed.contains(&list_hash), "{printed}");
    let (ok, _, err) = draw(root, "999", "2026-12-02");
    assert!(
        !ok && err.contains("already drawn"),
        "a second draw is refused: {err}"
    );

    build(root, &out.path().join("drawn"), "2026-12-02");
    let json_path = out.path().join("drawn/courses/guzheng/draw.json");
    let published: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    // Independently: the seed and every key from the codes, with this test's own SHA-256.
    let seed = sha(&format!("{list_hash}:371"));
    let mut ranking = codes.clone();
    ranking.sort_by_key(|c| sha(&format!("{seed}:{c}")));
    assert_eq!(published["list_hash"], list_hash.as_str());
    assert_eq!(published["witness"], "371", "the first draw stands");
    assert_eq!(published["seed"], seed.as_str());
    assert_eq!(published["ranking"], serde_json::json!(ranking));

    let script = out.path().join("check_draw.py");
    std::fs::write(&script, published_script()).unwrap();
    let checked = std::process::Command::new("python3")
        .arg(&script)
        .arg(&json_path)
        .output()
        .expect("python3 runs the published script");
    let stdout = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let expected: String = (ranking.iter().enumerate())
        .map(|(i, c)| {
            let outcome = match i {
                0..=2 => "confirmed",
                3..=4 => "waitlisted",
                _ => "not_drawn",
            };
            format!("{} {c} {outcome}\n", i + 1)
        })
        .collect();
    assert_eq!(stdout, expected);

    let result =
        std::fs::read_to_string(out.path().join("drawn/courses/guzheng/draw/index.html")).unwrap();
    for code in &codes {
        assert!(result.contains(code.as_str()), "{code} is listed");
    }
    for child in CHILDREN {
        assert!(
            !result.contains(child),
            "no child's name on the result page"
        );
    }
}
