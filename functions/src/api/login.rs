//! `POST /api/staff/login`, `POST /api/staff/logout` and `GET /api/staff/me`: staff and
//! village helpers sign in with an account and a password. Wrong passwords are limited per
//! account and per client address (`429` with `Retry-After`), counted in the store so the
//! limits hold across instances.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde_json::json;

use super::guard::ClientAddr;
use super::input::{read_submission, Fields};
use super::problem::ApiError;
use super::session::{self, no_store};
use super::state::ApiState;
use crate::domain::{AccountName, PasswordHash};
use crate::store::{Account, LoginKey, NewAction, NewSession};

/// Wrong passwords in a row that lock an account's login for [`WINDOW_SECS`].
pub const ACCOUNT_MAX_FAILURES: u32 = 10;
/// Wrong passwords from one client address (any accounts) before it is locked out.
pub const CLIENT_MAX_FAILURES: u32 = 30;
/// A run of wrong passwords is forgotten this long after its last one.
pub const WINDOW_SECS: i64 = 15 * 60;

const FIELDS: &[&str] = &["account", "password"];

/// The login routes.
pub(super) fn endpoints() -> Vec<super::endpoint::Endpoint> {
    use super::endpoint::Endpoint;
    vec![
        Endpoint::post("/api/staff/login", login),
        Endpoint::post("/api/staff/logout", logout),
        Endpoint::get("/api/staff/me", me),
    ]
}

/// The counters a login attempt is checked against.
fn keys(state: &ApiState, account: &str, client: Option<ClientAddr>) -> Vec<(LoginKey, u32)> {
    let secret = state.secret();
    let mut keys = vec![(
        LoginKey::account(&secret.keyed_hex("login-account", account)),
        ACCOUNT_MAX_FAILURES,
    )];
    if let Some(ClientAddr(ip)) = client {
        let client = LoginKey::client(&secret.keyed_hex("login-client", &ip.to_string()));
        keys.push((client, CLIENT_MAX_FAILURES));
    }
    keys
}

fn too_many(retry_after: i64) -> Response {
    let detail = format!(
        "密码错误次数太多，登录已暂停。请 {} 分钟后再试，或请管理员重设密码。",
        (retry_after + 59) / 60
    );
    let err = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "请稍后再试",
        &detail,
    );
    let mut response = err.problem_json();
    if let Ok(v) = HeaderValue::from_str(&retry_after.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    no_store(response)
}

fn wrong_password() -> Response {
    let err = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "账号或密码不正确",
        "账号或密码不正确，请检查后再试。",
    );
    no_store(err.problem_json())
}

/// What the pages need to know about the signed-in account.
fn profile(account: &Account) -> serde_json::Value {
    json!({
        "account": account.name,
        "role": account.role,
        "townships": account.townships,
    })
}

async fn read_login(headers: &HeaderMap, body: Body) -> Result<Fields, Response> {
    match read_submission(headers, body, FIELDS).await {
        Ok((_, fields)) => Ok(fields),
        Err(rejected) => Err(no_store(rejected.error.problem_json())),
    }
}

/// The account if `password` is its password and it is enabled. Always spends one password
/// verification, so the answer's timing does not tell which names exist.
async fn check_password(
    state: &ApiState,
    name: &str,
    password: &str,
) -> Result<Option<Account>, ApiError> {
    let Ok(name) = name.parse::<AccountName>() else {
        PasswordHash::verify_nothing(password);
        return Ok(None);
    };
    let account = match state.store().account(&name).await {
        Ok(account) => Some(account),
        Err(crate::store::StoreError::NotFound) => None,
        Err(e) => return Err(ApiError::internal(&e.to_string())),
    };
    let password = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU: off the async threads.
    let verified = tokio::task::spawn_blocking(move || match account {
        Some(a) if a.password.verify(&password) && a.is_enabled() => Some(a),
        Some(a) => {
            let _ = a.password.verify(&password);
            None
        }
        None => {
            PasswordHash::verify_nothing(&password);
            None
        }
    });
    (verified.await).map_err(|e| ApiError::internal(&format!("password check failed: {e}")))
}

pub(super) async fn login(
    State(state): State<ApiState>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if headers.contains_key(header::ORIGIN) && !session::origin_allowed(&state, &headers) {
        return session::wrong_origin();
    }
    let fields = match read_login(&headers, body).await {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let name = fields.get("account").unwrap_or("").to_owned();
    let password = fields.raw("password").to_owned();
    let now = state.now().timestamp();
    let store = state.store();
    let keys = keys(&state, &name, client.map(|Extension(c)| c));
    for (key, max) in &keys {
        match store.login_failures(key, now).await {
            Ok(run) if run.count >= *max => return too_many(run.until - now),
            Ok(_) => {}
            Err(e) => return ApiError::internal(&e.to_string()).problem_json(),
        }
    }
    let account = match check_password(&state, &name, &password).await {
        Ok(found) => found,
        Err(err) => return err.problem_json(),
    };
    let Some(account) = account else {
        for (key, _) in &keys {
            if let Err(e) = store.record_login_failure(key, now, WINDOW_SECS).await {
                return ApiError::internal(&e.to_string()).problem_json();
            }
        }
        return wrong_password();
    };
    match start(&state, &account, &keys[0].0, now).await {
        Ok(id) => {
            let secure = session::is_https(&state, &headers);
            let mut response = no_store(super::respond::json(StatusCode::OK, &profile(&account)));
            (response.headers_mut()).insert(header::SET_COOKIE, session::set_cookie(&id, secure));
            response
        }
        Err(err) => err.problem_json(),
    }
}

/// Ends the account's run of failures, stores a new session and logs the login.
async fn start(
    state: &ApiState,
    account: &Account,
    account_key: &LoginKey,
    now: i64,
) -> Result<String, ApiError> {
    let store = state.store();
    let internal = |e: crate::store::StoreError| ApiError::internal(&e.to_string());
    store
        .clear_login_failures(account_key)
        .await
        .map_err(internal)?;
    let id = session::new_id();
    let new = NewSession {
        key: session::store_key(&id),
        account: account.name.clone(),
        generation: account.generation,
        expires_at: now + session::IDLE_SECS,
    };
    store.start_session(new).await.map_err(internal)?;
    let entry = NewAction {
        at: state.now(),
        actor: account.name.to_string(),
        action: "login".into(),
        subject: account.name.to_string(),
        detail: format!("登录（{}）", account.role),
    };
    if let Err(e) = store.log_action(entry).await {
        tracing::error!(error = %e, "the admin action log could not be written");
    }
    Ok(id)
}

pub(super) async fn logout(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    if !session::origin_allowed(&state, &headers) {
        return session::wrong_origin();
    }
    if let Some(id) = session::cookie_id(&headers) {
        if let Err(e) = state.store().end_session(&session::store_key(&id)).await {
            return ApiError::internal(&e.to_string()).problem_json();
        }
    }
    let mut response = no_store(super::respond::json(StatusCode::OK, &json!({})));
    let secure = session::is_https(&state, &headers);
    (response.headers_mut()).insert(header::SET_COOKIE, session::clear_cookie(secure));
    response
}

pub(super) async fn me(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    match session::signed_in(&state, &headers).await {
        Ok(Some(account)) => no_store(super::respond::json(StatusCode::OK, &profile(&account))),
        Ok(None) => session::not_signed_in("请用您的账号和密码登录。"),
        Err(err) => err.problem_json(),
    }
}
