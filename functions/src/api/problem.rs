//! Client and server errors as RFC 9457 problem details, with field-level messages in Chinese,
//! and the one place where store errors become HTTP statuses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// One wrong field and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An error answer: status, a stable kind for clients to match, and words for people.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Short stable name: `validation`, `duplicate`, `full`, `closed`, …
    pub kind: &'static str,
    pub title: String,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, title: &str, detail: &str) -> Self {
        Self {
            status,
            kind,
            title: title.to_owned(),
            detail: detail.to_owned(),
            errors: Vec::new(),
        }
    }

    pub fn bad_request(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            "提交的内容无法识别",
            detail,
        )
    }

    pub fn not_found(detail: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "没有找到", detail)
    }

    pub fn conflict(kind: &'static str, title: &str, detail: &str) -> Self {
        Self::new(StatusCode::CONFLICT, kind, title, detail)
    }

    /// A secret link that does not work: an unknown code, a missing, malformed or wrong token,
    /// or nothing left to take back. All are one answer, so that a stranger holding a code or
    /// a phone number learns nothing from it; never `403`, which the CDN in front of the site
    /// rewrites.
    pub fn bad_link(subject: Subject) -> Self {
        let detail = match subject {
            Subject::Nomination => {
                "这个撤回链接无效，或者这次点将已经撤回了。请使用点将成功后页面上的完整链接。"
            }
            _ => "没有找到这个报名，或者链接不完整。请使用报名成功后页面上的完整链接，或拨打文化馆服务台电话查询。",
        };
        Self::new(StatusCode::NOT_FOUND, "not-found", "链接无效", detail)
    }

    pub fn too_large(limit: usize) -> Self {
        let detail = format!("提交的内容超过了 {} KB，请删减后再试。", limit / 1024);
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "提交的内容太长",
            &detail,
        )
    }

    pub fn unsupported_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-type",
            "不支持的提交格式",
            "请以 application/json 或 application/x-www-form-urlencoded（网页表单）提交。",
        )
    }

    /// 422 with the list of wrong fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = format!("有 {} 处需要修改，请看每一项的说明。", errors.len());
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "填写的内容有误",
            &detail,
        );
        e.errors = errors;
        e
    }

    /// Our fault: logged in full, answered without internals.
    pub fn internal(cause: &str) -> Self {
        tracing::error!(%cause, "request failed on our side");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器出了点问题",
            "这不是您的问题，请稍后再试；如果一直不行，请拨打文化馆服务台电话。",
        )
    }

    /// Maps a store error to its status, with words that fit what was being done.
    pub fn from_store(err: StoreError, subject: Subject) -> Self {
        use Subject::*;
        match (err, subject) {
            (StoreError::Duplicate, Registration) => Self::conflict(
                "duplicate",
                "已经报过名了",
                "这位孩子已经报名了这门课程，不需要重复报名。",
            ),
            (StoreError::Duplicate, Rating) => Self::conflict(
                "duplicate",
                "已经评价过了",
                "每人每场活动评价一次，您已经评价过这场活动，谢谢！",
            ),
            (StoreError::Duplicate, _) => {
                Self::conflict("duplicate", "已经登记过了", "这条记录已经登记过了。")
            }
            (StoreError::Full, _) => Self::conflict(
                "full",
                "名额已满",
                "这门课程的名额和候补名额都已报满。请留意文化馆的下一期课程。",
            ),
            (StoreError::Frozen, _) => Self::conflict(
                "frozen",
                "点将已满，不能撤回",
                "点将人数已达到开讲人数，讲座正在安排中，点将不能再撤回。",
            ),
            (StoreError::NotFound, Nomination | Registration) => Self::bad_link(subject),
            (StoreError::NotFound, _) => Self::not_found("没有找到这条记录。"),
            (StoreError::AlreadyCancelled, _) => Self::conflict(
                "already-cancelled",
                "已经取消过了",
                "这个报名已经取消，不需要再取消。",
            ),
            (StoreError::BadToken, _) => Self::bad_link(subject),
            (StoreError::GuardianLimit { max }, _) => Self::conflict(
                "guardian-limit",
                "这个手机号报名的孩子已达上限",
                &format!(
                    "这门课程每位家长（每个手机号）最多为 {max} 个孩子报名，这个手机号已经报满了。\
                     如果家里确实还有孩子要报名，请打文化馆服务台电话。"
                ),
            ),
            (StoreError::AlreadyDrawn, _) => Self::conflict(
                "already-drawn",
                "已经摇过号了",
                "这门课程已经摇过号，结果已经公布，以第一次摇号为准。",
            ),
            (StoreError::Backend(cause), _) => Self::internal(&cause),
        }
    }

    /// The RFC 9457 body.
    pub fn problem_json(&self) -> Response {
        let problem = Problem {
            kind: format!("urn:diandan:problem:{}", self.kind),
            title: &self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            errors: &self.errors,
        };
        let body = serde_json::to_string(&problem).unwrap_or_else(|_| "{}".to_owned());
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// What an operation was about, for the words of its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Order,
    Nomination,
    Registration,
    Wish,
    Rating,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.problem_json()
    }
}
