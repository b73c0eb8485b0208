//! Cases: worrying absence with a coordinator and a contact plan (ABS-3), guardians' concerns
//! with the statutory duty to act on bullying (ABS-4), crisis and grief routines with the
//! school's checklists (WEL-1). Pages and API side by side.
//!
//! Cases are sensitive. Who may read or change one is asked of `domain::access` (a read that is
//! refused is a 404; a change is refused with 403 to the school's staff and to the guardian who
//! raised a concern, 404 to everyone else); the rules of deadlines, check-ins and closing live
//! in `domain::cases`; every read and change writes an audit row through the store.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use skolebro_domain::cases::{
    self as rules, CaseKind, Channel, CheckIn, ChecklistProblem, CloseProblem, CloseReason,
    ConcernTopic, CrisisType, DateProblem, DutyPlan, DutyState, EscalationTarget, IntervalProblem,
    PlanSection, Whom,
};
use skolebro_domain::people::Country;
use skolebro_domain::profile::profile;
use skolebro_domain::text::TextProblem;
use skolebro_domain::{may, Action, PersonId, Resource, Role};
use skolebro_store::cases::{
    CaseFacts, CaseFile, CaseFilter, CaseSummary, NewCase, NewConcern, NewContact, NewPlanEntry,
};
use skolebro_store::people::{PersonName, PupilDetail};
use skolebro_store::StoreError;
use utoipa::ToSchema;

use crate::i18n::Tr;
use crate::messages::PersonRef;
use crate::viewer::{form_field, html, parse_id, Chrome, CsrfForm, Rendered, SignedIn, Viewer};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_page))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/coordinator", post(coordinator_form))
        .route("/cases/{id}/plan", post(plan_form))
        .route("/cases/{id}/contacts", post(contact_form))
        .route("/cases/{id}/agreement", post(agreement_form))
        .route("/cases/{id}/notes", post(note_form))
        .route("/cases/{id}/checklist", post(check_form))
        .route("/cases/{id}/escalations", post(escalation_form))
        .route("/cases/{id}/close", post(close_form))
        .route("/concerns/{id}/answer", post(answer_form))
        .route("/concerns/{id}/plan", post(duty_plan_form))
        .route(
            "/pupils/{id}/concerns",
            get(concern_page).post(raise_concern_form),
        )
        .route(
            "/pupils/{id}/cases",
            get(pupil_cases_page).post(open_case_form),
        )
        .route(
            "/settings/checklists",
            get(checklists_page).post(checklist_form),
        )
        .route("/api/v1/cases", get(api_list))
        .route("/api/v1/cases/{id}", get(api_case))
        .route("/api/v1/cases/{id}/coordinator", post(api_coordinator))
        .route("/api/v1/cases/{id}/plan", post(api_plan))
        .route("/api/v1/cases/{id}/contacts", post(api_contact))
        .route(
            "/api/v1/cases/{id}/agreement",
            axum::routing::put(api_agreement),
        )
        .route("/api/v1/cases/{id}/notes", post(api_note))
        .route("/api/v1/cases/{id}/checklist", post(api_check))
        .route("/api/v1/cases/{id}/escalations", post(api_escalate))
        .route("/api/v1/cases/{id}/close", post(api_close))
        .route("/api/v1/concerns/{id}", get(api_concern))
        .route("/api/v1/concerns/{id}/answer", post(api_answer))
        .route(
            "/api/v1/concerns/{id}/plan",
            axum::routing::put(api_duty_plan),
        )
        .route("/api/v1/pupils/{id}/concerns", post(api_raise_concern))
        .route("/api/v1/pupils/{id}/cases", post(api_open_case))
        .route(
            "/api/v1/checklists",
            get(api_checklists).put(api_set_checklist),
        )
}

// ---------------------------------------------------------------------------------------------
// Errors

type Res<T> = Result<T, WebError>;

/// 403 for someone who knows the case exists but is not one of its people: the page or the
/// problem JSON says why.
fn refused(viewer: &Viewer) -> WebError {
    WebError::Refused(viewer.tr.t("cases-refused-text"))
}

// ---------------------------------------------------------------------------------------------
// Input problems, named by field

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Problem {
    #[error("{0}")]
    Text(TextProblem),
    #[error("unknown value {0:?}")]
    Unknown(String),
    #[error("not a date (YYYY-MM-DD)")]
    NotADate,
    #[error("{0}")]
    Date(DateProblem),
    #[error("{0}")]
    Interval(IntervalProblem),
    #[error("not a member of the school's staff")]
    NotStaff,
    #[error("the plan lacks: {}", .0.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))]
    Sections(Vec<PlanSection>),
    #[error("{0}")]
    Close(CloseProblem),
    #[error("{0}")]
    Checklist(ChecklistProblem),
    #[error("no such item")]
    NoItem,
    #[error("not an agreement of this case")]
    NoPlanEntry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldError {
    field: &'static str,
    problem: Problem,
}

fn bad(field: &'static str, problem: Problem) -> FieldError {
    FieldError { field, problem }
}

/// Problems in the reader's language, each naming its field.
fn messages(tr: &Tr, country: Country, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            let field = tr.t(&format!("cases-field-{}", e.field.replace('_', "-")));
            let problem = match &e.problem {
                Problem::Text(TextProblem::Empty) => tr.t("cases-problem-empty"),
                Problem::Text(TextProblem::TooLong(max)) => {
                    tr.t1("cases-problem-too-long", "max", max)
                }
                Problem::Text(TextProblem::Control) => tr.t("cases-problem-control"),
                Problem::Unknown(_) => tr.t("cases-problem-unknown"),
                Problem::NotADate => tr.t("cases-problem-not-a-date"),
                Problem::Date(DateProblem::InFuture) => tr.t("cases-problem-future"),
                Problem::Date(DateProblem::BeforeCase) => tr.t1(
                    "cases-problem-before-case",
                    "days",
                    rules::CONTACT_DAYS_BEFORE_OPENING,
                ),
                Problem::Date(DateProblem::TooFarBack) => tr.t1(
                    "cases-problem-far-back",
                    "days",
                    rules::PLAN_START_DAYS_BACK,
                ),
                Problem::Date(DateProblem::TooFarAhead) => tr.t1(
                    "cases-problem-far-ahead",
                    "days",
                    rules::PLAN_START_DAYS_AHEAD,
                ),
                Problem::Interval(_) => {
                    tr.t1("cases-problem-interval", "max", rules::MAX_INTERVAL_DAYS)
                }
                Problem::NotStaff => tr.t("cases-problem-not-staff"),
                Problem::Sections(list) => {
                    let labels = Labels::new(*tr, country);
                    let names: Vec<String> =
                        list.iter().map(|s| labels.section(s.as_str())).collect();
                    tr.t1("cases-problem-sections", "sections", names.join(", "))
                }
                Problem::Close(CloseProblem::ReasonDoesNotFit) => tr.t("cases-problem-reason-fit"),
                Problem::Close(CloseProblem::NotAnswered) => tr.t("cases-problem-not-answered"),
                Problem::Close(CloseProblem::PlanMissing) => tr.t("cases-problem-plan-missing"),
                Problem::Checklist(ChecklistProblem::Empty) => {
                    tr.t("cases-problem-checklist-empty")
                }
                Problem::Checklist(ChecklistProblem::TooMany) => tr.t1(
                    "cases-problem-checklist-many",
                    "max",
                    rules::MAX_CHECK_ITEMS,
                ),
                Problem::Checklist(ChecklistProblem::Item(n, p)) => {
                    let what = match p {
                        TextProblem::TooLong(max) => tr.t1("cases-problem-too-long", "max", max),
                        _ => tr.t("cases-problem-control"),
                    };
                    tr.t2("cases-problem-checklist-item", "n", n, "problem", what)
                }
                Problem::NoItem => tr.t("cases-problem-no-item"),
                Problem::NoPlanEntry => tr.t("cases-problem-no-entry"),
            };
            tr.t2("cases-error", "field", field, "problem", problem)
        })
        .collect()
}

/// Problems for the API: `field: problem`, in English, so programs can read the field.
fn api_problems(errors: &[FieldError]) -> WebError {
    WebError::Unprocessable(
        errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.problem))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn text(field: &'static str, raw: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    rules::long_text(raw, max).unwrap_or_else(|p| {
        errors.push(bad(field, Problem::Text(p)));
        String::new()
    })
}

fn code<T: std::str::FromStr>(
    field: &'static str,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match raw.trim().parse::<T>() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.push(bad(field, Problem::Unknown(raw.chars().take(40).collect())));
            None
        }
    }
}

fn day(field: &'static str, raw: &str, errors: &mut Vec<FieldError>) -> Option<Date> {
    match raw.trim().parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(bad(field, Problem::NotADate));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

fn rfc3339(at: i64) -> String {
    Timestamp::from_second(at)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn person_ref(p: &PersonName) -> PersonRef {
    PersonRef {
        id: p.id.0,
        name: p.full(),
    }
}

fn case_resource(f: &CaseFacts) -> Resource<'_> {
    Resource::Case {
        school_id: f.school_id,
        pupil_id: f.pupil_id,
        classes: &f.classes,
        member: f.member,
        raised_by: f.raised_by,
    }
}

fn summary_resource(c: &CaseSummary, school_id: skolebro_domain::SchoolId) -> Resource<'_> {
    Resource::Case {
        school_id,
        pupil_id: c.pupil.id,
        classes: &c.classes,
        member: c.member,
        raised_by: c.raised_by,
    }
}

async fn facts(state: &AppState, me: &SignedIn, raw: &str) -> Res<CaseFacts> {
    let id = parse_id(raw)?;
    state
        .store
        .case_facts(me.actor.school_id, id, me.actor.person_id)
        .await?
        .ok_or(WebError::NotFound)
}

/// A case the viewer may read, or 404 as if it did not exist.
async fn readable(state: &AppState, me: &SignedIn, raw: &str) -> Res<CaseFacts> {
    let f = facts(state, me, raw).await?;
    if may(&me.actor, Action::ViewCase, &case_resource(&f)) {
        Ok(f)
    } else {
        Err(WebError::NotFound)
    }
}

/// A case the viewer may work on; 403 to those who know it exists, 404 to the rest.
async fn workable(state: &AppState, viewer: &Viewer, me: &SignedIn, raw: &str) -> Res<CaseFacts> {
    let f = facts(state, me, raw).await?;
    let r = case_resource(&f);
    if may(&me.actor, Action::ManageCase, &r) {
        Ok(f)
    } else if may(&me.actor, Action::KnowOfCase, &r) {
        Err(refused(viewer))
    } else {
        Err(WebError::NotFound)
    }
}

