//! Absence as families and staff meet it (ABS-1, ABS-2): guardians report, information-only
//! guardians see but do not report, staff take the register with reports filled in and the
//! guardians of unreported pupils are told, rates with the country's thresholds. On both
//! databases.

mod common;

use common::api::{post, send};
use common::TestApp;
use jiff::civil::{Date, Weekday};
use serde_json::{json, Value};

fn school_today() -> jiff::Zoned {
    skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz"))
}

/// The next working day after today: a day a guardian may always report for.
fn next_school_day() -> Date {
    let mut d = school_today().date().tomorrow().expect("tomorrow");
    while matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
        d = d.tomorrow().expect("tomorrow");
    }
    d
}

/// The most recent working day before today, within this school year when possible.
fn previous_school_day() -> Date {
    let mut d = school_today().date().yesterday().expect("yesterday");
    while matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
        d = d.yesterday().expect("yesterday");
    }
    d
}

async fn class_of_pupil1(app: &TestApp) -> i64 {
    let teacher = app.token("teacher1").await;
    let (_, me) = app.api_get(Some(&teacher), "/api/v1/me").await;
    me["classes"][0]["id"].as_i64().expect("class")
}

async fn guardians_report_and_correct_the_same_day(app: TestApp) {
    let pupil = app.id_of("pupil1").await.0;
    let g1 = app.token("guardian1").await;
    let day = next_school_day();
    let path = format!("/api/v1/pupils/{pupil}/absences");
    let (status, created) = post(
        &app,
        &g1,
        &path,
        json!({"from": day.to_string(), "reason": "illness"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");

    let (status, list) = app.api_get(Some(&g1), &path).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["reason"], "illness");
    assert_eq!(list[0]["from"], day.to_string());

    // The same day again: refused, and the day is not counted twice.
    let (status, problem) = post(
        &app,
        &g1,
        &path,
        json!({"from": day.to_string(), "reason": "leave"}),
    )
    .await;
    assert_eq!(status, 409);
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains(&day.to_string()));

    // Withdrawn the same day it was made.
    let (status, _) = send(
        &app,
        &g1,
        reqwest::Method::DELETE,
        &format!("{path}/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, list) = app.api_get(Some(&g1), &path).await;
    assert_eq!(list.as_array().expect("list").len(), 0);
    // A corrected report can now be made.
    let (status, _) = post(
        &app,
        &g1,
        &path,
        json!({"from": day.to_string(), "reason": "illness", "part": "morning", "note": "Kommer efter tandlægen"}),
    )
    .await;
    assert_eq!(status, 201);
    let (_, list) = app.api_get(Some(&g1), &path).await;
    assert_eq!(list[0]["part"], "morning");
    assert_eq!(list[0]["note"], "Kommer efter tandlægen");

    // Reads and changes are audited.
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("one")
        .id;
    let audit = app
        .store
        .audit_of(school, "absence", pupil, 20)
        .await
        .expect("audit");
    assert!(audit.iter().any(|a| a.action == "create"));
    assert!(audit.iter().any(|a| a.action == "withdraw"));
    assert!(audit.iter().any(|a| a.action == "read"));
}

async fn who_may_report_and_what_is_refused(app: TestApp) {
    let pupil1 = app.id_of("pupil1").await.0;
    let pupil2 = app.id_of("pupil2").await.0;
    let g1 = app.token("guardian1").await;
    let day = next_school_day().to_string();
    let path = format!("/api/v1/pupils/{pupil1}/absences");

    // Another family's child: as if it did not exist.
    let (status, _) = post(
        &app,
        &g1,
        &format!("/api/v1/pupils/{pupil2}/absences"),
        json!({"from": day, "reason": "illness"}),
    )
    .await;
    assert_eq!(status, 404);

    // The information-only parent of pupil4 sees but does not report.
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("one")
        .id;
    let pupil4 = app.id_of("pupil4").await;
    let detail = app
        .store
        .pupil_detail(school, pupil4)
        .await
        .expect("pupil")
        .expect("exists");
    let info = detail
        .guardians
        .iter()
        .find(|g| g.access == skolebro_domain::Access::Info)
        .expect("info-only guardian");
    let info_name = app
        .store
        .me(info.person.id)
        .await
        .expect("me")
        .username
        .expect("account");
    let info_token = app.token(&info_name).await;
    let p4 = format!("/api/v1/pupils/{}/absences", pupil4.0);
    let (status, _) = app.api_get(Some(&info_token), &p4).await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &app,
        &info_token,
        &p4,
        json!({"from": day, "reason": "illness"}),
    )
    .await;
    assert_eq!(status, 404);

    let yesterday = previous_school_day().to_string();
    let far = "2099-01-05";
    let cases = [
        (
            json!({"from": yesterday, "reason": "illness"}),
            422,
            "closed",
        ),
        (
            json!({"from": day, "to": yesterday, "reason": "illness"}),
            422,
            "before",
        ),
        (
            json!({"from": far, "reason": "illness"}),
            422,
            "school year",
        ),
        (json!({"from": day, "reason": "unlawful"}), 422, "reason"),
        (
            json!({"from": day, "reason": "headache and fever"}),
            422,
            "reason",
        ),
        (
            json!({"from": "25/11/2026", "reason": "illness"}),
            422,
            "from",
        ),
        (
            json!({"from": day, "reason": "illness", "part": "evening"}),
            422,
            "part",
        ),
        (
            json!({"from": day, "reason": "illness", "note": "x".repeat(201)}),
            422,
            "note",
        ),
        (json!({"from": 20261125, "reason": "illness"}), 422, "from"),
    ];
    for (body, status, words) in cases {
        let (got, problem) = post(&app, &g1, &path, body.clone()).await;
        assert_eq!(got, status, "{body}: {problem}");
        let detail = problem["detail"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase();
        assert!(detail.contains(words), "{words:?} in {detail:?} for {body}");
    }
    let (_, list) = app.api_get(Some(&g1), &path).await;
    assert_eq!(
        list.as_array().expect("list").len(),
        0,
        "nothing was stored"
    );

    // Staff may record a past day and the school's own reasons.
    let teacher = app.token("teacher1").await;
    let (status, _) = post(
        &app,
        &teacher,
        &path,
        json!({"from": yesterday, "reason": "unlawful"}),
    )
    .await;
    assert_eq!(status, 201);
}

async fn the_register_shows_reports_and_tells_families_of_the_unreported(app: TestApp) {
    let class = class_of_pupil1(&app).await;
    let pupil1 = app.id_of("pupil1").await.0;
    let pupil2 = app.id_of("pupil2").await.0;
    let teacher = app.token("teacher1").await;
    let today = school_today().date();
    let weekend = matches!(today.weekday(), Weekday::Saturday | Weekday::Sunday);
    // Register the most recent school day (today on a working day).
    let day = if weekend {
        previous_school_day()
    } else {
        today
    };

    // pupil1's illness is reported by staff for the day (a guardian may only report from today).
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/pupils/{pupil1}/absences"),
        json!({"from": day.to_string(), "reason": "illness"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, register) = app
        .api_get(
            Some(&teacher),
            &format!("/api/v1/classes/{class}/register?date={day}"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        register["sessions"],
        json!(["morning"]),
        "grade 0 in Denmark: the morning"
    );
    let row = |id: i64| {
        register["pupils"]
            .as_array()
            .expect("pupils")
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .expect("pupil in register")
    };
    assert_eq!(
        row(pupil1)["absence"],
        "illness",
        "reported absence is filled in"
    );
    assert!(row(pupil2)["absence"].is_null());

    // pupil2 is missing without a report: the guardians are told.
    let g2 = app.token("guardian2").await;
    let before: Vec<Value> = app.api_get(Some(&g2), "/api/v1/threads").await.1["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let (status, recorded) = post(
        &app,
        &teacher,
        &format!("/api/v1/classes/{class}/register"),
        json!({"date": day.to_string(), "session": "morning", "absent": [pupil1, pupil2]}),
    )
    .await;
    assert_eq!(status, 200, "{recorded}");
    assert_eq!(recorded["unreported"], json!([pupil2]));
    let after = app.api_get(Some(&g2), "/api/v1/threads").await.1["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(after.len(), before.len() + 1, "guardian2 has a message");
    assert_eq!(after[0]["kind"], "sensitive");
    // Marking again does not tell them twice.
    let (_, again) = post(
        &app,
        &teacher,
        &format!("/api/v1/classes/{class}/register"),
        json!({"date": day.to_string(), "session": "morning", "absent": [pupil1, pupil2]}),
    )
    .await;
    assert_eq!(again["unreported"], json!([]));

    // Bad input: a session the class does not have, a pupil of another class, a future day.
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/classes/{class}/register"),
        json!({"session": "last_lesson", "absent": []}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/classes/{class}/register"),
        json!({"session": "morning", "absent": [987654]}),
    )
    .await;
    assert_eq!(status, 422);
    let future = next_school_day();
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/classes/{class}/register"),
        json!({"date": future.to_string(), "session": "morning", "absent": []}),
    )
    .await;
    assert_eq!(status, 422, "a coming day is not marked yet");
    let (status, _) = app
        .api_get(
            Some(&teacher),
            &format!("/api/v1/classes/{class}/register?date={future}"),
        )
        .await;
    assert_eq!(status, 200, "but its reported absence can be seen");
    let (status, _) = app
        .api_get(
            Some(&teacher),
            &format!("/api/v1/classes/{class}/register?date=2099-01-05"),
        )
        .await;
    assert_eq!(status, 422, "beyond the school year");
    // Guardians do not take registers.
    let g1 = app.token("guardian1").await;
    let (status, _) = app
        .api_get(Some(&g1), &format!("/api/v1/classes/{class}/register"))
        .await;
    assert_eq!(status, 404);

    // The register page shows the same, as a form.
    let client = app.signed_in("teacher1").await;
    let html = client
        .get(app.url(&format!("/classes/{class}/register?date={day}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(html.contains(&format!("name=\"absent\" value=\"{pupil2}\" checked")));
    assert!(html.contains("Sygdom"), "the reported reason, in Danish");
}

async fn rates_raise_the_danish_flags(app: TestApp) {
    let pupil = app.id_of("pupil2").await.0;
    let teacher = app.token("teacher1").await;
    let path = format!("/api/v1/pupils/{pupil}/absences");
    let today = school_today().date();
    let (q_from, _) = skolebro_domain::calendar::quarter(today);
    let (y_from, _) = skolebro_domain::calendar::school_year(today);
    let from = q_from.max(y_from);
    let days = skolebro_domain::calendar::school_days(from, today, &Default::default());

    let (status, rates) = app
        .api_get(
            Some(&teacher),
            &format!("/api/v1/pupils/{pupil}/absence-rates"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rates["thresholds"]["warn_percent"], 10);
    assert_eq!(rates["thresholds"]["notify_percent"], 15);
    let quarter = &rates["periods"][0];
    assert_eq!(quarter["school_days"], days.len() as i64);
    assert_eq!(quarter["flags"], json!([]));
    if days.len() < 7 {
        // Too early in the quarter for a meaningful edge; the unit tests cover the levels.
        return;
    }
    // Unlawful absence on just under 10 % of the quarter's school days so far: no flag yet ...
    let n = days.len();
    let warn_days = n.div_ceil(10);
    for day in days.iter().take(warn_days - 1) {
        let (status, _) = post(
            &app,
            &teacher,
            &path,
            json!({"from": day.to_string(), "reason": "unlawful"}),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (_, rates) = app
        .api_get(
            Some(&teacher),
            &format!("/api/v1/pupils/{pupil}/absence-rates"),
        )
        .await;
    let below = (warn_days - 1) * 100 < n * 10;
    if below {
        assert_eq!(rates["periods"][0]["flags"], json!([]), "{rates}");
    }
    // ... one more day reaches it.
    let (status, _) = post(
        &app,
        &teacher,
        &path,
        json!({"from": days[warn_days - 1].to_string(), "reason": "unlawful"}),
    )
    .await;
    assert_eq!(status, 201);
    let (_, rates) = app
        .api_get(
            Some(&teacher),
            &format!("/api/v1/pupils/{pupil}/absence-rates"),
        )
        .await;
    assert!(
        rates["periods"][0]["flags"]
            .as_array()
            .expect("flags")
            .contains(&json!("warn_parents")),
        "{rates}"
    );
    let unlawful = rates["periods"][0]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == "unlawful")
        .cloned()
        .expect("unlawful");
    assert_eq!(unlawful["days"], warn_days as f64);

    // The leader's overview lists the pupil; the family sees the flag on the child's page.
    let leader = app.signed_in("leader1").await;
    let html = leader
        .get(app.url("/absence"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(html.contains(&format!("/pupils/{pupil}/absence")));
    let guardian = app.signed_in("guardian2").await;
    let html = guardian
        .get(app.url(&format!("/pupils/{pupil}/absence")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(html.contains("class=\"warning flag\""));

    // Holidays are not school days: marking every remaining day a holiday shrinks the count.
    let before = rates["periods"][0]["school_days"].as_i64().expect("days");
    let leader_client = app.signed_in("leader1").await;
    let page = leader_client
        .get(app.url("/settings/absence"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let csrf = common::csrf_of(&page);
    let r = leader_client
        .post(app.url("/settings/absence"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "add_holiday"),
            ("day", &days[n - 1].to_string()),
            ("name", "Planlægningsdag"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let (_, rates) = app
        .api_get(
            Some(&teacher),
            &format!("/api/v1/pupils/{pupil}/absence-rates"),
        )
        .await;
    assert_eq!(
        rates["periods"][0]["school_days"].as_i64(),
        Some(before - 1)
    );
}

async fn a_guardian_reports_on_the_page(app: TestApp) {
    let pupil = app.id_of("pupil1").await.0;
    let client = app.signed_in("guardian1").await;
    let path = format!("/pupils/{pupil}/absence");
    let page = client
        .get(app.url(&path))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let csrf = common::csrf_of(&page);
    let day = next_school_day().to_string();
    let r = client
        .post(app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", "illness"),
            ("from", day.as_str()),
            ("to", ""),
            ("part", ""),
            ("note", ""),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let page = client
        .get(app.url(&path))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains(&day));
    // A closed day comes back with the reason and the form as typed.
    let yesterday = previous_school_day().to_string();
    let r = client
        .post(app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", "illness"),
            ("from", yesterday.as_str()),
            ("to", ""),
            ("part", ""),
            ("note", "Tandlæge"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("body");
    assert!(page.contains("id=\"report-error\""));
    assert!(page.contains("Tandlæge"));
    // Without the CSRF token: refused.
    let r = client
        .post(app.url(&path))
        .form(&[("reason", "illness"), ("from", day.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
}

/// ABS-1: the school's own codes. Leaders add them, each counted in one category; staff give
/// them as the reason; guardians cannot; a code never shadows a built-in reason nor moves to
/// another category once reports may count in it.
async fn the_schools_own_codes(app: TestApp) {
    let leader = app.token("leader1").await;
    let teacher = app.token("teacher1").await;
    let g1 = app.token("guardian1").await;
    let pupil1 = app.id_of("pupil1").await.0;
    let (status, _) = post(
        &app,
        &leader,
        "/api/v1/absence-codes",
        json!({"code": "doctor", "label": "Lægebesøg", "category": "leave"}),
    )
    .await;
    assert_eq!(status, 204);
    for (body, field) in [
        (
            json!({"code": "illness", "label": "Syg", "category": "illness"}),
            "code",
        ),
        (
            json!({"code": "Læge", "label": "Syg", "category": "illness"}),
            "code",
        ),
        (
            json!({"code": "exam", "label": "Prøve", "category": "holiday"}),
            "category",
        ),
        (
            json!({"code": "exam", "label": "", "category": "leave"}),
            "label",
        ),
        (
            json!({"code": "exam", "label": "<b>x</b>\nline", "category": "leave"}),
            "label",
        ),
    ] {
        let (status, problem) = post(&app, &leader, "/api/v1/absence-codes", body).await;
        assert_eq!(status, 422, "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .starts_with(field),
            "{problem}"
        );
    }
    let (status, _) = post(
        &app,
        &leader,
        "/api/v1/absence-codes",
        json!({"code": "doctor", "label": "Læge", "category": "unlawful"}),
    )
    .await;
    assert_eq!(status, 409, "a code keeps its category");
    let (status, codes) = app.api_get(Some(&teacher), "/api/v1/absence-codes").await;
    assert_eq!(status, 200);
    assert_eq!(
        codes,
        json!([{"code": "doctor", "label": "Lægebesøg", "category": "leave"}])
    );
    let (status, _) = app.api_get(Some(&g1), "/api/v1/absence-codes").await;
    assert_eq!(status, 404);

    // Staff record with the code; it counts as granted leave.
    let day = previous_school_day().to_string();
    let (status, created) = post(
        &app,
        &teacher,
        &format!("/api/v1/pupils/{pupil1}/absences"),
        json!({"from": day, "reason": "doctor", "part": "morning"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let (_, reports) = app
        .api_get(Some(&teacher), &format!("/api/v1/pupils/{pupil1}/absences"))
        .await;
    let report = reports
        .as_array()
        .expect("reports")
        .iter()
        .find(|r| r["id"] == created["id"])
        .expect("the report")
        .clone();
    assert_eq!(report["reason"], "leave");
    assert_eq!(report["code"], "doctor");
    assert_eq!(report["leave_state"], "granted");
    // A guardian gives illness or leave only; an unknown code is refused for staff too.
    let (status, _) = post(
        &app,
        &g1,
        &format!("/api/v1/pupils/{pupil1}/absences"),
        json!({"from": next_school_day().to_string(), "reason": "doctor"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/pupils/{pupil1}/absences"),
        json!({"from": day, "reason": "dentist"}),
    )
    .await;
    assert_eq!(status, 422);
    // The settings page lists it for leaders.
    let page = app
        .signed_in("leader1")
        .await
        .get(app.url("/settings/absence"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Lægebesøg"));
}

/// A guardian withdraws their own report of today, never what the school recorded (issue 15:
/// a teacher's `unlawful` record was deleted by the guardian the same day).
async fn a_guardian_cannot_withdraw_the_schools_record(app: TestApp) {
    let pupil = app.id_of("pupil1").await.0;
    let teacher = app.token("teacher1").await;
    let g1 = app.token("guardian1").await;
    let path = format!("/api/v1/pupils/{pupil}/absences");
    let day = previous_school_day();
    let (status, created) = post(
        &app,
        &teacher,
        &path,
        json!({"from": day.to_string(), "reason": "unlawful"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (status, problem) = send(
        &app,
        &g1,
        reqwest::Method::DELETE,
        &format!("{path}/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("The school corrects its own records"),
        "{problem}"
    );
    // Nor on the page: the form is refused the same way, and the record stays.
    let browser = app.signed_in("guardian1").await;
    let page = browser
        .get(app.url(&format!("/pupils/{pupil}/absence")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        !page.contains(&format!("/absence/{id}/withdraw")),
        "no withdraw button for the school's record"
    );
    let response = browser
        .post(app.url(&format!("/pupils/{pupil}/absence/{id}/withdraw")))
        .header("accept-language", "en")
        .form(&[("csrf", common::csrf_of(&page))])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 409);
    let (_, list) = app.api_get(Some(&teacher), &path).await;
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .any(|r| r["id"] == id && r["reason"] == "unlawful"),
        "{list}"
    );
    // The school withdraws its own record.
    let (status, _) = send(
        &app,
        &teacher,
        reqwest::Method::DELETE,
        &format!("{path}/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
}

/// A pupil's reports are read 200 a page through the API, the next page's address in an
/// RFC 8288 `Link` header; no report is left out or read twice (issue 15 §2).
async fn long_absence_histories_are_read_a_page_at_a_time(app: TestApp) {
    let school = app.school_id().await;
    let pupil = app.id_of("pupil1").await;
    let guardian = app.id_of("guardian1").await;
    // 205 single days of earlier years, straight into the store (no request could make so
    // many in a test's time: reports are rate-limited).
    let mut day = Date::constant(2019, 1, 7);
    for _ in 0..205 {
        let days = [day];
        app.store
            .report_absence(&skolebro_store::absence::NewReport {
                school_id: school,
                pupil_id: pupil,
                reported_by: guardian,
                from: day,
                to: day,
                part: None,
                reason: skolebro_domain::absence::Reason::Illness,
                code: None,
                note: None,
                days: &days,
                replace: false,
            })
            .await
            .expect("report");
        day = day.tomorrow().expect("day");
    }
    let token = app.token("guardian1").await;
    let client = app.client();
    let get = |path: String| {
        let client = client.clone();
        let token = token.clone();
        let url = app.url(&path);
        async move {
            let r = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("get");
            let status = r.status().as_u16();
            let link = r
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (status, link, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, link, first) = get(format!("/api/v1/pupils/{}/absences", pupil.0)).await;
    assert_eq!(status, 200);
    let first = first.as_array().expect("a bare array").clone();
    assert_eq!(first.len(), 200);
    let link = link.expect("a Link header to the next page");
    let next = link
        .strip_prefix('<')
        .and_then(|l| l.split_once(">; rel=\"next\""))
        .map(|(url, _)| url.to_owned())
        .unwrap_or_else(|| panic!("RFC 8288: {link}"));
    let (status, link, rest) = get(next).await;
    assert_eq!(status, 200);
    assert_eq!(link, None, "the last page");
    let rest = rest.as_array().expect("array").clone();
    assert!(
        rest.len() >= 5,
        "the demo's own reports come too: {}",
        rest.len()
    );
    let mut ids: Vec<i64> = first
        .iter()
        .chain(&rest)
        .filter_map(|r| r["id"].as_i64())
        .collect();
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "no report twice");
    // Latest first day first, across the page break.
    let days: Vec<&str> = first
        .iter()
        .chain(&rest)
        .filter_map(|r| r["from"].as_str())
        .collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
    for bad in ["abc", "+20190107.5", "20190107", "2019.01.07"] {
        let (status, _, _) = get(format!("/api/v1/pupils/{}/absences?cursor={bad}", pupil.0)).await;
        assert_eq!(status, 400, "{bad}");
    }
}

on_both_databases!(
    long_absence_histories_are_read_a_page_at_a_time,
    a_guardian_cannot_withdraw_the_schools_record,
    the_schools_own_codes,
    guardians_report_and_correct_the_same_day,
    who_may_report_and_what_is_refused,
    the_register_shows_reports_and_tells_families_of_the_unreported,
    rates_raise_the_danish_flags,
    a_guardian_reports_on_the_page,
);

/// NO: the school registers per lesson when it sets a number of lessons (ABS-1). Absence from
/// the register is worked out from all of the day's marks: late for the first lesson is half a
/// day, away for the first half a day, and a lesson marked later never erases an earlier one.
async fn norway_registers_per_lesson(app: TestApp) {
    let class = class_of_pupil1(&app).await;
    let pupil2 = app.id_of("pupil2").await.0;
    let teacher = app.token("teacher1").await;
    let day = previous_school_day().to_string();
    let leader = app.signed_in("leader1").await;
    let page = leader
        .get(app.url("/settings/absence"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("id=\"register_lessons\""),
        "Norway offers lessons"
    );
    let csrf = common::csrf_of(&page);
    let set = |n: &'static str| {
        leader
            .post(app.url("/settings/absence"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("action", "lessons"),
                ("register_lessons", n),
            ])
            .send()
    };
    assert_eq!(set("11").await.expect("post").status(), 422, "at most 10");
    assert_eq!(set("4").await.expect("post").status(), 303);

    let register = || async {
        let (status, r) = app
            .api_get(
                Some(&teacher),
                &format!("/api/v1/classes/{class}/register?date={day}"),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        r
    };
    let r = register().await;
    assert_eq!(
        r["sessions"],
        json!(["lesson_1", "lesson_2", "lesson_3", "lesson_4"])
    );
    let half_days = |r: &Value| {
        r["pupils"]
            .as_array()
            .expect("pupils")
            .iter()
            .find(|p| p["id"] == pupil2)
            .expect("pupil2")["half_days"]
            .as_i64()
    };
    let mark = |session: &'static str, absent: Vec<i64>| {
        let body = json!({"date": day, "session": session, "absent": absent});
        let teacher = teacher.clone();
        let app = &app;
        async move {
            let (status, r) = post(
                app,
                &teacher,
                &format!("/api/v1/classes/{class}/register"),
                body,
            )
            .await;
            assert_eq!(status, 200, "{r}");
            r
        }
    };
    let r1 = mark("lesson_1", vec![pupil2]).await;
    assert_eq!(r1["unreported"], json!([pupil2]), "the family is told once");
    assert_eq!(half_days(&register().await), Some(1), "late: half a day");
    let r2 = mark("lesson_2", vec![pupil2]).await;
    assert_eq!(r2["unreported"], json!([]));
    assert_eq!(
        half_days(&register().await),
        Some(2),
        "away the first half: a day"
    );
    mark("lesson_3", vec![]).await;
    assert_eq!(
        half_days(&register().await),
        Some(2),
        "a later lesson erases nothing"
    );
    mark("lesson_1", vec![]).await;
    mark("lesson_2", vec![]).await;
    assert_eq!(
        half_days(&register().await),
        None,
        "corrected: present all day"
    );
    // The page labels the lessons by number.
    let page = app
        .signed_in("teacher1")
        .await
        .get(app.url(&format!("/classes/{class}/register?date={day}")))
        .header("accept-language", "en")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Lesson 4"), "lessons are named on the page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn norway_registers_per_lesson_on_sqlite() {
    let app = TestApp::spawn_with(
        common::Db::Sqlite,
        common::TEST_PUPILS,
        skolebro_domain::Country::No,
    )
    .await
    .expect("SQLite test app");
    norway_registers_per_lesson(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn norway_registers_per_lesson_on_postgres() {
    match TestApp::spawn_with(
        common::Db::Postgres,
        common::TEST_PUPILS,
        skolebro_domain::Country::No,
    )
    .await
    {
        Some(app) => norway_registers_per_lesson(app).await,
        None => eprintln!("skipped: lessons on PostgreSQL (set SKOLEBRO_TEST_DATABASE_URL)"),
    }
}
