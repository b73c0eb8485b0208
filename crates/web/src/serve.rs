//! The connection loop: accepts TCP connections and serves HTTP/1.1 on each with the limits a
//! public server needs. `axum::serve` sets no timer, so hyper's header timeout never applies
//! there and a client that sends a header line every few seconds (slowloris) or opens
//! connections and says nothing holds them for ever.

use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt;

use crate::{app, AppState};

/// How long a client has to send a request's headers, counted from when the server is ready
/// to read them: the first request of a connection and every kept-alive one after it. So an
/// idle kept-alive connection ends after this long too.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a shutdown waits for requests in flight (a live stream never ends by itself).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves the application on `listener` until `shutdown` resolves; requests in flight are
/// finished (for up to [`SHUTDOWN_GRACE`]) before this returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_timeout = state.config.header_timeout.unwrap_or(HEADER_TIMEOUT);
    let router = app(state);
    // Every connection holds a receiver: the shutdown tells them through it, then waits until
    // all of them are dropped.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // Out of file descriptors, or a connection reset before it was accepted: wait
                // a moment rather than spin or stop serving everyone else.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router
            .clone()
            .map_request(move |mut req: Request<Incoming>| {
                // What `into_make_service_with_connect_info` would attach: the peer's address.
                req.extensions_mut().insert(ConnectInfo(peer));
                req.map(Body::new)
            });
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let conn =
                builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                served = conn.as_mut() => {
                    if let Err(e) = served {
                        tracing::debug!(error = %e, %peer, "connection ended with an error");
                    }
                    return;
                }
                _ = stopping.changed() => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
    }
    drop(stopping);
    let _ = stop.send(true);
    if tokio::time::timeout(SHUTDOWN_GRACE, stop.closed())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace; closing them");
    }
    Ok(())
}
