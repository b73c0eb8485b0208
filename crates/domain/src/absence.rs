//! Absence (ABS-1, ABS-2): reasons as codes (never prose about health), when a report may be
//! made, the register's sessions, and absence rates with the country's thresholds.
//!
//! Amounts of absence are counted in half days (a whole day is 2, a morning or an afternoon 1)
//! so that rates and threshold edges are exact integer comparisons, never floating point.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

use crate::people::{Country, UnknownValue};
use crate::profile::CountryProfile;

/// Why a pupil is away, as a code. Guardians report `Illness` or ask for `Leave`; staff may
/// also set `Unlawful`; `Unreported` is what the register records when nobody reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Illness,
    Leave,
    Unlawful,
    Unreported,
}

impl Reason {
    pub const ALL: [Reason; 4] = [
        Reason::Illness,
        Reason::Leave,
        Reason::Unlawful,
        Reason::Unreported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Illness => "illness",
            Reason::Leave => "leave",
            Reason::Unlawful => "unlawful",
            Reason::Unreported => "unreported",
        }
    }

    /// Whether a guardian may give this reason (the rest are the school's to set).
    pub fn guardian_may_report(self) -> bool {
        matches!(self, Reason::Illness | Reason::Leave)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownValue::new("absence reason", s))
    }
}

/// A leave request's state: the school grants or refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveState {
    Requested,
    Granted,
    Refused,
}

impl LeaveState {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveState::Requested => "requested",
            LeaveState::Granted => "granted",
            LeaveState::Refused => "refused",
        }
    }
}

impl FromStr for LeaveState {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            LeaveState::Requested,
            LeaveState::Granted,
            LeaveState::Refused,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| UnknownValue::new("leave state", s))
    }
}

/// The categories rates are reported in. DK: illness, leave granted, unlawful absence. NO
/// names the first two valid ("gyldig") and the last invalid ("ugyldig") absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Illness,
    Leave,
    Unlawful,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Illness, Category::Leave, Category::Unlawful];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Illness => "illness",
            Category::Leave => "leave",
            Category::Unlawful => "unlawful",
        }
    }
}

/// The category a day of absence counts in. Leave the school refused, and absence nobody
/// reported, count as unlawful; leave still waiting for an answer counts as leave.
pub fn category(reason: Reason, leave: Option<LeaveState>) -> Category {
    match (reason, leave) {
        (Reason::Illness, _) => Category::Illness,
        (Reason::Leave, Some(LeaveState::Refused)) => Category::Unlawful,
        (Reason::Leave, _) => Category::Leave,
        (Reason::Unlawful | Reason::Unreported, _) => Category::Unlawful,
    }
}

impl FromStr for Category {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownValue::new("absence category", s))
    }
}

impl Reason {
    /// The reason a school's own code of `category` is recorded as: what rates count it in.
    pub fn of_category(category: Category) -> Reason {
        match category {
            Category::Illness => Reason::Illness,
            Category::Leave => Reason::Leave,
            Category::Unlawful => Reason::Unlawful,
        }
    }
}

/// Why a school's own absence code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeProblem {
    #[error("a code is 2 to 30 lower-case letters a–z, digits or _")]
    Shape,
    #[error("the code is one of the built-in reasons")]
    Reserved,
}

/// A school's own absence code (ABS-1): a short machine name that staff give as the reason,
/// counted in one category. Never one of the built-in reasons, so a code never changes what
/// `illness` or `leave` mean.
pub fn check_school_code(code: &str) -> Result<String, CodeProblem> {
    let code = code.trim();
    let shaped = (2..=30).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !shaped {
        return Err(CodeProblem::Shape);
    }
    if code.parse::<Reason>().is_ok() {
        return Err(CodeProblem::Reserved);
    }
    Ok(code.to_owned())
}

/// Part of a day away. A whole day is two halves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Morning,
    Afternoon,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Morning => "morning",
            Part::Afternoon => "afternoon",
        }
    }
}