/// Like [`workable`], for a concern: anything else is not found at a concern's address.
async fn workable_concern(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
) -> Res<CaseFacts> {
    let f = facts(state, me, raw).await?;
    if f.kind != CaseKind::Concern {
        return Err(WebError::NotFound);
    }
    let r = case_resource(&f);
    if may(&me.actor, Action::ManageCase, &r) {
        Ok(f)
    } else if may(&me.actor, Action::KnowOfCase, &r) {
        Err(refused(viewer))
    } else {
        Err(WebError::NotFound)
    }
}

/// A pupil the viewer may do `action` for, or 404.
async fn pupil_for(state: &AppState, me: &SignedIn, raw: &str, action: Action) -> Res<PupilDetail> {
    let id = PersonId(parse_id(raw)?);
    let pupil = state
        .store
        .pupil_detail(me.actor.school_id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let classes = pupil.class_ids();
    let resource = Resource::Pupil {
        school_id: pupil.school_id,
        pupil_id: id,
        classes: &classes,
    };
    if !may(&me.actor, action, &resource) {
        return Err(WebError::NotFound);
    }
    Ok(pupil)
}

/// Labels for codes, in the reader's language and with the country's names (PPR / PPT).
#[derive(Clone, Copy, Debug)]
struct Labels {
    tr: Tr,
    country: Country,
}

impl Labels {
    fn new(tr: Tr, country: Country) -> Self {
        Labels { tr, country }
    }

    fn service(&self) -> &'static str {
        profile(self.country).support_service
    }

    /// `cases-{group}-{code}`.
    fn of(&self, group: &str, code: impl AsRef<str>) -> String {
        let code = code.as_ref().replace('_', "-");
        match (group, code.as_str()) {
            ("target", "support") | ("reason", "referred-support") => {
                self.tr
                    .t1(&format!("cases-{group}-{code}"), "service", self.service())
            }
            _ => self.tr.t(&format!("cases-{group}-{code}")),
        }
    }

    fn section(&self, code: impl AsRef<str>) -> String {
        self.of("section", code)
    }

    /// `YYYY-MM-DD` as people write it: `27.11.2026`.
    fn day(&self, iso: impl AsRef<str>) -> String {
        iso.as_ref()
            .parse::<Date>()
            .map(|d| d.strftime("%d.%m.%Y").to_string())
            .unwrap_or_else(|_| iso.as_ref().to_owned())
    }

    /// An RFC 3339 instant in the school's zone.
    fn when(&self, rfc: impl AsRef<str>) -> String {
        let tz = TimeZone::get(profile(self.country).time_zone).unwrap_or(TimeZone::UTC);
        rfc.as_ref()
            .parse::<Timestamp>()
            .map(|t| t.to_zoned(tz).strftime("%d.%m.%Y %H:%M").to_string())
            .unwrap_or_default()
    }
}

/// The values of a form that failed, to show it again with nothing lost.
#[derive(Debug, Clone, Default)]
struct Posted {
    form: &'static str,
    fields: Vec<(String, String)>,
}

impl Posted {
    fn new(form: &'static str, fields: &[(String, String)]) -> Self {
        Posted {
            form,
            fields: fields
                .iter()
                .filter(|(k, _)| k != "csrf")
                .cloned()
                .collect(),
        }
    }

