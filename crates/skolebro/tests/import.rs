//! `skolebro import roster` as an administrator meets it: the real binary imports a CSV file
//! into the test school, and people then see the result over HTTP.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TestApp, PASSWORD};
use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/roster.csv");

const HEADER: &str = "type,key,given_name,family_name,class,grade,pupils,username,email,phone,address,protected,language,interpreter\n";

/// What a run of the binary printed.
struct Run {
    ok: bool,
    out: String,
    err: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit ok: {}\n--- stdout\n{}--- stderr\n{}",
            self.ok, self.out, self.err
        )
    }
}

/// Runs the binary off the async runtime, so that the test server keeps answering.
async fn run(args: Vec<String>, envs: Vec<(&'static str, String)>) -> Run {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_skolebro"))
            // The tests choose the database; an inherited one must not leak in.
            .env_remove("DATABASE_URL")
            .env_remove("SKOLEBRO_DATA_DIR")
            .env_remove("SKOLEBRO_PASSWORD")
            .args(&args)
            .envs(envs)
            .output()
            .expect("run skolebro");
        Run {
            ok: out.status.success(),
            out: String::from_utf8_lossy(&out.stdout).into_owned(),
            err: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .expect("join")
}

/// `skolebro import roster FILE [extra…]` against the test app's database.
async fn import(app: &TestApp, file: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "import".to_owned(),
        "roster".to_owned(),
        file.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    run(args, vec![("DATABASE_URL", app.store.url().to_owned())]).await
}

/// `skolebro user set-password USERNAME` with the test password.
async fn set_password(app: &TestApp, username: &str) -> Run {
    run(
        vec!["user".into(), "set-password".into(), username.into()],
        vec![
            ("DATABASE_URL", app.store.url().to_owned()),
            ("SKOLEBRO_PASSWORD", PASSWORD.to_owned()),
        ],
    )
    .await
}

/// A roster file in a directory that lives as long as the returned guard.
fn write_file(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("roster.csv");
    std::fs::write(&path, bytes).expect("write roster");
    (dir, path)
}

/// Rows in the tables an import writes, to see that nothing was added or duplicated.
async fn row_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(app.store.url())
        .await
        .expect("connect");
    let mut out = Vec::new();
    for table in [
        "class",
        "person",
        "account",
        "membership",
        "enrolment",
        "guardianship",
        "class_staff",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .expect("count");
        out.push((table, n));
    }
    let _ = sqlx::Connection::close(conn).await;
    out
}

fn assert_prints(run: &Run, lines: &[&str]) {
    for line in lines {
        assert!(
            run.out.lines().any(|l| l == *line),
            "expected the line {line:?}:\n{run:?}"
        );
    }
}

/// The id of a class the signed-in staff member teaches, by name.
async fn class_id(app: &TestApp, token: &str, name: &str) -> i64 {
    let (status, me) = app.api_get(Some(token), "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    me["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["id"].as_i64())
        .unwrap_or_else(|| panic!("class {name} among {me}"))
}

fn pupil<'a>(class: &'a Value, name: &str) -> &'a Value {
    class["pupils"]
        .as_array()
        .expect("pupils")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("pupil {name} in {class}"))
}

fn guardian<'a>(pupil: &'a Value, name: &str) -> &'a Value {
    pupil["guardians"]
        .as_array()
        .expect("guardians")
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("guardian {name} of {pupil}"))
}

const FIRST_IMPORT: &[&str] = &[
    "classes: 1 new, 0 updated, 1 unchanged",
    "pupils: 3 new, 0 updated, 0 unchanged",
    "guardians: 3 new, 0 updated, 0 unchanged",
    "staff: 2 new, 0 updated, 0 unchanged",
    "leaders: 1 new, 0 updated, 0 unchanged",
    "guardianships: 5 new, 0 updated, 0 unchanged",
    "class staff: 3 new, 0 updated, 0 unchanged",
    "accounts: 6 new",
];

