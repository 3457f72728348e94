//! The HTTP API (docs/api.md) as one axum router with full `/api/...` paths, so `diandan serve`
//! can merge it into its own router and a Lambda can serve it as it is.
//!
//! Every write takes JSON (answered in JSON) or a plain HTML form (answered with `303 See
//! Other` to a small server-rendered receipt page, or the form again with its mistakes).

mod admin;
mod cancel;
mod endpoint;
mod facts;
pub mod fields;
pub mod forms;
pub mod guard;
pub mod helper;
pub mod html;
pub mod human;
pub mod input;
mod login;
mod nominations;
pub mod openapi;
mod orders;
pub mod problem;
mod ratings;
mod registrations;
mod respond;
mod session;
mod state;
mod submit;
pub mod verify;
mod wishes;

use axum::extract::State;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use endpoint::Endpoint;

pub use guard::{ClientAddr, HumanCheck, Limits, Rule};
pub use input::BODY_LIMIT;
pub use problem::{ApiError, FieldError};
pub use state::{ApiState, OnChange, MIN_ADMIN_TOKEN_CHARS};

use crate::store::TallyLimits;

/// All routes, ready to serve or to merge into a bigger router.
pub fn router(state: ApiState) -> Router {
    // Every public POST and DELETE is a resident's write and passes the abuse limits; the
    // guard lets reads through untouched.
    endpoint::router(endpoints())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .merge(admin::routes(&state))
        .merge(helper::routes(&state))
        // Logins have limits of their own (wrong passwords), not the residents' forms'.
        .merge(endpoint::router(login::endpoints()))
        .with_state(state)
}

/// Every (method, path) the router answers, public and admin: what the OpenAPI document must
/// describe, no more and no less.
pub fn routes() -> Vec<(Method, &'static str)> {
    let mut all = endpoint::listing(&endpoints());
    all.extend(endpoint::listing(&admin::endpoints()));
    all.extend(endpoint::listing(&admin::account_endpoints()));
    all.extend(endpoint::listing(&helper::endpoints()));
    all.extend(endpoint::listing(&login::endpoints()));
    all
}

/// The public routes. The admin ones are in [`admin::endpoints`].
fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/health", health),
        Endpoint::get("/api/tallies", tallies),
        Endpoint::get("/api/openapi.json", openapi::document),
        Endpoint::post("/api/orders", submit::post::<orders::Order>),
        Endpoint::get("/api/orders/receipt", orders::receipt),
        Endpoint::post("/api/nominations", submit::post::<nominations::Nomination>),
        Endpoint::get("/api/nominations/receipt", nominations::receipt),
        Endpoint::delete("/api/nominations/{lecturer}", nominations::withdraw),
        Endpoint::get(
            "/api/nominations/{lecturer}/withdraw",
            nominations::withdraw_page,
        ),
        Endpoint::post(
            "/api/nominations/{lecturer}/withdraw",
            nominations::withdraw,
        ),
        Endpoint::post(
            "/api/registrations",
            submit::post::<registrations::Registration>,
        ),
        Endpoint::get("/api/registrations/{code}", cancel::status),
        Endpoint::get("/api/registrations/{code}/cancel", cancel::confirm),
        Endpoint::post("/api/registrations/{code}/cancel", cancel::cancel),
        Endpoint::post("/api/wishes", submit::post::<wishes::Wish>),
        Endpoint::get("/api/wishes/receipt", wishes::receipt),
        Endpoint::post("/api/ratings", submit::post::<ratings::Rating>),
        Endpoint::post("/api/verify", verify::post),
        Endpoint::get("/api/ratings/receipt", ratings::receipt),
    ]
}

/// `GET /api/tallies`: public live counts. Browsers revalidate (a resident must see their own
/// order counted at once); a CDN may keep them for a few seconds.
async fn tallies(State(state): State<ApiState>) -> Response {
    match state.tallies().await {
        // The same bytes as the static tallies.json (crate::counts).
        Ok(tallies) => match crate::counts::document(&tallies) {
            Ok(body) => (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, crate::counts::CONTENT_TYPE),
                    (header::CACHE_CONTROL, crate::counts::CACHE_CONTROL),
                ],
                body,
            )
                .into_response(),
            Err(e) => ApiError::internal(&format!("serialising the counts: {e}")).into_response(),
        },
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
