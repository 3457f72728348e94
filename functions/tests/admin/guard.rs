//! The token guard: every admin route refuses a missing or wrong token, and all of them are
//! off when no token is configured.

use axum::http::{header, Method, StatusCode};
use serde_json::json;

use super::support::{app, app_with, request, TOKEN};

/// Every admin route, with a body where it takes one.
pub fn routes() -> Vec<(Method, &'static str, Option<serde_json::Value>)> {
    vec![
        (Method::GET, "/api/admin/wishes", None),
        (
            Method::POST,
            "/api/admin/wishes/1/reply",
            Some(json!({ "reply": "好的" })),
        ),
        (Method::POST, "/api/admin/wishes/1/hide", None),
        (Method::GET, "/api/admin/slots", None),
        (
            Method::POST,
            "/api/admin/slots/2026-07-11-nanyu-stage/pin",
            Some(json!({ "program": "minju-chenjinggu" })),
        ),
        (
            Method::DELETE,
            "/api/admin/slots/2026-07-11-nanyu-stage/pin",
            None,
        ),
        (
            Method::POST,
            "/api/admin/slots/2026-06-20-nanyu-stage/done",
            None,
        ),
        (Method::POST, "/api/admin/plan", None),
        (Method::POST, "/api/admin/plan?apply=true", None),
        (Method::GET, "/api/admin/export/orders.csv", None),
        (Method::GET, "/api/admin/export/nominations.csv", None),
        (Method::GET, "/api/admin/export/registrations.csv", None),
        (Method::GET, "/api/admin/export/messages.csv", None),
        (Method::GET, "/api/admin/log", None),
        (Method::GET, "/api/admin/helpers", None),
        (Method::GET, "/api/admin/messages", None),
        (
            Method::POST,
            "/api/admin/people/export",
            Some(json!({ "phone": "13800000001" })),
        ),
        (
            Method::POST,
            "/api/admin/people/forget",
            Some(json!({ "phone": "13800000001" })),
        ),
    ]
}

#[tokio::test]
async fn every_admin_route_refuses_a_missing_or_wrong_token() {
    let app = app();
    let wrong = [
        None,
        Some("Bearer not-the-token-0123456789".to_owned()),
        Some(format!("Bearer {TOKEN}x")),
        Some(format!("Basic {TOKEN}")),
        Some("Bearer".to_owned()),
    ];
    for (method, uri, body) in routes() {
        for auth in &wrong {
            let r = request(method.clone(), uri, auth.as_deref(), body.clone());
            let answer = app.send(r).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{method} {uri} with {auth:?}"
            );
            assert!(answer
                .header(header::WWW_AUTHENTICATE)
                .starts_with("Bearer"));
            assert_eq!(
                answer.header(header::CONTENT_TYPE),
                "application/problem+json"
            );
        }
    }
    assert_eq!(app.changes(), 0, "nothing happened");
    assert!(app.store.actions(10).await.unwrap().is_empty());
    assert!(app.store.assignments().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_right_token_gets_through_every_route() {
    let app = app();
    for (method, uri, body) in routes() {
        let answer = app.admin(method.clone(), uri, body).await;
        assert_ne!(answer.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_ne!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {uri}"
        );
        assert_eq!(
            answer.header(header::CACHE_CONTROL),
            "no-store",
            "{method} {uri}"
        );
    }
}

#[tokio::test]
async fn without_a_token_the_admin_api_is_off() {
    for token in [None, Some(""), Some("short-token")] {
        let app = app_with(token);
        for (method, uri, body) in routes() {
            let auth = format!("Bearer {}", token.unwrap_or(""));
            let answer = app
                .send(request(method.clone(), uri, Some(&auth), body))
                .await;
            assert_eq!(
                answer.status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{method} {uri}"
            );
            assert!(
                answer.body.contains("DIANDAN_ADMIN_TOKEN"),
                "{}",
                answer.body
            );
        }
    }
}

#[tokio::test]
async fn public_routes_need_no_token() {
    let app = app();
    let answer = app
        .send(request(Method::GET, "/api/tallies", None, None))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
}

/// A path segment that is not UTF-8 once decoded names nothing: 404 as problem details, like
/// any unknown id, not the framework's plain-text 400.
#[tokio::test]
async fn a_path_that_is_not_utf8_is_not_found() {
    let app = app();
    for (method, uri) in [
        (Method::POST, "/api/admin/wishes/%FF/reply"),
        (Method::POST, "/api/admin/wishes/%FF/hide"),
        (Method::POST, "/api/admin/slots/%FF/pin"),
        (Method::DELETE, "/api/admin/slots/%FF/pin"),
        (Method::POST, "/api/admin/slots/%C3%28/done"),
        (Method::GET, "/api/admin/export/%FF.csv"),
    ] {
        let answer = app.admin(method.clone(), uri, Some(json!({}))).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {uri}");
        let kind = answer.header(header::CONTENT_TYPE);
        assert_eq!(kind, "application/problem+json", "{method} {uri}");
    }
}
