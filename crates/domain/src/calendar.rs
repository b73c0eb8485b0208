//! School days and working days: the calendar that absence rates and statutory deadlines count
//! in. Days are civil dates in the school's time zone; a school day is a working day (Monday to
//! Friday) that is not one of the school's holidays. Quarters are calendar quarters; a school
//! year runs from 1 August to 31 July.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A school's days off: holidays, autumn and winter breaks, planning days.
pub type Holidays = BTreeSet<Date>;

/// Monday to Friday.
pub fn is_working_day(day: Date) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
}

pub fn is_school_day(day: Date, holidays: &Holidays) -> bool {
    is_working_day(day) && !holidays.contains(&day)
}

/// The school days from `from` to `to`, both included; none when `to` is before `from`.
pub fn school_days(from: Date, to: Date, holidays: &Holidays) -> Vec<Date> {
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        if is_school_day(day, holidays) {
            out.push(day);
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    out
}

/// The day `n` working days after `start` (not counting `start`), skipping weekends and the
/// school's holidays: "within 10 working days" ends on this day.
pub fn add_working_days(start: Date, n: u32, holidays: &Holidays) -> Date {
    let mut day = start;
    let mut left = n;
    while left > 0 {
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => return day,
        }
        if is_school_day(day, holidays) {
            left -= 1;
        }
    }
    day
}

/// Today in the school's time zone.
pub fn today(now: Timestamp, tz: &TimeZone) -> Date {
    now.to_zoned(tz.clone()).date()
}

/// The calendar quarter a day falls in, as (first day, last day).
pub fn quarter(day: Date) -> (Date, Date) {
    let first_month = (day.month() - 1) / 3 * 3 + 1;
    let start = Date::new(day.year(), first_month, 1).unwrap_or(day);
    let end = start
        .checked_add(jiff::Span::new().months(3))
        .and_then(|d| d.yesterday())
        .unwrap_or(day);
    (start, end)
}

/// The school year a day falls in, as (1 August, 31 July).
pub fn school_year(day: Date) -> (Date, Date) {
    let start_year = if day.month() >= 8 {
        day.year()
    } else {
        day.year() - 1
    };
    let start = Date::new(start_year, 8, 1).unwrap_or(day);
    let end = Date::new(start_year + 1, 7, 31).unwrap_or(day);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn school_days_skip_weekends_and_holidays() {
        let holidays: Holidays = [date(2026, 10, 12), date(2026, 10, 13)].into();
        // Monday 5 October to Sunday 18 October 2026: ten working days, two of them holidays.
        let days = school_days(date(2026, 10, 5), date(2026, 10, 18), &holidays);
        assert_eq!(days.len(), 8);
        assert!(!days.contains(&date(2026, 10, 10)));
        assert!(!days.contains(&date(2026, 10, 12)));
        assert!(school_days(date(2026, 10, 9), date(2026, 10, 5), &holidays).is_empty());
    }

    #[test]
    fn ten_working_days_across_weekends_and_holidays() {
        let none = Holidays::new();
        // Wednesday 25 November 2026 + 10 working days = Wednesday 9 December.
        assert_eq!(
            add_working_days(date(2026, 11, 25), 10, &none),
            date(2026, 12, 9)
        );
        // From a Friday: the weekend does not count.
        assert_eq!(
            add_working_days(date(2026, 11, 27), 1, &none),
            date(2026, 11, 30)
        );
        // Christmas holidays push the deadline.
        let christmas: Holidays = (21..=31).map(|d| date(2026, 12, d)).collect();
        assert_eq!(
            add_working_days(date(2026, 12, 14), 10, &christmas),
            date(2027, 1, 8)
        );
        assert_eq!(
            add_working_days(date(2026, 12, 14), 0, &christmas),
            date(2026, 12, 14)
        );
    }

    #[test]
    fn quarters_and_school_years_have_edges() {
        assert_eq!(
            quarter(date(2026, 3, 31)),
            (date(2026, 1, 1), date(2026, 3, 31))
        );
        assert_eq!(
            quarter(date(2026, 4, 1)),
            (date(2026, 4, 1), date(2026, 6, 30))
        );
        assert_eq!(
            quarter(date(2026, 12, 31)),
            (date(2026, 10, 1), date(2026, 12, 31))
        );
        assert_eq!(
            quarter(date(2028, 2, 29)),
            (date(2028, 1, 1), date(2028, 3, 31))
        );
        assert_eq!(
            school_year(date(2026, 7, 31)),
            (date(2025, 8, 1), date(2026, 7, 31))
        );
        assert_eq!(
            school_year(date(2026, 8, 1)),
            (date(2026, 8, 1), date(2027, 7, 31))
        );
    }

    #[test]
    fn today_follows_the_school_clock_across_daylight_saving() {
        let tz = TimeZone::get("Europe/Copenhagen").unwrap_or(TimeZone::UTC);
        // 22:30 UTC on Saturday 24 October 2026 is already Sunday 00:30 in Copenhagen (summer
        // time); a day later, after the change to winter time, 23:30 UTC is 00:30 Monday.
        let t: Timestamp = "2026-10-24T22:30:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(today(t, &tz), date(2026, 10, 25));
        let t: Timestamp = "2026-10-25T22:30:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(today(t, &tz), date(2026, 10, 25));
        let t: Timestamp = "2026-10-25T23:30:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(today(t, &tz), date(2026, 10, 26));
    }
}
