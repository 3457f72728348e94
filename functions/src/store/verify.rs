//! Text-message codes and the devices that proved a phone with one: what the store keeps of
//! them (keyed hashes and counters, never a code, a token or a number) and the rules every
//! backend applies the same way, written once here so SQLite and DynamoDB cannot drift apart.

use crate::domain::PersonKey;

/// How long a code is good for: any number of submissions from its phone in that time.
pub const CODE_SECS: i64 = 10 * 60;
/// Wrong tries that burn a code.
pub const MAX_TRIES: u32 = 5;
/// The shortest gap between two codes for one number.
pub const RESEND_SECS: i64 = 60;
/// Codes per number in an hour (counted from the first of them).
pub const PER_HOUR: u32 = 5;
/// Codes per number in a day (counted from the first of them).
pub const PER_DAY: u32 = 10;
/// How long a verified device stays verified.
pub const DEVICE_SECS: i64 = 30 * 24 * 3600;

const HOUR: i64 = 3600;
const DAY: i64 = 24 * 3600;

/// A code to store for a person: its keyed hash and when it was sent (seconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    pub person: PersonKey,
    pub hash: String,
    pub at: i64,
}

/// What came of asking for a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issued {
    /// Stored (replacing any earlier code of the number): send it.
    Sent,
    /// Past a per-number limit: nothing stored; ask again in this many seconds.
    Wait(u32),
}

/// What a submitted code is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The number's current code: the submission counts.
    Valid,
    /// Not the code; `tries_left` more wrong ones burn it (0: it is burnt now).
    Wrong { tries_left: u32 },
    /// No code to check against: none sent, expired, or burnt.
    Missing,
}

/// A verified device: the keyed hash of its token, whose phone it proved, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub token_hash: String,
    pub person: PersonKey,
    pub expires_at: i64,
}

/// One number's code and sending counters, as both backends keep them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeState {
    /// The current code's keyed hash; `None` once burnt.
    pub hash: Option<String>,
    pub expires_at: i64,
    pub tries: u32,
    pub last_sent: i64,
    pub hour_start: i64,
    pub hour_sent: u32,
    pub day_start: i64,
    pub day_sent: u32,
}

impl CodeState {
    /// The state after sending `hash` at `at`, or how long to wait when a limit forbids it.
    pub fn issue(previous: Option<&CodeState>, hash: String, at: i64) -> Result<Self, u32> {
        let prev = previous.cloned().unwrap_or_default();
        let fresh = previous.is_none();
        let wait = |until: i64| u32::try_from((until - at).max(1)).unwrap_or(u32::MAX);
        if !fresh && at < prev.last_sent + RESEND_SECS {
            return Err(wait(prev.last_sent + RESEND_SECS));
        }
        let (hour_start, hour_sent) = if fresh || at >= prev.hour_start + HOUR {
            (at, 0)
        } else {
            (prev.hour_start, prev.hour_sent)
        };
        let (day_start, day_sent) = if fresh || at >= prev.day_start + DAY {
            (at, 0)
        } else {
            (prev.day_start, prev.day_sent)
        };
        if day_sent >= PER_DAY {
            return Err(wait(day_start + DAY));
        }
        if hour_sent >= PER_HOUR {
            return Err(wait(hour_start + HOUR));
        }
        Ok(Self {
            hash: Some(hash),
            expires_at: at + CODE_SECS,
            tries: 0,
            last_sent: at,
            hour_start,
            hour_sent: hour_sent + 1,
            day_start,
            day_sent: day_sent + 1,
        })
    }

    /// Checks `hash` at `at`, counting a wrong try (the caller stores the changed state).
    pub fn check(&mut self, hash: &str, at: i64) -> CodeCheck {
        let Some(current) = self.hash.as_deref() else {
            return CodeCheck::Missing;
        };
        if at >= self.expires_at {
            return CodeCheck::Missing;
        }
        // Both sides are keyed hashes of equal length; compare without an early exit anyway.
        let same = current.len() == hash.len()
            && subtle::ConstantTimeEq::ct_eq(current.as_bytes(), hash.as_bytes()).into();
        if same {
            return CodeCheck::Valid;
        }
        self.tries += 1;
        if self.tries >= MAX_TRIES {
            self.hash = None;
        }
        CodeCheck::Wrong {
            tries_left: MAX_TRIES.saturating_sub(self.tries),
        }
    }

    /// When the record may be deleted: once neither the code nor the day's counter matters.
    pub fn row_expires(&self) -> i64 {
        self.expires_at.max(self.day_start + DAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(at: i64) -> CodeState {
        CodeState::issue(None, "h".into(), at).unwrap()
    }

    #[test]
    fn one_code_a_minute_five_an_hour_ten_a_day() {
        let mut s = sent(0);
        assert_eq!(CodeState::issue(Some(&s), "h".into(), 59), Err(1));
        for i in 1..5 {
            s = CodeState::issue(Some(&s), "h".into(), i * 60).unwrap();
        }
        assert_eq!(s.hour_sent, 5);
        assert_eq!(CodeState::issue(Some(&s), "h".into(), 300), Err(3300));
        for i in 0..5 {
            s = CodeState::issue(Some(&s), "h".into(), 3600 + i * 60).unwrap();
        }
        assert_eq!(s.day_sent, 10);
        let at = 3 * 3600;
        assert_eq!(
            CodeState::issue(Some(&s), "h".into(), at),
            Err((DAY - at) as u32)
        );
        assert!(CodeState::issue(Some(&s), "h".into(), DAY).is_ok());
    }

    #[test]
    fn five_wrong_tries_burn_a_code_and_it_expires() {
        let mut s = sent(0);
        assert_eq!(s.check("h", 10), CodeCheck::Valid);
        assert_eq!(
            s.check("h", 10),
            CodeCheck::Valid,
            "good for many submissions"
        );
        for left in (0..5).rev() {
            assert_eq!(s.check("x", 20), CodeCheck::Wrong { tries_left: left });
        }
        assert_eq!(s.check("h", 30), CodeCheck::Missing, "burnt");
        let mut s = sent(0);
        assert_eq!(s.check("h", CODE_SECS), CodeCheck::Missing, "expired");
    }
}
