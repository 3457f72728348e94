//! `POST /api/admin/courses/{course}/draw` `{"witness": "371"}`: the public draw of a lottery
//! course, once, after registration has closed. Answers the draw as `draw.json` publishes it.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::{answer, read_fields, record, Segment};
use crate::api::problem::{ApiError, FieldError};
use crate::api::state::ApiState;
use crate::lottery::{draw_course, DrawError};
use crate::store::Draw;

pub(super) async fn run(
    State(state): State<ApiState>,
    Segment(course): Segment,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(drawn(&state, &course, &headers, body).await)
}

async fn drawn(
    state: &ApiState,
    course: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Draw, ApiError> {
    let fields = read_fields(headers, body, &["witness"]).await?;
    let witness = fields.get("witness").unwrap_or_default();
    let catalogue = state.catalogue();
    let store = state.store();
    let draw = draw_course(store.as_ref(), &catalogue, course, witness, state.now())
        .await
        .map_err(refusal)?;
    let detail = format!(
        "见证号码 {}，{} 份申请，名单哈希 {}",
        draw.witness.as_str(),
        draw.ranking.len(),
        draw.list_hash
    );
    record(state, "draw", course, detail).await;
    state.site_changed();
    Ok(draw)
}

fn refusal(err: DrawError) -> ApiError {
    match err {
        DrawError::UnknownCourse(_) => ApiError::not_found("没有找到这门课程。"),
        DrawError::NotLottery(_) => ApiError::conflict(
            "not-lottery",
            "这门课程不摇号",
            "这门课程按报名先后录取，没有摇号。",
        ),
        DrawError::NotYetClosed { closes, .. } => ApiError::conflict(
            "not-yet-closed",
            "报名还没有截止",
            &format!(
                "报名截止（{}）之后才能摇号。",
                closes.format("%Y年%-m月%-d日")
            ),
        ),
        DrawError::BadWitness => ApiError::validation(vec![FieldError {
            field: "witness".into(),
            message: "见证号码只能是 1 到 20 位数字，例如 371。".into(),
        }]),
        DrawError::AlreadyDrawn(_) => ApiError::conflict(
            "already-drawn",
            "已经摇过号了",
            "这门课程已经摇过号，以第一次摇号的结果为准。",
        ),
        DrawError::Store(e) => ApiError::internal(&e.to_string()),
    }
}
