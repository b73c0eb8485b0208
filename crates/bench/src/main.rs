//! `skolebro-bench`: measurements of skolebro on this machine (docs/bench.md).
//!
//! - `messages`: inbox and conversation with 10 and with 100,000 messages in the database, a
//!   message to every guardian of the school, and the query plans; SQLite or PostgreSQL.
//! - `load`: scripted journeys of signed-in guardians against a running server on loopback,
//!   with the static-asset ceiling.
//! - `seed`: a demo school with a message history, for `skolebro demo` to serve to `load`.

mod booking;
mod database;
mod dataset;
mod journeys;
mod load;
mod messages;
mod plans;
mod posts;
mod stats;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use skolebro_domain::Country;
use skolebro_store::demo::DemoOptions;
use skolebro_store::history::HistoryOptions;
use skolebro_store::Store;

#[derive(Parser)]
#[command(
    name = "skolebro-bench",
    version,
    about = "Measure skolebro on this machine: message storage at scale, and load on a running server."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inbox and conversation at 10 and N messages, a message to every guardian, query plans.
    Messages(messages::MessagesArgs),
    /// Scripted journeys against a running server on this machine (`skolebro demo`).
    Load(load::LoadArgs),
    /// Create the demo school with a message history in a database, for `skolebro demo` to serve.
    Seed(SeedArgs),
    /// A post to the whole school, and a guardian's list of posts at 10 and N posts.
    Posts(posts::PostsArgs),
    /// The query plans of the hot queries on a dataset made by `seed --scale`.
    Plans(plans::PlansArgs),
}

#[derive(clap::Args)]
struct SeedArgs {
    /// The database to fill: `sqlite://PATH?mode=rwc` or `postgres://…`; it must hold no school.
    #[arg(long)]
    database_url: String,
    /// A whole dataset of many schools with a school year of use each (docs/performance.md);
    /// `--pupils`, `--history` and `--booking-night` are then ignored.
    #[arg(long, value_enum)]
    scale: Option<dataset::Scale>,
    /// Pupils of the demo school.
    #[arg(long, default_value_t = 600)]
    pupils: u32,
    /// Messages in the history.
    #[arg(long, default_value_t = 100_000)]
    history: u64,
    /// Password of every demo login.
    #[arg(long, env = "SKOLEBRO_DEMO_PASSWORD", default_value = "demo")]
    demo_password: String,
    /// Also open a conference round for every class, for the `booking` journey of `load`.
    #[arg(long)]
    booking_night: bool,
}

async fn seed(args: &SeedArgs) -> Result<(), String> {
    if let Some(scale) = args.scale {
        let m = scale.model();
        println!(
            "seed {scale:?}: {} schools of {} pupils, {} staff each; load average {}",
            m.schools,
            m.pupils,
            dataset::staff_for(m.pupils),
            load::loadavg()
        );
        let t = Instant::now();
        let totals = dataset::seed_scale(&args.database_url, scale, &args.demo_password).await?;
        let took = t.elapsed();
        println!(
            "made {} schools: {} pupils, {} guardians, {} staff; {} messages, {} posts, \
             {} absence reports ({} days), {} conference bookings",
            totals.schools,
            totals.pupils,
            totals.guardians,
            totals.staff,
            totals.messages,
            totals.posts,
            totals.absence_reports,
            totals.absence_days,
            totals.bookings
        );
        println!(
            "generation time {:.1} s; database size {}; load average {}",
            took.as_secs_f64(),
            database_size(&args.database_url).await,
            load::loadavg()
        );
        return Ok(());
    }
    let store = Store::connect(&args.database_url)
        .await
        .map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let t = Instant::now();
    let demo = store
        .create_demo(
            &DemoOptions {
                pupils: args.pupils,
                country: Country::Dk,
                password: args.demo_password.clone(),
            },
            &|_, _| {},
        )
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "demo school: {} pupils, {} guardians, {} teachers in {:.1} s",
        demo.pupils,
        demo.guardians,
        demo.teachers,
        t.elapsed().as_secs_f64()
    );
    let mut focus = None;
    if let (Some(t), Some(g)) = (
        store
            .person_by_username("teacher1")
            .await
            .map_err(|e| e.to_string())?,
        store
            .person_by_username("guardian1")
            .await
            .map_err(|e| e.to_string())?,
    ) {
        focus = Some((t, g));
    }
    let t = Instant::now();
    let h = store
        .create_history(
            demo.school_id,
            &HistoryOptions {
                messages: args.history,
                end: skolebro_store::now() - 3600,
                focus,
                seed: 1,
            },
            &|_, _| {},
        )
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "history: {} threads, {} messages, {} participant rows in {:.1} s",
        h.threads,
        h.messages,
        h.participants,
        t.elapsed().as_secs_f64()
    );
    if args.booking_night {
        let t = Instant::now();
        let (rounds, slots) = booking::open_rounds(&store, demo.school_id).await?;
        println!(
            "booking night: {rounds} rounds with {slots} slots in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    store.close().await;
    Ok(())
}

/// The size of the database on disk: the SQLite file with its WAL, or `pg_database_size`.
async fn database_size(url: &str) -> String {
    let mib = |b: u64| format!("{:.0} MiB", b as f64 / 1_048_576.0);
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let path = rest.split('?').next().unwrap_or(rest);
        let size = |p: &str| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        return mib(size(path) + size(&format!("{path}-wal")));
    }
    sqlx::any::install_default_drivers();
    let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await else {
        return "unknown".into();
    };
    match sqlx::query_scalar::<_, i64>("SELECT pg_database_size(current_database())")
        .fetch_one(&mut conn)
        .await
    {
        Ok(b) => mib(b as u64),
        Err(_) => "unknown".into(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Messages(args) => messages::run(args).await.map(|_| ()),
        Command::Load(args) => load::run(args).await.map(|_| ()),
        Command::Seed(args) => seed(args).await,
        Command::Posts(args) => posts::run(args).await,
        Command::Plans(args) => plans::run(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("skolebro-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
