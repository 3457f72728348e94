//! A function's secrets, read from Parameter Store once when it starts. The deployment never
//! puts a secret in an environment variable: it names the parameter instead
//! (`DIANDAN_HMAC_SECRET_PARAMETER=/diandan/hmac-secret`), and the function reads it through
//! the SSM API (`GetParameter`, decrypted) before it serves anything. A setting given directly
//! (`DIANDAN_HMAC_SECRET`) still works for local runs and tests.
//!
//! Why the SSM API and not the Parameters and Secrets Lambda extension: the extension answers
//! only in a function's invoke phase, not while it starts, where these secrets are needed, and
//! it is a layer with a different ARN in every region and partition (docs/deploy.md).

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_ssm::error::ProvideErrorMetadata as _;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

/// A setting named `{VAR}{PARAMETER_SUFFIX}` holds the name of the parameter with `VAR`'s value.
pub const PARAMETER_SUFFIX: &str = "_PARAMETER";

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParameterError {
    #[error("the parameter {name} (named by {var}) does not exist: create it (docs/deploy.md)")]
    Missing { var: String, name: String },
    #[error("cannot read the parameter {name} (named by {var}): {reason}")]
    Unreadable {
        var: String,
        name: String,
        reason: String,
    },
    #[error("cannot read Parameter Store: no AWS region is configured (set AWS_REGION)")]
    NoRegion,
}

/// Where parameters are read from: Parameter Store, or a stand-in in tests.
#[async_trait]
pub trait ParameterSource: Send + Sync {
    /// The parameter's value, decrypted; `None` when it does not exist.
    async fn get(&self, name: &str) -> Result<Option<String>, String>;
}

/// Parameter Store through the SSM API.
#[derive(Debug, Clone)]
pub struct Ssm {
    client: aws_sdk_ssm::Client,
}

impl Ssm {
    /// The client from the standard AWS environment (region, credentials, endpoint), with the
    /// same HTTPS client and short timeouts as the store's: a function that cannot read its
    /// secrets should fail its start quickly, not hang.
    pub async fn from_env() -> Result<Self, ParameterError> {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_timeout(Duration::from_secs(8))
            .build();
        let config = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(timeouts)
            .load()
            .await;
        if config.region().is_none() {
            return Err(ParameterError::NoRegion);
        }
        Ok(Self::with_client(aws_sdk_ssm::Client::new(&config)))
    }

    /// Over a client configured elsewhere (tests point one at a local stand-in).
    pub fn with_client(client: aws_sdk_ssm::Client) -> Self {
        Self { client }
    }
}

/// The HTTPS client (rustls with ring, as the store's), which also speaks plain HTTP.
pub fn http_client() -> aws_sdk_ssm::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

#[async_trait]
impl ParameterSource for Ssm {
    async fn get(&self, name: &str) -> Result<Option<String>, String> {
        let sent = (self.client.get_parameter())
            .name(name)
            .with_decryption(true)
            .send()
            .await;
        match sent {
            Ok(out) => Ok(out.parameter.and_then(|p| p.value)),
            Err(e) if e.code() == Some("ParameterNotFound") => Ok(None),
            Err(e) => Err(match e.message() {
                Some(message) => format!("{}: {message}", e.code().unwrap_or("error")),
                None => aws_sdk_ssm::error::DisplayErrorContext(&e).to_string(),
            }),
        }
    }
}

/// The values of those of `vars` whose parameter `lookup` names, read from `source`. A
/// parameter named but missing is an error unless its variable is in `optional` (a secret
/// kept only while it is being rotated out).
pub async fn read_named(
    vars: &[&str],
    optional: &[&str],
    lookup: &(dyn Fn(&str) -> Option<String> + Sync),
    source: &dyn ParameterSource,
) -> Result<HashMap<String, String>, ParameterError> {
    let mut found = HashMap::new();
    for &var in vars {
        let Some(name) = lookup(&format!("{var}{PARAMETER_SUFFIX}")) else {
            continue;
        };
        let name = name.trim().to_owned();
        if name.is_empty() {
            continue;
        }
        let value = source
            .get(&name)
            .await
            .map_err(|reason| ParameterError::Unreadable {
                var: format!("{var}{PARAMETER_SUFFIX}"),
                name: name.clone(),
                reason,
            })?;
        match value {
            Some(value) => {
                found.insert(var.to_owned(), value);
            }
            None if optional.contains(&var) => {}
            None => {
                return Err(ParameterError::Missing {
                    var: format!("{var}{PARAMETER_SUFFIX}"),
                    name,
                })
            }
        }
    }
    Ok(found)
}

