//! `skolebro-bench`: measurements of skolebro on this machine (docs/bench.md).
//!
//! - `messages`: inbox and conversation with 10 and with 100,000 messages in the database, a
//!   message to every guardian of the school, and the query plans; SQLite or PostgreSQL.
//! - `load`: scripted journeys of signed-in guardians against a running server on loopback,
//!   with the static-asset ceiling.
//! - `seed`: a demo school with a message history, for `skolebro demo` to serve to `load`.

mod booking;
mod database;
mod load;
mod messages;
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
}

#[derive(clap::Args)]
struct SeedArgs {
    /// The database to fill: `sqlite://PATH?mode=rwc` or `postgres://…`; it must hold no school.
    #[arg(long)]
    database_url: String,
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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Messages(args) => messages::run(args).await.map(|_| ()),
        Command::Load(args) => load::run(args).await.map(|_| ()),
        Command::Seed(args) => seed(args).await,
        Command::Posts(args) => posts::run(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("skolebro-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
