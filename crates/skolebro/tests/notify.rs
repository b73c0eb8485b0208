//! Notifications as people meet them (MSG-8, MSG-1, MSG-2): a message becomes an e-mail that a
//! real SMTP server (Python's aiosmtpd, started by the test) accepts for the right person, with
//! no content when the message is sensitive; staff are held outside contact hours; "off" sends
//! nothing; a digest gathers one mail at its hour; a server that is down gets the mail later;
//! a restarted worker picks up what was left. The worker's step runs at instants the test
//! chooses, so no test waits for hours. On both databases.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::TestApp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};
use skolebro_web::notify::{LoggingSms, Mailer, Worker, WorkerConfig};

const PUBLIC: &str = "https://skolebro.example";

/// aiosmtpd on a port of ours, writing each accepted message as JSON into a directory.
struct SmtpSink {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn aiosmtpd_available() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the SMTP tests can run; without aiosmtpd they are skipped with a message, unless
/// CI requires them (SKOLEBRO_REQUIRE_BROWSER=1, the switch for every external test tool).
fn smtp_tests_can_run(name: &str) -> bool {
    if aiosmtpd_available() {
        return true;
    }
    if std::env::var("SKOLEBRO_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("aiosmtpd is required (pip install aiosmtpd) for {name}");
    }
    eprintln!("skipped: {name} needs Python's aiosmtpd (pip install aiosmtpd)");
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl SmtpSink {
    async fn start(port: u16) -> SmtpSink {
        let dir = tempfile::tempdir().expect("mail directory");
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "smtp_sink.JsonSink"])
            .arg(dir.path().join("mail"))
            .env("PYTHONPATH", fixtures)
            .stdout(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let sink = SmtpSink { child, dir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return sink;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// The messages accepted so far, oldest first.
    fn mails(&self) -> Vec<Value> {
        let dir: PathBuf = self.dir.path().join("mail");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files.iter().map(|p| read_json(p)).collect()
    }

    /// Waits up to `secs` for `n` messages.
    async fn wait_for(&self, n: usize, secs: u64) -> Vec<Value> {
        for _ in 0..secs * 10 {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.mails()
    }
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("mail file")).expect("mail json")
}

fn worker(app: &TestApp, port: Option<u16>) -> Worker {
    let mailer = port.map(|p| {
        Mailer::new(
            &format!("smtp://127.0.0.1:{p}"),
            "skolebro <noreply@example.dk>",
        )
        .expect("mailer")
    });
    Worker::new(
        app.store.clone(),
        WorkerConfig {
            mailer,
            sms: Arc::new(LoggingSms),
            public_url: PUBLIC.into(),
        },
    )
}

/// The next `day` (at least tomorrow) at `hour:minute` in Copenhagen: a future instant, so
/// every notice enqueued now is due by then.
fn next(day: Weekday, hour: i8, minute: i8) -> Timestamp {
    let tz = TimeZone::get("Europe/Copenhagen").expect("tz");
    let mut date = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz.clone())
        .date();
    loop {
        date = date.tomorrow().expect("date");
        if date.weekday() == day {
            break;
        }
    }
    date.at(hour, minute, 0, 0)
        .to_zoned(tz)
        .expect("local time")
        .timestamp()
}

fn plus(t: Timestamp, secs: i64) -> Timestamp {
    Timestamp::from_second(t.as_second() + secs).expect("instant")
}

async fn send(
    app: &TestApp,
    from: &str,
    to: &[&str],
    subject: &str,
    body: &str,
    kind: &str,
) -> i64 {
    let token = app.token(from).await;
    let mut ids = vec![];
    for t in to {
        ids.push(app.id_of(t).await.0);
    }
    let r = app
        .client()
        .post(app.url("/api/v1/threads"))
        .bearer_auth(&token)
        .json(&json!({"recipients": ids, "subject": subject, "body": body, "kind": kind}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "the message is sent");
    let created: Value = r.json().await.expect("json");
    created["id"].as_i64().expect("thread id")
}

/// The outbox rows of one person, as the leader's API shows them.
async fn outbox_of(app: &TestApp, username: &str) -> Vec<Value> {
    let person = app.id_of(username).await.0;
    let leader = app.token("leader1").await;
    let (status, body) = app
        .api_get(Some(&leader), "/api/v1/notifications/outbox")
        .await;
    assert_eq!(status, 200);
    body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| i["person_id"] == person)
        .collect()
}

fn text_of(mail: &Value) -> String {
    format!("{}\n{}", mail["subject"], mail["raw"])
}

async fn mail_reaches_each_recipient_alone(app: TestApp) {
    if !smtp_tests_can_run("mail_reaches_each_recipient_alone") {
        return;
    }
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    let thread = send(
        &app,
        "teacher1",
        // guardian3's contact details are protected (PEO-3).
        &["guardian1", "guardian2", "guardian3"],
        "Tur til skoven fredag",
        "Husk gummistøvler og madpakke.",
        "ordinary",
    )
    .await;
    let w = worker(&app, Some(port));
    let report = w
        .run_once(next(Weekday::Wednesday, 10, 0))
        .await
        .expect("step");
    assert_eq!(report.sent, 3, "{report:?}");
    let mails = sink.wait_for(3, 5).await;
    assert_eq!(mails.len(), 3);
    let mut recipients: Vec<String> = mails
        .iter()
        .map(|m| {
            let to = m["rcpt_tos"].as_array().expect("recipients");
            assert_eq!(to.len(), 1, "one recipient per mail: {m}");
            to[0].as_str().expect("address").to_owned()
        })
        .collect();
    recipients.sort();
    assert_eq!(
        recipients,
        [
            "guardian1@example.dk",
            "guardian2@example.dk",
            "guardian3@example.dk"
        ],
        "each guardian gets their own mail"
    );
    for m in &mails {
        assert!(m["subject"]
            .as_str()
            .expect("subject")
            .contains("Tur til skoven fredag"));
        let body = m["body"].as_str().expect("body");
        assert!(body.contains("Husk gummistøvler og madpakke."), "{body}");
        assert!(
            body.contains(&format!("{PUBLIC}/messages/{thread}")),
            "{body}"
        );
        assert_eq!(m["cc"], "", "no copies");
        let text = text_of(m);
        for other in &recipients {
            if m["rcpt_tos"][0] != other.as_str() {
                let local = other.split('@').next().unwrap_or_default();
                assert!(
                    !text.contains(&format!("{local}@")),
                    "no other family's address: {text}"
                );
            }
        }
        assert!(
            !text.contains("teacher1@"),
            "not the sender's address either"
        );
    }
    // A second step sends nothing again.
    let again = w
        .run_once(next(Weekday::Wednesday, 10, 5))
        .await
        .expect("step");
    assert_eq!(again.sent, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), 3, "no mail is sent twice");
    let rows = outbox_of(&app, "guardian1").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "sent");
    assert!(rows[0]["sent_at"].as_i64().is_some());
}

