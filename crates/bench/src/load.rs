//! `skolebro-bench load`: scripted journeys of signed-in guardians against a running server on
//! this machine, one journey after the other at the same concurrency, each bounded in time and
//! in requests. Every journey's throughput is also given as a fraction of the same server's
//! throughput on a static asset (the ceiling: what HTTP, the client and the machine allow).

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use reqwest::redirect::Policy;

use crate::stats::{ms, parse_duration, summarize, Summary};

#[derive(clap::Args, Debug, Clone)]
pub struct LoadArgs {
    /// The server, on this machine (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub base_url: String,
    /// How long each journey runs once warmed up (`20s`, `2m`, `500ms`).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Untimed run before each journey.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Requests in flight: one worker each, looping its journey.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Signed-in guardians (guardian1..guardianN) the workers take turns as; default: one each.
    #[arg(long)]
    pub users: Option<usize>,
    /// At most this many timed requests per journey.
    #[arg(long, default_value_t = 2_000_000)]
    pub max_requests: u64,
    /// Password of the demo logins (`skolebro demo --demo-password`).
    #[arg(long, env = "SKOLEBRO_DEMO_PASSWORD", default_value = "demo")]
    pub demo_password: String,
    /// Who writes a first message to guardians whose inbox is empty (a new demo school has no
    /// messages).
    #[arg(long, default_value = "leader1")]
    pub sender: String,
    /// Spread the signed-in guardians over this many schools of a `seed --scale` dataset
    /// (school 1's `guardian1`, school 2's `s2-guardian1`, …, then each school's `guardian2`);
    /// 1 signs in `guardian1`..`guardianN` of the demo school.
    #[arg(long, default_value_t = 1)]
    pub schools: usize,
    /// Teachers for the `teacher` journey (each school's `teacher1`, `teacher2`, …, contact
    /// teachers of its first classes, spread like `--schools`); default: `--concurrency`.
    #[arg(long)]
    pub teachers: Option<usize>,
    /// The server's process id: its memory (resident, and the peak) is printed after each
    /// journey, from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The journeys, in order.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "static,asset,inbox,thread,morning"
    )]
    pub journeys: Vec<Journey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Journey {
    /// GET /static/style.css without cookies: the ceiling.
    Static,
    /// GET /static/style.css as a signed-in browser asks for it, with the session cookie.
    Asset,
    /// GET /api/v1/threads with a bearer token.
    Inbox,
    /// GET /api/v1/threads/{id} of a conversation in the user's inbox.
    Thread,
    /// A parent's morning in the browser: GET /overview, then GET /messages, with a session
    /// cookie.
    Morning,
    /// The morning rush of absence reports (ABS-1): every signed-in guardian reports their
    /// child ill for the next school day, once (POST /api/v1/pupils/{child}/absences); the
    /// journey ends when all have reported. Use `--users` for the number of families (5 % of a
    /// 30,000-pupil municipality is 1,500).
    Absence,
    /// Booking night (CON-1): every signed-in guardian books a conference for their child at
    /// once, among the first free times, retrying after a conflict; then every acknowledged
    /// booking is read back (none lost, none double). Needs rounds: `seed --booking-night`.
    Booking,
    /// A contact teacher's morning: open the class register (GET), mark it (POST), post to the
    /// class (POST /api/v1/posts), open the inbox and answer the two newest conversations.
    /// The server needs `--message-sends-per-minute 0`, as the loop writes faster than a
    /// person.
    Teacher,
    /// The announcement spike (the "Aula night"): each school's leader publishes a new post to
    /// the whole school, then the signed-in guardians open it (GET /api/v1/posts/{id}), every
    /// one in turn and again, as fast as they get answers.
    Spike,
}

impl Journey {
    fn name(self) -> &'static str {
        match self {
            Journey::Static => "static",
            Journey::Asset => "asset",
            Journey::Inbox => "inbox",
            Journey::Thread => "thread",
            Journey::Morning => "morning",
            Journey::Absence => "absence",
            Journey::Booking => "booking",
            Journey::Teacher => "teacher",
            Journey::Spike => "spike",
        }
    }
}

