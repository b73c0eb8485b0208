//! The calendar as families and staff meet it (MSG-6, MSG-7): staff plan events for their own
//! classes, grades or (leaders) the school; an event ends after it starts; families answer yes,
//! no or maybe until the deadline; homework is given from grade 3; each person's calendar shows
//! their events, homework and conferences by month or week; the iCalendar feed is read by an
//! outside parser, holds nothing protected and stops at revocation; the contact book shows only
//! what families share and never protected details, also in its CSV and vCard files. On both
//! databases.

mod common;

use common::api::{get, post, put};
use common::TestApp;
use serde_json::{json, Value};
use skolebro_domain::{Access, ClassId, SchoolId};

async fn school(app: &TestApp) -> SchoolId {
    app.store
        .first_school()
        .await
        .expect("school")
        .expect("one")
        .id
}

/// The instant `days` from now at `hour`:00 in Copenhagen, as RFC 3339.
fn at(days: i64, hour: i8) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz");
    let day = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz.clone())
        .date()
        .checked_add(jiff::Span::new().days(days))
        .expect("day");
    day.to_datetime(jiff::civil::time(hour, 0, 0, 0))
        .to_zoned(tz)
        .expect("zoned")
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn today() -> jiff::civil::Date {
    skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz"))
        .date()
}

/// A class with its first staff member's and first custodial guardian's usernames.
struct ClassCast {
    id: i64,
    teacher: String,
    guardian: String,
    pupil: String,
}

async fn username(app: &TestApp, id: skolebro_domain::PersonId) -> String {
    app.store
        .me(id)
        .await
        .expect("me")
        .username
        .expect("account")
}

/// The first class of a grade at least `min_grade` (and at most `max_grade`).
async fn class_cast(app: &TestApp, min_grade: i64, max_grade: i64) -> ClassCast {
    let school = school(app).await;
    let classes = app
        .store
        .school_classes(school, None, 100)
        .await
        .expect("classes");
    let class = classes
        .iter()
        .find(|c| c.grade >= min_grade && c.grade <= max_grade)
        .expect("a class of that grade");
    let detail = app
        .store
        .class_detail(school, class.id)
        .await
        .expect("detail")
        .expect("exists");
    let teacher = username(app, detail.staff[0].person.id).await;
    let (pupil, guardian) = detail
        .pupils
        .iter()
        .find_map(|p| {
            p.guardians
                .iter()
                .find(|g| g.access == Access::Full && !g.contact.protected)
                .map(|g| (p.person.id, g.person.id))
        })
        .expect("a pupil with a guardian");
    ClassCast {
        id: class.id.0,
        teacher,
        guardian: username(app, guardian).await,
        pupil: username(app, pupil).await,
    }
}

fn event_body(class: i64, title: &str, starts: &str, ends: &str) -> Value {
    json!({"audience": "class", "class_id": class, "title": title, "place": "Skoven",
           "starts_at": starts, "ends_at": ends, "rsvp": true})
}

