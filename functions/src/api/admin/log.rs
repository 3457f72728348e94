//! `GET /api/admin/log[?limit=N][&actor=NAME]`: the latest admin actions, newest first; with
//! `actor`, only that account's (a village helper's proxy submissions, say) or `token`'s.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::json;

use super::{answer, store_error};
use crate::api::input::parse_query;
use crate::api::state::ApiState;

/// How many actions are listed when the query does not say.
const DEFAULT_LIMIT: u32 = 100;
/// The most a single request may list.
const MAX_LIMIT: u32 = 1000;

pub(super) async fn list(State(state): State<ApiState>, RawQuery(query): RawQuery) -> Response {
    let q = parse_query(query.as_deref());
    let limit = (q.get("limit").and_then(|l| l.parse::<u32>().ok()))
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_LIMIT);
    let store = state.store();
    let actions = match q.get("actor") {
        Some(actor) => store.actions_by(actor, limit).await,
        None => store.actions(limit).await,
    };
    let result = actions
        .map(|actions| json!({ "actions": actions }))
        .map_err(|e| store_error(e, ""));
    answer(result)
}
