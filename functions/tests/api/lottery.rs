//! A lottery course through the router: applications (`applied`), withdrawal before the close
//! only, the staff draw with witness 371 recomputed here with this test's own SHA-256, every
//! holder's status, a refused second draw that changes nothing, and promotion in draw order.

use std::sync::Arc;

use axum::http::{header, Method};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use diandan_functions::catalogue::Allocation;
use diandan_functions::store::{SqliteStore, Store};

use super::support::{app_on, catalogue, json as json_request, registration, App};

const TOKEN: &str = "staff-token-0123456789abcdef";

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The papercut course as a lottery of 3 places and 2 waitlist places, on one store seen on
/// 1 July (registration open) and on 6 July (closed, the day after).
fn apps() -> (App, App) {
    let mut c = catalogue();
    let papercut = (c.courses.iter_mut())
        .find(|(id, _)| id.as_str() == "summer-papercut")
        .map(|(_, k)| k)
        .expect("the fixture has the papercut course");
    papercut.allocation = Allocation::Lottery;
    papercut.capacity = 3;
    papercut.waitlist = 2;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("a store"));
    let staff = |s: diandan_functions::ApiState| s.with_admin_token(Some(TOKEN.to_owned()));
    let open = app_on(Arc::clone(&store), c.clone(), (7, 1), staff);
    let closed = app_on(store, c, (7, 6), staff);
    (open, closed)
}

async fn draw(app: &App, witness: &str) -> super::support::Answer {
    let mut r = json_request(
        Method::POST,
        "/api/admin/courses/summer-papercut/draw",
        &json!({ "witness": witness }),
    );
    let bearer = format!("Bearer {TOKEN}").parse().expect("a header");
    r.headers_mut().insert(header::AUTHORIZATION, bearer);
    app.send(r).await
}

fn site_path(url: &Value) -> String {
    let url = url.as_str().expect("a URL");
    url.strip_prefix("https://diandan.example")
        .expect("a site URL")
        .to_owned()
}

/// Twelve applications from twelve guardians: (code, status URL, cancel URL).
async fn apply_twelve(app: &App) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for i in 0..12 {
        let phone = format!("1370000{i:04}");
        let a = app
            .post_json("/api/registrations", registration(&phone, "李小红"))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        let a = a.json();
        assert_eq!(
            a["status"], "applied",
            "an application, nobody confirmed yet"
        );
        assert_eq!(a["waitlist_position"], Value::Null);
        let code = a["code"].as_str().expect("a code").to_owned();
        out.push((
            code,
            site_path(&a["status_url"]),
            site_path(&a["cancel_url"]),
        ));
    }
    out
}

async fn status(app: &App, url: &str) -> Value {
    let answer = app.get_json(url).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

/// Every holder's status matches their place in `ranking`: 3 places, then 2 waiting.
async fn check_outcomes(app: &App, apps: &[(String, String, String)], ranking: &[&str]) {
    for (i, code) in ranking.iter().enumerate() {
        let (_, url, _) = apps.iter().find(|(c, _, _)| c == code).expect("ours");
        let got = status(app, url).await;
        let want = match i {
            0..=2 => json!(["confirmed", null]),
            3 => json!(["waitlisted", 1]),
            4 => json!(["waitlisted", 2]),
            _ => json!(["not_drawn", null]),
        };
        let got = json!([got["status"], got["waitlist_position"]]);
        assert_eq!(got, want, "rank {} ({code})", i + 1);
    }
}

#[tokio::test]
async fn twelve_applications_three_places_two_waiting_witness_371() {
    let (open, closed) = apps();
    let apps = apply_twelve(&open).await;
    let early = draw(&open, "371").await;
    assert_eq!(
        early.status, 409,
        "no draw before registration closes: {}",
        early.body
    );
    assert!(early.body.contains("not-yet-closed"));

    let answer = draw(&closed, "371").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let d = answer.json();
    // Recomputed here from the codes alone.
    let mut codes: Vec<&str> = apps.iter().map(|(c, _, _)| c.as_str()).collect();
    codes.sort_unstable();
    let list_hash = sha(&codes.join("\n"));
    let seed = sha(&format!("{list_hash}:371"));
    let mut ranking = codes.clone();
    ranking.sort_by_key(|c| sha(&format!("{seed}:{c}")));
    assert_eq!(d["list_hash"], list_hash.as_str());
    assert_eq!(d["seed"], seed.as_str());
    assert_eq!(d["witness"], "371");
    assert_eq!(d["ranking"], json!(ranking));

    let url_of = |code: &str| {
        apps.iter()
            .find(|(c, _, _)| c == code)
            .expect("ours")
            .clone()
    };
    check_outcomes(&closed, &apps, &ranking).await;

    let again = draw(&closed, "999").await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("already-drawn"));
    check_outcomes(&closed, &apps, &ranking).await;
    let t = closed.get("/api/tallies").await.json();
    assert_eq!(t["courses"]["summer-papercut"]["confirmed"], 3);
    assert_eq!(t["courses"]["summer-papercut"]["waitlisted"], 2);

    // A drawn place given back goes to the first waiter in draw order.
    let cancelled = closed.post_json(&url_of(ranking[0]).2, json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let promoted = status(&closed, &url_of(ranking[3]).1).await;
    assert_eq!(promoted["status"], "confirmed");
    let next = status(&closed, &url_of(ranking[4]).1).await;
    assert_eq!(
        json!([next["status"], next["waitlist_position"]]),
        json!(["waitlisted", 1])
    );
}

#[tokio::test]
async fn applications_are_withdrawn_before_the_close_only() {
    let (open, closed) = apps();
    let apps = apply_twelve(&open).await;
    let withdrawn = open.post_json(&apps[0].2, json!({})).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    let frozen = closed.post_json(&apps[1].2, json!({})).await;
    assert_eq!(
        frozen.status, 409,
        "the published list cannot change: {}",
        frozen.body
    );
    assert!(frozen.body.contains("list-frozen"));
    assert_eq!(status(&closed, &apps[1].1).await["status"], "applied");
    let page = open.get(&apps[1].1).await;
    assert!(page.body.contains("等待摇号"), "{}", page.body);
    let d = draw(&closed, "371").await.json();
    assert_eq!(d["ranking"].as_array().map(Vec::len), Some(11));
    let last = d["ranking"][10].as_str().expect("a code");
    let (_, url, _) = apps.iter().find(|(c, _, _)| c == last).expect("ours");
    let page = closed.get(url).await;
    assert!(page.body.contains("这次没有摇中"), "{}", page.body);
    // The same child again is refused: one application per child per course.
    let twice = open
        .post_json("/api/registrations", registration("13700000001", "李小红"))
        .await;
    assert_eq!(twice.status, 409);
}
