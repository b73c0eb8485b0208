//! Conferences as families and staff meet them (CON-1..7, PEO-4): a teacher creates a round
//! and its slots are generated; guardians book, move and cancel until the deadline without
//! ever seeing another family's name; a taken slot is a conflict, also when many press "book"
//! at once; interpreters become staff to-dos; both sides prepare; notes keep the internal note
//! apart from what is shared; guardians acknowledge; agreements stay on the owners' lists until
//! done and open the next conference; coverage follows the country. On both databases.

mod common;

use common::api::{delete, get, post, send};
use common::{Db, TestApp};
use jiff::civil::Date;
use serde_json::{json, Value};
use skolebro_domain::{Access, Country, PersonId};

fn tz(country: Country) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(match country {
        Country::Dk => "Europe/Copenhagen",
        Country::No => "Europe/Oslo",
    })
    .expect("tz")
}

/// A day `n` days from today in the school's time zone.
fn in_days(n: i64) -> Date {
    skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz(Country::Dk))
        .date()
        .checked_add(jiff::Span::new().days(n))
        .expect("date")
}

async fn username(app: &TestApp, id: PersonId) -> String {
    app.store
        .me(id)
        .await
        .expect("me")
        .username
        .expect("account")
}

/// The guardians of a pupil with the given access.
async fn guardians_of(app: &TestApp, pupil: &str, access: Access) -> Vec<String> {
    let school = app.school_id().await;
    let id = app.id_of(pupil).await;
    let detail = app
        .store
        .pupil_detail(school, id)
        .await
        .expect("pupil")
        .expect("exists");
    let mut out = Vec::new();
    for g in detail.guardians.iter().filter(|g| g.access == access) {
        out.push(username(app, g.person.id).await);
    }
    out
}

