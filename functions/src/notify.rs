//! Sends what the outbox holds: each due message is claimed (so no two senders send it),
//! written out with the catalogue's words, and sent; a passing failure is tried again later
//! with a growing wait, a permanent one is recorded for staff. Nothing is sent between 21:00
//! and 08:00 China time, and one number gets at most [`DAILY_CAP`] such texts a day.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Timelike};

use crate::catalogue::Catalogue;
use crate::domain::DataKey;
use crate::sms::{Message, Sms, SmsError, Template};
use crate::store::{Attempt, LimitKey, MessageKind, QueuedMessage, Settled, Store, StoreError};

/// Quiet hours, China time: from 21:00 to 08:00 nothing is sent.
pub const QUIET_FROM_HOUR: u32 = 21;
pub const QUIET_UNTIL_HOUR: u32 = 8;
/// Texts (besides verification codes) one number may get in a day.
pub const DAILY_CAP: u32 = 3;
/// Tries before a message is given up on.
pub const MAX_TRIES: u32 = 6;
/// Messages taken per round.
const BATCH: u32 = 50;

/// What one round of sending did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub sent: u32,
    pub retried: u32,
    pub failed: u32,
    /// Quiet hours: nothing was looked at.
    pub quiet: bool,
}

/// The first moment at or after `now` outside quiet hours (China time).
pub fn allowed_from(now: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    let china = now.with_timezone(&crate::clock::china_offset());
    let hour = china.hour();
    if (QUIET_UNTIL_HOUR..QUIET_FROM_HOUR).contains(&hour) {
        return china;
    }
    let day = if hour >= QUIET_FROM_HOUR {
        china.date_naive() + Duration::days(1)
    } else {
        china.date_naive()
    };
    let morning = NaiveTime::from_hms_opt(QUIET_UNTIL_HOUR, 0, 0).unwrap_or_default();
    (day.and_time(morning)
        .and_local_timezone(crate::clock::china_offset()))
    .single()
    .unwrap_or(china)
}

/// The `notify` function's handler: whatever woke it (a stream batch of outbox items, the
/// schedule), sends what the outbox says is due, and reports it in the log and the answer.
/// A failed send is recorded in the outbox for a later try, not thrown back to Lambda: a
/// re-delivered batch would send nothing new anyway.
pub async fn on_wake(
    state: &crate::api::ApiState,
    event: &serde_json::Value,
) -> Result<Report, StoreError> {
    let records = event["Records"].as_array().map_or(0, Vec::len);
    let report = state.send_messages().await?;
    tracing::info!(
        records,
        sent = report.sent,
        retried = report.retried,
        failed = report.failed,
        quiet = report.quiet,
        "notify: texts to residents"
    );
    Ok(report)
}

/// What the sender works with: the store, the provider, the catalogue's words and the key
/// that opens the numbers.
pub struct Sender<'a> {
    pub store: &'a dyn Store,
    pub sms: &'a dyn Sms,
    pub catalogue: &'a Catalogue,
    pub key: &'a DataKey,
}

/// Sends every message due at `now`, in rounds of [`BATCH`].
pub async fn send_due(
    sender: &Sender<'_>,
    now: DateTime<FixedOffset>,
) -> Result<Report, StoreError> {
    let store = sender.store;
    let mut report = Report::default();
    if allowed_from(now) > now {
        report.quiet = true;
        return Ok(report);
    }
    loop {
        let due = store.due_messages(now.timestamp(), BATCH).await?;
        if due.is_empty() {
            return Ok(report);
        }
        for message in due {
            if !store.claim_message(&message.key).await? {
                continue;
            }
            let settled = send_one(sender, &message, now).await?;
            match settled {
                Settled::Sent => report.sent += 1,
                Settled::Retry { .. } => report.retried += 1,
                Settled::Failed { .. } => report.failed += 1,
            }
            tracing::info!(kind = message.kind.as_str(), outcome = ?settled.state(), "a text to a resident");
            store
                .settle_message(&message.key, settled, now.timestamp())
                .await?;
        }
    }
}

