//! The single table's keys: one partition per kind of record, so every list the service needs
//! is one `Query`, and the sort key makes each record's uniqueness rule a conditional write.
//!
//! Ids in keys are slugs (`[a-z0-9-]`), codes (`[A-Z2-9]`) or hex person keys, so `#` never
//! occurs inside one and the keys cannot collide.

use super::item::{s, Item};
use crate::domain::{ConfirmationCode, CourseId, LecturerId, PersonKey, ProgramId, SlotId};
use crate::store::WishId;

/// The partition key attribute.
pub(super) const PK: &str = "pk";
/// The sort key attribute.
pub(super) const SK: &str = "sk";
/// Epoch seconds after which DynamoDB's TTL may delete the item (the backstop of purge).
pub(super) const TTL: &str = "ttl";
/// Epoch seconds after which `purge_expired` deletes the record (and fixes the counters).
pub(super) const EXPIRES: &str = "expires_at";

/// Partitions (values of `pk`).
pub(super) mod part {
    pub const ORDERS: &str = "ORDERS";
    pub const NOMINATIONS: &str = "NOMINATIONS";
    pub const LECTURE_REQUESTS: &str = "LECTURE_REQUESTS";
    pub const REGISTRATIONS: &str = "REGISTRATIONS";
    pub const WISHES: &str = "WISHES";
    pub const RATINGS: &str = "RATINGS";
    pub const COUNTS: &str = "COUNTS";
    pub const SEQUENCES: &str = "SEQUENCES";
    pub const ASSIGNMENTS: &str = "ASSIGNMENTS";
    pub const PERFORMANCES: &str = "PERFORMANCES";
    pub const ADMIN_LOG: &str = "ADMIN_LOG";
    /// Abuse-limit counters, deleted by TTL when their window has passed.
    pub const LIMITS: &str = "LIMITS";
    /// Text-message codes, one item per number (its person key), deleted by TTL.
    pub const SMS_CODES: &str = "SMS_CODES";
    /// Verified devices by their token's keyed hash, deleted by TTL after 30 days.
    pub const DEVICES: &str = "DEVICES";
    /// Text messages owed to residents, by key (`PROMOTED#<code>`).
    pub const OUTBOX: &str = "OUTBOX";
    /// `COURSE#<course>`: the course's child guards, guardian slots, applications and waitlist.
    pub const COURSE_PREFIX: &str = "COURSE#";
    /// Lottery courses' draws, one item per course.
    pub const DRAWS: &str = "DRAWS";
    /// Staff accounts, by name.
    pub const ACCOUNTS: &str = "ACCOUNTS";
    /// Login sessions by the SHA-256 of their id, deleted by TTL a day after they idle out.
    pub const SESSIONS: &str = "SESSIONS";
    /// Runs of wrong passwords per keyed account or client, deleted by TTL.
    pub const LOGIN_FAILURES: &str = "LOGIN_FAILURES";
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub(super) fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    pub(super) fn item(&self) -> Item {
        [(PK.to_owned(), s(&self.pk)), (SK.to_owned(), s(&self.sk))].into()
    }
}

/// The open order of a person for a program: at most one exists (a conditional put).
pub(super) fn open_order(program: &ProgramId, person: &PersonKey) -> Key {
    Key::new(part::ORDERS, format!("OPEN#{program}#{}", person.as_str()))
}

pub(super) fn open_orders_of(program: &ProgramId) -> String {
    format!("OPEN#{program}#")
}

pub(super) const OPEN_ORDERS: &str = "OPEN#";

/// A closed (performed) order, kept for the export until it expires.
pub(super) fn closed_order(program: &ProgramId, person: &str, arrival: &str) -> Key {
    Key::new(part::ORDERS, format!("CLOSED#{program}#{person}#{arrival}"))
}

/// A number's current text-message code and its sending counters.
pub(super) fn sms_code(person: &PersonKey) -> Key {
    Key::new(part::SMS_CODES, person.as_str())
}

/// A verified device, by the keyed hash (hex) of its token.
pub(super) fn device(token_hash: &str) -> Key {
    Key::new(part::DEVICES, token_hash)
}

pub(super) fn nomination(lecturer: &LecturerId, person: &PersonKey) -> Key {
    Key::new(part::NOMINATIONS, format!("{lecturer}#{}", person.as_str()))
}

pub(super) fn nominations_of(lecturer: &LecturerId) -> String {
    format!("{lecturer}#")
}

pub(super) fn lecture_request(lecturer: &LecturerId) -> Key {
    Key::new(part::LECTURE_REQUESTS, lecturer.as_str())
}

