//! What every Lambda function shares: its settings from the environment, the store and the
//! catalogue built once per cold start, the part of the API router it answers, and the hand-over
//! to `lambda_http`. Each binary in `src/bin/` is one call to [`main`].
//!
//! Settings (docs/dynamodb.md, "Lambda functions"):
//! - `DIANDAN_TABLE` — the DynamoDB table (required);
//! - `DIANDAN_HMAC_SECRET` — the person-hash secret, at least 16 characters (required);
//! - `DIANDAN_CATALOGUE_PATH` — the `catalogue.json` the generator wrote; default
//!   `catalogue.json` in the deployment package (beside `bootstrap`, `$LAMBDA_TASK_ROOT`);
//! - `DIANDAN_ADMIN_TOKEN` — the staff API's bearer token, 16+ characters (the `admin` function
//!   only; without it every `/api/admin` route answers 503);
//! - `DIANDAN_NOMINATION_THRESHOLD` — the deployment template's threshold, checked against the
//!   catalogue's (which wins: the site was built with it); a mismatch is logged as an error;
//! - `DIANDAN_LOG` — `error`, `warn`, `info` (default) or `debug`;
//! - `DIANDAN_LIMIT_PER_CLIENT`, `DIANDAN_LIMIT_PER_PERSON` — abuse limits (`120/10m`, `off`);
//! - `DIANDAN_CAPTCHA_VERIFY_URL`, `DIANDAN_CAPTCHA_SECRET` — the optional human check;
//! - `DIANDAN_CLIENT_ADDRESS_HEADER` — where the CDN in front puts the viewer's address;
//! - the AWS SDK's own: region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::Router;

use crate::api::human::SiteVerify;
use crate::api::{router, ApiError, ApiState, ClientAddr, Limits};
use crate::catalogue::Catalogue;
use crate::domain::{Secret, SecretError};
use crate::store::{DynamoStore, StoreError};

pub const TABLE_VAR: &str = "DIANDAN_TABLE";
pub const SECRET_VAR: &str = "DIANDAN_HMAC_SECRET";
pub const CATALOGUE_VAR: &str = "DIANDAN_CATALOGUE_PATH";
pub const LOG_VAR: &str = "DIANDAN_LOG";
/// The header a CDN in front of the API puts the viewer's address in (`cloudfront-viewer-address`).
pub const CLIENT_HEADER_VAR: &str = "DIANDAN_CLIENT_ADDRESS_HEADER";
pub const ADMIN_TOKEN_VAR: &str = "DIANDAN_ADMIN_TOKEN";
pub const THRESHOLD_VAR: &str = "DIANDAN_NOMINATION_THRESHOLD";

/// One Lambda function: a handler for part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Orders,
    Nominations,
    Registrations,
    Wishes,
    Ratings,
    Tallies,
    /// The staff API, behind the admin bearer token.
    Admin,
}

impl Function {
    pub const ALL: [Function; 7] = [
        Function::Orders,
        Function::Nominations,
        Function::Registrations,
        Function::Wishes,
        Function::Ratings,
        Function::Tallies,
        Function::Admin,
    ];

