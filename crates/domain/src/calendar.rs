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

// ---------------------------------------------------------------------------------------------
// Events, invitations and homework (MSG-6)

/// Who an event is for: one class, every class of a grade, or the whole school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Class(crate::ClassId),
    Grade(u8),
    School,
}

impl Audience {
    pub fn kind(self) -> &'static str {
        match self {
            Audience::Class(_) => "class",
            Audience::Grade(_) => "grade",
            Audience::School => "school",
        }
    }
}

/// An answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RsvpAnswer {
    Yes,
    No,
    Maybe,
}

impl RsvpAnswer {
    pub const ALL: [RsvpAnswer; 3] = [RsvpAnswer::Yes, RsvpAnswer::No, RsvpAnswer::Maybe];

    pub fn as_str(self) -> &'static str {
        match self {
            RsvpAnswer::Yes => "yes",
            RsvpAnswer::No => "no",
            RsvpAnswer::Maybe => "maybe",
        }
    }
}

impl std::str::FromStr for RsvpAnswer {
    type Err = crate::people::UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RsvpAnswer::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| crate::people::UnknownValue::new("answer", s))
    }
}

/// Titles and places of events, subjects of homework.
pub const MAX_TITLE_CHARS: usize = 200;
/// Descriptions of events and homework text.
pub const MAX_TEXT_CHARS: usize = 4000;
/// A note with an answer ("we bring a cake").
pub const MAX_NOTE_CHARS: usize = 500;
/// The most people one answer may bring (the family, grandparents, siblings).
pub const MAX_PEOPLE: i64 = 20;
/// The longest event: a school camp runs a week, not a month.
pub const MAX_EVENT_DAYS: i64 = 14;
/// Homework information is given from this grade (seed 000: "fra 3. klasse").
pub const HOMEWORK_FROM_GRADE: u8 = 3;

/// Why an event is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EventProblem {
    #[error("the title is empty")]
    TitleEmpty,
    #[error("the title or place is too long")]
    TitleTooLong,
    #[error("the description is too long")]
    TextTooLong,
    /// A control character in the title or place, or other than a line break or tab in the
    /// description (PostgreSQL cannot store NUL).
    #[error("the text contains characters that cannot be stored")]
    Control,
    #[error("the event ends before it starts")]
    EndsBeforeStart,
    #[error("the event is longer than two weeks")]
    TooLong,
    #[error("the answer deadline is after the start")]
    DeadlineAfterStart,
    #[error("the reminder is after the start")]
    ReminderAfterStart,
    #[error("the grade does not exist")]
    NoSuchGrade,
}

/// An event's times as instants (UTC seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTimes {
    pub starts_at: i64,
    pub ends_at: i64,
    pub rsvp_deadline: Option<i64>,
    pub reminder_at: Option<i64>,
}

/// Checks a new event: a title, texts within limits, an end after the start, no event longer
/// than [`MAX_EVENT_DAYS`], the answer deadline and the reminder not after the start.
pub fn check_event(
    title: &str,
    place: &str,
    description: &str,
    times: EventTimes,
) -> Result<(), EventProblem> {
    let title = title.trim();
    if title.is_empty() {
        return Err(EventProblem::TitleEmpty);
    }
    if title.chars().count() > MAX_TITLE_CHARS || place.trim().chars().count() > MAX_TITLE_CHARS {
        return Err(EventProblem::TitleTooLong);
    }
    if description.chars().count() > MAX_TEXT_CHARS {
        return Err(EventProblem::TextTooLong);
    }
    if title.chars().chain(place.chars()).any(char::is_control)
        || description
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(EventProblem::Control);
    }
    if times.ends_at <= times.starts_at {
        return Err(EventProblem::EndsBeforeStart);
    }
    if times.ends_at - times.starts_at > MAX_EVENT_DAYS * 86_400 {
        return Err(EventProblem::TooLong);
    }
    if times.rsvp_deadline.is_some_and(|d| d > times.starts_at) {
        return Err(EventProblem::DeadlineAfterStart);
    }
    if times.reminder_at.is_some_and(|r| r > times.starts_at) {
        return Err(EventProblem::ReminderAfterStart);
    }
    Ok(())
}

/// Why an answer to an invitation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RsvpProblem {
    #[error("the event does not ask for answers")]
    NotInvited,
    #[error("the answer deadline has passed")]
    DeadlinePassed,
    #[error("the number of people must be between 0 and 20")]
    People,
    #[error("the note is too long")]
    NoteTooLong,
}

/// Checks an answer: the event asks for answers, the deadline (or, without one, the start) has
/// not passed, the number of people is sensible (at most 0 for "no") and the note short.
pub fn check_rsvp(
    rsvp_open: bool,
    deadline: Option<i64>,
    starts_at: i64,
    now: i64,
    answer: RsvpAnswer,
    people: i64,
    note: &str,
) -> Result<(), RsvpProblem> {
    if !rsvp_open {
        return Err(RsvpProblem::NotInvited);
    }
    if now > deadline.unwrap_or(starts_at) {
        return Err(RsvpProblem::DeadlinePassed);
    }
    if !(0..=MAX_PEOPLE).contains(&people) || (answer == RsvpAnswer::No && people > 0) {
        return Err(RsvpProblem::People);
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(RsvpProblem::NoteTooLong);
    }
    Ok(())
}

