//! Privacy end to end: residents post 20 phone numbers with their names through every form of a
//! real `diandan serve` (logging at `trace`; every form that offers it with 有安排时短信通知我
//! ticked, so numbers are kept sealed), staff answer the wishes, and a store-backed
//! `diandan build` (also at `trace`) publishes the site. No phone number, in any common
//! spelling, and no full name appears in any output file (the open data under `/data/` included),
//! any log line or any answer; names show only masked (王*). The text-message codes the forms
//! ask for go out through the Aliyun adapter to a loopback stand-in and appear in no output.
//!
//! `harness = false`: this binary is also the `diandan` command its test starts.

mod support;

use diandan_functions::sms::testing::{StandIn, Vendor, SECRET, TEMPLATE};
use serde_json::{json, Value};
use support::child::{copy_sample_site, Diandan};
use support::{client, ADMIN_TOKEN};

const TODAY: &str = "2026-12-15";

/// Names that appear nowhere in the sample site, so any sighting is a leak.
const NAMES: [&str; 20] = [
    "司马望舒",
    "欧阳晓岚",
    "诸葛青禾",
    "上官若溪",
    "慕容听雨",
    "东方映雪",
    "皇甫云帆",
    "令狐秋实",
    "公孙明澈",
    "长孙知夏",
    "尉迟暮山",
    "澹台星河",
    "宇文清涟",
    "夏侯拾光",
    "轩辕子衿",
    "端木景行",
    "百里晴川",
    "呼延素心",
    "闻人北辰",
    "南宫晚照",
];

/// Twenty distinct mainland mobile numbers, as the store normalises them.
fn phone(i: usize) -> String {
    format!("1{}{:09}", 3 + i % 7, 512_340_067 + i * 7_919)
}

/// The spellings a number might leak in: plain, grouped 3-4-4 with spaces or dashes, +86.
fn spellings(p: &str) -> Vec<String> {
    let (a, b, c) = (&p[..3], &p[3..7], &p[7..]);
    vec![
        p.to_owned(),
        format!("{a} {b} {c}"),
        format!("{a}-{b}-{c}"),
        format!("+86{p}"),
        format!("+86 {p}"),
        format!("+86 {a} {b} {c}"),
    ]
}

/// How residents type the `i`th number into a form.
fn typed(i: usize) -> String {
    let spelled = spellings(&phone(i));
    spelled[i % spelled.len()].clone()
}

/// POSTs JSON (or, every other time, a plain form); the status and the answer's body.
fn post(base: &str, path: &str, body: Value, as_form: bool) -> (u16, String) {
    let url = format!("{base}{path}");
    let sent = if as_form {
        let pairs: Vec<(String, String)> = body
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_owned)))
            .collect();
        client()
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(serde_urlencoded::to_string(pairs).unwrap())
    } else {
        client().post(&url).send_json(body)
    };
    let mut res = sent.expect("the server answers");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let mut text = res.body_mut().read_to_string().unwrap_or_default();
    // A form's receipt page is part of the answer.
    if let Some(location) = location.filter(|l| l.starts_with('/')) {
        let mut page = client().get(&format!("{base}{location}")).call().unwrap();
        text.push_str(&location);
        text.push_str(&page.body_mut().read_to_string().unwrap_or_default());
    }
    (status, text)
}

/// The `i`th submission of each kind (four of each), from person `i`.
fn submission(i: usize) -> (&'static str, Value) {
    let (name, phone) = (NAMES[i], typed(i));
    let township = ["nanyu", "ganzhe", "shangjie", "baisha"][i % 4];
    match i % 5 {
        0 => (
            "/api/orders",
            json!({"program": "minju-chenjinggu", "township": township,
              "name": name, "phone": phone, "note": format!("我是{name}，电话{phone}"),
              "notify": "1"}),
        ),
        1 => (
            "/api/nominations",
            json!({"lecturer": "lin-xiuying", "township": township,
              "name": name, "phone": phone, "topic": format!("{name}想听剪纸"),
              "notify": "1"}),
        ),
        2 => (
            "/api/registrations",
            json!({"course": "hanjia-shaoer-shufa", "child_name": name,
              "child_age": 9, "guardian_name": NAMES[(i + 10) % 20], "phone": phone}),
        ),
        3 => (
            "/api/wishes",
            // A number written into the text itself, which staff then publish with a reply.
            json!({"text": format!("希望多演闽剧，我是{township}的村民，电话{phone}"),
              "township": township, "name": name, "phone": phone, "notify": "1"}),
        ),
        _ => (
            "/api/ratings",
            json!({"slot": "2026-12-05-baisha-stage", "phone": phone,
              "stars": 5, "comment": "演得真好，明年还来"}),
        ),
    }
}

