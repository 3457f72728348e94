//! Proxy submissions (帮办): a signed-in village helper enters orders, nominations,
//! registrations, ratings and wishes for residents of their own townships who have no
//! smartphone — taken on paper, by phone or on a visit. Each counts as the resident's (one per
//! person by the resident's phone, through the same store operations as the public forms),
//! needs no text-message code (the helper vouches for the resident), is refused for another
//! township, stays within the helper's daily cap, and is logged with the helper's account and
//! the channel. The helper reads back their own list; staff read every helper's.
//!
//! Scripts send JSON (`/assets/helper.html`); a browser without them gets the pages of
//! [`pages`]: forms that post here and answer with a receipt page.

mod checks;
mod kind;
mod pages;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::{Extension, Router};
use serde_json::json;

use super::endpoint::{self, Endpoint};
use super::input::{mode_of, read_submission, Mode};
use super::problem::ApiError;
use super::session::{self, no_store};
use super::state::ApiState;
use crate::domain::Role;
use crate::store::{Account, AdminAction, Attempt, LimitKey, NewAction};
use checks::Done;
use kind::Kind;

pub(in crate::api) use pages::HOME;

/// China is UTC+8: the cap's days start at local midnight.
const CHINA_OFFSET_SECS: i64 = 8 * 3600;

/// The helper routes.
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post("/api/helper/orders", orders),
        Endpoint::post("/api/helper/nominations", nominations),
        Endpoint::post("/api/helper/registrations", registrations),
        Endpoint::post("/api/helper/ratings", ratings),
        Endpoint::post("/api/helper/wishes", wishes),
        Endpoint::get("/api/helper/submissions", submissions),
        Endpoint::get(pages::HOME, pages::home),
        Endpoint::get("/api/helper/forms/{kind}", pages::form),
    ]
}

/// The helper routes, behind the helper guard.
pub(super) fn routes(state: &ApiState) -> Router<ApiState> {
    let guard = middleware::from_fn_with_state(state.clone(), require_helper);
    let guarded = (endpoints().into_iter()).map(|e| e.wrap(|h| h.route_layer(guard.clone())));
    endpoint::router(guarded.collect())
}

/// The signed-in helper, handed to the handlers by the guard.
#[derive(Clone)]
struct Helper(Account);

/// Lets through only a helper's live session (and, for writes, from the site's own pages).
async fn require_helper(
    State(state): State<ApiState>,
    mut request: Request,
    next: Next,
) -> Response {
    let account = match session::signed_in(&state, request.headers()).await {
        Ok(Some(account)) if account.role == Role::Helper => account,
        Ok(_) if wants_page(&request) => return pages::sign_in_first(&state),
        Ok(_) => return session::not_signed_in("请用帮办员账号登录后再代办。"),
        Err(err) => return no_store(err.problem_json()),
    };
    if session::is_write(request.method()) && !session::origin_allowed(&state, request.headers()) {
        return session::wrong_origin();
    }
    request.extensions_mut().insert(Helper(account));
    no_store(next.run(request).await)
}

/// Whether the request comes from a page rather than a script: a plain form's post, or a
/// `GET` of one of the pages.
fn wants_page(request: &Request) -> bool {
    let path = request.uri().path();
    mode_of(request.headers()) == Some(Mode::Form)
        || path == HOME
        || path.starts_with("/api/helper/forms/")
}

async fn orders(s: State<ApiState>, h: Extension<Helper>, hd: HeaderMap, b: Body) -> Response {
    submit(s, h, hd, b, Kind::Order).await
}

async fn nominations(s: State<ApiState>, h: Extension<Helper>, hd: HeaderMap, b: Body) -> Response {
    submit(s, h, hd, b, Kind::Nomination).await
}

async fn registrations(
    s: State<ApiState>,
    h: Extension<Helper>,
    hd: HeaderMap,
    b: Body,
) -> Response {
    submit(s, h, hd, b, Kind::Registration).await
}

async fn ratings(s: State<ApiState>, h: Extension<Helper>, hd: HeaderMap, b: Body) -> Response {
    submit(s, h, hd, b, Kind::Rating).await
}

