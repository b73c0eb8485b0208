//! The JSON API's shared parts: the OpenAPI description. Each area's API handlers live in the
//! area's own module beside its pages.

use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Statuses the shared layers answer on every operation they guard, so each operation need not
/// list them: 401 where a bearer token is required, 400 for a path or query the extractors cannot
/// read, and 400/415 for a JSON body that is malformed or not JSON. All are problem JSON.
struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content("application/problem+json", ContentBuilder::new().build())
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                let responses = &mut op.responses.responses;
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    responses
                        .entry("401".into())
                        .or_insert_with(|| problem("No valid token").into());
                }
                if op.parameters.as_ref().is_some_and(|p| !p.is_empty())
                    || op.request_body.is_some()
                {
                    responses.entry("400".into()).or_insert_with(|| {
                        problem("A parameter or body that cannot be read").into()
                    });
                }
                if op.request_body.is_some() {
                    responses
                        .entry("415".into())
                        .or_insert_with(|| problem("The body is not JSON").into());
                    responses
                        .entry("422".into())
                        .or_insert_with(|| problem("A body that does not fit the schema").into());
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "skolebro API",
        description = "School-home collaboration. Errors are RFC 9457 problem JSON. Get a bearer \
                       token from POST /api/v1/session.",
    ),
    paths(
        crate::auth::api_create_session,
        crate::auth::api_end_session,
        crate::people::api_me,
        crate::people::api_class,
        crate::people::api_pupil,
        crate::messages::api_create_thread,
        crate::messages::api_inbox,
        crate::messages::api_thread,
        crate::messages::api_reply,
        crate::messages::api_attach,
        crate::messages::api_mark_read,
        crate::messages::api_open,
        crate::messages::api_recipients,
        crate::messages::api_tone,
        crate::messages::api_conversations,
        crate::messages::api_log_conversation,
        crate::absence::api_report,
        crate::absence::api_reports,
        crate::absence::api_withdraw,
        crate::absence::api_codes,
        crate::absence::api_add_code,
        crate::absence::api_rates,
        crate::absence::api_register,
        crate::absence::api_record_register,
        crate::cases::api_list,
        crate::cases::api_case,
        crate::cases::api_coordinator,
        crate::cases::api_plan,
        crate::cases::api_contact,
        crate::cases::api_agreement,
        crate::cases::api_note,
        crate::cases::api_check,
        crate::cases::api_escalate,
        crate::cases::api_close,
        crate::cases::api_raise_concern,
        crate::cases::api_concern,
        crate::cases::api_answer,
        crate::cases::api_duty_plan,
        crate::cases::api_open_case,
        crate::cases::api_checklists,
        crate::cases::api_set_checklist,
        crate::conferences::api_create_round,
        crate::conferences::api_rounds,
        crate::conferences::api_round,
        crate::conferences::api_book_in_round,
        crate::conferences::api_pupil_slots,
        crate::conferences::api_book_slot,
        crate::conferences::api_cancel_slot,
        crate::conferences::api_booking,
        crate::conferences::api_cancel,
        crate::conferences::api_preparation,
        crate::conferences::api_notes,
        crate::conferences::api_acknowledge,
        crate::conferences::api_need_based,
        crate::conferences::api_coverage,
        crate::conferences::api_class_agreements,
        crate::conferences::api_my_agreements,
        crate::conferences::api_done,
        crate::calendar::api_events,
        crate::calendar::api_create_event,
        crate::calendar::api_rsvp,
        crate::calendar::api_homework,
        crate::calendar::api_add_homework,
        crate::meetings::api_meetings,
        crate::meetings::api_create,
        crate::meetings::api_meeting,
        crate::meetings::api_propose,
        crate::meetings::api_vote,
        crate::meetings::api_rsvp,
        crate::posts::api_create,
        crate::posts::api_list,
        crate::posts::api_post,
        crate::posts::api_acknowledge,
        crate::posts::api_acknowledgements,
        crate::posts::api_pin,
        crate::posts::api_add_image,
        crate::posts::api_album,
        crate::posts::api_add_photo,
        crate::posts::api_consent,
        crate::notify::api_preferences,
        crate::notify::api_set_preferences,
        crate::notify::api_outbox,
    ),
    modifiers(&BearerAuth, &SharedResponses),
    tags((name = "auth", description = "Sessions"), (name = "people", description = "Schools, classes, pupils, guardians"),
        (name = "messages", description = "Conversations, tone help, logged calls and talks"),
        (name = "absence", description = "Absence reports, registers, rates"),
        (name = "cases", description = "Worrying absence, concerns and the duty to act, crisis routines"),
        (name = "conferences", description = "Conference rounds and bookings, preparation, notes, agreements, coverage"),
        (name = "calendar", description = "Events with answers, homework; each person's iCalendar feed is at calendar_feed_url of /api/v1/me"),
        (name = "meetings", description = "Parent meetings: planning with the parent representatives, themes and votes, replies with needs"),
        (name = "posts", description = "Posts and newsletters, read-and-understood acknowledgements, class photo albums and photo consent"),
        (name = "notify", description = "Notification choices per kind, and the school's outbox"))
)]
pub struct ApiDoc;

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(openapi))
}
