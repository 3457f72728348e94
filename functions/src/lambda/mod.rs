//! What every Lambda function shares: its settings from the environment (and its secrets from
//! Parameter Store), logging, the store and the catalogue built once per cold start, the part
//! of the API router it answers, and the hand-over to `lambda_http`. Each HTTP binary in
//! `src/bin/` is one call to [`main`]; the planner and rebuild binaries read the same
//! [`Config`].
//!
//! Settings (docs/dynamodb.md, "Lambda functions"); each secret may instead be named as a
//! Parameter Store parameter, `{VAR}_PARAMETER` (what the deployment does, [`secrets`]):
//! - `DIANDAN_TABLE` — the DynamoDB table (required);
//! - `DIANDAN_HMAC_SECRET` — the person-hash secret, at least 16 characters (required by the
//!   functions that hash phone numbers: not tallies, planner or rebuild);
//! - `DIANDAN_DATA_KEY` — 64 hex digits, the AES-256-GCM key that seals the numbers of
//!   residents who asked to hear back (required by the forms that keep one, `admin` and
//!   `notify`: [`Function::keeps_numbers`]);
//! - `DIANDAN_ORIGIN_SECRET` (and `DIANDAN_ORIGIN_SECRET_PREVIOUS` while rotating) — the
//!   secret CloudFront sends; the HTTP functions refuse requests without it ([`edge`]);
//! - `DIANDAN_CATALOGUE_PATH` — the `catalogue.json` the generator wrote; default
//!   `catalogue.json` in the deployment package (beside `bootstrap`, `$LAMBDA_TASK_ROOT`);
//! - `DIANDAN_ADMIN_TOKEN` — the staff API's bearer token, 16+ characters (the `admin` function
//!   only; without it every `/api/admin` route answers 503);
//! - `DIANDAN_NOMINATION_THRESHOLD` — the deployment template's threshold, checked against the
//!   catalogue's (which wins: the site was built with it); a mismatch is logged as an error;
//! - `DIANDAN_LOG` — `error`, `warn`, `info` (default) or `debug`;
//! - `DIANDAN_LIMIT_PER_CLIENT`, `DIANDAN_LIMIT_PER_PERSON` — abuse limits (`120/10m`, `off`);
//! - `DIANDAN_CAPTCHA_VERIFY_URL`, `DIANDAN_CAPTCHA_SECRET` — the optional human check;
//! - `DIANDAN_SMS` (`aliyun`, `tencent` or `off`; never `console` here) and its vendor's
//!   settings (`crate::sms`), in the functions that send codes ([`Function::sends_texts`]);
//! - `DIANDAN_CLIENT_ADDRESS_HEADER` — where the CDN in front puts the viewer's address
//!   (trusted only on requests carrying the origin secret);
//! - the rebuild function's build hook settings (`crate::rebuild::HttpHook::from_lookup`);
//! - the AWS SDK's own: region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`.

mod config;
pub mod edge;
pub mod secrets;

use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::Router;

use crate::api::{router, ApiError, ApiState};
use crate::catalogue::Catalogue;
use crate::store::DynamoStore;
pub use config::{load_catalogue, Config, ConfigError, Texts};
pub use edge::Edge;

pub const TABLE_VAR: &str = "DIANDAN_TABLE";
pub const SECRET_VAR: &str = "DIANDAN_HMAC_SECRET";
/// The AES-256-GCM key (64 hex digits) that seals the numbers of residents who asked to hear
/// back: the form functions seal with it, `notify` opens with it.
pub const DATA_KEY_VAR: &str = "DIANDAN_DATA_KEY";
pub const CATALOGUE_VAR: &str = "DIANDAN_CATALOGUE_PATH";
pub const LOG_VAR: &str = "DIANDAN_LOG";
/// The header a CDN in front of the API puts the viewer's address in (`cloudfront-viewer-address`).
pub const CLIENT_HEADER_VAR: &str = "DIANDAN_CLIENT_ADDRESS_HEADER";
pub const ADMIN_TOKEN_VAR: &str = "DIANDAN_ADMIN_TOKEN";
pub const THRESHOLD_VAR: &str = "DIANDAN_NOMINATION_THRESHOLD";
/// The secret CloudFront sends with every request it forwards (`X-Diandan-Origin`).
pub const ORIGIN_SECRET_VAR: &str = "DIANDAN_ORIGIN_SECRET";
/// The origin secret being rotated out, still admitted (optional).
pub const ORIGIN_PREVIOUS_VAR: &str = "DIANDAN_ORIGIN_SECRET_PREVIOUS";