/// A signed-in guardian: a client of their own (their connections, their cookie) and a token.
pub(crate) struct User {
    pub name: String,
    pub client: reqwest::Client,
    /// The same person's client without cookies, for the ceiling.
    pub bare: reqwest::Client,
    pub token: String,
    pub person_id: i64,
    pub thread_id: Option<i64>,
    /// The user's first child, for absence reports and bookings.
    pub child_id: Option<i64>,
    /// The first class the user teaches (teachers).
    pub class_id: Option<i64>,
}

/// The login prefix of a dataset school: `` for school 1, `s{n}-` for school n.
pub(crate) fn prefix_of(school: usize) -> String {
    if school > 1 {
        format!("s{school}-")
    } else {
        String::new()
    }
}

/// The `i`th (from 0) of `count` logins of `role` spread evenly over `schools` schools: with
/// fewer logins than schools, `role`1 of every few schools; else each school's `role`1, then
/// each school's `role`2, ….
pub(crate) fn spread_name(role: &str, i: usize, count: usize, schools: usize) -> String {
    let schools = schools.max(1);
    if count <= schools {
        format!("{}{role}1", prefix_of(i * schools / count.max(1) + 1))
    } else {
        format!("{}{role}{}", prefix_of(i % schools + 1), i / schools + 1)
    }
}

/// The login prefix in a username (`s7-` of `s7-guardian3`).
fn prefix_in(username: &str) -> &str {
    match username.find('-') {
        Some(n) if username.starts_with('s') => &username[..=n],
        _ => "",
    }
}

/// What one journey came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub journey: Journey,
    pub steps: usize,
    pub requests: u64,
    pub journeys: u64,
    pub elapsed: Duration,
    pub latency: Summary,
    pub errors: u64,
    pub first_error: Option<String>,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub(crate) fn client() -> Result<reqwest::Client, String> {
    client_with(true)
}

fn client_with(cookies: bool) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .no_proxy()
        .cookie_store(cookies)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(err)
}

/// Refuses anything but this machine: the harness is for loopback.
fn check_loopback(base: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(base).map_err(|e| format!("--base-url {base:?}: {e}"))?;
    let host = url.host_str().unwrap_or("");
    let local = host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.scheme() != "http" || !local {
        return Err(format!(
            "--base-url must be http:// on this machine (127.0.0.1, localhost or [::1]), not {base}"
        ));
    }
    Ok(())
}

pub(crate) async fn json(
    response: reqwest::Response,
    what: &str,
) -> Result<serde_json::Value, String> {
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        return Err(format!("{what}: {status} {text}"));
    }
    response.json().await.map_err(|e| format!("{what}: {e}"))
}

/// Waits as a shed sign-in (429/503) asks, up to 20 times.
async fn shed_retry(
    send: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, String> {
    let mut tries = 0;
    loop {
        let response = send().send().await.map_err(err)?;
        let status = response.status().as_u16();
        if (status == 429 || status == 503) && tries < 20 {
            tries += 1;
            let wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1)
                .clamp(1, 5);
            tokio::time::sleep(Duration::from_millis(wait * 200 + tries * 50)).await;
            continue;
        }
        return Ok(response);
    }
}

pub(crate) async fn api_sign_in(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> Result<String, String> {
    let response = shed_retry(|| {
        client
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": password}))
    })
    .await?;
    let body = json(response, &format!("API sign-in of {username}")).await?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("API sign-in of {username}: no token"))
}

/// Signs in through the form, so that the client holds a session cookie.
async fn web_sign_in(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> Result<(), String> {
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .map_err(err)?
        .text()
        .await
        .map_err(err)?;
    let marker = "name=\"csrf\" value=\"";
    let start = page
        .find(marker)
        .ok_or("the sign-in page has no CSRF token")?
        + marker.len();
    let end = start + page[start..].find('"').ok_or("unterminated CSRF token")?;
    let response = shed_retry(|| {
        client.post(format!("{base}/login")).form(&[
            ("csrf", &page[start..end]),
            ("username", username),
            ("password", password),
        ])
    })
    .await?;
    if response.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(format!(
            "web sign-in of {username}: {} (expected a redirect)",
            response.status()
        ));
    }
    Ok(())
}

