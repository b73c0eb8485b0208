//! Absence pages and API (ABS-1, ABS-2): guardians report, staff take the register, everyone
//! entitled sees the rates with the country's thresholds. The rules (who, when, how much)
//! live in `skolebro_domain::absence`, `calendar` and `access`; this module wires them up.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use skolebro_domain::absence::{
    self as rules, Category, Flag, LeaveState, Part, PeriodAbsence, Reason, ReportProblem,
    Thresholds,
};
use skolebro_domain::calendar;
use skolebro_domain::contact_hours::ContactHours;
use skolebro_domain::messages::MessageKind;
use skolebro_domain::profile::profile;
use skolebro_domain::{may, Action, ClassId, PersonId, Resource};
use skolebro_store::absence::{AbsenceReport, AbsenceTotals, NewReport, SchoolCode};
use skolebro_store::messages::NewThread;
use skolebro_store::people::{ClassSummary, PupilDetail};
use utoipa::ToSchema;

use crate::error::Refusal;
use crate::i18n::Tr;
use crate::viewer::{html, parse_id, Chrome, CsrfForm, Rendered, SignedIn, Viewer};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/absence", get(overview_page))
        .route("/pupils/{id}/absence", get(pupil_page).post(report_form))
        .route("/pupils/{id}/absence/{aid}/withdraw", post(withdraw_form))
        .route("/pupils/{id}/absence/{aid}/decision", post(decision_form))
        .route(
            "/classes/{id}/register",
            get(register_page).post(register_form),
        )
        .route("/settings/absence", get(settings_page).post(settings_form))
        .route(
            "/api/v1/pupils/{id}/absences",
            get(api_reports).post(api_report),
        )
        .route(
            "/api/v1/pupils/{id}/absences/{aid}",
            axum::routing::delete(api_withdraw),
        )
        .route("/api/v1/pupils/{id}/absence-rates", get(api_rates))
        .route("/api/v1/absence-codes", get(api_codes).post(api_add_code))
        .route(
            "/api/v1/classes/{id}/register",
            get(api_register).post(api_record_register),
        )
}

fn parse_day(field: &str, raw: &str) -> Result<Date, WebError> {
    raw.trim()
        .parse::<Date>()
        .map_err(|_| WebError::Unprocessable(format!("{field}: not a date (YYYY-MM-DD)")))
}

/// A pupil the viewer may do `action` for, or 404 as if it did not exist.
async fn pupil_for(
    state: &AppState,
    me: &SignedIn,
    raw: &str,
    action: Action,
) -> Result<PupilDetail, WebError> {
    let id = PersonId(parse_id(raw)?);
    let pupil = state
        .store
        .pupil_detail(me.actor.school_id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    if !may_pupil(me, &pupil, action) {
        return Err(WebError::NotFound);
    }
    Ok(pupil)
}

fn may_pupil(me: &SignedIn, pupil: &PupilDetail, action: Action) -> bool {
    let classes = pupil.class_ids();
    may(
        &me.actor,
        action,
        &Resource::Pupil {
            school_id: pupil.school_id,
            pupil_id: pupil.person.id,
            classes: &classes,
        },
    )
}

/// Absence is sensitive: every read and change is audited.
async fn audit(
    state: &AppState,
    me: &SignedIn,
    action: &str,
    pupil: PersonId,
    detail: &str,
) -> Result<(), WebError> {
    state
        .store
        .audit(
            me.actor.school_id,
            Some(me.actor.person_id),
            action,
            "absence",
            pupil.0,
            Some(detail),
        )
        .await?;
    Ok(())
}

fn problem_text(tr: &Tr, p: ReportProblem) -> String {
    let key = match p {
        ReportProblem::OutOfOrder => "absence-error-order",
        ReportProblem::DayClosed => "absence-error-closed",
        ReportProblem::BeyondSchoolYear => "absence-error-year",
        ReportProblem::TooLong => "absence-error-long",
        ReportProblem::PartOfSeveralDays => "absence-error-part",
        ReportProblem::NoSchoolDays => "absence-error-no-days",
    };
    tr.t(key)
}

// ---------------------------------------------------------------------------------------------
// Reporting

/// A report as a request carries it.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct ReportRequest {
    /// First day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub from: String,
    /// Last day, `YYYY-MM-DD`; the first day when absent.
    #[serde(default)]
    #[schema(format = Date)]
    pub to: Option<String>,
    /// `illness` or `leave` (guardians); staff may also give `unlawful`.
    #[schema(pattern = r"^[a-z0-9_]{2,30}$")]
    pub reason: String,
    /// `morning` or `afternoon` for part of one day.
    #[serde(default)]
    #[schema(pattern = r"^(morning|afternoon)$")]
    pub part: Option<String>,
    /// A short note that is not about health.
    #[serde(default)]
    pub note: Option<String>,
}

