//! Cases (ABS-3, ABS-4, WEL-1): worrying absence with a coordinator and a contact plan,
//! guardians' concerns with the statutory duty to act on bullying, and crisis and grief routines
//! with the school's checklists.
//!
//! Everything here is a plain rule over dates and codes: when a check-in is due, when the written
//! plan for a bullying concern is due and what it must contain in each country, when a case may
//! close, and the default crisis checklists. Who may read or change a case is decided in
//! [`crate::access`].

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use jiff::ToSpan;

use crate::calendar::{add_working_days, Holidays};
use crate::people::{Country, Lang, UnknownValue};
use crate::profile::CountryProfile;
use crate::text::TextProblem;

/// A concern, a note, an answer, a section of a plan: a letter fits, a pasted book does not.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// What the family agrees classmates may be told.
pub const MAX_AGREEMENT_CHARS: usize = 2_000;
/// One item of a crisis checklist: one line.
pub const MAX_CHECK_ITEM_CHARS: usize = 200;
/// Items of one crisis checklist.
pub const MAX_CHECK_ITEMS: usize = 30;
/// A contact plan's interval: from daily to once a quarter of a term.
pub const MAX_INTERVAL_DAYS: u32 = 90;
/// A check-in is "due" from this many days before its day; after its day it is overdue.
pub const DUE_SOON_DAYS: i64 = 2;
/// A contact may be recorded for up to this many days before the case was opened: the call
/// that made the school open it.
pub const CONTACT_DAYS_BEFORE_OPENING: i64 = 30;
/// A contact plan may start this far back (a plan agreed before it was recorded) …
pub const PLAN_START_DAYS_BACK: i64 = 30;
/// … and this far ahead.
pub const PLAN_START_DAYS_AHEAD: i64 = 180;

/// A closed set of codes, stored and sent as text, shown through the interface's texts.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
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
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownValue::new($what, s))
            }
        }
    };
}

codes!(
    /// What a case is about.
    CaseKind, "case kind" {
        /// Worrying absence (ABS-3): a coordinator, a contact plan, logged contacts.
        Absence = "absence",
        /// A guardian's concern about their child's wellbeing (ABS-4).
        Concern = "concern",
        /// A crisis or grief in the family (WEL-1): the school's checklist.
        Crisis = "crisis",
    }
);

codes!(
    /// What a guardian's concern is about (ABS-4).
    ConcernTopic, "topic" {
        Wellbeing = "wellbeing",
        Bullying = "bullying",
        /// DK *utrygt skolemiljø / utrygge fællesskaber*, NO *utrygt skolemiljø*.
        UnsafeCommunity = "unsafe_community",
        Other = "other",
    }
);

impl ConcernTopic {
    /// Whether a concern on this topic starts the statutory duty to act: bullying or an unsafe
    /// community (DK undervisningsmiljøloven § 1 b, NO opplæringslova § 12-4).
    pub fn starts_duty(self) -> bool {
        matches!(self, ConcernTopic::Bullying | ConcernTopic::UnsafeCommunity)
    }
}

codes!(
    /// What a crisis case is about (WEL-1, seed 004).
    CrisisType, "crisis type" {
        Death = "death",
        SeriousIllness = "serious_illness",
        Divorce = "divorce",
        Other = "other",
    }
);

codes!(
    /// How a contact of a contact plan is made.
    Channel, "channel" {
        Phone = "phone",
        Meeting = "meeting",
        HomeVisit = "home_visit",
        Message = "message",
    }
);

codes!(
    /// Whom the school contacts: the family (guardians) or the pupil.
    Whom, "whom" {
        Family = "family",
        Pupil = "pupil",
    }
);

codes!(
    /// Why a case closed.
    CloseReason, "reason" {
        /// The pupil comes to school again (worrying absence only).
        AttendanceImproved = "attendance_improved",
        /// The situation is resolved (concerns and crises).
        Resolved = "resolved",
        MovedSchool = "moved_school",
        /// Referred to the educational-psychological service (PPR in DK, PPT in NO).
        ReferredSupport = "referred_support",
        /// Referred to the municipality (DK: notified at 15 % absence; social services).
        ReferredMunicipality = "referred_municipality",
        Other = "other",
    }
);

