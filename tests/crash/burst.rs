//! `kill -9` of `diandan serve` while 1,000 submissions arrive at once: after a restart on the
//! same data folder every acknowledged submission is in the SQLite file, `/api/tallies` equals
//! the rows, each crossed threshold has its lecture request, and no course is over capacity.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::support::child::{copy_sample_site, Diandan};
use crate::support::client;

const TODAY: &str = "2026-12-15";
const SUBMISSIONS: usize = 1000;
const SENDERS: usize = 32;
const PROGRAMS: [&str; 4] = [
    "minju-chenjinggu",
    "pinghua-linzexu",
    "shifan-hezou",
    "muou-danaotiangong",
];
const TOWNSHIPS: [&str; 4] = ["nanyu", "ganzhe", "shangjie", "baisha"];
const LECTURERS: [&str; 3] = ["lin-xiuying", "chen-siqi", "huang-zhiqiang"];
/// (course, capacity, waitlist) of the two courses open on [`TODAY`].
const COURSES: [(&str, i64, i64); 2] = [
    ("hanjia-shaoer-guzheng", 12, 4),
    ("hanjia-shaoer-shufa", 30, 10),
];

/// One submission: the route, its fields, and the unique name it can be found by in the store.
struct Submission {
    route: &'static str,
    body: Value,
    marker: String,
}

/// Submission `i` of round `round`: orders, nominations and registrations in turn, each from a
/// different person.
fn submission(round: usize, i: usize) -> Submission {
    let n = round * SUBMISSIONS + i;
    let phone = format!("135{n:08}");
    let township = TOWNSHIPS[n % TOWNSHIPS.len()];
    match n % 3 {
        0 => Submission {
            route: "/api/orders",
            marker: format!("点单{n}"),
            body: json!({"program": PROGRAMS[n % PROGRAMS.len()], "township": township,
                         "name": format!("点单{n}"), "phone": phone}),
        },
        1 => Submission {
            route: "/api/nominations",
            marker: format!("点将{n}"),
            body: json!({"lecturer": LECTURERS[n % LECTURERS.len()], "township": township,
                         "name": format!("点将{n}"), "phone": phone}),
        },
        _ => Submission {
            route: "/api/registrations",
            marker: format!("孩子{n}"),
            body: json!({"course": COURSES[n % COURSES.len()].0, "child_name": format!("孩子{n}"),
                         "child_age": 9, "guardian_name": "家长", "phone": phone}),
        },
    }
}

/// What became of a submission.
enum Answer {
    /// 2xx, or 303 to a receipt: with the registration status, if any.
    Acknowledged(String),
    /// Any other status (a full course, say).
    Refused,
    /// No answer: the server was gone.
    Lost,
}

/// Sends it, as JSON or (every fifth) as a plain HTML form.
fn send(base: &str, s: &Submission, as_form: bool) -> Answer {
    match send_and_read(base, s, as_form) {
        None => Answer::Lost,
        Some((status, text)) if (200..300).contains(&status) || status == 303 => {
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            Answer::Acknowledged(v["status"].as_str().unwrap_or("").to_owned())
        }
        Some(_) => Answer::Refused,
    }
}

fn send_and_read(base: &str, s: &Submission, as_form: bool) -> Option<(u16, String)> {
    let url = format!("{base}{}", s.route);
    let result = if as_form {
        let fields: Vec<(String, String)> = s.body.as_object()?.iter().map(form_pair).collect();
        let body = serde_urlencoded::to_string(fields).ok()?;
        client()
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body)
    } else {
        client().post(&url).send_json(&s.body)
    };
    let mut res = result.ok()?;
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().ok()?;
    Some((status, text))
}

fn form_pair((k, v): (&String, &Value)) -> (String, String) {
    let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    (k.clone(), v)
}

/// Every acknowledged submission: its marker and the status the server answered.
type Acks = Mutex<BTreeMap<String, String>>;

/// Sends round `round`'s submissions from [`SENDERS`] threads and kills the server once
/// `kill_after` of them have been answered. Returns how many found no server.
fn burst(server: Diandan, base: &str, round: usize, kill_after: usize, acks: &Acks) -> usize {
    let (next, answered, lost) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let mut server = Some(server);
    std::thread::scope(|scope| {
        for _ in 0..SENDERS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= SUBMISSIONS {
                    break;
                }
                let s = submission(round, i);
                match send(base, &s, i % 5 == 0) {
                    Answer::Acknowledged(status) => {
                        acks.lock().unwrap().insert(s.marker, status);
                    }
                    Answer::Refused => {}
                    Answer::Lost => {
                        lost.fetch_add(1, Ordering::SeqCst);
                    }
                }
                answered.fetch_add(1, Ordering::SeqCst);
            });
        }
        while answered.load(Ordering::SeqCst) < kill_after {
            std::thread::yield_now();
        }
        server.take().unwrap().kill();
    });
    lost.into_inner()
}

/// Row counts straight from the SQLite file.
struct Rows {
    markers: BTreeMap<String, String>,
    orders: BTreeMap<(String, String), i64>,
    nominations: BTreeMap<String, i64>,
    requests: Vec<String>,
    courses: BTreeMap<(String, String), i64>,
}

