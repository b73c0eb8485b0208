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
    ]
}

struct Cast {
    usernames: HashMap<Who, String>,
    class_id: i64,
    pupil_id: i64,
    thread_id: i64,
    teacher_id: i64,
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
    Cast {
        usernames,
        class_id,
        pupil_id: pupil.0,
        thread_id: thread.thread_id,
        teacher_id: contact.person.id.0,
    }
}

fn path_of(pattern: &str, cast: &Cast) -> String {
    if pattern.contains("/messages/") || pattern.contains("/threads/") {
        pattern.replace("{id}", &cast.thread_id.to_string())
    } else if pattern.contains("/classes/") {
        pattern.replace("{id}", &cast.class_id.to_string())
    } else {
        pattern.replace("{id}", &cast.pupil_id.to_string())
    }
}

/// Makes one request as `who`; returns the status and, for redirects, where to.
async fn request(app: &TestApp, cast: &Cast, route: &Route, who: Who) -> (u16, String) {
    let path = path_of(route.pattern, cast);
    let client = app.client();
    let username = cast.usernames.get(&who);
    let method: reqwest::Method = route.method.parse().expect("method");
    let response = match route.kind {
        Kind::Page | Kind::Form(_) => {
            if let Some(u) = username {
                assert_eq!(
                    app.post_login(&client, u, PASSWORD).await.status(),
                    303,
                    "{u} signs in"
                );
            }
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
                form.extend(fields.iter().map(|(k, v)| {
                    (
                        k.to_string(),
                        v.replace("{teacher}", &cast.teacher_id.to_string()),
                    )
                }));
                req = req.form(&form);
            }
            req.send().await.expect("request")
        }
        Kind::Api | Kind::Json(_) => {
            let mut req = client.request(method, app.url(&path));
            if let Some(u) = username {
                req = req.bearer_auth(app.token(u).await);
            }
            if let Kind::Json(body) = route.kind {
                let body = body.replace("{teacher}", &cast.teacher_id.to_string());
                req = req.header("content-type", "application/json").body(body);
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

async fn matrix(app: TestApp) {
    let cast = cast(&app).await;
    let mut failures = Vec::new();
    for route in routes() {
        for &who in EVERYONE {
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
                status == route.deny
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
        "authorization matrix:\n{}",
        failures.join("\n")
    );
}

/// Every route the web crate declares is in the matrix above.
#[test]
fn every_route_is_in_the_matrix() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/src");
    let mut declared = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("web sources") {
        let path = entry.expect("entry").path();
        let source = std::fs::read_to_string(&path).expect("source");
        let mut rest = source.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let quoted = rest.trim_start();
            if let Some(stripped) = quoted.strip_prefix('"') {
                if let Some(end) = stripped.find('"') {
                    declared.insert(stripped[..end].to_owned());
                }
            }
        }
    }
    assert!(declared.len() >= 10, "found the routes: {declared:?}");
    let covered: BTreeSet<String> = routes().iter().map(|r| r.pattern.to_owned()).collect();
    let missing: Vec<_> = declared.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the authorization matrix: {missing:?}"
    );
}

on_both_databases!(matrix);