    /// The posted value of `name` in `form`, or empty.
    fn v(&self, form: &str, name: &str) -> String {
        if self.form != form {
            return String::new();
        }
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Whether `value` was posted as `name` in `form`, or, when nothing was posted, is the
    /// default.
    fn is(
        &self,
        form: &str,
        name: &str,
        value: impl ToString,
        default: impl std::borrow::Borrow<bool>,
    ) -> bool {
        if self.form != form {
            return *default.borrow();
        }
        self.v(form, name) == value.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Public shapes (API), also what the pages render

#[derive(Serialize, ToSchema)]
pub struct DutyJson {
    /// The last day for the written plan (`YYYY-MM-DD`); the day itself is in time.
    pub due: String,
    /// `open`, `overdue`, `met` or `met_late`.
    pub state: String,
    /// Working days from the concern to the deadline, and whether the law fixes that number
    /// (DK) or it is the school's default for "as soon as possible" (NO).
    pub working_days: u32,
    pub statutory: bool,
    /// The sections the plan must have in the school's country.
    pub sections: Vec<String>,
    /// The day the plan was first written.
    pub plan_written_on: Option<String>,
    /// The plan itself: for the case's staff only.
    pub plan: Option<PlanJson>,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
pub struct PlanJson {
    #[serde(default)]
    pub problem: String,
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub when: String,
    #[serde(default)]
    pub who: String,
    #[serde(default)]
    pub evaluation: String,
    /// DK: the interim measures until the plan is made.
    #[serde(default)]
    pub interim: String,
}

#[derive(Serialize, ToSchema)]
pub struct EntryJson {
    pub id: i64,
    pub author: PersonRef,
    pub body: String,
    /// RFC 3339, UTC.
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConcernJson {
    pub id: i64,
    pub pupil: PersonRef,
    pub raised_by: PersonRef,
    /// `wellbeing`, `bullying`, `unsafe_community` or `other`.
    pub topic: String,
    pub text: String,
    pub raised_on: String,
    pub answered: bool,
    pub answers: Vec<EntryJson>,
    /// Present when the topic started the duty to act (bullying, an unsafe community).
    pub duty: Option<DutyJson>,
    /// `open` or `closed`.
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct PlanEntryJson {
    pub id: i64,
    pub contact_by: PersonRef,
    /// `family` or `pupil`.
    pub whom: String,
    pub every_days: u32,
    /// `phone`, `meeting`, `home_visit` or `message`.
    pub channel: String,
    pub starts_on: String,
    /// The next check-in: the last contact that keeps this agreement (or its start) plus the
    /// interval.
    pub next_due: String,
    /// `later`, `due` or `overdue`.
    pub check_in: String,
}

#[derive(Serialize, ToSchema)]
pub struct ContactJson {
    pub id: i64,
    pub plan_entry_id: Option<i64>,
    pub happened_on: String,
    pub channel: String,
    pub whom: String,
    pub note: String,
    pub author: PersonRef,
}

#[derive(Serialize, ToSchema)]
pub struct CheckJson {
    /// The item's number in the case's checklist, from 1.
    pub item: i64,
    pub text: String,
    pub done: bool,
    pub done_by: Option<PersonRef>,
    pub done_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EscalationJson {
    pub id: i64,
    /// `leadership` or `support`.
    pub target: String,
    /// Whom: the leadership, or the country's support service (`PPR`, `PPT`).
    pub to: String,
    pub note: String,
    pub by: PersonRef,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CaseAgreementJson)]
pub struct AgreementJson {
    pub text: String,
    pub by: PersonRef,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClosedJson {
    pub reason: String,
    pub note: Option<String>,
    pub on: String,
    pub by: PersonRef,
}

#[derive(Serialize, ToSchema)]
pub struct CaseJson {
    pub id: i64,
    /// `absence`, `concern` or `crisis`.
    pub kind: String,
    pub pupil: PersonRef,
    pub opened_by: PersonRef,
    pub opened_on: String,
    /// `open` or `closed`.
    pub status: String,
    /// The tovholder; for a concern, the staff member who owns it.
    pub coordinator: Option<PersonRef>,
    /// For a crisis: `death`, `serious_illness`, `divorce` or `other`.
    pub crisis_type: Option<String>,
    pub summary: String,
    pub concern: Option<ConcernJson>,
    /// What the family agrees classmates may be told (ABS-3).
    pub classmates_agreement: Option<AgreementJson>,
    pub contact_plan: Vec<PlanEntryJson>,
    pub contacts: Vec<ContactJson>,
    /// Internal notes of the case's staff.
    pub notes: Vec<EntryJson>,
    pub checklist: Vec<CheckJson>,
    pub escalations: Vec<EscalationJson>,
    pub closed: Option<ClosedJson>,
}

fn entry_json(e: &skolebro_store::cases::Entry) -> EntryJson {
    EntryJson {
        id: e.id,
        author: person_ref(&e.author),
        body: e.body.clone(),
        at: rfc3339(e.at),
    }
}

fn duty_json(
    country: Country,
    due: Date,
    first_on: Option<Date>,
    plan: Option<&DutyPlan>,
    today: Date,
) -> DutyJson {
    let p = profile(country);
    DutyJson {
        due: due.to_string(),
        state: match rules::duty_state(due, first_on, today) {
            DutyState::Open { overdue: false, .. } => "open",
            DutyState::Open { overdue: true, .. } => "overdue",
            DutyState::Met { on_time: true } => "met",
            DutyState::Met { on_time: false } => "met_late",
        }
        .into(),
        working_days: p.bullying_plan_working_days,
        statutory: p.bullying_plan_days_statutory,
        sections: rules::plan_sections(country)
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        plan_written_on: first_on.map(|d| d.to_string()),
        plan: plan.map(|p| PlanJson {
            problem: p.problem.clone(),
            measures: p.measures.clone(),
            when: p.when.clone(),
            who: p.who.clone(),
            evaluation: p.evaluation.clone(),
            interim: p.interim.clone(),
        }),
    }
}

fn concern_json(file: &CaseFile, internal: bool, country: Country, today: Date) -> ConcernJson {
    ConcernJson {
        id: file.id,
        pupil: person_ref(&file.pupil),
        raised_by: person_ref(&file.opened.by),
        topic: file.topic.map(|t| t.as_str()).unwrap_or("other").into(),
        text: file.concern_text.clone().unwrap_or_default(),
        raised_on: file.opened_on.to_string(),
        answered: file.answered_at.is_some(),
        answers: file.answers.iter().map(entry_json).collect(),
        duty: file.duty_due.map(|due| {
            duty_json(
                country,
                due,
                file.plan.as_ref().map(|p| p.first_on),
                file.plan.as_ref().filter(|_| internal).map(|p| &p.plan),
                today,
            )
        }),
        status: if file.closed.is_some() {
            "closed"
        } else {
            "open"
        }
        .into(),
    }
}

/// The whole case as the viewer may see it: the internal parts only for the case's staff.
fn case_json(file: &CaseFile, internal: bool, country: Country, today: Date) -> CaseJson {
    let made: Vec<_> = file.contacts.iter().map(|c| c.made()).collect();
    let service = profile(country).support_service;
    CaseJson {
        id: file.id,
        kind: file.kind.as_str().into(),
        pupil: person_ref(&file.pupil),
        opened_by: person_ref(&file.opened.by),
        opened_on: file.opened_on.to_string(),
        status: if file.closed.is_some() {
            "closed"
        } else {
            "open"
        }
        .into(),
        coordinator: file
            .coordinator
            .as_ref()
            .filter(|_| internal)
            .map(person_ref),
        crisis_type: file.crisis_type.map(|t| t.as_str().into()),
        summary: if internal {
            file.summary.clone()
        } else {
            String::new()
        },
        concern: (file.kind == CaseKind::Concern)
            .then(|| concern_json(file, internal, country, today)),
        classmates_agreement: file
            .agreement
            .as_ref()
            .filter(|_| internal)
            .map(|(text, s)| AgreementJson {
                text: text.clone(),
                by: person_ref(&s.by),
                at: rfc3339(s.at),
            }),
        contact_plan: if internal {
            file.plan_entries
                .iter()
                .map(|e| {
                    let due = rules::next_due(&e.terms(), &made);
                    PlanEntryJson {
                        id: e.id,
                        contact_by: person_ref(&e.contact_by),
                        whom: e.whom.as_str().into(),
                        every_days: e.every_days,
                        channel: e.channel.as_str().into(),
                        starts_on: e.starts_on.to_string(),
                        next_due: due.to_string(),
                        check_in: check_in_code(rules::check_in(due, today)).into(),
                    }
                })
                .collect()
        } else {
            Vec::new()
        },
        contacts: if internal {
            file.contacts
                .iter()
                .map(|c| ContactJson {
                    id: c.id,
                    plan_entry_id: c.plan_entry_id,
                    happened_on: c.happened_on.to_string(),
                    channel: c.channel.as_str().into(),
                    whom: c.whom.as_str().into(),
                    note: c.note.clone(),
                    author: person_ref(&c.author),
                })
                .collect()
        } else {
            Vec::new()
        },
        notes: if internal {
            file.notes.iter().map(entry_json).collect()
        } else {
            Vec::new()
        },
        checklist: if internal {
            file.checks
                .iter()
                .map(|c| CheckJson {
                    item: c.position,
                    text: c.text.clone(),
                    done: c.done.is_some(),
                    done_by: c.done.as_ref().map(|s| person_ref(&s.by)),
                    done_at: c.done.as_ref().map(|s| rfc3339(s.at)),
                })
                .collect()
        } else {
            Vec::new()
        },
        escalations: if internal {
            file.escalations
                .iter()
                .map(|e| EscalationJson {
                    id: e.id,
                    target: e.target.as_str().into(),
                    to: match e.target {
                        EscalationTarget::Leadership => "leadership".into(),
                        EscalationTarget::Support => service.into(),
                    },
                    note: e.note.clone(),
                    by: person_ref(&e.signed.by),
                    at: rfc3339(e.signed.at),
                })
                .collect()
        } else {
            Vec::new()
        },
        closed: file.closed.as_ref().map(|c| ClosedJson {
            reason: c.reason.as_str().into(),
            note: c.note.clone().filter(|_| internal),
            on: c.on.to_string(),
            by: person_ref(&c.signed.by),
        }),
    }
}

fn check_in_code(c: CheckIn) -> &'static str {
    match c {
        CheckIn::Overdue => "overdue",
        CheckIn::Due => "due",
        CheckIn::Later => "later",
    }
}

// ---------------------------------------------------------------------------------------------
// Actions on a case, shared by the pages and the API

/// A checked change to a case.
enum Change {
    Coordinator(PersonId),
    Plan(RawPlan),
    Contact(RawContact),
    Agreement(String),
    Note(String),
    Check { item: String, done: bool },
    Escalate { target: String, note: String },
    Close { reason: String, note: String },
    Answer(String),
    DutyPlan(PlanJson),
}

struct RawPlan {
    contact_by: String,
    whom: String,
    every_days: String,
    channel: String,
    starts_on: String,
}

struct RawContact {
    happened_on: String,
    channel: String,
    whom: String,
    note: String,
    plan_entry: String,
}

/// Why a change was not made.
enum Failure {
    Invalid(Vec<FieldError>),
    /// The case is closed: nothing changes any more.
    Closed,
    /// Not for this kind of case.
    WrongKind(&'static str),
    Error(WebError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Error(e.into())
    }
}

impl From<WebError> for Failure {
    fn from(e: WebError) -> Self {
        Failure::Error(e)
    }
}

async fn staff_person(
    state: &AppState,
    me: &SignedIn,
    field: &'static str,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Option<PersonId>, StoreError> {
    match raw.trim().parse::<i64>() {
        Ok(id)
            if state
                .store
                .is_school_staff(me.actor.school_id, PersonId(id))
                .await? =>
        {
            Ok(Some(PersonId(id)))
        }
        _ => {
            errors.push(bad(field, Problem::NotStaff));
            Ok(None)
        }
    }
}

/// Makes a change to a case the viewer may work on (checked by the caller). Returns the id of
/// what was made, when something was.
async fn apply(
    state: &AppState,
    me: &SignedIn,
    f: &CaseFacts,
    change: Change,
) -> Result<Option<i64>, Failure> {
    let school = me.actor.school_id;
    let who = me.actor.person_id;
    let today = me.today();
    let country = me.school.country;
    // Closing twice is harmless; every other change waits for an open case.
    if f.closed && !matches!(change, Change::Close { .. }) {
        return Err(Failure::Closed);
    }
    let mut errors = Vec::new();
    match change {
        Change::Coordinator(p) => {
            if !state.store.is_school_staff(school, p).await? {
                return Err(Failure::Invalid(vec![bad("person_id", Problem::NotStaff)]));
            }
            state.store.set_coordinator(school, f.id, who, p).await?;
            Ok(None)
        }
        Change::Plan(raw) => {
            if f.kind == CaseKind::Concern {
                return Err(Failure::WrongKind("plan: a concern has no contact plan"));
            }
            let contact_by = if raw.contact_by.trim().is_empty() {
                Some(who)
            } else {
                staff_person(state, me, "contact_by", &raw.contact_by, &mut errors).await?
            };
            let whom = code::<Whom>("whom", &raw.whom, &mut errors);
            let channel = code::<Channel>("channel", &raw.channel, &mut errors);
            let every_days = rules::interval(&raw.every_days)
                .map_err(|p| errors.push(bad("every_days", Problem::Interval(p))))
                .ok();
            let starts_on = if raw.starts_on.trim().is_empty() {
                Some(today)
            } else {
                day("starts_on", &raw.starts_on, &mut errors).and_then(|d| {
                    rules::check_plan_start(d, today)
                        .map_err(|p| errors.push(bad("starts_on", Problem::Date(p))))
                        .ok()
                        .map(|_| d)
                })
            };
            let (Some(contact_by), Some(whom), Some(channel), Some(every_days), Some(starts_on)) =
                (contact_by, whom, channel, every_days, starts_on)
            else {
                return Err(Failure::Invalid(errors));
            };
            let id = state
                .store
                .add_plan_entry(
                    school,
                    f.id,
                    who,
                    &NewPlanEntry {
                        contact_by,
                        whom,
                        every_days,
                        channel,
                        starts_on,
                    },
                )
                .await?;
            Ok(Some(id))
        }
        Change::Contact(raw) => {
            if f.kind == CaseKind::Concern {
                return Err(Failure::WrongKind(
                    "contacts: a concern is answered instead",
                ));
            }
            let happened_on = if raw.happened_on.trim().is_empty() {
                Some(today)
            } else {
                day("happened_on", &raw.happened_on, &mut errors).and_then(|d| {
                    rules::check_contact_day(d, f.opened_on, today)
                        .map_err(|p| errors.push(bad("happened_on", Problem::Date(p))))
                        .ok()
                        .map(|_| d)
                })
            };
            let channel = code::<Channel>("channel", &raw.channel, &mut errors);
            let whom = code::<Whom>("whom", &raw.whom, &mut errors);
            let note = text("note", &raw.note, rules::MAX_TEXT_CHARS, &mut errors);
            let plan_entry = match raw.plan_entry.trim() {
                "" => None,
                s => match s.parse::<i64>() {
                    Ok(id) => Some(id),
                    Err(_) => {
                        errors.push(bad("plan_entry_id", Problem::NoPlanEntry));
                        None
                    }
                },
            };
            let (Some(happened_on), Some(channel), Some(whom), true) =
                (happened_on, channel, whom, errors.is_empty())
            else {
                return Err(Failure::Invalid(errors));
            };
            let id = state
                .store
                .log_case_contact(
                    school,
                    f.id,
                    who,
                    &NewContact {
                        plan_entry_id: plan_entry,
                        happened_on,
                        channel,
                        whom,
                        note: &note,
                    },
                )
                .await
                .map_err(|e| match e {
                    StoreError::Invalid(_) => {
                        Failure::Invalid(vec![bad("plan_entry_id", Problem::NoPlanEntry)])
                    }
                    e => e.into(),
                })?;
            Ok(Some(id))
        }
        Change::Agreement(raw) => {
            if f.kind == CaseKind::Concern {
                return Err(Failure::WrongKind(
                    "agreement: for worrying absence and crisis cases",
                ));
            }
            let t = text("agreement", &raw, rules::MAX_AGREEMENT_CHARS, &mut errors);
            if !errors.is_empty() {
                return Err(Failure::Invalid(errors));
            }
            state
                .store
                .set_classmates_agreement(school, f.id, who, &t)
                .await?;
            Ok(None)
        }
        Change::Note(raw) => {
            let t = text("body", &raw, rules::MAX_TEXT_CHARS, &mut errors);
            if !errors.is_empty() {
                return Err(Failure::Invalid(errors));
            }
            Ok(Some(
                state.store.add_case_note(school, f.id, who, &t).await?,
            ))
        }
        Change::Check { item, done } => {
            let Ok(position) = item.trim().parse::<i64>() else {
                return Err(Failure::Invalid(vec![bad("item", Problem::NoItem)]));
            };
            match state
                .store
                .tick_check(school, f.id, who, position, done)
                .await
            {
                Ok(()) => Ok(None),
                Err(StoreError::NotFound) => {
                    Err(Failure::Invalid(vec![bad("item", Problem::NoItem)]))
                }
                Err(e) => Err(e.into()),
            }
        }
        Change::Escalate { target, note } => {
            let target = code::<EscalationTarget>("target", &target, &mut errors);
            let note = text("note", &note, rules::MAX_TEXT_CHARS, &mut errors);
            let (Some(target), true) = (target, errors.is_empty()) else {
                return Err(Failure::Invalid(errors));
            };
            Ok(Some(
                state
                    .store
                    .escalate_case(school, f.id, who, target, &note)
                    .await?,
            ))
        }
        Change::Close { reason, note } => {
            let reason = code::<CloseReason>("reason", &reason, &mut errors);
            let note = rules::optional_text(&note, rules::MAX_TEXT_CHARS)
                .map_err(|p| errors.push(bad("note", Problem::Text(p))))
                .ok()
                .flatten();
            let Some(reason) = reason.filter(|_| errors.is_empty()) else {
                return Err(Failure::Invalid(errors));
            };
            if f.closed {
                return Ok(None);
            }
            let file = state.store.read_case(school, f.id, who).await?;
            let duty_without_plan = file.duty_due.is_some() && file.plan.is_none();
            rules::check_close(
                f.kind,
                reason,
                file.answered_at.is_some(),
                duty_without_plan,
            )
            .map_err(|p| Failure::Invalid(vec![bad("reason", Problem::Close(p))]))?;
            state
                .store
                .close_case(school, f.id, who, reason, note.as_deref(), today)
                .await?;
            Ok(None)
        }
        Change::Answer(raw) => {
            let t = text("body", &raw, rules::MAX_TEXT_CHARS, &mut errors);
            if !errors.is_empty() {
                return Err(Failure::Invalid(errors));
            }
            Ok(Some(
                state.store.answer_concern(school, f.id, who, &t).await?,
            ))
        }
        Change::DutyPlan(raw) => {
            let file = state.store.read_case(school, f.id, who).await?;
            if file.duty_due.is_none() {
                return Err(Failure::WrongKind(
                    "plan: this concern did not start the duty to act",
                ));
            }
            let mut plan = DutyPlan::default();
            for (section, value) in [
                (PlanSection::Problem, &raw.problem),
                (PlanSection::Measures, &raw.measures),
                (PlanSection::When, &raw.when),
                (PlanSection::Who, &raw.who),
                (PlanSection::Evaluation, &raw.evaluation),
                (PlanSection::Interim, &raw.interim),
            ] {
                let v = match rules::optional_text(value, rules::MAX_TEXT_CHARS) {
                    Ok(v) => v.unwrap_or_default(),
                    Err(p) => {
                        errors.push(bad(section_field(section), Problem::Text(p)));
                        String::new()
                    }
                };
                match section {
                    PlanSection::Problem => plan.problem = v,
                    PlanSection::Measures => plan.measures = v,
                    PlanSection::When => plan.when = v,
                    PlanSection::Who => plan.who = v,
                    PlanSection::Evaluation => plan.evaluation = v,
                    PlanSection::Interim => plan.interim = v,
                }
            }
            if errors.is_empty() {
                let missing = rules::missing_sections(country, &plan);
                if !missing.is_empty() {
                    errors.push(bad("plan", Problem::Sections(missing)));
                }
            }
            if !errors.is_empty() {
                return Err(Failure::Invalid(errors));
            }
            state
                .store
                .write_duty_plan(school, f.id, who, &plan, today)
                .await?;
            Ok(None)
        }
    }
}

fn section_field(s: PlanSection) -> &'static str {
    match s {
        PlanSection::Problem => "problem",
        PlanSection::Measures => "measures",
        PlanSection::When => "when",
        PlanSection::Who => "who",
        PlanSection::Evaluation => "evaluation",
        PlanSection::Interim => "interim",
    }
}

/// The API's answer to a failed change.
fn api_failure(f: Failure) -> WebError {
    match f {
        Failure::Invalid(errors) => api_problems(&errors),
        Failure::Closed => WebError::Conflict("the case is closed".into()),
        Failure::WrongKind(m) => WebError::Conflict(m.into()),
        Failure::Error(e) => e,
    }
}

// ---------------------------------------------------------------------------------------------
// The case page

struct StaffOption {
    id: i64,
    name: String,
}

/// A section of a concern's written plan on the page: its label, what the form shows (what was
/// typed, else the plan as written) and the plan as written.
struct PlanField {
    code: &'static str,
    label: String,
    value: String,
    current: String,
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    chrome: Chrome,
    tr: Tr,
    l: Labels,
    case: CaseJson,
    /// The viewer is one of the case's staff: internal parts and forms.
    manage: bool,
    open: bool,
    staff: Vec<StaffOption>,
    channels: Vec<&'static str>,
    whoms: Vec<&'static str>,
    reasons: Vec<&'static str>,
    targets: Vec<&'static str>,
    /// The plan sections the country asks for.
    plan_fields: Vec<PlanField>,
    /// The coordinator's id, or the viewer's when there is none: the pickers' default.
    coordinator_id: i64,
    errors: Vec<String>,
    posted: Posted,
    today: String,
}

async fn render_case(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    f: &CaseFacts,
    errors: Vec<String>,
    posted: Posted,
    status: StatusCode,
) -> Res<Response> {
    let tr = viewer.tr;
    let country = me.school.country;
    let manage = may(&me.actor, Action::ManageCase, &case_resource(f));
    let file = state
        .store
        .read_case(me.actor.school_id, f.id, me.actor.person_id)
        .await?;
    let today = me.today();
    let case = case_json(&file, manage, country, today);
    let staff = if manage {
        state
            .store
            .school_staff(me.actor.school_id)
            .await?
            .into_iter()
            .map(|p| StaffOption {
                id: p.id.0,
                name: p.full(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let labels = Labels::new(tr, country);
    let page = CasePage {
        chrome: viewer.chrome(),
        tr,
        l: labels,
        open: file.closed.is_none(),
        manage,
        staff,
        channels: Channel::ALL.iter().map(|c| c.as_str()).collect(),
        whoms: Whom::ALL.iter().map(|w| w.as_str()).collect(),
        reasons: CloseReason::ALL
            .iter()
            .filter(|r| r.fits(file.kind))
            .map(|r| r.as_str())
            .collect(),
        targets: EscalationTarget::ALL.iter().map(|t| t.as_str()).collect(),
        plan_fields: rules::plan_sections(country)
            .iter()
            .map(|s| {
                let current = file
                    .plan
                    .as_ref()
                    .map(|p| p.plan.section(*s).to_owned())
                    .unwrap_or_default();
                PlanField {
                    code: section_field(*s),
                    label: labels.section(s.as_str()),
                    value: if posted.form == "duty" {
                        posted.v("duty", section_field(*s))
                    } else {
                        current.clone()
                    },
                    current,
                }
            })
            .collect(),
        coordinator_id: file
            .coordinator
            .as_ref()
            .map_or(me.actor.person_id.0, |c| c.id.0),
        case,
        errors,
        posted,
        today: today.to_string(),
    };
    let mut response = html(&page)?;
    if status != StatusCode::OK {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn case_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let f = readable(&state, me, &id).await?;
    render_case(
        &state,
        &viewer,
        me,
        &f,
        Vec::new(),
        Posted::default(),
        StatusCode::OK,
    )
    .await
}

/// A form on the case page: check access, make the change, go back to the page (at `anchor`),
/// or show the page again with the problems and what was typed.
async fn page_change(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    concern_only: bool,
    form: &'static str,
    fields: &[(String, String)],
    change: Change,
) -> Res<Response> {
    let me = viewer.require()?;
    let f = if concern_only {
        workable_concern(state, viewer, me, raw_id).await?
    } else {
        workable(state, viewer, me, raw_id).await?
    };
    let tr = viewer.tr;
    let (errors, status) = match apply(state, me, &f, change).await {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/cases/{}#{form}", f.id)).into_response());
        }
        Err(Failure::Invalid(errors)) => (
            messages(&tr, me.school.country, &errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(Failure::Closed) => (vec![tr.t("cases-error-closed")], StatusCode::CONFLICT),
        Err(Failure::WrongKind(_)) => (vec![tr.t("cases-error-kind")], StatusCode::CONFLICT),
        Err(Failure::Error(e)) => return Err(e),
    };
    // The case as it is now (a closed case shows no forms).
    let f = facts(state, me, raw_id).await?;
    render_case(
        state,
        viewer,
        me,
        &f,
        errors,
        Posted::new(form, fields),
        status,
    )
    .await
}

async fn coordinator_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let raw = form_field(&fields, "person_id");
    let change = match raw.trim().parse::<i64>() {
        Ok(p) => Change::Coordinator(PersonId(p)),
        // Not a number: the same answer as a person who is not staff.
        Err(_) => Change::Coordinator(PersonId(0)),
    };
    page_change(&state, &viewer, &id, false, "coordinator", &fields, change).await
}

async fn plan_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let change = Change::Plan(RawPlan {
        contact_by: form_field(&fields, "contact_by"),
        whom: form_field(&fields, "whom"),
        every_days: form_field(&fields, "every_days"),
        channel: form_field(&fields, "channel"),
        starts_on: form_field(&fields, "starts_on"),
    });
    page_change(&state, &viewer, &id, false, "plan", &fields, change).await
}

async fn contact_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let change = Change::Contact(RawContact {
        happened_on: form_field(&fields, "happened_on"),
        channel: form_field(&fields, "channel"),
        whom: form_field(&fields, "whom"),
        note: form_field(&fields, "note"),
        plan_entry: form_field(&fields, "plan_entry_id"),
    });
    page_change(&state, &viewer, &id, false, "contacts", &fields, change).await
}

async fn agreement_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let change = Change::Agreement(form_field(&fields, "agreement"));
    page_change(&state, &viewer, &id, false, "agreement", &fields, change).await
}

async fn note_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let change = Change::Note(form_field(&fields, "body"));
    page_change(&state, &viewer, &id, false, "notes", &fields, change).await
}

async fn check_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let change = Change::Check {
        item: form_field(&fields, "item"),
        done: form_field(&fields, "done") != "0",
    };
    page_change(&state, &viewer, &id, false, "checklist", &fields, change).await
}

async fn escalation_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let change = Change::Escalate {
        target: form_field(&fields, "target"),
        note: form_field(&fields, "note"),
    };
    page_change(&state, &viewer, &id, false, "escalations", &fields, change).await
}

async fn close_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let change = Change::Close {
        reason: form_field(&fields, "reason"),
        note: form_field(&fields, "note"),
    };
    page_change(&state, &viewer, &id, false, "close", &fields, change).await
}

async fn answer_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let change = Change::Answer(form_field(&fields, "body"));
    page_change(&state, &viewer, &id, true, "answer", &fields, change).await
}

async fn duty_plan_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let change = Change::DutyPlan(PlanJson {
        problem: form_field(&fields, "problem"),
        measures: form_field(&fields, "measures"),
        when: form_field(&fields, "when"),
        who: form_field(&fields, "who"),
        evaluation: form_field(&fields, "evaluation"),
        interim: form_field(&fields, "interim"),
    });
    page_change(&state, &viewer, &id, true, "duty", &fields, change).await
}

// ---------------------------------------------------------------------------------------------
// Raising a concern (guardians) and opening a case (staff)

/// The text a guardian is shown about the duty to act in their school's country.
fn duty_notice(tr: &Tr, country: Country) -> String {
    let p = profile(country);
    match country {
        Country::Dk => tr.t1("cases-duty-notice-dk", "days", p.bullying_plan_working_days),
        Country::No => tr.t1("cases-duty-notice-no", "days", p.bullying_plan_working_days),
    }
}

struct ConcernLine {
    id: i64,
    topic: String,
    raised_on: String,
    answered: bool,
    closed: bool,
}

#[derive(Template)]
#[template(path = "cases/concern_new.html")]
struct ConcernPage {
    chrome: Chrome,
    tr: Tr,
    l: Labels,
    pupil_id: i64,
    pupil: String,
    topics: Vec<&'static str>,
    notice: String,
    errors: Vec<String>,
    posted: Posted,
    mine: Vec<ConcernLine>,
    max: usize,
}

async fn render_concern_page(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    pupil: &PupilDetail,
    errors: Vec<String>,
    posted: Posted,
) -> Res<Response> {
    let tr = viewer.tr;
    let country = me.school.country;
    let list = state
        .store
        .case_list(
            me.actor.school_id,
            me.actor.person_id,
            CaseFilter::RaisedByViewer,
        )
        .await?;
    let labels = Labels::new(tr, country);
    let mine: Vec<ConcernLine> = list
        .iter()
        .filter(|c| c.pupil.id == pupil.person.id)
        .filter(|c| {
            may(
                &me.actor,
                Action::ViewCase,
                &summary_resource(c, me.actor.school_id),
            )
        })
        .map(|c| ConcernLine {
            id: c.id,
            topic: labels.of("topic", c.topic.map(|t| t.as_str()).unwrap_or("other")),
            raised_on: labels.day(c.opened_on.to_string()),
            answered: c.answered,
            closed: c.closed_on.is_some(),
        })
        .collect();
    if !mine.is_empty() {
        state
            .store
            .audit(
                me.actor.school_id,
                Some(me.actor.person_id),
                "read",
                "case_list",
                me.actor.person_id.0,
                Some(&format!("{} concerns", mine.len())),
            )
            .await?;
    }
    let failed = !errors.is_empty();
    let mut response = html(&ConcernPage {
        chrome: viewer.chrome(),
        tr,
        l: labels,
        pupil_id: pupil.person.id.0,
        pupil: pupil.person.full(),
        topics: ConcernTopic::ALL.iter().map(|t| t.as_str()).collect(),
        notice: duty_notice(&tr, country),
        errors,
        posted,
        mine,
        max: rules::MAX_TEXT_CHARS,
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn concern_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::RaiseConcern).await?;
    render_concern_page(&state, &viewer, me, &pupil, Vec::new(), Posted::default()).await
}

/// Registers a concern; `Err` with the problems by field.
async fn raise(
    state: &AppState,
    me: &SignedIn,
    pupil: &PupilDetail,
    topic: &str,
    body: &str,
) -> Result<(i64, Option<Date>), Failure> {
    let mut errors = Vec::new();
    let topic = code::<ConcernTopic>("topic", topic, &mut errors);
    let body = text("text", body, rules::MAX_TEXT_CHARS, &mut errors);
    let (Some(topic), true) = (topic, errors.is_empty()) else {
        return Err(Failure::Invalid(errors));
    };
    let raised_on = me.today();
    let duty_due = if topic.starts_duty() {
        // The longest deadline with a long holiday fits well within a quarter.
        let until = raised_on.checked_add(90.days()).unwrap_or(raised_on);
        let holidays = state
            .store
            .holidays(me.actor.school_id, raised_on, until)
            .await?;
        Some(rules::duty_deadline(
            profile(me.school.country),
            raised_on,
            &holidays,
        ))
    } else {
        None
    };
    let owner = state
        .store
        .first_contact_teacher(me.actor.school_id, pupil.person.id)
        .await?;
    let id = state
        .store
        .create_concern(&NewConcern {
            school_id: me.actor.school_id,
            pupil_id: pupil.person.id,
            guardian: me.actor.person_id,
            topic,
            text: &body,
            raised_on,
            duty_due,
            owner,
        })
        .await?;
    Ok((id, duty_due))
}

async fn raise_concern_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::RaiseConcern).await?;
    match raise(
        &state,
        me,
        &pupil,
        &form_field(&fields, "topic"),
        &form_field(&fields, "text"),
    )
    .await
    {
        Ok((case_id, _)) => Ok(Redirect::to(&format!("/cases/{case_id}")).into_response()),
        Err(Failure::Invalid(errors)) => {
            let errors = messages(&viewer.tr, me.school.country, &errors);
            render_concern_page(
                &state,
                &viewer,
                me,
                &pupil,
                errors,
                Posted::new("concern", &fields),
            )
            .await
        }
        Err(f) => Err(api_failure(f)),
    }
}

struct CaseLine {
    id: i64,
    kind: String,
    what: String,
    pupil: String,
    coordinator: String,
    opened_on: String,
    closed: bool,
    due: Option<String>,
    overdue: bool,
    answered: bool,
    is_concern: bool,
}

/// A line of a list. The coordinator is shown to the case's staff only, as on the case itself.
fn case_line(c: &CaseSummary, l: &Labels, today: Date, me: &SignedIn) -> CaseLine {
    let staff_view = may(
        &me.actor,
        Action::ManageCase,
        &summary_resource(c, me.actor.school_id),
    );
    let what = match (c.kind, c.topic, c.crisis_type) {
        (CaseKind::Concern, Some(t), _) => l.of("topic", t.as_str()),
        (CaseKind::Crisis, _, Some(t)) => l.of("crisis", t.as_str()),
        _ => String::new(),
    };
    let (due, overdue) = match c.duty_due {
        Some(due) if c.plan_on.is_none() && c.closed_on.is_none() => {
            let overdue = matches!(
                rules::duty_state(due, None, today),
                DutyState::Open { overdue: true, .. }
            );
            (Some(l.day(due.to_string())), overdue)
        }
        _ => (None, false),
    };
    CaseLine {
        id: c.id,
        kind: l.of("kind", c.kind.as_str()),
        what,
        pupil: c.pupil.full(),
        coordinator: c
            .coordinator
            .as_ref()
            .filter(|_| staff_view)
            .map(|p| p.full())
            .unwrap_or_default(),
        opened_on: l.day(c.opened_on.to_string()),
        closed: c.closed_on.is_some(),
        due,
        overdue,
        answered: c.answered,
        is_concern: c.kind == CaseKind::Concern,
    }
}

#[derive(Template)]
#[template(path = "cases/pupil.html")]
struct PupilCasesPage {
    chrome: Chrome,
    tr: Tr,
    l: Labels,
    pupil_id: i64,
    pupil: String,
    cases: Vec<CaseLine>,
    staff: Vec<StaffOption>,
    me: i64,
    kinds: Vec<KindOption>,
    crisis_types: Vec<&'static str>,
    errors: Vec<String>,
    posted: Posted,
    max: usize,
}

/// A kind of case the form offers, and whether it is chosen before anything is posted.
struct KindOption {
    code: &'static str,
    preset: bool,
}

#[derive(Deserialize)]
struct OpenQuery {
    /// The kind to offer first: the absence area links its threshold alert here with
    /// `?kind=absence`.
    kind: Option<String>,
}

async fn render_pupil_cases(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    pupil: &PupilDetail,
    errors: Vec<String>,
    posted: Posted,
    preset: CaseKind,
) -> Res<Response> {
    let tr = viewer.tr;
    let l = Labels::new(tr, me.school.country);
    let today = me.today();
    let list = state
        .store
        .case_list(
            me.actor.school_id,
            me.actor.person_id,
            CaseFilter::Pupil(pupil.person.id),
        )
        .await?;
    let cases: Vec<CaseLine> = list
        .iter()
        .filter(|c| {
            may(
                &me.actor,
                Action::ViewCase,
                &summary_resource(c, me.actor.school_id),
            )
        })
        .map(|c| case_line(c, &l, today, me))
        .collect();
    if !cases.is_empty() {
        state
            .store
            .audit(
                me.actor.school_id,
                Some(me.actor.person_id),
                "read",
                "case_list",
                me.actor.person_id.0,
                Some(&format!(
                    "{} cases of pupil {}",
                    cases.len(),
                    pupil.person.id
                )),
            )
            .await?;
    }
    let staff = state
        .store
        .school_staff(me.actor.school_id)
        .await?
        .into_iter()
        .map(|p| StaffOption {
            id: p.id.0,
            name: p.full(),
        })
        .collect();
    let failed = !errors.is_empty();
    let mut response = html(&PupilCasesPage {
        chrome: viewer.chrome(),
        tr,
        l,
        pupil_id: pupil.person.id.0,
        pupil: pupil.person.full(),
        cases,
        staff,
        me: me.actor.person_id.0,
        kinds: [CaseKind::Absence, CaseKind::Crisis]
            .into_iter()
            .map(|k| KindOption {
                code: k.as_str(),
                preset: k == preset,
            })
            .collect(),
        crisis_types: CrisisType::ALL.iter().map(|t| t.as_str()).collect(),
        errors,
        posted,
        max: rules::MAX_TEXT_CHARS,
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn pupil_cases_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<OpenQuery>,
) -> Res<Response> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::OpenCase).await?;
    let preset = match q.kind.as_deref().map(str::parse::<CaseKind>) {
        Some(Ok(CaseKind::Crisis)) => CaseKind::Crisis,
        _ => CaseKind::Absence,
    };
    render_pupil_cases(
        &state,
        &viewer,
        me,
        &pupil,
        Vec::new(),
        Posted::default(),
        preset,
    )
    .await
}

/// The checklist a new crisis case starts with: the school's, else the defaults in the school's
/// language.
async fn checklist_for(
    state: &AppState,
    me: &SignedIn,
    kind: CrisisType,
) -> Result<Vec<String>, StoreError> {
    let own = state
        .store
        .crisis_checklist(me.actor.school_id, kind)
        .await?;
    if own.is_empty() {
        Ok(rules::default_checklist(kind, me.school.locale)
            .into_iter()
            .map(str::to_owned)
            .collect())
    } else {
        Ok(own)
    }
}

/// Opens a case; `Err` with the problems by field.
async fn open(
    state: &AppState,
    me: &SignedIn,
    pupil: &PupilDetail,
    kind: &str,
    crisis_type: &str,
    coordinator: &str,
    summary: &str,
) -> Result<i64, Failure> {
    let mut errors = Vec::new();
    let kind = match kind.trim().parse::<CaseKind>() {
        // Concerns are raised by guardians, not opened by staff.
        Ok(k) if k != CaseKind::Concern => Some(k),
        _ => {
            errors.push(bad(
                "kind",
                Problem::Unknown(kind.chars().take(40).collect()),
            ));
            None
        }
    };
    let crisis_type = match kind {
        Some(CaseKind::Crisis) => code::<CrisisType>("crisis_type", crisis_type, &mut errors),
        _ => None,
    };
    let coordinator = if coordinator.trim().is_empty() {
        Some(me.actor.person_id)
    } else {
        staff_person(state, me, "coordinator", coordinator, &mut errors).await?
    };
    let summary = text("summary", summary, rules::MAX_TEXT_CHARS, &mut errors);
    let (Some(kind), Some(coordinator), true) = (kind, coordinator, errors.is_empty()) else {
        return Err(Failure::Invalid(errors));
    };
    let checklist = match crisis_type {
        Some(t) => checklist_for(state, me, t).await?,
        None => Vec::new(),
    };
    Ok(state
        .store
        .open_case(&NewCase {
            school_id: me.actor.school_id,
            pupil_id: pupil.person.id,
            opened_by: me.actor.person_id,
            kind,
            crisis_type,
            coordinator,
            summary: &summary,
            opened_on: me.today(),
            checklist: &checklist,
        })
        .await?)
}

async fn open_case_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::OpenCase).await?;
    match open(
        &state,
        me,
        &pupil,
        &form_field(&fields, "kind"),
        &form_field(&fields, "crisis_type"),
        &form_field(&fields, "coordinator"),
        &form_field(&fields, "summary"),
    )
    .await
    {
        Ok(case_id) => Ok(Redirect::to(&format!("/cases/{case_id}")).into_response()),
        Err(Failure::Invalid(errors)) => {
            let errors = messages(&viewer.tr, me.school.country, &errors);
            render_pupil_cases(
                &state,
                &viewer,
                me,
                &pupil,
                errors,
                Posted::new("open", &fields),
                CaseKind::Absence,
            )
            .await
        }
        Err(f) => Err(api_failure(f)),
    }
}

