//! Read-your-writes when reads go to a PostgreSQL replica (`--read-database-url`): a request
//! that writes, and every request of the same session for a short while after, reads from the
//! primary; everyone else reads from the replica, which may lag a little behind.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;

use crate::viewer::SESSION_COOKIE;
use crate::AppState;

/// How long a session keeps reading from the primary after it wrote: well above the lag of a
/// streaming replica on a healthy network.
const STICKY: Duration = Duration::from_secs(10);

/// Sessions that wrote lately, by a hash of their cookie or token.
#[derive(Default)]
pub struct RecentWriters(Mutex<HashMap<u64, Instant>>);

impl RecentWriters {
    fn wrote_lately(&self, key: &u64) -> bool {
        self.0
            .lock()
            .map(|m| m.get(key).is_some_and(|t| t.elapsed() < STICKY))
            .unwrap_or(true)
    }

    fn wrote(&self, key: u64) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() > 50_000 {
                m.retain(|_, t| t.elapsed() < STICKY);
            }
            m.insert(key, Instant::now());
        }
    }
}

/// The session a request belongs to: its session cookie or bearer token, hashed.
fn session_key(req: &Request) -> Option<u64> {
    let headers = req.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value);
    let secret = bearer.or(cookie)?;
    let mut h = DefaultHasher::new();
    secret.hash(&mut h);
    Some(h.finish())
}

pub async fn read_your_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.store.has_replica() {
        return next.run(req).await;
    }
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    let key = session_key(&req);
    let lately = key.is_some_and(|k| state.recent_writers.wrote_lately(&k));
    if !writes && !lately {
        return next.run(req).await;
    }
    let response = skolebro_store::with_primary_reads(next.run(req)).await;
    if writes {
        if let Some(k) = key {
            state.recent_writers.wrote(k);
        }
    }
    response
}
