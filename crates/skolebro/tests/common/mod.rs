//! The test harness: the real application on a random port, on a fresh database of its own,
//! filled with a small demo school. Every test runs on SQLite and, when
//! `SKOLEBRO_TEST_DATABASE_URL` names a PostgreSQL server, on PostgreSQL too.
#![allow(dead_code)]

pub mod api;

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::redirect::Policy;
use skolebro_domain::{Country, PersonId};
use skolebro_store::demo::DemoOptions;
use skolebro_store::Store;

/// Pupils in the test school: enough for several classes, siblings and every special case of
/// the first class.
pub const TEST_PUPILS: u32 = 60;
pub const PASSWORD: &str = "demo-password";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A fresh PostgreSQL database, dropped when the test ends.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime; the clean-up gets a runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
                    .await
                    .ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

pub struct TestApp {
    pub base: String,
    pub addr: SocketAddr,
    pub store: Store,
    pub db: Db,
    /// Where the app keeps attached files.
    pub files_dir: std::path::PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _pg: Option<PgDatabase>,
    /// The second database of [`TestApp::spawn_with_replica`].
    _replica_pg: Option<PgDatabase>,
    _dir: tempfile::TempDir,
}

/// A fresh PostgreSQL database on the test server: its URL, and the guard that drops it.
async fn fresh_pg() -> Option<(String, PgDatabase)> {
    let admin_url = postgres_url()?;
    let name = format!(
        "skolebro_test_{}_{}",
        std::process::id(),
        skolebro_store::auth::random_token()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(10)
            .collect::<String>()
            .to_lowercase()
    );
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
        .await
        .expect("connect to the PostgreSQL test server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    Some((
        with_database(&admin_url, &name),
        PgDatabase { admin_url, name },
    ))
}

pub async fn demo_in(store: &Store, pupils: u32, country: Country) {
    store.migrate().await.expect("migrate");
    store
        .create_demo(
            &DemoOptions {
                pupils,
                country,
                password: PASSWORD.into(),
            },
            &|_, _| {},
        )
        .await
        .expect("demo school");
}