impl FromStr for Part {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "morning" => Ok(Part::Morning),
            "afternoon" => Ok(Part::Afternoon),
            _ => Err(UnknownValue::new("part of day", s)),
        }
    }
}

/// Half days a report counts for on one day.
pub fn half_days(part: Option<Part>) -> i64 {
    if part.is_some() {
        1
    } else {
        2
    }
}

/// The longest report: a family's leave for a long journey fits, a year does not.
pub const MAX_REPORT_DAYS: i64 = 92;
/// A note beside a report: short, and never about health.
pub const MAX_NOTE_CHARS: usize = 200;

/// Why a report is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReportProblem {
    #[error("the last day is before the first")]
    OutOfOrder,
    #[error("the day has closed: report earlier days to the school directly")]
    DayClosed,
    #[error("beyond the current school year")]
    BeyondSchoolYear,
    #[error("longer than {MAX_REPORT_DAYS} days")]
    TooLong,
    #[error("a part of a day is for one day only")]
    PartOfSeveralDays,
    #[error("no school days in the period")]
    NoSchoolDays,
}

/// Whether a guardian may report absence from `from` to `to` at `now` (school-local): from today
/// on, today only until the day closes (the end of contact hours), within the school year.
pub fn check_guardian_report(
    from: Date,
    to: Date,
    part: Option<Part>,
    today: Date,
    now: Time,
    day_closes: Time,
    school_year_end: Date,
) -> Result<(), ReportProblem> {
    if to < from {
        return Err(ReportProblem::OutOfOrder);
    }
    if from < today || (from == today && now >= day_closes) {
        return Err(ReportProblem::DayClosed);
    }
    if to > school_year_end {
        return Err(ReportProblem::BeyondSchoolYear);
    }
    if from.until(to).map_or(i64::MAX, |s| i64::from(s.get_days())) >= MAX_REPORT_DAYS {
        return Err(ReportProblem::TooLong);
    }
    if part.is_some() && from != to {
        return Err(ReportProblem::PartOfSeveralDays);
    }
    Ok(())
}

/// Staff record absence for days that have passed too (the register, corrections), but not in
/// the future beyond the school year, and not before it began.
pub fn check_staff_report(
    from: Date,
    to: Date,
    part: Option<Part>,
    school_year: (Date, Date),
) -> Result<(), ReportProblem> {
    if to < from {
        return Err(ReportProblem::OutOfOrder);
    }
    if from < school_year.0 || to > school_year.1 {
        return Err(ReportProblem::BeyondSchoolYear);
    }
    if from.until(to).map_or(i64::MAX, |s| i64::from(s.get_days())) >= MAX_REPORT_DAYS {
        return Err(ReportProblem::TooLong);
    }
    if part.is_some() && from != to {
        return Err(ReportProblem::PartOfSeveralDays);
    }
    Ok(())
}

/// The most lessons a day a Norwegian school can register one by one.
pub const MAX_REGISTER_LESSONS: u8 = 10;

const LESSONS: [&str; MAX_REGISTER_LESSONS as usize] = [
    "lesson_1",
    "lesson_2",
    "lesson_3",
    "lesson_4",
    "lesson_5",
    "lesson_6",
    "lesson_7",
    "lesson_8",
    "lesson_9",
    "lesson_10",
];

/// The moments a class's register is taken on a day (ABS-1): DK grades 0–6 in the morning,
/// 7–10 in the morning and at the last lesson; NO once a day, or per lesson when the school
/// sets its number of lessons (`lessons`, ignored in Denmark where the law fixes the moments).
pub fn register_sessions(
    country: Country,
    grade: i64,
    lessons: Option<u8>,
) -> &'static [&'static str] {
    match country {
        Country::Dk if grade >= 7 => &["morning", "last_lesson"],
        Country::Dk => &["morning"],
        Country::No => match lessons {
            Some(n) if n >= 1 => &LESSONS[..usize::from(n.min(MAX_REGISTER_LESSONS))],
            _ => &["day"],
        },
    }
}