async fn make_report(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    pupil: &PupilDetail,
    req: &ReportRequest,
) -> Result<Result<i64, Refusal>, WebError> {
    let unprocessable = |t: String| Ok(Err(Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, t)));
    let Ok(from) = req.from.trim().parse::<Date>() else {
        return unprocessable(format!("from: {}", tr.t("absence-error-date")));
    };
    let to = match req.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => from,
        Some(t) => match t.parse::<Date>() {
            Ok(d) => d,
            Err(_) => return unprocessable(format!("to: {}", tr.t("absence-error-date"))),
        },
    };
    let staff = may_pupil(me, pupil, Action::RecordAbsence);
    // A built-in reason, or (staff only) one of the school's own codes, counted in its category.
    let (reason, code) = match req.reason.trim().parse::<Reason>() {
        Ok(r) => (r, None),
        Err(_) if staff => {
            let wanted = req.reason.trim();
            let codes = state.store.absence_codes(me.actor.school_id).await?;
            match codes.into_iter().find(|c| c.code == wanted) {
                Some(c) => (Reason::of_category(c.category), Some(c.code)),
                None => return unprocessable(format!("reason: {}", tr.t("absence-error-reason"))),
            }
        }
        Err(_) => return unprocessable(format!("reason: {}", tr.t("absence-error-reason"))),
    };
    let part = match req.part.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match p.parse::<Part>() {
            Ok(p) => Some(p),
            Err(_) => return unprocessable(format!("part: {}", tr.t("absence-error-part-value"))),
        },
    };
    let note = match req.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => None,
        Some(n) => match skolebro_domain::text::single_line(n, rules::MAX_NOTE_CHARS) {
            Ok(n) => Some(n),
            Err(p) => return unprocessable(format!("note: {p}")),
        },
    };
    if reason == Reason::Unreported || (!staff && !reason.guardian_may_report()) {
        return unprocessable(format!("reason: {}", tr.t("absence-error-reason")));
    }
    let today = me.today();
    let year = calendar::school_year(today);
    let checked = if staff {
        rules::check_staff_report(from, to, part, year)
    } else {
        let hours = ContactHours::default_for(profile(me.school.country));
        let now = skolebro_store::clock::now().to_zoned(me.time_zone()).time();
        rules::check_guardian_report(from, to, part, today, now, hours.end, year.1)
    };
    if let Err(p) = checked {
        return unprocessable(problem_text(tr, p));
    }
    let holidays = state.store.holidays(me.actor.school_id, from, to).await?;
    let days = calendar::school_days(from, to, &holidays);
    if days.is_empty() {
        return unprocessable(problem_text(tr, ReportProblem::NoSchoolDays));
    }
    crate::limits::hit(state, me, crate::limits::Bucket::AbsenceReport)?;
    let stored = state
        .store
        .report_absence(&NewReport {
            school_id: me.actor.school_id,
            pupil_id: pupil.person.id,
            reported_by: me.actor.person_id,
            from,
            to,
            part,
            reason,
            code: code.as_deref(),
            note: note.as_deref(),
            days: &days,
            replace: staff,
        })
        .await;
    match stored {
        // The store wrote the audit row with the report, in one transaction.
        Ok(id) => Ok(Ok(id)),
        Err(skolebro_store::StoreError::Conflict(m)) => {
            Ok(Err(Refusal::new(StatusCode::CONFLICT, m)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the viewer may withdraw a report now (`Action::WithdrawAbsence`).
fn may_withdraw(me: &SignedIn, pupil: &PupilDetail, report: &AbsenceReport) -> bool {
    let made = Timestamp::from_second(report.created_at)
        .map(|t| calendar::today(t, &me.time_zone()))
        .ok();
    let classes = pupil.class_ids();
    may(
        &me.actor,
        Action::WithdrawAbsence,
        &Resource::AbsenceRecord {
            school_id: pupil.school_id,
            pupil_id: pupil.person.id,
            classes: &classes,
            reported_by: report.reported_by.id,
            made_today: made == Some(me.today()),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Rates

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryRate {
    /// `illness`, `leave` or `unlawful` (NO: the first two are valid, the last invalid absence).
    pub category: String,
    pub half_days: i64,
    /// Days, with halves.
    pub days: f64,
    /// Share of the period's school days so far, in percent with one decimal.
    pub percent: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodRate {
    /// `2026-Q4` or `2026/27`.
    pub period: String,
    pub from: String,
    /// The last day counted: the period's end or today, whichever is earlier.
    pub to: String,
    pub school_days: i64,
    pub categories: Vec<CategoryRate>,
    /// `warn_parents`, `notify_municipality`.
    #[schema(value_type = Vec<String>)]
    pub flags: Vec<Flag>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThresholdsJson {
    pub warn_percent: u8,
    pub notify_percent: Option<u8>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatesJson {
    pub thresholds: ThresholdsJson,
    pub periods: Vec<PeriodRate>,
}

fn period_absence(totals: &[(Reason, Option<LeaveState>, i64)], school_days: i64) -> PeriodAbsence {
    let mut p = PeriodAbsence::new(school_days);
    for (reason, leave, half) in totals {
        p.add(rules::category(*reason, *leave), *half);
    }
    p
}

/// The periods rates are given for: this quarter and this school year, up to today.
fn periods(today: Date) -> Vec<(String, Date, Date)> {
    let (q_from, q_to) = calendar::quarter(today);
    let (y_from, y_to) = calendar::school_year(today);
    let quarter_no = (today.month() - 1) / 3 + 1;
    vec![
        (
            format!("{}-Q{quarter_no}", today.year()),
            q_from,
            q_to.min(today),
        ),
        (
            skolebro_domain::profile::school_year(today),
            y_from,
            y_to.min(today),
        ),
    ]
}

async fn school_thresholds(state: &AppState, me: &SignedIn) -> Result<Thresholds, WebError> {
    let own = state.store.absence_warn_percent(me.actor.school_id).await?;
    Ok(rules::thresholds(profile(me.school.country), own))
}

async fn rates_of(state: &AppState, me: &SignedIn, pupil: PersonId) -> Result<RatesJson, WebError> {
    let t = school_thresholds(state, me).await?;
    let mut out = Vec::new();
    for (name, from, to) in periods(me.today()) {
        let holidays = state.store.holidays(me.actor.school_id, from, to).await?;
        let school_days = calendar::school_days(from, to, &holidays).len() as i64;
        let totals = state
            .store
            .absence_totals(me.actor.school_id, Some(pupil), from, to)
            .await?;
        let p = period_absence(
            totals.get(&pupil).map(Vec::as_slice).unwrap_or(&[]),
            school_days,
        );
        out.push(PeriodRate {
            period: name,
            from: from.to_string(),
            to: to.to_string(),
            school_days,
            categories: Category::ALL
                .iter()
                .map(|c| CategoryRate {
                    category: c.as_str().to_owned(),
                    half_days: p.half_days_of(*c),
                    days: p.half_days_of(*c) as f64 / 2.0,
                    percent: p.percent(*c),
                })
                .collect(),
            flags: p.flags(t),
        });
    }
    Ok(RatesJson {
        thresholds: ThresholdsJson {
            warn_percent: t.warn_percent,
            notify_percent: t.notify_percent,
        },
        periods: out,
    })
}

// ---------------------------------------------------------------------------------------------
// Pupil page

struct ReportRow {
    id: i64,
    from: String,
    to: String,
    part: String,
    reason: String,
    leave: Option<String>,
    leave_pending: bool,
    note: Option<String>,
    by: String,
    may_withdraw: bool,
}

#[derive(Template)]
#[template(path = "absence/pupil.html")]
struct PupilPage {
    chrome: Chrome,
    tr: Tr,
    pupil_id: i64,
    name: String,
    may_report: bool,
    may_decide: bool,
    staff: bool,
    reports: Vec<ReportRow>,
    rates: RatesJson,
    error: Option<String>,
    form: ReportRequest,
    today: String,
    category_labels: HashMap<String, String>,
    /// What the rates oblige the school to do, per period.
    flag_lines: Vec<String>,
}

fn reason_label(tr: &Tr, country: skolebro_domain::Country, reason: &str) -> String {
    tr.t(&format!("absence-reason-{reason}-{}", country.as_str()))
}

async fn render_pupil(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    pupil: PupilDetail,
    error: Option<(StatusCode, String)>,
    form: ReportRequest,
) -> Result<Response, WebError> {
    let tr = viewer.tr;
    let country = me.school.country;
    let reports = state
        .store
        .absence_reports(
            me.actor.school_id,
            pupil.person.id,
            skolebro_domain::paging::Cursor::START,
            100,
        )
        .await?;
    audit(state, me, "read", pupil.person.id, "reports").await?;
    let rates = rates_of(state, me, pupil.person.id).await?;
    let rows = reports
        .iter()
        .map(|r| ReportRow {
            id: r.id,
            from: r.from.to_string(),
            to: r.to.to_string(),
            part: r
                .part
                .map(|p| tr.t(&format!("absence-part-{}", p.as_str())))
                .unwrap_or_default(),
            reason: reason_label(&tr, country, r.reason.as_str()),
            leave: r
                .leave_state
                .map(|l| tr.t(&format!("absence-leave-{}", l.as_str()))),
            leave_pending: r.leave_state == Some(LeaveState::Requested),
            note: r.note.clone(),
            by: r.reported_by.full(),
            may_withdraw: may_withdraw(me, &pupil, r),
        })
        .collect();
    let category_labels = Category::ALL
        .iter()
        .map(|c| {
            (
                c.as_str().to_owned(),
                tr.t(&format!(
                    "absence-category-{}-{}",
                    c.as_str(),
                    country.as_str()
                )),
            )
        })
        .collect();
    let flag_lines = rates
        .periods
        .iter()
        .flat_map(|p| {
            p.flags.iter().map(|f| {
                let text = tr.t(match f {
                    Flag::WarnParents => "absence-flag-warn",
                    Flag::NotifyMunicipality => "absence-flag-notify",
                });
                format!("{}: {text}", p.period)
            })
        })
        .collect();
    let status = error.as_ref().map(|(s, _)| *s);
    let page = PupilPage {
        flag_lines,
        chrome: viewer.chrome(),
        tr,
        pupil_id: pupil.person.id.0,
        name: pupil.person.full(),
        may_report: may_pupil(me, &pupil, Action::ReportAbsence),
        may_decide: may_pupil(me, &pupil, Action::DecideLeave),
        staff: may_pupil(me, &pupil, Action::RecordAbsence),
        reports: rows,
        rates,
        error: error.map(|(_, e)| e),
        form,
        today: me.today().to_string(),
        category_labels,
    };
    let mut response = html(&page)?;
    if let Some(status) = status {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn pupil_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::ViewAbsence).await?;
    let form = ReportRequest {
        from: me.today().to_string(),
        reason: "illness".into(),
        ..ReportRequest::default()
    };
    render_pupil(&state, &viewer, me, pupil, None, form).await
}

async fn report_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReportRequest>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::ReportAbsence).await?;
    match make_report(&state, me, &viewer.tr, &pupil, &form).await? {
        Ok(_) => Ok(
            Redirect::to(&format!("/pupils/{}/absence?reported=1", pupil.person.id.0))
                .into_response(),
        ),
        Err(r) => render_pupil(&state, &viewer, me, pupil, Some((r.status, r.text)), form).await,
    }
}

#[derive(Deserialize)]
struct Empty {}

/// A report of this pupil, or 404.
async fn report_of(
    state: &AppState,
    me: &SignedIn,
    pupil: &PupilDetail,
    raw: &str,
) -> Result<AbsenceReport, WebError> {
    let report = state
        .store
        .absence_report(me.actor.school_id, parse_id(raw)?)
        .await?
        .ok_or(WebError::NotFound)?;
    if report.pupil_id != pupil.person.id {
        return Err(WebError::NotFound);
    }
    Ok(report)
}

async fn withdraw(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    pupil_raw: &str,
    report_raw: &str,
) -> Result<PersonId, WebError> {
    let pupil = pupil_for(state, me, pupil_raw, Action::ReportAbsence).await?;
    let report = report_of(state, me, &pupil, report_raw).await?;
    if !may_withdraw(me, &pupil, &report) {
        return Err(WebError::Conflict(tr.t("absence-error-withdraw")));
    }
    state
        .store
        .withdraw_absence(me.actor.school_id, report.id)
        .await?;
    audit(
        state,
        me,
        "withdraw",
        pupil.person.id,
        &format!("report {}", report.id),
    )
    .await?;
    Ok(pupil.person.id)
}

async fn withdraw_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, aid)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let pupil = withdraw(&state, me, &viewer.tr, &id, &aid).await?;
    Ok(Redirect::to(&format!("/pupils/{}/absence", pupil.0)).into_response())
}

#[derive(Deserialize)]
struct DecisionForm {
    granted: String,
}

async fn decision_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, aid)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::DecideLeave).await?;
    let report = report_of(&state, me, &pupil, &aid).await?;
    if report.reason != Reason::Leave {
        return Err(WebError::Unprocessable(
            "only leave is granted or refused".into(),
        ));
    }
    let granted = form.granted == "yes";
    state
        .store
        .decide_leave(me.actor.school_id, report.id, granted)
        .await?;
    audit(
        &state,
        me,
        "decide",
        pupil.person.id,
        &format!(
            "leave {} {}",
            report.id,
            if granted { "granted" } else { "refused" }
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/pupils/{}/absence", pupil.person.id.0)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Register

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterPupil {
    pub id: i64,
    pub name: String,
    /// Reported or recorded absence on the day: the reason code.
    pub absence: Option<String>,
    pub half_days: Option<i64>,
    /// Session → present, for the sessions already marked.
    pub marks: HashMap<String, bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterJson {
    pub date: String,
    /// DK: `morning` (grades 0–6), `morning` and `last_lesson` (7–10); NO: `day`, or
    /// `lesson_1` … `lesson_N` when the school registers per lesson.
    pub sessions: Vec<String>,
    pub pupils: Vec<RegisterPupil>,
}

async fn class_for_register(
    state: &AppState,
    me: &SignedIn,
    raw: &str,
) -> Result<ClassSummary, WebError> {
    let class_id = ClassId(parse_id(raw)?);
    let resource = Resource::Class {
        school_id: me.actor.school_id,
        class_id,
    };
    if !may(&me.actor, Action::TakeRegister, &resource) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .classes_by_id(me.actor.school_id, &[class_id])
        .await?
        .into_iter()
        .next()
        .ok_or(WebError::NotFound)
}

/// The day of a register: any day of this school year to look at (staff plan for the absence
/// already reported for coming days), up to today to mark.
fn register_day(me: &SignedIn, raw: Option<&str>, marking: bool) -> Result<Date, WebError> {
    let day = match raw.filter(|d| !d.is_empty()) {
        None => me.today(),
        Some(d) => parse_day("date", d)?,
    };
    let (start, end) = calendar::school_year(me.today());
    if day < start || day > end {
        return Err(WebError::Unprocessable(
            "date: a day of this school year".into(),
        ));
    }
    if marking && day > me.today() {
        return Err(WebError::Unprocessable(
            "date: a register is marked on the day or after it, not before".into(),
        ));
    }
    Ok(day)
}

async fn register_of(
    state: &AppState,
    me: &SignedIn,
    class: &ClassSummary,
    day: Date,
) -> Result<RegisterJson, WebError> {
    let pupils = state
        .store
        .pupils_of_class(me.actor.school_id, class.id)
        .await?;
    let absent = state
        .store
        .absence_on(me.actor.school_id, class.id, day)
        .await?;
    let marks = state
        .store
        .register_marks(me.actor.school_id, class.id, day)
        .await?;
    let lessons = state.store.register_lessons(me.actor.school_id).await?;
    let sessions = rules::register_sessions(me.school.country, class.grade, lessons);
    Ok(RegisterJson {
        date: day.to_string(),
        sessions: sessions.iter().map(|s| (*s).to_owned()).collect(),
        pupils: pupils
            .into_iter()
            .map(|p| {
                let a = absent.get(&p.id);
                RegisterPupil {
                    id: p.id.0,
                    name: p.full(),
                    absence: a.map(|a| a.reason.as_str().to_owned()),
                    half_days: a.map(|a| a.half_days),
                    marks: sessions
                        .iter()
                        .filter_map(|s| {
                            marks
                                .get(&(p.id, (*s).to_owned()))
                                .map(|v| ((*s).to_owned(), *v))
                        })
                        .collect(),
                }
            })
            .collect(),
    })
}

/// Records a session and tells the guardians of pupils absent without a report, today.
async fn record(
    state: &AppState,
    me: &SignedIn,
    class: &ClassSummary,
    day: Date,
    session: &str,
    absent: &[i64],
) -> Result<Vec<i64>, WebError> {
    let lessons = state.store.register_lessons(me.actor.school_id).await?;
    let sessions = rules::register_sessions(me.school.country, class.grade, lessons);
    if !sessions.contains(&session) {
        return Err(WebError::Unprocessable(format!(
            "session: one of {}",
            sessions.join(", ")
        )));
    }
    let pupils = state
        .store
        .pupils_of_class(me.actor.school_id, class.id)
        .await?;
    if let Some(stranger) = absent
        .iter()
        .find(|a| !pupils.iter().any(|p| p.id.0 == **a))
    {
        return Err(WebError::Unprocessable(format!(
            "absent: {stranger} is not a pupil of the class"
        )));
    }
    let marks: Vec<(PersonId, bool)> = pupils
        .iter()
        .map(|p| (p.id, !absent.contains(&p.id.0)))
        .collect();
    let unreported = state
        .store
        .record_register(
            me.actor.school_id,
            class.id,
            day,
            session,
            sessions,
            &marks,
            me.actor.person_id,
        )
        .await?;
    for pupil in &unreported {
        tell_guardians(state, me, *pupil, day).await?;
    }
    Ok(unreported.into_iter().map(|p| p.0).collect())
}

/// A message to the guardians of a pupil absent without a report (ABS-1: "the guardians are
/// told the same day"), in the school's language, marked sensitive so no notification quotes it.
async fn tell_guardians(
    state: &AppState,
    me: &SignedIn,
    pupil: PersonId,
    day: Date,
) -> Result<(), WebError> {
    let Some(detail) = state.store.pupil_detail(me.actor.school_id, pupil).await? else {
        return Ok(());
    };
    let guardians: Vec<PersonId> = detail
        .guardians
        .iter()
        .filter(|g| g.access != skolebro_domain::Access::None)
        .map(|g| g.person.id)
        .collect();
    if guardians.is_empty() {
        return Ok(());
    }
    let tr = Tr::new(me.school.locale);
    let name = detail.person.given_name.clone();
    let subject = tr.t1("absence-unreported-subject", "name", &name);
    let body = tr.t2(
        "absence-unreported-body",
        "name",
        &name,
        "date",
        day.strftime("%d.%m.%Y").to_string(),
    );
    let sent = state
        .store
        .create_thread(&NewThread {
            school_id: me.actor.school_id,
            starter: me.actor.person_id,
            subject: &subject,
            kind: MessageKind::Sensitive,
            body: &body,
            recipients: &guardians,
            families: 1,
        })
        .await?;
    let _ = state.events.send(crate::messages::MessageEvent {
        thread_id: sent.thread_id,
        participants: sent.participants,
    });
    Ok(())
}

#[derive(Template)]
#[template(path = "absence/register.html")]
struct RegisterPage {
    chrome: Chrome,
    tr: Tr,
    class_id: i64,
    class_name: String,
    register: RegisterJson,
    session_labels: Vec<(String, String)>,
    reason_labels: HashMap<String, String>,
    saved: Option<usize>,
    /// A coming day: absence reported so far, nothing to mark yet.
    future: bool,
}

#[derive(Deserialize)]
struct RegisterQuery {
    date: Option<String>,
    saved: Option<usize>,
}

async fn register_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let class = class_for_register(&state, me, &id).await?;
    let day = register_day(me, q.date.as_deref(), false)?;
    let register = register_of(&state, me, &class, day).await?;
    let country = me.school.country;
    html(&RegisterPage {
        chrome: viewer.chrome(),
        tr,
        class_id: class.id.0,
        class_name: class.name.clone(),
        session_labels: register
            .sessions
            .iter()
            .map(|s| (s.clone(), session_label(&tr, s)))
            .collect(),
        reason_labels: Reason::ALL
            .iter()
            .map(|r| {
                (
                    r.as_str().to_owned(),
                    reason_label(&tr, country, r.as_str()),
                )
            })
            .collect(),
        register,
        saved: q.saved,
        future: day > me.today(),
    })
}

async fn register_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let class = class_for_register(&state, me, &id).await?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let day = register_day(me, get("date"), true)?;
    let session = get("session").unwrap_or_default().to_owned();
    let mut absent = Vec::new();
    for (k, v) in &fields {
        if k == "absent" {
            absent.push(
                v.parse::<i64>()
                    .map_err(|_| WebError::BadRequest("absent: not a pupil id".into()))?,
            );
        }
    }
    let told = record(&state, me, &class, day, &session, &absent).await?;
    Ok(Redirect::to(&format!(
        "/classes/{}/register?date={day}&saved={}",
        class.id.0,
        told.len()
    ))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Overview of worrying absence

struct FlagRow {
    pupil_id: i64,
    name: String,
    percent: f64,
    flags: Vec<String>,
}

#[derive(Template)]
#[template(path = "absence/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    tr: Tr,
    period: String,
    school_days: i64,
    thresholds: Thresholds,
    rows: Vec<FlagRow>,
    category: String,
}

/// The pupils whose absence this quarter raises a flag: the whole school for leaders, their
/// classes for staff. One grouped query for the school, whatever its size.
async fn overview_page(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let school = Resource::School {
        school_id: me.actor.school_id,
    };
    if !may(&me.actor, Action::ViewAbsenceOverview, &school) {
        return Err(WebError::NotFound);
    }
    let leader = may(
        &me.actor,
        Action::ManageSchool,
        &Resource::School {
            school_id: me.actor.school_id,
        },
    );
    let t = school_thresholds(&state, me).await?;
    let (period, from, to) = periods(me.today()).remove(0);
    let holidays = state.store.holidays(me.actor.school_id, from, to).await?;
    let school_days = calendar::school_days(from, to, &holidays).len() as i64;
    let totals: AbsenceTotals = state
        .store
        .absence_totals(me.actor.school_id, None, from, to)
        .await?;
    let mut mine: Option<Vec<PersonId>> = None;
    if !leader {
        let mut ids = Vec::new();
        for link in &me.actor.teaches {
            ids.extend(
                state
                    .store
                    .pupils_of_class(me.actor.school_id, link.class_id)
                    .await?
                    .into_iter()
                    .map(|p| p.id),
            );
        }
        mine = Some(ids);
    }
    let mut flagged: Vec<(PersonId, f64, Vec<Flag>)> = totals
        .iter()
        .filter(|(p, _)| mine.as_ref().is_none_or(|m| m.contains(p)))
        .filter_map(|(p, list)| {
            let a = period_absence(list, school_days);
            let flags = a.flags(t);
            (!flags.is_empty()).then(|| (*p, a.percent(Category::Unlawful), flags))
        })
        .collect();
    flagged.sort_by(|a, b| b.1.total_cmp(&a.1));
    let ids: Vec<PersonId> = flagged.iter().map(|f| f.0).collect();
    let names: HashMap<PersonId, String> = state
        .store
        .names(me.actor.school_id, &ids)
        .await?
        .into_iter()
        .map(|n| (n.id, n.full()))
        .collect();
    let country = me.school.country;
    html(&OverviewPage {
        chrome: viewer.chrome(),
        tr,
        period,
        school_days,
        thresholds: t,
        rows: flagged
            .into_iter()
            .map(|(p, percent, flags)| FlagRow {
                pupil_id: p.0,
                name: names.get(&p).cloned().unwrap_or_default(),
                percent,
                flags: flags
                    .iter()
                    .map(|f| {
                        tr.t(match f {
                            Flag::WarnParents => "absence-flag-warn",
                            Flag::NotifyMunicipality => "absence-flag-notify",
                        })
                    })
                    .collect(),
            })
            .collect(),
        category: tr.t(&format!("absence-category-unlawful-{}", country.as_str())),
    })
}

// ---------------------------------------------------------------------------------------------
// School calendar and level

#[derive(Template)]
#[template(path = "absence/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    tr: Tr,
    holidays: Vec<(String, String)>,
    warn_percent: String,
    school_set: bool,
    law_percent: u8,
    error: Option<String>,
    /// NO: the school may register per lesson; the number of lessons, empty for once a day.
    lessons_school_set: bool,
    lessons: String,
    max_lessons: u8,
    /// The school's own codes: (code, label, category label).
    codes: Vec<(String, String, String)>,
    categories: Vec<(String, String)>,
}

/// A category's name in the school's country's terms (NO: valid / invalid absence).
fn category_label(tr: &Tr, country: skolebro_domain::Country, c: Category) -> String {
    tr.t(&format!(
        "absence-category-{}-{}",
        c.as_str(),
        country.as_str()
    ))
}

/// A register session's name for the page: the law's moments by name, lessons by number.
fn session_label(tr: &Tr, session: &str) -> String {
    match session.strip_prefix("lesson_") {
        Some(n) => tr.t1("absence-session-lesson", "number", n),
        None => tr.t(&format!("absence-session-{session}")),
    }
}

fn require_manager(me: &SignedIn) -> Result<(), WebError> {
    if may(
        &me.actor,
        Action::ManageSchool,
        &Resource::School {
            school_id: me.actor.school_id,
        },
    ) {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

async fn render_settings(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    error: Option<String>,
) -> Result<Response, WebError> {
    let p = profile(me.school.country);
    let own = state.store.absence_warn_percent(me.actor.school_id).await?;
    let failed = error.is_some();
    let mut response = html(&SettingsPage {
        chrome: viewer.chrome(),
        tr: viewer.tr,
        holidays: state
            .store
            .holiday_list(me.actor.school_id)
            .await?
            .into_iter()
            .map(|(d, n)| (d.to_string(), n))
            .collect(),
        warn_percent: own.map(|p| p.to_string()).unwrap_or_default(),
        school_set: p.absence_threshold_school_set,
        law_percent: p.absence_warn_percent,
        error,
        lessons_school_set: me.school.country == skolebro_domain::Country::No,
        lessons: state
            .store
            .register_lessons(me.actor.school_id)
            .await?
            .map(|n| n.to_string())
            .unwrap_or_default(),
        max_lessons: rules::MAX_REGISTER_LESSONS,
        codes: state
            .store
            .absence_codes(me.actor.school_id)
            .await?
            .into_iter()
            .map(|c| {
                let category = category_label(&viewer.tr, me.school.country, c.category);
                (c.code, c.label, category)
            })
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().to_owned(),
                    category_label(&viewer.tr, me.school.country, *c),
                )
            })
            .collect(),
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn settings_page(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    require_manager(me)?;
    render_settings(&state, &viewer, me, None).await
}

#[derive(Deserialize)]
struct SettingsForm {
    /// `add_holiday`, `remove_holiday` or `level`.
    action: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    warn_percent: String,
    #[serde(default)]
    register_lessons: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    category: String,
}

async fn settings_form(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    require_manager(me)?;
    let tr = viewer.tr;
    let school = me.actor.school_id;
    match form.action.as_str() {
        "add_holiday" | "remove_holiday" => {
            let Ok(day) = form.day.trim().parse::<Date>() else {
                return render_settings(&state, &viewer, me, Some(tr.t("absence-error-date")))
                    .await;
            };
            if form.action == "remove_holiday" {
                state.store.remove_holiday(school, day).await?;
            } else {
                let name = match skolebro_domain::text::single_line(&form.name, 100) {
                    Ok(n) => n,
                    Err(_) => {
                        return render_settings(
                            &state,
                            &viewer,
                            me,
                            Some(tr.t("absence-error-holiday-name")),
                        )
                        .await
                    }
                };
                state.store.add_holiday(school, day, &name).await?;
            }
        }
        "level" => {
            let value = form.warn_percent.trim();
            let percent = if value.is_empty() {
                None
            } else {
                match value.parse::<u8>() {
                    Ok(p) if (1..=100).contains(&p) => Some(p),
                    _ => {
                        return render_settings(
                            &state,
                            &viewer,
                            me,
                            Some(tr.t("absence-error-level")),
                        )
                        .await
                    }
                }
            };
            state
                .store
                .set_absence_warn_percent(school, percent)
                .await?;
        }
        "lessons" if me.school.country == skolebro_domain::Country::No => {
            let value = form.register_lessons.trim();
            let lessons = if value.is_empty() {
                None
            } else {
                match value.parse::<u8>() {
                    Ok(n) if (1..=rules::MAX_REGISTER_LESSONS).contains(&n) => Some(n),
                    _ => {
                        return render_settings(
                            &state,
                            &viewer,
                            me,
                            Some(tr.t1(
                                "absence-error-lessons",
                                "max",
                                rules::MAX_REGISTER_LESSONS,
                            )),
                        )
                        .await
                    }
                }
            };
            state.store.set_register_lessons(school, lessons).await?;
        }
        "add_code" => {
            let code = match school_code(&tr, &form.code, &form.label, &form.category) {
                Ok(c) => c,
                Err(e) => return render_settings(&state, &viewer, me, Some(e)).await,
            };
            match state.store.add_absence_code(school, &code).await {
                Ok(()) => {}
                Err(skolebro_store::StoreError::Conflict(m)) => {
                    return render_settings(&state, &viewer, me, Some(m)).await
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => return Err(WebError::BadRequest("action: unknown".into())),
    }
    Ok(Redirect::to("/settings/absence").into_response())
}

// ---------------------------------------------------------------------------------------------
// API

#[derive(Serialize, ToSchema)]
pub struct ReportCreated {
    pub id: i64,
}

/// Report absence for a pupil: guardians with custody (today until the day closes, or later),
/// the pupil's staff and leaders (any day of the school year).
#[utoipa::path(post, path = "/api/v1/pupils/{id}/absences", tag = "absence", request_body = ReportRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Pupil id")),
    responses((status = 201, body = ReportCreated), (status = 404), (status = 409, description = "A day already reported"),
        (status = 422, description = "Dates, reason or part not accepted, with the reason"),
        (status = 429, description = "Too many reports made by this account in a minute; see Retry-After", content_type = "application/problem+json")))]
pub async fn api_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<ReportRequest>,
) -> Result<(StatusCode, Json<ReportCreated>), WebError> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::ReportAbsence).await?;
    crate::api::day_or_left_out("to", req.to.as_deref())?;
    // The API answers in English field terms; pages in the reader's language.
    let id = make_report(&state, me, &viewer.tr, &pupil, &req)
        .await?
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(ReportCreated { id })))
}

#[derive(Serialize, ToSchema)]
pub struct ReportJson {
    pub id: i64,
    pub from: String,
    pub to: String,
    pub part: Option<String>,
    pub reason: String,
    /// For leave: `requested`, `granted` or `refused`.
    pub leave_state: Option<String>,
    pub note: Option<String>,
    pub reported_by: String,
    /// RFC 3339.
    pub created_at: String,
    /// The school's own code the report was given with; `reason` is its category's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Reports on one page of the API's list.
const REPORTS_PAGE: usize = 200;

/// A pupil's absence reports, latest first day first, 200 a page: the next page's address is
/// in the `Link` header.
#[utoipa::path(get, path = "/api/v1/pupils/{id}/absences", tag = "absence", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Pupil id"), crate::paging::CursorQuery),
    responses((status = 200, body = Vec<ReportJson>, headers(("link" = String, description = "The next page, when there is one: `</api/v1/pupils/{id}/absences?cursor=…>; rel=\"next\"`"))),
        (status = 400, description = "A cursor this list did not write", content_type = "application/problem+json"),
        (status = 404, description = "No such pupil, or not yours to see", content_type = "application/problem+json")))]
pub async fn api_reports(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<crate::paging::CursorQuery>,
) -> Result<(axum::http::HeaderMap, Json<Vec<ReportJson>>), WebError> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::ViewAbsence).await?;
    // Any cursor of the list's form is a position in it (its key a first day as YYYYMMDD);
    // one that names no real day still sorts somewhere, and reads the page after it.
    let before = crate::paging::read_cursor(query.cursor.as_deref())?
        .unwrap_or(skolebro_domain::paging::Cursor::START);
    let mut reports = state
        .store
        .absence_reports(
            me.actor.school_id,
            pupil.person.id,
            before,
            REPORTS_PAGE as i64 + 1,
        )
        .await?;
    let more = reports.len() > REPORTS_PAGE;
    reports.truncate(REPORTS_PAGE);
    let headers = match reports.last() {
        Some(last) if more => crate::paging::next_link(
            &format!("/api/v1/pupils/{}/absences", pupil.person.id.0),
            skolebro_store::absence::report_cursor(last),
        ),
        _ => axum::http::HeaderMap::new(),
    };
    audit(&state, me, "read", pupil.person.id, "reports").await?;
    Ok((
        headers,
        Json(
            reports
                .into_iter()
                .map(|r| ReportJson {
                    id: r.id,
                    from: r.from.to_string(),
                    to: r.to.to_string(),
                    part: r.part.map(|p| p.as_str().to_owned()),
                    reason: r.reason.as_str().to_owned(),
                    leave_state: r.leave_state.map(|l| l.as_str().to_owned()),
                    note: r.note,
                    reported_by: r.reported_by.full(),
                    created_at: Timestamp::from_second(r.created_at)
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    code: r.code,
                })
                .collect(),
        ),
    ))
}

