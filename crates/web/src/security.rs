//! Strict-Transport-Security for requests that came over TLS. The other security headers are
//! the same on every response and set in `lib.rs`; HSTS only makes sense behind TLS: when the
//! server is configured so (`--behind-tls`, `--secure-cookies`) or its proxy says so
//! (`X-Forwarded-Proto: https`).

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// One year, subdomains included: a school's skolebro is served over HTTPS or not at all.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Whether a request reached the server over TLS, by configuration or by the proxy's word.
pub fn behind_tls(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// Middleware: adds HSTS to every response of a request that came over TLS.
pub async fn strict_transport_security(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let tls = behind_tls(&state, req.headers());
    let mut response = next.run(req).await;
    if tls {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

pub use ipnet::IpNet;

/// One entry of `--trusted-proxies`: a network (`10.0.0.0/8`, `fd00::/8`) or one address.
pub fn parse_proxy(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is neither an address nor a network such as 10.0.0.0/8"))
}

/// The client's address: the peer's, unless the peer is a trusted proxy. Then the
/// `X-Forwarded-For` list is read from its right end, where the nearest proxy wrote, past
/// every trusted proxy; the first address that is not one is the client. Without trusted
/// proxies the header never counts: anyone can write it, and the sign-in throttle and the
/// logs would believe them.
pub fn client_address(
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        // A hop that is not an address (garbage, `unknown`) ends the trust: the client is the
        // last proxy that can be named.
        let Ok(ip) = hop.trim().parse::<std::net::IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().expect("header"));
        }
        headers
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxies = [
            parse_proxy("10.0.0.0/8").expect("net"),
            parse_proxy("::1").expect("ip"),
        ];
        let stranger = "203.0.113.9".parse().expect("ip");
        let proxy = "10.1.2.3".parse().expect("ip");
        let headers = forwarded(&["198.51.100.7"]);
        // A stranger's own header is ignored, and so is everything without trusted proxies.
        assert_eq!(client_address(stranger, &headers, &proxies), stranger);
        assert_eq!(client_address(proxy, &headers, &[]), proxy);
        assert_eq!(
            client_address(proxy, &headers, &proxies).to_string(),
            "198.51.100.7"
        );
        // What the client wrote itself, left of the proxies, is not believed.
        let spoofed = forwarded(&["1.2.3.4, 198.51.100.7", "10.9.9.9"]);
        assert_eq!(
            client_address(proxy, &spoofed, &proxies).to_string(),
            "198.51.100.7"
        );
        // Nothing to read, or garbage: the nearest proxy that can be named.
        assert_eq!(client_address(proxy, &HeaderMap::new(), &proxies), proxy);
        assert_eq!(
            client_address(proxy, &forwarded(&["unknown"]), &proxies),
            proxy
        );
        assert!(parse_proxy("10.0.0.0/33").is_err());
        assert!(parse_proxy("school").is_err());
    }
}
