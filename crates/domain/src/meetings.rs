//! Parent meetings and the parent community (MEE-1..5, DIF-5, PEO-5): DK *forældremøde*, NO
//! *foreldremøte*.
//!
//! The rules live here as plain functions: the grade band of a class and the theme suggestions
//! for it (seed 000 section 3, seed 004 "Foreldremøter"), the agenda's items, the ranking of
//! the themes guardians proposed and voted on, the RSVP deadline, the drawing of discussion
//! groups (mixed, or language-homogeneous; deterministic given a seed), the communication
//! agreement that sets the class's contact hours (MEE-5), and the figures of how a class's
//! parent group is knit (never a ranking of families).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::contact_hours::{ContactHours, HoursProblem};
use crate::people::{Country, PersonId, UnknownValue};

macro_rules! closed_set {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
    /// How the meeting is held (MEE-4; 004: "sette foreldrene i grupper").
    MeetingForm, "meeting form", {
        Plenary => "plenary",
        Groups => "groups",
        /// Groups by home language, so minority-language parents can speak freely (004).
        LanguageGroups => "language_groups",
    }
);

closed_set!(
    /// The grade bands of seed 000's theme lists: *de små, de mellemste, de største klassetrin*.
    GradeBand, "grade band", {
        Youngest => "youngest",
        Middle => "middle",
        Oldest => "oldest",
    }
);

closed_set!(
    /// How groups are drawn at the meeting.
    GroupMode, "group mode", {
        Mixed => "mixed",
        ByLanguage => "by_language",
    }
);

closed_set!(
    /// Channels of the class's communication agreement (MEE-5; 000: Aula, telefon, SMS).
    Channel, "channel", {
        App => "app",
        Email => "email",
        Sms => "sms",
        Phone => "phone",
    }
);

closed_set!(
    /// Parent bodies (PEO-5): DK *skolebestyrelse*, NO *FAU, SU, skolemiljøutvalg*.
    BodyKind, "parent body", {
        SchoolBoard => "school_board",
        ParentsCouncil => "parents_council",
        CooperationCommittee => "cooperation_committee",
        EnvironmentCommittee => "environment_committee",
    }
);

closed_set!(
    /// What a guardian offers or looks for on the class's parent board (DIF-5).
    OfferKind, "offer kind", {
        CarPool => "car_pool",
        PlayDate => "play_date",
        SocialEvent => "social_event",
    }
);

/// Text limits.
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_PLACE_CHARS: usize = 200;
pub const MAX_AGENDA_ITEMS: usize = 20;
pub const MAX_AGENDA_ITEM_CHARS: usize = 200;
pub const MAX_THEME_CHARS: usize = 200;
pub const MAX_INVITATION_CHARS: usize = 5000;
pub const MAX_MINUTES_CHARS: usize = 20000;
pub const MAX_DECISION_CHARS: usize = 500;
pub const MAX_POST_CHARS: usize = 2000;
/// At most this many groups are drawn.
pub const MAX_GROUPS: usize = 30;
/// The expected answer time of a communication agreement, in working days.
pub const MAX_ANSWER_DAYS: u8 = 10;

/// The grade band of a class: DK 0–3 / 4–6 / 7–10 (indskoling, mellemtrin, udskoling), NO 1–4 /
/// 5–7 / 8–13 (småtrinn, mellomtrinn, ungdomstrinn and upper secondary).
pub fn grade_band(country: Country, grade: i64) -> GradeBand {
    let (youngest_to, middle_to) = match country {
        Country::Dk => (3, 6),
        Country::No => (4, 7),
    };
    if grade <= youngest_to {
        GradeBand::Youngest
    } else if grade <= middle_to {
        GradeBand::Middle
    } else {
        GradeBand::Oldest
    }
}

/// Seed 000, "Forslag til temaer", the youngest grades.
const YOUNGEST: &[&str] = &[
    "packed-lunches",
    "sweets",
    "homework",
    "class-community",
    "traffic",
    "school-milk",
    "bedtimes",
    "birthdays",
    "class-management",
    "reading-at-home",
    "good-routines",
    "home-school-communication",
];