async fn a_roster_is_imported_and_seen_in_the_class(app: TestApp) {
    let before = row_counts(&app).await;
    let r = import(&app, Path::new(FIXTURE), &[]).await;
    assert!(r.ok, "{r:?}");
    assert!(r.out.starts_with("Imported "), "{r:?}");
    // 7.A is the demo school's; 7.B is new.
    assert_prints(&r, FIRST_IMPORT);
    let after = row_counts(&app).await;
    let added: Vec<(&str, i64)> = before
        .iter()
        .zip(&after)
        .map(|((t, b), (_, a))| (*t, a - b))
        .collect();
    assert_eq!(
        added,
        vec![
            ("class", 1),
            ("person", 9),
            ("account", 6),
            ("membership", 10),
            ("enrolment", 3),
            ("guardianship", 5),
            ("class_staff", 3),
        ]
    );

    // An imported account has no password until an administrator sets one.
    let refused = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "rita.rask", "password": PASSWORD}))
        .send()
        .await
        .expect("session");
    assert_eq!(refused.status(), 401);
    for user in ["rita.rask", "signe.lund", "mads.berg"] {
        let r = set_password(&app, user).await;
        assert!(r.ok, "{r:?}");
    }

    // The contact teacher sees both of her classes.
    let signe = app.token("signe.lund").await;
    let class_7b = class_id(&app, &signe, "7.B").await;
    class_id(&app, &signe, "7.A").await;

    // The leader sees the new class with its staff, pupils and guardians.
    let rita = app.token("rita.rask").await;
    let (status, me) = app.api_get(Some(&rita), "/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["name"], "Rita Rask");
    assert_eq!(me["roles"], serde_json::json!(["leader", "staff"]));
    let (status, class) = app
        .api_get(Some(&rita), &format!("/api/v1/classes/{class_7b}"))
        .await;
    assert_eq!(status, 200, "{class}");
    assert_eq!(class["name"], "7.B");
    assert_eq!(class["grade"], 7);
    let names: Vec<&str> = class["pupils"]
        .as_array()
        .expect("pupils")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["Amira Haddad", "Ida Holm", "Karl Holm"]);
    let staff: Vec<(&str, bool)> = class["staff"]
        .as_array()
        .expect("staff")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or(""),
                s["contact_teacher"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(staff, [("Signe Lund", true), ("Mads Berg", false)]);
    let ida = pupil(&class, "Ida Holm");
    let mette = guardian(ida, "Mette Holm");
    assert_eq!(mette["access"], "full");
    assert_eq!(mette["contact"]["email"], "mette.holm@example.dk");
    assert_eq!(mette["contact"]["address"], "Lindevej 4, 8000 Aarhus C");
    let jonas = guardian(ida, "Jonas Vang");
    assert_eq!(jonas["access"], "info");
    assert_eq!(jonas["protected"], true);
    assert!(
        jonas["contact"].is_null(),
        "protected contact details never appear in a class list: {jonas}"
    );
    let samira = guardian(pupil(&class, "Amira Haddad"), "Samira Haddad");
    assert_eq!(samira["interpreter"], "ar");

    // On the pupil's record the leader sees the protected details.
    let ida_id = ida["id"].as_i64().expect("id");
    let (status, record) = app
        .api_get(Some(&rita), &format!("/api/v1/pupils/{ida_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        guardian(&record, "Jonas Vang")["contact"]["address"],
        "Åbrinken 9, 8000 Aarhus C"
    );

    // The class page as a teacher of the class sees it: the families, without the protected
    // address.
    let mads = app.signed_in("mads.berg").await;
    let page = mads
        .get(app.url(&format!("/classes/{class_7b}")))
        .send()
        .await
        .expect("class page");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("body");
    for shown in [
        "Ida Holm",
        "Karl Holm",
        "Amira Haddad",
        "Jonas Vang",
        "mette.holm@example.dk",
    ] {
        assert!(page.contains(shown), "{shown} on the class page");
    }
    for hidden in ["jonas.vang@example.dk", "Åbrinken", "+45 20 44 55 66"] {
        assert!(
            !page.contains(hidden),
            "{hidden} must not be on the class page"
        );
    }

    // The import is in the audit log.
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("exists");
    let audit = app
        .store
        .audit_of(school.id, "roster", school.id.0, 5)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "import");
    let detail = audit[0].detail.as_deref().unwrap_or("");
    assert!(
        detail.contains("roster.csv") && detail.contains("pupils: 3 new"),
        "{detail}"
    );
    app.stop().await;
}

