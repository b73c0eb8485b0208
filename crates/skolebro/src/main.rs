//! `skolebro`: the one binary. Serves the web application, creates the demo school, applies
//! migrations, manages accounts, imports rosters and makes backups.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use skolebro_domain::{Country, Role, SchoolId};
use skolebro_store::admin::NewUser;
use skolebro_store::demo::DemoOptions;
use skolebro_store::roster::ImportError;
use skolebro_store::Store;

/// A megabyte, for the quota settings.
const MB: u64 = 1024 * 1024;
#[derive(Parser)]
#[command(
    name = "skolebro",
    version,
    about = "skolebro: school-home collaboration, self-hosted.",
    long_about = "skolebro: school-home collaboration, self-hosted.\n\n\
        Every option can also be set in the environment; the variable is named beside it."
)]
struct Cli {
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(
        long,
        env = "SKOLEBRO_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve skolebro over HTTP (applies migrations first).
    Serve(ServeArgs),
    /// Create a demo school when the database is empty, then serve it.
    Demo(DemoArgs),
    /// Apply schema migrations and exit.
    Migrate(DbArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import data from other systems.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a consistent copy of the SQLite database to FILE while it serves.
    Backup {
        /// The file to create; it must not exist.
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB`. Default: SQLite at
    /// DATA_DIR/skolebro.db.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// PostgreSQL only: a streaming replica for the reads that tolerate a little lag; a
    /// session reads from the primary for a while after it writes (read-your-writes).
    #[arg(long, env = "SKOLEBRO_READ_DATABASE_URL")]
    read_database_url: Option<String>,
    /// Directory for the SQLite database and stored files.
    #[arg(long, env = "SKOLEBRO_DATA_DIR", default_value = ".")]
    data_dir: PathBuf,
}

impl DbArgs {
    fn url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("skolebro.db").display()
            ),
        }
    }

    async fn open(&self) -> Result<Store, String> {
        if self.database_url.is_none() {
            std::fs::create_dir_all(&self.data_dir).map_err(|e| {
                format!(
                    "cannot create data directory {}: {e}",
                    self.data_dir.display()
                )
            })?;
        }
        let store = match &self.read_database_url {
            Some(read) => Store::connect_with_replica(&self.url(), read).await,
            None => Store::connect(&self.url()).await,
        }
        .map_err(|e| format!("cannot open the database: {e}"))?;
        store
            .migrate()
            .await
            .map_err(|e| format!("cannot migrate the database: {e}"))?;
        Ok(store)
    }
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SKOLEBRO_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Mark cookies Secure (set this when users reach skolebro over HTTPS; a proxy's
    /// X-Forwarded-Proto: https also does it per request).
    #[arg(long, env = "SKOLEBRO_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Users reach skolebro over HTTPS (a TLS-terminating proxy in front): cookies are marked
    /// Secure and every response carries Strict-Transport-Security.
    #[arg(long, env = "SKOLEBRO_BEHIND_TLS")]
    behind_tls: bool,
    /// Proxies whose X-Forwarded-For header names the client (addresses or networks,
    /// comma-separated: 10.0.0.0/8,::1). Without this the header never counts.
    #[arg(long, env = "SKOLEBRO_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = skolebro_web::security::parse_proxy)]
    trusted_proxies: Vec<skolebro_web::security::IpNet>,
    /// Messages (new conversations and replies) one account may send per minute; 0: no limit.
    #[arg(long, env = "SKOLEBRO_MESSAGE_SENDS_PER_MINUTE", default_value_t = skolebro_domain::limits::DEFAULT_MESSAGE_SENDS_PER_MINUTE)]
    message_sends_per_minute: u32,
    /// Absence reports one account may make per minute; 0: no limit.
    #[arg(long, env = "SKOLEBRO_ABSENCE_REPORTS_PER_MINUTE", default_value_t = skolebro_domain::limits::DEFAULT_ABSENCE_REPORTS_PER_MINUTE)]
    absence_reports_per_minute: u32,
    /// Megabytes of files one account may upload in all (attachments, images, photos).
    #[arg(long, env = "SKOLEBRO_ACCOUNT_UPLOAD_QUOTA_MB", default_value_t = skolebro_domain::files::DEFAULT_ACCOUNT_QUOTA_BYTES / MB)]
    account_upload_quota_mb: u64,
    /// Megabytes of files one school may hold in all.
    #[arg(long, env = "SKOLEBRO_SCHOOL_UPLOAD_QUOTA_MB", default_value_t = skolebro_domain::files::DEFAULT_SCHOOL_QUOTA_BYTES / MB)]
    school_upload_quota_mb: u64,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    notify: NotifyArgs,
}

/// Where notifications go out (MSG-8).
#[derive(Args, Clone)]
struct NotifyArgs {
    /// SMTP relay for e-mail notifications: `smtp://HOST[:PORT]`. Without one, notices wait
    /// in the outbox and go out once a relay is configured.
    #[arg(long, env = "SKOLEBRO_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender of notification e-mails.
    #[arg(
        long,
        env = "SKOLEBRO_MAIL_FROM",
        default_value = "skolebro <noreply@localhost>"
    )]
    mail_from: String,
    /// The address people open skolebro at, for links in notifications. Default: the
    /// listening address.
    #[arg(long, env = "SKOLEBRO_PUBLIC_URL")]
    public_url: Option<String>,
    /// Seconds between two runs of the notification worker.
    #[arg(long, env = "SKOLEBRO_NOTIFY_INTERVAL", default_value_t = 5)]
    notify_interval: u64,
}

#[derive(Args)]
struct DemoArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// Number of pupils in the demo school.
    #[arg(long, env = "SKOLEBRO_DEMO_PUPILS", default_value_t = 600)]
    pupils: u32,
    /// Country of the demo school: `dk` or `no` (names, grades, rules).
    #[arg(long, env = "SKOLEBRO_DEMO_COUNTRY", default_value = "dk")]
    country: Country,
    /// Password of every demo login.
    #[arg(long, env = "SKOLEBRO_DEMO_PASSWORD", default_value = "demo")]
    demo_password: String,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a person with an account. Creates the school first when the database has none.
    Add {
        username: String,
        #[arg(long)]
        given_name: String,
        #[arg(long)]
        family_name: String,
        /// Roles, comma-separated: leader, staff, guardian, pupil.
        #[arg(long, value_delimiter = ',', default_value = "staff")]
        role: Vec<Role>,
        #[arg(long)]
        email: Option<String>,
        /// The password (better given in the environment than on the command line).
        #[arg(long, env = "SKOLEBRO_PASSWORD", hide_env_values = true)]
        password: String,
        /// The school's name, when the database has no school yet.
        #[arg(long)]
        school_name: Option<String>,
        /// The school's country, when the database has no school yet.
        #[arg(long, default_value = "dk")]
        country: Country,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a person's password; their sessions end.
    SetPassword {
        username: String,
        #[arg(long, env = "SKOLEBRO_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import classes, pupils, guardians and staff from a roster CSV (docs/roster.md).
    Roster {
        file: PathBuf,
        /// Check the file and report what would change, without changing anything.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SKOLEBRO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// The key calendar feed addresses are derived from: `SKOLEBRO_FEED_KEY` when set (the same
/// on every app node), else `DATA_DIR/feed.key`, created with a random key on first start.
/// The database holds only a nonce and a hash per feed, so a copy of it opens no feed.
fn feed_key(data_dir: &std::path::Path) -> Result<Vec<u8>, String> {
    if let Ok(key) = std::env::var("SKOLEBRO_FEED_KEY") {
        if key.len() >= 16 {
            return Ok(key.into_bytes());
        }
        return Err("SKOLEBRO_FEED_KEY must be at least 16 characters".into());
    }
    let path = data_dir.join("feed.key");
    match std::fs::read(&path) {
        Ok(key) if key.len() >= 16 => Ok(key),
        Ok(_) => Err(format!("{} is too short", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = skolebro_store::auth::random_token();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            use std::io::Write;
            options
                .open(&path)
                .and_then(|mut f| f.write_all(key.as_bytes()))
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(key.into_bytes())
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

async fn serve(args: &ServeArgs, store: Store) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let state = skolebro_web::AppState::new(
        store.clone(),
        skolebro_web::Config {
            secure_cookies: args.secure_cookies || args.behind_tls,
            limits: skolebro_domain::limits::RateLimits {
                message_sends_per_minute: args.message_sends_per_minute,
                absence_reports_per_minute: args.absence_reports_per_minute,
            },
            // Attached files live beside the database, content-addressed.
            files_dir: Some(args.db.data_dir.join("files")),
            feed_key: Some(feed_key(&args.db.data_dir)?),
            header_timeout: None,
            trusted_proxies: args.trusted_proxies.clone(),
            public_url: args.notify.public_url.clone(),
            account_quota_bytes: Some(args.account_upload_quota_mb.saturating_mul(MB)),
            school_quota_bytes: Some(args.school_upload_quota_mb.saturating_mul(MB)),
        },
    );
    let mailer = match &args.notify.smtp_url {
        Some(url) => Some(skolebro_web::notify::Mailer::new(
            url,
            &args.notify.mail_from,
        )?),
        None => None,
    };
    let worker = std::sync::Arc::new(skolebro_web::notify::Worker::new(
        store.clone(),
        skolebro_web::notify::WorkerConfig {
            mailer,
            sms: std::sync::Arc::new(skolebro_web::notify::LoggingSms),
            public_url: args
                .notify
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{addr}")),
        },
    ));
    let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
    let worker_task = skolebro_web::notify::spawn(
        worker,
        std::time::Duration::from_secs(args.notify.notify_interval.max(1)),
        worker_stopped,
    );
    println!("skolebro is listening on http://{addr}");
    if skolebro_store::clock::is_moved() {
        // A moved clock changes every date rule; say so where an operator looks first.
        println!(
            "the clock is moved ({}): it reads {}",
            skolebro_store::clock::CLOCK_VAR,
            skolebro_store::clock::now()
        );
    }
    tracing::info!(%addr, "listening");
    let served = skolebro_web::serve(listener, state, shutdown_signal()).await;
    // The worker finishes the step in progress; what is left waits in the outbox.
    let _ = stop_worker.send(true);
    let _ = worker_task.await;
    served.map_err(|e| format!("server error: {e}"))?;
    store.close().await;
    Ok(())
}

async fn demo(args: &DemoArgs) -> Result<(), String> {
    let store = args.serve.db.open().await?;
    if store.is_empty().await.map_err(|e| e.to_string())? {
        let started = std::time::Instant::now();
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "creating the demo school {bar:40} {percent}% ({eta})",
            )
            .map_err(|e| e.to_string())?,
        );
        if args.pupils < 2000 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let summary = store
            .create_demo(
                &DemoOptions {
                    pupils: args.pupils,
                    country: args.country,
                    password: args.demo_password.clone(),
                },
                &|done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                },
            )
            .await
            .map_err(|e| format!("cannot create the demo school: {e}"))?;
        bar.finish_and_clear();
        println!(
            "Created {}: {} classes, {} pupils, {} guardians, {} teachers in {:.1} s.",
            summary.school_name,
            summary.classes,
            summary.pupils,
            summary.guardians,
            summary.teachers,
            started.elapsed().as_secs_f64()
        );
        println!(
            "Demo logins (password {:?}): leader1; teacher1..teacher{}; guardian1..guardian{}; pupil1..pupil{}.",
            args.demo_password, summary.teachers, summary.guardians, summary.pupils
        );
        println!(
            "teacher1 is contact teacher of the first class; guardian1 and guardian2 are guardians of two of its pupils; \
             guardian3 has protected contact details; pupil4's parents live apart (the second has information-only access); \
             guardian5 needs an interpreter. The first class has a conference round with teacher1 on the next two \
             working days, open for booking."
        );
    } else {
        println!("The database already holds a school; serving it as it is.");
    }
    serve(&args.serve, store).await
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => {
            let store = args.db.open().await?;
            serve(&args, store).await
        }
        Command::Demo(args) => demo(&args).await,
        Command::Migrate(db) => {
            db.open().await?;
            println!("The database schema is up to date.");
            Ok(())
        }
        Command::User(UserCommand::Add {
            username,
            given_name,
            family_name,
            role,
            email,
            password,
            school_name,
            country,
            db,
        }) => {
            let store = db.open().await?;
            let username = skolebro_domain::text::username(&username)
                .map_err(|e| format!("bad username: {e}"))?;
            skolebro_domain::auth::check_new_password(&password)
                .map_err(|e| format!("bad password: {e}"))?;
            let school = match store.first_school().await.map_err(|e| e.to_string())? {
                Some(s) => s.id,
                None => {
                    let name = school_name.ok_or(
                        "the database has no school yet: give --school-name (and --country)",
                    )?;
                    store
                        .create_school(&name, country)
                        .await
                        .map_err(|e| e.to_string())?
                }
            };
            let id = add_user(
                &store,
                school,
                username.clone(),
                given_name,
                family_name,
                role,
                email,
                password,
            )
            .await?;
            println!("Added {username} (person {id}).");
            Ok(())
        }
        Command::User(UserCommand::SetPassword {
            username,
            password,
            db,
        }) => {
            let store = db.open().await?;
            skolebro_domain::auth::check_new_password(&password)
                .map_err(|e| format!("bad password: {e}"))?;
            store
                .set_password(&username, &password)
                .await
                .map_err(|e| match e {
                    skolebro_store::StoreError::NotFound => format!("no user named {username:?}"),
                    other => other.to_string(),
                })?;
            println!("Password set for {username}; their sessions have ended.");
            Ok(())
        }
        Command::Import(ImportCommand::Roster { file, dry_run, db }) => {
            import_roster(&file, dry_run, &db).await
        }
        Command::Backup { file, db } => {
            // Said before connecting: a PostgreSQL database is neither opened nor migrated.
            if db.url().starts_with("postgres") {
                return Err(skolebro_store::admin::POSTGRES_BACKUP.to_owned());
            }
            let store = db.open().await?;
            store.backup(&file).await.map_err(|e| e.to_string())?;
            println!("Backup written to {}.", file.display());
            Ok(())
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn add_user(
    store: &Store,
    school: SchoolId,
    username: String,
    given_name: String,
    family_name: String,
    roles: Vec<Role>,
    email: Option<String>,
    password: String,
) -> Result<skolebro_domain::PersonId, String> {
    store
        .add_user(
            school,
            &NewUser {
                username,
                given_name,
                family_name,
                email,
                roles,
                password,
            },
        )
        .await
        .map_err(|e| e.to_string())
}

async fn import_roster(file: &std::path::Path, dry_run: bool, db: &DbArgs) -> Result<(), String> {
    // Read the file before the database is opened, so that a mistyped name creates nothing.
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let store = db.open().await?;
    let school = store
        .first_school()
        .await
        .map_err(|e| e.to_string())?
        .ok_or(
            "no school: run `skolebro demo` or create one first \
             (`skolebro user add USERNAME … --school-name NAME`)",
        )?;
    let source = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let report = store
        .import_roster(school.id, &source, &bytes, dry_run)
        .await
        .map_err(|e| match e {
            ImportError::Lines(errors) => {
                let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
                lines.dedup();
                let mut message = format!(
                    "{} has {} bad line{}; nothing was imported:",
                    file.display(),
                    lines.len(),
                    if lines.len() == 1 { "" } else { "s" }
                );
                for error in errors {
                    message.push('\n');
                    message.push_str(&error.to_string());
                }
                message
            }
            ImportError::Store(e) => format!("the import failed; nothing was imported: {e}"),
        })?;
    if report.dry_run {
        println!(
            "Dry run: nothing was changed. Importing {} into {}, school year {}, would give:",
            file.display(),
            report.school_name,
            report.school_year
        );
    } else {
        println!(
            "Imported {} into {}, school year {}:",
            file.display(),
            report.school_name,
            report.school_year
        );
    }
    println!("{}", report.summary);
    if report.summary.is_unchanged() {
        println!("The school already matches the file.");
    }
    for note in &report.notes {
        println!("note: {note}");
    }
    if !report.dry_run && report.summary.accounts > 0 {
        println!(
            "New accounts have no password yet: set one with `skolebro user set-password USERNAME`."
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("skolebro: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("skolebro: {message}");
            ExitCode::FAILURE
        }
    }
}