impl CloseReason {
    /// Whether the reason fits a case of `kind`.
    pub fn fits(self, kind: CaseKind) -> bool {
        match self {
            CloseReason::AttendanceImproved => kind == CaseKind::Absence,
            CloseReason::Resolved => kind != CaseKind::Absence,
            _ => true,
        }
    }
}

codes!(
    /// Where a case is escalated (WEL-1, seed 004): the school's leadership supports the teacher
    /// or takes over for a period; the support service guides.
    EscalationTarget, "target" {
        Leadership = "leadership",
        /// PPR (DK) / PPT (NO): see [`CountryProfile::support_service`].
        Support = "support",
    }
);

// ---------------------------------------------------------------------------------------------
// The duty to act on bullying and an unsafe community (ABS-4)

/// The last day for the written plan of a concern raised on `raised_on`: the country profile's
/// number of working days later, skipping weekends and the school's holidays. The day itself is
/// still in time.
pub fn duty_deadline(profile: &CountryProfile, raised_on: Date, holidays: &Holidays) -> Date {
    add_working_days(raised_on, profile.bullying_plan_working_days, holidays)
}

codes!(
    /// A section of the written plan.
    PlanSection, "plan section" {
        /// What problem the measures are to solve.
        Problem = "problem",
        /// The measures the school has planned.
        Measures = "measures",
        /// When the measures are carried out (DK: the time frame).
        When = "when",
        /// Who is responsible for carrying them out.
        Who = "who",
        /// When the measures are evaluated.
        Evaluation = "evaluation",
        /// DK: the interim measures taken until the plan is made.
        Interim = "interim",
    }
);

/// The sections the law asks of the written plan. DK (undervisningsmiljøloven § 1 b): the
/// measures and their time frame, and interim measures until the plan is made; we ask for the
/// problem too, so the plan can be read on its own. NO (opplæringslova § 12-4): problem,
/// measures, when, who, and when they are evaluated.
pub fn plan_sections(country: Country) -> &'static [PlanSection] {
    match country {
        Country::Dk => &[
            PlanSection::Problem,
            PlanSection::Measures,
            PlanSection::When,
            PlanSection::Interim,
        ],
        Country::No => &[
            PlanSection::Problem,
            PlanSection::Measures,
            PlanSection::When,
            PlanSection::Who,
            PlanSection::Evaluation,
        ],
    }
}

/// The written plan of a concern, section by section; an unused section is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DutyPlan {
    pub problem: String,
    pub measures: String,
    pub when: String,
    pub who: String,
    pub evaluation: String,
    pub interim: String,
}

impl DutyPlan {
    pub fn section(&self, s: PlanSection) -> &str {
        match s {
            PlanSection::Problem => &self.problem,
            PlanSection::Measures => &self.measures,
            PlanSection::When => &self.when,
            PlanSection::Who => &self.who,
            PlanSection::Evaluation => &self.evaluation,
            PlanSection::Interim => &self.interim,
        }
    }
}

/// The sections the country asks for that `plan` leaves empty.
pub fn missing_sections(country: Country, plan: &DutyPlan) -> Vec<PlanSection> {
    plan_sections(country)
        .iter()
        .copied()
        .filter(|s| plan.section(*s).trim().is_empty())
        .collect()
}

/// Where a concern's duty stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyState {
    /// No plan yet. `overdue` once the deadline day has passed.
    Open { due: Date, overdue: bool },
    /// The plan was written, on or before the deadline or after it.
    Met { on_time: bool },
}

