//! The `teacher` and `spike` journeys of `skolebro-bench load`.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::load::{self, Journey, LoadArgs, Outcome, User, WorkerLog};
use crate::stats::summarize;

/// When a journey's requests count and when they stop: after the warm-up, until the duration
/// has passed or the request budget is spent.
#[derive(Clone)]
struct Clock {
    measure_from: Instant,
    stop_at: Instant,
    budget: Arc<AtomicU64>,
    max: u64,
}

impl Clock {
    fn new(args: &LoadArgs) -> Clock {
        let measure_from = Instant::now() + args.warmup;
        Clock {
            measure_from,
            stop_at: measure_from + args.duration,
            budget: Arc::new(AtomicU64::new(0)),
            max: args.max_requests,
        }
    }

    /// `None` when the journey is over; else whether the next request is timed.
    fn next(&self) -> Option<bool> {
        let now = Instant::now();
        if now >= self.stop_at {
            return None;
        }
        let timed = now >= self.measure_from;
        if timed && self.budget.fetch_add(1, Ordering::Relaxed) >= self.max {
            return None;
        }
        Some(timed)
    }
}

/// Sends one request, logs it when timed, and gives the body of a success.
async fn send(
    log: &mut WorkerLog,
    timed: bool,
    what: &str,
    request: reqwest::RequestBuilder,
) -> Option<serde_json::Value> {
    let started = Instant::now();
    let result = match request.send().await {
        Ok(r) => {
            let status = r.status();
            match r.bytes().await {
                Ok(b) if status.is_success() => Ok(b),
                Ok(b) => Err(format!(
                    "{what}: {status} {}",
                    String::from_utf8_lossy(&b[..b.len().min(200)])
                )),
                Err(e) => Err(format!("{what}: {e}")),
            }
        }
        Err(e) => Err(format!("{what}: {e}")),
    };
    if timed {
        log.latencies.push(started.elapsed());
    }
    match result {
        Ok(body) => Some(serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null)),
        Err(e) => {
            if timed {
                log.errors += 1;
                log.first_error.get_or_insert(e);
            }
            None
        }
    }
}

async fn teacher_worker(user: Arc<User>, base: String, clock: Clock) -> WorkerLog {
    let mut log = WorkerLog::default();
    let Some(class) = user.class_id else {
        log.errors += 1;
        log.first_error = Some(format!("{} teaches no class", user.name));
        return log;
    };
    let api = |r: reqwest::RequestBuilder| r.bearer_auth(&user.token);
    let mut pass = 0u64;
    'outer: loop {
        pass += 1;
        let mut whole = true;
        // 1. Open the register.
        let Some(timed) = clock.next() else { break };
        whole &= timed;
        let register = send(
            &mut log,
            timed,
            "GET register",
            api(user
                .client
                .get(format!("{base}/api/v1/classes/{class}/register"))),
        )
        .await;
        let session = register
            .as_ref()
            .and_then(|r| r["sessions"][0].as_str())
            .unwrap_or("morning")
            .to_owned();
        // 2. Mark it: everyone present.
        let Some(timed) = clock.next() else { break };
        whole &= timed;
        send(
            &mut log,
            timed,
            "POST register",
            api(user
                .client
                .post(format!("{base}/api/v1/classes/{class}/register")))
            .json(&serde_json::json!({"session": session, "absent": []})),
        )
        .await;
        // 3. Post to the class.
        let Some(timed) = clock.next() else { break };
        whole &= timed;
        send(
            &mut log,
            timed,
            "POST post",
            api(user.client.post(format!("{base}/api/v1/posts"))).json(&serde_json::json!({
                "audience": {"class": class},
                "title": format!("Dagens plan ({pass})"),
                "body": "Godmorgen. I dag har vi dansk og matematik, og efter frokost går vi i hallen. Husk idrætstøj.",
            })),
        )
        .await;
        // 4. Open the inbox, 5. answer the two newest conversations.
        let Some(timed) = clock.next() else { break };
        whole &= timed;
        let inbox = send(
            &mut log,
            timed,
            "GET inbox",
            api(user.client.get(format!("{base}/api/v1/threads"))),
        )
        .await;
        let threads: Vec<i64> = inbox
            .as_ref()
            .and_then(|i| i["items"].as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i["id"].as_i64())
                    .take(2)
                    .collect()
            })
            .unwrap_or_default();
        for t in threads {
            let Some(timed) = clock.next() else {
                break 'outer;
            };
            whole &= timed;
            send(
                &mut log,
                timed,
                "POST reply",
                api(user
                    .client
                    .post(format!("{base}/api/v1/threads/{t}/messages")))
                .json(&serde_json::json!({"body": "Tak for beskeden. Vi tager den i morgen."})),
            )
            .await;
        }
        if whole {
            log.journeys += 1;
        }
    }
    log
}