/// Creates a round in `class` as `token`: one day `day` from `start` to `end`, 20 + 5 minutes.
async fn create_round(
    app: &TestApp,
    token: &str,
    class: i64,
    day: Date,
    start: &str,
    end: &str,
) -> (i64, Vec<i64>) {
    let (status, created) = post(
        app,
        token,
        &format!("/api/v1/classes/{class}/conference-rounds"),
        json!({"form": "school", "slot_minutes": 20, "break_minutes": 5,
               "days": [{"date": day.to_string(), "start": start, "end": end}]}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (_, round) = get(app, token, &format!("/api/v1/conference-rounds/{id}")).await;
    let slots = round["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["id"].as_i64().expect("slot id"))
        .collect();
    (id, slots)
}

async fn book(
    app: &TestApp,
    token: &str,
    slot: i64,
    pupil: PersonId,
    needs: Value,
) -> (u16, Value) {
    post(
        app,
        token,
        &format!("/api/v1/conference-slots/{slot}/booking"),
        json!({"pupil": pupil.0, "needs": needs}),
    )
    .await
}

async fn teacher_creates_a_round_and_slots_are_generated(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let day = in_days(8);
    let (round_id, slots) = create_round(&app, &teacher, class, day, "14:00", "16:00").await;
    // 14:00, 14:25, 14:50, 15:15, 15:40 (the last ends at 16:00 exactly).
    assert_eq!(slots.len(), 5);
    let (status, round) = get(
        &app,
        &teacher,
        &format!("/api/v1/conference-rounds/{round_id}"),
    )
    .await;
    assert_eq!(status, 200);
    let starts: Vec<String> = round["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["starts_at"].as_str().expect("start")[11..16].to_owned())
        .collect();
    assert_eq!(starts, ["14:00", "14:25", "14:50", "15:15", "15:40"]);
    let last_end = round["slots"][4]["ends_at"].as_str().expect("end");
    assert!(last_end.contains("T16:00:00"), "{last_end}");
    assert_eq!(round["form"], "school");
    assert_eq!(round["booking_open"], true);
    assert_eq!(round["staff"].as_array().expect("staff").len(), 1);
    // Staff see the families who have not booked: the whole class so far.
    assert_eq!(round["unbooked"].as_array().expect("unbooked").len(), 6);

    // The class's families see the round; a guardian of another class does not.
    let g1 = app.token("guardian1").await;
    let (status, seen) = get(&app, &g1, &format!("/api/v1/conference-rounds/{round_id}")).await;
    assert_eq!(status, 200);
    assert!(seen["unbooked"].is_null(), "families get no list of others");
    let (status, list) = get(
        &app,
        &g1,
        &format!("/api/v1/classes/{class}/conference-rounds"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["id"], round_id);
    let g7 = app.token("guardian7").await;
    let (status, problem) = get(&app, &g7, &format!("/api/v1/conference-rounds/{round_id}")).await;
    assert_eq!(status, 404);
    assert_eq!(problem["status"], 404);

    // The open slots for a pupil, as the contract names them.
    let pupil1 = app.id_of("pupil1").await;
    let (status, open) = get(
        &app,
        &g1,
        &format!("/api/v1/pupils/{}/conference-slots", pupil1.0),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(open[0]["slots"].as_array().expect("slots").len(), 5);
    assert_eq!(open[0]["participation"], "school_decides");

    // The staff page lists the round; a new round is made from the page's form too.
    let browser = app.signed_in("teacher1").await;
    let page = browser
        .get(app.url(&format!("/classes/{class}/conferences")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains(&format!("/conferences/rounds/{round_id}")));
    let csrf = common::csrf_of(&html);
    let response = browser
        .post(app.url(&format!("/classes/{class}/conferences")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "Forårssamtaler"),
            ("form", "online"),
            ("date_1", &in_days(9).to_string()),
            ("start_1", "08:00"),
            ("end_1", "09:00"),
            ("slot_minutes", "15"),
            ("break_minutes", "0"),
            ("with_pupil", "1"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.starts_with("/conferences/rounds/"), "{location}");
    let page = browser
        .get(app.url(&location))
        .send()
        .await
        .expect("round page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("Forårssamtaler"));
    assert!(html.contains("08:45–09:00"), "four slots of 15 minutes");
    // A refused form comes back with the reason and the values kept.
    let response = browser
        .post(app.url(&format!("/classes/{class}/conferences")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("form", "school"),
            ("date_1", &in_days(10).to_string()),
            ("start_1", "08:00"),
            ("end_1", "09:00"),
            ("slot_minutes", "4"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("html");
    assert!(html.contains("id=\"round-error\""));
}

async fn guardians_book_move_and_cancel_without_seeing_other_families(app: TestApp) {
    let school = app.school_id().await;
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let (round_id, slots) = create_round(&app, &teacher, class, in_days(8), "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let pupil2 = app.id_of("pupil2").await;
    let g1 = app.token("guardian1").await;
    let g2 = app.token("guardian2").await;

    let (status, booked) = book(&app, &g1, slots[0], pupil1, json!({})).await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["moved"], false);
    let booking1 = booked["id"].as_i64().expect("id");

    // The same slot for another family: a clear conflict.
    let (status, problem) = book(&app, &g2, slots[0], pupil2, json!({})).await;
    assert_eq!(status, 409);
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("taken"));

    // Guardian 2 sees that the time is taken, not by whom.
    let pupil1_name = app
        .store
        .names(school, &[pupil1])
        .await
        .expect("names")
        .remove(0)
        .full();
    let (_, round) = get(&app, &g2, &format!("/api/v1/conference-rounds/{round_id}")).await;
    assert_eq!(round["slots"][0]["free"], false);
    assert!(round["slots"][0]["pupil_name"].is_null());
    assert!(round["slots"][0]["booking_id"].is_null());
    assert!(
        !round.to_string().contains(&pupil1_name),
        "no other family's name"
    );
    let browser = app.signed_in("guardian2").await;
    let page = browser
        .get(app.url(&format!("/conferences/rounds/{round_id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        !page.contains(&pupil1_name),
        "the page names no other family"
    );
    // Nor can guardian 2 open guardian 1's conference, or book for guardian 1's child.
    let (status, _) = get(&app, &g2, &format!("/api/v1/bookings/{booking1}")).await;
    assert_eq!(status, 404);
    let (status, _) = book(&app, &g2, slots[3], pupil1, json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = delete(&app, &g2, &format!("/api/v1/bookings/{booking1}")).await;
    assert_eq!(status, 404);

    // Guardian 1 sees their own booking in the round.
    let (_, round) = get(&app, &g1, &format!("/api/v1/conference-rounds/{round_id}")).await;
    assert_eq!(round["slots"][0]["booking_id"], booking1);
    assert_eq!(round["slots"][0]["pupil_name"], pupil1_name.as_str());

    // Rebooking moves the booking: the old time is free again.
    let (status, moved) = book(&app, &g1, slots[2], pupil1, json!({})).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["moved"], true);
    assert_eq!(moved["id"], booking1);
    let (status, _) = book(&app, &g2, slots[0], pupil2, json!({})).await;
    assert_eq!(status, 201);
    // The round's own path books too; a slot of another round through it does not exist.
    let (status, _) = post(
        &app,
        &g1,
        &format!("/api/v1/conference-rounds/{round_id}/bookings"),
        json!({"slot_id": slots[1], "pupil_id": pupil1.0}),
    )
    .await;
    assert_eq!(status, 200, "moved again");

    // Cancel by booking and by slot.
    let (status, _) = delete(&app, &g1, &format!("/api/v1/bookings/{booking1}")).await;
    assert_eq!(status, 204);
    let (status, _) = get(&app, &g1, &format!("/api/v1/bookings/{booking1}")).await;
    assert_eq!(status, 404);
    let (status, _) = delete(
        &app,
        &g2,
        &format!("/api/v1/conference-slots/{}/booking", slots[0]),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = delete(
        &app,
        &g2,
        &format!("/api/v1/conference-slots/{}/booking", slots[0]),
    )
    .await;
    assert_eq!(status, 404, "nothing booked there any more");
    let (_, round) = get(
        &app,
        &teacher,
        &format!("/api/v1/conference-rounds/{round_id}"),
    )
    .await;
    assert!(round["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .all(|s| s["free"] == true));

    // Two households of one child: booked together — the custodial one books, the
    // information-only one sees it but does not book.
    let pupil4 = app.id_of("pupil4").await;
    let full = guardians_of(&app, "pupil4", Access::Full).await;
    let info = guardians_of(&app, "pupil4", Access::Info).await;
    let g4 = app.token(&full[0]).await;
    let g4info = app.token(&info[0]).await;
    let (status, problem) = book(&app, &g4info, slots[4], pupil4, json!({})).await;
    assert_eq!(status, 403, "{problem}");
    let (status, booked) = book(&app, &g4, slots[4], pupil4, json!({})).await;
    assert_eq!(status, 201);
    let booking4 = booked["id"].as_i64().expect("id");
    let (status, seen) = get(&app, &g4info, &format!("/api/v1/bookings/{booking4}")).await;
    assert_eq!(status, 200);
    assert_eq!(seen["pupil_id"], pupil4.0);
    let (status, _) = delete(&app, &g4info, &format!("/api/v1/bookings/{booking4}")).await;
    assert_eq!(status, 403);

    // A guardian books through the page as well.
    let browser = app.signed_in("guardian1").await;
    let page = browser
        .get(app.url(&format!("/conferences/rounds/{round_id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let csrf = common::csrf_of(&page);
    let response = browser
        .post(app.url(&format!("/conferences/rounds/{round_id}/bookings")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("pupil_id", &pupil1.0.to_string()),
            ("slot_id", &slots[3].to_string()),
            ("online", "1"),
        ])
        .send()
        .await
        .expect("book");
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("loc")
        .to_owned();
    let page = browser
        .get(app.url(&location))
        .send()
        .await
        .expect("booking page");
    assert_eq!(page.status(), 200);
    let (_, booking) = get(&app, &g1, &format!("/api/v1/bookings/{}", &location[22..])).await;
    assert_eq!(booking["slot_id"], slots[3]);
    assert_eq!(booking["needs"]["online"], true);
}

async fn the_deadline_is_a_clear_refusal_for_families_not_for_staff(app: TestApp) {
    let school = app.school_id().await;
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let (round_id, slots) = create_round(&app, &teacher, class, in_days(8), "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let pupil2 = app.id_of("pupil2").await;
    let g1 = app.token("guardian1").await;
    let (status, booked) = book(&app, &g1, slots[0], pupil1, json!({})).await;
    assert_eq!(status, 201);
    let booking = booked["id"].as_i64().expect("id");

    // The deadline passes.
    app.store
        .set_round_deadline(
            school,
            round_id,
            skolebro_store::clock::now().as_second() - 60,
        )
        .await
        .expect("deadline");
    let (_, round) = get(&app, &g1, &format!("/api/v1/conference-rounds/{round_id}")).await;
    assert_eq!(round["booking_open"], false);
    for (status, problem) in [
        book(&app, &g1, slots[1], pupil1, json!({})).await,
        delete(&app, &g1, &format!("/api/v1/bookings/{booking}")).await,
    ] {
        assert_eq!(status, 409, "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("deadline has passed"),
            "{problem}"
        );
    }
    let (_, seen) = get(&app, &g1, &format!("/api/v1/bookings/{booking}")).await;
    assert_eq!(seen["family_may_change"], false);
    assert_eq!(seen["slot_id"], slots[0], "nothing moved");
    // The pupil's open slots show none to book.
    let (_, open) = get(
        &app,
        &g1,
        &format!("/api/v1/pupils/{}/conference-slots", pupil1.0),
    )
    .await;
    assert_eq!(open[0]["slots"].as_array().expect("slots").len(), 0);

    // Staff follow up the families who have not booked, and move times, after the deadline.
    let (status, _) = book(&app, &teacher, slots[1], pupil2, json!({})).await;
    assert_eq!(status, 201);
    let (status, _) = book(&app, &teacher, slots[2], pupil1, json!({})).await;
    assert_eq!(status, 200);
    let (_, round) = get(
        &app,
        &teacher,
        &format!("/api/v1/conference-rounds/{round_id}"),
    )
    .await;
    assert_eq!(round["unbooked"].as_array().expect("unbooked").len(), 4);
}

async fn many_families_pressing_book_at_once_get_one_booking(app: TestApp) {
    let school = app.school_id().await;
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let (round_id, slots) = create_round(&app, &teacher, class, in_days(8), "14:00", "16:00").await;
    let mut families = Vec::new();
    for n in [1, 2, 3, 5, 6] {
        let pupil = app.id_of(&format!("pupil{n}")).await;
        let token = app.token(&format!("guardian{n}")).await;
        families.push((pupil, token));
    }
    // Everyone at once for the same slot.
    let mut tasks = Vec::new();
    for (pupil, token) in families.clone() {
        let client = app.client();
        let url = app.url(&format!("/api/v1/conference-slots/{}/booking", slots[0]));
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"pupil": pupil.0}))
                .send()
                .await
                .expect("book")
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [201, 409, 409, 409, 409],
        "one booking, the rest refused"
    );
    let bookings = app
        .store
        .round_bookings(school, round_id)
        .await
        .expect("bookings");
    assert_eq!(bookings.len(), 1, "no double booking");
    assert_eq!(bookings[0].slot_id, slots[0]);

    // Both households of one child at once, for different slots: still one booking.
    let pupil1 = app.id_of("pupil1").await;
    let both = guardians_of(&app, "pupil1", Access::Full).await;
    assert!(both.len() >= 2, "pupil1 has two custodial guardians");
    let winner_is_pupil1 = bookings[0].pupil.id == pupil1;
    let mut tasks = Vec::new();
    for (i, name) in both.iter().take(2).enumerate() {
        let token = app.token(name).await;
        let client = app.client();
        let url = app.url(&format!(
            "/api/v1/conference-slots/{}/booking",
            slots[i + 1]
        ));
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"pupil": pupil1.0}))
                .send()
                .await
                .expect("book")
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        let status = t.await.expect("task");
        assert!(matches!(status, 200 | 201 | 409), "{status}");
    }
    let bookings = app
        .store
        .round_bookings(school, round_id)
        .await
        .expect("bookings");
    let of_pupil1 = bookings.iter().filter(|b| b.pupil.id == pupil1).count();
    assert_eq!(of_pupil1, 1, "one conference per pupil and round");
    assert_eq!(bookings.len(), if winner_is_pupil1 { 1 } else { 2 });
}

async fn interpreter_needs_become_staff_todos(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil5").await;
    let day = in_days(10);
    let (round_id, slots) = create_round(&app, &teacher, class, day, "14:00", "16:00").await;
    let pupil5 = app.id_of("pupil5").await;

    // The booking form offers the interpreter, in the language agreed in advance (PEO-4).
    let browser = app.signed_in("guardian5").await;
    let page = browser
        .get(app.url(&format!("/conferences/rounds/{round_id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("value=\"arabisk\""), "language prefilled");

    // Booked through the API without saying: the recorded need applies.
    let g5 = app.token("guardian5").await;
    let (status, booked) = book(&app, &g5, slots[1], pupil5, json!({})).await;
    assert_eq!(status, 201, "{booked}");
    let booking = booked["id"].as_i64().expect("id");
    let (_, seen) = get(&app, &g5, &format!("/api/v1/bookings/{booking}")).await;
    assert_eq!(seen["needs"]["interpreter"], true);
    assert_eq!(seen["needs"]["interpreter_language"], "arabisk");
    let due = skolebro_domain::conferences::interpreter_due(day).to_string();
    assert_eq!(seen["needs"]["interpreter_due"], due.as_str());

    // Staff see a to-do with its deadline, a week before.
    let (_, round) = get(
        &app,
        &teacher,
        &format!("/api/v1/conference-rounds/{round_id}"),
    )
    .await;
    let todos = round["interpreter_todos"].as_array().expect("todos");
    assert_eq!(todos.len(), 1);
    assert_eq!(todos[0]["booking_id"], booking);
    assert_eq!(todos[0]["language"], "arabisk");
    assert_eq!(todos[0]["due"], due.as_str());
    let page = app
        .signed_in("teacher1")
        .await
        .get(app.url(&format!("/conferences/rounds/{round_id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("arabisk"));

    // Booked: the to-do is done.
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/bookings/{booking}/preparation"),
        json!({"interpreter_booked": true}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, round) = get(
        &app,
        &teacher,
        &format!("/api/v1/conference-rounds/{round_id}"),
    )
    .await;
    assert_eq!(
        round["interpreter_todos"].as_array().expect("todos").len(),
        0
    );

    // A family may also say no, or name another language; another family gets no interpreter
    // unless asked.
    let (status, moved) = book(
        &app,
        &g5,
        slots[2],
        pupil5,
        json!({"interpreter": true, "interpreter_language": "kurdisk", "interpreter_dialect": "sorani"}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    let (_, seen) = get(&app, &g5, &format!("/api/v1/bookings/{booking}")).await;
    assert_eq!(seen["needs"]["interpreter_language"], "kurdisk");
    assert_eq!(seen["needs"]["interpreter_dialect"], "sorani");
    let g1 = app.token("guardian1").await;
    let pupil1 = app.id_of("pupil1").await;
    let (_, b1) = book(&app, &g1, slots[0], pupil1, json!({})).await;
    let (_, seen) = get(&app, &g1, &format!("/api/v1/bookings/{}", b1["id"])).await;
    assert_eq!(seen["needs"]["interpreter"], false);
    let (status, problem) = book(&app, &g1, slots[0], pupil1, json!({"interpreter": true})).await;
    assert_eq!(status, 422, "no language known: {problem}");
}

async fn both_sides_prepare(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let (_, slots) = create_round(&app, &teacher, class, in_days(8), "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let g1 = app.token("guardian1").await;
    let (_, booked) = book(&app, &g1, slots[0], pupil1, json!({})).await;
    let path = format!("/api/v1/bookings/{}", booked["id"]);

    let (status, _) = post(
        &app,
        &g1,
        &format!("{path}/preparation"),
        json!({"topics": "Hvordan går det med læsningen?\nHvem leger hun med?"}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("{path}/preparation"),
        json!({"topics": "Læsning og frikvarterer", "purpose": "Fælles billede af læsningen",
               "talk_type": "dialogue", "pupil_attends": false}),
    )
    .await;
    assert_eq!(status, 204);
    for token in [&g1, &teacher] {
        let (_, seen) = get(&app, token, &path).await;
        assert_eq!(
            seen["guardian_topics"],
            "Hvordan går det med læsningen?\nHvem leger hun med?"
        );
        assert_eq!(seen["staff_topics"], "Læsning og frikvarterer");
        assert_eq!(seen["purpose"], "Fælles billede af læsningen");
        assert_eq!(seen["talk_type"], "dialogue");
        assert_eq!(seen["pupil_attends"], false);
    }
    // What only staff set, and what is not a type of talk.
    let (status, problem) = post(
        &app,
        &g1,
        &format!("{path}/preparation"),
        json!({"purpose": "Vores formål"}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let (status, _) = post(
        &app,
        &teacher,
        &format!("{path}/preparation"),
        json!({"talk_type": "interrogation"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("{path}/preparation"),
        json!({"topics": "x".repeat(2001)}),
    )
    .await;
    assert_eq!(status, 422);
    // Another class's guardian: nothing.
    let g7 = app.token("guardian7").await;
    let (status, _) = post(
        &app,
        &g7,
        &format!("{path}/preparation"),
        json!({"topics": "Hej"}),
    )
    .await;
    assert_eq!(status, 404);
}

async fn notes_keep_the_internal_note_apart_and_are_acknowledged(app: TestApp) {
    let school = app.school_id().await;
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let day = in_days(8);
    let (_, slots) = create_round(&app, &teacher, class, day, "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let g1 = app.token("guardian1").await;
    let (_, booked) = book(&app, &g1, slots[0], pupil1, json!({})).await;
    let id = booked["id"].as_i64().expect("id");
    let path = format!("/api/v1/bookings/{id}");
    let notes = json!({
        "academic": "Læser flydende; regner sikkert med brøker.",
        "wellbeing": "Glad for at gå i skole.",
        "social": "God ven; kan tage mere ordet i grupper.",
        "goals_academic": "Læse en kapitelbog om måneden.",
        "goals_social": "Sige sin mening i gruppearbejde.",
        "summary": "Et godt halvår med plads til at tage ordet.",
        "internal_note": "Mor virkede bekymret for søsteren; følg op.",
    });
    let put = |body: Value, token: String| {
        let app = &app;
        let path = format!("{path}/notes");
        async move { send(app, &token, reqwest::Method::PUT, &path, Some(body)).await }
    };

    // Guardians never write notes (403: they see the conference); other families: 404.
    let (status, problem) = put(notes.clone(), g1.clone()).await;
    assert_eq!(status, 403, "{problem}");
    let g2 = app.token("guardian2").await;
    let (status, _) = put(notes.clone(), g2.clone()).await;
    assert_eq!(status, 404);
    let g7 = app.token("guardian7").await;
    let (status, _) = put(notes.clone(), g7).await;
    assert_eq!(status, 404);
    let other_teacher = app.token("teacher5").await;
    let (status, _) = put(notes.clone(), other_teacher).await;
    assert_eq!(status, 404);

    // Written, not shared: the family sees nothing of it yet.
    let (status, _) = put(notes.clone(), teacher.clone()).await;
    assert_eq!(status, 200);
    let (_, seen) = get(&app, &g1, &path).await;
    assert!(seen["notes"].is_null(), "{seen}");
    let (_, seen) = get(&app, &teacher, &path).await;
    assert_eq!(
        seen["notes"]["internal_note"],
        "Mor virkede bekymret for søsteren; følg op."
    );
    assert_eq!(seen["notes"]["shared"], false);

    // Shared with agreements: the family reads all but the internal note.
    let mut shared = notes.clone();
    shared["share"] = json!(true);
    shared["agreements"] = json!([
        {"owner": "home", "what": "Læse 20 minutter hver aften", "due": day.checked_add(jiff::Span::new().days(30)).expect("d").to_string()},
        {"owner": "school", "what": "Give ordet i grupper på skift", "due": day.checked_add(jiff::Span::new().days(14)).expect("d").to_string()},
        {"owner": "pupil", "what": "Vælge en kapitelbog på biblioteket", "due": day.checked_add(jiff::Span::new().days(7)).expect("d").to_string()},
    ]);
    let (status, saved) = put(shared, teacher.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["agreements"].as_array().expect("ids").len(), 3);
    let (_, seen) = get(&app, &g1, &path).await;
    assert_eq!(
        seen["notes"]["summary"],
        "Et godt halvår med plads til at tage ordet."
    );
    assert_eq!(
        seen["notes"]["goals_social"],
        "Sige sin mening i gruppearbejde."
    );
    assert!(seen["notes"].get("internal_note").is_none());
    assert!(
        !seen.to_string().contains("bekymret"),
        "the internal note stays inside"
    );
    assert_eq!(seen["agreements"].as_array().expect("agreements").len(), 3);
    let browser = app.signed_in("guardian1").await;
    let page = browser
        .get(app.url(&format!("/conferences/bookings/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Et godt halvår"));
    assert!(!page.contains("bekymret"));

    // The family acknowledges; staff see who did. Staff cannot acknowledge for them.
    let (status, _) = post(&app, &teacher, &format!("{path}/acknowledge"), json!({})).await;
    assert_eq!(status, 403);
    let (status, _) = post(&app, &g1, &format!("{path}/acknowledge"), json!({})).await;
    assert_eq!(status, 204);
    let (_, seen) = get(&app, &teacher, &path).await;
    assert!(seen["notes"]["acknowledged_by"].is_string(), "{seen}");

    // Bad notes: a share without a summary, agreements without owner, text or date.
    let cases = [
        (json!({"share": true}), "summary"),
        (
            json!({"summary": "x", "agreements": [{"what": "Læse", "due": "2099-01-01"}]}),
            "owner",
        ),
        (
            json!({"summary": "x", "agreements": [{"owner": "home", "what": "Læse"}]}),
            "when",
        ),
        (
            json!({"summary": "x", "agreements": [{"owner": "home", "due": day.to_string()}]}),
            "what",
        ),
        (
            json!({"summary": "x", "agreements": [{"owner": "home", "what": "Læse", "due": "2020-01-01"}]}),
            "before",
        ),
        (json!({"summary": "x".repeat(5001)}), "summary"),
    ];
    for (body, words) in cases {
        let (status, problem) = put(body.clone(), teacher.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(words), "{words:?} in {detail:?}");
    }
    // A conference with notes is not cancelled.
    let (status, _) = delete(&app, &teacher, &path).await;
    assert_eq!(status, 409);

    // Every read and change of the notes is audited.
    let audit = app
        .store
        .audit_of(school, "conference_note", id, 50)
        .await
        .expect("audit");
    for action in ["read", "change", "acknowledge"] {
        assert!(audit.iter().any(|a| a.action == action), "{action} audited");
    }
}

async fn agreements_are_followed_up_and_open_the_next_conference(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let day = in_days(8);
    let (_, slots) = create_round(&app, &teacher, class, day, "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let g1 = app.token("guardian1").await;
    let (_, booked) = book(&app, &g1, slots[0], pupil1, json!({})).await;
    let id = booked["id"].as_i64().expect("id");
    let due = day
        .checked_add(jiff::Span::new().days(20))
        .expect("d")
        .to_string();
    let (status, saved) = send(
        &app,
        &teacher,
        reqwest::Method::PUT,
        &format!("/api/v1/bookings/{id}/notes"),
        Some(json!({
            "summary": "Godt samarbejde.",
            "goals_academic": "Gange-tabellerne til 10.",
            "agreements": [
                {"owner": "home", "what": "Øve tabeller i bilen", "due": due},
                {"owner": "school", "what": "Sende øveark hjem", "due": due},
                {"owner": "pupil", "what": "Øve fem minutter om dagen", "due": due},
            ],
        })),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    let ids: Vec<i64> = saved["agreements"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_i64().expect("id"))
        .collect();

    // Not shared yet: the family's list is empty; the class's staff see all three.
    let (_, mine) = get(&app, &g1, "/api/v1/agreements").await;
    assert_eq!(mine.as_array().expect("list").len(), 0);
    let (_, class_list) = get(
        &app,
        &teacher,
        &format!("/api/v1/classes/{class}/agreements"),
    )
    .await;
    assert_eq!(class_list.as_array().expect("list").len(), 3);
    let (status, _) = post(
        &app,
        &g1,
        &format!("/api/v1/agreements/{}/done", ids[0]),
        json!({}),
    )
    .await;
    assert_eq!(status, 404, "not shared: not the family's yet");

    // Shared: home and pupil agreements on the family's list, the school's on the teacher's.
    let (status, _) = send(
        &app,
        &teacher,
        reqwest::Method::PUT,
        &format!("/api/v1/bookings/{id}/notes"),
        Some(json!({"summary": "Godt samarbejde.", "goals_academic": "Gange-tabellerne til 10.", "share": true})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, mine) = get(&app, &g1, "/api/v1/agreements").await;
    let owners: Vec<&str> = mine
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["owner"].as_str().expect("owner"))
        .collect();
    assert_eq!(owners.len(), 2);
    assert!(owners.contains(&"home") && owners.contains(&"pupil"));
    let (_, staff_list) = get(&app, &teacher, "/api/v1/agreements").await;
    assert_eq!(staff_list[0]["owner"], "school");
    let pupil = app.token("pupil1").await;
    let (_, own) = get(&app, &pupil, "/api/v1/agreements").await;
    assert_eq!(own.as_array().expect("list").len(), 1);
    assert_eq!(own[0]["owner"], "pupil");
    let page = app
        .signed_in("guardian1")
        .await
        .get(app.url("/agreements"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Øve tabeller i bilen"));

    // The family marks the home's agreement done; the school's is not theirs to close.
    let (status, _) = post(
        &app,
        &g1,
        &format!("/api/v1/agreements/{}/done", ids[0]),
        json!({}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = post(
        &app,
        &g1,
        &format!("/api/v1/agreements/{}/done", ids[1]),
        json!({}),
    )
    .await;
    assert_eq!(status, 403);
    let (_, mine) = get(&app, &g1, "/api/v1/agreements").await;
    assert_eq!(mine.as_array().expect("list").len(), 1);
    let (_, class_list) = get(
        &app,
        &teacher,
        &format!("/api/v1/classes/{class}/agreements"),
    )
    .await;
    assert_eq!(class_list.as_array().expect("list").len(), 2);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/agreements/{}/done", ids[1]),
        json!({}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, staff_list) = get(&app, &teacher, "/api/v1/agreements").await;
    assert_eq!(staff_list.as_array().expect("list").len(), 0);

    // The next conference starts from the last one's goals and agreements.
    let (_, next_slots) = create_round(&app, &teacher, class, in_days(60), "14:00", "15:00").await;
    let (_, next) = book(&app, &g1, next_slots[0], pupil1, json!({})).await;
    let (_, seen) = get(&app, &g1, &format!("/api/v1/bookings/{}", next["id"])).await;
    assert_eq!(seen["previous"]["booking_id"], id);
    assert_eq!(
        seen["previous"]["goals_academic"],
        "Gange-tabellerne til 10."
    );
    let previous: Vec<(&str, bool)> = seen["previous"]["agreements"]
        .as_array()
        .expect("agreements")
        .iter()
        .map(|a| {
            (
                a["owner"].as_str().expect("owner"),
                a["done"].as_bool().expect("done"),
            )
        })
        .collect();
    assert_eq!(previous.len(), 3);
    assert!(previous.contains(&("home", true)));
    assert!(previous.contains(&("pupil", false)));
}

/// Whether a conference `days` ahead falls in this school year (coverage counts this year's).
fn in_this_school_year(days: i64) -> bool {
    let today = in_days(0);
    skolebro_domain::calendar::school_year(today)
        == skolebro_domain::calendar::school_year(in_days(days))
}

async fn coverage_counts_conferences_with_notes(app: TestApp) {
    if !in_this_school_year(8) {
        eprintln!("skipped: the school year ends within a week");
        return;
    }
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let path = format!("/api/v1/classes/{class}/conference-coverage");
    let (status, coverage) = get(&app, &teacher, &path).await;
    assert_eq!(status, 200);
    assert_eq!(coverage["required"], 1, "DK: one a year");
    assert_eq!(coverage["met"], 0);
    assert_eq!(coverage["pupils"].as_array().expect("pupils").len(), 6);

    let (_, slots) = create_round(&app, &teacher, class, in_days(8), "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let pupil2 = app.id_of("pupil2").await;
    let (_, b1) = book(&app, &teacher, slots[0], pupil1, json!({})).await;
    let (_, _b2) = book(&app, &teacher, slots[1], pupil2, json!({})).await;
    // Booked is not held; notes written are (DK).
    let (_, coverage) = get(&app, &teacher, &path).await;
    assert_eq!(coverage["met"], 0);
    let (status, _) = send(
        &app,
        &teacher,
        reqwest::Method::PUT,
        &format!("/api/v1/bookings/{}/notes", b1["id"]),
        Some(json!({"summary": "Holdt."})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, coverage) = get(&app, &teacher, &path).await;
    assert_eq!(coverage["met"], 1);
    let row = coverage["pupils"]
        .as_array()
        .expect("pupils")
        .iter()
        .find(|p| p["pupil_id"] == pupil1.0)
        .expect("pupil1")
        .clone();
    assert_eq!(row["held"], 1);
    assert_eq!(row["met"], true);
    // Leaders see it; a teacher of another class and families do not.
    let leader = app.token("leader1").await;
    let (status, _) = get(&app, &leader, &path).await;
    assert_eq!(status, 200);
    let g1 = app.token("guardian1").await;
    let (status, _) = get(&app, &g1, &path).await;
    assert_eq!(status, 404);
    let page = app
        .signed_in("leader1")
        .await
        .get(app.url(&format!("/classes/{class}/conferences")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("id=\"coverage-summary\""));
}

async fn bad_plans_and_bookings_are_refused(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let path = format!("/api/v1/classes/{class}/conference-rounds");
    let day = in_days(8).to_string();
    let yesterday = in_days(-1).to_string();
    let far = in_days(400).to_string();
    let round = |date: &str, start: &str, end: &str, minutes: i64| {
        json!({"form": "school", "slot_minutes": minutes,
               "days": [{"date": date, "start": start, "end": end}]})
    };
    let mut late_deadline = round(&day, "14:00", "16:00", 20);
    late_deadline["booking_deadline"] = json!(format!("{day}T15:00"));
    let cases = [
        (round(&day, "14:00", "16:00", 4), "at least 5 minutes"),
        (round(&day, "14:00", "16:00", 241), "at most 240"),
        (round(&day, "16:00", "14:00", 20), "end is not after"),
        (round(&day, "14:00", "14:10", 20), "no conference fits"),
        (round(&yesterday, "14:00", "16:00", 20), "has passed"),
        (round(&far, "14:00", "16:00", 20), "more than a year"),
        (round("1.12.2026", "14:00", "16:00", 20), "days[1].date"),
        (round(&day, "2pm", "16:00", 20), "HH:MM"),
        (
            json!({"form": "zoom", "slot_minutes": 20, "days": [{"date": day, "start": "14:00", "end": "15:00"}]}),
            "form",
        ),
        (
            json!({"form": "school", "slot_minutes": 20, "days": []}),
            "at least one day",
        ),
        (late_deadline, "before the first conference"),
    ];
    for (body, words) in cases {
        let (status, problem) = post(&app, &teacher, &path, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(words), "{words:?} in {detail:?}");
    }
    // Malformed JSON: a problem, not a crash.
    let (status, problem) = post(&app, &teacher, &path, json!({"form": 3})).await;
    assert!(matches!(status, 400 | 422), "{status}");
    assert_eq!(problem["status"], status);

    // One teacher cannot sit in two rounds at once.
    let in8 = in_days(8);
    let (_, slots) = create_round(&app, &teacher, class, in8, "14:00", "16:00").await;
    let (status, problem) = post(
        &app,
        &teacher,
        &path,
        round(&in8.to_string(), "15:50", "17:00", 30),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    // Touching is fine.
    let (status, _) = post(
        &app,
        &teacher,
        &path,
        round(&in8.to_string(), "16:00", "17:00", 30),
    )
    .await;
    assert_eq!(status, 201);
    // Another class's round, for the same times with another teacher: fine.
    let teacher2 = app.token("teacher2").await;
    let class2 = app.class_of("pupil7").await;
    let (_, other_slots) = create_round(&app, &teacher2, class2, in8, "14:00", "16:00").await;
    // Nobody outside the class plans its rounds.
    let (status, _) = post(
        &app,
        &teacher2,
        &path,
        round(&in_days(9).to_string(), "14:00", "15:00", 20),
    )
    .await;
    assert_eq!(status, 404);

    // A slot of another class's round, by either path: as if it did not exist.
    let g1 = app.token("guardian1").await;
    let pupil1 = app.id_of("pupil1").await;
    let (status, _) = book(&app, &g1, other_slots[0], pupil1, json!({})).await;
    assert_eq!(status, 404);
    let (_, rounds) = get(&app, &teacher, &path).await;
    let round_id = rounds
        .as_array()
        .expect("rounds")
        .iter()
        .find(|r| r["slot_minutes"] == 20)
        .expect("the 20-minute round")["id"]
        .as_i64()
        .expect("id");
    let (status, _) = post(
        &app,
        &g1,
        &format!("/api/v1/conference-rounds/{round_id}/bookings"),
        json!({"slot_id": other_slots[0], "pupil_id": pupil1.0}),
    )
    .await;
    assert_eq!(status, 404);
    // A child one is not guardian of; no such slot; a made-up id.
    let pupil2 = app.id_of("pupil2").await;
    let (status, _) = book(&app, &g1, slots[0], pupil2, json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = book(&app, &g1, 999_999, pupil1, json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = get(&app, &g1, "/api/v1/bookings/not-a-number").await;
    assert_eq!(status, 404);
    let (status, _) = get(&app, &g1, "/api/v1/conference-rounds/999999").await;
    assert_eq!(status, 404);
    // Needs that do not fit.
    let (status, _) = book(
        &app,
        &g1,
        slots[0],
        pupil1,
        json!({"interpreter": true, "interpreter_language": "x".repeat(61)}),
    )
    .await;
    assert_eq!(status, 422);
    // Staff named for a round must be staff.
    let guardian = app.id_of("guardian1").await;
    let mut body = round(&in_days(11).to_string(), "14:00", "15:00", 20);
    body["staff"] = json!([guardian.0]);
    let (status, _) = post(&app, &teacher, &path, body).await;
    assert_eq!(status, 422);
}

/// The same flow on the pages: the family prepares, the teacher writes notes with an
/// agreement and shares them, the family reads the summary and the agreement and acknowledges.
async fn the_pages_carry_preparation_notes_and_acknowledgement(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let day = in_days(8);
    let (_, slots) = create_round(&app, &teacher, class, day, "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let g1 = app.token("guardian1").await;
    let (_, booked) = book(&app, &g1, slots[0], pupil1, json!({})).await;
    let page_path = format!("/conferences/bookings/{}", booked["id"]);

    let family = app.signed_in("guardian1").await;
    let html = family
        .get(app.url(&page_path))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let csrf = common::csrf_of(&html);
    let response = family
        .post(app.url(&format!("{page_path}/preparation")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("topics", "Hvordan går det i frikvarteret?"),
        ])
        .send()
        .await
        .expect("prepare");
    assert_eq!(response.status(), 303);

    let staff = app.signed_in("teacher1").await;
    let html = staff
        .get(app.url(&page_path))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("Hvordan går det i frikvarteret?"),
        "the family's topics reach staff"
    );
    let csrf = common::csrf_of(&html);
    let due = day
        .checked_add(jiff::Span::new().days(14))
        .expect("d")
        .to_string();
    // An agreement without a date: the form comes back with the reason.
    let response = staff
        .post(app.url(&format!("{page_path}/notes")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("summary", "Hun trives."),
            ("owner_1", "home"),
            ("what_1", "Spille brætspil med klassekammerater"),
        ])
        .send()
        .await
        .expect("notes");
    assert_eq!(response.status(), 422);
    assert!(response
        .text()
        .await
        .expect("html")
        .contains("id=\"booking-error\""));
    let response = staff
        .post(app.url(&format!("{page_path}/notes")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("summary", "Hun trives og læser godt."),
            ("internal_note", "Far nævnte økonomiske problemer."),
            ("goals_social", "Invitere en ny legekammerat hjem."),
            ("owner_1", "home"),
            ("what_1", "Spille brætspil med klassekammerater"),
            ("due_1", due.as_str()),
            ("share", "1"),
        ])
        .send()
        .await
        .expect("notes");
    assert_eq!(response.status(), 303);

    let html = family
        .get(app.url(&page_path))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Hun trives og læser godt."));
    assert!(html.contains("Spille brætspil med klassekammerater"));
    assert!(html.contains("Invitere en ny legekammerat hjem."));
    assert!(
        !html.contains("økonomiske"),
        "the internal note stays with staff"
    );
    let csrf = common::csrf_of(&html);
    let response = family
        .post(app.url(&format!("{page_path}/acknowledge")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("acknowledge");
    assert_eq!(response.status(), 303);
    let html = staff
        .get(app.url(&page_path))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"shared-state\""));
    assert!(!html.contains("conferences-"), "every text is translated");

    // The overview shows the class with its coverage; the family's with the booking.
    let html = staff
        .get(app.url("/conferences"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains(&format!("id=\"class-{class}\"")));
    let html = family
        .get(app.url("/conferences"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains(&page_path));
}

/// CON-8: staff move a serious topic out of the routine conference into a need-based one for
/// the same pupil. Only that pupil's family is offered its times; a classmate's family never
/// learns it exists; it does not count towards coverage; families cannot create one.
async fn a_topic_moves_to_a_need_based_conference_for_one_family(app: TestApp) {
    if !in_this_school_year(12) {
        eprintln!("skipped: the school year ends within two weeks");
        return;
    }
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let (_, slots) = create_round(&app, &teacher, class, in_days(8), "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let pupil2 = app.id_of("pupil2").await;
    let g1 = app.token("guardian1").await;
    let g2 = app.token("guardian2").await;
    let (status, booked) = book(&app, &g1, slots[0], pupil1, json!({})).await;
    assert_eq!(status, 201, "{booked}");
    let routine = booked["id"].as_i64().expect("id");
    let path = format!("/api/v1/bookings/{routine}/need-based-conference");
    let plan = json!({"title": "Trivsel i frikvartererne", "form": "school", "slot_minutes": 30,
        "days": [{"date": in_days(10).to_string(), "start": "14:00", "end": "15:00"}]});

    // The family may read the conference but not open a need-based one; no topic is refused.
    let (status, _) = post(&app, &g1, &path, plan.clone()).await;
    assert_eq!(status, 403);
    let mut untitled = plan.clone();
    untitled["title"] = json!("  ");
    let (status, problem) = post(&app, &teacher, &path, untitled).await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("title"));

    let (status, created) = post(&app, &teacher, &path, plan).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["slots"], 2);
    let round = created["id"].as_i64().expect("round");

    // Guardian 1 is offered the times for pupil 1.
    let (status, offered) = get(
        &app,
        &g1,
        &format!("/api/v1/pupils/{}/conference-slots", pupil1.0),
    )
    .await;
    assert_eq!(status, 200);
    let need_based = offered
        .as_array()
        .expect("rounds")
        .iter()
        .find(|r| r["id"] == round)
        .unwrap_or_else(|| panic!("the need-based round is offered: {offered}"))
        .clone();
    assert_eq!(need_based["pupil_id"], pupil1.0);
    assert_eq!(need_based["from_booking_id"], routine);
    assert_eq!(need_based["slots"].as_array().expect("slots").len(), 2);

    // Guardian 2, of a classmate, sees nothing of it and cannot book it.
    let (_, theirs) = get(
        &app,
        &g2,
        &format!("/api/v1/pupils/{}/conference-slots", pupil2.0),
    )
    .await;
    assert!(!theirs.to_string().contains("Trivsel"), "{theirs}");
    let (status, _) = get(&app, &g2, &format!("/api/v1/conference-rounds/{round}")).await;
    assert_eq!(status, 404);
    let (_, listed) = get(
        &app,
        &g2,
        &format!("/api/v1/classes/{class}/conference-rounds"),
    )
    .await;
    assert!(!listed.to_string().contains("Trivsel"), "{listed}");
    let free = need_based["slots"][0]["id"].as_i64().expect("slot");
    let (status, _) = book(&app, &g2, free, pupil2, json!({})).await;
    assert_eq!(status, 404);
    let page = app
        .signed_in("guardian2")
        .await
        .get(app.url("/conferences"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(!page.contains("Trivsel"));
    // Staff cannot book another pupil into it either.
    let (status, _) = book(&app, &teacher, free, pupil2, json!({})).await;
    assert_eq!(status, 404);

    // Guardian 1 books it and sees it on the overview, marked as need-based.
    let (status, nb) = book(&app, &g1, free, pupil1, json!({})).await;
    assert_eq!(status, 201, "{nb}");
    let page = app
        .signed_in("guardian1")
        .await
        .get(app.url("/conferences"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Trivsel i frikvartererne"));

    // Notes on it do not make the routine conference held (coverage, CON-2).
    let (status, _) = send(
        &app,
        &teacher,
        reqwest::Method::PUT,
        &format!("/api/v1/bookings/{}/notes", nb["id"]),
        Some(json!({"summary": "Aftaler om frikvartererne."})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, coverage) = get(
        &app,
        &teacher,
        &format!("/api/v1/classes/{class}/conference-coverage"),
    )
    .await;
    let row = coverage["pupils"]
        .as_array()
        .expect("pupils")
        .iter()
        .find(|p| p["pupil_id"] == pupil1.0)
        .expect("pupil1")
        .clone();
    assert_eq!(row["held"], 0, "{row}");

    // The booking page offers staff the form, in the page's language, not families.
    let staff_page = app
        .signed_in("teacher1")
        .await
        .get(app.url(&format!("/conferences/bookings/{routine}")))
        .header("accept-language", "en")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(staff_page.contains("/need-based\""));
    let family_page = app
        .signed_in("guardian1")
        .await
        .get(app.url(&format!("/conferences/bookings/{routine}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(!family_page.contains("/need-based\""));
}

/// PEO-4: a family may bring its own interpreter, never a child: under 18 is a clear refusal;
/// an adult is recorded and staff have no interpreter to book.
async fn a_familys_own_interpreter_is_an_adult(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let (round, slots) = create_round(&app, &teacher, class, in_days(9), "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let g1 = app.token("guardian1").await;
    let (status, problem) = book(
        &app,
        &g1,
        slots[0],
        pupil1,
        json!({"interpreter_language": "arabisk", "own_interpreter_age": 15}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("18"),
        "{problem}"
    );
    let (_, round_now) = get(
        &app,
        &teacher,
        &format!("/api/v1/conference-rounds/{round}"),
    )
    .await;
    assert!(
        round_now["slots"][0]["free"].as_bool().expect("free"),
        "nothing was booked"
    );

    let (status, booked) = book(
        &app,
        &g1,
        slots[0],
        pupil1,
        json!({"interpreter_language": "arabisk", "own_interpreter_age": 19}),
    )
    .await;
    assert_eq!(status, 201, "{booked}");
    let (_, booking) = get(&app, &g1, &format!("/api/v1/bookings/{}", booked["id"])).await;
    assert_eq!(booking["needs"]["own_interpreter"], true, "{booking}");
    assert_eq!(booking["needs"]["interpreter_language"], "arabisk");
    let (_, round_now) = get(
        &app,
        &teacher,
        &format!("/api/v1/conference-rounds/{round}"),
    )
    .await;
    assert_eq!(
        round_now["interpreter_todos"].as_array().map(Vec::len),
        Some(0),
        "no interpreter for staff to book: {round_now}"
    );
}

/// A pupil whose parents share custody from two homes: (pupil, household-1 guardian,
/// household-2 guardian), all usernames.
async fn pupil_with_two_households(app: &TestApp) -> (PersonId, String, String) {
    let school = app.school_id().await;
    for n in 1..=common::TEST_PUPILS {
        let id = app.id_of(&format!("pupil{n}")).await;
        let detail = app
            .store
            .pupil_detail(school, id)
            .await
            .expect("pupil")
            .expect("exists");
        let full: Vec<_> = detail
            .guardians
            .iter()
            .filter(|g| g.access == Access::Full)
            .collect();
        if let (Some(a), Some(b)) = (
            full.iter().find(|g| g.household == 1),
            full.iter().find(|g| g.household == 2),
        ) {
            return (
                id,
                username(app, a.person.id).await,
                username(app, b.person.id).await,
            );
        }
    }
    panic!("the demo has a pupil with two households of full access");
}

async fn two_households_book_apart_when_the_round_allows_it(app: TestApp) {
    let leader = app.token("leader1").await;
    let (pupil, first, second) = pupil_with_two_households(&app).await;
    let school = app.school_id().await;
    let class = app
        .store
        .pupil_detail(school, pupil)
        .await
        .expect("pupil")
        .expect("exists")
        .classes[0]
        .id
        .0;
    let (status, created) = post(
        &app,
        &leader,
        &format!("/api/v1/classes/{class}/conference-rounds"),
        json!({"form": "school", "slot_minutes": 20, "break_minutes": 5, "households_apart": true,
               "days": [{"date": in_days(8).to_string(), "start": "14:00", "end": "16:00"}]}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let round_id = created["id"].as_i64().expect("id");
    let (_, round) = get(
        &app,
        &leader,
        &format!("/api/v1/conference-rounds/{round_id}"),
    )
    .await;
    assert_eq!(round["households_apart"], true);
    let slots: Vec<i64> = round["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["id"].as_i64().expect("slot id"))
        .collect();
    let a = app.token(&first).await;
    let b = app.token(&second).await;

    // Each household books a conference of its own for the same child.
    let (status, booked) = book(&app, &a, slots[0], pupil, json!({})).await;
    assert_eq!(status, 201, "{booked}");
    let booking_a = booked["id"].as_i64().expect("id");
    // Until the second household has booked, staff still see the child as not booked.
    let (_, round) = get(
        &app,
        &leader,
        &format!("/api/v1/conference-rounds/{round_id}"),
    )
    .await;
    assert!(
        round["unbooked"]
            .as_array()
            .expect("unbooked")
            .iter()
            .any(|p| p["id"] == pupil.0),
        "{round}"
    );
    let (status, booked) = book(&app, &b, slots[1], pupil, json!({})).await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["moved"], false, "a second conference, not a move");
    let booking_b = booked["id"].as_i64().expect("id");
    assert_ne!(booking_a, booking_b);

    // Each household sees its own time and not the other's.
    let (_, seen_by_a) = get(&app, &a, &format!("/api/v1/conference-rounds/{round_id}")).await;
    assert_eq!(seen_by_a["slots"][0]["booking_id"], booking_a);
    assert_eq!(seen_by_a["slots"][1]["free"], false);
    assert!(seen_by_a["slots"][1]["booking_id"].is_null(), "{seen_by_a}");
    let (status, _) = get(&app, &a, &format!("/api/v1/bookings/{booking_b}")).await;
    assert_eq!(status, 404, "the other household's conference");
    let (status, _) = get(&app, &b, &format!("/api/v1/bookings/{booking_b}")).await;
    assert_eq!(status, 200);
    let (_, open) = get(
        &app,
        &b,
        &format!("/api/v1/pupils/{}/conference-slots", pupil.0),
    )
    .await;
    assert!(
        open.to_string().contains(&format!("{booking_b}")),
        "household 2 finds its booking: {open}"
    );
    assert!(
        !open
            .to_string()
            .contains(&format!("\"booking_id\":{booking_a}")),
        "{open}"
    );

    // Each household's calendar feed carries its own conference, not the other's.
    for (token, own, other) in [(&a, booking_a, booking_b), (&b, booking_b, booking_a)] {
        let (_, me) = get(&app, token, "/api/v1/me").await;
        let url = me["calendar_feed_url"].as_str().expect("feed url");
        let path = &url[url.find("/calendar/feed/").expect("feed path")..];
        let feed = app
            .client()
            .get(app.url(path))
            .send()
            .await
            .expect("feed")
            .text()
            .await
            .expect("ics");
        assert!(
            feed.contains(&format!("conference-{own}@skolebro")),
            "{feed}"
        );
        assert!(
            !feed.contains(&format!("conference-{other}@skolebro")),
            "{feed}"
        );
    }

    // Moving one household's conference leaves the other's where it is.
    let (status, moved) = book(&app, &a, slots[2], pupil, json!({})).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["moved"], true);
    let (_, round) = get(
        &app,
        &leader,
        &format!("/api/v1/conference-rounds/{round_id}"),
    )
    .await;
    assert_eq!(round["slots"][1]["booking_id"], booking_b);
    assert_eq!(round["slots"][1]["household"], 2);
    assert_eq!(round["slots"][2]["booking_id"], booking_a);
    assert_eq!(round["slots"][2]["household"], 1);
    assert!(round["slots"][0]["booking_id"].is_null());
    assert!(
        !round["unbooked"]
            .as_array()
            .expect("unbooked")
            .iter()
            .any(|p| p["id"] == pupil.0),
        "both households booked: {round}"
    );
    // A household can cancel only its own.
    let (status, _) = delete(
        &app,
        &a,
        &format!("/api/v1/conference-slots/{}/booking", slots[1]),
    )
    .await;
    assert_eq!(
        status, 404,
        "household 1 cannot cancel household 2's conference"
    );
    let (status, _) = delete(
        &app,
        &b,
        &format!("/api/v1/conference-slots/{}/booking", slots[1]),
    )
    .await;
    assert_eq!(status, 204);

    // Staff book for a household, and only for household 1 or 2.
    let (status, problem) = post(
        &app,
        &leader,
        &format!("/api/v1/conference-slots/{}/booking", slots[3]),
        json!({"pupil": pupil.0, "household": 3}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let (status, booked) = post(
        &app,
        &leader,
        &format!("/api/v1/conference-slots/{}/booking", slots[3]),
        json!({"pupil": pupil.0, "household": 2}),
    )
    .await;
    assert_eq!(status, 201, "{booked}");
    let (status, _) = get(&app, &b, &format!("/api/v1/bookings/{}", booked["id"])).await;
    assert_eq!(
        status, 200,
        "household 2 sees the conference staff booked for it"
    );

    // The page says the round is booked apart.
    let browser = app.signed_in(&first).await;
    let page = browser
        .get(app.url(&format!("/conferences/rounds/{round_id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("id=\"households-apart\""), "{page}");

    // A round booked together (the default): the second household's booking moves the
    // family's one conference.
    let day = in_days(9);
    let (together, slots) = create_round(&app, &leader, class, day, "14:00", "15:00").await;
    let (status, first_booking) = book(&app, &a, slots[0], pupil, json!({})).await;
    assert_eq!(status, 201, "{first_booking}");
    let (status, again) = book(&app, &b, slots[1], pupil, json!({})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["moved"], true);
    assert_eq!(again["id"], first_booking["id"]);
    let (_, round) = get(
        &app,
        &leader,
        &format!("/api/v1/conference-rounds/{together}"),
    )
    .await;
    assert_eq!(round["households_apart"], false);
    let booked = round["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter(|s| s["free"] == false)
        .count();
    assert_eq!(booked, 1);
}

async fn staff_offer_another_time_to_one_family(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let class = app.class_of("pupil1").await;
    let (round, _) = create_round(&app, &teacher, class, in_days(8), "14:00", "16:00").await;
    let pupil1 = app.id_of("pupil1").await;
    let pupil2 = app.id_of("pupil2").await;
    let g1 = app.token("guardian1").await;
    let g2 = app.token("guardian2").await;
    let offers = format!("/api/v1/conference-rounds/{round}/slots");
    let early = in_days(9).to_string();

    // guardian2 cannot come in the afternoon: the teacher offers 07:30 to that family alone.
    let (status, offered) = post(
        &app,
        &teacher,
        &offers,
        json!({"date": early, "start": "07:30", "pupil": pupil2.0}),
    )
    .await;
    assert_eq!(status, 201, "{offered}");
    let slot = offered["id"].as_i64().expect("slot id");
    assert!(offered["starts_at"]
        .as_str()
        .unwrap_or_default()
        .contains("T07:30:00"));
    let (_, seen) = get(&app, &g2, &format!("/api/v1/conference-rounds/{round}")).await;
    let mine: Vec<&Value> = seen["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter(|s| s["id"] == slot)
        .collect();
    assert_eq!(mine.len(), 1, "{seen}");
    assert_eq!(mine[0]["offered_to"], pupil2.0);
    let (_, open) = get(
        &app,
        &g2,
        &format!("/api/v1/pupils/{}/conference-slots", pupil2.0),
    )
    .await;
    assert!(
        open.to_string().contains(&format!("\"id\":{slot}")),
        "{open}"
    );
    // Another family neither sees nor books it; staff cannot give it to another pupil.
    let (_, seen) = get(&app, &g1, &format!("/api/v1/conference-rounds/{round}")).await;
    assert!(
        !seen["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .any(|s| s["id"] == slot),
        "{seen}"
    );
    let (_, open) = get(
        &app,
        &g1,
        &format!("/api/v1/pupils/{}/conference-slots", pupil1.0),
    )
    .await;
    assert!(
        !open.to_string().contains(&format!("\"id\":{slot}")),
        "{open}"
    );
    let (status, _) = book(&app, &g1, slot, pupil1, json!({})).await;
    assert_eq!(status, 404);
    let (status, problem) = book(&app, &teacher, slot, pupil1, json!({})).await;
    assert_eq!(status, 409, "{problem}");
    let (status, booked) = book(&app, &g2, slot, pupil2, json!({})).await;
    assert_eq!(status, 201, "{booked}");

    // The same time again overlaps the teacher's own conference.
    let (status, problem) = post(
        &app,
        &teacher,
        &offers,
        json!({"date": early, "start": "07:40"}),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    // Bad input is a clear 422.
    for body in [
        json!({"date": "2026-13-40", "start": "07:30"}),
        json!({"date": early, "start": "7 o'clock"}),
        json!({"date": in_days(-2).to_string(), "start": "07:30"}),
        json!({"date": early, "start": "09:00", "pupil": app.id_of("pupil20").await.0}),
    ] {
        let (status, problem) = post(&app, &teacher, &offers, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
    }
    // Families see the round but do not plan it; another class's teacher does not see it.
    let (status, _) = post(&app, &g1, &offers, json!({"date": early, "start": "08:00"})).await;
    assert_eq!(status, 403);
    let (status, _) = post(
        &app,
        &app.token("teacher5").await,
        &offers,
        json!({"date": early, "start": "08:00"}),
    )
    .await;
    assert_eq!(status, 404);
}

on_both_databases!(
    staff_offer_another_time_to_one_family,
    two_households_book_apart_when_the_round_allows_it,
    the_pages_carry_preparation_notes_and_acknowledgement,
    a_familys_own_interpreter_is_an_adult,
    a_topic_moves_to_a_need_based_conference_for_one_family,
    teacher_creates_a_round_and_slots_are_generated,
    guardians_book_move_and_cancel_without_seeing_other_families,
    the_deadline_is_a_clear_refusal_for_families_not_for_staff,
    many_families_pressing_book_at_once_get_one_booking,
    interpreter_needs_become_staff_todos,
    both_sides_prepare,
    notes_keep_the_internal_note_apart_and_are_acknowledged,
    agreements_are_followed_up_and_open_the_next_conference,
    coverage_counts_conferences_with_notes,
    bad_plans_and_bookings_are_refused,
);

/// Norway: two conferences a year, each ending in a shared summary; pupils from 12 have the
/// right to take part, so the family decides, and younger pupils come as the school plans.
async fn norway(app: TestApp) {
    if !in_this_school_year(9) {
        eprintln!("skipped: the school year ends within a week");
        return;
    }
    let school = app.school_id().await;
    // The Norwegian demo: grades 1–10, six pupils a class; pupil43.. are in grade 8.
    let older = app.id_of("pupil43").await;
    let younger = app.id_of("pupil1").await;
    let mut tokens = Vec::new();
    for pupil in ["pupil43", "pupil1"] {
        let full = guardians_of(&app, pupil, Access::Full).await;
        tokens.push(app.token(&full[0]).await);
    }
    let detail = app
        .store
        .pupil_detail(school, older)
        .await
        .expect("pupil")
        .expect("exists");
    assert_eq!(detail.classes[0].grade, 8);
    let contact = detail
        .staff
        .iter()
        .find(|s| s.contact_teacher)
        .expect("contact teacher");
    let teacher_older = app.token(&username(&app, contact.person.id).await).await;
    let teacher_younger = app.token("teacher1").await;
    let class_older = detail.classes[0].id.0;
    let class_younger = app.class_of("pupil1").await;

    let day = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz(Country::No))
        .date()
        .checked_add(jiff::Span::new().days(8))
        .expect("date");
    let make = |token: String, class: i64, start: &'static str, with_pupil: bool| {
        let app = &app;
        async move {
            let (status, created) = post(
                app,
                &token,
                &format!("/api/v1/classes/{class}/conference-rounds"),
                json!({"form": "school", "slot_minutes": 30, "with_pupil": with_pupil,
                       "days": [{"date": day.to_string(), "start": start, "end": "17:00"}]}),
            )
            .await;
            assert_eq!(status, 201, "{created}");
            let (_, round) = get(
                app,
                &token,
                &format!("/api/v1/conference-rounds/{}", created["id"]),
            )
            .await;
            round["slots"]
                .as_array()
                .expect("slots")
                .iter()
                .map(|s| s["id"].as_i64().expect("id"))
                .collect::<Vec<i64>>()
        }
    };
    let slots_older = make(teacher_older.clone(), class_older, "14:00", false).await;
    let slots_younger = make(teacher_younger.clone(), class_younger, "14:00", false).await;

    // Grade 8: the right to take part; the family decides, even in a round planned without.
    let (_, open) = get(
        &app,
        &tokens[0],
        &format!("/api/v1/pupils/{}/conference-slots", older.0),
    )
    .await;
    assert_eq!(open[0]["participation"], "right");
    let (status, booked) = book(&app, &tokens[0], slots_older[0], older, json!({})).await;
    assert_eq!(status, 201, "{booked}");
    let (_, seen) = get(
        &app,
        &tokens[0],
        &format!("/api/v1/bookings/{}", booked["id"]),
    )
    .await;
    assert_eq!(seen["participation"], "right");
    assert_eq!(seen["pupil_attends"], true);
    let (_, _) = book(
        &app,
        &tokens[0],
        slots_older[1],
        older,
        json!({"without_child": true}),
    )
    .await;
    let (_, seen) = get(
        &app,
        &tokens[0],
        &format!("/api/v1/bookings/{}", booked["id"]),
    )
    .await;
    assert_eq!(seen["pupil_attends"], false);
    // Staff cannot overrule the pupil's right.
    let (status, _) = post(
        &app,
        &teacher_older,
        &format!("/api/v1/bookings/{}/preparation", booked["id"]),
        json!({"pupil_attends": true}),
    )
    .await;
    assert_eq!(status, 422);
    let page = app
        .signed_in(&guardians_of(&app, "pupil43", Access::Full).await[0])
        .await
        .get(app.url(&format!("/conferences/rounds/{}", seen["round_id"])))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("fylte 12 år"),
        "the form names the right from 12"
    );

    // Grade 1: the school decides; the family's wish is recorded, the plan stands.
    let (status, booked_y) = book(
        &app,
        &tokens[1],
        slots_younger[0],
        younger,
        json!({"without_child": true}),
    )
    .await;
    assert_eq!(status, 201, "{booked_y}");
    let (_, seen) = get(
        &app,
        &tokens[1],
        &format!("/api/v1/bookings/{}", booked_y["id"]),
    )
    .await;
    assert_eq!(seen["participation"], "school_decides");
    assert_eq!(
        seen["pupil_attends"], false,
        "the round is planned without pupils"
    );
    assert_eq!(seen["needs"]["without_child"], true);

    // Coverage: two a year, each ending in a shared summary.
    let path = format!("/api/v1/classes/{class_older}/conference-coverage");
    let (_, coverage) = get(&app, &teacher_older, &path).await;
    assert_eq!(coverage["required"], 2);
    let notes = |share: bool| json!({"summary": "Oppsummering.", "share": share});
    let (status, _) = send(
        &app,
        &teacher_older,
        reqwest::Method::PUT,
        &format!("/api/v1/bookings/{}/notes", booked["id"]),
        Some(notes(false)),
    )
    .await;
    assert_eq!(status, 200);
    let held = |c: &Value| {
        c["pupils"]
            .as_array()
            .expect("pupils")
            .iter()
            .find(|p| p["pupil_id"] == older.0)
            .expect("pupil")["held"]
            .as_i64()
            .expect("held")
    };
    let (_, coverage) = get(&app, &teacher_older, &path).await;
    assert_eq!(held(&coverage), 0, "no summary shared: not yet held");
    let (_, _) = send(
        &app,
        &teacher_older,
        reqwest::Method::PUT,
        &format!("/api/v1/bookings/{}/notes", booked["id"]),
        Some(notes(true)),
    )
    .await;
    let (_, coverage) = get(&app, &teacher_older, &path).await;
    assert_eq!(held(&coverage), 1);
    assert_eq!(coverage["met"], 0, "one of two");
    // The second conference of the year.
    let later = day.checked_add(jiff::Span::new().days(1)).expect("date");
    let (status, created) = post(
        &app,
        &teacher_older,
        &format!("/api/v1/classes/{class_older}/conference-rounds"),
        json!({"form": "home_visit", "slot_minutes": 45, "days": [{"date": later.to_string(), "start": "15:00", "end": "16:00"}]}),
    )
    .await;
    assert_eq!(status, 201);
    let (_, round) = get(
        &app,
        &teacher_older,
        &format!("/api/v1/conference-rounds/{}", created["id"]),
    )
    .await;
    let (_, second) = book(
        &app,
        &teacher_older,
        round["slots"][0]["id"].as_i64().expect("slot"),
        older,
        json!({}),
    )
    .await;
    let (_, _) = send(
        &app,
        &teacher_older,
        reqwest::Method::PUT,
        &format!("/api/v1/bookings/{}/notes", second["id"]),
        Some(notes(true)),
    )
    .await;
    let (_, coverage) = get(&app, &teacher_older, &path).await;
    assert_eq!(held(&coverage), 2);
    assert_eq!(coverage["met"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn norway_on_sqlite() {
    let app = TestApp::spawn_with(Db::Sqlite, common::TEST_PUPILS, Country::No)
        .await
        .expect("SQLite test app");
    norway(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn norway_on_postgres() {
    match TestApp::spawn_with(Db::Postgres, common::TEST_PUPILS, Country::No).await {
        Some(app) => norway(app).await,
        None => eprintln!("skipped: norway on PostgreSQL (set SKOLEBRO_TEST_DATABASE_URL)"),
    }
}
