//! The `counts` Lambda function: consumes the table's DynamoDB stream and writes the live
//! counts as `tallies.json` to the site's bucket, debounced (see `diandan_functions::counts`),
//! so that page views read a static file through the CDN instead of calling the API.
//!
//! Settings, read through the same `Config` as every function (`diandan_functions::lambda`):
//! `DIANDAN_TABLE`, `DIANDAN_SITE_BUCKET`, `DIANDAN_CATALOGUE_PATH` (default `catalogue.json`
//! beside the binary), and the AWS SDK's own. No secret: it reads counts and writes a file.

use std::process::ExitCode;
use std::sync::Arc;

use aws_lambda_events::event::dynamodb::Event;
use diandan_functions::counts::{self, Publisher, S3Objects};
use diandan_functions::lambda::{self, Config, ConfigError, Function};
use diandan_functions::store::{DynamoStore, TallyLimits};
use lambda_http::lambda_runtime::{self, service_fn, Error, LambdaEvent};

async fn setup() -> Result<Publisher, ConfigError> {
    let config = Config::load(Function::Counts).await?;
    let catalogue = lambda::load_catalogue(&config.catalogue)?;
    let store = DynamoStore::connect(&config.table)
        .await
        .map_err(ConfigError::Store)?;
    let bucket = config.site_bucket.unwrap_or_default();
    let objects = S3Objects::from_env(&bucket).await;
    let limits = TallyLimits::from_catalogue(&catalogue);
    Ok(Publisher::new(Arc::new(store), limits, Arc::new(objects)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    lambda::init_logging();
    let publisher = match setup().await {
        Ok(publisher) => Arc::new(publisher),
        Err(e) => {
            eprintln!("diandan counts: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handler = service_fn(move |event: LambdaEvent<Event>| {
        let publisher = Arc::clone(&publisher);
        async move {
            let records = counts::on_batch(&publisher, &event.payload).await?;
            tracing::info!("counts: {records} record(s), {} written", counts::FILE);
            Ok::<(), Error>(())
        }
    });
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("diandan counts: the Lambda runtime stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