/// The unreported absence the register shows for a pupil on a day, in half days, from the
/// sessions they were marked absent at (`None` when at none). Away from the first session and
/// from at least half of them is a day; anything less (late, or gone for the last lesson) is
/// half a day. Computed from all of the day's marks, so a later session never erases an
/// earlier one's absence.
pub fn unreported_half_days(sessions: &[&str], absent_at: &[&str]) -> Option<i64> {
    let absent = sessions.iter().filter(|s| absent_at.contains(s)).count();
    if absent == 0 {
        return None;
    }
    let first = sessions.first().is_some_and(|f| absent_at.contains(f));
    Some(if first && absent * 2 >= sessions.len() {
        2
    } else {
        1
    })
}

/// The levels that apply at a school: the law's, or the school's own where the law lets the
/// school choose; a school may tighten a level, never loosen it (DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub warn_percent: u8,
    pub notify_percent: Option<u8>,
}

pub fn thresholds(profile: &CountryProfile, school_warn_percent: Option<u8>) -> Thresholds {
    let law = profile.absence_warn_percent;
    let warn = match school_warn_percent {
        Some(p) if profile.absence_threshold_school_set => p.clamp(1, 100),
        Some(p) => p.clamp(1, law),
        None => law,
    };
    Thresholds {
        warn_percent: warn,
        notify_percent: profile.absence_notify_percent,
    }
}

/// What the school must do about a pupil's absence in a period (ABS-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Warn the parents (DK ≥ 10 % unlawful absence in a quarter; NO the school's level).
    WarnParents,
    /// The school leader must notify the municipality (DK ≥ 15 %).
    NotifyMunicipality,
}

/// One pupil's absence in one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodAbsence {
    /// School days in the period so far.
    pub school_days: i64,
    /// Half days of absence per category.
    pub half_days: [(Category, i64); 3],
}

impl PeriodAbsence {
    pub fn new(school_days: i64) -> Self {
        PeriodAbsence {
            school_days,
            half_days: [
                (Category::Illness, 0),
                (Category::Leave, 0),
                (Category::Unlawful, 0),
            ],
        }
    }

    pub fn add(&mut self, category: Category, half_days: i64) {
        for (c, n) in &mut self.half_days {
            if *c == category {
                *n += half_days;
            }
        }
    }

    pub fn half_days_of(&self, category: Category) -> i64 {
        self.half_days
            .iter()
            .find(|(c, _)| *c == category)
            .map_or(0, |(_, n)| *n)
    }

    /// The share of school days, in percent with one decimal; 0 when there are no school days
    /// yet (never a division by zero).
    pub fn percent(&self, category: Category) -> f64 {
        if self.school_days <= 0 {
            return 0.0;
        }
        let tenths = self.half_days_of(category) * 1000 / (2 * self.school_days);
        tenths as f64 / 10.0
    }

    fn at_least(&self, percent: u8) -> bool {
        // half_days / (2 * school_days) >= percent / 100, in integers.
        self.school_days > 0
            && self.half_days_of(Category::Unlawful) * 100
                >= i64::from(percent) * 2 * self.school_days
    }

