//! The admin API's guard: a bearer token compared in constant time, or 401; 503 when no
//! token is configured, so a missing setting is not mistaken for a wrong password.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::api::problem::ApiError;
use crate::api::state::ApiState;

/// The token after `Bearer ` in the `Authorization` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Compares digests, not tokens: equal lengths, and no timing hint about either.
fn matches(expected: &[u8; 32], given: &str) -> bool {
    let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
    expected.ct_eq(&given).into()
}

fn unauthorized(challenge: &'static str, detail: &str) -> Response {
    let err = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "需要管理员口令",
        detail,
    );
    let mut response = err.problem_json();
    let headers = response.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn switched_off() -> Response {
    let detail = "服务器没有设置管理员口令（环境变量 DIANDAN_ADMIN_TOKEN，至少 16 个字符），\
                  管理功能未开启。";
    let err = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "admin-disabled",
        "管理功能未开启",
        detail,
    );
    err.problem_json()
}

/// Lets a request through only with the right token; staff answers are never cached.
pub(super) async fn require_token(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = state.admin_token_digest() else {
        return switched_off();
    };
    match bearer(request.headers()) {
        None => unauthorized(
            r#"Bearer realm="diandan-admin""#,
            "请在 Authorization 请求头中提供管理员口令：Bearer <口令>。",
        ),
        Some(token) if !matches(expected, token) => unauthorized(
            r#"Bearer realm="diandan-admin", error="invalid_token""#,
            "管理员口令不正确。",
        ),
        Some(_) => {
            let mut response = next.run(request).await;
            (response.headers_mut())
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bearer_tokens_only() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  tok en "),
        );
        assert_eq!(bearer(&h), Some("tok en"));
    }

    #[test]
    fn compares_whole_tokens() {
        let expected: [u8; 32] = Sha256::digest(b"0123456789abcdef").into();
        assert!(matches(&expected, "0123456789abcdef"));
        assert!(!matches(&expected, "0123456789abcde"));
        assert!(!matches(&expected, "0123456789abcdefg"));
        assert!(!matches(&expected, ""));
    }
}