/// The number of people an answer counts when none is given: one for yes and maybe.
pub fn default_people(answer: RsvpAnswer) -> i64 {
    match answer {
        RsvpAnswer::No => 0,
        RsvpAnswer::Yes | RsvpAnswer::Maybe => 1,
    }
}

/// Why a homework entry is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HomeworkProblem {
    #[error("homework is given from grade 3")]
    GradeTooLow,
    #[error("the subject is empty or too long")]
    Subject,
    #[error("the text is empty or too long")]
    Text,
}

/// Homework information is given per class and day from grade 3 (seed 000).
pub fn homework_allowed(grade: u8) -> bool {
    grade >= HOMEWORK_FROM_GRADE
}

pub fn check_homework(grade: u8, subject: &str, text: &str) -> Result<(), HomeworkProblem> {
    if !homework_allowed(grade) {
        return Err(HomeworkProblem::GradeTooLow);
    }
    let s = subject.trim().chars().count();
    if s == 0 || s > MAX_TITLE_CHARS {
        return Err(HomeworkProblem::Subject);
    }
    let t = text.trim().chars().count();
    if t == 0 || t > MAX_TEXT_CHARS {
        return Err(HomeworkProblem::Text);
    }
    Ok(())
}

/// The weeks (Monday to Sunday) that show a month: every day of the month, padded with the
/// days of the neighbouring months that share its first and last week.
pub fn month_grid(year: i16, month: i8) -> Vec<[Date; 7]> {
    let Ok(first) = Date::new(year, month, 1) else {
        return Vec::new();
    };
    let last = first.last_of_month();
    let mut day = week_start(first);
    let mut weeks = Vec::new();
    while day <= last {
        let mut week = [day; 7];
        for slot in week.iter_mut() {
            *slot = day;
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => return weeks,
            }
        }
        weeks.push(week);
    }
    weeks
}

/// The Monday of the week a day falls in.
pub fn week_start(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day)
}

/// The instants (UTC seconds) from the start of `from` to the end of `to` in the school's time
/// zone: the window a calendar view asks for.
pub fn day_window(from: Date, to: Date, tz: &TimeZone) -> Option<(i64, i64)> {
    let start = from.to_zoned(tz.clone()).ok()?.timestamp().as_second();
    let end = to
        .tomorrow()
        .ok()?
        .to_zoned(tz.clone())
        .ok()?
        .timestamp()
        .as_second();
    Some((start, end))
}

/// The classes whose events and homework a person's calendar shows: the classes they teach,
/// the classes they are enrolled in, and their children's classes (custody or information).
pub fn calendar_classes(actor: &crate::Actor) -> Vec<crate::ClassId> {
    use crate::{Access, Role};
    let mut out: Vec<crate::ClassId> = Vec::new();
    if actor.has(Role::Staff) {
        out.extend(actor.teaches.iter().map(|l| l.class_id));
    }
    if actor.has(Role::Pupil) {
        out.extend(actor.enrolled.iter().copied());
    }
    out.extend(actor.child_classes.iter().filter_map(|(pupil, class)| {
        matches!(
            actor.guardian_access(*pupil),
            Some(Access::Full | Access::Info)
        )
        .then_some(*class)
    }));
    out.sort();
    out.dedup();
    out
}

/// The children whose conferences show in a guardian's calendar (custody or information).
pub fn calendar_children(actor: &crate::Actor) -> Vec<crate::PersonId> {
    use crate::{Access, Role};
    if !actor.has(Role::Guardian) {
        return Vec::new();
    }
    actor
        .children
        .iter()
        .filter(|c| matches!(c.access, Access::Full | Access::Info))
        .map(|c| c.pupil_id)
        .collect()
}

#[cfg(test)]
mod event_tests {
    use super::*;
    use jiff::civil::date;

    fn times(starts_at: i64, ends_at: i64) -> EventTimes {
        EventTimes {
            starts_at,
            ends_at,
            rsvp_deadline: None,
            reminder_at: None,
        }
    }

