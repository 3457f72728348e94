//! `POST /api/ratings` (评单): stars for a stage or forum the resident attended.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
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
use crate::domain::{Comment, SlotId, Stars};
use crate::store::{NewRating, RatingSummary, StoreError};

const FIELDS: &[&str] = &["slot", "phone", "stars", "comment", "code"];

/// How many past slots the re-shown form lists, newest first.
const FORM_SLOTS: usize = 30;

#[derive(Serialize)]
pub(super) struct RatingAnswer {
    slot: SlotId,
    stars: Stars,
    summary: Option<RatingSummary>,
    receipt_url: String,
}

public_form!(
    Rating,
    Ratings,
    FIELDS,
    RatingAnswer.receipt_url,
    accept = rate,
    spec = form
);

async fn rate(s: &Submitted<'_>) -> Result<(RatingAnswer, Verified), ApiError> {
    let (state, catalogue, fields, caller) = (s.state, s.catalogue, s.fields, s.caller);
    let mut c = Checker::new(fields);
    c.honeypot();
    let slot = c.choice("slot", &catalogue.slots);
    if let Some((_, facts)) = &slot {
        if facts.date > state.now().date_naive() {
            let detail = "这场活动还没有举行，请在活动之后再来评价。";
            return Err(ApiError::conflict("not-yet-held", "活动还没有举行", detail));
        }
    }
    let phone = c.phone("phone");
    let stars = c.number("stars", Stars::parse);
    let comment = c.optional_text::<1, 300>("comment");
    let (Some((slot, _)), Some(phone), Some(stars)) = (slot, phone, stars) else {
        return Err(c.into_error());
    };
    c.finish()?;
    let verified = verify::require_for(state, FormKind::Ratings, fields, caller).await?;
    let rating = NewRating {
        slot: slot.clone(),
        person: state.secret().person_key(&phone),
        stars,
        comment,
        at: state.now(),
    };
    let store = state.store();
    match store.rate(rating).await {
        // A repeat counts nothing and is answered like the first: a stranger trying a
        // resident's number must not learn whether they were there.
        Ok(_) | Err(StoreError::Duplicate) => {}
        Err(e) => return Err(ApiError::from_store(e, Subject::Rating)),
    }
    let summary = (store.rating_summaries().await)
        .map_err(|e| ApiError::from_store(e, Subject::Rating))?
        .remove(&slot);
    let q = respond::query(&[("slot", slot.as_str())]);
    let answer = RatingAnswer {
        slot,
        stars,
        summary,
        receipt_url: format!("/api/ratings/receipt?{q}"),
    };
    Ok((answer, verified))
}

fn form(s: &Submitted<'_>) -> FormSpec {
    form_for(s.catalogue, s.state.now().date_naive())
}

/// The form itself, for a catalogue and a day: also the base of a village helper's form.
pub(super) fn form_for(catalogue: &Catalogue, today: NaiveDate) -> FormSpec {
    let mut past: Vec<_> = (catalogue.slots.iter())
        .filter(|(_, s)| s.date <= today)
        .collect();
    past.sort_by_key(|(_, s)| std::cmp::Reverse((s.date, s.time)));
    let slots = (past.into_iter().take(FORM_SLOTS))
        .map(|(id, s)| (id.to_string(), facts::slot_label(catalogue, s)))
        .collect();
    let stars = (1..=5)
        .rev()
        .map(|n: u8| (n.to_string(), format!("{} {n} 星", "★".repeat(n.into()))))
        .collect();
    FormSpec {
        action: "/api/ratings".into(),
        title: "评单：给看过的活动打分".into(),
        intro: None,
        submit: "提交评价",
        fields: vec![
            FieldSpec::new("slot", Control::Select(slots), true),
            FieldSpec::new("stars", Control::Select(stars), true),
            FieldSpec::new(
                "comment",
                Control::TextArea {
                    max: Comment::MAX_CHARS,
                },
                false,
            ),
            FieldSpec::new("phone", Control::Phone, true)
                .hint("只用来确认每人每场评价一次，不会公开。"),
        ],
    }
}

/// `GET /api/ratings/receipt?slot=…`.
pub(super) async fn receipt(State(state): State<ApiState>, RawQuery(query): RawQuery) -> Response {
    let q = parse_query(query.as_deref());
    let catalogue = state.catalogue();
    let found = (q.get("slot"))
        .and_then(|s| s.parse::<SlotId>().ok())
        .and_then(|id| catalogue.slots.get_key_value(&id));
    let Some((slot, facts)) = found else {
        return html::error_page(&state.chrome(), &ApiError::not_found("没有找到这场活动。"));
    };
    let summary = match state.store().rating_summaries().await {
        Ok(mut all) => all.remove(slot),
        Err(e) => {
            return html::error_page(&state.chrome(), &ApiError::from_store(e, Subject::Rating))
        }
    };
    let mut body = format!(
        "<h1>感谢您的评价！</h1>\n<p>您评价的是：{}。每人每场只算一次，重复提交不会重复计入。</p>\n",
        escape(&facts::slot_label(&catalogue, facts))
    );
    if let Some(s) = summary {
        body.push_str(&format!(
            "<p>这场活动目前共 {} 人评价，平均 {:.1} 星。</p>\n",
            s.count, s.average
        ));
    }
    body.push_str("<p>您的评价会帮助文化馆把下一场办得更好。</p>\n");
    html::respond(
        StatusCode::OK,
        html::page(&state.chrome(), "评单回执", &body),
    )
}
