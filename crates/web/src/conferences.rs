//! Conference pages and API (CON-1..7, PEO-4): staff plan rounds of slots per class, families
//! book, move and cancel until the deadline, both sides prepare, staff write notes whose
//! summary is shared apart from the internal note, agreements are followed up, and the class's
//! coverage against the country's yearly minimum is shown. The rules live in
//! `skolebro_domain::conferences` and `access`; this module wires them up.

use crate::moments::{instant, local_date, local_text, local_time, rfc3339};
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use skolebro_domain::calendar;
use skolebro_domain::conferences::{
    self as rules, AgreementOwner, AgreementProblem, BookingProblem, Coverage, DayWindow, Form,
    Participation, PlanProblem, SlotPlan, TalkType,
};
use skolebro_domain::notify::NotifyKind;
use skolebro_domain::people::InterpreterNeed;
use skolebro_domain::profile::profile;
use skolebro_domain::{may, Access, Action, ClassId, PersonId, Resource, Role};
use skolebro_store::conferences::{
    Agreement, Booked, Booking, Needs, NewBooking, NewRound, NewSlot, Notes, Preparation, Round,
    SlotRow,
};
use skolebro_store::notify::Notification;
use skolebro_store::people::{ClassSummary, Guardian, PersonName};
use skolebro_store::StoreError;
use utoipa::ToSchema;

use crate::error::Refusal;
use crate::i18n::Tr;
use crate::viewer::{form_field, html, parse_id, Chrome, CsrfForm, Rendered, SignedIn, Viewer};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conferences", get(overview_page))
        .route("/agreements", get(agreements_page))
        .route(
            "/classes/{id}/conferences",
            get(class_page).post(create_round_form),
        )
        .route("/conferences/rounds/{round}", get(round_page))
        .route("/conferences/rounds/{round}/bookings", post(book_form))
        .route("/conferences/rounds/{round}/slots", post(offer_form))
        .route("/conferences/bookings/{booking}", get(booking_page))
        .route("/conferences/bookings/{booking}/cancel", post(cancel_form))
        .route(
            "/conferences/bookings/{booking}/preparation",
            post(preparation_form),
        )
        .route("/conferences/bookings/{booking}/notes", post(notes_form))
        .route(
            "/conferences/bookings/{booking}/need-based",
            post(need_based_form),
        )
        .route(
            "/conferences/bookings/{booking}/acknowledge",
            post(acknowledge_form),
        )
        .route("/conferences/agreements/{agreement}/done", post(done_form))
        .route(
            "/api/v1/classes/{id}/conference-rounds",
            get(api_rounds).post(api_create_round),
        )
        .route("/api/v1/conference-rounds/{round}", get(api_round))
        .route(
            "/api/v1/conference-rounds/{round}/bookings",
            post(api_book_in_round),
        )
        .route(
            "/api/v1/conference-rounds/{round}/slots",
            post(api_offer_slot),
        )
        .route("/api/v1/pupils/{id}/conference-slots", get(api_pupil_slots))
        .route(
            "/api/v1/conference-slots/{slot}/booking",
            post(api_book_slot).delete(api_cancel_slot),
        )
        .route(
            "/api/v1/bookings/{booking}",
            get(api_booking).delete(api_cancel),
        )
        .route(
            "/api/v1/bookings/{booking}/preparation",
            post(api_preparation),
        )
        .route(
            "/api/v1/bookings/{booking}/notes",
            axum::routing::put(api_notes),
        )
        .route(
            "/api/v1/bookings/{booking}/acknowledge",
            post(api_acknowledge),
        )
        .route(
            "/api/v1/bookings/{booking}/need-based-conference",
            post(api_need_based),
        )
        .route(
            "/api/v1/classes/{id}/conference-coverage",
            get(api_coverage),
        )
        .route("/api/v1/classes/{id}/agreements", get(api_class_agreements))
        .route("/api/v1/agreements", get(api_my_agreements))
        .route("/api/v1/agreements/{agreement}/done", post(api_done))
}

// ---------------------------------------------------------------------------------------------
// Errors

type Res<T> = Result<T, WebError>;

/// 403 for someone who may see the conference but not do this to it (a guardian writing notes,
/// the information-only household booking, staff acknowledging for the family).
fn refused(viewer: &Viewer, key: &str) -> WebError {
    WebError::Refused(viewer.tr.t(key))
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn class_resource(me: &SignedIn, class_id: ClassId) -> Resource<'static> {
    Resource::Class {
        school_id: me.actor.school_id,
        class_id,
    }
}

/// A round as access sees it: the class's, or one pupil's need-based round (CON-8).
fn round_resource(me: &SignedIn, round: &Round) -> Resource<'static> {
    Resource::ConferenceRound {
        school_id: me.actor.school_id,
        class_id: round.class_id,
        pupil_id: round.pupil_id,
    }
}

/// Whether a round is one a family books for `pupil`: the class's rounds, and the pupil's own
/// need-based rounds, never another child's.
fn round_is_for(round: &Round, pupil: PersonId) -> bool {
    round.pupil_id.is_none_or(|p| p == pupil)
}

/// `household` is the booking's (0: the whole family, booked together).
fn conference_resource(
    me: &SignedIn,
    pupil_id: PersonId,
    class_id: ClassId,
    taking_part: bool,
    household: i64,
) -> Resource<'static> {
    Resource::Conference {
        school_id: me.actor.school_id,
        pupil_id,
        class_id,
        taking_part,
        household: (household > 0).then_some(household),
    }
}

/// The guardians told about a pupil's conference: custody or information, of the booking's
/// household (0: every household).
fn family_of(guardians: &[Guardian], household: i64) -> impl Iterator<Item = PersonId> + '_ {
    guardians
        .iter()
        .filter(move |g| g.access != Access::None && (household == 0 || g.household == household))
        .map(|g| g.person.id)
}

/// Texts for notices in the school's language: a notice is written once for people who may
/// read different languages, and the worker frames it in each reader's.
fn school_tr(me: &SignedIn) -> Tr {
    Tr::new(me.school.locale)
}

/// Conference notices (MSG-8) to `people` but the one acting: the round's title and what
/// happened, never notes.
fn conference_notices(
    me: &SignedIn,
    mut people: Vec<PersonId>,
    title: &str,
    body: String,
    link: String,
) -> Vec<Notification> {
    people.sort_by_key(|p| p.0);
    people.dedup();
    people
        .into_iter()
        .filter(|p| *p != me.actor.person_id)
        .map(|person_id| Notification {
            school_id: me.actor.school_id,
            person_id,
            kind: NotifyKind::Conference,
            subject: title.to_owned(),
            body: body.clone(),
            link: link.clone(),
            sensitive: false,
            emergency: false,
        })
        .collect()
}

/// Whether the viewer sees a slot: a round's own slots whoever sees the round; a time offered
/// to one family only those who may see that pupil's conference (the family, the staff).
fn sees_slot(me: &SignedIn, slot: &SlotRow, class_id: ClassId, taking_part: bool) -> bool {
    slot.offered_to.is_none_or(|pupil| {
        may(
            &me.actor,
            Action::ViewConference,
            &conference_resource(me, pupil, class_id, taking_part, 0),
        )
    })
}

/// The household a booking in `round` is for: 0 when the family books together; in a round
/// booked apart a guardian's own household, or the one staff chose (1 or 2).
fn booking_household(
    me: &SignedIn,
    round: &Round,
    pupil: PersonId,
    staff: bool,
    asked: Option<i64>,
) -> Result<i64, Refusal> {
    if !round.households_apart {
        return Ok(0);
    }
    if !staff {
        if let Some(h) = me.actor.household_of(pupil) {
            return Ok(h);
        }
    }
    match asked.unwrap_or(1) {
        h @ 1..=2 => Ok(h),
        _ => Err(unprocessable("household: 1 or 2".into())),
    }
}

