//! Conferences (CON-1..7, PEO-4): the school-home conversation about one pupil — in Danish
//! *skole-hjem-samtale*, in Norwegian *utviklingssamtale*.
//!
//! The rules live here as plain functions: slot generation in the school's time zone (DST-safe:
//! slots are laid out in real elapsed time between the local start and end of each day), the
//! booking deadline, overlapping rounds of one teacher, the pupil's participation by country
//! (NO: a right from 12), the interpreter to-do's deadline, agreements, and coverage against
//! the country's yearly minimum (CON-2).

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::people::{Country, UnknownValue};
use crate::profile::CountryProfile;

macro_rules! closed_set {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownValue::new($what, s))
            }
        }
    };
}

closed_set!(
    /// Where and how a conference is held (CON-4).
    Form, "conference form", {
        School => "school",
        Phone => "phone",
        Online => "online",
        /// At the family's home (004: "Utviklingssamtaler kan med fordel tilbys som hjemmebesøk").
        HomeVisit => "home_visit",
    }
);

closed_set!(
    /// The kind of conversation staff say they will have (CON-5; 004, "Hvordan møte foreldre
    /// som utfordrer oss?": informasjons-, undrings-, dialogbasert, løsningsorientert eller
    /// rådgivingssamtale).
    TalkType, "type of talk", {
        Information => "information",
        Wondering => "wondering",
        Dialogue => "dialogue",
        SolutionOriented => "solution_oriented",
        Advisory => "advisory",
    }
);

closed_set!(
    /// Who carries out an agreement (CON-6, CON-7).
    AgreementOwner, "agreement owner", {
        Home => "home",
        School => "school",
        Pupil => "pupil",
    }
);

/// The shortest and longest slot, and the longest break between slots, in minutes.
pub const MIN_SLOT_MINUTES: i64 = 5;
pub const MAX_SLOT_MINUTES: i64 = 240;
pub const MAX_BREAK_MINUTES: i64 = 120;
/// Days in one round, and slots in one round: a class of 30 with room to choose.
pub const MAX_DAYS: usize = 20;
pub const MAX_SLOTS: usize = 300;
/// How far ahead a round may be planned.
pub const MAX_DAYS_AHEAD: i64 = 366;
/// Text limits: a title, topics to raise, one section of notes, one agreement.
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_TOPICS_CHARS: usize = 2000;
pub const MAX_SECTION_CHARS: usize = 5000;
pub const MAX_AGREEMENT_CHARS: usize = 300;

/// One day of a round: conferences from `start` to `end`, local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayWindow {
    pub date: Date,
    pub start: Time,
    pub end: Time,
}

/// What staff ask for: days, slot length and the break between slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotPlan {
    pub days: Vec<DayWindow>,
    pub slot_minutes: i64,
    pub break_minutes: i64,
}

/// One bookable time, as instants (UTC); shown in the school's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub starts: Timestamp,
    pub ends: Timestamp,
}

impl Slot {
    /// Whether two slots share any moment (touching ends do not).
    pub fn overlaps(&self, other: &Slot) -> bool {
        self.starts < other.ends && other.starts < self.ends
    }
}

/// Why a plan is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlanProblem {
    #[error("a slot must be at least {MIN_SLOT_MINUTES} minutes")]
    SlotTooShort,
    #[error("a slot may be at most {MAX_SLOT_MINUTES} minutes")]
    SlotTooLong,
    #[error("the break between slots must be 0 to {MAX_BREAK_MINUTES} minutes")]
    BreakOutOfRange,
    #[error("no days given")]
    NoDays,
    #[error("at most {MAX_DAYS} days in a round")]
    TooManyDays,
    #[error("{0} is given twice")]
    DuplicateDay(Date),
    #[error("on {0} the end is not after the start")]
    EmptyWindow(Date),
    #[error("on {0} no slot fits between the start and the end")]
    NoSlotFits(Date),
    #[error("more than {MAX_SLOTS} slots")]
    TooManySlots,
    #[error("{0} has passed")]
    DayPassed(Date),
    #[error("{0} is more than a year ahead")]
    DayTooFar(Date),
    #[error("the booking deadline must be before the first conference")]
    DeadlineAfterStart,
    #[error("the booking deadline has passed")]
    DeadlinePassed,
}