// ---------------------------------------------------------------------------------------------
// The list: my cases, concerns waiting for an answer, check-ins, overdue duties

struct CheckInLine {
    case_id: i64,
    pupil: String,
    contact_by: String,
    whom: String,
    channel: String,
    due: String,
    overdue: bool,
}

struct ChildLine {
    id: i64,
    name: String,
}

/// Everything the list shows one viewer, with codes; the page and the API render it.
struct Overview {
    cases: Vec<CaseSummary>,
    check_ins: Vec<(skolebro_store::cases::PlanCheckIn, Date, CheckIn)>,
    duties: Vec<CaseSummary>,
}

async fn overview(state: &AppState, me: &SignedIn) -> Res<Overview> {
    let school = me.actor.school_id;
    let who = me.actor.person_id;
    // Which lists to load; every case shown passes `may(ViewCase)` (`visible`).
    let leader = me.actor.has(Role::Leader);
    let mut cases = Vec::new();
    let mut check_ins = Vec::new();
    let mut duties = Vec::new();
    let visible = |c: &CaseSummary| may(&me.actor, Action::ViewCase, &summary_resource(c, school));
    if me.is_staff() {
        let filter = if leader {
            CaseFilter::OpenAll
        } else {
            CaseFilter::OpenForViewer
        };
        cases.extend(
            state
                .store
                .case_list(school, who, filter)
                .await?
                .into_iter()
                .filter(|c| visible(c)),
        );
        let today = me.today();
        for c in state.store.check_ins_for(school, who).await? {
            let due = rules::next_due(&c.entry.terms(), &c.contacts);
            let ci = rules::check_in(due, today);
            if ci != CheckIn::Later {
                check_ins.push((c, due, ci));
            }
        }
        check_ins.sort_by_key(|(_, due, ci)| (*ci, *due));
        duties.extend(
            state
                .store
                .open_duties(school, who)
                .await?
                .into_iter()
                .filter(|c| visible(c)),
        );
    }
    if me.actor.has(Role::Guardian) {
        cases.extend(
            state
                .store
                .case_list(school, who, CaseFilter::RaisedByViewer)
                .await?
                .into_iter()
                .filter(|c| visible(c)),
        );
    }
    cases.sort_by(|a, b| b.opened_on.cmp(&a.opened_on).then(b.id.cmp(&a.id)));
    cases.dedup_by_key(|c| c.id);
    state
        .store
        .audit(
            school,
            Some(who),
            "read",
            "case_list",
            who.0,
            Some(&format!("{} cases, {} duties", cases.len(), duties.len())),
        )
        .await?;
    Ok(Overview {
        cases,
        check_ins,
        duties,
    })
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    chrome: Chrome,
    tr: Tr,
    staff: bool,
    guardian: bool,
    overdue: Vec<CaseLine>,
    waiting: Vec<CaseLine>,
    check_ins: Vec<CheckInLine>,
    cases: Vec<CaseLine>,
    children: Vec<ChildLine>,
    may_edit_checklists: bool,
}

