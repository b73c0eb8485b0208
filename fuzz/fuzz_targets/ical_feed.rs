//! The iCalendar feed, written and read back: any text that the app accepts for an entry's
//! title, place and description (domain::text's rules) gives a feed that icalendar's parser
//! reads, with every text as it was written (line breaks as `\n`), every content line folded
//! (see the note on 76 octets below) and ended by CRLF, and the times where they were put.
#![no_main]

use icalendar::{Component, EventLike};
use libfuzzer_sys::fuzz_target;
use skolebro_domain::text::{multi_line, single_line};

// The feed writer itself, the very file the web crate compiles (it needs only jiff and
// icalendar, so the target does not build the web stack with sanitizers).
#[path = "../../crates/web/src/calendar/feed.rs"]
#[allow(dead_code)]
mod feed;

fn lines_as_written(t: &str) -> String {
    t.replace("\r\n", "\n").replace('\r', "\n")
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, rest) = data.split_at(8);
    let mut n = [0u8; 8];
    n.copy_from_slice(head);
    // Any instant from 1970 to about 2100; an entry one hour long.
    let starts_at = (i64::from_le_bytes(n) & 0xFFFF_FFFF) as i64;
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.split('\u{1f}');
    let (Some(name), Some(summary), Some(location), Some(description)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    // What the app would have stored: refused input never reaches a feed.
    let (Ok(name), Ok(summary)) = (single_line(name, 200), single_line(summary, 200)) else {
        return;
    };
    let location = match location.trim() {
        "" => String::new(),
        l => match single_line(l, 200) {
            Ok(l) => l,
            Err(_) => return,
        },
    };
    let Ok(description) = multi_line(description, 5000) else {
        return;
    };
    let description = description.unwrap_or_default();
    let day = jiff::civil::date(2026, 12, 1);
    let entries = vec![
        feed::Entry {
            uid: "event-1@skolebro".into(),
            when: feed::When::Span {
                starts_at,
                ends_at: starts_at + 3600,
            },
            summary: summary.clone(),
            location: location.clone(),
            description: description.clone(),
        },
        feed::Entry {
            uid: "homework-2@skolebro".into(),
            when: feed::When::Day(day),
            summary: summary.clone(),
            location: String::new(),
            description: description.clone(),
        },
    ];
    let written = feed::write(&name, "Europe/Copenhagen", 1_780_000_000, &entries);

    // Content lines: CRLF-ended, folded, no bare CR or LF inside. RFC 5545 says a line SHOULD
    // NOT pass 75 octets; icalendar's folding (0.17) lets the last continuation of a long line
    // carry 75 octets after its leading space, 76 in all, which the parsers we know read.
    assert!(written.ends_with("\r\n"), "{written:?}");
    for line in written[..written.len() - 2].split("\r\n") {
        let limit = if line.starts_with(' ') { 76 } else { 75 };
        assert!(line.len() <= limit, "a line of {} octets: {line:?}", line.len());
        assert!(
            !line.contains('\r') && !line.contains('\n'),
            "a bare line break: {line:?}"
        );
    }

    let read: icalendar::Calendar = match written.parse() {
        Ok(c) => c,
        Err(e) => panic!("the parser refused the feed: {e}\n{written}"),
    };
    let events: Vec<&icalendar::Event> = read
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 2, "{written}");
    for (ev, entry) in events.iter().zip(&entries) {
        assert_eq!(ev.get_uid(), Some(entry.uid.as_str()));
        assert_eq!(ev.get_summary(), Some(lines_as_written(&summary).as_str()), "{written}");
        let place = (!entry.location.is_empty()).then(|| lines_as_written(&entry.location));
        assert_eq!(ev.get_location(), place.as_deref(), "{written}");
        let about = (!description.is_empty()).then(|| lines_as_written(&description));
        assert_eq!(ev.get_description(), about.as_deref(), "{written}");
    }
    assert_eq!(
        events[0].property_value("DTSTART"),
        Some(feed::utc(starts_at).as_str())
    );
    assert_eq!(events[1].property_value("DTSTART"), Some("20261201"));
    assert_eq!(events[1].property_value("DTEND"), Some("20261202"));
});
