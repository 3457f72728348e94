//! `POST /api/admin/plan[?apply=true]`: the planner's proposals, stored when asked to.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

use super::slots::title_of;
use super::{answer, record, store_error};
use crate::api::facts::township_name;
use crate::api::input::parse_query;
use crate::api::problem::ApiError;
use crate::api::state::ApiState;
use crate::planner::{self, Proposal};

/// A proposal with the names the admin page shows.
#[derive(Serialize)]
struct ProposalView {
    #[serde(flatten)]
    proposal: Proposal,
    township_name: String,
    title: Option<String>,
}

pub(super) async fn run(State(state): State<ApiState>, RawQuery(query): RawQuery) -> Response {
    let q = parse_query(query.as_deref());
    let apply = matches!(q.get("apply"), Some("true" | "1" | "yes"));
    answer(planned(&state, apply).await)
}

async fn planned(state: &ApiState, apply: bool) -> Result<serde_json::Value, ApiError> {
    let c = state.catalogue();
    let store = state.store();
    let today = state.now().date_naive();
    let proposals =
        (planner::propose(store.as_ref(), &c, today).await).map_err(|e| store_error(e, ""))?;
    let stored = if apply {
        let n = (planner::apply(store.as_ref(), &proposals, state.now()).await)
            .map_err(|e| store_error(e, ""))?;
        let filled = proposals
            .iter()
            .filter(|p| p.to_assignment(state.now()).is_some());
        let slots: Vec<&str> = filled.map(|p| p.slot.as_str()).collect();
        record(
            state,
            "plan",
            "planner",
            format!("自动安排 {n} 场：{}", slots.join("、")),
        )
        .await;
        if n > 0 {
            state.site_changed();
        }
        n
    } else {
        0
    };
    let views: Vec<_> = (proposals.into_iter())
        .map(|p| ProposalView {
            township_name: township_name(&c, &p.township),
            title: title_of(&c, p.program.as_ref(), p.lecturer.as_ref()),
            proposal: p,
        })
        .collect();
    Ok(json!({ "applied": apply, "stored": stored, "proposals": views }))
}
