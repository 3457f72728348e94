//! A function's settings: read once at cold start from the environment, its secrets from
//! Parameter Store ([`super::secrets`]), each function requiring only what it uses.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::edge::{self, Edge};
use super::secrets::{self, ParameterError, Ssm};
use super::{
    Function, ADMIN_TOKEN_VAR, CATALOGUE_VAR, CLIENT_HEADER_VAR, DATA_KEY_VAR, ORIGIN_PREVIOUS_VAR,
    ORIGIN_SECRET_VAR, SECRET_VAR, SECRET_VARS, SITE_BUCKET_VAR, SMS_SECRET_VARS, TABLE_VAR,
    THRESHOLD_VAR,
};
use crate::api::human::SiteVerify;
use crate::api::Limits;
use crate::catalogue::Catalogue;
use crate::domain::{DataKey, SealError, Secret, SecretError};
use crate::rebuild::{HookError, HttpHook};
use crate::sms::{self, Choice, SharedSms};
use crate::store::StoreError;

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
    #[error("{DATA_KEY_VAR} is not usable: {0}")]
    DataKey(#[source] SealError),
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
    /// The key kept numbers are sealed with, in the functions that seal or open them.
    pub data_key: Option<DataKey>,
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
    /// The text-message provider, in the functions that send codes.
    pub sms: Texts,
}

/// The text-message provider a function sends codes with (`None`: `DIANDAN_SMS=off`).
#[derive(Clone, Default)]
pub struct Texts(pub Option<SharedSms>);

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The provider holds the vendor's secret: never shown.
        f.write_str(if self.0.is_some() {
            "Texts(on)"
        } else {
            "Texts(off)"
        })
    }
}

impl Config {
    /// `function`'s settings from the process environment, with the secrets it names read
    /// from Parameter Store (only contacted when some setting names a parameter).
    pub async fn load(function: Function) -> Result<Self, ConfigError> {
        let env = |var: &str| std::env::var(var).ok();
        let read = if secrets::any_named(&SECRET_VARS, &env) {
            let ssm = Ssm::from_env().await.map_err(ConfigError::Parameter)?;
            let optional: Vec<&str> = [ORIGIN_PREVIOUS_VAR]
                .into_iter()
                .chain(SMS_SECRET_VARS)
                .collect();
            secrets::read_named(&SECRET_VARS, &optional, &env, &ssm)
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
        let data_key = match value(DATA_KEY_VAR) {
            Some(key) if function.keeps_numbers() => {
                Some(DataKey::new(&key).map_err(ConfigError::DataKey)?)
            }
            None if function.keeps_numbers() => {
                return Err(ConfigError::Missing {
                    var: DATA_KEY_VAR,
                    what: "the key that seals kept phone numbers (64 hex digits, the same for \
                           every function)",
                })
            }
            _ => None,
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
        let sms = if function.sends_texts() {
            texts_from(&value)?
        } else {
            Texts::default()
        };
        Ok(Self {
            table: table.trim().to_owned(),
            secret,
            data_key,
            catalogue,
            limits,
            human_check,
            admin_token: value(ADMIN_TOKEN_VAR),
            threshold: value(THRESHOLD_VAR),
            edge,
            build_hook,
            site_bucket,
            sms,
        })
    }
}

/// The provider `DIANDAN_SMS` names; unset is `off`. `console` is refused: on Lambda it would
/// print every code into the function's logs, for anyone who may read them.
fn texts_from(value: &dyn Fn(&str) -> Option<String>) -> Result<Texts, ConfigError> {
    let choice = match value(sms::PROVIDER_VAR) {
        Some(text) => Choice::parse(&text).map_err(ConfigError::Guard)?,
        None => Choice::Off,
    };
    if choice == Choice::Console {
        return Err(ConfigError::Guard(format!(
            "{}=console would print every code into the function's logs: set it to aliyun or \
             tencent (or off)",
            sms::PROVIDER_VAR
        )));
    }
    let sms = sms::from_lookup(value, Choice::Off).map_err(ConfigError::Guard)?;
    Ok(Texts(sms))
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn the_admin_token_is_read_but_blank_is_none() {
        let base = |v: &str| match v {
            TABLE_VAR => Some("diandan".to_owned()),
            SECRET_VAR => Some("0123456789abcdef0123".to_owned()),
            DATA_KEY_VAR => Some(KEY.to_owned()),
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
            DATA_KEY_VAR => Some(KEY.into()),
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
