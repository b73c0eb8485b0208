//! Instants (stored as UTC seconds) written in the school's time zone, the same way in every
//! area: for people, for `datetime-local` inputs, and as RFC 3339 in the API.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A stored instant; a value outside jiff's range (never written by skolebro) reads as the epoch.
pub(crate) fn instant(ts: i64) -> Timestamp {
    Timestamp::from_second(ts).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// RFC 3339 with the school's offset: `2026-12-01T14:00:00+01:00`.
pub(crate) fn rfc3339(ts: i64, tz: &TimeZone) -> String {
    format(ts, tz, "%Y-%m-%dT%H:%M:%S%:z")
}

/// For people: `01.12.2026 14:00`.
pub(crate) fn local_text(ts: i64, tz: &TimeZone) -> String {
    format(ts, tz, "%d.%m.%Y %H:%M")
}

/// The time of day: `14:00`.
pub(crate) fn local_time(ts: i64, tz: &TimeZone) -> String {
    format(ts, tz, "%H:%M")
}

/// For `datetime-local` inputs: `2026-12-01T14:00`.
pub(crate) fn local_input(ts: i64, tz: &TimeZone) -> String {
    format(ts, tz, "%Y-%m-%dT%H:%M")
}

/// The school day an instant falls on.
pub(crate) fn local_date(ts: i64, tz: &TimeZone) -> Date {
    instant(ts).to_zoned(tz.clone()).date()
}

fn format(ts: i64, tz: &TimeZone, pattern: &str) -> String {
    instant(ts)
        .to_zoned(tz.clone())
        .strftime(pattern)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_in_the_schools_zone_across_dst() {
        let tz = TimeZone::get("Europe/Copenhagen").expect("tz");
        // 2026-03-29 01:30 UTC is after the spring change: 03:30 local, +02:00.
        let ts = 1_774_747_800;
        assert_eq!(rfc3339(ts, &tz), "2026-03-29T03:30:00+02:00");
        assert_eq!(local_text(ts, &tz), "29.03.2026 03:30");
        assert_eq!(local_time(ts, &tz), "03:30");
        assert_eq!(local_input(ts, &tz), "2026-03-29T03:30");
        assert_eq!(local_date(ts, &tz).to_string(), "2026-03-29");
        assert_eq!(instant(i64::MAX), Timestamp::UNIX_EPOCH);
    }
}
