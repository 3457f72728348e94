//! The production store: one DynamoDB table (docs/dynamodb.md has the design, every access
//! pattern and its capacity units). It passes the same conformance suite as SQLite, against a
//! DynamoDB-compatible server on loopback in CI.

mod accounts;
mod connect;
mod counter;
mod courses;
mod db;
mod demand;
mod draw;
mod expr;
mod item;
mod keys;
mod notices;
mod outbox;
mod privacy;
mod public;
mod purge;
mod schedule;
mod schema;
mod staff;
pub mod testing;
mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use tokio::sync::OnceCell;

use super::*;
use crate::domain::{
    CancelToken, ConfirmationCode, CourseId, LecturerId, PersonKey, ProgramId, ReplyText, SlotId,
    TownshipId,
};
use db::Db;

pub use schema::{cloudformation_properties, TableInit};

/// The DynamoDB backend of [`Store`]. Cheap to clone; clones share the client.
#[derive(Clone)]
pub struct DynamoStore {
    table: Arc<str>,
    /// Made on first use by [`DynamoStore::lazy`], at once by [`DynamoStore::connect`].
    db: Arc<OnceCell<Db>>,
}

impl std::fmt::Debug for DynamoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoStore")
            .field("table", &self.table)
            .finish()
    }
}

impl DynamoStore {
    /// The store in `table`, with the client the AWS environment describes (region,
    /// credentials, `AWS_ENDPOINT_URL_DYNAMODB`). Does not look at the table: see
    /// [`DynamoStore::check_table`] and [`DynamoStore::create_table`].
    pub async fn connect(table: &str) -> Result<Self, StoreError> {
        Ok(Self::with_client(connect::client_from_env().await?, table))
    }

    /// Like [`DynamoStore::connect`], but the client is made by the first operation (inside
    /// whatever runtime runs it), so this needs no runtime and cannot fail.
    pub fn lazy(table: &str) -> Self {
        Self {
            table: table.into(),
            db: Arc::new(OnceCell::new()),
        }
    }