async fn sensitive_message_mail_has_no_content(app: TestApp) {
    if !smtp_tests_can_run("sensitive_message_mail_has_no_content") {
        return;
    }
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    let thread = send(
        &app,
        "teacher1",
        &["guardian1"],
        "Bekymring om trivsel",
        "Karl virker ked af det i frikvartererne.",
        "sensitive",
    )
    .await;
    worker(&app, Some(port))
        .run_once(next(Weekday::Wednesday, 10, 0))
        .await
        .expect("step");
    let mails = sink.wait_for(1, 5).await;
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m["rcpt_tos"][0], "guardian1@example.dk");
    assert_eq!(m["subject"], "Du har en ny besked i skolebro");
    let text = text_of(m);
    for secret in ["Bekymring", "trivsel", "Karl", "frikvarter"] {
        assert!(!text.contains(secret), "{secret} in the mail: {text}");
    }
    assert!(m["body"]
        .as_str()
        .expect("body")
        .contains(&format!("{PUBLIC}/messages/{thread}")));
}

async fn staff_are_held_until_contact_hours(app: TestApp) {
    if !smtp_tests_can_run("staff_are_held_until_contact_hours") {
        return;
    }
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    send(
        &app,
        "guardian1",
        &["teacher1"],
        "Syg i dag",
        "Emil har feber og bliver hjemme.",
        "ordinary",
    )
    .await;
    let w = worker(&app, Some(port));
    let saturday = next(Weekday::Saturday, 10, 0);
    let report = w.run_once(saturday).await.expect("step");
    assert_eq!((report.sent, report.held), (0, 1), "{report:?}");
    let rows = outbox_of(&app, "teacher1").await;
    assert_eq!(rows[0]["status"], "pending");
    // Held until Monday 08:00, when the default contact hours (08–17) open.
    let tz = TimeZone::get("Europe/Copenhagen").expect("tz");
    let monday = saturday
        .to_zoned(tz.clone())
        .date()
        .checked_add(jiff::Span::new().days(2))
        .expect("monday")
        .at(8, 0, 0, 0)
        .to_zoned(tz)
        .expect("local")
        .timestamp();
    assert_eq!(rows[0]["next_attempt_at"], monday.as_second());
    let report = w.run_once(plus(saturday, 3600)).await.expect("step");
    assert_eq!(report.sent, 0, "still the weekend");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.mails().is_empty(), "nothing at the weekend");
    let report = w.run_once(plus(monday, 1800)).await.expect("step");
    assert_eq!(report.sent, 1);
    let mails = sink.wait_for(1, 5).await;
    assert_eq!(mails[0]["rcpt_tos"][0], "teacher1@example.dk");
    assert!(mails[0]["subject"]
        .as_str()
        .expect("s")
        .contains("Syg i dag"));
}