async fn events_planned_by_their_staff_end_after_they_start(app: TestApp) {
    let first = class_cast(&app, 0, 0).await;
    let older = class_cast(&app, 5, 9).await;
    let teacher = app.token(&first.teacher).await;
    let (status, created) = post(
        &app,
        &teacher,
        "/api/v1/events",
        event_body(first.id, "Udflugt", &at(10, 9), &at(10, 14)),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["audience"], "class");
    assert_eq!(created["rsvp"], true);
    assert_eq!(created["starts_at"], at(10, 9));

    // Ends before it starts: 422 with the reason.
    let (status, problem) = post(
        &app,
        &teacher,
        "/api/v1/events",
        event_body(first.id, "Omvendt", &at(10, 14), &at(10, 9)),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("end after it starts"));

    // A class the teacher does not teach: 403.
    let (status, _) = post(
        &app,
        &teacher,
        "/api/v1/events",
        event_body(older.id, "Ikke min klasse", &at(10, 9), &at(10, 14)),
    )
    .await;
    assert_eq!(status, 403);
    // Guardians plan nothing.
    let guardian = app.token(&first.guardian).await;
    let (status, _) = post(
        &app,
        &guardian,
        "/api/v1/events",
        event_body(first.id, "Forældrefest", &at(10, 9), &at(10, 14)),
    )
    .await;
    assert_eq!(status, 403);
    // The school is the leader's.
    let school_event = json!({"audience": "school", "title": "Skolefest",
        "starts_at": at(12, 17), "ends_at": at(12, 21)});
    let (status, _) = post(&app, &teacher, "/api/v1/events", school_event.clone()).await;
    assert_eq!(status, 403);
    let leader = app.token("leader1").await;
    let (status, _) = post(&app, &leader, "/api/v1/events", school_event).await;
    assert_eq!(status, 201);
    // Unknown audience, unreadable time, over-long title: 422.
    for body in [
        json!({"audience": "everyone", "title": "x", "starts_at": at(1, 9), "ends_at": at(1, 10)}),
        json!({"audience": "class", "class_id": first.id, "title": "x", "starts_at": "tomorrow", "ends_at": at(1, 10)}),
        json!({"audience": "class", "class_id": first.id, "title": "x".repeat(201), "starts_at": at(1, 9), "ends_at": at(1, 10)}),
        json!({"audience": "grade", "grade": 99, "title": "x", "starts_at": at(1, 9), "ends_at": at(1, 10)}),
    ] {
        let (status, problem) = post(&app, &leader, "/api/v1/events", body).await;
        assert_eq!(status, 422, "{problem}");
    }

    // The guardian of the class sees the class event and the school's, with times in the
    // school's zone; a family of another class sees the school's only.
    let (status, events) = get(
        &app,
        &guardian,
        &format!(
            "/api/v1/events?from={}&to={}",
            today(),
            today()
                .checked_add(jiff::Span::new().days(20))
                .expect("day")
        ),
    )
    .await;
    assert_eq!(status, 200);
    let titles: Vec<&str> = events
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert!(titles.contains(&"Udflugt"), "{titles:?}");
    assert!(titles.contains(&"Skolefest"), "{titles:?}");
    let other = app.token(&older.guardian).await;
    let (_, events) = get(&app, &other, "/api/v1/events").await;
    let titles: Vec<&str> = events
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert!(!titles.contains(&"Udflugt"), "{titles:?}");
    assert!(titles.contains(&"Skolefest"), "{titles:?}");
    // That family cannot open the class's event either: 404, as if it did not exist.
    let id = created["id"].as_i64().expect("id");
    let (status, _) = put(
        &app,
        &other,
        &format!("/api/v1/events/{id}/rsvp"),
        json!({"answer": "yes"}),
    )
    .await;
    assert_eq!(status, 404);
    // A range longer than a year is refused.
    let (status, _) = get(
        &app,
        &guardian,
        "/api/v1/events?from=2026-01-01&to=2027-06-01",
    )
    .await;
    assert_eq!(status, 422);
}

