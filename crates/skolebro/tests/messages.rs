//! Messages as families and staff meet them (MSG-1..4, MSG-9): writing to the people one may
//! reach, answers to many families going to the sender alone, read state, the inbox, search,
//! contact hours, tone help, the record of calls and talks, and live updates. HTTP against the
//! real app, on both databases.

mod common;

use std::time::Duration;

use common::api::post;
use common::TestApp;
use serde_json::{json, Value};

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// Posts a form with the CSRF token of the page at `from`; returns status, location, body.
async fn form(
    client: &reqwest::Client,
    app: &TestApp,
    from: &str,
    to: &str,
    fields: &[(&str, String)],
) -> (u16, String, String) {
    let (_, html) = page(client, app, from).await;
    let mut all = vec![("csrf".to_owned(), common::csrf_of(&html))];
    all.extend(fields.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let r = client
        .post(app.url(to))
        .form(&all)
        .send()
        .await
        .expect("post form");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, r.text().await.unwrap_or_default())
}

async fn first_class(app: &TestApp, teacher_token: &str) -> i64 {
    let (_, me) = app.api_get(Some(teacher_token), "/api/v1/me").await;
    me["classes"][0]["id"]
        .as_i64()
        .expect("teacher1 has a class")
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = app.api_get(Some(token), "/api/v1/threads").await;
    assert_eq!(status, 200);
    body["items"].as_array().cloned().unwrap_or_default()
}

