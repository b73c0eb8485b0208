//! skolebro's persistence: one set of SQL for SQLite and PostgreSQL (DESIGN.md, Storage).
//!
//! Queries use the subset both engines share: `$1` placeholders, `RETURNING`, `ON CONFLICT`,
//! integers for ids, flags and UTC instants, text for the rest. They run through sqlx's `Any`
//! driver, so each query is written once; [`Backend`] is consulted only where the two engines
//! really differ (connection set-up, backup).

pub mod absence;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod clock;
pub mod conferences;
mod db;
pub mod demo;
pub mod files;
pub mod history;
pub mod meetings;
pub mod messages;
pub mod notify;
pub mod people;
pub mod posts;
pub mod rng;
pub mod roster;

pub use db::{now, with_primary_reads, Backend, Store};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Reads a value the store wrote itself (a code, a date): a value it cannot read is a fault of
/// the database, not of the caller.
pub(crate) fn parse<T: std::str::FromStr>(value: String) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e: T::Err| StoreError::Other(format!("bad stored value: {e}")))
}