    /// The store in `table` through a client made elsewhere.
    pub fn with_client(client: Client, table: &str) -> Self {
        Self {
            table: table.into(),
            db: Arc::new(OnceCell::new_with(Some(Db::new(client, table)))),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    async fn db(&self) -> Result<&Db, StoreError> {
        (self.db)
            .get_or_try_init(|| async {
                let client = connect::client_from_env().await?;
                Ok(Db::new(client, &*self.table))
            })
            .await
    }

    /// Creates the table with the deployment template's schema if it does not exist, waits
    /// until it is active, and switches TTL on. Safe to run again.
    pub async fn create_table(&self) -> Result<TableInit, StoreError> {
        schema::create_table(self.db().await?).await
    }

    /// Fails with a clear message when the table does not exist (or cannot be reached).
    pub async fn check_table(&self) -> Result<(), StoreError> {
        match schema::table_status(self.db().await?).await? {
            Some(_) => Ok(()),
            None => Err(StoreError::Backend(format!(
                "the DynamoDB table {} does not exist; create it with \
                 `diandan store init --store dynamodb:{}`",
                self.table, self.table
            ))),
        }
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn order(&self, order: NewOrder) -> Result<OrderOutcome, StoreError> {
        demand::order(self.db().await?, &order).await
    }

    async fn close_orders(
        &self,
        program: &ProgramId,
        township: &TownshipId,
        at: Time,
    ) -> Result<u32, StoreError> {
        demand::close_orders(self.db().await?, program, township, &at, None).await
    }

    async fn nominate(&self, nomination: NewNomination) -> Result<NominationOutcome, StoreError> {
        demand::nominate(self.db().await?, &nomination).await
    }

    async fn withdraw_nomination(
        &self,
        lecturer: &LecturerId,
        person: &PersonKey,
        token: &CancelToken,
    ) -> Result<u32, StoreError> {
        demand::withdraw(self.db().await?, lecturer, person, token).await
    }

    async fn register(&self, registration: NewRegistration) -> Result<Registered, StoreError> {
        courses::register(self.db().await?, &registration).await
    }

    async fn cancel(
        &self,
        code: &ConfirmationCode,
        token: &CancelToken,
    ) -> Result<Cancellation, StoreError> {
        courses::cancel(self.db().await?, code, token).await
    }

    async fn registration(
        &self,
        code: &ConfirmationCode,
        token: &CancelToken,
    ) -> Result<RegistrationView, StoreError> {
        courses::view(self.db().await?, code, token).await
    }

    async fn draw(&self, request: DrawRequest) -> Result<Draw, StoreError> {
        draw::draw(self.db().await?, &request).await
    }

    async fn lotteries(
        &self,
        courses: &BTreeSet<CourseId>,
    ) -> Result<BTreeMap<CourseId, Lottery>, StoreError> {
        draw::lotteries(self.db().await?, courses).await
    }

    async fn wish(&self, wish: NewWish) -> Result<WishId, StoreError> {
        public::wish(self.db().await?, &wish).await
    }

    async fn reply(&self, id: WishId, text: ReplyText, at: Time) -> Result<(), StoreError> {
        public::reply(self.db().await?, id, &text, &at).await
    }

    async fn hide(&self, id: WishId) -> Result<(), StoreError> {
        public::hide(self.db().await?, id).await
    }

    async fn answered_wishes(&self) -> Result<Vec<PublicWish>, StoreError> {
        public::answered_wishes(self.db().await?).await
    }

    async fn rate(&self, rating: NewRating) -> Result<(), StoreError> {
        public::rate(self.db().await?, &rating).await
    }

    async fn rating_summaries(&self) -> Result<BTreeMap<SlotId, RatingSummary>, StoreError> {
        public::rating_summaries(self.db().await?).await
    }

    async fn tallies(&self, limits: &TallyLimits) -> Result<Tallies, StoreError> {
        let raw = public::raw_counts(self.db().await?).await?;
        Ok(Tallies::assemble(raw, limits))
    }

    async fn lecture_requests(&self) -> Result<Vec<LectureRequest>, StoreError> {
        demand::lecture_requests(self.db().await?).await
    }

    async fn purge_expired(&self, now: Time) -> Result<u64, StoreError> {
        purge::purge_expired(self.db().await?, &now).await
    }

    async fn assignments(&self) -> Result<Vec<Assignment>, StoreError> {
        schedule::assignments(self.db().await?).await
    }

    async fn apply_plan(&self, planned: Vec<Assignment>) -> Result<u32, StoreError> {
        schedule::apply_plan(self.db().await?, &planned).await
    }

    async fn pin(&self, assignment: Assignment) -> Result<(), StoreError> {
        schedule::pin(self.db().await?, &assignment).await
    }

    async fn unpin(&self, slot: &SlotId) -> Result<(), StoreError> {
        schedule::unpin(self.db().await?, slot).await
    }

    async fn mark_done(&self, performance: Performance) -> Result<u32, StoreError> {
        schedule::mark_done(self.db().await?, &performance).await
    }

    async fn performances(&self) -> Result<Vec<Performance>, StoreError> {
        schedule::performances(self.db().await?).await
    }

    async fn order_demand(&self) -> Result<Vec<OrderDemand>, StoreError> {
        demand::order_demand(self.db().await?).await
    }

    async fn log_action(&self, action: NewAction) -> Result<i64, StoreError> {
        staff::log_action(self.db().await?, &action).await
    }

    async fn actions(&self, limit: u32) -> Result<Vec<AdminAction>, StoreError> {
        staff::actions(self.db().await?, None, limit).await
    }

    async fn pending_wishes(&self) -> Result<Vec<PendingWish>, StoreError> {
        public::pending_wishes(self.db().await?).await
    }

    async fn count_attempt(&self, attempt: Attempt) -> Result<u32, StoreError> {
        privacy::count_attempt(self.db().await?, &attempt).await
    }

    async fn issue_code(&self, code: NewCode) -> Result<Issued, StoreError> {
        verify::issue_code(self.db().await?, &code).await
    }

    async fn check_code(
        &self,
        person: &PersonKey,
        hash: &str,
        at: i64,
    ) -> Result<CodeCheck, StoreError> {
        verify::check_code(self.db().await?, person, hash, at).await
    }

    async fn add_device(&self, device: NewDevice) -> Result<(), StoreError> {
        verify::add_device(self.db().await?, &device).await
    }

    async fn device_person(
        &self,
        token_hash: &str,
        at: i64,
    ) -> Result<Option<PersonKey>, StoreError> {
        verify::device_person(self.db().await?, token_hash, at).await
    }

    async fn due_messages(&self, now: i64, limit: u32) -> Result<Vec<QueuedMessage>, StoreError> {
        outbox::due(self.db().await?, now, limit).await
    }

    async fn claim_message(&self, key: &str) -> Result<bool, StoreError> {
        outbox::claim(self.db().await?, key).await
    }

    async fn settle_message(&self, key: &str, settled: Settled, at: i64) -> Result<(), StoreError> {
        outbox::settle(self.db().await?, key, &settled, at).await
    }

    async fn messages(&self, limit: u32) -> Result<Vec<QueuedMessage>, StoreError> {
        outbox::recent(self.db().await?, limit).await
    }

    async fn person_data(&self, person: &PersonKey) -> Result<PersonData, StoreError> {
        privacy::person_data(self.db().await?, person).await
    }

    async fn forget_person(&self, person: &PersonKey) -> Result<Forgotten, StoreError> {
        privacy::forget(self.db().await?, person).await
    }

    async fn export_orders(&self) -> Result<Vec<OrderRow>, StoreError> {
        staff::export_orders(self.db().await?, None).await
    }

    async fn export_nominations(&self) -> Result<Vec<NominationRow>, StoreError> {
        staff::export_nominations(self.db().await?, None).await
    }

    async fn export_registrations(&self) -> Result<Vec<RegistrationRow>, StoreError> {
        staff::export_registrations(self.db().await?, None).await
    }
}
