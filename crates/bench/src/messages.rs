//! `skolebro-bench messages`: does opening the inbox and a conversation cost the same with 10
//! and with 100,000 messages in the database, and how long does a message to every guardian of
//! the school take to store? Measured through the store and over HTTP (the real application,
//! in this process, on a loopback port), on SQLite or PostgreSQL, on a fresh database.

use std::future::Future;
use std::time::{Duration, Instant};

use skolebro_domain::messages::MessageKind;
use skolebro_domain::{Country, PersonId, SchoolId};
use skolebro_store::demo::DemoOptions;
use skolebro_store::history::HistoryOptions;
use skolebro_store::messages::NewThread;
use skolebro_store::{Backend, Store};
use sqlx::Row;

use crate::database::Fresh;
use crate::stats::{ms, summarize, Summary};

#[derive(clap::Args, Debug, Clone)]
pub struct MessagesArgs {
    /// Where to measure. A PostgreSQL URL names a server on which a fresh database is created
    /// and dropped afterwards; `sqlite://PATH?mode=rwc` names a new SQLite file. Default: SQLite
    /// in a temporary directory.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Messages in the bulk history written before the second round.
    #[arg(long, default_value_t = 100_000)]
    pub history: u64,
    /// Timed repetitions of each operation (after a few untimed ones).
    #[arg(long, default_value_t = 200)]
    pub repetitions: usize,
    /// Pupils of the demo school.
    #[arg(long, default_value_t = 600)]
    pub pupils: u32,
    /// Messages to every guardian of the school, for the median.
    #[arg(long, default_value_t = 5)]
    pub broadcasts: usize,
}

/// Pages and limits as the web layer uses them (`crates/web/src/messages.rs`).
const INBOX_PAGE: i64 = 25;
const THREAD_MESSAGES: i64 = 200;
const PASSWORD: &str = "demo";

/// The inbox query of `Store::inbox` without a search term, copied from
/// `crates/store/src/messages.rs` (a test keeps the copy honest).
pub const INBOX_SQL_HEAD: &str = "SELECT t.id AS thread_id, t.subject, t.kind, tp.unread, \
     tp.last_message_at, p.id, p.given_name, p.family_name \
     FROM thread_participant tp \
     JOIN thread t ON t.id = tp.thread_id \
     JOIN person p ON p.id = t.starter_id \
     WHERE tp.person_id = $1 \
     AND (tp.last_message_at, tp.thread_id) < ($2, $3)";
pub const INBOX_SQL_TAIL: &str = "ORDER BY tp.last_message_at DESC, tp.thread_id DESC LIMIT $4";
/// `Store::messages`: the latest messages of a conversation.
pub const MESSAGES_SQL: &str =
    "SELECT m.id AS message_id, m.body, m.sent_at, p.id, p.given_name, p.family_name \
     FROM message m JOIN person p ON p.id = m.author_id \
     WHERE m.thread_id = $1 ORDER BY m.id DESC LIMIT $2";
/// `Store::participants`: who is in a conversation.
pub const PARTICIPANTS_SQL: &str =
    "SELECT p.id, p.given_name, p.family_name, p.contact_protected, tp.read_at \
     FROM thread_participant tp \
     JOIN person p ON p.id = tp.person_id WHERE tp.thread_id = $1 \
     ORDER BY p.family_name, p.given_name, p.id";

/// One measured operation, before and after the history.
#[derive(Debug, Clone)]
pub struct Line {
    pub name: String,
    pub small: Option<Summary>,
    pub large: Option<Summary>,
}

/// Everything measured.
#[derive(Debug, Clone)]
pub struct Report {
    pub backend: Backend,
    pub counts_small: Counts,
    pub counts_large: Counts,
    pub demo_secs: f64,
    pub history_secs: f64,
    pub lines: Vec<Line>,
    pub recipients: usize,
    pub broadcast_store: Summary,
    pub broadcast_http: Summary,
    pub plans_small: Vec<(String, Vec<String>)>,
    pub plans_large: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub threads: i64,
    pub messages: i64,
    pub participants: i64,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Untimed warm-up, then `reps` timed runs of `op`.
async fn measure<F, Fut, T>(reps: usize, mut op: F) -> Result<Summary, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    for _ in 0..reps.clamp(1, 10) {
        op().await?;
    }
    let mut samples = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        op().await?;
        samples.push(t.elapsed());
    }
    Ok(summarize(samples))
}