async fn importing_again_changes_nothing_and_then_updates_what_changed(app: TestApp) {
    let r = import(&app, Path::new(FIXTURE), &[]).await;
    assert!(r.ok, "{r:?}");
    let once = row_counts(&app).await;
    let r = import(&app, Path::new(FIXTURE), &[]).await;
    assert!(r.ok, "{r:?}");
    assert_prints(
        &r,
        &[
            "classes: 0 new, 0 updated, 2 unchanged",
            "pupils: 0 new, 0 updated, 3 unchanged",
            "guardians: 0 new, 0 updated, 3 unchanged",
            "staff: 0 new, 0 updated, 2 unchanged",
            "leaders: 0 new, 0 updated, 1 unchanged",
            "guardianships: 0 new, 0 updated, 5 unchanged",
            "class staff: 0 new, 0 updated, 3 unchanged",
            "accounts: 0 new",
            "The school already matches the file.",
        ],
    );
    assert_eq!(row_counts(&app).await, once, "nothing is duplicated");

    // A changed e-mail address, a changed access, a new pupil and a new guardianship.
    let original = std::fs::read_to_string(FIXTURE).expect("fixture");
    let changed = original
        .replace("mette.holm@example.dk", "mette@holm.example")
        .replace("P-1001:info;P-1002:info", "P-1001:full;P-1002:info")
        .replace(",P-1003,samira.haddad,", ",P-1003;P-1004,samira.haddad,")
        + "pupil,P-1004,Yusuf,Haddad,7.A,,,,,,,,,\n";
    let (_dir, path) = write_file(changed.as_bytes());
    let r = import(&app, &path, &[]).await;
    assert!(r.ok, "{r:?}");
    assert_prints(
        &r,
        &[
            "classes: 0 new, 0 updated, 2 unchanged",
            "pupils: 1 new, 0 updated, 3 unchanged",
            "guardians: 0 new, 1 updated, 2 unchanged",
            "guardianships: 1 new, 1 updated, 4 unchanged",
            "accounts: 0 new",
        ],
    );

    let r = set_password(&app, "signe.lund").await;
    assert!(r.ok, "{r:?}");
    let signe = app.token("signe.lund").await;
    let class_7a = class_id(&app, &signe, "7.A").await;
    let class_7b = class_id(&app, &signe, "7.B").await;
    let (status, class) = app
        .api_get(Some(&signe), &format!("/api/v1/classes/{class_7a}"))
        .await;
    assert_eq!(status, 200);
    let yusuf = pupil(&class, "Yusuf Haddad");
    assert_eq!(guardian(yusuf, "Samira Haddad")["access"], "full");
    let (_, class) = app
        .api_get(Some(&signe), &format!("/api/v1/classes/{class_7b}"))
        .await;
    let ida = pupil(&class, "Ida Holm");
    assert_eq!(
        guardian(ida, "Mette Holm")["contact"]["email"],
        "mette@holm.example"
    );
    assert_eq!(guardian(ida, "Jonas Vang")["access"], "full");
    assert_eq!(
        guardian(pupil(&class, "Karl Holm"), "Jonas Vang")["access"],
        "info"
    );
    assert_eq!(class["pupils"].as_array().map(Vec::len), Some(3));
    assert_eq!(guardian(ida, "Jonas Vang")["household"], 1);

    // Jonas lives in the children's second home: a household column says so, and only that.
    let mut lines = changed.lines();
    let header = lines.next().expect("header");
    let mut with_household = format!("{header},household\n");
    for line in lines {
        let cell = if line.starts_with("guardian,G-2002,") {
            "2"
        } else {
            ""
        };
        with_household.push_str(&format!("{line},{cell}\n"));
    }
    let (_dir, path) = write_file(with_household.as_bytes());
    let r = import(&app, &path, &[]).await;
    assert!(r.ok, "{r:?}");
    assert_prints(&r, &["guardianships: 0 new, 2 updated, 4 unchanged"]);
    let (_, class) = app
        .api_get(Some(&signe), &format!("/api/v1/classes/{class_7b}"))
        .await;
    let ida = pupil(&class, "Ida Holm");
    assert_eq!(guardian(ida, "Jonas Vang")["household"], 2);
    assert_eq!(guardian(ida, "Mette Holm")["household"], 1);
    assert_eq!(guardian(ida, "Jonas Vang")["access"], "full");
    app.stop().await;
}

async fn a_file_with_bad_lines_imports_nothing(app: TestApp) {
    let before = row_counts(&app).await;
    let file = format!(
        "{HEADER}\
class,9.Q,,,9.Q,9,,,,,,,,
pupil,P-1,Ida,Holm,9.Q,,,,,,,,,
pupil,P-2,Karl,Holm,9.Z,,,,,,,,,
guardian,G-1,Mette,Holm,,,P-1:full,,,,,,,
guardian,G-2,Jonas,Vang,,,P-1:owner,,,,,,,
"
    );
    let (_dir, path) = write_file(file.as_bytes());
    let r = import(&app, &path, &[]).await;
    assert!(!r.ok, "{r:?}");
    assert!(r.err.contains("2 bad lines; nothing was imported"), "{r:?}");
    let lines: Vec<&str> = r.err.lines().filter(|l| l.starts_with("line ")).collect();
    assert_eq!(lines.len(), 2, "{r:?}");
    assert!(
        lines[0].starts_with("line 4: unknown class \"9.Z\""),
        "{r:?}"
    );
    assert!(
        lines[1].starts_with("line 6: bad access \"owner\""),
        "{r:?}"
    );
    assert!(r.out.is_empty(), "{r:?}");
    assert_eq!(row_counts(&app).await, before, "nothing was imported");

    // The leader's overview lists the school's classes: 9.A, not 9.Q.
    let leader = app.signed_in("leader1").await;
    let page = leader
        .get(app.url("/overview"))
        .send()
        .await
        .expect("overview")
        .text()
        .await
        .expect("body");
    assert!(page.contains(">9.A<"), "the overview lists the classes");
    assert!(!page.contains("9.Q"), "the class of the bad file is absent");
    app.stop().await;
}

