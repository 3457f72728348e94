//! The admin API's guard: a staff account's session cookie (with the `Origin` check on
//! writes), or the bearer token compared in constant time; 401 otherwise, and 503 for a
//! bearer when no token is configured, so a missing setting is not mistaken for a wrong
//! password. Village helpers' sessions get 401 here: they have routes of their own.
//!
//! Who is acting is kept in a task-local for the request, so every handler's log entry names
//! the account (or `token`) without each handler passing it along.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::api::problem::ApiError;
use crate::api::session;
use crate::api::state::ApiState;
use crate::domain::Role;

/// What the log calls the bearer token.
pub(crate) const TOKEN_ACTOR: &str = "token";

tokio::task_local! {
    static ACTOR: String;
}

/// Who the current admin request acts as (`token` outside of one, which cannot happen in a
/// routed handler).
pub(super) fn actor() -> String {
    ACTOR
        .try_with(Clone::clone)
        .unwrap_or_else(|_| TOKEN_ACTOR.to_owned())
}

/// Which admin routes a guard protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// The staff API: admin and staff accounts.
    Staff,
    /// Accounts: admin accounts only.
    Admin,
}

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
    let detail = "服务器没有设置管理员口令（环境变量 DIANDAN_ADMIN_TOKEN，至少 16 个字符）：\
                  请用工作人员账号登录管理页面。";
    let err = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "admin-disabled",
        "管理功能未开启",
        detail,
    );
    err.problem_json()
}

/// The staff routes' guard.
pub(super) async fn require_staff(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    guard(state, Need::Staff, request, next).await
}

/// The account routes' guard.
pub(super) async fn require_admin(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    guard(state, Need::Admin, request, next).await
}

async fn guard(state: ApiState, need: Need, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let actor = match (bearer(headers), session::cookie_id(headers)) {
        (None, Some(_)) => {
            match check_session(&state, need, request.method().clone(), headers).await {
                Ok(name) => name,
                Err(response) => return response,
            }
        }
        (token, _) => match refuse_token(&state, token) {
            None => TOKEN_ACTOR.to_owned(),
            Some(response) => return response,
        },
    };
    let response = ACTOR.scope(actor, next.run(request)).await;
    session::no_store(response)
}

/// Why the bearer token is refused, if it is.
fn refuse_token(state: &ApiState, token: Option<&str>) -> Option<Response> {
    let Some(expected) = state.admin_token_digest() else {
        return Some(switched_off());
    };
    match token {
        None => Some(unauthorized(
            r#"Bearer realm="diandan-admin""#,
            "请先用工作人员账号登录，或在 Authorization 请求头中提供管理员口令：Bearer <口令>。",
        )),
        Some(token) if !matches(expected, token) => Some(unauthorized(
            r#"Bearer realm="diandan-admin", error="invalid_token""#,
            "管理员口令不正确。",
        )),
        Some(_) => None,
    }
}

/// The signed-in account's name, if its role may use these routes.
async fn check_session(
    state: &ApiState,
    need: Need,
    method: Method,
    headers: &HeaderMap,
) -> Result<String, Response> {
    let account = match session::signed_in(state, headers).await {
        Ok(Some(account)) => account,
        Ok(None) => return Err(unauthorized(
            r#"Bearer realm="diandan-admin""#,
            "请先用工作人员账号登录，或在 Authorization 请求头中提供管理员口令：Bearer <口令>。",
        )),
        Err(err) => return Err(err.problem_json()),
    };
    let allowed = match need {
        Need::Staff => account.role.is_staff(),
        Need::Admin => account.role == Role::Admin,
    };
    if !allowed {
        let detail = match need {
            Need::Staff => "这个账号没有管理权限。",
            Need::Admin => "只有管理员账号可以管理账号。",
        };
        return Err(unauthorized(r#"Bearer realm="diandan-admin""#, detail));
    }
    if session::is_write(&method) && !session::origin_allowed(state, headers) {
        return Err(session::wrong_origin());
    }
    Ok(account.name.to_string())
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
