//! The optional human check against a CAPTCHA service that speaks the common "siteverify"
//! protocol (a form POST of `secret`, `response` and `remoteip`, answered with JSON holding
//! `success`), as Cloudflare Turnstile, hCaptcha and reCAPTCHA do. Off unless configured.

use std::net::IpAddr;
use std::time::Duration;

use super::guard::HumanCheck;

pub const VERIFY_URL_VAR: &str = "DIANDAN_CAPTCHA_VERIFY_URL";
pub const SECRET_VAR: &str = "DIANDAN_CAPTCHA_SECRET";

const TIMEOUT: Duration = Duration::from_secs(5);

/// A siteverify endpoint and the deployment's secret for it.
#[derive(Clone)]
pub struct SiteVerify {
    url: String,
    secret: String,
}

impl std::fmt::Debug for SiteVerify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteVerify")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl SiteVerify {
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            secret: secret.into(),
        }
    }

    /// From `DIANDAN_CAPTCHA_VERIFY_URL` and `DIANDAN_CAPTCHA_SECRET`; `None` when the URL is
    /// unset (the check is off), an error when the URL is set without a secret.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let value = |v| get(v).filter(|s: &String| !s.trim().is_empty());
        let Some(url) = value(VERIFY_URL_VAR) else {
            return Ok(None);
        };
        let secret = value(SECRET_VAR)
            .ok_or_else(|| format!("{VERIFY_URL_VAR} is set but {SECRET_VAR} is not"))?;
        Ok(Some(Self::new(url.trim(), secret.trim())))
    }

    fn ask(&self, answer: &str, client: Option<IpAddr>) -> Result<bool, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        let ip = client.map(|ip| ip.to_string()).unwrap_or_default();
        let mut form = vec![("secret", self.secret.as_str()), ("response", answer)];
        if !ip.is_empty() {
            form.push(("remoteip", ip.as_str()));
        }
        let mut response = (agent.post(&self.url).send_form(form))
            .map_err(|e| format!("the CAPTCHA service did not answer: {e}"))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(format!("the CAPTCHA service answered {status}"));
        }
        let body: serde_json::Value = (response.body_mut().read_json())
            .map_err(|e| format!("the CAPTCHA service's answer is not JSON: {e}"))?;
        Ok(body.get("success").and_then(|s| s.as_bool()) == Some(true))
    }
}

#[async_trait::async_trait]
impl HumanCheck for SiteVerify {
    async fn verify(&self, answer: Option<&str>, client: Option<IpAddr>) -> Result<bool, String> {
        let Some(answer) = answer.map(str::trim).filter(|a| !a.is_empty()) else {
            return Ok(false);
        };
        let (this, answer) = (self.clone(), answer.to_owned());
        tokio::task::spawn_blocking(move || this.ask(&answer, client))
            .await
            .map_err(|e| format!("the CAPTCHA check failed: {e}"))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_only_with_both_settings() {
        assert!(SiteVerify::from_lookup(|_| None).unwrap().is_none());
        let only_url = |v: &str| (v == VERIFY_URL_VAR).then(|| "http://127.0.0.1:9/".to_owned());
        assert!(SiteVerify::from_lookup(only_url)
            .unwrap_err()
            .contains(SECRET_VAR));
        let both = |_: &str| Some("x".to_owned());
        let check = SiteVerify::from_lookup(both).unwrap().unwrap();
        assert!(
            !format!("{check:?}").contains("secret: "),
            "the secret is never printed"
        );
    }
}