/// Whether any of `vars` is given as a parameter (only then is Parameter Store contacted).
pub fn any_named(vars: &[&str], lookup: &dyn Fn(&str) -> Option<String>) -> bool {
    vars.iter().any(|var| {
        lookup(&format!("{var}{PARAMETER_SUFFIX}")).is_some_and(|name| !name.trim().is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read as _, Write as _};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    /// A loopback stand-in for the SSM API: answers each POST from `answers` (status, JSON
    /// body) in turn, and keeps each request's headers and body for the test to inspect.
    fn stand_in(answers: Vec<(u16, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&seen);
        std::thread::spawn(move || {
            for (status, body) in answers {
                let Ok((mut conn, _)) = listener.accept() else {
                    return;
                };
                let request = read_request(&mut conn);
                kept.lock().unwrap().push(request);
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(answer.as_bytes());
            }
        });
        (url, seen)
    }

    fn read_request(conn: &mut std::net::TcpStream) -> String {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf).unwrap_or(0);
            bytes.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&bytes).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = (head.lines())
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    return text;
                }
            }
            if n == 0 {
                return text;
            }
        }
    }

    fn client(url: &str) -> Ssm {
        let config = aws_sdk_ssm::Config::builder()
            .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
            .region(aws_sdk_ssm::config::Region::new("cn-northwest-1"))
            .endpoint_url(url)
            .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .retry_config(aws_sdk_ssm::config::retry::RetryConfig::disabled())
            .http_client(http_client())
            .build();
        Ssm::with_client(aws_sdk_ssm::Client::from_conf(config))
    }

    #[tokio::test]
    async fn the_reader_asks_for_the_decrypted_parameter() {
        let found = r#"{"Parameter":{"Name":"/diandan/hmac-secret","Type":"SecureString","Value":"s3cret-from-parameter-store","Version":3}}"#;
        let missing = r#"{"__type":"ParameterNotFound","message":"not here"}"#;
        let denied = r#"{"__type":"AccessDeniedException","message":"not allowed to read it"}"#;
        let (url, seen) = stand_in(vec![
            (200, found.into()),
            (400, missing.into()),
            (400, denied.into()),
        ]);
        let ssm = client(&url);
        let value = ssm.get("/diandan/hmac-secret").await.unwrap();
        assert_eq!(value.as_deref(), Some("s3cret-from-parameter-store"));
        assert_eq!(ssm.get("/diandan/nothing").await.unwrap(), None);
        let err = ssm.get("/diandan/admin-token").await.unwrap_err();
        assert!(err.contains("AccessDenied"), "{err}");

        let seen = seen.lock().unwrap();
        let first = seen[0].to_ascii_lowercase();
        assert!(
            first.contains("x-amz-target: amazonssm.getparameter"),
            "{first}"
        );
        let body = seen[0].split_once("\r\n\r\n").unwrap().1;
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["Name"], "/diandan/hmac-secret");
        assert_eq!(
            body["WithDecryption"], true,
            "SecureStrings come back decrypted"
        );
    }

    /// A source from a map, for the resolution rules.
    struct Map(HashMap<&'static str, &'static str>);

    #[async_trait]
    impl ParameterSource for Map {
        async fn get(&self, name: &str) -> Result<Option<String>, String> {
            Ok(self.0.get(name).map(|v| (*v).to_owned()))
        }
    }

    #[tokio::test]
    async fn only_named_parameters_are_read_and_missing_ones_refused() {
        let store = Map(HashMap::from([("/d/hmac", "from-the-store-0123456789")]));
        let env = |var: &str| match var {
            "A_PARAMETER" => Some("/d/hmac".to_owned()),
            "B_PARAMETER" => Some("/d/previous".to_owned()),
            _ => None,
        };
        let read = read_named(&["A", "B", "C"], &["B"], &env, &store)
            .await
            .unwrap();
        assert_eq!(
            read.get("A").map(String::as_str),
            Some("from-the-store-0123456789")
        );
        assert!(!read.contains_key("B") && !read.contains_key("C"));
        assert!(any_named(&["A"], &env) && !any_named(&["C"], &env));

        let err = read_named(&["A", "B"], &[], &env, &store)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ParameterError::Missing { name, .. } if name == "/d/previous"),
            "{err}"
        );
    }
}
