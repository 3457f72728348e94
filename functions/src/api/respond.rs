//! Answering in the client's mode: JSON for apps, a redirect or an HTML page for plain forms.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::forms::{self, FormSpec};
use super::html;
use super::input::{Fields, Mode, Rejected};
use super::problem::ApiError;
use super::state::ApiState;

/// A JSON answer.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(e) => ApiError::internal(&format!("serialising a response: {e}")).into_response(),
    }
}

/// `303 See Other`: after a form post, the browser GETs the receipt (and a reload does not
/// post twice).
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => ApiError::internal("a receipt URL was not a valid header").into_response(),
    }
}

/// A query string from pairs, percent-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// An error in the client's mode. For a form, validation mistakes re-show the form (built by
/// `form` only when needed) with every typed value kept; other errors get a page of their own.
pub fn fail(
    state: &ApiState,
    mode: Mode,
    err: ApiError,
    fields: &Fields,
    form: impl FnOnce() -> FormSpec,
) -> Response {
    match mode {
        Mode::Json => err.problem_json(),
        Mode::Form if err.status == StatusCode::UNPROCESSABLE_ENTITY && !err.errors.is_empty() => {
            let spec = form();
            let body = forms::render(&spec, fields, &err.errors);
            let title = format!("请修改后重新提交 - {}", spec.title);
            html::respond(err.status, html::page(&state.chrome(), &title, &body))
        }
        Mode::Form => html::error_page(&state.chrome(), &err),
    }
}

/// A submission that could not even be read.
pub fn rejected(state: &ApiState, rejected: Rejected) -> Response {
    match rejected.mode {
        Mode::Json => rejected.error.problem_json(),
        Mode::Form => html::error_page(&state.chrome(), &rejected.error),
    }
}

/// An error for a GET page: HTML unless JSON was asked for.
pub fn page_error(state: &ApiState, json: bool, err: ApiError) -> Response {
    if json {
        err.problem_json()
    } else {
        html::error_page(&state.chrome(), &err)
    }
}
