//! The JSON API's public shapes, its OpenAPI description, and bad input answered clearly on
//! pages and API alike: never a 500.

mod common;

use common::{TestApp, PASSWORD};
use serde_json::Value;
use skolebro_domain::{Country, Role};
use skolebro_store::admin::NewUser;

async fn me_lists_children_and_classes(app: TestApp) {
    let token = app.token("guardian1").await;
    let (status, me) = app.api_get(Some(&token), "/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], app.id_of("guardian1").await.0);
    assert!(me["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(me["roles"], serde_json::json!(["guardian"]));
    let children = me["children"].as_array().expect("children");
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["id"], app.id_of("pupil1").await.0);
    assert_eq!(children[0]["class"]["name"], "0.A");
    assert!(children[0]["class"]["id"].is_i64());
    assert_eq!(me["classes"], serde_json::json!([]));

    let token = app.token("teacher1").await;
    let (_, me) = app.api_get(Some(&token), "/api/v1/me").await;
    assert_eq!(me["roles"], serde_json::json!(["staff"]));
    let classes: Vec<&str> = me["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert!(classes.contains(&"0.A"), "{classes:?}");
    assert_eq!(me["children"], serde_json::json!([]));
}

async fn pupil_and_class_shapes(app: TestApp) {
    let token = app.token("teacher1").await;
    let pupil = app.id_of("pupil1").await.0;
    let (status, body) = app
        .api_get(Some(&token), &format!("/api/v1/pupils/{pupil}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], pupil);
    assert!(body["name"].is_string());
    assert_eq!(body["class"]["name"], "0.A");
    let guardians = body["guardians"].as_array().expect("guardians");
    let guardian1 = app.id_of("guardian1").await.0;
    assert!(guardians.iter().any(|g| g["id"] == guardian1));
    assert!(guardians.iter().all(|g| g["name"].is_string()));
    let staff = body["staff"].as_array().expect("staff");
    let teacher1 = app.id_of("teacher1").await.0;
    assert!(staff
        .iter()
        .any(|s| s["id"] == teacher1 && s["contact_teacher"] == true));

    let class_id = body["class"]["id"].as_i64().expect("class id");
    let (status, class) = app
        .api_get(Some(&token), &format!("/api/v1/classes/{class_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(class["id"], class_id);
    assert_eq!(class["name"], "0.A");
    let pupils = class["pupils"].as_array().expect("pupils");
    assert!(pupils.iter().any(|p| p["id"] == pupil));

    // Protected contact details are absent from the class listing even for the contact teacher,
    // and present on the pupil record for them.
    let pupil3 = app.id_of("pupil3").await.0;
    let in_class = pupils.iter().find(|p| p["id"] == pupil3).expect("pupil3");
    let protected: Vec<&Value> = in_class["guardians"]
        .as_array()
        .expect("guardians")
        .iter()
        .filter(|g| g["protected"] == true)
        .collect();
    assert!(!protected.is_empty());
    assert!(protected.iter().all(|g| g["contact"].is_null()));
    let (_, record) = app
        .api_get(Some(&token), &format!("/api/v1/pupils/{pupil3}"))
        .await;
    let shown = record["guardians"]
        .as_array()
        .expect("guardians")
        .iter()
        .find(|g| g["protected"] == true)
        .expect("protected");
    assert!(shown["contact"]["phone"].is_string());
}

async fn openapi_describes_every_api_route(app: TestApp) {
    let (status, doc) = app.api_get(None, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    for path in [
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/classes/{id}",
        "/api/v1/pupils/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is described");
    }
    for field in ["id", "name", "roles", "children", "classes"] {
        assert!(
            doc["components"]["schemas"]["MeResponse"]["properties"][field].is_object(),
            "MeResponse.{field}"
        );
    }
}

async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|c| c.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["detail"].is_string());
    (status, body)
}

async fn bad_api_input_gets_problem_json(app: TestApp) {
    let client = app.client();
    let session = app.url("/api/v1/session");
    let send = |body: Vec<u8>, content_type: &'static str| {
        let client = client.clone();
        let session = session.clone();
        async move {
            client
                .post(session)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("post")
        }
    };
    let (status, _) = problem(send(b"{not json".to_vec(), "application/json").await).await;
    assert_eq!(status, 400);
    let (status, _) =
        problem(send(vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'], "application/json").await).await;
    assert_eq!(status, 400, "invalid UTF-8");
    let (status, body) = problem(
        send(
            br#"{"username": 5, "password": []}"#.to_vec(),
            "application/json",
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "wrong types");
    assert!(body["detail"]
        .as_str()
        .expect("detail")
        .contains("username"));
    let (status, _) =
        problem(send(br#"{"username": "a"}"#.to_vec(), "application/json").await).await;
    assert_eq!(status, 422, "missing field");
    let (status, _) =
        problem(send(b"username=a".to_vec(), "application/x-www-form-urlencoded").await).await;
    assert_eq!(status, 415);
    let huge = format!(
        r#"{{"username": "{}", "password": "x"}}"#,
        "a".repeat(200_000)
    );
    let (status, _) = problem(send(huge.into_bytes(), "application/json").await).await;
    assert_eq!(status, 413);
    let long = format!(
        r#"{{"username": "{}", "password": "{}"}}"#,
        "a".repeat(5_000),
        "b".repeat(5_000)
    );
    let (status, _) = problem(send(long.into_bytes(), "application/json").await).await;
    assert_eq!(status, 401, "over-long credentials are simply wrong");

    let token = app.token("teacher1").await;
    for path in [
        "/api/v1/pupils/abc",
        "/api/v1/pupils/-1",
        "/api/v1/pupils/99999999999999999999",
        "/api/v1/classes/0",
        "/api/v1/nothing-here",
    ] {
        let r = client
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        let (status, _) = problem(r).await;
        assert_eq!(status, 404, "{path}");
    }
    let r = client
        .put(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("put");
    let (status, _) = problem(r).await;
    assert_eq!(status, 405);
}

async fn bad_form_input_gets_a_page_and_changes_nothing(app: TestApp) {
    let client = app.signed_in("guardian1").await;
    let page = client
        .get(app.url("/profile"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let csrf = common::csrf_of(&page);
    let r = client
        .post(app.url("/profile/language"))
        .form(&[("csrf", csrf.as_str()), ("language", "klingon")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    assert!(r.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/html"));
    let r = client
        .post(app.url("/profile/language"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400, "missing field");
    let r = client
        .post(app.url("/profile/language"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&language=%FF%FE"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400, "invalid UTF-8");
    let r = client
        .post(app.url("/profile/password"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&current={}&new=x&repeat=x",
            "a".repeat(100_000)
        ))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    assert!(r.text().await.expect("body").contains("For meget data"));
    let me = app
        .store
        .me(app.id_of("guardian1").await)
        .await
        .expect("me");
    assert_eq!(me.language, None, "nothing was saved");
    for path in [
        "/pupils/abc",
        "/pupils/1e9",
        "/classes/%00",
        "/no/such/page",
    ] {
        let r = client.get(app.url(path)).send().await.expect("get");
        assert_eq!(r.status(), 404, "{path}");
        assert!(r.text().await.expect("body").contains("Ikke fundet"));
    }
}

async fn other_schools_records_do_not_exist_for_you(app: TestApp) {
    let other = app
        .store
        .create_school("Fjordskolen", Country::No)
        .await
        .expect("school");
    let stranger = app
        .store
        .add_user(
            other,
            &NewUser {
                username: "stranger".into(),
                given_name: "<script>alert(1)</script>".into(),
                family_name: "Fremmed".into(),
                email: None,
                roles: vec![Role::Leader, Role::Staff],
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("user");
    // The other school's leader cannot reach this school's pupil or class.
    let token = app.token("stranger").await;
    let pupil = app.id_of("pupil1").await.0;
    assert_eq!(
        app.api_get(Some(&token), &format!("/api/v1/pupils/{pupil}"))
            .await
            .0,
        404
    );
    assert_eq!(app.api_get(Some(&token), "/api/v1/classes/1").await.0, 404);
    // And this school's leader cannot reach the stranger.
    let leader = app.signed_in("leader1").await;
    let r = leader
        .get(app.url(&format!("/pupils/{stranger}")))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    // The stranger's name is shown escaped, never run.
    let client = app.signed_in("stranger").await;
    let page = client
        .get(app.url("/overview"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(!page.contains("<script>alert(1)</script>"));
    let escaped = [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
    ];
    assert!(
        escaped.iter().any(|e| page.contains(e)),
        "the name is shown, escaped"
    );
    // A Norwegian school speaks Bokmål to the browser that does not say.
    assert!(page.contains("<html lang=\"nb\">"), "the school's locale");
}

async fn security_headers_on_every_page(app: TestApp) {
    for path in ["/login", "/no/such/page", "/api/v1/me", "/healthz"] {
        let r = app.client().get(app.url(path)).send().await.expect("get");
        let h = r.headers();
        assert!(
            h["content-security-policy"]
                .to_str()
                .expect("ascii")
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
}

/// A problem's title says what its status means (issue 15): a conflict is not "could not be
/// understood", a refused recipient not "the form had expired".
async fn problem_titles_match_the_status(app: TestApp) {
    let token = app.token("guardian1").await;
    let pupil = app.id_of("pupil1").await.0;
    let mut day =
        skolebro_store::clock::today(&jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz"))
            .tomorrow()
            .expect("tomorrow");
    while !skolebro_domain::calendar::is_working_day(day) {
        day = day.tomorrow().expect("tomorrow");
    }
    let report = || {
        app.client()
            .post(app.url(&format!("/api/v1/pupils/{pupil}/absences")))
            .bearer_auth(&token)
            .header("accept-language", "en")
            .json(&serde_json::json!({"from": day.to_string(), "reason": "illness"}))
            .send()
    };
    assert_eq!(report().await.expect("report").status(), 201);
    let (status, body) = problem(report().await.expect("again")).await;
    assert_eq!(status, 409);
    assert_eq!(body["title"], "Not possible as things stand", "{body}");

    let (status, body) = problem(
        app.client()
            .post(app.url("/api/v1/threads"))
            .bearer_auth(&token)
            .header("accept-language", "en")
            .json(&serde_json::json!({"recipients": [987654], "subject": "Hej", "body": "Hej"}))
            .send()
            .await
            .expect("thread"),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["title"], "Not allowed", "{body}");
    assert_eq!(
        body["detail"], "You cannot write to one of the chosen recipients.",
        "{body}"
    );
}

on_both_databases!(
    problem_titles_match_the_status,
    me_lists_children_and_classes,
    pupil_and_class_shapes,
    openapi_describes_every_api_route,
    bad_api_input_gets_problem_json,
    bad_form_input_gets_a_page_and_changes_nothing,
    other_schools_records_do_not_exist_for_you,
    security_headers_on_every_page,
);
