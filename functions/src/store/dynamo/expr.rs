//! Expressions with their placeholders. Every attribute name in an expression is written as
//! `#name` (so DynamoDB's reserved words — `name`, `status`, `comment`, `count`, … — never
//! bite) and the name map is derived from the expression text itself, so it always holds
//! exactly the names used: DynamoDB refuses unused ones.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::item::Item;
use super::keys::Key;
use crate::store::StoreError;

/// `#name` → `name` for every placeholder in `texts`; `None` when there are none.
pub(super) fn names(texts: &[&str]) -> Option<HashMap<String, String>> {
    let mut map = HashMap::new();
    for text in texts {
        let mut rest = *text;
        while let Some(at) = rest.find('#') {
            let after = &rest[at + 1..];
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len > 0 {
                let name = &after[..len];
                map.insert(format!("#{name}"), name.to_owned());
            }
            rest = &after[len..];
        }
    }
    (!map.is_empty()).then_some(map)
}

/// Expression values (`:placeholder` → value); `None` when empty, as the API wants.
#[derive(Debug, Clone, Default)]
pub(super) struct Values(Item);

impl Values {
    pub(super) fn new() -> Self {
        Self::default()
    }

    pub(super) fn with(
        mut self,
        placeholder: &str,
        v: aws_sdk_dynamodb::types::AttributeValue,
    ) -> Self {
        self.0.insert(placeholder.to_owned(), v);
        self
    }

    pub(super) fn into_option(self) -> Option<Item> {
        (!self.0.is_empty()).then_some(self.0)
    }
}

/// A condition with its values.
#[derive(Debug, Clone)]
pub(super) struct Cond {
    pub text: String,
    pub values: Values,
}

impl Cond {
    pub(super) fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            values: Values::new(),
        }
    }

    pub(super) fn value(
        mut self,
        placeholder: &str,
        v: aws_sdk_dynamodb::types::AttributeValue,
    ) -> Self {
        self.values = self.values.with(placeholder, v);
        self
    }

    /// The item must not exist yet.
    pub(super) fn absent() -> Self {
        Self::new("attribute_not_exists(#pk)")
    }

    /// The item must exist.
    pub(super) fn present() -> Self {
        Self::new("attribute_exists(#pk)")
    }
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend(format!("dynamodb: cannot build a request: {e}"))
}

/// A transaction's put, with an optional condition. Failing conditions return the old item.
pub(super) fn put(
    table: &str,
    item: Item,
    cond: Option<Cond>,
) -> Result<TransactWriteItem, StoreError> {
    let (text, values) = cond.map(|c| (Some(c.text), c.values)).unwrap_or_default();
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_expression_attribute_names(text.as_deref().and_then(|t| names(&[t])))
        .set_expression_attribute_values(values.into_option())
        .set_condition_expression(text)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(build_error)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A transaction's update: `update` is the update expression, `cond` an optional condition;
/// their values go together in `values` (plus the condition's own).
pub(super) fn update(
    table: &str,
    key: &Key,
    update: &str,
    values: Values,
    cond: Option<Cond>,
) -> Result<TransactWriteItem, StoreError> {
    let (text, mut all) = match cond {
        Some(c) => (Some(c.text), c.values),
        None => (None, Values::new()),
    };
    all.0.extend(values.0);
    let texts: Vec<&str> = [Some(update), text.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key.item()))
        .update_expression(update)
        .set_expression_attribute_names(names(&texts))
        .set_expression_attribute_values(all.into_option())
        .set_condition_expression(text)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(build_error)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// A transaction's delete, with an optional condition.
pub(super) fn delete(
    table: &str,
    key: &Key,
    cond: Option<Cond>,
) -> Result<TransactWriteItem, StoreError> {
    let (text, values) = cond.map(|c| (Some(c.text), c.values)).unwrap_or_default();
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key.item()))
        .set_expression_attribute_names(text.as_deref().and_then(|t| names(&[t])))
        .set_expression_attribute_values(values.into_option())
        .set_condition_expression(text)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(build_error)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_exactly_the_placeholders_used() {
        let got = names(&[
            "SET #n = #n + :one, #created_at = :at",
            "attribute_not_exists(#pk)",
        ]);
        let want: HashMap<String, String> =
            [("#n", "n"), ("#created_at", "created_at"), ("#pk", "pk")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        assert_eq!(got, Some(want));
        assert_eq!(names(&[":a = :b"]), None);
    }
}