/// Lays out the slots of a plan. On each day the first slot starts at the day's start; each
/// next one a slot and a break later; no slot ends after the day's end. Local times are turned
/// into instants in `tz` (a time that does not exist on a day clocks go forward is taken as
/// the moment after the gap), and the slots are counted in real minutes, so a window across a
/// daylight-saving change gets the slots that really fit, each exactly as long as asked.
pub fn generate_slots(plan: &SlotPlan, tz: &TimeZone) -> Result<Vec<Slot>, PlanProblem> {
    if plan.slot_minutes < MIN_SLOT_MINUTES {
        return Err(PlanProblem::SlotTooShort);
    }
    if plan.slot_minutes > MAX_SLOT_MINUTES {
        return Err(PlanProblem::SlotTooLong);
    }
    if !(0..=MAX_BREAK_MINUTES).contains(&plan.break_minutes) {
        return Err(PlanProblem::BreakOutOfRange);
    }
    if plan.days.is_empty() {
        return Err(PlanProblem::NoDays);
    }
    if plan.days.len() > MAX_DAYS {
        return Err(PlanProblem::TooManyDays);
    }
    let length = SignedDuration::from_mins(plan.slot_minutes);
    let step = SignedDuration::from_mins(plan.slot_minutes + plan.break_minutes);
    let mut days = plan.days.clone();
    days.sort_by_key(|d| d.date);
    let mut out = Vec::new();
    for (i, day) in days.iter().enumerate() {
        if i > 0 && days[i - 1].date == day.date {
            return Err(PlanProblem::DuplicateDay(day.date));
        }
        if day.end <= day.start {
            return Err(PlanProblem::EmptyWindow(day.date));
        }
        let instant = |t: Time| {
            tz.to_ambiguous_zoned(day.date.to_datetime(t))
                .compatible()
                .map(|z| z.timestamp())
                .map_err(|_| PlanProblem::EmptyWindow(day.date))
        };
        let (start, end) = (instant(day.start)?, instant(day.end)?);
        let before = out.len();
        let mut at = start;
        loop {
            let Ok(ends) = at.checked_add(length) else {
                break;
            };
            if ends > end {
                break;
            }
            out.push(Slot { starts: at, ends });
            if out.len() > MAX_SLOTS {
                return Err(PlanProblem::TooManySlots);
            }
            match at.checked_add(step) {
                Ok(next) => at = next,
                Err(_) => break,
            }
        }
        if out.len() == before {
            return Err(PlanProblem::NoSlotFits(day.date));
        }
    }
    Ok(out)
}

/// A time staff offer beside a round's plan (flexible times, seeds 002/004; the initiative duty,
/// 001): one slot of the round's length from `start` on `date`, local in `tz`, from now to a
/// year ahead. A start that does not exist (clocks go forward) is taken as the moment after.
pub fn offered_slot(
    date: Date,
    start: Time,
    slot_minutes: i64,
    now: Timestamp,
    tz: &TimeZone,
) -> Result<Slot, PlanProblem> {
    let starts = tz
        .to_ambiguous_zoned(date.to_datetime(start))
        .compatible()
        .map(|z| z.timestamp())
        .map_err(|_| PlanProblem::EmptyWindow(date))?;
    let ends = starts
        .checked_add(SignedDuration::from_mins(slot_minutes))
        .map_err(|_| PlanProblem::DayTooFar(date))?;
    if starts <= now {
        return Err(PlanProblem::DayPassed(date));
    }
    if starts.as_second() - now.as_second() > MAX_DAYS_AHEAD * 86_400 {
        return Err(PlanProblem::DayTooFar(date));
    }
    Ok(Slot { starts, ends })
}

/// Whether a plan's days lie from `today` to a year ahead, and the booking deadline lies after
/// `now` and no later than the first slot.
pub fn check_dates(
    plan: &SlotPlan,
    slots: &[Slot],
    deadline: Timestamp,
    today: Date,
    now: Timestamp,
) -> Result<(), PlanProblem> {
    for day in &plan.days {
        if day.date < today {
            return Err(PlanProblem::DayPassed(day.date));
        }
        let ahead = today
            .until(day.date)
            .map_or(i64::MAX, |s| i64::from(s.get_days()));
        if ahead > MAX_DAYS_AHEAD {
            return Err(PlanProblem::DayTooFar(day.date));
        }
    }
    if deadline <= now {
        return Err(PlanProblem::DeadlinePassed);
    }
    if slots.first().is_some_and(|s| deadline > s.starts) {
        return Err(PlanProblem::DeadlineAfterStart);
    }
    Ok(())
}

