//! `POST /api/wishes` (诉求): a resident's wish, published only once staff reply to it.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::facts;
use super::fields::Checker;
use super::forms::{Control, FieldSpec, FormSpec};
use super::html::{self, escape};
use super::input::parse_query;
use super::problem::{ApiError, Subject};
use super::respond;
use super::state::ApiState;
use super::submit::{public_form, Submitted};
use super::verify::{self, Verified};
use crate::catalogue::{Catalogue, FormKind};
use crate::domain::{TownshipId, WishText};
use crate::store::{NewWish, WishId};

const FIELDS: &[&str] = &["text", "township", "name", "phone", "notify", "code"];

#[derive(Serialize)]
pub(super) struct WishAnswer {
    id: WishId,
    /// Always false at first: a wish is published with staff's reply.
    published: bool,
    receipt_url: String,
}

public_form!(
    Wish,
    Wishes,
    FIELDS,
    WishAnswer.receipt_url,
    accept = record,
    spec = form
);

async fn record(s: &Submitted<'_>) -> Result<(WishAnswer, Verified), ApiError> {
    let (state, catalogue, fields, caller) = (s.state, s.catalogue, s.fields, s.caller);
    let mut c = Checker::new(fields);
    c.honeypot();
    let text = c.text::<5, 500>("text");
    let township = c.choice("township", &catalogue.townships);
    let name = c.optional_name("name");
    let phone = c.optional_phone("phone");
    let reach = c.reach(state, phone.as_ref());
    let (Some(text), Some((township, _))) = (text, township) else {
        return Err(c.into_error());
    };
    c.finish()?;
    let verified = verify::require_for(state, FormKind::Wishes, fields, caller).await?;
    let wish = NewWish {
        text,
        township: township.clone(),
        name,
        person: phone.map(|p| state.secret().person_key(&p)),
        at: state.now(),
        reach,
    };
    let id =
        (state.store().wish(wish).await).map_err(|e| ApiError::from_store(e, Subject::Wish))?;
    let q = respond::query(&[("township", township.as_str())]);
    let answer = WishAnswer {
        id,
        published: false,
        receipt_url: format!("/api/wishes/receipt?{q}"),
    };
    Ok((answer, verified))
}

fn form(s: &Submitted<'_>) -> FormSpec {
    form_for(s.catalogue)
}

/// The form itself, for a catalogue: also the base of a village helper's form.
pub(super) fn form_for(catalogue: &Catalogue) -> FormSpec {
    FormSpec {
        action: "/api/wishes".into(),
        title: "说说您的诉求".into(),
        intro: Some(
            "想看什么、想学什么、文化活动哪里不方便，都可以告诉我们。工作人员会公开回复。".into(),
        ),
        submit: "提交诉求",
        fields: vec![
            FieldSpec::new(
                "text",
                Control::TextArea {
                    max: WishText::MAX_CHARS,
                },
                true,
            )
            .hint("5 到 500 个字。"),
            FieldSpec::township(catalogue),
            FieldSpec::person("name", false).hint("公开时只显示姓氏和最后一个字，例如“张*玲”。"),
            FieldSpec::new("phone", Control::Phone, false).hint("不会公开。"),
            FieldSpec::notify("工作人员答复后，发一条短信告诉您（需留手机号码）。"),
        ],
    }
}

/// `GET /api/wishes/receipt?township=…`.
pub(super) async fn receipt(State(state): State<ApiState>, RawQuery(query): RawQuery) -> Response {
    let q = parse_query(query.as_deref());
    let catalogue = state.catalogue();
    let place = (q.get("township"))
        .and_then(|t| t.parse::<TownshipId>().ok())
        .map(|t| facts::township_name(&catalogue, &t));
    let from = place
        .map(|p| format!("来自{}的", escape(&p)))
        .unwrap_or_default();
    let body = format!(
        "<h1>诉求已收到，谢谢您！</h1>\n<p>我们已收到您{from}诉求。工作人员会认真阅读，并在网站的“群众诉求”栏目公开回复。</p>\n\
         <p>回复之前，诉求不会公开；您的手机号码任何时候都不会公开。</p>\n"
    );
    html::respond(
        StatusCode::OK,
        html::page(&state.chrome(), "诉求回执", &body),
    )
}
