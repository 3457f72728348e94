//! The store conformance suite on the DynamoDB backend, each case on a fresh table of the
//! DynamoDB-compatible server that `AWS_ENDPOINT_URL_DYNAMODB` names (CI starts moto's).
//! Without that variable the cases fail, unless `DIANDAN_SKIP_DYNAMO=1` skips them.

use std::sync::Arc;

use diandan_functions::store::dynamo::testing;

fn should_run() -> bool {
    testing::should_run().unwrap_or_else(|e| panic!("{e}"))
}

diandan_functions::store_conformance_tests!(if should_run(), async {
    let store = testing::fresh_store()
        .await
        .unwrap_or_else(|e| panic!("cannot make a table on the DynamoDB server: {e}"));
    Arc::new(store)
});