/// The counts function's bucket.
pub const SITE_BUCKET_VAR: &str = "DIANDAN_SITE_BUCKET";

/// The settings that may be secrets, and so may be named as Parameter Store parameters.
pub const SECRET_VARS: [&str; 11] = [
    SECRET_VAR,
    DATA_KEY_VAR,
    ADMIN_TOKEN_VAR,
    ORIGIN_SECRET_VAR,
    ORIGIN_PREVIOUS_VAR,
    "DIANDAN_BUILD_HOOK_TOKEN",
    "DIANDAN_GITHUB_TOKEN",
    crate::sms::aliyun::KEY_ID_VAR,
    crate::sms::aliyun::KEY_SECRET_VAR,
    crate::sms::tencent::SECRET_ID_VAR,
    crate::sms::tencent::SECRET_KEY_VAR,
];

/// The SMS vendors' credentials: a deployment creates only its own vendor's parameters, so a
/// named one that does not exist is no error (the provider then names what it lacks).
pub const SMS_SECRET_VARS: [&str; 4] = [
    crate::sms::aliyun::KEY_ID_VAR,
    crate::sms::aliyun::KEY_SECRET_VAR,
    crate::sms::tencent::SECRET_ID_VAR,
    crate::sms::tencent::SECRET_KEY_VAR,
];

/// One Lambda function: a handler for part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Orders,
    Nominations,
    Registrations,
    Wishes,
    Ratings,
    /// `POST /api/verify`: sends text-message codes.
    Verify,
    Tallies,
    /// The staff API, behind the admin bearer token.
    Admin,
    /// The daily planner and purge (an EventBridge schedule; no HTTP).
    Planner,
    /// The stream consumer that starts rebuilds (no HTTP).
    Rebuild,
    /// The stream consumer that writes the live counts to the site's bucket (no HTTP).
    Counts,
    /// Sends the texts the outbox holds: woken by the stream's outbox items and a schedule.
    Notify,
}

impl Function {
    pub const ALL: [Function; 12] = [
        Function::Orders,
        Function::Nominations,
        Function::Registrations,
        Function::Wishes,
        Function::Ratings,
        Function::Verify,
        Function::Tallies,
        Function::Admin,
        Function::Planner,
        Function::Rebuild,
        Function::Counts,
        Function::Notify,
    ];

    /// Whether it turns phone numbers into person hashes, and so needs the HMAC secret.
    pub fn hashes_people(self) -> bool {
        !matches!(
            self,
            Function::Tallies
                | Function::Planner
                | Function::Rebuild
                | Function::Counts
                | Function::Notify
        )
    }

    /// Whether it seals or opens kept numbers, and so needs the data key: the forms that take
    /// `notify` or a registration, the staff API (helpers' submissions) and the sender.
    pub fn keeps_numbers(self) -> bool {
        matches!(
            self,
            Function::Orders
                | Function::Nominations
                | Function::Registrations
                | Function::Wishes
                | Function::Admin
                | Function::Notify
        )
    }

    /// Whether it may send text messages: `/api/verify`, and each form `site.yaml`'s `verify`
    /// may name (without JavaScript, a submission without a code sends one).
    pub fn sends_texts(self) -> bool {
        matches!(
            self,
            Function::Orders
                | Function::Nominations
                | Function::Registrations
                | Function::Wishes
                | Function::Ratings
                | Function::Verify
                | Function::Notify
        )
    }

    /// Whether it answers HTTP requests, forwarded by CloudFront.
    pub fn behind_cdn(self) -> bool {
        !matches!(
            self,
            Function::Planner | Function::Rebuild | Function::Counts | Function::Notify
        )
    }

