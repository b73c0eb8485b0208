//! Connecting, configuring and migrating the database.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::{Result, StoreError};

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: a pool for writes and a pool for reads. On SQLite the writer is a single
/// connection (SQLite has one writer at a time; queueing in the pool beats busy retries) and the
/// readers share the WAL. On PostgreSQL both are the same pool; the split is where read replicas
/// plug in.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) write: AnyPool,
    pub(crate) read: AnyPool,
    backend: Backend,
    url: String,
    /// Reads go to a separate replica (PostgreSQL).
    replica: bool,
    /// Password checks (argon2id) at once: one per core, and a bounded queue.
    pub(crate) password_gate: std::sync::Arc<crate::auth::PasswordGate>,
}

tokio::task_local! {
    /// Set for a request whose reads must see the primary: the writer's own session just after
    /// it wrote (read-your-writes), when reads otherwise go to a replica.
    static PRIMARY_READS: bool;
}

/// Runs `work` with every read of the store on the primary database (read-your-writes).
pub async fn with_primary_reads<F: std::future::Future>(work: F) -> F::Output {
    PRIMARY_READS.scope(true, work).await
}

/// The current instant, in whole seconds since the epoch (UTC).
pub fn now() -> i64 {
    crate::clock::now().as_second()
}

/// SQLite migrations that rebuild a table. Foreign keys must be off for that, which SQLite
/// ignores inside a transaction, and sqlx runs every SQLite migration in one: `migrate` runs
/// these itself (see [`Store::rebuild_migration`]).
const SQLITE_OWN_TRANSACTION: &[i64] = &[13];

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "people",
        include_str!("../migrations/sqlite/0001_people.sql"),
    ),
    (
        2,
        "messages",
        include_str!("../migrations/sqlite/0002_messages.sql"),
    ),
    (
        3,
        "attachments",
        include_str!("../migrations/sqlite/0003_attachments.sql"),
    ),
    (
        4,
        "absence",
        include_str!("../migrations/sqlite/0004_absence.sql"),
    ),
    (
        5,
        "cases",
        include_str!("../migrations/sqlite/0005_cases.sql"),
    ),
    (
        6,
        "conferences",
        include_str!("../migrations/sqlite/0006_conferences.sql"),
    ),
    (
        7,
        "need_based_conferences",
        include_str!("../migrations/sqlite/0007_need_based_conferences.sql"),
    ),
    (
        8,
        "posts",
        include_str!("../migrations/sqlite/0008_posts.sql"),
    ),
    (
        9,
        "calendar",
        include_str!("../migrations/sqlite/0009_calendar.sql"),
    ),
    (
        10,
        "notify",
        include_str!("../migrations/sqlite/0010_notify.sql"),
    ),
    (
        11,
        "meetings",
        include_str!("../migrations/sqlite/0011_meetings.sql"),
    ),
    (
        12,
        "absence_school_rules",
        include_str!("../migrations/sqlite/0012_absence_school_rules.sql"),
    ),
    (
        13,
        "conference_households",
        include_str!("../migrations/sqlite/0013_conference_households.sql"),
    ),
    (
        14,
        "post_announcements",
        include_str!("../migrations/sqlite/0014_post_announcements.sql"),
    ),
    (
        15,
        "notification_due_channel",
        include_str!("../migrations/sqlite/0015_notification_due_channel.sql"),
    ),
    (
        16,
        "conference_offered_slots",
        include_str!("../migrations/sqlite/0016_conference_offered_slots.sql"),
    ),
    (
        17,
        "thread_participant_unread",
        include_str!("../migrations/sqlite/0017_thread_participant_unread.sql"),
    ),
    (
        18,
        "sign_in_known",
        include_str!("../migrations/sqlite/0018_sign_in_known.sql"),
    ),
    (
        19,
        "calendar_feed_revoked",
        include_str!("../migrations/sqlite/0019_calendar_feed_revoked.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "people",
        include_str!("../migrations/postgres/0001_people.sql"),
    ),
    (
        2,
        "messages",
        include_str!("../migrations/postgres/0002_messages.sql"),
    ),
    (
        3,
        "attachments",
        include_str!("../migrations/postgres/0003_attachments.sql"),
    ),
    (
        4,
        "absence",
        include_str!("../migrations/postgres/0004_absence.sql"),
    ),
    (
        5,
        "cases",
        include_str!("../migrations/postgres/0005_cases.sql"),
    ),
    (
        6,
        "conferences",
        include_str!("../migrations/postgres/0006_conferences.sql"),
    ),
    (
        7,
        "need_based_conferences",
        include_str!("../migrations/postgres/0007_need_based_conferences.sql"),
    ),
    (
        8,
        "posts",
        include_str!("../migrations/postgres/0008_posts.sql"),
    ),
    (
        9,
        "calendar",
        include_str!("../migrations/postgres/0009_calendar.sql"),
    ),
    (
        10,
        "notify",
        include_str!("../migrations/postgres/0010_notify.sql"),
    ),
    (
        11,
        "meetings",
        include_str!("../migrations/postgres/0011_meetings.sql"),
    ),
    (
        12,
        "absence_school_rules",
        include_str!("../migrations/postgres/0012_absence_school_rules.sql"),
    ),
    (
        13,
        "conference_households",
        include_str!("../migrations/postgres/0013_conference_households.sql"),
    ),
    (
        14,
        "post_announcements",
        include_str!("../migrations/postgres/0014_post_announcements.sql"),
    ),
    (
        15,
        "notification_due_channel",
        include_str!("../migrations/postgres/0015_notification_due_channel.sql"),
    ),
    (
        16,
        "conference_offered_slots",
        include_str!("../migrations/postgres/0016_conference_offered_slots.sql"),
    ),
    (
        17,
        "thread_participant_unread",
        include_str!("../migrations/postgres/0017_thread_participant_unread.sql"),
    ),
    (
        18,
        "sign_in_known",
        include_str!("../migrations/postgres/0018_sign_in_known.sql"),
    ),
    (
        19,
        "calendar_feed_revoked",
        include_str!("../migrations/postgres/0019_calendar_feed_revoked.sql"),
    ),
];

