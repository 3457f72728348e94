//! The HTTP API (DESIGN §6) as one axum router with full `/api/...` paths, so `diandan serve`
//! can merge it into its own router and a Lambda can serve it as it is.
//!
//! Every write takes JSON (answered in JSON) or a plain HTML form (answered with `303 See
//! Other` to a small server-rendered receipt page, or the form again with its mistakes).

mod admin;
mod cancel;
mod facts;
pub mod fields;
pub mod forms;
pub mod guard;
pub mod html;
pub mod human;
pub mod input;
mod nominations;
mod orders;
pub mod problem;
mod ratings;
mod registrations;
mod respond;
mod state;
mod wishes;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub use guard::{ClientAddr, HumanCheck, Limits, Rule};
pub use input::BODY_LIMIT;
pub use problem::{ApiError, FieldError};
pub use state::{ApiState, OnChange, MIN_ADMIN_TOKEN_CHARS};

use crate::store::TallyLimits;

/// All routes, ready to serve or to merge into a bigger router.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/tallies", get(tallies))
        .route("/api/orders/receipt", get(orders::receipt))
        .route("/api/nominations/receipt", get(nominations::receipt))
        .route("/api/registrations/{code}", get(cancel::status))
        .route("/api/wishes/receipt", get(wishes::receipt))
        .route("/api/ratings/receipt", get(ratings::receipt))
        .merge(public_writes(&state))
        .merge(admin::routes(&state))
        .with_state(state)
}

/// The routes residents write through, behind the abuse limits (their GET confirmation pages
/// pass the guard untouched).
fn public_writes(state: &ApiState) -> Router<ApiState> {
    Router::new()
        .route("/api/orders", post(orders::post))
        .route("/api/nominations", post(nominations::post))
        .route(
            "/api/nominations/{lecturer}",
            axum::routing::delete(nominations::withdraw),
        )
        .route(
            "/api/nominations/{lecturer}/withdraw",
            get(nominations::withdraw_page).post(nominations::withdraw),
        )
        .route("/api/registrations", post(registrations::post))
        .route(
            "/api/registrations/{code}/cancel",
            get(cancel::confirm).post(cancel::cancel),
        )
        .route("/api/wishes", post(wishes::post))
        .route("/api/ratings", post(ratings::post))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
}

/// `GET /api/tallies`: public live counts. Browsers revalidate (a resident must see their own
/// order counted at once); a CDN may keep them for a few seconds.
async fn tallies(State(state): State<ApiState>) -> Response {
    match state.tallies().await {
        Ok(tallies) => {
            let mut response = respond::json(StatusCode::OK, &tallies);
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=0, s-maxage=5"),
            );
            response
        }
        Err(e) => ApiError::internal(&e.to_string()).into_response(),
    }
}

/// `GET /api/health`: 200 when the store answers, 503 when it does not.
async fn health(State(state): State<ApiState>) -> Response {
    match state.store().tallies(&TallyLimits::default()).await {
        Ok(_) => respond::json(StatusCode::OK, &serde_json::json!({ "status": "ok" })),
        Err(e) => {
            tracing::error!(error = %e, "health check: the store does not answer");
            let body = serde_json::json!({ "status": "unavailable" });
            respond::json(StatusCode::SERVICE_UNAVAILABLE, &body)
        }
    }
}
