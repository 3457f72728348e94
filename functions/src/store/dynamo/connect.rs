//! The SDK client from the standard AWS environment: region, credentials, and
//! `AWS_ENDPOINT_URL_DYNAMODB` (a local DynamoDB-compatible server) are the SDK's own business.
//! What this adds: the HTTPS client (rustls with ring), the standard retry mode for throttling
//! and transient errors, and timeouts so an unreachable endpoint fails quickly.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

use crate::store::StoreError;

/// Attempts per request, the first included, for throttling and transient failures.
const MAX_ATTEMPTS: u32 = 5;

/// A client configured from the environment.
pub(super) async fn client_from_env() -> Result<Client, StoreError> {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let retry = RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_secs(2));
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_secs(30))
        .build();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(retry)
        .timeout_config(timeouts)
        .load()
        .await;
    if config.region().is_none() {
        return Err(StoreError::Backend(
            "dynamodb: no AWS region is configured; set AWS_REGION (and \
             AWS_ENDPOINT_URL_DYNAMODB for a local DynamoDB-compatible server)"
                .into(),
        ));
    }
    Ok(Client::new(&config))
}
