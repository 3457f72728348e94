//! Open data end to end: a scripted month of residents' activity goes into an SQLite store
//! (straight through the store's operations, so no form's verification settings matter), a
//! store-backed `diandan build` publishes `/data/`, and the downloads are read back with a real
//! CSV parser: orders per program equal `/api/tallies`, a wish that starts with `=` stays text,
//! every file names the build time and no phone number is anywhere under `/data/`.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use clap::Parser as _;
use diandan_functions::catalogue::{Allocation, DEFAULT_MAX_PER_GUARDIAN};
use diandan_functions::domain::{
    CancelToken, ChildAge, PersonName, Phone, ReplyText, Secret, Stars, WishText,
};
use diandan_functions::store::{
    NewNomination, NewOrder, NewRating, NewRegistration, NewWish, SqliteStore, Store,
};
use serde_json::Value;
use support::*;

const SECRET: &str = "open-data-test-secret-0123456789";
const TODAY: &str = "2026-12-15";
/// A wish a spreadsheet would run as a formula if it were written out as it came.
const FORMULA_WISH: &str = "=HYPERLINK(\"http://example.invalid\",\"点这里\")多演闽剧";

fn phone(n: u32) -> Phone {
    Phone::parse(&format!("1395555{n:04}")).unwrap()
}

fn id<T: TryFrom<String>>(s: &str) -> T {
    T::try_from(s.to_owned()).unwrap_or_else(|_| panic!("{s} is a valid id"))
}

fn order(secret: &Secret, program: &str, township: &str, n: u32) -> NewOrder {
    NewOrder {
        program: id(program),
        township: id(township),
        person: secret.person_key(&phone(n)),
        name: PersonName::parse("郑晓燕").unwrap(),
        note: None,
        at: china("2026-12-03"),
        reach: None,
    }
}

fn wish(secret: &Secret, text: &str, n: u32) -> NewWish {
    NewWish {
        text: WishText::parse(text).unwrap(),
        township: id("nanyu"),
        name: Some(PersonName::parse("郑晓燕").unwrap()),
        person: Some(secret.person_key(&phone(n))),
        at: china("2026-12-02"),
        reach: None,
    }
}

/// Orders from three townships (one resident ordering twice), nominations, a registration,
/// a rating, and wishes: one starting with `=`, one with a phone number in it, one unanswered.
async fn residents_take_part(store: &SqliteStore, secret: &Secret) {
    let orders = [
        ("minju-chenjinggu", "nanyu", 1),
        ("minju-chenjinggu", "nanyu", 2),
        ("minju-chenjinggu", "shangjie", 3),
        ("pinghua-linzexu", "nanyu", 1),
        ("muou-xiaomao-diaoyu", "ganzhe", 4),
        ("minju-chenjinggu", "ganzhe", 1),
    ];
    for (program, township, n) in orders {
        store
            .order(order(secret, program, township, n))
            .await
            .unwrap();
    }
    for n in 1..=4 {
        let nomination = NewNomination {
            lecturer: id("lin-xiuying"),
            township: id("shangjie"),
            person: secret.person_key(&phone(n)),
            name: PersonName::parse("郑晓燕").unwrap(),
            topic: None,
            threshold: 15,
            at: china("2026-12-04"),
            withdraw: CancelToken::random(),
            reach: None,
        };
        store.nominate(nomination).await.unwrap();
    }
    let registration = NewRegistration {
        course: id("hanjia-shaoer-guzheng"),
        capacity: 12,
        waitlist: 4,
        guardian_name: PersonName::parse("郑晓燕").unwrap(),
        phone: phone(5),
        person: secret.person_key(&phone(5)),
        child_name: PersonName::parse("郑小明").unwrap(),
        child_age: ChildAge::new(9).unwrap(),
        at: china("2026-12-05"),
        expires_at: china("2027-03-01"),
        allocation: Allocation::FirstCome,
        max_per_guardian: DEFAULT_MAX_PER_GUARDIAN,
        remind_at: None,
        reach: None,
    };
    store.register(registration).await.unwrap();
    let rating = NewRating {
        slot: id("2026-12-05-baisha-stage"),
        person: secret.person_key(&phone(6)),
        stars: Stars::new(4).unwrap(),
        comment: None,
        at: china("2026-12-06"),
    };
    store.rate(rating).await.unwrap();
    let reply = |t: &str| ReplyText::parse(t).unwrap();
    let formula = store.wish(wish(secret, FORMULA_WISH, 7)).await.unwrap();
    store
        .reply(formula, reply("=1+1 我们会安排"), china("2026-12-06"))
        .await
        .unwrap();
    let text = format!("希望多演评话，电话{}", phone(8).digits());
    let with_phone = store.wish(wish(secret, &text, 8)).await.unwrap();
    store
        .reply(with_phone, reply("好的，已安排。"), china("2026-12-10"))
        .await
        .unwrap();
    store
        .wish(wish(secret, "希望图书室多些绘本", 9))
        .await
        .unwrap();
}

fn build(root: &Path, db: &Path, out: &Path) {
    let args = [
        "diandan",
        "build",
        "--root",
        root.to_str().unwrap(),
        "--store",
        &format!("sqlite:{}", db.display()),
        "--today",
        TODAY,
        "--out",
        out.to_str().unwrap(),
    ];
    let code = diandan::cli::Cli::try_parse_from(args)
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(code, std::process::ExitCode::SUCCESS);
}

