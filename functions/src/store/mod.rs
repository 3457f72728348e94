//! The store: demand and registrations, spoken in domain operations (ARCHITECTURE.md, "The
//! store"), with one shared conformance suite that every backend passes.

mod accounts;
mod activity;
pub mod conformance;
pub mod dynamo;
mod limits;
mod outbox;
mod privacy;
mod schedule;
mod snapshot;
pub mod sqlite;
mod staff;
mod types;
mod verify;

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;

use crate::domain::{
    CancelToken, ConfirmationCode, CourseId, LecturerId, PersonKey, ProgramId, ReplyText, SlotId,
    TownshipId,
};

pub use accounts::*;
pub use activity::{month_of, month_of_day, Activity, MonthActivity};
pub use dynamo::DynamoStore;
pub use limits::{Attempt, LimitKey};
pub use outbox::*;
pub use privacy::*;
pub use schedule::*;
pub use snapshot::Snapshot;
pub use sqlite::SqliteStore;
pub use staff::*;
pub use types::*;
pub use verify::*;

/// How long orders, nominations and ratings keep a person's key before cleanup may drop them.
pub const PERSONAL_DATA_DAYS: i64 = 365;

/// Why an operation did not happen. Callers match on it; the API maps it to a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("this was already recorded")]
    Duplicate,
    #[error("no places are left and the waitlist is full")]
    Full,
    #[error("the threshold was reached: nominations can no longer be withdrawn")]
    Frozen,
    #[error("no such record")]
    NotFound,
    #[error("the registration was already cancelled")]
    AlreadyCancelled,
    #[error("the token does not match")]
    BadToken,
    #[error("this guardian already holds the most registrations a course allows ({max})")]
    GuardianLimit { max: u32 },
    #[error("the course was already drawn")]
    AlreadyDrawn,
    #[error("the store failed: {0}")]
    Backend(String),
}

/// The domain operations every backend provides, each atomic on its own; the staff accounts'
/// are in [`Accounts`].
#[async_trait]
pub trait Store: Accounts + Send + Sync {
    /// Counts an order, at most one open order per person per program; a repeat is reported
    /// as `duplicate` and counts nothing.
    async fn order(&self, order: NewOrder) -> Result<OrderOutcome, StoreError>;

    /// Closes the open orders of a program in a township (it was performed there), so those
    /// residents may order it again. Returns how many were closed. Used by the planner.
    async fn close_orders(
        &self,
        program: &ProgramId,
        township: &TownshipId,
        at: Time,
    ) -> Result<u32, StoreError>;

    /// Counts a nomination, one per person per lecturer. `crossed` is true exactly once per
    /// lecturer, and that nomination records a lecture request.
    async fn nominate(&self, nomination: NewNomination) -> Result<NominationOutcome, StoreError>;

    /// Takes a nomination back with the token given when it was made; `Frozen` once the
    /// threshold was crossed, `NotFound` if the person had none or the token is not its own
    /// (alike, so a wrong token says nothing). Returns the lecturer's remaining count.
    async fn withdraw_nomination(
        &self,
        lecturer: &LecturerId,
        person: &PersonKey,
        token: &CancelToken,
    ) -> Result<u32, StoreError>;

    /// Confirms while places remain, then waitlists, then refuses with `Full`; the same child
    /// (guardian's phone + child's name) twice for a course is `Duplicate`.
    async fn register(&self, registration: NewRegistration) -> Result<Registered, StoreError>;

    /// Cancels and, if a confirmed place was freed, promotes the first waitlisted registration.
    async fn cancel(
        &self,
        code: &ConfirmationCode,
        token: &CancelToken,
    ) -> Result<Cancellation, StoreError>;

    /// A registration as its holder sees it (the token proves they hold it).
    async fn registration(
        &self,
        code: &ConfirmationCode,
        token: &CancelToken,
    ) -> Result<RegistrationView, StoreError>;

    /// Draws a lottery course: ranks its applications by the published rule and, in one
    /// transaction (or under one conditional write), records the draw and gives each
    /// application its outcome. `AlreadyDrawn` if the course was drawn: the first draw stands.
    async fn draw(&self, request: DrawRequest) -> Result<Draw, StoreError>;

