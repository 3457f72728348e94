//! What tests of the DynamoDB store share: whether to run, and a fresh table per test.
//!
//! With `AWS_ENDPOINT_URL_DYNAMODB` set, DynamoDB tests run and fail if the server cannot be
//! reached. Without it they fail too — unless `DIANDAN_SKIP_DYNAMO=1` says to skip them on
//! purpose. CI always sets the endpoint (`.ci/dynamodb.sh` starts the server).

use rand::RngCore;

use super::DynamoStore;
use crate::store::StoreError;

/// The endpoint variable the AWS SDK reads for DynamoDB.
pub const ENDPOINT_VAR: &str = "AWS_ENDPOINT_URL_DYNAMODB";
/// Set to `1` to skip the DynamoDB tests when no server is configured.
pub const SKIP_VAR: &str = "DIANDAN_SKIP_DYNAMO";

fn set(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.trim().is_empty())
}

/// Whether DynamoDB tests should run: `Ok(true)` with an endpoint, `Ok(false)` when skipped on
/// purpose, and an error saying what to set otherwise. A configured endpoint also needs a
/// region and credentials in the environment (dummy ones for a local server), so the SDK
/// never goes looking for them elsewhere.
pub fn should_run() -> Result<bool, String> {
    if set(ENDPOINT_VAR) {
        let region = set("AWS_REGION") || set("AWS_DEFAULT_REGION");
        let keys = set("AWS_ACCESS_KEY_ID") && set("AWS_SECRET_ACCESS_KEY");
        if !(region && keys) {
            return Err(format!(
                "{ENDPOINT_VAR} is set: set AWS_REGION, AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY too (any values do for a local server)"
            ));
        }
        return Ok(true);
    }
    if std::env::var(SKIP_VAR).is_ok_and(|v| v.trim() == "1") {
        return Ok(false);
    }
    Err(format!(
        "the DynamoDB tests need a DynamoDB-compatible server: start one with \
         `bash .ci/dynamodb.sh` and export {ENDPOINT_VAR} (as .ci/test does), or set \
         {SKIP_VAR}=1 to skip them"
    ))
}

/// A new, empty table with a random name, created with the deployment schema.
pub async fn fresh_store() -> Result<DynamoStore, StoreError> {
    let mut bytes = [0u8; 6];
    rand::rng().fill_bytes(&mut bytes);
    let store = DynamoStore::connect(&format!("diandan-test-{}", hex::encode(bytes))).await?;
    store.create_table().await?;
    Ok(store)
}
