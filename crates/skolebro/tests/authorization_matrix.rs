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
}

fn routes() -> Vec<Route> {
    vec![
        Route {
            method: "GET",
            pattern: "/",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 303,
        },
        Route {
            method: "GET",
            pattern: "/login",
            kind: Kind::Page,
            allowed: &[Anonymous],
            ok: 200,
        },
        Route {
            method: "POST",
            pattern: "/login",
            kind: Kind::Form(&[("username", "guardian1"), ("password", PASSWORD)]),
            allowed: EVERYONE,
            ok: 303,
        },
        Route {
            method: "POST",
            pattern: "/logout",
            kind: Kind::Form(&[]),
            allowed: EVERYONE,
            ok: 303,
        },
        Route {
            method: "GET",
            pattern: "/overview",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
        },
        Route {
            method: "GET",
            pattern: "/classes/{id}",
            kind: Kind::Page,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
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
        },
        Route {
            method: "GET",
            pattern: "/profile",
            kind: Kind::Page,
            allowed: SIGNED_IN,
            ok: 200,
        },
        Route {
            method: "POST",
            pattern: "/profile/language",
            kind: Kind::Form(&[("language", "browser")]),
            allowed: SIGNED_IN,
            ok: 303,
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
        },
        Route {
            method: "GET",
            pattern: "/healthz",
            kind: Kind::Page,
            allowed: EVERYONE,
            ok: 200,
        },
        Route {
            method: "GET",
            pattern: "/static/style.css",
            kind: Kind::Page,
            allowed: EVERYONE,
            ok: 200,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/openapi.json",
            kind: Kind::Api,
            allowed: EVERYONE,
            ok: 200,
        },
        Route {
            method: "POST",
            pattern: "/api/v1/session",
            kind: Kind::Api,
            allowed: EVERYONE,
            ok: 200,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/me",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 200,
        },
        Route {
            method: "GET",
            pattern: "/api/v1/classes/{id}",
            kind: Kind::Api,
            allowed: &[Leader, ContactTeacher, SubjectTeacher],
            ok: 200,
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
        },
        Route {
            method: "DELETE",
            pattern: "/api/v1/session",
            kind: Kind::Api,
            allowed: SIGNED_IN,
            ok: 204,
        },
    ]
}

struct Cast {
    usernames: HashMap<Who, String>,
    class_id: i64,
    pupil_id: i64,
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
    }
}

fn path_of(pattern: &str, cast: &Cast) -> String {
    if pattern.contains("/classes/") {
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
                form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
                req = req.form(&form);
            }
            req.send().await.expect("request")
        }
        Kind::Api => {
            let mut req = client.request(method, app.url(&path));
            if let Some(u) = username {
                req = req.bearer_auth(app.token(u).await);
            }
            if route.method == "POST" {
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
                status == 404
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
