//! Calendar (MSG-6) and contact book (MSG-7): events for a class, a grade or the school with
//! invitations and answers, homework per class and day, each person's secret iCalendar feed,
//! and the contact details each guardian shares.
//!
//! Calendar reads are bounded by time on an index: an event lasts at most
//! [`rules::MAX_EVENT_DAYS`], so a window query reads `starts_at` from the window's start minus
//! that length, never the class's whole history.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jiff::civil::Date;
use sha2::{Digest, Sha256};
use skolebro_domain::calendar::{self as rules, Audience, RsvpAnswer};
use skolebro_domain::contact_book::{Details, Sharing};
use skolebro_domain::paging::Cursor;
use skolebro_domain::{ClassId, PersonId, SchoolId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::notify::Notification;
use crate::people::PersonName;
use crate::{now, parse, Result, Store, StoreError};
use skolebro_domain::notify::NotifyKind;

/// An event with what the reader needs to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub school_id: SchoolId,
    pub audience: Audience,
    /// The class's name for a class event.
    pub class_name: Option<String>,
    pub title: String,
    pub place: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub rsvp: bool,
    pub rsvp_deadline: Option<i64>,
    pub reminder_at: Option<i64>,
    pub created_by: PersonId,
    /// The reader's own answer, when the query was for a person.
    pub my_answer: Option<Answer>,
}

/// One answer to an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub answer: RsvpAnswer,
    pub people: i64,
    pub note: String,
    pub answered_at: i64,
}

/// A new event, checked by the caller.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub school_id: SchoolId,
    pub audience: Audience,
    pub title: &'a str,
    pub place: &'a str,
    pub description: &'a str,
    pub times: rules::EventTimes,
    pub rsvp: bool,
    pub created_by: PersonId,
}

/// A homework entry for a class and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Homework {
    pub id: i64,
    pub class_id: ClassId,
    pub class_name: String,
    pub day: Date,
    pub subject: String,
    pub body: String,
}

/// A conference in a person's calendar: the time and the round's title, no notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceTime {
    pub booking_id: i64,
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
    /// What `access` decides on: whose conference, in which class's round, the household in
    /// a round booked apart (0: the whole family), and whether the reader takes part.
    pub pupil_id: PersonId,
    pub class_id: ClassId,
    pub household: i64,
    pub taking_part: bool,
}

/// A guardian in a class's contact book, with their stored details (filtered by the caller with
/// `contact_book::shown`) and their children in the class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEntry {
    pub person: PersonName,
    pub protected: bool,
    pub sharing: Sharing,
    pub details: Details,
    pub children: Vec<String>,
}

/// The answers to an event, for its staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerLine {
    pub person: PersonName,
    pub answer: Answer,
}