/// A CSV file read by the `csv` crate: it must start with the BOM; header and rows as maps.
fn read_csv(out: &Path, name: &str) -> Vec<BTreeMap<String, String>> {
    let bytes = std::fs::read(out.join("data").join(name)).unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "{name} starts with the UTF-8 BOM"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header.last().map(String::as_str),
        Some("built_at"),
        "{name}"
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{name} parses as CSV: {e}"));
            assert_eq!(r.len(), header.len(), "{name}: every row has every column");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn tallies(root: &Path, db: &Path) -> Value {
    let server = Server::start(root, db, SECRET, china(TODAY));
    let mut res = client()
        .get(&format!("{}/api/tallies", server.base))
        .call()
        .unwrap();
    let text = res.body_mut().read_to_string().unwrap();
    server.stop();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_store_backed_build_publishes_open_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite3");
    let store = SqliteStore::open(&db).unwrap();
    let secret = Secret::new(SECRET).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(residents_take_part(&store, &secret));
    drop(store);
    let (root, out) = (repo_root(), dir.path().join("public"));
    build(&root, &db, &out);

    charts_are_labelled_with_tables(&out);
    orders_match_the_tallies(&out, &tallies(&root, &db));
    wishes_stay_text(&out);
    every_file_names_the_build_time(&out);
    no_phone_under_data(&out);
    let report = std::fs::read_to_string(out.join("data/report/2026-12/index.html")).unwrap();
    assert!(
        report.contains("收到点单</th><td>5 人次"),
        "five distinct orders in December"
    );
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        home.contains("href=\"/data/\""),
        "the home page links the data page"
    );
}

fn charts_are_labelled_with_tables(out: &Path) {
    let page = std::fs::read_to_string(out.join("data/index.html")).unwrap();
    let charts: Vec<&str> = page.split("<svg class=\"chart\"").skip(1).collect();
    assert!(
        charts.len() >= 4,
        "at least four charts, found {}",
        charts.len()
    );
    for chart in &charts {
        let label = chart
            .split("aria-label=\"")
            .nth(1)
            .and_then(|s| s.split('"').next());
        let label = label.expect("each chart has an accessible name");
        assert!(
            chart.contains(&format!("<title>{label}</title>")),
            "and a <title>"
        );
        let after = chart.split("</svg>").nth(1).unwrap_or_default();
        let table = after.split("<table>").nth(1).unwrap_or_default();
        assert!(
            table.trim_start().starts_with(&format!("<caption>{label}")),
            "{label}: the same numbers in a table beside it"
        );
    }
    assert!(page.contains("各乡镇的点单") && page.contains("讲师的点将进度"));
}

fn orders_match_the_tallies(out: &Path, tallies: &Value) {
    let rows = read_csv(out, "orders.csv");
    let mut per_program: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rows {
        *per_program.entry(r["program_id"].clone()).or_default() +=
            r["open_orders"].parse::<u64>().unwrap();
    }
    let programs = tallies["programs"].as_object().unwrap();
    for (program, tally) in programs {
        let total = tally["total"].as_u64().unwrap();
        assert_eq!(
            per_program.get(program).copied().unwrap_or(0),
            total,
            "{program}"
        );
    }
    assert!(per_program.keys().all(|p| programs.contains_key(p)));
    assert_eq!(
        per_program["minju-chenjinggu"], 3,
        "a repeat order counts once"
    );
}

fn wishes_stay_text(out: &Path) {
    let rows = read_csv(out, "wishes.csv");
    assert_eq!(rows.len(), 2, "answered wishes only, as on the wall");
    let formula = rows
        .iter()
        .find(|r| r["text"].contains("HYPERLINK"))
        .unwrap();
    assert_eq!(
        formula["text"],
        format!("'{FORMULA_WISH}"),
        "a leading apostrophe keeps it text"
    );
    assert_eq!(formula["reply"], "'=1+1 我们会安排");
    assert_eq!(formula["name"], "郑*燕");
    let raw = String::from_utf8(std::fs::read(out.join("data/wishes.csv")).unwrap()).unwrap();
    assert!(!raw.contains(",\"=") && !raw.contains("\n=") && !raw.contains(",="));
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("data/wishes.json")).unwrap()).unwrap();
    let texts: Vec<&str> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["text"].as_str())
        .collect();
    assert!(
        texts.contains(&FORMULA_WISH),
        "JSON carries the text as written: {texts:?}"
    );
    for name in ["nominations.csv", "courses.csv", "ratings.csv"] {
        assert!(!read_csv(out, name).is_empty(), "{name} has rows");
    }
}

fn every_file_names_the_build_time(out: &Path) {
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("data/orders.json")).unwrap()).unwrap();
    let built_at = json["built_at"].as_str().unwrap().to_owned();
    assert!(
        chrono::DateTime::parse_from_rfc3339(&built_at).is_ok(),
        "{built_at}"
    );
    for name in ["orders", "nominations", "courses", "ratings", "wishes"] {
        let doc: Value =
            serde_json::from_slice(&std::fs::read(out.join(format!("data/{name}.json"))).unwrap())
                .unwrap();
        assert_eq!(doc["built_at"], built_at.as_str(), "{name}.json");
        assert_eq!(doc["licence"], "CC BY 4.0");
        for row in read_csv(out, &format!("{name}.csv")) {
            assert_eq!(row["built_at"], built_at, "{name}.csv");
        }
    }
}

fn no_phone_under_data(out: &Path) {
    let files: Vec<_> = walkdir::WalkDir::new(out.join("data"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .collect();
    assert!(files.len() >= 12, "pages, CSV and JSON files");
    for e in files {
        let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        for n in 1..=9 {
            let digits = phone(n).digits().to_owned();
            assert!(
                !text.contains(&digits[3..]),
                "{} shows {digits}",
                e.path().display()
            );
        }
        assert!(
            !text.contains("郑晓燕") && !text.contains("郑小明"),
            "{}",
            e.path().display()
        );
    }
}
