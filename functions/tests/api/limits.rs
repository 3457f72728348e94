//! Abuse limits through the router: per person and per client, answered with 429 and
//! `Retry-After`; what was accepted before stays counted; the optional human check.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{header, StatusCode};
use serde_json::json;

use super::support::{app_with, form, json, App};
use diandan_functions::api::{ClientAddr, HumanCheck, Limits, Rule};

fn limits(per_client: &str, per_person: &str) -> Limits {
    Limits {
        per_client: Rule::parse(per_client).unwrap(),
        per_person: Rule::parse(per_person).unwrap(),
        ..Limits::default()
    }
}

fn order(program: &str, phone: &str) -> serde_json::Value {
    json!({ "program": program, "township": "nanyu", "name": "张三", "phone": phone })
}

const PROGRAMS: [&str; 2] = ["minju-chenjinggu", "pinghua-linzexu"];

/// A third kind of write: limits count every public write together.
fn nomination(phone: &str) -> serde_json::Value {
    json!({ "lecturer": "chen-ming", "township": "nanyu", "name": "张三", "phone": phone })
}

async fn tally(app: &App, program: &str) -> u64 {
    let t = app.get_json("/api/tallies").await.json();
    t["programs"][program]["total"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn a_person_past_the_limit_gets_429_and_keeps_what_was_accepted() {
    let app = app_with(|s| s.with_limits(limits("off", "2/10m")));
    for program in &PROGRAMS[..2] {
        let ok = app
            .post_json("/api/orders", order(program, "13900000001"))
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    }
    let third = app
        .post_json("/api/nominations", nomination("139 0000 0001"))
        .await;
    assert_eq!(
        third.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        third.body
    );
    assert_eq!(third.json()["type"], "urn:diandan:problem:rate-limited");
    let retry: u32 = third.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        tally(&app, PROGRAMS[0]).await,
        1,
        "accepted orders stay counted"
    );
    let t = app.get_json("/api/tallies").await.json();
    assert_eq!(
        t["lecturers"]["chen-ming"]["nominations"], 0,
        "the refused one was not taken"
    );
    let other = app
        .post_json("/api/nominations", nomination("13900000002"))
        .await;
    assert_eq!(
        other.status,
        StatusCode::CREATED,
        "another person is not limited"
    );
}

#[tokio::test]
async fn a_plain_form_past_the_limit_gets_a_page_in_chinese() {
    let app = app_with(|s| s.with_limits(limits("off", "1/1h")));
    let body = "program=minju-chenjinggu&township=nanyu&name=%E5%BC%A0%E4%B8%89&phone=13900000003";
    assert_eq!(
        app.send(form("/api/orders", body)).await.status,
        StatusCode::SEE_OTHER
    );
    let again = app.send(form("/api/orders", body)).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        again.content_type().starts_with("text/html"),
        "{}",
        again.content_type()
    );
    assert!(again.body.contains("提交太频繁了"), "{}", again.body);
    assert!(again.headers.contains_key(header::RETRY_AFTER));
}

fn from(ip: &str, uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
    let mut r = json(axum::http::Method::POST, uri, &body);
    let ip: IpAddr = ip.parse().unwrap();
    r.extensions_mut().insert(ClientAddr(ip));
    r
}

#[tokio::test]
async fn a_client_past_the_limit_gets_429_whoever_it_claims_to_be() {
    let app = app_with(|s| s.with_limits(limits("2/1m", "off")));
    for (i, program) in PROGRAMS.iter().enumerate() {
        let phone = format!("1390000001{i}");
        let answer = app
            .send(from("198.51.100.7", "/api/orders", order(program, &phone)))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "attempt {i}: {}",
            answer.body
        );
    }
    let third = from(
        "198.51.100.7",
        "/api/nominations",
        nomination("13900000018"),
    );
    assert_eq!(app.send(third).await.status, StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = from(
        "198.51.100.8",
        "/api/nominations",
        nomination("13900000019"),
    );
    assert_eq!(app.send(elsewhere).await.status, StatusCode::CREATED);
    let bad = app
        .send(from("198.51.100.7", "/api/orders", json!({ "oops": true })))
        .await;
    assert_eq!(
        bad.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even malformed posts count"
    );
}

