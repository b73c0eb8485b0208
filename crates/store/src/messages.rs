//! Conversations between school and home: threads, messages, participants and their read
//! state, the inbox, search, and the record of calls and talks (MSG-1..4, MSG-9).
//!
//! The inbox is read from `thread_participant` alone (one row per person and conversation, kept
//! up to date when a message arrives), so opening it is one index range of one page whatever the
//! history. Writing a message touches one row per participant, in one transaction.

use std::collections::HashMap;

use skolebro_domain::messages::MessageKind;
use skolebro_domain::notify::NotifyKind;
use skolebro_domain::{ClassId, PersonId, Role, SchoolId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{insert_rows, Val};
use crate::files::{insert_attachments, NewAttachment};
use crate::notify::{enqueue_in, Notification};
use crate::people::PersonName;
use crate::{now, parse, Result, Store, StoreError};

/// What decides whether one may write to a person: their roles and links (see
/// `skolebro_domain::access::Resource::Person`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientFacts {
    pub roles: Vec<Role>,
    pub teaches: Vec<ClassId>,
    pub enrolled: Vec<ClassId>,
    /// Children with full or information access.
    pub children: Vec<PersonId>,
    pub children_classes: Vec<ClassId>,
    /// Name and address protection (PEO-3): other families may not even be told of them.
    pub protected: bool,
}

/// The school's messaging settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingSettings {
    /// `HH:MM-HH:MM`, or `None` for the country's default.
    pub contact_hours: Option<String>,
    pub guardians_may_message: bool,
}

/// One line of an inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    pub thread_id: i64,
    pub subject: String,
    pub kind: MessageKind,
    pub starter: PersonName,
    pub unread: i64,
    pub last_message_at: i64,
}

/// Where the next inbox page starts: after this (last message instant, thread id).
pub type InboxCursor = (i64, i64);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub id: i64,
    pub school_id: SchoolId,
    pub subject: String,
    pub kind: MessageKind,
    pub starter_id: PersonId,
    pub families: i64,
    pub open_to_all: bool,
    /// For a private reply: the conversation it answers.
    pub reply_of: Option<i64>,
    pub created_at: i64,
    pub last_message_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub person: PersonName,
    pub read_at: Option<i64>,
    /// Name and address protection (PEO-3): not named to other families.
    pub protected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub author: PersonName,
    pub body: String,
    pub sent_at: i64,
}

/// A new conversation, checked by the caller (access, limits, families).
#[derive(Debug, Clone)]
pub struct NewThread<'a> {
    pub school_id: SchoolId,
    pub starter: PersonId,
    pub subject: &'a str,
    pub kind: MessageKind,
    pub body: &'a str,
    pub recipients: &'a [PersonId],
    pub families: usize,
}

/// A message stored, and who should hear of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub thread_id: i64,
    pub message_id: i64,
    pub participants: Vec<PersonId>,
}

/// A call or talk with a family (MSG-9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationLog {
    pub id: i64,
    pub pupil_id: PersonId,
    pub author: PersonName,
    pub happened_on: String,
    pub channel: String,
    pub participants: String,
    pub topic: String,
    pub agreements: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewConversationLog<'a> {
    pub school_id: SchoolId,
    pub pupil_id: PersonId,
    pub author: PersonId,
    pub happened_on: &'a str,
    pub channel: &'a str,
    pub participants: &'a str,
    pub topic: &'a str,
    pub agreements: &'a str,
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const THREAD_COLUMNS: &str = "id, school_id, subject, kind, starter_id, families, open_to_all, \
     reply_of, created_at, last_message_at";

