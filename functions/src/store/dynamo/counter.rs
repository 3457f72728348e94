//! Versioned counters: the items whose exact values decide outcomes (a lecturer's nominations,
//! a course's places). Every change sets new absolute values and bumps `v` under the condition
//! that `v` is still what was read — optimistic concurrency, so each writer learns the exact
//! count its write produced (DynamoDB transactions return no values).

use super::expr::Cond;
use super::item::{n, Item, Read};
use crate::store::StoreError;

/// The version attribute.
pub(super) const VERSION: &str = "v";

/// A counter as read: absent counters read as zeros.
#[derive(Debug, Clone, Default)]
pub(super) struct Counter {
    pub item: Option<Item>,
}

impl Counter {
    pub(super) fn new(item: Option<Item>) -> Self {
        Self { item }
    }

    pub(super) fn exists(&self) -> bool {
        self.item.is_some()
    }

    /// A numeric attribute, 0 when absent.
    pub(super) fn get(&self, name: &str) -> Result<i64, StoreError> {
        match &self.item {
            Some(item) => item.num_or_zero(name),
            None => Ok(0),
        }
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.item.as_ref().is_some_and(|i| i.contains_key(name))
    }

    pub(super) fn version(&self) -> Result<i64, StoreError> {
        self.get(VERSION)
    }

    /// "Nobody wrote this counter since it was read."
    pub(super) fn unchanged(&self) -> Result<Cond, StoreError> {
        if self.exists() {
            Ok(Cond::new("#v = :v").value(":v", n(self.version()?)))
        } else {
            Ok(Cond::absent())
        }
    }

    /// `unchanged()`, and also `extra` (another condition on the same item).
    pub(super) fn unchanged_and(&self, extra: Cond) -> Result<Cond, StoreError> {
        let base = self.unchanged()?;
        let mut values = base.values;
        if let Some(more) = extra.values.clone().into_option() {
            for (k, v) in more {
                values = values.with(&k, v);
            }
        }
        Ok(Cond {
            text: format!("({}) AND ({})", base.text, extra.text),
            values,
        })
    }
}
