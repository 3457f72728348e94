//! Abuse limits in front of every public write: per-client and per-person counts kept in the
//! store (so they hold across Lambda instances), answered with `429` and `Retry-After`, and an
//! optional human check (a CAPTCHA service) for deployments that need one.
//!
//! The limits and where to change them are in docs/api.md, "Abuse limits".

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::input::{decode, mode_of, wants_json, Allowed, Mode, Rejected, BODY_LIMIT};
use super::problem::{ApiError, FieldError};
use super::respond;
use super::state::ApiState;
use crate::domain::Phone;
use crate::store::{Attempt, LimitKey};

/// The form field a CAPTCHA widget's answer arrives in, accepted by every public form.
pub const HUMAN_FIELD: &str = "captcha";

/// Where a request came from, as the hosting layer saw it (`diandan serve`: the TCP peer, or
/// the proxy's `X-Forwarded-For` when told to trust it; Lambda: API Gateway's source IP).
/// Without it only the per-person limit applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// At most `max` attempts per `window_secs`; `max == 0` switches the rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub max: u32,
    pub window_secs: u32,
}

impl Rule {
    pub const OFF: Rule = Rule {
        max: 0,
        window_secs: 60,
    };

    /// `120/10m`, `30/1h`, `5/30s` or `off`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") || text == "0" {
            return Ok(Self::OFF);
        }
        let bad = || format!("`{text}` is not a limit: write it as 120/10m, 30/1h, 5/30s or off");
        let (max, window) = text.split_once('/').ok_or_else(bad)?;
        let max: u32 = max.trim().parse().map_err(|_| bad())?;
        let window = window.trim();
        let (digits, unit) = window.split_at(window.len().saturating_sub(1));
        let scale = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => return Err(bad()),
        };
        let n: u32 = digits.parse().map_err(|_| bad())?;
        let window_secs = n.checked_mul(scale).filter(|w| *w > 0).ok_or_else(bad)?;
        Ok(Self { max, window_secs })
    }

    fn is_on(self) -> bool {
        self.max > 0
    }
}

/// The limits a deployment enforces. The defaults suit a county: a village culture station
/// helping dozens of elderly residents from one connection stays well inside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_client: Rule,
    pub per_person: Rule,
    /// Proxy submissions one village helper may make per day (China time); 0: no cap.
    pub helper_daily: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_client: Rule {
                max: 120,
                window_secs: 600,
            },
            per_person: Rule {
                max: 30,
                window_secs: 3600,
            },
            helper_daily: 60,
        }
    }
}

pub const CLIENT_LIMIT_VAR: &str = "DIANDAN_LIMIT_PER_CLIENT";
pub const PERSON_LIMIT_VAR: &str = "DIANDAN_LIMIT_PER_PERSON";
pub const HELPER_CAP_VAR: &str = "DIANDAN_HELPER_DAILY_CAP";

impl Limits {
    /// The defaults, changed by `DIANDAN_LIMIT_PER_CLIENT`, `DIANDAN_LIMIT_PER_PERSON` and
    /// `DIANDAN_HELPER_DAILY_CAP` (a number, or `off`).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut limits = Self::default();
        if let Some(v) = get(CLIENT_LIMIT_VAR) {
            limits.per_client = Rule::parse(&v).map_err(|e| format!("{CLIENT_LIMIT_VAR}: {e}"))?;
        }
        if let Some(v) = get(PERSON_LIMIT_VAR) {
            limits.per_person = Rule::parse(&v).map_err(|e| format!("{PERSON_LIMIT_VAR}: {e}"))?;
        }
        if let Some(v) = get(HELPER_CAP_VAR) {
            limits.helper_daily = match v.trim() {
                "off" => 0,
                n => (n.parse().ok().filter(|n| *n > 0)).ok_or_else(|| {
                    format!("{HELPER_CAP_VAR}: `{n}` is not a number of submissions a day or `off`")
                })?,
            };
        }
        Ok(limits)
    }
}

/// A CAPTCHA service (or any other proof of a human), asked before a public write is taken.
#[async_trait::async_trait]
pub trait HumanCheck: Send + Sync {
    /// Whether `answer` (what the widget put in the `captcha` field) proves a human.
    /// An `Err` is the service failing: the write is refused with 503, never let through.
    async fn verify(&self, answer: Option<&str>, client: Option<IpAddr>) -> Result<bool, String>;
}

pub type SharedHumanCheck = Arc<dyn HumanCheck>;