/// Sends one claimed message; what came of it.
async fn send_one(
    sender: &Sender<'_>,
    message: &QueuedMessage,
    now: DateTime<FixedOffset>,
) -> Result<Settled, StoreError> {
    let Some(sealed) = &message.phone else {
        return Ok(Settled::Failed {
            error: "no number kept".into(),
        });
    };
    let phone = match sender.key.open(sealed) {
        Ok(phone) => phone,
        Err(e) => {
            return Ok(Settled::Failed {
                error: e.to_string(),
            })
        }
    };
    let store = sender.store;
    let key = LimitKey::person(&message.person).for_messages();
    let today = store
        .count_attempt(Attempt::new(key, now.timestamp(), 24 * 3600))
        .await?;
    if today > DAILY_CAP {
        let tomorrow = allowed_from(now + Duration::days(1)).timestamp();
        let error = "the number's daily cap".to_owned();
        return Ok(Settled::Retry {
            at: tomorrow,
            error,
        });
    }
    let (template, params) = words(sender.catalogue, message);
    let text = Message {
        phone,
        template,
        params,
    };
    Ok(match sender.sms.send(&text).await {
        Ok(()) => Settled::Sent,
        Err(e) => outcome_of(e, message.tries, now),
    })
}

/// A refusal's consequence: the vendor's limit waits for tomorrow, a transport error or a
/// configuration problem is tried again with a growing wait, a refused message is given up.
fn outcome_of(e: SmsError, tries: u32, now: DateTime<FixedOffset>) -> Settled {
    let error = e.to_string();
    match e {
        SmsError::NumberLimit { .. } => Settled::Retry {
            at: allowed_from(now + Duration::days(1)).timestamp(),
            error,
        },
        SmsError::Refused { .. } => Settled::Failed { error },
        _ if tries >= MAX_TRIES => Settled::Failed { error },
        _ => {
            let wait = 60_i64 << tries.min(10);
            Settled::Retry {
                at: now.timestamp() + wait.min(6 * 3600),
                error,
            }
        }
    }
}

