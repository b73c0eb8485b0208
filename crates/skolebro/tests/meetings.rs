//! Parent meetings as parents and staff meet them (MEE-1..5, DIF-5, PEO-5): the school chooses
//! a parent representative, who plans the meeting with the staff; guardians propose themes and
//! vote (a second vote replaces the first) and the planners see the ranking; guardians reply
//! with their needs until the deadline; groups are drawn, minutes are published, the
//! communication agreement sets the class's contact hours; the class's parent board opens when
//! the school allows it and the school sees how the group is knit; parent bodies have members
//! and a thread. On both databases.

mod common;

use common::api::{get, post, put};
use common::{csrf_of, TestApp};
use serde_json::{json, Value};
use skolebro_domain::{ClassId, SchoolId};

async fn school(app: &TestApp) -> SchoolId {
    app.store
        .first_school()
        .await
        .expect("school")
        .expect("one")
        .id
}

async fn class_of(app: &TestApp, pupil: &str) -> ClassId {
    let id = app.id_of(pupil).await;
    app.store
        .pupil_detail(school(app).await, id)
        .await
        .expect("pupil")
        .expect("exists")
        .classes[0]
        .id
}

/// A guardian of a pupil in another class than the first.
async fn other_class_guardian(app: &TestApp) -> String {
    let id = app.id_of("pupil20").await;
    let detail = app
        .store
        .pupil_detail(school(app).await, id)
        .await
        .expect("pupil")
        .expect("exists");
    assert_ne!(detail.classes[0].id, class_of(app, "pupil1").await);
    app.store
        .me(detail.guardians[0].person.id)
        .await
        .expect("me")
        .username
        .expect("account")
}