pub fn duty_state(due: Date, plan_written_on: Option<Date>, today: Date) -> DutyState {
    match plan_written_on {
        Some(day) => DutyState::Met {
            on_time: day <= due,
        },
        None => DutyState::Open {
            due,
            overdue: today > due,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Worrying absence: the contact plan and its check-ins (ABS-3)

/// One agreement of a contact plan: whom the school contacts, every how many days, from when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanTerms {
    pub id: i64,
    pub whom: Whom,
    pub every_days: u32,
    pub starts_on: Date,
}

/// A contact made and logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactMade {
    /// The agreement it was made under, when the logger named one.
    pub plan_entry: Option<i64>,
    pub whom: Whom,
    pub on: Date,
}

/// Whether a contact keeps an agreement: one logged under it, or one logged under no agreement
/// with the same person (a call to the family counts for the family's agreement).
pub fn keeps(terms: &PlanTerms, contact: &ContactMade) -> bool {
    match contact.plan_entry {
        Some(id) => id == terms.id,
        None => contact.whom == terms.whom,
    }
}

/// The next check-in of an agreement: the last contact that keeps it, or its start when that is
/// later, plus the interval.
pub fn next_due(terms: &PlanTerms, contacts: &[ContactMade]) -> Date {
    let last = contacts
        .iter()
        .filter(|c| keeps(terms, c))
        .map(|c| c.on)
        .max();
    let base = last.map_or(terms.starts_on, |l| l.max(terms.starts_on));
    base.checked_add(i64::from(terms.every_days).days())
        .unwrap_or(Date::MAX)
}

/// Where a check-in stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckIn {
    /// Its day has passed without a contact.
    Overdue,
    /// Today or within [`DUE_SOON_DAYS`].
    Due,
    Later,
}

pub fn check_in(due: Date, today: Date) -> CheckIn {
    if due < today {
        CheckIn::Overdue
    } else if today
        .checked_add(DUE_SOON_DAYS.days())
        .is_ok_and(|soon| due <= soon)
    {
        CheckIn::Due
    } else {
        CheckIn::Later
    }
}

/// Why a day is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateProblem {
    #[error("in the future")]
    InFuture,
    #[error("more than {CONTACT_DAYS_BEFORE_OPENING} days before the case was opened")]
    BeforeCase,
    #[error("more than {PLAN_START_DAYS_BACK} days ago")]
    TooFarBack,
    #[error("more than {PLAN_START_DAYS_AHEAD} days ahead")]
    TooFarAhead,
}

fn days_from(day: Date, n: i64) -> Date {
    day.checked_add(n.days())
        .unwrap_or(if n < 0 { Date::MIN } else { Date::MAX })
}

/// A contact happened on a day that has come, and not long before the case was opened.
pub fn check_contact_day(day: Date, opened_on: Date, today: Date) -> Result<(), DateProblem> {
    if day > today {
        return Err(DateProblem::InFuture);
    }
    if day < days_from(opened_on, -CONTACT_DAYS_BEFORE_OPENING) {
        return Err(DateProblem::BeforeCase);
    }
    Ok(())
}

/// A contact plan starts near today: an agreement already running, or one about to start.
pub fn check_plan_start(day: Date, today: Date) -> Result<(), DateProblem> {
    if day < days_from(today, -PLAN_START_DAYS_BACK) {
        return Err(DateProblem::TooFarBack);
    }
    if day > days_from(today, PLAN_START_DAYS_AHEAD) {
        return Err(DateProblem::TooFarAhead);
    }
    Ok(())
}

/// Why an interval is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a whole number of days from 1 to {MAX_INTERVAL_DAYS}")]
pub struct IntervalProblem;

pub fn interval(input: &str) -> Result<u32, IntervalProblem> {
    match input.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_INTERVAL_DAYS).contains(&n) => Ok(n),
        _ => Err(IntervalProblem),
    }
}

// ---------------------------------------------------------------------------------------------
// Closing

/// Why a case may not close yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CloseProblem {
    #[error("the reason does not fit this kind of case")]
    ReasonDoesNotFit,
    /// A concern is always answered (ABS-4) before it closes.
    #[error("the concern has not been answered")]
    NotAnswered,
    /// The statutory duty is not closed away: the written plan comes first.
    #[error("the written plan is missing")]
    PlanMissing,
}

