//! `POST /api/staff/login`, `POST /api/staff/logout` and `GET /api/staff/me`: staff and
//! village helpers sign in with an account and a password. Wrong passwords are limited per
//! account and per client address (`429` with `Retry-After`), counted in the store so the
//! limits hold across instances.
//!
//! Scripts send JSON and get JSON. A plain HTML form (the helper page without JavaScript) is
//! sent on with `303 See Other`: a helper to their start page, staff to the staff page; a
//! wrong password shows the login form again.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde_json::json;

use super::forms::{self, Control, FieldSpec, FormSpec};
use super::guard::ClientAddr;
use super::html;
use super::input::{mode_of, read_submission, Fields, Mode};
use super::problem::{ApiError, FieldError};
use super::session::{self, no_store};
use super::state::ApiState;
use crate::domain::{AccountName, PasswordHash, Role};
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

/// Why a login was refused.
enum Refusal {
    /// Too many wrong passwords: seconds until the next try.
    Limited(i64),
    /// A wrong name or password, or a disabled account.
    Wrong,
}

fn too_many(retry_after: i64) -> ApiError {
    let detail = format!(
        "密码错误次数太多，登录已暂停。请 {} 分钟后再试，或请管理员重设密码。",
        (retry_after + 59) / 60
    );
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "请稍后再试",
        &detail,
    )
}

fn wrong_password() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "账号或密码不正确",
        "账号或密码不正确，请检查后再试。",
    )
}

/// The login form, for browsers without JavaScript.
fn form() -> FormSpec {
    FormSpec {
        action: "/api/staff/login".into(),
        title: "工作人员和帮办员登录".into(),
        intro: None,
        submit: "登录",
        fields: vec![
            FieldSpec::new(
                "account",
                Control::Text {
                    max: AccountName::MAX_CHARS,
                },
                true,
            ),
            FieldSpec::new("password", Control::Password, true),
        ],
    }
}

/// The refusal in the client's mode: problem details, or the form again (a wrong password)
/// or an error page (locked), with `Retry-After` when locked.
fn refuse(state: &ApiState, mode: Mode, refusal: Refusal, fields: &Fields) -> Response {
    let (err, retry) = match refusal {
        Refusal::Limited(secs) => (too_many(secs), Some(secs.max(1))),
        Refusal::Wrong => (wrong_password(), None),
    };
    let mut response = match (mode, retry) {
        (Mode::Json, _) => err.problem_json(),
        (Mode::Form, Some(_)) => html::error_page(&state.chrome(), &err),
        (Mode::Form, None) => {
            let errors = [FieldError {
                field: "password".into(),
                message: err.detail.clone(),
            }];
            let body = forms::render(&form(), fields, &errors);
            let page = html::page(&state.chrome(), "请重新登录", &body);
            html::respond(err.status, page)
        }
    };
    if let Some(v) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    no_store(response)
}

/// What the pages need to know about the signed-in account, and the service's date (China
/// time), by which the helper page picks the courses open and the events already held.
fn profile(state: &ApiState, account: &Account) -> serde_json::Value {
    json!({
        "account": account.name,
        "role": account.role,
        "townships": account.townships,
        "today": state.now().date_naive(),
    })
}

async fn read_login(headers: &HeaderMap, body: Body) -> Result<(Mode, Fields), Response> {
    match read_submission(headers, body, FIELDS).await {
        Ok(read) => Ok(read),
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
    let (mode, fields) = match read_login(&headers, body).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let keys = keys(
        &state,
        fields.get("account").unwrap_or(""),
        client.map(|e| e.0),
    );
    let account = match attempt(&state, &keys, &fields).await {
        Ok(Ok(account)) => account,
        Ok(Err(refusal)) => return refuse(&state, mode, refusal, &fields),
        Err(err) => return err.problem_json(),
    };
    let now = state.now().timestamp();
    match start(&state, &account, &keys[0].0, now).await {
        Ok(id) => {
            let mut response = match mode {
                Mode::Json => super::respond::json(StatusCode::OK, &profile(&state, &account)),
                Mode::Form => super::respond::see_other(&landing(&state, account.role)),
            };
            let secure = session::is_https(&state, &headers);
            (response.headers_mut()).insert(header::SET_COOKIE, session::set_cookie(&id, secure));
            no_store(response)
        }
        Err(err) => err.problem_json(),
    }
}

/// Where a plain form's login leads: a helper's start page, or the staff page.
fn landing(state: &ApiState, role: Role) -> String {
    match role {
        Role::Helper => super::helper::HOME.to_owned(),
        Role::Admin | Role::Staff => format!("{}/assets/admin.html", state.base_url()),
    }
}

/// Checks the limits, then the password; counts a wrong one under every key.
async fn attempt(
    state: &ApiState,
    keys: &[(LoginKey, u32)],
    fields: &Fields,
) -> Result<Result<Account, Refusal>, ApiError> {
    let now = state.now().timestamp();
    let store = state.store();
    let internal = |e: crate::store::StoreError| ApiError::internal(&e.to_string());
    for (key, max) in keys {
        let run = store.login_failures(key, now).await.map_err(internal)?;
        if run.count >= *max {
            return Ok(Err(Refusal::Limited(run.until - now)));
        }
    }
    let name = fields.get("account").unwrap_or("");
    if let Some(account) = check_password(state, name, fields.raw("password")).await? {
        return Ok(Ok(account));
    }
    for (key, _) in keys {
        (store.record_login_failure(key, now, WINDOW_SECS).await).map_err(internal)?;
    }
    Ok(Err(Refusal::Wrong))
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
    // A plain form (the helper's start page) goes back to the login page.
    let mut response = match mode_of(&headers) {
        Some(Mode::Form) => {
            super::respond::see_other(&format!("{}/assets/helper.html", state.base_url()))
        }
        _ => super::respond::json(StatusCode::OK, &json!({})),
    };
    let secure = session::is_https(&state, &headers);
    (response.headers_mut()).insert(header::SET_COOKIE, session::clear_cookie(secure));
    no_store(response)
}

pub(super) async fn me(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    match session::signed_in(&state, &headers).await {
        Ok(Some(account)) => no_store(super::respond::json(
            StatusCode::OK,
            &profile(&state, &account),
        )),
        Ok(None) => session::not_signed_in("请用您的账号和密码登录。"),
        Err(err) => err.problem_json(),
    }
}