/// A class the viewer may do `action` for, or 404.
async fn class_for(
    state: &AppState,
    me: &SignedIn,
    raw: &str,
    action: Action,
) -> Res<ClassSummary> {
    let class_id = ClassId(parse_id(raw)?);
    if !may(&me.actor, action, &class_resource(me, class_id)) {
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

/// A round the viewer may see, or 404.
async fn round_for(state: &AppState, me: &SignedIn, raw: &str) -> Res<Round> {
    let round = state
        .store
        .round(me.actor.school_id, parse_id(raw)?)
        .await?
        .ok_or(WebError::NotFound)?;
    if !may(
        &me.actor,
        Action::ViewConferenceRound,
        &round_resource(me, &round),
    ) {
        return Err(WebError::NotFound);
    }
    Ok(round)
}

/// A conference with the viewer's standing in it.
struct Conf {
    booking: Booking,
    taking_part: bool,
}

impl Conf {
    fn may(&self, me: &SignedIn, action: Action) -> bool {
        may(
            &me.actor,
            action,
            &conference_resource(
                me,
                self.booking.pupil.id,
                self.booking.class_id,
                self.taking_part,
                self.booking.household,
            ),
        )
    }
}

/// A conference the viewer may do `action` to: 404 when they may not see it, 403 when they
/// may see it but not do this.
async fn conf_for(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    booking: Option<Booking>,
    action: Action,
) -> Res<Conf> {
    let booking = booking.ok_or(WebError::NotFound)?;
    let taking_part = state
        .store
        .takes_part(booking.round_id, me.actor.person_id)
        .await?;
    let conf = Conf {
        booking,
        taking_part,
    };
    if !conf.may(me, Action::ViewConference) {
        return Err(WebError::NotFound);
    }
    if !conf.may(me, action) {
        return Err(refused(viewer, refusal_key(action)));
    }
    Ok(conf)
}

fn refusal_key(action: Action) -> &'static str {
    match action {
        Action::ConductConference => "conferences-refused-notes",
        Action::AcknowledgeSummary => "conferences-refused-acknowledge",
        _ => "conferences-refused-book",
    }
}

async fn booking_by_id(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
    action: Action,
) -> Res<Conf> {
    let booking = state
        .store
        .booking(me.actor.school_id, parse_id(raw)?)
        .await?;
    conf_for(state, viewer, me, booking, action).await
}

fn plan_problem_text(tr: &Tr, p: PlanProblem) -> String {
    let date = |d: Date| d.strftime("%d.%m.%Y").to_string();
    match p {
        PlanProblem::SlotTooShort => tr.t("conferences-error-slot-short"),
        PlanProblem::SlotTooLong => tr.t("conferences-error-slot-long"),
        PlanProblem::BreakOutOfRange => tr.t("conferences-error-break"),
        PlanProblem::NoDays => tr.t("conferences-error-no-days"),
        PlanProblem::TooManyDays => tr.t("conferences-error-many-days"),
        PlanProblem::DuplicateDay(d) => tr.t1("conferences-error-duplicate-day", "date", date(d)),
        PlanProblem::EmptyWindow(d) => tr.t1("conferences-error-window", "date", date(d)),
        PlanProblem::NoSlotFits(d) => tr.t1("conferences-error-no-slot", "date", date(d)),
        PlanProblem::TooManySlots => tr.t("conferences-error-many-slots"),
        PlanProblem::DayPassed(d) => tr.t1("conferences-error-day-passed", "date", date(d)),
        PlanProblem::DayTooFar(d) => tr.t1("conferences-error-day-far", "date", date(d)),
        PlanProblem::DeadlineAfterStart => tr.t("conferences-error-deadline-late"),
        PlanProblem::DeadlinePassed => tr.t("conferences-error-deadline-passed"),
    }
}

fn booking_problem_text(tr: &Tr, p: BookingProblem) -> String {
    tr.t(match p {
        BookingProblem::DeadlinePassed => "conferences-error-deadline",
        BookingProblem::SlotPassed => "conferences-error-slot-passed",
    })
}

fn unprocessable(text: String) -> Refusal {
    Refusal::unprocessable(text)
}

fn conflict(text: String) -> Refusal {
    Refusal::conflict(text)
}

fn text_field(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, Refusal> {
    match value {
        None => Ok(None),
        Some(v) => skolebro_domain::text::multi_line(v, max)
            .map_err(|p| unprocessable(format!("{field}: {p}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Creating a round (CON-1)

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Default)]
pub struct DayRequest {
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub date: String,
    /// `HH:MM`, local time.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: String,
    /// `HH:MM`, local time; no slot ends after it.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub end: String,
}

/// A new conference round.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct RoundRequest {
    /// Shown to families; a default names the class.
    #[serde(default)]
    pub title: Option<String>,
    /// `school`, `phone`, `online` or `home_visit`.
    #[schema(pattern = r"^(school|phone|online|home_visit)$")]
    pub form: String,
    #[schema(min_items = 1)]
    pub days: Vec<DayRequest>,
    /// 5 to 240.
    #[schema(minimum = 5, maximum = 240)]
    pub slot_minutes: i64,
    /// 0 to 120.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 120)]
    pub break_minutes: i64,
    /// `YYYY-MM-DDTHH:MM` local (or a date: the end of that day). Default: 12:00 the day
    /// before the first day, or the first slot when that has passed.
    #[serde(default)]
    pub booking_deadline: Option<String>,
    /// Whether pupils below the age of the right to take part come (the school decides).
    /// Default: yes.
    #[serde(default)]
    pub with_pupil: Option<bool>,
    /// The staff taking part (person ids); default: the one creating the round.
    #[serde(default)]
    pub staff: Option<Vec<i64>>,
    /// Each household of a pupil with two homes books its own conference (CON-1). Default:
    /// no, the family books one conference together.
    #[serde(default)]
    pub households_apart: Option<bool>,
}

/// The pupil and routine conference a need-based round (CON-8) is made for.
#[derive(Clone, Copy)]
struct NeedBased {
    pupil: PersonId,
    from_booking: i64,
}

async fn create_round(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    class: &ClassSummary,
    req: &RoundRequest,
    need_based: Option<NeedBased>,
) -> Res<Result<(i64, usize), Refusal>> {
    let tz = me.time_zone();
    let Ok(form) = req.form.trim().parse::<Form>() else {
        return Ok(Err(unprocessable(format!(
            "form: {}",
            tr.t("conferences-error-form")
        ))));
    };
    let title = match req
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => tr.t1("conferences-default-title", "class", &class.name),
        Some(t) => match skolebro_domain::text::single_line(t, rules::MAX_TITLE_CHARS) {
            Ok(t) => t,
            Err(p) => return Ok(Err(unprocessable(format!("title: {p}")))),
        },
    };
    let mut days = Vec::new();
    for (i, d) in req.days.iter().enumerate() {
        let n = i + 1;
        let Ok(date) = d.date.trim().parse::<Date>() else {
            return Ok(Err(unprocessable(format!(
                "days[{n}].date: {}",
                tr.t("conferences-error-date")
            ))));
        };
        let (Some(start), Some(end)) = (rules::parse_time(&d.start), rules::parse_time(&d.end))
        else {
            return Ok(Err(unprocessable(format!(
                "days[{n}]: {}",
                tr.t("conferences-error-time")
            ))));
        };
        days.push(DayWindow { date, start, end });
    }
    let plan = SlotPlan {
        days,
        slot_minutes: req.slot_minutes,
        break_minutes: req.break_minutes,
    };
    let slots = match rules::generate_slots(&plan, &tz) {
        Ok(s) => s,
        Err(p) => return Ok(Err(unprocessable(plan_problem_text(tr, p)))),
    };
    let now = Timestamp::now();
    let deadline = match req
        .booking_deadline
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => match rules::parse_local_moment(d, &tz) {
            Some(t) => t,
            None => {
                return Ok(Err(unprocessable(format!(
                    "booking_deadline: {}",
                    tr.t("conferences-error-moment")
                ))))
            }
        },
        None => {
            let first = slots[0];
            rules::default_deadline(local_date(first.starts.as_second(), &tz), &tz)
                .filter(|d| *d > now)
                .unwrap_or(first.starts)
        }
    };
    if let Err(p) = rules::check_dates(&plan, &slots, deadline, me.today(), now) {
        return Ok(Err(unprocessable(plan_problem_text(tr, p))));
    }
    let staff: Vec<PersonId> = match &req.staff {
        Some(ids) if !ids.is_empty() => ids.iter().map(|i| PersonId(*i)).collect(),
        _ => vec![me.actor.person_id],
    };
    for person in &staff {
        let is_staff = state
            .store
            .actor(*person, me.actor.school_id)
            .await?
            .has(Role::Staff);
        if !is_staff {
            return Ok(Err(unprocessable(format!(
                "staff: {} {}",
                person.0,
                tr.t("conferences-error-not-staff")
            ))));
        }
    }
    // The families are told of a new round; of a need-based one, only its pupil's.
    let told: Vec<PersonId> = match need_based {
        Some(n) => state
            .store
            .pupil_detail(me.actor.school_id, n.pupil)
            .await?
            .map(|p| family_of(&p.guardians, 0).collect())
            .unwrap_or_default(),
        None => state
            .store
            .class_guardians(me.actor.school_id, class.id)
            .await?
            .into_iter()
            .map(|g| g.person.id)
            .collect(),
    };
    let deadline_text = local_text(deadline.as_second(), &me.time_zone());
    let notices = conference_notices(
        me,
        told,
        &title,
        school_tr(me).t1("conferences-notice-round", "deadline", deadline_text),
        "/conferences".into(),
    );
    let stored = state
        .store
        .create_round(&NewRound {
            school_id: me.actor.school_id,
            class_id: class.id,
            title: &title,
            form,
            slot_minutes: plan.slot_minutes,
            break_minutes: plan.break_minutes,
            with_pupil: req.with_pupil.unwrap_or(true),
            booking_deadline: deadline.as_second(),
            created_by: me.actor.person_id,
            staff: &staff,
            slots: &slots,
            pupil_id: need_based.map(|n| n.pupil),
            from_booking_id: need_based.map(|n| n.from_booking),
            // A need-based conference is one family's, arranged with it.
            households_apart: need_based.is_none() && req.households_apart.unwrap_or(false),
            notices: &notices,
        })
        .await;
    match stored {
        Ok(id) => Ok(Ok((id, slots.len()))),
        Err(StoreError::Conflict(_)) => {
            // Name the person and time in the reader's terms.
            Ok(Err(conflict(tr.t("conferences-error-overlap"))))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Booking (CON-1, CON-3, CON-4, PEO-4)

/// What the family needs at the conference.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct NeedsRequest {
    /// An interpreter. Absent: as agreed with the family in advance (PEO-4).
    #[serde(default)]
    pub interpreter: Option<bool>,
    /// The interpreter's language; default the guardian's recorded need.
    #[serde(default)]
    pub interpreter_language: Option<String>,
    #[serde(default)]
    pub interpreter_dialect: Option<String>,
    #[serde(default)]
    pub interpreter_gender: Option<String>,
    /// The family asks to talk without the child. With the right to take part (NO, from
    /// 12) this decides; otherwise the school does, and staff see the wish.
    #[serde(default)]
    pub without_child: Option<bool>,
    /// The family asks to meet online.
    #[serde(default)]
    pub online: Option<bool>,
    /// The family brings its own interpreter (a relative or acquaintance) instead of one the
    /// school books: the interpreter's age. Children never interpret: under 18 is refused.
    #[serde(default)]
    #[schema(minimum = 18)]
    pub own_interpreter_age: Option<u8>,
}

/// A booking by a family or by staff for a family.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BookRequest {
    /// The slot (for `POST /api/v1/conference-rounds/{round}/bookings`).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub slot_id: Option<i64>,
    /// The pupil the conference is about.
    #[serde(alias = "pupil")]
    #[schema(minimum = 1)]
    pub pupil_id: i64,
    #[serde(default)]
    pub needs: Option<NeedsRequest>,
    /// In a round booked apart: the household staff book for (1 or 2; default 1). A
    /// guardian always books for their own household.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 2)]
    pub household: Option<i64>,
}

/// The interpreter need recorded for a pupil's family, the booking person's own first.
fn family_interpreter(
    guardians: &[skolebro_store::people::Guardian],
    me: PersonId,
) -> Option<InterpreterNeed> {
    guardians
        .iter()
        .find(|g| g.person.id == me && g.interpreter.is_some())
        .or_else(|| {
            guardians
                .iter()
                .find(|g| g.access != Access::None && g.interpreter.is_some())
        })
        .and_then(|g| g.interpreter.clone())
}

fn one_line(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>, Refusal> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => skolebro_domain::text::single_line(s, max)
            .map(Some)
            .map_err(|p| unprocessable(format!("{field}: {p}"))),
    }
}

fn needs_of(
    tr: &Tr,
    profile: &skolebro_domain::profile::CountryProfile,
    req: &NeedsRequest,
    recorded: Option<InterpreterNeed>,
    form: Form,
) -> Result<Needs, Refusal> {
    if let Some(age) = req.own_interpreter_age {
        if !rules::own_interpreter_allowed(profile, age) {
            return Err(unprocessable(format!(
                "own_interpreter_age: {}",
                tr.t1(
                    "conferences-error-interpreter-age",
                    "age",
                    profile.min_interpreter_age
                )
            )));
        }
    }
    let wanted = req.interpreter.unwrap_or(recorded.is_some()) || req.own_interpreter_age.is_some();
    let interpreter = if wanted {
        let language = one_line(
            "interpreter_language",
            req.interpreter_language.as_deref(),
            60,
        )?
        .or_else(|| recorded.as_ref().map(|r| r.language.clone()));
        let Some(language) = language else {
            return Err(unprocessable(format!(
                "interpreter_language: {}",
                tr.t("conferences-error-language")
            )));
        };
        let dialect = one_line(
            "interpreter_dialect",
            req.interpreter_dialect.as_deref(),
            60,
        )?
        .or_else(|| recorded.as_ref().and_then(|r| r.dialect.clone()));
        let gender = one_line("interpreter_gender", req.interpreter_gender.as_deref(), 30)?
            .or_else(|| recorded.as_ref().and_then(|r| r.preferred_gender.clone()));
        Some(InterpreterNeed {
            language,
            dialect,
            preferred_gender: gender,
        })
    } else {
        None
    };
    Ok(Needs {
        interpreter,
        without_child: req.without_child.unwrap_or(false),
        online: req.online.unwrap_or(form == Form::Online),
        own_interpreter: req.own_interpreter_age.is_some(),
    })
}

/// Whether the pupil has the right to take part on the conference's day (CON-3).
async fn participation_of(
    state: &AppState,
    me: &SignedIn,
    pupil: PersonId,
    round: &Round,
    day: Date,
) -> Res<Participation> {
    let birth = state.store.birth_date(me.actor.school_id, pupil).await?;
    Ok(rules::participation(
        profile(me.school.country),
        birth,
        round.grade,
        day,
    ))
}

/// What a booking asks for, from the page or the API.
struct BookingAsk<'a> {
    slot_id: i64,
    pupil_id: i64,
    needs: &'a NeedsRequest,
    /// The round the slot must belong to, when the request names one.
    in_round: Option<i64>,
    /// Staff in a round booked apart: the household.
    household: Option<i64>,
}

/// Books `slot_id` for a pupil, or moves the pupil's booking in that round to it.
async fn book(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    ask: BookingAsk<'_>,
) -> Res<Result<Booked, Refusal>> {
    let BookingAsk {
        slot_id,
        pupil_id,
        needs,
        in_round,
        household,
    } = ask;
    let school = me.actor.school_id;
    let slot = state
        .store
        .slot(school, slot_id)
        .await?
        .ok_or(WebError::NotFound)?;
    if in_round.is_some_and(|r| r != slot.round_id) {
        return Err(WebError::NotFound);
    }
    let round = state
        .store
        .round(school, slot.round_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let pupil = state
        .store
        .pupil_detail(school, PersonId(pupil_id))
        .await?
        .ok_or(WebError::NotFound)?;
    let taking_part = state.store.takes_part(round.id, me.actor.person_id).await?;
    let staff = may(
        &me.actor,
        Action::ConductConference,
        &conference_resource(me, pupil.person.id, round.class_id, taking_part, 0),
    );
    let household = match booking_household(me, &round, pupil.person.id, staff, household) {
        Ok(h) => h,
        Err(r) => return Ok(Err(r)),
    };
    let conf = conference_resource(me, pupil.person.id, round.class_id, taking_part, household);
    // A time offered to another family: staff are told so; to anyone else it does not exist.
    if slot.offered_to.is_some_and(|p| p != pupil.person.id) {
        if staff {
            return Ok(Err(conflict(
                viewer.tr.t("conferences-error-offered-other"),
            )));
        }
        return Err(WebError::NotFound);
    }
    // A pupil of another class, or someone else's child: as if it did not exist.
    if !pupil.class_ids().contains(&round.class_id)
        || !round_is_for(&round, pupil.person.id)
        || !may(&me.actor, Action::ViewConference, &conf)
    {
        return Err(WebError::NotFound);
    }
    if !may(&me.actor, Action::BookConference, &conf) {
        return Err(refused(viewer, "conferences-refused-book"));
    }
    let now = Timestamp::now();
    let checked = if staff {
        rules::check_staff_change(now, instant(slot.starts_at))
    } else {
        rules::check_family_change(
            now,
            instant(round.booking_deadline),
            instant(slot.starts_at),
        )
    };
    if let Err(p) = checked {
        return Ok(Err(conflict(booking_problem_text(&viewer.tr, p))));
    }
    let recorded = family_interpreter(&pupil.guardians, me.actor.person_id);
    let needs = match needs_of(
        &viewer.tr,
        profile(me.school.country),
        needs,
        recorded,
        round.form,
    ) {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    let tz = me.time_zone();
    let day = local_date(slot.starts_at, &tz);
    let participation = participation_of(state, me, pupil.person.id, &round, day).await?;
    let attends = rules::pupil_attends(participation, round.with_pupil, needs.without_child);
    // The family (the household's, in a round booked apart) is told of its time, except the
    // guardian who booked it.
    let notices = conference_notices(
        me,
        family_of(&pupil.guardians, household).collect(),
        &round.title,
        school_tr(me).t2(
            "conferences-notice-booked",
            "name",
            pupil.person.given_name.as_str(),
            "when",
            local_text(slot.starts_at, &tz),
        ),
        "/conferences".into(),
    );
    match state
        .store
        .book(&NewBooking {
            school_id: school,
            round_id: round.id,
            slot_id: slot.id,
            pupil_id: pupil.person.id,
            household,
            booked_by: me.actor.person_id,
            needs: &needs,
            pupil_attends: attends,
            notices: &notices,
        })
        .await
    {
        Ok(b) => Ok(Ok(b)),
        Err(StoreError::Conflict(_)) => Ok(Err(conflict(viewer.tr.t("conferences-error-taken")))),
        Err(e) => Err(e.into()),
    }
}

/// A time staff offer beside a round's plan: for everyone, or for one pupil's family (the
/// initiative duty, 001; flexible times, 002/004).
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct OfferRequest {
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub date: String,
    /// `HH:MM`, local time; the slot is as long as the round's.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: String,
    /// Only this pupil's family sees and books it.
    #[serde(default, alias = "pupil")]
    #[schema(minimum = 1)]
    pub pupil_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotCreated {
    pub id: i64,
    /// RFC 3339 with the school's offset.
    pub starts_at: String,
    pub ends_at: String,
}

/// Adds a time to a round: the round's staff and leaders.
async fn offer(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    round: &Round,
    req: &OfferRequest,
) -> Res<Result<SlotCreated, Refusal>> {
    let tr = &viewer.tr;
    if !may(
        &me.actor,
        Action::PlanConferences,
        &class_resource(me, round.class_id),
    ) {
        return Err(refused(viewer, "conferences-refused-offer"));
    }
    let Ok(date) = req.date.trim().parse::<Date>() else {
        return Ok(Err(unprocessable(format!(
            "date: {}",
            tr.t("conferences-error-date")
        ))));
    };
    let Some(start) = rules::parse_time(&req.start) else {
        return Ok(Err(unprocessable(format!(
            "start: {}",
            tr.t("conferences-error-time")
        ))));
    };
    let tz = me.time_zone();
    let slot = match rules::offered_slot(date, start, round.slot_minutes, Timestamp::now(), &tz) {
        Ok(s) => s,
        Err(p) => return Ok(Err(unprocessable(plan_problem_text(tr, p)))),
    };
    // A family named must be of the round's class (and its pupil's, for a need-based round).
    let mut told = Vec::new();
    let mut name = String::new();
    let offered_to = match req.pupil_id {
        None => None,
        Some(id) => {
            let pupil = state
                .store
                .pupil_detail(me.actor.school_id, PersonId(id))
                .await?
                .filter(|p| {
                    p.class_ids().contains(&round.class_id) && round_is_for(round, p.person.id)
                });
            let Some(pupil) = pupil else {
                return Ok(Err(unprocessable(format!(
                    "pupil_id: {}",
                    tr.t("conferences-error-offer-pupil")
                ))));
            };
            told = family_of(&pupil.guardians, 0).collect();
            name = pupil.person.given_name.clone();
            Some(pupil.person.id)
        }
    };
    let notices = conference_notices(
        me,
        told,
        &round.title,
        school_tr(me).t2(
            "conferences-notice-offered",
            "name",
            name,
            "when",
            local_text(slot.starts.as_second(), &tz),
        ),
        format!("/conferences/rounds/{}", round.id),
    );
    match state
        .store
        .add_slot(&NewSlot {
            school_id: me.actor.school_id,
            round_id: round.id,
            slot,
            offered_to,
            notices: &notices,
        })
        .await
    {
        Ok(id) => Ok(Ok(SlotCreated {
            id,
            starts_at: rfc3339(slot.starts.as_second(), &tz),
            ends_at: rfc3339(slot.ends.as_second(), &tz),
        })),
        Err(StoreError::Conflict(_)) => Ok(Err(conflict(tr.t("conferences-error-overlap")))),
        Err(e) => Err(e.into()),
    }
}

/// Cancels a conference: families until the deadline, staff any time before notes exist.
async fn cancel(state: &AppState, viewer: &Viewer, me: &SignedIn, conf: &Conf) -> Res<()> {
    if !conf.may(me, Action::ConductConference) {
        let b = &conf.booking;
        if let Err(p) = rules::check_family_change(
            Timestamp::now(),
            instant(b.booking_deadline),
            instant(b.starts_at),
        ) {
            return Err(WebError::Conflict(booking_problem_text(&viewer.tr, p)));
        }
    }
    // The family is told, and when the family cancels, the round's staff as well.
    let b = &conf.booking;
    let mut told: Vec<PersonId> = match state
        .store
        .pupil_detail(me.actor.school_id, b.pupil.id)
        .await?
    {
        Some(p) => family_of(&p.guardians, b.household).collect(),
        None => Vec::new(),
    };
    if !conf.may(me, Action::ConductConference) {
        told.extend(
            state
                .store
                .round_staff(me.actor.school_id, b.round_id)
                .await?
                .into_iter()
                .map(|p| p.id),
        );
    }
    let notices = conference_notices(
        me,
        told,
        &b.round_title,
        school_tr(me).t2(
            "conferences-notice-cancelled",
            "name",
            b.pupil.given_name.as_str(),
            "when",
            local_text(b.starts_at, &me.time_zone()),
        ),
        "/conferences".into(),
    );
    match state
        .store
        .cancel_booking(me.actor.school_id, conf.booking.id, &notices)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(WebError::Conflict(
            viewer.tr.t("conferences-error-has-notes"),
        )),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Preparation (CON-5)

/// What one side wants to raise; staff also set the purpose, the type of talk, whether the
/// pupil takes part and whether the interpreter is booked.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct PreparationRequest {
    /// What the writer wants to raise: the guardians' or the staff's list, by who writes.
    #[serde(default)]
    pub topics: Option<String>,
    /// Staff: the conference's stated purpose.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Staff: `information`, `wondering`, `dialogue`, `solution_oriented` or `advisory`.
    #[serde(default)]
    pub talk_type: Option<String>,
    /// Staff: whether the pupil takes part (the school's decision below the age of the right).
    #[serde(default)]
    pub pupil_attends: Option<bool>,
    /// Staff: the interpreter is booked (the to-do is done).
    #[serde(default)]
    pub interpreter_booked: Option<bool>,
}

async fn prepare(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    conf: &Conf,
    req: &PreparationRequest,
) -> Res<Result<(), Refusal>> {
    let staff = conf.may(me, Action::ConductConference);
    let topics = match text_field("topics", req.topics.as_deref(), rules::MAX_TOPICS_CHARS) {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    let mut p = Preparation::default();
    if staff {
        p.staff_topics = req.topics.is_some().then_some(topics);
        p.purpose = match text_field("purpose", req.purpose.as_deref(), 500) {
            Ok(v) => req.purpose.is_some().then_some(v),
            Err(r) => return Ok(Err(r)),
        };
        p.talk_type = match req.talk_type.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(t) => match t.parse::<TalkType>() {
                Ok(t) => Some(Some(t)),
                Err(_) => {
                    return Ok(Err(unprocessable(format!(
                        "talk_type: {}",
                        tr.t("conferences-error-talk-type")
                    ))))
                }
            },
        };
        if let Some(attends) = req.pupil_attends {
            // With the right to take part the family decides; staff record it, not overrule it.
            let round = state
                .store
                .round(me.actor.school_id, conf.booking.round_id)
                .await?
                .ok_or(WebError::NotFound)?;
            let day = local_date(conf.booking.starts_at, &me.time_zone());
            let part = participation_of(state, me, conf.booking.pupil.id, &round, day).await?;
            if part == Participation::Right && attends == conf.booking.needs.without_child {
                return Ok(Err(unprocessable(format!(
                    "pupil_attends: {}",
                    tr.t("conferences-error-right")
                ))));
            }
            p.pupil_attends = Some(attends);
        }
        p.interpreter_booked = req.interpreter_booked;
    } else {
        if req.purpose.is_some()
            || req.talk_type.is_some()
            || req.pupil_attends.is_some()
            || req.interpreter_booked.is_some()
        {
            return Ok(Err(unprocessable(tr.t("conferences-error-staff-fields"))));
        }
        p.guardian_topics = req.topics.is_some().then_some(topics);
    }
    state
        .store
        .set_preparation(me.actor.school_id, conf.booking.id, &p)
        .await?;
    Ok(Ok(()))
}

// ---------------------------------------------------------------------------------------------
// Notes (CON-6)

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Default)]
pub struct AgreementRequest {
    /// `home`, `school` or `pupil`.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub what: String,
    /// `YYYY-MM-DD`, from the conference to a year after.
    #[serde(default)]
    pub due: String,
}

/// The notes of a conference. Everything but `internal_note` reaches the guardians once
/// shared.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct NotesRequest {
    /// Academic standing, with pupil work, observations, tests.
    #[serde(default)]
    pub academic: Option<String>,
    #[serde(default)]
    pub wellbeing: Option<String>,
    /// Social and personal development.
    #[serde(default)]
    pub social: Option<String>,
    /// Goals for the next period.
    #[serde(default)]
    pub goals_academic: Option<String>,
    #[serde(default)]
    pub goals_social: Option<String>,
    /// The summary for the family.
    #[serde(default)]
    pub summary: Option<String>,
    /// For staff only; never shown to the family.
    #[serde(default)]
    pub internal_note: Option<String>,
    /// Share the notes (not the internal note) with the guardians. Once shared, they stay.
    #[serde(default)]
    pub share: bool,
    /// New agreements: who, what, by when.
    #[serde(default)]
    pub agreements: Vec<AgreementRequest>,
}

#[derive(Serialize, ToSchema)]
pub struct NotesSaved {
    /// Ids of the agreements added.
    pub agreements: Vec<i64>,
}

fn agreement_problem(tr: &Tr, n: usize, p: AgreementProblem) -> String {
    let (field, key) = match p {
        AgreementProblem::Owner => ("owner", "conferences-error-owner"),
        AgreementProblem::What(_) => ("what", "conferences-error-what"),
        AgreementProblem::Due => ("due", "conferences-error-due"),
        AgreementProblem::DueBeforeConference => ("due", "conferences-error-due-early"),
        AgreementProblem::DueTooFar => ("due", "conferences-error-due-far"),
    };
    format!("agreements[{n}].{field}: {}", tr.t(key))
}

async fn write_notes(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    conf: &Conf,
    req: &NotesRequest,
) -> Res<Result<Vec<i64>, Refusal>> {
    let max = rules::MAX_SECTION_CHARS;
    let field = |name: &str, v: &Option<String>| text_field(name, v.as_deref(), max);
    let notes = (|| -> Result<Notes, Refusal> {
        Ok(Notes {
            academic: field("academic", &req.academic)?,
            wellbeing: field("wellbeing", &req.wellbeing)?,
            social: field("social", &req.social)?,
            goals_academic: field("goals_academic", &req.goals_academic)?,
            goals_social: field("goals_social", &req.goals_social)?,
            summary: field("summary", &req.summary)?,
            internal_note: field("internal_note", &req.internal_note)?,
            ..Notes::default()
        })
    })();
    let notes = match notes {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    let day = local_date(conf.booking.starts_at, &me.time_zone());
    let mut drafts = Vec::new();
    for (i, a) in req.agreements.iter().enumerate() {
        match rules::check_agreement(&a.owner, &a.what, &a.due, day) {
            Ok(d) => drafts.push(d),
            Err(p) => return Ok(Err(unprocessable(agreement_problem(tr, i + 1, p)))),
        }
    }
    if req.share && notes.summary.is_none() {
        return Ok(Err(unprocessable(format!(
            "summary: {}",
            tr.t("conferences-error-summary")
        ))));
    }
    let school = me.actor.school_id;
    // The first time the summary is shared, the family is told (never what it says).
    let notices = if req.share && !conf.booking.notes_shared {
        let told = match state
            .store
            .pupil_detail(school, conf.booking.pupil.id)
            .await?
        {
            Some(p) => family_of(&p.guardians, conf.booking.household).collect(),
            None => Vec::new(),
        };
        conference_notices(
            me,
            told,
            &conf.booking.round_title,
            school_tr(me).t1(
                "conferences-notice-summary",
                "name",
                conf.booking.pupil.given_name.as_str(),
            ),
            format!("/conferences/bookings/{}", conf.booking.id),
        )
    } else {
        Vec::new()
    };
    state
        .store
        .save_notes(
            school,
            &conf.booking,
            &notes,
            req.share,
            me.actor.person_id,
            &notices,
        )
        .await?;
    let mut ids = Vec::new();
    for d in &drafts {
        ids.push(
            state
                .store
                .add_agreement(school, &conf.booking, d, me.actor.person_id)
                .await?,
        );
    }
    Ok(Ok(ids))
}

// ---------------------------------------------------------------------------------------------
// JSON shapes

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundSummaryJson {
    pub id: i64,
    pub class_id: i64,
    pub class_name: String,
    pub title: String,
    /// `school`, `phone`, `online`, `home_visit`.
    pub form: String,
    pub slot_minutes: i64,
    pub break_minutes: i64,
    pub with_pupil: bool,
    /// RFC 3339 with the school's offset.
    pub booking_deadline: String,
    /// Whether families can still book, move and cancel.
    pub booking_open: bool,
    pub first_start: Option<String>,
    pub last_end: Option<String>,
    /// A need-based conference (CON-8) for this one pupil; absent for the class's rounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pupil_id: Option<i64>,
    /// The routine conference the topic was moved from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_booking_id: Option<i64>,
    /// Each household of a pupil with two homes books its own conference.
    pub households_apart: bool,
}

fn round_summary(round: &Round, tz: &TimeZone) -> RoundSummaryJson {
    RoundSummaryJson {
        id: round.id,
        class_id: round.class_id.0,
        class_name: round.class_name.clone(),
        title: round.title.clone(),
        form: round.form.as_str().to_owned(),
        slot_minutes: round.slot_minutes,
        break_minutes: round.break_minutes,
        with_pupil: round.with_pupil,
        booking_deadline: rfc3339(round.booking_deadline, tz),
        booking_open: Timestamp::now() < instant(round.booking_deadline),
        first_start: round.first_start.map(|t| rfc3339(t, tz)),
        last_end: round.last_end.map(|t| rfc3339(t, tz)),
        pupil_id: round.pupil_id.map(|p| p.0),
        from_booking_id: round.from_booking_id,
        households_apart: round.households_apart,
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotJson {
    pub id: i64,
    pub starts_at: String,
    pub ends_at: String,
    pub free: bool,
    /// The booking, only where the viewer may see it (staff; a family's own).
    pub booking_id: Option<i64>,
    pub pupil_id: Option<i64>,
    pub pupil_name: Option<String>,
    /// In a round booked apart, the household the booking is for (where the booking is shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub household: Option<i64>,
    /// A time offered to this pupil's family only (shown to that family and the staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered_to: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PupilJson {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterpreterTodoJson {
    pub booking_id: i64,
    pub pupil_name: String,
    pub language: String,
    pub dialect: Option<String>,
    pub preferred_gender: Option<String>,
    pub conference_at: String,
    /// Book the interpreter by this day: a week before, on a working day.
    pub due: String,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundJson {
    #[serde(flatten)]
    pub round: RoundSummaryJson,
    /// The staff taking part.
    pub staff: Vec<String>,
    pub slots: Vec<SlotJson>,
    /// Staff only: the pupils without a booking (the initiative duty).
    pub unbooked: Option<Vec<PupilJson>>,
    /// Staff only: interpreters still to book.
    pub interpreter_todos: Option<Vec<InterpreterTodoJson>>,
}

fn todos(bookings: &[Booking], tz: &TimeZone, today: Date) -> Vec<InterpreterTodoJson> {
    bookings
        .iter()
        .filter(|b| b.interpreter_booked_at.is_none() && !b.needs.own_interpreter)
        .filter_map(|b| {
            let need = b.needs.interpreter.as_ref()?;
            let due = rules::interpreter_due(local_date(b.starts_at, tz));
            Some(InterpreterTodoJson {
                booking_id: b.id,
                pupil_name: b.pupil.full(),
                language: need.language.clone(),
                dialect: need.dialect.clone(),
                preferred_gender: need.preferred_gender.clone(),
                conference_at: rfc3339(b.starts_at, tz),
                due: due.to_string(),
                overdue: due < today,
            })
        })
        .collect()
}

/// A round as JSON, from its slots (which the caller has loaded: the round page also needs them).
async fn round_json(
    state: &AppState,
    me: &SignedIn,
    round: &Round,
    slots: &[SlotRow],
) -> Res<RoundJson> {
    let school = me.actor.school_id;
    let tz = me.time_zone();
    let planner = may(
        &me.actor,
        Action::PlanConferences,
        &class_resource(me, round.class_id),
    );
    let taking_part = state.store.takes_part(round.id, me.actor.person_id).await?;
    let staff = state.store.round_staff(school, round.id).await?;
    let slots = slots
        .iter()
        .filter(|s| sees_slot(me, s, round.class_id, taking_part))
        .map(|s| {
            let seen = s.booking.as_ref().filter(|(_, pupil)| {
                may(
                    &me.actor,
                    Action::ViewConference,
                    &conference_resource(me, pupil.id, round.class_id, taking_part, s.household),
                )
            });
            SlotJson {
                id: s.id,
                starts_at: rfc3339(s.starts_at, &tz),
                ends_at: rfc3339(s.ends_at, &tz),
                free: s.booking.is_none(),
                booking_id: seen.map(|(b, _)| *b),
                pupil_id: seen.map(|(_, p)| p.id.0),
                pupil_name: seen.map(|(_, p)| p.full()),
                household: seen.and(Some(s.household)).filter(|h| *h > 0),
                offered_to: s.offered_to.map(|p| p.0),
            }
        })
        .collect();
    let (unbooked, interpreter_todos) = if planner {
        let unbooked = state
            .store
            .unbooked_pupils(school, round.class_id, round.id, round.households_apart)
            .await?
            .into_iter()
            .filter(|p| round_is_for(round, p.id))
            .map(|p| PupilJson {
                id: p.id.0,
                name: p.full(),
            })
            .collect();
        let bookings = state.store.round_bookings(school, round.id).await?;
        (Some(unbooked), Some(todos(&bookings, &tz, me.today())))
    } else {
        (None, None)
    };
    Ok(RoundJson {
        round: round_summary(round, &tz),
        staff: staff.iter().map(PersonName::full).collect(),
        slots,
        unbooked,
        interpreter_todos,
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedsJson {
    pub interpreter: bool,
    pub interpreter_language: Option<String>,
    pub interpreter_dialect: Option<String>,
    pub interpreter_gender: Option<String>,
    /// Staff have booked the interpreter.
    pub interpreter_booked: bool,
    /// Book the interpreter by this day (a week before).
    pub interpreter_due: Option<String>,
    pub without_child: bool,
    pub online: bool,
    /// The family brings its own adult interpreter; staff book none.
    pub own_interpreter: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotesJson {
    pub academic: Option<String>,
    pub wellbeing: Option<String>,
    pub social: Option<String>,
    pub goals_academic: Option<String>,
    pub goals_social: Option<String>,
    pub summary: Option<String>,
    /// Staff only; absent for the family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
    pub written_by: Option<String>,
    pub shared: bool,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementJson {
    pub id: i64,
    pub booking_id: i64,
    pub pupil_id: i64,
    pub pupil_name: String,
    /// `home`, `school` or `pupil`.
    pub owner: String,
    pub what: String,
    pub due: String,
    pub done: bool,
    pub overdue: bool,
}

fn agreement_json(a: &Agreement, today: Date) -> AgreementJson {
    AgreementJson {
        id: a.id,
        booking_id: a.booking_id,
        pupil_id: a.pupil.id.0,
        pupil_name: a.pupil.full(),
        owner: a.owner.as_str().to_owned(),
        what: a.what.clone(),
        due: a.due.to_string(),
        done: a.done_at.is_some(),
        overdue: a.done_at.is_none() && a.due < today,
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviousJson {
    pub booking_id: i64,
    pub starts_at: String,
    pub goals_academic: Option<String>,
    pub goals_social: Option<String>,
    pub agreements: Vec<AgreementJson>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BookingJson {
    pub id: i64,
    pub round_id: i64,
    pub round_title: String,
    pub class_id: i64,
    pub form: String,
    pub slot_id: i64,
    pub starts_at: String,
    pub ends_at: String,
    pub pupil_id: i64,
    pub pupil_name: String,
    pub booked_by: String,
    pub needs: NeedsJson,
    /// `right` (the family decides whether the pupil comes) or `school_decides`.
    #[schema(value_type = String)]
    pub participation: Participation,
    pub pupil_attends: bool,
    pub purpose: Option<String>,
    pub talk_type: Option<String>,
    pub guardian_topics: Option<String>,
    pub staff_topics: Option<String>,
    /// Whether the family can still move or cancel.
    pub family_may_change: bool,
    /// The notes: for the family only once shared, and never the internal note.
    pub notes: Option<NotesJson>,
    pub agreements: Vec<AgreementJson>,
    /// The pupil's previous conference with notes: its goals and agreements (CON-7).
    pub previous: Option<PreviousJson>,
}

fn notes_json(n: &Notes, staff: bool, tz: &TimeZone) -> NotesJson {
    NotesJson {
        academic: n.academic.clone(),
        wellbeing: n.wellbeing.clone(),
        social: n.social.clone(),
        goals_academic: n.goals_academic.clone(),
        goals_social: n.goals_social.clone(),
        summary: n.summary.clone(),
        internal_note: if staff { n.internal_note.clone() } else { None },
        written_by: n.written_by.as_ref().map(PersonName::full),
        shared: n.shared_at.is_some(),
        acknowledged_by: n.acknowledged_by.as_ref().map(PersonName::full),
        acknowledged_at: n.acknowledged_at.map(|t| rfc3339(t, tz)),
    }
}

/// Everything of a conference the viewer may see; reading notes is audited.
async fn booking_json(state: &AppState, me: &SignedIn, conf: &Conf) -> Res<BookingJson> {
    let school = me.actor.school_id;
    let tz = me.time_zone();
    let b = &conf.booking;
    let staff = conf.may(me, Action::ConductConference);
    let today = me.today();
    let round = state
        .store
        .round(school, b.round_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let participation =
        participation_of(state, me, b.pupil.id, &round, local_date(b.starts_at, &tz)).await?;
    let mut notes = None;
    let mut agreements = Vec::new();
    if staff || b.notes_shared {
        let read = state
            .store
            .read_notes(school, b.id, me.actor.person_id, "conference")
            .await?;
        notes = read
            .as_ref()
            .filter(|n| staff || n.shared_at.is_some())
            .map(|n| notes_json(n, staff, &tz));
        agreements = state
            .store
            .agreements_of_booking(school, b.id)
            .await?
            .iter()
            .map(|a| agreement_json(a, today))
            .collect();
    }
    let mut previous = None;
    if let Some(p) = state
        .store
        .previous_conference(school, b.pupil.id, b.starts_at)
        .await?
    {
        if staff || p.notes_shared {
            let n = state
                .store
                .read_notes(school, p.id, me.actor.person_id, "previous conference")
                .await?
                .unwrap_or_default();
            previous = Some(PreviousJson {
                booking_id: p.id,
                starts_at: rfc3339(p.starts_at, &tz),
                goals_academic: n.goals_academic,
                goals_social: n.goals_social,
                agreements: state
                    .store
                    .agreements_of_booking(school, p.id)
                    .await?
                    .iter()
                    .map(|a| agreement_json(a, today))
                    .collect(),
            });
        }
    }
    let interpreter = b.needs.interpreter.as_ref();
    Ok(BookingJson {
        id: b.id,
        round_id: b.round_id,
        round_title: b.round_title.clone(),
        class_id: b.class_id.0,
        form: b.form.as_str().to_owned(),
        slot_id: b.slot_id,
        starts_at: rfc3339(b.starts_at, &tz),
        ends_at: rfc3339(b.ends_at, &tz),
        pupil_id: b.pupil.id.0,
        pupil_name: b.pupil.full(),
        booked_by: b.booked_by.full(),
        needs: NeedsJson {
            interpreter: interpreter.is_some(),
            interpreter_language: interpreter.map(|i| i.language.clone()),
            interpreter_dialect: interpreter.and_then(|i| i.dialect.clone()),
            interpreter_gender: interpreter.and_then(|i| i.preferred_gender.clone()),
            interpreter_booked: b.interpreter_booked_at.is_some(),
            interpreter_due: interpreter
                .filter(|_| !b.needs.own_interpreter)
                .map(|_| rules::interpreter_due(local_date(b.starts_at, &tz)).to_string()),
            own_interpreter: b.needs.own_interpreter,
            without_child: b.needs.without_child,
            online: b.needs.online,
        },
        participation,
        pupil_attends: b.pupil_attends,
        purpose: b.purpose.clone(),
        talk_type: b.talk_type.map(|t| t.as_str().to_owned()),
        guardian_topics: b.guardian_topics.clone(),
        staff_topics: b.staff_topics.clone(),
        family_may_change: rules::check_family_change(
            Timestamp::now(),
            instant(b.booking_deadline),
            instant(b.starts_at),
        )
        .is_ok(),
        notes,
        agreements,
        previous,
    })
}

// ---------------------------------------------------------------------------------------------
// Coverage (CON-2) and agreements (CON-7)

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PupilCoverageJson {
    pub pupil_id: i64,
    pub name: String,
    pub held: u32,
    pub required: u32,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageJson {
    pub class_id: i64,
    pub class_name: String,
    /// `2026/27`.
    pub school_year: String,
    /// Conferences each pupil must have had this school year (DK 1, NO 2).
    pub required: u32,
    /// Pupils who have had them.
    pub met: usize,
    pub pupils: Vec<PupilCoverageJson>,
}

async fn coverage_of(state: &AppState, me: &SignedIn, class: &ClassSummary) -> Res<CoverageJson> {
    let school = me.actor.school_id;
    let tz = me.time_zone();
    let today = me.today();
    let (start, end) = calendar::school_year(today);
    let at = |d: Date| {
        tz.to_ambiguous_zoned(d.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .map(|z| z.timestamp().as_second())
            .unwrap_or(0)
    };
    let next_start = end.tomorrow().unwrap_or(end);
    let held = state
        .store
        .conferences_of_class(school, class.id, at(start), at(next_start))
        .await?;
    let country = me.school.country;
    let mut counts: HashMap<PersonId, u32> = HashMap::new();
    for h in held {
        if rules::counts_as_held(country, h.notes_written, h.notes_shared) {
            *counts.entry(h.pupil_id).or_default() += 1;
        }
    }
    let p = profile(country);
    let pupils: Vec<(PersonName, Coverage)> = state
        .store
        .pupils_of_class(school, class.id)
        .await?
        .into_iter()
        .map(|n| {
            let c = Coverage::new(p, counts.get(&n.id).copied().unwrap_or(0));
            (n, c)
        })
        .collect();
    let all: Vec<Coverage> = pupils.iter().map(|(_, c)| *c).collect();
    let (met, _) = rules::class_coverage(&all);
    Ok(CoverageJson {
        class_id: class.id.0,
        class_name: class.name.clone(),
        school_year: skolebro_domain::profile::school_year(today),
        required: u32::from(p.conferences_per_year),
        met,
        pupils: pupils
            .into_iter()
            .map(|(n, c)| PupilCoverageJson {
                pupil_id: n.id.0,
                name: n.full(),
                held: c.held,
                required: c.required,
                met: c.met(),
            })
            .collect(),
    })
}

/// The open agreements the viewer owns (CON-7): a family's home and pupil agreements once
/// shared, a pupil's own, the school's agreements in the classes one teaches.
async fn my_agreements(state: &AppState, me: &SignedIn) -> Res<Vec<Agreement>> {
    let school = me.actor.school_id;
    let mut out = Vec::new();
    // The family's and the pupil's own: agreements of the viewer's children and of the viewer,
    // shared with the family, that the policy lets them see (guardians) or follow up (the
    // pupil's own).
    let mut candidates: Vec<PersonId> = me.actor.children.iter().map(|c| c.pupil_id).collect();
    candidates.push(me.actor.person_id);
    for a in state
        .store
        .open_agreements_of_pupils(
            school,
            &candidates,
            &[AgreementOwner::Home, AgreementOwner::Pupil],
        )
        .await?
    {
        let family = may(
            &me.actor,
            Action::ViewConference,
            // Agreements are about the child: both households' to follow up, also from a
            // round booked apart.
            &conference_resource(me, a.pupil.id, a.class_id, false, 0),
        ) && me.actor.person_id != a.pupil.id
            && me.actor.guardian_access(a.pupil.id).is_some();
        let own = may(
            &me.actor,
            Action::FollowUpAgreement,
            &Resource::Agreement {
                school_id: school,
                pupil_id: a.pupil.id,
                class_id: a.class_id,
                owner: a.owner,
            },
        ) && me.actor.person_id == a.pupil.id;
        if a.shared && (family || own) {
            out.push(a);
        }
    }
    // The school's, in the classes one plans conferences for.
    let classes: Vec<ClassId> = me
        .actor
        .teaches
        .iter()
        .map(|l| l.class_id)
        .filter(|c| may(&me.actor, Action::PlanConferences, &class_resource(me, *c)))
        .collect();
    if !classes.is_empty() {
        out.extend(state.store.open_school_agreements(school, &classes).await?);
    }
    out.sort_by_key(|a| (a.due, a.id));
    out.dedup_by_key(|a| a.id);
    Ok(out)
}

/// Marks an agreement done: its owners and the class's staff; a family sees only shared ones.
async fn mark_done(state: &AppState, viewer: &Viewer, me: &SignedIn, raw: &str) -> Res<Agreement> {
    let a = state
        .store
        .agreement(me.actor.school_id, parse_id(raw)?)
        .await?
        .ok_or(WebError::NotFound)?;
    let booking = state
        .store
        .booking(me.actor.school_id, a.booking_id)
        .await?;
    let conf = conf_for(state, viewer, me, booking, Action::ViewConference).await?;
    let staff = conf.may(me, Action::ConductConference);
    if !staff && !a.shared {
        return Err(WebError::NotFound);
    }
    let resource = Resource::Agreement {
        school_id: me.actor.school_id,
        pupil_id: a.pupil.id,
        class_id: a.class_id,
        owner: a.owner,
    };
    if !may(&me.actor, Action::FollowUpAgreement, &resource) {
        return Err(refused(viewer, "conferences-refused-agreement"));
    }
    state
        .store
        .mark_agreement_done(me.actor.school_id, a.id, me.actor.person_id)
        .await?;
    Ok(a)
}

// ---------------------------------------------------------------------------------------------
// Pages

struct RoundLine {
    id: i64,
    title: String,
    form: String,
    when: String,
    deadline: String,
    open: bool,
    /// A need-based conference (CON-8).
    need_based: bool,
}

fn round_line(tr: &Tr, r: &Round, tz: &TimeZone) -> RoundLine {
    RoundLine {
        id: r.id,
        title: r.title.clone(),
        form: tr.t(&format!("conferences-form-{}", r.form.as_str())),
        when: match (r.first_start, r.last_end) {
            (Some(a), Some(b)) => format!("{} – {}", local_text(a, tz), local_text(b, tz)),
            _ => String::new(),
        },
        deadline: local_text(r.booking_deadline, tz),
        open: Timestamp::now() < instant(r.booking_deadline),
        need_based: r.pupil_id.is_some(),
    }
}

struct ChildCard {
    id: i64,
    name: String,
    rounds: Vec<(RoundLine, Option<(i64, String)>)>,
}

struct AgreementLine {
    id: i64,
    booking_id: i64,
    pupil: String,
    owner: String,
    what: String,
    due: String,
    overdue: bool,
    done: bool,
    may_mark: bool,
}

fn agreement_line(tr: &Tr, me: &SignedIn, a: &Agreement, today: Date) -> AgreementLine {
    AgreementLine {
        id: a.id,
        booking_id: a.booking_id,
        pupil: a.pupil.full(),
        owner: tr.t(&format!("conferences-owner-{}", a.owner.as_str())),
        what: a.what.clone(),
        due: a.due.strftime("%d.%m.%Y").to_string(),
        overdue: a.done_at.is_none() && a.due < today,
        done: a.done_at.is_some(),
        may_mark: a.done_at.is_none()
            && may(
                &me.actor,
                Action::FollowUpAgreement,
                &Resource::Agreement {
                    school_id: me.actor.school_id,
                    pupil_id: a.pupil.id,
                    class_id: a.class_id,
                    owner: a.owner,
                },
            ),
    }
}

/// A class on the overview, with its coverage this school year (CON-2).
struct ClassCoverage {
    id: i64,
    name: String,
    met: usize,
    total: usize,
}

#[derive(Template)]
#[template(path = "conferences/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    tr: Tr,
    children: Vec<ChildCard>,
    classes: Vec<ClassCoverage>,
}

async fn overview_page(State(state): State<AppState>, viewer: Viewer) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let mut children = Vec::new();
    for link in &me.actor.children {
        if !matches!(
            me.actor.guardian_access(link.pupil_id),
            Some(Access::Full | Access::Info)
        ) {
            continue;
        }
        let Some(pupil) = state.store.pupil_detail(school, link.pupil_id).await? else {
            continue;
        };
        let bookings = state
            .store
            .bookings_of_pupil(school, pupil.person.id)
            .await?;
        let mut rounds = Vec::new();
        for class in pupil.class_ids() {
            if !may(
                &me.actor,
                Action::ViewConferenceRound,
                &class_resource(me, class),
            ) {
                continue;
            }
            for r in state.store.rounds_of_class(school, class).await? {
                if !round_is_for(&r, pupil.person.id) {
                    continue;
                }
                // In a round booked apart, only this guardian's household's conference.
                let booked = bookings
                    .iter()
                    .find(|b| {
                        b.round_id == r.id
                            && may(
                                &me.actor,
                                Action::ViewConference,
                                &conference_resource(
                                    me,
                                    pupil.person.id,
                                    r.class_id,
                                    false,
                                    b.household,
                                ),
                            )
                    })
                    .map(|b| (b.id, local_text(b.starts_at, &tz)));
                rounds.push((round_line(&tr, &r, &tz), booked));
            }
        }
        children.push(ChildCard {
            id: pupil.person.id.0,
            name: pupil.person.full(),
            rounds,
        });
    }
    let mut classes = Vec::new();
    let all = may(
        &me.actor,
        Action::ManageSchool,
        &Resource::School { school_id: school },
    );
    let listed = if all {
        state.store.school_classes(school, None, 500).await?
    } else {
        let ids: Vec<ClassId> = me.actor.teaches.iter().map(|l| l.class_id).collect();
        state.store.classes_by_id(school, &ids).await?
    };
    for c in listed {
        if may(
            &me.actor,
            Action::PlanConferences,
            &class_resource(me, c.id),
        ) {
            let coverage = coverage_of(&state, me, &c).await?;
            classes.push(ClassCoverage {
                id: c.id.0,
                name: c.name,
                met: coverage.met,
                total: coverage.pupils.len(),
            });
        }
    }
    html(&OverviewPage {
        chrome: viewer.chrome(),
        tr,
        children,
        classes,
    })
}

#[derive(Template)]
#[template(path = "conferences/agreements.html")]
struct AgreementsPage {
    chrome: Chrome,
    tr: Tr,
    title: String,
    agreements: Vec<AgreementLine>,
    back: String,
}

async fn agreements_page(State(state): State<AppState>, viewer: Viewer) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let today = me.today();
    let agreements = my_agreements(&state, me)
        .await?
        .iter()
        .map(|a| agreement_line(&tr, me, a, today))
        .collect();
    html(&AgreementsPage {
        chrome: viewer.chrome(),
        title: tr.t("conferences-my-agreements"),
        tr,
        agreements,
        back: "/conferences".into(),
    })
}

#[derive(Template)]
#[template(path = "conferences/class.html")]
struct ClassPage {
    chrome: Chrome,
    tr: Tr,
    class_id: i64,
    class_name: String,
    rounds: Vec<RoundLine>,
    coverage: CoverageJson,
    agreements: Vec<AgreementLine>,
    error: Option<String>,
    form: RoundFormValues,
    forms: Vec<(String, String)>,
    today: String,
}

/// What the round form shows again after a refusal.
#[derive(Default)]
struct RoundFormValues {
    title: String,
    form: String,
    days: Vec<DayRequest>,
    slot_minutes: String,
    break_minutes: String,
    deadline: String,
    with_pupil: bool,
    households_apart: bool,
}

async fn render_class(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    class: &ClassSummary,
    refusal: Option<Refusal>,
    form: RoundFormValues,
) -> Res<Response> {
    let tr = viewer.tr;
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let today = me.today();
    let rounds = state
        .store
        .rounds_of_class(school, class.id)
        .await?
        .iter()
        .map(|r| round_line(&tr, r, &tz))
        .collect();
    let coverage = coverage_of(state, me, class).await?;
    let agreements = state
        .store
        .open_agreements_of_class(school, class.id)
        .await?
        .iter()
        .map(|a| agreement_line(&tr, me, a, today))
        .collect();
    let status = refusal.as_ref().map(|r| r.status);
    let mut response = html(&ClassPage {
        chrome: viewer.chrome(),
        tr,
        class_id: class.id.0,
        class_name: class.name.clone(),
        rounds,
        coverage,
        agreements,
        error: refusal.map(|r| r.text),
        form,
        forms: Form::ALL
            .iter()
            .map(|f| {
                (
                    f.as_str().to_owned(),
                    tr.t(&format!("conferences-form-{}", f.as_str())),
                )
            })
            .collect(),
        today: today.to_string(),
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn class_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    let form = RoundFormValues {
        form: "school".into(),
        days: vec![DayRequest::default(); 3],
        slot_minutes: "20".into(),
        break_minutes: "5".into(),
        with_pupil: true,
        ..RoundFormValues::default()
    };
    render_class(&state, &viewer, me, &class, None, form).await
}

async fn create_round_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    let get = |k: &str| form_field(&fields, k).trim().to_owned();
    let mut days = Vec::new();
    for n in 1..=5 {
        let day = DayRequest {
            date: get(&format!("date_{n}")),
            start: get(&format!("start_{n}")),
            end: get(&format!("end_{n}")),
        };
        if !day.date.is_empty() || !day.start.is_empty() || !day.end.is_empty() {
            days.push(day);
        }
    }
    let values = RoundFormValues {
        title: get("title"),
        form: get("form"),
        days: days.clone(),
        slot_minutes: get("slot_minutes"),
        break_minutes: get("break_minutes"),
        deadline: get("booking_deadline"),
        with_pupil: !get("with_pupil").is_empty(),
        households_apart: !get("households_apart").is_empty(),
    };
    let minutes = |v: &str, default: i64| -> Option<i64> {
        if v.is_empty() {
            Some(default)
        } else {
            v.parse().ok()
        }
    };
    let (Some(slot_minutes), Some(break_minutes)) = (
        minutes(&values.slot_minutes, 0),
        minutes(&values.break_minutes, 0),
    ) else {
        let r = unprocessable(viewer.tr.t("conferences-error-minutes"));
        return render_class(&state, &viewer, me, &class, Some(r), values).await;
    };
    let req = RoundRequest {
        title: Some(values.title.clone()),
        form: values.form.clone(),
        days,
        slot_minutes,
        break_minutes,
        booking_deadline: Some(values.deadline.replace(' ', "T")),
        with_pupil: Some(values.with_pupil),
        staff: None,
        households_apart: Some(values.households_apart),
    };
    match create_round(&state, me, &viewer.tr, &class, &req, None).await? {
        Ok((round, _)) => {
            Ok(Redirect::to(&format!("/conferences/rounds/{round}?created=1")).into_response())
        }
        Err(r) => render_class(&state, &viewer, me, &class, Some(r), values).await,
    }
}

struct SlotLine {
    id: i64,
    day: String,
    time: String,
    free: bool,
    booking_id: Option<i64>,
    pupil: Option<String>,
    bookable: bool,
}

/// A child of the viewer in the round's class, with what the booking form offers.
struct FamilyChild {
    id: i64,
    name: String,
    booking: Option<(i64, String)>,
    right: bool,
    interpreter: Option<String>,
    /// Whether the viewer may book for the child (not an information-only guardian, PEO-2).
    may_book: bool,
}

#[derive(Template)]
#[template(path = "conferences/round.html")]
struct RoundPage {
    chrome: Chrome,
    tr: Tr,
    round: RoundLine,
    class_id: i64,
    planner: bool,
    staff: String,
    slots: Vec<SlotLine>,
    free_slots: Vec<(i64, String)>,
    family: Vec<FamilyChild>,
    unbooked: Vec<PupilJson>,
    todos: Vec<InterpreterTodoJson>,
    error: Option<String>,
    created: bool,
    with_pupil: bool,
    households_apart: bool,
}

async fn render_round(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    round: &Round,
    refusal: Option<Refusal>,
    created: bool,
) -> Res<Response> {
    let tr = viewer.tr;
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let slots_raw = state.store.round_slots(school, round.id).await?;
    let json = round_json(state, me, round, &slots_raw).await?;
    let planner = json.unbooked.is_some();
    let now = Timestamp::now();
    let family_open = now < instant(round.booking_deadline);
    let slots: Vec<SlotLine> = json
        .slots
        .iter()
        .zip(slots_raw.iter())
        .map(|(j, s)| SlotLine {
            id: j.id,
            day: instant(s.starts_at)
                .to_zoned(tz.clone())
                .strftime("%d.%m.%Y")
                .to_string(),
            time: format!(
                "{}–{}",
                local_time(s.starts_at, &tz),
                local_time(s.ends_at, &tz)
            ),
            free: j.free,
            booking_id: j.booking_id,
            pupil: j.pupil_name.clone(),
            bookable: j.free && instant(s.starts_at) > now && (planner || family_open),
        })
        .collect();
    let free_slots = slots
        .iter()
        .filter(|s| s.bookable)
        .map(|s| (s.id, format!("{} {}", s.day, s.time)))
        .collect();
    // The viewer's own children in the class, with what the form offers each.
    let mut family = Vec::new();
    for link in &me.actor.children {
        if !me
            .actor
            .child_classes
            .iter()
            .any(|(p, c)| *p == link.pupil_id && *c == round.class_id)
        {
            continue;
        }
        let household = if round.households_apart {
            link.household
        } else {
            0
        };
        let conf = conference_resource(me, link.pupil_id, round.class_id, false, household);
        if !round_is_for(round, link.pupil_id) || !may(&me.actor, Action::ViewConference, &conf) {
            continue;
        }
        let Some(pupil) = state.store.pupil_detail(school, link.pupil_id).await? else {
            continue;
        };
        let booking = json
            .slots
            .iter()
            .find(|s| s.pupil_id == Some(pupil.person.id.0))
            .and_then(|s| {
                let when = local_text(slots_raw.iter().find(|r| r.id == s.id)?.starts_at, &tz);
                Some((s.booking_id?, when))
            });
        let day = round
            .first_start
            .map(|t| local_date(t, &tz))
            .unwrap_or_else(|| me.today());
        let right =
            participation_of(state, me, pupil.person.id, round, day).await? == Participation::Right;
        family.push(FamilyChild {
            id: pupil.person.id.0,
            name: pupil.person.full(),
            booking,
            right,
            interpreter: family_interpreter(&pupil.guardians, me.actor.person_id)
                .map(|i| i.language),
            may_book: may(&me.actor, Action::BookConference, &conf),
        });
    }
    let status = refusal.as_ref().map(|r| r.status);
    let mut response = html(&RoundPage {
        chrome: viewer.chrome(),
        tr,
        round: round_line(&tr, round, &tz),
        class_id: round.class_id.0,
        planner,
        staff: json.staff.join(", "),
        slots,
        free_slots,
        family,
        unbooked: json.unbooked.clone().unwrap_or_default(),
        todos: json.interpreter_todos.clone().unwrap_or_default(),
        error: refusal.map(|r| r.text),
        created,
        with_pupil: round.with_pupil,
        households_apart: round.households_apart,
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

#[derive(Deserialize)]
struct CreatedQuery {
    created: Option<u8>,
}

async fn round_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CreatedQuery>,
) -> Res<Response> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    render_round(&state, &viewer, me, &round, None, q.created.is_some()).await
}

#[derive(Deserialize)]
struct BookForm {
    #[serde(default)]
    slot_id: String,
    #[serde(default)]
    pupil_id: String,
    /// The form always says what it asks for, so an unticked box means "no".
    #[serde(default)]
    interpreter: Option<String>,
    #[serde(default)]
    interpreter_language: Option<String>,
    #[serde(default)]
    without_child: Option<String>,
    #[serde(default)]
    online: Option<String>,
    /// The age of the family's own interpreter, when they bring one.
    #[serde(default)]
    own_interpreter_age: Option<String>,
    /// Staff booking for a family: the needs as recorded (PEO-4).
    #[serde(default)]
    defaults: Option<String>,
    /// Staff booking in a round booked apart: the household (1 or 2).
    #[serde(default)]
    household: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OfferForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    pupil_id: String,
}

async fn offer_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<OfferForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    let req = OfferRequest {
        date: form.date,
        start: form.start,
        pupil_id: match form.pupil_id.trim() {
            "" => None,
            id => Some(parse_id(id)?),
        },
    };
    match offer(&state, &viewer, me, &round, &req).await? {
        Ok(_) => Ok(Redirect::to(&format!("/conferences/rounds/{}", round.id)).into_response()),
        Err(r) => render_round(&state, &viewer, me, &round, Some(r), false).await,
    }
}

async fn book_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<BookForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    let pupil_id = parse_id(form.pupil_id.trim())?;
    let Ok(slot_id) = form.slot_id.trim().parse::<i64>() else {
        let r = unprocessable(viewer.tr.t("conferences-error-choose-slot"));
        return render_round(&state, &viewer, me, &round, Some(r), false).await;
    };
    let own_age = match form.own_interpreter_age.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => match v.parse::<u8>() {
            Ok(age) => Some(age),
            Err(_) => {
                let r = unprocessable(format!(
                    "own_interpreter_age: {}",
                    viewer.tr.t("conferences-error-age-number")
                ));
                return render_round(&state, &viewer, me, &round, Some(r), false).await;
            }
        },
    };
    let needs = if form.defaults.is_some() {
        NeedsRequest::default()
    } else {
        NeedsRequest {
            own_interpreter_age: own_age,
            interpreter: Some(form.interpreter.is_some()),
            interpreter_language: form.interpreter_language.clone(),
            without_child: Some(form.without_child.is_some()),
            online: Some(form.online.is_some()),
            ..NeedsRequest::default()
        }
    };
    let ask = BookingAsk {
        slot_id,
        pupil_id,
        needs: &needs,
        in_round: Some(round.id),
        household: form
            .household
            .as_deref()
            .and_then(|h| h.trim().parse().ok()),
    };
    match book(&state, &viewer, me, ask).await? {
        Ok(b) => Ok(Redirect::to(&format!("/conferences/bookings/{}", b.id())).into_response()),
        Err(r) => render_round(&state, &viewer, me, &round, Some(r), false).await,
    }
}

#[derive(Template)]
#[template(path = "conferences/booking.html")]
struct BookingPage {
    chrome: Chrome,
    tr: Tr,
    b: BookingJson,
    when: String,
    form: String,
    staff: bool,
    may_prepare: bool,
    may_cancel: bool,
    may_acknowledge: bool,
    talk_types: Vec<(String, String)>,
    talk_type_label: String,
    owners: Vec<(String, String)>,
    agreements: Vec<AgreementLine>,
    previous: Option<(String, Vec<AgreementLine>)>,
    error: Option<String>,
    notes: NotesJson,
    /// The forms a need-based conference can take (CON-8), for staff.
    forms: Vec<(String, String)>,
    today: String,
}

async fn render_booking(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    conf: &Conf,
    refusal: Option<Refusal>,
) -> Res<Response> {
    let tr = viewer.tr;
    let tz = me.time_zone();
    let today = me.today();
    let b = booking_json(state, me, conf).await?;
    let staff = conf.may(me, Action::ConductConference);
    let agreements_of = |booking: i64| async move {
        Ok::<_, WebError>(
            state
                .store
                .agreements_of_booking(me.actor.school_id, booking)
                .await?
                .iter()
                .map(|a| agreement_line(&tr, me, a, today))
                .collect::<Vec<_>>(),
        )
    };
    let agreements = if staff || conf.booking.notes_shared {
        agreements_of(b.id).await?
    } else {
        Vec::new()
    };
    let previous = match &b.previous {
        Some(p) => Some((
            local_text(
                state
                    .store
                    .booking(me.actor.school_id, p.booking_id)
                    .await?
                    .map_or(0, |x| x.starts_at),
                &tz,
            ),
            agreements_of(p.booking_id).await?,
        )),
        None => None,
    };
    let notes = b.notes.clone().unwrap_or(NotesJson {
        academic: None,
        wellbeing: None,
        social: None,
        goals_academic: None,
        goals_social: None,
        summary: None,
        internal_note: None,
        written_by: None,
        shared: false,
        acknowledged_by: None,
        acknowledged_at: None,
    });
    let status = refusal.as_ref().map(|r| r.status);
    let mut response = html(&BookingPage {
        chrome: viewer.chrome(),
        when: format!(
            "{}–{}",
            local_text(conf.booking.starts_at, &tz),
            local_time(conf.booking.ends_at, &tz)
        ),
        form: tr.t(&format!("conferences-form-{}", conf.booking.form.as_str())),
        staff,
        may_prepare: conf.may(me, Action::PrepareConference),
        may_cancel: conf.may(me, Action::BookConference)
            && !conf.booking.notes_written
            && (staff || b.family_may_change),
        may_acknowledge: conf.may(me, Action::AcknowledgeSummary)
            && notes.shared
            && notes.acknowledged_at.is_none(),
        talk_types: TalkType::ALL
            .iter()
            .map(|t| {
                (
                    t.as_str().to_owned(),
                    tr.t(&format!("conferences-talk-{}", t.as_str())),
                )
            })
            .collect(),
        talk_type_label: b
            .talk_type
            .as_deref()
            .map(|t| tr.t(&format!("conferences-talk-{t}")))
            .unwrap_or_default(),
        owners: AgreementOwner::ALL
            .iter()
            .map(|o| {
                (
                    o.as_str().to_owned(),
                    tr.t(&format!("conferences-owner-{}", o.as_str())),
                )
            })
            .collect(),
        agreements,
        previous,
        error: refusal.map(|r| r.text),
        notes,
        b,
        forms: Form::ALL
            .iter()
            .map(|f| {
                (
                    f.as_str().to_owned(),
                    tr.t(&format!("conferences-form-{}", f.as_str())),
                )
            })
            .collect(),
        today: today.to_string(),
        tr,
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn booking_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ViewConference).await?;
    render_booking(&state, &viewer, me, &conf, None).await
}

#[derive(Deserialize)]
struct Empty {}

async fn cancel_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::BookConference).await?;
    cancel(&state, &viewer, me, &conf).await?;
    Ok(Redirect::to(&format!("/conferences/rounds/{}", conf.booking.round_id)).into_response())
}

#[derive(Deserialize)]
struct PreparationForm {
    #[serde(default)]
    topics: Option<String>,
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    talk_type: Option<String>,
    #[serde(default)]
    pupil_attends: Option<String>,
    #[serde(default)]
    interpreter_booked: Option<String>,
    /// Staff's form carries the check boxes; their absence then means "no".
    #[serde(default)]
    staff_form: Option<String>,
}

async fn preparation_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<PreparationForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::PrepareConference).await?;
    let staff_form = form.staff_form.is_some() && conf.may(me, Action::ConductConference);
    let req = PreparationRequest {
        topics: form.topics,
        purpose: if staff_form { form.purpose } else { None },
        talk_type: if staff_form { form.talk_type } else { None },
        pupil_attends: staff_form.then_some(form.pupil_attends.is_some()),
        interpreter_booked: (staff_form && conf.booking.needs.interpreter.is_some())
            .then_some(form.interpreter_booked.is_some()),
    };
    match prepare(&state, me, &viewer.tr, &conf, &req).await? {
        Ok(()) => {
            Ok(Redirect::to(&format!("/conferences/bookings/{}", conf.booking.id)).into_response())
        }
        Err(r) => render_booking(&state, &viewer, me, &conf, Some(r)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Need-based conferences (CON-8)

/// Moves a topic out of a routine conference into a conference of its own for that pupil:
/// staff of the conference choose the time; only the pupil's family is offered the slots.
async fn need_based(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    conf: &Conf,
    req: &RoundRequest,
) -> Res<Result<(i64, usize), Refusal>> {
    if req.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Ok(Err(unprocessable(format!(
            "title: {}",
            tr.t("conferences-error-topic")
        ))));
    }
    let class = state
        .store
        .classes_by_id(me.actor.school_id, &[conf.booking.class_id])
        .await?
        .into_iter()
        .next()
        .ok_or(WebError::NotFound)?;
    let need = NeedBased {
        pupil: conf.booking.pupil.id,
        from_booking: conf.booking.id,
    };
    create_round(state, me, tr, &class, req, Some(need)).await
}

async fn need_based_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ConductConference).await?;
    let get = |k: &str| form_field(&fields, k).trim().to_owned();
    let Ok(slot_minutes) = get("nb_slot_minutes").parse::<i64>() else {
        let r = unprocessable(viewer.tr.t("conferences-error-minutes"));
        return render_booking(&state, &viewer, me, &conf, Some(r)).await;
    };
    let req = RoundRequest {
        title: Some(get("nb_title")),
        form: get("nb_form"),
        days: vec![DayRequest {
            date: get("nb_date"),
            start: get("nb_start"),
            end: get("nb_end"),
        }],
        slot_minutes,
        break_minutes: 0,
        booking_deadline: None,
        with_pupil: Some(!get("nb_with_pupil").is_empty()),
        staff: None,
        households_apart: None,
    };
    match need_based(&state, me, &viewer.tr, &conf, &req).await? {
        Ok((round, _)) => {
            Ok(Redirect::to(&format!("/conferences/rounds/{round}?created=1")).into_response())
        }
        Err(r) => render_booking(&state, &viewer, me, &conf, Some(r)).await,
    }
}

async fn notes_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ConductConference).await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.to_owned())
    };
    let mut agreements = Vec::new();
    for n in 1..=3 {
        let a = AgreementRequest {
            owner: get(&format!("owner_{n}")).unwrap_or_default(),
            what: get(&format!("what_{n}")).unwrap_or_default(),
            due: get(&format!("due_{n}")).unwrap_or_default(),
        };
        if !a.what.trim().is_empty() || !a.due.trim().is_empty() {
            agreements.push(a);
        }
    }
    let req = NotesRequest {
        academic: get("academic"),
        wellbeing: get("wellbeing"),
        social: get("social"),
        goals_academic: get("goals_academic"),
        goals_social: get("goals_social"),
        summary: get("summary"),
        internal_note: get("internal_note"),
        share: get("share").is_some(),
        agreements,
    };
    match write_notes(&state, me, &viewer.tr, &conf, &req).await? {
        Ok(_) => Ok(Redirect::to(&format!(
            "/conferences/bookings/{}?saved=1",
            conf.booking.id
        ))
        .into_response()),
        Err(r) => render_booking(&state, &viewer, me, &conf, Some(r)).await,
    }
}

async fn acknowledge_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::AcknowledgeSummary).await?;
    acknowledge(&state, &viewer, me, &conf).await?;
    Ok(Redirect::to(&format!("/conferences/bookings/{}", conf.booking.id)).into_response())
}

async fn acknowledge(state: &AppState, viewer: &Viewer, me: &SignedIn, conf: &Conf) -> Res<()> {
    match state
        .store
        .acknowledge_notes(me.actor.school_id, conf.booking.id, me.actor.person_id)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(WebError::Conflict(
            viewer.tr.t("conferences-error-not-shared"),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn done_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Res<Response> {
    let me = viewer.require()?;
    let a = mark_done(&state, &viewer, me, &raw).await?;
    Ok(Redirect::to(&format!("/conferences/bookings/{}", a.booking_id)).into_response())
}

// ---------------------------------------------------------------------------------------------
// API

#[derive(Serialize, ToSchema)]
pub struct RoundCreated {
    pub id: i64,
    /// How many slots were generated.
    pub slots: usize,
}

/// Move a topic from a conference into a need-based conference for the same pupil (CON-8):
/// a round of its own whose slots only the pupil's family is offered. Staff of the conference.
/// `title` (the topic, shown to the family) is required; it does not count towards coverage.
#[utoipa::path(post, path = "/api/v1/bookings/{booking}/need-based-conference", tag = "conferences",
    security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    request_body = RoundRequest,
    responses((status = 201, body = RoundCreated), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
pub async fn api_need_based(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<RoundRequest>,
) -> Res<(StatusCode, Json<RoundCreated>)> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ConductConference).await?;
    let (id, slots) = need_based(&state, me, &viewer.tr, &conf, &req)
        .await?
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(RoundCreated { id, slots })))
}

/// Create a conference round for a class: slots are generated from the days, slot length and
/// break, in the school's time zone. Staff of the class and leaders.
#[utoipa::path(post, path = "/api/v1/classes/{id}/conference-rounds", tag = "conferences",
    request_body = RoundRequest, security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 201, body = RoundCreated), (status = 404),
        (status = 409, description = "A taking-part staff member has another round at the same time"),
        (status = 422, description = "Form, days, times, slot length, break or deadline not accepted, with the reason")))]
