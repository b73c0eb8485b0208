//! A fresh database to measure on: SQLite in a temporary directory, or a database of its own on
//! a PostgreSQL server, created for the run and dropped afterwards (as the black-box tests do).

use skolebro_store::Backend;

/// Where a measurement runs; cleans up through [`Fresh::remove`].
pub struct Fresh {
    pub url: String,
    pub backend: Backend,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Fresh {
    /// `None`: SQLite in a temporary directory. `postgres://…`: a server on which to create a
    /// database (the URL names a database to connect to for that, such as `postgres`). `sqlite:…`:
    /// that file, which should be new.
    pub async fn create(url: Option<&str>) -> Result<Fresh, String> {
        match url {
            None => {
                let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
                Ok(Fresh {
                    url: format!(
                        "sqlite://{}?mode=rwc",
                        dir.path().join("skolebro.db").display()
                    ),
                    backend: Backend::Sqlite,
                    pg: None,
                    _dir: Some(dir),
                })
            }
            Some(u) if u.starts_with("sqlite:") => Ok(Fresh {
                url: u.to_owned(),
                backend: Backend::Sqlite,
                pg: None,
                _dir: None,
            }),
            Some(admin) if admin.starts_with("postgres:") || admin.starts_with("postgresql:") => {
                let name = format!(
                    "skolebro_bench_{}_{}",
                    std::process::id(),
                    skolebro_store::auth::random_token()
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .take(8)
                        .collect::<String>()
                        .to_lowercase()
                );
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin)
                    .await
                    .map_err(|e| format!("cannot connect to {admin}: {e}"))?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| format!("cannot create database {name}: {e}"))?;
                Ok(Fresh {
                    url: with_database(admin, &name),
                    backend: Backend::Postgres,
                    pg: Some((admin.to_owned(), name)),
                    _dir: None,
                })
            }
            Some(other) => Err(format!(
                "--database-url must start with sqlite: or postgres: (got {:?})",
                other.split(':').next().unwrap_or("")
            )),
        }
    }

    /// Drops the PostgreSQL database (the temporary SQLite directory goes with `self`).
    pub async fn remove(self) -> Result<(), String> {
        if let Some((admin, name)) = &self.pg {
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin)
                .await
                .map_err(|e| format!("cannot connect to {admin}: {e}"))?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .map_err(|e| format!("cannot drop database {name}: {e}"))?;
        }
        Ok(())
    }
}

/// The same server URL with another database name.
pub fn with_database(url: &str, name: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "b"),
            "postgres://postgres@127.0.0.1:5432/b"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "b"),
            "postgres://u@h/b?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "b"), "postgres://u@h/b");
    }
}