    /// For each of `courses` (lottery courses): the applications waiting and their list hash,
    /// or the draw once made.
    async fn lotteries(
        &self,
        courses: &BTreeSet<CourseId>,
    ) -> Result<BTreeMap<CourseId, Lottery>, StoreError>;

    /// Records a wish; it stays unpublished until staff reply.
    async fn wish(&self, wish: NewWish) -> Result<WishId, StoreError>;

    /// Staff's public reply (replaces an earlier one).
    async fn reply(&self, id: WishId, text: ReplyText, at: Time) -> Result<(), StoreError>;

    /// Hides a wish from the public for good (abuse, personal data in the text).
    async fn hide(&self, id: WishId) -> Result<(), StoreError>;

    /// Replied, not hidden wishes, newest reply first, with masked names and no contact.
    async fn answered_wishes(&self) -> Result<Vec<PublicWish>, StoreError>;

    /// Records a rating, one per person per slot.
    async fn rate(&self, rating: NewRating) -> Result<(), StoreError>;

    /// Count, mean and histogram of the ratings of every rated slot.
    async fn rating_summaries(&self) -> Result<BTreeMap<SlotId, RatingSummary>, StoreError>;

    /// The public tallies (docs/api.md), shaped with the catalogue's thresholds and capacities.
    async fn tallies(&self, limits: &TallyLimits) -> Result<Tallies, StoreError>;

    /// Lecturers who crossed their threshold, in the order they crossed it.
    async fn lecture_requests(&self) -> Result<Vec<LectureRequest>, StoreError>;

    /// Deletes personal rows whose expiry has passed. Returns how many went.
    async fn purge_expired(&self, now: Time) -> Result<u64, StoreError>;

    /// Every stored assignment (planner's and staff's), by slot id.
    async fn assignments(&self) -> Result<Vec<Assignment>, StoreError>;

    /// Stores the planner's assignments as `auto`, atomically; a slot that already has an
    /// assignment (a staff pin made meanwhile, or an earlier plan) keeps it. Returns how many
    /// were stored.
    async fn apply_plan(&self, planned: Vec<Assignment>) -> Result<u32, StoreError>;

    /// Staff's assignment of a slot, stored as `staff` and replacing any other.
    async fn pin(&self, assignment: Assignment) -> Result<(), StoreError>;

    /// Removes a slot's assignment, whoever made it; `NotFound` if it had none.
    async fn unpin(&self, slot: &SlotId) -> Result<(), StoreError>;

    /// Records that a slot took place and, in the same transaction, closes the open orders
    /// of its program in its township. Returns how many orders were closed; a slot already
    /// marked is `Duplicate`.
    async fn mark_done(&self, performance: Performance) -> Result<u32, StoreError>;

    /// Every performance marked done, by date.
    async fn performances(&self) -> Result<Vec<Performance>, StoreError>;

    /// Open orders per (program, township) with the earliest: what the planner ranks by.
    async fn order_demand(&self) -> Result<Vec<OrderDemand>, StoreError>;

    /// Records an admin action. Returns its id.
    async fn log_action(&self, action: NewAction) -> Result<i64, StoreError>;

    /// The latest admin actions, newest first, at most `limit`.
    async fn actions(&self, limit: u32) -> Result<Vec<AdminAction>, StoreError>;

    /// Wishes with no reply that are not hidden, oldest first, names masked, no contact.
    async fn pending_wishes(&self) -> Result<Vec<PendingWish>, StoreError>;

    /// Every order, open and fulfilled, in the order they came.
    async fn export_orders(&self) -> Result<Vec<OrderRow>, StoreError>;

    /// Every nomination, in the order they came.
    async fn export_nominations(&self) -> Result<Vec<NominationRow>, StoreError>;

    /// Every registration with the guardian's phone, by course and then in order.
    async fn export_registrations(&self) -> Result<Vec<RegistrationRow>, StoreError>;

