//! Notifications (MSG-8, MSG-1, MSG-2): what each person chooses per kind of notice (instant, a
//! daily digest at a chosen hour, or off), when a notice may go out (emergencies always, staff
//! only inside contact hours), what a notice may say (nothing of a sensitive message), how a
//! failed send is retried, and the daily SMS budget of a school. Pure rules; the outbox and the
//! worker live in the store and web layers.

use std::fmt;
use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::contact_hours::ContactHours;
use crate::people::UnknownValue;

/// What a notice is about; each person chooses the delivery per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    /// A new message in a conversation.
    Message,
    /// A post or newsletter (MSG-5).
    Post,
    /// A calendar event or a reminder (MSG-6).
    Event,
    /// Absence: a report, a register, a decision on leave.
    Absence,
    /// Conferences: rounds, bookings, summaries.
    Conference,
}

impl NotifyKind {
    pub const ALL: [NotifyKind; 5] = [
        NotifyKind::Message,
        NotifyKind::Post,
        NotifyKind::Event,
        NotifyKind::Absence,
        NotifyKind::Conference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyKind::Message => "message",
            NotifyKind::Post => "post",
            NotifyKind::Event => "event",
            NotifyKind::Absence => "absence",
            NotifyKind::Conference => "conference",
        }
    }
}

impl fmt::Display for NotifyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NotifyKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NotifyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue::new("notification kind", s))
    }
}

/// How a person wants notices of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// As soon as it may go out.
    Instant,
    /// Collected into one mail a day at the chosen hour (school time).
    Digest,
    /// Not at all (emergencies still go through).
    Off,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Delivery::Instant, Delivery::Digest, Delivery::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Instant => "instant",
            Delivery::Digest => "digest",
            Delivery::Off => "off",
        }
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Delivery {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Delivery::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue::new("delivery", s))
    }
}

/// The digest hour when a person has not chosen one: late afternoon, after school.
pub const DEFAULT_DIGEST_HOUR: u8 = 16;

/// One person's choice for one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preference {
    pub kind: NotifyKind,
    pub delivery: Delivery,
    /// Hour of the day (0–23, school time) of the daily digest.
    pub digest_hour: u8,
}

impl Preference {
    /// What a person gets before choosing: everything at once.
    pub fn default_for(kind: NotifyKind) -> Self {
        Preference {
            kind,
            delivery: Delivery::Instant,
            digest_hour: DEFAULT_DIGEST_HOUR,
        }
    }

    /// Reads a choice as a form or the API sends it. The hour may be absent (the default
    /// hour); every value present must be valid.
    pub fn parse(
        kind: &str,
        delivery: &str,
        digest_hour: Option<&str>,
    ) -> Result<Self, PreferenceProblem> {
        let kind: NotifyKind = kind
            .trim()
            .parse()
            .map_err(|_| PreferenceProblem::Kind(kind.trim().to_owned()))?;
        let delivery: Delivery = delivery
            .trim()
            .parse()
            .map_err(|_| PreferenceProblem::Delivery(delivery.trim().to_owned()))?;
        let digest_hour = match digest_hour.map(str::trim) {
            None | Some("") => DEFAULT_DIGEST_HOUR,
            Some(h) => h
                .parse::<u8>()
                .ok()
                .filter(|h| *h < 24)
                .ok_or(PreferenceProblem::Hour)?,
        };
        Ok(Preference {
            kind,
            delivery,
            digest_hour,
        })
    }
}

/// Why a preference is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreferenceProblem {
    #[error("unknown kind of notification: {0}")]
    Kind(String),
    #[error("delivery must be instant, digest or off, not {0:?}")]
    Delivery(String),
    #[error("the digest hour must be a whole hour from 0 to 23")]
    Hour,
}

/// Why a notice is not sent (recorded on the outbox row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The person turned this kind off.
    Off,
    /// The person has no address for the channel.
    NoAddress,
}

impl SkipReason {
    /// The code recorded on the outbox row (the page shows it in the reader's language).
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Off => REASON_OFF,
            SkipReason::NoAddress => REASON_NO_ADDRESS,
        }
    }
}