async fn a_dry_run_imports_nothing(app: TestApp) {
    let before = row_counts(&app).await;
    let r = import(&app, Path::new(FIXTURE), &["--dry-run"]).await;
    assert!(r.ok, "{r:?}");
    assert!(
        r.out.starts_with("Dry run: nothing was changed.") && r.out.contains("would give"),
        "{r:?}"
    );
    assert_prints(&r, FIRST_IMPORT);
    assert_eq!(row_counts(&app).await, before, "a dry run changes nothing");
    let r = set_password(&app, "rita.rask").await;
    assert!(
        !r.ok && r.err.contains("no user"),
        "no account was made: {r:?}"
    );
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("exists");
    let audit = app
        .store
        .audit_of(school.id, "roster", school.id.0, 5)
        .await
        .expect("audit");
    assert!(audit.is_empty(), "a dry run leaves no trace: {audit:?}");

    // The real import afterwards finds everything still to do.
    let r = import(&app, Path::new(FIXTURE), &[]).await;
    assert!(r.ok, "{r:?}");
    assert_prints(&r, FIRST_IMPORT);
    app.stop().await;
}

async fn a_file_that_is_not_utf8_is_a_clear_error(app: TestApp) {
    let before = row_counts(&app).await;
    // Latin-1, as an old spreadsheet writes it: "Søren" and "Ærø".
    let mut file = HEADER.as_bytes().to_vec();
    file.extend_from_slice(b"class,7.B,,,7.B,7,,,,,,,,\n");
    file.extend_from_slice(b"pupil,P-1,S\xF8ren,Holm,7.B,,,,,,,,,\n");
    file.extend_from_slice(b"guardian,G-1,Mette,Holm,,,P-1,,,,\xC6r\xF8,,,\n");
    let (_dir, path) = write_file(&file);
    let r = import(&app, &path, &[]).await;
    assert!(!r.ok, "{r:?}");
    assert!(
        r.err
            .contains("line 3: not valid UTF-8 (column given_name); save the file as UTF-8"),
        "{r:?}"
    );
    assert!(
        r.err.contains("line 4: not valid UTF-8 (column address)"),
        "{r:?}"
    );
    assert_eq!(row_counts(&app).await, before);
    app.stop().await;
}

