//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the public and admin API. It is kept
//! by hand in `openapi.json` beside this file; a test checks it against the route table.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The document, exactly as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

pub(super) async fn document() -> Response {
    let mut response = (StatusCode::OK, DOCUMENT).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // It changes only with a new release of the functions.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
