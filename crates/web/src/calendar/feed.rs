//! The text of a person's iCalendar feed (RFC 5545), apart from the queries that gather what
//! goes in it. It uses only std, jiff and icalendar: the fuzz target `ical_feed`
//! (fuzz/fuzz_targets/ical_feed.rs) includes this file by its path, writes feeds of any text
//! and reads them back with icalendar's parser.

use icalendar::{Calendar, Component, EventLike, Property};
use jiff::civil::Date;
use jiff::Timestamp;

/// When an entry takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// From one instant to another (UTC seconds), written in UTC so no VTIMEZONE is needed.
    Span { starts_at: i64, ends_at: i64 },
    /// A whole day, as a calendar shows homework.
    Day(Date),
}

/// One VEVENT of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Unique and stable across fetches, so a subscribed calendar updates the entry.
    pub uid: String,
    pub when: When,
    pub summary: String,
    /// Left out when empty.
    pub location: String,
    /// Left out when empty.
    pub description: String,
}

/// An instant as an iCalendar UTC date-time: `20261201T130000Z`. A value outside jiff's range
/// (never stored by skolebro) reads as the epoch.
pub fn utc(ts: i64) -> String {
    Timestamp::from_second(ts)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// A calendar's text values may hold any character but a lone carriage return, which ends a
/// content line (the writer escapes `\n` but not `\r`): line breaks become `\n`.
fn text(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\r', "\n")
}

/// The whole feed: its name, the school's time zone (X-WR-TIMEZONE, for display), the time it
/// was made (DTSTAMP of every entry) and the entries.
pub fn write(name: &str, time_zone: &str, now: i64, entries: &[Entry]) -> String {
    let mut cal = Calendar::new();
    cal.name(&text(name)).timezone(time_zone);
    let stamp = utc(now);
    for e in entries {
        let mut ev = icalendar::Event::new();
        ev.uid(&e.uid)
            .add_property("DTSTAMP", stamp.as_str())
            .summary(&text(&e.summary));
        match e.when {
            When::Span { starts_at, ends_at } => {
                ev.add_property("DTSTART", utc(starts_at))
                    .add_property("DTEND", utc(ends_at));
            }
            When::Day(day) => {
                let next = day.tomorrow().unwrap_or(day);
                let mut start = Property::new("DTSTART", day.strftime("%Y%m%d").to_string());
                start.add_parameter("VALUE", "DATE");
                let mut end = Property::new("DTEND", next.strftime("%Y%m%d").to_string());
                end.add_parameter("VALUE", "DATE");
                ev.append_property(start).append_property(end);
            }
        }
        if !e.location.is_empty() {
            ev.location(&text(&e.location));
        }
        if !e.description.is_empty() {
            ev.description(&text(&e.description));
        }
        cal.push(ev.done());
    }
    cal.done().to_string()
}