async fn preference_off_sends_nothing(app: TestApp) {
    if !smtp_tests_can_run("preference_off_sends_nothing") {
        return;
    }
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    let token = app.token("guardian1").await;
    let put = |body: Value| {
        let client = app.client();
        let token = token.clone();
        let url = app.url("/api/v1/me/notifications");
        async move {
            let r = client
                .put(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("put");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) =
        put(json!({"preferences": [{"kind": "message", "delivery": "off"}]})).await;
    assert_eq!(status, 200, "{body}");
    let message = body["preferences"]
        .as_array()
        .expect("prefs")
        .iter()
        .find(|p| p["kind"] == "message")
        .cloned()
        .expect("message kind");
    assert_eq!(message["delivery"], "off");
    // Bad values are refused and change nothing.
    for bad in [
        json!({"preferences": [{"kind": "message", "delivery": "sometimes"}]}),
        json!({"preferences": [{"kind": "message", "delivery": "digest", "digest_hour": 24}]}),
        json!({"preferences": [{"kind": "gossip", "delivery": "off"}]}),
        json!({"preferences": []}),
        json!({"preferences": [{"kind": "message", "delivery": 3}]}),
    ] {
        let (status, problem) = put(bad.clone()).await;
        assert_eq!(status, 422, "{bad} → {problem}");
    }
    let (_, now) = app.api_get(Some(&token), "/api/v1/me/notifications").await;
    assert!(now["preferences"]
        .as_array()
        .expect("prefs")
        .iter()
        .any(|p| p["kind"] == "message" && p["delivery"] == "off"));

    send(
        &app,
        "teacher1",
        &["guardian1", "guardian2"],
        "Forældremøde",
        "Tirsdag kl. 19.",
        "ordinary",
    )
    .await;
    let report = worker(&app, Some(port))
        .run_once(next(Weekday::Wednesday, 10, 0))
        .await
        .expect("step");
    assert_eq!((report.sent, report.skipped), (1, 1), "{report:?}");
    let mails = sink.wait_for(1, 5).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), 1);
    assert_eq!(
        mails[0]["rcpt_tos"][0], "guardian2@example.dk",
        "only the one who wants it"
    );
    let rows = outbox_of(&app, "guardian1").await;
    assert_eq!(rows[0]["status"], "skipped");
    assert_eq!(rows[0]["reason"], "off");
}

