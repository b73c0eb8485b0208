//! Crash safety (issue #9): the real binary on a fresh database, a burst of writes over HTTP
//! (messages, absence reports, conference bookings) from clients that record every write the
//! server acknowledged (2xx), the server killed with SIGKILL at random moments, restarted, and
//! every acknowledged write checked to be there, intact. At least 50 kills in a row, on SQLite
//! and on PostgreSQL. And a full disk: SQLite on a 4 MB tmpfs answers 507 when the disk is full,
//! not a panic or a hang, and after space is freed the database passes `PRAGMA integrity_check`
//! with every acknowledged write intact.
//!
//! Rerun: `cargo test -p skolebro --test crash -- --nocapture` (PostgreSQL half with
//! `SKOLEBRO_TEST_DATABASE_URL`); the seed of the random kill moments is printed, and
//! `SKOLEBRO_CRASH_SEED` replays one.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const KILLS: usize = 50;
const PASSWORD: &str = "crash-test-password";

/// A small xorshift generator: the kill moments need no more, and the seed is printed.
struct Rng(u64);

impl Rng {
    fn new() -> (Rng, u64) {
        let seed = std::env::var("SKOLEBRO_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
                    | 1
            });
        (Rng(seed), seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Where the server keeps its data.
#[derive(Clone)]
struct Target {
    data_dir: PathBuf,
    database_url: Option<String>,
    /// More options for `skolebro demo`.
    extra: Vec<String>,
}

struct Server {
    child: Child,
    url: String,
}

/// Starts `skolebro demo` (which creates the demo school on an empty database and serves an
/// existing one as it is) and waits until it listens.
async fn start(target: &Target) -> Server {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(target.data_dir.join("server.log"))
        .expect("log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_skolebro"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("SKOLEBRO_LISTEN")
        // The burst is one client writing as fast as it can: no rate limits here.
        .env("SKOLEBRO_MESSAGE_SENDS_PER_MINUTE", "0")
        .env("SKOLEBRO_ABSENCE_REPORTS_PER_MINUTE", "0")
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--pupils",
            "40",
            "--demo-password",
            PASSWORD,
        ])
        .arg("--data-dir")
        .arg(&target.data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log));
    if let Some(url) = &target.database_url {
        command.arg("--database-url").arg(url);
    }
    command.args(&target.extra);
    let mut child = command.spawn().expect("start skolebro");
    let stdout = child.stdout.take().expect("stdout");
    let url = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut printed = String::new();
        loop {
            let Some(Ok(line)) = lines.next() else {
                return Err(printed);
            };
            if let Some(rest) = line.strip_prefix("skolebro is listening on ") {
                // Keep reading, so the server never blocks on a full pipe.
                let url = rest.trim().to_owned();
                std::thread::spawn(move || for _ in lines {});
                return Ok(url);
            }
            printed.push_str(&line);
            printed.push('\n');
        }
    });
    let url = tokio::time::timeout(Duration::from_secs(60), url)
        .await
        .expect("the server starts within a minute")
        .expect("reader")
        .unwrap_or_else(|printed| {
            let log =
                std::fs::read_to_string(target.data_dir.join("server.log")).unwrap_or_default();
            panic!("the server did not start:\n{printed}\n{log}")
        });
    Server { child, url }
}

