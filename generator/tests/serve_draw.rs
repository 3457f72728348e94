//! `serve` with a lottery course whose registration has closed: staff draw through the admin
//! API, the site is rebuilt, and the result page and `draw.json` are served; a second draw is
//! refused and the published result stays the first.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use chrono::TimeZone;
use diandan::serve::{app, on_change, Live};
use diandan_functions::api::ApiState;
use diandan_functions::catalogue::{Allocation, Catalogue};
use diandan_functions::clock::{china_offset, fixed_clock};
use diandan_functions::domain::{ChildAge, PersonName, Phone, Secret};
use diandan_functions::store::{NewRegistration, SqliteStore, Store};
use http_body_util::BodyExt;
use tower::ServiceExt;

mod common;

const TOKEN: &str = "staff-token-0123456789abcdef";

async fn send(site: &Router, method: Method, uri: &str, json: Option<&str>) -> (u16, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if uri.starts_with("/api/admin/") {
        request = request.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    }
    let body = match json {
        Some(text) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(text.to_owned())
        }
        None => Body::empty(),
    };
    let response = site
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn applications(store: &dyn Store) -> Vec<String> {
    let secret = Secret::new("serve-draw-test-secret-0123").unwrap();
    let at = china_offset()
        .with_ymd_and_hms(2026, 11, 10, 9, 0, 0)
        .unwrap();
    let mut codes = Vec::new();
    for i in 0..7 {
        let phone = Phone::parse(&format!("1390000{i:04}")).unwrap();
        let r = NewRegistration {
            course: "guzheng".parse().unwrap(),
            capacity: 3,
            waitlist: 2,
            guardian_name: PersonName::parse("林家长").unwrap(),
            person: secret.person_key(&phone),
            phone,
            child_name: PersonName::parse("林小妹").unwrap(),
            child_age: ChildAge::new(9).unwrap(),
            at,
            expires_at: at + chrono::Duration::days(60),
            allocation: Allocation::Lottery,
            max_per_guardian: 2,
            remind_at: None,
            reach: None,
        };
        codes.push(store.register(r).await.unwrap().code.to_string());
    }
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draw_through_the_admin_api_is_published_after_the_rebuild() {
    let site_dir = common::site(&[&common::fixtures().join("lottery")]);
    let store = Arc::new(SqliteStore::temporary().unwrap());
    let codes = applications(store.as_ref()).await;
    let (hook, signal) = on_change::change_signal();
    let now = china_offset()
        .with_ymd_and_hms(2026, 12, 1, 10, 0, 0)
        .unwrap();
    let secret = Secret::new("serve-draw-test-secret-0123").unwrap();
    let api = ApiState::new(store, Catalogue::default(), secret)
        .with_base_url("")
        .with_clock(fixed_clock(now))
        .with_admin_token(Some(TOKEN.into()))
        .with_on_change(hook);
    let live = Live::new(site_dir.path().to_path_buf(), api, Some(now.date_naive()));
    let first = live.clone();
    tokio::task::spawn_blocking(move || first.rebuild())
        .await
        .unwrap();
    let rebuilder = live.clone();
    let task = on_change::rebuild_on_signal(signal, move || rebuilder.rebuild());
    let site = app(live.clone());

    let (_, page) = send(&site, Method::GET, "/courses/guzheng/", None).await;
    assert!(page.contains("共 7 份申请"), "{page}");
    let before = *live.version.borrow();
    let uri = "/api/admin/courses/guzheng/draw";
    let (status, body) = send(&site, Method::POST, uri, Some(r#"{"witness":"371"}"#)).await;
    assert_eq!(status, 200, "{body}");
    let mut rx = live.version.subscribe();
    let rebuilt = tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|v| *v > before));
    rebuilt
        .await
        .expect("a rebuild within 30 s")
        .expect("the version channel");
    drop(rx);
    let (status, result) = send(&site, Method::GET, "/courses/guzheng/draw/", None).await;
    assert_eq!(status, 200, "{result}");
    for code in &codes {
        assert!(
            result.contains(code.as_str()),
            "{code} is on the result page"
        );
    }
    assert!(!result.contains("林小妹"), "no names");
    let (status, json) = send(&site, Method::GET, "/courses/guzheng/draw.json", None).await;
    assert_eq!(status, 200);
    let published: serde_json::Value = serde_json::from_str(&json).unwrap();
    let answered: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(published, answered, "draw.json is what the draw answered");
    let (status, _) = send(&site, Method::POST, uri, Some(r#"{"witness":"999"}"#)).await;
    assert_eq!(status, 409, "drawn once");
    task.abort();
}