async fn list_page(State(state): State<AppState>, viewer: Viewer) -> Res<Response> {
    let me = viewer.require()?;
    let school = Resource::School {
        school_id: me.actor.school_id,
    };
    if !may(&me.actor, Action::ListCases, &school) {
        return Err(WebError::NotFound);
    }
    let tr = viewer.tr;
    let l = Labels::new(tr, me.school.country);
    let today = me.today();
    let o = overview(&state, me).await?;
    let overdue: Vec<CaseLine> = o
        .duties
        .iter()
        .map(|c| case_line(c, &l, today, me))
        .filter(|c| c.overdue)
        .collect();
    // Shapes the page: which sections it shows, from cases `access` let through.
    let staff = me.is_staff();
    let waiting: Vec<CaseLine> = if staff {
        o.cases
            .iter()
            .filter(|c| c.kind == CaseKind::Concern && !c.answered && c.closed_on.is_none())
            .map(|c| case_line(c, &l, today, me))
            .collect()
    } else {
        Vec::new()
    };
    let check_ins = o
        .check_ins
        .iter()
        .map(|(c, due, s)| CheckInLine {
            case_id: c.case_id,
            pupil: c.pupil.full(),
            contact_by: c.entry.contact_by.full(),
            whom: l.of("whom", c.entry.whom.as_str()),
            channel: l.of("channel", c.entry.channel.as_str()),
            due: l.day(due.to_string()),
            overdue: *s == CheckIn::Overdue,
        })
        .collect();
    let mut children = Vec::new();
    for child in &me.actor.children {
        let classes: Vec<_> = me
            .actor
            .child_classes
            .iter()
            .filter(|(p, _)| *p == child.pupil_id)
            .map(|(_, c)| *c)
            .collect();
        let resource = Resource::Pupil {
            school_id: me.actor.school_id,
            pupil_id: child.pupil_id,
            classes: &classes,
        };
        if may(&me.actor, Action::RaiseConcern, &resource) {
            if let Some(n) = state
                .store
                .names(me.actor.school_id, &[child.pupil_id])
                .await?
                .pop()
            {
                children.push(ChildLine {
                    id: n.id.0,
                    name: n.full(),
                });
            }
        }
    }
    html(&ListPage {
        chrome: viewer.chrome(),
        tr,
        staff,
        // Shapes the page (a guardian's wording); decides nothing.
        guardian: me.actor.has(Role::Guardian),
        overdue,
        waiting,
        check_ins,
        cases: o
            .cases
            .iter()
            .map(|c| case_line(c, &l, today, me))
            .collect(),
        children,
        may_edit_checklists: may(&me.actor, Action::ManageSchool, &school),
    })
}

