//! The `notify` Lambda function: sends the texts the outbox holds (see
//! `diandan_functions::notify`). The table's stream wakes it when an outbox item is written
//! (its event source mapping filters to those), and a schedule wakes it for what waited: quiet
//! hours, the daily cap, retries. Whatever woke it, it sends what is due; the outbox, not the
//! event, says what that is, so a batch retried by Lambda sends nothing twice.
//!
//! Settings, read through the same `Config` as every function (`diandan_functions::lambda`):
//! `DIANDAN_TABLE`, the SMS provider's (`DIANDAN_SMS`, its credentials, the templates),
//! `DIANDAN_CATALOGUE_PATH`, and the AWS SDK's own.

use std::process::ExitCode;

use diandan_functions::lambda::{self, Config, Function};
use diandan_functions::notify;
use lambda_http::lambda_runtime::{self, service_fn, Error, LambdaEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    lambda::init_logging();
    let state = match Config::load(Function::Notify).await {
        Ok(config) => lambda::state_from(Function::Notify, config).await,
        Err(e) => Err(e),
    };
    let state = match state {
        Ok(state) => state,
        Err(e) => {
            eprintln!("diandan notify: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handler = service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let state = state.clone();
        async move {
            let report = notify::on_wake(&state, &event.payload).await?;
            Ok::<notify::Report, Error>(report)
        }
    });
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("diandan notify: the Lambda runtime stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
