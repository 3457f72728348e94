//! `POST /api/wishes` (诉求): a resident's wish, published only once staff reply to it.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde::Serialize;

use super::facts;
use super::fields::Checker;
use super::forms::{Control, FieldSpec, FormSpec};
use super::guard::ClientAddr;
use super::html::{self, escape};
use super::input::{parse_query, read_submission, Fields, Mode};
use super::problem::{ApiError, Subject};
use super::respond;
use super::state::ApiState;
use super::verify::{self, Caller, Verified};
use crate::catalogue::Catalogue;
use crate::catalogue::FormKind;
use crate::domain::{PersonName, TownshipId, WishText};
use crate::store::{NewWish, WishId};

const FIELDS: &[&str] = &["text", "township", "name", "phone", "code"];

#[derive(Serialize)]
struct WishAnswer {
    id: WishId,
    /// Always false at first: a wish is published with staff's reply.
    published: bool,
    receipt_url: String,
}

pub(super) async fn post(
    State(state): State<ApiState>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (mode, fields) = match read_submission(&headers, body, FIELDS).await {
        Ok(read) => read,
        Err(rejected) => return respond::rejected(&state, rejected),
    };
    let catalogue = state.catalogue();
    let caller = Caller::new(mode, &headers, client);
    match record(&state, &catalogue, &fields, &caller).await {
        Ok((answer, verified)) if mode == Mode::Json => {
            verified.json(&state, StatusCode::CREATED, &answer)
        }
        Ok((answer, verified)) => verified.see_other(&state, &answer.receipt_url),
        Err(err) => verify::fail(&state, mode, FormKind::Wishes, err, &fields, || {
            form(&catalogue)
        }),
    }
}

async fn record(
    state: &ApiState,
    catalogue: &Catalogue,
    fields: &Fields,
    caller: &Caller<'_>,
) -> Result<(WishAnswer, Verified), ApiError> {
    let mut c = Checker::new(fields);
    c.honeypot();
    let text = c.text::<5, 500>("text");
    let township = c.choice("township", &catalogue.townships);
    let name = c.optional_name("name");
    let phone = c.optional_phone("phone");
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

pub(super) fn form(catalogue: &Catalogue) -> FormSpec {
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
            FieldSpec::new(
                "township",
                Control::Select(facts::township_options(catalogue)),
                true,
            ),
            FieldSpec::new(
                "name",
                Control::Text {
                    max: PersonName::MAX_CHARS,
                },
                false,
            )
            .hint("公开时只显示姓氏和最后一个字，例如“张*玲”。"),
            FieldSpec::new("phone", Control::Phone, false).hint("不会公开。"),
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