pub async fn api_create_round(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<RoundRequest>,
) -> Res<(StatusCode, Json<RoundCreated>)> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    let (id, slots) = create_round(&state, me, &viewer.tr, &class, &req, None)
        .await?
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(RoundCreated { id, slots })))
}

/// A class's conference rounds: its staff, leaders and the families of the class.
#[utoipa::path(get, path = "/api/v1/classes/{id}/conference-rounds", tag = "conferences",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, body = Vec<RoundSummaryJson>), (status = 404)))]
pub async fn api_rounds(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Json<Vec<RoundSummaryJson>>> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::ViewConferenceRound).await?;
    let tz = me.time_zone();
    Ok(Json(
        state
            .store
            .rounds_of_class(me.actor.school_id, class.id)
            .await?
            .iter()
            .filter(|r| {
                may(
                    &me.actor,
                    Action::ViewConferenceRound,
                    &round_resource(me, r),
                )
            })
            .map(|r| round_summary(r, &tz))
            .collect(),
    ))
}

/// A round with its slots, free or taken. Families see which times are taken, never by whom
/// (except their own); staff also get the families who have not booked and the interpreters
/// still to book.
#[utoipa::path(get, path = "/api/v1/conference-rounds/{round}", tag = "conferences",
    security(("bearer" = [])), params(("round" = i64, Path, description = "Round id")),
    responses((status = 200, body = RoundJson), (status = 404)))]
