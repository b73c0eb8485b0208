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