/// Whether a case of `kind` may close for `reason`. A concern must have been answered, and one
/// that started the duty must have its written plan.
pub fn check_close(
    kind: CaseKind,
    reason: CloseReason,
    answered: bool,
    duty_without_plan: bool,
) -> Result<(), CloseProblem> {
    if !reason.fits(kind) {
        return Err(CloseProblem::ReasonDoesNotFit);
    }
    if kind == CaseKind::Concern {
        if !answered {
            return Err(CloseProblem::NotAnswered);
        }
        if duty_without_plan {
            return Err(CloseProblem::PlanMissing);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Texts

/// A text of several lines: trimmed, not empty, at most `max` characters, line breaks and tabs
/// kept, other control characters refused.
pub fn long_text(input: &str, max: usize) -> Result<String, TextProblem> {
    let t = input.trim();
    if t.is_empty() {
        return Err(TextProblem::Empty);
    }
    if t.chars().count() > max {
        return Err(TextProblem::TooLong(max));
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(TextProblem::Control);
    }
    Ok(t.replace("\r\n", "\n"))
}

/// Like [`long_text`], but empty is allowed (and is `None`).
pub fn optional_text(input: &str, max: usize) -> Result<Option<String>, TextProblem> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        long_text(input, max).map(Some)
    }
}

/// Why a checklist is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChecklistProblem {
    #[error("a checklist needs at least one item")]
    Empty,
    #[error("at most {MAX_CHECK_ITEMS} items")]
    TooMany,
    /// Item `n` (1-based) is too long or has characters that cannot be stored.
    #[error("item {0}: {1}")]
    Item(usize, TextProblem),
}

/// A school's checklist as written in a text area: one item a line, blank lines skipped.
pub fn checklist(input: &str) -> Result<Vec<String>, ChecklistProblem> {
    let mut items = Vec::new();
    for line in input.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let item = crate::text::single_line(line, MAX_CHECK_ITEM_CHARS)
            .map_err(|p| ChecklistProblem::Item(items.len() + 1, p))?;
        items.push(item);
    }
    if items.is_empty() {
        return Err(ChecklistProblem::Empty);
    }
    if items.len() > MAX_CHECK_ITEMS {
        return Err(ChecklistProblem::TooMany);
    }
    Ok(items)
}

