//! Conferences: rounds and their slots, bookings with needs and preparation, notes, agreements
//! and the figures coverage is computed from (CON-1..7, PEO-4).
//!
//! A slot is booked at most once and a pupil has at most one conference in a round: both are
//! unique keys of `conference_booking`, and a booking is written with `ON CONFLICT DO NOTHING`,
//! so two families pressing "book" in the same instant get one booking and one conflict, on
//! either engine. Notes are sensitive: [`Store::read_notes`], [`Store::save_notes`] and
//! [`Store::acknowledge_notes`] write an audit row themselves.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::Timestamp;
use skolebro_domain::conferences::{self as rules, AgreementOwner, Form, Slot, TalkType};
use skolebro_domain::people::InterpreterNeed;
use skolebro_domain::{ClassId, PersonId, SchoolId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{audit_in, AuditRow};
use crate::db::{insert_rows, Val};
use crate::notify::{enqueue_in, Notification};
use crate::people::PersonName;
use crate::{now, parse, Result, Store, StoreError};

/// A conference round of one class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: i64,
    pub school_id: SchoolId,
    pub class_id: ClassId,
    pub class_name: String,
    pub grade: i64,
    pub title: String,
    pub form: Form,
    pub slot_minutes: i64,
    pub break_minutes: i64,
    pub with_pupil: bool,
    /// Instant (seconds, UTC).
    pub booking_deadline: i64,
    pub created_at: i64,
    /// First and last slot, when the round has slots.
    pub first_start: Option<i64>,
    pub last_end: Option<i64>,
    /// A need-based conference (CON-8) belongs to this one pupil; `None` for a class's round.
    pub pupil_id: Option<PersonId>,
    /// The routine conference a need-based one was moved from.
    pub from_booking_id: Option<i64>,
    /// Each household of a pupil with two homes books its own conference (CON-1).
    pub households_apart: bool,
}

/// A new round, checked by the caller.
#[derive(Debug, Clone)]
pub struct NewRound<'a> {
    pub school_id: SchoolId,
    pub class_id: ClassId,
    pub title: &'a str,
    pub form: Form,
    pub slot_minutes: i64,
    pub break_minutes: i64,
    pub with_pupil: bool,
    pub booking_deadline: i64,
    pub created_by: PersonId,
    pub staff: &'a [PersonId],
    pub slots: &'a [Slot],
    /// For a need-based conference (CON-8): the pupil, and the conference it was moved from.
    pub pupil_id: Option<PersonId>,
    pub from_booking_id: Option<i64>,
    pub households_apart: bool,
    /// Notices of the new round (MSG-8), written in its transaction.
    pub notices: &'a [Notification],
}

/// A time staff add to a round beside its plan.
#[derive(Debug, Clone)]
pub struct NewSlot<'a> {
    pub school_id: SchoolId,
    pub round_id: i64,
    pub slot: Slot,
    /// Only this pupil's family sees and books it.
    pub offered_to: Option<PersonId>,
    /// Notices of the offer (MSG-8), written in its transaction.
    pub notices: &'a [Notification],
}

/// A slot with who booked it (names are for staff; the web layer leaves them out for families).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRow {
    pub id: i64,
    pub round_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub booking: Option<(i64, PersonName)>,
    /// The household the booking is for (0: the whole family).
    pub household: i64,
    /// A time offered to one pupil's family only.
    pub offered_to: Option<PersonId>,
}

/// What a family needs at the conference (CON-3, CON-4, PEO-4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Needs {
    pub interpreter: Option<InterpreterNeed>,
    /// The family asks to talk without the child.
    pub without_child: bool,
    /// The family asks to meet online.
    pub online: bool,
    /// The family brings its own (adult) interpreter; staff book none.
    pub own_interpreter: bool,
}

/// A booking to make or move.
#[derive(Debug, Clone)]
pub struct NewBooking<'a> {
    pub school_id: SchoolId,
    pub round_id: i64,
    pub slot_id: i64,
    pub pupil_id: PersonId,
    /// 0 for the whole family; the household's number in a round booked apart.
    pub household: i64,
    pub booked_by: PersonId,
    pub needs: &'a Needs,
    pub pupil_attends: bool,
    /// Notices of the booking (MSG-8), written in its transaction.
    pub notices: &'a [Notification],
}

/// What booking did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booked {
    New(i64),
    /// The pupil's booking in the round moved to the slot.
    Moved(i64),
}

impl Booked {
    pub fn id(self) -> i64 {
        match self {
            Booked::New(id) | Booked::Moved(id) => id,
        }
    }
}

/// A pupil's conference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: i64,
    pub round_id: i64,
    pub round_title: String,
    pub class_id: ClassId,
    pub form: Form,
    pub booking_deadline: i64,
    pub slot_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub pupil: PersonName,
    /// 0 for the whole family; the household's number in a round booked apart.
    pub household: i64,
    pub booked_by: PersonName,
    pub booked_at: i64,
    pub needs: Needs,
    pub interpreter_booked_at: Option<i64>,
    pub pupil_attends: bool,
    pub purpose: Option<String>,
    pub talk_type: Option<TalkType>,
    pub guardian_topics: Option<String>,
    pub staff_topics: Option<String>,
    /// Whether notes exist, and whether they are shared with the family.
    pub notes_written: bool,
    pub notes_shared: bool,
}