/// The template and its parameters, with titles, dates and places from the catalogue.
fn words(
    catalogue: &Catalogue,
    message: &QueuedMessage,
) -> (Template, Vec<(&'static str, String)>) {
    let param = |name: &str| message.params.get(name).cloned().unwrap_or_default();
    match message.kind {
        MessageKind::Promoted => (Template::Promoted, course_words(catalogue, &param)),
        MessageKind::Confirmed => (Template::Confirmed, course_words(catalogue, &param)),
        MessageKind::Scheduled => {
            let program = param("program");
            let title = (catalogue.programs.iter())
                .find(|(id, _)| id.as_str() == program)
                .map_or(program.clone(), |(_, p)| p.title.clone());
            let mut params = vec![("program", title)];
            params.extend(slot_words(catalogue, &param("slot")));
            params.retain(|(name, _)| *name != "township");
            (Template::Scheduled, params)
        }
        MessageKind::Lecture => {
            let lecturer = param("lecturer");
            let name = (catalogue.lecturers.iter())
                .find(|(id, _)| id.as_str() == lecturer)
                .map_or(lecturer.clone(), |(_, l)| l.name.clone());
            let mut params = vec![("lecturer", name)];
            params.extend(slot_words(catalogue, &param("slot")));
            params.retain(|(name, _)| *name != "time");
            (Template::Lecture, params)
        }
        MessageKind::Reminder => (Template::Reminder, reminder_words(catalogue, &param)),
        MessageKind::Answered => {
            let township = param("township");
            let name = (catalogue.townships.iter())
                .find(|(id, _)| id.as_str() == township)
                .map_or_else(|| "本县".to_owned(), |(_, t)| t.name.clone());
            (Template::Answered, vec![("township", name)])
        }
    }
}

/// Tomorrow's stage (a `SCHEDULED`'s parameters) or first session (a place's).
fn reminder_words(
    catalogue: &Catalogue,
    param: &dyn Fn(&str) -> String,
) -> Vec<(&'static str, String)> {
    let (slot, program, course) = (param("slot"), param("program"), param("course"));
    let (what, when) =
        if let Some((_, s)) = catalogue.slots.iter().find(|(id, _)| id.as_str() == slot) {
            let title = (catalogue.programs.iter())
                .find(|(id, _)| id.as_str() == program)
                .map_or(program.clone(), |(_, p)| p.title.clone());
            let date = s.date.and_time(s.time);
            (format!("“{title}”在{}演出", s.venue), Some(date))
        } else {
            let facts = (catalogue.courses.iter()).find(|(id, _)| id.as_str() == course);
            let title = facts.map_or(course.clone(), |(_, f)| f.title.clone());
            let first = facts
                .and_then(|(_, f)| f.sessions.first())
                .map(|t| t.naive_local());
            (format!("“{title}”第一次上课"), first)
        };
    let date = when.map_or_else(String::new, |t| t.format("%-m月%-d日").to_string());
    let time = when.map_or_else(String::new, |t| t.format("%H:%M").to_string());
    vec![("what", what), ("date", date), ("time", time)]
}

/// A course's title, the registration's code and the first session.
fn course_words(
    catalogue: &Catalogue,
    param: &dyn Fn(&str) -> String,
) -> Vec<(&'static str, String)> {
    let course = param("course");
    let facts = (catalogue.courses.iter()).find(|(id, _)| id.as_str() == course);
    let title = facts.map_or(course.clone(), |(_, f)| f.title.clone());
    let first = (facts.and_then(|(_, f)| f.sessions.first()))
        .map(|t| t.format("%-m月%-d日 %H:%M").to_string())
        .unwrap_or_else(|| "另行通知".into());
    vec![("course", title), ("code", param("code")), ("first", first)]
}

/// A slot's date, time, township and venue.
fn slot_words(catalogue: &Catalogue, slot: &str) -> Vec<(&'static str, String)> {
    let facts = (catalogue.slots.iter()).find(|(id, _)| id.as_str() == slot);
    let Some((_, s)) = facts else {
        let later = || "另行通知".to_owned();
        return vec![
            ("date", later()),
            ("time", later()),
            ("township", later()),
            ("venue", later()),
        ];
    };
    let township = (catalogue.townships.get(&s.township))
        .map_or_else(|| s.township.to_string(), |t| t.name.clone());
    vec![
        ("date", s.date.format("%-m月%-d日").to_string()),
        ("time", s.time.format("%H:%M").to_string()),
        ("township", township),
        ("venue", s.venue.clone()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn quiet_hours_hold_messages_until_eight_in_the_morning() {
        let day = at("2026-12-15T14:00:00+08:00");
        assert_eq!(allowed_from(day), day);
        assert_eq!(
            allowed_from(at("2026-12-15T08:00:00+08:00")),
            at("2026-12-15T08:00:00+08:00")
        );
        assert_eq!(
            allowed_from(at("2026-12-15T20:59:59+08:00")),
            at("2026-12-15T20:59:59+08:00")
        );
        assert_eq!(
            allowed_from(at("2026-12-15T21:00:00+08:00")),
            at("2026-12-16T08:00:00+08:00")
        );
        assert_eq!(
            allowed_from(at("2026-12-16T03:30:00+08:00")),
            at("2026-12-16T08:00:00+08:00")
        );
        // A UTC clock is read in China time: 22:30 UTC is 06:30 the next morning there.
        assert_eq!(
            allowed_from(at("2026-12-15T22:30:00+00:00")),
            at("2026-12-16T08:00:00+08:00")
        );
    }

    #[test]
    fn failures_wait_longer_each_time_and_refusals_are_final() {
        let now = at("2026-12-15T14:00:00+08:00");
        let transport = || SmsError::Transport("timed out".into());
        let first = outcome_of(transport(), 1, now);
        let later = outcome_of(transport(), 3, now);
        let (Settled::Retry { at: a, .. }, Settled::Retry { at: b, .. }) = (first, later) else {
            panic!("transport errors are retried");
        };
        assert!(a < b, "the wait grows");
        assert!(matches!(
            outcome_of(transport(), MAX_TRIES, now),
            Settled::Failed { .. }
        ));
        let refused = SmsError::Refused {
            code: "isv.MOBILE_NUMBER_ILLEGAL".into(),
            message: String::new(),
        };
        assert!(matches!(
            outcome_of(refused, 1, now),
            Settled::Failed { .. }
        ));
        let limit = SmsError::NumberLimit {
            code: "isv.BUSINESS_LIMIT_CONTROL".into(),
        };
        let Settled::Retry { at: next, .. } = outcome_of(limit, 1, now) else {
            panic!("the vendor's limit waits");
        };
        assert_eq!(next, at("2026-12-16T14:00:00+08:00").timestamp());
    }
}