async fn families_answer_until_the_deadline(app: TestApp) {
    let first = class_cast(&app, 0, 0).await;
    let teacher = app.token(&first.teacher).await;
    let guardian = app.token(&first.guardian).await;
    let mut open = event_body(first.id, "Juleklip", &at(5, 17), &at(5, 19));
    open["rsvp_deadline"] = json!(at(3, 12));
    let (_, created) = post(&app, &teacher, "/api/v1/events", open).await;
    let id = created["id"].as_i64().expect("id");
    let (status, answered) = put(
        &app,
        &guardian,
        &format!("/api/v1/events/{id}/rsvp"),
        json!({"answer": "yes", "people": 3, "note": "Vi tager kage med"}),
    )
    .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["my_answer"]["answer"], "yes");
    assert_eq!(answered["my_answer"]["people"], 3);
    // Changing one's mind replaces the answer.
    let (status, answered) = put(
        &app,
        &guardian,
        &format!("/api/v1/events/{id}/rsvp"),
        json!({"answer": "no"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answered["my_answer"]["answer"], "no");
    assert_eq!(answered["my_answer"]["people"], 0);
    // Nonsense is refused.
    for body in [
        json!({"answer": "perhaps"}),
        json!({"answer": "yes", "people": 21}),
        json!({"answer": "no", "people": 2}),
        json!({"answer": "yes", "note": "x".repeat(501)}),
    ] {
        let (status, _) = put(&app, &guardian, &format!("/api/v1/events/{id}/rsvp"), body).await;
        assert_eq!(status, 422);
    }
    // The pupil and the teacher see the event but do not answer for the family.
    let pupil = app.token(&first.pupil).await;
    let (status, _) = put(
        &app,
        &pupil,
        &format!("/api/v1/events/{id}/rsvp"),
        json!({"answer": "yes"}),
    )
    .await;
    assert_eq!(status, 403);

    // After the deadline: a refusal with the reason.
    let mut closed = event_body(first.id, "Lucia", &at(2, 17), &at(2, 19));
    closed["rsvp_deadline"] = json!(at(-1, 12));
    let (status, created) = post(&app, &teacher, "/api/v1/events", closed).await;
    assert_eq!(status, 201, "{created}");
    let closed_id = created["id"].as_i64().expect("id");
    let (status, problem) = put(
        &app,
        &guardian,
        &format!("/api/v1/events/{closed_id}/rsvp"),
        json!({"answer": "yes"}),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("deadline has passed"));
    // A deadline after the start makes no sense.
    let mut late = event_body(first.id, "Sent", &at(2, 17), &at(2, 19));
    late["rsvp_deadline"] = json!(at(3, 12));
    let (status, _) = post(&app, &teacher, "/api/v1/events", late).await;
    assert_eq!(status, 422);

    // The teacher sees who answered on the event's page; the page answers in the browser too.
    let browser = app.signed_in(&first.teacher).await;
    let page = browser
        .get(app.url(&format!("/calendar/events/{id}")))
        .header("accept-language", "en")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Declined: 1."), "{page}");
    assert!(page.contains("Vi tager kage med") || page.contains("No"));
}

async fn homework_is_given_from_grade_three(app: TestApp) {
    let young = class_cast(&app, 0, 2).await;
    let older = class_cast(&app, 3, 9).await;
    let teacher = app.token(&young.teacher).await;
    let tomorrow = today().tomorrow().expect("tomorrow").to_string();
    let (status, problem) = post(
        &app,
        &teacher,
        &format!("/api/v1/classes/{}/homework", young.id),
        json!({"day": tomorrow, "subject": "Dansk", "text": "Læs side 3."}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("grade 3"));
    let teacher = app.token(&older.teacher).await;
    let (status, created) = post(
        &app,
        &teacher,
        &format!("/api/v1/classes/{}/homework", older.id),
        json!({"day": tomorrow, "subject": "Matematik", "text": "<b>Opgave 7</b>"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    for body in [
        json!({"day": "i morgen", "subject": "Dansk", "text": "x"}),
        json!({"day": tomorrow, "subject": "", "text": "x"}),
        json!({"day": tomorrow, "subject": "Dansk", "text": "x".repeat(4001)}),
    ] {
        let (status, _) = post(
            &app,
            &teacher,
            &format!("/api/v1/classes/{}/homework", older.id),
            body,
        )
        .await;
        assert_eq!(status, 422);
    }
    // The class's family reads it; another class's family does not know the class's homework.
    let guardian = app.token(&older.guardian).await;
    let (status, list) = get(
        &app,
        &guardian,
        &format!("/api/v1/classes/{}/homework", older.id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(list
        .as_array()
        .expect("list")
        .iter()
        .any(|h| h["subject"] == "Matematik" && h["day"] == tomorrow.as_str()));
    let other = app.token(&young.guardian).await;
    let (status, _) = get(
        &app,
        &other,
        &format!("/api/v1/classes/{}/homework", older.id),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &app,
        &other,
        &format!("/api/v1/classes/{}/homework", older.id),
        json!({"day": tomorrow, "subject": "Dansk", "text": "x"}),
    )
    .await;
    assert_eq!(status, 404);
    // On the family's calendar page, escaped.
    let browser = app.signed_in(&older.guardian).await;
    let page = browser
        .get(app.url(&format!("/calendar?view=week&date={tomorrow}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Matematik"), "{page}");
    let page = browser
        .get(app.url(&format!("/classes/{}/homework?from={tomorrow}", older.id)))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Opgave 7"), "{page}");
    assert!(!page.contains("<b>Opgave 7</b>"));
}

async fn the_calendar_page_shows_events_conferences_and_homework(app: TestApp) {
    let first = class_cast(&app, 0, 0).await;
    let teacher = app.token(&first.teacher).await;
    let (status, _) = post(
        &app,
        &teacher,
        "/api/v1/events",
        event_body(
            first.id,
            "<script>alert(1)</script> Sommerfest",
            &at(1, 16),
            &at(1, 18),
        ),
    )
    .await;
    assert_eq!(status, 201);
    let browser = app.signed_in(&first.guardian).await;
    let tomorrow = today().tomorrow().expect("tomorrow");
    for view in ["month", "week"] {
        let page = browser
            .get(app.url(&format!("/calendar?view={view}&date={tomorrow}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        assert!(page.contains("Sommerfest"), "{view}: {page}");
        assert!(page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"));
        assert!(!page.contains("<script>alert"));
        // The demo's event of the first class is a week ahead: in the month view at least when
        // it falls in the same month.
        assert!(page.contains(&format!("id=\"day-{tomorrow}\"")));
    }
    let (status, _) = (
        browser
            .get(app.url("/calendar?date=not-a-date"))
            .send()
            .await
            .expect("page")
            .status()
            .as_u16(),
        (),
    );
    assert_eq!(status, 422);
    // A conference the family books shows in their calendar and in the teacher's.
    let guardian = app.token(&first.guardian).await;
    let (_, rounds) = get(
        &app,
        &guardian,
        &format!("/api/v1/classes/{}/conference-rounds", first.id),
    )
    .await;
    let round = rounds[0]["id"].as_i64().expect("the demo round");
    let (_, round) = get(
        &app,
        &guardian,
        &format!("/api/v1/conference-rounds/{round}"),
    )
    .await;
    let slot = &round["slots"][0];
    let pupil = app.id_of(&first.pupil).await;
    let (status, booked) = post(
        &app,
        &guardian,
        &format!(
            "/api/v1/conference-slots/{}/booking",
            slot["id"].as_i64().expect("slot")
        ),
        json!({"pupil_id": pupil.0}),
    )
    .await;
    assert!(status == 201 || status == 200, "{status} {booked}");
    let day = slot["starts_at"]
        .as_str()
        .expect("start")
        .parse::<jiff::Timestamp>()
        .expect("instant")
        .to_zoned(jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz"))
        .date();
    let teacher_browser = app.signed_in(&first.teacher).await;
    for b in [&browser, &teacher_browser] {
        let page = b
            .get(app.url(&format!("/calendar?view=week&date={day}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        let cell_start = page.find(&format!("id=\"day-{day}\"")).expect("the day");
        let cell = &page[cell_start..];
        let cell = &cell[..cell.find("</td>").expect("end of day")];
        assert!(
            cell.contains("href=\"/conferences/bookings/"),
            "the conference on its day: {cell}"
        );
    }

    // The next N events for the overview, in one query.
    let school = school(&app).await;
    let upcoming = app
        .store
        .upcoming_for(
            school,
            app.id_of(&first.guardian).await,
            &[ClassId(first.id)],
            skolebro_store::clock::now().as_second(),
            2,
        )
        .await
        .expect("upcoming");
    assert_eq!(upcoming.len(), 2);
    assert!(upcoming[0].starts_at <= upcoming[1].starts_at);
    assert!(upcoming[0].title.contains("Sommerfest"));
}

/// Parses an iCalendar text with Python's `icalendar`; `None` when it is not installed (and
/// the browser, which brings the same CI tools, is not required).
fn parse_with_python(ics: &str) -> Option<Value> {
    use std::io::Write;
    let script = r#"
import sys, json
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.buffer.read())
out = []
for ev in cal.walk('VEVENT'):
    start = ev.decoded('DTSTART')
    out.append({"uid": str(ev.get('UID')), "summary": str(ev.get('SUMMARY')),
                "start": start.isoformat(), "has_tz": getattr(start, 'tzinfo', None) is not None})
print(json.dumps(out))
"#;
    let child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let required = std::env::var("SKOLEBRO_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(!required, "python3 is required: {e}");
            eprintln!("skipped: the feed's outside parse (no python3: {e})");
            return None;
        }
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(ics.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("python");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() && stderr.contains("No module named 'icalendar'") {
        assert!(
            !required,
            "Python's icalendar is required (pip install icalendar)"
        );
        eprintln!("skipped: the feed's outside parse (pip install icalendar)");
        return None;
    }
    assert!(
        output.status.success(),
        "icalendar rejects the feed: {stderr}\n{ics}"
    );
    Some(serde_json::from_slice(&output.stdout).expect("json"))
}

async fn the_feed_is_read_by_phone_calendars_and_revocable(app: TestApp) {
    let older = class_cast(&app, 3, 9).await;
    let teacher = app.token(&older.teacher).await;
    let (status, _) = post(
        &app,
        &teacher,
        "/api/v1/events",
        event_body(
            older.id,
            "Forældremøde; kaffe, kage \\ snak",
            &at(3, 19),
            &at(3, 21),
        ),
    )
    .await;
    assert_eq!(status, 201);
    let tomorrow = today().tomorrow().expect("tomorrow").to_string();
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/classes/{}/homework", older.id),
        json!({"day": tomorrow, "subject": "Engelsk", "text": "Glosar side 9"}),
    )
    .await;
    assert_eq!(status, 201);
    let guardian = app.token(&older.guardian).await;
    let (status, me) = get(&app, &guardian, "/api/v1/me").await;
    assert_eq!(status, 200);
    assert!(me["roles"].is_array() && me["children"].is_array());
    let url = me["calendar_feed_url"]
        .as_str()
        .expect("feed url")
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // The same address each time until it is renewed.
    let (_, again) = get(&app, &guardian, "/api/v1/me").await;
    assert_eq!(again["calendar_feed_url"], url.as_str());

    let response = reqwest::get(&url).await.expect("feed");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/calendar"));
    let ics = response.text().await.expect("body");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(
        ics.contains("Forældremøde\\; kaffe\\, kage \\\\ snak"),
        "{ics}"
    );
    // Nothing of other families: no protected details.
    let school = school(&app).await;
    let protected = app.id_of("guardian3").await;
    let contact = app
        .store
        .pupil_detail(school, app.id_of("pupil3").await)
        .await
        .expect("pupil")
        .expect("exists")
        .guardians
        .into_iter()
        .find(|g| g.person.id == protected)
        .expect("guardian3")
        .contact;
    for secret in [contact.address, contact.phone, contact.email]
        .into_iter()
        .flatten()
    {
        assert!(!ics.contains(&secret));
    }
    if let Some(parsed) = parse_with_python(&ics) {
        let events = parsed.as_array().expect("events");
        let meeting = events
            .iter()
            .find(|e| e["summary"] == "Forældremøde; kaffe, kage \\ snak")
            .expect("the meeting, unescaped");
        assert_eq!(meeting["has_tz"], true);
        // 19:00 in Copenhagen, read back as UTC.
        let start: jiff::Timestamp = meeting["start"]
            .as_str()
            .expect("start")
            .parse()
            .expect("instant");
        let expected: jiff::Timestamp = at(3, 19).parse().expect("instant");
        assert_eq!(start, expected);
        let homework = events
            .iter()
            .find(|e| {
                e["summary"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("Engelsk")
            })
            .expect("homework");
        assert_eq!(homework["start"], tomorrow.as_str());
        assert!(events
            .iter()
            .all(|e| e["uid"].as_str().unwrap_or_default().ends_with("@skolebro")));
    }

    // Revoked: 404. Renewed: a new address works and the old one stays dead.
    let browser = app.signed_in(&older.guardian).await;
    let page = browser
        .get(app.url("/calendar/settings"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains(&url));
    let csrf = common::csrf_of(&page);
    let status = browser
        .post(app.url("/calendar/settings/feed/revoke"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("revoke")
        .status();
    assert_eq!(status, 303);
    assert_eq!(reqwest::get(&url).await.expect("feed").status(), 404);
    // Reading one's details says it is revoked and makes no new address behind one's back.
    let (_, me) = get(&app, &guardian, "/api/v1/me").await;
    assert_eq!(me["calendar_feed_url"], Value::Null, "{me}");
    assert_eq!(me["calendar_feed_revoked"], true);
    assert_eq!(reqwest::get(&url).await.expect("feed").status(), 404);
    // Without the token, the form is refused.
    let status = browser
        .post(app.url("/calendar/settings/feed"))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .expect("renew")
        .status();
    assert_eq!(status, 403);
    let status = browser
        .post(app.url("/calendar/settings/feed"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("renew")
        .status();
    assert_eq!(status, 303);
    let (_, me) = get(&app, &guardian, "/api/v1/me").await;
    let renewed = me["calendar_feed_url"].as_str().expect("url").to_owned();
    assert_ne!(renewed, url);
    assert_eq!(me["calendar_feed_revoked"], false);
    assert_eq!(reqwest::get(&renewed).await.expect("feed").status(), 200);
    // With --public-url the address is built on it, whatever Host the request claims.
    let public = app
        .second_server(|c| c.public_url = Some("https://skole.example.dk/".into()))
        .await;
    let me: Value = reqwest::Client::new()
        .get(format!("{public}/api/v1/me"))
        .bearer_auth(&guardian)
        .header("host", "evil.example")
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    // (This server has its own feed key, so the secret differs; the address is the point.)
    let address = me["calendar_feed_url"].as_str().unwrap_or_default();
    assert!(
        address.starts_with("https://skole.example.dk/calendar/feed/") && address.ends_with(".ics"),
        "{me}"
    );
    assert_eq!(reqwest::get(&url).await.expect("feed").status(), 404);
    assert_eq!(
        reqwest::get(app.url("/calendar/feed/not-a-token.ics"))
            .await
            .expect("feed")
            .status(),
        404
    );
}

async fn the_contact_book_shows_only_what_families_share(app: TestApp) {
    let school = school(&app).await;
    // guardian1 shares e-mail and phone (the demo); guardian3 is protected and ticked all.
    let first_pupil = app
        .store
        .pupil_detail(school, app.id_of("pupil1").await)
        .await
        .expect("pupil")
        .expect("exists");
    let class = first_pupil.classes[0].id.0;
    let detail = app
        .store
        .class_detail(school, ClassId(class))
        .await
        .expect("class")
        .expect("exists");
    let all: Vec<_> = detail
        .pupils
        .iter()
        .flat_map(|p| p.guardians.iter().cloned())
        .collect();
    let guardian1 = app.id_of("guardian1").await;
    let guardian3 = app.id_of("guardian3").await;
    let g1 = all
        .iter()
        .find(|g| g.person.id == guardian1)
        .expect("guardian1");
    let g3 = all
        .iter()
        .find(|g| g.person.id == guardian3)
        .expect("guardian3");
    assert!(g3.contact.protected);
    let unshared: Vec<String> = all
        .iter()
        .filter(|g| g.person.id != guardian1)
        .flat_map(|g| [g.contact.email.clone(), g.contact.phone.clone()])
        .flatten()
        .collect();
    let protected: Vec<String> = [
        g3.contact.email.clone(),
        g3.contact.phone.clone(),
        g3.contact.address.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(!protected.is_empty());

    // A guardian of the class (here guardian2) reads the book as page, CSV and vCard.
    let browser = app.signed_in("guardian2").await;
    let mut bodies = Vec::new();
    for path in ["contacts", "contacts.csv", "contacts.vcf"] {
        let response = browser
            .get(app.url(&format!("/classes/{class}/{path}")))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{path}");
        bodies.push((path, response.text().await.expect("body")));
    }
    for (path, body) in &bodies {
        // guardian3 is protected: not even named to another family (issue 15 §2).
        assert!(!body.contains(&g3.person.full()), "{path} names guardian3");
        for secret in &protected {
            assert!(!body.contains(secret.as_str()), "{path} leaks {secret}");
        }
        for secret in &unshared {
            assert!(
                !body.contains(secret.as_str()),
                "{path} shows unshared {secret}"
            );
        }
        if let Some(email) = &g1.contact.email {
            assert!(body.contains(email.as_str()), "{path}: {body}");
        }
        if let Some(address) = &g1.contact.address {
            assert!(
                !body.contains(address.as_str()),
                "{path}: address not shared"
            );
        }
    }
    // The school knows the family: the teacher's book names them, without protected details.
    let teacher = app.signed_in("teacher1").await;
    let staff_book = teacher
        .get(app.url(&format!("/classes/{class}/contacts")))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(staff_book.contains(&g3.person.full()), "{staff_book}");
    for secret in &protected {
        assert!(!staff_book.contains(secret.as_str()));
    }
    let (_, vcf) = &bodies[2];
    assert!(vcf.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
    assert_eq!(
        vcf.matches("BEGIN:VCARD").count(),
        vcf.matches("END:VCARD").count()
    );
    let (_, csv) = &bodies[1];
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(rows.len() >= 2);
    // Phone numbers like "+45 …" cannot be read as formulas.
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a formula-like cell: {cell}"
            );
        }
    }

    // guardian2 chooses to share their phone: it appears for the others.
    let page = browser
        .get(app.url("/calendar/settings"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let csrf = common::csrf_of(&page);
    let status = browser
        .post(app.url("/calendar/settings/sharing"))
        .form(&[("csrf", csrf.as_str()), ("share_phone", "1")])
        .send()
        .await
        .expect("share")
        .status();
    assert_eq!(status, 303);
    let guardian2 = app.id_of("guardian2").await;
    let g2 = all
        .iter()
        .find(|g| g.person.id == guardian2)
        .expect("guardian2");
    let other = app.signed_in("guardian1").await;
    let page = other
        .get(app.url(&format!("/classes/{class}/contacts")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    if let Some(phone) = &g2.contact.phone {
        assert!(page.contains(phone.as_str()), "{page}");
    }
    // A family of another class and a pupil do not see the book.
    let older = class_cast(&app, 5, 9).await;
    for who in [older.guardian.as_str(), "pupil1"] {
        let b = app.signed_in(who).await;
        let status = b
            .get(app.url(&format!("/classes/{class}/contacts.csv")))
            .send()
            .await
            .expect("get")
            .status();
        assert_eq!(status, 404, "{who}");
    }
}

async fn reminders_wait_for_the_notification_worker(app: TestApp) {
    let first = class_cast(&app, 0, 0).await;
    let teacher = app.token(&first.teacher).await;
    let mut body = event_body(first.id, "Svømning", &at(1, 10), &at(1, 12));
    body["reminder_at"] = json!(at(-1, 9));
    let (status, created) = post(&app, &teacher, "/api/v1/events", body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["reminder_at"], at(-1, 9));
    let id = created["id"].as_i64().expect("id");
    let now = skolebro_store::clock::now().as_second();
    let due = app.store.due_event_reminders(now, 10).await.expect("due");
    assert_eq!(due.iter().map(|e| e.id).collect::<Vec<_>>(), vec![id]);
    let announced = app
        .store
        .announce_due_reminders(now, 10)
        .await
        .expect("announce");
    assert_eq!(announced, 1, "the worker's step sends it");
    assert!(app
        .store
        .due_event_reminders(now, 10)
        .await
        .expect("due")
        .is_empty());
    // A reminder after the start is refused.
    let mut late = event_body(first.id, "Svømning", &at(1, 10), &at(1, 12));
    late["reminder_at"] = json!(at(2, 9));
    let (status, _) = post(&app, &teacher, "/api/v1/events", late).await;
    assert_eq!(status, 422);
}

/// A range with more events than a page is read a page at a time, the next page's address in
/// an RFC 8288 `Link` header that keeps the range (issue 15 §2).
async fn a_crowded_range_of_events_is_read_a_page_at_a_time(app: TestApp) {
    let school = school(&app).await;
    let leader = app.id_of("leader1").await;
    // 1 005 school events of an hour on one day a year ahead, straight into the store.
    let day = skolebro_store::clock::now().as_second() + 365 * 86_400;
    for n in 0..1005 {
        app.store
            .create_event(&skolebro_store::calendar::NewEvent {
                school_id: school,
                audience: skolebro_domain::calendar::Audience::School,
                title: &format!("Vagt {n}"),
                place: "Gården",
                description: "",
                times: skolebro_domain::calendar::EventTimes {
                    starts_at: day + (n % 7) * 60,
                    ends_at: day + 3600,
                    rsvp_deadline: None,
                    reminder_at: None,
                },
                rsvp: false,
                created_by: leader,
            })
            .await
            .expect("event");
    }
    let date = jiff::Timestamp::from_second(day)
        .expect("instant")
        .to_zoned(jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz"))
        .date();
    let token = app.token("guardian1").await;
    let read = |path: String| {
        let token = token.clone();
        let url = app.url(&path);
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("events");
            assert_eq!(r.status(), 200);
            let link = r
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let list: Value = r.json().await.expect("json");
            (link, list.as_array().expect("a bare array").clone())
        }
    };
    let (link, first) = read(format!("/api/v1/events?from={date}&to={date}")).await;
    assert_eq!(first.len(), 1000);
    let link = link.expect("a Link to the next page");
    let next = link
        .strip_prefix('<')
        .and_then(|l| l.split_once(">; rel=\"next\""))
        .map(|(url, _)| url.to_owned())
        .unwrap_or_else(|| panic!("RFC 8288: {link}"));
    assert!(next.contains(&format!("from={date}&to={date}")), "{next}");
    let (link, rest) = read(next).await;
    assert_eq!(link, None);
    assert_eq!(rest.len(), 5);
    let mut ids: Vec<i64> = first
        .iter()
        .chain(&rest)
        .filter_map(|e| e["id"].as_i64())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1005, "every event once");
}

on_both_databases!(
    a_crowded_range_of_events_is_read_a_page_at_a_time,
    events_planned_by_their_staff_end_after_they_start,
    families_answer_until_the_deadline,
    homework_is_given_from_grade_three,
    the_calendar_page_shows_events_conferences_and_homework,
    the_feed_is_read_by_phone_calendars_and_revocable,
    the_contact_book_shows_only_what_families_share,
    reminders_wait_for_the_notification_worker,
);