/// Whether an idle connection may be handed out again: not when it still counts a transaction
/// as open. SQLite rolls a transaction back by itself when the disk is full (SQLITE_FULL) or
/// an I/O error strikes; the pool's own ROLLBACK then fails, and sqlx would go on counting the
/// transaction as open, so that the next `begin()` made a mere SAVEPOINT and every later
/// "commit" only released it: acknowledged writes that a restart loses. Such a connection is
/// closed and a fresh one opened instead.
fn settled(conn: &sqlx::AnyConnection) -> bool {
    use sqlx::Connection;
    let open = conn.is_in_transaction();
    if open {
        tracing::warn!("closing a database connection left in a transaction the database ended");
    }
    !open
}

impl Store {
    /// Connects to `url`: `sqlite://PATH` (created when missing, with its directory) or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Invalid(format!(
                "database URL must start with sqlite: or postgres: (got {:?})",
                url.split(':').next().unwrap_or("")
            )));
        };
        let url = match backend {
            Backend::Sqlite => sqlite_creating(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let mut options = AnyConnectOptions::from_str(&url)?;
        // Bulk loads write statements of many kilobytes; slow ones are for debugging, not the log.
        options = options
            .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_millis(500));
        let store = match backend {
            Backend::Sqlite => {
                // The writer connects first so that WAL mode is on before any reader opens.
                // A file has no connection to lose: no ping before each use. (On SQLite every
                // statement is a hand-over to the connection's own thread, and a ping is one
                // more; it doubled the hand-overs of a one-statement request.)
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .before_acquire(|conn, _| Box::pin(async move { Ok(settled(conn)) }))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options.clone())
                    .await?;
                // Open the file now, so that a bad path fails at start-up.
                write.acquire().await?;
                let read = AnyPoolOptions::new()
                    .max_connections(8)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA query_only = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                Store {
                    write,
                    read,
                    backend,
                    url: url.to_owned(),
                    password_gate: Default::default(),
                    replica: false,
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .before_acquire(|conn, _| Box::pin(async move { Ok(settled(conn)) }))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Store {
                    write: pool.clone(),
                    read: pool,
                    backend,
                    url: url.to_owned(),
                    password_gate: Default::default(),
                    replica: false,
                }
            }
        };
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool reads go to: the read pool (SQLite's readers, or a PostgreSQL replica), or the
    /// primary inside [`with_primary_reads`].
    pub(crate) fn reader(&self) -> &AnyPool {
        if PRIMARY_READS.try_with(|p| *p).unwrap_or(false) {
            &self.write
        } else {
            &self.read
        }
    }

    /// Connects to a PostgreSQL primary at `url` and sends the reads that tolerate lag to a
    /// streaming replica at `read_url`; writes, and reads inside [`with_primary_reads`], go to
    /// the primary.
    pub async fn connect_with_replica(url: &str, read_url: &str) -> Result<Store> {
        let mut store = Store::connect(url).await?;
        if store.backend != Backend::Postgres
            || !(read_url.starts_with("postgres:") || read_url.starts_with("postgresql:"))
        {
            return Err(StoreError::Invalid(
                "a read replica is for PostgreSQL: both URLs must be postgres://".into(),
            ));
        }
        let options = AnyConnectOptions::from_str(read_url)?
            .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_millis(500));
        store.read = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        store.replica = true;
        Ok(store)
    }

    /// Whether reads go to a replica (and so may lag behind the primary).
    pub fn has_replica(&self) -> bool {
        self.replica
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Applies the schema changes this build knows and the database lacks.
    pub async fn migrate(&self) -> Result<()> {
        let list = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        let migrations: Vec<Migration> = list
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        if self.backend == Backend::Sqlite {
            for own in SQLITE_OWN_TRANSACTION {
                // The migrations before it, then it, by hand.
                let before = Migrator {
                    migrations: Cow::Owned(
                        migrations
                            .iter()
                            .filter(|m| m.version < *own)
                            .cloned()
                            .collect(),
                    ),
                    ignore_missing: true,
                    ..Migrator::DEFAULT
                };
                before.run(&self.write).await?;
                if let Some(m) = migrations.iter().find(|m| m.version == *own) {
                    self.rebuild_migration(m).await?;
                }
            }
        }
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        migrator.run(&self.write).await?;
        self.refresh_statistics().await
    }

    /// Applies a SQLite migration that rebuilds a table, unless it is applied: foreign keys off
    /// on one connection, the script and its bookkeeping row in one transaction, committed
    /// only when `foreign_key_check` finds nothing dangling.
    async fn rebuild_migration(&self, m: &Migration) -> Result<()> {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&self.write)
                .await?;
        if applied.is_some() {
            return Ok(());
        }
        let mut conn = self.write.acquire().await?;
        sqlx::raw_sql("PRAGMA foreign_keys = OFF")
            .execute(&mut *conn)
            .await?;
        let outcome: Result<()> = async {
            sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            sqlx::raw_sql(&m.sql).execute(&mut *conn).await?;
            let dangling: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pragma_foreign_key_check")
                .fetch_one(&mut *conn)
                .await?;
            if dangling > 0 {
                return Err(StoreError::Other(format!(
                    "migration {}: {dangling} rows would lose what they refer to",
                    m.version
                )));
            }
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
                 execution_time) VALUES ($1, $2, TRUE, $3, 0)",
            )
            .bind(m.version)
            .bind(m.description.to_string())
            .bind(m.checksum.to_vec())
            .execute(&mut *conn)
            .await?;
            sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
            Ok(())
        }
        .await;
        if outcome.is_err() {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
        }
        sqlx::raw_sql("PRAGMA foreign_keys = ON")
            .execute(&mut *conn)
            .await?;
        outcome
    }

    /// Gives the query planner fresh table statistics. Without them SQLite guesses between
    /// indexes and may pick `(school_id, …)` for a query by person, reading a whole school per
    /// request (30,000 pupils: 25 ms instead of 2 ms for every signed-in request). Run at
    /// start-up and after bulk loads; PostgreSQL's autovacuum keeps its own statistics.
    pub async fn refresh_statistics(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&self.write)
                .await?;
            sqlx::query("ANALYZE").execute(&self.write).await?;
        }
        Ok(())
    }

    /// Whether the database answers: for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(self.reader()).await?;
        Ok(())
    }

    /// Closes both pools, waiting for connections in use.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// One value of a row written by [`insert_rows`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    Int(i64),
    Text(String),
    /// NULL in an integer column. PostgreSQL types each parameter, so NULLs carry their type.
    NullInt,
    NullText,
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_owned())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Val::NullInt, Val::Int)
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        v.map_or(Val::NullText, Val::Text)
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Val::NullText, Into::into)
    }
}

