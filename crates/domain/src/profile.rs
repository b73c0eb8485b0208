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
}

pub const DENMARK: CountryProfile = CountryProfile {
    country: Country::Dk,
    time_zone: "Europe/Copenhagen",
    locale: Lang::Da,
    contact_hours: (8, 17),
    grades: (0, 9),
    conferences_per_year: 1,
};

pub const NORWAY: CountryProfile = CountryProfile {
    country: Country::No,
    time_zone: "Europe/Oslo",
    locale: Lang::Nb,
    contact_hours: (8, 16),
    grades: (1, 10),
    conferences_per_year: 2,
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
