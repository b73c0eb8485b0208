//! skolebro's HTTP side: server-rendered pages, the JSON API under `/api/v1/`, sessions.
//!
//! Each area keeps its pages and its API side by side in a module of its own name (`people`,
//! `auth`). Handlers are thin: parse, ask `skolebro_domain::access`, call the store, render.

pub mod absence;
pub mod api;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod conferences;
pub mod error;
mod files;
pub mod i18n;
pub mod meetings;
pub mod messages;
mod moments;
pub mod notify;
pub mod paging;
pub mod people;
pub mod posts;
mod replica;
mod serve;
mod viewer;
// Reliability and security.
pub mod limits;
pub mod security;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use skolebro_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::WebError;
pub use serve::{serve, HEADER_TIMEOUT};
pub use viewer::Viewer;

/// Settings of the web side.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Mark cookies `Secure` even when no proxy says the request came over TLS.
    pub secure_cookies: bool,
    /// The content-addressed directory of attached files; without one, uploads are refused.
    pub files_dir: Option<std::path::PathBuf>,
    /// The secret that calendar feed addresses are derived from (the database keeps only a
    /// nonce and a hash). Without one, a random key lives as long as the process.
    pub feed_key: Option<Vec<u8>>,
    /// Per-account limits on message sends and absence reports.
    pub limits: skolebro_domain::limits::RateLimits,
    /// How long a client may take to send a request's headers, and an idle kept-alive
    /// connection may stay; `None` is [`HEADER_TIMEOUT`].
    pub header_timeout: Option<Duration>,
    /// The proxies whose `X-Forwarded-For` names the client (`--trusted-proxies`); without
    /// any, the header never counts.
    pub trusted_proxies: Vec<security::IpNet>,
    /// The address people open skolebro at (`--public-url`): calendar feed addresses are
    /// built on it. Without it, on the request's host.
    pub public_url: Option<String>,
    /// Upload quotas in bytes, per account and per school; `None` is the domain's default
    /// (`skolebro_domain::files::DEFAULT_*_QUOTA_BYTES`).
    pub account_quota_bytes: Option<u64>,
    pub school_quota_bytes: Option<u64>,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// New messages, for the live streams of this server (Server-Sent Events).
    pub events: tokio::sync::broadcast::Sender<messages::MessageEvent>,
    /// People whose sessions ended on this server (signed out, password changed): their live
    /// streams check at once whether they still stand. Other servers' streams find out on
    /// their next periodic check.
    pub session_ends: tokio::sync::broadcast::Sender<skolebro_domain::PersonId>,
    /// Sessions that wrote lately: they read from the primary when reads go to a replica.
    pub recent_writers: Arc<replica::RecentWriters>,
    /// The key calendar feed addresses are derived from.
    pub feed_key: Arc<Vec<u8>>,
    /// Recent writes per account, for the rate limits.
    pub limiter: Arc<limits::Limiter>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        let feed_key = Arc::new(
            config
                .feed_key
                .clone()
                .unwrap_or_else(|| skolebro_store::auth::random_token().into_bytes()),
        );
        AppState {
            store,
            limiter: Arc::new(limits::Limiter::new(config.limits)),
            config: Arc::new(config),
            events: messages::event_channel(),
            session_ends: tokio::sync::broadcast::channel(256).0,
            recent_writers: Default::default(),
            feed_key,
        }
    }
}

/// The largest request body accepted: forms and JSON are small. Larger bodies get 413.
pub const BODY_LIMIT: usize = 64 * 1024;

const STYLESHEET: &str = include_str!("../static/style.css");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let security_headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        // Pages and API answers are a person's own: no browser, proxy or back button keeps them
        // (issue 15). Answers that may be kept say so themselves: the stylesheet and script,
        // content-addressed files (`private`), the calendar feed.
        (header::CACHE_CONTROL, "no-store"),
    ];
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/static/style.css", get(stylesheet))
        .merge(auth::routes())
        .merge(people::routes())
        .merge(messages::routes())
        .merge(cases::routes())
        .merge(conferences::routes())
        .merge(absence::routes())
        .merge(calendar::routes())
        .merge(meetings::routes())
        .merge(notify::routes())
        .merge(api::routes())
        .merge(posts::routes())
        .fallback(|| async { WebError::NotFound })
        .layer(axum::middleware::from_fn(api::normalise_json_numbers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            viewer::attach_viewer_and_render_errors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            replica::read_your_writes,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            WebError::Internal.into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::strict_transport_security,
        ));
    for (name, value) in security_headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router.with_state(state)
}