/// The secret of a feed, from the server's feed key and the feed's stored nonce: the database
/// alone does not give a working address.
pub fn feed_token(key: &[u8], nonce: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"skolebro-calendar-feed\0");
    h.update(key);
    h.update(b"\0");
    h.update(nonce.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

fn feed_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

const EVENT_COLUMNS: &str =
    "e.id, e.school_id, e.audience, e.class_id, e.grade, c.name AS class_name, \
     e.title, e.place, e.description, e.starts_at, e.ends_at, e.rsvp, e.rsvp_deadline, \
     e.reminder_at, e.created_by";

fn event_from_row(row: &AnyRow, with_answer: bool) -> Result<Event> {
    let audience = match row.try_get::<String, _>("audience")?.as_str() {
        "class" => Audience::Class(ClassId(row.try_get::<i64, _>("class_id")?)),
        "grade" => Audience::Grade(u8::try_from(row.try_get::<i64, _>("grade")?).unwrap_or(0)),
        "school" => Audience::School,
        other => return Err(StoreError::Other(format!("bad stored audience {other}"))),
    };
    let my_answer = if with_answer {
        match row.try_get::<Option<String>, _>("a_answer")? {
            Some(a) => Some(Answer {
                answer: parse(a)?,
                people: row.try_get("a_people")?,
                note: row.try_get("a_note")?,
                answered_at: row.try_get("a_answered_at")?,
            }),
            None => None,
        }
    } else {
        None
    };
    Ok(Event {
        id: row.try_get("id")?,
        school_id: SchoolId(row.try_get("school_id")?),
        audience,
        class_name: row.try_get("class_name")?,
        title: row.try_get("title")?,
        place: row.try_get("place")?,
        description: row.try_get("description")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        rsvp: row.try_get::<i64, _>("rsvp")? != 0,
        rsvp_deadline: row.try_get("rsvp_deadline")?,
        reminder_at: row.try_get("reminder_at")?,
        created_by: PersonId(row.try_get("created_by")?),
        my_answer,
    })
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ids of the events for a person's classes starting in `[$3, $4)`, with the classes'
/// placeholders from `$first`: school events, events of their classes, and events of the grades
/// of their classes. One branch per index, so each reads only its window (a single `OR` makes
/// SQLite read the school's whole history).
fn audience_ids(first: usize, classes: usize) -> String {
    let window = "x.school_id = $1 AND x.starts_at >= $3 AND x.starts_at < $4";
    let mut sql = format!("SELECT x.id FROM event x WHERE x.audience = 'school' AND {window}");
    if classes > 0 {
        let list = placeholders(first, classes);
        let list2 = placeholders(first + classes, classes);
        sql.push_str(&format!(
            " UNION ALL SELECT x.id FROM event x WHERE x.class_id IN ({list}) AND {window} \
             UNION ALL SELECT x.id FROM event x WHERE x.grade IN \
             (SELECT g.grade FROM class g WHERE g.id IN ({list2})) AND {window}"
        ));
    }
    sql
}

/// A person's calendar feed as they left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// Its secret, for the address.
    Active(String),
    /// Revoked on the settings page; a new address is made there.
    Revoked,
}

impl Store {
    /// Creates an event.
    pub async fn create_event(&self, new: &NewEvent<'_>) -> Result<i64> {
        let (class_id, grade) = match new.audience {
            Audience::Class(c) => (Some(c.0), None),
            Audience::Grade(g) => (None, Some(i64::from(g))),
            Audience::School => (None, None),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO event (school_id, audience, class_id, grade, title, place, description, \
             starts_at, ends_at, rsvp, rsvp_deadline, reminder_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(new.school_id.0)
        .bind(new.audience.kind())
        .bind(class_id)
        .bind(grade)
        .bind(new.title.trim())
        .bind(new.place.trim())
        .bind(new.description.trim())
        .bind(new.times.starts_at)
        .bind(new.times.ends_at)
        .bind(i64::from(new.rsvp))
        .bind(new.times.rsvp_deadline)
        .bind(new.times.reminder_at)
        .bind(new.created_by.0)
        .bind(now())
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    /// One event with the reader's answer.
    pub async fn event(
        &self,
        school_id: SchoolId,
        id: i64,
        reader: PersonId,
    ) -> Result<Option<Event>> {
        sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS}, a.answer AS a_answer, a.people AS a_people, a.note AS a_note, \
             a.answered_at AS a_answered_at FROM event e LEFT JOIN class c ON c.id = e.class_id \
             LEFT JOIN event_answer a ON a.event_id = e.id AND a.person_id = $3 \
             WHERE e.id = $1 AND e.school_id = $2"
        ))
        .bind(id)
        .bind(school_id.0)
        .bind(reader.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(|r| event_from_row(r, true))
        .transpose()
    }

    /// The classes an event is for: its class, or every class of its grade; none for a school
    /// event.
    pub async fn event_classes(&self, event: &Event) -> Result<Vec<ClassId>> {
        match event.audience {
            Audience::Class(c) => Ok(vec![c]),
            Audience::School => Ok(Vec::new()),
            Audience::Grade(g) => Ok(sqlx::query_scalar::<_, i64>(
                "SELECT id FROM class WHERE school_id = $1 AND grade = $2",
            )
            .bind(event.school_id.0)
            .bind(i64::from(g))
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(ClassId)
            .collect()),
        }
    }

    /// The events of a person's classes (and the school's) that overlap `[from, to)`, in time
    /// order, with the person's answers; at most `limit`.
    pub async fn events_for(
        &self,
        school_id: SchoolId,
        person: PersonId,
        classes: &[ClassId],
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<Event>> {
        self.events_after(school_id, person, classes, from, to, Cursor::LOWEST, limit)
            .await
    }

    /// [`Store::events_for`] from after `after` (a cursor whose key is the start): a page of
    /// a long range.
    #[allow(clippy::too_many_arguments)]
    pub async fn events_after(
        &self,
        school_id: SchoolId,
        person: PersonId,
        classes: &[ClassId],
        from: i64,
        to: i64,
        after: Cursor,
        limit: i64,
    ) -> Result<Vec<Event>> {
        let ids = audience_ids(6, classes.len());
        let (at, id) = (6 + 2 * classes.len(), 7 + 2 * classes.len());
        let sql = format!(
            "SELECT {EVENT_COLUMNS}, a.answer AS a_answer, a.people AS a_people, a.note AS a_note, \
             a.answered_at AS a_answered_at FROM event e LEFT JOIN class c ON c.id = e.class_id \
             LEFT JOIN event_answer a ON a.event_id = e.id AND a.person_id = $2 \
             WHERE e.id IN ({ids}) AND e.ends_at > $5 \
             AND (e.starts_at > ${at} OR (e.starts_at = ${at} AND e.id > ${id})) \
             ORDER BY e.starts_at, e.id LIMIT {}",
            limit.clamp(1, 1001)
        );
        let mut q = sqlx::query(&sql)
            .bind(school_id.0)
            .bind(person.0)
            .bind(from - rules::MAX_EVENT_DAYS * 86_400)
            .bind(to)
            .bind(from);
        for _ in 0..2 {
            for c in classes {
                q = q.bind(c.0);
            }
        }
        q = q.bind(after.key).bind(after.id);
        q.fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| event_from_row(r, true))
            .collect()
    }

    /// The next `limit` events for a person (not yet over at `now`), in one query: for the
    /// overview page. `classes` as `domain::calendar::calendar_classes` gives them.
    pub async fn upcoming_for(
        &self,
        school_id: SchoolId,
        person: PersonId,
        classes: &[ClassId],
        now: i64,
        limit: i64,
    ) -> Result<Vec<Event>> {
        self.events_for(school_id, person, classes, now, i64::MAX / 2, limit)
            .await
    }

    /// Sends the reminders that are due (MSG-6, MSG-8): for each event whose reminder time has
    /// come, a notice to everyone it is for except those who answered no and its author, written
    /// to the outbox in the same transaction that marks the event reminded, so a reminder goes
    /// out once whatever the workers do. Returns how many events were reminded.
    pub async fn announce_due_reminders(&self, now: i64, limit: i64) -> Result<usize> {
        let mut reminded = 0;
        for event in self.due_event_reminders(now, limit).await? {
            let mut tx = self.write.begin().await?;
            let claimed = sqlx::query(
                "UPDATE event SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL",
            )
            .bind(now)
            .bind(event.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed != 1 {
                continue;
            }
            let declined: Vec<i64> = sqlx::query_scalar(
                "SELECT person_id FROM event_answer WHERE event_id = $1 AND answer = 'no'",
            )
            .bind(event.id)
            .fetch_all(&mut *tx)
            .await?;
            let audience = match event.audience {
                Audience::Class(c) => skolebro_domain::posts::Audience::Class(c),
                Audience::Grade(g) => skolebro_domain::posts::Audience::Grade(i64::from(g)),
                Audience::School => skolebro_domain::posts::Audience::School,
            };
            let readers =
                crate::posts::readers_to_notify(&mut tx, event.school_id, audience).await?;
            let notices: Vec<Notification> = readers
                .into_iter()
                .filter(|p| *p != event.created_by && !declined.contains(&p.0))
                .map(|person_id| Notification {
                    school_id: event.school_id,
                    person_id,
                    kind: NotifyKind::Event,
                    subject: event.title.clone(),
                    body: [event.place.as_str(), event.description.as_str()]
                        .iter()
                        .filter(|t| !t.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join("\n"),
                    link: format!("/calendar/events/{}", event.id),
                    sensitive: false,
                    emergency: false,
                })
                .collect();
            crate::notify::enqueue_in(&mut tx, &notices).await?;
            tx.commit().await?;
            reminded += 1;
        }
        Ok(reminded)
    }

    /// Events whose reminder time has come and that were not reminded yet, the earliest
    /// first: what [`Store::announce_due_reminders`] sends.
    pub async fn due_event_reminders(&self, now: i64, limit: i64) -> Result<Vec<Event>> {
        sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM event e LEFT JOIN class c ON c.id = e.class_id \
             WHERE e.reminded_at IS NULL AND e.reminder_at <= $1 \
             ORDER BY e.reminder_at, e.id LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(now)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| event_from_row(r, false))
        .collect()
    }

    /// Records or changes a person's answer.
    pub async fn answer_event(
        &self,
        school_id: SchoolId,
        event_id: i64,
        person: PersonId,
        answer: RsvpAnswer,
        people: i64,
        note: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO event_answer (school_id, event_id, person_id, answer, people, note, \
             answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (event_id, person_id) DO UPDATE SET answer = excluded.answer, \
             people = excluded.people, note = excluded.note, answered_at = excluded.answered_at",
        )
        .bind(school_id.0)
        .bind(event_id)
        .bind(person.0)
        .bind(answer.as_str())
        .bind(people)
        .bind(note.trim())
        .bind(now())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The answers to an event, by family name.
    pub async fn event_answers(
        &self,
        school_id: SchoolId,
        event_id: i64,
    ) -> Result<Vec<AnswerLine>> {
        let rows = sqlx::query(
            "SELECT p.id, p.given_name, p.family_name, a.answer, a.people, a.note, a.answered_at \
             FROM event_answer a JOIN person p ON p.id = a.person_id \
             WHERE a.event_id = $1 AND a.school_id = $2 ORDER BY p.family_name, p.given_name, p.id",
        )
        .bind(event_id)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AnswerLine {
                    person: PersonName::from_row(r, "")?,
                    answer: Answer {
                        answer: parse(r.try_get::<String, _>("answer")?)?,
                        people: r.try_get("people")?,
                        note: r.try_get("note")?,
                        answered_at: r.try_get("answered_at")?,
                    },
                })
            })
            .collect()
    }

    /// Adds a homework entry.
    pub async fn add_homework(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        day: Date,
        subject: &str,
        body: &str,
        by: PersonId,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO homework (school_id, class_id, day, subject, body, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(school_id.0)
        .bind(class_id.0)
        .bind(day.to_string())
        .bind(subject.trim())
        .bind(body.trim())
        .bind(by.0)
        .bind(now())
        .fetch_one(&self.write)
        .await?)
    }

    /// The homework of some classes from `from` to `to` (both included), by day; at most 500.
    pub async fn homework_of(
        &self,
        school_id: SchoolId,
        classes: &[ClassId],
        from: Date,
        to: Date,
    ) -> Result<Vec<Homework>> {
        if classes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT h.id, h.class_id, c.name AS class_name, h.day, h.subject, h.body \
             FROM homework h JOIN class c ON c.id = h.class_id \
             WHERE h.school_id = $1 AND h.day >= $2 AND h.day <= $3 AND h.class_id IN ({}) \
             ORDER BY h.day, c.name, h.id LIMIT 500",
            placeholders(4, classes.len())
        );
        let mut q = sqlx::query(&sql)
            .bind(school_id.0)
            .bind(from.to_string())
            .bind(to.to_string());
        for c in classes {
            q = q.bind(c.0);
        }
        q.fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| {
                Ok(Homework {
                    id: r.try_get("id")?,
                    class_id: ClassId(r.try_get("class_id")?),
                    class_name: r.try_get("class_name")?,
                    day: parse(r.try_get::<String, _>("day")?)?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                })
            })
            .collect()
    }

    /// The conferences that may be in a person's calendar from `from` to `to`: their
    /// children's, those of the classes they teach, and those of rounds they take part in.
    /// Which of them the person sees (a round booked apart shows a guardian only their own
    /// household's) is `access`'s to say, from the facts each carries.
    pub async fn conference_times(
        &self,
        school_id: SchoolId,
        person: PersonId,
        pupils: &[PersonId],
        taught: &[ClassId],
        from: i64,
        to: i64,
    ) -> Result<Vec<ConferenceTime>> {
        // One branch per index: the children's bookings by pupil, and the bookings in the
        // window of the rounds one takes part in or whose class one teaches, by slot time.
        let mut next = 5;
        let mut branches = Vec::new();
        if !pupils.is_empty() {
            branches.push(format!(
                "SELECT b2.id FROM conference_booking b2 WHERE b2.school_id = $1 \
                 AND b2.pupil_id IN ({})",
                placeholders(next, pupils.len())
            ));
            next += pupils.len();
        }
        let mut rounds = "SELECT rs.round_id FROM conference_round_staff rs \
             WHERE rs.school_id = $1 AND rs.person_id = $4"
            .to_owned();
        if !taught.is_empty() {
            rounds.push_str(&format!(
                " UNION SELECT r2.id FROM conference_round r2 WHERE r2.school_id = $1 \
                 AND r2.class_id IN ({})",
                placeholders(next, taught.len())
            ));
        }
        branches.push(format!(
            "SELECT b3.id FROM conference_slot s3 JOIN conference_booking b3 ON b3.slot_id = s3.id \
             WHERE s3.round_id IN ({rounds}) AND s3.starts_at >= $2 AND s3.starts_at < $3"
        ));
        let sql = format!(
            "SELECT b.id, r.title, s.starts_at, s.ends_at, b.pupil_id, r.class_id, b.household, \
                    CASE WHEN EXISTS (SELECT 1 FROM conference_round_staff rs \
                      WHERE rs.round_id = r.id AND rs.person_id = $4) THEN 1 ELSE 0 END \
                      AS taking_part \
             FROM conference_booking b \
             JOIN conference_slot s ON s.id = b.slot_id \
             JOIN conference_round r ON r.id = b.round_id \
             WHERE b.id IN ({}) AND s.starts_at >= $2 AND s.starts_at < $3 \
             ORDER BY s.starts_at, b.id LIMIT 500",
            branches.join(" UNION ALL ")
        );
        let mut q = sqlx::query(&sql)
            .bind(school_id.0)
            .bind(from)
            .bind(to)
            .bind(person.0);
        for p in pupils {
            q = q.bind(p.0);
        }
        for c in taught {
            q = q.bind(c.0);
        }
        q.fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| {
                Ok(ConferenceTime {
                    booking_id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    starts_at: r.try_get("starts_at")?,
                    ends_at: r.try_get("ends_at")?,
                    pupil_id: PersonId(r.try_get("pupil_id")?),
                    class_id: ClassId(r.try_get("class_id")?),
                    household: r.try_get("household")?,
                    taking_part: r.try_get::<i64, _>("taking_part")? != 0,
                })
            })
            .collect()
    }

    /// The guardians (custody or information) of a class's pupils, by family name, with their
    /// children in the class.
    pub async fn contact_book(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
    ) -> Result<Vec<ContactEntry>> {
        let rows = sqlx::query(
            "SELECT p.id, p.given_name, p.family_name, p.email, p.phone, p.address, \
             p.contact_protected, s.share_email, s.share_phone, s.share_address, \
             k.given_name AS child_given, k.family_name AS child_family \
             FROM enrolment en JOIN guardianship g ON g.pupil_id = en.pupil_id \
             JOIN person p ON p.id = g.guardian_id JOIN person k ON k.id = en.pupil_id \
             LEFT JOIN contact_sharing s ON s.person_id = p.id \
             WHERE en.class_id = $1 AND en.school_id = $2 AND g.access IN ('full', 'info') \
             ORDER BY p.family_name, p.given_name, p.id, k.given_name",
        )
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?;
        let mut out: Vec<ContactEntry> = Vec::new();
        for r in &rows {
            let person = PersonName::from_row(r, "")?;
            let child = format!(
                "{} {}",
                r.try_get::<String, _>("child_given")?,
                r.try_get::<String, _>("child_family")?
            );
            if let Some(last) = out.last_mut().filter(|e| e.person.id == person.id) {
                last.children.push(child);
                continue;
            }
            let flag = |name: &str| -> Result<bool> {
                Ok(r.try_get::<Option<i64>, _>(name)?.unwrap_or(0) != 0)
            };
            out.push(ContactEntry {
                person,
                protected: r.try_get::<i64, _>("contact_protected")? != 0,
                sharing: Sharing {
                    email: flag("share_email")?,
                    phone: flag("share_phone")?,
                    address: flag("share_address")?,
                },
                details: Details {
                    email: r.try_get("email")?,
                    phone: r.try_get("phone")?,
                    address: r.try_get("address")?,
                },
                children: vec![child],
            });
        }
        Ok(out)
    }

    /// What a person shares in the contact book.
    pub async fn contact_sharing(&self, person: PersonId) -> Result<Sharing> {
        let row = sqlx::query(
            "SELECT share_email, share_phone, share_address FROM contact_sharing WHERE person_id = $1",
        )
        .bind(person.0)
        .fetch_optional(self.reader())
        .await?;
        Ok(match row {
            Some(r) => Sharing {
                email: r.try_get::<i64, _>("share_email")? != 0,
                phone: r.try_get::<i64, _>("share_phone")? != 0,
                address: r.try_get::<i64, _>("share_address")? != 0,
            },
            None => Sharing::default(),
        })
    }

    pub async fn set_contact_sharing(
        &self,
        school_id: SchoolId,
        person: PersonId,
        sharing: Sharing,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO contact_sharing (person_id, school_id, share_email, share_phone, \
             share_address, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (person_id) DO UPDATE SET share_email = excluded.share_email, \
             share_phone = excluded.share_phone, share_address = excluded.share_address, \
             updated_at = excluded.updated_at",
        )
        .bind(person.0)
        .bind(school_id.0)
        .bind(i64::from(sharing.email))
        .bind(i64::from(sharing.phone))
        .bind(i64::from(sharing.address))
        .bind(now())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The secret of a person's feed, when they have one that is not revoked.
    pub async fn feed_token_of(&self, person: PersonId, key: &[u8]) -> Result<Option<String>> {
        Ok(match self.feed_of(person, key).await? {
            Some(Feed::Active(token)) => Some(token),
            _ => None,
        })
    }

    async fn feed_of(&self, person: PersonId, key: &[u8]) -> Result<Option<Feed>> {
        let row = sqlx::query("SELECT nonce, revoked_at FROM calendar_feed WHERE person_id = $1")
            .bind(person.0)
            .fetch_optional(self.reader())
            .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
            return Ok(Some(Feed::Revoked));
        }
        Ok(Some(Feed::Active(feed_token(
            key,
            &row.try_get::<String, _>("nonce")?,
        ))))
    }

    /// Gives a person a new feed secret; the old address stops answering.
    pub async fn issue_feed(
        &self,
        school_id: SchoolId,
        person: PersonId,
        key: &[u8],
    ) -> Result<String> {
        let nonce = crate::auth::random_token();
        let token = feed_token(key, &nonce);
        sqlx::query(
            "INSERT INTO calendar_feed (person_id, school_id, nonce, token_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO UPDATE SET \
             nonce = excluded.nonce, token_hash = excluded.token_hash, \
             created_at = excluded.created_at, revoked_at = NULL",
        )
        .bind(person.0)
        .bind(school_id.0)
        .bind(&nonce)
        .bind(feed_token_hash(&token))
        .bind(now())
        .execute(&self.write)
        .await?;
        Ok(token)
    }

    /// The person's feed, issued now when they never had one; a revoked feed stays revoked
    /// until the person asks for a new address.
    pub async fn feed_token_or_issue(
        &self,
        school_id: SchoolId,
        person: PersonId,
        key: &[u8],
    ) -> Result<Feed> {
        match self.feed_of(person, key).await? {
            Some(feed) => Ok(feed),
            None => Ok(Feed::Active(self.issue_feed(school_id, person, key).await?)),
        }
    }

    /// Revokes a person's feed: its address answers 404 from now on. The row stays, marked,
    /// with a hash no secret has, so that nothing issues a new address behind the person's back.
    pub async fn revoke_feed(&self, person: PersonId) -> Result<()> {
        sqlx::query(
            "UPDATE calendar_feed SET revoked_at = $1, token_hash = $2 \
             WHERE person_id = $3 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(format!("revoked:{}", person.0))
        .bind(person.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Whose feed a secret opens, by its hash.
    pub async fn feed_owner(&self, token: &str) -> Result<Option<(PersonId, SchoolId)>> {
        let row =
            sqlx::query("SELECT person_id, school_id FROM calendar_feed WHERE token_hash = $1 AND revoked_at IS NULL")
                .bind(feed_token_hash(token))
                .fetch_optional(self.reader())
                .await?;
        row.map(|r| {
            Ok((
                PersonId(r.try_get("person_id")?),
                SchoolId(r.try_get("school_id")?),
            ))
        })
        .transpose()
    }
}

impl Store {
    /// The demo's calendar: a class event of the first class a week ahead with answers open
    /// until three days before, and two homework entries for the first class of grade 3 or up.
    pub(crate) async fn demo_calendar(
        &self,
        school_id: SchoolId,
        first_class: ClassId,
        teacher: PersonId,
        country: skolebro_domain::Country,
        tz: &jiff::tz::TimeZone,
        today: Date,
    ) -> Result<()> {
        let dk = country == skolebro_domain::Country::Dk;
        let at = |days: i64, hour: i8| -> Result<i64> {
            let day = today
                .checked_add(jiff::Span::new().days(days))
                .map_err(|e| StoreError::Other(e.to_string()))?;
            Ok(tz
                .to_ambiguous_zoned(day.to_datetime(jiff::civil::Time::constant(hour, 0, 0, 0)))
                .compatible()
                .map_err(|e| StoreError::Other(e.to_string()))?
                .timestamp()
                .as_second())
        };
        self.create_event(&NewEvent {
            school_id,
            audience: Audience::Class(first_class),
            title: if dk {
                "Klassens julehygge"
            } else {
                "Klassens juleavslutning"
            },
            place: if dk { "Klasselokalet" } else { "Klasserommet" },
            description: if dk {
                "Vi hygger med æbleskiver og sang. Søskende er velkomne."
            } else {
                "Vi koser oss med gløgg og sang. Søsken er velkomne."
            },
            times: rules::EventTimes {
                starts_at: at(7, 17)?,
                ends_at: at(7, 19)?,
                rsvp_deadline: Some(at(4, 12)?),
                // No reminder: a demo school's notices are the ones its visitors cause.
                reminder_at: None,
            },
            rsvp: true,
            created_by: teacher,
        })
        .await?;
        let row = sqlx::query(
            "SELECT c.id, cs.person_id FROM class c JOIN class_staff cs ON cs.class_id = c.id \
             WHERE c.school_id = $1 AND c.grade >= $2 ORDER BY c.grade, c.name, cs.person_id LIMIT 1",
        )
        .bind(school_id.0)
        .bind(i64::from(rules::HOMEWORK_FROM_GRADE))
        .fetch_optional(&self.write)
        .await?;
        if let Some(row) = row {
            let class = ClassId(row.try_get("id")?);
            let by = PersonId(row.try_get("person_id")?);
            let tomorrow = today
                .tomorrow()
                .map_err(|e| StoreError::Other(e.to_string()))?;
            let (s1, t1, s2, t2) = if dk {
                (
                    "Dansk",
                    "Læs side 12-15 i læsebogen.",
                    "Matematik",
                    "Opgave 1-6 side 40.",
                )
            } else {
                (
                    "Norsk",
                    "Les side 12-15 i leseboka.",
                    "Matematikk",
                    "Oppgave 1-6 side 40.",
                )
            };
            self.add_homework(school_id, class, tomorrow, s1, t1, by)
                .await?;
            self.add_homework(school_id, class, tomorrow, s2, t2, by)
                .await?;
        }
        // guardian1 shares e-mail and phone; guardian3 (protected, PEO-3) ticked everything,
        // which the contact book must still never show.
        let everything = Sharing {
            email: true,
            phone: true,
            address: true,
        };
        let some = Sharing {
            address: false,
            ..everything
        };
        for (username, sharing) in [("guardian1", some), ("guardian3", everything)] {
            let id: Option<i64> =
                sqlx::query_scalar("SELECT person_id FROM account WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&self.write)
                    .await?;
            if let Some(id) = id {
                self.set_contact_sharing(school_id, PersonId(id), sharing)
                    .await?;
            }
        }
        Ok(())
    }
}
