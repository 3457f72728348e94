//! A router over an in-memory store, the fixture catalogue and a clock fixed on 2026-07-01,
//! and helpers to send it requests without a network.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::TimeZone;
use http_body_util::BodyExt;
use tower::ServiceExt;

use diandan_functions::catalogue::Catalogue;
use diandan_functions::clock::{china_offset, fixed_clock};
use diandan_functions::domain::Secret;
use diandan_functions::store::{SqliteStore, Store};
use diandan_functions::{router, ApiState};

/// The phone every test resident uses unless it needs several; it must never come back.
pub const PHONE: &str = "13800138000";

pub fn catalogue() -> Catalogue {
    Catalogue::from_json(include_bytes!("../fixtures/catalogue.json")).expect("the fixture parses")
}

pub struct App {
    pub router: Router,
    pub state: ApiState,
}

pub fn app() -> App {
    app_with(|state| state)
}

/// The app with its state changed by `configure` (limits, a human check, …).
pub fn app_with(configure: impl FnOnce(ApiState) -> ApiState) -> App {
    let store = Arc::new(SqliteStore::in_memory().expect("an in-memory store"));
    app_on(store, catalogue(), (7, 1), configure)
}

/// The app over `store` and `catalogue` on a day of 2026 (month, day), changed by `configure`:
/// two apps on one store see the same data on different days.
pub fn app_on(
    store: Arc<dyn Store>,
    catalogue: Catalogue,
    (month, day): (u32, u32),
    configure: impl FnOnce(ApiState) -> ApiState,
) -> App {
    let today = china_offset()
        .with_ymd_and_hms(2026, month, day, 10, 0, 0)
        .single()
        .expect("a valid time");
    let secret = Secret::new("api-tests-secret-0123456789").expect("a secret");
    let state = configure(ApiState::new(store, catalogue, secret).with_clock(fixed_clock(today)));
    App {
        router: router(state.clone()),
        state,
    }
}

/// What came back.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> String {
        (self.headers.get(header::LOCATION))
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no Location on {}: {}", self.status, self.body))
            .to_owned()
    }

    pub fn content_type(&self) -> &str {
        (self.headers.get(header::CONTENT_TYPE))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl App {
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = (self.router.clone().oneshot(request).await).expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        assert!(!body.contains(PHONE), "a phone number came back: {body}");
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.send(request(Method::GET, uri, None, Vec::new())).await
    }

    pub async fn get_json(&self, uri: &str) -> Answer {
        let mut r = request(Method::GET, uri, None, Vec::new());
        r.headers_mut().insert(
            header::ACCEPT,
            "application/json".parse().expect("a header"),
        );
        self.send(r).await
    }

    pub async fn post_json(&self, uri: &str, body: serde_json::Value) -> Answer {
        self.send(json(Method::POST, uri, &body)).await
    }

    pub async fn post_form(&self, uri: &str, body: &str) -> Answer {
        self.send(form(uri, body)).await
    }
}

pub fn request(
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    builder.body(Body::from(body)).expect("a request")
}

pub fn json(method: Method, uri: &str, body: &serde_json::Value) -> Request<Body> {
    request(
        method,
        uri,
        Some("application/json"),
        body.to_string().into_bytes(),
    )
}

pub fn form(uri: &str, body: &str) -> Request<Body> {
    request(
        Method::POST,
        uri,
        Some("application/x-www-form-urlencoded"),
        body.as_bytes().to_vec(),
    )
}

/// Percent-encodes form fields as a browser would.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).expect("encodable")
}

/// A valid order body.
pub fn order(phone: &str) -> serde_json::Value {
    serde_json::json!({
        "program": "minju-chenjinggu", "township": "nanyu", "name": "张美玲", "phone": phone
    })
}

/// A valid registration body for the papercut course (2 places, 1 on the waitlist).
pub fn registration(phone: &str, child: &str) -> serde_json::Value {
    serde_json::json!({
        "course": "summer-papercut", "child_name": child, "child_age": 9,
        "guardian_name": "王芳", "phone": phone
    })
}