/// What `GET /api/v1/threads/{id}` asks of the store.
async fn open_thread(
    store: &Store,
    school: SchoolId,
    id: i64,
    me: PersonId,
) -> Result<usize, String> {
    let thread = store
        .thread(school, id)
        .await
        .map_err(err)?
        .ok_or("thread not found")?;
    if !store.is_participant(thread.id, me).await.map_err(err)? {
        return Err("not a participant".into());
    }
    store.mark_read(thread.id, me).await.map_err(err)?;
    let people = store.participants(thread.id).await.map_err(err)?;
    let messages = store
        .messages(thread.id, THREAD_MESSAGES)
        .await
        .map_err(err)?;
    Ok(people.len() + messages.len())
}

async fn http_get(client: &reqwest::Client, url: &str, token: &str) -> Result<usize, String> {
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(err)?;
    let status = response.status();
    let body = response.bytes().await.map_err(err)?;
    if !status.is_success() {
        return Err(format!("GET {url}: {status}"));
    }
    Ok(body.len())
}

async fn sign_in(client: &reqwest::Client, base: &str, username: &str) -> Result<String, String> {
    let response = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .map_err(err)?;
    if !response.status().is_success() {
        return Err(format!("sign-in of {username}: {}", response.status()));
    }
    let body: serde_json::Value = response.json().await.map_err(err)?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "sign-in answered without a token".into())
}

async fn counts(pool: &sqlx::AnyPool) -> Result<Counts, String> {
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .map_err(err)
    };
    Ok(Counts {
        threads: one("SELECT COUNT(*) FROM thread").await?,
        messages: one("SELECT COUNT(*) FROM message").await?,
        participants: one("SELECT COUNT(*) FROM thread_participant").await?,
    })
}

/// The plan of one query with its parameters, as the engine tells it: SQLite's
/// `EXPLAIN QUERY PLAN` as a tree, PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)` (the query runs).
pub(crate) async fn plan(
    pool: &sqlx::AnyPool,
    backend: Backend,
    sql: &str,
    binds: &[i64],
) -> Result<Vec<String>, String> {
    let explain = match backend {
        Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        Backend::Postgres => format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
    };
    let mut q = sqlx::query(&explain);
    for b in binds {
        q = q.bind(*b);
    }
    let rows = q.fetch_all(pool).await.map_err(err)?;
    let mut out = Vec::new();
    match backend {
        Backend::Sqlite => {
            // (id, parent, notused, detail): indent each step under its parent.
            let mut depth: std::collections::HashMap<i64, usize> = Default::default();
            for r in &rows {
                let id: i64 = r.try_get(0).map_err(err)?;
                let parent: i64 = r.try_get(1).map_err(err)?;
                let detail: String = r.try_get(3).map_err(err)?;
                let d = if parent == 0 {
                    0
                } else {
                    depth.get(&parent).map_or(0, |d| d + 1)
                };
                depth.insert(id, d);
                out.push(format!("{}{detail}", "  ".repeat(d)));
            }
        }
        Backend::Postgres => {
            for r in &rows {
                out.push(r.try_get::<String, _>(0).map_err(err)?);
            }
        }
    }
    Ok(out)
}

async fn plans(
    pool: &sqlx::AnyPool,
    backend: Backend,
    guardian: PersonId,
    thread: i64,
    deep: Option<(PersonId, (i64, i64), usize)>,
) -> Result<Vec<(String, Vec<String>)>, String> {
    let inbox = format!("{INBOX_SQL_HEAD} {INBOX_SQL_TAIL}");
    let mut out = Vec::new();
    if let Some((person, (at, id), depth)) = deep {
        out.push((
            format!("inbox of teacher1, page {depth} by cursor (Store::inbox with a cursor)"),
            plan(pool, backend, &inbox, &[person.0, at, id, INBOX_PAGE]).await?,
        ));
    }
    Ok([
        (
            "inbox, first page (Store::inbox)".into(),
            plan(
                pool,
                backend,
                &inbox,
                &[guardian.0, i64::MAX, i64::MAX, INBOX_PAGE],
            )
            .await?,
        ),
        (
            "a conversation's messages (Store::messages)".into(),
            plan(pool, backend, MESSAGES_SQL, &[thread, THREAD_MESSAGES]).await?,
        ),
        (
            "a conversation's participants (Store::participants)".into(),
            plan(pool, backend, PARTICIPANTS_SQL, &[thread]).await?,
        ),
    ]
    .into_iter()
    .chain(out)
    .collect())
}

fn say(line: impl AsRef<str>) {
    println!("{}", line.as_ref());
}