async fn first_thread(user: &User, base: &str) -> Result<Option<i64>, String> {
    let response = user
        .client
        .get(format!("{base}/api/v1/threads"))
        .bearer_auth(&user.token)
        .send()
        .await
        .map_err(err)?;
    let body = json(response, "inbox").await?;
    Ok(body["items"]
        .as_array()
        .and_then(|items| items.first())
        .and_then(|i| i["id"].as_i64()))
}

async fn sign_in_user(
    base: String,
    name: String,
    password: String,
    browser: bool,
) -> Result<User, String> {
    let client = client()?;
    let token = api_sign_in(&client, &base, &name, &password).await?;
    if browser {
        web_sign_in(&client, &base, &name, &password).await?;
    }
    let response = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(err)?;
    let me = json(response, "me").await?;
    let person_id = me["id"].as_i64().ok_or("me: no id")?;
    let child_id = me["children"][0]["id"].as_i64();
    let class_id = me["classes"][0]["id"].as_i64();
    let mut user = User {
        name,
        client,
        bare: client_with(false)?,
        token,
        person_id,
        thread_id: None,
        child_id,
        class_id,
    };
    user.thread_id = first_thread(&user, &base).await?;
    Ok(user)
}

/// Signs everyone in before the clock starts (argon2 is slow by design), a few at a time:
/// `count` of `role`'s logins spread over `--schools`, with a browser session when `browser`.
async fn sign_in_all(
    args: &LoadArgs,
    base: &str,
    role: &str,
    count: usize,
    browser: bool,
) -> Result<Vec<User>, String> {
    let mut users: Vec<Option<User>> = (0..count).map(|_| None).collect();
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0;
    while next < count || !set.is_empty() {
        while next < count && set.len() < 4 {
            let (base, name, pw) = (
                base.to_owned(),
                spread_name(role, next, count, args.schools),
                args.demo_password.clone(),
            );
            let i = next;
            set.spawn(async move { (i, sign_in_user(base, name, pw, browser).await) });
            next += 1;
        }
        if let Some(done) = set.join_next().await {
            let (i, user) = done.map_err(err)?;
            users[i] = Some(user?);
        }
    }
    Ok(users.into_iter().flatten().collect())
}

/// A first conversation for every user whose inbox is empty, from `--sender`.
async fn give_threads(args: &LoadArgs, base: &str, users: &mut [User]) -> Result<(), String> {
    let mut empty: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for u in users.iter().filter(|u| u.thread_id.is_none()) {
        empty
            .entry(prefix_in(&u.name).to_owned())
            .or_default()
            .push(u.person_id);
    }
    if empty.is_empty() {
        return Ok(());
    }
    println!(
        "{} of {} inboxes are empty: {} of their school writes to them first",
        empty.values().map(Vec::len).sum::<usize>(),
        users.len(),
        args.sender
    );
    let client = client()?;
    for (prefix, recipients) in empty {
        let sender = format!("{prefix}{}", args.sender);
        let token = api_sign_in(&client, base, &sender, &args.demo_password).await?;
        let response = client
            .post(format!("{base}/api/v1/threads"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "recipients": recipients,
                "subject": "Velkommen til skolebro",
                "body": "Kære forældre. Her skriver skolen og I sammen. Venlig hilsen skolens ledelse",
            }))
            .send()
            .await
            .map_err(err)?;
        json(response, "a first message to empty inboxes").await?;
    }
    for u in users.iter_mut().filter(|u| u.thread_id.is_none()) {
        u.thread_id = first_thread(u, base).await?;
        if u.thread_id.is_none() {
            return Err(format!("{} has still no conversation", u.name));
        }
    }
    Ok(())
}

/// How a request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum As {
    /// No cookie, no token.
    Bare,
    /// With the browser session's cookie.
    Browser,
    /// With the bearer token.
    Api,
    /// POST an absence report with the bearer token, for the next school day not yet reported.
    Report,
}

