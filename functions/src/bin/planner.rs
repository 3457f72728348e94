//! The `planner` Lambda function, run on a schedule (an EventBridge rule): fills the `auto`
//! slots from the orders and nominations in DynamoDB, exactly as `diandan plan --apply` does.
//! Storing assignments changes the table, so the stream's `rebuild` function rebuilds the site.
//! Each run also deletes personal data whose expiry has passed (`Store::purge_expired`).
//!
//! Settings: `DIANDAN_TABLE`, `DIANDAN_CATALOGUE_PATH` (default `catalogue.json` beside the
//! binary), and the AWS SDK's own (region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use diandan_functions::catalogue::Catalogue;
use diandan_functions::clock::china_now;
use diandan_functions::lambda::{load_catalogue, CATALOGUE_VAR, TABLE_VAR};
use diandan_functions::planner;
use diandan_functions::store::{DynamoStore, NewAction, Store};
use lambda_http::lambda_runtime::{self, service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn run_plan(store: &dyn Store, catalogue: &Catalogue) -> Result<Value, Error> {
    let now = china_now();
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
    eprintln!(
        "planner: {} open slot(s), {filled} filled, {stored} stored",
        proposals.len()
    );
    // The same daily run deletes personal data past its expiry (TTL is only the backstop).
    let purged = store.purge_expired(now).await?;
    eprintln!("planner: {purged} expired personal record(s) deleted");
    Ok(json!({ "stored": stored, "purged": purged, "proposals": proposals }))
}

fn catalogue_path() -> PathBuf {
    let task_root = std::env::var("LAMBDA_TASK_ROOT").unwrap_or_else(|_| ".".into());
    (std::env::var(CATALOGUE_VAR).ok().filter(|p| !p.is_empty()))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(task_root).join("catalogue.json"))
}

async fn setup() -> Result<(Arc<dyn Store>, Arc<Catalogue>), String> {
    let table = std::env::var(TABLE_VAR).map_err(|_| format!("set {TABLE_VAR}"))?;
    let catalogue = load_catalogue(&catalogue_path()).map_err(|e| e.to_string())?;
    let store = DynamoStore::connect(&table)
        .await
        .map_err(|e| e.to_string())?;
    Ok((Arc::new(store), Arc::new(catalogue)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (store, catalogue) = match setup().await {
        Ok(ready) => ready,
        Err(e) => {
            eprintln!("planner: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handler = service_fn(move |_: LambdaEvent<Value>| {
        let (store, catalogue) = (Arc::clone(&store), Arc::clone(&catalogue));
        async move { run_plan(store.as_ref(), &catalogue).await }
    });
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("planner: the Lambda runtime stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
