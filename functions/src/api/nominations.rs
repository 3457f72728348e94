//! `POST /api/nominations` (点将), its receipt, and taking a nomination back:
//! `DELETE /api/nominations/{lecturer}` for apps, `POST …/{lecturer}/withdraw` for forms.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::fields::Checker;
use super::forms::{self, Control, FieldSpec, FormSpec};
use super::html::{self, escape};
use super::input::{parse_query, read_submission, Fields, Mode};
use super::problem::{ApiError, Subject};
use super::respond;
use super::state::ApiState;
use super::submit::{public_form, Submitted};
use super::verify::{self, Verified};
use crate::catalogue::FormKind;
use crate::catalogue::{Catalogue, LecturerFacts};
use crate::domain::{CancelToken, LecturerId, ShortText};
use crate::store::NewNomination;

const FIELDS: &[&str] = &[
    "lecturer", "township", "name", "phone", "topic", "notify", "code",
];

/// The same shape whether the person had nominated before or not: a stranger trying a
/// resident's number must not learn which (a repeat's token simply takes nothing back).
#[derive(Serialize)]
pub(super) struct NominationAnswer {
    lecturer: LecturerId,
    count: u32,
    threshold: u32,
    reached: bool,
    crossed: bool,
    receipt_url: String,
    withdraw_token: String,
    withdraw_url: String,
}

fn receipt_url(lecturer: &LecturerId, extra: (&str, &str)) -> String {
    let pairs = [("lecturer", lecturer.as_str()), extra];
    format!("/api/nominations/receipt?{}", respond::query(&pairs))
}

/// The page that takes the nomination back: asks for the phone, carries the token.
fn withdraw_url(lecturer: &LecturerId, token: &CancelToken) -> String {
    let q = respond::query(&[("token", token.reveal())]);
    format!("/api/nominations/{lecturer}/withdraw?{q}")
}

public_form!(
    Nomination,
    Nominations,
    FIELDS,
    NominationAnswer.receipt_url,
    accept = nominate,
    spec = form
);

async fn nominate(s: &Submitted<'_>) -> Result<(NominationAnswer, Verified), ApiError> {
    let (state, catalogue, fields, caller) = (s.state, s.catalogue, s.fields, s.caller);
    let mut c = Checker::new(fields);
    c.honeypot();
    let lecturer = c.choice("lecturer", &catalogue.lecturers);
    let township = c.choice("township", &catalogue.townships);
    let name = c.name("name");
    let phone = c.phone("phone");
    let topic = c.optional_text::<1, 200>("topic");
    let reach = c.reach(state, phone.as_ref());
    let (Some((lecturer, facts)), Some((township, _)), Some(name), Some(phone)) =
        (lecturer, township, name, phone)
    else {
        return Err(c.into_error());
    };
    c.finish()?;
    let verified = verify::require_for(state, FormKind::Nominations, fields, caller).await?;
    let token = CancelToken::random();
    let nomination = NewNomination {
        lecturer: lecturer.clone(),
        township,
        person: state.secret().person_key(&phone),
        name,
        topic,
        threshold: facts.threshold,
        at: state.now(),
        withdraw: token.clone(),
        reach,
    };
    let out = (state.store().nominate(nomination).await)
        .map_err(|e| ApiError::from_store(e, Subject::Nomination))?;
    let answer = NominationAnswer {
        receipt_url: receipt_url(&lecturer, ("token", token.reveal())),
        withdraw_url: withdraw_url(&lecturer, &token),
        withdraw_token: token.reveal().to_owned(),
        lecturer,
        count: out.count,
        threshold: out.threshold,
        reached: out.count >= out.threshold,
        crossed: out.crossed,
    };
    Ok((answer, verified))
}

fn form(s: &Submitted<'_>) -> FormSpec {
    form_for(s.catalogue)
}

/// The form itself, for a catalogue: also the base of a village helper's form.
pub(super) fn form_for(catalogue: &Catalogue) -> FormSpec {
    let lecturers = (catalogue.lecturers.iter())
        .map(|(id, l)| (id.to_string(), l.name.clone()))
        .collect();
    FormSpec {
        action: "/api/nominations".into(),
        title: "点将：请志愿者老师来家乡开讲".into(),
        intro: None,
        submit: "提交点将",
        fields: vec![
            FieldSpec::new("lecturer", Control::Select(lecturers), true),
            FieldSpec::township(catalogue).hint("希望老师到哪个乡镇（街道）开讲。"),
            FieldSpec::person("name", true),
            FieldSpec::new("phone", Control::Phone, true)
                .hint("只用来确认每人点将一次，不会公开。"),
            FieldSpec::new(
                "topic",
                Control::TextArea {
                    max: ShortText::MAX_CHARS,
                },
                false,
            ),
            FieldSpec::notify("老师排定来开讲时，发一条短信告诉您。"),
        ],
    }
}

/// Words for where a lecturer's nominations stand.
fn progress(facts: &LecturerFacts, count: u32) -> String {
    if count >= facts.threshold {
        format!(
            "已有 <strong>{count}</strong> 人点将，达到了 {} 人。文化馆会尽快安排{}到乡村公益讲坛开讲，日期会在网站上公布。",
            facts.threshold,
            escape(&facts.name)
        )
    } else {
        format!(
            "已有 <strong>{count}</strong> 人点将，满 {} 人即安排讲座，还差 {} 人。欢迎转告亲友一起点将。",
            facts.threshold,
            facts.threshold - count
        )
    }
}