pub async fn api_round(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<RoundJson>> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    let slots = state
        .store
        .round_slots(me.actor.school_id, round.id)
        .await?;
    Ok(Json(round_json(&state, me, &round, &slots).await?))
}

#[derive(Serialize, ToSchema)]
pub struct BookingCreated {
    pub id: i64,
    pub slot_id: i64,
    /// The pupil's earlier booking in the round was moved here.
    pub moved: bool,
}

async fn api_book_common(
    state: &AppState,
    viewer: &Viewer,
    slot_id: i64,
    req: &BookRequest,
    in_round: Option<i64>,
) -> Res<(StatusCode, Json<BookingCreated>)> {
    let me = viewer.require()?;
    let needs = req.needs.clone().unwrap_or_default();
    let ask = BookingAsk {
        slot_id,
        pupil_id: req.pupil_id,
        needs: &needs,
        in_round,
        household: req.household,
    };
    let booked = book(state, viewer, me, ask)
        .await?
        .map_err(WebError::from)?;
    let status = match booked {
        Booked::New(_) => StatusCode::CREATED,
        Booked::Moved(_) => StatusCode::OK,
    };
    Ok((
        status,
        Json(BookingCreated {
            id: booked.id(),
            slot_id,
            moved: matches!(booked, Booked::Moved(_)),
        }),
    ))
}