/// A server the test has not killed itself (it failed, or it ended) goes with the test: a
/// panicking test otherwise left `skolebro demo` running on its tmpfs.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// SIGKILL: no shutdown, no flushing, no goodbye.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn token(url: &str, username: &str) -> String {
    let response = client()
        .post(format!("{url}/api/v1/session"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .expect("session");
    assert_eq!(response.status(), 200, "{username} signs in");
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("token").to_owned()
}

async fn get(url: &str, token: &str, path: &str) -> (u16, Value) {
    let response = client()
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One acknowledged write, as the client saw it.
#[derive(Debug, Clone)]
enum Write {
    Message {
        thread_id: i64,
        subject: String,
        body: String,
    },
    Absence {
        id: i64,
        pupil: i64,
        day: String,
        note: String,
    },
    Booking {
        id: i64,
        slot: i64,
        pupil: i64,
    },
}

/// What the writers share: the tokens, the keys still unused, the acknowledged writes and any
/// answer that was neither a success nor a lost connection.
struct Plan {
    teacher: String,
    guardian: i64,
    pupils: Vec<i64>,
    /// Past school days of this school year, for the teacher's absence reports.
    days: Vec<String>,
    /// Conference rounds and their slots, for bookings.
    rounds: Vec<(i64, Vec<i64>)>,
    next: Mutex<Counters>,
    acknowledged: Mutex<Vec<Write>>,
    unexpected: Mutex<Vec<String>>,
}

#[derive(Default)]
struct Counters {
    message: usize,
    absence: usize,
    booking: usize,
}

impl Plan {
    fn take(&self, pick: impl FnOnce(&mut Counters) -> &mut usize) -> usize {
        let mut c = self.next.lock().expect("counters");
        let n = pick(&mut c);
        *n += 1;
        *n - 1
    }
}

/// Posts `body`; `Some(json)` on 2xx, `None` when the connection died (the kill). Any other
/// answer is recorded as unexpected.
async fn post(plan: &Plan, url: &str, path: &str, body: Value) -> Option<Option<Value>> {
    let response = client()
        .post(format!("{url}{path}"))
        .bearer_auth(&plan.teacher)
        .json(&body)
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(_) => return None,
    };
    let status = response.status();
    let json: Option<Value> = response.json().await.ok();
    if status.is_success() {
        // An acknowledged write is one whose answer arrived whole.
        json.map(|j| Some(Some(j))).unwrap_or(None)
    } else {
        plan.unexpected
            .lock()
            .expect("unexpected")
            .push(format!("POST {path}: {status} {json:?}"));
        Some(None)
    }
}

async fn write_messages(plan: Arc<Plan>, url: String) {
    loop {
        let n = plan.take(|c| &mut c.message);
        let subject = format!("Nedbrud {n}");
        let body = format!("Kære forældre — besked nr. {n} med æøå og \"citat\" <b>{n}</b>");
        let sent = post(
            &plan,
            &url,
            "/api/v1/threads",
            json!({"recipients": [plan.guardian], "subject": subject, "body": body}),
        )
        .await;
        match sent {
            None => return,
            Some(None) => {}
            Some(Some(created)) => plan.acknowledged.lock().expect("ack").push(Write::Message {
                thread_id: created["thread_id"].as_i64().expect("thread id"),
                subject,
                body,
            }),
        }
    }
}

async fn write_absences(plan: Arc<Plan>, url: String) {
    loop {
        let n = plan.take(|c| &mut c.absence);
        let Some(day) = plan.days.get(n / plan.pupils.len()) else {
            return;
        };
        let pupil = plan.pupils[n % plan.pupils.len()];
        let note = format!("Syg, besked {n} fra far — ø");
        let sent = post(
            &plan,
            &url,
            &format!("/api/v1/pupils/{pupil}/absences"),
            json!({"from": day, "reason": "illness", "note": note}),
        )
        .await;
        match sent {
            None => return,
            Some(None) => {}
            Some(Some(created)) => plan.acknowledged.lock().expect("ack").push(Write::Absence {
                id: created["id"].as_i64().expect("id"),
                pupil,
                day: day.clone(),
                note,
            }),
        }
    }
}

async fn write_bookings(plan: Arc<Plan>, url: String) {
    loop {
        let n = plan.take(|c| &mut c.booking);
        let Some((round, slots)) = plan.rounds.get(n / plan.pupils.len()) else {
            return;
        };
        let k = n % plan.pupils.len();
        let (pupil, slot) = (plan.pupils[k], slots[k]);
        let sent = post(
            &plan,
            &url,
            &format!("/api/v1/conference-rounds/{round}/bookings"),
            json!({"slot_id": slot, "pupil_id": pupil}),
        )
        .await;
        match sent {
            None => return,
            Some(None) => {}
            Some(Some(created)) => plan.acknowledged.lock().expect("ack").push(Write::Booking {
                id: created["id"].as_i64().expect("id"),
                slot,
                pupil,
            }),
        }
    }
}

/// Checks that every write in `writes` is there, intact; returns what is missing or changed.
async fn verify(plan: &Plan, url: &str, writes: &[Write]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut absences: BTreeMap<i64, Value> = BTreeMap::new();
    for write in writes {
        match write {
            Write::Message {
                thread_id,
                subject,
                body,
            } => {
                let (status, thread) =
                    get(url, &plan.teacher, &format!("/api/v1/threads/{thread_id}")).await;
                let found = status == 200
                    && thread["subject"] == subject.as_str()
                    && thread["messages"]
                        .as_array()
                        .is_some_and(|m| m.iter().any(|m| m["body"] == body.as_str()));
                if !found {
                    problems.push(format!(
                        "message {thread_id} {subject:?}: {status} {thread}"
                    ));
                }
            }
            Write::Absence {
                id,
                pupil,
                day,
                note,
            } => {
                if !absences.contains_key(pupil) {
                    let (_, list) = get(
                        url,
                        &plan.teacher,
                        &format!("/api/v1/pupils/{pupil}/absences"),
                    )
                    .await;
                    absences.insert(*pupil, list);
                }
                let found = absences[pupil].as_array().is_some_and(|l| {
                    l.iter().any(|r| {
                        r["id"] == *id
                            && r["from"] == day.as_str()
                            && r["reason"] == "illness"
                            && r["note"] == note.as_str()
                    })
                });
                if !found {
                    problems.push(format!("absence {id} of pupil {pupil} on {day}"));
                }
            }
            Write::Booking { id, slot, pupil } => {
                let (status, booking) =
                    get(url, &plan.teacher, &format!("/api/v1/bookings/{id}")).await;
                if status != 200 || booking["slot_id"] != *slot || booking["pupil_id"] != *pupil {
                    problems.push(format!("booking {id}: {status} {booking}"));
                }
            }
        }
    }
    problems
}

/// Past working days of this school year, newest first.
fn past_school_days(max: usize) -> Vec<String> {
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz");
    let today = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz)
        .date();
    let (start, _) = skolebro_domain::calendar::school_year(today);
    let mut out = Vec::new();
    let mut d = today.yesterday().expect("yesterday");
    while d >= start && out.len() < max {
        if skolebro_domain::calendar::is_working_day(d) {
            out.push(d.to_string());
        }
        d = d.yesterday().expect("yesterday");
    }
    out
}

