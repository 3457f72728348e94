//! Course registrations in SQLite: capacity, waitlist, codes, cancellation and promotion.

use rusqlite::{params, OptionalExtension, Transaction};

use super::{count, parse_id, parse_time};
use crate::catalogue::Allocation;
use crate::domain::{mask_name, CancelToken, ConfirmationCode, CourseId, PersonKey, SealedPhone};
use crate::store::{
    Cancellation, NewMessage, NewRegistration, Registered, RegistrationStatus, RegistrationView,
    StoreError,
};

/// Collisions among 31^6 ≈ 887 million codes are rare; a few retries make them irrelevant.
const CODE_ATTEMPTS: usize = 8;

fn counts(tx: &Transaction<'_>, course: &CourseId) -> Result<(u32, u32), StoreError> {
    let (confirmed, waitlisted): (i64, i64) = tx
        .prepare_cached(
            "SELECT COALESCE(SUM(status = 'confirmed'), 0), COALESCE(SUM(status = 'waitlisted'), 0)
         FROM registrations WHERE course = ?1",
        )?
        .query_row(params![course.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((count(confirmed), count(waitlisted)))
}

fn fresh_code(tx: &Transaction<'_>) -> Result<ConfirmationCode, StoreError> {
    for _ in 0..CODE_ATTEMPTS {
        let code = ConfirmationCode::random();
        let taken: Option<i64> = tx
            .prepare_cached("SELECT 1 FROM registrations WHERE code = ?1")?
            .query_row(params![code.as_str()], |r| r.get(0))
            .optional()?;
        if taken.is_none() {
            return Ok(code);
        }
    }
    Err(StoreError::Backend(
        "could not find a free confirmation code".into(),
    ))
}

/// Where a new registration lands: an application for a lottery course not yet drawn; else a
/// place while places remain, then the waitlist.
fn placement(
    tx: &Transaction<'_>,
    r: &NewRegistration,
) -> Result<(RegistrationStatus, Option<u32>), StoreError> {
    if r.allocation == Allocation::Lottery {
        if super::draw::drawn(tx, &r.course)? {
            return Err(StoreError::AlreadyDrawn);
        }
        return Ok((RegistrationStatus::Applied, None));
    }
    let (confirmed, waitlisted) = counts(tx, &r.course)?;
    if confirmed < r.capacity {
        Ok((RegistrationStatus::Confirmed, None))
    } else if waitlisted < r.waitlist {
        Ok((RegistrationStatus::Waitlisted, Some(waitlisted + 1)))
    } else {
        Err(StoreError::Full)
    }
}

pub(super) fn register(
    tx: &Transaction<'_>,
    r: &NewRegistration,
) -> Result<Registered, StoreError> {
    let same_child: Option<i64> = tx
        .prepare_cached(
            "SELECT 1 FROM registrations
             WHERE course = ?1 AND person = ?2 AND child_name = ?3 AND status <> 'cancelled'",
        )?
        .query_row(
            params![r.course.as_str(), r.person.as_str(), r.child_name.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    if same_child.is_some() {
        return Err(StoreError::Duplicate);
    }
    let held: i64 = tx
        .prepare_cached(
            "SELECT COUNT(*) FROM registrations
             WHERE course = ?1 AND person = ?2 AND status <> 'cancelled'",
        )?
        .query_row(params![r.course.as_str(), r.person.as_str()], |row| {
            row.get(0)
        })?;
    if count(held) >= r.max_per_guardian {
        return Err(StoreError::GuardianLimit {
            max: r.max_per_guardian,
        });
    }
    let (status, waitlist_position) = placement(tx, r)?;
    let code = fresh_code(tx)?;
    let token = CancelToken::random();
    tx.prepare_cached(
        "INSERT INTO registrations (code, token_hash, course, status, guardian_name, phone,
             person, child_name, child_age, created_at, updated_at, expires_at, reach, remind_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        code.as_str(),
        token.hash(),
        r.course.as_str(),
        status.as_str(),
        r.guardian_name.as_str(),
        r.phone.digits(),
        r.person.as_str(),
        r.child_name.as_str(),
        r.child_age.get(),
        r.at.to_rfc3339(),
        r.expires_at.timestamp(),
        r.kept_reach(status).map(SealedPhone::to_stored),
        r.remind_at,
    ])?;
    if let (RegistrationStatus::Confirmed, Some(phone)) = (status, &r.reach) {
        let message = NewMessage::confirmed(&code, &r.course, r.person.clone(), phone.clone());
        super::outbox::queue_all(tx, &message.and_reminder(r.remind_at, r.at.timestamp()))?;
    }
    Ok(Registered {
        status,
        code,
        token,
        waitlist_position,
    })
}

/// The first waiter's id, code, person, sealed number and reminder time.
type Waiter = (i64, String, String, Option<String>, Option<i64>);

/// The row behind a code, once the token has been checked against it.
struct Row {
    id: i64,
    course: String,
    status: RegistrationStatus,
    child_name: String,
    created_at: String,
}

fn find(
    tx: &Transaction<'_>,
    code: &ConfirmationCode,
    token: &CancelToken,
) -> Result<Row, StoreError> {
    let found = tx
        .prepare_cached(
            "SELECT id, course, status, token_hash, child_name, created_at
             FROM registrations WHERE code = ?1",
        )?
        .query_row(params![code.as_str()], |r| {
            let row = Row {
                id: r.get(0)?,
                course: r.get(1)?,
                status: RegistrationStatus::Confirmed,
                child_name: r.get(4)?,
                created_at: r.get(5)?,
            };
            Ok((row, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })
        .optional()?;
    let (mut row, status, token_hash) = found.ok_or(StoreError::NotFound)?;
    if !token.matches(&token_hash) {
        return Err(StoreError::BadToken);
    }
    row.status = RegistrationStatus::parse(&status)
        .ok_or_else(|| StoreError::Backend(format!("unknown registration status {status:?}")))?;
    Ok(row)
}

pub(super) fn cancel(
    tx: &Transaction<'_>,
    code: &ConfirmationCode,
    token: &CancelToken,
) -> Result<Cancellation, StoreError> {
    cancel_row(tx, find(tx, code, token)?)
}

/// Cancels a registration already found, promoting the first waitlisted into a freed place.
fn cancel_row(tx: &Transaction<'_>, row: Row) -> Result<Cancellation, StoreError> {
    if row.status == RegistrationStatus::Cancelled {
        return Err(StoreError::AlreadyCancelled);
    }
    let now = crate::clock::china_now().to_rfc3339();
    tx.prepare_cached(
        "UPDATE registrations SET status = 'cancelled', updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![row.id, now])?;
    let mut promoted = None;
    if row.status == RegistrationStatus::Confirmed {
        // The first waitlisted registration moves up: in draw order for a drawn course, else
        // the earliest (lowest id: ids follow commit order).
        let first: Option<Waiter> = tx
            .prepare_cached(
                "SELECT id, code, person, reach, remind_at FROM registrations
                 WHERE course = ?1 AND status = 'waitlisted' ORDER BY draw_rank, id LIMIT 1",
            )?
            .query_row(params![row.course], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        if let Some((id, code, person, reach, remind_at)) = first {
            tx.prepare_cached(
                "UPDATE registrations SET status = 'confirmed', updated_at = ?2, reach = NULL
                 WHERE id = ?1",
            )?
            .execute(params![id, now])?;
            let code = ConfirmationCode::parse(&code).map_err(|_| {
                StoreError::Backend(format!("the store holds a malformed code {code:?}"))
            })?;
            let course: CourseId = parse_id(row.course.clone())?;
            let person = PersonKey::from_stored(person);
            if let Some(phone) = reach.as_deref().and_then(SealedPhone::from_stored) {
                let message = NewMessage::promoted(&code, &course, person, phone);
                let now = crate::clock::china_now().timestamp();
                super::outbox::queue_all(tx, &message.and_reminder(remind_at, now))?;
            }
            promoted = Some(code);
        }
    }
    Ok(Cancellation {
        course: parse_id(row.course)?,
        was: row.status,
        promoted,
    })
}

pub(super) fn view(
    tx: &Transaction<'_>,
    code: &ConfirmationCode,
    token: &CancelToken,
) -> Result<RegistrationView, StoreError> {
    let row = find(tx, code, token)?;
    let waitlist_position = if row.status == RegistrationStatus::Waitlisted {
        let ahead: i64 = tx
            .prepare_cached(
                "SELECT COUNT(*) FROM registrations AS w, registrations AS me
             WHERE me.id = ?2 AND w.course = ?1 AND w.status = 'waitlisted'
               AND (COALESCE(w.draw_rank, 0), w.id) <= (COALESCE(me.draw_rank, 0), me.id)",
            )?
            .query_row(params![row.course, row.id], |r| r.get(0))?;
        Some(count(ahead))
    } else {
        None
    };
    Ok(RegistrationView {
        code: code.clone(),
        course: parse_id(row.course)?,
        status: row.status,
        waitlist_position,
        child_name: mask_name(&row.child_name),
        registered_at: parse_time(&row.created_at)?,
    })
}

/// Cancels every open registration of `person` (promoting waiters as a cancellation does) and
/// deletes all their registrations. Returns how many rows went.
pub(super) fn forget(tx: &Transaction<'_>, person: &str) -> Result<u32, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT id, course, status, child_name, created_at FROM registrations
         WHERE person = ?1 AND status <> 'cancelled' ORDER BY id",
    )?;
    let open = stmt
        .query_map(params![person], |r| {
            Ok((
                Row {
                    id: r.get(0)?,
                    course: r.get(1)?,
                    status: RegistrationStatus::Confirmed,
                    child_name: r.get(3)?,
                    created_at: r.get(4)?,
                },
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (mut row, status) in open {
        row.status = RegistrationStatus::parse(&status).ok_or_else(|| {
            StoreError::Backend(format!("unknown registration status {status:?}"))
        })?;
        cancel_row(tx, row)?;
    }
    let gone = tx.execute(
        "DELETE FROM registrations WHERE person = ?1",
        params![person],
    )?;
    Ok(u32::try_from(gone).unwrap_or(u32::MAX))
}