/// Seed 000, the middle grades.
const MIDDLE: &[&str] = &[
    "school-fatigue",
    "bedtimes",
    "exercise",
    "bullying",
    "homework-amount",
    "smoking-snus",
    "social-media",
    "fashion-pressure",
    "effort",
    "puberty",
    "leisure",
    "class-fund",
    "keeping-agreements",
    "private-parties",
    "alcohol",
    "loyalty",
    "responsibility",
];

/// Seed 000, the oldest grades.
const OLDEST: &[&str] = &[
    "snus-and-drugs",
    "pocket-money",
    "social-media",
    "guidance",
    "education-choice",
    "jobs",
    "project-work",
    "exams",
    "teenager",
    "alcohol",
    "school-camp",
    "youth-crime",
    "chores",
    "wellbeing",
    "homework-culture",
    "keeping-agreements",
    "attitude-to-school",
];

/// Seed 004, "Eksempler på tema": for every grade.
const EVERY_GRADE: &[&str] = &[
    "teaching-content",
    "behaviour-expectations",
    "homework-feedback",
    "social-environment",
    "bullying-law",
    "parents-role",
];

/// The theme suggestions for a band (MEE-3): seed 000's list for the band, then seed 004's list.
/// Each is a key; its text is `meetings-theme-<key>` in every language's Fluent file.
pub fn theme_suggestions(band: GradeBand) -> Vec<&'static str> {
    let band_list = match band {
        GradeBand::Youngest => YOUNGEST,
        GradeBand::Middle => MIDDLE,
        GradeBand::Oldest => OLDEST,
    };
    let mut out: Vec<&'static str> = band_list.to_vec();
    out.extend(EVERY_GRADE.iter().filter(|k| !band_list.contains(k)));
    out
}

/// Every suggestion key of every band, once.
pub fn all_theme_keys() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = Vec::new();
    for k in YOUNGEST
        .iter()
        .chain(MIDDLE)
        .chain(OLDEST)
        .chain(EVERY_GRADE)
    {
        if !all.contains(k) {
            all.push(k);
        }
    }
    all
}

/// Why an agenda is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AgendaProblem {
    /// Item `n` (1-based) is empty.
    #[error("agenda item {0} is empty")]
    EmptyItem(usize),
    #[error("agenda item {0} is longer than {MAX_AGENDA_ITEM_CHARS} characters")]
    ItemTooLong(usize),
    #[error("agenda item {0} contains control characters")]
    Control(usize),
    #[error("an agenda has at most {MAX_AGENDA_ITEMS} items")]
    TooManyItems,
}

/// An agenda from its items, one per line as typed: every item is trimmed and must say
/// something. Trailing blank lines (a form's last newline) are not items; a blank line between
/// items is an empty item and refused, so that nothing the planner meant is silently dropped.
pub fn agenda(items: &[String]) -> Result<Vec<String>, AgendaProblem> {
    let last = items
        .iter()
        .rposition(|i| !i.trim().is_empty())
        .map_or(0, |p| p + 1);
    let items = &items[..last];
    if items.len() > MAX_AGENDA_ITEMS {
        return Err(AgendaProblem::TooManyItems);
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let t = item.trim();
            if t.is_empty() {
                Err(AgendaProblem::EmptyItem(i + 1))
            } else if t.chars().count() > MAX_AGENDA_ITEM_CHARS {
                Err(AgendaProblem::ItemTooLong(i + 1))
            } else if t.chars().any(char::is_control) {
                Err(AgendaProblem::Control(i + 1))
            } else {
                Ok(t.to_owned())
            }
        })
        .collect()
}

/// A proposed theme with its votes, for ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeTally {
    pub id: i64,
    pub votes: i64,
    pub proposed_at: i64,
}

/// The planners' ranking (MEE-2): most votes first; on a tie the earlier proposal first, then
/// the lower id, so the order is stable.
pub fn rank_themes(mut themes: Vec<ThemeTally>) -> Vec<ThemeTally> {
    themes.sort_by(|a, b| {
        b.votes
            .cmp(&a.votes)
            .then(a.proposed_at.cmp(&b.proposed_at))
            .then(a.id.cmp(&b.id))
    });
    themes
}

