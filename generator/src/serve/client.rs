//! Who is asking: tags each request with the client's address for the API's abuse limits.
//!
//! Requests from this machine itself (the load test, a staff script, or a reverse proxy) carry
//! no address, so only the per-person limit applies to them — unless the operator says a
//! proxy in front of `serve` is trusted (`DIANDAN_TRUSTED_PROXY=1`), in which case the last
//! address the proxy appended to `X-Forwarded-For` is the client's.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use diandan_functions::api::ClientAddr;

pub const TRUSTED_PROXY_VAR: &str = "DIANDAN_TRUSTED_PROXY";

/// Whether the environment says a reverse proxy on this machine is trusted.
pub fn trusted_proxy_from_env() -> bool {
    matches!(
        std::env::var(TRUSTED_PROXY_VAR).as_deref().map(str::trim),
        Ok("1" | "true" | "yes")
    )
}

/// The middleware: inserts [`ClientAddr`] when the client is known.
pub async fn tag(trust_proxy: bool, mut req: Request, next: Next) -> Response {
    let peer = (req.extensions().get::<ConnectInfo<SocketAddr>>()).map(|c| c.0.ip());
    let forwarded = forwarded_for(req.headers());
    if let Some(ip) = client_of(peer, forwarded.as_deref(), trust_proxy) {
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}

/// Every `X-Forwarded-For` line, joined in order: a client may send a line of its own, and the
/// proxy then adds another rather than appending to it, so the proxy's is the last.
fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let lines: Vec<&str> = (headers.get_all("x-forwarded-for").iter())
        .map(|v| v.to_str().ok())
        .collect::<Option<_>>()?;
    (!lines.is_empty()).then(|| lines.join(","))
}

fn client_of(peer: Option<IpAddr>, forwarded: Option<&str>, trust_proxy: bool) -> Option<IpAddr> {
    let peer = peer?;
    if !peer.is_loopback() {
        return Some(peer);
    }
    if !trust_proxy {
        return None;
    }
    // The proxy appends the address it saw last; anything before it the client could forge.
    forwarded?.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn remote_peers_are_clients_and_loopback_only_through_a_trusted_proxy() {
        assert_eq!(
            client_of(ip("192.0.2.4"), Some("10.0.0.1"), true),
            ip("192.0.2.4")
        );
        assert_eq!(client_of(ip("127.0.0.1"), None, false), None);
        assert_eq!(client_of(ip("127.0.0.1"), Some("203.0.113.9"), false), None);
        let chain = Some("1.2.3.4, 203.0.113.9");
        assert_eq!(client_of(ip("127.0.0.1"), chain, true), ip("203.0.113.9"));
        assert_eq!(client_of(ip("::1"), Some("not an address"), true), None);
        assert_eq!(client_of(None, chain, true), None);
    }

    /// The proxy's own line comes last; the client's forged line must not win.
    #[tokio::test]
    async fn a_second_forwarded_line_from_the_proxy_names_the_client() {
        use axum::routing::get;
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/",
                get(|req: Request| async move {
                    let addr = req
                        .extensions()
                        .get::<ClientAddr>()
                        .map(|c| c.0.to_string());
                    addr.unwrap_or_default()
                }),
            )
            .layer(axum::middleware::from_fn(|req, next| tag(true, req, next)));
        let mut req = Request::builder()
            .uri("/")
            .header("x-forwarded-for", "198.51.100.1")
            .header("x-forwarded-for", "203.0.113.9")
            .body(axum::body::Body::empty())
            .unwrap();
        let loopback: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(loopback));
        let answer = app.oneshot(req).await.unwrap();
        let body = axum::body::to_bytes(answer.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], b"203.0.113.9");
    }
}
