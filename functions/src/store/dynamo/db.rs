//! The table as the store's modules use it: reads (strongly consistent, every page), single
//! writes, transactions with their cancellation reasons, and the retry loop for conflicts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ReturnValue, ReturnValuesOnConditionCheckFailure, Select, TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use rand::Rng;
use tokio::sync::OwnedMutexGuard;

use super::expr::{names, Cond, Values};
use super::item::{s, Item};
use super::keys::Key;
use crate::store::StoreError;

/// Transactions that keep conflicting give up after this many attempts (a few seconds).
const MAX_ATTEMPTS: u32 = 40;
const BACKOFF_BASE: Duration = Duration::from_millis(4);
const BACKOFF_CAP: Duration = Duration::from_millis(250);

/// A request that failed: DynamoDB's own refusals by code and message, anything else (no
/// connection, a timeout) with its whole chain of causes.
pub(super) fn backend<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let message = match (&e, e.code()) {
        (_, Some("ResourceNotFoundException")) => "the table does not exist; create it with \
             `diandan store init --store dynamodb:TABLE`"
            .to_owned(),
        (SdkError::ServiceError(_), Some(code)) => {
            format!("{code}: {}", e.message().unwrap_or("no message"))
        }
        _ => DisplayErrorContext(&e).to_string(),
    };
    StoreError::Backend(format!("dynamodb: {message}"))
}

/// The client, the table's name, and this process's per-counter write locks.
pub(super) struct Db {
    pub client: Client,
    pub table: String,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Which sort keys a query reads.
#[derive(Debug, Clone, Copy)]
pub(super) enum Range<'a> {
    All,
    Prefix(&'a str),
    /// Inclusive bounds.
    Between(&'a str, &'a str),
}

/// A query of one partition: every page, strongly consistent, optionally filtered.
#[derive(Debug, Clone)]
pub(super) struct Query<'a> {
    pub pk: &'a str,
    pub range: Range<'a>,
    pub filter: Option<Cond>,
    /// Newest (highest sort key) first.
    pub backwards: bool,
    /// Stop after this many items.
    pub max: Option<usize>,
}

impl<'a> Query<'a> {
    pub(super) fn new(pk: &'a str, range: Range<'a>) -> Self {
        Self {
            pk,
            range,
            filter: None,
            backwards: false,
            max: None,
        }
    }

    pub(super) fn filter(mut self, cond: Cond) -> Self {
        self.filter = Some(cond);
        self
    }

    fn key_condition(&self) -> (&'static str, Values) {
        let values = Values::new().with(":pk", s(self.pk));
        match self.range {
            Range::All => ("#pk = :pk", values),
            Range::Prefix(p) => (
                "#pk = :pk AND begins_with(#sk, :prefix)",
                values.with(":prefix", s(p)),
            ),
            Range::Between(lo, hi) => (
                "#pk = :pk AND #sk BETWEEN :lo AND :hi",
                values.with(":lo", s(lo)).with(":hi", s(hi)),
            ),
        }
    }
}

/// How a single conditional write went.
#[derive(Debug)]
pub(super) enum Written {
    /// Done; for updates, the item as it is now.
    Done(Option<Item>),
    ConditionFailed,
}

/// Why one item of a cancelled transaction stopped it.
#[derive(Debug, Clone, Default)]
pub(super) struct Reason {
    pub code: String,
    /// The item as it was, when its condition failed.
    pub old: Option<Item>,
}

/// How a transaction went. `Cancelled` carries one reason per item, in order.
#[derive(Debug)]
pub(super) enum Tx {
    Committed,
    Cancelled(Vec<Reason>),
}

impl Tx {
    /// Whether item `i`'s condition failed.
    pub(super) fn failed(&self, i: usize) -> bool {
        match self {
            Tx::Committed => false,
            Tx::Cancelled(reasons) => reasons
                .get(i)
                .is_some_and(|r| r.code == "ConditionalCheckFailed"),
        }
    }

