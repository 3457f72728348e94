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
//! - `DIANDAN_CLIENT_ADDRESS_HEADER` — where the CDN in front puts the viewer's address
//!   (trusted only on requests carrying the origin secret);
//! - the rebuild function's build hook settings (`crate::rebuild::HttpHook::from_lookup`);
//! - the AWS SDK's own: region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`.

pub mod edge;
pub mod secrets;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::Router;

use crate::api::human::SiteVerify;
use crate::api::{router, ApiError, ApiState, Limits};
use crate::catalogue::Catalogue;
use crate::domain::{Secret, SecretError};
use crate::rebuild::{HookError, HttpHook};
use crate::store::{DynamoStore, StoreError};
pub use edge::Edge;
use secrets::{ParameterError, Ssm};

pub const TABLE_VAR: &str = "DIANDAN_TABLE";
pub const SECRET_VAR: &str = "DIANDAN_HMAC_SECRET";
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
pub const SECRET_VARS: [&str; 6] = [
    SECRET_VAR,
    ADMIN_TOKEN_VAR,
    ORIGIN_SECRET_VAR,
    ORIGIN_PREVIOUS_VAR,
    "DIANDAN_BUILD_HOOK_TOKEN",
    "DIANDAN_GITHUB_TOKEN",
];

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
    /// The daily planner and purge (an EventBridge schedule; no HTTP).
    Planner,
    /// The stream consumer that starts rebuilds (no HTTP).
    Rebuild,
    /// The stream consumer that writes the live counts to the site's bucket (no HTTP).
    Counts,
}

impl Function {
    pub const ALL: [Function; 10] = [
        Function::Orders,
        Function::Nominations,
        Function::Registrations,
        Function::Wishes,
        Function::Ratings,
        Function::Tallies,
        Function::Admin,
        Function::Planner,
        Function::Rebuild,
        Function::Counts,
    ];

    /// Whether it turns phone numbers into person hashes, and so needs the HMAC secret.
    pub fn hashes_people(self) -> bool {
        !matches!(
            self,
            Function::Tallies | Function::Planner | Function::Rebuild | Function::Counts
        )
    }

    /// Whether it answers HTTP requests, forwarded by CloudFront.
    pub fn behind_cdn(self) -> bool {
        !matches!(
            self,
            Function::Planner | Function::Rebuild | Function::Counts
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
            Function::Tallies => "tallies",
            Function::Admin => "admin",
            Function::Planner => "planner",
            Function::Rebuild => "rebuild",
            Function::Counts => "counts",
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
            Function::Planner | Function::Rebuild | Function::Counts => &[],
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
    #[error(
        "{ORIGIN_SECRET_VAR} is not usable: at least {} characters",
        edge::MIN_SECRET_CHARS
    )]
    OriginSecret,
    #[error("{0}")]
    Parameter(#[source] ParameterError),
    #[error("the build hook: {0}")]
    Hook(#[source] HookError),
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
    /// The CDN in front of an HTTP function (`None` for the planner and rebuild).
    pub edge: Option<Edge>,
    /// The rebuild function's build hook.
    pub build_hook: Option<HttpHook>,
    /// The counts function's bucket (the site's), where it writes tallies.json.
    pub site_bucket: Option<String>,
}

impl Config {
    /// `function`'s settings from the process environment, with the secrets it names read
    /// from Parameter Store (only contacted when some setting names a parameter).
    pub async fn load(function: Function) -> Result<Self, ConfigError> {
        let env = |var: &str| std::env::var(var).ok();
        let read = if secrets::any_named(&SECRET_VARS, &env) {
            let ssm = Ssm::from_env().await.map_err(ConfigError::Parameter)?;
            secrets::read_named(&SECRET_VARS, &[ORIGIN_PREVIOUS_VAR], &env, &ssm)
                .await
                .map_err(ConfigError::Parameter)?
        } else {
            HashMap::new()
        };
        Self::for_function(function, |var| read.get(var).cloned().or_else(|| env(var)))
    }

    /// A form function's settings from any lookup of variables (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::for_function(Function::Orders, get)
    }

    /// `function`'s settings from any lookup of variables: each function requires only what
    /// it uses.
    pub fn for_function(
        function: Function,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let value = |var: &str| get(var).filter(|v: &String| !v.trim().is_empty());
        let table = value(TABLE_VAR).ok_or(ConfigError::Missing {
            var: TABLE_VAR,
            what: "the name of the DynamoDB table",
        })?;
        let secret = match value(SECRET_VAR) {
            Some(secret) => Secret::new(&secret).map_err(ConfigError::Secret)?,
            None if !function.hashes_people() => stand_in_secret(),
            None => {
                return Err(ConfigError::Missing {
                    var: SECRET_VAR,
                    what: "the secret that keys person hashes (the same for every function)",
                })
            }
        };
        let edge = if function.behind_cdn() {
            Some(edge_from(&value)?)
        } else {
            None
        };
        let build_hook = match function {
            Function::Rebuild => Some(HttpHook::from_lookup(&get).map_err(ConfigError::Hook)?),
            _ => None,
        };
        let site_bucket = match function {
            Function::Counts => Some(value(SITE_BUCKET_VAR).ok_or(ConfigError::Missing {
                var: SITE_BUCKET_VAR,
                what: "the site's S3 bucket, where tallies.json is written",
            })?),
            _ => None,
        };
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
            edge,
            build_hook,
            site_bucket,
        })
    }
}