/// Rights as they are now (issue 15): a guardian whom the roster sets to no access loses the
/// conversations they had through the child at once, on the next request: not readable, not
/// answerable, not in the inbox or the unread count, and no e-mail of new replies. The
/// conversation stays for the teacher, with the former guardian's message in it.
async fn a_guardian_the_roster_sets_to_none_loses_the_childs_conversations(app: TestApp) {
    let r = import(&app, Path::new(FIXTURE), &[]).await;
    assert!(r.ok, "{r:?}");
    for who in ["signe.lund", "mette.holm"] {
        let r = set_password(&app, who).await;
        assert!(r.ok, "{r:?}");
    }
    let signe = app.token("signe.lund").await;
    let mette = app.token("mette.holm").await;
    let mette_id = app.id_of("mette.holm").await.0;
    let (status, created) = common::api::post(
        &app,
        &signe,
        "/api/v1/threads",
        serde_json::json!({"recipients": [mette_id], "subject": "Om Ida",
               "body": "Kan vi tale sammen om Ida i morgen?", "kind": "ordinary"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let thread = format!("/api/v1/threads/{id}");
    let replies = format!("/api/v1/threads/{id}/messages");
    let (status, _) = common::api::post(
        &app,
        &mette,
        &replies,
        serde_json::json!({"body": "Ja, gerne."}),
    )
    .await;
    assert_eq!(status, 201, "the guardian answers while she has the rights");
    let (status, _) = app.api_get(Some(&mette), &thread).await;
    assert_eq!(status, 200);
    let mette_browser = app.signed_in("mette.holm").await;
    let page = |path: String| {
        let client = mette_browser.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.expect("get").status().as_u16() }
    };
    assert_eq!(page(format!("/messages/{id}")).await, 200);

    // The roster takes away her rights to both children.
    let changed = std::fs::read_to_string(FIXTURE)
        .expect("fixture")
        .replace("P-1001:full;P-1002:full", "P-1001:none;P-1002:none");
    let (_dir, path) = write_file(changed.as_bytes());
    let r = import(&app, &path, &[]).await;
    assert!(r.ok, "{r:?}");
    assert_prints(&r, &["guardianships: 0 new, 2 updated, 3 unchanged"]);

    let (status, _) = app.api_get(Some(&mette), &thread).await;
    assert_eq!(status, 404, "the conversation is gone for her at once");
    assert_eq!(page(format!("/messages/{id}")).await, 404);
    let (status, _) = common::api::post(
        &app,
        &mette,
        &replies,
        serde_json::json!({"body": "Hallo?"}),
    )
    .await;
    assert_eq!(status, 404, "she cannot write in it");
    let (status, inbox) = app.api_get(Some(&mette), "/api/v1/threads").await;
    assert_eq!(status, 200);
    assert_eq!(inbox["items"].as_array().map(Vec::len), Some(0), "{inbox}");

    // The teacher still has it, with Mette's answer, and her reply reaches no one else.
    let outbox_for_mette = || async {
        let leader = app.token("leader1").await;
        let (status, body) = app
            .api_get(Some(&leader), "/api/v1/notifications/outbox")
            .await;
        assert_eq!(status, 200);
        body["items"]
            .as_array()
            .map(|items| items.iter().filter(|i| i["person_id"] == mette_id).count())
            .unwrap_or_default()
    };
    let before = outbox_for_mette().await;
    assert!(
        before > 0,
        "the first letter was e-mailed to her, so the count can tell"
    );
    let (status, _) = common::api::post(
        &app,
        &signe,
        &replies,
        serde_json::json!({"body": "Vi ses kl. 8."}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, seen) = app.api_get(Some(&signe), &thread).await;
    assert_eq!(status, 200);
    let bodies: Vec<&str> = seen["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(bodies.contains(&"Ja, gerne."), "{seen}");
    assert_eq!(
        outbox_for_mette().await,
        before,
        "no e-mail of the new reply"
    );

    // Her rights come back with the roster, and the conversation with them.
    let r = import(&app, Path::new(FIXTURE), &[]).await;
    assert!(r.ok, "{r:?}");
    let (status, _) = app.api_get(Some(&mette), &thread).await;
    assert_eq!(status, 200);
    app.stop().await;
}

on_both_databases!(
    a_guardian_the_roster_sets_to_none_loses_the_childs_conversations,
    a_roster_is_imported_and_seen_in_the_class,
    importing_again_changes_nothing_and_then_updates_what_changed,
    a_file_with_bad_lines_imports_nothing,
    a_dry_run_imports_nothing,
    a_file_that_is_not_utf8_is_a_clear_error,
);

#[tokio::test]
async fn without_a_school_or_a_file_the_error_says_what_to_do() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().display().to_string();
    let r = run(
        vec![
            "import".into(),
            "roster".into(),
            FIXTURE.into(),
            "--data-dir".into(),
            data.clone(),
        ],
        vec![],
    )
    .await;
    assert!(!r.ok, "{r:?}");
    assert!(
        r.err
            .contains("no school: run `skolebro demo` or create one first"),
        "{r:?}"
    );
    let missing = dir.path().join("nowhere.csv").display().to_string();
    let r = run(
        vec![
            "import".into(),
            "roster".into(),
            missing,
            "--data-dir".into(),
            dir.path().join("other").display().to_string(),
        ],
        vec![],
    )
    .await;
    assert!(!r.ok && r.err.contains("cannot read"), "{r:?}");
    assert!(
        !dir.path().join("other").exists(),
        "a missing file creates no database"
    );
}

#[test]
fn the_documented_example_is_the_tested_file() {
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/roster.md"))
            .expect("docs/roster.md");
    let fixture = std::fs::read_to_string(FIXTURE).expect("fixture");
    assert!(
        docs.contains(&format!("```csv\n{fixture}```")),
        "docs/roster.md shows tests/fixtures/roster.csv verbatim"
    );
    for line in FIRST_IMPORT {
        assert!(
            docs.contains(line),
            "docs/roster.md shows the summary line {line:?}"
        );
    }
}