#[tokio::test]
async fn reading_pages_is_never_limited() {
    let app = app_with(|s| s.with_limits(limits("1/1h", "1/1h")));
    for _ in 0..5 {
        assert_eq!(app.get_json("/api/tallies").await.status, StatusCode::OK);
    }
}

/// Says yes to the answer "human", fails when told to.
struct FakeCheck {
    down: bool,
}

#[async_trait::async_trait]
impl HumanCheck for FakeCheck {
    async fn verify(&self, answer: Option<&str>, _: Option<IpAddr>) -> Result<bool, String> {
        if self.down {
            return Err("the service is down".into());
        }
        Ok(answer == Some("human"))
    }
}

#[tokio::test]
async fn the_human_check_refuses_robots_and_fails_closed() {
    let app = app_with(|s| s.with_human_check(Arc::new(FakeCheck { down: false })));
    let mut body = order(PROGRAMS[0], "13900000021");
    let robot = app.post_json("/api/orders", body.clone()).await;
    assert_eq!(
        robot.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        robot.body
    );
    assert_eq!(robot.json()["errors"][0]["field"], "captcha");
    body["captcha"] = json!("human");
    let person = app.post_json("/api/orders", body.clone()).await;
    assert_eq!(person.status, StatusCode::CREATED, "{}", person.body);
    let down = app_with(|s| s.with_human_check(Arc::new(FakeCheck { down: true })));
    let refused = down.post_json("/api/orders", body).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn no_other_origin_is_allowed_to_read_answers() {
    let app = super::support::app();
    let mut preflight = json(axum::http::Method::OPTIONS, "/api/orders", &json!({}));
    (preflight.headers_mut()).insert(header::ORIGIN, "https://elsewhere.example".parse().unwrap());
    (preflight.headers_mut()).insert("access-control-request-method", "POST".parse().unwrap());
    let answer = app.send(preflight).await;
    assert!(!answer
        .headers
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let mut post = json(
        axum::http::Method::POST,
        "/api/orders",
        &order(PROGRAMS[0], "13900000031"),
    );
    (post.headers_mut()).insert(header::ORIGIN, "https://elsewhere.example".parse().unwrap());
    let answer = app.send(post).await;
    assert!(!answer
        .headers
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
}

/// A siteverify service on loopback: "success" only for the answer "human" with our secret.
async fn verify_service() -> (String, tokio::task::JoinHandle<()>) {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/siteverify",
        post(|body: String| async move {
            let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
            let has = |k: &str, v: &str| form.iter().any(|(a, b)| a == k && b == v);
            let ok = has("secret", "s3cret") && has("response", "human");
            axum::Json(json!({ "success": ok }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/siteverify", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn siteverify_asks_the_configured_service() {
    use diandan_functions::api::human::SiteVerify;
    let (url, server) = verify_service().await;
    let check = SiteVerify::new(url.clone(), "s3cret");
    assert_eq!(check.verify(Some("human"), None).await, Ok(true));
    assert_eq!(check.verify(Some("robot"), None).await, Ok(false));
    assert_eq!(
        check.verify(None, None).await,
        Ok(false),
        "no answer, no call"
    );
    let wrong = SiteVerify::new(url, "not-the-secret");
    assert_eq!(wrong.verify(Some("human"), None).await, Ok(false));
    server.abort();
    let gone = SiteVerify::new("http://127.0.0.1:9/siteverify", "s3cret");
    assert!(
        gone.verify(Some("human"), None).await.is_err(),
        "an unreachable service fails"
    );
}
