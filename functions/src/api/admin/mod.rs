//! The staff API under `/api/admin/`, behind a staff account's session or the bearer token:
//! answer and hide wishes, pin and unpin slots, mark them done, run the planner, export CSV,
//! read the action log, each village helper's proxy submissions and the texts sent to
//! residents, hand over or erase one person's data on their request, and draw a lottery
//! course; admin accounts also manage the accounts. Every change is recorded in the action
//! log with who did it, and changes the site shows call the `on_change` hook.

mod accounts;
mod auth;
mod csv;
mod draw;
mod export;
mod helpers;
mod log;
mod messages;
mod people;
mod plan;
mod slots;
mod wishes;

use axum::body::Body;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware;
use axum::Router;

use super::endpoint::{self, Endpoint};
use super::input::{read_submission, Fields};
use super::problem::ApiError;
use super::state::ApiState;
use crate::store::NewAction;

/// The admin routes: the staff API for staff and admin accounts (and the token), the
/// accounts for admin accounts (and the token).
pub(super) fn routes(state: &ApiState) -> Router<ApiState> {
    let staff = endpoint::router(endpoints()).route_layer(middleware::from_fn_with_state(
        state.clone(),
        auth::require_staff,
    ));
    let accounts = endpoint::router(account_endpoints()).route_layer(
        middleware::from_fn_with_state(state.clone(), auth::require_admin),
    );
    staff.merge(accounts)
}

/// The routes that manage accounts.
pub(super) fn account_endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/admin/accounts", accounts::list),
        Endpoint::post("/api/admin/accounts", accounts::add),
        Endpoint::post("/api/admin/accounts/{name}/disable", accounts::disable),
        Endpoint::post("/api/admin/accounts/{name}/password", accounts::passwd),
    ]
}

/// The admin route table.
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/admin/wishes", wishes::pending),
        Endpoint::post("/api/admin/wishes/{id}/reply", wishes::reply),
        Endpoint::post("/api/admin/wishes/{id}/hide", wishes::hide),
        Endpoint::get("/api/admin/slots", slots::list),
        Endpoint::post("/api/admin/slots/{slot}/pin", slots::pin),
        Endpoint::delete("/api/admin/slots/{slot}/pin", slots::unpin),
        Endpoint::post("/api/admin/slots/{slot}/done", slots::done),
        Endpoint::post("/api/admin/plan", plan::run),
        Endpoint::post("/api/admin/courses/{course}/draw", draw::run),
        Endpoint::get("/api/admin/export/{file}", export::download),
        Endpoint::get("/api/admin/log", log::list),
        Endpoint::get("/api/admin/helpers", helpers::list),
        Endpoint::get("/api/admin/messages", messages::list),
        Endpoint::post("/api/admin/people/export", people::export),
        Endpoint::post("/api/admin/people/forget", people::forget),
    ]
}

/// A route's one path parameter. A segment that is not UTF-8 once decoded names nothing: it
/// is answered like any unknown id (404, problem details) instead of axum's plain-text 400.
pub(super) struct Segment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(segment)) => Ok(Self(segment)),
            Err(_) => Err(ApiError::not_found("没有找到。")),
        }
    }
}

/// Reads a JSON (or form) body with only the `allowed` fields.
async fn read_fields(
    headers: &HeaderMap,
    body: Body,
    allowed: &[&str],
) -> Result<Fields, ApiError> {
    match read_submission(headers, body, allowed).await {
        Ok((_, fields)) => Ok(fields),
        Err(rejected) => Err(rejected.error),
    }
}

/// Writes an action into the log. The action already happened: a log that cannot be written
/// is reported in the server's log rather than undoing it.
async fn record(state: &ApiState, action: &str, subject: &str, detail: String) {
    let entry = NewAction {
        at: state.now(),
        actor: auth::actor(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        detail,
    };
    if let Err(e) = state.store().log_action(entry).await {
        tracing::error!(error = %e, action, subject, "the admin action log could not be written");
    }
}

/// A JSON answer, or the problem.
fn answer<T: serde::Serialize>(result: Result<T, ApiError>) -> axum::response::Response {
    match result {
        Ok(value) => super::respond::json(axum::http::StatusCode::OK, &value),
        Err(err) => err.problem_json(),
    }
}

/// A store error in staff's words; `missing` says what was not found.
fn store_error(err: crate::store::StoreError, missing: &str) -> ApiError {
    use crate::store::StoreError;
    match err {
        StoreError::NotFound => ApiError::not_found(missing),
        StoreError::Backend(cause) => ApiError::internal(&cause),
        other => ApiError::conflict("conflict", "无法完成", &other.to_string()),
    }
}

/// The first `n` characters of `text`, with an ellipsis if it was longer: for log lines.
fn excerpt(text: &str, n: usize) -> String {
    let mut cut: String = text.chars().take(n).collect();
    if text.chars().count() > n {
        cut.push('…');
    }
    cut
}