/// A school's own absence code (ABS-1).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AbsenceCodeJson {
    /// 2 to 30 of `a-z`, `0-9`, `_`; never a built-in reason. Staff give it as `reason`.
    #[schema(pattern = r"^[a-z0-9_]{2,30}$")]
    pub code: String,
    /// What the school calls it, up to 60 characters.
    #[schema(min_length = 1, pattern = r"\S", max_length = 60)]
    pub label: String,
    /// `illness`, `leave` or `unlawful`: what rates count it in. Fixed once given.
    #[schema(pattern = r"^(illness|leave|unlawful)$")]
    pub category: String,
}

/// The school's own absence codes: for its staff.
#[utoipa::path(get, path = "/api/v1/absence-codes", tag = "absence", security(("bearer" = [])),
    responses((status = 200, body = Vec<AbsenceCodeJson>), (status = 404)))]
pub async fn api_codes(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<AbsenceCodeJson>>, WebError> {
    let me = viewer.require()?;
    let school = Resource::School {
        school_id: me.actor.school_id,
    };
    if !may(&me.actor, Action::UseAbsenceCodes, &school) {
        return Err(WebError::NotFound);
    }
    Ok(Json(
        state
            .store
            .absence_codes(me.actor.school_id)
            .await?
            .into_iter()
            .map(|c| AbsenceCodeJson {
                code: c.code,
                label: c.label,
                category: c.category.as_str().to_owned(),
            })
            .collect(),
    ))
}

/// Add (or rename) one of the school's own absence codes: leaders.
#[utoipa::path(post, path = "/api/v1/absence-codes", tag = "absence", security(("bearer" = [])),
    request_body = AbsenceCodeJson,
    responses((status = 204), (status = 404), (status = 409, description = "The code counts in another category"),
        (status = 422)))]