fn outcome(journey: Journey, steps: usize, start: Instant, all: WorkerLog) -> Outcome {
    Outcome {
        journey,
        steps,
        requests: all.latencies.len() as u64,
        journeys: all.journeys,
        elapsed: Instant::now().saturating_duration_since(start),
        latency: summarize(all.latencies),
        errors: all.errors,
        first_error: all.first_error,
    }
}

/// A contact teacher's morning, looped by `--concurrency` teachers.
pub async fn run_teachers(args: &LoadArgs, base: &str) -> Result<Outcome, String> {
    let t = Instant::now();
    let teachers = load::sign_in_teachers(args, base).await?;
    println!(
        "  teacher: signed in {} teachers in {:.1} s",
        teachers.len(),
        t.elapsed().as_secs_f64()
    );
    let teachers: Vec<Arc<User>> = teachers.into_iter().map(Arc::new).collect();
    let clock = Clock::new(args);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..args.concurrency.max(1) {
        set.spawn(teacher_worker(
            teachers[i % teachers.len()].clone(),
            base.to_owned(),
            clock.clone(),
        ));
    }
    let mut all = WorkerLog::default();
    while let Some(done) = set.join_next().await {
        all.absorb(done.map_err(|e| e.to_string())?);
    }
    Ok(outcome(Journey::Teacher, 6, clock.measure_from, all))
}

async fn spike_worker(
    users: Vec<(Arc<User>, i64)>,
    base: String,
    clock: Clock,
    seen: Arc<std::sync::Mutex<HashSet<i64>>>,
) -> WorkerLog {
    let mut log = WorkerLog::default();
    let mut read = Vec::new();
    'outer: loop {
        for (user, post) in &users {
            let Some(timed) = clock.next() else {
                break 'outer;
            };
            let before = log.errors;
            send(
                &mut log,
                timed,
                "GET post",
                user.client
                    .get(format!("{base}/api/v1/posts/{post}"))
                    .bearer_auth(&user.token),
            )
            .await;
            if timed && log.errors == before {
                log.journeys += 1;
                read.push(user.person_id);
            }
        }
    }
    if let Ok(mut s) = seen.lock() {
        s.extend(read);
    }
    log
}

/// The announcement spike: a new post to each school, opened by all its signed-in guardians.
pub async fn run_spike(
    args: &LoadArgs,
    base: &str,
    users: &[Arc<User>],
) -> Result<Outcome, String> {
    let mut schools: BTreeMap<String, i64> = BTreeMap::new();
    for u in users {
        let prefix = match u.name.find('-') {
            Some(n) if u.name.starts_with('s') => u.name[..=n].to_owned(),
            _ => String::new(),
        };
        schools.entry(prefix).or_insert(0);
    }
    let t = Instant::now();
    let client = load::client()?;
    for (prefix, post) in schools.iter_mut() {
        let leader =
            load::sign_in_one(base, &format!("{prefix}leader1"), &args.demo_password).await?;
        let response = client
            .post(format!("{base}/api/v1/posts"))
            .bearer_auth(&leader.token)
            .json(&serde_json::json!({
                "audience": {"school": true},
                "title": "Skolen er lukket fra i morgen",
                "body": "Kære forældre. Efter myndighedernes anbefaling holder skolen lukket fra i morgen. Undervisningen fortsætter hjemme; klassens lærere skriver i morgen tidlig med planen.",
            }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let created = load::json(response, "the spike's post").await?;
        *post = created["id"].as_i64().ok_or("the spike's post: no id")?;
    }
    println!(
        "  spike: {} leaders published a post to their whole school in {:.1} s",
        schools.len(),
        t.elapsed().as_secs_f64()
    );
    let clock = Clock::new(args);
    let seen = Arc::new(std::sync::Mutex::new(HashSet::new()));
    let workers = args.concurrency.max(1);
    let mut set = tokio::task::JoinSet::new();
    for w in 0..workers {
        let share: Vec<(Arc<User>, i64)> = users
            .iter()
            .skip(w)
            .step_by(workers)
            .map(|u| {
                let prefix = match u.name.find('-') {
                    Some(n) if u.name.starts_with('s') => &u.name[..=n],
                    _ => "",
                };
                (u.clone(), schools.get(prefix).copied().unwrap_or(0))
            })
            .collect();
        if share.is_empty() {
            continue;
        }
        set.spawn(spike_worker(
            share,
            base.to_owned(),
            clock.clone(),
            seen.clone(),
        ));
    }
    let mut all = WorkerLog::default();
    while let Some(done) = set.join_next().await {
        all.absorb(done.map_err(|e| e.to_string())?);
    }
    let readers = seen.lock().map(|s| s.len()).unwrap_or(0);
    println!(
        "  spike: {readers} of {} signed-in guardians read the new post (each {:.1} times on average)",
        users.len(),
        all.journeys as f64 / readers.max(1) as f64
    );
    Ok(outcome(Journey::Spike, 1, clock.measure_from, all))
}
