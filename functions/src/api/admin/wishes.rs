//! Staff and wishes: the list waiting for a reply, the public reply, hiding.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

use super::{answer, excerpt, read_fields, record, store_error, Segment};
use crate::api::facts::township_name;
use crate::api::fields::Checker;
use crate::api::problem::ApiError;
use crate::api::state::ApiState;
use crate::domain::mask_phones_in;
use crate::store::{PendingWish, WishId};

const MISSING: &str = "没有找到这条诉求。";

#[derive(Serialize)]
struct PendingView {
    #[serde(flatten)]
    wish: PendingWish,
    township_name: String,
}

/// `GET /api/admin/wishes`: wishes with no reply yet, oldest first.
pub(super) async fn pending(State(state): State<ApiState>) -> Response {
    let catalogue = state.catalogue();
    let result = (state.store().pending_wishes().await)
        .map_err(|e| ApiError::internal(&e.to_string()))
        .map(|wishes| {
            let wishes: Vec<_> = (wishes.into_iter())
                .map(|mut wish| {
                    // Never a phone, not even one the resident wrote into the wish itself.
                    wish.text = mask_phones_in(&wish.text);
                    PendingView {
                        township_name: township_name(&catalogue, &wish.township),
                        wish,
                    }
                })
                .collect();
            json!({ "wishes": wishes })
        });
    answer(result)
}

fn wish_id(raw: &str) -> Result<WishId, ApiError> {
    (raw.parse::<WishId>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found(MISSING))
}

/// `POST /api/admin/wishes/{id}/reply` with `reply`: publishes the wish with this reply.
pub(super) async fn reply(
    State(state): State<ApiState>,
    Segment(id): Segment,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(replied(&state, &id, &headers, body).await)
}

async fn replied(
    state: &ApiState,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<serde_json::Value, ApiError> {
    let id = wish_id(id)?;
    let fields = read_fields(headers, body, &["reply"]).await?;
    let mut c = Checker::new(&fields);
    let Some(text) = c.text::<1, 1000>("reply") else {
        return Err(c.into_error());
    };
    c.finish()?;
    let detail = format!("回复诉求 #{id}：{}", excerpt(text.as_str(), 40));
    (state.store().reply(id, text, state.now()).await).map_err(|e| store_error(e, MISSING))?;
    record(state, "reply", &id.to_string(), detail).await;
    state.site_changed();
    Ok(json!({ "id": id, "replied": true }))
}

/// `POST /api/admin/wishes/{id}/hide`: takes a wish off the public wall for good.
pub(super) async fn hide(State(state): State<ApiState>, Segment(id): Segment) -> Response {
    let result = async {
        let id = wish_id(&id)?;
        (state.store().hide(id).await).map_err(|e| store_error(e, MISSING))?;
        record(&state, "hide", &id.to_string(), format!("隐藏诉求 #{id}")).await;
        state.site_changed();
        Ok(json!({ "id": id, "hidden": true }))
    };
    answer(result.await)
}