/// Builds the plan on a freshly started server: tokens, the class's pupils, conference rounds.
async fn plan(url: &str) -> Plan {
    let teacher = token(url, "teacher1").await;
    let (_, me) = get(url, &teacher, "/api/v1/me").await;
    let class = me["classes"][0]["id"].as_i64().expect("teacher1's class");
    let guardian_token = token(url, "guardian1").await;
    let (_, guardian) = get(url, &guardian_token, "/api/v1/me").await;
    let guardian = guardian["id"]
        .as_i64()
        .or_else(|| guardian["person"]["id"].as_i64())
        .expect("guardian1's id");
    let (status, class_json) = get(url, &teacher, &format!("/api/v1/classes/{class}")).await;
    assert_eq!(status, 200, "{class_json}");
    let pupils: Vec<i64> = class_json["pupils"]
        .as_array()
        .expect("pupils")
        .iter()
        .filter_map(|p| p["id"].as_i64().or_else(|| p["person"]["id"].as_i64()))
        .take(8)
        .collect();
    assert!(pupils.len() >= 4, "pupils of the class: {class_json}");
    // Rounds on working days from three weeks ahead, one a day, a slot per pupil and more.
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz");
    let mut day = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz)
        .date()
        .checked_add(jiff::Span::new().days(21))
        .expect("date");
    let mut rounds = Vec::new();
    while rounds.len() < 40 {
        day = day.tomorrow().expect("tomorrow");
        if !skolebro_domain::calendar::is_working_day(day) {
            continue;
        }
        let response = client()
            .post(format!("{url}/api/v1/classes/{class}/conference-rounds"))
            .bearer_auth(&teacher)
            .json(&json!({"form": "school", "slot_minutes": 15,
                   "days": [{"date": day.to_string(), "start": "08:00", "end": "11:00"}]}))
            .send()
            .await
            .expect("round");
        if response.status() != 201 {
            // A holiday of the school's calendar: the next day will do.
            continue;
        }
        let created: Value = response.json().await.expect("json");
        let id = created["id"].as_i64().expect("round id");
        let (_, round) = get(url, &teacher, &format!("/api/v1/conference-rounds/{id}")).await;
        let slots: Vec<i64> = round["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .filter_map(|s| s["id"].as_i64())
            .collect();
        assert!(slots.len() >= pupils.len());
        rounds.push((id, slots));
    }
    Plan {
        teacher,
        guardian,
        days: past_school_days(60),
        pupils,
        rounds,
        next: Mutex::new(Counters::default()),
        acknowledged: Mutex::new(Vec::new()),
        unexpected: Mutex::new(Vec::new()),
    }
}