/// Staff answer every pending wish, which publishes it and rebuilds the site.
fn staff_answer_wishes(base: &str) -> String {
    let mut list = client()
        .get(&format!("{base}/api/admin/wishes"))
        .header("Authorization", &format!("Bearer {ADMIN_TOKEN}"))
        .call()
        .unwrap();
    let text = list.body_mut().read_to_string().unwrap();
    let wishes: Value = serde_json::from_str(&text).unwrap();
    for wish in wishes["wishes"].as_array().unwrap() {
        let id = &wish["id"];
        let mut res = client()
            .post(&format!("{base}/api/admin/wishes/{id}/reply"))
            .header("Authorization", &format!("Bearer {ADMIN_TOKEN}"))
            .send_json(json!({"reply": "收到，文化馆会安排。"}))
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            200,
            "{}",
            res.body_mut().read_to_string().unwrap()
        );
    }
    text
}

/// Every place a number or a name must not be: `(where, text)`.
fn leaks_in(texts: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (place, text) in texts {
        for (i, name) in NAMES.iter().enumerate() {
            for needle in spellings(&phone(i)).into_iter().chain([name.to_string()]) {
                if text.contains(&needle) {
                    found.push(format!("{needle} in {place}"));
                }
            }
        }
    }
    found
}

fn output_files(out: &std::path::Path) -> Vec<(String, String)> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap();
            (
                e.path().display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect()
}

fn log_lines(who: &str, lines: Vec<String>) -> Vec<(String, String)> {
    lines
        .into_iter()
        .map(|l| (format!("{who}'s log"), l))
        .collect()
}

fn main() -> std::process::ExitCode {
    if let Some(code) = support::child::run_as_cli_if_asked() {
        return code;
    }
    let started = std::time::Instant::now();
    no_phone_or_name_leaves_the_store();
    forgotten_numbers_leave_the_store_files();
    eprintln!("privacy: ok ({} s)", started.elapsed().as_secs());
    std::process::ExitCode::SUCCESS
}

fn no_phone_or_name_leaves_the_store() {
    let dir = tempfile::tempdir().unwrap();
    copy_sample_site(dir.path());
    let sample = output_files(dir.path());
    assert!(
        leaks_in(&sample).is_empty(),
        "pick names the sample does not use"
    );
    // Codes go out through the Aliyun adapter to a loopback stand-in, which is also the
    // residents' phones: the codes are read there, and must show nowhere in serve's output.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let phones = (runtime.block_on(StandIn::start(Vendor::Aliyun, 10))).unwrap();
    let settings = phones.settings(SECRET, TEMPLATE);
    let mut envs: Vec<(&str, &str)> = vec![
        ("DIANDAN_LOG", "trace"),
        ("DIANDAN_ADMIN_TOKEN", ADMIN_TOKEN),
        ("DIANDAN_SMS", "aliyun"),
    ];
    envs.extend(settings.iter().map(|(k, v)| (*k, v.as_str())));
    let (server, base) = Diandan::serve(dir.path(), TODAY, &envs);
    let mut answers = Vec::new();
    for i in 0..NAMES.len() {
        let (path, mut body) = submission(i);
        let as_form = i % 2 == 1;
        if matches!(i % 5, 0..=2) {
            let (status, text) = post(&base, "/api/verify", json!({"phone": typed(i)}), as_form);
            assert_eq!(status, 202, "a code for {i}: {text}");
            answers.push((format!("the answer to /api/verify {i}"), text));
            body["code"] = phones.code_for(&phone(i)).expect("the text arrived").into();
        }
        let (status, text) = post(&base, path, body, as_form);
        assert!(
            matches!(status, 200..=299 | 303),
            "{path} {i}: {status} {text}"
        );
        answers.push((format!("the answer to {path} {i}"), text));
    }
    // A form with a mistake comes back filled in, except for the phone number.
    // (It shows the name again to the one who typed it: that is not a leak.)
    let refused = json!({"program": "minju-chenjinggu", "township": "nowhere",
                         "name": NAMES[0], "phone": typed(0)});
    let (status, text) = post(&base, "/api/orders", refused, true);
    assert_eq!(status, 422, "{text}");
    answers.push(("a refused order form".into(), text.replace(NAMES[0], "")));
    let pending = staff_answer_wishes(&base);
    answers.push(("the staff's wish list".into(), pending));
    let serve_log = server.kill();

    let out = dir.path().join("public");
    let store = format!(
        "sqlite:{}",
        dir.path().join(".diandan/diandan.sqlite3").display()
    );
    let root = dir.path().display().to_string();
    let args = [
        "build", "--root", &root, "--store", &store, "--today", TODAY, "--out",
    ];
    let mut args: Vec<&str> = args.to_vec();
    let out_arg = out.display().to_string();
    args.push(&out_arg);
    let (status, build_log) = Diandan::spawn(&args, &[("DIANDAN_LOG", "trace")]).wait();
    assert!(status.success(), "{build_log:?}");

    let files = output_files(&out);
    let wall = files
        .iter()
        .find(|(p, _)| p.ends_with("wishes/index.html"))
        .unwrap();
    let wall = wall.1.clone();
    // The open data are scanned with the rest, and carry the answered wishes.
    let open_data = (files.iter())
        .filter(|(p, _)| p.contains("/data/"))
        .filter(|(_, text)| text.contains("收到，文化馆会安排。"))
        .count();
    assert!(
        open_data >= 2,
        "wishes.csv and wishes.json list the answered wishes"
    );
    let traced = serve_log.iter().any(|l| l.contains(" TRACE "));
    assert!(traced, "trace logging is on: {serve_log:?}");
    let codes = phones.codes();
    assert_eq!(
        codes.len(),
        12,
        "a text for each order, nomination and registration"
    );
    for code in &codes {
        let seen: Vec<&String> = serve_log
            .iter()
            .filter(|l| l.contains(code.as_str()))
            .collect();
        assert!(
            seen.is_empty(),
            "the code {code} is in serve's output: {seen:?}"
        );
    }
    let mut everywhere = files;
    everywhere.extend(log_lines("serve", serve_log));
    everywhere.extend(log_lines("build", build_log));
    everywhere.extend(answers);
    let leaks = leaks_in(&everywhere);
    assert!(leaks.is_empty(), "{} leaks: {leaks:#?}", leaks.len());
    assert!(
        wall.contains("收到，文化馆会安排。"),
        "the answered wishes are on the wall"
    );
    let masked = format!("{}*", NAMES[3].chars().next().unwrap());
    assert!(wall.contains(&masked), "with the name masked");
}