// ---------------------------------------------------------------------------------------------
// The school's crisis checklists (leaders)

struct ChecklistBlock {
    kind: &'static str,
    items: String,
    custom: bool,
}

#[derive(Template)]
#[template(path = "cases/checklists.html")]
struct ChecklistsPage {
    chrome: Chrome,
    tr: Tr,
    l: Labels,
    blocks: Vec<ChecklistBlock>,
    errors: Vec<String>,
    saved: Option<String>,
}

fn require_manager(me: &SignedIn) -> Result<(), WebError> {
    let school = Resource::School {
        school_id: me.actor.school_id,
    };
    if may(&me.actor, Action::ManageSchool, &school) {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

async fn checklist_blocks(
    state: &AppState,
    me: &SignedIn,
) -> Result<Vec<ChecklistBlock>, StoreError> {
    let mut blocks = Vec::new();
    for kind in CrisisType::ALL {
        let own = state
            .store
            .crisis_checklist(me.actor.school_id, *kind)
            .await?;
        let custom = !own.is_empty();
        let items = checklist_for(state, me, *kind).await?;
        blocks.push(ChecklistBlock {
            kind: kind.as_str(),
            items: items.join("\n"),
            custom,
        });
    }
    Ok(blocks)
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn checklists_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SavedQuery>,
) -> Res<Response> {
    let me = viewer.require()?;
    require_manager(me)?;
    let tr = viewer.tr;
    let l = Labels::new(tr, me.school.country);
    let saved = q
        .saved
        .and_then(|s| s.parse::<CrisisType>().ok())
        .map(|t| l.of("crisis", t.as_str()));
    html(&ChecklistsPage {
        chrome: viewer.chrome(),
        tr,
        l,
        blocks: checklist_blocks(&state, me).await?,
        errors: Vec::new(),
        saved,
    })
}

fn check_checklist(kind: &str, items: &str) -> Result<(CrisisType, Vec<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = code::<CrisisType>("crisis_type", kind, &mut errors);
    let items = rules::checklist(items)
        .map_err(|p| errors.push(bad("items", Problem::Checklist(p))))
        .ok();
    match (kind, items) {
        (Some(k), Some(i)) => Ok((k, i)),
        _ => Err(errors),
    }
}

async fn checklist_form(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let me = viewer.require()?;
    require_manager(me)?;
    match check_checklist(
        &form_field(&fields, "crisis_type"),
        &form_field(&fields, "items"),
    ) {
        Ok((kind, items)) => {
            state
                .store
                .set_crisis_checklist(me.actor.school_id, kind, &items, me.actor.person_id)
                .await?;
            Ok(Redirect::to(&format!("/settings/checklists?saved={kind}")).into_response())
        }
        Err(errors) => {
            let tr = viewer.tr;
            let l = Labels::new(tr, me.school.country);
            let mut blocks = checklist_blocks(&state, me).await?;
            // Show what was typed in the list it was typed for.
            let posted_kind = form_field(&fields, "crisis_type");
            for b in &mut blocks {
                if b.kind == posted_kind {
                    b.items = form_field(&fields, "items");
                }
            }
            let mut response = html(&ChecklistsPage {
                chrome: viewer.chrome(),
                tr,
                l,
                blocks,
                errors: messages(&tr, me.school.country, &errors),
                saved: None,
            })?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response.extensions_mut().insert(Rendered);
            Ok(response)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// API

#[derive(Serialize, ToSchema)]
pub struct CaseCreated {
    pub id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ConcernCreated {
    pub id: i64,
    /// The last day for the school's written plan when the concern started the duty to act.
    pub duty_due: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ConcernRequest {
    /// `wellbeing`, `bullying`, `unsafe_community` or `other`.
    #[serde(default)]
    #[schema(
        required = true,
        pattern = r"^(wellbeing|bullying|unsafe_community|other)$"
    )]
    pub topic: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, pattern = r"\S")]
    pub text: String,
}

/// Raise a wellbeing concern about one's child (ABS-4; guardians with custody). It is always
/// registered and must be answered. Bullying or an unsafe community starts the school's duty to
/// act, with a deadline for the written plan.
#[utoipa::path(post, path = "/api/v1/pupils/{id}/concerns", tag = "cases", request_body = ConcernRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Pupil id")),
    responses((status = 201, body = ConcernCreated), (status = 404, description = "Not the caller's child"),
        (status = 422, description = "A field is empty, too long or unknown")))]
pub async fn api_raise_concern(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<ConcernRequest>,
) -> Res<(StatusCode, Json<ConcernCreated>)> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::RaiseConcern).await?;
    let (id, due) = raise(&state, me, &pupil, &req.topic, &req.text)
        .await
        .map_err(api_failure)?;
    Ok((
        StatusCode::CREATED,
        Json(ConcernCreated {
            id,
            duty_due: due.map(|d| d.to_string()),
        }),
    ))
}

