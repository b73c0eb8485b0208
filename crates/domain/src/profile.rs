//! Country profiles: the rules that differ between Denmark and Norway (DESIGN.md, Country
//! profiles). A school may tighten a rule, never loosen it below the law.

use crate::people::{Country, Lang};

/// The fixed facts of a country that a new school starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountryProfile {
    pub country: Country,
    pub time_zone: &'static str,
    pub locale: Lang,
    /// Default contact hours on working days, as (start hour, end hour) in local time (MSG-2).
    pub contact_hours: (u8, u8),
    /// The lowest and highest grade of the compulsory school.
    pub grades: (u8, u8),
    /// Conferences a year a class must at least offer each family (CON-2).
    pub conferences_per_year: u8,
    /// The age from which a pupil has the right (not the duty) to take part in conferences
    /// (CON-3). NO: 12 (forskrift til opplæringslova § 3-2). DK: none; the school decides.
    pub conference_participation_age: Option<u8>,
    /// The youngest a family's own interpreter may be (PEO-4): children do not interpret for
    /// their parents. DK: 18; NO: 18 (tolkeloven § 7: children are not used as interpreters).
    pub min_interpreter_age: u8,
    /// Unlawful (DK) or invalid (NO) absence in a quarter, in percent of school days, at which
    /// the school must warn the parents (ABS-2). In Norway the school sets it; this is the
    /// default.
    pub absence_warn_percent: u8,
    /// The level at which the school leader must notify the municipality (DK: 15 %).
    pub absence_notify_percent: Option<u8>,
    /// Whether the school may choose its own warning level (NO) or the law fixes it (DK).
    pub absence_threshold_school_set: bool,
    /// The duty to act on bullying or an unsafe community (ABS-4): working days from the day the
    /// school learns of it to the written plan. DK: 10, fixed by law (undervisningsmiljøloven
    /// § 1 b). NO: the law says "as soon as possible" (opplæringslova § 12-4); 5 is the
    /// school's default, which a school may tighten.
    pub bullying_plan_working_days: u32,
    /// Whether the law fixes that number (DK) or it is the school's default (NO).
    pub bullying_plan_days_statutory: bool,
    /// The municipal educational-psychological service cases are referred to (WEL-1).
    pub support_service: &'static str,
}

pub const DENMARK: CountryProfile = CountryProfile {
    country: Country::Dk,
    time_zone: "Europe/Copenhagen",
    locale: Lang::Da,
    contact_hours: (8, 17),
    grades: (0, 9),
    conferences_per_year: 1,
    conference_participation_age: None,
    min_interpreter_age: 18,
    absence_warn_percent: 10,
    absence_notify_percent: Some(15),
    absence_threshold_school_set: false,
    bullying_plan_working_days: 10,
    bullying_plan_days_statutory: true,
    support_service: "PPR",
};

pub const NORWAY: CountryProfile = CountryProfile {
    country: Country::No,
    time_zone: "Europe/Oslo",
    locale: Lang::Nb,
    contact_hours: (8, 16),
    grades: (1, 10),
    conferences_per_year: 2,
    conference_participation_age: Some(12),
    min_interpreter_age: 18,
    absence_warn_percent: 10,
    absence_notify_percent: None,
    absence_threshold_school_set: true,
    // "Snarast råd" in the law: the school's default, not a statutory number.
    bullying_plan_working_days: 5,
    bullying_plan_days_statutory: false,
    support_service: "PPT",
};

pub fn profile(country: Country) -> &'static CountryProfile {
    match country {
        Country::Dk => &DENMARK,
        Country::No => &NORWAY,
    }
}

/// The school year a date falls in, named as schools write it ("2026/27"): a year starts on
/// 1 August in both countries.
pub fn school_year(date: jiff::civil::Date) -> String {
    let start = if date.month() >= 8 {
        date.year()
    } else {
        date.year() - 1
    };
    format!("{}/{:02}", start, (start + 1) % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn school_year_turns_on_first_of_august() {
        assert_eq!(school_year(date(2026, 7, 31)), "2025/26");
        assert_eq!(school_year(date(2026, 8, 1)), "2026/27");
        assert_eq!(school_year(date(2099, 12, 1)), "2099/00");
    }

    #[test]
    fn time_zones_are_real() {
        for p in [DENMARK, NORWAY] {
            assert!(jiff::tz::TimeZone::get(p.time_zone).is_ok());
        }
    }
}
