//! The SQLite schema as an ordered list of migrations; `PRAGMA user_version` records how many
//! have been applied, so a store file written by an older build is brought up to date on open.

use rusqlite::{Connection, TransactionBehavior};

use crate::store::StoreError;

/// Applied in order, each exactly once. Never edit a released entry: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE orders (
        id          INTEGER PRIMARY KEY,
        program     TEXT NOT NULL,
        township    TEXT NOT NULL,
        person      TEXT NOT NULL,
        name        TEXT NOT NULL,
        note        TEXT,
        created_at  TEXT NOT NULL,
        closed_at   TEXT,
        expires_at  INTEGER NOT NULL
    );
    -- "At most one open order per person per program", enforced by the database too.
    CREATE UNIQUE INDEX orders_one_open ON orders (program, person) WHERE closed_at IS NULL;
    CREATE INDEX orders_tally ON orders (program, township) WHERE closed_at IS NULL;

    CREATE TABLE nominations (
        lecturer    TEXT NOT NULL,
        person      TEXT NOT NULL,
        township    TEXT NOT NULL,
        name        TEXT NOT NULL,
        topic       TEXT,
        created_at  TEXT NOT NULL,
        expires_at  INTEGER NOT NULL,
        PRIMARY KEY (lecturer, person)
    );

    -- One row per lecturer whose nominations crossed the threshold: the planner's queue.
    CREATE TABLE lecture_requests (
        lecturer    TEXT PRIMARY KEY,
        threshold   INTEGER NOT NULL,
        crossed_at  TEXT NOT NULL
    );

    CREATE TABLE registrations (
        id            INTEGER PRIMARY KEY,
        code          TEXT NOT NULL UNIQUE,
        token_hash    TEXT NOT NULL,
        course        TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
        guardian_name TEXT NOT NULL,
        phone         TEXT NOT NULL,
        person        TEXT NOT NULL,
        child_name    TEXT NOT NULL,
        child_age     INTEGER NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        expires_at    INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX registrations_child_once
        ON registrations (course, person, child_name) WHERE status <> 'cancelled';
    CREATE INDEX registrations_by_course ON registrations (course, status, id);

    CREATE TABLE wishes (
        id                 INTEGER PRIMARY KEY,
        text               TEXT NOT NULL,
        township           TEXT NOT NULL,
        name               TEXT,
        person             TEXT,
        created_at         TEXT NOT NULL,
        reply              TEXT,
        replied_at         TEXT,
        hidden             INTEGER NOT NULL DEFAULT 0,
        contact_expires_at INTEGER NOT NULL
    );

    CREATE TABLE ratings (
        slot        TEXT NOT NULL,
        person      TEXT NOT NULL,
        stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
        comment     TEXT,
        created_at  TEXT NOT NULL,
        expires_at  INTEGER NOT NULL,
        PRIMARY KEY (slot, person)
    );
    "#,
    // 2: the schedule (assignments, performances) and the admin action log.
    r#"
    CREATE TABLE assignments (
        slot        TEXT PRIMARY KEY,
        program     TEXT,
        lecturer    TEXT,
        reason      TEXT NOT NULL,
        source      TEXT NOT NULL CHECK (source IN ('auto', 'staff')),
        assigned_at TEXT NOT NULL,
        CHECK ((program IS NULL) <> (lecturer IS NULL))
    );

    CREATE TABLE performances (
        slot        TEXT PRIMARY KEY,
        township    TEXT NOT NULL,
        date        TEXT NOT NULL,
        program     TEXT,
        lecturer    TEXT,
        done_at     TEXT NOT NULL
    );

    CREATE TABLE admin_log (
        id          INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        action      TEXT NOT NULL,
        subject     TEXT NOT NULL,
        detail      TEXT NOT NULL
    );
    "#,
    // 3: lottery courses: applications and their outcomes (new statuses, the draw's order for
    // the waitlist) and the draws themselves. SQLite cannot change a CHECK, so the table is
    // copied into a new one.
    r#"
    CREATE TABLE registrations_v3 (
        id            INTEGER PRIMARY KEY,
        code          TEXT NOT NULL UNIQUE,
        token_hash    TEXT NOT NULL,
        course        TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN
                          ('confirmed', 'waitlisted', 'cancelled', 'applied', 'not_drawn')),
        guardian_name TEXT NOT NULL,
        phone         TEXT NOT NULL,
        person        TEXT NOT NULL,
        child_name    TEXT NOT NULL,
        child_age     INTEGER NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        expires_at    INTEGER NOT NULL,
        -- Place in the draw (1 = first drawn); NULL for first-come courses.
        draw_rank     INTEGER
    );
    INSERT INTO registrations_v3 (id, code, token_hash, course, status, guardian_name, phone,
            person, child_name, child_age, created_at, updated_at, expires_at)
        SELECT id, code, token_hash, course, status, guardian_name, phone, person, child_name,
            child_age, created_at, updated_at, expires_at FROM registrations;
    DROP TABLE registrations;
    ALTER TABLE registrations_v3 RENAME TO registrations;
    CREATE UNIQUE INDEX registrations_child_once
        ON registrations (course, person, child_name) WHERE status <> 'cancelled';
    CREATE INDEX registrations_by_course ON registrations (course, status, id);
    CREATE INDEX registrations_by_person ON registrations (course, person) WHERE status <> 'cancelled';

    -- One row per drawn course: its existence is what makes a second draw fail.
    CREATE TABLE draws (
        course      TEXT PRIMARY KEY,
        list_hash   TEXT NOT NULL,
        witness     TEXT NOT NULL,
        seed        TEXT NOT NULL,
        ranking     TEXT NOT NULL,
        capacity    INTEGER NOT NULL,
        waitlist    INTEGER NOT NULL,
        drawn_at    TEXT NOT NULL
    );
    "#,
    // 4: text-message codes (keyed hashes and sending counters) and verified devices.
    r#"
    CREATE TABLE sms_codes (
        person      TEXT PRIMARY KEY,
        hash        TEXT,
        expires_at  INTEGER NOT NULL,
        tries       INTEGER NOT NULL,
        last_sent   INTEGER NOT NULL,
        hour_start  INTEGER NOT NULL,
        hour_sent   INTEGER NOT NULL,
        day_start   INTEGER NOT NULL,
        day_sent    INTEGER NOT NULL,
        row_expires INTEGER NOT NULL
    );

    CREATE TABLE devices (
        token_hash  TEXT PRIMARY KEY,
        person      TEXT NOT NULL,
        expires_at  INTEGER NOT NULL
    );
    CREATE INDEX devices_of_person ON devices (person);
    "#,
    // 5: nominations keep the hash of the token that takes them back.
    r#"
    ALTER TABLE nominations ADD COLUMN token_hash TEXT;
    "#,
    // 6: staff accounts, their sessions, wrong-password counters, and who did each action.
    r#"
    ALTER TABLE admin_log ADD COLUMN actor TEXT NOT NULL DEFAULT 'token';
    CREATE INDEX admin_log_by_actor ON admin_log (actor, id);

    CREATE TABLE accounts (
        name        TEXT PRIMARY KEY,
        role        TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'helper')),
        townships   TEXT NOT NULL,
        password    TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        disabled_at TEXT,
        generation  INTEGER NOT NULL DEFAULT 0
    );

    -- Keyed by the SHA-256 of the session id: the id itself is only in the browser's cookie.
    CREATE TABLE sessions (
        key         TEXT PRIMARY KEY,
        account     TEXT NOT NULL REFERENCES accounts (name),
        generation  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
    );
    CREATE INDEX sessions_by_expiry ON sessions (expires_at);

    CREATE TABLE login_failures (
        key         TEXT PRIMARY KEY,
        count       INTEGER NOT NULL,
        until       INTEGER NOT NULL
    );
    "#,
    // 7: the outbox of text messages owed to residents (docs/notifications.md).
    r#"
    CREATE TABLE outbox (
        key         TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        person      TEXT NOT NULL,
        phone       TEXT,
        params      TEXT NOT NULL,
        state       TEXT NOT NULL,
        tries       INTEGER NOT NULL DEFAULT 0,
        next_try    INTEGER NOT NULL,
        created_at  INTEGER NOT NULL,
        settled_at  INTEGER,
        error       TEXT
    );
    CREATE INDEX outbox_due ON outbox (state, next_try);
    "#,
    // 8: numbers kept, sealed, for residents who asked to hear back (`reach`), and the masked
    // number staff see in the outbox. Numbers queued before sealing cannot be sealed here:
    // those messages are given up on.
    r#"
    ALTER TABLE orders ADD COLUMN reach TEXT;
    ALTER TABLE nominations ADD COLUMN reach TEXT;
    ALTER TABLE wishes ADD COLUMN reach TEXT;
    ALTER TABLE registrations ADD COLUMN reach TEXT;
    ALTER TABLE registrations ADD COLUMN remind_at INTEGER;
    ALTER TABLE outbox ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
    UPDATE outbox SET recipient = substr(phone, 1, 3) || '****' || substr(phone, 8)
        WHERE phone IS NOT NULL;
    UPDATE outbox SET state = 'failed', error = 'queued before numbers were sealed', phone = NULL
        WHERE state IN ('pending', 'sending');
    UPDATE outbox SET phone = NULL;
    "#,
];

/// Brings the schema up to date, one transaction per migration.
///
/// The version is read inside each write transaction, so two processes opening the same file
/// at once (`diandan serve` and `diandan plan`) never apply a migration twice.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version = tx.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?;
        let version = usize::try_from(version).unwrap_or(usize::MAX);
        if version == MIGRATIONS.len() {
            return Ok(());
        }
        let Some(sql) = MIGRATIONS.get(version) else {
            return Err(StoreError::Backend(format!(
                "the store file has schema version {version}, newer than this program knows \
                 ({}); upgrade diandan",
                MIGRATIONS.len()
            )));
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (version + 1) as i64)?;
        tx.commit()?;
    }
}

/// The schema version a fully migrated store has.
pub fn current_version() -> usize {
    MIGRATIONS.len()
}
