//! Counts by month that the open data and the monthly reports publish: how much residents
//! asked for and how much of it was answered, with nothing about who asked.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Time;
use crate::clock::china_offset;

/// What came in during one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthActivity {
    /// Orders placed, open or since fulfilled.
    pub orders: u32,
    /// Nominations made (withdrawn ones are gone).
    pub nominations: u32,
    /// Wishes written this month that staff did not hide.
    pub wishes: u32,
    /// Wishes staff answered this month.
    pub answered: u32,
}

/// Counts by month (`yyyy-mm`, China time) and the wishes still waiting for an answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub months: BTreeMap<String, MonthActivity>,
    /// Wishes, not hidden, with no reply yet.
    pub pending_wishes: u32,
}

impl Activity {
    /// The counts of `month`, made on first use.
    pub fn month(&mut self, month: String) -> &mut MonthActivity {
        self.months.entry(month).or_default()
    }
}

/// `2026-12` for a moment, read in China time whatever offset it was stored with.
pub fn month_of(at: &Time) -> String {
    at.with_timezone(&china_offset())
        .format("%Y-%m")
        .to_string()
}

/// `2026-12` for a day.
pub fn month_of_day(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_read_in_china_time() {
        let late = chrono::DateTime::parse_from_rfc3339("2026-11-30T20:00:00+00:00").unwrap();
        assert_eq!(month_of(&late), "2026-12", "04:00 on 1 December in Fuzhou");
        let mut a = Activity::default();
        a.month(month_of(&late)).orders += 1;
        a.month("2026-12".into()).orders += 1;
        assert_eq!(a.months["2026-12"].orders, 2);
    }
}