/// Why an RSVP is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RsvpProblem {
    #[error("the reply deadline has passed")]
    DeadlinePassed,
}

/// Whether a reply may still be given at `now` (instants in seconds, UTC): until the deadline.
pub fn rsvp_open(now: i64, deadline: i64) -> Result<(), RsvpProblem> {
    if now > deadline {
        Err(RsvpProblem::DeadlinePassed)
    } else {
        Ok(())
    }
}

/// Why a meeting's times are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleProblem {
    #[error("the reply deadline must be before the meeting")]
    DeadlineAfterStart,
    #[error("the reminder must be before the meeting")]
    ReminderAfterStart,
    #[error("the meeting must end after it starts")]
    EndsBeforeStart,
}

/// Checks a meeting's instants: it ends after it starts, and replies close and the reminder
/// goes out before it starts.
pub fn check_schedule(
    starts: i64,
    ends: i64,
    rsvp_deadline: i64,
    remind_at: Option<i64>,
) -> Result<(), ScheduleProblem> {
    if ends <= starts {
        return Err(ScheduleProblem::EndsBeforeStart);
    }
    if rsvp_deadline > starts {
        return Err(ScheduleProblem::DeadlineAfterStart);
    }
    if remind_at.is_some_and(|r| r >= starts) {
        return Err(ScheduleProblem::ReminderAfterStart);
    }
    Ok(())
}

/// One person coming to the meeting, for the group draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub person_id: PersonId,
    /// The language the person reads best (PEO-4); `None` for the school's language.
    pub language: Option<String>,
}

/// Why groups cannot be drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DrawProblem {
    #[error("at least one group")]
    NoGroups,
    #[error("more groups than people coming")]
    MoreGroupsThanAttendees,
    #[error("at most {MAX_GROUPS} groups")]
    TooManyGroups,
}

/// SplitMix64: a small, well-mixed generator, so a draw depends only on its seed.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Draws `groups` discussion groups from the attendees (MEE-4), deterministic given `seed`:
/// the same attendees, mode and seed always give the same groups, whatever order the attendees
/// come in. Group sizes differ by at most one.
///
/// `Mixed` shuffles everyone and deals them round the groups. `ByLanguage` keeps people of one
/// language together: languages (largest first) are laid out one after another and cut into
/// consecutive groups, so a group holds one language wherever the numbers allow.
pub fn draw_groups(
    attendees: &[Attendee],
    groups: usize,
    mode: GroupMode,
    seed: u64,
) -> Result<Vec<Vec<PersonId>>, DrawProblem> {
    if groups == 0 {
        return Err(DrawProblem::NoGroups);
    }
    if groups > MAX_GROUPS {
        return Err(DrawProblem::TooManyGroups);
    }
    if groups > attendees.len() {
        return Err(DrawProblem::MoreGroupsThanAttendees);
    }
    let mut rng = SplitMix(seed);
    let mut people: Vec<&Attendee> = attendees.iter().collect();
    people.sort_by_key(|a| a.person_id);
    people.dedup_by_key(|a| a.person_id);
    let groups = groups.min(people.len());
    let mut out: Vec<Vec<PersonId>> = vec![Vec::new(); groups];
    match mode {
        GroupMode::Mixed => {
            rng.shuffle(&mut people);
            for (i, a) in people.iter().enumerate() {
                out[i % groups].push(a.person_id);
            }
        }
        GroupMode::ByLanguage => {
            let mut by_lang: BTreeMap<String, Vec<PersonId>> = BTreeMap::new();
            for a in &people {
                let key = a
                    .language
                    .as_deref()
                    .map(|l| l.trim().to_lowercase())
                    .unwrap_or_default();
                by_lang.entry(key).or_default().push(a.person_id);
            }
            let mut langs: Vec<(String, Vec<PersonId>)> = by_lang.into_iter().collect();
            for (_, ids) in &mut langs {
                rng.shuffle(ids);
            }
            // Largest language first; ties by name (BTreeMap order, stable sort).
            langs.sort_by_key(|l| std::cmp::Reverse(l.1.len()));
            let line: Vec<PersonId> = langs.into_iter().flat_map(|(_, ids)| ids).collect();
            let (base, extra) = (line.len() / groups, line.len() % groups);
            let mut at = 0;
            for (g, group) in out.iter_mut().enumerate() {
                let size = base + usize::from(g < extra);
                group.extend_from_slice(&line[at..at + size]);
                at += size;
            }
        }
    }
    Ok(out)
}

