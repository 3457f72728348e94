//! The outbox: text messages the service owes residents. Each is written in the same
//! transaction as the event that causes it, under one key per (kind, event, person), so a
//! retry, a crash, a restart or a second run never queues it twice; a sender claims it before
//! sending, so it is never sent twice either.

use std::collections::BTreeMap;

use crate::domain::{ConfirmationCode, CourseId, PersonKey, Phone};

/// How long a message is kept, sent or not (staff see it meanwhile): then it is deleted, and
/// with it any number still waiting in it.
pub const KEEP_SECS: i64 = 30 * 24 * 3600;

/// What a message tells a resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MessageKind {
    /// A waitlisted child got a place another family gave up.
    Promoted,
}

impl MessageKind {
    pub const ALL: [MessageKind; 1] = [MessageKind::Promoted];

    /// The name in keys, the store and `DIANDAN_SMS_TEMPLATE_<KIND>`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Promoted => "PROMOTED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// One per (kind, event, person): `PROMOTED#<registration code>`.
    pub key: String,
    pub kind: MessageKind,
    pub person: PersonKey,
    pub phone: Phone,
    /// What the text needs, by name (ids: the sender looks up titles and dates).
    pub params: BTreeMap<String, String>,
}

impl NewMessage {
    /// The text to the guardian of the waitlisted registration `code` that took a freed place.
    pub fn promoted(
        code: &ConfirmationCode,
        course: &CourseId,
        person: PersonKey,
        phone: Phone,
    ) -> Self {
        let params = [("course", course.as_str()), ("code", code.as_str())];
        NewMessage {
            key: format!("{}#{code}", MessageKind::Promoted.as_str()),
            kind: MessageKind::Promoted,
            person,
            phone,
            params: (params.iter())
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }
}

/// Where a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    /// Waiting to be sent (again) from `next_try`.
    Pending,
    /// Claimed by a sender. One that stays here was being sent when its sender stopped: it is
    /// not sent again (it may have gone out), and staff see it.
    Sending,
    Sent,
    /// Given up on: a permanent refusal, or too many tries.
    Failed,
}

impl MessageState {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Pending => "pending",
            MessageState::Sending => "sending",
            MessageState::Sent => "sent",
            MessageState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Sending, Self::Sent, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A queued message, as a sender (or staff) sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub key: String,
    pub kind: MessageKind,
    pub person: PersonKey,
    /// Erased once the message is sent or given up on.
    pub phone: Option<Phone>,
    pub params: BTreeMap<String, String>,
    pub state: MessageState,
    pub tries: u32,
    /// Seconds since the epoch: not before then.
    pub next_try: i64,
    pub error: Option<String>,
}

/// What came of sending a claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Sent,
    /// A passing failure: try again at this time (seconds since the epoch).
    Retry {
        at: i64,
        error: String,
    },
    /// A permanent one.
    Failed {
        error: String,
    },
}

impl Settled {
    /// The state it leaves the message in.
    pub fn state(&self) -> MessageState {
        match self {
            Settled::Sent => MessageState::Sent,
            Settled::Retry { .. } => MessageState::Pending,
            Settled::Failed { .. } => MessageState::Failed,
        }
    }

    pub fn error(&self) -> Option<&str> {
        match self {
            Settled::Sent => None,
            Settled::Retry { error, .. } | Settled::Failed { error } => Some(error),
        }
    }

    /// When the message is next due: a retry's time; 0 (never looked at again) otherwise.
    pub fn next_try(&self) -> i64 {
        match self {
            Settled::Retry { at, .. } => *at,
            _ => 0,
        }
    }

    /// Whether the number is no longer needed.
    pub fn done(&self) -> bool {
        !matches!(self, Settled::Retry { .. })
    }
}

/// Reads the stored parameters (JSON object of strings).
pub(crate) fn params_from_json(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(crate) fn params_to_json(params: &BTreeMap<String, String>) -> String {
    serde_json::to_string(params).unwrap_or_else(|_| "{}".into())
}
