//! The table's schema, defined once: `diandan store init` creates it from here, and the
//! deployment template mirrors [`cloudformation_properties`] (a test keeps the two in step
//! once the template exists). One table, a string partition key `pk` and sort key `sk`, no
//! secondary indexes, on-demand capacity, a stream of new and old images (the rebuild and
//! planner functions read it), and TTL on the `ttl` attribute.

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use serde_json::{json, Value};

use super::db::{backend, Db};
use super::keys::{PK, SK, TTL};
use crate::store::StoreError;

/// How long `init` waits for a new table to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

/// What `create_table` found or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableInit {
    Created,
    AlreadyExisted,
}

/// The `Properties` of the `AWS::DynamoDB::Table` resource, as the SAM template must write them
/// (the template adds its own `TableName`).
pub fn cloudformation_properties() -> Value {
    json!({
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            { "AttributeName": PK, "AttributeType": "S" },
            { "AttributeName": SK, "AttributeType": "S" }
        ],
        "KeySchema": [
            { "AttributeName": PK, "KeyType": "HASH" },
            { "AttributeName": SK, "KeyType": "RANGE" }
        ],
        "StreamSpecification": { "StreamViewType": "NEW_AND_OLD_IMAGES" },
        "TimeToLiveSpecification": { "AttributeName": TTL, "Enabled": true }
    })
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend(format!("dynamodb: cannot build the table definition: {e}"))
}

fn attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(build_error)
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(build_error)
}

/// Creates the table (if missing), waits until it is active, and switches TTL on.
pub(super) async fn create_table(db: &Db) -> Result<TableInit, StoreError> {
    let outcome = if table_status(db).await?.is_some() {
        TableInit::AlreadyExisted
    } else {
        let stream = StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::NewAndOldImages)
            .build()
            .map_err(build_error)?;
        let created = (db.client.create_table())
            .table_name(&db.table)
            .attribute_definitions(attribute(PK)?)
            .attribute_definitions(attribute(SK)?)
            .key_schema(key(PK, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?)
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(stream)
            .send()
            .await;
        match created {
            Ok(_) => TableInit::Created,
            // Someone else created it between our look and our create.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) =>
            {
                TableInit::AlreadyExisted
            }
            Err(e) => return Err(backend(e)),
        }
    };
    wait_until_active(db).await?;
    enable_ttl(db).await?;
    Ok(outcome)
}

/// The table's status, `None` if there is no such table.
pub(super) async fn table_status(db: &Db) -> Result<Option<TableStatus>, StoreError> {
    match db
        .client
        .describe_table()
        .table_name(&db.table)
        .send()
        .await
    {
        Ok(out) => Ok(out.table.and_then(|t| t.table_status)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(backend(e)),
    }
}

async fn wait_until_active(db: &Db) -> Result<(), StoreError> {
    let started = tokio::time::Instant::now();
    loop {
        if table_status(db).await? == Some(TableStatus::Active) {
            return Ok(());
        }
        if started.elapsed() > ACTIVE_TIMEOUT {
            return Err(StoreError::Backend(format!(
                "dynamodb: table {} is not active after {}s",
                db.table,
                ACTIVE_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn enable_ttl(db: &Db) -> Result<(), StoreError> {
    let now = (db.client.describe_time_to_live())
        .table_name(&db.table)
        .send()
        .await
        .map_err(backend)?;
    let current = now.time_to_live_description;
    let on = current.as_ref().is_some_and(|d| {
        matches!(
            d.time_to_live_status,
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        ) && d.attribute_name.as_deref() == Some(TTL)
    });
    if on {
        return Ok(());
    }
    let spec = TimeToLiveSpecification::builder()
        .enabled(true)
        .attribute_name(TTL)
        .build()
        .map_err(build_error)?;
    (db.client.update_time_to_live())
        .table_name(&db.table)
        .time_to_live_specification(spec)
        .send()
        .await
        .map_err(backend)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_properties_name_the_key_and_ttl_attributes() {
        let p = cloudformation_properties();
        assert_eq!(p["KeySchema"][0]["AttributeName"], PK);
        assert_eq!(p["KeySchema"][1]["AttributeName"], SK);
        assert_eq!(p["TimeToLiveSpecification"]["AttributeName"], TTL);
        assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    }
}