    #[test]
    fn an_event_ends_after_it_starts_and_answers_close_before() {
        assert_eq!(check_event("Trip", "", "", times(100, 200)), Ok(()));
        for (title, place, description) in [
            ("Tr\0ip", "", ""),
            ("Trip", "Hall\u{7}", ""),
            ("Trip", "", "a\0b"),
            ("Trip\nTwo", "", ""),
        ] {
            assert_eq!(
                check_event(title, place, description, times(100, 200)),
                Err(EventProblem::Control),
                "{title:?} {place:?} {description:?}"
            );
        }
        assert_eq!(
            check_event("Trip", "Hall", "Bring:\n\tboots\r\n", times(100, 200)),
            Ok(())
        );
        assert_eq!(
            check_event("Trip", "", "", times(200, 100)),
            Err(EventProblem::EndsBeforeStart)
        );
        assert_eq!(
            check_event("Trip", "", "", times(100, 100)),
            Err(EventProblem::EndsBeforeStart)
        );
        assert_eq!(
            check_event(" ", "", "", times(100, 200)),
            Err(EventProblem::TitleEmpty)
        );
        assert_eq!(
            check_event(&"x".repeat(201), "", "", times(100, 200)),
            Err(EventProblem::TitleTooLong)
        );
        assert_eq!(
            check_event("Camp", "", "", times(0, 15 * 86_400)),
            Err(EventProblem::TooLong)
        );
        let late = EventTimes {
            rsvp_deadline: Some(150),
            ..times(100, 200)
        };
        assert_eq!(
            check_event("Trip", "", "", late),
            Err(EventProblem::DeadlineAfterStart)
        );
        let reminder = EventTimes {
            reminder_at: Some(101),
            ..times(100, 200)
        };
        assert_eq!(
            check_event("Trip", "", "", reminder),
            Err(EventProblem::ReminderAfterStart)
        );
    }

    #[test]
    fn answers_close_at_the_deadline_or_the_start() {
        use RsvpAnswer::*;
        assert_eq!(check_rsvp(true, Some(50), 100, 50, Yes, 2, ""), Ok(()));
        assert_eq!(
            check_rsvp(true, Some(50), 100, 51, Yes, 2, ""),
            Err(RsvpProblem::DeadlinePassed)
        );
        assert_eq!(check_rsvp(true, None, 100, 99, Maybe, 1, ""), Ok(()));
        assert_eq!(
            check_rsvp(true, None, 100, 101, Maybe, 1, ""),
            Err(RsvpProblem::DeadlinePassed)
        );
        assert_eq!(
            check_rsvp(false, None, 100, 0, Yes, 1, ""),
            Err(RsvpProblem::NotInvited)
        );
        assert_eq!(
            check_rsvp(true, None, 100, 0, Yes, 21, ""),
            Err(RsvpProblem::People)
        );
        assert_eq!(
            check_rsvp(true, None, 100, 0, Yes, -1, ""),
            Err(RsvpProblem::People)
        );
        assert_eq!(
            check_rsvp(true, None, 100, 0, No, 2, ""),
            Err(RsvpProblem::People)
        );
        assert_eq!(
            check_rsvp(true, None, 100, 0, Yes, 1, &"x".repeat(501)),
            Err(RsvpProblem::NoteTooLong)
        );
        assert_eq!(default_people(No), 0);
        assert_eq!(default_people(Maybe), 1);
        for a in RsvpAnswer::ALL {
            assert_eq!(a.as_str().parse::<RsvpAnswer>(), Ok(a));
        }
        assert!("perhaps".parse::<RsvpAnswer>().is_err());
    }

    #[test]
    fn homework_is_given_from_grade_three() {
        assert!(!homework_allowed(0));
        assert!(!homework_allowed(2));
        assert!(homework_allowed(3));
        assert_eq!(
            check_homework(2, "Math", "Page 12"),
            Err(HomeworkProblem::GradeTooLow)
        );
        assert_eq!(check_homework(3, "Math", "Page 12"), Ok(()));
        assert_eq!(
            check_homework(5, "", "Page 12"),
            Err(HomeworkProblem::Subject)
        );
        assert_eq!(check_homework(5, "Math", " "), Err(HomeworkProblem::Text));
    }

    #[test]
    fn a_month_is_shown_in_whole_weeks_from_monday() {
        // November 2026 starts on a Sunday and ends on a Monday: six weeks.
        let weeks = month_grid(2026, 11);
        assert_eq!(weeks.len(), 6);
        assert_eq!(weeks[0][0], date(2026, 10, 26));
        assert_eq!(weeks[0][6], date(2026, 11, 1));
        assert_eq!(weeks[5][0], date(2026, 11, 30));
        // February 2027 starts on a Monday and has exactly four weeks.
        let weeks = month_grid(2027, 2);
        assert_eq!(weeks.len(), 4);
        assert_eq!(weeks[0][0], date(2027, 2, 1));
        assert!(month_grid(2027, 13).is_empty());
        assert_eq!(week_start(date(2026, 11, 25)), date(2026, 11, 23));
        assert_eq!(week_start(date(2026, 11, 23)), date(2026, 11, 23));
    }

    #[test]
    fn a_day_window_follows_daylight_saving() {
        let tz = TimeZone::get("Europe/Copenhagen").unwrap_or(TimeZone::UTC);
        // Sunday 25 October 2026 has 25 hours in Copenhagen.
        let (start, end) =
            day_window(date(2026, 10, 25), date(2026, 10, 25), &tz).unwrap_or((0, 0));
        assert_eq!(end - start, 25 * 3600);
        let (start, _) = day_window(date(2026, 11, 25), date(2026, 11, 25), &tz).unwrap_or((0, 0));
        let midnight: Timestamp = "2026-11-24T23:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(start, midnight.as_second());
    }
}