/// Book a slot of the round for a pupil (or move the pupil's booking in the round to it).
/// Guardians with custody until the deadline; the class's staff for any family until the slot.
#[utoipa::path(post, path = "/api/v1/conference-rounds/{round}/bookings", tag = "conferences",
    request_body = BookRequest, security(("bearer" = [])), params(("round" = i64, Path, description = "Round id")),
    responses((status = 201, body = BookingCreated), (status = 200, body = BookingCreated, description = "Moved"),
        (status = 403, description = "May see the conference but not book it"), (status = 404, description = "No such slot in this round, or not one's child"),
        (status = 409, description = "Taken, or the deadline has passed"), (status = 422)))]
pub async fn api_book_in_round(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<BookRequest>,
) -> Res<(StatusCode, Json<BookingCreated>)> {
    let round = parse_id(&raw)?;
    let Some(slot) = req.slot_id else {
        return Err(WebError::Unprocessable("slot_id: required".into()));
    };
    api_book_common(&state, &viewer, slot, &req, Some(round)).await
}

/// Offer a time beside the round's plan, to every family or to one pupil's family only.
#[utoipa::path(post, path = "/api/v1/conference-rounds/{round}/slots", tag = "conferences",
    request_body = OfferRequest, security(("bearer" = [])), params(("round" = i64, Path, description = "Round id")),
    responses((status = 201, body = SlotCreated), (status = 403, description = "May see the round but not plan it"),
        (status = 404), (status = 409, description = "Overlaps another conference of the round's staff"),
        (status = 422, description = "Date, time or pupil not accepted, with the reason")))]
