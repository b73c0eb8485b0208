//! The notification outbox (MSG-8): notices written in the same transaction as what they
//! announce, each person's choices, the worker's claim-send-mark steps, and the SMS budget.
//!
//! Other areas announce something by calling [`enqueue_in`] on the connection of their own
//! transaction, with one [`Notification`] per recipient: one bulk insert, whatever the number
//! of recipients. Nothing else is needed: the worker decides when and how each goes out.

use std::collections::{HashMap, HashSet};

use skolebro_domain::notify::{self as rules, Delivery, NotifyKind, Preference};
use skolebro_domain::{Lang, PersonId, Role, SchoolId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{insert_rows, Val};
use crate::{now, parse, Result, Store};

/// A notice to one person, as an area enqueues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub school_id: SchoolId,
    pub person_id: PersonId,
    pub kind: NotifyKind,
    /// One line: the subject of the message, the title of the post or event.
    pub subject: String,
    /// The text to quote (shortened when sent).
    pub body: String,
    /// Path inside skolebro that opens the thing, e.g. `/messages/42`.
    pub link: String,
    /// Sensitive: the notice says only that there is something (MSG-1). Nothing of subject or
    /// body is stored.
    pub sensitive: bool,
    /// Emergency: goes instantly whatever the preference or the hour, and by SMS as well.
    pub emergency: bool,
}

/// Channels a notice goes out on.
pub const EMAIL: &str = "email";
pub const SMS: &str = "sms";

/// Writes notices into the outbox on `conn`, the connection of the caller's transaction, so
/// that a notice exists exactly when what it announces does. One multi-row insert per few
/// hundred notices. Emergencies get an SMS row beside the e-mail row.
pub async fn enqueue_in(conn: &mut sqlx::AnyConnection, items: &[Notification]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let at = now();
    let mut rows: Vec<Vec<Val>> = Vec::with_capacity(items.len());
    for n in items {
        let (subject, body) = rules::content(n.sensitive, &n.subject, &n.body).unwrap_or_default();
        let channels: &[&str] = if n.emergency { &[EMAIL, SMS] } else { &[EMAIL] };
        for channel in channels {
            rows.push(vec![
                n.school_id.0.into(),
                n.person_id.0.into(),
                n.kind.as_str().into(),
                (*channel).into(),
                subject.clone().into(),
                body.clone().into(),
                n.link.clone().into(),
                i64::from(n.sensitive).into(),
                i64::from(n.emergency).into(),
                "pending".into(),
                at.into(),
                at.into(),
            ]);
        }
    }
    insert_rows(
        conn,
        "notification",
        &[
            "school_id",
            "person_id",
            "kind",
            "channel",
            "subject",
            "body",
            "link",
            "sensitive",
            "emergency",
            "status",
            "next_attempt_at",
            "created_at",
        ],
        &rows,
    )
    .await
}

/// A notice the worker has claimed, with what it needs to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueNotice {
    pub id: i64,
    pub school_id: SchoolId,
    pub person_id: PersonId,
    pub kind: NotifyKind,
    pub channel: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub sensitive: bool,
    pub emergency: bool,
    pub digest: bool,
    pub attempts: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<Lang>,
    pub preference: Preference,
    /// Staff or leader: held outside contact hours.
    pub staff: bool,
}

/// One row of the outbox as leaders see it: never its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub person_id: PersonId,
    /// The person's name, for the leaders' page.
    pub person_name: String,
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub digest: bool,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// How many notices of a school are in each status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
}

/// The ids of a list as `$first, $first+1, …`.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const CHUNK: usize = 400;

/// A row is due when it is pending and its time has come, or when a worker claimed it and its
/// lease ran out (that worker stopped before it finished).
const DUE: &str = "((status = 'pending' AND next_attempt_at <= $1) \
     OR (status = 'sending' AND claimed_until <= $1))";

fn outbox_row(r: &AnyRow) -> Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.try_get("id")?,
        person_id: PersonId(r.try_get("person_id")?),
        person_name: format!(
            "{} {}",
            r.try_get::<String, _>("given_name")?,
            r.try_get::<String, _>("family_name")?
        ),
        kind: r.try_get("kind")?,
        channel: r.try_get("channel")?,
        status: r.try_get("status")?,
        digest: r.try_get::<i64, _>("digest")? != 0,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
    })
}

