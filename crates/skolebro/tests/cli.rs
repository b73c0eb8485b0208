//! The command line as an administrator meets it: the real binary, run as a process.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use skolebro_store::auth::SignIn;
use skolebro_store::Store;

fn skolebro() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_skolebro"));
    // The tests choose the database; an inherited one must not leak in.
    c.env_remove("DATABASE_URL").env_remove("SKOLEBRO_LISTEN");
    c
}

fn run(args: &[&str], envs: &[(&str, &str)]) -> (bool, String, String) {
    let out = skolebro()
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("run skolebro");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_has_help_naming_its_environment() {
    for (args, env) in [
        (&["--help"][..], "SKOLEBRO_LOG_FORMAT"),
        (&["serve", "--help"][..], "SKOLEBRO_LISTEN"),
        (&["demo", "--help"][..], "SKOLEBRO_DEMO_PUPILS"),
        (&["migrate", "--help"][..], "DATABASE_URL"),
        (&["user", "add", "--help"][..], "SKOLEBRO_PASSWORD"),
        (&["user", "set-password", "--help"][..], "SKOLEBRO_PASSWORD"),
        (&["import", "roster", "--help"][..], "DATABASE_URL"),
        (&["backup", "--help"][..], "SKOLEBRO_DATA_DIR"),
    ] {
        let (ok, out, err) = run(args, &[]);
        assert!(ok, "{args:?}: {err}");
        assert!(out.contains(env), "{args:?} --help names {env}:\n{out}");
    }
    let (ok, _, err) = run(&["no-such-command"], &[]);
    assert!(!ok);
    assert!(err.contains("unrecognized subcommand"), "{err}");
}

#[tokio::test]
async fn user_add_set_password_migrate_and_backup_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8 path");
    let (ok, out, err) = run(&["migrate", "--data-dir", data], &[]);
    assert!(ok, "{err}");
    assert!(out.contains("up to date"));
    let (ok, _, err) = run(
        &[
            "user",
            "add",
            "rektor",
            "--given-name",
            "Rita",
            "--family-name",
            "Rektor",
            "--role",
            "leader,staff",
        ],
        &[
            ("SKOLEBRO_DATA_DIR", data),
            ("SKOLEBRO_PASSWORD", "first password"),
        ],
    );
    assert!(!ok, "no school yet and no --school-name");
    assert!(err.contains("--school-name"), "{err}");
    let (ok, out, err) = run(
        &[
            "user",
            "add",
            "rektor",
            "--given-name",
            "Rita",
            "--family-name",
            "Rektor",
            "--role",
            "leader,staff",
            "--school-name",
            "Vestskolen",
        ],
        &[
            ("SKOLEBRO_DATA_DIR", data),
            ("SKOLEBRO_PASSWORD", "first password"),
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("Added rektor"));
    let (ok, _, err) = run(
        &[
            "user",
            "add",
            "rektor",
            "--given-name",
            "R",
            "--family-name",
            "R",
        ],
        &[
            ("SKOLEBRO_DATA_DIR", data),
            ("SKOLEBRO_PASSWORD", "first password"),
        ],
    );
    assert!(!ok && err.contains("taken"), "{err}");
    let (ok, _, err) = run(
        &["user", "set-password", "rektor"],
        &[("SKOLEBRO_DATA_DIR", data), ("SKOLEBRO_PASSWORD", "short")],
    );
    assert!(!ok && err.contains("password"), "{err}");
    let (ok, _, err) = run(
        &["user", "set-password", "rektor"],
        &[
            ("SKOLEBRO_DATA_DIR", data),
            ("SKOLEBRO_PASSWORD", "second password"),
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        &["user", "set-password", "nobody"],
        &[
            ("SKOLEBRO_DATA_DIR", data),
            ("SKOLEBRO_PASSWORD", "second password"),
        ],
    );
    assert!(!ok && err.contains("no user"), "{err}");

    let url = format!("sqlite://{data}/skolebro.db?mode=rwc");
    {
        let store = Store::connect(&url).await.expect("open");
        assert!(matches!(
            store
                .sign_in("rektor", "second password", "test")
                .await
                .expect("sign in"),
            SignIn::Ok { .. }
        ));
        assert_eq!(
            store
                .sign_in("rektor", "first password", "test")
                .await
                .expect("sign in"),
            SignIn::Wrong
        );
        store.close().await;
    }

    let backup = dir.path().join("copy.db");
    let backup_path = backup.to_str().expect("utf-8");
    let (ok, out, err) = run(&["backup", backup_path, "--data-dir", data], &[]);
    assert!(ok, "{err}");
    assert!(out.contains("Backup written"));
    let copy = Store::connect(&format!("sqlite://{backup_path}"))
        .await
        .expect("open backup");
    assert_eq!(
        copy.first_school()
            .await
            .expect("school")
            .expect("exists")
            .name,
        "Vestskolen"
    );
    assert!(copy
        .person_by_username("rektor")
        .await
        .expect("lookup")
        .is_some());
    copy.close().await;
    let (ok, _, err) = run(&["backup", backup_path, "--data-dir", data], &[]);
    assert!(
        !ok && err.contains("exists"),
        "an existing file is never overwritten: {err}"
    );
}

#[test]
fn backup_of_postgres_points_to_pg_dump() {
    let Some(url) = common::postgres_url() else {
        eprintln!("skipped: backup on PostgreSQL (set SKOLEBRO_TEST_DATABASE_URL)");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("x.db");
    let (ok, _, err) = run(
        &[
            "backup",
            target.to_str().expect("utf-8"),
            "--database-url",
            &url,
        ],
        &[],
    );
    assert!(!ok);
    assert!(err.contains("pg_dump"), "{err}");
    assert!(!target.exists());
}

#[test]
fn a_sqlite_url_to_a_new_file_creates_it() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("school").join("new.db");
    let url = format!("sqlite://{}", file.display());
    let (ok, out, err) = run(&["migrate", "--database-url", &url], &[]);
    assert!(ok, "{out}{err}");
    assert!(file.exists(), "the file and its directory are made");
    // Once more: the file is opened, not made again, and an explicit mode is kept.
    let (ok, out, err) = run(
        &["migrate", "--database-url", &format!("{url}?mode=rw")],
        &[],
    );
    assert!(ok, "{out}{err}");
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let (ok, _, err) = run(&["migrate", "--database-url", "mysql://x"], &[]);
    assert!(!ok);
    assert!(err.contains("sqlite: or postgres:"), "{err}");
}

#[tokio::test]
async fn demo_serves_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = skolebro()
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--pupils",
            "40",
            "--country",
            "no",
            "--demo-password",
            "hemmelig",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start demo");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = String::new();
    let url = loop {
        let line = lines
            .next()
            .expect("the demo prints its address")
            .expect("line");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("skolebro is listening on ") {
            break rest.trim().to_owned();
        }
    };
    assert!(
        printed.contains("Solbakken skole"),
        "a Norwegian school: {printed}"
    );
    assert!(
        printed.contains("leader1")
            && printed.contains("guardian1")
            && printed.contains("\"hemmelig\""),
        "{printed}"
    );
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{url}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let session = client
        .post(format!("{url}/api/v1/session"))
        .json(&serde_json::json!({"username": "guardian1", "password": "hemmelig"}))
        .send()
        .await
        .expect("session");
    assert_eq!(session.status(), 200);
    let login = client
        .get(format!("{url}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    assert!(
        login.contains("lang=\"nb\""),
        "the Norwegian school speaks Bokmål"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().expect("wait") {
            exited = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let exited = exited.expect("the server stops on SIGTERM");
    assert!(exited.success(), "clean exit: {exited:?}");

    // A second start keeps the school as it is. The port is held here, so that this start
    // stops after saying so instead of serving.
    let held = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to hold");
    let busy = held.local_addr().expect("addr").to_string();
    let out = skolebro()
        .args(["demo", "--listen", &busy, "--pupils", "40"])
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .expect("second demo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("already holds a school"), "{text}");
    assert!(!out.status.success(), "a port in use is an error");
    drop(held);
}

#[tokio::test]
async fn the_demo_school_is_the_same_every_time() {
    let mut snapshots = Vec::new();
    for _ in 0..2 {
        let app = common::TestApp::spawn(common::Db::Sqlite)
            .await
            .expect("app");
        let school = app
            .store
            .first_school()
            .await
            .expect("school")
            .expect("exists")
            .id;
        let mut people = Vec::new();
        for n in 1..=common::TEST_PUPILS {
            let id = app.id_of(&format!("pupil{n}")).await;
            let p = app
                .store
                .pupil_detail(school, id)
                .await
                .expect("pupil")
                .expect("exists");
            people.push((
                p.person.full(),
                p.classes.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
                p.guardians
                    .iter()
                    .map(|g| (g.person.full(), g.access, g.contact.clone()))
                    .collect::<Vec<_>>(),
            ));
        }
        snapshots.push(people);
        app.stop().await;
    }
    assert_eq!(snapshots[0], snapshots[1]);
}
