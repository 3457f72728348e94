//! A registration after the fact: its status page `GET /api/registrations/{code}?token=`, the
//! cancel confirmation page (GET never cancels), and `POST /api/registrations/{code}/cancel`.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::html::{self, date_zh, escape};
use super::input::{parse_query, read_optional_submission, wants_json, Mode};
use super::problem::{ApiError, Subject};
use super::respond;
use super::state::ApiState;
use crate::catalogue::{Allocation, Catalogue, WindowState};
use crate::domain::{CancelToken, ConfirmationCode};
use crate::store::{RegistrationStatus, RegistrationView};

/// Every way a link can fail is the one answer [`ApiError::bad_link`]: which part was wrong
/// would tell a stranger whether the code exists.
fn code_of(path: Result<Path<String>, PathRejection>) -> Result<ConfirmationCode, ApiError> {
    let Path(raw) = path.map_err(|_| ApiError::bad_link(Subject::Registration))?;
    ConfirmationCode::parse(&raw).map_err(|_| ApiError::bad_link(Subject::Registration))
}

fn token_of(raw: Option<&str>) -> Result<CancelToken, ApiError> {
    (raw.map(CancelToken::parse))
        .and_then(Result::ok)
        .ok_or_else(|| ApiError::bad_link(Subject::Registration))
}

/// Looks the registration up, proving the token.
async fn find(
    state: &ApiState,
    path: Result<Path<String>, PathRejection>,
    token: Option<&str>,
) -> Result<(RegistrationView, CancelToken), ApiError> {
    let code = code_of(path)?;
    let token = token_of(token)?;
    let view = (state.store().registration(&code, &token).await)
        .map_err(|e| ApiError::from_store(e, Subject::Registration))?;
    Ok((view, token))
}

fn links(view: &RegistrationView, token: &CancelToken) -> (String, String) {
    let q = respond::query(&[("token", token.reveal())]);
    let status = format!("/api/registrations/{}?{q}", view.code);
    let cancel = format!("/api/registrations/{}/cancel?{q}", view.code);
    (status, cancel)
}

fn lottery(catalogue: &Catalogue, view: &RegistrationView) -> bool {
    (catalogue.courses.get(&view.course)).is_some_and(|c| c.allocation == Allocation::Lottery)
}

fn course_title(catalogue: &Catalogue, view: &RegistrationView) -> String {
    (catalogue.courses.get(&view.course))
        .map(|c| c.title.clone())
        .unwrap_or_else(|| view.course.to_string())
}

/// `GET /api/registrations/{code}?token=…[&new=1]`: HTML, or JSON when asked for.
pub(super) async fn status(
    State(state): State<ApiState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let q = parse_query(query.as_deref());
    let json = wants_json(&headers);
    let (view, token) = match find(&state, path, q.get("token")).await {
        Ok(found) => found,
        Err(err) => return respond::page_error(&state, json, err),
    };
    if json {
        return respond::json(StatusCode::OK, &view);
    }
    let body = status_body(&state.catalogue(), &view, &token, q.get("new").is_some());
    html::respond(
        StatusCode::OK,
        html::page(&state.chrome(), "报名情况", &body),
    )
}

fn status_body(
    catalogue: &Catalogue,
    view: &RegistrationView,
    token: &CancelToken,
    new: bool,
) -> String {
    let child = escape(&view.child_name);
    let course = escape(&course_title(catalogue, view));
    let mut body = match (view.status, new) {
        (RegistrationStatus::Confirmed, true) => format!("<h1>报名成功！</h1>\n<p>{child}已报上“{course}”。</p>\n"),
        (RegistrationStatus::Confirmed, false) => format!("<h1>报名已确认</h1>\n<p>{child}已报上“{course}”。</p>\n"),
        (RegistrationStatus::Waitlisted, _) => format!(
            "<h1>{}</h1>\n<p>“{course}”的名额已满，{child}排在候补第 <strong>{}</strong> 位。有人取消时按{}递补，递补成功后工作人员会打电话通知您。</p>\n",
            if new { "已为您排上候补" } else { "候补中" },
            view.waitlist_position.unwrap_or(0),
            if lottery(catalogue, view) { "摇号顺序" } else { "报名先后" },
        ),
        (RegistrationStatus::Applied, _) => format!(
            "<h1>{}</h1>\n<p>{child}已申请“{course}”。报名截止后，文化馆会当众摇号决定谁得到名额，结果在课程页公布，也可以随时回到本页查看。</p>\n",
            if new { "申请已提交，等待摇号" } else { "等待摇号" },
        ),
        (RegistrationStatus::NotDrawn, _) => format!(
            "<h1>这次没有摇中</h1>\n<p>很遗憾，{child}这次没有摇中“{course}”的名额，也不在候补名单里。请留意文化馆的下一期课程。</p>\n"
        ),
        (RegistrationStatus::Cancelled, _) => format!(
            "<h1>报名已取消</h1>\n<p>{child}的“{course}”报名已经取消。如需再报名，请重新填写报名表。</p>\n"
        ),
    };
    body.push_str(&format!(
        "<p>报名码：</p>\n<p class=\"receipt-code\">{}</p>\n<p>请记下报名码，到场时报给老师。</p>\n",
        escape(view.code.as_str())
    ));
    if let Some(facts) = catalogue.courses.get(&view.course) {
        body.push_str("<h2>上课时间</h2>\n<ul>\n");
        for session in &facts.sessions {
            let when = format!(
                "{} {}",
                date_zh(session.date_naive()),
                session.format("%H:%M")
            );
            body.push_str(&format!("<li>{}</li>\n", escape(&when)));
        }
        body.push_str("</ul>\n");
    }
    if view.status != RegistrationStatus::Cancelled {
        let (_, cancel) = links(view, token);
        body.push_str(&format!(
            "<p>请收藏本页，以便查看报名情况。如需取消，请<a href=\"{}\">点这里取消报名</a>。这个链接只属于您，请不要转发。</p>\n",
            escape(&cancel)
        ));
    }
    body
}