/// The checklist a school starts from, in the school's language: the routine seed 004 (PPT Ytre
/// Nordmøre, *Ta grep om skole–hjem samarbeidet*) describes for families in grief and crisis,
/// with the steps each kind of crisis adds. Leadership and the support service are not items:
/// escalation is a step of its own, recorded with who and when.
pub fn default_checklist(kind: CrisisType, lang: Lang) -> Vec<&'static str> {
    let (first, common, specific): (&[&str], &[&str], &[&str]) = match lang {
        Lang::Da => (
            &["Tag kontakt til familien hurtigt: mød dem som medmenneske, og lyt."],
            &[
                "Aftal med familien, hvad klassen og de andre forældre må få at vide.",
                "Hold beskederne til familien korte og præcise, og gentag dem – i sorg og krise er det svært at tage imod information.",
                "Kom med konkrete forslag til, hvordan barnets hverdag i skolen kan blive bedre.",
                "Aftal fast kontakt med familien i en periode: hvem, hvordan og hvor tit.",
            ],
            match kind {
                CrisisType::Death => &[
                    "Fortæl klassen, hvad der er sket, som aftalt med familien.",
                    "Forbered klassen og de voksne på, at eleven kommer tilbage.",
                    "Skriv vigtige datoer op (mærkedage, årsdag) til den videre opfølgning.",
                ],
                CrisisType::SeriousIllness => &[
                    "Aftal, hvordan skolearbejdet og kontakten til klassen fortsætter under sygdommen.",
                    "Hold øje med søskende på skolen, og giv deres lærere besked.",
                ],
                CrisisType::Divorce => &[
                    "Tjek, at begge forældre får den information, de har ret til (forældremyndighed og ret til information).",
                    "Aftal det praktiske: afhentning, to hjem, beskeder til begge husstande.",
                ],
                CrisisType::Other => &[],
            },
        ),
        Lang::Nb => (
            &["Ta kontakt med familien raskt: møt dem som medmenneske, og lytt."],
            &[
                "Avtal med familien hva klassen og de andre foreldrene kan få vite.",
                "Vær kort og presis i beskjedene til familien, og gjenta budskapet – foreldre i sorg og krise kan ha vanskelig for å ta imot informasjon.",
                "Kom med konkrete forslag til hvordan barnets hverdag på skolen kan bli bedre.",
                "Avtal fast kontakt med familien i en periode: hvem, hvordan og hvor ofte.",
            ],
            match kind {
                CrisisType::Death => &[
                    "Fortell klassen hva som har skjedd, slik det er avtalt med familien.",
                    "Forbered klassen og de ansatte på at eleven kommer tilbake.",
                    "Skriv opp viktige datoer (merkedager, årsdag) for videre oppfølging.",
                ],
                CrisisType::SeriousIllness => &[
                    "Avtal hvordan skolearbeidet og kontakten med klassen fortsetter under sykdommen.",
                    "Følg med på søsken ved skolen, og gi lærerne deres beskjed.",
                ],
                CrisisType::Divorce => &[
                    "Sjekk at begge foreldrene får den informasjonen de har rett til (foreldreansvar og rett til informasjon).",
                    "Avtal det praktiske: henting, to hjem, beskjeder til begge husstander.",
                ],
                CrisisType::Other => &[],
            },
        ),
        Lang::En => (
            &["Contact the family soon: meet them as a fellow human being, and listen."],
            &[
                "Agree with the family what the class and the other parents may be told.",
                "Keep messages to the family short and precise, and repeat them – people in grief and crisis find it hard to take in information.",
                "Suggest concrete ways the child's day at school can be made better.",
                "Agree regular contact with the family for a period: who, how and how often.",
            ],
            match kind {
                CrisisType::Death => &[
                    "Tell the class what has happened, as agreed with the family.",
                    "Prepare the class and the staff for the pupil's return.",
                    "Note important dates (anniversaries, birthdays) for later follow-up.",
                ],
                CrisisType::SeriousIllness => &[
                    "Agree how schoolwork and contact with the class continue during the illness.",
                    "Look after siblings at the school, and let their teachers know.",
                ],
                CrisisType::Divorce => &[
                    "Check that both parents get the information they are entitled to (custody and the right to information).",
                    "Agree the practical arrangements: pick-up, two homes, messages to both households.",
                ],
                CrisisType::Other => &[],
            },
        ),
    };
    first
        .iter()
        .chain(specific.iter())
        .chain(common.iter())
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{DENMARK, NORWAY};
    use jiff::civil::date;

    #[test]
    fn codes_round_trip_and_refuse_strangers() {
        for k in CaseKind::ALL {
            assert_eq!(k.as_str().parse::<CaseKind>(), Ok(*k));
        }
        for t in ConcernTopic::ALL {
            assert_eq!(t.as_str().parse::<ConcernTopic>(), Ok(*t));
        }
        for t in CrisisType::ALL {
            assert_eq!(t.as_str().parse::<CrisisType>(), Ok(*t));
        }
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(*c));
        }
        for r in CloseReason::ALL {
            assert_eq!(r.as_str().parse::<CloseReason>(), Ok(*r));
        }
        for s in PlanSection::ALL {
            assert_eq!(s.as_str().parse::<PlanSection>(), Ok(*s));
        }
        assert!("teasing".parse::<ConcernTopic>().is_err());
        assert!("Bullying".parse::<ConcernTopic>().is_err());
        assert!("".parse::<Whom>().is_err());
    }

    #[test]
    fn only_bullying_and_unsafe_community_start_the_duty() {
        assert!(ConcernTopic::Bullying.starts_duty());
        assert!(ConcernTopic::UnsafeCommunity.starts_duty());
        assert!(!ConcernTopic::Wellbeing.starts_duty());
        assert!(!ConcernTopic::Other.starts_duty());
    }

    #[test]
    fn danish_plan_is_due_ten_working_days_later() {
        let none = Holidays::new();
        // Raised on a Friday: the weekend does not count; the tenth working day is the Friday
        // two weeks later.
        assert_eq!(
            duty_deadline(&DENMARK, date(2026, 11, 27), &none),
            date(2026, 12, 11)
        );
        // Raised on a Saturday: counting starts on Monday.
        assert_eq!(
            duty_deadline(&DENMARK, date(2026, 11, 28), &none),
            date(2026, 12, 11)
        );
        // Raised on a Monday.
        assert_eq!(
            duty_deadline(&DENMARK, date(2026, 11, 30), &none),
            date(2026, 12, 14)
        );
        // The autumn break pushes the deadline by its five days.
        let autumn: Holidays = (12..=16).map(|d| date(2026, 10, d)).collect();
        assert_eq!(
            duty_deadline(&DENMARK, date(2026, 10, 9), &autumn),
            date(2026, 10, 30)
        );
        assert_eq!(
            duty_deadline(&DENMARK, date(2026, 10, 9), &none),
            date(2026, 10, 23)
        );
        // Christmas: raised on Friday 18 December, holidays 21 Dec – 1 Jan.
        let christmas: Holidays = (21..=31)
            .map(|d| date(2026, 12, d))
            .chain([date(2027, 1, 1)])
            .collect();
        assert_eq!(
            duty_deadline(&DENMARK, date(2026, 12, 18), &christmas),
            date(2027, 1, 15)
        );
    }

    #[test]
    fn norwegian_plan_is_due_as_soon_as_possible_five_days_by_default() {
        let none = Holidays::new();
        assert_eq!(NORWAY.bullying_plan_working_days, 5);
        assert_eq!(
            (
                DENMARK.bullying_plan_days_statutory,
                NORWAY.bullying_plan_days_statutory
            ),
            (true, false)
        );
        // Friday + 5 working days = the next Friday.
        assert_eq!(
            duty_deadline(&NORWAY, date(2026, 11, 27), &none),
            date(2026, 12, 4)
        );
        // Easter 2027: Maundy Thursday 25 March to Easter Monday 29 March.
        let easter: Holidays = [date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 29)].into();
        assert_eq!(
            duty_deadline(&NORWAY, date(2027, 3, 22), &easter),
            date(2027, 4, 1)
        );
    }

    #[test]
    fn plans_ask_what_each_law_asks() {
        assert_eq!(
            plan_sections(Country::No),
            &[
                PlanSection::Problem,
                PlanSection::Measures,
                PlanSection::When,
                PlanSection::Who,
                PlanSection::Evaluation
            ]
        );
        assert!(plan_sections(Country::Dk).contains(&PlanSection::Interim));
        let mut plan = DutyPlan {
            problem: "Drillet i frikvarteret".into(),
            measures: "Gårdvagt ved boldbanen".into(),
            when: "Fra mandag".into(),
            ..DutyPlan::default()
        };
        assert_eq!(
            missing_sections(Country::Dk, &plan),
            vec![PlanSection::Interim]
        );
        assert_eq!(
            missing_sections(Country::No, &plan),
            vec![PlanSection::Who, PlanSection::Evaluation]
        );
        plan.interim = "Voksen med i frikvartererne".into();
        assert!(missing_sections(Country::Dk, &plan).is_empty());
        plan.who = "  ".into();
        assert!(missing_sections(Country::No, &plan).contains(&PlanSection::Who));
    }

    #[test]
    fn duty_is_overdue_the_day_after_the_deadline() {
        let due = date(2026, 12, 11);
        assert_eq!(
            duty_state(due, None, date(2026, 12, 11)),
            DutyState::Open {
                due,
                overdue: false
            }
        );
        assert_eq!(
            duty_state(due, None, date(2026, 12, 12)),
            DutyState::Open { due, overdue: true }
        );
        assert_eq!(
            duty_state(due, Some(date(2026, 12, 11)), date(2027, 1, 1)),
            DutyState::Met { on_time: true }
        );
        assert_eq!(
            duty_state(due, Some(date(2026, 12, 14)), date(2027, 1, 1)),
            DutyState::Met { on_time: false }
        );
    }

    fn weekly_family() -> PlanTerms {
        PlanTerms {
            id: 1,
            whom: Whom::Family,
            every_days: 7,
            starts_on: date(2026, 11, 2),
        }
    }

    #[test]
    fn next_check_in_counts_from_the_last_contact_or_the_start() {
        let t = weekly_family();
        // No contact yet: a week after the start.
        assert_eq!(next_due(&t, &[]), date(2026, 11, 9));
        let call = |on, plan_entry, whom| ContactMade {
            plan_entry,
            whom,
            on,
        };
        // A call to the family under no agreement counts; one with the pupil does not.
        let contacts = [
            call(date(2026, 11, 5), None, Whom::Family),
            call(date(2026, 11, 8), None, Whom::Pupil),
        ];
        assert_eq!(next_due(&t, &contacts), date(2026, 11, 12));
        // A contact logged under another agreement does not count, even with the family.
        let other = [call(date(2026, 11, 6), Some(2), Whom::Family)];
        assert_eq!(next_due(&t, &other), date(2026, 11, 9));
        // One logged under this agreement counts, whoever it was with.
        let own = [call(date(2026, 11, 6), Some(1), Whom::Pupil)];
        assert_eq!(next_due(&t, &own), date(2026, 11, 13));
        // A contact before the plan started does not move the start.
        let early = [call(date(2026, 10, 20), None, Whom::Family)];
        assert_eq!(next_due(&t, &early), date(2026, 11, 9));
        // The latest contact counts, in whatever order they were logged.
        let unordered = [
            call(date(2026, 11, 20), None, Whom::Family),
            call(date(2026, 11, 10), None, Whom::Family),
        ];
        assert_eq!(next_due(&t, &unordered), date(2026, 11, 27));
    }

    #[test]
    fn check_ins_are_due_two_days_ahead_and_overdue_after_their_day() {
        let due = date(2026, 11, 9);
        assert_eq!(check_in(due, date(2026, 11, 6)), CheckIn::Later);
        assert_eq!(check_in(due, date(2026, 11, 7)), CheckIn::Due);
        assert_eq!(check_in(due, date(2026, 11, 9)), CheckIn::Due);
        assert_eq!(check_in(due, date(2026, 11, 10)), CheckIn::Overdue);
        assert!(CheckIn::Overdue < CheckIn::Due && CheckIn::Due < CheckIn::Later);
    }

    #[test]
    fn contact_days_and_plan_starts_have_edges() {
        let opened = date(2026, 11, 2);
        let today = date(2026, 11, 20);
        assert_eq!(check_contact_day(today, opened, today), Ok(()));
        assert_eq!(
            check_contact_day(date(2026, 11, 21), opened, today),
            Err(DateProblem::InFuture)
        );
        assert_eq!(check_contact_day(date(2026, 10, 3), opened, today), Ok(()));
        assert_eq!(
            check_contact_day(date(2026, 10, 2), opened, today),
            Err(DateProblem::BeforeCase)
        );
        assert_eq!(check_plan_start(date(2026, 10, 21), today), Ok(()));
        assert_eq!(
            check_plan_start(date(2026, 10, 20), today),
            Err(DateProblem::TooFarBack)
        );
        assert_eq!(check_plan_start(date(2027, 5, 19), today), Ok(()));
        assert_eq!(
            check_plan_start(date(2027, 5, 20), today),
            Err(DateProblem::TooFarAhead)
        );
        assert_eq!(interval("7"), Ok(7));
        assert_eq!(interval(" 90 "), Ok(90));
        for bad in ["0", "91", "-1", "1.5", "", "seven"] {
            assert_eq!(interval(bad), Err(IntervalProblem), "{bad:?}");
        }
    }

    #[test]
    fn cases_close_for_a_fitting_reason_and_concerns_only_when_answered_and_planned() {
        use CaseKind::*;
        use CloseReason::*;
        assert_eq!(
            check_close(Absence, AttendanceImproved, false, false),
            Ok(())
        );
        assert_eq!(
            check_close(Crisis, AttendanceImproved, false, false),
            Err(CloseProblem::ReasonDoesNotFit)
        );
        assert_eq!(
            check_close(Absence, Resolved, false, false),
            Err(CloseProblem::ReasonDoesNotFit)
        );
        assert_eq!(check_close(Absence, ReferredSupport, false, false), Ok(()));
        assert_eq!(check_close(Crisis, Resolved, false, false), Ok(()));
        assert_eq!(
            check_close(Concern, Resolved, false, false),
            Err(CloseProblem::NotAnswered)
        );
        assert_eq!(
            check_close(Concern, Resolved, true, true),
            Err(CloseProblem::PlanMissing)
        );
        assert_eq!(check_close(Concern, Resolved, true, false), Ok(()));
    }

    #[test]
    fn texts_are_trimmed_bounded_and_clean() {
        assert_eq!(long_text("  Hej\r\nigen ", 100), Ok("Hej\nigen".into()));
        assert_eq!(long_text(" \n ", 100), Err(TextProblem::Empty));
        assert_eq!(long_text("abc", 2), Err(TextProblem::TooLong(2)));
        assert_eq!(long_text("a\u{7}b", 10), Err(TextProblem::Control));
        assert!(long_text(&"ø".repeat(MAX_TEXT_CHARS), MAX_TEXT_CHARS).is_ok());
        assert_eq!(optional_text("  ", 10), Ok(None));
        assert_eq!(optional_text(" x ", 10), Ok(Some("x".into())));
    }

    #[test]
    fn checklists_are_one_item_a_line() {
        assert_eq!(
            checklist("Ring til familien\n\n  Fortæl klassen  \n"),
            Ok(vec!["Ring til familien".into(), "Fortæl klassen".into()])
        );
        assert_eq!(checklist(" \n "), Err(ChecklistProblem::Empty));
        let long = format!("ok\n{}", "x".repeat(MAX_CHECK_ITEM_CHARS + 1));
        assert_eq!(
            checklist(&long),
            Err(ChecklistProblem::Item(
                2,
                TextProblem::TooLong(MAX_CHECK_ITEM_CHARS)
            ))
        );
        let many = vec!["punkt"; MAX_CHECK_ITEMS + 1].join("\n");
        assert_eq!(checklist(&many), Err(ChecklistProblem::TooMany));
    }

    #[test]
    fn default_checklists_exist_in_every_language_and_fit_the_limits() {
        for kind in CrisisType::ALL {
            let lengths: Vec<usize> = Lang::ALL
                .iter()
                .map(|l| default_checklist(*kind, *l).len())
                .collect();
            assert!(
                lengths.iter().all(|n| *n == lengths[0] && *n >= 5),
                "{kind}"
            );
            for lang in Lang::ALL {
                let items = default_checklist(*kind, lang);
                assert_eq!(
                    checklist(&items.join("\n")).map(|v| v.len()),
                    Ok(items.len())
                );
            }
        }
        // The seed's advice: short, precise, repeated.
        assert!(default_checklist(CrisisType::Death, Lang::Nb)
            .iter()
            .any(|i| i.contains("kort og presis")));
        assert!(default_checklist(CrisisType::Divorce, Lang::Da)
            .iter()
            .any(|i| i.contains("begge forældre")));
    }

    #[test]
    fn reasons_fit_kinds() {
        assert!(CloseReason::AttendanceImproved.fits(CaseKind::Absence));
        assert!(!CloseReason::AttendanceImproved.fits(CaseKind::Concern));
        assert!(CloseReason::MovedSchool.fits(CaseKind::Crisis));
        assert_eq!(DENMARK.support_service, "PPR");
        assert_eq!(NORWAY.support_service, "PPT");
    }
}
