//! The audit log: who read or changed a sensitive record, when and why (PLT-3).

use skolebro_domain::{PersonId, SchoolId};
use sqlx::Row;

use crate::{now, Result, Store};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor_id: Option<PersonId>,
    pub action: String,
    pub record_type: String,
    pub record_id: i64,
    pub detail: Option<String>,
    pub at: i64,
}

/// An audit row to write.
pub(crate) struct AuditRow<'a> {
    pub school_id: SchoolId,
    pub actor_id: Option<PersonId>,
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: i64,
    pub detail: Option<&'a str>,
}

/// Writes an audit row on a connection, so that a change and its audit row can share one
/// transaction.
pub(crate) async fn audit_in(conn: &mut sqlx::AnyConnection, row: &AuditRow<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit (school_id, actor_id, action, record_type, record_id, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(row.school_id.0)
    .bind(row.actor_id.map(|a| a.0))
    .bind(row.action)
    .bind(row.record_type)
    .bind(row.record_id)
    .bind(row.detail)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Writes an audit row. `action` is a verb (`read`, `change`, `import`), `record_type` the
    /// kind of record (`protected_contact`, `password`, …).
    pub async fn audit(
        &self,
        school_id: SchoolId,
        actor_id: Option<PersonId>,
        action: &str,
        record_type: &str,
        record_id: i64,
        detail: Option<&str>,
    ) -> Result<()> {
        let mut conn = self.write.acquire().await?;
        audit_in(
            &mut conn,
            &AuditRow {
                school_id,
                actor_id,
                action,
                record_type,
                record_id,
                detail,
            },
        )
        .await
    }

    /// The newest audit rows about one record, newest first.
    pub async fn audit_of(
        &self,
        school_id: SchoolId,
        record_type: &str,
        record_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        sqlx::query(
            "SELECT actor_id, action, record_type, record_id, detail, at FROM audit \
             WHERE school_id = $1 AND record_type = $2 AND record_id = $3 \
             ORDER BY at DESC, id DESC LIMIT $4",
        )
        .bind(school_id.0)
        .bind(record_type)
        .bind(record_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                actor_id: r.try_get::<Option<i64>, _>("actor_id")?.map(PersonId),
                action: r.try_get("action")?,
                record_type: r.try_get("record_type")?,
                record_id: r.try_get("record_id")?,
                detail: r.try_get("detail")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
    }
}