/// The first pair of overlapping slots between a new round and a teacher's other rounds, if
/// any: one teacher cannot sit in two conferences at once.
pub fn first_overlap(new: &[Slot], existing: &[Slot]) -> Option<(Slot, Slot)> {
    let mut a: Vec<Slot> = new.to_vec();
    let mut b: Vec<Slot> = existing.to_vec();
    a.sort();
    b.sort();
    // Both sorted by start: walk them together.
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].overlaps(&b[j]) {
            return Some((a[i], b[j]));
        }
        if a[i].ends <= b[j].ends {
            i += 1;
        } else {
            j += 1;
        }
    }
    None
}

/// When a round's bookings close by default: 12:00 on the day before its first day.
pub fn default_deadline(first_day: Date, tz: &TimeZone) -> Option<Timestamp> {
    let day = first_day.yesterday().ok()?;
    tz.to_ambiguous_zoned(day.to_datetime(Time::constant(12, 0, 0, 0)))
        .compatible()
        .ok()
        .map(|z| z.timestamp())
}

/// Reads a local moment `YYYY-MM-DDTHH:MM` (or a date alone, meaning the end of that day,
/// 23:59) in the school's time zone.
pub fn parse_local_moment(input: &str, tz: &TimeZone) -> Option<Timestamp> {
    let input = input.trim();
    let dt = if input.contains(['T', 't', ' ']) {
        input.parse::<jiff::civil::DateTime>().ok()?
    } else {
        input
            .parse::<Date>()
            .ok()?
            .to_datetime(Time::constant(23, 59, 0, 0))
    };
    tz.to_ambiguous_zoned(dt)
        .compatible()
        .ok()
        .map(|z| z.timestamp())
}

/// Reads `HH:MM`.
pub fn parse_time(input: &str) -> Option<Time> {
    let (h, m) = input.trim().split_once(':')?;
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// Why a family's booking, rebooking or cancellation is refused. Staff are not bound by the
/// deadline: they book for families who have not (the initiative duty, 001) and move times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BookingProblem {
    #[error("the booking deadline has passed: contact the school to book, move or cancel")]
    DeadlinePassed,
    #[error("the time has passed")]
    SlotPassed,
}

/// Whether a family may book, move or cancel now.
pub fn check_family_change(
    now: Timestamp,
    deadline: Timestamp,
    slot_starts: Timestamp,
) -> Result<(), BookingProblem> {
    if now >= slot_starts {
        return Err(BookingProblem::SlotPassed);
    }
    if now >= deadline {
        return Err(BookingProblem::DeadlinePassed);
    }
    Ok(())
}

/// Whether staff may book or move a family into a slot now: any time before it starts.
pub fn check_staff_change(now: Timestamp, slot_starts: Timestamp) -> Result<(), BookingProblem> {
    if now >= slot_starts {
        return Err(BookingProblem::SlotPassed);
    }
    Ok(())
}

/// Whether the family's own interpreter (a relative or acquaintance, instead of one the school
/// books) is old enough: never a child (PEO-4; the country profile's age).
pub fn own_interpreter_allowed(profile: &CountryProfile, age: u8) -> bool {
    age >= profile.min_interpreter_age
}

/// The day the interpreter must be booked by: a week before the conference, moved back to a
/// working day (an interpreter service is not reached at the weekend).
pub fn interpreter_due(conference_day: Date) -> Date {
    let mut due = conference_day
        .checked_sub(jiff::Span::new().days(7))
        .unwrap_or(conference_day);
    while matches!(due.weekday(), Weekday::Saturday | Weekday::Sunday) {
        match due.yesterday() {
            Ok(d) => due = d,
            Err(_) => break,
        }
    }
    due
}

/// What the booking form offers about the pupil taking part (CON-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participation {
    /// The pupil has the right (not the duty) to take part: the family says whether they come.
    Right,
    /// The school decides whether the pupil takes part (the round's plan).
    SchoolDecides,
}

