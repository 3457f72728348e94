//! The vendors' HTTPS POST: `ureq` (already the rebuild hook's client, rustls with ring) on a
//! blocking thread, so an async handler never waits on a socket with a runtime thread.

use std::time::Duration;

use super::SmsError;

/// How long one request to a vendor may take; a resident is waiting on the page.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A vendor's answer: status and body text.
pub(super) struct Answer {
    pub status: u16,
    pub body: String,
}

/// POSTs `body` to `url` with `headers`. Errors never carry the body (it holds the code).
pub(super) async fn post(
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> Result<Answer, SmsError> {
    let task = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent.post(&url).header("User-Agent", "diandan");
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let mut response = request
            .send(&body[..])
            .map_err(|e| SmsError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let body = (response.body_mut().read_to_string())
            .map_err(|e| SmsError::Transport(format!("reading the answer: {e}")))?;
        Ok(Answer { status, body })
    });
    task.await
        .map_err(|e| SmsError::Transport(format!("the request task failed: {e}")))?
}

/// The `host` a request to `url` carries: its authority, without a default port.
pub(super) fn host_of(url: &str) -> Result<String, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{url} is not an http(s) address"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let default = match scheme {
        "https" => ":443",
        "http" => ":80",
        _ => return Err(format!("{url} is not an http(s) address")),
    };
    let host = authority.strip_suffix(default).unwrap_or(authority);
    if host.is_empty() {
        return Err(format!("{url} has no host"));
    }
    Ok(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_drop_default_ports_only() {
        assert_eq!(
            host_of("https://dysmsapi.aliyuncs.com").unwrap(),
            "dysmsapi.aliyuncs.com"
        );
        assert_eq!(host_of("https://a.example:443/").unwrap(), "a.example");
        assert_eq!(
            host_of("http://127.0.0.1:8123/x").unwrap(),
            "127.0.0.1:8123"
        );
        assert!(host_of("ftp://x").is_err());
        assert!(host_of("nohost").is_err());
    }
}
