//! `GET /api/admin/helpers`: every village helper with their townships, how many proxy
//! submissions they made today (China time) against the daily cap, and their latest ones, so
//! staff can see who entered what for whom.

use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};

use super::{answer, store_error};
use crate::api::problem::ApiError;
use crate::api::state::ApiState;
use crate::clock::china_offset;
use crate::domain::Role;
use crate::store::Account;

/// Logged actions looked at per helper: their latest proxy submissions are among these.
const LOOK_BACK: u32 = 200;

async fn helper_view(state: &ApiState, helper: &Account) -> Result<Value, ApiError> {
    let name = helper.name.as_str();
    let submissions = crate::api::helper::proxy_submissions(state, name, LOOK_BACK).await?;
    let today = state.now().with_timezone(&china_offset()).date_naive();
    let on = |a: &&crate::store::AdminAction| a.at.with_timezone(&china_offset()).date_naive();
    let today_count = submissions.iter().filter(|a| on(a) == today).count();
    Ok(json!({
        "account": helper.name,
        "townships": helper.townships,
        "disabled": !helper.is_enabled(),
        "today": today_count,
        "submissions": submissions,
    }))
}

pub(super) async fn list(State(state): State<ApiState>) -> Response {
    let accounts = match state.store().accounts().await {
        Ok(all) => all,
        Err(e) => return store_error(e, "").problem_json(),
    };
    let mut helpers = Vec::new();
    for helper in accounts.iter().filter(|a| a.role == Role::Helper) {
        match helper_view(&state, helper).await {
            Ok(view) => helpers.push(view),
            Err(err) => return err.problem_json(),
        }
    }
    let cap = state.limits().helper_daily;
    answer(Ok(json!({ "daily_cap": cap, "helpers": helpers })))
}
