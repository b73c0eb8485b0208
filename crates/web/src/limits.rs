//! Per-account rate limits on message sending and absence reporting (the rule and its defaults
//! are in `skolebro_domain::limits`). Counted in this server's memory: a limit protects the
//! people on the receiving end from a runaway script or a stolen session, and a restart that
//! forgets the last minute does them no harm.

use std::collections::HashMap;
use std::sync::Mutex;

use skolebro_domain::auth::Throttle;
use skolebro_domain::limits::{check, RateLimits, WINDOW_SECS};
use skolebro_domain::PersonId;

use crate::viewer::SignedIn;
use crate::WebError;

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// A new conversation or a reply, on a page or through the API.
    MessageSend,
    /// An absence report, on a page or through the API.
    AbsenceReport,
}

/// Accounts kept before the limiter sweeps out those with nothing in the last minute.
const SWEEP_AT: usize = 10_000;

/// The recent writes of each account, per bucket.
#[derive(Debug)]
pub struct Limiter {
    limits: RateLimits,
    recent: Mutex<HashMap<(Bucket, PersonId), Vec<i64>>>,
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Self {
        Limiter {
            limits,
            recent: Mutex::new(HashMap::new()),
        }
    }

    fn max(&self, bucket: Bucket) -> u32 {
        match bucket {
            Bucket::MessageSend => self.limits.message_sends_per_minute,
            Bucket::AbsenceReport => self.limits.absence_reports_per_minute,
        }
    }

    /// Counts one write of `bucket` by `person` at `now` (seconds), or refuses it.
    pub fn hit_at(&self, bucket: Bucket, person: PersonId, now: i64) -> Throttle {
        let max = self.max(bucket);
        if max == 0 {
            return Throttle::Allowed;
        }
        // A panic elsewhere while holding the lock leaves the counts usable.
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() >= SWEEP_AT {
            recent.retain(|_, times| times.iter().any(|t| now - t < WINDOW_SECS));
        }
        let times = recent.entry((bucket, person)).or_default();
        times.retain(|t| now - t < WINDOW_SECS);
        let verdict = check(now, times, max);
        if verdict == Throttle::Allowed {
            times.push(now);
        }
        verdict
    }
}

/// Counts one write of `bucket` by the signed-in person, or answers 429 with Retry-After.
pub fn hit(state: &crate::AppState, me: &SignedIn, bucket: Bucket) -> Result<(), WebError> {
    let now = skolebro_store::clock::now().as_second();
    match state.limiter.hit_at(bucket, me.actor.person_id, now) {
        Throttle::Allowed => Ok(()),
        Throttle::Refused { retry_after_secs } => {
            tracing::warn!(person = %me.actor.person_id, ?bucket, retry_after_secs, "rate limit");
            Err(WebError::TooManyRequests { retry_after_secs })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_buckets_are_counted_apart() {
        let limiter = Limiter::new(RateLimits {
            message_sends_per_minute: 2,
            absence_reports_per_minute: 1,
        });
        let (a, b) = (PersonId(1), PersonId(2));
        assert_eq!(
            limiter.hit_at(Bucket::MessageSend, a, 100),
            Throttle::Allowed
        );
        assert_eq!(
            limiter.hit_at(Bucket::MessageSend, a, 101),
            Throttle::Allowed
        );
        assert_eq!(
            limiter.hit_at(Bucket::MessageSend, a, 102),
            Throttle::Refused {
                retry_after_secs: 58
            }
        );
        // Refused writes do not count: a minute after the first, one more may go.
        assert_eq!(
            limiter.hit_at(Bucket::MessageSend, a, 160),
            Throttle::Allowed
        );
        assert_eq!(
            limiter.hit_at(Bucket::MessageSend, b, 102),
            Throttle::Allowed
        );
        assert_eq!(
            limiter.hit_at(Bucket::AbsenceReport, a, 102),
            Throttle::Allowed
        );
        assert!(matches!(
            limiter.hit_at(Bucket::AbsenceReport, a, 103),
            Throttle::Refused { .. }
        ));
    }

    #[test]
    fn the_sweep_forgets_quiet_accounts() {
        let limiter = Limiter::new(RateLimits::default());
        for n in 0..SWEEP_AT as i64 {
            limiter.hit_at(Bucket::MessageSend, PersonId(n), 0);
        }
        limiter.hit_at(Bucket::MessageSend, PersonId(-1), 1_000);
        let size = limiter.recent.lock().map(|r| r.len()).unwrap_or(0);
        assert_eq!(size, 1);
    }
}