    /// The binary's name, and the function's in the deployment template.
    pub fn name(self) -> &'static str {
        match self {
            Function::Orders => "orders",
            Function::Nominations => "nominations",
            Function::Registrations => "registrations",
            Function::Wishes => "wishes",
            Function::Ratings => "ratings",
            Function::Verify => "verify",
            Function::Tallies => "tallies",
            Function::Admin => "admin",
            Function::Planner => "planner",
            Function::Rebuild => "rebuild",
            Function::Counts => "counts",
            Function::Notify => "notify",
        }
    }

    /// The paths it answers, each with everything under it: what the HTTP API routes to it.
    pub fn paths(self) -> &'static [&'static str] {
        match self {
            Function::Orders => &["/api/orders"],
            Function::Nominations => &["/api/nominations"],
            Function::Registrations => &["/api/registrations"],
            Function::Wishes => &["/api/wishes"],
            Function::Ratings => &["/api/ratings"],
            Function::Verify => &["/api/verify"],
            Function::Tallies => &["/api/tallies", "/api/health", "/api/openapi.json"],
            Function::Admin => &["/api/admin", "/api/staff", "/api/helper"],
            Function::Planner | Function::Rebuild | Function::Counts | Function::Notify => &[],
        }
    }

    /// Whether a request for `path` is this function's.
    pub fn owns(self, path: &str) -> bool {
        self.paths().iter().any(|p| {
            path.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }
}

/// The router limited to `function`'s paths (anything else is a 404, as if it did not exist),
/// answering only requests that came through the CDN ([`edge::gate`]).
pub fn app(function: Function, state: ApiState, edge: Edge) -> Router {
    router(state)
        .layer(middleware::from_fn(
            move |req: Request, next: Next| async move {
                if function.owns(req.uri().path()) {
                    next.run(req).await
                } else {
                    ApiError::not_found("这个地址不由此函数处理。").into_response()
                }
            },
        ))
        .layer(middleware::from_fn(move |req, next| {
            edge::gate(edge.clone(), req, next)
        }))
}

/// The state a function serves with: the DynamoDB store and the bundled catalogue. The admin
/// token switches the staff API on, so it is handed over only where `function` serves it: the
/// other functions 404 `/api/admin` anyway, and should not hold the token at all.
pub async fn state_from(function: Function, config: Config) -> Result<ApiState, ConfigError> {
    let catalogue = load_catalogue(&config.catalogue)?;
    if let Some(problem) = threshold_mismatch(config.threshold.as_deref(), &catalogue) {
        tracing::error!("{problem}");
    }
    let store = DynamoStore::connect(&config.table)
        .await
        .map_err(ConfigError::Store)?;
    let mut state =
        ApiState::new(Arc::new(store), catalogue, config.secret).with_limits(config.limits);
    if let Some(key) = config.data_key {
        state = state.with_data_key(key);
    }
    if let Some(check) = config.human_check {
        state = state.with_human_check(Arc::new(check));
    }
    match config.sms.0 {
        Some(sms) => state = state.with_sms(sms),
        None if !state.catalogue().site.verify.is_empty() => {
            return Err(ConfigError::Guard(format!(
                "the catalogue asks for text-message codes but {}=off: set it to aliyun or tencent",
                crate::sms::PROVIDER_VAR
            )))
        }
        None => {}
    }
    Ok(with_admin_token(function, state, config.admin_token))
}

/// Why the deployment's threshold and the catalogue's disagree, if they do. The catalogue's
/// stays in force: the site was built with it and promises it to residents.
pub fn threshold_mismatch(declared: Option<&str>, catalogue: &Catalogue) -> Option<String> {
    let declared = declared?.trim();
    let built = catalogue.site.nomination_threshold;
    if declared.parse::<u32>().ok() == Some(built) {
        return None;
    }
    Some(format!(
        "{THRESHOLD_VAR} is {declared:?} but the catalogue (content/site.yaml's \
         nomination_threshold) says {built}; counting with {built}. Deploy both alike."
    ))
}

/// Switches the staff API on for the `admin` function only.
pub fn with_admin_token(function: Function, state: ApiState, token: Option<String>) -> ApiState {
    match function {
        Function::Admin => {
            if token.is_none() {
                tracing::warn!("{ADMIN_TOKEN_VAR} is not set: every /api/admin route answers 503");
            }
            state.with_admin_token(token)
        }
        _ => state,
    }
}

/// Logging for every function: our crates at `DIANDAN_LOG`, the libraries at most `info`.
pub fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let level = match std::env::var(LOG_VAR).as_deref() {
        Ok("error") => tracing::Level::ERROR,
        Ok("warn") => tracing::Level::WARN,
        Ok("debug") => tracing::Level::DEBUG,
        _ => tracing::Level::INFO,
    };
    // Our own crates at the chosen level; the libraries (the AWS SDK, the Lambda runtime) at
    // most `info`, since at `debug` and below they write out requests, whose items hold names.
    let ours = tracing_subscriber::filter::Targets::new()
        .with_default(level.min(tracing::Level::INFO))
        .with_target("diandan_functions", level);
    // Lambda stamps every log line itself; a second subscriber (in tests) is no error.
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .without_time()
        .finish()
        .with(ours)
        .try_init();
}