async fn kill_loop(target: Target) {
    let started = Instant::now();
    let (mut rng, seed) = Rng::new();
    eprintln!("crash test: seed {seed} (SKOLEBRO_CRASH_SEED={seed} replays the kill moments)");
    let server = start(&target).await;
    let plan = Arc::new(plan(&server.url).await);
    server.kill();
    let mut checked = 0;
    for kill in 0..KILLS {
        let server = start(&target).await;
        // The writes acknowledged before the last kill are the ones at risk.
        let recent: Vec<Write> = plan.acknowledged.lock().expect("ack")[checked..].to_vec();
        let problems = verify(&plan, &server.url, &recent).await;
        assert!(
            problems.is_empty(),
            "after kill {kill}, acknowledged writes are lost or changed:\n{}",
            problems.join("\n")
        );
        checked += recent.len();
        let writers = [
            tokio::spawn(write_messages(plan.clone(), server.url.clone())),
            tokio::spawn(write_absences(plan.clone(), server.url.clone())),
            tokio::spawn(write_bookings(plan.clone(), server.url.clone())),
        ];
        tokio::time::sleep(Duration::from_millis(20 + rng.below(400))).await;
        server.kill();
        for w in writers {
            tokio::time::timeout(Duration::from_secs(30), w)
                .await
                .expect("writers stop when the server is gone")
                .expect("writer");
        }
    }
    // After the last kill: everything acknowledged in the whole run.
    let server = start(&target).await;
    let all = plan.acknowledged.lock().expect("ack").clone();
    let problems = verify(&plan, &server.url, &all).await;
    server.kill();
    assert!(
        problems.is_empty(),
        "acknowledged writes lost or changed:\n{}",
        problems.join("\n")
    );
    let unexpected = plan.unexpected.lock().expect("unexpected").clone();
    assert!(
        unexpected.is_empty(),
        "answers that were neither success nor a lost connection:\n{}",
        unexpected.join("\n")
    );
    let count = |f: fn(&Write) -> bool| all.iter().filter(|w| f(w)).count();
    let (messages, absences, bookings) = (
        count(|w| matches!(w, Write::Message { .. })),
        count(|w| matches!(w, Write::Absence { .. })),
        count(|w| matches!(w, Write::Booking { .. })),
    );
    eprintln!(
        "crash test: {KILLS} kills in {:.1} s; {} acknowledged writes intact \
         ({messages} messages, {absences} absence reports, {bookings} bookings)",
        started.elapsed().as_secs_f64(),
        all.len()
    );
    assert!(messages >= KILLS, "a burst of messages in every round");
    // Early in a school year there are few past school days to report absence on.
    assert!(absences >= KILLS.min(plan.days.len() * plan.pupils.len() / 2));
    assert!(bookings >= KILLS / 2);
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "the crash test is bounded: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    kill_loop(Target {
        data_dir: dir.path().to_owned(),
        database_url: None,
        extra: Vec::new(),
    })
    .await;
}

