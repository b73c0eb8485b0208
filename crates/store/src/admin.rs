//! Administration: schools and accounts from the command line, backups, roster import.

use skolebro_domain::profile::profile;
use skolebro_domain::{Country, PersonId, Role, SchoolId};

use crate::auth::hash_password;
use crate::{now, Backend, Result, Store, StoreError};

/// A new account made from the command line.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub roles: Vec<Role>,
    pub password: String,
}

/// How a PostgreSQL database is backed up: with the server's own tool, not by skolebro.
pub const POSTGRES_BACKUP: &str = "this database is PostgreSQL: back it up with pg_dump (for \
     example `pg_dump --format=custom --file=skolebro.dump \"$DATABASE_URL\"`)";

impl Store {
    /// Creates a school with its country's time zone and locale.
    pub async fn create_school(&self, name: &str, country: Country) -> Result<SchoolId> {
        let p = profile(country);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO school (name, country, time_zone, locale, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(country.as_str())
        .bind(p.time_zone)
        .bind(p.locale.as_str())
        .bind(now())
        .fetch_one(&self.write)
        .await?;
        Ok(SchoolId(id))
    }

    /// Adds a person with an account and roles to a school.
    pub async fn add_user(&self, school_id: SchoolId, user: &NewUser) -> Result<PersonId> {
        let password = user.password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))??;
        let mut tx = self.write.begin().await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT person_id FROM account WHERE username = $1")
                .bind(&user.username)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "username {:?} is taken",
                user.username
            )));
        }
        let person: i64 = sqlx::query_scalar(
            "INSERT INTO person (school_id, given_name, family_name, email, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school_id.0)
        .bind(&user.given_name)
        .bind(&user.family_name)
        .bind(user.email.as_deref())
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO account (person_id, username, password_hash, password_changed_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(person)
        .bind(&user.username)
        .bind(hash)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        for role in &user.roles {
            sqlx::query("INSERT INTO membership (school_id, person_id, role) VALUES ($1, $2, $3)")
                .bind(school_id.0)
                .bind(person)
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(PersonId(person))
    }

    /// Writes a consistent copy of a SQLite database to `path` while it serves (`VACUUM INTO`
    /// reads one snapshot). PostgreSQL is backed up with its own tools.
    pub async fn backup(&self, path: &std::path::Path) -> Result<()> {
        match self.backend() {
            Backend::Sqlite => {
                if path.exists() {
                    return Err(StoreError::Conflict(format!(
                        "{} exists; choose a new file",
                        path.display()
                    )));
                }
                let target = path.to_str().ok_or_else(|| {
                    StoreError::Invalid("the backup path is not valid UTF-8".into())
                })?;
                sqlx::query("VACUUM INTO $1")
                    .bind(target)
                    .execute(&self.write)
                    .await?;
                Ok(())
            }
            Backend::Postgres => Err(StoreError::Invalid(POSTGRES_BACKUP.into())),
        }
    }
}