/// The requests of one pass of a journey.
fn steps(journey: Journey, base: &str, user: &User) -> Vec<(String, As)> {
    match journey {
        Journey::Static => vec![(format!("{base}/static/style.css"), As::Bare)],
        Journey::Asset => vec![(format!("{base}/static/style.css"), As::Browser)],
        Journey::Inbox => vec![(format!("{base}/api/v1/threads"), As::Api)],
        Journey::Thread => vec![(
            format!("{base}/api/v1/threads/{}", user.thread_id.unwrap_or(0)),
            As::Api,
        )],
        Journey::Morning => {
            let mut s = vec![
                (format!("{base}/overview"), As::Browser),
                (format!("{base}/messages"), As::Browser),
            ];
            if let Some(t) = user.thread_id {
                s.push((format!("{base}/messages/{t}"), As::Browser));
            }
            s
        }
        // Played by their own runners, never by the loop.
        Journey::Booking | Journey::Teacher | Journey::Spike => vec![(String::new(), As::Report)],
        Journey::Absence => vec![(
            format!(
                "{base}/api/v1/pupils/{}/absences",
                user.child_id.unwrap_or(0)
            ),
            As::Report,
        )],
    }
}

#[derive(Default)]
pub(crate) struct WorkerLog {
    pub latencies: Vec<Duration>,
    pub journeys: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Answers of 409 that the journey expects and retries (a slot taken first by another).
    pub conflicts: u64,
}

impl WorkerLog {
    pub fn absorb(&mut self, other: WorkerLog) {
        self.latencies.extend(other.latencies);
        self.journeys += other.journeys;
        self.errors += other.errors;
        self.conflicts += other.conflicts;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

pub(crate) async fn sign_in_teachers(args: &LoadArgs, base: &str) -> Result<Vec<User>, String> {
    let count = args.teachers.unwrap_or(args.concurrency).max(1);
    sign_in_all(args, base, "teacher", count, false).await
}

pub(crate) async fn sign_in_one(base: &str, name: &str, password: &str) -> Result<User, String> {
    sign_in_user(base.to_owned(), name.to_owned(), password.to_owned(), false).await
}

async fn worker(
    user: Arc<User>,
    steps: Vec<(String, As)>,
    measure_from: Instant,
    stop_at: Instant,
    budget: Arc<AtomicU64>,
    max_requests: u64,
) -> WorkerLog {
    let mut log = WorkerLog::default();
    'outer: loop {
        let mut whole = true;
        for (url, how) in &steps {
            let started = Instant::now();
            if started >= stop_at {
                break 'outer;
            }
            let timed = started >= measure_from;
            if timed && budget.fetch_add(1, Ordering::Relaxed) >= max_requests {
                break 'outer;
            }
            let request = match how {
                As::Bare => user.bare.get(url),
                As::Browser => user.client.get(url),
                As::Api => user.client.get(url).bearer_auth(&user.token),
                // Absence reports run in `report_worker`: each family reports once.
                As::Report => break 'outer,
            };
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    match response.bytes().await {
                        Ok(_) if status.is_success() => Ok(()),
                        Ok(_) => Err(format!("GET {url}: {status}")),
                        Err(e) => Err(format!("GET {url}: {e}")),
                    }
                }
                Err(e) => Err(format!("GET {url}: {e}")),
            };
            if timed {
                log.latencies.push(started.elapsed());
                if let Err(e) = outcome {
                    log.errors += 1;
                    log.first_error.get_or_insert(e);
                }
            }
            whole &= timed;
        }
        if whole {
            log.journeys += 1;
        }
    }
    log
}