/// `GET /api/nominations/receipt?lecturer=…[&token=…|&withdrawn=1]`: the same words for a
/// first nomination and a repeat, and the withdrawal link (it works for the first only).
pub(super) async fn receipt(State(state): State<ApiState>, RawQuery(query): RawQuery) -> Response {
    let q = parse_query(query.as_deref());
    let catalogue = state.catalogue();
    let found = (q.get("lecturer"))
        .and_then(|l| l.parse::<LecturerId>().ok())
        .and_then(|id| catalogue.lecturers.get_key_value(&id));
    let Some((lecturer, facts)) = found else {
        return html::error_page(&state.chrome(), &ApiError::not_found("没有找到这位讲师。"));
    };
    let count = match state.tallies().await {
        Ok(t) => t
            .lecturers
            .get(lecturer)
            .map(|l| l.nominations)
            .unwrap_or(0),
        Err(e) => {
            return html::error_page(
                &state.chrome(),
                &ApiError::from_store(e, Subject::Nomination),
            )
        }
    };
    let name = escape(&facts.name);
    let withdrawn = q.get("withdrawn").is_some();
    let heading = if withdrawn {
        format!("<h1>已撤回您对{name}的点将</h1>\n")
    } else {
        format!("<h1>点将成功，谢谢您！</h1>\n<p>您点了{name}。每人对每位老师只算一次，重复提交不会重复计数。</p>\n")
    };
    let mut body = format!("{heading}<p>{}</p>\n", progress(facts, count));
    let token = q.get("token").and_then(|t| CancelToken::parse(t).ok());
    if let (Some(token), false) = (token, withdrawn) {
        body.push_str(&format!(
            "<p>如需撤回这次点将，请<a href=\"{}\">点这里撤回</a>（需要填写点将时用的手机号码）。请收藏本页；这个链接只属于您，请不要转发。如果您之前已经点过，请用第一次点将后得到的链接。</p>\n",
            escape(&withdraw_url(lecturer, &token))
        ));
    }
    html::respond(
        StatusCode::OK,
        html::page(&state.chrome(), "点将回执", &body),
    )
}

fn lecturer_of(
    catalogue: &Catalogue,
    path: Result<Path<String>, PathRejection>,
) -> Option<LecturerId> {
    let Path(raw) = path.ok()?;
    let id = raw.parse::<LecturerId>().ok()?;
    catalogue.lecturers.contains_key(&id).then_some(id)
}

fn withdraw_form(lecturer: &LecturerId, facts: &LecturerFacts) -> FormSpec {
    FormSpec {
        action: format!("/api/nominations/{lecturer}/withdraw"),
        title: format!("撤回对{}的点将", facts.name),
        intro: Some("请填写点将时用的手机号码。点将人数达到开讲人数后就不能撤回了。".into()),
        submit: "撤回点将",
        fields: vec![
            FieldSpec::new("phone", Control::Phone, true),
            FieldSpec::new("token", Control::Hidden, true),
        ],
    }
}

/// `GET /api/nominations/{lecturer}/withdraw?token=…`: the form, for browsers without
/// JavaScript, carrying the token from the receipt's link.
pub(super) async fn withdraw_page(
    State(state): State<ApiState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let catalogue = state.catalogue();
    let Some((lecturer, facts)) =
        lecturer_of(&catalogue, path).and_then(|id| catalogue.lecturers.get_key_value(&id))
    else {
        return html::error_page(&state.chrome(), &ApiError::not_found("没有找到这位讲师。"));
    };
    let q = parse_query(query.as_deref());
    let Some(token) = q.get("token").and_then(|t| CancelToken::parse(t).ok()) else {
        return html::error_page(&state.chrome(), &ApiError::bad_link(Subject::Nomination));
    };
    let spec = withdraw_form(lecturer, facts);
    let mut fields = Fields::default();
    fields.insert("token", token.reveal().to_owned());
    let body = forms::render(&spec, &fields, &[]);
    html::respond(
        StatusCode::OK,
        html::page(&state.chrome(), &spec.title, &body),
    )
}

/// `DELETE /api/nominations/{lecturer}` (JSON) and `POST …/withdraw` (form), body: `phone`
/// and `token`. A wrong token and a nomination never made are answered alike.
pub(super) async fn withdraw(
    State(state): State<ApiState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let catalogue = state.catalogue();
    let lecturer = lecturer_of(&catalogue, path);
    let (mode, fields) = match read_submission(&headers, body, &["phone", "token"]).await {
        Ok(read) => read,
        Err(rejected) => return respond::rejected(&state, rejected),
    };
    let Some((lecturer, facts)) = lecturer.and_then(|id| catalogue.lecturers.get_key_value(&id))
    else {
        let err = ApiError::not_found("没有找到这位讲师。");
        return respond::page_error(&state, mode == Mode::Json, err);
    };
    let mut c = Checker::new(&fields);
    c.honeypot();
    let phone = c.phone("phone");
    let token = fields.get("token").and_then(|t| CancelToken::parse(t).ok());
    let result = match (phone, token) {
        (Some(_), None) if !c.has_errors() => Err(ApiError::bad_link(Subject::Nomination)),
        (Some(phone), Some(token)) if !c.has_errors() => {
            let person = state.secret().person_key(&phone);
            (state
                .store()
                .withdraw_nomination(lecturer, &person, &token)
                .await)
                .map_err(|e| ApiError::from_store(e, Subject::Nomination))
        }
        _ => Err(c.into_error()),
    };
    match result {
        Ok(count) if mode == Mode::Json => respond::json(
            StatusCode::OK,
            &serde_json::json!({ "lecturer": lecturer, "withdrawn": true, "count": count }),
        ),
        Ok(_) => respond::see_other(&receipt_url(lecturer, ("withdrawn", "1"))),
        Err(err) => respond::fail(&state, mode, err, &fields, || {
            withdraw_form(lecturer, facts)
        }),
    }
}
