//! China time (UTC+08:00, no daylight saving) and a swappable clock, so tests can fix "today".

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

/// A source of "now" in China time.
pub type Clock = Arc<dyn Fn() -> DateTime<FixedOffset> + Send + Sync>;

/// UTC+08:00, the only time zone the service deals in.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// Now, in China time.
pub fn china_now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&china_offset())
}

/// The real clock.
pub fn system_clock() -> Clock {
    Arc::new(china_now)
}

/// A clock stopped at `at`: for tests and for replaying a day.
pub fn fixed_clock(at: DateTime<FixedOffset>) -> Clock {
    Arc::new(move || at)
}
