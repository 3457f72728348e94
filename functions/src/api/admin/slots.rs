//! Staff and the schedule: every slot with its state, pin and unpin, mark done.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::{answer, read_fields, record, store_error, Segment};
use crate::api::facts::{slot_label, township_name};
use crate::api::fields::Checker;
use crate::api::problem::ApiError;
use crate::api::state::ApiState;
use crate::catalogue::{Catalogue, SlotFacts, SlotKind};
use crate::domain::{LecturerId, ProgramId, ShortText, SlotId};
use crate::store::{Assignment, AssignmentSource, Performance, StoreError};

/// The reason a staff pin carries when staff give none.
const STAFF_REASON: &str = "工作人员安排";

/// A slot as the admin page lists it.
#[derive(Serialize)]
struct SlotView {
    slot: SlotId,
    kind: SlotKind,
    date: NaiveDate,
    time: String,
    township: String,
    township_name: String,
    venue: String,
    program: Option<ProgramId>,
    lecturer: Option<LecturerId>,
    /// The program's title or the lecturer's name.
    title: Option<String>,
    reason: Option<String>,
    /// `content` (fixed in the schedule files), `auto` (the planner), `staff`, or none.
    source: Option<&'static str>,
    done: bool,
    past: bool,
}

/// The program's title or the lecturer's name, as the catalogue has them.
pub(super) fn title_of(
    c: &Catalogue,
    program: Option<&ProgramId>,
    lecturer: Option<&LecturerId>,
) -> Option<String> {
    let program = program
        .and_then(|p| c.programs.get(p))
        .map(|p| p.title.clone());
    program.or_else(|| {
        lecturer
            .and_then(|l| c.lecturers.get(l))
            .map(|l| l.name.clone())
    })
}

fn view(
    c: &Catalogue,
    (id, s): (&SlotId, &SlotFacts),
    assigned: Option<&Assignment>,
    done: bool,
    today: NaiveDate,
) -> SlotView {
    let (program, lecturer, reason, source) = match assigned {
        _ if !s.is_auto() => (s.program.clone(), s.lecturer.clone(), None, Some("content")),
        Some(a) => (
            a.program.clone(),
            a.lecturer.clone(),
            Some(a.reason.clone()),
            Some(a.source.as_str()),
        ),
        None => (None, None, None, None),
    };
    SlotView {
        slot: id.clone(),
        kind: s.kind,
        date: s.date,
        time: s.time.format("%H:%M").to_string(),
        township: s.township.to_string(),
        township_name: township_name(c, &s.township),
        venue: s.venue.clone(),
        title: title_of(c, program.as_ref(), lecturer.as_ref()),
        program,
        lecturer,
        reason,
        source,
        done,
        past: s.date < today,
    }
}

/// `GET /api/admin/slots`: every slot of the catalogue in date order, with its state.
pub(super) async fn list(State(state): State<ApiState>) -> Response {
    let c = state.catalogue();
    let today = state.now().date_naive();
    let store = state.store();
    let result = async {
        let assigned = store.assignments().await?;
        let done = store.performances().await?;
        let mut slots: Vec<_> = (c.slots.iter())
            .map(|(id, s)| {
                let a = assigned.iter().find(|a| &a.slot == id);
                let d = done.iter().any(|p| &p.slot == id);
                view(&c, (id, s), a, d, today)
            })
            .collect();
        slots.sort_by(|a, b| (a.date, &a.time, &a.slot).cmp(&(b.date, &b.time, &b.slot)));
        Ok::<_, StoreError>(json!({ "today": today, "slots": slots }))
    };
    answer(result.await.map_err(|e| ApiError::internal(&e.to_string())))
}

/// The slot named in the path, or 404.
fn find<'c>(c: &'c Catalogue, raw: &str) -> Result<(SlotId, &'c SlotFacts), ApiError> {
    let id: Option<SlotId> = raw.parse().ok();
    (id.and_then(|id| c.slots.get(&id).map(|s| (id, s))))
        .ok_or_else(|| ApiError::not_found("没有找到这一场，请刷新后再试。"))
}

/// Slots fixed in the content are changed in the content (git), not here.
fn not_fixed(s: &SlotFacts) -> Result<(), ApiError> {
    if s.is_auto() {
        return Ok(());
    }
    let detail = "这一场的安排写在节目单文件（content/schedule）里，请在文件中修改。";
    Err(ApiError::conflict(
        "pinned-in-content",
        "这一场已在节目单中固定",
        detail,
    ))
}

async fn not_done(state: &ApiState, slot: &SlotId) -> Result<(), ApiError> {
    let done = (state.store().performances().await).map_err(|e| store_error(e, ""))?;
    if done.iter().any(|p| &p.slot == slot) {
        let detail = "这一场已经标记为已演出，安排不能再改。";
        return Err(ApiError::conflict("done", "这一场已经演出", detail));
    }
    Ok(())
}

/// `POST /api/admin/slots/{slot}/pin` with `program` (stage) or `lecturer` (forum), and an
/// optional `reason`: staff's choice, which the planner never changes.
pub(super) async fn pin(
    State(state): State<ApiState>,
    Segment(slot): Segment,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(pinned(&state, &slot, &headers, body).await)
}