pub async fn api_offer_slot(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<OfferRequest>,
) -> Res<(StatusCode, Json<SlotCreated>)> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    let created = offer(&state, &viewer, me, &round, &req)
        .await?
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Book this slot for a pupil (`{"pupil": id, "needs": {…}}`), or move the pupil's booking in
/// the round here.
#[utoipa::path(post, path = "/api/v1/conference-slots/{slot}/booking", tag = "conferences",
    request_body = BookRequest, security(("bearer" = [])), params(("slot" = i64, Path, description = "Slot id")),
    responses((status = 201, body = BookingCreated), (status = 200, body = BookingCreated, description = "Moved"),
        (status = 403), (status = 404), (status = 409, description = "Taken, or the deadline has passed"), (status = 422)))]
pub async fn api_book_slot(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<BookRequest>,
) -> Res<(StatusCode, Json<BookingCreated>)> {
    let slot = parse_id(&raw)?;
    api_book_common(&state, &viewer, slot, &req, None).await
}

/// Cancel the booking of this slot: families before the deadline, staff until notes exist.
#[utoipa::path(delete, path = "/api/v1/conference-slots/{slot}/booking", tag = "conferences",
    security(("bearer" = [])), params(("slot" = i64, Path, description = "Slot id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "The deadline has passed, or the conference has notes")))]
pub async fn api_cancel_slot(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let booking = state
        .store
        .booking_of_slot(me.actor.school_id, parse_id(&raw)?)
        .await?;
    let conf = conf_for(&state, &viewer, me, booking, Action::BookConference).await?;
    cancel(&state, &viewer, me, &conf).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct PupilSlotsJson {
    #[serde(flatten)]
    pub round: RoundSummaryJson,
    /// `right` or `school_decides`: what the booking form offers about the pupil taking part.
    #[schema(value_type = String)]
    pub participation: Participation,
    /// The pupil's booking in this round.
    pub booking_id: Option<i64>,
    pub booked_slot_id: Option<i64>,
    /// The free slots the viewer may book now.
    pub slots: Vec<SlotJson>,
}

/// The open slots a guardian (or the staff) may book for this pupil, per round of the pupil's
/// classes that has times left.
#[utoipa::path(get, path = "/api/v1/pupils/{id}/conference-slots", tag = "conferences",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Pupil id")),
    responses((status = 200, body = Vec<PupilSlotsJson>), (status = 404)))]
pub async fn api_pupil_slots(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<Vec<PupilSlotsJson>>> {
    let me = viewer.require()?;
    let school = me.actor.school_id;
    let tz = me.time_zone();
    let pupil = state
        .store
        .pupil_detail(school, PersonId(parse_id(&raw)?))
        .await?
        .ok_or(WebError::NotFound)?;
    let mut out = Vec::new();
    let mut allowed = false;
    let now = Timestamp::now();
    let bookings = state
        .store
        .bookings_of_pupil(school, pupil.person.id)
        .await?;
    for class in pupil.class_ids() {
        let conf = conference_resource(me, pupil.person.id, class, false, 0);
        if !may(&me.actor, Action::BookConference, &conf) {
            continue;
        }
        allowed = true;
        let staff = may(&me.actor, Action::ConductConference, &conf);
        for round in state.store.rounds_of_class(school, class).await? {
            if !round_is_for(&round, pupil.person.id)
                || round.last_end.is_none_or(|e| instant(e) <= now)
            {
                continue;
            }
            let open = staff || now < instant(round.booking_deadline);
            let slots = state
                .store
                .round_slots(school, round.id)
                .await?
                .into_iter()
                .filter(|s| {
                    open && s.booking.is_none()
                        && instant(s.starts_at) > now
                        && s.offered_to.is_none_or(|p| p == pupil.person.id)
                })
                .map(|s| SlotJson {
                    id: s.id,
                    starts_at: rfc3339(s.starts_at, &tz),
                    ends_at: rfc3339(s.ends_at, &tz),
                    free: true,
                    booking_id: None,
                    pupil_id: None,
                    pupil_name: None,
                    household: None,
                    offered_to: s.offered_to.map(|p| p.0),
                })
                .collect();
            // The family's booking; in a round booked apart, the viewer's household's.
            let mine = bookings.iter().find(|b| {
                b.round_id == round.id
                    && may(
                        &me.actor,
                        Action::ViewConference,
                        &conference_resource(me, pupil.person.id, class, false, b.household),
                    )
            });
            let day = round.first_start.map_or(me.today(), |t| local_date(t, &tz));
            out.push(PupilSlotsJson {
                participation: participation_of(&state, me, pupil.person.id, &round, day).await?,
                booking_id: mine.map(|b| b.id),
                booked_slot_id: mine.map(|b| b.slot_id),
                round: round_summary(&round, &tz),
                slots,
            });
        }
    }
    if !allowed {
        return Err(WebError::NotFound);
    }
    Ok(Json(out))
}

/// A conference: time, needs, preparation, and the notes the viewer may read (the family:
/// only once shared, never the internal note), agreements, and the previous conference's goals
/// and agreements. Reading notes is audited.
#[utoipa::path(get, path = "/api/v1/bookings/{booking}", tag = "conferences",
    security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 200, body = BookingJson), (status = 404)))]