/// Runs the whole measurement and prints it; the database is removed afterwards, also on error.
pub async fn run(args: &MessagesArgs) -> Result<Report, String> {
    let fresh = Fresh::create(args.database_url.as_deref()).await?;
    let result = measure_on(&fresh, args).await;
    let removed = fresh.remove().await;
    let report = result?;
    removed?;
    Ok(report)
}

async fn measure_on(fresh: &Fresh, args: &MessagesArgs) -> Result<Report, String> {
    let reps = args.repetitions.max(1);
    let backend = fresh.backend;
    say(format!(
        "# skolebro-bench messages: {backend:?}, {} pupils, history of {} messages, {reps} repetitions",
        args.pupils, args.history
    ));
    say(format!(
        "machine: {} cores, load average {}",
        crate::load::cores(),
        crate::load::loadavg()
    ));
    let store = Store::connect(&fresh.url).await.map_err(err)?;
    store.migrate().await.map_err(err)?;
    // A pool of our own for counts and query plans.
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&fresh.url)
        .await
        .map_err(err)?;

    let t = Instant::now();
    let demo = store
        .create_demo(
            &DemoOptions {
                pupils: args.pupils,
                country: Country::Dk,
                password: PASSWORD.into(),
            },
            &|_, _| {},
        )
        .await
        .map_err(err)?;
    let demo_secs = t.elapsed().as_secs_f64();
    say(format!(
        "demo school: {} classes, {} teachers, {} pupils, {} guardians in {demo_secs:.2} s",
        demo.classes, demo.teachers, demo.pupils, demo.guardians
    ));
    let school = demo.school_id;
    let store_ref = &store;
    let id = move |name: &'static str| {
        let store = store_ref;
        async move {
            store
                .person_by_username(name)
                .await
                .map_err(err)?
                .ok_or_else(|| format!("no demo user {name}"))
        }
    };
    let leader = id("leader1").await?;
    let teacher = id("teacher1").await?;
    let guardian = id("guardian1").await?;

    // Ten messages: one conversation between teacher1 and guardian1.
    let sent = store
        .create_thread(&NewThread {
            school_id: school,
            starter: teacher,
            subject: "Udflugt på fredag",
            kind: MessageKind::Ordinary,
            body: "Hej, på fredag går vi i skoven. Husk tøj efter vejret og en madpakke.",
            recipients: &[guardian],
            families: 1,
        })
        .await
        .map_err(err)?;
    let thread = sent.thread_id;
    for i in 1..10 {
        let author = if i % 2 == 1 { guardian } else { teacher };
        store
            .add_message(school, thread, author, "Tak for beskeden, det er noteret.")
            .await
            .map_err(err)?;
    }

    // The application on a loopback port, on the same store.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(err)?;
    let base = format!("http://{}", listener.local_addr().map_err(err)?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = skolebro_web::AppState::new(store.clone(), skolebro_web::Config::default());
    let server = tokio::spawn(async move {
        skolebro_web::serve(listener, state, async {
            let _ = stopped.await;
        })
        .await
    });
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(err)?;
    let token = sign_in(&client, &base, "guardian1").await?;
    let leader_token = sign_in(&client, &base, "leader1").await?;

    let inbox_url = format!("{base}/api/v1/threads");
    let thread_url = format!("{base}/api/v1/threads/{thread}");
    let (client_ref, token_ref) = (&client, &token);
    let (inbox_ref, thread_ref) = (&inbox_url, &thread_url);
    let round = move |label: &'static str| {
        let (store, client, token) = (store_ref, client_ref, token_ref);
        let (inbox_url, thread_url) = (inbox_ref, thread_ref);
        async move {
            say(format!("measuring {label} ..."));
            let mut out = Vec::new();
            out.push((
                "store: inbox of guardian1, first page".to_string(),
                measure(reps, move || async move {
                    store
                        .inbox(guardian, None, INBOX_PAGE, None)
                        .await
                        .map_err(err)
                })
                .await?,
            ));
            out.push((
                "store: inbox of teacher1, first page".to_string(),
                measure(reps, move || async move {
                    store
                        .inbox(teacher, None, INBOX_PAGE, None)
                        .await
                        .map_err(err)
                })
                .await?,
            ));
            out.push((
                "store: open the 10-message conversation".to_string(),
                measure(reps, move || open_thread(store, school, thread, guardian)).await?,
            ));
            out.push((
                "HTTP: GET /api/v1/threads (guardian1)".to_string(),
                measure(reps, move || http_get(client, inbox_url, token)).await?,
            ));
            out.push((
                "HTTP: GET /api/v1/threads/{id} (10 messages)".to_string(),
                measure(reps, move || http_get(client, thread_url, token)).await?,
            ));
            Ok::<_, String>(out)
        }
    };

    let counts_small = counts(&pool).await?;
    let small = round("with the 10 messages").await?;
    let plans_small = plans(&pool, backend, guardian, thread, None).await?;

    // The history.
    let t = Instant::now();
    let history = store
        .create_history(
            school,
            &HistoryOptions {
                messages: args.history,
                end: skolebro_store::now() - 3600,
                focus: Some((teacher, guardian)),
                seed: 1,
            },
            &|_, _| {},
        )
        .await
        .map_err(err)?;
    if backend == Backend::Postgres {
        // What autovacuum does on a server within a minute of such a load; done here so that
        // it does not run in the middle of the measurement.
        sqlx::query("VACUUM ANALYZE")
            .execute(&pool)
            .await
            .map_err(err)?;
    }
    let history_secs = t.elapsed().as_secs_f64();
    let counts_large = counts(&pool).await?;
    say(format!(
        "history: {} threads, {} messages, {} participant rows in {history_secs:.1} s (one transaction)",
        history.threads, history.messages, history.participants
    ));
    let pool_ref = &pool;
    let in_inbox = move |p: PersonId| {
        let pool = pool_ref;
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM thread_participant WHERE person_id = $1",
            )
            .bind(p.0)
            .fetch_one(pool)
            .await
            .map_err(err)
        }
    };
    say(format!(
        "conversations in the inbox: guardian1 {}, teacher1 {}",
        in_inbox(guardian).await?,
        in_inbox(teacher).await?
    ));
    let mut large = round("with the history").await?;
    // A page deep in teacher1's inbox, reached by cursor.
    let (mut cursor, mut depth) = (None, 1);
    while depth < 10 {
        let page = store
            .inbox(teacher, cursor, INBOX_PAGE, None)
            .await
            .map_err(err)?;
        match page.last() {
            Some(last) if page.len() == INBOX_PAGE as usize => {
                cursor = Some((last.last_message_at, last.thread_id));
                depth += 1;
            }
            _ => break,
        }
    }
    large.push((
        format!("store: inbox of teacher1, page {depth} (cursor)"),
        measure(reps, move || async move {
            store_ref
                .inbox(teacher, cursor, INBOX_PAGE, None)
                .await
                .map_err(err)
        })
        .await?,
    ));
    let plans_large = plans(
        &pool,
        backend,
        guardian,
        thread,
        cursor.map(|c| (teacher, c, depth)),
    )
    .await?;

    // A message to every guardian of the school, through the store and through the API (which
    // also checks every recipient against the access policy).
    let guardians: Vec<PersonId> = sqlx::query_scalar::<_, i64>(
        "SELECT person_id FROM membership WHERE school_id = $1 AND role = 'guardian' \
         ORDER BY person_id",
    )
    .bind(school.0)
    .fetch_all(&pool)
    .await
    .map_err(err)?
    .into_iter()
    .map(PersonId)
    .collect();
    let body = "Kære forældre. På torsdag holder skolen lukket fra kl. 12 på grund af \
                personalemøde. SFO har åbent som sædvanlig. Har I spørgsmål, så skriv endelig \
                til kontoret. Venlig hilsen skolens ledelse";
    let broadcasts = args.broadcasts.max(1);
    say(format!(
        "measuring a message to all {} guardians ({broadcasts} times each way) ...",
        guardians.len()
    ));
    let mut samples = Vec::new();
    for _ in 0..broadcasts {
        let t = Instant::now();
        store
            .create_thread(&NewThread {
                school_id: school,
                starter: leader,
                subject: "Skolen lukker kl. 12 på torsdag",
                kind: MessageKind::Ordinary,
                body,
                recipients: &guardians,
                families: demo.pupils as usize,
            })
            .await
            .map_err(err)?;
        samples.push(t.elapsed());
    }
    let broadcast_store = summarize(samples);
    let request = serde_json::json!({
        "recipients": guardians.iter().map(|g| g.0).collect::<Vec<_>>(),
        "subject": "Skolen lukker kl. 12 på torsdag",
        "body": body,
    });
    let mut samples = Vec::new();
    for _ in 0..broadcasts {
        let t = Instant::now();
        let response = client
            .post(&inbox_url)
            .bearer_auth(&leader_token)
            .json(&request)
            .send()
            .await
            .map_err(err)?;
        let status = response.status();
        let text = response.text().await.map_err(err)?;
        if !status.is_success() {
            return Err(format!(
                "POST /api/v1/threads to every guardian: {status} {text}"
            ));
        }
        samples.push(t.elapsed());
    }
    let broadcast_http = summarize(samples);

    say(format!("load average after: {}", crate::load::loadavg()));
    let _ = stop.send(());
    let _ = server.await;
    pool.close().await;
    store.close().await;

    let mut lines: Vec<Line> = small
        .into_iter()
        .zip(large.iter())
        .map(|((name, s), (_, l))| Line {
            name,
            small: Some(s),
            large: Some(*l),
        })
        .collect();
    for (name, l) in large.iter().skip(lines.len()) {
        lines.push(Line {
            name: name.clone(),
            small: None,
            large: Some(*l),
        });
    }
    let report = Report {
        backend,
        counts_small,
        counts_large,
        demo_secs,
        history_secs,
        lines,
        recipients: guardians.len(),
        broadcast_store,
        broadcast_http,
        plans_small,
        plans_large,
    };
    print(&report);
    Ok(report)
}

