//! Sign-in rules: login throttling and password policy. The store counts failed attempts; the
//! rule of when to refuse lives here.

/// How far back failed attempts count.
pub const THROTTLE_WINDOW_SECS: i64 = 60;
/// Failed attempts on an account from one address within the window before it is throttled
/// there: the next attempt, right password or not, is refused until the oldest failure leaves
/// the window.
pub const MAX_FAILURES_PER_ACCOUNT: usize = 5;
/// Failed attempts per client address within the window. Higher than per account, because a
/// school's staff room shares one address.
pub const MAX_FAILURES_PER_ADDRESS: usize = 30;
/// Failed attempts on one account from all addresses together, where the account has not
/// signed in before: slows guessing from many addresses without shutting out the person, who
/// signs in from a known address.
pub const MAX_FAILURES_PER_ACCOUNT_ANYWHERE: usize = 20;

/// Sessions last this long without use.
pub const SESSION_IDLE_SECS: i64 = 60 * 60 * 24 * 14;
/// A bearer token (API session) ends this long after it was issued, however often it is used
/// (90 days); a program signs in again.
pub const API_TOKEN_MAX_SECS: i64 = 60 * 60 * 24 * 90;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Whether a new attempt may proceed, given the instants (seconds) of recent failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    Allowed,
    /// Refuse; the client may try again after this many seconds.
    Refused {
        retry_after_secs: i64,
    },
}

pub fn throttle(now: i64, failures: &[i64], max_failures: usize) -> Throttle {
    let mut recent: Vec<i64> = failures
        .iter()
        .copied()
        .filter(|t| now - t < THROTTLE_WINDOW_SECS)
        .collect();
    if recent.len() < max_failures {
        return Throttle::Allowed;
    }
    recent.sort_unstable();
    // Once enough failures have left the window, the count drops below the limit again.
    let freeing = recent[recent.len() - max_failures];
    Throttle::Refused {
        retry_after_secs: (freeing + THROTTLE_WINDOW_SECS - now).max(1),
    }
}

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("password too short")]
    TooShort,
    #[error("password too long")]
    TooLong,
}

pub fn check_new_password(password: &str) -> Result<(), PasswordProblem> {
    if password.len() > MAX_PASSWORD_BYTES {
        Err(PasswordProblem::TooLong)
    } else if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(PasswordProblem::TooShort)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixth_attempt_after_five_failures_in_a_minute_is_refused() {
        let now = 1_000;
        let failures = [990, 991, 992, 993];
        assert_eq!(throttle(now, &failures, 5), Throttle::Allowed);
        let failures = [990, 991, 992, 993, 994];
        assert_eq!(
            throttle(now, &failures, 5),
            Throttle::Refused {
                retry_after_secs: 50
            }
        );
    }

    #[test]
    fn old_failures_do_not_count() {
        let failures = [100, 101, 102, 103, 104, 1_000];
        assert_eq!(throttle(1_000, &failures, 5), Throttle::Allowed);
    }

    #[test]
    fn retry_after_is_when_enough_failures_expire() {
        let failures = [940, 950, 960, 970, 980, 990];
        // Six failures, limit five: the second-oldest must leave the window.
        assert_eq!(
            throttle(1_000, &failures, 5),
            Throttle::Refused {
                retry_after_secs: 10
            }
        );
    }

    #[test]
    fn password_policy() {
        assert_eq!(check_new_password("short"), Err(PasswordProblem::TooShort));
        assert_eq!(
            check_new_password(&"x".repeat(2000)),
            Err(PasswordProblem::TooLong)
        );
        assert!(check_new_password("korrekt hest batteri").is_ok());
        // Characters, not bytes, count towards the minimum.
        assert!(check_new_password("æøåæøåæ").is_err());
    }
}
