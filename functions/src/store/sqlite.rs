//! The embedded store: one SQLite file (WAL) used by `diandan serve` and the CLI.
//!
//! One connection sits behind a mutex and is used from `spawn_blocking`; every operation is a
//! single `BEGIN IMMEDIATE` transaction, so counts are exact under any concurrency, and other
//! processes on the same file (the planner) wait on `busy_timeout` instead of failing. Its
//! statements are prepared once and cached.

mod accounts;
mod courses;
mod demand;
mod draw;
mod files;
mod outbox;
mod privacy;
mod public;
mod schedule;
mod schema;
mod staff;
mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use rand::RngCore;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::*;
use crate::domain::{
    CancelToken, ConfirmationCode, CourseId, LecturerId, PersonKey, ProgramId, ReplyText, SlotId,
    TownshipId,
};

pub use schema::current_version as schema_version;

/// How long a write waits for another process holding the file before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Prepared statements kept per connection: more than the store has, so none is prepared twice.
const STATEMENT_CACHE: usize = 128;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(format!("sqlite: {e}"))
    }
}

/// The SQLite backend of [`Store`].
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Abuse-limit counters. Held in memory, not in the file: one process serves an SQLite
    /// store, so every request sees them, and a write transaction per attempt would halve
    /// the submissions the store takes per second. A restart starts the windows afresh.
    attempts: privacy::Attempts,
    /// Set for [`SqliteStore::temporary`]: the files to delete when the store goes.
    temp_path: Option<PathBuf>,
}

impl SqliteStore {
    /// Opens (creating it and its parent folders if needed) and migrates the store at `path`.
    /// The folders it creates are the owner's alone (0700), and so are the file and its
    /// `-wal`/`-shm` companions (0600): they hold guardians' phone numbers.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        files::prepare(path)?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "sqlite refused WAL mode for {} (got {mode})",
                path.display()
            )));
        }
        let store = Self::prepare(conn, None)?;
        // The companions exist now; an older build may have left them readable by all.
        files::make_private(path)?;
        Ok(store)
    }

    /// A store in memory, gone when dropped: for unit tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::prepare(Connection::open_in_memory()?, None)
    }

    /// A store in a fresh file under the system's temporary folder, deleted when dropped.
    /// Unlike [`SqliteStore::in_memory`] it runs exactly as a real file does (WAL and all).
    pub fn temporary() -> Result<Self, StoreError> {
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        let name = format!(
            "diandan-{}-{}.sqlite",
            std::process::id(),
            hex::encode(bytes)
        );
        let path = std::env::temp_dir().join(name);
        let mut store = Self::open(&path)?;
        store.temp_path = Some(path);
        Ok(store)
    }

    fn prepare(mut conn: Connection, temp_path: Option<PathBuf>) -> Result<Self, StoreError> {
        // NORMAL is durable across application crashes in WAL mode and much faster than FULL.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted rows are overwritten with zeros, not left in free pages: forgetting a
        // person must remove their number from the file, not only from the tables.
        conn.pragma_update(None, "secure_delete", "ON")?;
        schema::migrate(&mut conn)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            attempts: privacy::Attempts::default(),
            temp_path,
        })
    }

    /// Runs `f` on the connection off the async threads.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic inside an earlier operation rolled its transaction back when the
            // transaction was dropped, so the connection is still sound to use.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed only if `f` succeeds.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    /// Runs `f` in one read transaction, so it sees a single consistent state.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            f(&tx)
        })
        .await
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Some(path) = &self.temp_path {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                // Best effort: a leftover temp file is harmless.
                let _ = std::fs::remove_file(file);
            }
        }
    }
}

/// Reads an id written by this store back into its type.
fn parse_id<T: TryFrom<String>>(raw: String) -> Result<T, StoreError> {
    T::try_from(raw.clone())
        .map_err(|_| StoreError::Backend(format!("the store holds a malformed id {raw:?}")))
}

/// Reads a timestamp written by this store.
fn parse_time(raw: &str) -> Result<Time, StoreError> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map_err(|_| StoreError::Backend(format!("the store holds a malformed time {raw:?}")))
}

/// When data about a person, recorded at `at`, may be purged.
fn personal_expiry(at: &Time) -> i64 {
    (*at + chrono::Duration::days(PERSONAL_DATA_DAYS)).timestamp()
}

/// Counts fit in u32 for any real county; saturate rather than wrap if one ever did not.
fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

#[async_trait]
impl Store for SqliteStore {
    async fn order(&self, order: NewOrder) -> Result<OrderOutcome, StoreError> {
        self.write(move |tx| demand::order(tx, &order)).await
    }

    async fn close_orders(
        &self,
        program: &ProgramId,
        township: &TownshipId,
        at: Time,
    ) -> Result<u32, StoreError> {
        let (program, township) = (program.clone(), township.clone());
        self.write(move |tx| demand::close_orders(tx, &program, &township, &at))
            .await
    }

    async fn nominate(&self, nomination: NewNomination) -> Result<NominationOutcome, StoreError> {
        self.write(move |tx| demand::nominate(tx, &nomination))
            .await
    }