/// Why a notice was not sent, as recorded on its outbox row; a failed send records the
/// server's own words instead.
pub const REASON_OFF: &str = "off";
pub const REASON_NO_ADDRESS: &str = "no_address";
pub const REASON_BAD_ADDRESS: &str = "bad_address";
pub const REASON_SMS_BUDGET: &str = "sms_budget";
pub const REASONS: [&str; 4] = [
    REASON_OFF,
    REASON_NO_ADDRESS,
    REASON_BAD_ADDRESS,
    REASON_SMS_BUDGET,
];

/// What the worker does with a due notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Skip(SkipReason),
    /// Send now, alone.
    Send,
    /// Send now, in the person's digest.
    SendInDigest,
    /// Not yet: keep it until then (outside contact hours, or until the digest hour).
    HoldUntil {
        at: Timestamp,
        digest: bool,
    },
}

/// The facts that decide a notice's route.
#[derive(Debug, Clone)]
pub struct RouteFacts<'a> {
    pub preference: Preference,
    /// Emergency posts go instantly, whatever the preference and the hour.
    pub emergency: bool,
    pub has_address: bool,
    /// Staff (and leaders) get nothing outside contact hours.
    pub staff: bool,
    pub contact_hours: ContactHours,
    pub time_zone: &'a TimeZone,
    /// Already scheduled into a digest (its hour has come).
    pub in_digest: bool,
}

/// Decides what happens to a notice that is due at `now`.
pub fn route(facts: &RouteFacts<'_>, now: Timestamp) -> Route {
    if !facts.has_address {
        return Route::Skip(SkipReason::NoAddress);
    }
    if facts.emergency {
        return Route::Send;
    }
    let digest = match facts.preference.delivery {
        Delivery::Off => return Route::Skip(SkipReason::Off),
        Delivery::Instant => false,
        Delivery::Digest => {
            if !facts.in_digest {
                return Route::HoldUntil {
                    at: next_digest_at(facts.preference.digest_hour, now, facts.time_zone),
                    digest: true,
                };
            }
            true
        }
    };
    if facts.staff && !facts.contact_hours.is_open(now, facts.time_zone) {
        return Route::HoldUntil {
            at: facts
                .contact_hours
                .next_open(now, facts.time_zone)
                .timestamp(),
            digest,
        };
    }
    if digest {
        Route::SendInDigest
    } else {
        Route::Send
    }
}

/// The next digest moment at `hour` o'clock school time from `now` on (now itself when it is
/// exactly that moment). DST is the time zone's business: a missing hour moves forward.
pub fn next_digest_at(hour: u8, now: Timestamp, tz: &TimeZone) -> Timestamp {
    let local = now.to_zoned(tz.clone());
    let hour = i8::try_from(hour.min(23)).unwrap_or(0);
    let at_day = |day: jiff::civil::Date| {
        day.at(hour, 0, 0, 0)
            .to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(now)
    };
    let today = at_day(local.date());
    if today >= now {
        return today;
    }
    at_day(local.date().tomorrow().unwrap_or(local.date()))
}

/// Sends tried before a notice is marked failed (it stays in the outbox, visible to leaders).
pub const MAX_ATTEMPTS: i64 = 20;
/// The first retry waits this long; each further one twice as long, up to [`MAX_BACKOFF_SECS`].
pub const FIRST_BACKOFF_SECS: i64 = 60;
pub const MAX_BACKOFF_SECS: i64 = 6 * 3600;

/// When to try again after `attempts` failed sends (1 after the first failure).
pub fn retry_at(attempts: i64, now: Timestamp) -> Timestamp {
    let exp = attempts.clamp(1, 30) - 1;
    let wait = FIRST_BACKOFF_SECS
        .saturating_mul(1_i64 << exp)
        .min(MAX_BACKOFF_SECS);
    now.checked_add(wait.seconds()).unwrap_or(now)
}