pub async fn api_add_code(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(req): Json<AbsenceCodeJson>,
) -> Result<StatusCode, WebError> {
    let me = viewer.require()?;
    require_manager(me)?;
    let code = school_code(&viewer.tr, &req.code, &req.label, &req.category)
        .map_err(WebError::Unprocessable)?;
    match state
        .store
        .add_absence_code(me.actor.school_id, &code)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(skolebro_store::StoreError::Conflict(m)) => Err(WebError::Conflict(m)),
        Err(e) => Err(e.into()),
    }
}

/// A school code from its three fields, or the field-named reason it is refused.
fn school_code(tr: &Tr, code: &str, label: &str, category: &str) -> Result<SchoolCode, String> {
    let code = rules::check_school_code(code).map_err(|p| {
        format!(
            "code: {}",
            tr.t(&format!("absence-error-code-{}", code_problem(p)))
        )
    })?;
    let label = skolebro_domain::text::single_line(label, 60).map_err(|p| format!("label: {p}"))?;
    let category = category
        .trim()
        .parse::<Category>()
        .map_err(|_| format!("category: {}", tr.t("absence-error-category")))?;
    Ok(SchoolCode {
        code,
        label,
        category,
    })
}

fn code_problem(p: rules::CodeProblem) -> &'static str {
    match p {
        rules::CodeProblem::Shape => "shape",
        rules::CodeProblem::Reserved => "reserved",
    }
}