/// The preparation fields one may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Preparation {
    pub guardian_topics: Option<Option<String>>,
    pub staff_topics: Option<Option<String>>,
    pub purpose: Option<Option<String>>,
    pub talk_type: Option<Option<TalkType>>,
    pub pupil_attends: Option<bool>,
    pub interpreter_booked: Option<bool>,
}

/// The notes of a conference (CON-6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notes {
    pub academic: Option<String>,
    pub wellbeing: Option<String>,
    pub social: Option<String>,
    pub goals_academic: Option<String>,
    pub goals_social: Option<String>,
    pub summary: Option<String>,
    /// Staff only; never shown to the family.
    pub internal_note: Option<String>,
    pub written_by: Option<PersonName>,
    pub written_at: i64,
    pub shared_at: Option<i64>,
    pub acknowledged_by: Option<PersonName>,
    pub acknowledged_at: Option<i64>,
}

/// An agreement (CON-6, CON-7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: i64,
    pub booking_id: i64,
    pub pupil: PersonName,
    pub class_id: ClassId,
    pub owner: AgreementOwner,
    pub what: String,
    pub due: Date,
    pub created_at: i64,
    pub done_at: Option<i64>,
    /// Whether the conference's notes are shared with the family (agreements reach the
    /// family's overview with them).
    pub shared: bool,
    /// When the conference was.
    pub conference_at: i64,
}

/// One conference of a pupil in a period, for coverage: whether notes were written and shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldConference {
    pub pupil_id: PersonId,
    pub notes_written: bool,
    pub notes_shared: bool,
}

fn flag(r: &AnyRow, column: &str) -> Result<bool> {
    Ok(r.try_get::<i64, _>(column)? != 0)
}

/// A unique key that stopped a write: the caller's conflict.
fn conflict_on_unique(e: sqlx::Error, text: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(text.into()),
        _ => StoreError::Db(e),
    }
}

const TAKEN: &str = "the time is taken: choose another";

const ROUND_COLUMNS: &str = "r.id, r.school_id, r.class_id, c.name AS class_name, c.grade, \
     r.title, r.form, r.slot_minutes, r.break_minutes, r.with_pupil, r.booking_deadline, \
     r.created_at, r.pupil_id, r.from_booking_id, r.households_apart, (SELECT MIN(s.starts_at) FROM conference_slot s WHERE s.round_id = r.id) \
     AS first_start, (SELECT MAX(s.ends_at) FROM conference_slot s WHERE s.round_id = r.id) \
     AS last_end";

fn round_from_row(r: &AnyRow) -> Result<Round> {
    Ok(Round {
        id: r.try_get("id")?,
        school_id: SchoolId(r.try_get("school_id")?),
        class_id: ClassId(r.try_get("class_id")?),
        class_name: r.try_get("class_name")?,
        grade: r.try_get("grade")?,
        title: r.try_get("title")?,
        form: parse(r.try_get("form")?)?,
        slot_minutes: r.try_get("slot_minutes")?,
        break_minutes: r.try_get("break_minutes")?,
        with_pupil: flag(r, "with_pupil")?,
        booking_deadline: r.try_get("booking_deadline")?,
        created_at: r.try_get("created_at")?,
        first_start: r.try_get("first_start")?,
        last_end: r.try_get("last_end")?,
        pupil_id: r.try_get::<Option<i64>, _>("pupil_id")?.map(PersonId),
        from_booking_id: r.try_get("from_booking_id")?,
        households_apart: flag(r, "households_apart")?,
    })
}

const BOOKING_COLUMNS: &str = "b.id, b.round_id, r.title, r.class_id, r.form, \
     r.booking_deadline, b.slot_id, s.starts_at, s.ends_at, b.pupil_id, b.household, p.given_name, \
     p.family_name, b.booked_by, bb.given_name AS by_given_name, bb.family_name AS \
     by_family_name, b.booked_at, b.interpreter_language, b.interpreter_dialect, \
     b.interpreter_gender, b.interpreter_booked_at, b.without_child, b.online, b.pupil_attends, \
     b.own_interpreter, \
     b.purpose, b.talk_type, b.guardian_topics, b.staff_topics, \
     (SELECT COUNT(*) FROM conference_note n WHERE n.booking_id = b.id) AS notes_written, \
     (SELECT COUNT(*) FROM conference_note n WHERE n.booking_id = b.id \
      AND n.shared_at IS NOT NULL) AS notes_shared";

const BOOKING_FROM: &str = "conference_booking b \
     JOIN conference_round r ON r.id = b.round_id \
     JOIN conference_slot s ON s.id = b.slot_id \
     JOIN person p ON p.id = b.pupil_id \
     JOIN person bb ON bb.id = b.booked_by";