/// A local user on the serve machine reads the store's files: they are the owner's alone, and
/// after `people/forget` no spelling of a forgotten number is left in the database, its WAL or
/// its shared-memory file (checked while the store is still open, as under a running serve).
fn forgotten_numbers_leave_the_store_files() {
    use diandan_functions::catalogue::Allocation;
    use diandan_functions::domain::{ChildAge, Phone, Secret, WishText};
    use diandan_functions::store::conformance::{day, id, name};
    use diandan_functions::store::{NewRegistration, NewWish, SqliteStore, Store};
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(".diandan");
    let path = folder.join("diandan.sqlite3");
    let secret = Secret::new("privacy-test-secret-0123456789").unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let phones: Vec<Phone> = (0..NAMES.len())
        .map(|i| Phone::parse(&phone(i)).unwrap())
        .collect();
    runtime.block_on(async {
        for (i, number) in phones.iter().enumerate() {
            let person = secret.person_key(number);
            let registration = NewRegistration {
                course: id("hanjia-shaoer-shufa"),
                capacity: 100,
                waitlist: 0,
                guardian_name: name(NAMES[i]),
                phone: number.clone(),
                person: person.clone(),
                child_name: name(NAMES[(i + 1) % NAMES.len()]),
                child_age: ChildAge::parse("9").unwrap(),
                at: day(1),
                expires_at: day(28),
                allocation: Allocation::FirstCome,
                max_per_guardian: 1,
                remind_at: None,
                reach: None,
            };
            store.register(registration).await.unwrap();
            let text = format!("希望多演闽剧，电话{}", typed(i));
            let wish = NewWish {
                text: WishText::parse(&text).unwrap(),
                township: id("nanyu"),
                name: Some(name(NAMES[i])),
                person: Some(person),
                at: day(2),
                reach: None,
            };
            store.wish(wish).await.unwrap();
        }
        for number in &phones {
            store
                .forget_person(&secret.person_key(number))
                .await
                .unwrap();
        }
    });
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700, "the store's folder");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let file = entry.unwrap().path();
        assert_eq!(mode(&file), 0o600, "{}", file.display());
        let bytes = std::fs::read(&file).unwrap();
        files.push((
            file.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    assert!(files.len() >= 2, "the database and its WAL: {files:?}");
    let leaks = leaks_in(&files);
    assert!(
        leaks.is_empty(),
        "forgotten numbers left in the store's files: {leaks:#?}"
    );
    drop(store);
}
