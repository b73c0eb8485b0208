//! `skolebro-bench plans`: the query plans of the hot queries on a seeded dataset
//! (`seed --scale`), as SQLite (`EXPLAIN QUERY PLAN`) or PostgreSQL (`EXPLAIN (ANALYZE,
//! BUFFERS)`) makes them. The SQL is the store's (copies, kept honest by a test for the inbox;
//! the others name the store function they come from). The person asked about is a guardian and
//! a contact teacher of the last school, so that every index has the whole dataset before it.

use skolebro_store::{Backend, Store};
use sqlx::Row;

use crate::messages::{plan, INBOX_SQL_HEAD, INBOX_SQL_TAIL};

#[derive(clap::Args, Debug)]
pub struct PlansArgs {
    /// A database made by `seed --scale`.
    #[arg(long)]
    pub database_url: String,
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

/// `Store::posts_for` for a guardian with one child (scope: the school and the child's class).
const POSTS_SQL: &str = "SELECT p.id, p.audience, p.class_id, p.grade, p.title, p.body, \
     p.acknowledge, p.emergency, p.pinned, p.publish_at, p.created_at, p.author_id, \
     a.given_name, a.family_name, k.at AS acknowledged_at \
     FROM post p JOIN person a ON a.id = p.author_id \
     LEFT JOIN post_ack k ON k.post_id = p.id AND k.person_id = $2 \
     WHERE p.school_id = $1 AND (p.publish_at <= $3 OR p.author_id = $2) \
     AND (p.author_id = $2 OR p.audience = 'school' OR p.class_id IN ($7) OR \
     (p.audience = 'grade' AND p.grade IN (SELECT c.grade FROM class c WHERE c.id IN ($7)))) \
     AND (p.publish_at < $4 OR (p.publish_at = $4 AND p.id < $5)) \
     ORDER BY p.publish_at DESC, p.id DESC LIMIT $6";

/// `Store::unread_threads`: the unread count on every page (the overview's badge).
const UNREAD_SQL: &str =
    "SELECT COUNT(*) FROM thread_participant WHERE person_id = $1 AND unread > 0";

/// `Store::absence_on`: a class's absence on one day (the register, the teacher's overview).
const ABSENCE_ON_SQL: &str =
    "SELECT a.pupil_id, a.day, a.half_days, a.reason, a.leave_state, a.report_id \
     FROM absence_day a JOIN enrolment e ON e.pupil_id = a.pupil_id \
     WHERE e.class_id = $1 AND a.school_id = $2 AND a.day = $3";

/// The absence report of a school for a period (`Store` absence rates, one pupil).
const ABSENCE_RATES_SQL: &str = "SELECT pupil_id, reason, leave_state, \
     CAST(SUM(half_days) AS BIGINT) AS total FROM absence_day \
     WHERE school_id = $1 AND day >= $2 AND day <= $3 AND pupil_id = $4 \
     GROUP BY pupil_id, reason, leave_state";

/// `Store::round_slots`: a conference round's slots with their bookings (booking night).
const ROUND_SLOTS_SQL: &str = "SELECT s.id, s.round_id, s.starts_at, s.ends_at, \
     b.id AS booking_id, p.id AS pupil_id, p.given_name, p.family_name FROM conference_slot s \
     LEFT JOIN conference_booking b ON b.slot_id = s.id \
     LEFT JOIN person p ON p.id = b.pupil_id \
     WHERE s.round_id = $1 AND s.school_id = $2 ORDER BY s.starts_at, s.id";

/// Binds of text and integers, as the store binds them.
enum B {
    I(i64),
    T(String),
}

async fn explain(
    pool: &sqlx::AnyPool,
    backend: Backend,
    sql: &str,
    binds: &[B],
) -> Result<Vec<String>, String> {
    if binds.iter().all(|b| matches!(b, B::I(_))) {
        let ints: Vec<i64> = binds
            .iter()
            .map(|b| match b {
                B::I(i) => *i,
                B::T(_) => 0,
            })
            .collect();
        return plan(pool, backend, sql, &ints).await;
    }
    // Text binds are inlined as literals (dates of the form YYYY-MM-DD only).
    let mut sql = sql.to_owned();
    for (n, b) in binds.iter().enumerate().rev() {
        let value = match b {
            B::I(i) => i.to_string(),
            B::T(t) if t.chars().all(|c| c.is_ascii_digit() || c == '-') => format!("'{t}'"),
            B::T(t) => return Err(format!("unexpected text bind {t:?}")),
        };
        sql = sql.replace(&format!("${}", n + 1), &value);
    }
    plan(pool, backend, &sql, &[]).await
}

pub async fn run(args: &PlansArgs) -> Result<(), String> {
    let store = Store::connect(&args.database_url).await.map_err(e)?;
    let backend = store.backend();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&args.database_url)
        .await
        .map_err(e)?;
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .map_err(e)
        }
    };
    println!(
        "# query plans, {backend:?}: {} schools, {} persons, {} messages, {} posts, {} absence days, {} conference slots",
        count("SELECT COUNT(*) FROM school").await?,
        count("SELECT COUNT(*) FROM person").await?,
        count("SELECT COUNT(*) FROM message").await?,
        count("SELECT COUNT(*) FROM post").await?,
        count("SELECT COUNT(*) FROM absence_day").await?,
        count("SELECT COUNT(*) FROM conference_slot").await?,
    );
    let school: i64 = count("SELECT MAX(id) FROM school").await?;
    // The last school's guardian1 and their child, the child's class and its contact teacher.
    let row = sqlx::query(
        "SELECT g.guardian_id, g.pupil_id, e.class_id FROM guardianship g \
         JOIN enrolment e ON e.pupil_id = g.pupil_id \
         WHERE g.school_id = $1 ORDER BY g.guardian_id LIMIT 1",
    )
    .bind(school)
    .fetch_one(&pool)
    .await
    .map_err(e)?;
    let guardian: i64 = row.try_get("guardian_id").map_err(e)?;
    let pupil: i64 = row.try_get("pupil_id").map_err(e)?;
    let class: i64 = row.try_get("class_id").map_err(e)?;
    let round: i64 = sqlx::query_scalar(
        "SELECT id FROM conference_round WHERE school_id = $1 AND class_id = $2 ORDER BY id LIMIT 1",
    )
    .bind(school)
    .bind(class)
    .fetch_one(&pool)
    .await
    .map_err(e)?;
    let day: String = sqlx::query_scalar("SELECT MAX(day) FROM absence_day WHERE school_id = $1")
        .bind(school)
        .fetch_one(&pool)
        .await
        .map_err(e)?;
    println!(
        "school {school}, guardian {guardian}, pupil {pupil}, class {class}, round {round}, day {day}\n"
    );
    let now = skolebro_store::now();
    let inbox = format!("{INBOX_SQL_HEAD} {INBOX_SQL_TAIL}");
    let year_start = format!("{}-08-01", &day[..4].parse::<i32>().unwrap_or(2026) - 1);
    let queries: Vec<(&str, &str, Vec<B>)> = vec![
        (
            "inbox, first page (Store::inbox)",
            &inbox,
            vec![B::I(guardian), B::I(i64::MAX), B::I(i64::MAX), B::I(25)],
        ),
        (
            "unread count on every page (Store::unread_threads)",
            UNREAD_SQL,
            vec![B::I(guardian)],
        ),
        (
            "posts of a guardian, first page (Store::posts_for)",
            POSTS_SQL,
            vec![
                B::I(school),
                B::I(guardian),
                B::I(now),
                B::I(i64::MAX),
                B::I(i64::MAX),
                B::I(20),
                B::I(class),
            ],
        ),
        (
            "a class's absence on a day (Store::absence_on)",
            ABSENCE_ON_SQL,
            vec![B::I(class), B::I(school), B::T(day.clone())],
        ),
        (
            "a pupil's absence this school year (absence rates)",
            ABSENCE_RATES_SQL,
            vec![
                B::I(school),
                B::T(year_start),
                B::T(day.clone()),
                B::I(pupil),
            ],
        ),
        (
            "a conference round's slots and bookings (Store::round_slots)",
            ROUND_SLOTS_SQL,
            vec![B::I(round), B::I(school)],
        ),
    ];
    for (name, sql, binds) in queries {
        println!("{name}:\n```");
        for line in explain(&pool, backend, sql, &binds).await? {
            println!("{line}");
        }
        println!("```\n");
    }
    pool.close().await;
    store.close().await;
    Ok(())
}