/// One worker of the absence rush: its share of the families, one report each.
async fn report_worker(users: Vec<Arc<User>>, base: String, day: String) -> WorkerLog {
    let mut log = WorkerLog::default();
    for user in users {
        let Some(child) = user.child_id else { continue };
        let url = format!("{base}/api/v1/pupils/{child}/absences");
        let started = Instant::now();
        let outcome = user
            .client
            .post(&url)
            .bearer_auth(&user.token)
            .json(&serde_json::json!({"from": day, "reason": "illness"}))
            .send()
            .await;
        log.latencies.push(started.elapsed());
        match outcome {
            Ok(r) if r.status().is_success() => log.journeys += 1,
            Ok(r) => {
                log.errors += 1;
                log.first_error
                    .get_or_insert(format!("POST {url}: {}", r.status()));
            }
            Err(e) => {
                log.errors += 1;
                log.first_error.get_or_insert(format!("POST {url}: {e}"));
            }
        }
    }
    log
}

async fn run_absence_rush(
    args: &LoadArgs,
    base: &str,
    users: &[Arc<User>],
) -> Result<Outcome, String> {
    let today = jiff::Zoned::now().date();
    let day = skolebro_domain::calendar::add_working_days(today, 1, &Default::default());
    let workers = args.concurrency.max(1);
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..workers {
        let share: Vec<Arc<User>> = users.iter().skip(i).step_by(workers).cloned().collect();
        set.spawn(report_worker(share, base.to_owned(), day.to_string()));
    }
    let mut all = WorkerLog::default();
    while let Some(done) = set.join_next().await {
        let log = done.map_err(err)?;
        all.latencies.extend(log.latencies);
        all.journeys += log.journeys;
        all.errors += log.errors;
        if all.first_error.is_none() {
            all.first_error = log.first_error;
        }
    }
    Ok(Outcome {
        journey: Journey::Absence,
        steps: 1,
        requests: all.latencies.len() as u64,
        journeys: all.journeys,
        elapsed: start.elapsed(),
        latency: summarize(all.latencies),
        errors: all.errors,
        first_error: all.first_error,
    })
}

async fn run_journey(
    args: &LoadArgs,
    base: &str,
    users: &[Arc<User>],
    journey: Journey,
) -> Result<Outcome, String> {
    if journey == Journey::Absence {
        return run_absence_rush(args, base, users).await;
    }
    if journey == Journey::Booking {
        return crate::booking::run_booking_night(args.concurrency, base, users).await;
    }
    if journey == Journey::Teacher {
        return crate::journeys::run_teachers(args, base).await;
    }
    if journey == Journey::Spike {
        return crate::journeys::run_spike(args, base, users).await;
    }
    let start = Instant::now();
    let measure_from = start + args.warmup;
    let stop_at = measure_from + args.duration;
    let budget = Arc::new(AtomicU64::new(0));
    let mut set = tokio::task::JoinSet::new();
    let mut step_count = 0;
    for i in 0..args.concurrency.max(1) {
        let user = users[i % users.len()].clone();
        let steps = steps(journey, base, &user);
        step_count = steps.len();
        set.spawn(worker(
            user,
            steps,
            measure_from,
            stop_at,
            budget.clone(),
            args.max_requests,
        ));
    }
    let mut all = WorkerLog::default();
    while let Some(done) = set.join_next().await {
        let log = done.map_err(err)?;
        all.latencies.extend(log.latencies);
        all.journeys += log.journeys;
        all.errors += log.errors;
        if all.first_error.is_none() {
            all.first_error = log.first_error;
        }
    }
    let elapsed = Instant::now().saturating_duration_since(measure_from);
    Ok(Outcome {
        journey,
        steps: step_count,
        requests: all.latencies.len() as u64,
        journeys: all.journeys,
        elapsed,
        latency: summarize(all.latencies),
        errors: all.errors,
        first_error: all.first_error,
    })
}