async fn wishes(s: State<ApiState>, h: Extension<Helper>, hd: HeaderMap, b: Body) -> Response {
    submit(s, h, hd, b, Kind::Wish).await
}

async fn submit(
    State(state): State<ApiState>,
    Extension(Helper(helper)): Extension<Helper>,
    headers: HeaderMap,
    body: Body,
    kind: Kind,
) -> Response {
    let (mode, fields) = match read_submission(&headers, body, kind.fields()).await {
        Ok(read) => read,
        Err(rejected) => return super::respond::rejected(&state, rejected),
    };
    let result = async {
        let checked = checks::check(&state, &helper, kind, &fields)?;
        within_cap(&state, &helper).await?;
        checks::store(&state, checked).await
    };
    match result.await {
        Ok(done) => {
            log(&state, &helper, &done).await;
            match mode {
                // A repeat is answered like a first submission: the receipt must not tell
                // whether a number took part before.
                Mode::Json => super::respond::json(StatusCode::CREATED, &done.json),
                Mode::Form => pages::receipt(&state, kind, &done),
            }
        }
        Err(err) => {
            let capped = err.status == StatusCode::TOO_MANY_REQUESTS;
            let mut response = super::respond::fail(&state, mode, err, &fields, || {
                pages::spec(&state, &helper, kind)
            });
            if capped {
                let headers = response.headers_mut();
                headers.insert(header::RETRY_AFTER, until_midnight(&state).into());
            }
            response
        }
    }
}

/// Seconds until the next day of the cap starts (midnight, China time).
fn until_midnight(state: &ApiState) -> i64 {
    86_400 - (state.now().timestamp() + CHINA_OFFSET_SECS).rem_euclid(86_400)
}

/// Counts this submission against the helper's daily cap; `429` past it.
async fn within_cap(state: &ApiState, helper: &Account) -> Result<(), ApiError> {
    let cap = state.limits().helper_daily;
    if cap == 0 {
        return Ok(());
    }
    let now = state.now().timestamp();
    let key = LimitKey::account(helper.name.as_str());
    // Shifted so that windows of a day start at midnight China time.
    let attempt = Attempt::new(key, now + CHINA_OFFSET_SECS, 86_400);
    let count = (state.store().count_attempt(attempt).await)
        .map_err(|e| ApiError::internal(&e.to_string()))?;
    if count > cap {
        let detail = format!(
            "每个帮办员账号每天最多代办 {cap} 条，今天的已经用完。明天再来，或请文化馆工作人员帮忙。"
        );
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "今天的代办数量已满",
            &detail,
        ));
    }
    Ok(())
}

/// Logs the submission under the helper's account; the resident's name only masked.
async fn log(state: &ApiState, helper: &Account, done: &Done) {
    let entry = NewAction {
        at: state.now(),
        actor: helper.name.to_string(),
        action: done.kind.action().to_owned(),
        subject: done.subject.clone(),
        detail: done.log_detail.clone(),
    };
    if let Err(e) = state.store().log_action(entry).await {
        tracing::error!(error = %e, "a proxy submission could not be logged");
    }
}

/// A helper's latest proxy submissions (of their latest `limit` logged actions), newest first.
pub(in crate::api) async fn proxy_submissions(
    state: &ApiState,
    helper: &str,
    limit: u32,
) -> Result<Vec<AdminAction>, ApiError> {
    let actions = (state.store().actions_by(helper, limit).await)
        .map_err(|e| ApiError::internal(&e.to_string()))?;
    let proxy = |a: &AdminAction| Kind::from_action(&a.action).is_some();
    Ok(actions.into_iter().filter(proxy).collect())
}

/// `GET /api/helper/submissions`: the helper's own proxy submissions, newest first.
async fn submissions(
    State(state): State<ApiState>,
    Extension(Helper(helper)): Extension<Helper>,
) -> Response {
    match proxy_submissions(&state, helper.name.as_str(), 200).await {
        Ok(actions) => {
            let mine: Vec<_> = (actions.into_iter())
                .map(|a| json!({ "at": a.at, "action": a.action, "subject": a.subject, "detail": a.detail }))
                .collect();
            super::respond::json(StatusCode::OK, &json!({ "submissions": mine }))
        }
        Err(err) => err.problem_json(),
    }
}
