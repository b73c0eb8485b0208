//! The request fields skolebro reads itself, from query strings, forms and JSON: the closed
//! sets (every code read back is the code written), list cursors (only a cursor the list wrote
//! is read), local moments in the school's time zone across the DST changes, times of day and
//! contact hours. Any text: never a panic; whatever is accepted survives its round trip.
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use skolebro_domain::{absence, cases, conferences, contact_hours, meetings, messages, notify};
use skolebro_domain::{posts, Access, Country, Lang, Role};

/// A value read from `s` must write back as a value that reads the same.
fn round_trip<T, E>(s: &str, write: impl Fn(&T) -> String)
where
    T: FromStr<Err = E> + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = s.parse::<T>() {
        let written = write(&v);
        assert_eq!(written.parse::<T>().ok(), Some(v), "{s:?} -> {written:?}");
    }
}

macro_rules! codes {
    ($s:expr; $($t:ty),+ $(,)?) => {
        $( round_trip::<$t, _>($s, |v| v.as_str().to_owned()); )+
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    codes!(s;
        absence::Reason, absence::LeaveState, absence::Category, absence::Part,
        cases::CaseKind, cases::ConcernTopic, cases::CrisisType, cases::Channel, cases::Whom,
        cases::CloseReason, cases::EscalationTarget, cases::PlanSection,
        conferences::Form, conferences::TalkType, conferences::AgreementOwner,
        meetings::MeetingForm, meetings::GradeBand, meetings::GroupMode, meetings::Channel,
        meetings::BodyKind, meetings::OfferKind,
        messages::MessageKind, notify::NotifyKind, notify::Delivery,
        Role, Access, Country, Lang,
    );
    // A cursor is read only as the list wrote it.
    if let Some(c) = posts::Cursor::decode(s) {
        assert_eq!(c.encode(), s, "a cursor the list did not write was read");
    }
    // Local moments: in Copenhagen and Oslo, a time in the spring gap or the autumn overlap
    // still names one instant, and a moment read is on the day that was written.
    for tz in ["Europe/Copenhagen", "Europe/Oslo"] {
        let Ok(tz) = jiff::tz::TimeZone::get(tz) else {
            continue;
        };
        if let Some(at) = conferences::parse_local_moment(s, &tz) {
            let day = at.to_zoned(tz.clone()).date();
            let written = s.trim();
            let written_day = &written[..written.len().min(10)];
            assert!(
                written_day.parse::<jiff::civil::Date>().map_or(true, |d| {
                    // The spring gap moves a moment forward by an hour, never across midnight.
                    d == day
                }),
                "{s:?} read as {at} on {day}"
            );
        }
    }
    if let Some(t) = conferences::parse_time(s) {
        let written = format!("{:02}:{:02}", t.hour(), t.minute());
        assert_eq!(conferences::parse_time(&written), Some(t));
    }
    if let Ok(h) = contact_hours::ContactHours::parse(s) {
        let written = h.to_string();
        assert_eq!(
            contact_hours::ContactHours::parse(&written).ok(),
            Some(h),
            "{s:?} -> {written:?}"
        );
    }
});