fn query_pairs(db: &rusqlite::Connection, sql: &str) -> Vec<(String, String)> {
    let mut stmt = db.prepare(sql).unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

fn counted(db: &rusqlite::Connection, sql: &str) -> BTreeMap<(String, String), i64> {
    let mut stmt = db.prepare(sql).unwrap();
    let rows = stmt
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn rows(db_path: &Path) -> Rows {
    let db = rusqlite::Connection::open(db_path).expect("the store file opens");
    let mut markers: BTreeMap<String, String> = BTreeMap::new();
    for (name, status) in query_pairs(&db, "SELECT name, '' FROM orders")
        .into_iter()
        .chain(query_pairs(&db, "SELECT name, '' FROM nominations"))
        .chain(query_pairs(
            &db,
            "SELECT child_name, status FROM registrations",
        ))
    {
        assert!(
            markers.insert(name.clone(), status).is_none(),
            "{name} twice"
        );
    }
    let nominations = counted(
        &db,
        "SELECT lecturer, '', COUNT(*) FROM nominations GROUP BY lecturer",
    );
    let requests = query_pairs(&db, "SELECT lecturer, '' FROM lecture_requests");
    Rows {
        markers,
        orders: counted(&db, "SELECT program, township, COUNT(*) FROM orders WHERE closed_at IS NULL GROUP BY program, township"),
        nominations: nominations.into_iter().map(|((l, _), n)| (l, n)).collect(),
        requests: requests.into_iter().map(|(l, _)| l).collect(),
        courses: counted(&db, "SELECT course, status, COUNT(*) FROM registrations GROUP BY course, status"),
    }
}

fn tallies(base: &str) -> Value {
    let mut res = client().get(&format!("{base}/api/tallies")).call().unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.body_mut().read_json().unwrap()
}

fn tallies_equal_rows(t: &Value, rows: &Rows) {
    let mut from_tallies = BTreeMap::new();
    for (program, p) in t["programs"].as_object().unwrap() {
        for (township, n) in p["by_township"].as_object().unwrap() {
            let n = n.as_i64().unwrap();
            if n > 0 {
                from_tallies.insert((program.clone(), township.clone()), n);
            }
        }
    }
    assert_eq!(from_tallies, rows.orders, "order tallies = open order rows");
    for lecturer in LECTURERS {
        let l = &t["lecturers"][lecturer];
        let counted = rows.nominations.get(lecturer).copied().unwrap_or(0);
        assert_eq!(l["nominations"].as_i64(), Some(counted), "{lecturer}: {l}");
        let reached = counted >= l["threshold"].as_i64().unwrap();
        assert_eq!(l["reached"].as_bool(), Some(reached), "{lecturer}: {l}");
        let requested = rows.requests.iter().any(|r| r == lecturer);
        assert_eq!(
            requested, reached,
            "{lecturer}: one lecture request once reached"
        );
    }
    for (course, capacity, waitlist) in COURSES {
        let c = &t["courses"][course];
        let of = |s: &str| {
            let key = (course.to_owned(), s.to_owned());
            rows.courses.get(&key).copied().unwrap_or(0)
        };
        assert_eq!(
            c["confirmed"].as_i64(),
            Some(of("confirmed")),
            "{course}: {c}"
        );
        assert_eq!(
            c["waitlisted"].as_i64(),
            Some(of("waitlisted")),
            "{course}: {c}"
        );
        assert!(of("confirmed") <= capacity, "{course} over capacity: {c}");
        assert!(
            of("waitlisted") <= waitlist,
            "{course}'s waitlist too long: {c}"
        );
    }
}

fn every_ack_is_stored(acks: &Acks, rows: &Rows) {
    let acks = acks.lock().unwrap();
    for (marker, status) in acks.iter() {
        let stored = rows.markers.get(marker);
        assert!(
            stored.is_some(),
            "{marker} was acknowledged but is not in the store"
        );
        if !status.is_empty() {
            assert_eq!(stored, Some(status), "{marker} was answered {status}");
        }
    }
}

/// The sample site, asking for no text-message codes: the burst is about what a kill leaves,
/// and a code for each of its 1,000 phones would double its requests without testing more.
fn sample_without_codes(dir: &Path) {
    copy_sample_site(dir);
    let site = dir.join("content").join("site.yaml");
    let text = std::fs::read_to_string(&site).unwrap();
    let kept: String = (text.lines())
        .filter(|l| !l.starts_with("verify:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(kept, text, "the sample asks for codes");
    std::fs::write(&site, kept).unwrap();
}

pub fn acknowledged_submissions_survive_kill_9_of_serve() {
    let dir = tempfile::tempdir().unwrap();
    sample_without_codes(dir.path());
    let db = dir.path().join(".diandan").join("diandan.sqlite3");
    let acks = Acks::default();
    // Two rounds, the second on the store the first crash left, killed at different moments.
    for (round, kill_after) in [(0, 350), (1, 650)] {
        let (server, base) = Diandan::serve(dir.path(), TODAY, &[]);
        let acked_before = acks.lock().unwrap().len();
        let lost = burst(server, &base, round, kill_after, &acks);
        assert!(lost > 0, "the kill landed before the burst ended");
        let acked = acks.lock().unwrap().len() - acked_before;
        assert!(
            acked >= kill_after / 2,
            "{acked} acknowledged before the kill"
        );
        let (again, base) = Diandan::serve(dir.path(), TODAY, &[]);
        let rows = rows(&db);
        every_ack_is_stored(&acks, &rows);
        tallies_equal_rows(&tallies(&base), &rows);
        drop(again);
    }
}