/// The class's communication agreement (MEE-5; 000: "På det første forældremøde bør
/// kommunikation mellem skole og hjem være på dagsordenen").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunicationAgreement {
    pub hours: ContactHours,
    pub channels: Vec<Channel>,
    /// Expected answer time, in working days.
    pub answer_days: u8,
}

/// Why an agreement is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgreementProblem {
    #[error("contact hours: {0}")]
    Hours(HoursProblem),
    #[error("choose at least one channel")]
    NoChannel,
    #[error("the answer time is 1 to {MAX_ANSWER_DAYS} working days")]
    AnswerDays,
}

impl CommunicationAgreement {
    /// Reads an agreement from what the planner wrote: hours as `HH:MM-HH:MM`, the channels
    /// (repeats ignored) and the answer time in working days.
    pub fn new(
        hours: &str,
        channels: &[Channel],
        answer_days: i64,
    ) -> Result<Self, AgreementProblem> {
        let hours = ContactHours::parse(hours).map_err(AgreementProblem::Hours)?;
        let mut channels = channels.to_vec();
        channels.sort();
        channels.dedup();
        if channels.is_empty() {
            return Err(AgreementProblem::NoChannel);
        }
        let answer_days = u8::try_from(answer_days)
            .ok()
            .filter(|d| (1..=MAX_ANSWER_DAYS).contains(d))
            .ok_or(AgreementProblem::AnswerDays)?;
        Ok(CommunicationAgreement {
            hours,
            channels,
            answer_days,
        })
    }

    /// The contact hours as the class stores them: `08:00-16:00`.
    pub fn hours_text(&self) -> String {
        format!(
            "{:02}:{:02}-{:02}:{:02}",
            self.hours.start.hour(),
            self.hours.start.minute(),
            self.hours.end.hour(),
            self.hours.end.minute()
        )
    }

