//! Accounts, for admin accounts (and the token): list them, add one, disable one, reset a
//! password. Passwords go in and never come out; each change is logged.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::{read_fields, record, store_error, Segment};
use crate::api::problem::{ApiError, FieldError};
use crate::api::state::ApiState;
use crate::domain::{AccountName, Password, PasswordHash, Role, TownshipId};
use crate::store::{Account, StoreError};

/// What staff see of an account.
fn view(a: &Account) -> serde_json::Value {
    json!({
        "account": a.name,
        "role": a.role,
        "townships": a.townships,
        "created_at": a.created_at,
        "disabled_at": a.disabled_at,
    })
}

fn field(name: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: name.to_owned(),
        message: message.into(),
    }
}

pub(super) async fn list(State(state): State<ApiState>) -> Response {
    match state.store().accounts().await {
        Ok(all) => {
            let views: Vec<_> = all.iter().map(view).collect();
            super::answer(Ok(json!({ "accounts": views })))
        }
        Err(e) => store_error(e, "").problem_json(),
    }
}

/// Hashes off the async threads: Argon2 is slow on purpose.
async fn hash(password: Password) -> Result<PasswordHash, ApiError> {
    let hashed = tokio::task::spawn_blocking(move || PasswordHash::create(&password)).await;
    match hashed {
        Ok(Ok(hash)) => Ok(hash),
        Ok(Err(e)) => Err(ApiError::internal(&e.to_string())),
        Err(e) => Err(ApiError::internal(&format!("hashing failed: {e}"))),
    }
}

fn password_field(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Password> {
    match Password::parse(raw.unwrap_or("")) {
        Ok(p) => Some(p),
        Err(_) => {
            let message = format!("请设置至少 {} 个字符的密码。", Password::MIN_CHARS);
            errors.push(field("password", message));
            None
        }
    }
}

/// The townships field (`nanyu,ganzhe`): each must be the catalogue's; a helper needs one.
fn townships_field(
    state: &ApiState,
    raw: Option<&str>,
    role: Option<Role>,
    errors: &mut Vec<FieldError>,
) -> Vec<TownshipId> {
    let catalogue = state.catalogue();
    let mut found = Vec::new();
    for part in raw
        .unwrap_or("")
        .split([',', ' ', '，'])
        .filter(|p| !p.is_empty())
    {
        match part.parse::<TownshipId>() {
            Ok(id) if catalogue.townships.contains_key(&id) => found.push(id),
            _ => errors.push(field(
                "townships",
                format!("没有“{part}”这个乡镇（街道）。"),
            )),
        }
    }
    match role {
        Some(Role::Helper) if found.is_empty() => {
            errors.push(field("townships", "请为帮办员选择至少一个乡镇（街道）。"))
        }
        Some(Role::Admin | Role::Staff) if !found.is_empty() => {
            errors.push(field("townships", "只有帮办员账号才分配乡镇（街道）。"))
        }
        _ => {}
    }
    found.sort();
    found.dedup();
    found
}

pub(super) async fn add(State(state): State<ApiState>, headers: HeaderMap, body: Body) -> Response {
    let allowed = ["account", "role", "townships", "password"];
    let fields = match read_fields(&headers, body, &allowed).await {
        Ok(fields) => fields,
        Err(err) => return err.problem_json(),
    };
    let mut errors = Vec::new();
    let name = match fields.get("account").unwrap_or("").parse::<AccountName>() {
        Ok(n) => Some(n),
        Err(_) => {
            let message = "账号名请用小写字母、数字和“-”，最多 32 个字符，例如 lin-xiaomei。";
            errors.push(field("account", message));
            None
        }
    };
    let role = match fields.get("role").unwrap_or("").parse::<Role>() {
        Ok(r) => Some(r),
        Err(_) => {
            errors.push(field("role", "请选择角色：admin、staff 或 helper。"));
            None
        }
    };
    let townships = townships_field(&state, fields.get("townships"), role, &mut errors);
    let password = password_field(Some(fields.raw("password")), &mut errors);
    let (Some(name), Some(role), Some(password), true) = (name, role, password, errors.is_empty())
    else {
        return ApiError::validation(errors).problem_json();
    };
    let hash = match hash(password).await {
        Ok(h) => h,
        Err(err) => return err.problem_json(),
    };
    let account = Account::new(name.clone(), role, townships, hash, state.now());
    let shown = view(&account);
    match state.store().create_account(account).await {
        Ok(()) => {
            record(
                &state,
                "account-add",
                name.as_str(),
                format!("新增账号（{role}）"),
            )
            .await;
            super::super::respond::json(StatusCode::CREATED, &shown)
        }
        Err(StoreError::Duplicate) => {
            ApiError::validation(vec![field("account", "这个账号名已经有人用了。")]).problem_json()
        }
        Err(e) => store_error(e, "").problem_json(),
    }
}

pub(super) async fn disable(State(state): State<ApiState>, Segment(raw): Segment) -> Response {
    let Ok(name) = raw.parse::<AccountName>() else {
        return ApiError::not_found("没有这个账号。").problem_json();
    };
    match state.store().disable_account(&name, state.now()).await {
        Ok(()) => {
            record(&state, "account-disable", name.as_str(), "停用账号".into()).await;
            super::answer(Ok(json!({ "account": name, "disabled": true })))
        }
        Err(e) => store_error(e, "没有这个账号。").problem_json(),
    }
}

pub(super) async fn passwd(
    State(state): State<ApiState>,
    Segment(raw): Segment,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(name) = raw.parse::<AccountName>() else {
        return ApiError::not_found("没有这个账号。").problem_json();
    };
    let fields = match read_fields(&headers, body, &["password"]).await {
        Ok(fields) => fields,
        Err(err) => return err.problem_json(),
    };
    let mut errors = Vec::new();
    let Some(password) = password_field(Some(fields.raw("password")), &mut errors) else {
        return ApiError::validation(errors).problem_json();
    };
    let hash = match hash(password).await {
        Ok(h) => h,
        Err(err) => return err.problem_json(),
    };
    match state.store().set_password(&name, hash).await {
        Ok(()) => {
            record(&state, "account-password", name.as_str(), "重设密码".into()).await;
            super::answer(Ok(json!({ "account": name })))
        }
        Err(e) => store_error(e, "没有这个账号。").problem_json(),
    }
}