/// The PostgreSQL server to test against, if one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("SKOLEBRO_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl TestApp {
    /// Starts the app on `db` with the standard test school. `None` when PostgreSQL is asked
    /// for and not configured: the caller reports the test as skipped.
    pub async fn spawn(db: Db) -> Option<TestApp> {
        Self::spawn_with(db, TEST_PUPILS, Country::Dk).await
    }

    pub async fn spawn_with(db: Db, pupils: u32, country: Country) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (url, pg) = match db {
            Db::Sqlite => (
                format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("skolebro.db").display()
                ),
                None,
            ),
            Db::Postgres => {
                let (url, pg) = fresh_pg().await?;
                (url, Some(pg))
            }
        };
        let store = Store::connect(&url).await.expect("connect");
        demo_in(&store, pupils, country).await;
        Self::serve(store, db, dir, pg, None).await
    }

    /// On PostgreSQL, with reads sent to a second database that stands in for a replica which
    /// never catches up: the same demo school, but none of the writes the test makes. What a
    /// request reads from the primary shows them; what it reads from the "replica" does not.
    pub async fn spawn_with_replica() -> Option<TestApp> {
        let (primary_url, primary) = fresh_pg().await?;
        let (replica_url, replica) = fresh_pg().await?;
        let replica_store = Store::connect(&replica_url).await.expect("connect");
        demo_in(&replica_store, TEST_PUPILS, Country::Dk).await;
        replica_store.close().await;
        let store = Store::connect(&primary_url).await.expect("connect");
        demo_in(&store, TEST_PUPILS, Country::Dk).await;
        store.close().await;
        let store = Store::connect_with_replica(&primary_url, &replica_url)
            .await
            .expect("connect with a replica");
        let dir = tempfile::tempdir().expect("temporary directory");
        Self::serve(store, Db::Postgres, dir, Some(primary), Some(replica)).await
    }

    async fn serve(
        store: Store,
        db: Db,
        dir: tempfile::TempDir,
        pg: Option<PgDatabase>,
        replica_pg: Option<PgDatabase>,
    ) -> Option<TestApp> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let files_dir = dir.path().join("files");
        let config = skolebro_web::Config {
            files_dir: Some(files_dir.clone()),
            ..skolebro_web::Config::default()
        };
        let state = skolebro_web::AppState::new(store.clone(), config);
        let server = tokio::spawn(async move {
            skolebro_web::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("server");
        });
        Some(TestApp {
            base: format!("http://{addr}"),
            addr,
            store,
            db,
            files_dir,
            shutdown: Some(tx),
            server: Some(server),
            _pg: pg,
            _replica_pg: replica_pg,
            _dir: dir,
        })
    }

    /// Another server on the same database with its settings changed (a second node set up
    /// differently). Returns its base URL; it serves until the test ends.
    pub async fn second_server(&self, tune: impl FnOnce(&mut skolebro_web::Config)) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let mut config = skolebro_web::Config {
            files_dir: Some(self.files_dir.clone()),
            ..skolebro_web::Config::default()
        };
        tune(&mut config);
        let state = skolebro_web::AppState::new(self.store.clone(), config);
        tokio::spawn(skolebro_web::serve(listener, state, std::future::pending()));
        format!("http://{addr}")
    }

    /// The session's CSRF token, as a signed-in client's page carries it (forms, and the
    /// `X-CSRF-Token` header of API changes made with the cookie).
    pub async fn session_csrf(&self, client: &reqwest::Client) -> String {
        let page = client
            .get(self.url("/profile"))
            .send()
            .await
            .expect("profile")
            .text()
            .await
            .expect("body");
        csrf_of(&page)
    }

    /// Runs one SQL statement on the app's database: for facts no request can make, such as
    /// a session issued long ago.
    pub async fn execute_sql(&self, statement: &str) {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(self.store.url())
            .await
            .expect("connect");
        sqlx::query(statement)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client")
    }

    pub async fn id_of(&self, username: &str) -> PersonId {
        self.store
            .person_by_username(username)
            .await
            .expect("lookup")
            .unwrap_or_else(|| panic!("no demo user {username}"))
    }

    /// The test school.
    pub async fn school_id(&self) -> skolebro_domain::SchoolId {
        self.store
            .first_school()
            .await
            .expect("school")
            .expect("the demo school")
            .id
    }

    /// The class of a demo pupil, by username.
    pub async fn class_of(&self, pupil: &str) -> i64 {
        let school = self.school_id().await;
        self.store
            .pupil_detail(school, self.id_of(pupil).await)
            .await
            .expect("pupil")
            .expect("exists")
            .classes[0]
            .id
            .0
    }

    /// Fetches the sign-in form and returns its CSRF token (the client keeps the cookie).
    pub async fn login_form_csrf(&self, client: &reqwest::Client) -> String {
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .expect("body");
        csrf_of(&page)
    }

    /// Posts the sign-in form; returns the response.
    pub async fn post_login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let csrf = self.login_form_csrf(client).await;
        client
            .post(self.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .expect("login post")
    }

    /// A client signed in as `username` through the sign-in form.
    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = self.client();
        let response = self.post_login(&client, username, PASSWORD).await;
        assert_eq!(
            response.status(),
            303,
            "sign-in of {username} should redirect"
        );
        client
    }

    /// A bearer token for `username` from the API.
    pub async fn token(&self, username: &str) -> String {
        let response = self
            .client()
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("session");
        assert_eq!(response.status(), 200, "API sign-in of {username}");
        let body: serde_json::Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// GET with a bearer token; returns status and JSON body (Null when the body is not JSON).
    pub async fn api_get(&self, token: Option<&str>, path: &str) -> (u16, serde_json::Value) {
        let mut request = self.client().get(self.url(path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.expect("api get");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// Stops the server, waiting for requests in flight.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.store.close().await;
    }
}

/// The CSRF token of the first form on a page.
pub fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a form with a CSRF token") + marker.len();
    let end = start + page[start..].find('"').expect("end of token");
    page[start..end].to_owned()
}

/// Runs each named `async fn(TestApp)` on SQLite and on PostgreSQL. Without a PostgreSQL server
/// configured, the PostgreSQL runs say they were skipped.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn($crate::common::Db::Sqlite)
                        .await
                        .expect("SQLite test app");
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match $crate::common::TestApp::spawn($crate::common::Db::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => eprintln!(
                            "skipped: {} on PostgreSQL (set SKOLEBRO_TEST_DATABASE_URL)",
                            stringify!($name)
                        ),
                    }
                }
            )*
        }
    };
}