/// What a notice may say. A sensitive message says nothing but that there is one (MSG-1); the
/// others give the subject on one line and the text, shortened.
pub fn content(sensitive: bool, subject: &str, body: &str) -> Option<(String, String)> {
    if sensitive {
        return None;
    }
    let subject: String = subject
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_SUBJECT_CHARS)
        .collect();
    let mut text: String = body.trim().chars().take(MAX_EXCERPT_CHARS).collect();
    if body.trim().chars().count() > MAX_EXCERPT_CHARS {
        text.push('…');
    }
    Some((subject, text))
}

pub const MAX_SUBJECT_CHARS: usize = 200;
/// A notice quotes this much of a text; the rest is one click away.
pub const MAX_EXCERPT_CHARS: usize = 2_000;

/// SMS costs money per message (MSG-8): a school sends at most this many a day unless it sets
/// its own budget.
pub const DEFAULT_SMS_DAILY_BUDGET: i64 = 200;
/// One SMS segment.
pub const SMS_CHARS: usize = 160;

/// An SMS text: one segment, shortened with an ellipsis.
pub fn sms_text(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= SMS_CHARS {
        return flat;
    }
    let mut out: String = flat.chars().take(SMS_CHARS - 1).collect();
    out.push('…');
    out
}

/// Whether one more SMS fits in today's budget, given how many went out today.
pub fn sms_allowed(sent_today: i64, daily_budget: i64) -> bool {
    sent_today < daily_budget
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::DENMARK;
    use jiff::Zoned;

    fn at(s: &str) -> Timestamp {
        format!("{s}[Europe/Copenhagen]")
            .parse::<Zoned>()
            .map(|z| z.timestamp())
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn tz() -> TimeZone {
        TimeZone::get("Europe/Copenhagen").expect("tz")
    }

    fn facts(tz: &TimeZone, delivery: Delivery) -> RouteFacts<'_> {
        RouteFacts {
            preference: Preference {
                kind: NotifyKind::Message,
                delivery,
                digest_hour: 18,
            },
            emergency: false,
            has_address: true,
            staff: false,
            contact_hours: ContactHours::default_for(&DENMARK),
            time_zone: tz,
            in_digest: false,
        }
    }

    #[test]
    fn kinds_and_deliveries_read_back() {
        for k in NotifyKind::ALL {
            assert_eq!(k.as_str().parse::<NotifyKind>(), Ok(k));
        }
        for d in Delivery::ALL {
            assert_eq!(d.as_str().parse::<Delivery>(), Ok(d));
        }
        assert!("sms".parse::<Delivery>().is_err());
        assert!("everything".parse::<NotifyKind>().is_err());
    }

    #[test]
    fn preferences_parse_and_refuse() {
        assert_eq!(
            Preference::parse("post", "digest", Some("7")),
            Ok(Preference {
                kind: NotifyKind::Post,
                delivery: Delivery::Digest,
                digest_hour: 7
            })
        );
        assert_eq!(
            Preference::parse("message", "off", None).map(|p| p.digest_hour),
            Ok(DEFAULT_DIGEST_HOUR)
        );
        assert_eq!(
            Preference::parse("message", "weekly", None),
            Err(PreferenceProblem::Delivery("weekly".into()))
        );
        assert_eq!(
            Preference::parse("gossip", "off", None),
            Err(PreferenceProblem::Kind("gossip".into()))
        );
        for bad in ["24", "-1", "7.5", "seven"] {
            assert_eq!(
                Preference::parse("message", "digest", Some(bad)),
                Err(PreferenceProblem::Hour),
                "{bad}"
            );
        }
    }

    #[test]
    fn instant_goes_now_and_off_never() {
        let tz = tz();
        let now = at("2026-11-25T10:00");
        assert_eq!(route(&facts(&tz, Delivery::Instant), now), Route::Send);
        assert_eq!(
            route(&facts(&tz, Delivery::Off), now),
            Route::Skip(SkipReason::Off)
        );
    }

    #[test]
    fn without_an_address_the_notice_is_skipped_even_in_an_emergency() {
        let tz = tz();
        let mut f = facts(&tz, Delivery::Instant);
        f.has_address = false;
        f.emergency = true;
        assert_eq!(
            route(&f, at("2026-11-25T10:00")),
            Route::Skip(SkipReason::NoAddress)
        );
    }

    #[test]
    fn emergencies_go_through_off_and_outside_contact_hours() {
        let tz = tz();
        let mut f = facts(&tz, Delivery::Off);
        f.emergency = true;
        f.staff = true;
        assert_eq!(route(&f, at("2026-11-28T23:00")), Route::Send);
    }

    #[test]
    fn staff_are_held_until_contact_hours_open() {
        let tz = tz();
        let mut f = facts(&tz, Delivery::Instant);
        f.staff = true;
        // Friday evening: held until Monday 08:00.
        assert_eq!(
            route(&f, at("2026-11-27T19:30")),
            Route::HoldUntil {
                at: at("2026-11-30T08:00"),
                digest: false
            }
        );
        assert_eq!(route(&f, at("2026-11-30T08:00")), Route::Send);
        // Guardians are not held.
        f.staff = false;
        assert_eq!(route(&f, at("2026-11-27T19:30")), Route::Send);
    }

    #[test]
    fn digest_waits_for_its_hour_then_goes_in_the_digest() {
        let tz = tz();
        let mut f = facts(&tz, Delivery::Digest);
        assert_eq!(
            route(&f, at("2026-11-25T10:00")),
            Route::HoldUntil {
                at: at("2026-11-25T18:00"),
                digest: true
            }
        );
        assert_eq!(
            route(&f, at("2026-11-25T18:30")),
            Route::HoldUntil {
                at: at("2026-11-26T18:00"),
                digest: true
            }
        );
        f.in_digest = true;
        assert_eq!(route(&f, at("2026-11-25T18:00")), Route::SendInDigest);
        // A staff member's digest hour outside contact hours waits for the morning.
        f.staff = true;
        assert_eq!(
            route(&f, at("2026-11-25T18:00")),
            Route::HoldUntil {
                at: at("2026-11-26T08:00"),
                digest: true
            }
        );
    }

    #[test]
    fn digest_hour_follows_daylight_saving_time() {
        let tz = tz();
        // The last Sunday of March: 18:00 local is 16:00 UTC after the change.
        assert_eq!(
            next_digest_at(18, at("2026-03-29T12:00"), &tz),
            "2026-03-29T16:00:00Z".parse::<Timestamp>().expect("ts")
        );
        assert_eq!(
            next_digest_at(18, at("2026-03-28T12:00"), &tz),
            "2026-03-28T17:00:00Z".parse::<Timestamp>().expect("ts")
        );
    }

    #[test]
    fn retries_back_off_exponentially_with_a_ceiling() {
        let now = at("2026-11-25T10:00");
        let wait = |n| retry_at(n, now).as_second() - now.as_second();
        assert_eq!(wait(1), 60);
        assert_eq!(wait(2), 120);
        assert_eq!(wait(3), 240);
        assert_eq!(wait(10), MAX_BACKOFF_SECS);
        assert_eq!(wait(1000), MAX_BACKOFF_SECS);
        assert!((1..40).all(|n| wait(n + 1) >= wait(n)));
    }

    #[test]
    fn sensitive_notices_carry_no_content() {
        assert_eq!(content(true, "Bekymring", "Om Karl"), None);
        assert_eq!(
            content(false, "  Tur\n i skoven ", "Husk madpakke"),
            Some(("Tur i skoven".into(), "Husk madpakke".into()))
        );
        let long = "a".repeat(MAX_EXCERPT_CHARS + 10);
        let (_, text) = content(false, "s", &long).expect("content");
        assert_eq!(text.chars().count(), MAX_EXCERPT_CHARS + 1);
        assert!(text.ends_with('…'));
    }

    #[test]
    fn sms_is_one_segment_within_the_budget() {
        assert_eq!(sms_text("Skolen  er\nlukket"), "Skolen er lukket");
        let t = sms_text(&"ø".repeat(400));
        assert_eq!(t.chars().count(), SMS_CHARS);
        assert!(sms_allowed(0, 1));
        assert!(!sms_allowed(1, 1));
        assert!(!sms_allowed(5, 0));
    }
}
