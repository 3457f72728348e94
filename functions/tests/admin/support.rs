//! A router with the admin API on (token [`TOKEN`]), an in-memory store, the fixture
//! catalogue, a clock fixed on 2026-07-01, and a counter of `on_change` calls.

use std::sync::atomic::{AtomicUsize, Ordering};
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

pub const TOKEN: &str = "staff-token-0123456789abcdef";

pub struct App {
    pub router: Router,
    pub store: Arc<dyn Store>,
    pub changes: Arc<AtomicUsize>,
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

    pub fn header(&self, name: header::HeaderName) -> &str {
        (self.headers.get(name))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub fn app_with(token: Option<&str>) -> App {
    app_configured(token, |state| state)
}

/// Like [`app_with`], with the state changed by `configure` before the router is made.
pub fn app_configured(token: Option<&str>, configure: impl FnOnce(ApiState) -> ApiState) -> App {
    let catalogue = Catalogue::from_json(include_bytes!("../fixtures/catalogue.json"))
        .expect("the fixture parses");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("a store"));
    let today = (china_offset()
        .with_ymd_and_hms(2026, 7, 1, 10, 0, 0)
        .single())
    .expect("a time");
    let secret = Secret::new("admin-tests-secret-0123456789").expect("a secret");
    let changes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&changes);
    let state = ApiState::new(Arc::clone(&store), catalogue, secret)
        .with_clock(fixed_clock(today))
        .with_admin_token(token.map(str::to_owned))
        .with_on_change(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
    App {
        router: router(configure(state)),
        store,
        changes,
    }
}

pub fn app() -> App {
    app_with(Some(TOKEN))
}

pub fn request(
    method: Method,
    uri: &str,
    auth: Option<&str>,
    json: Option<serde_json::Value>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(auth) = auth {
        builder = builder.header(header::AUTHORIZATION, auth);
    }
    let body = match json {
        Some(value) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(value.to_string())
        }
        None => Body::empty(),
    };
    builder.body(body).expect("a request")
}

impl App {
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = (self.router.clone().oneshot(request).await).expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = (response.into_body().collect().await)
            .expect("a body")
            .to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// An admin request with the right token.
    pub async fn admin(
        &self,
        method: Method,
        uri: &str,
        json: Option<serde_json::Value>,
    ) -> Answer {
        let auth = format!("Bearer {TOKEN}");
        self.send(request(method, uri, Some(&auth), json)).await
    }

    /// A resident's JSON post to the public API.
    pub async fn public(&self, uri: &str, json: serde_json::Value) -> Answer {
        self.send(request(Method::POST, uri, None, Some(json)))
            .await
    }

    pub fn changes(&self) -> usize {
        self.changes.load(Ordering::SeqCst)
    }
}
