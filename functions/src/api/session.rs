//! Staff sessions: the cookie (HttpOnly, SameSite=Strict, Path=/api, Secure over HTTPS), the
//! random session id and its stored hash, the `Origin` check on cookie-authenticated writes,
//! and finding the account a request is signed in as.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::problem::ApiError;
use super::state::ApiState;
use crate::store::{Account, StoreError};

/// The cookie's name.
pub const COOKIE: &str = "diandan_session";
/// A session ends after this long without a request (eight hours: one working day).
pub const IDLE_SECS: i64 = 8 * 3600;

/// A fresh session id: 256 random bits, in hex.
pub(super) fn new_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the store keeps for a session id: its SHA-256, so a leaked copy of the store holds
/// no usable session.
pub(super) fn store_key(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// The session id from the `Cookie` header(s), if it has the shape of one.
pub(super) fn cookie_id(headers: &HeaderMap) -> Option<String> {
    let all = headers.get_all(header::COOKIE);
    let pairs = all.iter().filter_map(|v| v.to_str().ok());
    let mut found = pairs.flat_map(|line| line.split(';')).filter_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name.trim() == COOKIE).then(|| value.trim().to_owned())
    });
    found.find(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether the request reached us over HTTPS: the URI says so, a proxy in front (CloudFront,
/// API Gateway, a reverse proxy) says so, or the site itself lives on HTTPS. A wrong "yes"
/// only makes the browser keep the cookie off plain HTTP, so trusting these is safe.
pub(super) fn is_https(state: &ApiState, headers: &HeaderMap) -> bool {
    let says_https = |name: &str| {
        (headers.get(name))
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
    };
    says_https("x-forwarded-proto")
        || says_https("cloudfront-forwarded-proto")
        || state.base_url().starts_with("https://")
}

/// The `Set-Cookie` value that starts a session.
pub(super) fn set_cookie(id: &str, secure: bool) -> HeaderValue {
    cookie_header(id, IDLE_SECS, secure)
}

/// The `Set-Cookie` value that makes the browser drop the cookie.
pub(super) fn clear_cookie(secure: bool) -> HeaderValue {
    cookie_header("", 0, secure)
}

fn cookie_header(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{COOKIE}={value}; Path=/api; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether a write may use the cookie: its `Origin` is the site's (its base URL) or the host
/// the request was sent to. A missing `Origin` fails: browsers send it on every POST.
pub(super) fn origin_allowed(state: &ApiState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let origin = origin.trim().trim_end_matches('/');
    if origin.is_empty() || origin == "null" {
        return false;
    }
    if same_origin(&state.base_url(), origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    host.is_some_and(|h| Some(h.trim()) == origin_host)
}

/// Whether `url` (a base URL, perhaps with a path) has the origin `origin`.
fn same_origin(url: &str, origin: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    !authority.is_empty() && origin.eq_ignore_ascii_case(&format!("{scheme}://{authority}"))
}

/// Whether `method` changes something (and so needs the `Origin` check).
pub(super) fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The account a request's cookie is signed in as: `Ok(None)` without a (live) session.
pub(super) async fn signed_in(
    state: &ApiState,
    headers: &HeaderMap,
) -> Result<Option<Account>, ApiError> {
    let Some(id) = cookie_id(headers) else {
        return Ok(None);
    };
    let now = state.now().timestamp();
    match (state.store())
        .session_account(&store_key(&id), now, IDLE_SECS)
        .await
    {
        Ok(account) => Ok(Some(account)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(ApiError::internal(&e.to_string())),
    }
}

/// `401` for a request that is not signed in (or not as someone who may do this).
pub(super) fn not_signed_in(detail: &str) -> Response {
    let err = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "请先登录", detail);
    no_store(err.problem_json())
}

/// A cookie-authenticated write from another site.
pub(super) fn wrong_origin() -> Response {
    let err = ApiError::bad_request(
        "这个请求不是从本站页面发出的（Origin 不符），为了安全没有执行。请从管理页面重新操作。",
    );
    no_store(err.problem_json())
}

/// Staff answers are never cached.
pub(super) fn no_store(mut response: Response) -> Response {
    (response.headers_mut()).insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let id = new_id();
        assert_eq!(id.len(), 64);
        let mut h = HeaderMap::new();
        assert_eq!(cookie_id(&h), None);
        let line = format!("a=1; {COOKIE}={id}; b=2");
        h.insert(header::COOKIE, HeaderValue::from_str(&line).unwrap());
        assert_eq!(cookie_id(&h), Some(id.clone()));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("diandan_session=zz"),
        );
        assert_eq!(cookie_id(&h), None, "not the shape of an id");
        assert_ne!(store_key(&id), id);
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_when_asked() {
        let c = set_cookie("ab", true);
        let c = c.to_str().unwrap();
        for part in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/api",
            "Secure",
            "Max-Age=28800",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!set_cookie("ab", false).to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin(
            "https://wh.example.cn/site",
            "https://wh.example.cn"
        ));
        assert!(!same_origin(
            "https://wh.example.cn",
            "http://wh.example.cn"
        ));
        assert!(!same_origin(
            "https://wh.example.cn",
            "https://wh.example.cn.evil.cn"
        ));
        assert!(!same_origin("", "https://x"));
    }
}