    /// The channels as stored: `app,phone`.
    pub fn channels_text(&self) -> String {
        self.channels
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// How a class's parent group is knit (DIF-5): counts of distinct guardians, never who.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Knit {
    pub guardians: i64,
    /// Guardians who replied "coming" to at least one meeting of the class.
    pub at_meetings: i64,
    /// Guardians who proposed or voted on a theme.
    pub in_planning: i64,
    /// Guardians who posted on the class's parent board.
    pub on_board: i64,
    /// Guardians who took part in any of the three, in percent of all (rounded down).
    pub taking_part_percent: i64,
}

/// The figures from the distinct guardians of each kind of taking part.
pub fn knit(
    guardians: &[PersonId],
    at_meetings: &[PersonId],
    in_planning: &[PersonId],
    on_board: &[PersonId],
) -> Knit {
    let all: std::collections::BTreeSet<PersonId> = guardians.iter().copied().collect();
    let count = |list: &[PersonId]| {
        list.iter()
            .filter(|p| all.contains(p))
            .collect::<std::collections::BTreeSet<_>>()
            .len() as i64
    };
    let any: std::collections::BTreeSet<&PersonId> = at_meetings
        .iter()
        .chain(in_planning)
        .chain(on_board)
        .filter(|p| all.contains(p))
        .collect();
    let taking_part_percent = if all.is_empty() {
        0
    } else {
        any.len() as i64 * 100 / all.len() as i64
    };
    Knit {
        guardians: all.len() as i64,
        at_meetings: count(at_meetings),
        in_planning: count(in_planning),
        on_board: count(on_board),
        taking_part_percent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(id: i64, lang: Option<&str>) -> Attendee {
        Attendee {
            person_id: PersonId(id),
            language: lang.map(str::to_owned),
        }
    }

    #[test]
    fn grade_bands_follow_each_country() {
        assert_eq!(grade_band(Country::Dk, 0), GradeBand::Youngest);
        assert_eq!(grade_band(Country::Dk, 3), GradeBand::Youngest);
        assert_eq!(grade_band(Country::Dk, 4), GradeBand::Middle);
        assert_eq!(grade_band(Country::Dk, 7), GradeBand::Oldest);
        assert_eq!(grade_band(Country::No, 4), GradeBand::Youngest);
        assert_eq!(grade_band(Country::No, 7), GradeBand::Middle);
        assert_eq!(grade_band(Country::No, 8), GradeBand::Oldest);
    }

    #[test]
    fn suggestions_come_from_both_seeds_by_band() {
        let young = theme_suggestions(GradeBand::Youngest);
        assert!(young.contains(&"packed-lunches"));
        assert!(young.contains(&"bedtimes"));
        assert!(!young.contains(&"alcohol"));
        assert!(young.contains(&"bullying-law"), "004's list for every band");
        let middle = theme_suggestions(GradeBand::Middle);
        assert!(middle.contains(&"social-media") && middle.contains(&"bullying"));
        let oldest = theme_suggestions(GradeBand::Oldest);
        assert!(oldest.contains(&"education-choice") && oldest.contains(&"alcohol"));
        assert!(!oldest.contains(&"packed-lunches"));
        for band in GradeBand::ALL {
            let list = theme_suggestions(*band);
            let mut unique = list.clone();
            unique.dedup();
            assert_eq!(unique.len(), list.len());
        }
        let all = all_theme_keys();
        assert!(all.len() > 40);
        assert!(all
            .iter()
            .all(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
    }

    #[test]
    fn agenda_refuses_an_empty_item_and_drops_trailing_blanks() {
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            agenda(&items(&[" Velkommen ", "Lektier", "", ""])),
            Ok(vec!["Velkommen".to_owned(), "Lektier".to_owned()])
        );
        assert_eq!(
            agenda(&items(&["Velkommen", "  ", "Lektier"])),
            Err(AgendaProblem::EmptyItem(2))
        );
        assert_eq!(agenda(&[]), Ok(vec![]));
        let long = "x".repeat(MAX_AGENDA_ITEM_CHARS + 1);
        assert_eq!(
            agenda(&items(&["a", &long])),
            Err(AgendaProblem::ItemTooLong(2))
        );
        let many = vec!["punkt".to_owned(); MAX_AGENDA_ITEMS + 1];
        assert_eq!(agenda(&many), Err(AgendaProblem::TooManyItems));
    }

    #[test]
    fn themes_rank_by_votes_then_age() {
        let t = |id, votes, at| ThemeTally {
            id,
            votes,
            proposed_at: at,
        };
        let ranked = rank_themes(vec![t(1, 1, 10), t(2, 3, 20), t(3, 1, 5), t(4, 3, 20)]);
        let ids: Vec<i64> = ranked.iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![2, 4, 3, 1]);
    }

    #[test]
    fn rsvp_closes_after_the_deadline() {
        assert_eq!(rsvp_open(100, 100), Ok(()));
        assert_eq!(rsvp_open(101, 100), Err(RsvpProblem::DeadlinePassed));
    }

    #[test]
    fn schedule_rules() {
        assert_eq!(check_schedule(100, 200, 50, Some(60)), Ok(()));
        assert_eq!(
            check_schedule(100, 100, 50, None),
            Err(ScheduleProblem::EndsBeforeStart)
        );
        assert_eq!(
            check_schedule(100, 200, 150, None),
            Err(ScheduleProblem::DeadlineAfterStart)
        );
        assert_eq!(
            check_schedule(100, 200, 50, Some(100)),
            Err(ScheduleProblem::ReminderAfterStart)
        );
    }

    #[test]
    fn mixed_draw_is_deterministic_balanced_and_complete() {
        let people: Vec<Attendee> = (1..=10).map(|i| att(i, None)).collect();
        let a = draw_groups(&people, 3, GroupMode::Mixed, 42).expect("draw");
        let mut reversed = people.clone();
        reversed.reverse();
        let b = draw_groups(&reversed, 3, GroupMode::Mixed, 42).expect("draw");
        assert_eq!(a, b, "same seed, same groups, whatever the input order");
        let sizes: Vec<usize> = a.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![4, 3, 3]);
        let mut all: Vec<PersonId> = a.concat();
        all.sort();
        assert_eq!(all, (1..=10).map(PersonId).collect::<Vec<_>>());
        let c = draw_groups(&people, 3, GroupMode::Mixed, 43).expect("draw");
        assert_ne!(a, c, "another seed draws other groups");
    }

    #[test]
    fn language_draw_keeps_languages_together() {
        let mut people = Vec::new();
        for i in 1..=4 {
            people.push(att(i, Some("arabisk")));
        }
        for i in 5..=8 {
            people.push(att(i, None));
        }
        for i in 9..=12 {
            people.push(att(i, Some("Somali")));
        }
        let groups = draw_groups(&people, 3, GroupMode::ByLanguage, 7).expect("draw");
        assert_eq!(groups.len(), 3);
        let lang = |p: PersonId| {
            people
                .iter()
                .find(|a| a.person_id == p)
                .map(|a| a.language.clone())
        };
        for g in &groups {
            assert_eq!(g.len(), 4);
            let first = lang(g[0]);
            assert!(
                g.iter().all(|p| lang(*p) == first),
                "one language per group"
            );
        }
        assert_eq!(
            groups,
            draw_groups(&people, 3, GroupMode::ByLanguage, 7).expect("draw")
        );
    }

    #[test]
    fn draw_refuses_more_groups_than_people() {
        let people: Vec<Attendee> = (1..=2).map(|i| att(i, None)).collect();
        assert_eq!(
            draw_groups(&people, 3, GroupMode::Mixed, 1),
            Err(DrawProblem::MoreGroupsThanAttendees)
        );
        assert_eq!(
            draw_groups(&people, 0, GroupMode::Mixed, 1),
            Err(DrawProblem::NoGroups)
        );
        assert_eq!(
            draw_groups(&[], 1, GroupMode::ByLanguage, 1),
            Err(DrawProblem::MoreGroupsThanAttendees)
        );
    }

    #[test]
    fn communication_agreement_sets_hours_text() {
        let a = CommunicationAgreement::new(
            "8:00-15:30",
            &[Channel::Phone, Channel::App, Channel::App],
            2,
        )
        .expect("agreement");
        assert_eq!(a.hours_text(), "08:00-15:30");
        assert_eq!(a.channels_text(), "app,phone");
        assert_eq!(a.answer_days, 2);
        assert!(matches!(
            CommunicationAgreement::new("16-8", &[Channel::App], 2),
            Err(AgreementProblem::Hours(_))
        ));
        assert_eq!(
            CommunicationAgreement::new("08:00-16:00", &[], 2),
            Err(AgreementProblem::NoChannel)
        );
        assert_eq!(
            CommunicationAgreement::new("08:00-16:00", &[Channel::Sms], 0),
            Err(AgreementProblem::AnswerDays)
        );
        assert_eq!(
            CommunicationAgreement::new("08:00-16:00", &[Channel::Sms], 11),
            Err(AgreementProblem::AnswerDays)
        );
    }

    #[test]
    fn knit_counts_distinct_guardians_of_the_class_only() {
        let g = |ids: &[i64]| ids.iter().map(|i| PersonId(*i)).collect::<Vec<_>>();
        let k = knit(&g(&[1, 2, 3, 4]), &g(&[1, 1, 2, 9]), &g(&[2]), &g(&[3]));
        assert_eq!(
            k,
            Knit {
                guardians: 4,
                at_meetings: 2,
                in_planning: 1,
                on_board: 1,
                taking_part_percent: 75,
            }
        );
        assert_eq!(knit(&[], &[], &[], &[]).taking_part_percent, 0);
    }

    #[test]
    fn closed_sets_round_trip() {
        for f in MeetingForm::ALL {
            assert_eq!(f.as_str().parse::<MeetingForm>(), Ok(*f));
        }
        for k in BodyKind::ALL {
            assert_eq!(k.as_str().parse::<BodyKind>(), Ok(*k));
        }
        assert!("party".parse::<OfferKind>().is_err());
    }
}