/// The demo's meeting of the first class.
async fn demo_meeting(app: &TestApp, token: &str) -> Value {
    let class = class_of(app, "pupil1").await;
    let (status, list) = get(app, token, &format!("/api/v1/classes/{}/meetings", class.0)).await;
    assert_eq!(status, 200, "{list}");
    let id = list[0]["id"].as_i64().expect("a demo meeting");
    let (status, meeting) = get(app, token, &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(status, 200, "{meeting}");
    meeting
}

/// A local moment `n` days from now, as forms and the API take it.
fn local_in_days(n: i64, hour: i8) -> String {
    let day = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz"))
        .date()
        .checked_add(jiff::Span::new().days(n))
        .expect("date");
    format!("{day}T{hour:02}:00")
}

fn plan(title: &str, agenda: &str) -> Value {
    json!({
        "title": title,
        "starts": local_in_days(20, 18),
        "ends": local_in_days(20, 20),
        "place": "Aula",
        "form": "language_groups",
        "agenda": agenda,
        "invitation": "Kære forældre. Vi mødes og taler om klassen. Venlig hilsen Lærerne",
        "rsvp_deadline": local_in_days(15, 12),
        "remind_at": local_in_days(19, 9),
    })
}

/// Posts a form from `page` (for its CSRF token) as the signed-in browser.
async fn form(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let html = client
        .get(app.url(page))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let mut all = vec![("csrf".to_owned(), csrf_of(&html))];
    all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let r = client
        .post(app.url(action))
        .header("accept-language", "en")
        .form(&all)
        .send()
        .await
        .expect("post");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str, lang: &str) -> (u16, String) {
    let r = client
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .expect("page");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn representative_plans_with_the_staff(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let rep = app.token("guardian2").await;
    let parent = app.token("guardian1").await;
    let class = class_of(&app, "pupil1").await;

    // The demo made guardian2 the class's representative: a planner; guardian1 is not.
    let m = demo_meeting(&app, &rep).await;
    assert_eq!(m["planner"], true, "{m}");
    assert_eq!(demo_meeting(&app, &parent).await["planner"], false);
    let id = m["id"].as_i64().expect("id");

    // The teacher plans a new meeting; an agenda with an empty item is refused with 422.
    let path = format!("/api/v1/classes/{}/meetings", class.0);
    let (status, body) = post(
        &app,
        &teacher,
        &path,
        plan("Forældremøde 2", "Velkommen\n\nLektier"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"].as_str().unwrap_or("").contains("item 2"),
        "{body}"
    );
    let (status, created) = post(
        &app,
        &teacher,
        &path,
        plan("Forældremøde 2", "Velkommen\nLektier\n"),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let new_id = created["id"].as_i64().expect("id");
    let (_, new) = get(&app, &teacher, &format!("/api/v1/meetings/{new_id}")).await;
    assert_eq!(new["agenda"], json!(["Velkommen", "Lektier"]));
    assert_eq!(new["form"], "language_groups");
    // A guardian who is not a representative may not plan one (403, with the reason).
    let (status, body) = post(&app, &parent, &path, plan("Mit møde", "")).await;
    assert_eq!(status, 403, "{body}");
    // The representative may.
    let (status, _) = post(&app, &rep, &path, plan("Sommerfest", "")).await;
    assert_eq!(status, 201);
    // Reply deadline after the start: refused.
    let mut late = plan("Sent", "");
    late["rsvp_deadline"] = json!(local_in_days(21, 12));
    assert_eq!(post(&app, &teacher, &path, late).await.0, 422);

    // The representative edits the plan through the page; checking the invitation shows the
    // tone help without saving.
    let browser = app.signed_in("guardian2").await;
    let meeting_page = format!("/meetings/{id}");
    let fields = [
        ("title", "Forældremøde i 0.A"),
        ("starts", &local_in_days(21, 18)[..]),
        ("ends", &local_in_days(21, 20)[..]),
        ("place", "Klasselokalet"),
        ("form", "groups"),
        ("agenda", "Velkommen\nSengetider"),
        (
            "invitation",
            "VI SKAL MØDES!!! Alle forældre skal komme, det er vigtigt for undervisningsmiljøets kvalitetsudvikling.",
        ),
        ("rsvp_deadline", &local_in_days(18, 12)[..]),
        ("remind_at", ""),
    ];
    let mut check = fields.to_vec();
    check.push(("action", "check"));
    let (status, html) = form(
        &app,
        &browser,
        &meeting_page,
        &format!("/meetings/{id}/plan"),
        &check,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("LIX"), "the tone help shows the readability");
    assert!(
        html.contains("class=\"advice-"),
        "advice on the invitation: {html}"
    );
    let (_, unchanged) = get(&app, &rep, &format!("/api/v1/meetings/{id}")).await;
    assert_ne!(
        unchanged["place"], "Klasselokalet",
        "checking does not save"
    );
    let mut save = fields.to_vec();
    save.push(("action", "save"));
    let (status, _) = form(
        &app,
        &browser,
        &meeting_page,
        &format!("/meetings/{id}/plan"),
        &save,
    )
    .await;
    assert_eq!(status, 303);
    let (_, saved) = get(&app, &parent, &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(saved["place"], "Klasselokalet");
    assert_eq!(saved["agenda"], json!(["Velkommen", "Sengetider"]));
    // An empty agenda item through the form: 422, and the typed text is kept on the page.
    let mut bad = save.clone();
    bad[5] = ("agenda", "Velkommen\n \nSengetider");
    let (status, html) = form(
        &app,
        &browser,
        &meeting_page,
        &format!("/meetings/{id}/plan"),
        &bad,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Agenda item 2 is empty"), "{html}");
    assert!(
        html.contains("Klasselokalet"),
        "the form keeps what was typed"
    );

    // The school ends guardian2 as representative: no longer a planner.
    let teacher_browser = app.signed_in("teacher1").await;
    let rep_id = app.id_of("guardian2").await;
    let (status, _) = form(
        &app,
        &teacher_browser,
        &format!("/classes/{}/meetings", class.0),
        &format!("/classes/{}/representatives", class.0),
        &[("person", &rep_id.0.to_string()), ("representative", "0")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(demo_meeting(&app, &rep).await["planner"], false);
    // A guardian cannot choose representatives; a non-guardian cannot be chosen.
    let (status, _) = form(
        &app,
        &app.signed_in("guardian1").await,
        &format!("/classes/{}/meetings", class.0),
        &format!("/classes/{}/representatives", class.0),
        &[("person", &rep_id.0.to_string()), ("representative", "1")],
    )
    .await;
    assert_eq!(status, 403);
    let teacher_id = app.id_of("teacher1").await;
    let (status, _) = form(
        &app,
        &teacher_browser,
        &format!("/classes/{}/meetings", class.0),
        &format!("/classes/{}/representatives", class.0),
        &[
            ("person", &teacher_id.0.to_string()),
            ("representative", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    app.stop().await;
}

async fn guardians_propose_and_vote_and_planners_see_the_ranking(app: TestApp) {
    let rep = app.token("guardian2").await;
    let g1 = app.token("guardian1").await;
    let g5 = app.token("guardian5").await;
    let teacher = app.token("teacher1").await;
    let m = demo_meeting(&app, &g1).await;
    let id = m["id"].as_i64().expect("id");
    let themes = format!("/api/v1/meetings/{id}/themes");

    // A suggestion of the class's grade band, worded in the guardian's language.
    let (status, created) = post(&app, &g1, &themes, json!({"suggestion": "packed-lunches"})).await;
    assert_eq!(status, 201, "{created}");
    let lunches = created["id"].as_i64().expect("id");
    // A suggestion of another band, an empty theme: 422.
    assert_eq!(
        post(&app, &g1, &themes, json!({"suggestion": "exams"}))
            .await
            .0,
        422
    );
    assert_eq!(
        post(&app, &g1, &themes, json!({"text": "   "})).await.0,
        422
    );
    let (status, own) = post(
        &app,
        &g5,
        &themes,
        json!({"text": "<script>alert(1)</script> Skolevejen"}),
    )
    .await;
    assert_eq!(status, 201);
    let own = own["id"].as_i64().expect("id");
    // A guardian with no child in the class: 403; staff do not propose; pupils do not know of it.
    let other = app.token(&other_class_guardian(&app).await).await;
    let (status, body) = post(&app, &other, &themes, json!({"text": "Mit tema"})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        post(&app, &teacher, &themes, json!({"text": "x"})).await.0,
        403
    );
    let pupil = app.token("pupil1").await;
    assert_eq!(
        post(&app, &pupil, &themes, json!({"text": "x"})).await.0,
        404
    );
    assert_eq!(
        get(&app, &other, &format!("/api/v1/meetings/{id}")).await.0,
        404
    );

    // Votes: a second vote replaces the first.
    let vote = |t: i64| format!("/api/v1/meeting-themes/{t}/vote");
    for token in [&g1, &g1, &g5] {
        assert_eq!(
            put(&app, token, &vote(own), json!({"support": true}))
                .await
                .0,
            204
        );
    }
    assert_eq!(
        put(&app, &rep, &vote(lunches), json!({"support": true}))
            .await
            .0,
        204
    );
    assert_eq!(
        put(&app, &other, &vote(own), json!({"support": true}))
            .await
            .0,
        403
    );
    assert_eq!(
        put(&app, &teacher, &vote(own), json!({"support": true}))
            .await
            .0,
        403
    );

    // The planners see the ranking with votes; families see themes without counts.
    let (_, planner_view) = get(&app, &teacher, &format!("/api/v1/meetings/{id}")).await;
    let ranked = planner_view["themes"].as_array().expect("themes");
    assert_eq!(ranked[0]["id"], own, "{planner_view}");
    assert_eq!(
        ranked[0]["votes"], 2,
        "two guardians, g1 voting twice counts once"
    );
    assert_eq!(ranked[0]["rank"], 1);
    let lunch = ranked.iter().find(|t| t["id"] == lunches).expect("theme");
    assert_eq!(lunch["text"], "Packed lunches");
    let (_, family_view) = get(&app, &g1, &format!("/api/v1/meetings/{id}")).await;
    let mine = family_view["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .find(|t| t["id"] == own)
        .expect("theme")
        .clone();
    assert_eq!(mine["votes"], Value::Null);
    assert_eq!(mine["my_vote"], true);
    // Withdrawing support replaces the vote.
    assert_eq!(
        put(&app, &g1, &vote(own), json!({"support": false}))
            .await
            .0,
        204
    );
    let (_, planner_view) = get(&app, &teacher, &format!("/api/v1/meetings/{id}")).await;
    let t = planner_view["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .find(|t| t["id"] == own)
        .expect("theme")
        .clone();
    assert_eq!(t["votes"], 1);

    // The representative puts a theme on the agenda (once); a guardian may not.
    let rep_browser = app.signed_in("guardian2").await;
    let meeting_page = format!("/meetings/{id}");
    let html = page(&app, &rep_browser, &meeting_page, "en").await.1;
    assert!(
        html.contains("alert(1)") && html.contains("Skolevejen"),
        "shown as text"
    );
    assert!(!html.contains("<script>alert"), "never run");
    let to_agenda = format!("/meeting-themes/{own}/agenda");
    assert_eq!(
        form(&app, &rep_browser, &meeting_page, &to_agenda, &[])
            .await
            .0,
        303
    );
    assert_eq!(
        form(&app, &rep_browser, &meeting_page, &to_agenda, &[])
            .await
            .0,
        303
    );
    let g1_browser = app.signed_in("guardian1").await;
    assert_eq!(
        form(&app, &g1_browser, &meeting_page, &to_agenda, &[])
            .await
            .0,
        403
    );
    let (_, m) = get(&app, &g1, &format!("/api/v1/meetings/{id}")).await;
    let agenda: Vec<&str> = m["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        agenda.iter().filter(|a| a.contains("Skolevejen")).count(),
        1,
        "{agenda:?}"
    );
    app.stop().await;
}

async fn guardians_reply_with_needs_until_the_deadline(app: TestApp) {
    let g5 = app.token("guardian5").await;
    let g1 = app.token("guardian1").await;
    let teacher = app.token("teacher1").await;
    let m = demo_meeting(&app, &g5).await;
    let id = m["id"].as_i64().expect("id");
    let rsvp = format!("/api/v1/meetings/{id}/rsvp");
    let profile_language = app
        .store
        .interpreter_language(app.id_of("guardian5").await)
        .await
        .expect("profile")
        .expect("guardian5 has an interpreter need in the demo");

    // An interpreter in the language of the guardian's profile (PEO-4), childcare, food.
    let (status, body) = put(
        &app,
        &g5,
        &rsvp,
        json!({"coming": true, "interpreter": true, "childcare": 2, "contribution": "Baklava"}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, mine) = get(&app, &g5, &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(
        mine["my_rsvp"]["interpreter_language"],
        profile_language.as_str()
    );
    assert_eq!(mine["my_rsvp"]["childcare"], 2);
    assert_eq!(
        mine["replies"],
        Value::Null,
        "families do not see others' replies"
    );
    // No interpreter language anywhere: a clear 422. Childcare out of range: 422.
    let (status, _) = put(
        &app,
        &g1,
        &rsvp,
        json!({"coming": true, "interpreter": true}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        put(&app, &g1, &rsvp, json!({"coming": true, "childcare": 99}))
            .await
            .0,
        422
    );
    assert_eq!(
        put(&app, &g1, &rsvp, json!({"coming": "maybe"})).await.0,
        422
    );
    // Replying again replaces the reply.
    assert_eq!(put(&app, &g1, &rsvp, json!({"coming": true})).await.0, 204);
    assert_eq!(put(&app, &g1, &rsvp, json!({"coming": false})).await.0, 204);
    assert_eq!(
        put(&app, &teacher, &rsvp, json!({"coming": true})).await.0,
        403
    );

    let (_, planner) = get(&app, &teacher, &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(planner["replies"]["coming"], 1, "{planner}");
    assert_eq!(planner["replies"]["not_coming"], 1);
    assert_eq!(planner["replies"]["childcare"], 2);
    assert_eq!(
        planner["replies"]["interpreters"],
        json!([{"language": profile_language, "count": 1}])
    );
    assert_eq!(planner["replies"]["contributions"], json!(["Baklava"]));

    // The class's representative plans with the totals: the page names no family's answer
    // (issue 15 §2); the teacher's page does.
    let g5_name = app
        .store
        .me(app.id_of("guardian5").await)
        .await
        .expect("guardian5")
        .person
        .full();
    let path = format!("/meetings/{id}");
    let rep = app.signed_in("guardian2").await;
    let (status, html) = page(&app, &rep, &path, "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"replies-summary\""), "totals: {html}");
    assert!(!html.contains(&g5_name), "no family by name: {html}");
    let staff = app.signed_in("teacher1").await;
    let (status, html) = page(&app, &staff, &path, "en").await;
    assert_eq!(status, 200);
    assert!(html.contains(&g5_name), "the school sees who replied");

    // After the deadline: a clear refusal, and the earlier reply stands.
    let school = school(&app).await;
    let meeting = app
        .store
        .meeting(school, id)
        .await
        .expect("m")
        .expect("exists");
    let agenda = meeting.agenda.clone();
    app.store
        .update_meeting(
            school,
            id,
            &skolebro_store::meetings::MeetingPlan {
                title: &meeting.title,
                starts_at: meeting.starts_at,
                ends_at: meeting.ends_at,
                place: &meeting.place,
                form: meeting.form,
                agenda: &agenda,
                invitation: None,
                rsvp_deadline: skolebro_store::now() - 60,
                remind_at: None,
            },
            app.id_of("teacher1").await,
        )
        .await
        .expect("deadline moved");
    let (status, body) = put(&app, &g1, &rsvp, json!({"coming": true})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("Replies closed"),
        "{body}"
    );
    let browser = app.signed_in("guardian1").await;
    let (status, html) = form(
        &app,
        &browser,
        &format!("/meetings/{id}"),
        &format!("/meetings/{id}/rsvp"),
        &[("coming", "1")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(html.contains("Replies closed"), "{html}");
    let (_, mine) = get(&app, &g1, &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(mine["my_rsvp"]["coming"], false);
    app.stop().await;
}

async fn groups_minutes_and_the_communication_agreement(app: TestApp) {
    let teacher_browser = app.signed_in("teacher1").await;
    let g1 = app.token("guardian1").await;
    let g5 = app.token("guardian5").await;
    let m = demo_meeting(&app, &g1).await;
    let id = m["id"].as_i64().expect("id");
    let page_path = format!("/meetings/{id}");
    for t in [&g1, &g5] {
        put(
            &app,
            t,
            &format!("/api/v1/meetings/{id}/rsvp"),
            json!({"coming": true}),
        )
        .await;
    }

    // More groups than people coming: 422. Two groups, by language, with a seed: drawn, and the
    // same seed draws the same groups.
    let groups = format!("/meetings/{id}/groups");
    let (status, html) = form(
        &app,
        &teacher_browser,
        &page_path,
        &groups,
        &[("groups", "3"), ("mode", "mixed")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("more groups than people"), "{html}");
    let (status, _) = form(
        &app,
        &teacher_browser,
        &page_path,
        &groups,
        &[("groups", "2"), ("mode", "by_language"), ("seed", "7")],
    )
    .await;
    assert_eq!(status, 303);
    let school = school(&app).await;
    let first = app.store.groups(school, id).await.expect("groups");
    assert_eq!(first.len(), 2);
    assert_eq!(first.iter().map(Vec::len).sum::<usize>(), 2);
    form(
        &app,
        &teacher_browser,
        &page_path,
        &groups,
        &[("groups", "2"), ("mode", "by_language"), ("seed", "7")],
    )
    .await;
    assert_eq!(app.store.groups(school, id).await.expect("groups"), first);
    let guardian_browser = app.signed_in("guardian1").await;
    assert_eq!(
        form(
            &app,
            &guardian_browser,
            &page_path,
            &groups,
            &[("groups", "1"), ("mode", "mixed")]
        )
        .await
        .0,
        403
    );

    // Minutes by someone who is not a planner: 403. A draft is not shown to guardians; once
    // published it is.
    let minutes = format!("/meetings/{id}/minutes");
    let (status, _) = form(
        &app,
        &guardian_browser,
        &page_path,
        &minutes,
        &[("minutes", "Mit referat")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = form(
        &app,
        &teacher_browser,
        &page_path,
        &minutes,
        &[
            ("minutes", "Vi talte om sengetider."),
            ("decisions", "Sengetid kl. 20"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, seen) = get(&app, &g1, &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(
        seen["minutes"],
        Value::Null,
        "a draft stays with the planners"
    );
    let (status, _) = form(
        &app,
        &teacher_browser,
        &page_path,
        &minutes,
        &[
            ("minutes", "Vi talte om sengetider."),
            ("decisions", "Sengetid kl. 20"),
            ("publish", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, seen) = get(&app, &g1, &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(seen["minutes"], "Vi talte om sengetider.");
    assert_eq!(seen["decisions"], "Sengetid kl. 20");
    assert_eq!(seen["minutes_published"], true);

    // The communication agreement sets the class's contact hours (MEE-5).
    let agreement = format!("/meetings/{id}/agreement");
    let (status, _) = form(
        &app,
        &teacher_browser,
        &page_path,
        &agreement,
        &[("hours", "8:00-15:00"), ("answer_days", "2")],
    )
    .await;
    assert_eq!(status, 422, "no channel");
    let (status, _) = form(
        &app,
        &teacher_browser,
        &page_path,
        &agreement,
        &[
            ("hours", "15-8"),
            ("answer_days", "2"),
            ("channel_app", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = form(
        &app,
        &teacher_browser,
        &page_path,
        &agreement,
        &[
            ("hours", "8:00-15:00"),
            ("answer_days", "2"),
            ("channel_app", "1"),
            ("channel_phone", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let class = class_of(&app, "pupil1").await;
    assert_eq!(
        app.store
            .class_contact_hours(school, class)
            .await
            .expect("hours"),
        Some("08:00-15:00".to_owned())
    );
    let (_, seen) = get(&app, &g1, &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(seen["agreement_channels"], json!(["app", "phone"]));
    assert_eq!(seen["agreement_answer_days"], 2);
    app.stop().await;
}

async fn the_parent_board_opens_when_the_school_allows_it(app: TestApp) {
    let class = class_of(&app, "pupil1").await;
    let board = format!("/classes/{}/parent-board", class.0);
    let g1 = app.signed_in("guardian1").await;
    // Closed: guardians do not see it, and posting is refused with the reason.
    assert_eq!(page(&app, &g1, &board, "en").await.0, 404);
    let (status, html) = form(
        &app,
        &g1,
        "/meetings",
        &board,
        &[("kind", "car_pool"), ("text", "Kører fra Vestergade")],
    )
    .await;
    assert_eq!(status, 403);
    assert!(html.contains("not opened"), "{html}");
    // The leader opens the boards; a teacher cannot.
    let leader = app.signed_in("leader1").await;
    assert_eq!(
        form(
            &app,
            &leader,
            "/meetings",
            "/settings/parent-board",
            &[("allowed", "1")]
        )
        .await
        .0,
        303
    );
    let teacher = app.signed_in("teacher1").await;
    assert_eq!(
        form(
            &app,
            &teacher,
            "/meetings",
            "/settings/parent-board",
            &[("allowed", "0")]
        )
        .await
        .0,
        404
    );

    let (status, _) = form(
        &app,
        &g1,
        "/meetings",
        &board,
        &[
            ("kind", "car_pool"),
            ("text", "Kører fra Vestergade kl. 7.45"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        form(
            &app,
            &g1,
            "/meetings",
            &board,
            &[("kind", "party"), ("text", "x")]
        )
        .await
        .0,
        422
    );
    assert_eq!(
        form(
            &app,
            &g1,
            "/meetings",
            &board,
            &[("kind", "play_date"), ("text", " ")]
        )
        .await
        .0,
        422
    );
    let g2 = app.signed_in("guardian2").await;
    let (status, html) = page(&app, &g2, &board, "en").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Vestergade") && html.contains("Car-pooling"),
        "{html}"
    );
    // Staff read it, never post; another class's guardian does not see it.
    assert_eq!(page(&app, &teacher, &board, "en").await.0, 200);
    assert_eq!(
        form(
            &app,
            &teacher,
            "/meetings",
            &board,
            &[("kind", "car_pool"), ("text", "x")]
        )
        .await
        .0,
        403
    );
    let other = app.signed_in(&other_class_guardian(&app).await).await;
    assert_eq!(page(&app, &other, &board, "en").await.0, 404);

    // The school sees how the parent group is knit: counts, never names.
    let g1_token = app.token("guardian1").await;
    let m = demo_meeting(&app, &g1_token).await;
    put(
        &app,
        &g1_token,
        &format!("/api/v1/meetings/{}/rsvp", m["id"]),
        json!({"coming": true}),
    )
    .await;
    let (status, html) = page(
        &app,
        &teacher,
        &format!("/classes/{}/meetings", class.0),
        "en",
    )
    .await;
    assert_eq!(status, 200);
    let knit_start = html.find("id=\"knit\"").expect("knit figures for staff");
    let knit = &html[knit_start..knit_start + html[knit_start..].find("</dl>").expect("end")];
    assert!(
        knit.contains("<dd>1</dd>"),
        "one guardian on the board and one coming: {knit}"
    );
    assert!(!knit.contains("Vestergade"), "{knit}");
    let (_, html) = page(&app, &g1, &format!("/classes/{}/meetings", class.0), "en").await;
    assert!(
        !html.contains("id=\"knit\""),
        "families do not see the figures"
    );
    app.stop().await;
}

async fn parent_bodies_have_members_and_a_thread(app: TestApp) {
    let leader = app.signed_in("leader1").await;
    let (status, _) = form(
        &app,
        &leader,
        "/parent-bodies",
        "/parent-bodies",
        &[("kind", "school_board"), ("name", "Skolebestyrelsen")],
    )
    .await;
    assert_eq!(status, 303);
    let g1 = app.signed_in("guardian1").await;
    assert_eq!(
        form(
            &app,
            &g1,
            "/parent-bodies",
            "/parent-bodies",
            &[("kind", "school_board"), ("name", "Min")]
        )
        .await
        .0,
        404
    );
    let school = school(&app).await;
    let body = app.store.bodies(school, None).await.expect("bodies")[0].id;
    let body_page = format!("/parent-bodies/{body}");
    assert_eq!(
        page(&app, &g1, &body_page, "en").await.0,
        404,
        "not a member yet"
    );
    let members = format!("{body_page}/members");
    assert_eq!(
        form(
            &app,
            &leader,
            &body_page,
            &members,
            &[("username", "guardian1")]
        )
        .await
        .0,
        303
    );
    assert_eq!(
        form(
            &app,
            &leader,
            &body_page,
            &members,
            &[("username", "nobody-here")]
        )
        .await
        .0,
        422
    );
    let (status, html) = page(&app, &g1, "/parent-bodies", "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("Skolebestyrelsen"));
    let posts = format!("{body_page}/posts");
    assert_eq!(
        form(
            &app,
            &g1,
            &body_page,
            &posts,
            &[("text", "Dagsorden til næste møde?")]
        )
        .await
        .0,
        303
    );
    assert_eq!(
        form(
            &app,
            &g1,
            &body_page,
            &members,
            &[("username", "guardian2")]
        )
        .await
        .0,
        403
    );
    let (_, html) = page(&app, &leader, &body_page, "en").await;
    assert!(html.contains("Dagsorden til næste møde?"), "{html}");
    let g2 = app.signed_in("guardian2").await;
    assert_eq!(page(&app, &g2, &body_page, "en").await.0, 404);
    assert_eq!(
        form(&app, &g2, "/parent-bodies", &posts, &[("text", "hej")])
            .await
            .0,
        404
    );
    app.stop().await;
}

async fn theme_suggestions_speak_three_languages(app: TestApp) {
    let g1 = app.signed_in("guardian1").await;
    let token = app.token("guardian1").await;
    let id = demo_meeting(&app, &token).await["id"].as_i64().expect("id");
    for (lang, word) in [
        ("da", "Sengetider"),
        ("nb", "Leggetider"),
        ("en", "Bedtimes"),
    ] {
        let (status, html) = page(&app, &g1, &format!("/meetings/{id}"), lang).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&format!(">{word}</option>")),
            "{lang}: {word}"
        );
    }
    app.stop().await;
}

async fn reminders_come_due_once_and_skip_those_who_declined(app: TestApp) {
    let g1 = app.token("guardian1").await;
    let m = demo_meeting(&app, &g1).await;
    let id = m["id"].as_i64().expect("id");
    let school = school(&app).await;
    let meeting = app
        .store
        .meeting(school, id)
        .await
        .expect("m")
        .expect("exists");
    let remind_at = meeting.remind_at.expect("the demo meeting has a reminder");
    assert!(app
        .store
        .reminders_due(remind_at - 1, 10)
        .await
        .expect("due")
        .is_empty());
    let due = app.store.reminders_due(remind_at, 10).await.expect("due");
    assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), vec![id]);
    let before = app
        .store
        .to_remind(&meeting)
        .await
        .expect("to remind")
        .len();
    put(
        &app,
        &g1,
        &format!("/api/v1/meetings/{id}/rsvp"),
        json!({"coming": false}),
    )
    .await;
    let after = app.store.to_remind(&meeting).await.expect("to remind");
    assert_eq!(
        after.len(),
        before - 1,
        "a guardian who declined is not reminded"
    );
    let declined = app.id_of("guardian1").await;
    assert!(!after.iter().any(|p| p.id == declined));
    // The worker's step writes the reminder's notices, once, to everyone still to remind.
    let announced = app
        .store
        .announce_due_meeting_reminders(remind_at, 10)
        .await
        .expect("announce");
    assert_eq!(announced, 1);
    let again = app
        .store
        .announce_due_meeting_reminders(remind_at, 10)
        .await
        .expect("announce");
    assert_eq!(again, 0, "a reminder goes out once");
    let leader = app.token("leader1").await;
    let (status, outbox) = app
        .api_get(Some(&leader), "/api/v1/notifications/outbox")
        .await;
    assert_eq!(status, 200);
    let mut reminded: Vec<i64> = outbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["kind"] == "event")
        .filter_map(|i| i["person_id"].as_i64())
        .collect();
    reminded.sort_unstable();
    let mut expected: Vec<i64> = after.iter().map(|p| p.id.0).collect();
    expected.sort_unstable();
    assert_eq!(reminded, expected, "the guardians still coming, each once");
    assert!(app
        .store
        .reminders_due(remind_at, 10)
        .await
        .expect("due")
        .is_empty());
    app.stop().await;
}

/// A protected family in a discussion group is not named to the other families of the group
/// list; the school sees them (issue 15 §2).
async fn a_protected_family_is_not_named_in_the_groups(app: TestApp) {
    let g1 = app.token("guardian1").await;
    let g3 = app.token("guardian3").await;
    let m = demo_meeting(&app, &g1).await;
    let id = m["id"].as_i64().expect("id");
    for t in [&g1, &g3] {
        let (status, body) = put(
            &app,
            t,
            &format!("/api/v1/meetings/{id}/rsvp"),
            json!({"coming": true}),
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let page_path = format!("/meetings/{id}");
    let teacher = app.signed_in("teacher1").await;
    let (status, _) = form(
        &app,
        &teacher,
        &page_path,
        &format!("/meetings/{id}/groups"),
        &[("groups", "1"), ("mode", "mixed"), ("seed", "7")],
    )
    .await;
    assert_eq!(status, 303);
    let name_of = |who: &'static str| {
        let app = &app;
        async move {
            app.store
                .me(app.id_of(who).await)
                .await
                .expect("person")
                .person
                .full()
        }
    };
    let (g1_name, g3_name) = (name_of("guardian1").await, name_of("guardian3").await);
    let (_, family_view) = page(&app, &app.signed_in("guardian1").await, &page_path, "en").await;
    assert!(
        family_view.contains(&g1_name),
        "the family sees its own group"
    );
    assert!(!family_view.contains(&g3_name), "{family_view}");
    let (_, school_view) = page(&app, &teacher, &page_path, "en").await;
    assert!(school_view.contains(&g3_name), "the school sees who comes");
}

on_both_databases!(
    a_protected_family_is_not_named_in_the_groups,
    reminders_come_due_once_and_skip_those_who_declined,
    representative_plans_with_the_staff,
    guardians_propose_and_vote_and_planners_see_the_ranking,
    guardians_reply_with_needs_until_the_deadline,
    groups_minutes_and_the_communication_agreement,
    the_parent_board_opens_when_the_school_allows_it,
    parent_bodies_have_members_and_a_thread,
    theme_suggestions_speak_three_languages,
);
