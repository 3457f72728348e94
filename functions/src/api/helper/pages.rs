//! The helper's pages for browsers without JavaScript, under `/api` where the session cookie
//! reaches: a start page (the helper's townships, the five kinds of submission, their latest
//! submissions), each kind's form (the public form with the channel and only the helper's
//! townships), the receipt, and "log in first". `/assets/helper.html` does the same in the
//! browser when it can run scripts.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;

use super::checks::Done;
use super::kind::Kind;
use super::Helper;
use crate::api::admin::Segment;
use crate::api::forms::{self, Control, FieldSpec, FormSpec};
use crate::api::html::{self, escape};
use crate::api::input::Fields;
use crate::api::problem::ApiError;
use crate::api::session::no_store;
use crate::api::state::ApiState;
use crate::api::{nominations, orders, ratings, registrations, wishes};
use crate::catalogue::Catalogue;
use crate::domain::Channel;
use crate::store::{Account, AdminAction};

/// Where a helper lands after logging in without JavaScript.
pub(in crate::api) const HOME: &str = "/api/helper/home";
/// Submissions shown on the start page.
const RECENT: u32 = 20;

fn township_options(catalogue: &Catalogue, helper: &Account) -> Vec<(String, String)> {
    (helper.townships.iter())
        .map(|t| {
            let name = catalogue.townships.get(t).map(|f| f.name.clone());
            (t.to_string(), name.unwrap_or_else(|| t.to_string()))
        })
        .collect()
}

/// The form of `kind` for `helper`: the public form's fields after the channel and township.
pub(super) fn spec(state: &ApiState, helper: &Account, kind: Kind) -> FormSpec {
    let catalogue = state.catalogue();
    let public = match kind {
        Kind::Order => orders::form_for(&catalogue),
        Kind::Nomination => nominations::form_for(&catalogue),
        Kind::Registration => registrations::form_for(&catalogue),
        Kind::Rating => ratings::form_for(&catalogue, state.now().date_naive()),
        Kind::Wish => wishes::form_for(&catalogue),
    };
    let channels = (Channel::ALL.iter())
        .map(|c| (c.as_str().to_owned(), c.words().to_owned()))
        .collect();
    let townships = township_options(&catalogue, helper);
    let mut fields = vec![
        FieldSpec::new("channel", Control::Select(channels), true)
            .hint("群众是怎样托您代办的：交来纸质登记表、打电话，还是您上门。"),
        FieldSpec::new("township", Control::Select(townships), true)
            .hint("群众住在哪个乡镇（街道）。只能为您负责的乡镇代办。"),
    ];
    fields.extend(public.fields.into_iter().filter(|f| f.name != "township"));
    FormSpec {
        action: format!("/api/helper/{}", kind.path()),
        title: format!("代办：{}", kind.words()),
        intro: Some("请按群众的意思填写。提交后有回执，请念给群众听，或打印出来交给他们。".into()),
        submit: "提交代办",
        fields,
    }
}

fn answer(state: &ApiState, status: StatusCode, title: &str, body: &str) -> Response {
    no_store(html::respond(
        status,
        html::page(&state.chrome(), title, body),
    ))
}

/// `GET /api/helper/forms/{kind}`: the empty form, the township chosen if there is one.
pub(super) async fn form(
    State(state): State<ApiState>,
    Extension(Helper(helper)): Extension<Helper>,
    Segment(path): Segment,
) -> Response {
    let Some(kind) = Kind::from_path(&path) else {
        let err = ApiError::not_found("没有这种代办。请回到代办首页重新选择。");
        return no_store(html::error_page(&state.chrome(), &err));
    };
    let spec = spec(&state, &helper, kind);
    let mut values = Fields::default();
    if let [only] = helper.townships.as_slice() {
        values.insert("township", only.to_string());
    }
    let mut body = forms::render(&spec, &values, &[]);
    body.push_str(&format!("<p><a href=\"{HOME}\">回到代办首页</a></p>\n"));
    answer(&state, StatusCode::OK, &spec.title, &body)
}

fn recent_list(actions: &[AdminAction]) -> String {
    if actions.is_empty() {
        return "<p>还没有代办记录。</p>\n".into();
    }
    let mut out = String::from("<ol class=\"helper-recent\">\n");
    for a in actions {
        let at = a.at.format("%m-%d %H:%M");
        let kind = Kind::from_action(&a.action).map_or("代办", Kind::words);
        out.push_str(&format!(
            "<li>{at} {} · {}</li>\n",
            escape(kind),
            escape(&a.detail)
        ));
    }
    out.push_str("</ol>\n");
    out
}

/// `GET /api/helper/home`: who is signed in, what they may do, what they did lately.
pub(super) async fn home(
    State(state): State<ApiState>,
    Extension(Helper(helper)): Extension<Helper>,
) -> Response {
    let catalogue = state.catalogue();
    let names: Vec<String> = (township_options(&catalogue, &helper).into_iter())
        .map(|(_, name)| name)
        .collect();
    let mut body = format!(
        "<h1>帮办员代办</h1>\n<p>您好，{}。您负责的乡镇（街道）：{}。</p>\n\
         <h2>为群众代办什么？</h2>\n<ul class=\"helper-menu\">\n",
        escape(helper.name.as_str()),
        escape(&names.join("、"))
    );
    for kind in Kind::ALL {
        body.push_str(&format!(
            "<li><a class=\"btn\" href=\"/api/helper/forms/{}\">{}</a></li>\n",
            kind.path(),
            escape(kind.words())
        ));
    }
    body.push_str("</ul>\n<h2>最近的代办</h2>\n");
    match super::proxy_submissions(&state, helper.name.as_str(), RECENT).await {
        Ok(actions) => body.push_str(&recent_list(&actions)),
        Err(err) => return no_store(html::error_page(&state.chrome(), &err)),
    }
    body.push_str(
        "<form method=\"post\" action=\"/api/staff/logout\">\
         <button type=\"submit\" class=\"btn\">退出登录</button></form>\n",
    );
    answer(&state, StatusCode::OK, "帮办员代办", &body)
}

/// The receipt of a plain form's submission: to read out, or to print as a slip.
pub(super) fn receipt(state: &ApiState, kind: Kind, done: &Done) -> Response {
    let mut body = String::from("<h1>代办回执</h1>\n<div class=\"receipt slip\">\n");
    for line in &done.receipt {
        body.push_str(&format!("<p>{}</p>\n", escape(line)));
    }
    body.push_str(&format!(
        "</div>\n<p>请把这张回执念给群众听，或用浏览器菜单里的“打印”打印出来交给他们。</p>\n\
         <p><a class=\"btn\" href=\"/api/helper/forms/{}\">再代办一条</a></p>\n\
         <p><a href=\"{HOME}\">回到代办首页</a></p>\n",
        kind.path()
    ));
    answer(state, StatusCode::CREATED, "代办回执", &body)
}

/// For a browser that is not signed in (or no longer): where to log in.
pub(super) fn sign_in_first(state: &ApiState) -> Response {
    let base = escape(&state.chrome().base_url);
    let body = format!(
        "<h1>请先登录</h1>\n<p>代办要先用帮办员账号登录。8 小时没有操作会自动退出，\
         账号被停用或改过密码也要重新登录。</p>\n\
         <p><a class=\"btn\" href=\"{base}/assets/helper.html\">去登录</a></p>\n"
    );
    answer(state, StatusCode::UNAUTHORIZED, "请先登录", &body)
}
