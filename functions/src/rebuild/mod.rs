//! Rebuilding the site on AWS when what it shows changes: the logic of the Lambda function
//! that consumes the table's DynamoDB stream (`src/bin/rebuild.rs` only wires it up).
//!
//! Per batch of stream records: pick the records that change the site ([`filter`]); if there
//! are any, call the build hook once, retrying with exponential backoff; if it still fails,
//! report those records as failed (`batchItemFailures`, by sequence number) so Lambda hands
//! them over again. A batch with no site change calls nothing: tallies alone never rebuild.

pub mod filter;
pub mod hook;

use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};

pub use filter::{site_change, SiteChange};
pub use hook::{BuildHook, HookError, HttpHook};

/// How often and how patiently the hook is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Calls in all, the first included.
    pub attempts: u32,
    /// The wait after the first failure; each further wait doubles, up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Retry {
    /// Four calls over about seven seconds: well inside a Lambda's timeout.
    fn default() -> Self {
        Self {
            attempts: 4,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(4),
        }
    }
}

impl Retry {
    /// The wait before call number `attempt` (0-based; the first call does not wait).
    pub fn delay(&self, attempt: u32) -> Duration {
        if attempt == 0 {
            return Duration::ZERO;
        }
        let factor = 2u32.saturating_pow(attempt - 1);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// What one batch came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Records that change the site.
    pub site_changes: usize,
    /// Hook calls made (0 when nothing changed).
    pub calls: u32,
    /// The hook's last error, if it never succeeded.
    pub error: Option<HookError>,
    /// The answer for Lambda.
    pub response: DynamoDbEventResponse,
}

/// Calls `hook` until it succeeds, a permanent error, or the attempts run out.
async fn call_with_retry(
    hook: &dyn BuildHook,
    why: &str,
    retry: &Retry,
) -> (u32, Option<HookError>) {
    let mut last = None;
    for attempt in 0..retry.attempts.max(1) {
        tokio::time::sleep(retry.delay(attempt)).await;
        match hook.trigger(why).await {
            Ok(()) => return (attempt + 1, None),
            Err(e) => {
                tracing::warn!(attempt = attempt + 1, error = %e, "the build hook failed");
                let permanent = e.is_permanent();
                last = Some(e);
                if permanent {
                    return (attempt + 1, last);
                }
            }
        }
    }
    (retry.attempts.max(1), last)
}

/// Handles one batch of stream records.
pub async fn handle(event: &Event, hook: &dyn BuildHook, retry: &Retry) -> BatchOutcome {
    let changed: Vec<_> = (event.records.iter())
        .filter_map(|r| site_change(r).map(|kind| (r, kind)))
        .collect();
    let mut outcome = BatchOutcome {
        site_changes: changed.len(),
        calls: 0,
        error: None,
        response: DynamoDbEventResponse::default(),
    };
    if changed.is_empty() {
        return outcome;
    }
    let schedule = changed
        .iter()
        .filter(|(_, k)| *k == SiteChange::Schedule)
        .count();
    let why = format!(
        "{} schedule change(s), {} wish change(s)",
        schedule,
        changed.len() - schedule
    );
    let (calls, error) = call_with_retry(hook, &why, retry).await;
    outcome.calls = calls;
    if error.is_some() {
        outcome.response.batch_item_failures = (changed.iter())
            .map(|(r, _)| {
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = r.change.sequence_number.clone();
                failure
            })
            .collect();
    }
    outcome.error = error;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let r = Retry::default();
        let secs: Vec<u64> = (0..6).map(|a| r.delay(a).as_secs()).collect();
        assert_eq!(secs, vec![0, 1, 2, 4, 4, 4]);
    }

    #[test]
    fn permanent_errors_are_client_faults() {
        let status = |status| HookError::Status {
            status,
            body: String::new(),
        };
        assert!(status(401).is_permanent() && status(404).is_permanent());
        assert!(!status(429).is_permanent() && !status(500).is_permanent());
        assert!(!HookError::Transport("timeout".into()).is_permanent());
    }
}
