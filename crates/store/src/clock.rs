//! The one clock of skolebro: every "now" of the store, the web layer, the worker and the tests
//! comes from here, so that the whole product can be moved to another day at once.
//!
//! `SKOLEBRO_CLOCK` (an RFC 3339 instant, e.g. `2026-12-23T18:30:00+01:00`) sets the clock: the
//! process behaves as if it had started at that instant, and time then passes as usual (sessions
//! expire, deadlines pass, messages keep their order). Without it the clock is the real one. CI
//! runs the date-sensitive suites on a few awkward days this way (`.ci/run`); an operator has no
//! reason to set it.

use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};

/// The environment variable that moves the clock.
pub const CLOCK_VAR: &str = "SKOLEBRO_CLOCK";

/// How far the clock is moved from the real time: read once, on the first use.
fn offset() -> SignedDuration {
    static OFFSET: OnceLock<SignedDuration> = OnceLock::new();
    *OFFSET.get_or_init(|| {
        let Ok(value) = std::env::var(CLOCK_VAR) else {
            return SignedDuration::ZERO;
        };
        let value = value.trim();
        if value.is_empty() {
            return SignedDuration::ZERO;
        }
        match value.parse::<Timestamp>() {
            Ok(at) => at.duration_since(Timestamp::now()),
            Err(e) => {
                // A clock that silently stayed real would make an awkward-day run prove nothing.
                eprintln!("{CLOCK_VAR}={value:?} is not an RFC 3339 instant ({e}); stopping");
                std::process::exit(2)
            }
        }
    })
}

/// The current instant.
pub fn now() -> Timestamp {
    let real = Timestamp::now();
    real.checked_add(offset()).unwrap_or(real)
}

/// Today in `zone`.
pub fn today(zone: &jiff::tz::TimeZone) -> jiff::civil::Date {
    now().to_zoned(zone.clone()).date()
}

/// Now in `zone`.
pub fn now_in(zone: &jiff::tz::TimeZone) -> jiff::Zoned {
    now().to_zoned(zone.clone())
}

/// Whether the clock is moved (for the server's start-up line).
pub fn is_moved() -> bool {
    !offset().is_zero()
}
