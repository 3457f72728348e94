//! `GET /api/admin/messages` and `messages.csv`: the latest texts to residents and what became
//! of them, newest first, so staff see a text that could not be sent and can call instead.
//! Staff see the masked number (`139****6666`) only: never the sealed number, the person's key
//! or the message's key (which holds it).

use axum::extract::State;
use axum::response::Response;
use chrono::DateTime;
use serde::Serialize;
use serde_json::json;

use super::csv::Csv;
use super::{answer, store_error};
use crate::api::facts::township_name;
use crate::api::problem::ApiError;
use crate::api::state::ApiState;
use crate::catalogue::Catalogue;
use crate::clock::china_offset;
use crate::store::{MessageKind, MessageState, QueuedMessage};

/// How many messages staff see: the outbox keeps 30 days of them.
pub(super) const LIMIT: u32 = 200;

/// One message as staff see it.
#[derive(Debug, Serialize)]
pub(super) struct MessageView {
    kind: &'static str,
    kind_name: &'static str,
    subject: String,
    to: String,
    state: &'static str,
    state_name: &'static str,
    tries: u32,
    error: Option<String>,
    /// When a pending message is tried again; `None` if it is due at once or settled.
    next_try: Option<String>,
    created_at: Option<String>,
    settled_at: Option<String>,
}

fn kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Confirmed => "报名成功",
        MessageKind::Promoted => "候补转正",
        MessageKind::Scheduled => "节目排定",
        MessageKind::Lecture => "讲座排定",
        MessageKind::Answered => "诉求答复",
        MessageKind::Reminder => "明日提醒",
    }
}

fn state_name(state: MessageState) -> &'static str {
    match state {
        MessageState::Pending => "待发送",
        MessageState::Sending => "发送中",
        MessageState::Sent => "已发送",
        MessageState::Failed => "未能发送",
    }
}

/// Seconds since the epoch in China time, RFC 3339; `None` for 0 (never set).
fn china_time(secs: i64) -> Option<String> {
    let at = DateTime::from_timestamp(secs, 0).filter(|_| secs > 0)?;
    Some(at.with_timezone(&china_offset()).to_rfc3339())
}

/// What the message is about, in words: the course, program or lecturer, or the wish.
fn subject(c: &Catalogue, m: &QueuedMessage) -> String {
    let param = |name: &str| m.params.get(name).cloned().unwrap_or_default();
    let title = |id: String, found: Option<String>| found.unwrap_or(id);
    // A reminder follows a stage (it names the program) or a place (it names the course).
    let stage_reminder = m.kind == MessageKind::Reminder && m.params.contains_key("program");
    match m.kind {
        MessageKind::Confirmed | MessageKind::Promoted | MessageKind::Reminder
            if !stage_reminder =>
        {
            let id = param("course");
            let found = c.courses.iter().find(|(k, _)| k.as_str() == id);
            title(id, found.map(|(_, k)| k.title.clone()))
        }
        MessageKind::Confirmed
        | MessageKind::Promoted
        | MessageKind::Scheduled
        | MessageKind::Reminder => {
            let id = param("program");
            let found = c.programs.iter().find(|(k, _)| k.as_str() == id);
            title(id, found.map(|(_, p)| p.title.clone()))
        }
        MessageKind::Lecture => {
            let id = param("lecturer");
            let found = c.lecturers.iter().find(|(k, _)| k.as_str() == id);
            title(id, found.map(|(_, l)| l.name.clone()))
        }
        MessageKind::Answered => {
            let township = param("township").parse().ok();
            let place = township.map(|t| township_name(c, &t)).unwrap_or_default();
            format!("{place}诉求 #{}", param("wish"))
        }
    }
}

pub(super) fn view(c: &Catalogue, m: &QueuedMessage) -> MessageView {
    let waiting = m.state == MessageState::Pending;
    MessageView {
        kind: m.kind.as_str(),
        kind_name: kind_name(m.kind),
        subject: subject(c, m),
        to: m.to.clone(),
        state: m.state.as_str(),
        state_name: state_name(m.state),
        tries: m.tries,
        error: m.error.clone(),
        next_try: china_time(m.next_try).filter(|_| waiting),
        created_at: china_time(m.created_at),
        settled_at: m.settled_at.and_then(china_time),
    }
}

/// The latest messages, newest first, in staff's words.
pub(super) async fn latest(state: &ApiState) -> Result<Vec<MessageView>, ApiError> {
    let messages = (state.store().messages(LIMIT).await).map_err(|e| store_error(e, ""))?;
    let c = state.catalogue();
    Ok(messages.iter().map(|m| view(&c, m)).collect())
}

pub(super) async fn list(State(state): State<ApiState>) -> Response {
    answer(
        latest(&state)
            .await
            .map(|messages| json!({ "messages": messages })),
    )
}

/// A time for the spreadsheet: `2026-07-01 10:00`.
fn cell_time(rfc3339: &Option<String>) -> String {
    let parsed = rfc3339.as_deref().map(DateTime::parse_from_rfc3339);
    match parsed {
        Some(Ok(at)) => at.format("%Y-%m-%d %H:%M").to_string(),
        _ => String::new(),
    }
}

/// `messages.csv`: the same messages, one a row.
pub(super) fn csv(rows: &[MessageView]) -> Csv {
    let header = [
        "排队时间",
        "类型",
        "事由",
        "手机号码（隐去中间四位）",
        "状态",
        "尝试次数",
        "下次尝试",
        "结束时间",
        "错误",
    ];
    let mut csv = Csv::new(&header);
    for m in rows {
        csv.row(&[
            cell_time(&m.created_at),
            m.kind_name.to_owned(),
            m.subject.clone(),
            m.to.clone(),
            m.state_name.to_owned(),
            m.tries.to_string(),
            cell_time(&m.next_try),
            cell_time(&m.settled_at),
            m.error.clone().unwrap_or_default(),
        ]);
    }
    csv
}
