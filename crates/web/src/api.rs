//! The JSON API's shared parts: the OpenAPI description. Each area's API handlers live in the
//! area's own module beside its pages.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{AppState, WebError, BODY_LIMIT};

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
        let mut multipart_forms = Vec::new();
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                positive_path_ids(op);
                multipart_forms.extend(multipart_form(op));
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
        // A form's fields are the ones named: browsers send no others, and a field name the
        // multipart parser cannot read is refused (400) before any handler sees it.
        if let Some(components) = openapi.components.as_mut() {
            for name in multipart_forms {
                if let Some(utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(o))) =
                    components.schemas.get_mut(&name)
                {
                    o.additional_properties = Some(Box::new(
                        utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                    ));
                }
            }
        }
    }
}

/// The component name of a `multipart/form-data` request body.
fn multipart_form(op: &utoipa::openapi::path::Operation) -> Option<String> {
    let body = op.request_body.as_ref()?;
    let content = body.content.get("multipart/form-data")?;
    match content.schema.as_ref()? {
        utoipa::openapi::RefOr::Ref(r) => r.ref_location.rsplit('/').next().map(str::to_owned),
        _ => None,
    }
}

/// Every integer in a path is a record's id, and ids start at 1: the schema says so, so that a
/// client (or a fuzzer) knows `0` and `-5` can name nothing.
fn positive_path_ids(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    use utoipa::openapi::RefOr;
    for p in op.parameters.iter_mut().flatten() {
        if !matches!(p.parameter_in, ParameterIn::Path) {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut() {
            if o.schema_type == SchemaType::Type(Type::Integer) {
                o.minimum = Some(1f64.into());
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
        crate::conferences::api_offer_slot,
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

/// The API's optional dates are a day or left out; an empty string is neither. (The pages'
/// forms send an empty field and mean the default there, so this check is the API handlers'.)
pub fn day_or_left_out(field: &str, value: Option<&str>) -> Result<(), WebError> {
    if value.is_some_and(|d| d.trim().is_empty()) {
        return Err(WebError::Unprocessable(format!(
            "{field}: YYYY-MM-DD, or leave it out"
        )));
    }
    Ok(())
}

/// Refuses a JSON body that is not an object (422). JSON Schema counts `172.0` as an integer; serde's integer types refuse it. Every JSON body of
/// the API passes through here first: an integral number written with a fraction or an exponent
/// (within the range of `i64`) becomes the plain integer, so that each handler's `Json` extractor,
/// and its clear 422 for everything else, need not know. Bodies that are not JSON, or not valid
/// JSON, go on untouched for the extractor to refuse as before.
pub async fn normalise_json_numbers(req: Request, next: Next) -> Response {
    let json = req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let v = v.trim_start().to_ascii_lowercase();
                v.starts_with("application/json")
                    || (v.starts_with("application/") && v.contains("+json"))
            });
    if !json {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return WebError::PayloadTooLarge.into_response();
    };
    let mut body = Body::from(bytes.clone());
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        // Every body of the API is an object; serde would also read a struct from an array
        // of its fields in order (`[]` for one whose fields all have defaults).
        if !value.is_object() {
            return WebError::Unprocessable("the body must be a JSON object".into())
                .into_response();
        }
        if normalise(&mut value) {
            if let Ok(v) = serde_json::to_vec(&value) {
                parts.headers.remove(header::CONTENT_LENGTH);
                body = Body::from(v);
            }
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Rewrites integral floats in `value` as integers; whether anything changed.
fn normalise(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            // i64::MIN is exactly representable; i64::MAX is not (it rounds up to 2^63).
            Some(f)
                if f.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) =>
            {
                *value = Value::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => items.iter_mut().fold(false, |c, v| normalise(v) | c),
        Value::Object(map) => map.values_mut().fold(false, |c, v| normalise(v) | c),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;
    use serde_json::json;

    #[test]
    fn integral_floats_become_integers_and_nothing_else_changes() {
        let mut v =
            json!({"a": 172.0, "b": [-3.0, 1.5, 2e3], "c": {"d": "7.0", "e": 1e300}, "f": -0.0});
        assert!(normalise(&mut v));
        assert_eq!(
            v,
            json!({"a": 172, "b": [-3, 1.5, 2000], "c": {"d": "7.0", "e": 1e300}, "f": 0})
        );
        let mut plain = json!({"a": 1, "b": "x", "c": [true, null, 0.5]});
        assert!(!normalise(&mut plain));
        let mut edge = json!([-9.223_372_036_854_776e18, 9.223_372_036_854_776e18]);
        normalise(&mut edge);
        assert_eq!(edge[0], json!(i64::MIN));
        assert!(
            edge[1].is_f64(),
            "2^63 does not fit an i64 and stays as it was"
        );
    }
}