/// The middleware on the public write routes.
pub(super) async fn guard(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    let client = req.extensions().get::<ClientAddr>().map(|c| c.0);
    if is_code_lookup(&req) {
        let mode = if wants_json(req.headers()) {
            Mode::Json
        } else {
            Mode::Form
        };
        return match per_client(&state, client).await {
            Ok(()) => next.run(req).await,
            Err((error, retry)) => refuse(&state, mode, error, retry),
        };
    }
    if !matches!(*req.method(), Method::POST | Method::DELETE) {
        return next.run(req).await;
    }
    let mode = mode_of(req.headers()).unwrap_or(Mode::Json);
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return refuse(&state, mode, ApiError::too_large(BODY_LIMIT), None),
    };
    if let Err((error, retry)) = check(&state, client, mode, &bytes).await {
        return refuse(&state, mode, error, retry);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A page that looks a registration up by its code (status, cancel question): reading, but
/// each one is a guess at a code, so it counts against the client like a write.
fn is_code_lookup(req: &Request) -> bool {
    req.method() == Method::GET && req.uri().path().starts_with("/api/registrations/")
}

async fn per_client(
    state: &ApiState,
    client: Option<IpAddr>,
) -> Result<(), (ApiError, Option<u32>)> {
    let rule = state.limits().per_client;
    match client.filter(|_| rule.is_on()) {
        Some(ip) => within(state, LimitKey::client(state.secret(), ip), rule).await,
        None => Ok(()),
    }
}

/// The limits, then the human check. `Err` carries the answer and any `Retry-After`.
async fn check(
    state: &ApiState,
    client: Option<IpAddr>,
    mode: Mode,
    body: &Bytes,
) -> Result<(), (ApiError, Option<u32>)> {
    let limits = state.limits();
    per_client(state, client).await?;
    // The handler decodes the body again with the same function; a body this cannot decode
    // the handler refuses too, so nothing it takes escapes the per-person count.
    let fields = decode(mode, body, Allowed::Any).unwrap_or_default();
    if let Some(phone) = fields.get("phone").and_then(|p| Phone::parse(p).ok()) {
        if limits.per_person.is_on() {
            let key = LimitKey::person(&state.secret().person_key(&phone));
            within(state, key, limits.per_person).await?;
        }
    }
    if let Some(human) = state.human_check() {
        match human.verify(fields.get(HUMAN_FIELD), client).await {
            Ok(true) => {}
            Ok(false) => return Err((not_human(), None)),
            Err(cause) => return Err((human_check_down(&cause), None)),
        }
    }
    Ok(())
}

/// Counts the attempt; past the rule's maximum, the error and the seconds until the window
/// ends. A store that cannot count lets the request through: losing a resident's order to
/// an outage of the limiter would be worse than a burst slipping past it.
async fn within(
    state: &ApiState,
    key: LimitKey,
    rule: Rule,
) -> Result<(), (ApiError, Option<u32>)> {
    let now = state.now().timestamp();
    let attempt = Attempt::new(key, now, rule.window_secs);
    let ends = attempt.expires_at;
    match state.store().count_attempt(attempt).await {
        Ok(n) if n > rule.max => {
            let retry = u32::try_from((ends - now).max(1)).unwrap_or(rule.window_secs);
            Err((too_many(retry), Some(retry)))
        }
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::error!(error = %e, "the abuse limiter could not count; request let through");
            Ok(())
        }
    }
}

fn too_many(retry: u32) -> ApiError {
    let wait = if retry >= 120 {
        format!("{} 分钟", retry.div_ceil(60))
    } else {
        format!("{retry} 秒")
    };
    let detail =
        format!("为防止滥用，短时间内提交次数有限。请 {wait}后再试，您之前提交的内容都已保存。");
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "提交太频繁了",
        &detail,
    )
}

/// A field mistake on `captcha` (never `403`, which the CDN in front of the site rewrites).
fn not_human() -> ApiError {
    ApiError::validation(vec![FieldError {
        field: HUMAN_FIELD.to_owned(),
        message: "请先完成页面上的人机验证，再提交。".to_owned(),
    }])
}

fn human_check_down(cause: &str) -> ApiError {
    tracing::error!(%cause, "the human check service failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "验证服务暂时不可用",
        "请稍后再试；如果一直不行，请拨打文化馆服务台电话。",
    )
}

fn refuse(state: &ApiState, mode: Mode, error: ApiError, retry: Option<u32>) -> Response {
    let mut response = respond::rejected(state, Rejected { mode, error });
    if let Some(seconds) = retry {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_explain_mistakes() {
        assert_eq!(
            Rule::parse("120/10m"),
            Ok(Rule {
                max: 120,
                window_secs: 600
            })
        );
        assert_eq!(
            Rule::parse(" 5/30s "),
            Ok(Rule {
                max: 5,
                window_secs: 30
            })
        );
        assert_eq!(
            Rule::parse("30/1h"),
            Ok(Rule {
                max: 30,
                window_secs: 3600
            })
        );
        assert_eq!(Rule::parse("off"), Ok(Rule::OFF));
        for bad in ["", "10", "10/", "x/1m", "10/0m", "10/5d", "-1/1m"] {
            let err = Rule::parse(bad).unwrap_err();
            assert!(err.contains("120/10m"), "{bad}: {err}");
        }
    }

    #[test]
    fn limits_come_from_the_environment() {
        let limits = Limits::from_lookup(|v| (v == PERSON_LIMIT_VAR).then(|| "3/1m".into()));
        let limits = limits.unwrap();
        assert_eq!(
            limits.per_person,
            Rule {
                max: 3,
                window_secs: 60
            }
        );
        assert_eq!(limits.per_client, Limits::default().per_client);
        let bad = Limits::from_lookup(|v| (v == CLIENT_LIMIT_VAR).then(|| "lots".into()));
        assert!(bad.unwrap_err().starts_with(CLIENT_LIMIT_VAR));
        assert_eq!(limits.helper_daily, 60);
        let cap = |value: &str| {
            let value = value.to_owned();
            Limits::from_lookup(move |v| (v == HELPER_CAP_VAR).then(|| value.clone()))
        };
        assert_eq!(cap("25").map(|l| l.helper_daily), Ok(25));
        assert_eq!(cap("off").map(|l| l.helper_daily), Ok(0));
        for bad in ["0", "-3", "lots"] {
            assert!(cap(bad).unwrap_err().starts_with(HELPER_CAP_VAR), "{bad}");
        }
    }
}