    /// Counts one attempt in its window (abuse limits) and returns how many the window holds
    /// now, this one included. Exact under concurrency, across processes and instances.
    async fn count_attempt(&self, attempt: Attempt) -> Result<u32, StoreError>;

    /// Stores a fresh text-message code for a person, replacing any earlier one, unless the
    /// per-number limits ([`CodeState::issue`]) forbid it. Atomic: two requests at once for
    /// one number never both get through the one-a-minute rule.
    async fn issue_code(&self, code: NewCode) -> Result<Issued, StoreError>;

    /// Checks a submitted code's keyed hash against the person's current code at `at`
    /// (seconds since the epoch), counting a wrong try ([`CodeState::check`]), atomically.
    async fn check_code(
        &self,
        person: &PersonKey,
        hash: &str,
        at: i64,
    ) -> Result<CodeCheck, StoreError>;

    /// Remembers a verified device (by its token's keyed hash) until it expires.
    async fn add_device(&self, device: NewDevice) -> Result<(), StoreError>;

    /// Whose phone the device with this token hash proved, if it has not expired at `at`.
    async fn device_person(
        &self,
        token_hash: &str,
        at: i64,
    ) -> Result<Option<PersonKey>, StoreError>;

    /// Messages waiting to be sent at `now` (seconds since the epoch), oldest first, at most
    /// `limit` ([`outbox`](crate::store::NewMessage)).
    async fn due_messages(&self, now: i64, limit: u32) -> Result<Vec<QueuedMessage>, StoreError>;

    /// Takes a pending message for sending: `true` for exactly one caller, however many try.
    async fn claim_message(&self, key: &str) -> Result<bool, StoreError>;

    /// Records what came of sending a claimed message at `at`; the number is erased once the
    /// message is sent or given up on.
    async fn settle_message(&self, key: &str, settled: Settled, at: i64) -> Result<(), StoreError>;

    /// The most recent messages, newest first: what staff see.
    async fn messages(&self, limit: u32) -> Result<Vec<QueuedMessage>, StoreError>;

    /// Everything kept under a person's key: what staff hand over on a request for access.
    async fn person_data(&self, person: &PersonKey) -> Result<PersonData, StoreError>;

    /// Erases a person: their orders, nominations, ratings, wishes (with any reply) and
    /// registrations go, every tally drops by what they counted, and a confirmed place they
    /// held passes to the first waitlisted child, as a cancellation would.
    async fn forget_person(&self, person: &PersonKey) -> Result<Forgotten, StoreError>;

    /// Orders, nominations and wishes counted by month, and the wishes still unanswered:
    /// what the open data publishes. Read from the exports' rows, so every backend agrees.
    async fn activity(&self) -> Result<Activity, StoreError> {
        let mut activity = Activity::default();
        for o in self.export_orders().await? {
            activity.month(month_of(&o.ordered_at)).orders += 1;
        }
        for n in self.export_nominations().await? {
            activity.month(month_of(&n.nominated_at)).nominations += 1;
        }
        for w in self.answered_wishes().await? {
            activity.month(month_of_day(w.asked_on)).wishes += 1;
            activity.month(month_of_day(w.replied_on)).answered += 1;
        }
        for w in self.pending_wishes().await? {
            activity.month(month_of(&w.asked_at)).wishes += 1;
            activity.pending_wishes += 1;
        }
        Ok(activity)
    }

    /// What a build shows: assignments, performances, tallies, answered wishes and ratings.
    /// A backend that can read them at one moment should; this default reads them in turn.
    async fn snapshot(&self, limits: &TallyLimits) -> Result<Snapshot, StoreError> {
        let assignments = self.assignments().await?;
        let performances = self.performances().await?;
        Ok(Snapshot {
            assignments: (assignments.into_iter())
                .map(|a| (a.slot.clone(), a))
                .collect(),
            performances: (performances.into_iter())
                .map(|p| (p.slot.clone(), p))
                .collect(),
            tallies: self.tallies(limits).await?,
            wishes: self.answered_wishes().await?,
            ratings: self.rating_summaries().await?,
            activity: self.activity().await?,
            lotteries: self.lotteries(&limits.lotteries).await?,
        })
    }
}
