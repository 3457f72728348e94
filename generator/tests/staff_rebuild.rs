//! `serve`'s loop closed by staff: an admin reply signals the `on_change` hook, the site is
//! rebuilt from the store, and the wish wall shows the reply with the name masked and no
//! contact details; a resident's order (a tally) rebuilds nothing.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use diandan::serve::{app, on_change, Live};
use diandan_functions::api::ApiState;
use diandan_functions::catalogue::Catalogue;
use diandan_functions::domain::Secret;
use diandan_functions::sms::Inbox;
use diandan_functions::store::SqliteStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

mod common;

const TOKEN: &str = "staff-token-0123456789abcdef";
const PHONE: &str = "13912345678";

async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    json: Option<serde_json::Value>,
) -> (u16, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if uri.starts_with("/api/admin/") {
        request = request.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    }
    let body = match json {
        Some(v) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Waits until the build version passes `seen`.
async fn next_build(live: &Live, seen: u64) -> u64 {
    let mut rx = live.version.subscribe();
    let waited = tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|v| *v > seen)).await;
    let version = *waited
        .expect("a rebuild within 30 s")
        .expect("the version channel");
    drop(rx);
    version
}

/// A `serve` loop on the sample content and a fresh store, with the admin API on and staff
/// changes signalling rebuilds; the first build is done.
async fn serving() -> (Live, Router, tokio::task::JoinHandle<()>, Arc<Inbox>) {
    let inbox = Arc::new(Inbox::new());
    let store = Arc::new(SqliteStore::temporary().unwrap());
    let secret = Secret::new("staff-rebuild-test-secret-0123").unwrap();
    let (hook, signal) = on_change::change_signal();
    let api = ApiState::new(store, Catalogue::default(), secret)
        .with_base_url("")
        .with_admin_token(Some(TOKEN.into()))
        .with_on_change(hook)
        .with_sms(inbox.clone());
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1);
    let live = Live::new(common::repo_root(), api, today);
    let first = live.clone();
    tokio::task::spawn_blocking(move || first.rebuild())
        .await
        .unwrap();
    let rebuilder = live.clone();
    let task = on_change::rebuild_on_signal(signal, move || rebuilder.rebuild());
    let site = app(live.clone());
    (live, site, task, inbox)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_through_the_admin_api_shows_on_the_wish_wall_after_the_rebuild() {
    let (live, site, task, inbox) = serving().await;
    let wish = serde_json::json!({
        "text": "希望春节期间在南屿镇多演几场闽剧", "township": "nanyu", "name": "张美玲", "phone": PHONE
    });
    let (status, body) = send(&site, Method::POST, "/api/wishes", Some(wish)).await;
    assert_eq!(status, 201, "{body}");
    // The sample content asks for a text-message code on orders.
    let ask = serde_json::json!({ "phone": PHONE });
    assert_eq!(
        send(&site, Method::POST, "/api/verify", Some(ask)).await.0,
        202
    );
    let code = inbox.code_for(PHONE).expect("the text arrived");
    let order = serde_json::json!({
        "program": "minju-chenjinggu", "township": "nanyu", "name": "李四", "phone": PHONE, "code": code
    });
    assert_eq!(
        send(&site, Method::POST, "/api/orders", Some(order))
            .await
            .0,
        201
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = *live.version.borrow();
    assert_eq!(before, 1, "a wish and an order do not rebuild the site");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let reply = serde_json::json!({ "reply": "春节期间南屿镇将加演两场闽剧，欢迎观看。" });
    let uri = format!("/api/admin/wishes/{id}/reply");
    let (status, body) = send(&site, Method::POST, &uri, Some(reply)).await;
    assert_eq!(status, 200, "{body}");
    next_build(&live, before).await;
    let (status, wall) = send(&site, Method::GET, "/wishes/", None).await;
    assert_eq!(status, 200);
    assert!(
        wall.contains("春节期间南屿镇将加演两场闽剧，欢迎观看。"),
        "the reply is on the wall"
    );
    assert!(wall.contains("张*玲"), "the name is masked");
    assert!(
        !wall.contains("张美玲") && !wall.contains(PHONE),
        "no contact details"
    );
    task.abort();
}