fn booking_from_row(r: &AnyRow) -> Result<Booking> {
    let interpreter = r
        .try_get::<Option<String>, _>("interpreter_language")?
        .map(|language| -> Result<InterpreterNeed> {
            Ok(InterpreterNeed {
                language,
                dialect: r.try_get("interpreter_dialect")?,
                preferred_gender: r.try_get("interpreter_gender")?,
            })
        })
        .transpose()?;
    Ok(Booking {
        id: r.try_get("id")?,
        round_id: r.try_get("round_id")?,
        round_title: r.try_get("title")?,
        class_id: ClassId(r.try_get("class_id")?),
        form: parse(r.try_get("form")?)?,
        booking_deadline: r.try_get("booking_deadline")?,
        slot_id: r.try_get("slot_id")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        pupil: PersonName {
            id: PersonId(r.try_get("pupil_id")?),
            given_name: r.try_get("given_name")?,
            family_name: r.try_get("family_name")?,
        },
        household: r.try_get("household")?,
        booked_by: PersonName {
            id: PersonId(r.try_get("booked_by")?),
            given_name: r.try_get("by_given_name")?,
            family_name: r.try_get("by_family_name")?,
        },
        booked_at: r.try_get("booked_at")?,
        needs: Needs {
            interpreter,
            without_child: flag(r, "without_child")?,
            online: flag(r, "online")?,
            own_interpreter: flag(r, "own_interpreter")?,
        },
        interpreter_booked_at: r.try_get("interpreter_booked_at")?,
        pupil_attends: flag(r, "pupil_attends")?,
        purpose: r.try_get("purpose")?,
        talk_type: r
            .try_get::<Option<String>, _>("talk_type")?
            .map(parse)
            .transpose()?,
        guardian_topics: r.try_get("guardian_topics")?,
        staff_topics: r.try_get("staff_topics")?,
        notes_written: r.try_get::<i64, _>("notes_written")? > 0,
        notes_shared: r.try_get::<i64, _>("notes_shared")? > 0,
    })
}

const AGREEMENT_COLUMNS: &str = "a.id, a.booking_id, a.pupil_id, p.given_name, p.family_name, \
     a.class_id, a.owner, a.what, a.due, a.created_at, a.done_at, s.starts_at, \
     (SELECT COUNT(*) FROM conference_note n WHERE n.booking_id = a.booking_id \
      AND n.shared_at IS NOT NULL) AS shared";

const AGREEMENT_FROM: &str = "conference_agreement a \
     JOIN person p ON p.id = a.pupil_id \
     JOIN conference_booking b ON b.id = a.booking_id \
     JOIN conference_slot s ON s.id = b.slot_id";

fn agreement_from_row(r: &AnyRow) -> Result<Agreement> {
    Ok(Agreement {
        id: r.try_get("id")?,
        booking_id: r.try_get("booking_id")?,
        pupil: PersonName {
            id: PersonId(r.try_get("pupil_id")?),
            given_name: r.try_get("given_name")?,
            family_name: r.try_get("family_name")?,
        },
        class_id: ClassId(r.try_get("class_id")?),
        owner: parse(r.try_get("owner")?)?,
        what: r.try_get("what")?,
        due: parse(r.try_get("due")?)?,
        created_at: r.try_get("created_at")?,
        done_at: r.try_get("done_at")?,
        shared: r.try_get::<i64, _>("shared")? > 0,
        conference_at: r.try_get("starts_at")?,
    })
}

fn slot_of(starts: i64, ends: i64) -> Option<Slot> {
    Some(Slot {
        starts: Timestamp::from_second(starts).ok()?,
        ends: Timestamp::from_second(ends).ok()?,
    })
}