/// A teacher of the school who does not teach `class_id`.
async fn teacher_outside(app: &TestApp, class_id: i64) -> i64 {
    let leader = app.token("leader1").await;
    let (_, class) = app
        .api_get(Some(&leader), &format!("/api/v1/classes/{class_id}"))
        .await;
    let staff: Vec<i64> = class["staff"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default();
    for n in 2..40 {
        if let Some(id) = app
            .store
            .person_by_username(&format!("teacher{n}"))
            .await
            .expect("lookup")
        {
            if !staff.contains(&id.0) {
                return id.0;
            }
        }
    }
    panic!("no teacher outside the class");
}

async fn guardian_writes_to_the_contact_teacher_who_answers(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let teacher = app.token("teacher1").await;
    let teacher_id = app.id_of("teacher1").await.0;

    // The picker offers the child's contact teacher.
    let (status, groups) = app.api_get(Some(&guardian), "/api/v1/recipients").await;
    assert_eq!(status, 200);
    let offered: Vec<i64> = groups
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["people"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["id"].as_i64())
        .collect();
    assert!(
        offered.contains(&teacher_id),
        "the contact teacher is offered"
    );

    let (status, created) = post(
        &app,
        &guardian,
        "/api/v1/threads",
        json!({"recipients": [teacher_id], "subject": "Madpakke i morgen",
               "body": "Hej Lise\nSkal de have madpakke med på turen?\nVenlig hilsen", "kind": "ordinary"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");

    // The teacher finds it unread at the top of the inbox.
    let items = inbox(&app, &teacher).await;
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["subject"], "Madpakke i morgen");
    assert_eq!(items[0]["unread"], 1);
    assert!(items[0]["last_message_at"].as_str().is_some());

    let (status, thread) = app
        .api_get(Some(&teacher), &format!("/api/v1/threads/{id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        thread["messages"][0]["body"],
        "Hej Lise\nSkal de have madpakke med på turen?\nVenlig hilsen"
    );
    assert_eq!(
        thread["messages"][0]["author"]["id"],
        app.id_of("guardian1").await.0
    );
    assert_eq!(
        inbox(&app, &teacher).await[0]["unread"],
        0,
        "reading marks read"
    );

    // Staff see who has read; the guardian does not.
    let (_, seen_by_teacher) = app
        .api_get(Some(&teacher), &format!("/api/v1/threads/{id}"))
        .await;
    assert!(seen_by_teacher["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .all(|p| p["read_at"].is_string()));

    let (status, reply) = post(
        &app,
        &teacher,
        &format!("/api/v1/threads/{id}/messages"),
        json!({"body": "Ja tak, og drikkedunk. Hilsen Lise"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        reply["thread_id"], id,
        "a reply to one family stays in the thread"
    );

    let items = inbox(&app, &guardian).await;
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["unread"], 1);
    let (_, thread) = app
        .api_get(Some(&guardian), &format!("/api/v1/threads/{id}"))
        .await;
    assert_eq!(
        thread["messages"][1]["body"],
        "Ja tak, og drikkedunk. Hilsen Lise"
    );
    assert!(thread["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .all(|p| p["read_at"].is_null()));

    // The pages show the same, with the unread count in the header.
    let client = app.signed_in("guardian1").await;
    let (_, post) = post(
        &app,
        &teacher,
        &format!("/api/v1/threads/{id}/messages"),
        json!({"body": "PS: Husk regntøj."}),
    )
    .await;
    assert_eq!(post["thread_id"], id);
    let (status, html) = page(&client, &app, "/messages").await;
    assert_eq!(status, 200);
    assert!(html.contains("Madpakke i morgen"));
    assert!(
        html.contains("id=\"unread-count\" class=\"badge\">"),
        "unread shown"
    );
    let (status, html) = page(&client, &app, &format!("/messages/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("PS: Husk regntøj."));
    let (_, html) = page(&client, &app, "/messages").await;
    assert!(
        html.contains("id=\"unread-count\" class=\"badge\" hidden"),
        "all read"
    );
}

async fn a_letter_to_many_families_is_answered_to_the_sender_alone(app: TestApp) {
    let teacher_token = app.token("teacher1").await;
    let class_id = first_class(&app, &teacher_token).await;
    let teacher = app.signed_in("teacher1").await;
    let (status, html) = page(&teacher, &app, "/messages/new").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("name=\"all_guardians\" value=\"{class_id}\"")));
    let (status, location, _) = form(
        &teacher,
        &app,
        "/messages/new",
        "/messages/new",
        &[
            ("all_guardians", class_id.to_string()),
            ("subject", "Tur til skoven fredag".into()),
            (
                "body",
                "Kære forældre\nVi tager i skoven fredag.\nVenlig hilsen Lise".into(),
            ),
            ("action", "send".into()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let id: i64 = location
        .trim_start_matches("/messages/")
        .parse()
        .expect("redirect to the new thread");

    let g1 = app.token("guardian1").await;
    let g2 = app.token("guardian2").await;
    let (_, thread) = app
        .api_get(Some(&g1), &format!("/api/v1/threads/{id}"))
        .await;
    assert_eq!(thread["replies_go_to"], "starter");
    assert!(
        thread["participants"].as_array().expect("p").len() > 10,
        "every family of the class received it"
    );
    let (status, reply) = post(
        &app,
        &g1,
        &format!("/api/v1/threads/{id}/messages"),
        json!({"body": "Skal de have gummistøvler på?"}),
    )
    .await;
    assert_eq!(status, 201);
    let private = reply["thread_id"].as_i64().expect("thread id");
    assert_ne!(private, id, "the reply goes to a private conversation");

    // Another family sees only the teacher's letter.
    let (_, seen) = app
        .api_get(Some(&g2), &format!("/api/v1/threads/{id}"))
        .await;
    assert_eq!(seen["messages"].as_array().expect("messages").len(), 1);
    let (status, _) = app
        .api_get(Some(&g2), &format!("/api/v1/threads/{private}"))
        .await;
    assert_eq!(status, 404);
    assert!(inbox(&app, &g2).await.iter().all(|t| t["id"] != private));
    // The teacher has the reply.
    let (_, p) = app
        .api_get(Some(&teacher_token), &format!("/api/v1/threads/{private}"))
        .await;
    assert_eq!(p["messages"][0]["body"], "Skal de have gummistøvler på?");
    assert_eq!(p["reply_of"], id);

    // Only the starter may open the conversation to all; then replies reach everyone.
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/threads/{id}/open")))
        .bearer_auth(&g2)
        .send()
        .await
        .expect("open");
    assert_eq!(r.status(), 404);
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/threads/{id}/open")))
        .bearer_auth(&teacher_token)
        .send()
        .await
        .expect("open");
    assert_eq!(r.status(), 204);
    let (_, reply) = post(
        &app,
        &g2,
        &format!("/api/v1/threads/{id}/messages"),
        json!({"body": "Vi kan køre to børn derud."}),
    )
    .await;
    assert_eq!(reply["thread_id"], id);
    let (_, seen) = app
        .api_get(Some(&g1), &format!("/api/v1/threads/{id}"))
        .await;
    assert_eq!(seen["messages"][1]["body"], "Vi kan køre to børn derud.");
}

async fn recipients_are_those_one_may_reach(app: TestApp) {
    let g1 = app.token("guardian1").await;
    let teacher = app.token("teacher1").await;
    let class_id = first_class(&app, &teacher).await;
    let outsider = teacher_outside(&app, class_id).await;
    let guardian2 = app.id_of("guardian2").await.0;
    let write = |to: i64| json!({"recipients": [to], "subject": "Hej", "body": "Hej med jer"});
    let (status, denied) = post(&app, &g1, "/api/v1/threads", write(outsider)).await;
    assert_eq!(status, 403, "a teacher of another class");
    let (status, _) = post(&app, &g1, "/api/v1/threads", write(guardian2)).await;
    assert_eq!(
        status, 403,
        "guardians may not write to each other by default"
    );
    let (status, unknown) = post(&app, &g1, "/api/v1/threads", write(987_654)).await;
    assert_eq!(status, 403, "an id that does not exist");
    assert_eq!(
        denied["detail"], unknown["detail"],
        "nothing tells who exists"
    );
    let (status, _) = post(
        &app,
        &g1,
        "/api/v1/threads",
        json!({"recipients": [], "subject": "Hej", "body": "Hej"}),
    )
    .await;
    assert_eq!(status, 400, "no recipients");

    // Not offered in the picker either.
    let (_, groups) = app.api_get(Some(&g1), "/api/v1/recipients").await;
    let offered = groups.to_string();
    assert!(!offered.contains(&format!("\"id\":{outsider},")));

    // The school allows guardians of a class to write to each other.
    let leader = app.signed_in("leader1").await;
    let (status, location, _) = form(
        &leader,
        &app,
        "/settings/messages",
        "/settings/messages",
        &[
            ("contact_hours", String::new()),
            ("guardians_may_message", "1".into()),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/messages?saved=1")
    );
    let (status, _) = post(&app, &g1, "/api/v1/threads", write(guardian2)).await;
    assert_eq!(status, 201);

    // Pupils write to their staff, not to families.
    let pupil = app.token("pupil1").await;
    let (status, _) = post(&app, &pupil, "/api/v1/threads", write(guardian2)).await;
    assert_eq!(status, 403);
    let (status, _) = post(
        &app,
        &pupil,
        "/api/v1/threads",
        write(app.id_of("teacher1").await.0),
    )
    .await;
    assert_eq!(status, 201);
}

async fn bad_input_is_refused_and_nothing_is_lost(app: TestApp) {
    let g1 = app.token("guardian1").await;
    let teacher = app.token("teacher1").await;
    let teacher_id = app.id_of("teacher1").await.0;
    let before = inbox(&app, &teacher).await.len();
    let cases = [
        (
            json!({"recipients": [teacher_id], "subject": " ", "body": "Hej"}),
            422,
            "subject",
        ),
        (
            json!({"recipients": [teacher_id], "subject": "Hej", "body": "x".repeat(10_001)}),
            422,
            "body",
        ),
        (
            json!({"recipients": [teacher_id], "subject": "a".repeat(201), "body": "Hej"}),
            422,
            "subject",
        ),
        (
            json!({"recipients": "teacher1", "subject": "Hej", "body": "Hej"}),
            422,
            "recipients",
        ),
        (
            json!({"recipients": [teacher_id], "subject": "Hej", "body": "Hej", "kind": "urgent"}),
            422,
            "kind",
        ),
        (
            json!({"recipients": [teacher_id], "subject": "Hej", "body": "Godt gået", "kind": "praise"}),
            422,
            "kind",
        ),
        (
            json!({"recipients": [teacher_id], "subject": "Hej"}),
            422,
            "body",
        ),
    ];
    for (body, status, field) in cases {
        let (got, problem) = post(&app, &g1, "/api/v1/threads", body.clone()).await;
        assert_eq!(got, status, "{body}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(field), "{field} named in {detail:?}");
    }
    let r = app
        .client()
        .post(app.url("/api/v1/threads"))
        .bearer_auth(&g1)
        .header("content-type", "application/json")
        .body("{\"recipients\": [1,")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    assert_eq!(
        inbox(&app, &teacher).await.len(),
        before,
        "nothing was stored"
    );

    // A thread one is not in, or an id that is not one.
    let (_, created) = post(
        &app,
        &g1,
        "/api/v1/threads",
        json!({"recipients": [teacher_id], "subject": "<b>Fed</b>", "body": "<script>alert(1)</script>\nHilsen"}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let g2 = app.token("guardian2").await;
    let (status, _) = post(
        &app,
        &g2,
        &format!("/api/v1/threads/{id}/messages"),
        json!({"body": "Hej"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = app.api_get(Some(&g2), "/api/v1/threads/abc").await;
    assert_eq!(status, 404);
    let (status, _) = app.api_get(Some(&g1), "/api/v1/threads?cursor=x.y").await;
    assert_eq!(status, 400);

    // Script in a message is shown as text.
    let client = app.signed_in("teacher1").await;
    let (_, html) = page(&client, &app, &format!("/messages/{id}")).await;
    assert!(
        html.contains("&#60;script&#62;alert(1)") || html.contains("&lt;script&gt;alert(1)"),
        "the script is shown as text"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("<b>Fed</b>"));

    // A form with a problem comes back whole.
    let guardian = app.signed_in("guardian1").await;
    let (status, _, html) = form(
        &guardian,
        &app,
        "/messages/new",
        "/messages/new",
        &[
            ("to", teacher_id.to_string()),
            ("subject", String::new()),
            ("body", "Min lange besked, som ikke må gå tabt".into()),
            ("action", "send".into()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Min lange besked, som ikke må gå tabt"));
    assert!(html.contains("role=\"alert\""));
    // One rule for the kind, on the page as in the API (issue 15): a guardian may mark their
    // own message sensitive, and praise is the school's.
    let (_, new_page) = page(&guardian, &app, "/messages/new").await;
    assert!(
        new_page.contains("value=\"sensitive\""),
        "the guardian may choose sensitive"
    );
    assert!(
        !new_page.contains("value=\"praise\""),
        "praise is not offered"
    );
    let (status, _, html) = form(
        &guardian,
        &app,
        "/messages/new",
        "/messages/new",
        &[
            ("to", teacher_id.to_string()),
            ("subject", "Ros".into()),
            ("body", "Godt gået".into()),
            ("kind", "praise".into()),
            ("action", "send".into()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Godt gået"), "the form comes back whole");
    let (status, location, _) = form(
        &guardian,
        &app,
        "/messages/new",
        "/messages/new",
        &[
            ("to", teacher_id.to_string()),
            ("subject", "Om hjemmet".into()),
            ("body", "Der er sket noget derhjemme.".into()),
            ("kind", "sensitive".into()),
            ("action", "send".into()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let sent = location
        .trim_start_matches("/messages/")
        .parse::<i64>()
        .expect("thread id");
    let g1_token = app.token("guardian1").await;
    let (_, thread) = app
        .api_get(Some(&g1_token), &format!("/api/v1/threads/{sent}"))
        .await;
    assert_eq!(thread["kind"], "sensitive", "{thread}");
    // A reply without text, on the page.
    let (status, _, _) = form(
        &guardian,
        &app,
        &format!("/messages/{id}"),
        &format!("/messages/{id}/reply"),
        &[("body", "   ".into())],
    )
    .await;
    assert_eq!(status, 422);
}

async fn inbox_pages_newest_first_and_search_finds_own_messages(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let g1 = app.id_of("guardian1").await.0;
    for n in 0..30 {
        let (status, _) = post(
            &app,
            &teacher,
            "/api/v1/threads",
            json!({"recipients": [g1], "subject": format!("Besked {n}"),
                   "body": if n == 7 { "Husk gymnastiktøj og håndklæde".to_owned() } else { format!("Nummer {n}") }}),
        )
        .await;
        assert_eq!(status, 201);
    }
    let guardian = app.token("guardian1").await;
    let (_, first) = app.api_get(Some(&guardian), "/api/v1/threads").await;
    let items = first["items"].as_array().expect("items");
    assert_eq!(items.len(), 25);
    assert_eq!(items[0]["subject"], "Besked 29", "newest first");
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = app
        .api_get(Some(&guardian), &format!("/api/v1/threads?cursor={cursor}"))
        .await;
    let rest = second["items"].as_array().expect("items");
    assert_eq!(rest.len(), 5);
    assert!(second["next_cursor"].is_null());
    let mut ids: Vec<i64> = items
        .iter()
        .chain(rest)
        .filter_map(|i| i["id"].as_i64())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "no conversation twice, none left out");

    let (_, hits) = app
        .api_get(Some(&guardian), "/api/v1/threads?q=GYMNASTIK")
        .await;
    let hits = hits["items"].as_array().expect("items");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["subject"], "Besked 7");
    let (_, none) = app.api_get(Some(&guardian), "/api/v1/threads?q=%25").await;
    assert_eq!(
        none["items"].as_array().expect("items").len(),
        0,
        "% is a character, not a wildcard"
    );
    // Danish and Norwegian letters are found whatever their case, in subjects and bodies.
    // (The leader writes it: the teacher has used up the minute's messages above.)
    let leader = app.token("leader1").await;
    let (status, _) = post(
        &app,
        &leader,
        "/api/v1/threads",
        json!({"recipients": [g1], "subject": "Ærøskøbing-turen", "body": "Vi tager FÆRGEN kl. 8 – husk madpakke og Øl-fri sodavand"}),
    )
    .await;
    assert_eq!(status, 201);
    for q in [
        "Ærøskøbing-turen",
        "ærøskøbing",
        "ÆRØSKØBING",
        "færgen",
        "øl-fri",
        "ÅRØ",
    ] {
        let hits: Value = app
            .client()
            .get(app.url("/api/v1/threads"))
            .bearer_auth(&guardian)
            .query(&[("q", q)])
            .send()
            .await
            .expect("search")
            .json()
            .await
            .expect("json");
        let found = hits["items"].as_array().expect("items").len();
        let expected = usize::from(q != "ÅRØ");
        assert_eq!(found, expected, "search {q:?}: {hits}");
    }
    // Another guardian finds nothing of it.
    let other = app.token("guardian2").await;
    let (_, hits) = app
        .api_get(Some(&other), "/api/v1/threads?q=gymnastik")
        .await;
    assert_eq!(hits["items"].as_array().expect("items").len(), 0);
}

async fn contact_hours_tell_when_an_answer_can_be_expected(app: TestApp) {
    let leader = app.signed_in("leader1").await;
    let set = |hours: &'static str| {
        let leader = leader.clone();
        let app = &app;
        async move {
            form(
                &leader,
                app,
                "/settings/messages",
                "/settings/messages",
                &[("contact_hours", hours.into())],
            )
            .await
        }
    };
    let (status, _, html) = set("25:00-26:00").await;
    assert_eq!(status, 422, "impossible hours are refused");
    assert!(html.contains("25:00-26:00"), "what was typed is kept");

    // A one-minute window that is not now.
    let now = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz"));
    let window = if now.hour() < 1 {
        "12:00-12:01"
    } else {
        "00:00-00:01"
    };
    let (status, _, _) = set(window).await;
    assert_eq!(status, 303);
    let guardian = app.signed_in("guardian1").await;
    let (_, html) = page(&guardian, &app, "/messages/new").await;
    assert!(html.contains("id=\"outside-hours\""), "told before sending");
    let token = app.token("guardian1").await;
    let (status, created) = post(
        &app,
        &token,
        "/api/v1/threads",
        json!({"recipients": [app.id_of("teacher1").await.0], "subject": "Aftenbesked", "body": "Hej, et spørgsmål til i morgen."}),
    )
    .await;
    assert_eq!(status, 201, "writing outside contact hours is allowed");
    let from: jiff::Timestamp = created["answer_expected_from"]
        .as_str()
        .expect("an expected answer time")
        .parse()
        .expect("RFC 3339");
    assert!(from > skolebro_store::clock::now());
    let local = from.to_zoned(now.time_zone().clone());
    assert_eq!(
        (local.hour(), local.minute()),
        if now.hour() < 1 { (12, 0) } else { (0, 0) }
    );
    assert!(!matches!(
        local.weekday(),
        jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
    ));

    // Staff write any time and are not told.
    let teacher = app.signed_in("teacher1").await;
    let (_, html) = page(&teacher, &app, "/messages/new").await;
    assert!(!html.contains("id=\"outside-hours\""));

    // The whole working day: no notice on a working day.
    let (status, _, _) = set("00:00-23:59").await;
    assert_eq!(status, 303);
    let (_, html) = page(&guardian, &app, "/messages/new").await;
    let weekend = matches!(
        now.weekday(),
        jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
    );
    let late = now.hour() == 23 && now.minute() >= 58;
    if !late {
        assert_eq!(html.contains("id=\"outside-hours\""), weekend);
    }
}

async fn tone_help_advises_and_never_blocks(app: TestApp) {
    let token = app.token("guardian1").await;
    let (status, report) = post(
        &app,
        &token,
        "/api/v1/tone",
        json!({"text": "I ALDRIG LYTTER TIL OS!!! Min søn bliver mobbet hver dag.", "lang": "da"}),
    )
    .await;
    assert_eq!(status, 200);
    let kinds: Vec<&str> = report["advice"]
        .as_array()
        .expect("advice")
        .iter()
        .filter_map(|a| a["kind"].as_str())
        .collect();
    for expected in [
        "shouting",
        "many_exclamations",
        "absolute_word",
        "phone_instead",
    ] {
        assert!(kinds.contains(&expected), "{expected} in {kinds:?}");
    }
    assert!(report["lix"].is_number());
    assert!(report["advice"][0]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    let (status, _) = post(
        &app,
        &token,
        "/api/v1/tone",
        json!({"text": "Hi", "lang": "xx"}),
    )
    .await;
    assert_eq!(status, 422);

    // On the page: checking shows advice beside the draft and sends nothing; sending still works.
    let teacher_token = app.token("teacher1").await;
    let before = inbox(&app, &teacher_token).await.len();
    let guardian = app.signed_in("guardian1").await;
    let teacher_id = app.id_of("teacher1").await.0.to_string();
    let draft = "Hej\nI ALDRIG svarer på mine beskeder om mobning!!\nHilsen Mette";
    let fields = |action: &str| {
        vec![
            ("to", teacher_id.clone()),
            ("subject", "Mobning".to_owned()),
            ("body", draft.to_owned()),
            ("action", action.to_owned()),
        ]
    };
    let (status, _, html) = form(
        &guardian,
        &app,
        "/messages/new",
        "/messages/new",
        &fields("check"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("advice-phone_instead"),
        "the suggestion to phone"
    );
    assert!(html.contains("I ALDRIG svarer"), "the draft is kept");
    assert_eq!(
        inbox(&app, &teacher_token).await.len(),
        before,
        "checking sends nothing"
    );
    let (status, _, _) = form(
        &guardian,
        &app,
        "/messages/new",
        "/messages/new",
        &fields("send"),
    )
    .await;
    assert_eq!(status, 303, "advice never blocks");
    assert_eq!(inbox(&app, &teacher_token).await.len(), before + 1);
}

async fn staff_record_calls_and_talks_beside_the_messages(app: TestApp) {
    let pupil = app.id_of("pupil1").await.0;
    let teacher = app.signed_in("teacher1").await;
    let path = format!("/pupils/{pupil}/contact");
    let (status, location, _) = form(
        &teacher,
        &app,
        &path,
        &path,
        &[
            ("happened_on", "2026-11-02".into()),
            ("channel", "phone".into()),
            ("participants", "Mor og Lise".into()),
            ("topic", "Søvn og morgener".into()),
            (
                "agreements",
                "Mor prøver fast sengetid; vi taler igen fredag.".into(),
            ),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, path.as_str()));
    let (_, html) = page(&teacher, &app, &path).await;
    assert!(html.contains("Søvn og morgener"));
    assert!(html.contains("vi taler igen fredag"));

    // A day in the future or an unknown channel is refused, and the form keeps what was typed.
    let (status, _, html) = form(
        &teacher,
        &app,
        &path,
        &path,
        &[
            ("happened_on", "2999-01-01".into()),
            ("channel", "pigeon".into()),
            ("participants", "Far".into()),
            ("topic", "Noget der ikke må gå tabt".into()),
            ("agreements", String::new()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Noget der ikke må gå tabt"));

    // The record is the school's: the family does not read it here.
    let guardian = app.signed_in("guardian1").await;
    let (status, html) = page(&guardian, &app, &path).await;
    assert_eq!(status, 404);
    assert!(!html.contains("Søvn og morgener"));

    let token = app.token("teacher1").await;
    let (status, list) = app
        .api_get(
            Some(&token),
            &format!("/api/v1/pupils/{pupil}/conversations"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["topic"], "Søvn og morgener");
    assert_eq!(list[0]["channel"], "phone");
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("one")
        .id;
    let id = list[0]["id"].as_i64().expect("id");
    let audit = app
        .store
        .audit_of(school, "conversation_log", id, 10)
        .await
        .expect("audit");
    assert!(!audit.is_empty(), "recording is audited");
}

async fn new_messages_arrive_live(app: TestApp) {
    let guardian = app.signed_in("guardian1").await;
    let mut stream = guardian
        .get(app.url("/messages/events"))
        .send()
        .await
        .expect("event stream");
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/event-stream"));
    let teacher = app.token("teacher1").await;
    let (_, created) = post(
        &app,
        &teacher,
        "/api/v1/threads",
        json!({"recipients": [app.id_of("guardian1").await.0], "subject": "Nyt", "body": "Hej fra skolen"}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !seen.contains(&format!("\"thread_id\":{id}")) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("an event within 15 s")
            .expect("stream")
            .expect("open stream");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: message"));
    assert!(
        !seen.contains("Hej fra skolen"),
        "no content travels in events"
    );
}

/// A protected family (PEO-3) is not named to other families: not in the co-recipients of a
/// class letter, not in the picker where guardians may write to each other; the school sees
/// them (issue 15 §2).
async fn a_protected_family_is_not_named_to_other_families(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let g2 = app.id_of("guardian2").await;
    let g3 = app.id_of("guardian3").await;
    let g3_name = app.store.me(g3).await.expect("guardian3").person.full();
    let (status, created) = post(
        &app,
        &teacher,
        "/api/v1/threads",
        json!({"recipients": [g2.0, g3.0], "subject": "Klassebrev", "body": "Kære forældre"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let names = |thread: &Value| -> Vec<String> {
        thread["participants"]
            .as_array()
            .expect("participants")
            .iter()
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect()
    };
    let guardian = app.token("guardian2").await;
    let (_, seen) = app
        .api_get(Some(&guardian), &format!("/api/v1/threads/{id}"))
        .await;
    assert!(!names(&seen).contains(&g3_name), "{seen}");
    let (_, staff_view) = app
        .api_get(Some(&teacher), &format!("/api/v1/threads/{id}"))
        .await;
    assert!(names(&staff_view).contains(&g3_name), "{staff_view}");
    let (_, own) = app
        .api_get(
            Some(&app.token("guardian3").await),
            &format!("/api/v1/threads/{id}"),
        )
        .await;
    assert!(names(&own).contains(&g3_name), "a family sees itself");
    let page = app
        .signed_in("guardian2")
        .await
        .get(app.url(&format!("/messages/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("Klassebrev") && !page.contains(&g3_name),
        "{page}"
    );

    // Where guardians may write to each other, the picker offers every family but this one.
    let leader = app.signed_in("leader1").await;
    let (status, _, _) = form(
        &leader,
        &app,
        "/settings/messages",
        "/settings/messages",
        &[
            ("contact_hours", String::new()),
            ("guardians_may_message", "1".into()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, groups) = app.api_get(Some(&guardian), "/api/v1/recipients").await;
    let offered = groups.to_string();
    assert!(offered.contains("\"role\":\"guardian\""), "{offered}");
    assert!(!offered.contains(&g3_name), "{offered}");
    assert!(!offered.contains(&format!("\"id\":{},", g3.0)), "{offered}");
    // Typed in by id, the protected family is refused as if nobody had that id.
    let write = |to: i64| json!({"recipients": [to], "subject": "Hej", "body": "Hej med jer"});
    let (status, protected) = post(&app, &guardian, "/api/v1/threads", write(g3.0)).await;
    assert_eq!(status, 403, "{protected}");
    let (_, unknown) = post(&app, &guardian, "/api/v1/threads", write(987_654)).await;
    assert_eq!(
        protected["detail"], unknown["detail"],
        "nothing tells who exists"
    );
    let g1 = app.id_of("guardian1").await;
    let (status, _) = post(&app, &guardian, "/api/v1/threads", write(g1.0)).await;
    assert_eq!(status, 201, "another family may be written to");
}

on_both_databases!(
    a_protected_family_is_not_named_to_other_families,
    guardian_writes_to_the_contact_teacher_who_answers,
    a_letter_to_many_families_is_answered_to_the_sender_alone,
    recipients_are_those_one_may_reach,
    bad_input_is_refused_and_nothing_is_lost,
    inbox_pages_newest_first_and_search_finds_own_messages,
    contact_hours_tell_when_an_answer_can_be_expected,
    tone_help_advises_and_never_blocks,
    staff_record_calls_and_talks_beside_the_messages,
    new_messages_arrive_live,
);