pub async fn api_booking(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<BookingJson>> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ViewConference).await?;
    Ok(Json(booking_json(&state, me, &conf).await?))
}

/// Cancel a conference: families before the deadline, staff until notes exist.
#[utoipa::path(delete, path = "/api/v1/bookings/{booking}", tag = "conferences",
    security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "The deadline has passed, or the conference has notes")))]
pub async fn api_cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::BookConference).await?;
    cancel(&state, &viewer, me, &conf).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Note what one wants to raise (guardians with custody: their list; staff: theirs, and the
/// purpose, type of talk, whether the pupil takes part, the interpreter booked).
#[utoipa::path(post, path = "/api/v1/bookings/{booking}/preparation", tag = "conferences",
    request_body = PreparationRequest, security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
pub async fn api_preparation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<PreparationRequest>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::PrepareConference).await?;
    prepare(&state, me, &viewer.tr, &conf, &req)
        .await?
        .map_err(WebError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Write the conference's notes (all sections at once) and add agreements; `share` shares
/// everything but the internal note with the guardians. Staff of the conference only. Audited.
#[utoipa::path(put, path = "/api/v1/bookings/{booking}/notes", tag = "conferences",
    request_body = NotesRequest, security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 200, body = NotesSaved), (status = 403, description = "The family may see the conference, not write its notes"),
        (status = 404), (status = 422, description = "A section too long, an agreement without owner, text or date")))]