impl Store {
    /// Creates a round with its staff and slots in one transaction. Refused with a conflict
    /// naming the time when one of the staff already has a slot of another round at the same
    /// time (checked inside the transaction).
    pub async fn create_round(&self, new: &NewRound<'_>) -> Result<i64> {
        if new.slots.is_empty() {
            return Err(StoreError::Invalid("a round needs slots".into()));
        }
        let from = new.slots.iter().map(|s| s.starts).min();
        let to = new.slots.iter().map(|s| s.ends).max();
        let (Some(from), Some(to)) = (from, to) else {
            return Err(StoreError::Invalid("a round needs slots".into()));
        };
        let mut tx = self.write.begin().await?;
        for person in new.staff {
            let rows = sqlx::query(
                "SELECT s.starts_at, s.ends_at FROM conference_round_staff rs \
                 JOIN conference_slot s ON s.round_id = rs.round_id \
                 WHERE rs.person_id = $1 AND rs.school_id = $2 \
                 AND s.starts_at < $3 AND s.ends_at > $4",
            )
            .bind(person.0)
            .bind(new.school_id.0)
            .bind(to.as_second())
            .bind(from.as_second())
            .fetch_all(&mut *tx)
            .await?;
            let existing: Vec<Slot> = rows
                .iter()
                .filter_map(|r| slot_of(r.try_get("starts_at").ok()?, r.try_get("ends_at").ok()?))
                .collect();
            if let Some((_, theirs)) = rules::first_overlap(new.slots, &existing) {
                return Err(StoreError::Conflict(format!(
                    "staff member {} already has a conference from {} to {}",
                    person.0, theirs.starts, theirs.ends
                )));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conference_round (school_id, class_id, title, form, slot_minutes, \
             break_minutes, with_pupil, booking_deadline, created_by, created_at, pupil_id, \
             from_booking_id, households_apart) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(new.school_id.0)
        .bind(new.class_id.0)
        .bind(new.title)
        .bind(new.form.as_str())
        .bind(new.slot_minutes)
        .bind(new.break_minutes)
        .bind(i64::from(new.with_pupil))
        .bind(new.booking_deadline)
        .bind(new.created_by.0)
        .bind(now())
        .bind(new.pupil_id.map(|p| p.0))
        .bind(new.from_booking_id)
        .bind(i64::from(new.households_apart))
        .fetch_one(&mut *tx)
        .await?;
        let staff: Vec<Vec<Val>> = new
            .staff
            .iter()
            .map(|p| vec![new.school_id.0.into(), id.into(), p.0.into()])
            .collect();
        insert_rows(
            &mut tx,
            "conference_round_staff",
            &["school_id", "round_id", "person_id"],
            &staff,
        )
        .await?;
        let slots: Vec<Vec<Val>> = new
            .slots
            .iter()
            .map(|s| {
                vec![
                    new.school_id.0.into(),
                    id.into(),
                    s.starts.as_second().into(),
                    s.ends.as_second().into(),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "conference_slot",
            &["school_id", "round_id", "starts_at", "ends_at"],
            &slots,
        )
        .await?;
        enqueue_in(&mut tx, new.notices).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a time beside a round's plan, offered to everyone or to one pupil's family, with its
    /// notices, in one transaction. A time that overlaps another of the round's, or another
    /// conference of a staff member taking part, is a conflict.
    pub async fn add_slot(&self, new: &NewSlot<'_>) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let clash: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM conference_slot s WHERE s.school_id = $1 \
             AND s.starts_at < $2 AND s.ends_at > $3 AND (s.round_id = $4 OR s.round_id IN \
             (SELECT rs2.round_id FROM conference_round_staff rs2 WHERE rs2.person_id IN \
              (SELECT rs.person_id FROM conference_round_staff rs WHERE rs.round_id = $5)))",
        )
        .bind(new.school_id.0)
        .bind(new.slot.ends.as_second())
        .bind(new.slot.starts.as_second())
        .bind(new.round_id)
        .bind(new.round_id)
        .fetch_one(&mut *tx)
        .await?;
        if clash > 0 {
            return Err(StoreError::Conflict(
                "the time overlaps another conference of the round's staff".into(),
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conference_slot (school_id, round_id, starts_at, ends_at, offered_to) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.school_id.0)
        .bind(new.round_id)
        .bind(new.slot.starts.as_second())
        .bind(new.slot.ends.as_second())
        .bind(new.offered_to.map(|p| p.0))
        .fetch_one(&mut *tx)
        .await?;
        enqueue_in(&mut tx, new.notices).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn round(&self, school_id: SchoolId, id: i64) -> Result<Option<Round>> {
        sqlx::query(&format!(
            "SELECT {ROUND_COLUMNS} FROM conference_round r JOIN class c ON c.id = r.class_id \
             WHERE r.id = $1 AND r.school_id = $2"
        ))
        .bind(id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(round_from_row)
        .transpose()
    }

    /// A class's rounds, the newest first.
    pub async fn rounds_of_class(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
    ) -> Result<Vec<Round>> {
        sqlx::query(&format!(
            "SELECT {ROUND_COLUMNS} FROM conference_round r JOIN class c ON c.id = r.class_id \
             WHERE r.class_id = $1 AND r.school_id = $2 ORDER BY r.created_at DESC, r.id DESC"
        ))
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(round_from_row)
        .collect()
    }

    /// The staff taking part in a round.
    pub async fn round_staff(&self, school_id: SchoolId, round_id: i64) -> Result<Vec<PersonName>> {
        sqlx::query(
            "SELECT p.id, p.given_name, p.family_name FROM conference_round_staff rs \
             JOIN person p ON p.id = rs.person_id WHERE rs.round_id = $1 AND rs.school_id = $2 \
             ORDER BY p.given_name, p.family_name",
        )
        .bind(round_id)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(PersonName {
                id: PersonId(r.try_get("id")?),
                given_name: r.try_get("given_name")?,
                family_name: r.try_get("family_name")?,
            })
        })
        .collect()
    }

    /// Whether a person takes part in a round.
    pub async fn takes_part(&self, round_id: i64, person: PersonId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM conference_round_staff WHERE round_id = $1 AND person_id = $2",
        )
        .bind(round_id)
        .bind(person.0)
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    /// Moves a round's booking deadline (staff reopen or close booking early).
    pub async fn set_round_deadline(
        &self,
        school_id: SchoolId,
        round_id: i64,
        deadline: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE conference_round SET booking_deadline = $1 WHERE id = $2 AND school_id = $3",
        )
        .bind(deadline)
        .bind(round_id)
        .bind(school_id.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A round's slots in time order, with the pupil booked in each.
    pub async fn round_slots(&self, school_id: SchoolId, round_id: i64) -> Result<Vec<SlotRow>> {
        sqlx::query(
            "SELECT s.id, s.round_id, s.starts_at, s.ends_at, b.id AS booking_id, p.id AS pupil_id, \
             b.household, s.offered_to, p.given_name, p.family_name FROM conference_slot s \
             LEFT JOIN conference_booking b ON b.slot_id = s.id \
             LEFT JOIN person p ON p.id = b.pupil_id \
             WHERE s.round_id = $1 AND s.school_id = $2 ORDER BY s.starts_at, s.id",
        )
        .bind(round_id)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            let booking = match r.try_get::<Option<i64>, _>("booking_id")? {
                Some(b) => Some((
                    b,
                    PersonName {
                        id: PersonId(r.try_get::<Option<i64>, _>("pupil_id")?.unwrap_or_default()),
                        given_name: r
                            .try_get::<Option<String>, _>("given_name")?
                            .unwrap_or_default(),
                        family_name: r
                            .try_get::<Option<String>, _>("family_name")?
                            .unwrap_or_default(),
                    },
                )),
                None => None,
            };
            Ok(SlotRow {
                id: r.try_get("id")?,
                round_id: r.try_get("round_id")?,
                starts_at: r.try_get("starts_at")?,
                ends_at: r.try_get("ends_at")?,
                booking,
                household: r.try_get::<Option<i64>, _>("household")?.unwrap_or_default(),
                offered_to: r.try_get::<Option<i64>, _>("offered_to")?.map(PersonId),
            })
        })
        .collect()
    }

    /// One slot, without its booking.
    pub async fn slot(&self, school_id: SchoolId, slot_id: i64) -> Result<Option<SlotRow>> {
        sqlx::query(
            "SELECT id, round_id, starts_at, ends_at, offered_to FROM conference_slot \
             WHERE id = $1 AND school_id = $2",
        )
        .bind(slot_id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .map(|r| {
            Ok(SlotRow {
                id: r.try_get("id")?,
                round_id: r.try_get("round_id")?,
                starts_at: r.try_get("starts_at")?,
                ends_at: r.try_get("ends_at")?,
                booking: None,
                household: 0,
                offered_to: r.try_get::<Option<i64>, _>("offered_to")?.map(PersonId),
            })
        })
        .transpose()
    }

    /// Books a slot for a pupil, or moves the pupil's booking in the round to it, in one
    /// transaction (a moved conference needs its interpreter booked again). A slot that is taken — also by a booking made in the same instant — is a
    /// conflict; the unique keys decide, not a check before the write.
    pub async fn book(&self, new: &NewBooking<'_>) -> Result<Booked> {
        let interpreter = new.needs.interpreter.as_ref();
        let mut tx = self.write.begin().await?;
        let existing: Option<(i64, i64)> = sqlx::query(
            "SELECT id, slot_id FROM conference_booking \
             WHERE round_id = $1 AND pupil_id = $2 AND household = $3 AND school_id = $4",
        )
        .bind(new.round_id)
        .bind(new.pupil_id.0)
        .bind(new.household)
        .bind(new.school_id.0)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| -> Result<(i64, i64)> { Ok((r.try_get("id")?, r.try_get("slot_id")?)) })
        .transpose()?;
        let outcome = match existing {
            Some((id, slot)) => {
                if slot != new.slot_id {
                    let taken: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM conference_booking WHERE slot_id = $1",
                    )
                    .bind(new.slot_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if taken > 0 {
                        return Err(StoreError::Conflict(TAKEN.into()));
                    }
                }
                sqlx::query(
                    "UPDATE conference_booking SET slot_id = $1, booked_by = $2, booked_at = $3, \
                     interpreter_language = $4, interpreter_dialect = $5, interpreter_gender = $6, \
                     without_child = $7, online = $8, pupil_attends = $9, \
                     interpreter_booked_at = NULL, own_interpreter = $12 \
                     WHERE id = $10 AND school_id = $11",
                )
                .bind(new.slot_id)
                .bind(new.booked_by.0)
                .bind(now())
                .bind(interpreter.map(|i| i.language.as_str()))
                .bind(interpreter.and_then(|i| i.dialect.as_deref()))
                .bind(interpreter.and_then(|i| i.preferred_gender.as_deref()))
                .bind(i64::from(new.needs.without_child))
                .bind(i64::from(new.needs.online))
                .bind(i64::from(new.pupil_attends))
                .bind(id)
                .bind(new.school_id.0)
                .bind(i64::from(new.needs.own_interpreter))
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_on_unique(e, TAKEN))?;
                Booked::Moved(id)
            }
            None => {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO conference_booking (school_id, round_id, slot_id, pupil_id, \
                     booked_by, booked_at, interpreter_language, interpreter_dialect, \
                     interpreter_gender, without_child, online, pupil_attends, own_interpreter, \
                     household) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                     ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(new.school_id.0)
                .bind(new.round_id)
                .bind(new.slot_id)
                .bind(new.pupil_id.0)
                .bind(new.booked_by.0)
                .bind(now())
                .bind(interpreter.map(|i| i.language.as_str()))
                .bind(interpreter.and_then(|i| i.dialect.as_deref()))
                .bind(interpreter.and_then(|i| i.preferred_gender.as_deref()))
                .bind(i64::from(new.needs.without_child))
                .bind(i64::from(new.needs.online))
                .bind(i64::from(new.pupil_attends))
                .bind(i64::from(new.needs.own_interpreter))
                .bind(new.household)
                .fetch_optional(&mut *tx)
                .await?;
                match id {
                    Some(id) => Booked::New(id),
                    None => {
                        // Either the slot was taken, or the other guardian (of a family
                        // booking together, or of the same household) booked this pupil in the
                        // same instant.
                        let mine: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM conference_booking \
                             WHERE round_id = $1 AND pupil_id = $2 AND household = $3",
                        )
                        .bind(new.round_id)
                        .bind(new.pupil_id.0)
                        .bind(new.household)
                        .fetch_one(&mut *tx)
                        .await?;
                        return Err(StoreError::Conflict(if mine > 0 {
                            "the pupil was booked in this round a moment ago".into()
                        } else {
                            TAKEN.into()
                        }));
                    }
                }
            }
        };
        enqueue_in(&mut tx, new.notices).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    pub async fn booking(&self, school_id: SchoolId, id: i64) -> Result<Option<Booking>> {
        sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} WHERE b.id = $1 AND b.school_id = $2"
        ))
        .bind(id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(booking_from_row)
        .transpose()
    }

    /// The booking of a slot, if it is taken.
    pub async fn booking_of_slot(
        &self,
        school_id: SchoolId,
        slot_id: i64,
    ) -> Result<Option<Booking>> {
        sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} WHERE b.slot_id = $1 AND b.school_id = $2"
        ))
        .bind(slot_id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(booking_from_row)
        .transpose()
    }

