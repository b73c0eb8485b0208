//! The authorization matrix: every route, pages and API, walked with every role, asserting allow
//! or deny for each. A route that is not in the matrix fails `every_route_is_in_the_matrix`, so
//! each new route must join it.
//!
//! The resource under test is `pupil4` of the first class: its family has two households, the
//! second with information-only access, so every kind of guardian exists around it.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::{TestApp, PASSWORD};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Who {
    Leader,
    ContactTeacher,
    SubjectTeacher,
    OtherTeacher,
    Guardian,
    OtherGuardian,
    InfoGuardian,
    Pupil,
    OtherPupil,
    Anonymous,
}

use Who::*;

const EVERYONE: &[Who] = &[
    Leader,
    ContactTeacher,
    SubjectTeacher,
    OtherTeacher,
    Guardian,
    OtherGuardian,
    InfoGuardian,
    Pupil,
    OtherPupil,
    Anonymous,
];
const SIGNED_IN: &[Who] = &[
    Leader,
    ContactTeacher,
    SubjectTeacher,
    OtherTeacher,
    Guardian,
    OtherGuardian,
    InfoGuardian,
    Pupil,
    OtherPupil,
];

/// How a request is made.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A page, with the browser's session cookie.
    Page,
    /// A form post with the page's CSRF token.
    Form(&'static [(&'static str, &'static str)]),
    /// The JSON API, with a bearer token.
    Api,
    /// The JSON API with this body; `{teacher}` stands for the contact teacher's person id.
    Json(&'static str),
    /// The API with a `multipart/form-data` body: a small PDF in the field `file`.
    Upload,
}

struct Route {
    method: &'static str,
    /// The route as the router names it.
    pattern: &'static str,
    kind: Kind,
    /// Who may.
    allowed: &'static [Who],
    /// The status an allowed request gets.
    ok: u16,
    /// The status a denied, signed-in request gets: 404 for records (as if they did not exist),
    /// 403 where the request names someone the sender may not reach.
    deny: u16,
}

/// `deny` for a change to a case: 403 for the school's staff outside it, 404 for the rest.
const CASE_DENY: u16 = 1403;
/// `deny` for a change to a concern: 403 also for the guardian who raised it.
const CONCERN_DENY: u16 = 2403;
/// `deny` for a change to a conference: 403 for those who may see it (its staff, the pupil's
/// guardians), 404 for everyone else.
const CONFERENCE_DENY: u16 = 3403;
/// `deny` for planning a class's conference round: 403 for those who see the round (the class's
/// families), 404 for everyone else.
const ROUND_DENY: u16 = 8403;
/// `deny` for a change to a parent meeting, board or class of meetings: 403 for the school's
/// staff and guardians (they may know of it), 404 for pupils.
const MEETING_DENY: u16 = 7403;
/// `deny` for a change to a parent body: 403 for its member, 404 for everyone else.
const BODY_DENY: u16 = 6403;

/// `deny` for answering an event: 403 for those who see it but are not invited to answer (its
/// staff, leaders, pupils), 404 for everyone else.
const EVENT_DENY: u16 = 5403;

/// `deny` for a change to a post or album one may see: 404 for the teacher outside the class
/// (who does not see it), 403 for everyone else.
const POST_DENY: u16 = 4403;

/// The status a denied, signed-in `who` gets.
fn denied_status(deny: u16, who: Who) -> u16 {
    let staff = matches!(who, Leader | ContactTeacher | SubjectTeacher | OtherTeacher);
    match deny {
        POST_DENY if who == OtherTeacher => 404,
        POST_DENY => 403,
        CASE_DENY if staff => 403,
        CONCERN_DENY if staff || who == Guardian => 403,
        CASE_DENY | CONCERN_DENY => 404,
        CONFERENCE_DENY
            if matches!(
                who,
                Leader | ContactTeacher | SubjectTeacher | Guardian | InfoGuardian
            ) =>
        {
            403
        }
        CONFERENCE_DENY => 404,
        ROUND_DENY if matches!(who, Guardian | InfoGuardian | OtherGuardian) => 403,
        ROUND_DENY => 404,
        MEETING_DENY if staff || matches!(who, Guardian | OtherGuardian | InfoGuardian) => 403,
        MEETING_DENY => 404,
        BODY_DENY if who == Guardian => 403,
        BODY_DENY => 404,
        EVENT_DENY
            if matches!(
                who,
                Leader | ContactTeacher | SubjectTeacher | Pupil | OtherPupil
            ) =>
        {
            403
        }
        EVENT_DENY => 404,
        other => other,
    }
}

fn routes() -> Vec<Route> {
    vec![
        Route {
            method: "GET",
            pattern: "/",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/login",
            kind: Kind::Page,
            allowed: &[Anonymous],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/login",
            kind: Kind::Form(&[("username", "guardian1"), ("password", PASSWORD)]),
            allowed: EVERYONE,
            ok: 303,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/logout",
            kind: Kind::Form(&[]),
            allowed: EVERYONE,
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/overview",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}",
            kind: Kind::Page,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/pupils/{id}",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                InfoGuardian,
                Pupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/profile",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/profile/language",
            kind: Kind::Form(&[("language", "browser")]),
            allowed: SIGNED_IN,
            ok: 303,
            deny: 404,
        },
        // A wrong current password: allowed requests get the form back with 422, nothing changes.
        Route {
            method: "POST",
            pattern: "/profile/password",
            kind: Kind::Form(&[
                ("current", "wrong"),
                ("new", "long enough password"),
                ("repeat", "long enough password"),
            ]),
            allowed: SIGNED_IN,
            ok: 422,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/healthz",
            kind: Kind::Page,
            allowed: EVERYONE,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/static/style.css",
            kind: Kind::Page,
            allowed: EVERYONE,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/openapi.json",
            kind: Kind::Api,
            allowed: EVERYONE,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/session",
            kind: Kind::Api,
            allowed: EVERYONE,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/me",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/classes/{id}",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/pupils/{id}",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                InfoGuardian,
                Pupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "DELETE",
            pattern: "/api/v1/session",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 204,
            deny: 404,
        },
        // Messages (MSG-1..4, MSG-9). The conversation under test was started by the contact
        // teacher with the custodial guardian; nobody else, not even a leader, reads it.
        Route {
            method: "GET",
            pattern: "/messages",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/messages/new",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        // Checking a draft's tone sends nothing and is open to everyone signed in.
        Route {
            method: "POST",
            pattern: "/messages/new",
            kind: Kind::Form(&[
                ("to", "{teacher}"),
                ("subject", "Spørgsmål"),
                ("body", "Hej, hvornår er der forældremøde? Venlig hilsen"),
                ("action", "check"),
            ]),
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/messages/events",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/messages/{id}",
            kind: Kind::Page,
            allowed: &[ContactTeacher, Guardian],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/messages/{id}/reply",
            kind: Kind::Form(&[("body", "Tak for beskeden.")]),
            allowed: &[ContactTeacher, Guardian],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/messages/{id}/open",
            kind: Kind::Form(&[]),
            allowed: &[ContactTeacher],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/pupils/{id}/contact",
            kind: Kind::Page,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/pupils/{id}/contact",
            kind: Kind::Form(&[
                ("happened_on", "2024-01-15"),
                ("channel", "phone"),
                ("participants", "Mor og kontaktlærer"),
                ("topic", "Trivsel i frikvartererne"),
                ("agreements", "Vi taler igen om en uge."),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/settings/messages",
            kind: Kind::Page,
            allowed: &[Leader],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/settings/messages",
            kind: Kind::Form(&[("contact_hours", "")]),
            allowed: &[Leader],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/static/live.js",
            kind: Kind::Page,
            allowed: EVERYONE,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/threads",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        // Everyone around the class may write to its contact teacher, except the teacher
        // themself; a recipient one may not reach is refused with 403.
        Route {
            method: "POST",
            pattern: "/api/v1/threads",
            kind: Kind::Json(
                r#"{"recipients": [{teacher}], "subject": "Et spørgsmål", "body": "Hej! Hvornår er der forældremøde?"}"#,
            ),
            allowed: &[
                Leader,
                SubjectTeacher,
                OtherTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 201,
            deny: 403,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/threads/{id}",
            kind: Kind::Api,
            allowed: &[ContactTeacher, Guardian],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/threads/{id}/messages",
            kind: Kind::Json(r#"{"body": "Tak, det lyder godt."}"#),
            allowed: &[ContactTeacher, Guardian],
            ok: 201,
            deny: 404,
        },
        // Files: sent and fetched by the conversation's participants alone (MSG-1).
        Route {
            method: "POST",
            pattern: "/api/v1/threads/{id}/attachments",
            kind: Kind::Upload,
            allowed: &[ContactTeacher, Guardian],
            ok: 201,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/messages/{id}/attachments/{attachment}",
            kind: Kind::Page,
            allowed: &[ContactTeacher, Guardian],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/threads/{id}/read",
            kind: Kind::Json("{}"),
            allowed: &[ContactTeacher, Guardian],
            ok: 204,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/threads/{id}/open",
            kind: Kind::Json("{}"),
            allowed: &[ContactTeacher],
            ok: 204,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/recipients",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/tone",
            kind: Kind::Json(
                r#"{"text": "Hej. Det går godt i klassen. Venlig hilsen", "lang": "da"}"#,
            ),
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/pupils/{id}/conversations",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/pupils/{id}/conversations",
            kind: Kind::Json(
                r#"{"happened_on": "2024-01-15", "channel": "meeting", "participants": "Far", "topic": "Lektier", "agreements": ""}"#,
            ),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: 404,
        },
        // Absence (ABS-1, ABS-2): reasons are sensitive, seen by the family and the pupil's
        // staff; reported by custodial guardians and staff; registers are the class's staff's.
        Route {
            method: "GET",
            pattern: "/absence",
            kind: Kind::Page,
            allowed: &[Leader, ContactTeacher, SubjectTeacher, OtherTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/pupils/{id}/absence",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/pupils/{id}/absence",
            kind: Kind::Form(&[("from", "{freshday}"), ("reason", "illness")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/pupils/{id}/absence/{aid}/withdraw",
            kind: Kind::Form(&[]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/pupils/{id}/absence/{aid}/decision",
            kind: Kind::Form(&[("granted", "yes")]),
            allowed: &[Leader, ContactTeacher],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}/register",
            kind: Kind::Page,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/classes/{id}/register",
            kind: Kind::Form(&[("session", "morning")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/settings/absence",
            kind: Kind::Page,
            allowed: &[Leader],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/settings/absence",
            kind: Kind::Form(&[("action", "level"), ("warn_percent", "")]),
            allowed: &[Leader],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/absence-codes",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher, OtherTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/absence-codes",
            kind: Kind::Json(r#"{"code": "doctor", "label": "Lægebesøg", "category": "leave"}"#),
            allowed: &[Leader],
            ok: 204,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/pupils/{id}/absences",
            kind: Kind::Json(r#"{"from": "{freshday}", "reason": "illness"}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 201,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/pupils/{id}/absences",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "DELETE",
            pattern: "/api/v1/pupils/{id}/absences/{aid}",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 204,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/pupils/{id}/absence-rates",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/classes/{id}/register",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/classes/{id}/register",
            kind: Kind::Json(r#"{"session": "morning", "absent": []}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        // Cases (ABS-3, ABS-4, WEL-1). The crisis case under test was opened by the subject
        // teacher, who coordinates it; the concern was raised by the custodial guardian and is
        // owned by the contact teacher. A refused change is 403 to those who know the case
        // exists (the school's staff; the guardian who raised a concern), 404 to everyone else.
        Route {
            method: "GET",
            pattern: "/cases",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                OtherTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/cases/{id}",
            kind: Kind::Page,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/cases/{id}/coordinator",
            kind: Kind::Form(&[("person_id", "{teacher}")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/cases/{id}/plan",
            kind: Kind::Form(&[
                ("contact_by", "{teacher}"),
                ("whom", "family"),
                ("every_days", "7"),
                ("channel", "phone"),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/cases/{id}/contacts",
            kind: Kind::Form(&[
                ("whom", "family"),
                ("channel", "phone"),
                ("note", "Ringede hjem; alt vel."),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/cases/{id}/agreement",
            kind: Kind::Form(&[("agreement", "Klassen må vide, at eleven er væk en tid.")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/cases/{id}/notes",
            kind: Kind::Form(&[("body", "Et internt notat.")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/cases/{id}/checklist",
            kind: Kind::Form(&[("item", "1"), ("done", "1")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/cases/{id}/escalations",
            kind: Kind::Form(&[
                ("target", "leadership"),
                ("note", "Ledelsen er orienteret."),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/cases/{id}/close",
            kind: Kind::Form(&[("reason", "other"), ("note", "Afsluttet.")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/concerns/{id}/answer",
            kind: Kind::Form(&[("body", "Tak, vi tager hånd om det.")]),
            allowed: &[Leader, ContactTeacher],
            ok: 303,
            deny: CONCERN_DENY,
        },
        Route {
            method: "POST",
            pattern: "/concerns/{id}/plan",
            kind: Kind::Form(&[
                ("problem", "Drilleri i frikvarteret"),
                ("measures", "Gårdvagt og klassemøde"),
                ("when", "Fra i morgen"),
                ("interim", "En voksen ved boldbanen"),
            ]),
            allowed: &[Leader, ContactTeacher],
            ok: 303,
            deny: CONCERN_DENY,
        },
        Route {
            method: "GET",
            pattern: "/pupils/{id}/concerns",
            kind: Kind::Page,
            allowed: &[Guardian],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/pupils/{id}/concerns",
            kind: Kind::Form(&[
                ("topic", "wellbeing"),
                ("text", "Hun er ked af det om morgenen."),
            ]),
            allowed: &[Guardian],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/pupils/{id}/cases",
            kind: Kind::Page,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/pupils/{id}/cases",
            kind: Kind::Form(&[
                ("kind", "absence"),
                ("summary", "Meget fravær om mandagen."),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/settings/checklists",
            kind: Kind::Page,
            allowed: &[Leader],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/settings/checklists",
            kind: Kind::Form(&[
                ("crisis_type", "other"),
                ("items", "Ring hjem\nAftal opfølgning"),
            ]),
            allowed: &[Leader],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/cases",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                OtherTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/cases/{id}",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/cases/{id}/coordinator",
            kind: Kind::Json(r#"{"person_id": {teacher}}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 204,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/cases/{id}/plan",
            kind: Kind::Json(
                r#"{"contact_by": {teacher}, "whom": "pupil", "every_days": 14, "channel": "meeting"}"#,
            ),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/cases/{id}/contacts",
            kind: Kind::Json(
                r#"{"whom": "pupil", "channel": "meeting", "note": "Talte med eleven."}"#,
            ),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: CASE_DENY,
        },
        Route {
            method: "PUT",
            pattern: "/api/v1/cases/{id}/agreement",
            kind: Kind::Json(r#"{"text": "Klassen må vide, at eleven er syg."}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 204,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/cases/{id}/notes",
            kind: Kind::Json(r#"{"body": "Et internt notat."}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/cases/{id}/checklist",
            kind: Kind::Json(r#"{"item": 2, "done": true}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 204,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/cases/{id}/escalations",
            kind: Kind::Json(r#"{"target": "support", "note": "PPR er kontaktet."}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: CASE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/cases/{id}/close",
            kind: Kind::Json(r#"{"reason": "other"}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 204,
            deny: CASE_DENY,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/concerns/{id}",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, Guardian],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/concerns/{id}/answer",
            kind: Kind::Json(r#"{"body": "Tak for beskeden."}"#),
            allowed: &[Leader, ContactTeacher],
            ok: 201,
            deny: CONCERN_DENY,
        },
        Route {
            method: "PUT",
            pattern: "/api/v1/concerns/{id}/plan",
            kind: Kind::Json(
                r#"{"problem": "Drilleri", "measures": "Gårdvagt", "when": "Straks", "interim": "En voksen ved boldbanen"}"#,
            ),
            allowed: &[Leader, ContactTeacher],
            ok: 204,
            deny: CONCERN_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/pupils/{id}/concerns",
            kind: Kind::Json(r#"{"topic": "other", "text": "Han er træt om morgenen."}"#),
            allowed: &[Guardian],
            ok: 201,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/pupils/{id}/cases",
            kind: Kind::Json(
                r#"{"kind": "crisis", "crisis_type": "other", "summary": "Familien er i krise."}"#,
            ),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/checklists",
            kind: Kind::Api,
            allowed: &[Leader],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "PUT",
            pattern: "/api/v1/checklists",
            kind: Kind::Json(r#"{"crisis_type": "other", "items": ["Ring hjem"]}"#),
            allowed: &[Leader],
            ok: 204,
            deny: 404,
        },
        // Conferences (CON-1..7). Round A holds the pupil's conference under test, with notes
        // shared and an agreement for the home; round B is where booking and cancelling are
        // tried, emptied or filled before each request. The other guardian of the class sees
        // the rounds' free and taken times, never the pupil's conference; a refused change to a
        // conference one may see is 403, anything else 404.
        Route {
            method: "GET",
            pattern: "/conferences",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/agreements",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}/conferences",
            kind: Kind::Page,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/classes/{id}/conferences",
            kind: Kind::Form(&[
                ("form", "school"),
                ("date_1", "{freshday}"),
                ("start_1", "08:00"),
                ("end_1", "09:00"),
                ("slot_minutes", "20"),
                ("break_minutes", "0"),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/conferences/rounds/{round}",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/conferences/rounds/{round}/bookings",
            kind: Kind::Form(&[("slot_id", "{freeslot}"), ("pupil_id", "{pupil}")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 303,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/conferences/rounds/{round}/slots",
            kind: Kind::Form(&[
                ("date", "{freshday}"),
                ("start", "07:00"),
                ("pupil_id", "{pupil}"),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: ROUND_DENY,
        },
        Route {
            method: "GET",
            pattern: "/conferences/bookings/{booking}",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/conferences/bookings/{booking}/cancel",
            kind: Kind::Form(&[]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 303,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/conferences/bookings/{booking}/preparation",
            kind: Kind::Form(&[("topics", "Læsning og venskaber")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 303,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/conferences/bookings/{booking}/notes",
            kind: Kind::Form(&[("summary", "Vi talte om læsning."), ("share", "1")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/conferences/bookings/{booking}/need-based",
            kind: Kind::Form(&[
                ("nb_title", "Trivsel"),
                ("nb_form", "school"),
                ("nb_date", "{freshday}"),
                ("nb_start", "14:00"),
                ("nb_end", "15:00"),
                ("nb_slot_minutes", "30"),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/conferences/bookings/{booking}/acknowledge",
            kind: Kind::Form(&[]),
            allowed: &[Guardian, InfoGuardian],
            ok: 303,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/conferences/agreements/{agreement}/done",
            kind: Kind::Form(&[]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 303,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/classes/{id}/conference-rounds",
            kind: Kind::Json(
                r#"{"form": "phone", "days": [{"date": "{freshday}", "start": "08:00", "end": "09:00"}], "slot_minutes": 15}"#,
            ),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/classes/{id}/conference-rounds",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/conference-rounds/{round}",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/conference-rounds/{round}/bookings",
            kind: Kind::Json(r#"{"slot_id": {freeslot}, "pupil_id": {pupil}}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 201,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/conference-rounds/{round}/slots",
            kind: Kind::Json(r#"{"date": "{freshday}", "start": "07:30", "pupil": {pupil}}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: ROUND_DENY,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/pupils/{id}/conference-slots",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/conference-slots/{slot}/booking",
            kind: Kind::Json(r#"{"pupil": {pupil}, "needs": {"online": true}}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 201,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "DELETE",
            pattern: "/api/v1/conference-slots/{slot}/booking",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 204,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/bookings/{booking}",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "DELETE",
            pattern: "/api/v1/bookings/{booking}",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 204,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/bookings/{booking}/preparation",
            kind: Kind::Json(r#"{"topics": "Lektier"}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 204,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "PUT",
            pattern: "/api/v1/bookings/{booking}/notes",
            kind: Kind::Json(r#"{"summary": "Godt skoleår.", "share": true}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/bookings/{booking}/need-based-conference",
            kind: Kind::Json(
                r#"{"title": "Trivsel", "form": "phone", "slot_minutes": 30, "days": [{"date": "{freshday}", "start": "14:00", "end": "15:00"}]}"#,
            ),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/bookings/{booking}/acknowledge",
            kind: Kind::Json("{}"),
            allowed: &[Guardian, InfoGuardian],
            ok: 204,
            deny: CONFERENCE_DENY,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/classes/{id}/conference-coverage",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/classes/{id}/agreements",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/agreements",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/agreements/{agreement}/done",
            kind: Kind::Json("{}"),
            allowed: &[Leader, ContactTeacher, SubjectTeacher, Guardian],
            ok: 204,
            deny: CONFERENCE_DENY,
        },
        // Calendar (MSG-6) and contact book (MSG-7). The event under test is the demo's event
        // of the first class, with answers open; the first class is below grade 3, so allowed
        // homework requests are refused with 422 after the access check. `guardian1` and `pupil1`
        // (the "other" family) are of the same class: its events, homework and contact book
        // are theirs too.
        Route {
            method: "GET",
            pattern: "/calendar",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/calendar/events/new",
            kind: Kind::Page,
            allowed: &[Leader, ContactTeacher, SubjectTeacher, OtherTeacher],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/calendar/events",
            kind: Kind::Form(&[
                ("target", "class:{class}"),
                ("title", "Udflugt til skoven"),
                ("starts_at", "2030-05-02T09:00"),
                ("ends_at", "2030-05-02T14:00"),
                ("rsvp", "1"),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: 403,
        },
        Route {
            method: "GET",
            pattern: "/calendar/events/{id}",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/calendar/events/{id}/answer",
            kind: Kind::Form(&[("answer", "yes"), ("people", "2"), ("note", "")]),
            allowed: &[Guardian, OtherGuardian, InfoGuardian],
            ok: 303,
            deny: EVENT_DENY,
        },
        Route {
            method: "GET",
            pattern: "/calendar/settings",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/calendar/settings/feed",
            kind: Kind::Form(&[]),
            allowed: SIGNED_IN,
            ok: 303,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/calendar/settings/feed/revoke",
            kind: Kind::Form(&[]),
            allowed: SIGNED_IN,
            ok: 303,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/calendar/settings/sharing",
            kind: Kind::Form(&[("share_email", "1")]),
            allowed: SIGNED_IN,
            ok: 303,
            deny: 404,
        },
        // The feed's secret address is its only credential: the guardian's current address
        // answers anyone who has it.
        Route {
            method: "GET",
            pattern: "/calendar/feed/{token}",
            kind: Kind::Page,
            allowed: EVERYONE,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}/homework",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/classes/{id}/homework",
            kind: Kind::Form(&[
                ("day", "2030-05-02"),
                ("subject", "Dansk"),
                ("text", "Læs side 3."),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 422,
            // Staff of the school and the class's families know the class: 403.
            deny: 403,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}/contacts",
            kind: Kind::Page,
            allowed: &[
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}/contacts.csv",
            kind: Kind::Page,
            allowed: &[
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}/contacts.vcf",
            kind: Kind::Page,
            allowed: &[
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/events",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/events",
            kind: Kind::Json(
                r#"{"audience": "class", "class_id": {class}, "title": "Udflugt",
                    "starts_at": "2030-05-02T09:00:00+02:00", "ends_at": "2030-05-02T14:00:00+02:00"}"#,
            ),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: 403,
        },
        Route {
            method: "PUT",
            pattern: "/api/v1/events/{id}/rsvp",
            kind: Kind::Json(r#"{"answer": "maybe", "people": 1}"#),
            allowed: &[Guardian, OtherGuardian, InfoGuardian],
            ok: 200,
            deny: EVENT_DENY,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/classes/{id}/homework",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/classes/{id}/homework",
            kind: Kind::Json(r#"{"day": "2030-05-02", "subject": "Dansk", "text": "Læs side 3."}"#),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 422,
            // Staff of the school and the class's families know the class: 403.
            deny: 403,
        },
        // Parent meetings and the parent community (MEE-1..5, DIF-5, PEO-5). The meeting under
        // test belongs to the pupil's class; its guardians take part, its staff plan; the
        // school's parent boards are open; the custodial guardian is a member of the body.
        Route {
            method: "GET",
            pattern: "/meetings",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}/meetings",
            kind: Kind::Page,
            allowed: MEETING_VIEWERS,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/classes/{id}/meetings",
            kind: Kind::Form(MEETING_PLAN_FORM),
            allowed: MEETING_PLANNERS,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "POST",
            pattern: "/classes/{id}/representatives",
            kind: Kind::Form(&[("person", "{guardian}"), ("representative", "0")]),
            allowed: &[Leader, ContactTeacher],
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "GET",
            pattern: "/meetings/{meeting}",
            kind: Kind::Page,
            allowed: MEETING_VIEWERS,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/meetings/{meeting}/plan",
            kind: Kind::Form(MEETING_PLAN_FORM),
            allowed: MEETING_PLANNERS,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "POST",
            pattern: "/meetings/{meeting}/themes",
            kind: Kind::Form(&[("text", "Sengetider")]),
            allowed: MEETING_FAMILIES,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "POST",
            pattern: "/meetings/{meeting}/rsvp",
            kind: Kind::Form(&[("coming", "1")]),
            allowed: MEETING_FAMILIES,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "POST",
            pattern: "/meetings/{meeting}/groups",
            kind: Kind::Form(&[("groups", "1"), ("mode", "mixed")]),
            allowed: MEETING_PLANNERS,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "POST",
            pattern: "/meetings/{meeting}/minutes",
            kind: Kind::Form(&[("minutes", "Referat")]),
            allowed: MEETING_PLANNERS,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "POST",
            pattern: "/meetings/{meeting}/agreement",
            kind: Kind::Form(&[
                ("hours", "08:00-16:00"),
                ("answer_days", "2"),
                ("channel_app", "1"),
            ]),
            allowed: MEETING_PLANNERS,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "POST",
            pattern: "/meeting-themes/{theme}/vote",
            kind: Kind::Form(&[("support", "1")]),
            allowed: MEETING_FAMILIES,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "POST",
            pattern: "/meeting-themes/{theme}/agenda",
            kind: Kind::Form(&[]),
            allowed: MEETING_PLANNERS,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}/parent-board",
            kind: Kind::Page,
            allowed: MEETING_VIEWERS,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/classes/{id}/parent-board",
            kind: Kind::Form(&[("kind", "car_pool"), ("text", "Samkørsel")]),
            allowed: MEETING_FAMILIES,
            ok: 303,
            deny: MEETING_DENY,
        },
        Route {
            method: "POST",
            pattern: "/settings/parent-board",
            kind: Kind::Form(&[("allowed", "1")]),
            allowed: &[Leader],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/parent-bodies",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/parent-bodies",
            kind: Kind::Form(&[("kind", "school_board"), ("name", "Skolebestyrelse")]),
            allowed: &[Leader],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/parent-bodies/{body}",
            kind: Kind::Page,
            allowed: &[Leader, Guardian],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/parent-bodies/{body}/members",
            kind: Kind::Form(&[("username", "leader1")]),
            allowed: &[Leader],
            ok: 303,
            deny: BODY_DENY,
        },
        Route {
            method: "POST",
            pattern: "/parent-bodies/{body}/posts",
            kind: Kind::Form(&[("text", "Hej")]),
            allowed: &[Leader, Guardian],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/classes/{id}/meetings",
            kind: Kind::Api,
            allowed: MEETING_VIEWERS,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/classes/{id}/meetings",
            kind: Kind::Json(
                r#"{"title": "Forældremøde", "starts": "2099-09-01T18:00", "ends": "2099-09-01T20:00",
                    "place": "Aula", "form": "groups", "agenda": "Velkommen", "rsvp_deadline": "2099-08-25T12:00"}"#,
            ),
            allowed: MEETING_PLANNERS,
            ok: 201,
            deny: MEETING_DENY,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/meetings/{meeting}",
            kind: Kind::Api,
            allowed: MEETING_VIEWERS,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/meetings/{meeting}/themes",
            kind: Kind::Json(r#"{"text": "Lektier"}"#),
            allowed: MEETING_FAMILIES,
            ok: 201,
            deny: MEETING_DENY,
        },
        Route {
            method: "PUT",
            pattern: "/api/v1/meeting-themes/{theme}/vote",
            kind: Kind::Json(r#"{"support": true}"#),
            allowed: MEETING_FAMILIES,
            ok: 204,
            deny: MEETING_DENY,
        },
        Route {
            method: "PUT",
            pattern: "/api/v1/meetings/{meeting}/rsvp",
            kind: Kind::Json(r#"{"coming": true}"#),
            allowed: MEETING_FAMILIES,
            ok: 204,
            deny: MEETING_DENY,
        },
        // Posts (MSG-5): the post under test is the contact teacher's to the class, asking for
        // acknowledgement, with an image; the photo under test shows the pupil, whose family
        // has not consented, so the class's other families do not see it.
        Route {
            method: "GET",
            pattern: "/posts",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/posts",
            kind: Kind::Form(&[
                ("audience", "class:{class}"),
                ("title", "Tur"),
                ("body", "Fredag"),
            ]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 303,
            deny: 403,
        },
        Route {
            method: "GET",
            pattern: "/posts/{post}",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/posts/{post}/acknowledge",
            kind: Kind::Form(&[]),
            allowed: &[
                Leader,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 303,
            deny: POST_DENY,
        },
        Route {
            method: "POST",
            pattern: "/posts/{post}/pin",
            kind: Kind::Form(&[("pinned", "1")]),
            allowed: &[Leader, ContactTeacher],
            ok: 303,
            deny: POST_DENY,
        },
        Route {
            method: "GET",
            pattern: "/posts/{post}/images/{image}",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}/photos",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/classes/{id}/photos",
            kind: Kind::Form(&[("caption", "Skovtur")]),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            // No photo chosen: the page comes back saying so.
            ok: 422,
            deny: POST_DENY,
        },
        Route {
            method: "GET",
            pattern: "/photos/{photo}",
            kind: Kind::Page,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                InfoGuardian,
                Pupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/pupils/{id}/photo-consent",
            kind: Kind::Form(&[("consent", "no")]),
            allowed: &[Guardian],
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/posts",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/posts",
            kind: Kind::Json(
                r#"{"audience": {"class": {class}}, "title": "Tur", "body": "Fredag"}"#,
            ),
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 201,
            deny: 403,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/posts/{post}",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/posts/{post}/acknowledge",
            kind: Kind::Json("{}"),
            allowed: &[
                Leader,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 204,
            deny: POST_DENY,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/posts/{post}/acknowledgements",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher],
            ok: 200,
            deny: POST_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/posts/{post}/pin",
            kind: Kind::Json(r#"{"pinned": true}"#),
            allowed: &[Leader, ContactTeacher],
            ok: 204,
            deny: POST_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/posts/{post}/images",
            // The upload is a PDF: refused as not an image, once the sender may add images.
            kind: Kind::Upload,
            allowed: &[Leader, ContactTeacher],
            ok: 415,
            deny: POST_DENY,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/classes/{id}/photos",
            kind: Kind::Api,
            allowed: &[
                Leader,
                ContactTeacher,
                SubjectTeacher,
                Guardian,
                OtherGuardian,
                InfoGuardian,
                Pupil,
                OtherPupil,
            ],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/classes/{id}/photos",
            kind: Kind::Upload,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 415,
            deny: POST_DENY,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/pupils/{id}/photo-consent",
            kind: Kind::Json(r#"{"consent": false}"#),
            allowed: &[Guardian],
            ok: 204,
            deny: 404,
        },
        // Notifications (MSG-8): everyone chooses their own; leaders see the outbox.
        Route {
            method: "GET",
            pattern: "/settings/notifications",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "POST",
            pattern: "/settings/notifications",
            kind: Kind::Form(&[("message_delivery", "digest"), ("message_hour", "18")]),
            allowed: SIGNED_IN,
            ok: 303,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/me/notifications",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "PUT",
            pattern: "/api/v1/me/notifications",
            kind: Kind::Json(r#"{"preferences": [{"kind": "post", "delivery": "off"}]}"#),
            allowed: SIGNED_IN,
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/notifications/outbox",
            kind: Kind::Page,
            allowed: &[Leader],
            ok: 200,
            deny: 404,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/notifications/outbox",
            kind: Kind::Api,
            allowed: &[Leader],
            ok: 200,
            deny: 404,
        },
    ]
}

/// Who sees a class's meetings, plans them, and takes part in them as a family.
const MEETING_VIEWERS: &[Who] = &[
    Leader,
    ContactTeacher,
    SubjectTeacher,
    Guardian,
    OtherGuardian,
    InfoGuardian,
];
const MEETING_PLANNERS: &[Who] = &[Leader, ContactTeacher, SubjectTeacher];
const MEETING_FAMILIES: &[Who] = &[Guardian, OtherGuardian, InfoGuardian];
const MEETING_PLAN_FORM: &[(&str, &str)] = &[
    ("title", "Forældremøde"),
    ("starts", "2099-09-01T18:00"),
    ("ends", "2099-09-01T20:00"),
    ("place", "Aula"),
    ("form", "groups"),
    ("agenda", "Velkommen"),
    ("rsvp_deadline", "2099-08-25T12:00"),
];

struct Cast {
    usernames: HashMap<Who, String>,
    /// Signed-in browsers and API tokens per role, reused across routes: signing in is
    /// deliberately slow (argon2), and the routes that end sessions get fresh ones.
    browsers: tokio::sync::Mutex<HashMap<Who, reqwest::Client>>,
    tokens: tokio::sync::Mutex<HashMap<Who, String>>,
    class_id: i64,
    pupil_id: i64,
    /// The pupil's guardian with custody.
    guardian_id: i64,
    thread_id: i64,
    teacher_id: i64,
    attachment_id: i64,
    case_id: i64,
    closing_case_id: i64,
    concern_id: i64,
    conferences: ConferenceCast,
    posts: PostCast,
    meetings: MeetingCast,
    /// The school days from tomorrow to the end of the school year, and how many of them
    /// requests have taken (see `fresh_day`).
    school_days: Vec<jiff::civil::Date>,
    days_taken: std::sync::atomic::AtomicUsize,
}

async fn cast(app: &TestApp) -> Cast {
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("exists")
        .id;
    let pupil = app.id_of("pupil4").await;
    let detail = app
        .store
        .pupil_detail(school, pupil)
        .await
        .expect("pupil")
        .expect("exists");
    let class_id = detail.classes[0].id.0;
    let username_of = |id| async move {
        app.store
            .me(id)
            .await
            .expect("me")
            .username
            .expect("account")
    };
    let guardian = detail
        .guardians
        .iter()
        .find(|g| g.access == skolebro_domain::Access::Full)
        .expect("custodial guardian");
    let info = detail
        .guardians
        .iter()
        .find(|g| g.access == skolebro_domain::Access::Info)
        .expect("info-only guardian");
    let subject = detail
        .staff
        .iter()
        .find(|s| !s.contact_teacher && s.class_id.0 == class_id)
        .expect("a subject teacher of the class");
    let contact = detail
        .staff
        .iter()
        .find(|s| s.contact_teacher)
        .expect("contact teacher");
    let class = app
        .store
        .class_detail(school, detail.classes[0].id)
        .await
        .expect("class")
        .expect("exists");
    let staff_of_class: BTreeSet<i64> = class.staff.iter().map(|s| s.person.id.0).collect();
    // A teacher with no link to the class.
    let mut other_teacher = None;
    for n in 2..40 {
        let name = format!("teacher{n}");
        if let Some(id) = app.store.person_by_username(&name).await.expect("lookup") {
            if !staff_of_class.contains(&id.0) {
                other_teacher = Some(name);
                break;
            }
        }
    }
    // A conversation between the contact teacher and the custodial guardian.
    let thread = app
        .store
        .create_thread(&skolebro_store::messages::NewThread {
            school_id: school,
            starter: contact.person.id,
            subject: "Om pupil4",
            kind: skolebro_domain::messages::MessageKind::Ordinary,
            body: "Hej, kan vi tale sammen i morgen?",
            recipients: &[guardian.person.id],
            families: 1,
        })
        .await
        .expect("thread");
    let mut usernames = HashMap::new();
    usernames.insert(Leader, "leader1".to_owned());
    usernames.insert(ContactTeacher, username_of(contact.person.id).await);
    usernames.insert(SubjectTeacher, username_of(subject.person.id).await);
    usernames.insert(
        OtherTeacher,
        other_teacher.expect("a teacher outside the class"),
    );
    usernames.insert(Guardian, username_of(guardian.person.id).await);
    usernames.insert(OtherGuardian, "guardian1".to_owned());
    usernames.insert(InfoGuardian, username_of(info.person.id).await);
    usernames.insert(Pupil, "pupil4".to_owned());
    usernames.insert(OtherPupil, "pupil1".to_owned());
    // A file in the conversation, sent by the contact teacher.
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/threads/{}/attachments", thread.thread_id)))
        .bearer_auth(app.token(&usernames[&ContactTeacher]).await)
        .multipart(upload_form())
        .send()
        .await
        .expect("attach");
    assert_eq!(
        response.status(),
        201,
        "the contact teacher attaches a file"
    );
    let attached: Value = response.json().await.expect("json");
    // Cases: a crisis case and an absence case (to close) opened by the subject teacher, who
    // coordinates them, and a bullying concern raised by the custodial guardian.
    let today = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz"))
        .date();
    let checklist: Vec<String> = skolebro_domain::cases::default_checklist(
        skolebro_domain::cases::CrisisType::Death,
        skolebro_domain::Lang::Da,
    )
    .into_iter()
    .map(str::to_owned)
    .collect();
    let mut case_ids = Vec::new();
    for (kind, crisis_type) in [
        (
            skolebro_domain::cases::CaseKind::Crisis,
            Some(skolebro_domain::cases::CrisisType::Death),
        ),
        (skolebro_domain::cases::CaseKind::Absence, None),
    ] {
        let id = app
            .store
            .open_case(&skolebro_store::cases::NewCase {
                school_id: school,
                pupil_id: pupil,
                opened_by: subject.person.id,
                kind,
                crisis_type,
                coordinator: subject.person.id,
                summary: "Under test",
                opened_on: today,
                checklist: if crisis_type.is_some() {
                    &checklist
                } else {
                    &[]
                },
            })
            .await
            .expect("case");
        case_ids.push(id);
    }
    let concern_id = app
        .store
        .create_concern(&skolebro_store::cases::NewConcern {
            school_id: school,
            pupil_id: pupil,
            guardian: guardian.person.id,
            topic: skolebro_domain::cases::ConcernTopic::Bullying,
            text: "Han bliver drillet hver dag.",
            raised_on: today,
            duty_due: Some(skolebro_domain::calendar::add_working_days(
                today,
                10,
                &Default::default(),
            )),
            owner: Some(contact.person.id),
        })
        .await
        .expect("concern");
    let usernames_for_posts = usernames[&ContactTeacher].clone();
    Cast {
        school_days: school_days_ahead(app, school).await,
        days_taken: Default::default(),
        usernames,
        browsers: Default::default(),
        tokens: Default::default(),
        class_id,
        pupil_id: pupil.0,
        guardian_id: guardian.person.id.0,
        thread_id: thread.thread_id,
        teacher_id: contact.person.id.0,
        attachment_id: attached["attachments"][0]["id"]
            .as_i64()
            .expect("attachment id"),
        case_id: case_ids[0],
        closing_case_id: case_ids[1],
        concern_id,
        conferences: conference_cast(app, school, pupil, contact.person.id).await,
        posts: post_cast(app, &usernames_for_posts, class_id, pupil.0).await,
        meetings: meeting_cast(
            app,
            school,
            skolebro_domain::ClassId(class_id),
            contact.person.id,
            guardian.person.id,
        )
        .await,
    }
}

/// The post and photo under test (see the posts routes).
struct PostCast {
    post_id: i64,
    image_id: i64,
    photo_id: i64,
}

fn png() -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\n0000IHDR".to_vec())
        .file_name("Skov.png")
        .mime_str("image/png")
        .expect("mime")
}

async fn post_cast(app: &TestApp, teacher: &str, class_id: i64, pupil: i64) -> PostCast {
    let token = app.token(teacher).await;
    let response = app
        .client()
        .post(app.url("/api/v1/posts"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "audience": {"class": class_id},
            "title": "Skovtur",
            "body": "Husk gummistøvler.",
            "acknowledge": true,
        }))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 201, "the contact teacher posts");
    let post_id = response.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/posts/{post_id}/images")))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("file", png()))
        .send()
        .await
        .expect("image");
    assert_eq!(response.status(), 201, "the contact teacher adds an image");
    let image_id = response.json::<Value>().await.expect("json")[0]["id"]
        .as_i64()
        .expect("id");
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/classes/{class_id}/photos")))
        .bearer_auth(&token)
        .multipart(
            reqwest::multipart::Form::new()
                .text("caption", "Skovtur")
                .text("tag", pupil.to_string())
                .part("file", png()),
        )
        .send()
        .await
        .expect("photo");
    assert_eq!(response.status(), 201, "the contact teacher adds a photo");
    let photo_id = response.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    PostCast {
        post_id,
        image_id,
        photo_id,
    }
}

fn upload_form() -> reqwest::multipart::Form {
    let pdf = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%test\n".to_vec())
        .file_name("Plan.pdf")
        .mime_str("application/pdf")
        .expect("mime");
    reqwest::multipart::Form::new().part("file", pdf)
}

fn path_of(pattern: &str, cast: &Cast) -> String {
    if pattern.contains("{post}") || pattern.contains("{photo}") {
        return pattern
            .replace("{post}", &cast.posts.post_id.to_string())
            .replace("{image}", &cast.posts.image_id.to_string())
            .replace("{photo}", &cast.posts.photo_id.to_string());
    }
    if pattern.contains("/events/{id}") {
        return pattern.replace("{id}", "{event}");
    }
    if pattern.contains("/cases/") {
        let id = if pattern.ends_with("/close") {
            cast.closing_case_id
        } else {
            cast.case_id
        };
        return pattern.replace("{id}", &id.to_string());
    }
    if pattern.contains("/concerns/") {
        return pattern.replace("{id}", &cast.concern_id.to_string());
    }
    if pattern.contains("/messages/") || pattern.contains("/threads/") {
        pattern
            .replace("{id}", &cast.thread_id.to_string())
            .replace("{attachment}", &cast.attachment_id.to_string())
    } else if pattern.contains("/classes/") {
        pattern.replace("{id}", &cast.class_id.to_string())
    } else {
        pattern.replace("{id}", &cast.pupil_id.to_string())
    }
}

/// Makes one request as `who`; returns the status and, for redirects, where to.
/// A form value or JSON body with its placeholders filled in; `effect` says whether the request
/// is one that will change something (see `fresh_day`).
fn fill(template: &str, cast: &Cast, effect: bool) -> String {
    let mut out = template.replace("{teacher}", &cast.teacher_id.to_string());
    out = out.replace("{class}", &cast.class_id.to_string());
    out = out
        .replace("{pupil}", &cast.pupil_id.to_string())
        .replace("{freeslot}", &cast.conferences.slot_b.to_string())
        .replace("{guardian}", &cast.meetings.guardian.to_string());
    if out.contains("{freshday}") {
        out = out.replace("{freshday}", &fresh_day(cast, effect).to_string());
    }
    out
}

/// A school day for a request that reports absence or plans a conference day. Requests that
/// will take effect get a day of their own, so that one role's report does not meet another's;
/// refused requests all share the first. Days come from this cast (one per database run), skip
/// weekends and the school's holidays and stay inside the school year, so the matrix runs the
/// same whatever the date (`.ci/run` runs it on awkward days through `SKOLEBRO_CLOCK`).
fn fresh_day(cast: &Cast, effect: bool) -> jiff::civil::Date {
    let days = &cast.school_days;
    assert!(!days.is_empty(), "no school days left in this school year");
    if !effect {
        return days[0];
    }
    let n = cast
        .days_taken
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    assert!(
        n < days.len(),
        "the matrix needs more school days than are left in the school year ({})",
        days.len()
    );
    days[n]
}

/// Today at the school (the product's clock, the school's zone).
fn school_today() -> jiff::civil::Date {
    skolebro_store::clock::today(&jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz"))
}

/// The school days from tomorrow to the end of the current school year.
async fn school_days_ahead(
    app: &TestApp,
    school: skolebro_domain::SchoolId,
) -> Vec<jiff::civil::Date> {
    let today = school_today();
    let (_, year_end) = skolebro_domain::calendar::school_year(today);
    let holidays = app
        .store
        .holidays(school, today, year_end)
        .await
        .expect("holidays");
    let mut days = Vec::new();
    let mut day = today.tomorrow().expect("tomorrow");
    while day <= year_end {
        if skolebro_domain::calendar::is_working_day(day) && !holidays.contains(&day) {
            days.push(day);
        }
        day = day.tomorrow().expect("tomorrow");
    }
    days
}

/// A fresh absence report of the pupil under test (leave, for the decision route), made today by
/// the guardian with custody for the last school day: withdrawing or deciding it is then the
/// request's whole effect (a guardian withdraws only their own report of today).
async fn fresh_report(app: &TestApp, cast: &Cast, leave: bool) -> i64 {
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("one")
        .id;
    let mut day = school_today().yesterday().expect("yesterday");
    while !skolebro_domain::calendar::is_working_day(day) {
        day = day.yesterday().expect("yesterday");
    }
    app.store
        .report_absence(&skolebro_store::absence::NewReport {
            code: None,
            school_id: school,
            pupil_id: skolebro_domain::PersonId(cast.pupil_id),
            reported_by: skolebro_domain::PersonId(cast.guardian_id),
            from: day,
            to: day,
            part: None,
            reason: if leave {
                skolebro_domain::absence::Reason::Leave
            } else {
                skolebro_domain::absence::Reason::Illness
            },
            note: None,
            days: &[day],
            replace: true,
        })
        .await
        .expect("report")
}

async fn request(app: &TestApp, cast: &Cast, route: &Route, who: Who) -> (u16, String) {
    let effect = route.allowed.contains(&who);
    let path = resolved_path(app, cast, route).await;
    let username = cast.usernames.get(&who);
    let method: reqwest::Method = route.method.parse().expect("method");
    // Routes that sign in or end a session get a session of their own.
    let own_session = matches!(route.pattern, "/login" | "/logout" | "/api/v1/session");
    let response = match route.kind {
        Kind::Page | Kind::Form(_) => {
            let client = match username {
                Some(u) => {
                    let mut browsers = cast.browsers.lock().await;
                    match browsers.get(&who).filter(|_| !own_session) {
                        Some(c) => c.clone(),
                        None => {
                            let client = app.client();
                            assert_eq!(
                                app.post_login(&client, u, PASSWORD).await.status(),
                                303,
                                "{u} signs in"
                            );
                            if !own_session {
                                browsers.insert(who, client.clone());
                            }
                            client
                        }
                    }
                }
                None => app.client(),
            };
            let mut req = client.request(method, app.url(&path));
            if let Kind::Form(fields) = route.kind {
                // The token of a page the person can see: the profile when signed in.
                let page = if username.is_some() {
                    "/profile"
                } else {
                    "/login"
                };
                let html = client
                    .get(app.url(page))
                    .send()
                    .await
                    .expect("get")
                    .text()
                    .await
                    .expect("body");
                let mut form = vec![("csrf".to_owned(), common::csrf_of(&html))];
                form.extend(
                    fields
                        .iter()
                        .map(|(k, v)| (k.to_string(), fill(v, cast, effect))),
                );
                req = req.form(&form);
            }
            req.send().await.expect("request")
        }
        Kind::Api | Kind::Json(_) | Kind::Upload => {
            let mut req = app.client().request(method, app.url(&path));
            if let Some(u) = username {
                let token = if own_session {
                    app.token(u).await
                } else {
                    let mut tokens = cast.tokens.lock().await;
                    match tokens.get(&who) {
                        Some(t) => t.clone(),
                        None => {
                            let t = app.token(u).await;
                            tokens.insert(who, t.clone());
                            t
                        }
                    }
                };
                req = req.bearer_auth(token);
            }
            if let Kind::Json(body) = route.kind {
                let body = fill(body, cast, effect);
                req = req.header("content-type", "application/json").body(body);
            } else if let Kind::Upload = route.kind {
                req = req.multipart(upload_form());
            } else if route.method == "POST" {
                req = req.json(&serde_json::json!({"username": "guardian1", "password": PASSWORD}));
            }
            req.send().await.expect("request")
        }
    };
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if route.pattern.starts_with("/api/") && status >= 400 {
        let content_type = response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert_eq!(
            content_type, "application/problem+json",
            "{} {path}",
            route.method
        );
        let body: Value = response.json().await.expect("problem json");
        assert_eq!(body["status"], status);
    }
    (status, location)
}

/// Every route as one role, each role a test of its own on a fresh school (so that a failure
/// names its role and its routes, and one role's changes never meet another's).
async fn matrix_as(app: TestApp, who: Who) {
    let cast = cast(&app).await;
    let mut failures = Vec::new();
    for route in routes() {
        {
            let (status, location) = request(&app, &cast, &route, who).await;
            let allowed = route.allowed.contains(&who);
            let api = route.pattern.starts_with("/api/");
            let ok = if allowed {
                status == route.ok
                    // A signed-in person is sent from the sign-in page to the overview.
                    && !(status == 303 && route.pattern == "/" && location != "/overview")
            } else if who == Anonymous {
                if api {
                    status == 401
                } else {
                    status == 303 && location == "/login"
                }
            } else if route.pattern == "/login" {
                status == 303 && location == "/overview"
            } else {
                // Denied reads answer as if the record did not exist.
                status == denied_status(route.deny, who)
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {who:?}: got {status} {location}, expected {}",
                    route.method,
                    route.pattern,
                    if allowed {
                        format!("allow ({})", route.ok)
                    } else {
                        "deny".into()
                    }
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix as {who:?}:\n{}",
        failures.join("\n")
    );
}

async fn matrix_leader(app: TestApp) {
    matrix_as(app, Leader).await
}
async fn matrix_contact_teacher(app: TestApp) {
    matrix_as(app, ContactTeacher).await
}
async fn matrix_subject_teacher(app: TestApp) {
    matrix_as(app, SubjectTeacher).await
}
async fn matrix_other_teacher(app: TestApp) {
    matrix_as(app, OtherTeacher).await
}
async fn matrix_guardian(app: TestApp) {
    matrix_as(app, Guardian).await
}
async fn matrix_other_guardian(app: TestApp) {
    matrix_as(app, OtherGuardian).await
}
async fn matrix_info_guardian(app: TestApp) {
    matrix_as(app, InfoGuardian).await
}
async fn matrix_pupil(app: TestApp) {
    matrix_as(app, Pupil).await
}
async fn matrix_other_pupil(app: TestApp) {
    matrix_as(app, OtherPupil).await
}
async fn matrix_anonymous(app: TestApp) {
    matrix_as(app, Anonymous).await
}

/// Every role of [`EVERYONE`] has its matrix test above.
#[test]
fn every_role_has_its_matrix_test() {
    let source = include_str!("authorization_matrix.rs");
    for who in EVERYONE {
        let name = format!("{who:?}");
        let mut snake = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        }
        assert!(
            source.contains(&format!("    matrix_{snake},\n")),
            "no matrix test for {who:?} in on_both_databases!"
        );
    }
}

/// The methods a `.route(…)` call serves, from the text of its method router.
fn methods_of(call: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (name, method) in [
        ("get", "GET"),
        ("post", "POST"),
        ("put", "PUT"),
        ("delete", "DELETE"),
        ("patch", "PATCH"),
    ] {
        let needle = format!("{name}(");
        let mut rest = call;
        while let Some(i) = rest.find(&needle) {
            let before = rest[..i].chars().next_back();
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                out.push(method);
                break;
            }
            rest = &rest[i + needle.len()..];
        }
    }
    out
}

/// Every route the web crate declares is in the matrix above.
#[test]
fn every_route_is_in_the_matrix() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/src");
    // Every .rs file, areas split into parts (src/<area>/*.rs) included.
    let mut dirs = vec![std::path::PathBuf::from(root)];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("web sources") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    // Method and path: a route with a GET in the matrix and an untested POST is missing.
    let mut declared = BTreeSet::new();
    for path in files {
        let source = std::fs::read_to_string(&path).expect("source");
        let mut rest = source.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let quoted = rest.trim_start();
            if let Some(stripped) = quoted.strip_prefix('"') {
                if let Some(end) = stripped.find('"') {
                    let pattern = stripped[..end].to_owned();
                    // The method router runs to the parenthesis that closes `.route(`.
                    let mut depth = 0i32;
                    let call_end = stripped[end..]
                        .char_indices()
                        .find(|&(_, c)| {
                            match c {
                                '(' => depth += 1,
                                ')' => depth -= 1,
                                _ => {}
                            }
                            depth < 0
                        })
                        .map_or(stripped.len(), |(j, _)| end + j);
                    let methods = methods_of(&stripped[end..call_end]);
                    assert!(!methods.is_empty(), "no method read for {pattern}");
                    for m in methods {
                        declared.insert((m.to_owned(), pattern.clone()));
                    }
                }
            }
        }
    }
    assert!(declared.len() >= 10, "found the routes: {declared:?}");
    let covered: BTreeSet<(String, String)> = routes()
        .iter()
        .map(|r| (r.method.to_owned(), r.pattern.to_owned()))
        .collect();
    let missing: Vec<_> = declared.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the authorization matrix: {missing:?}"
    );
}

/// The conferences under test: round A with the pupil's conference (notes shared, an agreement
/// for the home), and round B where booking and cancelling are tried.
struct ConferenceCast {
    school: skolebro_domain::SchoolId,
    pupil: skolebro_domain::PersonId,
    teacher: skolebro_domain::PersonId,
    round_a: i64,
    round_b: i64,
    booking_a: i64,
    slot_b: i64,
    agreement: i64,
}

async fn conference_cast(
    app: &TestApp,
    school: skolebro_domain::SchoolId,
    pupil: skolebro_domain::PersonId,
    teacher: skolebro_domain::PersonId,
) -> ConferenceCast {
    use skolebro_domain::conferences::{self as rules, DayWindow, SlotPlan};
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz");
    let day = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz.clone())
        .date()
        .checked_add(jiff::Span::new().days(14))
        .expect("date");
    let class = app
        .store
        .pupil_detail(school, pupil)
        .await
        .expect("pupil")
        .expect("exists")
        .classes[0]
        .id;
    let mut rounds = Vec::new();
    // Afternoons, clear of the mornings the matrix's own new rounds take.
    for (start, end) in [(14, 15), (15, 16)] {
        let plan = SlotPlan {
            days: vec![DayWindow {
                date: day,
                start: jiff::civil::time(start, 0, 0, 0),
                end: jiff::civil::time(end, 0, 0, 0),
            }],
            slot_minutes: 20,
            break_minutes: 0,
        };
        let slots = rules::generate_slots(&plan, &tz).expect("slots");
        let deadline = rules::default_deadline(day, &tz).expect("deadline");
        let id = app
            .store
            .create_round(&skolebro_store::conferences::NewRound {
                school_id: school,
                class_id: class,
                title: "Skole-hjem-samtaler",
                form: skolebro_domain::conferences::Form::School,
                slot_minutes: 20,
                break_minutes: 0,
                with_pupil: true,
                booking_deadline: deadline.as_second(),
                created_by: teacher,
                staff: &[teacher],
                slots: &slots,
                pupil_id: None,
                from_booking_id: None,
                households_apart: false,
                notices: &[],
            })
            .await
            .expect("round");
        rounds.push(id);
    }
    let slots_a = app
        .store
        .round_slots(school, rounds[0])
        .await
        .expect("slots");
    let slots_b = app
        .store
        .round_slots(school, rounds[1])
        .await
        .expect("slots");
    let needs = skolebro_store::conferences::Needs::default();
    let booking_a = app
        .store
        .book(&skolebro_store::conferences::NewBooking {
            school_id: school,
            round_id: rounds[0],
            slot_id: slots_a[0].id,
            pupil_id: pupil,
            household: 0,
            booked_by: teacher,
            needs: &needs,
            pupil_attends: true,
            notices: &[],
        })
        .await
        .expect("booking")
        .id();
    let booking = app
        .store
        .booking(school, booking_a)
        .await
        .expect("booking")
        .expect("exists");
    app.store
        .save_notes(
            school,
            &booking,
            &skolebro_store::conferences::Notes {
                summary: Some("Et godt halvår.".into()),
                internal_note: Some("Kun for personalet.".into()),
                ..Default::default()
            },
            true,
            teacher,
            &[],
        )
        .await
        .expect("notes");
    let agreement = app
        .store
        .add_agreement(
            school,
            &booking,
            &rules::check_agreement("home", "Læser hver aften", &day.to_string(), day)
                .expect("agreement"),
            teacher,
        )
        .await
        .expect("agreement");
    ConferenceCast {
        school,
        pupil,
        teacher,
        round_a: rounds[0],
        round_b: rounds[1],
        booking_a,
        slot_b: slots_b[0].id,
        agreement,
    }
}

/// The pupil's booking in round B: made when missing (`filled`), cancelled when present (not
/// `filled`). Returns its id when filled.
async fn round_b_booking(app: &TestApp, c: &ConferenceCast, filled: bool) -> Option<i64> {
    let current = app
        .store
        .booking_of_slot(c.school, c.slot_b)
        .await
        .expect("booking");
    match (current, filled) {
        (Some(b), true) => Some(b.id),
        (Some(b), false) => {
            app.store
                .cancel_booking(c.school, b.id, &[])
                .await
                .expect("cancel");
            None
        }
        (None, true) => Some(
            app.store
                .book(&skolebro_store::conferences::NewBooking {
                    school_id: c.school,
                    round_id: c.round_b,
                    slot_id: c.slot_b,
                    pupil_id: c.pupil,
                    household: 0,
                    booked_by: c.teacher,
                    needs: &Default::default(),
                    pupil_attends: true,
                    notices: &[],
                })
                .await
                .expect("book")
                .id(),
        ),
        (None, false) => None,
    }
}

/// A conference route's path: bookings are tried in round B (emptied first), cancellations on
/// a fresh booking there; everything else works on round A's conference.
async fn conference_path(app: &TestApp, cast: &Cast, route: &Route, path: &str) -> String {
    let c = &cast.conferences;
    let books = route.method == "POST"
        && (route.pattern.ends_with("/bookings") || route.pattern.ends_with("/booking"));
    let cancels = route.method == "DELETE" || route.pattern.ends_with("/cancel");
    let mut booking = c.booking_a;
    if books {
        round_b_booking(app, c, false).await;
    } else if cancels {
        booking = round_b_booking(app, c, true).await.expect("booking in B");
    }
    let round = if books { c.round_b } else { c.round_a };
    path.replace("{round}", &round.to_string())
        .replace("{slot}", &c.slot_b.to_string())
        .replace("{booking}", &booking.to_string())
        .replace("{agreement}", &c.agreement.to_string())
}

/// The parent meeting under test: a meeting of the pupil's class planned by the contact
/// teacher, with a theme proposed and a "coming" reply by the custodial guardian; the school's
/// parent boards open; a parent body with the custodial guardian as its member.
struct MeetingCast {
    meeting: i64,
    theme: i64,
    body: i64,
    guardian: i64,
}

async fn meeting_cast(
    app: &TestApp,
    school: skolebro_domain::SchoolId,
    class: skolebro_domain::ClassId,
    teacher: skolebro_domain::PersonId,
    guardian: skolebro_domain::PersonId,
) -> MeetingCast {
    let starts = skolebro_store::now() + 30 * 86_400;
    let meeting = app
        .store
        .create_meeting(
            school,
            class,
            &skolebro_store::meetings::MeetingPlan {
                title: "Forældremøde",
                starts_at: starts,
                ends_at: starts + 7200,
                place: "Aula",
                form: skolebro_domain::meetings::MeetingForm::Groups,
                agenda: &["Velkommen".to_owned()],
                invitation: None,
                rsvp_deadline: starts - 7 * 86_400,
                remind_at: None,
            },
            teacher,
        )
        .await
        .expect("meeting");
    let theme = app
        .store
        .propose_theme(school, meeting, "Sengetider", None, guardian)
        .await
        .expect("theme");
    app.store
        .rsvp(
            school,
            meeting,
            guardian,
            &skolebro_store::meetings::Rsvp {
                coming: true,
                ..Default::default()
            },
        )
        .await
        .expect("reply");
    app.store
        .set_parent_board(school, true)
        .await
        .expect("boards open");
    let leader = app.id_of("leader1").await;
    let body = app
        .store
        .create_body(
            school,
            skolebro_domain::meetings::BodyKind::SchoolBoard,
            "Skolebestyrelsen",
            leader,
        )
        .await
        .expect("body");
    app.store
        .add_body_member(school, body, guardian)
        .await
        .expect("member");
    MeetingCast {
        meeting,
        theme,
        body,
        guardian: guardian.0,
    }
}

/// The demo's event of the first class for `{event}`, the guardian's current feed secret for
/// `{token}`.
async fn calendar_path(app: &TestApp, cast: &Cast, path: &str) -> String {
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("one")
        .id;
    let events = app
        .store
        .upcoming_for(
            school,
            skolebro_domain::PersonId(cast.teacher_id),
            &[skolebro_domain::ClassId(cast.class_id)],
            skolebro_store::clock::now().as_second(),
            1,
        )
        .await
        .expect("events");
    let mut out = path.replace("{event}", &events[0].id.to_string());
    if out.contains("{token}") {
        let username = &cast.usernames[&Guardian];
        let token = app.token(username).await;
        let (_, mut me) = app.api_get(Some(&token), "/api/v1/me").await;
        if me["calendar_feed_url"].is_null() {
            // The matrix revoked it earlier, and /me never issues a new one: the settings
            // page does.
            let browser = app.signed_in(username).await;
            let page = browser
                .get(app.url("/calendar/settings"))
                .send()
                .await
                .expect("settings")
                .text()
                .await
                .expect("body");
            let renewed = browser
                .post(app.url("/calendar/settings/feed"))
                .form(&[("csrf", common::csrf_of(&page))])
                .send()
                .await
                .expect("renew");
            assert_eq!(renewed.status(), 303);
            me = app.api_get(Some(&token), "/api/v1/me").await.1;
        }
        let url = me["calendar_feed_url"].as_str().expect("feed url");
        let secret = url.rsplit('/').next().expect("secret");
        out = out.replace("{token}", secret);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Reliability and security (issue #9): forms without a CSRF token; privacy of protected contact
// details; information-only guardians; audit of sensitive reads.

/// A browser signed in as `who` (shared with the matrix's other walks), or a fresh anonymous one.
async fn browser_of(app: &TestApp, cast: &Cast, who: Who) -> reqwest::Client {
    let Some(username) = cast.usernames.get(&who) else {
        return app.client();
    };
    let mut browsers = cast.browsers.lock().await;
    if let Some(c) = browsers.get(&who) {
        return c.clone();
    }
    let client = app.client();
    assert_eq!(
        app.post_login(&client, username, PASSWORD).await.status(),
        303,
        "{username} signs in"
    );
    browsers.insert(who, client.clone());
    client
}

/// A route's path with every placeholder filled in, as the matrix fills it.
async fn resolved_path(app: &TestApp, cast: &Cast, route: &Route) -> String {
    let mut path = path_of(route.pattern, cast);
    if path.contains("{aid}") {
        let id = fresh_report(app, cast, path.ends_with("/decision")).await;
        path = path.replace("{aid}", &id.to_string());
    }
    if ["{round}", "{slot}", "{booking}", "{agreement}"]
        .iter()
        .any(|p| path.contains(p))
    {
        path = conference_path(app, cast, route, &path).await;
    }
    if path.contains("{event}") || path.contains("{token}") {
        path = calendar_path(app, cast, &path).await;
    }
    path.replace("{meeting}", &cast.meetings.meeting.to_string())
        .replace("{theme}", &cast.meetings.theme.to_string())
        .replace("{body}", &cast.meetings.body.to_string())
}

/// Whether a concrete path (`/classes/1/parent-board`) is one of a route pattern's
/// (`/classes/{id}/parent-board`).
fn path_matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}') && !b.is_empty()))
}

/// Every state-changing form of the matrix, posted by every role without its CSRF token and
/// with a wrong one, is refused with 403 before it does anything.
async fn forms_without_csrf_token_are_refused(app: TestApp) {
    let cast = cast(&app).await;
    let mut failures = Vec::new();
    let mut forms = 0;
    for route in routes() {
        let Kind::Form(fields) = route.kind else {
            continue;
        };
        forms += 1;
        for &who in EVERYONE {
            let client = browser_of(&app, &cast, who).await;
            // The anonymous browser has a CSRF cookie, as after visiting the sign-in page.
            if who == Anonymous {
                client.get(app.url("/login")).send().await.expect("login");
            }
            let path = resolved_path(&app, &cast, &route).await;
            let method: reqwest::Method = route.method.parse().expect("method");
            let form: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| (k.to_string(), fill(v, &cast, false)))
                .collect();
            let mut wrong = form.clone();
            wrong.push(("csrf".into(), "not-the-token".into()));
            for (what, body) in [("no token", form), ("wrong token", wrong)] {
                let response = client
                    .request(method.clone(), app.url(&path))
                    .form(&body)
                    .send()
                    .await
                    .expect("request");
                let status = response.status().as_u16();
                // Without a session there is nothing to forge: sending the anonymous browser
                // to the sign-in page is as good as 403.
                let to_login = who == Anonymous
                    && status == 303
                    && response
                        .headers()
                        .get("location")
                        .is_some_and(|l| l == "/login");
                if status != 403 && !to_login {
                    failures.push(format!(
                        "{} {} as {who:?} with {what}: {status}",
                        route.method, route.pattern
                    ));
                }
            }
        }
    }
    assert!(forms >= 10, "the matrix has {forms} forms");
    assert!(
        failures.is_empty(),
        "forms accepted without a valid CSRF token:\n{}",
        failures.join("\n")
    );
}

/// A GET as `who` (page with the browser, API with a bearer token); status and body.
async fn fetch(app: &TestApp, cast: &Cast, route: &Route, who: Who, path: &str) -> (u16, String) {
    let response = match route.kind {
        Kind::Api => {
            let mut req = app.client().get(app.url(path));
            if let Some(u) = cast.usernames.get(&who) {
                let token = {
                    let mut tokens = cast.tokens.lock().await;
                    match tokens.get(&who) {
                        Some(t) => t.clone(),
                        None => {
                            let t = app.token(u).await;
                            tokens.insert(who, t.clone());
                            t
                        }
                    }
                };
                req = req.bearer_auth(token);
            }
            req.send().await.expect("api get")
        }
        _ => browser_of(app, cast, who)
            .await
            .get(app.url(path))
            .send()
            .await
            .expect("page get"),
    };
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Whether a route's `{id}` is a pupil (the fallback of `path_of`).
fn pupil_route(pattern: &str) -> bool {
    pattern.contains("/pupils/{id}")
}

/// PEO-3: a protected guardian's e-mail, phone and address appear in no page and no API answer
/// to anyone but the guardian and the staff responsible for the pupil (leaders and contact
/// teachers), and to those only on the pupil's own record, never in a class list. Every GET
/// route of the matrix, as every role, about the matrix's pupil and about the protected
/// family's pupil (`pupil3`).
async fn protected_contact_details_reach_no_one_else(app: TestApp) {
    let cast = cast(&app).await;
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("exists")
        .id;
    let pupil3 = app.id_of("pupil3").await;
    let detail = app
        .store
        .pupil_detail(school, pupil3)
        .await
        .expect("pupil")
        .expect("exists");
    let class = app
        .store
        .class_detail(school, detail.classes[0].id)
        .await
        .expect("class")
        .expect("exists");
    // Addresses another family of the class shares are no evidence of a leak.
    let open_addresses: BTreeSet<String> = class
        .pupils
        .iter()
        .flat_map(|p| &p.guardians)
        .filter(|g| !g.contact.protected)
        .filter_map(|g| g.contact.address.clone())
        .collect();
    let mut needles = BTreeSet::new();
    for g in detail.guardians.iter().filter(|g| g.contact.protected) {
        needles.extend(g.contact.email.clone());
        needles.extend(g.contact.phone.clone());
        needles.extend(
            g.contact
                .address
                .clone()
                .filter(|a| !open_addresses.contains(a)),
        );
    }
    assert!(
        needles.len() >= 3,
        "guardian3's e-mail, phone and address: {needles:?}"
    );
    let escaped = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&#34;")
            .replace('\'', "&#39;")
    };
    let mut leaks = Vec::new();
    let mut responsible_saw = false;
    let mut walked = 0;
    for route in routes() {
        // The live stream never ends; it carries conversation ids and unread counts only.
        if route.method != "GET" || route.pattern == "/messages/events" {
            continue;
        }
        let mut paths = vec![resolved_path(&app, &cast, &route).await];
        if pupil_route(route.pattern) {
            paths.push(route.pattern.replace("{id}", &pupil3.0.to_string()));
        }
        for path in paths {
            let own_record = path.contains(&format!("/pupils/{}", pupil3.0));
            for &who in EVERYONE {
                let (status, body) = fetch(&app, &cast, &route, who, &path).await;
                walked += 1;
                let found: Vec<&String> = needles
                    .iter()
                    .filter(|n| body.contains(n.as_str()) || body.contains(&escaped(n)))
                    .collect();
                let responsible = matches!(who, Leader | ContactTeacher);
                if responsible && own_record && !found.is_empty() {
                    responsible_saw = true;
                    continue;
                }
                if !found.is_empty() {
                    leaks.push(format!("GET {path} as {who:?} ({status}) shows {found:?}"));
                }
            }
        }
    }
    assert!(walked > 200, "walked {walked} responses");
    assert!(
        responsible_saw,
        "the leader and the contact teacher see the details on the pupil's record"
    );
    assert!(
        leaks.is_empty(),
        "protected contact details leaked:\n{}",
        leaks.join("\n")
    );
}

/// State-changing routes an information-only guardian may use, and why: their own account,
/// writing to the school, and confirming they have read what they were told.
const INFO_ONLY_MAY: &[&str] = &[
    "/login",
    "/logout",
    "/profile/language",
    "/profile/password",
    "/api/v1/session",
    "/messages/new",
    "/api/v1/threads",
    "/api/v1/tone",
    "/conferences/bookings/{booking}/acknowledge",
    "/api/v1/bookings/{booking}/acknowledge",
    "/posts/{post}/acknowledge",
    "/api/v1/posts/{post}/acknowledge",
    // Their own settings: notifications, the calendar feed, what they share in the contact book.
    "/settings/notifications",
    "/api/v1/me/notifications",
    "/calendar/settings/feed",
    "/calendar/settings/feed/revoke",
    "/calendar/settings/sharing",
    // Their own attendance and voice as a parent of the class, which decide nothing about the
    // child: answering an invitation, the parent meeting's themes and reply, the parent board.
    "/calendar/events/{id}/answer",
    "/api/v1/events/{id}/rsvp",
    "/meetings/{meeting}/themes",
    "/meetings/{meeting}/rsvp",
    "/meeting-themes/{theme}/vote",
    "/classes/{id}/parent-board",
    "/api/v1/meetings/{meeting}/themes",
    "/api/v1/meeting-themes/{theme}/vote",
    "/api/v1/meetings/{meeting}/rsvp",
];

/// PEO-2: a guardian with information-only access is told about the child and decides nothing
/// about it (they keep their own settings, their own replies and their voice as a parent).
/// No state-changing route beyond `INFO_ONLY_MAY` admits them (the matrix proves the statuses),
/// the child's pages answer them, and those pages offer them no form but those routes.
async fn information_only_guardians_get_information_and_no_actions(app: TestApp) {
    let extra: Vec<String> = routes()
        .iter()
        .filter(|r| r.method != "GET" && r.allowed.contains(&InfoGuardian))
        .filter(|r| !INFO_ONLY_MAY.contains(&r.pattern))
        .map(|r| format!("{} {}", r.method, r.pattern))
        .collect();
    assert!(
        extra.is_empty(),
        "information-only guardians may act on: {extra:?}"
    );
    let cast = cast(&app).await;
    let allowed_targets: Vec<String> = INFO_ONLY_MAY
        .iter()
        .map(|p| p.to_string())
        .chain(["/profile".to_owned()])
        .collect();
    let mut read = 0;
    let mut problems = Vec::new();
    for route in routes() {
        if route.method != "GET"
            || !matches!(route.kind, Kind::Page)
            || !route.allowed.contains(&InfoGuardian)
            || route.pattern == "/messages/events"
        {
            continue;
        }
        let path = resolved_path(&app, &cast, &route).await;
        let (status, body) = fetch(&app, &cast, &route, InfoGuardian, &path).await;
        if status != route.ok {
            problems.push(format!("GET {path}: {status}"));
            continue;
        }
        read += 1;
        let mut rest = body.as_str();
        while let Some(i) = rest.find("<form") {
            let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
            let tag = &rest[i..tag_end];
            rest = &rest[tag_end..];
            if !tag.to_ascii_lowercase().contains("method=\"post\"") {
                continue;
            }
            let action = tag
                .split("action=\"")
                .nth(1)
                .and_then(|a| a.split('"').next())
                .unwrap_or_default();
            // The booking's acknowledgement carries the booking's id.
            let booking = format!(
                "/conferences/bookings/{}/acknowledge",
                cast.conferences.booking_a
            );
            let ok = allowed_targets.iter().any(|t| path_matches(t, action)) || action == booking;
            if !ok {
                problems.push(format!("GET {path} offers a form to {action}"));
            }
        }
    }
    assert!(read >= 5, "the child's pages answer: {read}");
    assert!(
        problems.is_empty(),
        "information-only guardian:\n{}",
        problems.join("\n")
    );
}

/// PLT-3: every read of a sensitive record (a case, a concern, a pupil's absence) leaves an
/// audit row naming the reader. Every GET route that shows one, as everyone allowed to read it.
async fn every_read_of_a_sensitive_record_is_audited(app: TestApp) {
    let cast = cast(&app).await;
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("exists")
        .id;
    // The audit record each sensitive read route writes.
    let sensitive: Vec<(&str, &str, i64)> = vec![
        ("/cases/{id}", "case", cast.case_id),
        ("/api/v1/cases/{id}", "case", cast.case_id),
        ("/api/v1/concerns/{id}", "case", cast.concern_id),
        ("/pupils/{id}/absence", "absence", cast.pupil_id),
        ("/api/v1/pupils/{id}/absences", "absence", cast.pupil_id),
        (
            "/api/v1/pupils/{id}/absence-rates",
            "absence",
            cast.pupil_id,
        ),
    ];
    // Every GET route about cases, concerns or a pupil's absence is classified above.
    let unclassified: Vec<&str> = routes()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.pattern)
        .filter(|p| {
            (p.contains("/cases/")
                || p.contains("/concerns/")
                || p.contains("/pupils/{id}/absence"))
                && !sensitive.iter().any(|(s, _, _)| s == p)
        })
        .collect();
    assert!(
        unclassified.is_empty(),
        "sensitive reads without an audit expectation: {unclassified:?}"
    );
    let mut missing = Vec::new();
    for route in routes().into_iter().filter(|r| r.method == "GET") {
        let Some(&(_, record_type, record_id)) =
            sensitive.iter().find(|(p, _, _)| *p == route.pattern)
        else {
            continue;
        };
        for &who in route.allowed {
            let before = app
                .store
                .audit_of(school, record_type, record_id, 10_000)
                .await
                .expect("audit")
                .len();
            let path = resolved_path(&app, &cast, &route).await;
            let (status, _) = fetch(&app, &cast, &route, who, &path).await;
            assert_eq!(status, route.ok, "GET {path} as {who:?}");
            let after = app
                .store
                .audit_of(school, record_type, record_id, 10_000)
                .await
                .expect("audit");
            let reader = app.id_of(&cast.usernames[&who]).await;
            let new = after.len().saturating_sub(before);
            if new == 0
                || !after
                    .iter()
                    .take(new)
                    .any(|a| a.actor_id == Some(reader) && a.action == "read")
            {
                missing.push(format!("GET {path} as {who:?}: no audit row"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "unaudited reads:\n{}",
        missing.join("\n")
    );
}

on_both_databases!(
    matrix_leader,
    matrix_contact_teacher,
    matrix_subject_teacher,
    matrix_other_teacher,
    matrix_guardian,
    matrix_other_guardian,
    matrix_info_guardian,
    matrix_pupil,
    matrix_other_pupil,
    matrix_anonymous,
    forms_without_csrf_token_are_refused,
    protected_contact_details_reach_no_one_else,
    information_only_guardians_get_information_and_no_actions,
    every_read_of_a_sensitive_record_is_audited,
);