    /// The binary's name, and the function's in the deployment template.
    pub fn name(self) -> &'static str {
        match self {
            Function::Orders => "orders",
            Function::Nominations => "nominations",
            Function::Registrations => "registrations",
            Function::Wishes => "wishes",
            Function::Ratings => "ratings",
            Function::Tallies => "tallies",
            Function::Admin => "admin",
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
            Function::Tallies => &["/api/tallies", "/api/health", "/api/openapi.json"],
            Function::Admin => &["/api/admin"],
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

/// Why a function cannot start. The message says what to set.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is not set: {what}")]
    Missing {
        var: &'static str,
        what: &'static str,
    },
    #[error("{SECRET_VAR} is not usable: {0}")]
    Secret(#[source] SecretError),
    #[error("cannot read the catalogue {path} (set {CATALOGUE_VAR}): {source}")]
    CatalogueUnreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a catalogue.json written by `diandan build`: {source}")]
    CatalogueInvalid {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{0}")]
    Guard(String),
    #[error("cannot reach the store: {0}")]
    Store(#[source] StoreError),
}

/// A function's settings, read once at cold start.
#[derive(Debug, Clone)]
pub struct Config {
    pub table: String,
    pub secret: Secret,
    pub catalogue: PathBuf,
    pub limits: Limits,
    /// The CAPTCHA service, when `DIANDAN_CAPTCHA_VERIFY_URL` is set.
    pub human_check: Option<SiteVerify>,
    /// The staff API's bearer token, if set (only the `admin` function uses it).
    pub admin_token: Option<String>,
    /// The nomination threshold the deployment declares, if set.
    pub threshold: Option<String>,
}

impl Config {
    /// From the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|var| std::env::var(var).ok())
    }

    /// From any lookup of variables (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let value = |var| get(var).filter(|v: &String| !v.trim().is_empty());
        let table = value(TABLE_VAR).ok_or(ConfigError::Missing {
            var: TABLE_VAR,
            what: "the name of the DynamoDB table",
        })?;
        let secret = value(SECRET_VAR).ok_or(ConfigError::Missing {
            var: SECRET_VAR,
            what: "the secret that keys person hashes (the same for every function)",
        })?;
        let secret = Secret::new(&secret).map_err(ConfigError::Secret)?;
        let catalogue = match value(CATALOGUE_VAR) {
            Some(path) => PathBuf::from(path),
            None => default_catalogue(get("LAMBDA_TASK_ROOT")),
        };
        let limits = Limits::from_lookup(&get).map_err(ConfigError::Guard)?;
        let human_check = SiteVerify::from_lookup(&get).map_err(ConfigError::Guard)?;
        Ok(Self {
            table: table.trim().to_owned(),
            secret,
            catalogue,
            limits,
            human_check,
            admin_token: value(ADMIN_TOKEN_VAR),
            threshold: value(THRESHOLD_VAR),
        })
    }
}

/// `catalogue.json` in the deployment package: the task root, else beside the executable.
fn default_catalogue(task_root: Option<String>) -> PathBuf {
    let dir = task_root.map(PathBuf::from).or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
    });
    dir.unwrap_or_default().join("catalogue.json")
}

/// Reads the catalogue the generator wrote.
pub fn load_catalogue(path: &Path) -> Result<Catalogue, ConfigError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ConfigError::CatalogueUnreadable {
        path: shown.clone(),
        source,
    })?;
    Catalogue::from_json(&bytes).map_err(|source| ConfigError::CatalogueInvalid {
        path: shown,
        source,
    })
}

/// The router limited to `function`'s paths: anything else is a 404, as if it did not exist.
pub fn app(function: Function, state: ApiState) -> Router {
    let client_header = std::env::var(CLIENT_HEADER_VAR)
        .ok()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty());
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
            tag_client(client_header.clone(), req, next)
        }))
}

/// Tags a request with the client's address (for the abuse limits): from `header` when the
/// deployment names one its CDN sets (behind CloudFront, API Gateway's source IP is an edge
/// server's), else the source IP API Gateway saw.
async fn tag_client(
    header: Option<String>,
    mut req: Request,
    next: Next,
) -> axum::response::Response {
    use lambda_http::request::RequestContext;
    let from_header = (header.as_deref())
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        .and_then(address_of);
    let source = match req.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        _ => None,
    };
    if let Some(ip) = from_header.or_else(|| source.and_then(|s| s.parse().ok())) {
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}