fn thread_from_row(row: &AnyRow) -> Result<Thread> {
    Ok(Thread {
        id: row.try_get("id")?,
        school_id: SchoolId(row.try_get("school_id")?),
        subject: row.try_get("subject")?,
        kind: parse(row.try_get("kind")?)?,
        starter_id: PersonId(row.try_get("starter_id")?),
        families: row.try_get("families")?,
        open_to_all: row.try_get::<i64, _>("open_to_all")? != 0,
        reply_of: row.try_get("reply_of")?,
        created_at: row.try_get("created_at")?,
        last_message_at: row.try_get("last_message_at")?,
    })
}

/// A query with the school as `$1` and `ids` as `$2…`.
fn with_ids<'q>(
    sql: &'q str,
    school_id: SchoolId,
    ids: &'q [PersonId],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut q = sqlx::query(sql).bind(school_id.0);
    for id in ids {
        q = q.bind(id.0);
    }
    q
}

/// The notices of a new message: one for each participant but its author. A sensitive
/// message's notice carries no content (MSG-1).
fn message_notices(
    school_id: SchoolId,
    thread_id: i64,
    subject: &str,
    kind: MessageKind,
    body: &str,
    author: PersonId,
    participants: &[PersonId],
) -> Vec<Notification> {
    participants
        .iter()
        .filter(|p| **p != author)
        .map(|p| Notification {
            school_id,
            person_id: *p,
            kind: NotifyKind::Message,
            subject: subject.to_owned(),
            body: body.to_owned(),
            link: format!("/messages/{thread_id}"),
            sensitive: kind == MessageKind::Sensitive,
            emergency: false,
        })
        .collect()
}

/// The capitals SQL's `LOWER` leaves alone on SQLite (ASCII only there, and on PostgreSQL under
/// a C locale), with their small letters: the Danish and Norwegian ones and their neighbours.
const FOLDS: [(&str, &str); 9] = [
    ("Æ", "æ"),
    ("Ø", "ø"),
    ("Å", "å"),
    ("Ä", "ä"),
    ("Ö", "ö"),
    ("Ü", "ü"),
    ("É", "é"),
    ("È", "è"),
    ("Ñ", "ñ"),
];

/// `column` in small letters on both databases, for searches with a pattern lowered in Rust:
/// `LOWER` for a–z, then the letters of [`FOLDS`] (issue 15: "Ærøskøbing-turen" was not found
/// when typed exactly). A function over the column, as `LOWER` alone was: the search reads the
/// person's conversations, not an index of words.
fn folded(column: &str) -> String {
    FOLDS
        .iter()
        .fold(format!("LOWER({column})"), |expr, (big, small)| {
            format!("REPLACE({expr}, '{big}', '{small}')")
        })
}

/// The participants of a conversation who take part in conversations now (see
/// `skolebro_domain::access::converses`): only they hear of a new message, by e-mail or live.
/// A former guardian stays a participant, so their earlier messages keep their author.
async fn conversing_participants(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    thread_id: i64,
) -> Result<Vec<PersonId>> {
    let mut roles: HashMap<i64, Vec<Role>> = HashMap::new();
    for r in sqlx::query(
        "SELECT tp.person_id, m.role FROM thread_participant tp \
         LEFT JOIN membership m ON m.person_id = tp.person_id AND m.school_id = tp.school_id \
         WHERE tp.thread_id = $1",
    )
    .bind(thread_id)
    .fetch_all(&mut **tx)
    .await?
    {
        let entry = roles.entry(r.try_get("person_id")?).or_default();
        if let Some(role) = r.try_get::<Option<String>, _>("role")? {
            entry.push(parse(role)?);
        }
    }
    let full: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT g.guardian_id FROM thread_participant tp \
         JOIN guardianship g ON g.guardian_id = tp.person_id AND g.school_id = tp.school_id \
         WHERE tp.thread_id = $1 AND g.access = 'full'",
    )
    .bind(thread_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut out: Vec<PersonId> = roles
        .into_iter()
        .filter(|(id, roles)| skolebro_domain::access::converses(roles, full.contains(id)))
        .map(|(id, _)| PersonId(id))
        .collect();
    out.sort();
    Ok(out)
}