async fn pinned(
    state: &ApiState,
    raw: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Assignment, ApiError> {
    let c = state.catalogue();
    let (slot, facts) = find(&c, raw)?;
    not_fixed(facts)?;
    not_done(state, &slot).await?;
    let fields = read_fields(headers, body, &["program", "lecturer", "reason"]).await?;
    let mut check = Checker::new(&fields);
    let (program, lecturer) = match facts.kind {
        SlotKind::Stage => (check.choice("program", &c.programs).map(|p| p.0), None),
        SlotKind::Forum => (None, check.choice("lecturer", &c.lecturers).map(|l| l.0)),
    };
    let other = if facts.kind == SlotKind::Stage {
        "lecturer"
    } else {
        "program"
    };
    if fields.get(other).is_some() {
        check.add(other, "戏台只安排节目，讲坛只安排讲师。".to_owned());
    }
    let reason: Option<ShortText> = check.optional_text("reason");
    check.finish()?;
    let assignment = Assignment {
        slot: slot.clone(),
        program,
        lecturer,
        reason: reason.map_or_else(|| STAFF_REASON.to_owned(), String::from),
        source: AssignmentSource::Staff,
        at: state.now(),
    };
    (state.store().pin(assignment.clone()).await).map_err(|e| store_error(e, ""))?;
    let title = title_of(
        &c,
        assignment.program.as_ref(),
        assignment.lecturer.as_ref(),
    );
    let detail = format!(
        "{} 指定为 {}",
        slot_label(&c, facts),
        title.unwrap_or_default()
    );
    record(state, "pin", slot.as_str(), detail).await;
    state.site_changed();
    Ok(assignment)
}

/// `DELETE /api/admin/slots/{slot}/pin`: clears the slot's assignment (staff's or the
/// planner's); the next plan fills it again.
pub(super) async fn unpin(State(state): State<ApiState>, Segment(raw): Segment) -> Response {
    let result = async {
        let c = state.catalogue();
        let (slot, facts) = find(&c, &raw)?;
        not_fixed(facts)?;
        not_done(&state, &slot).await?;
        (state.store().unpin(&slot).await)
            .map_err(|e| store_error(e, "这一场还没有安排，没有可以清除的。"))?;
        let detail = format!("{} 清除安排", slot_label(&c, facts));
        record(&state, "unpin", slot.as_str(), detail).await;
        state.site_changed();
        Ok(json!({ "slot": slot, "unpinned": true }))
    };
    answer(result.await)
}

/// `POST /api/admin/slots/{slot}/done`: the slot took place. Its program's open orders from
/// its township are fulfilled, and the planner will not bring it back there too soon.
pub(super) async fn done(State(state): State<ApiState>, Segment(raw): Segment) -> Response {
    answer(marked(&state, &raw).await)
}

async fn marked(state: &ApiState, raw: &str) -> Result<serde_json::Value, ApiError> {
    let c = state.catalogue();
    let (slot, facts) = find(&c, raw)?;
    if facts.date > state.now().date_naive() {
        let detail = "这一场还没有举行，举行之后再标记为已演出。";
        return Err(ApiError::conflict("not-yet-held", "活动还没有举行", detail));
    }
    let assigned = (state.store().assignments().await).map_err(|e| store_error(e, ""))?;
    let stored = assigned.into_iter().find(|a| a.slot == slot);
    let program = (facts.program.clone()).or_else(|| stored.as_ref()?.program.clone());
    let lecturer = (facts.lecturer.clone()).or_else(|| stored.as_ref()?.lecturer.clone());
    if program.is_none() && lecturer.is_none() {
        let detail = "这一场没有安排节目或讲师，请先指定，再标记为已演出。";
        return Err(ApiError::conflict("unassigned", "这一场还没有安排", detail));
    }
    let performance = Performance {
        slot: slot.clone(),
        township: facts.township.clone(),
        date: facts.date,
        program,
        lecturer,
        at: state.now(),
    };
    let closed = match state.store().mark_done(performance).await {
        Err(StoreError::Duplicate) => {
            let detail = "这一场已经标记为已演出。";
            return Err(ApiError::conflict("already-done", "已经标记过了", detail));
        }
        other => other.map_err(|e| store_error(e, ""))?,
    };
    let detail = format!("{} 已演出，{closed} 条点单完成", slot_label(&c, facts));
    record(state, "done", slot.as_str(), detail).await;
    state.site_changed();
    Ok(json!({ "slot": slot, "done": true, "closed_orders": closed }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn a_status_for_every_refusal() {
        let fixed = SlotFacts {
            kind: SlotKind::Stage,
            township: "nanyu".parse().unwrap(),
            date: NaiveDate::from_ymd_opt(2026, 12, 12).unwrap(),
            time: chrono::NaiveTime::from_hms_opt(19, 30, 0).unwrap(),
            venue: "广场".into(),
            program: Some("minju".parse().unwrap()),
            lecturer: None,
        };
        assert_eq!(not_fixed(&fixed).unwrap_err().status, StatusCode::CONFLICT);
        let c = Catalogue::default();
        assert_eq!(
            find(&c, "NOT A SLOT").unwrap_err().status,
            StatusCode::NOT_FOUND
        );
    }
}
