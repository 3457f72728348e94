//! Items as the SDK sees them (maps of `AttributeValue`), built and read without panics.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;

use super::keys::{EXPIRES, TTL};
use crate::domain::SealedPhone;
use crate::store::{StoreError, Time, PERSONAL_DATA_DAYS};

/// Days between a record's expiry and its TTL: the purge job's margin.
pub(super) const TTL_GRACE_DAYS: i64 = 7;

/// When data about a person, recorded at `at`, may be purged (epoch seconds).
pub(super) fn personal_expiry(at: &Time) -> i64 {
    (*at + chrono::Duration::days(PERSONAL_DATA_DAYS)).timestamp()
}

/// One item, or a key, or a set of expression values.
pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn n(v: impl Display) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(super) fn flag(v: bool) -> AttributeValue {
    AttributeValue::Bool(v)
}

/// Builds an item attribute by attribute; `None` values are left out (DynamoDB has no NULL
/// columns, an absent attribute is the absence).
pub(super) struct ItemBuilder(Item);

impl ItemBuilder {
    pub(super) fn new(key: Item) -> Self {
        Self(key)
    }

    pub(super) fn s(mut self, name: &str, v: impl Into<String>) -> Self {
        self.0.insert(name.to_owned(), s(v));
        self
    }

    pub(super) fn opt_s(self, name: &str, v: Option<&str>) -> Self {
        match v {
            Some(v) => self.s(name, v),
            None => self,
        }
    }

    pub(super) fn opt_n(self, name: &str, v: Option<i64>) -> Self {
        match v {
            Some(v) => self.n(name, v),
            None => self,
        }
    }

    /// A sealed number, when there is one to keep.
    pub(super) fn sealed(self, name: &str, v: Option<&SealedPhone>) -> Self {
        match v {
            Some(v) => self.s(name, v.to_stored()),
            None => self,
        }
    }

    pub(super) fn n(mut self, name: &str, v: impl Display) -> Self {
        self.0.insert(name.to_owned(), n(v));
        self
    }

    pub(super) fn time(self, name: &str, at: &Time) -> Self {
        self.s(name, at.to_rfc3339())
    }

    /// Marks personal data: `purge_expired` deletes it after `expires_at` (epoch seconds), and
    /// DynamoDB's TTL deletes it a grace period later if purge has not run.
    pub(super) fn expiring(self, expires_at: i64) -> Self {
        self.n(EXPIRES, expires_at)
            .n(TTL, expires_at + TTL_GRACE_DAYS * 86_400)
    }

    pub(super) fn build(self) -> Item {
        self.0
    }
}

fn malformed(name: &str, what: &str) -> StoreError {
    StoreError::Backend(format!(
        "dynamodb: attribute {name:?} is missing or not {what}"
    ))
}

/// Typed reads of an item's attributes; a wrong or missing attribute is a backend error.
pub(super) trait Read {
    fn opt_str(&self, name: &str) -> Option<&str>;
    fn opt_num(&self, name: &str) -> Result<Option<i64>, StoreError>;

    fn str(&self, name: &str) -> Result<&str, StoreError> {
        self.opt_str(name)
            .ok_or_else(|| malformed(name, "a string"))
    }

    fn num(&self, name: &str) -> Result<i64, StoreError> {
        self.opt_num(name)?
            .ok_or_else(|| malformed(name, "a number"))
    }

    fn num_or_zero(&self, name: &str) -> Result<i64, StoreError> {
        Ok(self.opt_num(name)?.unwrap_or(0))
    }

    fn id<T: TryFrom<String>>(&self, name: &str) -> Result<T, StoreError> {
        let raw = self.str(name)?;
        T::try_from(raw.to_owned())
            .map_err(|_| StoreError::Backend(format!("dynamodb: malformed id {raw:?} in {name}")))
    }

    fn time(&self, name: &str) -> Result<Time, StoreError> {
        parse_time(self.str(name)?)
    }

    fn opt_time(&self, name: &str) -> Result<Option<Time>, StoreError> {
        self.opt_str(name).map(parse_time).transpose()
    }
}

impl Read for Item {
    fn opt_str(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(AttributeValue::S(v)) => Some(v),
            _ => None,
        }
    }

    fn opt_num(&self, name: &str) -> Result<Option<i64>, StoreError> {
        match self.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(v)) => v
                .parse()
                .map(Some)
                .map_err(|_| malformed(name, "an integer")),
            Some(_) => Err(malformed(name, "a number")),
        }
    }
}

pub(super) fn parse_time(raw: &str) -> Result<Time, StoreError> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map_err(|_| StoreError::Backend(format!("dynamodb: malformed time {raw:?}")))
}

/// Counts fit in u32 for any real county; saturate rather than wrap if one ever did not.
pub(super) fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// A key that sorts in the order writes happened: nanoseconds of the real clock, made strictly
/// increasing within this process. It orders exports and breaks ties between equal business
/// times the way SQLite's row ids do (the clock of a test may be stopped; this one is not).
pub(super) fn arrival() -> String {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    let previous = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(now.max(last + 1))
        })
        .unwrap_or(now);
    format!("{:020}", now.max(previous + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_strictly_increase_and_sort_as_text() {
        let keys: Vec<String> = (0..1000).map(|_| arrival()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.iter().all(|k| k.len() == 20));
    }

    #[test]
    fn reads_report_missing_and_malformed_attributes() {
        let item: Item = [("a".to_owned(), s("x")), ("b".to_owned(), n("zz"))].into();
        assert_eq!(item.str("a").unwrap(), "x");
        assert!(item.num("a").is_err());
        assert!(item.num("b").is_err());
        assert_eq!(item.num_or_zero("c").unwrap(), 0);
        assert!(item.str("c").is_err());
    }
}