/// The age in whole years on a day.
pub fn age_on(birth: Date, day: Date) -> i64 {
    let mut age = i64::from(day.year()) - i64::from(birth.year());
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The grade in which a pupil turns `age`: pupils start school (DK grade 0, NO grade 1) the
/// year they turn 6. Lacking a birth date, a pupil is taken to have reached the age from that
/// grade on — in Norway grade 7 for 12 — so the right is offered rather than withheld from
/// those who already have it.
pub fn grade_turning(profile: &CountryProfile, age: u8) -> i64 {
    i64::from(age) - 6 + i64::from(profile.grades.0)
}

/// Whether the pupil's participation is theirs to choose or the school's (CON-3): from the
/// country's age (NO: 12, forskrift til opplæringslova § 3-2, in 004) the pupil has the right;
/// below it, and in Denmark, the school decides.
pub fn participation(
    profile: &CountryProfile,
    birth_date: Option<Date>,
    grade: i64,
    conference_day: Date,
) -> Participation {
    let Some(age) = profile.conference_participation_age else {
        return Participation::SchoolDecides;
    };
    let of_age = match birth_date {
        Some(b) => age_on(b, conference_day) >= i64::from(age),
        None => grade >= grade_turning(profile, age),
    };
    if of_age {
        Participation::Right
    } else {
        Participation::SchoolDecides
    }
}

/// Whether the pupil takes part: with the right, as the family says (the pupil comes unless
/// they ask for a conference without the child); otherwise as the school planned the round.
/// A family's wish to talk without the child is recorded either way for staff to see.
pub fn pupil_attends(participation: Participation, round_with_pupil: bool, without: bool) -> bool {
    match participation {
        Participation::Right => !without,
        Participation::SchoolDecides => round_with_pupil,
    }
}

/// Whether a conference counts toward the yearly minimum (CON-2): notes are written for every
/// conference (000: "Der skrives noter fra samtalen"); in Norway each must also end in a summary
/// shared with the family (forskrift § 3-2: "Samtalen skal munne ut i ei oppsummering").
pub fn counts_as_held(country: Country, notes_written: bool, summary_shared: bool) -> bool {
    match country {
        Country::Dk => notes_written,
        Country::No => notes_written && summary_shared,
    }
}

/// One pupil's coverage this school year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub held: u32,
    pub required: u32,
}

impl Coverage {
    pub fn new(profile: &CountryProfile, held: u32) -> Self {
        Coverage {
            held,
            required: u32::from(profile.conferences_per_year),
        }
    }

    pub fn met(&self) -> bool {
        self.held >= self.required
    }

    pub fn missing(&self) -> u32 {
        self.required.saturating_sub(self.held)
    }
}

/// A class's coverage: how many pupils have had what the law asks.
pub fn class_coverage(pupils: &[Coverage]) -> (usize, usize) {
    (pupils.iter().filter(|c| c.met()).count(), pupils.len())
}

/// Why an agreement is refused (CON-6: who, what, by when).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgreementProblem {
    #[error("owner: home, school or pupil")]
    Owner,
    #[error("what: {0}")]
    What(crate::text::TextProblem),
    #[error("due: a date (YYYY-MM-DD)")]
    Due,
    #[error("due: not before the conference")]
    DueBeforeConference,
    #[error("due: at most a year after the conference")]
    DueTooFar,
}

/// A checked agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementDraft {
    pub owner: AgreementOwner,
    pub what: String,
    pub due: Date,
}

/// Checks an agreement as typed: an owner, a text, and a date from the conference to a year on.
pub fn check_agreement(
    owner: &str,
    what: &str,
    due: &str,
    conference_day: Date,
) -> Result<AgreementDraft, AgreementProblem> {
    let owner = owner
        .trim()
        .parse::<AgreementOwner>()
        .map_err(|_| AgreementProblem::Owner)?;
    let what =
        crate::text::single_line(what, MAX_AGREEMENT_CHARS).map_err(AgreementProblem::What)?;
    let due = due
        .trim()
        .parse::<Date>()
        .map_err(|_| AgreementProblem::Due)?;
    if due < conference_day {
        return Err(AgreementProblem::DueBeforeConference);
    }
    let far = conference_day
        .until(due)
        .map_or(i64::MAX, |s| i64::from(s.get_days()));
    if far > MAX_DAYS_AHEAD {
        return Err(AgreementProblem::DueTooFar);
    }
    Ok(AgreementDraft { owner, what, due })
}