async fn settings_page_saves_and_refuses(app: TestApp) {
    let client = app.signed_in("guardian2").await;
    let page = client
        .get(app.url("/settings/notifications"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("<label for=\"message_delivery\">"),
        "labelled"
    );
    let csrf = common::csrf_of(&page);
    let r = client
        .post(app.url("/settings/notifications"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("message_delivery", "digest"),
            ("message_hour", "7"),
            ("post_delivery", "off"),
            ("post_hour", "16"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let token = app.token("guardian2").await;
    let (_, prefs) = app.api_get(Some(&token), "/api/v1/me/notifications").await;
    let prefs = prefs["preferences"].as_array().cloned().expect("prefs");
    let of = |k: &str| {
        prefs
            .iter()
            .find(|p| p["kind"] == k)
            .cloned()
            .expect("kind")
    };
    assert_eq!(of("message")["delivery"], "digest");
    assert_eq!(of("message")["digest_hour"], 7);
    assert_eq!(of("post")["delivery"], "off");
    assert_eq!(
        of("event")["delivery"],
        "instant",
        "untouched kinds keep theirs"
    );
    let page = client
        .get(app.url("/settings/notifications?saved=1"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("<option value=\"7\" selected>07:00</option>"),
        "the hour shows"
    );
    for (field, value) in [("message_delivery", "weekly"), ("message_hour", "25")] {
        let mut fields = vec![
            ("csrf", csrf.clone()),
            ("message_delivery", "digest".into()),
        ];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value.into()));
        let r = client
            .post(app.url("/settings/notifications"))
            .form(&fields)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422, "{field}={value}");
        assert!(r.text().await.expect("html").contains("role=\"alert\""));
    }
    let (_, after) = app.api_get(Some(&token), "/api/v1/me/notifications").await;
    assert!(
        after["preferences"]
            .as_array()
            .expect("prefs")
            .iter()
            .any(|p| p["kind"] == "message" && p["digest_hour"] == 7),
        "a refused form changes nothing"
    );
}

async fn digest_gathers_one_mail_at_its_hour(app: TestApp) {
    if !smtp_tests_can_run("digest_gathers_one_mail_at_its_hour") {
        return;
    }
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    let token = app.token("guardian1").await;
    let r = app
        .client()
        .put(app.url("/api/v1/me/notifications"))
        .bearer_auth(&token)
        .json(
            &json!({"preferences": [{"kind": "message", "delivery": "digest", "digest_hour": 18}]}),
        )
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    send(
        &app,
        "teacher1",
        &["guardian1"],
        "Lektier til mandag",
        "Side 12-14.",
        "ordinary",
    )
    .await;
    send(
        &app,
        "leader1",
        &["guardian1"],
        "Skolefoto",
        "Fotografen kommer torsdag.",
        "ordinary",
    )
    .await;
    send(
        &app,
        "teacher1",
        &["guardian1"],
        "Fortroligt",
        "Om jeres samtale.",
        "sensitive",
    )
    .await;
    let w = worker(&app, Some(port));
    let report = w
        .run_once(next(Weekday::Wednesday, 10, 0))
        .await
        .expect("step");
    assert_eq!((report.sent, report.held), (0, 3), "{report:?}");
    let report = w
        .run_once(next(Weekday::Wednesday, 17, 59))
        .await
        .expect("step");
    assert_eq!(report.sent, 0, "not before the hour");
    let report = w
        .run_once(next(Weekday::Wednesday, 18, 1))
        .await
        .expect("step");
    assert_eq!(report.sent, 1, "one digest mail: {report:?}");
    let mails = sink.wait_for(1, 5).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), 1);
    let m = &mails[0];
    assert_eq!(m["rcpt_tos"][0], "guardian1@example.dk");
    let body = m["body"].as_str().expect("body");
    assert!(
        body.contains("Lektier til mandag") && body.contains("Skolefoto"),
        "{body}"
    );
    assert!(body.contains("Du har en ny besked i skolebro"), "{body}");
    assert!(
        !body.contains("Fortroligt") && !body.contains("samtale"),
        "{body}"
    );
    assert!(
        m["subject"].as_str().expect("s").contains('3'),
        "{}",
        m["subject"]
    );
    assert!(outbox_of(&app, "guardian1")
        .await
        .iter()
        .all(|r| r["status"] == "sent" && r["digest"] == true));
}

async fn mail_waits_while_the_server_is_down(app: TestApp) {
    if !smtp_tests_can_run("mail_waits_while_the_server_is_down") {
        return;
    }
    // Nothing listens on the port yet.
    let port = free_port();
    send(
        &app,
        "teacher1",
        &["guardian1"],
        "Udflugt",
        "Vi tager bussen kl. 9.",
        "ordinary",
    )
    .await;
    let w = worker(&app, Some(port));
    let t = next(Weekday::Wednesday, 10, 0);
    let report = w.run_once(t).await.expect("step");
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    let rows = outbox_of(&app, "guardian1").await;
    assert_eq!(rows[0]["status"], "pending", "kept, not lost");
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(
        rows[0]["next_attempt_at"],
        t.as_second() + 60,
        "retried after a minute"
    );
    assert!(rows[0]["reason"].as_str().is_some_and(|r| !r.is_empty()));
    // Still down: the second failure waits twice as long.
    let report = w.run_once(plus(t, 61)).await.expect("step");
    assert_eq!(report.failed, 1);
    let rows = outbox_of(&app, "guardian1").await;
    assert_eq!(rows[0]["attempts"], 2);
    assert_eq!(rows[0]["next_attempt_at"], t.as_second() + 61 + 120);

    let sink = SmtpSink::start(port).await;
    let report = w.run_once(plus(t, 100)).await.expect("step");
    assert_eq!(report.sent, 0, "not before its retry time");
    let report = w.run_once(plus(t, 200)).await.expect("step");
    assert_eq!(report.sent, 1, "{report:?}");
    let mails = sink.wait_for(1, 5).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["rcpt_tos"][0], "guardian1@example.dk");
    assert!(mails[0]["subject"].as_str().expect("s").contains("Udflugt"));
    assert_eq!(outbox_of(&app, "guardian1").await[0]["status"], "sent");
}

