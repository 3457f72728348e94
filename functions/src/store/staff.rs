//! What staff see and nobody else: the admin action log, wishes waiting for a reply, and the
//! rows of the CSV exports. Only the registrations export carries a phone number (staff call
//! guardians back); nothing here is ever published.

use serde::{Deserialize, Serialize};

use super::{RegistrationStatus, Time, WishId};
use crate::domain::{ConfirmationCode, CourseId, LecturerId, ProgramId, TownshipId};

/// An admin action to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    pub at: Time,
    /// Who did it: an account's name, `token` for the bearer token, `planner` for the job.
    pub actor: String,
    /// A short stable name: `reply`, `hide`, `pin`, `unpin`, `done`, `plan`, `export`.
    pub action: String,
    /// What it was done to: a wish id, a slot id, an export name.
    pub subject: String,
    /// In words staff read.
    pub detail: String,
}

/// A recorded admin action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAction {
    pub id: i64,
    pub at: Time,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// A wish with no reply yet, not hidden: what staff answer. The name is masked like on the
/// wish wall; contact details stay in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingWish {
    pub id: WishId,
    pub text: String,
    pub township: TownshipId,
    pub name: Option<String>,
    pub asked_at: Time,
}

/// One order, for the CSV export. Orders keep no phone number, only a keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub program: ProgramId,
    pub township: TownshipId,
    pub name: String,
    pub note: Option<String>,
    pub ordered_at: Time,
    /// When the program was performed there and the order fulfilled; `None` while open.
    pub closed_at: Option<Time>,
}

/// One nomination, for the CSV export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NominationRow {
    pub lecturer: LecturerId,
    pub township: TownshipId,
    pub name: String,
    pub topic: Option<String>,
    pub nominated_at: Time,
}

/// One registration, for the CSV export: the only place a phone number leaves the store.
/// Deliberately not `Serialize`, so it cannot end up in a JSON answer by accident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRow {
    pub code: ConfirmationCode,
    pub course: CourseId,
    pub status: RegistrationStatus,
    pub guardian_name: String,
    pub phone: String,
    pub child_name: String,
    pub child_age: u8,
    pub registered_at: Time,
}