    /// The flags this period raises at the given levels.
    pub fn flags(&self, t: Thresholds) -> Vec<Flag> {
        let mut out = Vec::new();
        if self.at_least(t.warn_percent) {
            out.push(Flag::WarnParents);
        }
        if t.notify_percent.is_some_and(|p| self.at_least(p)) {
            out.push(Flag::NotifyMunicipality);
        }
        out
    }
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn school_codes_are_short_names_that_never_shadow_a_reason() {
        assert_eq!(check_school_code(" doctor "), Ok("doctor".into()));
        assert_eq!(check_school_code("exam_2"), Ok("exam_2".into()));
        assert_eq!(check_school_code("x"), Err(CodeProblem::Shape));
        assert_eq!(check_school_code("Doctor"), Err(CodeProblem::Shape));
        assert_eq!(check_school_code("læge"), Err(CodeProblem::Shape));
        assert_eq!(check_school_code("<script>"), Err(CodeProblem::Shape));
        assert_eq!(check_school_code(&"a".repeat(31)), Err(CodeProblem::Shape));
        assert_eq!(check_school_code("illness"), Err(CodeProblem::Reserved));
        assert_eq!(check_school_code("unreported"), Err(CodeProblem::Reserved));
        assert_eq!(Reason::of_category(Category::Leave), Reason::Leave);
        assert_eq!("unlawful".parse::<Category>(), Ok(Category::Unlawful));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{DENMARK, NORWAY};
    use jiff::civil::{date, time};

    #[test]
    fn danish_thresholds_at_their_edges() {
        let t = thresholds(&DENMARK, None);
        // 60 school days in a quarter: 10 % is 6 days (12 half days), 15 % is 9 days.
        let mut p = PeriodAbsence::new(60);
        p.add(Category::Unlawful, 11);
        assert_eq!(p.flags(t), vec![], "9.2 % raises nothing");
        p.add(Category::Unlawful, 1);
        assert_eq!(p.flags(t), vec![Flag::WarnParents], "exactly 10 % warns");
        p.add(Category::Unlawful, 5);
        assert_eq!(p.flags(t), vec![Flag::WarnParents], "14.2 %");
        p.add(Category::Unlawful, 1);
        assert_eq!(
            p.flags(t),
            vec![Flag::WarnParents, Flag::NotifyMunicipality],
            "exactly 15 % notifies the municipality"
        );
        // Illness and leave do not count towards the levels.
        let mut ill = PeriodAbsence::new(60);
        ill.add(Category::Illness, 60);
        ill.add(Category::Leave, 20);
        assert!(ill.flags(t).is_empty());
    }

    #[test]
    fn norwegian_schools_set_their_own_level() {
        let t = thresholds(&NORWAY, Some(8));
        assert_eq!(
            t,
            Thresholds {
                warn_percent: 8,
                notify_percent: None
            }
        );
        let mut p = PeriodAbsence::new(50);
        p.add(Category::Unlawful, 7);
        assert!(p.flags(t).is_empty(), "7 % is under the school's 8 %");
        p.add(Category::Unlawful, 1);
        assert_eq!(p.flags(t), vec![Flag::WarnParents], "exactly 8 %");
        assert_eq!(thresholds(&NORWAY, None).warn_percent, 10, "the default");
        // A Danish school may tighten the law's level, not loosen it.
        assert_eq!(thresholds(&DENMARK, Some(20)).warn_percent, 10);
        assert_eq!(thresholds(&DENMARK, Some(5)).warn_percent, 5);
    }

    #[test]
    fn no_school_days_is_no_division_by_zero() {
        let mut p = PeriodAbsence::new(0);
        p.add(Category::Unlawful, 4);
        assert_eq!(p.percent(Category::Unlawful), 0.0);
        assert!(p.flags(thresholds(&DENMARK, None)).is_empty());
        let mut q = PeriodAbsence::new(3);
        q.add(Category::Illness, 1);
        assert_eq!(q.percent(Category::Illness), 16.6);
    }

    #[test]
    fn categories_follow_the_reason_and_the_schools_answer() {
        assert_eq!(category(Reason::Illness, None), Category::Illness);
        assert_eq!(
            category(Reason::Leave, Some(LeaveState::Requested)),
            Category::Leave
        );
        assert_eq!(
            category(Reason::Leave, Some(LeaveState::Granted)),
            Category::Leave
        );
        assert_eq!(
            category(Reason::Leave, Some(LeaveState::Refused)),
            Category::Unlawful
        );
        assert_eq!(category(Reason::Unreported, None), Category::Unlawful);
        assert!(Reason::Illness.guardian_may_report());
        assert!(!Reason::Unlawful.guardian_may_report());
        assert!(!Reason::Unreported.guardian_may_report());
    }

    #[test]
    fn guardians_report_from_today_until_the_day_closes() {
        let today = date(2026, 11, 25);
        let end = date(2027, 7, 31);
        let closes = time(17, 0, 0, 0);
        let check =
            |from, to, part, now| check_guardian_report(from, to, part, today, now, closes, end);
        assert_eq!(check(today, today, None, time(7, 30, 0, 0)), Ok(()));
        assert_eq!(
            check(today, today, Some(Part::Afternoon), time(12, 0, 0, 0)),
            Ok(())
        );
        assert_eq!(
            check(today, today, None, time(17, 0, 0, 0)),
            Err(ReportProblem::DayClosed)
        );
        assert_eq!(
            check(date(2026, 11, 24), today, None, time(7, 0, 0, 0)),
            Err(ReportProblem::DayClosed)
        );
        assert_eq!(
            check(
                date(2026, 11, 27),
                date(2026, 11, 26),
                None,
                time(7, 0, 0, 0)
            ),
            Err(ReportProblem::OutOfOrder)
        );
        assert_eq!(
            check(date(2027, 7, 30), date(2027, 8, 2), None, time(7, 0, 0, 0)),
            Err(ReportProblem::BeyondSchoolYear)
        );
        assert_eq!(
            check(today, date(2027, 3, 1), None, time(7, 0, 0, 0)),
            Err(ReportProblem::TooLong)
        );
        assert_eq!(
            check(
                today,
                date(2026, 11, 26),
                Some(Part::Morning),
                time(7, 0, 0, 0)
            ),
            Err(ReportProblem::PartOfSeveralDays)
        );
    }

    #[test]
    fn staff_record_past_days_within_the_school_year() {
        let year = (date(2026, 8, 1), date(2027, 7, 31));
        assert_eq!(
            check_staff_report(date(2026, 9, 1), date(2026, 9, 1), None, year),
            Ok(())
        );
        assert_eq!(
            check_staff_report(date(2026, 7, 31), date(2026, 8, 3), None, year),
            Err(ReportProblem::BeyondSchoolYear)
        );
    }

    #[test]
    fn register_sessions_by_country_and_grade() {
        assert_eq!(register_sessions(Country::Dk, 6, None), &["morning"]);
        assert_eq!(
            register_sessions(Country::Dk, 7, None),
            &["morning", "last_lesson"]
        );
        // Denmark's moments are the law's: a lesson setting does not change them.
        assert_eq!(register_sessions(Country::Dk, 6, Some(6)), &["morning"]);
        assert_eq!(register_sessions(Country::No, 9, None), &["day"]);
        assert_eq!(register_sessions(Country::No, 9, Some(0)), &["day"]);
        assert_eq!(
            register_sessions(Country::No, 3, Some(3)),
            &["lesson_1", "lesson_2", "lesson_3"]
        );
        assert_eq!(register_sessions(Country::No, 3, Some(200)).len(), 10);
    }

    #[test]
    fn unreported_absence_is_a_day_or_half_a_day_from_all_marks() {
        let dk = ["morning", "last_lesson"];
        assert_eq!(unreported_half_days(&dk, &[]), None);
        assert_eq!(unreported_half_days(&dk, &["morning"]), Some(2));
        assert_eq!(unreported_half_days(&dk, &["last_lesson"]), Some(1));
        assert_eq!(
            unreported_half_days(&dk, &["morning", "last_lesson"]),
            Some(2)
        );
        assert_eq!(unreported_half_days(&["day"], &["day"]), Some(2));
        let six = register_sessions(Country::No, 5, Some(6));
        // Late for the first lesson: half a day.
        assert_eq!(unreported_half_days(six, &["lesson_1"]), Some(1));
        // Away the first half of the day: a day; the second half: half a day.
        assert_eq!(
            unreported_half_days(six, &["lesson_1", "lesson_2", "lesson_3"]),
            Some(2)
        );
        assert_eq!(
            unreported_half_days(six, &["lesson_4", "lesson_5", "lesson_6"]),
            Some(1)
        );
        assert_eq!(
            unreported_half_days(six, &["lesson_1", "lesson_2"]),
            Some(1)
        );
        // A session the day does not have counts for nothing.
        assert_eq!(unreported_half_days(six, &["lesson_9"]), None);
    }
}