/// A function binary's whole `main`: refuses to start, with a message naming the setting, when
/// its settings are missing or wrong; otherwise serves `lambda_http` events until Lambda stops it.
pub fn main(function: Function) -> ExitCode {
    init_logging();
    let name = function.name();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("diandan {name}: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let ready = match Config::load(function).await {
            Ok(config) => match config.edge.clone() {
                Some(edge) => state_from(function, config).await.map(|s| (s, edge)),
                None => Err(ConfigError::Missing {
                    var: ORIGIN_SECRET_VAR,
                    what: "an HTTP function answers only through the CDN",
                }),
            },
            Err(e) => Err(e),
        };
        let (state, edge) = match ready {
            Ok(ready) => ready,
            Err(e) => {
                eprintln!("diandan {name}: cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        match lambda_http::run(app(function, state, edge)).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("diandan {name}: the Lambda runtime stopped: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_belongs_to_one_function() {
        // Every route of the router, with its parameters as written, and some concrete paths.
        let routed = crate::api::routes().into_iter().map(|(_, path)| path);
        let paths = [
            "/api/orders",
            "/api/orders/receipt",
            "/api/nominations/lin-xiuying/withdraw",
            "/api/registrations/K7Q2MX/cancel",
            "/api/wishes",
            "/api/ratings/receipt",
            "/api/verify",
            "/api/tallies",
            "/api/health",
            "/api/openapi.json",
            "/api/admin",
            "/api/admin/wishes/12/reply",
            "/api/admin/people/export",
            "/api/admin/people/forget",
            "/api/staff/login",
            "/api/helper/forms/orders",
        ];
        for path in routed.chain(paths) {
            let owners: Vec<_> = Function::ALL.iter().filter(|f| f.owns(path)).collect();
            assert_eq!(owners.len(), 1, "{path}: {owners:?}");
        }
        assert!(!Function::Orders.owns("/api/ordersx"));
        assert!(!Function::Tallies.owns("/api/admin/wishes"));
        assert!(!Function::Admin.owns("/api/administrator"));
        assert!(!Function::Admin.owns("/api/orders"));
        assert!(!Function::Verify.owns("/api/verifyx"));
    }

    #[test]
    fn a_threshold_unlike_the_catalogues_is_named() {
        let mut catalogue = Catalogue::default();
        catalogue.site.nomination_threshold = 15;
        assert_eq!(threshold_mismatch(None, &catalogue), None);
        assert_eq!(threshold_mismatch(Some(" 15"), &catalogue), None);
        let twenty = threshold_mismatch(Some("20"), &catalogue).unwrap();
        assert!(
            twenty.contains(THRESHOLD_VAR) && twenty.contains("15"),
            "{twenty}"
        );
        assert!(threshold_mismatch(Some("fifteen"), &catalogue).is_some());
    }
}