/// Inserts many rows with multi-row `VALUES` statements: bulk loads (demo, import) run in
/// seconds instead of minutes.
pub(crate) async fn insert_rows(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Val>],
) -> Result<()> {
    // About 500 parameters a statement: SQLite gets disproportionately slower with very long
    // statements (13,000 persons took 12 s at 30,000 parameters, under 1 s at 500), and
    // PostgreSQL does not mind.
    let per_chunk = (500 / columns.len()).max(1);
    for chunk in rows.chunks(per_chunk) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            debug_assert_eq!(row.len(), columns.len());
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..row.len() {
                n += 1;
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Val::Int(i) => q.bind(*i),
                    Val::Text(t) => q.bind(t.as_str()),
                    Val::NullInt => q.bind(None::<i64>),
                    Val::NullText => q.bind(None::<String>),
                };
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A SQLite URL that creates the file when it is missing, as `--data-dir` does: SQLite's own
/// default opens existing files only ("unable to open database file"). A `mode=` the operator
/// gave is kept; the file's directory is made when it is missing.
fn sqlite_creating(url: &str) -> Result<String> {
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (url, None),
    };
    let file = path.trim_start_matches("sqlite:").trim_start_matches("//");
    if !file.is_empty() && file != ":memory:" {
        if let Some(dir) = std::path::Path::new(file).parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Invalid(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
    }
    Ok(match query {
        Some(q) if q.split('&').any(|kv| kv.starts_with("mode=")) => url.to_owned(),
        Some(q) => format!("{path}?{q}&mode=rwc"),
        None => format!("{path}?mode=rwc"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database made before the households migration, with a held conference whose notes,
    /// agreement and need-based follow-up refer to its booking, keeps all of it through the
    /// booking table's rebuild, and leaves foreign keys on.
    #[tokio::test]
    async fn the_booking_rebuild_keeps_what_refers_to_bookings() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}/old.db?mode=rwc", dir.path().display());
        let store = Store::connect(&url).await.expect("connect");
        let old = Migrator {
            migrations: Cow::Owned(
                SQLITE_MIGRATIONS
                    .iter()
                    .filter(|(v, _, _)| *v < 13)
                    .map(|(v, name, sql)| {
                        Migration::new(
                            *v,
                            Cow::Borrowed(*name),
                            MigrationType::Simple,
                            Cow::Borrowed(*sql),
                            false,
                        )
                    })
                    .collect(),
            ),
            ..Migrator::DEFAULT
        };
        old.run(&store.write).await.expect("the schema before");
        sqlx::raw_sql(
            "INSERT INTO school (id, name, country, time_zone, locale, created_at) \
             VALUES (1, 'S', 'dk', 'Europe/Copenhagen', 'da', 0); \
             INSERT INTO class (id, school_id, name, grade, school_year) VALUES (1, 1, '1.A', 1, '2026/27'); \
             INSERT INTO person (id, school_id, given_name, family_name, created_at) VALUES \
               (1, 1, 'T', 'T', 0), (2, 1, 'P', 'P', 0), (3, 1, 'G', 'G', 0); \
             INSERT INTO guardianship (school_id, guardian_id, pupil_id, access) VALUES (1, 3, 2, 'full'); \
             INSERT INTO conference_round (id, school_id, class_id, title, form, slot_minutes, \
               break_minutes, booking_deadline, created_by, created_at) \
               VALUES (1, 1, 1, 'R', 'school', 20, 5, 0, 1, 0); \
             INSERT INTO conference_slot (id, school_id, round_id, starts_at, ends_at) \
               VALUES (1, 1, 1, 100, 200), (2, 1, 1, 300, 400), (3, 1, 1, 500, 600); \
             INSERT INTO conference_booking (id, school_id, round_id, slot_id, pupil_id, booked_by, \
               booked_at, purpose) VALUES (7, 1, 1, 1, 2, 3, 0, 'kept'); \
             INSERT INTO conference_note (booking_id, school_id, pupil_id, summary, written_by, \
               written_at) VALUES (7, 1, 2, 'summary', 1, 0); \
             INSERT INTO conference_agreement (school_id, booking_id, pupil_id, class_id, owner, \
               what, due, created_by, created_at) VALUES (1, 7, 2, 1, 'home', 'read', '2026-12-01', 1, 0); \
             INSERT INTO conference_round (id, school_id, class_id, title, form, slot_minutes, \
               break_minutes, booking_deadline, created_by, created_at, pupil_id, from_booking_id) \
               VALUES (2, 1, 1, 'N', 'school', 20, 5, 0, 1, 0, 2, 7);",
        )
        .execute(&store.write)
        .await
        .expect("a held conference");

        store.migrate().await.expect("the households migration");

        let (purpose, household): (String, i64) =
            sqlx::query_as("SELECT purpose, household FROM conference_booking WHERE id = 7")
                .fetch_one(&store.write)
                .await
                .expect("the booking");
        assert_eq!((purpose.as_str(), household), ("kept", 0));
        let refs: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM conference_note WHERE booking_id = 7) + \
             (SELECT COUNT(*) FROM conference_agreement WHERE booking_id = 7) + \
             (SELECT COUNT(*) FROM conference_round WHERE from_booking_id = 7)",
        )
        .fetch_one(&store.write)
        .await
        .expect("references");
        assert_eq!(refs, 3);
        let dangling: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pragma_foreign_key_check")
            .fetch_one(&store.write)
            .await
            .expect("check");
        assert_eq!(dangling, 0);
        // Foreign keys are on again on every connection: a note for no booking is refused.
        for _ in 0..4 {
            let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&store.write)
                .await
                .expect("pragma");
            assert_eq!(on, 1);
        }
        // One conference per household now, still one per slot and household.
        let household = |slot: i64, h: i64| {
            sqlx::query(
                "INSERT INTO conference_booking (school_id, round_id, slot_id, pupil_id, \
                 household, booked_by, booked_at) VALUES (1, 1, $1, 2, $2, 3, 0)",
            )
            .bind(slot)
            .bind(h)
        };
        household(2, 1)
            .execute(&store.write)
            .await
            .expect("household 1");
        household(3, 2)
            .execute(&store.write)
            .await
            .expect("household 2");
        assert!(household(3, 1).execute(&store.write).await.is_err());
        // Migrating again changes nothing.
        store.migrate().await.expect("again");
    }
}
