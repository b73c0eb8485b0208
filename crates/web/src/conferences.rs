//! Conference pages and API (CON-1..7, PEO-4): staff plan rounds of slots per class, families
//! book, move and cancel until the deadline, both sides prepare, staff write notes whose
//! summary is shared apart from the internal note, agreements are followed up, and the class's
//! coverage against the country's yearly minimum is shown. The rules live in
//! `skolebro_domain::conferences` and `access`; this module wires them up. It holds the routes
//! and what every part shares (loading a round or a booking with the access check, the texts
//! of refusals); the parts are `rounds`, `bookings` (with preparation), `notes`, `need_based`,
//! `follow_up` (coverage and agreements), the JSON shapes in `json`, the pages in `pages` and
//! the API handlers in `api`.

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
use serde::{Deserialize, Serialize};
use skolebro_domain::calendar;
use skolebro_domain::conferences::{
    self as rules, AgreementOwner, AgreementProblem, BookingProblem, Coverage, DayWindow, Form,
    Participation, PlanProblem, SlotPlan, TalkType,
};
use skolebro_domain::notify::NotifyKind;
use skolebro_domain::people::InterpreterNeed;
use skolebro_domain::profile::profile;
use skolebro_domain::{may, Access, Action, ClassId, PersonId, Resource};
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

mod api;
mod bookings;
mod follow_up;
mod json;
mod need_based;
mod notes;
mod pages;
mod rounds;

pub use self::{api::*, bookings::*, json::*, notes::*, rounds::*};
use self::{follow_up::*, need_based::*, pages::*};

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