#[cfg(test)]
mod interpreter_tests {
    use super::own_interpreter_allowed;
    use crate::profile::{DENMARK, NORWAY};

    #[test]
    fn a_childs_interpreter_is_refused_at_17_and_allowed_at_18() {
        for p in [&DENMARK, &NORWAY] {
            assert!(!own_interpreter_allowed(p, 0));
            assert!(!own_interpreter_allowed(p, 17));
            assert!(own_interpreter_allowed(p, 18));
            assert!(own_interpreter_allowed(p, 70));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{DENMARK, NORWAY};
    use jiff::civil::{date, time};

    fn cph() -> TimeZone {
        TimeZone::get("Europe/Copenhagen").expect("tz")
    }

    fn local(slot: &Slot, tz: &TimeZone) -> (Date, Time, Time) {
        let s = slot.starts.to_zoned(tz.clone());
        let e = slot.ends.to_zoned(tz.clone());
        (s.date(), s.time(), e.time())
    }

    fn plan(days: Vec<DayWindow>, slot: i64, pause: i64) -> SlotPlan {
        SlotPlan {
            days,
            slot_minutes: slot,
            break_minutes: pause,
        }
    }

    fn day(d: Date, from: Time, to: Time) -> DayWindow {
        DayWindow {
            date: d,
            start: from,
            end: to,
        }
    }

    #[test]
    fn slots_fill_the_window_with_breaks_and_never_cross_the_end() {
        let tz = cph();
        // 14:00–16:00, 20 minutes + 5 minutes break: 14:00, 14:25, 14:50, 15:15 (ends 15:35);
        // 15:40 would end at 16:00 exactly, which still fits.
        let p = plan(
            vec![day(date(2026, 12, 1), time(14, 0, 0, 0), time(16, 0, 0, 0))],
            20,
            5,
        );
        let slots = generate_slots(&p, &tz).expect("slots");
        let starts: Vec<Time> = slots.iter().map(|s| local(s, &tz).1).collect();
        assert_eq!(
            starts,
            vec![
                time(14, 0, 0, 0),
                time(14, 25, 0, 0),
                time(14, 50, 0, 0),
                time(15, 15, 0, 0),
                time(15, 40, 0, 0)
            ]
        );
        for s in &slots {
            assert_eq!(s.ends.duration_since(s.starts).as_mins(), 20);
            assert!(local(s, &tz).2 <= time(16, 0, 0, 0));
        }
        // A minute less and the last slot does not fit.
        let p = plan(
            vec![day(
                date(2026, 12, 1),
                time(14, 0, 0, 0),
                time(15, 59, 0, 0),
            )],
            20,
            5,
        );
        assert_eq!(generate_slots(&p, &tz).expect("slots").len(), 4);
    }

    #[test]
    fn slots_are_in_the_schools_time_zone_summer_and_winter() {
        let tz = cph();
        let p = plan(
            vec![
                day(date(2026, 6, 2), time(8, 0, 0, 0), time(8, 15, 0, 0)),
                day(date(2026, 12, 2), time(8, 0, 0, 0), time(8, 15, 0, 0)),
            ],
            15,
            0,
        );
        let slots = generate_slots(&p, &tz).expect("slots");
        assert_eq!(slots[0].starts.to_string(), "2026-06-02T06:00:00Z");
        assert_eq!(slots[1].starts.to_string(), "2026-12-02T07:00:00Z");
        // Oslo shares the offsets; the days come out sorted whatever the input order.
        let oslo = TimeZone::get("Europe/Oslo").expect("tz");
        let reversed = plan(p.days.iter().rev().copied().collect(), 15, 0);
        assert_eq!(generate_slots(&reversed, &oslo).expect("slots"), slots);
    }

    #[test]
    fn a_window_across_a_daylight_saving_change_gets_real_minutes() {
        let tz = cph();
        // 29 March 2026: clocks go from 02:00 to 03:00. 01:00–04:00 local is two real hours.
        let p = plan(
            vec![day(date(2026, 3, 29), time(1, 0, 0, 0), time(4, 0, 0, 0))],
            30,
            0,
        );
        let slots = generate_slots(&p, &tz).expect("slots");
        assert_eq!(slots.len(), 4);
        assert_eq!(local(&slots[2], &tz).1, time(3, 0, 0, 0));
        for s in &slots {
            assert_eq!(s.ends.duration_since(s.starts).as_mins(), 30);
        }
        // 25 October 2026: clocks go from 03:00 back to 02:00; 01:00–04:00 is four real hours.
        let p = plan(
            vec![day(date(2026, 10, 25), time(1, 0, 0, 0), time(4, 0, 0, 0))],
            60,
            0,
        );
        let slots = generate_slots(&p, &tz).expect("slots");
        assert_eq!(slots.len(), 4);
        assert!(slots.windows(2).all(|w| w[0].ends <= w[1].starts));
    }

    #[test]
    fn bad_plans_are_named() {
        let tz = cph();
        let d = date(2026, 12, 1);
        let ok_day = day(d, time(14, 0, 0, 0), time(16, 0, 0, 0));
        assert_eq!(
            generate_slots(&plan(vec![ok_day], 4, 0), &tz),
            Err(PlanProblem::SlotTooShort)
        );
        assert_eq!(
            generate_slots(&plan(vec![ok_day], 241, 0), &tz),
            Err(PlanProblem::SlotTooLong)
        );
        assert_eq!(
            generate_slots(&plan(vec![ok_day], 20, -1), &tz),
            Err(PlanProblem::BreakOutOfRange)
        );
        assert_eq!(
            generate_slots(&plan(vec![], 20, 0), &tz),
            Err(PlanProblem::NoDays)
        );
        assert_eq!(
            generate_slots(&plan(vec![ok_day, ok_day], 20, 0), &tz),
            Err(PlanProblem::DuplicateDay(d))
        );
        assert_eq!(
            generate_slots(
                &plan(vec![day(d, time(16, 0, 0, 0), time(14, 0, 0, 0))], 20, 0),
                &tz
            ),
            Err(PlanProblem::EmptyWindow(d))
        );
        assert_eq!(
            generate_slots(
                &plan(vec![day(d, time(14, 0, 0, 0), time(14, 10, 0, 0))], 20, 0),
                &tz
            ),
            Err(PlanProblem::NoSlotFits(d))
        );
        let many: Vec<DayWindow> = (1..=21)
            .map(|n| day(date(2027, 1, n), time(8, 0, 0, 0), time(9, 0, 0, 0)))
            .collect();
        assert_eq!(
            generate_slots(&plan(many, 20, 0), &tz),
            Err(PlanProblem::TooManyDays)
        );
        let long: Vec<DayWindow> = (1..=20)
            .map(|n| day(date(2027, 1, n), time(0, 0, 0, 0), time(23, 0, 0, 0)))
            .collect();
        assert_eq!(
            generate_slots(&plan(long, 5, 0), &tz),
            Err(PlanProblem::TooManySlots)
        );
    }

    #[test]
    fn dates_and_deadlines_are_checked_against_today() {
        let tz = cph();
        let today = date(2026, 11, 25);
        let now: Timestamp = "2026-11-25T10:00:00Z".parse().expect("ts");
        let p = plan(
            vec![day(date(2026, 12, 1), time(14, 0, 0, 0), time(15, 0, 0, 0))],
            20,
            0,
        );
        let slots = generate_slots(&p, &tz).expect("slots");
        let deadline = default_deadline(date(2026, 12, 1), &tz).expect("deadline");
        assert_eq!(deadline.to_string(), "2026-11-30T11:00:00Z");
        assert_eq!(check_dates(&p, &slots, deadline, today, now), Ok(()));
        assert_eq!(
            check_dates(&p, &slots, now, today, now),
            Err(PlanProblem::DeadlinePassed)
        );
        let late = slots[0].starts.checked_add(SignedDuration::from_mins(1));
        assert_eq!(
            check_dates(&p, &slots, late.expect("ts"), today, now),
            Err(PlanProblem::DeadlineAfterStart)
        );
        let past = plan(
            vec![day(
                date(2026, 11, 24),
                time(14, 0, 0, 0),
                time(15, 0, 0, 0),
            )],
            20,
            0,
        );
        assert_eq!(
            check_dates(&past, &slots, deadline, today, now),
            Err(PlanProblem::DayPassed(date(2026, 11, 24)))
        );
        let far = plan(
            vec![day(date(2027, 12, 1), time(14, 0, 0, 0), time(15, 0, 0, 0))],
            20,
            0,
        );
        assert_eq!(
            check_dates(&far, &slots, deadline, today, now),
            Err(PlanProblem::DayTooFar(date(2027, 12, 1)))
        );
    }

    #[test]
    fn local_moments_and_times_are_read_in_the_schools_zone() {
        let tz = cph();
        assert_eq!(
            parse_local_moment("2026-12-01", &tz).map(|t| t.to_string()),
            Some("2026-12-01T22:59:00Z".into())
        );
        assert_eq!(
            parse_local_moment("2026-06-01T12:00", &tz).map(|t| t.to_string()),
            Some("2026-06-01T10:00:00Z".into())
        );
        assert_eq!(parse_local_moment("tomorrow", &tz), None);
        assert_eq!(parse_time("08:30"), Some(time(8, 30, 0, 0)));
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("8"), None);
    }

    #[test]
    fn one_teacher_cannot_sit_in_two_rounds_at_once() {
        let tz = cph();
        let a = generate_slots(
            &plan(
                vec![day(date(2026, 12, 1), time(14, 0, 0, 0), time(16, 0, 0, 0))],
                20,
                0,
            ),
            &tz,
        )
        .expect("a");
        let touching = generate_slots(
            &plan(
                vec![day(date(2026, 12, 1), time(16, 0, 0, 0), time(17, 0, 0, 0))],
                20,
                0,
            ),
            &tz,
        )
        .expect("b");
        assert_eq!(first_overlap(&a, &touching), None);
        let crossing = generate_slots(
            &plan(
                vec![day(
                    date(2026, 12, 1),
                    time(15, 50, 0, 0),
                    time(17, 0, 0, 0),
                )],
                30,
                0,
            ),
            &tz,
        )
        .expect("c");
        let (mine, theirs) = first_overlap(&a, &crossing).expect("overlap");
        assert!(mine.overlaps(&theirs));
        assert_eq!(local(&theirs, &tz).1, time(15, 50, 0, 0));
        assert_eq!(first_overlap(&a, &[]), None);
    }

    #[test]
    fn families_change_until_the_deadline_staff_until_the_slot() {
        let t = |s: &str| s.parse::<Timestamp>().expect("ts");
        let deadline = t("2026-11-30T11:00:00Z");
        let slot = t("2026-12-01T13:00:00Z");
        assert_eq!(
            check_family_change(t("2026-11-30T10:59:59Z"), deadline, slot),
            Ok(())
        );
        assert_eq!(
            check_family_change(t("2026-11-30T11:00:00Z"), deadline, slot),
            Err(BookingProblem::DeadlinePassed)
        );
        assert_eq!(
            check_family_change(t("2026-12-01T13:00:00Z"), deadline, slot),
            Err(BookingProblem::SlotPassed)
        );
        assert_eq!(check_staff_change(t("2026-12-01T12:00:00Z"), slot), Ok(()));
        assert_eq!(
            check_staff_change(t("2026-12-01T13:00:00Z"), slot),
            Err(BookingProblem::SlotPassed)
        );
    }

    #[test]
    fn interpreters_are_booked_a_week_before_on_a_working_day() {
        // Tuesday 8 December → Tuesday 1 December.
        assert_eq!(interpreter_due(date(2026, 12, 8)), date(2026, 12, 1));
        // Sunday 13 December → Sunday 6 December → Friday 4 December.
        assert_eq!(interpreter_due(date(2026, 12, 13)), date(2026, 12, 4));
        // Monday 7 December → Monday 30 November, across the month.
        assert_eq!(interpreter_due(date(2026, 12, 7)), date(2026, 11, 30));
    }

    #[test]
    fn norwegian_pupils_have_the_right_from_twelve_danish_schools_decide() {
        let day = date(2026, 12, 1);
        assert_eq!(age_on(date(2014, 12, 1), day), 12);
        assert_eq!(age_on(date(2014, 12, 2), day), 11);
        assert_eq!(age_on(date(2012, 2, 29), date(2027, 2, 28)), 14);
        assert_eq!(
            participation(&NORWAY, Some(date(2014, 12, 1)), 5, day),
            Participation::Right
        );
        assert_eq!(
            participation(&NORWAY, Some(date(2014, 12, 2)), 7, day),
            Participation::SchoolDecides
        );
        // Without a birth date: from grade 7, the year a Norwegian pupil turns 12.
        assert_eq!(grade_turning(&NORWAY, 12), 7);
        assert_eq!(grade_turning(&DENMARK, 12), 6);
        assert_eq!(participation(&NORWAY, None, 7, day), Participation::Right);
        assert_eq!(
            participation(&NORWAY, None, 6, day),
            Participation::SchoolDecides
        );
        assert_eq!(
            participation(&DENMARK, Some(date(2010, 1, 1)), 9, day),
            Participation::SchoolDecides
        );
        // With the right the family decides; otherwise the school's plan does.
        assert!(pupil_attends(Participation::Right, false, false));
        assert!(!pupil_attends(Participation::Right, true, true));
        assert!(pupil_attends(Participation::SchoolDecides, true, true));
        assert!(!pupil_attends(Participation::SchoolDecides, false, false));
    }

    #[test]
    fn coverage_follows_the_country() {
        assert!(counts_as_held(Country::Dk, true, false));
        assert!(!counts_as_held(Country::Dk, false, false));
        assert!(!counts_as_held(Country::No, true, false));
        assert!(counts_as_held(Country::No, true, true));
        let dk = Coverage::new(&DENMARK, 1);
        assert!(dk.met());
        let no = Coverage::new(&NORWAY, 1);
        assert!(!no.met());
        assert_eq!(no.missing(), 1);
        assert_eq!(Coverage::new(&NORWAY, 3).missing(), 0);
        assert_eq!(
            class_coverage(&[dk, no, Coverage::new(&DENMARK, 0)]),
            (1, 3)
        );
    }

    #[test]
    fn agreements_need_an_owner_a_text_and_a_date() {
        let day = date(2026, 12, 1);
        let ok = check_agreement("home", " Læser 20 minutter hver aften ", "2027-01-15", day)
            .expect("ok");
        assert_eq!(ok.owner, AgreementOwner::Home);
        assert_eq!(ok.what, "Læser 20 minutter hver aften");
        assert_eq!(
            check_agreement("", "x", "2027-01-15", day),
            Err(AgreementProblem::Owner)
        );
        assert!(matches!(
            check_agreement("school", " ", "2027-01-15", day),
            Err(AgreementProblem::What(_))
        ));
        assert_eq!(
            check_agreement("pupil", "x", "", day),
            Err(AgreementProblem::Due)
        );
        assert_eq!(
            check_agreement("pupil", "x", "2026-11-30", day),
            Err(AgreementProblem::DueBeforeConference)
        );
        assert_eq!(
            check_agreement("pupil", "x", "2028-01-01", day),
            Err(AgreementProblem::DueTooFar)
        );
    }

    #[test]
    fn closed_sets_round_trip() {
        for f in Form::ALL {
            assert_eq!(f.as_str().parse::<Form>(), Ok(*f));
        }
        for t in TalkType::ALL {
            assert_eq!(t.as_str().parse::<TalkType>(), Ok(*t));
        }
        assert!("meeting".parse::<Form>().is_err());
    }
    #[test]
    fn an_offered_time_is_one_slot_of_the_rounds_length_in_the_future() {
        let tz = TimeZone::get("Europe/Copenhagen").expect("tz");
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().expect("now");
        let day = jiff::civil::date(2026, 11, 27);
        let slot = offered_slot(day, Time::constant(7, 15, 0, 0), 20, now, &tz).expect("slot");
        assert_eq!(slot.starts.to_string(), "2026-11-27T06:15:00Z");
        assert_eq!(slot.ends.as_second() - slot.starts.as_second(), 20 * 60);
        // Earlier today, or past the year ahead: refused.
        let today = jiff::civil::date(2026, 11, 25);
        assert_eq!(
            offered_slot(today, Time::constant(12, 0, 0, 0), 20, now, &tz),
            Err(PlanProblem::DayPassed(today))
        );
        let far = jiff::civil::date(2027, 12, 1);
        assert_eq!(
            offered_slot(far, Time::constant(8, 0, 0, 0), 20, now, &tz),
            Err(PlanProblem::DayTooFar(far))
        );
        // 02:30 on the night clocks go forward does not exist: the moment after the gap.
        let spring = jiff::civil::date(2027, 3, 28);
        let slot = offered_slot(spring, Time::constant(2, 30, 0, 0), 20, now, &tz).expect("slot");
        assert_eq!(slot.starts.to_string(), "2027-03-28T01:30:00Z");
    }
}
