//! The outbox: text messages the service owes residents. Each is written in the same
//! transaction as the event that causes it, under one key per (kind, event, person), so a
//! retry, a crash, a restart or a second run never queues it twice; a sender claims it before
//! sending, so it is never sent twice either.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::WishId;
use crate::domain::{
    ConfirmationCode, CourseId, LecturerId, PersonKey, ProgramId, SealedPhone, SlotId, TownshipId,
};

/// How long a message is kept, sent or not (staff see it meanwhile): then it is deleted, and
/// with it any number still waiting in it.
pub const KEEP_SECS: i64 = 30 * 24 * 3600;

/// What a message tells a resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MessageKind {
    /// A registration got a place at once, or in the draw.
    Confirmed,
    /// A waitlisted child got a place another family gave up.
    Promoted,
    /// A program the resident ordered is on their township's stage.
    Scheduled,
    /// A lecturer the resident nominated has a forum.
    Lecture,
    /// Staff answered the resident's wish.
    Answered,
    /// Tomorrow: the first session of a course with a place, or a stage the resident was
    /// told of (`SCHEDULED`).
    Reminder,
}

impl MessageKind {
    pub const ALL: [MessageKind; 6] = [
        MessageKind::Confirmed,
        MessageKind::Promoted,
        MessageKind::Scheduled,
        MessageKind::Lecture,
        MessageKind::Answered,
        MessageKind::Reminder,
    ];

    /// The name in keys, the store and `DIANDAN_SMS_TEMPLATE_<KIND>`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Confirmed => "CONFIRMED",
            MessageKind::Promoted => "PROMOTED",
            MessageKind::Scheduled => "SCHEDULED",
            MessageKind::Lecture => "LECTURE",
            MessageKind::Answered => "ANSWERED",
            MessageKind::Reminder => "REMINDER",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// One per (kind, event, person): `PROMOTED#<registration code>`,
    /// `SCHEDULED#<slot>#<person>`.
    pub key: String,
    pub kind: MessageKind,
    pub person: PersonKey,
    pub phone: SealedPhone,
    /// What the text needs, by name (ids: the sender looks up titles and dates).
    pub params: BTreeMap<String, String>,
    /// Not before then (seconds since the epoch); 0: at once.
    pub due: i64,
}

/// When a reminder of something on `day` goes: the day before, at 10:00 China time.
pub fn reminder_time(day: NaiveDate) -> Option<i64> {
    let eve = day.pred_opt()?.and_hms_opt(10, 0, 0)?;
    Some(
        eve.and_local_timezone(crate::clock::china_offset())
            .single()?
            .timestamp(),
    )
}

impl NewMessage {
    fn new(kind: MessageKind, event: &str, person: PersonKey, phone: SealedPhone) -> Self {
        NewMessage {
            key: format!("{}#{event}", kind.as_str()),
            kind,
            person,
            phone,
            params: BTreeMap::new(),
            due: 0,
        }
    }

    /// This message, and its `REMINDER` due at `due` when that is still ahead at `now`: the
    /// reminder carries the same parameters and its own copy of the sealed number.
    pub fn and_reminder(self, due: Option<i64>, now: i64) -> Vec<NewMessage> {
        let reminder = due.filter(|&at| at > now).map(|at| NewMessage {
            key: format!("{}#{}", MessageKind::Reminder.as_str(), self.key),
            kind: MessageKind::Reminder,
            person: self.person.clone(),
            phone: self.phone.clone(),
            params: self.params.clone(),
            due: at,
        });
        std::iter::once(self).chain(reminder).collect()
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        self.params.insert(name.to_owned(), value.to_owned());
        self
    }

    /// The text to the guardian of the waitlisted registration `code` that took a freed place.
    pub fn promoted(
        code: &ConfirmationCode,
        course: &CourseId,
        person: PersonKey,
        phone: SealedPhone,
    ) -> Self {
        Self::new(MessageKind::Promoted, code.as_str(), person, phone)
            .with("course", course.as_str())
            .with("code", code.as_str())
    }

    /// The text to the guardian whose registration `code` got a place (at once, or drawn).
    pub fn confirmed(
        code: &ConfirmationCode,
        course: &CourseId,
        person: PersonKey,
        phone: SealedPhone,
    ) -> Self {
        Self::new(MessageKind::Confirmed, code.as_str(), person, phone)
            .with("course", course.as_str())
            .with("code", code.as_str())
    }

    /// The text to a resident who ordered `program`, now on the stage of `slot`.
    pub fn scheduled(
        slot: &SlotId,
        program: &ProgramId,
        person: PersonKey,
        phone: SealedPhone,
    ) -> Self {
        let event = format!("{slot}#{}", person.as_str());
        Self::new(MessageKind::Scheduled, &event, person, phone)
            .with("slot", slot.as_str())
            .with("program", program.as_str())
    }

    /// The text to a resident who nominated `lecturer`, now booked for the forum `slot`.
    pub fn lecture(
        slot: &SlotId,
        lecturer: &LecturerId,
        person: PersonKey,
        phone: SealedPhone,
    ) -> Self {
        let event = format!("{slot}#{}", person.as_str());
        Self::new(MessageKind::Lecture, &event, person, phone)
            .with("slot", slot.as_str())
            .with("lecturer", lecturer.as_str())
    }

    /// The text to the author of wish `wish`, asked in `township`, which staff answered.
    pub fn answered(
        wish: WishId,
        township: &TownshipId,
        person: PersonKey,
        phone: SealedPhone,
    ) -> Self {
        let id = wish.to_string();
        Self::new(MessageKind::Answered, &id, person, phone)
            .with("wish", &id)
            .with("township", township.as_str())
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
    /// The number, sealed; erased once the message is sent or given up on.
    pub phone: Option<SealedPhone>,
    /// The number masked (`139****6666`): kept for staff's list.
    pub to: String,
    pub params: BTreeMap<String, String>,
    pub state: MessageState,
    pub tries: u32,
    /// Seconds since the epoch: not before then.
    pub next_try: i64,
    pub error: Option<String>,
    /// Seconds since the epoch: when it was queued.
    pub created_at: i64,
    /// Seconds since the epoch: when a sender last recorded what came of it.
    pub settled_at: Option<i64>,
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