/// Ids are loaded in chunks so that no statement outgrows the engines' parameter limits.
const CHUNK: usize = 500;

impl Store {
    /// The facts that decide who may write to each of `ids`; ids outside the school are absent.
    pub async fn recipient_facts(
        &self,
        school_id: SchoolId,
        ids: &[PersonId],
    ) -> Result<HashMap<PersonId, RecipientFacts>> {
        let mut out: HashMap<PersonId, RecipientFacts> = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let list = placeholders(2, chunk.len());
            // Roles first: a person without one at this school does not exist here.
            let sql = format!(
                "SELECT m.person_id, m.role, p.contact_protected FROM membership m \
                 JOIN person p ON p.id = m.person_id \
                 WHERE m.school_id = $1 AND m.person_id IN ({list})"
            );
            for r in with_ids(&sql, school_id, chunk)
                .fetch_all(self.reader())
                .await?
            {
                let role: String = r.try_get("role")?;
                let facts = out.entry(PersonId(r.try_get("person_id")?)).or_default();
                facts.roles.push(parse(role)?);
                facts.protected = r.try_get::<i64, _>("contact_protected")? != 0;
            }
            let sql = format!(
                "SELECT person_id, class_id FROM class_staff WHERE school_id = $1 AND person_id IN ({list})"
            );
            for r in with_ids(&sql, school_id, chunk)
                .fetch_all(self.reader())
                .await?
            {
                if let Some(f) = out.get_mut(&PersonId(r.try_get("person_id")?)) {
                    f.teaches.push(ClassId(r.try_get("class_id")?));
                }
            }
            let sql = format!(
                "SELECT pupil_id, class_id FROM enrolment WHERE school_id = $1 AND pupil_id IN ({list})"
            );
            for r in with_ids(&sql, school_id, chunk)
                .fetch_all(self.reader())
                .await?
            {
                if let Some(f) = out.get_mut(&PersonId(r.try_get("pupil_id")?)) {
                    f.enrolled.push(ClassId(r.try_get("class_id")?));
                }
            }
            let sql = format!(
                "SELECT g.guardian_id, g.pupil_id, e.class_id FROM guardianship g \
                 LEFT JOIN enrolment e ON e.pupil_id = g.pupil_id \
                 WHERE g.school_id = $1 AND g.access IN ('full', 'info') AND g.guardian_id IN ({list})"
            );
            for r in with_ids(&sql, school_id, chunk)
                .fetch_all(self.reader())
                .await?
            {
                if let Some(f) = out.get_mut(&PersonId(r.try_get("guardian_id")?)) {
                    let pupil = PersonId(r.try_get("pupil_id")?);
                    if !f.children.contains(&pupil) {
                        f.children.push(pupil);
                    }
                    if let Some(c) = r.try_get::<Option<i64>, _>("class_id")? {
                        f.children_classes.push(ClassId(c));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The school's leaders, for the recipient picker.
    pub async fn leaders(&self, school_id: SchoolId) -> Result<Vec<PersonName>> {
        sqlx::query(
            "SELECT p.id, p.given_name, p.family_name FROM membership m \
             JOIN person p ON p.id = m.person_id \
             WHERE m.school_id = $1 AND m.role = 'leader' ORDER BY p.family_name, p.given_name",
        )
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| PersonName::from_row(r, ""))
        .collect()
    }

    pub async fn messaging_settings(&self, school_id: SchoolId) -> Result<MessagingSettings> {
        let row =
            sqlx::query("SELECT contact_hours, guardians_may_message FROM school WHERE id = $1")
                .bind(school_id.0)
                .fetch_optional(self.reader())
                .await?
                .ok_or(StoreError::NotFound)?;
        Ok(MessagingSettings {
            contact_hours: row.try_get("contact_hours")?,
            guardians_may_message: row.try_get::<i64, _>("guardians_may_message")? != 0,
        })
    }

    pub async fn set_messaging_settings(
        &self,
        school_id: SchoolId,
        settings: &MessagingSettings,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE school SET contact_hours = $1, guardians_may_message = $2 WHERE id = $3",
        )
        .bind(settings.contact_hours.as_deref())
        .bind(i64::from(settings.guardians_may_message))
        .bind(school_id.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A class's own contact hours, when it has set them.
    pub async fn class_contact_hours(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
    ) -> Result<Option<String>> {
        let hours: Option<Option<String>> =
            sqlx::query_scalar("SELECT contact_hours FROM class WHERE id = $1 AND school_id = $2")
                .bind(class_id.0)
                .bind(school_id.0)
                .fetch_optional(self.reader())
                .await?;
        Ok(hours.flatten())
    }

    /// Starts a conversation: the thread, its first message and every participant, in one
    /// transaction (all or nothing).
    pub async fn create_thread(&self, new: &NewThread<'_>) -> Result<Sent> {
        Ok(self.create_thread_with(new, &[]).await?.0)
    }

    /// [`Store::create_thread`] with files on the first message (already in the file store):
    /// their rows join the same transaction. Returns the attachments' ids too.
    pub async fn create_thread_with(
        &self,
        new: &NewThread<'_>,
        attachments: &[NewAttachment],
    ) -> Result<(Sent, Vec<i64>)> {
        let at = now();
        let mut tx = self.write.begin().await?;
        let thread_id: i64 = sqlx::query_scalar(
            "INSERT INTO thread (school_id, subject, kind, starter_id, families, open_to_all, \
             created_at, last_message_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6) RETURNING id",
        )
        .bind(new.school_id.0)
        .bind(new.subject)
        .bind(new.kind.as_str())
        .bind(new.starter.0)
        .bind(new.families as i64)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let message_id: i64 = sqlx::query_scalar(
            "INSERT INTO message (school_id, thread_id, author_id, body, sent_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.school_id.0)
        .bind(thread_id)
        .bind(new.starter.0)
        .bind(new.body)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let mut participants = vec![new.starter];
        for r in new.recipients {
            if !participants.contains(r) {
                participants.push(*r);
            }
        }
        let rows: Vec<Vec<Val>> = participants
            .iter()
            .map(|p| {
                let own = *p == new.starter;
                vec![
                    new.school_id.0.into(),
                    thread_id.into(),
                    p.0.into(),
                    at.into(),
                    i64::from(!own).into(),
                    if own { Val::Int(at) } else { Val::NullInt },
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "thread_participant",
            &[
                "school_id",
                "thread_id",
                "person_id",
                "last_message_at",
                "unread",
                "read_at",
            ],
            &rows,
        )
        .await?;
        let attachment_ids = insert_attachments(
            &mut tx,
            new.school_id,
            thread_id,
            message_id,
            attachments,
            at,
        )
        .await?;
        // Every recipient hears of it (MSG-8), in this same transaction.
        let notices = message_notices(
            new.school_id,
            thread_id,
            new.subject,
            new.kind,
            new.body,
            new.starter,
            &participants,
        );
        enqueue_in(&mut tx, &notices).await?;
        tx.commit().await?;
        Ok((
            Sent {
                thread_id,
                message_id,
                participants,
            },
            attachment_ids,
        ))
    }

    /// A conversation by id within a school.
    pub async fn thread(&self, school_id: SchoolId, id: i64) -> Result<Option<Thread>> {
        sqlx::query(&format!(
            "SELECT {THREAD_COLUMNS} FROM thread WHERE id = $1 AND school_id = $2"
        ))
        .bind(id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(thread_from_row)
        .transpose()
    }

    /// Whether a person takes part in a conversation.
    pub async fn is_participant(&self, thread_id: i64, person: PersonId) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT person_id FROM thread_participant WHERE thread_id = $1 AND person_id = $2",
        )
        .bind(thread_id)
        .bind(person.0)
        .fetch_optional(self.reader())
        .await?;
        Ok(found.is_some())
    }

    /// The private side conversation in which `author` answers the starter of a conversation
    /// with many families; made on the first reply.
    pub async fn private_reply_thread(&self, parent: &Thread, author: PersonId) -> Result<i64> {
        let at = now();
        let mut tx = self.write.begin().await?;
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM thread WHERE reply_of = $1 AND reply_by = $2 AND school_id = $3",
        )
        .bind(parent.id)
        .bind(author.0)
        .bind(parent.school_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO thread (school_id, subject, kind, starter_id, families, open_to_all, \
             reply_of, reply_by, created_at, last_message_at) \
             VALUES ($1, $2, $3, $4, 1, 0, $5, $6, $7, $7) RETURNING id",
        )
        .bind(parent.school_id.0)
        .bind(&parent.subject)
        .bind(parent.kind.as_str())
        .bind(author.0)
        .bind(parent.id)
        .bind(author.0)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        for person in [author, parent.starter_id] {
            sqlx::query(
                "INSERT INTO thread_participant (school_id, thread_id, person_id, last_message_at, \
                 unread, read_at) VALUES ($1, $2, $3, $4, 0, $4)",
            )
            .bind(parent.school_id.0)
            .bind(id)
            .bind(person.0)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a message to a conversation; every other participant gets it as unread.
    pub async fn add_message(
        &self,
        school_id: SchoolId,
        thread_id: i64,
        author: PersonId,
        body: &str,
    ) -> Result<Sent> {
        Ok(self
            .add_message_with(school_id, thread_id, author, body, &[])
            .await?
            .0)
    }

    /// [`Store::add_message`] with files (already in the file store): the message and its
    /// attachment rows are stored in one transaction, or none of them. Returns the attachments'
    /// ids too.
    pub async fn add_message_with(
        &self,
        school_id: SchoolId,
        thread_id: i64,
        author: PersonId,
        body: &str,
        attachments: &[NewAttachment],
    ) -> Result<(Sent, Vec<i64>)> {
        let at = now();
        let mut tx = self.write.begin().await?;
        let message_id: i64 = sqlx::query_scalar(
            "INSERT INTO message (school_id, thread_id, author_id, body, sent_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school_id.0)
        .bind(thread_id)
        .bind(author.0)
        .bind(body)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE thread SET last_message_at = $1 WHERE id = $2 AND school_id = $3")
            .bind(at)
            .bind(thread_id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE thread_participant SET last_message_at = $1, \
             unread = CASE WHEN person_id = $2 THEN 0 ELSE unread + 1 END, \
             read_at = CASE WHEN person_id = $2 THEN $1 ELSE read_at END \
             WHERE thread_id = $3",
        )
        .bind(at)
        .bind(author.0)
        .bind(thread_id)
        .execute(&mut *tx)
        .await?;
        let participants = conversing_participants(&mut tx, thread_id).await?;
        let attachment_ids =
            insert_attachments(&mut tx, school_id, thread_id, message_id, attachments, at).await?;
        let thread =
            sqlx::query("SELECT subject, kind FROM thread WHERE id = $1 AND school_id = $2")
                .bind(thread_id)
                .bind(school_id.0)
                .fetch_one(&mut *tx)
                .await?;
        let subject: String = thread.try_get("subject")?;
        let kind: MessageKind = parse(thread.try_get("kind")?)?;
        let notices = message_notices(
            school_id,
            thread_id,
            &subject,
            kind,
            body,
            author,
            &participants,
        );
        enqueue_in(&mut tx, &notices).await?;
        tx.commit().await?;
        Ok((
            Sent {
                thread_id,
                message_id,
                participants,
            },
            attachment_ids,
        ))
    }

    /// Opens a conversation to all: from now on replies reach everyone in it (MSG-1).
    pub async fn open_to_all(&self, school_id: SchoolId, thread_id: i64) -> Result<()> {
        sqlx::query("UPDATE thread SET open_to_all = 1 WHERE id = $1 AND school_id = $2")
            .bind(thread_id)
            .bind(school_id.0)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Marks a conversation read for a person. Reading an already-read conversation writes
    /// nothing: on SQLite every write queues for the one writer.
    pub async fn mark_read(&self, thread_id: i64, person: PersonId) -> Result<()> {
        let state: Option<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT unread, read_at FROM thread_participant WHERE thread_id = $1 AND person_id = $2",
        )
        .bind(thread_id)
        .bind(person.0)
        .fetch_optional(self.reader())
        .await?;
        if matches!(state, None | Some((0, Some(_)))) {
            return Ok(());
        }
        sqlx::query(
            "UPDATE thread_participant SET unread = 0, read_at = $1 \
             WHERE thread_id = $2 AND person_id = $3 AND (unread > 0 OR read_at IS NULL)",
        )
        .bind(now())
        .bind(thread_id)
        .bind(person.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// One page of a person's inbox, newest first, after `cursor`. With `search`, only
    /// conversations whose subject or messages contain it, whatever the case (see `folded`).
    pub async fn inbox(
        &self,
        person: PersonId,
        cursor: Option<InboxCursor>,
        limit: i64,
        search: Option<&str>,
    ) -> Result<Vec<InboxItem>> {
        let (at, id) = cursor.unwrap_or((i64::MAX, i64::MAX));
        let filter = match search {
            Some(_) => format!(
                "AND ({} LIKE $5 ESCAPE '\\' OR EXISTS (SELECT 1 FROM message m \
                 WHERE m.thread_id = t.id AND {} LIKE $5 ESCAPE '\\'))",
                folded("t.subject"),
                folded("m.body")
            ),
            None => String::new(),
        };
        let sql = format!(
            "SELECT t.id AS thread_id, t.subject, t.kind, tp.unread, tp.last_message_at, \
             p.id, p.given_name, p.family_name \
             FROM thread_participant tp \
             JOIN thread t ON t.id = tp.thread_id \
             JOIN person p ON p.id = t.starter_id \
             WHERE tp.person_id = $1 \
             AND (tp.last_message_at, tp.thread_id) < ($2, $3) \
             {filter} \
             ORDER BY tp.last_message_at DESC, tp.thread_id DESC LIMIT $4"
        );
        let mut q = sqlx::query(&sql)
            .bind(person.0)
            .bind(at)
            .bind(id)
            .bind(limit);
        if let Some(s) = search {
            let escaped = s
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            q = q.bind(format!("%{escaped}%"));
        }
        q.fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| {
                Ok(InboxItem {
                    thread_id: r.try_get("thread_id")?,
                    subject: r.try_get("subject")?,
                    kind: parse(r.try_get("kind")?)?,
                    starter: PersonName::from_row(r, "")?,
                    unread: r.try_get("unread")?,
                    last_message_at: r.try_get("last_message_at")?,
                })
            })
            .collect()
    }

    /// How many conversations have unread messages for a person.
    pub async fn unread_threads(&self, person: PersonId) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM thread_participant WHERE person_id = $1 AND unread > 0",
        )
        .bind(person.0)
        .fetch_one(self.reader())
        .await?)
    }

    /// The participants of a conversation with when each last read it.
    pub async fn participants(&self, thread_id: i64) -> Result<Vec<Participant>> {
        sqlx::query(
            "SELECT p.id, p.given_name, p.family_name, p.contact_protected, tp.read_at \
             FROM thread_participant tp \
             JOIN person p ON p.id = tp.person_id WHERE tp.thread_id = $1 \
             ORDER BY p.family_name, p.given_name, p.id",
        )
        .bind(thread_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(Participant {
                person: PersonName::from_row(r, "")?,
                read_at: r.try_get("read_at")?,
                protected: r.try_get::<i64, _>("contact_protected")? != 0,
            })
        })
        .collect()
    }

    /// The latest `limit` messages of a conversation, oldest first.
    pub async fn messages(&self, thread_id: i64, limit: i64) -> Result<Vec<Message>> {
        let mut list = sqlx::query(
            "SELECT m.id AS message_id, m.body, m.sent_at, p.id, p.given_name, p.family_name \
             FROM message m JOIN person p ON p.id = m.author_id \
             WHERE m.thread_id = $1 ORDER BY m.id DESC LIMIT $2",
        )
        .bind(thread_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(Message {
                id: r.try_get("message_id")?,
                author: PersonName::from_row(r, "")?,
                body: r.try_get("body")?,
                sent_at: r.try_get("sent_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        list.reverse();
        Ok(list)
    }

    /// Records a call or talk with a family.
    pub async fn log_conversation(&self, new: &NewConversationLog<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO conversation_log (school_id, pupil_id, author_id, happened_on, channel, \
             participants, topic, agreements, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.school_id.0)
        .bind(new.pupil_id.0)
        .bind(new.author.0)
        .bind(new.happened_on)
        .bind(new.channel)
        .bind(new.participants)
        .bind(new.topic)
        .bind(new.agreements)
        .bind(now())
        .fetch_one(&self.write)
        .await?)
    }

    /// A pupil's logged calls and talks, newest first.
    pub async fn conversation_logs(
        &self,
        school_id: SchoolId,
        pupil_id: PersonId,
    ) -> Result<Vec<ConversationLog>> {
        sqlx::query(
            "SELECT l.id AS log_id, l.pupil_id, l.happened_on, l.channel, l.participants, l.topic, \
             l.agreements, l.created_at, p.id, p.given_name, p.family_name \
             FROM conversation_log l JOIN person p ON p.id = l.author_id \
             WHERE l.school_id = $1 AND l.pupil_id = $2 \
             ORDER BY l.happened_on DESC, l.id DESC LIMIT 200",
        )
        .bind(school_id.0)
        .bind(pupil_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(ConversationLog {
                id: r.try_get("log_id")?,
                pupil_id: PersonId(r.try_get("pupil_id")?),
                author: PersonName::from_row(r, "")?,
                happened_on: r.try_get("happened_on")?,
                channel: r.try_get("channel")?,
                participants: r.try_get("participants")?,
                topic: r.try_get("topic")?,
                agreements: r.try_get("agreements")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// Conversations in which both `viewer` and one of `family` take part, newest first: the
    /// written side of a family's timeline as one member of staff may see it.
    pub async fn threads_with(
        &self,
        viewer: PersonId,
        family: &[PersonId],
        limit: i64,
    ) -> Result<Vec<InboxItem>> {
        if family.is_empty() {
            return Ok(Vec::new());
        }
        let family = &family[..family.len().min(CHUNK)];
        let sql = format!(
            "SELECT t.id AS thread_id, t.subject, t.kind, tp.unread, tp.last_message_at, \
             p.id, p.given_name, p.family_name \
             FROM thread_participant tp JOIN thread t ON t.id = tp.thread_id \
             JOIN person p ON p.id = t.starter_id \
             WHERE tp.person_id = $1 AND EXISTS (SELECT 1 FROM thread_participant f \
             WHERE f.thread_id = tp.thread_id AND f.person_id IN ({})) \
             ORDER BY tp.last_message_at DESC, tp.thread_id DESC LIMIT $2",
            placeholders(3, family.len())
        );
        let mut q = sqlx::query(&sql).bind(viewer.0).bind(limit);
        for f in family {
            q = q.bind(f.0);
        }
        q.fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| {
                Ok(InboxItem {
                    thread_id: r.try_get("thread_id")?,
                    subject: r.try_get("subject")?,
                    kind: parse(r.try_get("kind")?)?,
                    starter: PersonName::from_row(r, "")?,
                    unread: r.try_get("unread")?,
                    last_message_at: r.try_get("last_message_at")?,
                })
            })
            .collect()
    }
}