async fn restarted_worker_resumes_the_outbox(app: TestApp) {
    if !smtp_tests_can_run("restarted_worker_resumes_the_outbox") {
        return;
    }
    send(
        &app,
        "teacher1",
        &["guardian1"],
        "Før genstart",
        "Første besked.",
        "ordinary",
    )
    .await;
    send(
        &app,
        "teacher1",
        &["guardian2"],
        "Under afsendelse",
        "Anden besked.",
        "ordinary",
    )
    .await;
    // First run: no SMTP server configured; the mail stays in the outbox.
    let report = worker(&app, None)
        .run_once(skolebro_store::clock::now())
        .await
        .expect("step");
    assert_eq!(report.sent, 0);
    assert_eq!(outbox_of(&app, "guardian1").await[0]["status"], "pending");
    // A worker that claimed the second notice and died before sending it.
    let claimed = app
        .store
        .claim_due(skolebro_store::clock::now().as_second(), 1, 2, None)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    // The server restarts with a mail server: its worker picks up both by itself.
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    tokio::time::sleep(Duration::from_secs(3)).await; // the dead worker's lease runs out
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = skolebro_web::notify::spawn(
        Arc::new(worker(&app, Some(port))),
        Duration::from_millis(200),
        stopped,
    );
    let mails = sink.wait_for(2, 15).await;
    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the worker stops on shutdown")
        .expect("worker task");
    let mut to: Vec<String> = mails
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap_or_default().to_owned())
        .collect();
    to.sort();
    assert_eq!(to, ["guardian1@example.dk", "guardian2@example.dk"]);
}

