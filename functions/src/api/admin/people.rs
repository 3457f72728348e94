//! A resident's rights over their data (PIPL): staff export everything kept under their phone
//! number, or erase it. The number travels in the body, never in a URL, so no access log
//! keeps it; the action log records it masked.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use serde_json::{json, Value};

use super::{answer, read_fields, record};
use crate::api::fields::Checker;
use crate::api::problem::ApiError;
use crate::api::state::ApiState;
use crate::domain::Phone;
use crate::store::{PersonData, RegistrationRow};

async fn phone_of(headers: &HeaderMap, body: Body) -> Result<Phone, ApiError> {
    let fields = read_fields(headers, body, &["phone"]).await?;
    let mut c = Checker::new(&fields);
    let Some(phone) = c.phone("phone") else {
        return Err(c.into_error());
    };
    c.finish()?;
    Ok(phone)
}

/// `POST /api/admin/people/export` with `phone`: everything kept about that person.
pub(super) async fn export(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let phone = phone_of(&headers, body).await?;
        let person = state.secret().person_key(&phone);
        let data = (state.store().person_data(&person).await)
            .map_err(|e| ApiError::internal(&e.to_string()))?;
        let detail = format!("导出个人数据 {}", phone.masked());
        record(&state, "export-person", &phone.masked(), detail).await;
        Ok(view(&phone, &data))
    };
    let mut response = answer(result.await);
    // Personal data: no cache anywhere may keep a copy.
    (response.headers_mut()).insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /api/admin/people/forget` with `phone`: erases that person everywhere.
pub(super) async fn forget(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let phone = phone_of(&headers, body).await?;
        let person = state.secret().person_key(&phone);
        let deleted = (state.store().forget_person(&person).await)
            .map_err(|e| ApiError::internal(&e.to_string()))?;
        let detail = format!("删除个人数据 {}：共 {} 条", phone.masked(), deleted.total());
        record(&state, "forget-person", &phone.masked(), detail).await;
        if deleted.total() > 0 {
            // Counts, the wish wall and ratings on the site change.
            state.site_changed();
        }
        Ok(json!({ "phone": phone.masked(), "deleted": deleted }))
    };
    answer(result.await)
}

fn registration(r: &RegistrationRow) -> Value {
    json!({
        "code": r.code.as_str(), "course": r.course, "status": r.status,
        "guardian_name": r.guardian_name, "phone": r.phone, "child_name": r.child_name,
        "child_age": r.child_age, "registered_at": r.registered_at,
    })
}

fn view(phone: &Phone, d: &PersonData) -> Value {
    let orders: Vec<Value> = (d.orders.iter())
        .map(|o| {
            json!({ "program": o.program, "township": o.township, "name": o.name,
            "note": o.note, "ordered_at": o.ordered_at, "closed_at": o.closed_at })
        })
        .collect();
    let nominations: Vec<Value> = (d.nominations.iter())
        .map(|n| {
            json!({ "lecturer": n.lecturer, "township": n.township, "name": n.name,
            "topic": n.topic, "nominated_at": n.nominated_at })
        })
        .collect();
    let wishes: Vec<Value> = (d.wishes.iter())
        .map(|w| {
            json!({ "id": w.id, "text": w.text, "township": w.township, "name": w.name,
            "asked_at": w.asked_at, "reply": w.reply })
        })
        .collect();
    let ratings: Vec<Value> = (d.ratings.iter())
        .map(|r| {
            json!({ "slot": r.slot, "stars": r.stars, "comment": r.comment,
            "rated_at": r.rated_at })
        })
        .collect();
    let messages: Vec<Value> = (d.messages.iter())
        .map(|m| {
            json!({ "kind": m.kind.as_str(), "to": m.to, "state": m.state.as_str(),
            "number_kept": m.phone.is_some() })
        })
        .collect();
    json!({
        "phone": phone.masked(),
        "messages": messages,
        "orders": orders,
        "nominations": nominations,
        "registrations": d.registrations.iter().map(registration).collect::<Vec<_>>(),
        "wishes": wishes,
        "ratings": ratings,
    })
}