    async fn withdraw_nomination(
        &self,
        lecturer: &LecturerId,
        person: &PersonKey,
        token: &CancelToken,
    ) -> Result<u32, StoreError> {
        let (lecturer, person, token) = (lecturer.clone(), person.clone(), token.clone());
        self.write(move |tx| demand::withdraw(tx, &lecturer, &person, &token))
            .await
    }

    async fn register(&self, registration: NewRegistration) -> Result<Registered, StoreError> {
        self.write(move |tx| courses::register(tx, &registration))
            .await
    }

    async fn cancel(
        &self,
        code: &ConfirmationCode,
        token: &CancelToken,
    ) -> Result<Cancellation, StoreError> {
        let (code, token) = (code.clone(), token.clone());
        self.write(move |tx| courses::cancel(tx, &code, &token))
            .await
    }

    async fn registration(
        &self,
        code: &ConfirmationCode,
        token: &CancelToken,
    ) -> Result<RegistrationView, StoreError> {
        let (code, token) = (code.clone(), token.clone());
        self.read(move |tx| courses::view(tx, &code, &token)).await
    }

    async fn draw(&self, request: DrawRequest) -> Result<Draw, StoreError> {
        self.write(move |tx| draw::draw(tx, &request)).await
    }

    async fn lotteries(
        &self,
        courses: &BTreeSet<CourseId>,
    ) -> Result<BTreeMap<CourseId, Lottery>, StoreError> {
        let courses = courses.clone();
        self.read(move |tx| draw::lotteries(tx, &courses)).await
    }

    async fn wish(&self, wish: NewWish) -> Result<WishId, StoreError> {
        self.write(move |tx| public::wish(tx, &wish)).await
    }

    async fn reply(&self, id: WishId, text: ReplyText, at: Time) -> Result<(), StoreError> {
        self.write(move |tx| public::reply(tx, id, &text, &at))
            .await
    }

    async fn hide(&self, id: WishId) -> Result<(), StoreError> {
        self.write(move |tx| public::hide(tx, id)).await
    }

    async fn answered_wishes(&self) -> Result<Vec<PublicWish>, StoreError> {
        self.read(public::answered_wishes).await
    }

    async fn rate(&self, rating: NewRating) -> Result<(), StoreError> {
        self.write(move |tx| public::rate(tx, &rating)).await
    }

    async fn rating_summaries(&self) -> Result<BTreeMap<SlotId, RatingSummary>, StoreError> {
        self.read(public::rating_summaries).await
    }

    async fn tallies(&self, limits: &TallyLimits) -> Result<Tallies, StoreError> {
        let raw = self.read(public::raw_counts).await?;
        Ok(Tallies::assemble(raw, limits))
    }

    async fn lecture_requests(&self) -> Result<Vec<LectureRequest>, StoreError> {
        self.read(demand::lecture_requests).await
    }

    async fn purge_expired(&self, now: Time) -> Result<u64, StoreError> {
        self.write(move |tx| public::purge_expired(tx, &now)).await
    }

    async fn assignments(&self) -> Result<Vec<Assignment>, StoreError> {
        self.read(schedule::assignments).await
    }

    async fn apply_plan(&self, planned: Vec<Assignment>) -> Result<u32, StoreError> {
        self.write(move |tx| schedule::apply_plan(tx, &planned))
            .await
    }

    async fn pin(&self, assignment: Assignment) -> Result<(), StoreError> {
        self.write(move |tx| schedule::pin(tx, &assignment)).await
    }

    async fn unpin(&self, slot: &SlotId) -> Result<(), StoreError> {
        let slot = slot.clone();
        self.write(move |tx| schedule::unpin(tx, &slot)).await
    }

    async fn mark_done(&self, performance: Performance) -> Result<u32, StoreError> {
        self.write(move |tx| schedule::mark_done(tx, &performance))
            .await
    }

    async fn performances(&self) -> Result<Vec<Performance>, StoreError> {
        self.read(schedule::performances).await
    }

    async fn order_demand(&self) -> Result<Vec<OrderDemand>, StoreError> {
        self.read(schedule::order_demand).await
    }

    async fn log_action(&self, action: NewAction) -> Result<i64, StoreError> {
        self.write(move |tx| staff::log_action(tx, &action)).await
    }

    async fn actions(&self, limit: u32) -> Result<Vec<AdminAction>, StoreError> {
        self.read(move |tx| staff::actions(tx, None, limit)).await
    }

    async fn pending_wishes(&self) -> Result<Vec<PendingWish>, StoreError> {
        self.read(staff::pending_wishes).await
    }

    async fn export_orders(&self) -> Result<Vec<OrderRow>, StoreError> {
        self.read(|tx| staff::export_orders(tx, None)).await
    }

    async fn export_nominations(&self) -> Result<Vec<NominationRow>, StoreError> {
        self.read(|tx| staff::export_nominations(tx, None)).await
    }

    async fn export_registrations(&self) -> Result<Vec<RegistrationRow>, StoreError> {
        self.read(|tx| staff::export_registrations(tx, None)).await
    }