pub(super) fn registration(code: &ConfirmationCode) -> Key {
    Key::new(part::REGISTRATIONS, code.as_str())
}

pub(super) fn course_part(course: &CourseId) -> String {
    format!("{}{course}", part::COURSE_PREFIX)
}

/// "This child is registered for this course": guards against registering twice.
pub(super) fn child_guard(course: &CourseId, person: &str, child: &str) -> Key {
    Key::new(course_part(course), format!("CHILD#{person}#{child}"))
}

/// One of the `max_per_guardian` places a guardian's phone may hold in a course: slot `k` of
/// the person exists while a registration holds it (a conditional put, like the child guard).
pub(super) fn guardian_slot(course: &CourseId, person: &str, k: u32) -> Key {
    Key::new(
        course_part(course),
        format!("{}{k:03}", guardian_slots_of(person)),
    )
}

pub(super) fn guardian_slots_of(person: &str) -> String {
    format!("GUARDIAN#{person}#")
}

pub(super) const APPLIED: &str = "APPLIED#";

/// A lottery application waiting for the draw: the draw reads the list from these.
pub(super) fn application(course: &CourseId, code: &str) -> Key {
    Key::new(course_part(course), format!("{APPLIED}{code}"))
}

pub(super) fn draw(course: &CourseId) -> Key {
    Key::new(part::DRAWS, course.as_str())
}

pub(super) const WAIT: &str = "WAIT#";

/// A place in a course's waitlist; the sequence number keeps arrival order.
pub(super) fn waitlist_entry(course: &CourseId, seq: i64) -> Key {
    Key::new(course_part(course), waitlist_sk(seq))
}

pub(super) fn waitlist_sk(seq: i64) -> String {
    format!("{WAIT}{seq:010}")
}

pub(super) fn wish(id: WishId) -> Key {
    Key::new(part::WISHES, format!("{WISH}{id:012}"))
}

pub(super) const WISH: &str = "WISH#";

/// Who asked a wish: kept apart so TTL can delete it while the wish stays public.
pub(super) fn wish_contact(id: WishId) -> Key {
    Key::new(part::WISHES, format!("{CONTACT}{id:012}"))
}

pub(super) const CONTACT: &str = "CONTACT#";

pub(super) fn rating(slot: &SlotId, person: &PersonKey) -> Key {
    Key::new(part::RATINGS, format!("{slot}#{}", person.as_str()))
}

/// Counters, all in the `COUNTS` partition so the public tallies are one query.
pub(super) mod counter {
    use super::{part, Key};
    use crate::domain::{CourseId, LecturerId, ProgramId, SlotId, TownshipId};

    pub const ORDERS: &str = "ORDERS#";
    pub const NOMINATIONS: &str = "NOMINATIONS#";
    pub const COURSE: &str = "COURSE#";
    pub const RATINGS: &str = "RATINGS#";

    /// Open orders of a program from one township.
    pub fn orders(program: &ProgramId, township: &TownshipId) -> Key {
        Key::new(part::COUNTS, format!("{ORDERS}{program}#{township}"))
    }

    pub fn orders_of(program: &ProgramId) -> String {
        format!("{ORDERS}{program}#")
    }

    pub fn nominations(lecturer: &LecturerId) -> Key {
        Key::new(part::COUNTS, format!("{NOMINATIONS}{lecturer}"))
    }

    pub fn course(course: &CourseId) -> Key {
        Key::new(part::COUNTS, format!("{COURSE}{course}"))
    }

    pub fn ratings(slot: &SlotId) -> Key {
        Key::new(part::COUNTS, format!("{RATINGS}{slot}"))
    }
}

/// Number sequences (wish ids, admin log ids) in the `SEQUENCES` partition.
pub(super) fn sequence(name: &str) -> Key {
    Key::new(part::SEQUENCES, name)
}

pub(super) fn assignment(slot: &SlotId) -> Key {
    Key::new(part::ASSIGNMENTS, slot.as_str())
}

pub(super) fn performance(slot: &SlotId) -> Key {
    Key::new(part::PERFORMANCES, slot.as_str())
}

pub(super) fn admin_action(id: i64) -> Key {
    Key::new(part::ADMIN_LOG, format!("{id:020}"))
}

/// An abuse-limit counter: one per key and window.
pub(super) fn attempt(key: &str, window_start: i64) -> Key {
    Key::new(part::LIMITS, format!("{key}#{window_start}"))
}

/// The part of a sort key after `prefix`, split at `#`.
pub(super) fn rest<'a>(sk: &'a str, prefix: &str) -> Option<Vec<&'a str>> {
    sk.strip_prefix(prefix)
        .map(|rest| rest.split('#').collect())
}