impl Store {
    /// Enqueues notices in a transaction of their own (for callers without one).
    pub async fn enqueue(&self, items: &[Notification]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        enqueue_in(&mut tx, items).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A person's choices for every kind, defaults filled in.
    pub async fn notify_preferences(&self, person: PersonId) -> Result<Vec<Preference>> {
        let found = self.preferences_of(&[person]).await?;
        Ok(NotifyKind::ALL
            .into_iter()
            .map(|k| {
                found
                    .get(&(person, k))
                    .copied()
                    .unwrap_or_else(|| Preference::default_for(k))
            })
            .collect())
    }

    /// Stores a person's choices (those given; other kinds keep theirs).
    pub async fn set_notify_preferences(
        &self,
        school_id: SchoolId,
        person: PersonId,
        prefs: &[Preference],
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for p in prefs {
            sqlx::query(
                "INSERT INTO notify_preference (school_id, person_id, kind, delivery, digest_hour) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id, kind) DO UPDATE \
                 SET delivery = excluded.delivery, digest_hour = excluded.digest_hour",
            )
            .bind(school_id.0)
            .bind(person.0)
            .bind(p.kind.as_str())
            .bind(p.delivery.as_str())
            .bind(i64::from(p.digest_hour))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn preferences_of(
        &self,
        ids: &[PersonId],
    ) -> Result<HashMap<(PersonId, NotifyKind), Preference>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT person_id, kind, delivery, digest_hour FROM notify_preference \
                 WHERE person_id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.0);
            }
            for r in q.fetch_all(self.reader()).await? {
                let kind: NotifyKind = parse(r.try_get("kind")?)?;
                let delivery: Delivery = parse(r.try_get("delivery")?)?;
                let hour: i64 = r.try_get("digest_hour")?;
                out.insert(
                    (PersonId(r.try_get("person_id")?), kind),
                    Preference {
                        kind,
                        delivery,
                        digest_hour: u8::try_from(hour).unwrap_or(rules::DEFAULT_DIGEST_HOUR),
                    },
                );
            }
        }
        Ok(out)
    }

    async fn staff_among(&self, ids: &[PersonId]) -> Result<HashSet<PersonId>> {
        let mut out = HashSet::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT person_id FROM membership WHERE role IN ($1, $2) AND person_id IN ({})",
                placeholders(3, chunk.len())
            );
            let mut q = sqlx::query_scalar::<_, i64>(&sql)
                .bind(Role::Staff.as_str())
                .bind(Role::Leader.as_str());
            for id in chunk {
                q = q.bind(id.0);
            }
            out.extend(q.fetch_all(self.reader()).await?.into_iter().map(PersonId));
        }
        Ok(out)
    }

    /// Claims up to `limit` due notices for this worker until `now + lease_secs`, and returns
    /// them with the person's address, language, choice and role. A row claimed by another
    /// worker is not claimed again until its lease runs out: the conditional update decides,
    /// row by row, on both engines.
    /// `channel` limits the claim to one channel (`sms` while no mail server is configured).
    pub async fn claim_due(
        &self,
        now: i64,
        limit: i64,
        lease_secs: i64,
        channel: Option<&str>,
    ) -> Result<Vec<DueNotice>> {
        let token = crate::auth::random_token();
        // The pending and the stale notices each in index order, so that only the first few
        // are read (`notification_due_channel`, `notification_due`), not every due notice of a
        // long outbox sorted on the single writer.
        let only = if channel.is_some() {
            "AND channel = $5"
        } else {
            "AND $5 = ''"
        };
        sqlx::query(&format!(
            "UPDATE notification SET status = 'sending', claim = $2, claimed_until = $3 \
             WHERE id IN (SELECT id FROM (\
             SELECT id, next_attempt_at FROM (SELECT id, next_attempt_at FROM notification \
             WHERE status = 'pending' AND next_attempt_at <= $1 {only} \
             ORDER BY next_attempt_at, id LIMIT $4) AS due_pending \
             UNION ALL \
             SELECT id, next_attempt_at FROM (SELECT id, next_attempt_at FROM notification \
             WHERE status = 'sending' AND claimed_until <= $1 {only} \
             ORDER BY next_attempt_at, id LIMIT $4) AS due_stale\
             ) AS due ORDER BY next_attempt_at, id LIMIT $4) AND {DUE}"
        ))
        .bind(now)
        .bind(&token)
        .bind(now + lease_secs)
        .bind(limit)
        .bind(channel.unwrap_or(""))
        .execute(&self.write)
        .await?;
        let rows = sqlx::query(
            "SELECT n.id, n.school_id, n.person_id, n.kind, n.channel, n.subject, n.body, n.link, \
             n.sensitive, n.emergency, n.digest, n.attempts, p.email, p.phone, p.language \
             FROM notification n JOIN person p ON p.id = n.person_id \
             WHERE n.claim = $1 ORDER BY n.id",
        )
        .bind(&token)
        .fetch_all(&self.write)
        .await?;
        let mut people: Vec<PersonId> = rows
            .iter()
            .map(|r| r.try_get("person_id").map(PersonId))
            .collect::<std::result::Result<_, _>>()?;
        people.sort_unstable_by_key(|p| p.0);
        people.dedup();
        let prefs = self.preferences_of(&people).await?;
        let staff = self.staff_among(&people).await?;
        let blank = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        rows.iter()
            .map(|r| {
                let person_id = PersonId(r.try_get("person_id")?);
                let kind: NotifyKind = parse(r.try_get("kind")?)?;
                let language: Option<String> = r.try_get("language")?;
                Ok(DueNotice {
                    id: r.try_get("id")?,
                    school_id: SchoolId(r.try_get("school_id")?),
                    person_id,
                    kind,
                    channel: r.try_get("channel")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    link: r.try_get("link")?,
                    sensitive: r.try_get::<i64, _>("sensitive")? != 0,
                    emergency: r.try_get::<i64, _>("emergency")? != 0,
                    digest: r.try_get::<i64, _>("digest")? != 0,
                    attempts: r.try_get("attempts")?,
                    email: blank(r.try_get("email")?),
                    phone: blank(r.try_get("phone")?),
                    language: language.map(parse).transpose()?,
                    preference: prefs
                        .get(&(person_id, kind))
                        .copied()
                        .unwrap_or_else(|| Preference::default_for(kind)),
                    staff: staff.contains(&person_id),
                })
            })
            .collect()
    }

    async fn update_ids(&self, sql: &str, first: usize, head: &[Val], ids: &[i64]) -> Result<()> {
        for chunk in ids.chunks(CHUNK) {
            let sql = sql.replace("{ids}", &placeholders(first, chunk.len()));
            let mut q = sqlx::query(&sql);
            for v in head {
                q = match v {
                    Val::Int(i) => q.bind(*i),
                    Val::Text(t) => q.bind(t.clone()),
                    Val::NullInt => q.bind(None::<i64>),
                    Val::NullText => q.bind(None::<String>),
                };
            }
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&self.write).await?;
        }
        Ok(())
    }

    /// Marks notices sent: called right after the server accepted them.
    pub async fn mark_sent(&self, ids: &[i64], at: i64) -> Result<()> {
        self.update_ids(
            "UPDATE notification SET status = 'sent', sent_at = $1, claim = NULL, \
             claimed_until = NULL, last_error = NULL WHERE id IN ({ids})",
            2,
            &[at.into()],
            ids,
        )
        .await
    }

    /// Records that notices will not be sent, and why.
    pub async fn mark_skipped(&self, ids: &[i64], reason: &str) -> Result<()> {
        self.update_ids(
            "UPDATE notification SET status = 'skipped', last_error = $1, claim = NULL, \
             claimed_until = NULL WHERE id IN ({ids})",
            2,
            &[reason.into()],
            ids,
        )
        .await
    }

    /// Puts notices back to wait until `at` (outside contact hours, until the digest hour, or
    /// while no mail server is configured); `digest` fixes them into the person's digest.
    pub async fn hold(&self, ids: &[i64], at: i64, digest: bool) -> Result<()> {
        self.update_ids(
            "UPDATE notification SET status = 'pending', next_attempt_at = $1, digest = $2, \
             claim = NULL, claimed_until = NULL WHERE id IN ({ids})",
            3,
            &[at.into(), i64::from(digest).into()],
            ids,
        )
        .await
    }

    /// Records a failed send: tried again at `retry_at`, or marked failed after the last try.
    pub async fn mark_failed_attempt(
        &self,
        ids: &[i64],
        attempts: i64,
        retry_at: i64,
        error: &str,
    ) -> Result<()> {
        let status = if attempts >= rules::MAX_ATTEMPTS {
            "failed"
        } else {
            "pending"
        };
        let error: String = error.chars().take(500).collect();
        self.update_ids(
            "UPDATE notification SET status = $1, attempts = $2, next_attempt_at = $3, \
             last_error = $4, claim = NULL, claimed_until = NULL WHERE id IN ({ids})",
            5,
            &[
                status.into(),
                attempts.into(),
                retry_at.into(),
                error.into(),
            ],
            ids,
        )
        .await
    }

    /// The school's SMS budget per day.
    pub async fn sms_daily_budget(&self, school_id: SchoolId) -> Result<i64> {
        let own: Option<i64> =
            sqlx::query_scalar("SELECT sms_daily_budget FROM notify_settings WHERE school_id = $1")
                .bind(school_id.0)
                .fetch_optional(self.reader())
                .await?;
        Ok(own.unwrap_or(rules::DEFAULT_SMS_DAILY_BUDGET))
    }

    pub async fn set_sms_daily_budget(&self, school_id: SchoolId, budget: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO notify_settings (school_id, sms_daily_budget) VALUES ($1, $2) \
             ON CONFLICT (school_id) DO UPDATE SET sms_daily_budget = excluded.sms_daily_budget",
        )
        .bind(school_id.0)
        .bind(budget)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Takes one SMS from the school's budget of `day` (school-local `YYYY-MM-DD`); false when
    /// the budget is spent. One statement, so two workers cannot both take the last one.
    pub async fn take_sms(&self, school_id: SchoolId, day: &str, budget: i64) -> Result<bool> {
        if !rules::sms_allowed(0, budget) {
            return Ok(false);
        }
        let taken: Option<i64> = sqlx::query_scalar(
            "INSERT INTO sms_usage (school_id, day, sent) VALUES ($1, $2, 1) \
             ON CONFLICT (school_id, day) DO UPDATE SET sent = sms_usage.sent + 1 \
             WHERE sms_usage.sent < $3 RETURNING sent",
        )
        .bind(school_id.0)
        .bind(day)
        .bind(budget)
        .fetch_optional(&self.write)
        .await?;
        Ok(taken.is_some())
    }

    /// The school's outbox: counts per status and the latest rows (newest first, before
    /// `before` when given), without content.
    pub async fn outbox(
        &self,
        school_id: SchoolId,
        status: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<(OutboxCounts, Vec<OutboxRow>)> {
        let mut counts = OutboxCounts::default();
        for r in sqlx::query(
            "SELECT status, COUNT(*) AS n FROM notification WHERE school_id = $1 GROUP BY status",
        )
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        {
            let n: i64 = r.try_get("n")?;
            match r.try_get::<String, _>("status")?.as_str() {
                "pending" | "sending" => counts.pending += n,
                "sent" => counts.sent += n,
                "failed" => counts.failed += n,
                _ => counts.skipped += n,
            }
        }
        let rows = sqlx::query(
            "SELECT n.id, n.person_id, p.given_name, p.family_name, n.kind, n.channel, n.status, \
             n.digest, n.attempts, n.next_attempt_at, n.last_error, n.created_at, n.sent_at \
             FROM notification n JOIN person p ON p.id = n.person_id \
             WHERE n.school_id = $1 AND ($2 = '' OR n.status = $2) AND n.id < $3 \
             ORDER BY n.id DESC LIMIT $4",
        )
        .bind(school_id.0)
        .bind(status.unwrap_or(""))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(outbox_row)
        .collect::<Result<Vec<_>>>()?;
        Ok((counts, rows))
    }
}