    async fn count_attempt(&self, attempt: Attempt) -> Result<u32, StoreError> {
        Ok(self.attempts.count(&attempt))
    }

    async fn issue_code(&self, code: NewCode) -> Result<Issued, StoreError> {
        self.write(move |tx| verify::issue_code(tx, &code)).await
    }

    async fn check_code(
        &self,
        person: &PersonKey,
        hash: &str,
        at: i64,
    ) -> Result<CodeCheck, StoreError> {
        let (person, hash) = (person.clone(), hash.to_owned());
        self.write(move |tx| verify::check_code(tx, &person, &hash, at))
            .await
    }

    async fn add_device(&self, device: NewDevice) -> Result<(), StoreError> {
        self.write(move |tx| verify::add_device(tx, &device)).await
    }

    async fn device_person(
        &self,
        token_hash: &str,
        at: i64,
    ) -> Result<Option<PersonKey>, StoreError> {
        let hash = token_hash.to_owned();
        self.read(move |tx| verify::device_person(tx, &hash, at))
            .await
    }

    async fn due_messages(&self, now: i64, limit: u32) -> Result<Vec<QueuedMessage>, StoreError> {
        self.read(move |tx| outbox::due(tx, now, limit)).await
    }

    async fn claim_message(&self, key: &str) -> Result<bool, StoreError> {
        let key = key.to_owned();
        self.write(move |tx| outbox::claim(tx, &key)).await
    }

    async fn settle_message(&self, key: &str, settled: Settled, at: i64) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |tx| outbox::settle(tx, &key, &settled, at))
            .await
    }

    async fn messages(&self, limit: u32) -> Result<Vec<QueuedMessage>, StoreError> {
        self.read(move |tx| outbox::recent(tx, limit)).await
    }

    async fn person_data(&self, person: &PersonKey) -> Result<PersonData, StoreError> {
        let person = person.clone();
        self.read(move |tx| privacy::person_data(tx, &person)).await
    }

    async fn forget_person(&self, person: &PersonKey) -> Result<Forgotten, StoreError> {
        let person = person.clone();
        let forgotten = self.write(move |tx| privacy::forget(tx, &person)).await?;
        // The WAL still holds the pages as they were before the delete; copy the zeroed
        // pages into the file and cut the WAL to nothing.
        self.run(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await?;
        Ok(forgotten)
    }

    /// One read transaction, so the build sees a single moment of the store.
    async fn snapshot(&self, limits: &TallyLimits) -> Result<Snapshot, StoreError> {
        let lotteries = limits.lotteries.clone();
        let ((assignments, performances, raw, wishes, ratings, lotteries), activity) = self
            .read(move |tx| {
                let shown = (
                    schedule::assignments(tx)?,
                    schedule::performances(tx)?,
                    public::raw_counts(tx)?,
                    public::answered_wishes(tx)?,
                    public::rating_summaries(tx)?,
                    draw::lotteries(tx, &lotteries)?,
                );
                Ok((shown, public::activity(tx)?))
            })
            .await?;
        Ok(Snapshot {
            assignments: (assignments.into_iter())
                .map(|a| (a.slot.clone(), a))
                .collect(),
            performances: (performances.into_iter())
                .map(|p| (p.slot.clone(), p))
                .collect(),
            tallies: Tallies::assemble(raw, limits),
            wishes,
            ratings,
            lotteries,
            activity,
        })
    }

    async fn activity(&self) -> Result<Activity, StoreError> {
        self.read(public::activity).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    use crate::store::conformance::{day, id, name, person};

    fn order(who: u32) -> NewOrder {
        NewOrder {
            program: id("minju"),
            township: id("nanyu"),
            person: person(who),
            name: name("张三"),
            note: None,
            at: day(1),
            reach: None,
        }
    }

    #[tokio::test]
    async fn a_file_store_keeps_its_data_and_schema_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".diandan").join("store.sqlite");
        {
            let store = SqliteStore::open(&path).unwrap();
            store.order(order(1)).await.unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let again = store.order(order(1)).await.unwrap();
        assert!(again.duplicate, "the first order survived the reopen");
        let (version, mode) = store
            .run(|conn| {
                let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
                Ok((version, mode))
            })
            .await
            .unwrap();
        assert_eq!(version as usize, schema_version());
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused_rather_than_misread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = SqliteStore::open(&path).err().expect("refused");
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[tokio::test]
    async fn temporary_stores_clean_up_after_themselves() {
        let store = SqliteStore::temporary().unwrap();
        let path = store.temp_path.clone().unwrap();
        store.order(order(1)).await.unwrap();
        assert!(path.exists());
        drop(store);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn the_database_enforces_one_open_order_too() {
        let store = SqliteStore::in_memory().unwrap();
        store.order(order(1)).await.unwrap();
        let again = store
            .run(|conn| {
                let n = conn.execute(
                    "INSERT INTO orders (program, township, person, name, created_at, expires_at)
                     VALUES ('minju', 'ganzhe', ?1, 'x', 'now', 0)",
                    params![person(1).as_str()],
                )?;
                Ok(n)
            })
            .await;
        assert!(again.is_err(), "the unique index backs the rule");
    }
}