/// Withdraw a report: guardians on the day it was made, staff at any time.
#[utoipa::path(delete, path = "/api/v1/pupils/{id}/absences/{aid}", tag = "absence", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Pupil id"), ("aid" = i64, Path, description = "Report id")),
    responses((status = 204), (status = 404), (status = 409, description = "The day it could be withdrawn has passed")))]
pub async fn api_withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, aid)): Path<(String, String)>,
) -> Result<StatusCode, WebError> {
    let me = viewer.require()?;
    withdraw(&state, me, &viewer.tr, &id, &aid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Absence rates this quarter and this school year, by category, with the threshold flags.
#[utoipa::path(get, path = "/api/v1/pupils/{id}/absence-rates", tag = "absence", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Pupil id")), responses((status = 200, body = RatesJson),
        (status = 404, description = "No such pupil, or not yours to see", content_type = "application/problem+json")))]
pub async fn api_rates(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<RatesJson>, WebError> {
    let me = viewer.require()?;
    let pupil = pupil_for(&state, me, &id, Action::ViewAbsence).await?;
    audit(&state, me, "read", pupil.person.id, "rates").await?;
    Ok(Json(rates_of(&state, me, pupil.person.id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RegisterParams {
    /// `YYYY-MM-DD`; today when absent or empty.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub date: Option<String>,
}

/// A class's register for a day, with reported absence filled in.
#[utoipa::path(get, path = "/api/v1/classes/{id}/register", tag = "absence", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Class id"), RegisterParams), responses((status = 200, body = RegisterJson),
        (status = 404, description = "No such class, or not yours to see", content_type = "application/problem+json"),
        (status = 422, description = "A date that cannot be read", content_type = "application/problem+json")))]
pub async fn api_register(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<RegisterParams>,
) -> Result<Json<RegisterJson>, WebError> {
    let me = viewer.require()?;
    let class = class_for_register(&state, me, &id).await?;
    let day = register_day(me, q.date.as_deref(), false)?;
    Ok(Json(register_of(&state, me, &class, day).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// `YYYY-MM-DD`; today when absent.
    #[schema(format = Date)]
    pub date: Option<String>,
    /// One of the class's sessions.
    #[schema(pattern = r"^(morning|last_lesson|day|lesson_[1-9][0-9]?)$")]
    pub session: String,
    /// The pupils not present; everyone else is marked present.
    pub absent: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RegisterRecorded {
    /// Pupils absent without a report, whose guardians were told.
    pub unreported: Vec<i64>,
}

/// Mark one session of a class's register.
#[utoipa::path(post, path = "/api/v1/classes/{id}/register", tag = "absence", request_body = RegisterRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, body = RegisterRecorded),
        (status = 404, description = "No such class, or not yours to see", content_type = "application/problem+json"),
        (status = 422, description = "A date or mark that cannot be recorded", content_type = "application/problem+json")))]
pub async fn api_record_register(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<RegisterRequest>,
) -> Result<Json<RegisterRecorded>, WebError> {
    let me = viewer.require()?;
    let class = class_for_register(&state, me, &id).await?;
    crate::api::day_or_left_out("date", req.date.as_deref())?;
    let day = register_day(me, req.date.as_deref(), true)?;
    let unreported = record(&state, me, &class, day, &req.session, &req.absent).await?;
    Ok(Json(RegisterRecorded { unreported }))
}