    /// A round's bookings in time order.
    pub async fn round_bookings(&self, school_id: SchoolId, round_id: i64) -> Result<Vec<Booking>> {
        sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} WHERE b.round_id = $1 AND b.school_id = $2 \
             ORDER BY s.starts_at"
        ))
        .bind(round_id)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(booking_from_row)
        .collect()
    }

    /// A pupil's conferences, the latest first.
    pub async fn bookings_of_pupil(
        &self,
        school_id: SchoolId,
        pupil_id: PersonId,
    ) -> Result<Vec<Booking>> {
        sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} WHERE b.pupil_id = $1 AND b.school_id = $2 \
             ORDER BY s.starts_at DESC"
        ))
        .bind(pupil_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(booking_from_row)
        .collect()
    }

    /// Cancels a booking. Refused once the conference has notes or agreements: they are the
    /// record of a conference that took place.
    pub async fn cancel_booking(
        &self,
        school_id: SchoolId,
        id: i64,
        notices: &[Notification],
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let kept: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM conference_note WHERE booking_id = $1) + \
             (SELECT COUNT(*) FROM conference_agreement WHERE booking_id = $2)",
        )
        .bind(id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if kept > 0 {
            return Err(StoreError::Conflict(
                "the conference has notes; it cannot be cancelled".into(),
            ));
        }
        let n = sqlx::query("DELETE FROM conference_booking WHERE id = $1 AND school_id = $2")
            .bind(id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        enqueue_in(&mut tx, notices).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes what is given of a booking's preparation.
    pub async fn set_preparation(
        &self,
        school_id: SchoolId,
        booking_id: i64,
        p: &Preparation,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let texts = [
            ("guardian_topics", &p.guardian_topics),
            ("staff_topics", &p.staff_topics),
            ("purpose", &p.purpose),
        ];
        for (column, value) in texts {
            if let Some(v) = value {
                sqlx::query(&format!(
                    "UPDATE conference_booking SET {column} = $1 WHERE id = $2 AND school_id = $3"
                ))
                .bind(v.as_deref())
                .bind(booking_id)
                .bind(school_id.0)
                .execute(&mut *tx)
                .await?;
            }
        }
        if let Some(t) = &p.talk_type {
            sqlx::query(
                "UPDATE conference_booking SET talk_type = $1 WHERE id = $2 AND school_id = $3",
            )
            .bind(t.map(TalkType::as_str))
            .bind(booking_id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(a) = p.pupil_attends {
            sqlx::query(
                "UPDATE conference_booking SET pupil_attends = $1 WHERE id = $2 AND school_id = $3",
            )
            .bind(i64::from(a))
            .bind(booking_id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(b) = p.interpreter_booked {
            sqlx::query(
                "UPDATE conference_booking SET interpreter_booked_at = $1 \
                 WHERE id = $2 AND school_id = $3",
            )
            .bind(b.then(now))
            .bind(booking_id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The pupils of a class without a booking in a round; in a round booked apart, also those
    /// with a household (one with a guardian of any access but `none`) that has not booked.
    pub async fn unbooked_pupils(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        round_id: i64,
        households_apart: bool,
    ) -> Result<Vec<PersonName>> {
        sqlx::query(
            "SELECT p.id, p.given_name, p.family_name FROM enrolment e \
             JOIN person p ON p.id = e.pupil_id \
             WHERE e.class_id = $1 AND e.school_id = $2 AND (NOT EXISTS \
             (SELECT 1 FROM conference_booking b WHERE b.round_id = $3 AND b.pupil_id = e.pupil_id) \
             OR ($4 = 1 AND EXISTS (SELECT 1 FROM guardianship g \
                 WHERE g.pupil_id = e.pupil_id AND g.access <> 'none' AND NOT EXISTS \
                 (SELECT 1 FROM conference_booking b WHERE b.round_id = $5 \
                  AND b.pupil_id = e.pupil_id AND b.household = g.household)))) \
             ORDER BY p.given_name, p.family_name, p.id",
        )
        .bind(class_id.0)
        .bind(school_id.0)
        .bind(round_id)
        .bind(i64::from(households_apart))
        .bind(round_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(PersonName {
                id: PersonId(r.try_get("id")?),
                given_name: r.try_get("given_name")?,
                family_name: r.try_get("family_name")?,
            })
        })
        .collect()
    }

    /// A pupil's birth date, for the right to take part (CON-3).
    pub async fn birth_date(&self, school_id: SchoolId, pupil: PersonId) -> Result<Option<Date>> {
        let v: Option<Option<String>> =
            sqlx::query_scalar("SELECT birth_date FROM person WHERE id = $1 AND school_id = $2")
                .bind(pupil.0)
                .bind(school_id.0)
                .fetch_optional(self.reader())
                .await?;
        Ok(v.flatten().and_then(|d| d.parse().ok()))
    }

    /// Reads a conference's notes, writing an audit row (who, what, why).
    pub async fn read_notes(
        &self,
        school_id: SchoolId,
        booking_id: i64,
        reader: PersonId,
        why: &str,
    ) -> Result<Option<Notes>> {
        let row = sqlx::query(
            "SELECT n.academic, n.wellbeing, n.social, n.goals_academic, n.goals_social, \
             n.summary, n.internal_note, n.written_at, n.shared_at, n.acknowledged_at, \
             w.id AS w_id, w.given_name AS w_given, w.family_name AS w_family, \
             a.id AS a_id, a.given_name AS a_given, a.family_name AS a_family \
             FROM conference_note n JOIN person w ON w.id = n.written_by \
             LEFT JOIN person a ON a.id = n.acknowledged_by \
             WHERE n.booking_id = $1 AND n.school_id = $2",
        )
        .bind(booking_id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?;
        let Some(r) = row else { return Ok(None) };
        self.audit(
            school_id,
            Some(reader),
            "read",
            "conference_note",
            booking_id,
            Some(why),
        )
        .await?;
        let acknowledged_by = match r.try_get::<Option<i64>, _>("a_id")? {
            Some(id) => Some(PersonName {
                id: PersonId(id),
                given_name: r
                    .try_get::<Option<String>, _>("a_given")?
                    .unwrap_or_default(),
                family_name: r
                    .try_get::<Option<String>, _>("a_family")?
                    .unwrap_or_default(),
            }),
            None => None,
        };
        Ok(Some(Notes {
            academic: r.try_get("academic")?,
            wellbeing: r.try_get("wellbeing")?,
            social: r.try_get("social")?,
            goals_academic: r.try_get("goals_academic")?,
            goals_social: r.try_get("goals_social")?,
            summary: r.try_get("summary")?,
            internal_note: r.try_get("internal_note")?,
            written_by: Some(PersonName {
                id: PersonId(r.try_get("w_id")?),
                given_name: r.try_get("w_given")?,
                family_name: r.try_get("w_family")?,
            }),
            written_at: r.try_get("written_at")?,
            shared_at: r.try_get("shared_at")?,
            acknowledged_by,
            acknowledged_at: r.try_get("acknowledged_at")?,
        }))
    }

    /// Writes a conference's notes (all sections at once), sharing them with the family when
    /// `share` is set (once shared they stay shared). A change to shared notes asks the family
    /// to acknowledge again. Audited.
    pub async fn save_notes(
        &self,
        school_id: SchoolId,
        booking: &Booking,
        notes: &Notes,
        share: bool,
        writer: PersonId,
        notices: &[Notification],
    ) -> Result<()> {
        let at = now();
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO conference_note (booking_id, school_id, pupil_id, academic, wellbeing, \
             social, goals_academic, goals_social, summary, internal_note, written_by, written_at, \
             shared_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (booking_id) DO UPDATE SET academic = excluded.academic, \
             wellbeing = excluded.wellbeing, social = excluded.social, \
             goals_academic = excluded.goals_academic, goals_social = excluded.goals_social, \
             summary = excluded.summary, internal_note = excluded.internal_note, \
             written_by = excluded.written_by, written_at = excluded.written_at, \
             shared_at = COALESCE(conference_note.shared_at, excluded.shared_at), \
             acknowledged_by = NULL, acknowledged_at = NULL",
        )
        .bind(booking.id)
        .bind(school_id.0)
        .bind(booking.pupil.id.0)
        .bind(notes.academic.as_deref())
        .bind(notes.wellbeing.as_deref())
        .bind(notes.social.as_deref())
        .bind(notes.goals_academic.as_deref())
        .bind(notes.goals_social.as_deref())
        .bind(notes.summary.as_deref())
        .bind(notes.internal_note.as_deref())
        .bind(writer.0)
        .bind(at)
        .bind(share.then_some(at))
        .execute(&mut *tx)
        .await?;
        audit_in(
            &mut tx,
            &AuditRow {
                school_id,
                actor_id: Some(writer),
                action: "change",
                record_type: "conference_note",
                record_id: booking.id,
                detail: Some(if share { "notes, shared" } else { "notes" }),
            },
        )
        .await?;
        enqueue_in(&mut tx, notices).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A guardian acknowledges the shared notes. Audited.
    pub async fn acknowledge_notes(
        &self,
        school_id: SchoolId,
        booking_id: i64,
        guardian: PersonId,
    ) -> Result<()> {
        let at = now();
        let n = sqlx::query(
            "UPDATE conference_note SET acknowledged_by = $1, acknowledged_at = $2 \
             WHERE booking_id = $3 AND school_id = $4 AND shared_at IS NOT NULL",
        )
        .bind(guardian.0)
        .bind(at)
        .bind(booking_id)
        .bind(school_id.0)
        .execute(&self.write)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(
                "there is no shared summary to acknowledge yet".into(),
            ));
        }
        self.audit(
            school_id,
            Some(guardian),
            "acknowledge",
            "conference_note",
            booking_id,
            None,
        )
        .await?;
        Ok(())
    }

    /// Adds an agreement to a conference. Audited with the notes.
    pub async fn add_agreement(
        &self,
        school_id: SchoolId,
        booking: &Booking,
        draft: &rules::AgreementDraft,
        by: PersonId,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conference_agreement (school_id, booking_id, pupil_id, class_id, owner, \
             what, due, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(school_id.0)
        .bind(booking.id)
        .bind(booking.pupil.id.0)
        .bind(booking.class_id.0)
        .bind(draft.owner.as_str())
        .bind(draft.what.as_str())
        .bind(draft.due.to_string())
        .bind(by.0)
        .bind(now())
        .fetch_one(&self.write)
        .await?;
        self.audit(
            school_id,
            Some(by),
            "change",
            "conference_note",
            booking.id,
            Some(&format!("agreement {id}")),
        )
        .await?;
        Ok(id)
    }

    pub async fn agreement(&self, school_id: SchoolId, id: i64) -> Result<Option<Agreement>> {
        sqlx::query(&format!(
            "SELECT {AGREEMENT_COLUMNS} FROM {AGREEMENT_FROM} WHERE a.id = $1 AND a.school_id = $2"
        ))
        .bind(id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(agreement_from_row)
        .transpose()
    }

    /// A conference's agreements, done ones too, by due date.
    pub async fn agreements_of_booking(
        &self,
        school_id: SchoolId,
        booking_id: i64,
    ) -> Result<Vec<Agreement>> {
        sqlx::query(&format!(
            "SELECT {AGREEMENT_COLUMNS} FROM {AGREEMENT_FROM} \
             WHERE a.booking_id = $1 AND a.school_id = $2 ORDER BY a.due, a.id"
        ))
        .bind(booking_id)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(agreement_from_row)
        .collect()
    }

    /// A class's open agreements, by due date (CON-7: the class's staff view).
    pub async fn open_agreements_of_class(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
    ) -> Result<Vec<Agreement>> {
        sqlx::query(&format!(
            "SELECT {AGREEMENT_COLUMNS} FROM {AGREEMENT_FROM} \
             WHERE a.class_id = $1 AND a.school_id = $2 AND a.done_at IS NULL \
             ORDER BY a.due, a.id"
        ))
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(agreement_from_row)
        .collect()
    }

    /// The open agreements of some pupils with the given owners, by due date.
    pub async fn open_agreements_of_pupils(
        &self,
        school_id: SchoolId,
        pupils: &[PersonId],
        owners: &[AgreementOwner],
    ) -> Result<Vec<Agreement>> {
        let mut out = Vec::new();
        for pupil in pupils {
            let rows = sqlx::query(&format!(
                "SELECT {AGREEMENT_COLUMNS} FROM {AGREEMENT_FROM} \
                 WHERE a.pupil_id = $1 AND a.school_id = $2 AND a.done_at IS NULL"
            ))
            .bind(pupil.0)
            .bind(school_id.0)
            .fetch_all(self.reader())
            .await?;
            for r in rows {
                let a = agreement_from_row(&r)?;
                if owners.contains(&a.owner) {
                    out.push(a);
                }
            }
        }
        out.sort_by_key(|a| (a.due, a.id));
        Ok(out)
    }

    /// The open agreements with the school as owner in the given classes.
    pub async fn open_school_agreements(
        &self,
        school_id: SchoolId,
        classes: &[ClassId],
    ) -> Result<Vec<Agreement>> {
        let mut out = Vec::new();
        for class in classes {
            out.extend(
                self.open_agreements_of_class(school_id, *class)
                    .await?
                    .into_iter()
                    .filter(|a| a.owner == AgreementOwner::School),
            );
        }
        out.sort_by_key(|a| (a.due, a.id));
        Ok(out)
    }

    pub async fn mark_agreement_done(
        &self,
        school_id: SchoolId,
        id: i64,
        by: PersonId,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE conference_agreement SET done_at = $1, done_by = $2 \
             WHERE id = $3 AND school_id = $4 AND done_at IS NULL",
        )
        .bind(now())
        .bind(by.0)
        .bind(id)
        .bind(school_id.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The pupil's conference before `before` (an instant) that has notes: where the next one
    /// starts from (CON-7).
    pub async fn previous_conference(
        &self,
        school_id: SchoolId,
        pupil_id: PersonId,
        before: i64,
    ) -> Result<Option<Booking>> {
        sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} WHERE b.pupil_id = $1 AND b.school_id = $2 \
             AND s.starts_at < $3 AND EXISTS (SELECT 1 FROM conference_note n WHERE n.booking_id = b.id) \
             ORDER BY s.starts_at DESC LIMIT 1"
        ))
        .bind(pupil_id.0)
        .bind(school_id.0)
        .bind(before)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(booking_from_row)
        .transpose()
    }

    /// The conferences of a class's pupils with their time in `[from, to)` (instants): the
    /// input of coverage (CON-2). A pupil's conferences count wherever they were held, so a
    /// pupil who changed class keeps them. Need-based conferences (CON-8) are extra and do not count.
    pub async fn conferences_of_class(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        from: i64,
        to: i64,
    ) -> Result<Vec<HeldConference>> {
        sqlx::query(
            "SELECT b.pupil_id, n.booking_id AS noted, n.shared_at FROM enrolment e \
             JOIN conference_booking b ON b.pupil_id = e.pupil_id AND b.school_id = e.school_id \
             JOIN conference_round r ON r.id = b.round_id \
             JOIN conference_slot s ON s.id = b.slot_id \
             LEFT JOIN conference_note n ON n.booking_id = b.id \
             WHERE e.class_id = $1 AND e.school_id = $2 AND s.starts_at >= $3 AND s.starts_at < $4 \
             AND r.pupil_id IS NULL",
        )
        .bind(class_id.0)
        .bind(school_id.0)
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(HeldConference {
                pupil_id: PersonId(r.try_get("pupil_id")?),
                notes_written: r.try_get::<Option<i64>, _>("noted")?.is_some(),
                notes_shared: r.try_get::<Option<i64>, _>("shared_at")?.is_some(),
            })
        })
        .collect()
    }

    /// The rounds of the classes of some pupils, for families' overviews: class → rounds.
    pub async fn rounds_of_classes(
        &self,
        school_id: SchoolId,
        classes: &[ClassId],
    ) -> Result<HashMap<ClassId, Vec<Round>>> {
        let mut out = HashMap::new();
        for class in classes {
            if out.contains_key(class) {
                continue;
            }
            out.insert(*class, self.rounds_of_class(school_id, *class).await?);
        }
        Ok(out)
    }
}