pub async fn run(args: &LoadArgs) -> Result<Vec<Outcome>, String> {
    let base = args.base_url.trim_end_matches('/').to_owned();
    check_loopback(&base)?;
    let probe = client()?
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map_err(|e| format!("no skolebro at {base} ({e}); start one with `skolebro demo`"))?;
    if !probe.status().is_success() {
        return Err(format!("{base}/healthz answered {}", probe.status()));
    }
    println!("machine: {} cores, load average {}", cores(), loadavg());
    let count = args.users.unwrap_or(args.concurrency).max(1);
    let t = Instant::now();
    let browser = args
        .journeys
        .iter()
        .any(|j| matches!(j, Journey::Asset | Journey::Morning));
    let mut users = sign_in_all(args, &base, "guardian", count, browser).await?;
    println!(
        "signed in {count} guardians of {} schools (API token{} each) in {:.1} s",
        args.schools,
        if browser { " and browser session" } else { "" },
        t.elapsed().as_secs_f64()
    );
    if args.journeys.contains(&Journey::Thread) || args.journeys.contains(&Journey::Morning) {
        give_threads(args, &base, &mut users).await?;
    }
    let users: Vec<Arc<User>> = users.into_iter().map(Arc::new).collect();
    println!(
        "journeys {}: {} in flight each, {:?} warm-up, then {:?} or {} requests",
        args.journeys
            .iter()
            .map(|j| j.name())
            .collect::<Vec<_>>()
            .join(", "),
        args.concurrency,
        args.warmup,
        args.duration,
        args.max_requests
    );
    let mut outcomes = Vec::new();
    for &journey in &args.journeys {
        let outcome = run_journey(args, &base, &users, journey).await?;
        println!(
            "  {}: {} requests, {:.0} req/s, {} errors{}",
            journey.name(),
            outcome.requests,
            outcome.rate(),
            outcome.errors,
            args.server_pid.map(server_memory).unwrap_or_default()
        );
        outcomes.push(outcome);
    }
    println!("load average after: {}", loadavg());
    print(&outcomes);
    Ok(outcomes)
}

/// The server's resident memory now and at its peak (VmRSS, VmHWM), where /proc tells it.
fn server_memory(pid: u32) -> String {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return String::from("; server memory unknown");
    };
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or("?".to_owned(), |kb| format!("{} MiB", kb / 1024))
    };
    format!(
        "; server memory {} (peak {})",
        field("VmRSS:"),
        field("VmHWM:")
    )
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The 1, 5 and 15 minute load averages, where the system tells them: other work on the
/// machine skews every figure here.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

fn print(outcomes: &[Outcome]) {
    let ceiling = outcomes
        .iter()
        .find(|o| o.journey == Journey::Static)
        .map(Outcome::rate);
    println!();
    println!(
        "| journey | steps | requests | journeys | req/s | p50 | p95 | p99 | max | errors | of static |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        let share = match ceiling {
            Some(c) if c > 0.0 => format!("{:.1} %", 100.0 * o.rate() / c),
            _ => "–".into(),
        };
        println!(
            "| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |",
            o.journey.name(),
            o.steps,
            o.requests,
            o.journeys,
            o.rate(),
            ms(o.latency.p50),
            ms(o.latency.p95),
            ms(o.latency.p99),
            ms(o.latency.max),
            o.errors,
            share
        );
    }
    for o in outcomes {
        if let Some(e) = &o.first_error {
            println!("first error of {}: {e}", o.journey.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_loopback;

    #[test]
    fn only_this_machine_is_a_target() {
        assert!(check_loopback("http://127.0.0.1:8080").is_ok());
        assert!(check_loopback("http://localhost:8080").is_ok());
        assert!(check_loopback("http://[::1]:8080").is_ok());
        assert!(check_loopback("http://10.0.0.5:8080").is_err());
        assert!(check_loopback("http://example.org").is_err());
        assert!(check_loopback("https://127.0.0.1").is_err());
    }

    #[test]
    fn users_are_spread_over_the_schools() {
        use super::spread_name;
        let names: Vec<String> = (0..4).map(|i| spread_name("guardian", i, 4, 1)).collect();
        assert_eq!(names, ["guardian1", "guardian2", "guardian3", "guardian4"]);
        let names: Vec<String> = (0..3).map(|i| spread_name("guardian", i, 3, 2)).collect();
        assert_eq!(names, ["guardian1", "s2-guardian1", "guardian2"]);
        let names: Vec<String> = (0..3)
            .map(|i| spread_name("guardian", i, 3, 1100))
            .collect();
        assert_eq!(names, ["guardian1", "s367-guardian1", "s734-guardian1"]);
    }
}
