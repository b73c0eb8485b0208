//! People: schools, classes, persons, roles and guardianships (PEO-1..PEO-4).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A school: the tenant every school-owned row belongs to.
    SchoolId
);
id_type!(
    /// A class (one group of pupils in one school year).
    ClassId
);
id_type!(
    /// A person: staff member, guardian or pupil.
    PersonId
);

/// What a person is at a school. One person may hold several roles (a teacher who is also a
/// parent at the same school, PEO-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Leader,
    Staff,
    Guardian,
    Pupil,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Leader, Role::Staff, Role::Guardian, Role::Pupil];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Staff => "staff",
            Role::Guardian => "guardian",
            Role::Pupil => "pupil",
        }
    }
}

impl FromStr for Role {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownValue::new("role", s))
    }
}

/// A guardian's access to one child (PEO-2). A parent without custody keeps a right to
/// information in Denmark (`Info`); in Norway such a parent gets information on request, which
/// the school records as `None` until it is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Full,
    Info,
    None,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Full => "full",
            Access::Info => "info",
            Access::None => "none",
        }
    }
}

impl FromStr for Access {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "full" => Ok(Access::Full),
            "info" => Ok(Access::Info),
            "none" => Ok(Access::None),
            _ => Err(UnknownValue::new("access", s)),
        }
    }
}

/// The country whose law and customs a school follows; see [`crate::profile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Country {
    Dk,
    No,
}

impl Country {
    pub fn as_str(self) -> &'static str {
        match self {
            Country::Dk => "dk",
            Country::No => "no",
        }
    }
}

impl FromStr for Country {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "dk" => Ok(Country::Dk),
            "no" => Ok(Country::No),
            _ => Err(UnknownValue::new("country", s)),
        }
    }
}

/// A language of the user interface (PLT-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Da,
    Nb,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Da, Lang::Nb, Lang::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::Nb => "nb",
            Lang::En => "en",
        }
    }

    /// The language a browser's tag names, if we have it: `da`, `da-DK`, `nb`, `no`, `nn`
    /// (Nynorsk readers are better served by Bokmål than by English), `en-GB`, …
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        match primary.as_str() {
            "da" => Some(Lang::Da),
            "nb" | "no" | "nn" => Some(Lang::Nb),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best of our languages for an `Accept-Language` header, by its quality values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_tag(tag) {
                if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, lang));
                }
            }
        }
        best.map(|(_, l)| l)
    }
}

impl FromStr for Lang {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownValue::new("language", s))
    }
}

/// The language a person reads the interface in: their own choice, else what their browser asks
/// for, else the school's locale.
pub fn negotiate_lang(chosen: Option<Lang>, accept_language: Option<&str>, school: Lang) -> Lang {
    chosen
        .or_else(|| accept_language.and_then(Lang::from_accept_language))
        .unwrap_or(school)
}

/// A value that is not one of a closed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

impl UnknownValue {
    pub(crate) fn new(what: &'static str, value: &str) -> Self {
        // Keep error messages short even when the input is not.
        UnknownValue {
            what,
            value: value.chars().take(40).collect(),
        }
    }
}

/// An interpreter need, agreed with the guardian in advance (PEO-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterpreterNeed {
    /// The language, as the school writes it (`arabisk`, `somali`, `ar`, …).
    pub language: String,
    pub dialect: Option<String>,
    pub preferred_gender: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_highest_quality_language_we_have() {
        assert_eq!(
            Lang::from_accept_language("de-DE,de;q=0.9,nb;q=0.8,en;q=0.7"),
            Some(Lang::Nb)
        );
        assert_eq!(
            Lang::from_accept_language("en-GB;q=0.5, da"),
            Some(Lang::Da)
        );
        assert_eq!(Lang::from_accept_language("nn-NO"), Some(Lang::Nb));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_accept_language("da;q=0"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn own_choice_beats_browser_beats_school() {
        assert_eq!(
            negotiate_lang(Some(Lang::En), Some("da"), Lang::Nb),
            Lang::En
        );
        assert_eq!(negotiate_lang(None, Some("da"), Lang::Nb), Lang::Da);
        assert_eq!(negotiate_lang(None, Some("fr"), Lang::Nb), Lang::Nb);
        assert_eq!(negotiate_lang(None, None, Lang::Da), Lang::Da);
    }

    #[test]
    fn closed_sets_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        for a in [Access::Full, Access::Info, Access::None] {
            assert_eq!(a.as_str().parse::<Access>(), Ok(a));
        }
        assert!("admin".parse::<Role>().is_err());
        assert_eq!("DK".parse::<Country>(), Ok(Country::Dk));
    }
}