fn cell(s: Option<Summary>) -> String {
    match s {
        Some(s) => format!("{} | {}", ms(s.p50), ms(s.p95)),
        None => "– | –".into(),
    }
}

fn print(r: &Report) {
    say("");
    say(format!(
        "## {:?}: median and p95 of {} repetitions",
        r.backend,
        r.lines.first().and_then(|l| l.large).map_or(0, |s| s.count)
    ));
    say("");
    say(format!(
        "| operation | {} messages: median | p95 | {} messages: median | p95 |",
        r.counts_small.messages, r.counts_large.messages
    ));
    say("|---|---:|---:|---:|---:|");
    for l in &r.lines {
        say(format!(
            "| {} | {} | {} |",
            l.name,
            cell(l.small),
            cell(l.large)
        ));
    }
    say("");
    say(format!(
        "Rows: {} threads / {} messages / {} participant rows, then {} / {} / {}.",
        r.counts_small.threads,
        r.counts_small.messages,
        r.counts_small.participants,
        r.counts_large.threads,
        r.counts_large.messages,
        r.counts_large.participants
    ));
    say(format!(
        "Demo school created in {:.2} s; history written in {:.1} s.",
        r.demo_secs, r.history_secs
    ));
    say("");
    say(format!(
        "A message to all {} guardians, one transaction: store median {} (max {}); \
         POST /api/v1/threads median {} (max {}), {} runs each.",
        r.recipients,
        ms(r.broadcast_store.p50),
        ms(r.broadcast_store.max),
        ms(r.broadcast_http.p50),
        ms(r.broadcast_http.max),
        r.broadcast_store.count
    ));
    for (label, plans) in [
        ("with the 10 messages", &r.plans_small),
        ("with the history", &r.plans_large),
    ] {
        say("");
        say(format!("### Query plans {label}"));
        for (name, lines) in plans {
            say("");
            say(format!("{name}:"));
            say("```");
            for l in lines {
                say(l);
            }
            say("```");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rust's string continuation (`\` at the end of a line eats the line break and the next
    /// line's indentation), applied to source text.
    fn joined(source: &str) -> String {
        let mut out = String::new();
        let mut continued = false;
        for line in source.lines() {
            let line = if continued { line.trim_start() } else { line };
            match line.strip_suffix('\\') {
                Some(head) => {
                    out.push_str(head);
                    continued = true;
                }
                None => {
                    out.push_str(line);
                    out.push('\n');
                    continued = false;
                }
            }
        }
        out
    }

    /// The plans shown are of the queries the store really runs.
    #[test]
    fn copied_queries_match_the_store() {
        let store = joined(include_str!("../../store/src/messages.rs"));
        let inbox = format!("{INBOX_SQL_HEAD} {{filter}} {INBOX_SQL_TAIL}");
        for sql in [inbox.as_str(), MESSAGES_SQL, PARTICIPANTS_SQL] {
            assert!(
                store.contains(sql),
                "the store's query changed; update the copy in crates/bench: {sql}"
            );
        }
    }

    /// A small run on SQLite: the measurement keeps working (seconds in a debug build).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn small_run_on_sqlite() {
        let report = run(&MessagesArgs {
            database_url: None,
            history: 200,
            repetitions: 3,
            pupils: 48,
            broadcasts: 1,
        })
        .await
        .expect("measurement");
        assert_eq!(report.counts_small.messages, 10);
        assert_eq!(report.counts_large.messages, 210);
        assert!(report.recipients > 48);
        assert!(report.lines.iter().all(|l| l.large.is_some()));
        assert!(report.plans_large.len() >= 3);
        assert!(report.plans_large.iter().all(|(_, p)| !p.is_empty()));
    }
}
