//! Reads sent to a PostgreSQL replica (`--read-database-url`), with read-your-writes for the
//! writer's own session. The "replica" here is a second database with the same demo school that
//! never receives the test's writes, so what a request reads from where is visible.

mod common;

use common::TestApp;
use serde_json::json;

fn thread_subjects(inbox: &serde_json::Value) -> Vec<String> {
    inbox["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["subject"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_reads_its_writes_and_others_read_the_replica() {
    let Some(app) = TestApp::spawn_with_replica().await else {
        eprintln!("skipped: replica routing needs PostgreSQL (set SKOLEBRO_TEST_DATABASE_URL)");
        return;
    };
    let teacher = app.token("teacher1").await;
    let guardian = app.token("guardian1").await;
    let guardian_id = app.id_of("guardian1").await;
    // Signing in wrote sessions on the primary; they are read from there, so both are in.
    let (status, _) = app.api_get(Some(&guardian), "/api/v1/me").await;
    assert_eq!(status, 200);

    let created = app
        .client()
        .post(app.url("/api/v1/threads"))
        .bearer_auth(&teacher)
        .json(
            &json!({"recipients": [guardian_id.0], "subject": "Udflugt fredag",
                      "body": "Husk madpakke og regntøj."}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(created.status().as_u16(), 201);

    // The teacher, who just wrote, reads the primary: the conversation is there.
    let (status, inbox) = app.api_get(Some(&teacher), "/api/v1/threads").await;
    assert_eq!(status, 200);
    assert!(thread_subjects(&inbox).contains(&"Udflugt fredag".to_owned()));

    // The guardian has not written: the replica answers, and it has not caught up.
    let (status, inbox) = app.api_get(Some(&guardian), "/api/v1/threads").await;
    assert_eq!(status, 200);
    assert!(!thread_subjects(&inbox).contains(&"Udflugt fredag".to_owned()));

    // Once the guardian writes (an absence report), their reads go to the primary too.
    let pupil = app.id_of("pupil1").await;
    let today = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system()).date();
    let day = skolebro_domain::calendar::add_working_days(today, 2, &Default::default());
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/pupils/{}/absences", pupil.0)))
        .bearer_auth(&guardian)
        .json(&json!({"from": day.to_string(), "reason": "illness"}))
        .send()
        .await
        .expect("write");
    assert_eq!(r.status().as_u16(), 201);
    let (_, inbox) = app.api_get(Some(&guardian), "/api/v1/threads").await;
    assert!(thread_subjects(&inbox).contains(&"Udflugt fredag".to_owned()));
}