/// A PostgreSQL database of its own, dropped afterwards.
async fn pg_database(admin_url: &str) -> (String, impl FnOnce()) {
    let name = format!("skolebro_crash_{}", std::process::id());
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url)
        .await
        .expect("connect to the PostgreSQL test server");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .expect("drop");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let (base, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
    let prefix = &base[..base.rfind('/').expect("a database in the URL")];
    let url = if query.is_empty() {
        format!("{prefix}/{name}")
    } else {
        format!("{prefix}/{name}?{query}")
    };
    let admin = admin_url.to_owned();
    let drop = move || {
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    };
    (url, drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_on_postgres() {
    let Some(admin_url) = common::postgres_url() else {
        eprintln!("skipped: the crash test on PostgreSQL (set SKOLEBRO_TEST_DATABASE_URL)");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let (url, drop) = pg_database(&admin_url).await;
    kill_loop(Target {
        data_dir: dir.path().to_owned(),
        database_url: Some(url),
        extra: Vec::new(),
    })
    .await;
    drop();
}

fn mount_tmpfs(dir: &Path, size: &str) -> Result<(), String> {
    let out = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Unmounts the small file system when the test ends, however it ends.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_507_and_loses_nothing() {
    let outer = tempfile::tempdir().expect("dir");
    let dir = outer.path().join("small");
    std::fs::create_dir(&dir).expect("mount point");
    if let Err(e) = mount_tmpfs(&dir, "4m") {
        eprintln!("skipped: the full-disk test needs `mount -t tmpfs` (run as root): {e}");
        return;
    }
    let _mounted = Mounted(dir.clone());
    let target = Target {
        data_dir: dir.clone(),
        database_url: None,
        extra: Vec::new(),
    };
    let server = start(&target).await;
    let teacher = token(&server.url, "teacher1").await;
    let guardian_token = token(&server.url, "guardian1").await;
    let (_, me) = get(&server.url, &guardian_token, "/api/v1/me").await;
    let guardian = me["id"]
        .as_i64()
        .or_else(|| me["person"]["id"].as_i64())
        .expect("guardian1's id");
    // Ballast to free later: a quarter of what is left, so freeing it makes room again.
    let free_now = {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&dir)
            .output()
            .expect("df");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse::<usize>().ok())
            .expect("free bytes")
    };
    let ballast = dir.join("ballast");
    std::fs::write(&ballast, vec![0u8; free_now / 4]).expect("ballast");
    let send = |n: usize| {
        let (url, teacher) = (server.url.clone(), teacher.clone());
        async move {
            let body = format!("Fyld {n} ") + &"æøå skolebro ".repeat(700) + "slut";
            let response = client()
                .post(format!("{url}/api/v1/threads"))
                .bearer_auth(&teacher)
                .header("accept-language", "en")
                .json(&json!({"recipients": [guardian], "subject": format!("Fyld {n}"), "body": body}))
                .send()
                .await
                .expect("the server answers, full disk or not");
            let status = response.status().as_u16();
            let json: Value = response.json().await.unwrap_or(Value::Null);
            (status, json, body)
        }
    };
    let mut acknowledged = Vec::new();
    let mut full = None;
    let started = Instant::now();
    for n in 0..2_000 {
        let (status, json, body) = tokio::time::timeout(Duration::from_secs(30), send(n))
            .await
            .expect("no hang on a full disk");
        match status {
            201 => acknowledged.push((json["thread_id"].as_i64().expect("thread"), body)),
            507 => {
                full = Some(json);
                break;
            }
            other => panic!("a full disk answered {other}: {json}"),
        }
    }
    let problem = full.expect("the disk filled up");
    eprintln!(
        "full disk after {} acknowledged messages in {:.1} s: {problem}",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(problem["status"], 507);
    assert_eq!(problem["title"], "Storage full");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("nothing was saved")),
        "a clear problem: {problem}"
    );
    assert!(acknowledged.len() >= 5, "some writes fitted first");
    // Still (nearly) full: more writes get a whole answer, stored or refused, and reads work.
    for n in 0..5 {
        let (status, json, body) = send(10_000 + n).await;
        match status {
            201 => acknowledged.push((json["thread_id"].as_i64().expect("thread"), body)),
            507 => {}
            other => panic!("a full disk answered {other}: {json}"),
        }
    }
    let (status, _) = get(&server.url, &teacher, "/api/v1/threads").await;
    assert!(
        matches!(status, 200 | 507),
        "reading on a full disk: {status}"
    );
    // Space freed: the same server writes again.
    std::fs::remove_file(&ballast).expect("free space");
    let mut recovered = false;
    for n in 0..20 {
        let (status, json, body) = send(20_000 + n).await;
        if status == 201 {
            acknowledged.push((json["thread_id"].as_i64().expect("thread"), body));
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "writes succeed again once there is room");
    server.kill();
    // Room for what comes next: the check's checkpoint folds the WAL into the database file.
    let grown = Command::new("mount")
        .args(["-o", "remount,size=16m"])
        .arg(&dir)
        .status()
        .expect("remount");
    assert!(grown.success(), "the file system grows");
    // The database file is sound, and every acknowledged message is there, intact.
    let db = dir.join("skolebro.db");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        db.display()
    ))
    .await
    .expect("open the database");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity check");
    assert_eq!(check, "ok");
    <sqlx::SqliteConnection as sqlx::Connection>::close(conn)
        .await
        .expect("close");
    let server = start(&target).await;
    for (thread, body) in &acknowledged {
        let (status, json) = get(&server.url, &teacher, &format!("/api/v1/threads/{thread}")).await;
        assert_eq!(status, 200, "thread {thread}");
        assert!(
            json["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["body"] == body.as_str())),
            "message of thread {thread} intact"
        );
    }
    server.kill();
}

/// `--behind-tls` (or `SKOLEBRO_BEHIND_TLS`): Secure cookies and HSTS without a proxy header;
/// the options of this area are named in `serve --help` with their environment variables.
#[tokio::test]
async fn behind_tls_marks_cookies_secure_and_sends_hsts() {
    let help = Command::new(env!("CARGO_BIN_EXE_skolebro"))
        .args(["serve", "--help"])
        .output()
        .expect("help");
    let help = String::from_utf8_lossy(&help.stdout);
    for name in [
        "SKOLEBRO_BEHIND_TLS",
        "SKOLEBRO_MESSAGE_SENDS_PER_MINUTE",
        "SKOLEBRO_ABSENCE_REPORTS_PER_MINUTE",
    ] {
        assert!(help.contains(name), "serve --help names {name}:\n{help}");
    }
    let dir = tempfile::tempdir().expect("dir");
    let server = start(&Target {
        data_dir: dir.path().to_owned(),
        database_url: None,
        extra: vec!["--behind-tls".into()],
    })
    .await;
    let response = client()
        .get(format!("{}/login", server.url))
        .send()
        .await
        .expect("login page");
    let hsts = response
        .headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap_or_default().to_ascii_lowercase())
        .unwrap_or_default();
    server.kill();
    assert_eq!(hsts.as_deref(), Some("max-age=31536000; includeSubDomains"));
    assert!(
        cookie.contains("secure") && cookie.contains("httponly"),
        "{cookie}"
    );
}