/// An address, alone or with a port: `203.0.113.9`, `203.0.113.9:46532`,
/// `2001:db8::1:46532` (CloudFront-Viewer-Address writes IPv6 without brackets).
fn address_of(value: &str) -> Option<std::net::IpAddr> {
    let value = value.trim();
    // The port first: `2001:db8::1:443` would also read as one IPv6 address.
    let without_port = (value.rsplit_once(':'))
        .filter(|(_, port)| port.parse::<u16>().is_ok())
        .and_then(|(ip, _)| ip.trim_matches(['[', ']']).parse().ok());
    without_port.or_else(|| value.parse().ok())
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
    if let Some(check) = config.human_check {
        state = state.with_human_check(Arc::new(check));
    }
    // On Lambda nothing is printed for anyone to read: a provider must be chosen.
    let sms = crate::sms::from_lookup(|v| std::env::var(v).ok(), crate::sms::Choice::Off)
        .map_err(ConfigError::Guard)?;
    match sms {
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

fn init_logging() {
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
        let state = match Config::from_env() {
            Ok(config) => state_from(function, config).await,
            Err(e) => Err(e),
        };
        let state = match state {
            Ok(state) => state,
            Err(e) => {
                eprintln!("diandan {name}: cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        match lambda_http::run(app(function, state)).await {
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
        let paths = [
            "/api/orders",
            "/api/orders/receipt",
            "/api/nominations/lin-xiuying/withdraw",
            "/api/registrations/K7Q2MX/cancel",
            "/api/wishes",
            "/api/ratings/receipt",
            "/api/tallies",
            "/api/health",
            "/api/openapi.json",
            "/api/admin",
            "/api/admin/wishes/12/reply",
            "/api/admin/people/export",
            "/api/admin/people/forget",
        ];
        for path in paths {
            let owners: Vec<_> = Function::ALL.iter().filter(|f| f.owns(path)).collect();
            assert_eq!(owners.len(), 1, "{path}: {owners:?}");
        }
        assert!(!Function::Orders.owns("/api/ordersx"));
        assert!(!Function::Tallies.owns("/api/admin/wishes"));
        assert!(!Function::Admin.owns("/api/administrator"));
        assert!(!Function::Admin.owns("/api/orders"));
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

    #[test]
    fn the_admin_token_is_read_but_blank_is_none() {
        let base = |v: &str| match v {
            TABLE_VAR => Some("diandan".to_owned()),
            SECRET_VAR => Some("0123456789abcdef0123".to_owned()),
            _ => None,
        };
        let none = Config::from_lookup(base).unwrap();
        assert_eq!(none.admin_token, None);
        let blank = Config::from_lookup(|v| match v {
            ADMIN_TOKEN_VAR => Some("   ".into()),
            _ => base(v),
        });
        assert_eq!(blank.unwrap().admin_token, None);
        let set = Config::from_lookup(|v| match v {
            ADMIN_TOKEN_VAR => Some("staff-token-0123456789".into()),
            _ => base(v),
        });
        assert_eq!(
            set.unwrap().admin_token.as_deref(),
            Some("staff-token-0123456789")
        );
    }

    #[test]
    fn missing_settings_are_named() {
        let none = Config::from_lookup(|_| None).unwrap_err().to_string();
        assert!(none.contains(TABLE_VAR), "{none}");
        let no_secret = Config::from_lookup(|v| (v == TABLE_VAR).then(|| "t".into()));
        assert!(no_secret.unwrap_err().to_string().contains(SECRET_VAR));
        let short =
            Config::from_lookup(|v| Some(if v == SECRET_VAR { "short" } else { "t" }.into()));
        assert!(matches!(short, Err(ConfigError::Secret(_))));
        // A secret of blanks (an empty setting in a template) is no secret.
        let blank = Config::from_lookup(|v| {
            Some(if v == SECRET_VAR {
                " ".repeat(20)
            } else {
                "t".into()
            })
        });
        assert!(matches!(
            blank,
            Err(ConfigError::Missing {
                var: SECRET_VAR,
                ..
            })
        ));
    }

    #[test]
    fn the_catalogue_defaults_to_the_task_root() {
        let config = Config::from_lookup(|v| match v {
            TABLE_VAR => Some("diandan".into()),
            SECRET_VAR => Some("0123456789abcdef0123".into()),
            "LAMBDA_TASK_ROOT" => Some("/var/task".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.catalogue, PathBuf::from("/var/task/catalogue.json"));
        let err = load_catalogue(Path::new("/nonexistent/catalogue.json")).unwrap_err();
        assert!(err.to_string().contains(CATALOGUE_VAR), "{err}");
    }

    #[test]
    fn viewer_addresses_parse_with_or_without_a_port() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().ok();
        assert_eq!(address_of("203.0.113.9:46532"), ip("203.0.113.9"));
        assert_eq!(address_of("203.0.113.9"), ip("203.0.113.9"));
        assert_eq!(address_of("2001:db8::1:46532"), ip("2001:db8::1"));
        assert_eq!(address_of("[2001:db8::1]:443"), ip("2001:db8::1"));
        assert_eq!(address_of("2001:db8::1:443"), ip("2001:db8::1"));
        assert_eq!(address_of("not-an-address"), None);
    }
}
