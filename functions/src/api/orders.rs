//! `POST /api/orders` (点单) and its receipt page `GET /api/orders/receipt`.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::facts::{self, SlotSummary};
use super::fields::Checker;
use super::forms::{Control, FieldSpec, FormSpec};
use super::html::{self, escape};
use super::input::{parse_query, Fields};
use super::problem::{ApiError, Subject};
use super::respond;
use super::state::ApiState;
use super::submit::{public_form, Submitted};
use super::verify::{self, Verified};
use crate::catalogue::Catalogue;
use crate::catalogue::FormKind;
use crate::domain::{ProgramId, ShortText, TownshipId};
use crate::store::NewOrder;

const FIELDS: &[&str] = &[
    "program", "township", "name", "phone", "note", "notify", "code",
];

/// The same answer for a first order and a repeat (which counts nothing): a stranger trying a
/// resident's number must not learn whether they had ordered.
#[derive(Serialize)]
pub(super) struct OrderAnswer {
    program: ProgramId,
    township: TownshipId,
    township_count: u32,
    program_total: u32,
    next_stage: Option<SlotSummary>,
    receipt_url: String,
}

public_form!(
    Order,
    Orders,
    FIELDS,
    OrderAnswer.receipt_url,
    accept = place,
    spec = form
);

async fn place(s: &Submitted<'_>) -> Result<(OrderAnswer, Verified), ApiError> {
    let (state, catalogue, fields, caller) = (s.state, s.catalogue, s.fields, s.caller);
    let order = check(state, catalogue, fields)?;
    let verified = verify::require_for(state, FormKind::Orders, fields, caller).await?;
    let (program, township) = (order.program.clone(), order.township.clone());
    let outcome =
        (state.store().order(order).await).map_err(|e| ApiError::from_store(e, Subject::Order))?;
    let today = state.now().date_naive();
    let next = facts::next_stage(catalogue, &township, today).map(|(id, s)| facts::summary(id, s));
    let pairs = [
        ("program", program.as_str()),
        ("township", township.as_str()),
    ];
    let answer = OrderAnswer {
        receipt_url: format!("/api/orders/receipt?{}", respond::query(&pairs)),
        program,
        township,
        township_count: outcome.township_count,
        program_total: outcome.program_total,
        next_stage: next,
    };
    Ok((answer, verified))
}

fn check(state: &ApiState, catalogue: &Catalogue, fields: &Fields) -> Result<NewOrder, ApiError> {
    let mut c = Checker::new(fields);
    c.honeypot();
    let program = c.choice("program", &catalogue.programs);
    if let Some((_, facts)) = &program {
        if !facts.orderable {
            let detail = format!("“{}”目前暂停点单，请看看其他节目。", facts.title);
            return Err(ApiError::conflict(
                "closed",
                "这个节目暂不接受点单",
                &detail,
            ));
        }
    }
    let township = c.choice("township", &catalogue.townships);
    let name = c.name("name");
    let phone = c.phone("phone");
    let note = c.optional_text::<1, 200>("note");
    let reach = c.reach(state, phone.as_ref());
    let (Some((program, _)), Some((township, _)), Some(name), Some(phone)) =
        (program, township, name, phone)
    else {
        return Err(c.into_error());
    };
    c.finish()?;
    Ok(NewOrder {
        program,
        township,
        person: state.secret().person_key(&phone),
        name,
        note,
        at: state.now(),
        reach,
    })
}

/// The order form, for re-showing after a mistake.
fn form(s: &Submitted<'_>) -> FormSpec {
    form_for(s.catalogue)
}

/// The form itself, for a catalogue: also the base of a village helper's form.
pub(super) fn form_for(catalogue: &Catalogue) -> FormSpec {
    let programs = (catalogue.programs.iter())
        .filter(|(_, p)| p.orderable)
        .map(|(id, p)| (id.to_string(), p.title.clone()))
        .collect();
    FormSpec {
        action: "/api/orders".into(),
        title: "点单：为家乡的周末农家戏台选节目".into(),
        intro: None,
        submit: "提交点单",
        fields: vec![
            FieldSpec::new("program", Control::Select(programs), true),
            FieldSpec::township(catalogue).hint("节目会安排到这个乡镇（街道）的周末农家戏台。"),
            FieldSpec::person("name", true),
            FieldSpec::new("phone", Control::Phone, true)
                .hint("只用来确认每人每个节目点一次，不会公开。"),
            FieldSpec::new(
                "note",
                Control::TextArea {
                    max: ShortText::MAX_CHARS,
                },
                false,
            ),
            FieldSpec::notify("节目排到您的乡镇（街道）时，发一条短信告诉您。"),
        ],
    }
}

/// `GET /api/orders/receipt?program=…&township=…`: one page for a first order and a repeat.
pub(super) async fn receipt(State(state): State<ApiState>, RawQuery(query): RawQuery) -> Response {
    let q = parse_query(query.as_deref());
    let catalogue = state.catalogue();
    let program = (q.get("program"))
        .and_then(|p| p.parse::<ProgramId>().ok())
        .and_then(|id| catalogue.programs.get_key_value(&id));
    let township = (q.get("township"))
        .and_then(|t| t.parse::<TownshipId>().ok())
        .and_then(|id| catalogue.townships.get_key_value(&id));
    let (Some((program, facts)), Some((township, place))) = (program, township) else {
        return html::error_page(
            &state.chrome(),
            &ApiError::not_found("没有找到这条点单记录。"),
        );
    };
    let tallies = match state.tallies().await {
        Ok(t) => t,
        Err(e) => {
            return html::error_page(&state.chrome(), &ApiError::from_store(e, Subject::Order))
        }
    };
    let tally = tallies.programs.get(program).cloned().unwrap_or_default();
    let here = tally.by_township.get(township).copied().unwrap_or(0);
    let mut body =
        "<h1>点单成功，谢谢您！</h1>\n<p>每人每个节目只算一次，重复提交不会重复计数。</p>\n"
            .to_owned();
    body.push_str(&format!(
        "<p>目前{}已有 <strong>{here}</strong> 人点了“{}”，全县共 {} 人。</p>\n\
         <p>点的人越多，这个节目越会优先安排到本乡镇（街道）的周末农家戏台。</p>\n",
        escape(&place.name),
        escape(&facts.title),
        tally.total
    ));
    let today = state.now().date_naive();
    body.push_str(&match facts::next_stage(&catalogue, township, today) {
        Some((_, slot)) => format!(
            "<p>{}下一场周末农家戏台：{}。排定的节目会在网站上公布。</p>\n",
            escape(&place.name),
            escape(&facts::when_and_where(slot))
        ),
        None => "<p>下一场的日期还没有排出来，排好后会在网站上公布。</p>\n".to_owned(),
    });
    html::respond(
        StatusCode::OK,
        html::page(&state.chrome(), "点单回执", &body),
    )
}