    /// Item `i` as it was, when its condition failed.
    pub(super) fn old(&self, i: usize) -> Option<&Item> {
        match self {
            Tx::Committed => None,
            Tx::Cancelled(reasons) => reasons.get(i).and_then(|r| r.old.as_ref()),
        }
    }
}

/// Reasons that only mean "not now": another transaction held an item, or capacity ran short.
fn transient(code: &str) -> bool {
    matches!(
        code,
        "None"
            | ""
            | "TransactionConflict"
            | "ThrottlingError"
            | "ProvisionedThroughputExceeded"
            | "RequestLimitExceeded"
    )
}

impl Db {
    pub(super) fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// Serialises this process's read-modify-write cycles on one counter. Only an optimisation:
    /// correctness comes from the version conditions, which also guard against other processes
    /// (other Lambda instances); without it, concurrent requests here would mostly conflict.
    pub(super) async fn lock(&self, key: &Key) -> OwnedMutexGuard<()> {
        let slot = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(locks.entry(key.sk.clone()).or_default())
        };
        slot.lock_owned().await
    }

    /// The item at `key` (strongly consistent).
    pub(super) async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = (self.client.get_item())
            .table_name(&self.table)
            .set_key(Some(key.item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item)
    }

    /// Every item the query selects, across all pages.
    pub(super) async fn query(&self, q: &Query<'_>) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let remaining = q.max.map(|m| m.saturating_sub(items.len()));
            if remaining == Some(0) {
                break;
            }
            let (page, next) = self.query_page(q, start, remaining, false).await?;
            items.extend(page.0);
            match next {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        if let Some(max) = q.max {
            items.truncate(max);
        }
        Ok(items)
    }

    /// How many items the query selects, across all pages.
    pub(super) async fn count(&self, q: &Query<'_>) -> Result<u32, StoreError> {
        let mut total: u32 = 0;
        let mut start = None;
        loop {
            let (page, next) = self.query_page(q, start, None, true).await?;
            total = total.saturating_add(page.1);
            match next {
                Some(key) => start = Some(key),
                None => return Ok(total),
            }
        }
    }

    async fn query_page(
        &self,
        q: &Query<'_>,
        start: Option<Item>,
        limit: Option<usize>,
        count_only: bool,
    ) -> Result<((Vec<Item>, u32), Option<Item>), StoreError> {
        let (key_text, mut values) = q.key_condition();
        let filter_text = q.filter.as_ref().map(|f| f.text.clone());
        if let Some(f) = &q.filter {
            for (k, v) in f.values.clone().into_option().unwrap_or_default() {
                values = values.with(&k, v);
            }
        }
        let texts: Vec<&str> = [Some(key_text), filter_text.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        // A filter applies after the limit, so a limit is only passed when nothing is filtered.
        let limit = limit
            .filter(|_| q.filter.is_none())
            .map(|l| i32::try_from(l).unwrap_or(i32::MAX));
        let out = (self.client.query())
            .table_name(&self.table)
            .key_condition_expression(key_text)
            .set_filter_expression(filter_text.clone())
            .set_expression_attribute_names(names(&texts))
            .set_expression_attribute_values(values.into_option())
            .consistent_read(true)
            .scan_index_forward(!q.backwards)
            .set_limit(limit)
            .set_select(count_only.then_some(Select::Count))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(backend)?;
        let counted = u32::try_from(out.count).unwrap_or(0);
        let next = out.last_evaluated_key.filter(|k| !k.is_empty());
        Ok(((out.items.unwrap_or_default(), counted), next))
    }

    /// Runs one transaction. Conditions that fail and transient refusals come back as
    /// `Cancelled`; anything else (a malformed request, no such table) is an error.
    pub(super) async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<Tx, StoreError> {
        let sent = (self.client.transact_write_items())
            .set_transact_items(Some(items))
            .send()
            .await;
        let err = match sent {
            Ok(_) => return Ok(Tx::Committed),
            Err(e) => e,
        };
        match err.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
                let reasons: Vec<Reason> = (c.cancellation_reasons().iter())
                    .map(|r| Reason {
                        code: r.code().unwrap_or_default().to_owned(),
                        old: r.item().cloned(),
                    })
                    .collect();
                match reasons
                    .iter()
                    .find(|r| r.code != "ConditionalCheckFailed" && !transient(&r.code))
                {
                    Some(bad) => Err(StoreError::Backend(format!(
                        "dynamodb: transaction refused ({}): {}",
                        bad.code,
                        c.message().unwrap_or_default()
                    ))),
                    None => Ok(Tx::Cancelled(reasons)),
                }
            }
            Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
                Ok(Tx::Cancelled(Vec::new()))
            }
            _ => Err(backend(err)),
        }
    }

    /// A single update (returns the item as it is after it).
    pub(super) async fn update_item(
        &self,
        key: &Key,
        update: &str,
        values: Values,
        cond: Option<Cond>,
    ) -> Result<Written, StoreError> {
        let (cond_text, mut all) = match cond {
            Some(c) => (Some(c.text), c.values),
            None => (None, Values::new()),
        };
        for (k, v) in values.into_option().unwrap_or_default() {
            all = all.with(&k, v);
        }
        let texts: Vec<&str> = [Some(update), cond_text.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let sent = (self.client.update_item())
            .table_name(&self.table)
            .set_key(Some(key.item()))
            .update_expression(update)
            .set_condition_expression(cond_text.clone())
            .set_expression_attribute_names(names(&texts))
            .set_expression_attribute_values(all.into_option())
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match sent {
            Ok(out) => Ok(Written::Done(out.attributes)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(Written::ConditionFailed)
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// A single put.
    pub(super) async fn put_item(
        &self,
        item: Item,
        cond: Option<Cond>,
    ) -> Result<Written, StoreError> {
        let (text, values) = cond.map(|c| (Some(c.text), c.values)).unwrap_or_default();
        let sent = (self.client.put_item())
            .table_name(&self.table)
            .set_item(Some(item))
            .set_expression_attribute_names(text.as_deref().and_then(|t| names(&[t])))
            .set_expression_attribute_values(values.into_option())
            .set_condition_expression(text)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::None)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(Written::Done(None)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(Written::ConditionFailed)
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// A single delete.
    pub(super) async fn delete_item(
        &self,
        key: &Key,
        cond: Option<Cond>,
    ) -> Result<Written, StoreError> {
        let (text, values) = cond.map(|c| (Some(c.text), c.values)).unwrap_or_default();
        let sent = (self.client.delete_item())
            .table_name(&self.table)
            .set_key(Some(key.item()))
            .set_expression_attribute_names(text.as_deref().and_then(|t| names(&[t])))
            .set_expression_attribute_values(values.into_option())
            .set_condition_expression(text)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(Written::Done(None)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(Written::ConditionFailed)
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// The next number of a sequence (1, 2, …): one atomic counter update.
    pub(super) async fn next_in(&self, sequence: &Key) -> Result<i64, StoreError> {
        use super::item::{n, Read};
        let values = Values::new().with(":one", n(1));
        match self
            .update_item(sequence, "ADD #n :one", values, None)
            .await?
        {
            Written::Done(Some(item)) => item.num("n"),
            _ => Err(StoreError::Backend(
                "dynamodb: a sequence update returned nothing".into(),
            )),
        }
    }
}

/// Exponential backoff with full jitter between attempts of a conflicting transaction.
pub(super) struct Backoff {
    attempt: u32,
}

impl Backoff {
    pub(super) fn new() -> Self {
        Self { attempt: 0 }
    }

    /// Waits before the next attempt, or gives up after [`MAX_ATTEMPTS`].
    pub(super) async fn wait(&mut self) -> Result<(), StoreError> {
        self.attempt += 1;
        if self.attempt >= MAX_ATTEMPTS {
            return Err(StoreError::Backend(format!(
                "dynamodb: still conflicting after {MAX_ATTEMPTS} attempts; try again"
            )));
        }
        let ceiling = BACKOFF_BASE
            .saturating_mul(1 << self.attempt.min(16))
            .min(BACKOFF_CAP);
        let pause = rand::rng().random_range(Duration::ZERO..=ceiling);
        tokio::time::sleep(pause).await;
        Ok(())
    }
}
