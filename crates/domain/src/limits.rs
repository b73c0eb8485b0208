//! Per-account rate limits on writes that reach other people: sending messages and reporting
//! absence. The rule is the sign-in throttle's (`auth::throttle`): at most `max` writes within a
//! sliding minute; the next one is refused until the oldest leaves the window.

use crate::auth::{throttle, Throttle};

/// The window the limits count in, in seconds (the sign-in throttle's window).
pub const WINDOW_SECS: i64 = crate::auth::THROTTLE_WINDOW_SECS;

/// Messages (new conversations and replies) one account may send per minute.
pub const DEFAULT_MESSAGE_SENDS_PER_MINUTE: u32 = 30;
/// Absence reports one account may make per minute.
pub const DEFAULT_ABSENCE_REPORTS_PER_MINUTE: u32 = 20;

/// The limits a server applies; `0` switches a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub message_sends_per_minute: u32,
    pub absence_reports_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            message_sends_per_minute: DEFAULT_MESSAGE_SENDS_PER_MINUTE,
            absence_reports_per_minute: DEFAULT_ABSENCE_REPORTS_PER_MINUTE,
        }
    }
}

/// Whether one more write may proceed at `now` (seconds), given the instants of the account's
/// earlier writes of the kind. `max == 0` means no limit.
pub fn check(now: i64, earlier: &[i64], max: u32) -> Throttle {
    if max == 0 {
        return Throttle::Allowed;
    }
    throttle(now, earlier, usize::try_from(max).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_thirty_messages_and_twenty_reports_a_minute() {
        let limits = RateLimits::default();
        assert_eq!(limits.message_sends_per_minute, 30);
        assert_eq!(limits.absence_reports_per_minute, 20);
    }

    #[test]
    fn the_write_after_the_limit_is_refused_until_the_oldest_leaves_the_minute() {
        let earlier: Vec<i64> = (0..30).map(|i| 1_000 + i).collect();
        assert_eq!(check(1_029, &earlier[..29], 30), Throttle::Allowed);
        assert_eq!(
            check(1_030, &earlier, 30),
            Throttle::Refused {
                retry_after_secs: 30
            }
        );
        // At 1 060 the write made at 1 000 is a minute old and no longer counts.
        assert_eq!(check(1_060, &earlier, 30), Throttle::Allowed);
    }

    #[test]
    fn a_burst_in_one_second_waits_a_whole_minute() {
        let earlier = vec![5_000; 20];
        assert_eq!(
            check(5_000, &earlier, 20),
            Throttle::Refused {
                retry_after_secs: 60
            }
        );
    }

    #[test]
    fn zero_switches_the_limit_off() {
        let earlier = vec![5_000; 10_000];
        assert_eq!(check(5_000, &earlier, 0), Throttle::Allowed);
        assert_eq!(check(5_000, &[], 0), Throttle::Allowed);
    }
}