async fn people_without_an_address_are_skipped_and_recorded(app: TestApp) {
    // Pupils have no e-mail address in the demo school.
    send(
        &app,
        "teacher1",
        &["pupil1"],
        "Husk idrætstøj",
        "I morgen.",
        "ordinary",
    )
    .await;
    let port = free_port(); // nothing listens: no mail may even be tried
    let report = worker(&app, Some(port))
        .run_once(next(Weekday::Wednesday, 10, 0))
        .await
        .expect("step");
    assert_eq!((report.skipped, report.failed), (1, 0), "{report:?}");
    let rows = outbox_of(&app, "pupil1").await;
    assert_eq!(rows[0]["status"], "skipped");
    assert_eq!(rows[0]["reason"], "no_address");
    // The outbox is for leaders only, and shows no content.
    let leader = app.token("leader1").await;
    let (status, outbox) = app
        .api_get(Some(&leader), "/api/v1/notifications/outbox?status=skipped")
        .await;
    assert_eq!(status, 200);
    assert!(outbox["counts"]["skipped"].as_i64() >= Some(1));
    assert!(
        !outbox.to_string().contains("idrætstøj"),
        "no content in the outbox view"
    );
    let (status, _) = app
        .api_get(Some(&leader), "/api/v1/notifications/outbox?status=lost")
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .api_get(Some(&leader), "/api/v1/notifications/outbox?before=x")
        .await;
    assert_eq!(status, 422);
    let guardian = app.token("guardian1").await;
    let (status, _) = app
        .api_get(Some(&guardian), "/api/v1/notifications/outbox")
        .await;
    assert_eq!(status, 404);
    // The leaders' page names the person and says it was not sent, without the content.
    let page = app
        .signed_in("leader1")
        .await
        .get(app.url("/notifications/outbox?status=skipped"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    let pupil = app
        .store
        .me(app.id_of("pupil1").await)
        .await
        .expect("pupil")
        .person
        .full();
    assert!(html.contains(&pupil), "{pupil} in the outbox page");
    assert!(html.contains("Ikke sendt") && html.contains("Ingen e-mailadresse"));
    assert!(!html.contains("idrætstøj"), "no content");
    let page = app
        .signed_in("guardian1")
        .await
        .get(app.url("/notifications/outbox"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 404);
}

async fn emergencies_go_through_with_sms_within_budget(app: TestApp) {
    if !smtp_tests_can_run("emergencies_go_through_with_sms_within_budget") {
        return;
    }
    use skolebro_domain::notify::NotifyKind;
    use skolebro_store::notify::Notification;
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("one")
        .id;
    app.store
        .set_sms_daily_budget(school, 1)
        .await
        .expect("budget");
    // teacher1 turned posts off; an emergency reaches them anyway, on a Saturday night.
    let teacher = app.token("teacher1").await;
    let r = app
        .client()
        .put(app.url("/api/v1/me/notifications"))
        .bearer_auth(&teacher)
        .json(&json!({"preferences": [{"kind": "post", "delivery": "off"}]}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    let mut notices = vec![];
    for who in ["teacher1", "guardian1"] {
        notices.push(Notification {
            school_id: school,
            person_id: app.id_of(who).await,
            kind: NotifyKind::Post,
            subject: "Skolen er lukket i dag".into(),
            body: "Vandskade. Børnene kan hentes fra kl. 8.".into(),
            link: "/posts/1".into(),
            sensitive: false,
            emergency: true,
        });
    }
    app.store.enqueue(&notices).await.expect("enqueue");
    let report = worker(&app, Some(port))
        .run_once(next(Weekday::Saturday, 23, 0))
        .await
        .expect("step");
    let mails = sink.wait_for(2, 5).await;
    let mut to: Vec<String> = mails
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap_or_default().to_owned())
        .collect();
    to.sort();
    assert_eq!(to, ["guardian1@example.dk", "teacher1@example.dk"]);
    // Two mails and one SMS went out; the second SMS is over the day's budget.
    assert_eq!((report.sent, report.skipped), (3, 1), "{report:?}");
    let leader = app.token("leader1").await;
    let (_, outbox) = app
        .api_get(Some(&leader), "/api/v1/notifications/outbox?status=skipped")
        .await;
    assert!(outbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|i| i["channel"] == "sms" && i["reason"] == "sms_budget"));
}

/// MSG-6: an invitation's reminder reaches the people it is for once its time has come, except
/// those who answered no and its author; a second step sends it again to nobody.
async fn event_reminders_reach_the_invited_once(app: TestApp) {
    if !smtp_tests_can_run("event_reminders_reach_the_invited_once") {
        return;
    }
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    let class = app.class_of("pupil1").await;
    let tz = TimeZone::get("Europe/Copenhagen").expect("tz");
    let at = |hours: i64| {
        skolebro_store::clock::now()
            .checked_add(jiff::SignedDuration::from_hours(hours))
            .expect("time")
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    };
    let teacher = app.token("teacher1").await;
    let r = app
        .client()
        .post(app.url("/api/v1/events"))
        .bearer_auth(&teacher)
        .json(
            &json!({"audience": "class", "class_id": class, "title": "Svømmedag i hallen",
                      "place": "Svømmehallen", "starts_at": at(24 * 10), "ends_at": at(24 * 10 + 2),
                      "rsvp": true, "reminder_at": at(-1)}),
        )
        .send()
        .await
        .expect("event");
    assert_eq!(r.status(), 201, "the event is planned");
    let event = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let r = app
        .client()
        .put(app.url(&format!("/api/v1/events/{event}/rsvp")))
        .bearer_auth(app.token("guardian2").await)
        .json(&json!({"answer": "no"}))
        .send()
        .await
        .expect("rsvp");
    assert_eq!(r.status(), 200, "guardian2 declines");

    let w = worker(&app, Some(port));
    let report = w
        .run_once(next(Weekday::Wednesday, 10, 0))
        .await
        .expect("step");
    assert!(report.sent >= 2, "{report:?}");
    let mails = sink.wait_for(report.sent, 5).await;
    let to: Vec<String> = mails
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("Svømmedag i hallen")
        })
        .flat_map(|m| m["rcpt_tos"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    assert!(to.contains(&"guardian1@example.dk".to_owned()), "{to:?}");
    assert!(
        !to.contains(&"guardian2@example.dk".to_owned()),
        "declined: {to:?}"
    );
    assert!(
        !to.iter().any(|a| a.starts_with("teacher1@")),
        "the author: {to:?}"
    );
    // Another step finds nothing new to remind.
    let again = w
        .run_once(next(Weekday::Wednesday, 10, 5))
        .await
        .expect("step");
    assert_eq!(again.sent, 0, "{again:?}");
}

/// MSG-5/MSG-8: a scheduled post is announced when it goes live, not when it is written, and
/// once.
async fn a_scheduled_post_is_announced_when_it_goes_live(app: TestApp) {
    if !smtp_tests_can_run("a_scheduled_post_is_announced_when_it_goes_live") {
        return;
    }
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    let class = app.class_of("pupil1").await;
    let live = next(Weekday::Wednesday, 9, 0);
    let r = app
        .client()
        .post(app.url("/api/v1/posts"))
        .bearer_auth(app.token("teacher1").await)
        .json(
            &json!({"audience": {"class": class}, "title": "Juleklip i klassen",
                      "body": "Tag en saks med.", "publish_at": live.to_string()}),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "the post is scheduled");

    let w = worker(&app, Some(port));
    let before = w.run_once(plus(live, -3600)).await.expect("step");
    assert_eq!(before.sent, 0, "not announced before it is out: {before:?}");
    let after = w.run_once(plus(live, 3600)).await.expect("step");
    assert!(after.sent >= 1, "{after:?}");
    let mails = sink.wait_for(after.sent, 5).await;
    let to: Vec<String> = mails
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("Juleklip i klassen")
        })
        .flat_map(|m| m["rcpt_tos"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    assert!(to.contains(&"guardian1@example.dk".to_owned()), "{to:?}");
    assert!(
        !to.iter().any(|a| a.starts_with("teacher1@")),
        "the author: {to:?}"
    );
    let again = w.run_once(plus(live, 3900)).await.expect("step");
    assert_eq!(again.sent, 0, "announced once: {again:?}");
}

/// MSG-8 for conferences: the families hear of a new round, of a time staff booked for them
/// and of a shared summary (never its text); the one who acts is not told of their own act.
async fn families_hear_of_rounds_bookings_and_summaries(app: TestApp) {
    if !smtp_tests_can_run("families_hear_of_rounds_bookings_and_summaries") {
        return;
    }
    let port = free_port();
    let sink = SmtpSink::start(port).await;
    let pupil2 = app.id_of("pupil2").await;
    let class = app.class_of("pupil2").await;
    let teacher = app.token("teacher1").await;
    let day = next(Weekday::Wednesday, 0, 0)
        .to_zoned(TimeZone::get("Europe/Copenhagen").expect("tz"))
        .date();
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/classes/{class}/conference-rounds")))
        .bearer_auth(&teacher)
        .json(
            &json!({"title": "Samtaler før jul", "form": "school", "slot_minutes": 20,
                      "days": [{"date": day.to_string(), "start": "14:00", "end": "15:00"}]}),
        )
        .send()
        .await
        .expect("round");
    assert_eq!(r.status(), 201, "the round is planned");
    let round = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let r = app
        .client()
        .get(app.url(&format!("/api/v1/conference-rounds/{round}")))
        .bearer_auth(&teacher)
        .send()
        .await
        .expect("round");
    let slot = r.json::<Value>().await.expect("json")["slots"][0]["id"]
        .as_i64()
        .expect("slot");
    // Staff book for guardian2's child (the initiative duty).
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/conference-slots/{slot}/booking")))
        .bearer_auth(&teacher)
        .json(&json!({"pupil": pupil2.0}))
        .send()
        .await
        .expect("booking");
    assert_eq!(r.status(), 201);
    let booking = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let summary = "Et godt efterår med mange nye venner.";
    let r = app
        .client()
        .put(app.url(&format!("/api/v1/bookings/{booking}/notes")))
        .bearer_auth(&teacher)
        .json(&json!({"summary": summary, "internal_note": "Kun for os.", "share": true}))
        .send()
        .await
        .expect("notes");
    assert_eq!(r.status(), 200, "the summary is shared");

    let w = worker(&app, Some(port));
    let report = w
        .run_once(next(Weekday::Wednesday, 10, 0))
        .await
        .expect("step");
    let mails = sink.wait_for(report.sent, 5).await;
    let to_of = |text: &str| -> Vec<String> {
        mails
            .iter()
            .filter(|m| m["body"].as_str().unwrap_or_default().contains(text))
            .flat_map(|m| m["rcpt_tos"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect()
    };
    let round_told = to_of("Book en tid senest");
    assert!(
        round_told.contains(&"guardian1@example.dk".to_owned()),
        "{round_told:?}"
    );
    assert!(
        round_told.contains(&"guardian2@example.dk".to_owned()),
        "{round_told:?}"
    );
    assert!(
        !round_told.iter().any(|a| a.starts_with("teacher1@")),
        "{round_told:?}"
    );
    let booked_told = to_of("Samtalen om");
    assert!(
        booked_told.contains(&"guardian2@example.dk".to_owned()),
        "{booked_told:?}"
    );
    assert!(
        !booked_told.contains(&"guardian1@example.dk".to_owned()),
        "{booked_told:?}"
    );
    let summary_told = to_of("Referatet fra samtalen");
    assert!(
        summary_told.contains(&"guardian2@example.dk".to_owned()),
        "{summary_told:?}"
    );
    for m in &mails {
        // ASCII parts of the notes: the raw mail may be quoted-printable.
        let data = format!("{}\n{}\n{}", m["subject"], m["body"], m["raw"]);
        assert!(
            !data.contains("mange nye venner") && !data.contains("Kun for os"),
            "no notes in mail: {data}"
        );
    }
}

on_both_databases!(
    families_hear_of_rounds_bookings_and_summaries,
    a_scheduled_post_is_announced_when_it_goes_live,
    event_reminders_reach_the_invited_once,
    mail_reaches_each_recipient_alone,
    sensitive_message_mail_has_no_content,
    staff_are_held_until_contact_hours,
    preference_off_sends_nothing,
    settings_page_saves_and_refuses,
    digest_gathers_one_mail_at_its_hour,
    mail_waits_while_the_server_is_down,
    restarted_worker_resumes_the_outbox,
    people_without_an_address_are_skipped_and_recorded,
    emergencies_go_through_with_sms_within_budget,
);

/// The real binary, started with a mail relay that is down: a message is kept and retried, and
/// reaches the relay once it is up; SIGTERM stops the server and its worker cleanly. About a
/// minute: the first retry comes 60 s after the first failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_delivers_once_the_relay_comes_up() {
    use std::io::{BufRead, BufReader};
    if !smtp_tests_can_run("the_server_delivers_once_the_relay_comes_up") {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_skolebro"))
        .env_remove("DATABASE_URL")
        .env_remove("SKOLEBRO_LISTEN")
        .args(["demo", "--listen", "127.0.0.1:0", "--pupils", "20"])
        .args([
            "--demo-password",
            common::PASSWORD,
            "--notify-interval",
            "1",
        ])
        .args(["--public-url", PUBLIC])
        .arg("--smtp-url")
        .arg(format!("smtp://127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start skolebro");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("an address").expect("line");
        if let Some(rest) = line.strip_prefix("skolebro is listening on ") {
            break rest.trim().to_owned();
        }
    };
    let client = reqwest::Client::new();
    let token = |user: &'static str| {
        let client = client.clone();
        let url = format!("{base}/api/v1/session");
        async move {
            let r: Value = client
                .post(url)
                .json(&json!({"username": user, "password": common::PASSWORD}))
                .send()
                .await
                .expect("session")
                .json()
                .await
                .expect("json");
            r["token"].as_str().expect("token").to_owned()
        }
    };
    let teacher = token("teacher1").await;
    let guardian = token("guardian1").await;
    let leader = token("leader1").await;
    let (_, me): (u16, Value) = {
        let r = client
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(&guardian)
            .send()
            .await
            .expect("me");
        (r.status().as_u16(), r.json().await.expect("json"))
    };
    let guardian_id = me["id"]
        .as_i64()
        .or(me["person"]["id"].as_i64())
        .expect("id");
    let r = client
        .post(format!("{base}/api/v1/threads"))
        .bearer_auth(&teacher)
        .json(
            &json!({"recipients": [guardian_id], "subject": "Svømning flyttes",
                      "body": "Svømning er torsdag i denne uge.", "kind": "ordinary"}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);
    // The worker tries, the relay is down: the notice waits with one attempt.
    let mut tried = false;
    for _ in 0..100 {
        let outbox: Value = client
            .get(format!("{base}/api/v1/notifications/outbox"))
            .bearer_auth(&leader)
            .send()
            .await
            .expect("outbox")
            .json()
            .await
            .expect("json");
        if outbox["items"].as_array().is_some_and(|i| {
            i.iter()
                .any(|n| n["person_id"] == guardian_id && n["attempts"] == 1)
        }) {
            assert_eq!(outbox["counts"]["sent"], 0);
            tried = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(tried, "the worker tried once and kept the notice");
    let sink = SmtpSink::start(port).await;
    let mails = sink.wait_for(1, 90).await;
    assert_eq!(mails.len(), 1, "the mail arrives once the relay is up");
    assert_eq!(mails[0]["rcpt_tos"][0], "guardian1@example.dk");
    assert!(mails[0]["subject"]
        .as_str()
        .expect("subject")
        .contains("Svømning flyttes"));
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
    let exited = exited.expect("the server and its worker stop on SIGTERM");
    assert!(exited.success(), "clean exit: {exited:?}");
}
