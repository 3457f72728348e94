//! The `planner` Lambda function, run on a schedule (an EventBridge rule): fills the `auto`
//! slots from the orders and nominations in DynamoDB, exactly as `diandan plan --apply` does.
//! Storing assignments changes the table, so the stream's `rebuild` function rebuilds the site.
//! Each run also deletes personal data whose expiry has passed (`Store::purge_expired`).
//!
//! Settings: read through the same `Config` as every function (`diandan_functions::lambda`):
//! `DIANDAN_TABLE`, `DIANDAN_CATALOGUE_PATH` (default `catalogue.json` beside the binary), and
//! the AWS SDK's own (region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`).

use std::process::ExitCode;
use std::sync::Arc;

use diandan_functions::catalogue::Catalogue;
use diandan_functions::clock::china_now;
use diandan_functions::lambda::{self, Config, ConfigError, Function};
use diandan_functions::planner;
use diandan_functions::store::{DynamoStore, NewAction, Store};
use lambda_http::lambda_runtime::{self, service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

/// The plan, then the purge. Each runs whatever became of the other: a failed purge (say, a
/// permission missing) must not cost the county its schedule, nor a failed plan its privacy.
/// A purge failure is logged as an error and reported in the answer; the run still fails if
/// the plan did, so Lambda's error metric shows it.
async fn run_daily(store: &dyn Store, catalogue: &Catalogue) -> Result<Value, Error> {
    let now = china_now();
    let plan = run_plan(store, catalogue, now).await;
    // The same daily run deletes personal data past its expiry (TTL is only the backstop).
    let purge = match store.purge_expired(now).await {
        Ok(purged) => {
            tracing::info!("planner: {purged} expired personal record(s) deleted");
            json!({ "purged": purged })
        }
        Err(e) => {
            tracing::error!("planner: the purge of expired personal data failed: {e}");
            json!({ "purge_error": e.to_string() })
        }
    };
    let mut answer = plan?;
    if let (Some(answer), Some(purge)) = (answer.as_object_mut(), purge.as_object()) {
        answer.extend(purge.clone());
    }
    Ok(answer)
}

async fn run_plan(
    store: &dyn Store,
    catalogue: &Catalogue,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Value, Error> {
    let proposals = planner::propose(store, catalogue, now.date_naive()).await?;
    let stored = planner::apply(store, &proposals, now).await?;
    if stored > 0 {
        let action = NewAction {
            at: now,
            actor: "planner".into(),
            action: "plan".into(),
            subject: "planner".into(),
            detail: format!("定时自动安排 {stored} 场"),
        };
        store.log_action(action).await?;
    }
    let filled = proposals
        .iter()
        .filter(|p| p.to_assignment(now).is_some())
        .count();
    tracing::info!(
        "planner: {} open slot(s), {filled} filled, {stored} stored",
        proposals.len()
    );
    Ok(json!({ "stored": stored, "proposals": proposals }))
}

async fn setup() -> Result<(Arc<dyn Store>, Arc<Catalogue>), ConfigError> {
    let config = Config::load(Function::Planner).await?;
    let catalogue = lambda::load_catalogue(&config.catalogue)?;
    let store = DynamoStore::connect(&config.table)
        .await
        .map_err(ConfigError::Store)?;
    Ok((Arc::new(store), Arc::new(catalogue)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    lambda::init_logging();
    let (store, catalogue) = match setup().await {
        Ok(ready) => ready,
        Err(e) => {
            eprintln!("diandan planner: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handler = service_fn(move |_: LambdaEvent<Value>| {
        let (store, catalogue) = (Arc::clone(&store), Arc::clone(&catalogue));
        async move { run_daily(store.as_ref(), &catalogue).await }
    });
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("diandan planner: the Lambda runtime stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
