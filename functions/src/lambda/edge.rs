//! The API answers only through the CDN. CloudFront adds a secret header to every request it
//! forwards (`X-Diandan-Origin`, from Parameter Store); a request without it came to API
//! Gateway directly and is refused before any handler, limit or store sees it. Only on a
//! request that carries the secret is the viewer's address taken from the header CloudFront
//! sets (`CloudFront-Viewer-Address`): anyone calling API Gateway directly could otherwise
//! name a new address with every request and never meet the per-client limit.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq as _;

use crate::api::{ApiError, ClientAddr};

/// The header CloudFront sends the origin secret in.
pub const ORIGIN_HEADER: &str = "x-diandan-origin";

/// What a function knows about the CDN in front of it.
#[derive(Clone)]
pub struct Edge {
    /// The secrets a request may carry: the current one, and the previous one while it is
    /// being rotated out. Never empty.
    secrets: Arc<[String]>,
    /// Where CloudFront puts the viewer's address (`cloudfront-viewer-address`), if set.
    client_header: Option<String>,
}

impl std::fmt::Debug for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edge")
            .field("secrets", &format_args!("[{} hidden]", self.secrets.len()))
            .field("client_header", &self.client_header)
            .finish()
    }
}

/// Shorter than this, a secret could be guessed; the deployment makes 32 random bytes.
pub const MIN_SECRET_CHARS: usize = 16;

impl Edge {
    /// The CDN's secret (and the one being rotated out), and the viewer-address header.
    /// `None` when the current secret is missing or too short.
    pub fn new(current: &str, previous: Option<&str>, client_header: Option<&str>) -> Option<Self> {
        let usable = |s: &str| s.trim().chars().count() >= MIN_SECRET_CHARS;
        if !usable(current) {
            return None;
        }
        let secrets: Vec<String> = std::iter::once(current)
            .chain(previous.filter(|p| usable(p)))
            .map(|s| s.trim().to_owned())
            .collect();
        let client_header =
            (client_header.map(|h| h.trim().to_ascii_lowercase())).filter(|h| !h.is_empty());
        Some(Self {
            secrets: secrets.into(),
            client_header,
        })
    }

    /// Whether a request carrying `value` came through the CDN. Compared in constant time,
    /// so the answer's timing tells nothing about how much of a guess was right.
    fn admits(&self, value: Option<&[u8]>) -> bool {
        let Some(value) = value else { return false };
        self.secrets
            .iter()
            .fold(false, |ok, s| ok | bool::from(s.as_bytes().ct_eq(value)))
    }
}

/// Refuses requests that did not come through the CDN; tags the rest with the client's
/// address (for the abuse limits): the viewer's from the CDN's header, else API Gateway's
/// source IP.
pub async fn gate(edge: Edge, mut req: Request, next: Next) -> Response {
    let presented = req.headers().get(ORIGIN_HEADER).map(|v| v.as_bytes());
    if !edge.admits(presented) {
        return ApiError::not_found("请通过网站访问。").into_response();
    }
    // The secret stops here: no handler, log or error page ever sees it.
    req.headers_mut().remove(ORIGIN_HEADER);
    let from_header = (edge.client_header.as_deref())
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        .and_then(address_of);
    if let Some(ip) = from_header.or_else(|| source_ip(&req)) {
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}

/// The source IP API Gateway saw.
fn source_ip(req: &Request) -> Option<IpAddr> {
    use lambda_http::request::RequestContext;
    match req.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref()?.parse().ok(),
        _ => None,
    }
}

/// An address, alone or with a port: `203.0.113.9`, `203.0.113.9:46532`,
/// `2001:db8::1:46532` (CloudFront-Viewer-Address writes IPv6 without brackets).
pub(super) fn address_of(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    // The port first: `2001:db8::1:443` would also read as one IPv6 address.
    let without_port = (value.rsplit_once(':'))
        .filter(|(_, port)| port.parse::<u16>().is_ok())
        .and_then(|(ip, _)| ip.trim_matches(['[', ']']).parse().ok());
    without_port.or_else(|| value.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_addresses_parse_with_or_without_a_port() {
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert_eq!(address_of("203.0.113.9:46532"), ip("203.0.113.9"));
        assert_eq!(address_of("203.0.113.9"), ip("203.0.113.9"));
        assert_eq!(address_of("2001:db8::1:46532"), ip("2001:db8::1"));
        assert_eq!(address_of("[2001:db8::1]:443"), ip("2001:db8::1"));
        assert_eq!(address_of("2001:db8::1:443"), ip("2001:db8::1"));
        assert_eq!(address_of("not-an-address"), None);
    }

    #[test]
    fn only_the_current_or_previous_secret_is_admitted() {
        assert!(Edge::new("short", None, None).is_none());
        assert!(Edge::new("   ", None, None).is_none());
        let edge = Edge::new(
            "current-origin-secret-0123",
            Some("previous-origin-secret-456"),
            Some(" CloudFront-Viewer-Address "),
        )
        .unwrap();
        assert_eq!(
            edge.client_header.as_deref(),
            Some("cloudfront-viewer-address")
        );
        assert!(edge.admits(Some(b"current-origin-secret-0123")));
        assert!(edge.admits(Some(b"previous-origin-secret-456")));
        assert!(!edge.admits(Some(b"current-origin-secret-012")));
        assert!(!edge.admits(Some(b"")));
        assert!(!edge.admits(None));
        // A previous secret too short to be one is ignored, not admitted.
        let edge = Edge::new("current-origin-secret-0123", Some("x"), None).unwrap();
        assert!(!edge.admits(Some(b"x")));
        assert!(!format!("{edge:?}").contains("current-origin"));
    }
}