/// A concern: the guardian who raised it reads it and the school's answers; the case's staff
/// also read the written plan.
#[utoipa::path(get, path = "/api/v1/concerns/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Concern id")),
    responses((status = 200, body = ConcernJson), (status = 404, description = "No such concern, or not the caller's")))]
pub async fn api_concern(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Json<ConcernJson>> {
    let me = viewer.require()?;
    let f = readable(&state, me, &id).await?;
    if f.kind != CaseKind::Concern {
        return Err(WebError::NotFound);
    }
    let internal = may(&me.actor, Action::ManageCase, &case_resource(&f));
    let file = state
        .store
        .read_case(me.actor.school_id, f.id, me.actor.person_id)
        .await?;
    Ok(Json(concern_json(
        &file,
        internal,
        me.school.country,
        me.today(),
    )))
}

#[derive(Deserialize, ToSchema)]
pub struct BodyRequest {
    #[serde(default)]
    #[schema(required = true, min_length = 1, pattern = r"\S")]
    pub body: String,
}

/// Answer a concern (the case's staff). The guardian sees the answer.
#[utoipa::path(post, path = "/api/v1/concerns/{id}/answer", tag = "cases", request_body = BodyRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Concern id")),
    responses((status = 201, body = CaseCreated), (status = 403, description = "Not one of the case's people"),
        (status = 404), (status = 409, description = "The case is closed"), (status = 422)))]
pub async fn api_answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<BodyRequest>,
) -> Res<(StatusCode, Json<CaseCreated>)> {
    let me = viewer.require()?;
    let f = workable_concern(&state, &viewer, me, &id).await?;
    let id = apply(&state, me, &f, Change::Answer(req.body))
        .await
        .map_err(api_failure)?
        .unwrap_or_default();
    Ok((StatusCode::CREATED, Json(CaseCreated { id })))
}

/// Write or revise the written plan of a concern that started the duty to act. DK: problem,
/// measures, when, interim measures; NO (§ 12-4): problem, measures, when, who, evaluation.
#[utoipa::path(put, path = "/api/v1/concerns/{id}/plan", tag = "cases", request_body = PlanJson,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Concern id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422, description = "A section the country asks for is missing")))]
pub async fn api_duty_plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<PlanJson>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let f = workable_concern(&state, &viewer, me, &id).await?;
    apply(&state, me, &f, Change::DutyPlan(req))
        .await
        .map_err(api_failure)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct OpenCaseRequest {
    /// `absence` (worrying absence) or `crisis`.
    #[serde(default)]
    #[schema(required = true, pattern = r"^(absence|crisis)$")]
    pub kind: String,
    /// For a crisis: `death`, `serious_illness`, `divorce` or `other`.
    #[serde(default)]
    pub crisis_type: Option<String>,
    /// The coordinator (a member of staff); the caller when absent.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub coordinator_id: Option<i64>,
    /// What the case is about (internal).
    #[serde(default)]
    #[schema(required = true, min_length = 1, pattern = r"\S")]
    pub summary: String,
}

/// Open a worrying-absence or crisis case about a pupil (the pupil's staff, leaders).
#[utoipa::path(post, path = "/api/v1/pupils/{id}/cases", tag = "cases", request_body = OpenCaseRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Pupil id")),
    responses((status = 201, body = CaseCreated), (status = 404), (status = 422)))]
pub async fn api_open_case(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<OpenCaseRequest>,
) -> Res<(StatusCode, Json<CaseCreated>)> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::OpenCase).await?;
    let id = open(
        &state,
        me,
        &pupil,
        &req.kind,
        req.crisis_type.as_deref().unwrap_or(""),
        &req.coordinator_id
            .map(|c| c.to_string())
            .unwrap_or_default(),
        &req.summary,
    )
    .await
    .map_err(api_failure)?;
    Ok((StatusCode::CREATED, Json(CaseCreated { id })))
}

