//! The `rebuild` Lambda function: consumes the table's DynamoDB stream and calls the build
//! hook once per batch that changes the site (see `diandan_functions::rebuild`). The event
//! source mapping must have `ReportBatchItemFailures` on, so failed records come back.
//!
//! Settings, read through the same `Config` as every function (`diandan_functions::lambda`),
//! the token from Parameter Store when `DIANDAN_BUILD_HOOK_TOKEN_PARAMETER` names it:
//! `DIANDAN_BUILD_HOOK_URL` (+ `DIANDAN_BUILD_HOOK_TOKEN`), or the GitHub workflow
//! dispatch's `DIANDAN_GITHUB_REPO`, `DIANDAN_GITHUB_WORKFLOW`, `DIANDAN_GITHUB_TOKEN` (or
//! `DIANDAN_BUILD_HOOK_TOKEN`) and `DIANDAN_GITHUB_REF` (default `main`).

use std::process::ExitCode;
use std::sync::Arc;

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use diandan_functions::lambda::{self, Config, ConfigError, Function};
use diandan_functions::rebuild::{handle, HttpHook, Retry};
use lambda_http::lambda_runtime::{self, service_fn, Error, LambdaEvent};

async fn on_batch(
    hook: Arc<HttpHook>,
    event: LambdaEvent<Event>,
) -> Result<DynamoDbEventResponse, Error> {
    let records = event.payload.records.len();
    let outcome = handle(&event.payload, hook.as_ref(), &Retry::default()).await;
    match &outcome.error {
        None => tracing::info!(
            "rebuild: {records} record(s), {} site change(s), {} hook call(s)",
            outcome.site_changes,
            outcome.calls
        ),
        Some(e) => tracing::error!(
            "rebuild: the build hook failed after {} call(s): {e}; {} record(s) reported",
            outcome.calls,
            outcome.response.batch_item_failures.len()
        ),
    }
    Ok(outcome.response)
}

async fn setup() -> Result<HttpHook, ConfigError> {
    let config = Config::load(Function::Rebuild).await?;
    config.build_hook.ok_or(ConfigError::Missing {
        var: "DIANDAN_BUILD_HOOK_URL",
        what: "a build hook, or the GitHub workflow's settings",
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    lambda::init_logging();
    let hook = match setup().await {
        Ok(hook) => Arc::new(hook),
        Err(e) => {
            eprintln!("diandan rebuild: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handler = service_fn(move |event| on_batch(Arc::clone(&hook), event));
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("diandan rebuild: the Lambda runtime stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
