//! Contact hours (MSG-2): when staff can be reached. Outside them staff are not notified, and a
//! guardian who writes is told when an answer can be expected. Hours are local to the school's
//! time zone, on working days (Monday to Friday); the school calendar's holidays come with it.

use std::fmt;

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

use crate::profile::CountryProfile;

/// A daily window of contact on working days, start inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactHours {
    pub start: Time,
    pub end: Time,
}

/// Why a written window is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursProblem {
    #[error("write the hours as HH:MM-HH:MM, for example 08:00-16:00")]
    Format,
    #[error("the window must end after it starts")]
    Empty,
}

impl ContactHours {
    /// The country's default: DK 08–17, NO 08–16.
    pub fn default_for(profile: &CountryProfile) -> Self {
        let (start, end) = profile.contact_hours;
        ContactHours {
            start: Time::constant(start as i8, 0, 0, 0),
            end: Time::constant(end as i8, 0, 0, 0),
        }
    }

    /// Reads `08:00-16:00` (an en dash is accepted too).
    pub fn parse(input: &str) -> Result<Self, HoursProblem> {
        let (a, b) = input
            .trim()
            .split_once(['-', '–'])
            .ok_or(HoursProblem::Format)?;
        let time = |s: &str| -> Result<Time, HoursProblem> {
            let (h, m) = s.trim().split_once(':').ok_or(HoursProblem::Format)?;
            let h: i8 = h.parse().map_err(|_| HoursProblem::Format)?;
            let m: i8 = m.parse().map_err(|_| HoursProblem::Format)?;
            Time::new(h, m, 0, 0).map_err(|_| HoursProblem::Format)
        };
        let hours = ContactHours {
            start: time(a)?,
            end: time(b)?,
        };
        if hours.end <= hours.start {
            return Err(HoursProblem::Empty);
        }
        Ok(hours)
    }

    fn working_day(day: Weekday) -> bool {
        !matches!(day, Weekday::Saturday | Weekday::Sunday)
    }

    /// Whether `at` falls inside the window in time zone `tz`.
    pub fn is_open(&self, at: Timestamp, tz: &TimeZone) -> bool {
        let local = at.to_zoned(tz.clone());
        let t = local.time();
        Self::working_day(local.weekday()) && t >= self.start && t < self.end
    }

    /// The first moment from `at` on when staff can be reached: `at` itself inside the window,
    /// else the start of the next working day's window (DST handled by the time zone).
    pub fn next_open(&self, at: Timestamp, tz: &TimeZone) -> Zoned {
        let local = at.to_zoned(tz.clone());
        if self.is_open(at, tz) {
            return local;
        }
        let mut day = local.date();
        if local.time() >= self.start {
            day = day.tomorrow().unwrap_or(day);
        }
        // At most a weekend lies between two working days.
        for _ in 0..7 {
            if Self::working_day(day.weekday()) {
                if let Ok(z) = day.to_datetime(self.start).to_zoned(tz.clone()) {
                    return z;
                }
            }
            day = day.tomorrow().unwrap_or(day);
        }
        local
    }
}

impl fmt::Display for ContactHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}–{:02}:{:02}",
            self.start.hour(),
            self.start.minute(),
            self.end.hour(),
            self.end.minute()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{DENMARK, NORWAY};

    fn at(s: &str, tz: &str) -> Timestamp {
        format!("{s}[{tz}]")
            .parse::<Zoned>()
            .map(|z| z.timestamp())
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn country_defaults() {
        assert_eq!(
            ContactHours::default_for(&DENMARK).to_string(),
            "08:00–17:00"
        );
        assert_eq!(
            ContactHours::default_for(&NORWAY).to_string(),
            "08:00–16:00"
        );
    }

    #[test]
    fn the_window_has_edges() {
        let tz = TimeZone::get("Europe/Copenhagen").unwrap_or(TimeZone::UTC);
        let h = ContactHours::default_for(&DENMARK);
        // Wednesday 25 November 2026.
        assert!(!h.is_open(at("2026-11-25T07:59:59", "Europe/Copenhagen"), &tz));
        assert!(h.is_open(at("2026-11-25T08:00:00", "Europe/Copenhagen"), &tz));
        assert!(h.is_open(at("2026-11-25T16:59:59", "Europe/Copenhagen"), &tz));
        assert!(!h.is_open(at("2026-11-25T17:00:00", "Europe/Copenhagen"), &tz));
        // Saturday.
        assert!(!h.is_open(at("2026-11-28T10:00:00", "Europe/Copenhagen"), &tz));
    }

    #[test]
    fn an_answer_can_be_expected_at_the_next_opening() {
        let tz = TimeZone::get("Europe/Oslo").unwrap_or(TimeZone::UTC);
        let h = ContactHours::default_for(&NORWAY);
        let next = |s: &str| {
            h.next_open(at(s, "Europe/Oslo"), &tz)
                .datetime()
                .to_string()
        };
        // Wednesday evening: Thursday 08:00.
        assert_eq!(next("2026-11-25T21:30:00"), "2026-11-26T08:00:00");
        // Early Wednesday: the same morning.
        assert_eq!(next("2026-11-25T06:00:00"), "2026-11-25T08:00:00");
        // Friday evening and Sunday: Monday.
        assert_eq!(next("2026-11-27T16:00:00"), "2026-11-30T08:00:00");
        assert_eq!(next("2026-11-29T12:00:00"), "2026-11-30T08:00:00");
        // Inside the window: now.
        assert_eq!(next("2026-11-25T10:15:00"), "2026-11-25T10:15:00");
        // Across the change to summer time (29 March 2026, Sunday): Monday 08:00 local.
        let z = h.next_open(at("2026-03-28T20:00:00", "Europe/Oslo"), &tz);
        assert_eq!(z.datetime().to_string(), "2026-03-30T08:00:00");
        assert_eq!(z.offset().seconds(), 7200);
    }

    #[test]
    fn parsing_hours() {
        assert_eq!(
            ContactHours::parse("07:30-15:30").map(|h| h.to_string()),
            Ok("07:30–15:30".into())
        );
        assert_eq!(ContactHours::parse("16:00-08:00"), Err(HoursProblem::Empty));
        assert_eq!(ContactHours::parse("8-16"), Err(HoursProblem::Format));
        assert_eq!(
            ContactHours::parse("25:00-26:00"),
            Err(HoursProblem::Format)
        );
    }
}