/// A case: its people read it whole; the guardian who raised a concern reads the concern and
/// its answers only.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = CaseJson), (status = 404, description = "No such case, or not the caller's")))]
pub async fn api_case(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Json<CaseJson>> {
    let me = viewer.require()?;
    let f = readable(&state, me, &id).await?;
    let internal = may(&me.actor, Action::ManageCase, &case_resource(&f));
    let file = state
        .store
        .read_case(me.actor.school_id, f.id, me.actor.person_id)
        .await?;
    Ok(Json(case_json(
        &file,
        internal,
        me.school.country,
        me.today(),
    )))
}

/// Runs a change from the API on a case the caller may work on.
async fn api_change(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    change: Change,
) -> Res<Option<i64>> {
    let me = viewer.require()?;
    let f = workable(state, viewer, me, raw_id).await?;
    apply(state, me, &f, change).await.map_err(api_failure)
}

#[derive(Deserialize, ToSchema)]
pub struct CoordinatorRequest {
    /// A member of the school's staff.
    #[schema(minimum = 1)]
    pub person_id: i64,
}

/// Appoint the case's coordinator (tovholder), or a concern's owner.
#[utoipa::path(post, path = "/api/v1/cases/{id}/coordinator", tag = "cases", request_body = CoordinatorRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Case id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_coordinator(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<CoordinatorRequest>,
) -> Res<StatusCode> {
    api_change(
        &state,
        &viewer,
        &id,
        Change::Coordinator(PersonId(req.person_id)),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PlanEntryRequest {
    /// Who makes the contact (a member of staff); the caller when absent.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub contact_by: Option<i64>,
    /// `family` or `pupil`.
    #[serde(default)]
    #[schema(required = true, pattern = r"^(family|pupil)$")]
    pub whom: String,
    /// Every how many days, 1 to 90.
    #[serde(default)]
    #[schema(required = true, minimum = 1, maximum = 90)]
    pub every_days: i64,
    /// `phone`, `meeting`, `home_visit` or `message`.
    #[serde(default)]
    #[schema(required = true, pattern = r"^(phone|meeting|home_visit|message)$")]
    pub channel: String,
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    #[schema(format = Date)]
    pub starts_on: Option<String>,
}

/// Add an agreement to the case's contact plan: who contacts whom, how often, how (ABS-3).
#[utoipa::path(post, path = "/api/v1/cases/{id}/plan", tag = "cases", request_body = PlanEntryRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Case id")),
    responses((status = 201, body = CaseCreated), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<PlanEntryRequest>,
) -> Res<(StatusCode, Json<CaseCreated>)> {
    viewer.require()?; // 401 before any word about the body
    crate::api::day_or_left_out("starts_on", req.starts_on.as_deref())?;
    let change = Change::Plan(RawPlan {
        contact_by: req.contact_by.map(|c| c.to_string()).unwrap_or_default(),
        whom: req.whom,
        every_days: req.every_days.to_string(),
        channel: req.channel,
        starts_on: req.starts_on.unwrap_or_default(),
    });
    let id = api_change(&state, &viewer, &id, change)
        .await?
        .unwrap_or_default();
    Ok((StatusCode::CREATED, Json(CaseCreated { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ContactRequest {
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    #[schema(format = Date)]
    pub happened_on: Option<String>,
    /// `phone`, `meeting`, `home_visit` or `message`.
    #[serde(default)]
    #[schema(required = true, pattern = r"^(phone|meeting|home_visit|message)$")]
    pub channel: String,
    /// `family` or `pupil`.
    #[serde(default)]
    #[schema(required = true, pattern = r"^(family|pupil)$")]
    pub whom: String,
    #[serde(default)]
    pub note: String,
    /// The agreement of the contact plan this contact keeps.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub plan_entry_id: Option<i64>,
}

/// Log a contact made with the family or the pupil (ABS-3).
#[utoipa::path(post, path = "/api/v1/cases/{id}/contacts", tag = "cases", request_body = ContactRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Case id")),
    responses((status = 201, body = CaseCreated), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_contact(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<ContactRequest>,
) -> Res<(StatusCode, Json<CaseCreated>)> {
    viewer.require()?; // 401 before any word about the body
    crate::api::day_or_left_out("happened_on", req.happened_on.as_deref())?;
    let change = Change::Contact(RawContact {
        happened_on: req.happened_on.unwrap_or_default(),
        channel: req.channel,
        whom: req.whom,
        note: req.note,
        plan_entry: req.plan_entry_id.map(|p| p.to_string()).unwrap_or_default(),
    });
    let id = api_change(&state, &viewer, &id, change)
        .await?
        .unwrap_or_default();
    Ok((StatusCode::CREATED, Json(CaseCreated { id })))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = CaseAgreementRequest)]
pub struct AgreementRequest {
    #[serde(default)]
    #[schema(required = true, min_length = 1, pattern = r"\S")]
    pub text: String,
}

/// Record what the family agrees the pupil's classmates may be told (ABS-3).
#[utoipa::path(put, path = "/api/v1/cases/{id}/agreement", tag = "cases", request_body = AgreementRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Case id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_agreement(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<AgreementRequest>,
) -> Res<StatusCode> {
    api_change(&state, &viewer, &id, Change::Agreement(req.text)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add an internal note (never shown to the family).
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", request_body = BodyRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Case id")),
    responses((status = 201, body = CaseCreated), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_note(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<BodyRequest>,
) -> Res<(StatusCode, Json<CaseCreated>)> {
    let id = api_change(&state, &viewer, &id, Change::Note(req.body))
        .await?
        .unwrap_or_default();
    Ok((StatusCode::CREATED, Json(CaseCreated { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckRequest {
    /// The item's number in the case's checklist, from 1.
    #[schema(minimum = 1)]
    pub item: i64,
    /// Ticked (default) or not.
    #[serde(default = "yes")]
    pub done: bool,
}

fn yes() -> bool {
    true
}

/// Tick an item of a crisis case's checklist (WEL-1); who and when are recorded.
#[utoipa::path(post, path = "/api/v1/cases/{id}/checklist", tag = "cases", request_body = CheckRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Case id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422, description = "No such item")))]
pub async fn api_check(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<CheckRequest>,
) -> Res<StatusCode> {
    api_change(
        &state,
        &viewer,
        &id,
        Change::Check {
            item: req.item.to_string(),
            done: req.done,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct EscalationRequest {
    /// `leadership` or `support` (PPR in DK, PPT in NO).
    #[serde(default)]
    #[schema(required = true, pattern = r"^(leadership|support)$")]
    pub target: String,
    #[serde(default)]
    pub note: String,
}

/// Record an escalation to the school's leadership or the support service (WEL-1).
#[utoipa::path(post, path = "/api/v1/cases/{id}/escalations", tag = "cases", request_body = EscalationRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Case id")),
    responses((status = 201, body = CaseCreated), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_escalate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<EscalationRequest>,
) -> Res<(StatusCode, Json<CaseCreated>)> {
    let id = api_change(
        &state,
        &viewer,
        &id,
        Change::Escalate {
            target: req.target,
            note: req.note,
        },
    )
    .await?
    .unwrap_or_default();
    Ok((StatusCode::CREATED, Json(CaseCreated { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct CloseRequest {
    /// `attendance_improved` (absence), `resolved` (concern, crisis), `moved_school`,
    /// `referred_support` (PPR / PPT), `referred_municipality` or `other`.
    #[serde(default)]
    #[schema(
        required = true,
        pattern = r"^(attendance_improved|resolved|moved_school|referred_support|referred_municipality|other)$"
    )]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

/// Close a case with a reason. A concern closes only when answered and, when it started the duty
/// to act, with its written plan. Closing a closed case changes nothing.
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "cases", request_body = CloseRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Case id")),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
pub async fn api_close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<CloseRequest>,
) -> Res<StatusCode> {
    api_change(
        &state,
        &viewer,
        &id,
        Change::Close {
            reason: req.reason,
            note: req.note,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct CaseSummaryJson {
    pub id: i64,
    pub kind: String,
    pub pupil: PersonRef,
    pub topic: Option<String>,
    pub crisis_type: Option<String>,
    pub coordinator: Option<PersonRef>,
    pub opened_on: String,
    pub answered: bool,
    /// The written plan's deadline while the duty to act is open.
    pub duty_due: Option<String>,
    /// `open` or `overdue` while the duty is open.
    pub duty_state: Option<String>,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct CheckInJson {
    pub case_id: i64,
    pub pupil: PersonRef,
    pub plan_entry_id: i64,
    pub contact_by: PersonRef,
    pub whom: String,
    pub channel: String,
    pub due: String,
    /// `due` or `overdue`.
    pub state: String,
}

#[derive(Serialize, ToSchema)]
pub struct CaseListJson {
    /// Open cases of the caller's (all for leaders); a guardian's own concerns.
    pub cases: Vec<CaseSummaryJson>,
    /// Check-ins due or overdue in the cases the caller coordinates or contacts for.
    pub check_ins: Vec<CheckInJson>,
    /// Concerns whose written plan is still due, soonest first; `overdue` ones flagged.
    pub duties: Vec<CaseSummaryJson>,
}

fn summary_json(c: &CaseSummary, today: Date, me: &SignedIn) -> CaseSummaryJson {
    let staff_view = may(
        &me.actor,
        Action::ManageCase,
        &summary_resource(c, me.actor.school_id),
    );
    let open_duty = c
        .duty_due
        .filter(|_| c.plan_on.is_none() && c.closed_on.is_none());
    CaseSummaryJson {
        id: c.id,
        kind: c.kind.as_str().into(),
        pupil: person_ref(&c.pupil),
        topic: c.topic.map(|t| t.as_str().into()),
        crisis_type: c.crisis_type.map(|t| t.as_str().into()),
        coordinator: c
            .coordinator
            .as_ref()
            .filter(|_| staff_view)
            .map(person_ref),
        opened_on: c.opened_on.to_string(),
        answered: c.answered,
        duty_due: open_duty.map(|d| d.to_string()),
        duty_state: open_duty.map(|d| {
            match rules::duty_state(d, None, today) {
                DutyState::Open { overdue: true, .. } => "overdue",
                _ => "open",
            }
            .into()
        }),
        status: if c.closed_on.is_some() {
            "closed"
        } else {
            "open"
        }
        .into(),
    }
}

/// The caller's cases, the check-ins due, and the duties to act (staff, leaders); a guardian's
/// own concerns.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", operation_id = "api_list_cases", security(("bearer" = [])),
    responses((status = 200, body = CaseListJson)))]
pub async fn api_list(State(state): State<AppState>, viewer: Viewer) -> Res<Json<CaseListJson>> {
    let me = viewer.require()?;
    let school = Resource::School {
        school_id: me.actor.school_id,
    };
    if !may(&me.actor, Action::ListCases, &school) {
        return Err(WebError::NotFound);
    }
    let today = me.today();
    let o = overview(&state, me).await?;
    Ok(Json(CaseListJson {
        cases: o.cases.iter().map(|c| summary_json(c, today, me)).collect(),
        check_ins: o
            .check_ins
            .iter()
            .map(|(c, due, s)| CheckInJson {
                case_id: c.case_id,
                pupil: person_ref(&c.pupil),
                plan_entry_id: c.entry.id,
                contact_by: person_ref(&c.entry.contact_by),
                whom: c.entry.whom.as_str().into(),
                channel: c.entry.channel.as_str().into(),
                due: due.to_string(),
                state: check_in_code(*s).into(),
            })
            .collect(),
        duties: o
            .duties
            .iter()
            .map(|c| summary_json(c, today, me))
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistJson {
    /// `death`, `serious_illness`, `divorce` or `other`.
    pub crisis_type: String,
    pub items: Vec<String>,
    /// Whether the school wrote its own; otherwise these are the defaults.
    pub custom: bool,
}

/// The school's crisis checklists (leaders).
#[utoipa::path(get, path = "/api/v1/checklists", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<ChecklistJson>),
        (status = 404, description = "Not the caller's to see", content_type = "application/problem+json")))]
pub async fn api_checklists(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Res<Json<Vec<ChecklistJson>>> {
    let me = viewer.require()?;
    require_manager(me)?;
    Ok(Json(
        checklist_blocks(&state, me)
            .await?
            .into_iter()
            .map(|b| ChecklistJson {
                crisis_type: b.kind.into(),
                items: b.items.lines().map(str::to_owned).collect(),
                custom: b.custom,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct SetChecklistRequest {
    #[serde(default)]
    #[schema(required = true, pattern = r"^(death|serious_illness|divorce|other)$")]
    pub crisis_type: String,
    #[serde(default)]
    #[schema(required = true, min_items = 1)]
    pub items: Vec<String>,
}

/// Replace the school's checklist for a crisis type (leaders). Open cases keep theirs.
#[utoipa::path(put, path = "/api/v1/checklists", tag = "cases", request_body = SetChecklistRequest,
    security(("bearer" = [])), responses((status = 204), (status = 404, description = "Not the caller's to set", content_type = "application/problem+json"), (status = 422)))]
pub async fn api_set_checklist(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(req): Json<SetChecklistRequest>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    require_manager(me)?;
    // One item a line: an item with a line break in it is refused, not split.
    if let Some(n) = req.items.iter().position(|i| i.contains(['\n', '\r'])) {
        return Err(api_problems(&[bad(
            "items",
            Problem::Checklist(ChecklistProblem::Item(n + 1, TextProblem::Control)),
        )]));
    }
    let (kind, items) =
        check_checklist(&req.crisis_type, &req.items.join("\n")).map_err(|e| api_problems(&e))?;
    state
        .store
        .set_crisis_checklist(me.actor.school_id, kind, &items, me.actor.person_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