/// The CDN's secret and viewer-address header; refuses to start without the secret.
fn edge_from(value: &dyn Fn(&str) -> Option<String>) -> Result<Edge, ConfigError> {
    let current = value(ORIGIN_SECRET_VAR).ok_or(ConfigError::Missing {
        var: ORIGIN_SECRET_VAR,
        what: "the secret CloudFront sends in X-Diandan-Origin (the API answers nothing else)",
    })?;
    let previous = value(ORIGIN_PREVIOUS_VAR);
    let header = value(CLIENT_HEADER_VAR);
    Edge::new(&current, previous.as_deref(), header.as_deref()).ok_or(ConfigError::OriginSecret)
}

/// A key for a function that never hashes a phone number (tallies, planner, rebuild), so it
/// need not hold the real secret: random per process, any hash made with it matches no one.
fn stand_in_secret() -> Secret {
    let bytes: [u8; 32] = rand::random();
    #[allow(clippy::expect_used)]
    Secret::new(&hex::encode(bytes)).expect("64 hex characters make a secret")
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
    if let Some(check) = config.human_check {
        state = state.with_human_check(Arc::new(check));
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
            ORIGIN_SECRET_VAR => Some("origin-secret-0123456789".to_owned()),
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
    fn each_function_requires_only_what_it_uses() {
        let only_table = |v: &str| (v == TABLE_VAR).then(|| "t".to_owned());
        let tallies = Config::for_function(Function::Tallies, only_table).unwrap_err();
        assert!(
            matches!(
                tallies,
                ConfigError::Missing {
                    var: ORIGIN_SECRET_VAR,
                    ..
                }
            ),
            "tallies needs no HMAC secret, but the origin secret: {tallies}"
        );
        let planner = Config::for_function(Function::Planner, only_table).unwrap();
        assert!(planner.edge.is_none() && planner.build_hook.is_none());
        let rebuild = Config::for_function(Function::Rebuild, only_table).unwrap_err();
        assert!(matches!(rebuild, ConfigError::Hook(_)), "{rebuild}");
        let short_origin = Config::for_function(Function::Tallies, |v| match v {
            TABLE_VAR => Some("t".into()),
            ORIGIN_SECRET_VAR => Some("too-short".into()),
            _ => None,
        });
        assert!(matches!(short_origin, Err(ConfigError::OriginSecret)));
    }

    #[test]
    fn the_catalogue_defaults_to_the_task_root() {
        let config = Config::from_lookup(|v| match v {
            TABLE_VAR => Some("diandan".into()),
            SECRET_VAR => Some("0123456789abcdef0123".into()),
            ORIGIN_SECRET_VAR => Some("origin-secret-0123456789".into()),
            "LAMBDA_TASK_ROOT" => Some("/var/task".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.catalogue, PathBuf::from("/var/task/catalogue.json"));
        let err = load_catalogue(Path::new("/nonexistent/catalogue.json")).unwrap_err();
        assert!(err.to_string().contains(CATALOGUE_VAR), "{err}");
    }
}