/// `GET /api/registrations/{code}/cancel?token=…`: asks first; only the button's POST cancels.
pub(super) async fn confirm(
    State(state): State<ApiState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = parse_query(query.as_deref());
    let (view, token) = match find(&state, path, q.get("token")).await {
        Ok(found) => found,
        Err(err) => return respond::page_error(&state, false, err),
    };
    let catalogue = state.catalogue();
    if view.status == RegistrationStatus::Cancelled {
        let body = status_body(&catalogue, &view, &token, false);
        return html::respond(
            StatusCode::OK,
            html::page(&state.chrome(), "报名已取消", &body),
        );
    }
    let (status, _) = links(&view, &token);
    let body = format!(
        "<h1>取消报名</h1>\n<p>确定要取消{}的“{}”报名（报名码 {}）吗？取消后名额会让给候补的孩子，不能恢复。</p>\n\
         <form method=\"post\" action=\"/api/registrations/{}/cancel\">\n\
         <input type=\"hidden\" name=\"token\" value=\"{}\">\n\
         <button type=\"submit\" class=\"btn\">确认取消报名</button>\n</form>\n\
         <p><a href=\"{}\">不取消，返回报名情况</a></p>\n",
        escape(&view.child_name),
        escape(&course_title(&catalogue, &view)),
        escape(view.code.as_str()),
        escape(view.code.as_str()),
        escape(token.reveal()),
        escape(&status),
    );
    html::respond(
        StatusCode::OK,
        html::page(&state.chrome(), "取消报名", &body),
    )
}

/// `POST /api/registrations/{code}/cancel`, token in the query or the body.
pub(super) async fn cancel(
    State(state): State<ApiState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let (mode, fields) = match read_optional_submission(&headers, body, &["token"]).await {
        Ok(read) => read,
        Err(rejected) => return respond::rejected(&state, rejected),
    };
    let q = parse_query(query.as_deref());
    let token = q.get("token").or_else(|| fields.get("token"));
    match cancel_with(&state, path, token).await {
        Ok((code, _)) if mode == Mode::Json => respond::json(
            StatusCode::OK,
            &serde_json::json!({ "code": code, "status": RegistrationStatus::Cancelled }),
        ),
        Ok((code, token)) => {
            let q = respond::query(&[("token", token.reveal())]);
            respond::see_other(&format!("/api/registrations/{code}?{q}"))
        }
        Err(err) => respond::page_error(&state, mode == Mode::Json, err),
    }
}

async fn cancel_with(
    state: &ApiState,
    path: Result<Path<String>, PathRejection>,
    token: Option<&str>,
) -> Result<(ConfirmationCode, CancelToken), ApiError> {
    let code = code_of(path)?;
    let token = token_of(token)?;
    let store_error = |e| ApiError::from_store(e, Subject::Registration);
    let view = (state.store().registration(&code, &token).await).map_err(store_error)?;
    frozen_list(state, &view)?;
    (state.store().cancel(&code, &token).await).map_err(store_error)?;
    Ok((code, token))
}

/// Once a lottery course's registration has closed, its list of applications is published
/// (its hash on the course page) and must not change before the draw: an application can be
/// withdrawn during the window, a drawn place cancelled after the draw, nothing in between.
fn frozen_list(state: &ApiState, view: &RegistrationView) -> Result<(), ApiError> {
    let catalogue = state.catalogue();
    let Some(facts) = catalogue.courses.get(&view.course) else {
        return Ok(());
    };
    let closed = facts.registration.state_on(state.now().date_naive()) == WindowState::Closed;
    if view.status == RegistrationStatus::Applied && closed {
        return Err(ApiError::conflict(
            "list-frozen",
            "摇号名单已公布，现在不能撤回",
            "报名截止后摇号名单已经公布，摇号前不能撤回申请。摇号后如果不需要名额，可以再来取消，名额会让给候补的孩子。",
        ));
    }
    Ok(())
}