pub async fn api_notes(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<NotesRequest>,
) -> Res<Json<NotesSaved>> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ConductConference).await?;
    let agreements = write_notes(&state, me, &viewer.tr, &conf, &req)
        .await?
        .map_err(WebError::from)?;
    Ok(Json(NotesSaved { agreements }))
}

/// The guardians acknowledge the shared summary.
#[utoipa::path(post, path = "/api/v1/bookings/{booking}/acknowledge", tag = "conferences",
    security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "Nothing shared yet")))]
pub async fn api_acknowledge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::AcknowledgeSummary).await?;
    acknowledge(&state, &viewer, me, &conf).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which pupils of the class have had this school year's required conferences (DK 1, NO 2; in
/// Norway each must end in a shared summary).
#[utoipa::path(get, path = "/api/v1/classes/{id}/conference-coverage", tag = "conferences",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, body = CoverageJson), (status = 404)))]
pub async fn api_coverage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Json<CoverageJson>> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    Ok(Json(coverage_of(&state, me, &class).await?))
}

/// The class's open agreements, by due date (the staff's follow-up view).
#[utoipa::path(get, path = "/api/v1/classes/{id}/agreements", tag = "conferences",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, body = Vec<AgreementJson>), (status = 404)))]
pub async fn api_class_agreements(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Json<Vec<AgreementJson>>> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    let today = me.today();
    Ok(Json(
        state
            .store
            .open_agreements_of_class(me.actor.school_id, class.id)
            .await?
            .iter()
            .map(|a| agreement_json(a, today))
            .collect(),
    ))
}

/// The open agreements the viewer owns: a family's (home and pupil, once shared), a pupil's
/// own, and the school's in the classes one teaches.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "conferences", security(("bearer" = [])),
    responses((status = 200, body = Vec<AgreementJson>)))]
pub async fn api_my_agreements(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Res<Json<Vec<AgreementJson>>> {
    let me = viewer.require()?;
    let today = me.today();
    Ok(Json(
        my_agreements(&state, me)
            .await?
            .iter()
            .map(|a| agreement_json(a, today))
            .collect(),
    ))
}

/// Mark an agreement done: its owners (a family its home and pupil agreements) and the class's
/// staff.
#[utoipa::path(post, path = "/api/v1/agreements/{agreement}/done", tag = "conferences",
    security(("bearer" = [])), params(("agreement" = i64, Path, description = "Agreement id")),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn api_done(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    mark_done(&state, &viewer, me, &raw).await?;
    Ok(StatusCode::NO_CONTENT)
}
