//! Cases as families and staff meet them (ABS-3, ABS-4, WEL-1): a guardian's concern with the
//! duty to act on bullying, the answer the guardian reads, a worrying-absence case with its
//! coordinator, contact plan, check-ins, contacts, classmates agreement and closing, a crisis
//! case with the school's checklist, who is refused (403) and who is told nothing (404), the
//! audit trail, and bad input. HTTP against the real app, on both databases.

mod common;

use common::api::{post, put};
use common::TestApp;
use jiff::civil::Date;
use jiff::ToSpan;
use serde_json::{json, Value};
use skolebro_domain::calendar::{add_working_days, Holidays};
use skolebro_domain::cases::ConcernTopic;
use skolebro_domain::{PersonId, SchoolId};
use skolebro_store::cases::NewConcern;

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// Posts a form with the CSRF token of the viewer's profile page; returns status, location,
/// body.
async fn form(
    client: &reqwest::Client,
    app: &TestApp,
    to: &str,
    fields: &[(&str, String)],
) -> (u16, String, String) {
    let (_, html) = page(client, app, "/profile").await;
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

fn today() -> Date {
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").expect("zone");
    skolebro_domain::calendar::today(skolebro_store::clock::now(), &tz)
}

fn shown(day: Date) -> String {
    day.strftime("%d.%m.%Y").to_string()
}

async fn school(app: &TestApp) -> SchoolId {
    app.store
        .first_school()
        .await
        .expect("school")
        .expect("exists")
        .id
}

/// A teacher of the school who does not teach `pupil`, and a subject (not contact) teacher who
/// does.
async fn teachers_around(app: &TestApp, pupil: PersonId) -> (String, String) {
    let detail = app
        .store
        .pupil_detail(school(app).await, pupil)
        .await
        .expect("pupil")
        .expect("exists");
    let class = detail.classes[0].id;
    let subject = detail
        .staff
        .iter()
        .find(|s| !s.contact_teacher && s.class_id == class)
        .expect("a subject teacher")
        .person
        .id;
    let staff: Vec<PersonId> = detail.staff.iter().map(|s| s.person.id).collect();
    let mut outsider = None;
    let mut subject_name = None;
    for n in 1..60 {
        let name = format!("teacher{n}");
        if let Some(id) = app.store.person_by_username(&name).await.expect("lookup") {
            if id == subject {
                subject_name = Some(name.clone());
            }
            if outsider.is_none() && !staff.contains(&id) {
                outsider = Some(name);
            }
        }
    }
    (
        outsider.expect("a teacher outside the class"),
        subject_name.expect("the subject teacher's account"),
    )
}

async fn audit_actions(app: &TestApp, case: i64) -> Vec<(Option<i64>, String, Option<String>)> {
    app.store
        .audit_of(school(app).await, "case", case, 200)
        .await
        .expect("audit")
        .into_iter()
        .map(|a| (a.actor_id.map(|p| p.0), a.action, a.detail))
        .collect()
}

async fn guardian_raises_a_bullying_concern_staff_see_it_with_the_deadline(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let teacher = app.token("teacher1").await;
    let leader = app.token("leader1").await;
    let pupil = app.id_of("pupil1").await.0;

    let (status, created) = post(
        &app,
        &guardian,
        &format!("/api/v1/pupils/{pupil}/concerns"),
        json!({"topic": "bullying", "text": "Ida bliver holdt udenfor i frikvartererne og kaldt grimme ting."}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    // DK: a written action plan within 10 working days.
    let due = add_working_days(today(), 10, &Holidays::new());
    assert_eq!(created["duty_due"], due.to_string());

    // The contact teacher sees it waiting for an answer, with the deadline.
    let (status, list) = app.api_get(Some(&teacher), "/api/v1/cases").await;
    assert_eq!(status, 200);
    let line = list["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == id)
        .expect("the concern is listed for the contact teacher")
        .clone();
    assert_eq!(line["kind"], "concern");
    assert_eq!(line["topic"], "bullying");
    assert_eq!(line["answered"], false);
    assert_eq!(line["duty_due"], due.to_string());
    assert_eq!(line["duty_state"], "open");
    assert!(list["duties"]
        .as_array()
        .expect("duties")
        .iter()
        .any(|d| d["id"] == id));

    let (status, concern) = app
        .api_get(Some(&teacher), &format!("/api/v1/concerns/{id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        concern["text"],
        "Ida bliver holdt udenfor i frikvartererne og kaldt grimme ting."
    );
    assert_eq!(concern["duty"]["due"], due.to_string());
    assert_eq!(concern["duty"]["state"], "open");
    assert_eq!(concern["duty"]["working_days"], 10);
    assert_eq!(concern["duty"]["statutory"], true);
    assert!(concern["duty"]["sections"]
        .as_array()
        .expect("sections")
        .contains(&json!("interim")));

    // The leader too, on the list page and the case page, with the deadline as people write it.
    let client = app.signed_in("leader1").await;
    let (status, html) = page(&client, &app, "/cases").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("/cases/{id}")), "{html}");
    assert!(html.contains(&shown(due)));
    let (status, html) = page(&client, &app, &format!("/cases/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Ida bliver holdt udenfor"));
    assert!(html.contains(&shown(due)));
    assert!(html.contains("id=\"duty\""), "the plan form for the leader");
    let (status, _) = app
        .api_get(Some(&leader), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(status, 200);

    // Another family: the concern does not exist for them, nor may they raise one about pupil1.
    let other = app.token("guardian2").await;
    for path in [
        format!("/api/v1/concerns/{id}"),
        format!("/api/v1/cases/{id}"),
    ] {
        assert_eq!(app.api_get(Some(&other), &path).await.0, 404, "{path}");
    }
    let (status, _) = post(
        &app,
        &other,
        &format!("/api/v1/concerns/{id}/answer"),
        json!({"body": "Hej"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &app,
        &other,
        &format!("/api/v1/pupils/{pupil}/concerns"),
        json!({"topic": "other", "text": "Hej"}),
    )
    .await;
    assert_eq!(status, 404);
    let other_page = app.signed_in("guardian2").await;
    assert_eq!(
        page(&other_page, &app, &format!("/cases/{id}")).await.0,
        404
    );

    // Raised, read by the teacher and the leader: all in the audit log.
    let guardian_id = app.id_of("guardian1").await.0;
    let teacher_id = app.id_of("teacher1").await.0;
    let audit = audit_actions(&app, id).await;
    assert!(audit
        .iter()
        .any(|(who, what, _)| *who == Some(guardian_id) && what == "create"));
    assert!(audit
        .iter()
        .any(|(who, what, _)| *who == Some(teacher_id) && what == "read"));
    let leader_id = app.id_of("leader1").await.0;
    assert!(
        audit
            .iter()
            .filter(|(who, what, _)| *who == Some(leader_id) && what == "read")
            .count()
            >= 2
    );
}

async fn an_answered_concern_shows_to_the_guardian_without_internal_notes(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let teacher = app.token("teacher1").await;
    let pupil = app.id_of("pupil1").await.0;
    let (status, created) = post(
        &app,
        &guardian,
        &format!("/api/v1/pupils/{pupil}/concerns"),
        json!({"topic": "wellbeing", "text": "Ida sover dårligt og vil ikke i skole om mandagen."}),
    )
    .await;
    assert_eq!(status, 201);
    assert!(created["duty_due"].is_null(), "wellbeing starts no duty");
    let id = created["id"].as_i64().expect("id");

    let (_, concern) = app
        .api_get(Some(&guardian), &format!("/api/v1/concerns/{id}"))
        .await;
    assert_eq!(concern["answered"], false);
    assert!(concern["duty"].is_null());
    let client = app.signed_in("guardian1").await;
    let (status, html) = page(&client, &app, &format!("/cases/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"no-answer\""));

    // The teacher notes something internal, then answers.
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/notes"),
        json!({"body": "Internt: tal med AKT-vejlederen."}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, answered) = post(
        &app,
        &teacher,
        &format!("/api/v1/concerns/{id}/answer"),
        json!({"body": "Tak for beskeden. Lad os tale sammen torsdag kl. 14."}),
    )
    .await;
    assert_eq!(status, 201, "{answered}");

    let (_, concern) = app
        .api_get(Some(&guardian), &format!("/api/v1/concerns/{id}"))
        .await;
    assert_eq!(concern["answered"], true);
    assert_eq!(
        concern["answers"][0]["body"],
        "Tak for beskeden. Lad os tale sammen torsdag kl. 14."
    );
    assert_eq!(
        concern["answers"][0]["author"]["id"],
        app.id_of("teacher1").await.0
    );
    // The guardian's view of the whole case has no internal parts.
    let (status, case) = app
        .api_get(Some(&guardian), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(case["notes"], json!([]));
    assert!(case["coordinator"].is_null());
    let (_, html) = page(&client, &app, &format!("/cases/{id}")).await;
    assert!(html.contains("Lad os tale sammen torsdag"));
    assert!(
        !html.contains("AKT-vejlederen"),
        "internal notes stay internal"
    );
    assert!(
        !html.contains("action=\"/concerns/"),
        "no staff forms for the guardian"
    );
    // The staff still see the note.
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["notes"][0]["body"], "Internt: tal med AKT-vejlederen.");
    assert_eq!(case["coordinator"]["id"], app.id_of("teacher1").await.0);

    // The guardian may not answer for the school: they know of it, so 403.
    let (status, problem) = post(
        &app,
        &guardian,
        &format!("/api/v1/concerns/{id}/answer"),
        json!({"body": "Selvsvar"}),
    )
    .await;
    assert_eq!(status, 403);
    // Asked for in English, as an integration does.
    assert!(problem["detail"]
        .as_str()
        .expect("detail")
        .contains("one of this case's people"));

    // Answered: off the list of waiting concerns; closing it makes it read-only.
    let (_, list) = app.api_get(Some(&teacher), "/api/v1/cases").await;
    let line = list["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == id)
        .expect("listed")
        .clone();
    assert_eq!(line["answered"], true);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/close"),
        json!({"reason": "resolved", "note": "Aftalt opfølgning ved skole-hjem-samtalen."}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/concerns/{id}/answer"),
        json!({"body": "Et svar mere"}),
    )
    .await;
    assert_eq!(status, 409);
    let (_, concern) = app
        .api_get(Some(&guardian), &format!("/api/v1/concerns/{id}"))
        .await;
    assert_eq!(concern["status"], "closed");
    // The guardian's own list shows it.
    let (_, mine) = app.api_get(Some(&guardian), "/api/v1/cases").await;
    assert!(mine["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .any(|c| c["id"] == id && c["status"] == "closed"));
}

async fn an_overdue_duty_is_flagged_until_the_plan_is_written(app: TestApp) {
    let school_id = school(&app).await;
    let pupil = app.id_of("pupil1").await;
    let guardian_id = app.id_of("guardian1").await;
    let teacher_id = app.id_of("teacher1").await;
    // A concern about an unsafe environment raised three weeks ago, its deadline passed.
    let raised = today().checked_sub(21.days()).expect("date");
    let due = add_working_days(raised, 10, &Holidays::new());
    let id = app
        .store
        .create_concern(&NewConcern {
            school_id,
            pupil_id: pupil,
            guardian: guardian_id,
            topic: ConcernTopic::UnsafeCommunity,
            text: "Der er uro og hårde ord i klassen hver dag.",
            raised_on: raised,
            duty_due: Some(due),
            owner: Some(teacher_id),
        })
        .await
        .expect("concern");
    let leader = app.token("leader1").await;
    let teacher = app.token("teacher1").await;
    let (_, list) = app.api_get(Some(&leader), "/api/v1/cases").await;
    let duty = list["duties"]
        .as_array()
        .expect("duties")
        .iter()
        .find(|d| d["id"] == id)
        .expect("the open duty is listed for the leader")
        .clone();
    assert_eq!(duty["duty_state"], "overdue");
    assert_eq!(duty["duty_due"], due.to_string());
    // On the leader's page, in the overdue section.
    let client = app.signed_in("leader1").await;
    let (_, html) = page(&client, &app, "/cases").await;
    let overdue = &html[html.find("id=\"overdue\"").expect("overdue section")
        ..html.find("id=\"waiting\"").expect("waiting section")];
    assert!(overdue.contains(&format!("/cases/{id}")), "{overdue}");

    // It cannot be closed away: answered or not, the plan comes first.
    let (status, problem) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/close"),
        json!({"reason": "resolved"}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(problem["detail"]
        .as_str()
        .expect("detail")
        .contains("reason"));
    post(
        &app,
        &teacher,
        &format!("/api/v1/concerns/{id}/answer"),
        json!({"body": "Vi går i gang med det samme."}),
    )
    .await;
    let (status, problem) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/close"),
        json!({"reason": "resolved"}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(problem["detail"]
        .as_str()
        .expect("detail")
        .contains("written plan"));

    // A Danish plan needs interim measures; the missing section is named.
    let plan = json!({"problem": "Hårde ord og uro i klassen", "measures": "Klassemøder og gårdvagt",
                      "when": "Fra mandag i fire uger"});
    let (status, problem) = put(&app, &teacher, &format!("/api/v1/concerns/{id}/plan"), plan).await;
    assert_eq!(status, 422);
    let detail = problem["detail"].as_str().expect("detail");
    assert!(
        detail.contains("plan") && detail.contains("interim"),
        "{detail}"
    );
    let plan = json!({"problem": "Hårde ord og uro i klassen", "measures": "Klassemøder og gårdvagt",
                      "when": "Fra mandag i fire uger", "interim": "En voksen i frikvartererne"});
    let (status, _) = put(&app, &teacher, &format!("/api/v1/concerns/{id}/plan"), plan).await;
    assert_eq!(status, 204);

    let (_, concern) = app
        .api_get(Some(&teacher), &format!("/api/v1/concerns/{id}"))
        .await;
    assert_eq!(concern["duty"]["state"], "met_late");
    assert_eq!(concern["duty"]["plan_written_on"], today().to_string());
    assert_eq!(
        concern["duty"]["plan"]["interim"],
        "En voksen i frikvartererne"
    );
    // The guardian sees that the plan was made, not its contents.
    let guardian = app.token("guardian1").await;
    let (_, concern) = app
        .api_get(Some(&guardian), &format!("/api/v1/concerns/{id}"))
        .await;
    assert_eq!(concern["duty"]["plan_written_on"], today().to_string());
    assert!(concern["duty"]["plan"].is_null());
    // No longer overdue for the leader; and now it may close.
    let (_, list) = app.api_get(Some(&leader), "/api/v1/cases").await;
    assert!(!list["duties"]
        .as_array()
        .expect("duties")
        .iter()
        .any(|d| d["id"] == id));
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/close"),
        json!({"reason": "resolved"}),
    )
    .await;
    assert_eq!(status, 204);
}

async fn a_worrying_absence_case_runs_from_coordinator_to_closing(app: TestApp) {
    let pupil = app.id_of("pupil2").await.0;
    let teacher_id = app.id_of("teacher1").await.0;
    let client = app.signed_in("teacher1").await;
    let (status, html) = page(&client, &app, &format!("/pupils/{pupil}/cases")).await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"summary\""));
    let (status, location, _) = form(
        &client,
        &app,
        &format!("/pupils/{pupil}/cases"),
        &[
            ("kind", "absence".into()),
            ("coordinator", teacher_id.to_string()),
            (
                "summary",
                "Bekymrende fravær: 12 % ulovligt fravær i kvartalet.".into(),
            ),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let id: i64 = location
        .strip_prefix("/cases/")
        .and_then(|s| s.parse().ok())
        .expect("a case address");

    // The leader appoints the coordinator (tovholder).
    let leader = app.token("leader1").await;
    let teacher = app.token("teacher1").await;
    let (status, _) = post(
        &app,
        &leader,
        &format!("/api/v1/cases/{id}/coordinator"),
        json!({"person_id": teacher_id}),
    )
    .await;
    assert_eq!(status, 204);

    // The contact plan: the family weekly by phone from a week ago (due today), the pupil every
    // three days from ten days ago (overdue).
    let week_ago = today().checked_sub(7.days()).expect("date");
    let (status, location, _) = form(
        &client,
        &app,
        &format!("/cases/{id}/plan"),
        &[
            ("contact_by", teacher_id.to_string()),
            ("whom", "family".into()),
            ("every_days", "7".into()),
            ("channel", "phone".into()),
            ("starts_on", week_ago.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/cases/{id}#plan"));
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/plan"),
        json!({"contact_by": teacher_id, "whom": "pupil", "every_days": 3, "channel": "home_visit",
               "starts_on": today().checked_sub(10.days()).expect("date").to_string()}),
    )
    .await;
    assert_eq!(status, 201);

    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["coordinator"]["id"], teacher_id);
    assert_eq!(case["contact_plan"][0]["next_due"], today().to_string());
    assert_eq!(case["contact_plan"][0]["check_in"], "due");
    assert_eq!(case["contact_plan"][1]["check_in"], "overdue");
    // The coordinator's list shows both check-ins, the overdue one first.
    let (_, list) = app.api_get(Some(&teacher), "/api/v1/cases").await;
    let check_ins: Vec<&Value> = list["check_ins"]
        .as_array()
        .expect("check-ins")
        .iter()
        .filter(|c| c["case_id"] == id)
        .collect();
    assert_eq!(check_ins.len(), 2);
    assert_eq!(check_ins[0]["state"], "overdue");
    assert_eq!(check_ins[1]["state"], "due");
    let (_, html) = page(&client, &app, "/cases").await;
    let section = &html[html.find("id=\"check-ins\"").expect("check-ins")..];
    assert!(section.contains(&format!("/cases/{id}#contacts")));

    // A phone call with the family is logged; the next check-in moves a week on.
    let (status, location, _) = form(
        &client,
        &app,
        &format!("/cases/{id}/contacts"),
        &[
            ("happened_on", today().to_string()),
            ("whom", "family".into()),
            ("channel", "phone".into()),
            ("plan_entry_id", String::new()),
            (
                "note",
                "Talte med mor. Ida kommer i morgen til første time.".into(),
            ),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/cases/{id}#contacts"));
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(
        case["contacts"][0]["note"],
        "Talte med mor. Ida kommer i morgen til første time."
    );
    assert_eq!(
        case["contact_plan"][0]["next_due"],
        today().checked_add(7.days()).expect("date").to_string()
    );
    assert_eq!(case["contact_plan"][0]["check_in"], "later");
    assert_eq!(case["contact_plan"][1]["check_in"], "overdue");

    // What the class may be told, agreed with the family.
    let (status, _, _) = form(
        &client,
        &app,
        &format!("/cases/{id}/agreement"),
        &[(
            "agreement",
            "Klassen må vide, at Ida er syg en periode og glæder sig til at komme tilbage.".into(),
        )],
    )
    .await;
    assert_eq!(status, 303);
    let (status, html) = page(&client, &app, &format!("/cases/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("glæder sig til at komme tilbage"));
    assert!(html.contains("Talte med mor"));

    // Closed because attendance improved; after that the case is read-only.
    let (status, location, _) = form(
        &client,
        &app,
        &format!("/cases/{id}/close"),
        &[
            ("reason", "attendance_improved".into()),
            ("note", "Fuldt fremmøde i tre uger.".into()),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["status"], "closed");
    assert_eq!(case["closed"]["reason"], "attendance_improved");
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/contacts"),
        json!({"whom": "family", "channel": "phone", "note": "For sent"}),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _, html) = form(
        &client,
        &app,
        &format!("/cases/{id}/notes"),
        &[("body", "For sent".into())],
    )
    .await;
    assert_eq!(status, 409);
    assert!(html.contains("role=\"alert\""));
    // Closing again changes nothing.
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/close"),
        json!({"reason": "other"}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["closed"]["reason"], "attendance_improved");
    // No longer on the coordinator's list of check-ins.
    let (_, list) = app.api_get(Some(&teacher), "/api/v1/cases").await;
    assert!(!list["check_ins"]
        .as_array()
        .expect("check-ins")
        .iter()
        .any(|c| c["case_id"] == id));

    // Every change and read is in the audit log.
    let audit = audit_actions(&app, id).await;
    let details: Vec<String> = audit.iter().filter_map(|(_, _, d)| d.clone()).collect();
    assert!(audit.iter().any(|(_, a, _)| a == "create"));
    assert!(audit.iter().any(|(_, a, _)| a == "read"));
    for wanted in [
        "coordinator",
        "contact plan entry",
        "logged",
        "classmates agreement",
        "closed: attendance_improved",
    ] {
        assert!(
            details.iter().any(|d| d.contains(wanted)),
            "{wanted} in {details:?}"
        );
    }
}

async fn a_crisis_case_follows_the_schools_checklist(app: TestApp) {
    let leader = app.token("leader1").await;
    let teacher = app.token("teacher1").await;
    let pupil = app.id_of("pupil3").await.0;

    // The school writes its own routine for a death; the others stay the defaults.
    let (status, _) = put(
        &app,
        &leader,
        "/api/v1/checklists",
        json!({"crisis_type": "death", "items": [
            "Ring til familien samme dag",
            "Aftal med familien, hvad klassen må vide",
            "Fortæl klassen det i første time"
        ]}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, lists) = app.api_get(Some(&leader), "/api/v1/checklists").await;
    let death = lists
        .as_array()
        .expect("lists")
        .iter()
        .find(|l| l["crisis_type"] == "death")
        .expect("death")
        .clone();
    assert_eq!(death["custom"], true);
    assert_eq!(death["items"][2], "Fortæl klassen det i første time");
    // Teachers do not edit the school's routines.
    assert_eq!(
        app.api_get(Some(&teacher), "/api/v1/checklists").await.0,
        404
    );

    let (status, created) = post(
        &app,
        &teacher,
        &format!("/api/v1/pupils/{pupil}/cases"),
        json!({"kind": "crisis", "crisis_type": "death", "summary": "Elevens far er død."}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["crisis_type"], "death");
    assert_eq!(case["checklist"].as_array().expect("checklist").len(), 3);
    assert_eq!(case["checklist"][0]["text"], "Ring til familien samme dag");
    assert_eq!(case["checklist"][0]["done"], false);

    // The page reminds the staff to keep messages short, precise and repeated.
    let client = app.signed_in("teacher1").await;
    let (_, html) = page(&client, &app, &format!("/pupils/{pupil}/cases?kind=crisis")).await;
    assert!(
        html.contains("value=\"crisis\" checked"),
        "a link may preset the kind"
    );
    let (_, html) = page(&client, &app, &format!("/cases/{id}")).await;
    assert!(html.contains("id=\"reminder\""));
    assert!(html.contains("korte, præcise"), "the reminder in Danish");

    // Ticking records who and when.
    let (status, location, _) = form(
        &client,
        &app,
        &format!("/cases/{id}/checklist"),
        &[("item", "1".into()), ("done", "1".into())],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/cases/{id}#checklist"));
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["checklist"][0]["done"], true);
    assert_eq!(
        case["checklist"][0]["done_by"]["id"],
        app.id_of("teacher1").await.0
    );
    assert!(case["checklist"][0]["done_at"].is_string());
    let (status, problem) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/checklist"),
        json!({"item": 99}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(problem["detail"].as_str().expect("detail").contains("item"));

    // Escalation to the leadership and to PPR is a recorded step.
    for target in ["leadership", "support"] {
        let (status, _) = post(
            &app,
            &teacher,
            &format!("/api/v1/cases/{id}/escalations"),
            json!({"target": target, "note": "Familien har brug for mere støtte."}),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["escalations"][0]["target"], "leadership");
    assert_eq!(case["escalations"][1]["to"], "PPR");
    let (_, html) = page(&client, &app, &format!("/cases/{id}")).await;
    assert!(html.contains("PPR"));

    // A divorce starts from the default routine in the school's language.
    let (status, created) = post(
        &app,
        &teacher,
        &format!("/api/v1/pupils/{pupil}/cases"),
        json!({"kind": "crisis", "crisis_type": "divorce", "summary": "Forældrene er gået fra hinanden."}),
    )
    .await;
    assert_eq!(status, 201);
    let (_, case) = app
        .api_get(
            Some(&teacher),
            &format!("/api/v1/cases/{}", created["id"].as_i64().expect("id")),
        )
        .await;
    assert!(case["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .any(|c| c["text"]
            .as_str()
            .is_some_and(|t| t.contains("begge forældre"))));

    // The leader's page for the routines shows the school's own list.
    let leader_page = app.signed_in("leader1").await;
    let (status, html) = page(&leader_page, &app, "/settings/checklists").await;
    assert_eq!(status, 200);
    assert!(html.contains("Fortæl klassen det i første time"));
    let (status, location, _) = form(
        &leader_page,
        &app,
        "/settings/checklists",
        &[
            ("crisis_type", "other".into()),
            ("items", "Ring hjem\nAftal opfølgning".into()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/settings/checklists?saved=other");
    // Open cases keep their own copy.
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["checklist"].as_array().expect("checklist").len(), 3);
}

async fn people_outside_a_case_are_refused_or_told_nothing(app: TestApp) {
    let pupil = app.id_of("pupil1").await;
    let teacher = app.token("teacher1").await;
    let (status, created) = post(
        &app,
        &teacher,
        &format!("/api/v1/pupils/{}/cases", pupil.0),
        json!({"kind": "absence", "summary": "Fravær hver mandag."}),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_i64().expect("id");
    let (outsider_name, subject_name) = teachers_around(&app, pupil).await;

    // A teacher without a link to the pupil: the case is not theirs to read (404), and a change
    // is refused with 403 and a clear reason; nothing is stored.
    let outsider = app.token(&outsider_name).await;
    assert_eq!(
        app.api_get(Some(&outsider), &format!("/api/v1/cases/{id}"))
            .await
            .0,
        404
    );
    let (status, problem) = post(
        &app,
        &outsider,
        &format!("/api/v1/cases/{id}/notes"),
        json!({"body": "Jeg kigger lige med"}),
    )
    .await;
    assert_eq!(status, 403);
    assert!(problem["detail"]
        .as_str()
        .expect("detail")
        .contains("one of this case's people"));
    let outsider_page = app.signed_in(&outsider_name).await;
    let (status, _, html) = form(
        &outsider_page,
        &app,
        &format!("/cases/{id}/notes"),
        &[("body", "Jeg kigger lige med".into())],
    )
    .await;
    assert_eq!(status, 403);
    assert!(html.contains("tovholderen"), "the refusal says why");
    assert_eq!(
        page(&outsider_page, &app, &format!("/cases/{id}")).await.0,
        404
    );
    // Nor may they open a case about a pupil they do not teach.
    let (status, _) = post(
        &app,
        &outsider,
        &format!("/api/v1/pupils/{}/cases", pupil.0),
        json!({"kind": "absence", "summary": "x"}),
    )
    .await;
    assert_eq!(status, 404);

    // The pupil's subject teacher is not one of the case's people until the case names them.
    let subject = app.token(&subject_name).await;
    let subject_id = app.id_of(&subject_name).await.0;
    assert_eq!(
        app.api_get(Some(&subject), &format!("/api/v1/cases/{id}"))
            .await
            .0,
        404
    );
    let (status, _) = post(
        &app,
        &subject,
        &format!("/api/v1/cases/{id}/close"),
        json!({"reason": "other"}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/plan"),
        json!({"contact_by": subject_id, "whom": "pupil", "every_days": 7, "channel": "meeting"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        app.api_get(Some(&subject), &format!("/api/v1/cases/{id}"))
            .await
            .0,
        200,
        "a contact person of the plan reads the case"
    );

    // Families and pupils are told nothing, not even that it exists.
    for who in ["guardian1", "guardian2", "pupil1"] {
        let token = app.token(who).await;
        assert_eq!(
            app.api_get(Some(&token), &format!("/api/v1/cases/{id}"))
                .await
                .0,
            404,
            "{who}"
        );
        let (status, _) = post(
            &app,
            &token,
            &format!("/api/v1/cases/{id}/notes"),
            json!({"body": "x"}),
        )
        .await;
        assert_eq!(status, 404, "{who}");
    }
    // A case id of another school does not exist, even for that school's leader.
    let other = app
        .store
        .create_school("Fjordskolen", skolebro_domain::Country::No)
        .await
        .expect("school");
    app.store
        .add_user(
            other,
            &skolebro_store::admin::NewUser {
                username: "fremmed".into(),
                given_name: "Frida".into(),
                family_name: "Fremmed".into(),
                email: None,
                roles: vec![skolebro_domain::Role::Leader, skolebro_domain::Role::Staff],
                password: common::PASSWORD.into(),
            },
        )
        .await
        .expect("user");
    let stranger = app.token("fremmed").await;
    assert_eq!(
        app.api_get(Some(&stranger), &format!("/api/v1/cases/{id}"))
            .await
            .0,
        404
    );
    let (status, _) = post(
        &app,
        &stranger,
        &format!("/api/v1/cases/{id}/notes"),
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(status, 404);

    // Nothing the refused wrote was stored; the refusals read nothing either.
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["notes"], json!([]));
    assert_eq!(case["status"], "open");
    let outsider_id = app.id_of(&outsider_name).await.0;
    assert!(!audit_actions(&app, id)
        .await
        .iter()
        .any(|(who, _, _)| *who == Some(outsider_id)));
}

async fn bad_input_is_refused_with_the_field_named_and_nothing_stored(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let pupil = app.id_of("pupil1").await.0;
    let concerns = format!("/api/v1/pupils/{pupil}/concerns");
    for (body, field) in [
        (json!({"topic": "bullying", "text": "   "}), "text"),
        (json!({"topic": "teasing", "text": "Hej"}), "topic"),
        (
            json!({"topic": "bullying", "text": "x".repeat(4001)}),
            "text",
        ),
        (json!({"topic": "bullying", "text": "a\u{0}b"}), "text"),
        (json!({"text": "Hej"}), "topic"),
    ] {
        let (status, problem) = post(&app, &guardian, &concerns, body.clone()).await;
        assert_eq!(status, 422, "{body}");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.starts_with(field), "{detail} names {field}");
    }
    let (_, mine) = app.api_get(Some(&guardian), "/api/v1/cases").await;
    assert_eq!(mine["cases"], json!([]), "nothing was registered");

    // The page names the field in Danish and keeps what was typed.
    let client = app.signed_in("guardian1").await;
    let (status, _, html) = form(
        &client,
        &app,
        &format!("/pupils/{pupil}/concerns"),
        &[("topic", "unsafe_community".into()), ("text", " ".into())],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Din bekymring: feltet er tomt."), "{html}");
    assert!(html.contains("value=\"unsafe_community\" checked"));
    // An information-only guardian cannot raise one (PEO-2): 404.
    let pupil4 = app.id_of("pupil4").await;
    let detail = app
        .store
        .pupil_detail(school(&app).await, pupil4)
        .await
        .expect("pupil")
        .expect("exists");
    let info = detail
        .guardians
        .iter()
        .find(|g| g.access == skolebro_domain::Access::Info)
        .expect("info guardian");
    let info_name = app
        .store
        .me(info.person.id)
        .await
        .expect("me")
        .username
        .expect("account");
    let info_token = app.token(&info_name).await;
    let (status, _) = post(
        &app,
        &info_token,
        &format!("/api/v1/pupils/{}/concerns", pupil4.0),
        json!({"topic": "wellbeing", "text": "Hej"}),
    )
    .await;
    assert_eq!(status, 404);

    // Staff input.
    let teacher = app.token("teacher1").await;
    let open = format!("/api/v1/pupils/{pupil}/cases");
    for (body, field) in [
        (json!({"kind": "concern", "summary": "x"}), "kind"),
        (json!({"kind": "absence", "summary": ""}), "summary"),
        (
            json!({"kind": "crisis", "crisis_type": "flood", "summary": "x"}),
            "crisis_type",
        ),
        (
            json!({"kind": "absence", "summary": "x", "coordinator_id": app.id_of("guardian1").await.0}),
            "coordinator",
        ),
    ] {
        let (status, problem) = post(&app, &teacher, &open, body.clone()).await;
        assert_eq!(status, 422, "{body}");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.starts_with(field), "{detail} names {field}");
    }
    let (status, created) = post(
        &app,
        &teacher,
        &open,
        json!({"kind": "absence", "summary": "Fravær"}),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_i64().expect("id");
    let tomorrow = today().checked_add(1.days()).expect("date").to_string();
    let far_ahead = today().checked_add(400.days()).expect("date").to_string();
    let contacts = format!("/api/v1/cases/{id}/contacts");
    for (body, field) in [
        (
            json!({"happened_on": tomorrow, "whom": "family", "channel": "phone", "note": "x"}),
            "happened_on",
        ),
        (
            json!({"happened_on": "2020-01-01", "whom": "family", "channel": "phone", "note": "x"}),
            "happened_on",
        ),
        (
            json!({"happened_on": "31-12-2025", "whom": "family", "channel": "phone", "note": "x"}),
            "happened_on",
        ),
        (
            json!({"whom": "family", "channel": "fax", "note": "x"}),
            "channel",
        ),
        (
            json!({"whom": "neighbours", "channel": "phone", "note": "x"}),
            "whom",
        ),
        (
            json!({"whom": "family", "channel": "phone", "note": ""}),
            "note",
        ),
        (
            json!({"whom": "family", "channel": "phone", "note": "x".repeat(4001)}),
            "note",
        ),
        (
            json!({"whom": "family", "channel": "phone", "note": "x", "plan_entry_id": 999999}),
            "plan_entry_id",
        ),
    ] {
        let (status, problem) = post(&app, &teacher, &contacts, body.clone()).await;
        assert_eq!(status, 422, "{body}");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.starts_with(field), "{detail} names {field}");
    }
    let plan = format!("/api/v1/cases/{id}/plan");
    for (body, field) in [
        (
            json!({"whom": "family", "every_days": 0, "channel": "phone"}),
            "every_days",
        ),
        (
            json!({"whom": "family", "every_days": 91, "channel": "phone"}),
            "every_days",
        ),
        (
            json!({"whom": "family", "every_days": 7, "channel": "phone", "starts_on": far_ahead}),
            "starts_on",
        ),
        (
            json!({"whom": "family", "every_days": 7, "channel": "phone", "contact_by": pupil}),
            "contact_by",
        ),
    ] {
        let (status, problem) = post(&app, &teacher, &plan, body.clone()).await;
        assert_eq!(status, 422, "{body}");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.starts_with(field), "{detail} names {field}");
    }
    for (body, field) in [
        (json!({"reason": "bored"}), "reason"),
        (json!({"reason": "resolved"}), "reason"),
        (json!({"reason": "other", "note": "x".repeat(4001)}), "note"),
    ] {
        let (status, problem) = post(
            &app,
            &teacher,
            &format!("/api/v1/cases/{id}/close"),
            body.clone(),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.starts_with(field), "{detail} names {field}");
    }
    let (status, problem) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/coordinator"),
        json!({"person_id": app.id_of("guardian1").await.0}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(problem["detail"]
        .as_str()
        .expect("detail")
        .starts_with("person_id"));
    let (status, _) = put(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/agreement"),
        json!({"text": "x".repeat(2001)}),
    )
    .await;
    assert_eq!(status, 422);
    // Malformed JSON and wrong types are refused too.
    let (status, _) = post(
        &app,
        &teacher,
        &plan,
        json!({"whom": "family", "every_days": "seven", "channel": "phone"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/cases/{id}/checklist"),
        json!({"item": 1}),
    )
    .await;
    assert_eq!(status, 422, "an absence case has no checklist");

    // The page form shows the problem with the field and keeps the note.
    let client = app.signed_in("teacher1").await;
    let (status, _, html) = form(
        &client,
        &app,
        &format!("/cases/{id}/contacts"),
        &[
            ("happened_on", tomorrow.clone()),
            ("whom", "pupil".into()),
            ("channel", "meeting".into()),
            ("note", "Et notat der ikke må gå tabt".into()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Dato: dagen er ikke kommet endnu."), "{html}");
    assert!(html.contains("Et notat der ikke må gå tabt"));

    // Nothing was stored by any of it.
    let (_, case) = app
        .api_get(Some(&teacher), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["contacts"], json!([]));
    assert_eq!(case["contact_plan"], json!([]));
    assert!(case["classmates_agreement"].is_null());
    assert_eq!(case["status"], "open");
    assert_eq!(case["coordinator"]["id"], app.id_of("teacher1").await.0);

    // The school's checklists refuse an empty list and one with too long an item.
    let leader = app.token("leader1").await;
    for (body, field) in [
        (json!({"crisis_type": "death", "items": []}), "items"),
        (
            json!({"crisis_type": "death", "items": ["x".repeat(201)]}),
            "items",
        ),
        (
            json!({"crisis_type": "flood", "items": ["Ring hjem"]}),
            "crisis_type",
        ),
    ] {
        let (status, problem) = put(&app, &leader, "/api/v1/checklists", body.clone()).await;
        assert_eq!(status, 422, "{body}");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.starts_with(field), "{detail} names {field}");
    }
    let (_, lists) = app.api_get(Some(&leader), "/api/v1/checklists").await;
    assert!(lists
        .as_array()
        .expect("lists")
        .iter()
        .all(|l| l["custom"] == false));
}

on_both_databases!(
    guardian_raises_a_bullying_concern_staff_see_it_with_the_deadline,
    an_answered_concern_shows_to_the_guardian_without_internal_notes,
    an_overdue_duty_is_flagged_until_the_plan_is_written,
    a_worrying_absence_case_runs_from_coordinator_to_closing,
    a_crisis_case_follows_the_schools_checklist,
    people_outside_a_case_are_refused_or_told_nothing,
    bad_input_is_refused_with_the_field_named_and_nothing_stored,
);
