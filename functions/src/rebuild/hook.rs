//! The build hook: what the rebuild function calls once per batch of site changes.
//!
//! The real hook is one HTTPS POST. For GitHub Actions it is a workflow dispatch:
//!
//! ```text
//! POST https://api.github.com/repos/{owner}/{repo}/actions/workflows/{file}/dispatches
//! Accept: application/vnd.github+json
//! Authorization: Bearer {token}          (a token allowed to run the workflow: actions:write)
//! X-GitHub-Api-Version: 2022-11-28
//! Content-Type: application/json
//!
//! {"ref":"main"}
//! ```
//!
//! answered `204 No Content`. Any other build service with a "build hook" URL works too
//! (a POST of `{}` to the URL, with an optional bearer token).

use std::time::Duration;

use async_trait::async_trait;

/// Why the hook did not start a build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    /// The service answered, but not with success.
    #[error("the build hook answered {status}: {body}")]
    Status { status: u16, body: String },
    /// No answer: DNS, TLS, connection or timeout.
    #[error("the build hook could not be reached: {0}")]
    Transport(String),
    /// The hook is not configured properly.
    #[error("the build hook is not configured: {0}")]
    Config(String),
}

impl HookError {
    /// Errors that retrying will not cure (a bad token, a wrong workflow name).
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Status { status, .. } => {
                (400..500).contains(status) && *status != 408 && *status != 429
            }
            Self::Transport(_) => false,
            Self::Config(_) => true,
        }
    }
}

/// Starts a build of the site. Tests use a fake; production an [`HttpHook`].
#[async_trait]
pub trait BuildHook: Send + Sync {
    /// `why` says what changed, for the build service's log.
    async fn trigger(&self, why: &str) -> Result<(), HookError>;
}

/// A POST to a build service. `Debug` shows neither the token nor the URL's path, which for
/// deploy hooks is itself the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpHook {
    pub url: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<String>,
    pub body: String,
    /// Extra headers (GitHub's `Accept` and API version).
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for HttpHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpHook")
            .field("url", &self.shown())
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

/// How long one POST may take.
const TIMEOUT: Duration = Duration::from_secs(15);

impl HttpHook {
    /// A GitHub Actions `workflow_dispatch` of `workflow` (its file name) on `git_ref`.
    pub fn github(repo: &str, workflow: &str, git_ref: &str, token: &str) -> Self {
        Self::github_at("https://api.github.com", repo, workflow, git_ref, token)
    }

    /// The same against another API root (GitHub Enterprise; a local server in tests).
    pub fn github_at(api: &str, repo: &str, workflow: &str, git_ref: &str, token: &str) -> Self {
        let api = api.trim_end_matches('/');
        Self {
            url: format!("{api}/repos/{repo}/actions/workflows/{workflow}/dispatches"),
            token: Some(token.to_owned()),
            body: serde_json::json!({ "ref": git_ref }).to_string(),
            headers: vec![
                ("Accept".into(), "application/vnd.github+json".into()),
                ("X-GitHub-Api-Version".into(), "2022-11-28".into()),
            ],
        }
    }

    /// From the environment: `DIANDAN_BUILD_HOOK_URL` (any build hook, with the optional
    /// `DIANDAN_BUILD_HOOK_TOKEN`), or GitHub's `DIANDAN_GITHUB_REPO` (`owner/repo`),
    /// `DIANDAN_GITHUB_WORKFLOW` (e.g. `deploy.yml`), `DIANDAN_GITHUB_TOKEN` and
    /// `DIANDAN_GITHUB_REF` (default `main`). For GitHub, the token may also come as
    /// `DIANDAN_BUILD_HOOK_TOKEN` (the deployment reads one `build-hook-token` parameter).
    pub fn from_env() -> Result<Self, HookError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`HttpHook::from_env`], from any lookup of settings.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, HookError> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        if let Some(url) = var("DIANDAN_BUILD_HOOK_URL") {
            let token = var("DIANDAN_BUILD_HOOK_TOKEN");
            let headers = Vec::new();
            return Ok(Self {
                url,
                token,
                body: "{}".into(),
                headers,
            });
        }
        let need = |name: &str| {
            var(name)
                .ok_or_else(|| HookError::Config(format!("set {name} or DIANDAN_BUILD_HOOK_URL")))
        };
        let (repo, workflow) = (
            need("DIANDAN_GITHUB_REPO")?,
            need("DIANDAN_GITHUB_WORKFLOW")?,
        );
        let token = (var("DIANDAN_GITHUB_TOKEN").or_else(|| var("DIANDAN_BUILD_HOOK_TOKEN")))
            .ok_or_else(|| HookError::Config("set DIANDAN_GITHUB_TOKEN".into()))?;
        let git_ref = var("DIANDAN_GITHUB_REF").unwrap_or_else(|| "main".into());
        Ok(Self::github(&repo, &workflow, &git_ref, &token))
    }

    /// The hook's scheme and host, for logs: deploy-hook URLs (Netlify, Vercel, Cloudflare
    /// Pages) carry their secret in the path, so the rest of the URL is never written out.
    fn shown(&self) -> String {
        let (scheme, rest) = self.url.split_once("://").unwrap_or(("", &self.url));
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = host.rsplit('@').next().unwrap_or_default();
        format!("{scheme}://{host}/…")
    }

    /// The POST itself, blocking (run it off the async threads).
    fn post(&self) -> Result<(), HookError> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("User-Agent", "diandan-rebuild");
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let mut response = (request.send(self.body.as_str()))
            .map_err(|e| HookError::Transport(e.to_string().replace(&self.url, &self.shown())))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Err(HookError::Status {
            status,
            body: body.chars().take(300).collect(),
        })
    }
}

#[async_trait]
impl BuildHook for HttpHook {
    async fn trigger(&self, why: &str) -> Result<(), HookError> {
        tracing::info!(hook = %self.shown(), why, "calling the build hook");
        let hook = self.clone();
        (tokio::task::spawn_blocking(move || hook.post()).await)
            .map_err(|e| HookError::Transport(format!("the hook task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_show_only_the_hooks_host() {
        let hook = HttpHook {
            url: "https://api.netlify.com/build_hooks/5f0c1e2d3b4a?trigger_title=x".into(),
            token: Some("ghp_secret".into()),
            body: "{}".into(),
            headers: Vec::new(),
        };
        assert_eq!(hook.shown(), "https://api.netlify.com/…");
        let shown = format!("{hook:?}");
        assert!(
            !shown.contains("5f0c1e2d3b4a") && !shown.contains("ghp_secret"),
            "{shown}"
        );
    }
}
