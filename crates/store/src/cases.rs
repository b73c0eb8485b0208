//! Cases (ABS-3, ABS-4, WEL-1): worrying-absence cases with their coordinator, contact plan and
//! logged contacts; guardians' concerns with their answers and written plans; crisis cases with
//! their checklists; escalations, internal notes, closing.
//!
//! Cases are sensitive (DESIGN.md, Data model): every function that reads a case's content or
//! changes it writes an `audit` row, a change in the same transaction as the change itself. What
//! an actor may see is decided by `skolebro_domain::access` in the web layer, from the
//! [`CaseFacts`] loaded here without content.

use std::collections::HashMap;

use jiff::civil::Date;
use skolebro_domain::cases::{
    CaseKind, Channel, CloseReason, ConcernTopic, ContactMade, CrisisType, DutyPlan,
    EscalationTarget, PlanTerms, Whom,
};
use skolebro_domain::{ClassId, PersonId, SchoolId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{audit_in, AuditRow};
use crate::people::PersonName;
use crate::{now, parse, Result, Store, StoreError};

/// The audit log's name for a case.
pub const AUDIT_RECORD: &str = "case";

/// What the access policy needs to know about a case, for one person, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub id: i64,
    pub school_id: SchoolId,
    pub pupil_id: PersonId,
    pub kind: CaseKind,
    /// The school-local day the case was opened (a concern: raised).
    pub opened_on: Date,
    /// The pupil's classes.
    pub classes: Vec<ClassId>,
    /// Whether the person is named by the case: coordinator, opener, or contact person.
    pub member: bool,
    /// For a concern: the guardian who raised it.
    pub raised_by: Option<PersonId>,
    pub closed: bool,
}

/// A person's name and when they did something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub by: PersonName,
    pub at: i64,
}

/// The written plan of a concern (ABS-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenPlan {
    pub plan: DutyPlan,
    /// The day the plan was first written: the day the duty was met.
    pub first_on: Date,
    /// Who wrote or last revised it, and when.
    pub signed: Signed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub reason: CloseReason,
    pub note: Option<String>,
    pub on: Date,
    pub signed: Signed,
}

/// One agreement of a contact plan (ABS-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    pub id: i64,
    pub contact_by: PersonName,
    pub whom: Whom,
    pub every_days: u32,
    pub channel: Channel,
    pub starts_on: Date,
}

impl PlanEntry {
    pub fn terms(&self) -> PlanTerms {
        PlanTerms {
            id: self.id,
            whom: self.whom,
            every_days: self.every_days,
            starts_on: self.starts_on,
        }
    }
}

/// A contact made and logged (ABS-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseContact {
    pub id: i64,
    pub plan_entry_id: Option<i64>,
    pub happened_on: Date,
    pub channel: Channel,
    pub whom: Whom,
    pub note: String,
    pub author: PersonName,
}

impl CaseContact {
    pub fn made(&self) -> ContactMade {
        ContactMade {
            plan_entry: self.plan_entry_id,
            whom: self.whom,
            on: self.happened_on,
        }
    }
}

/// A note or an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub author: PersonName,
    pub body: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub id: i64,
    pub target: EscalationTarget,
    pub note: String,
    pub signed: Signed,
}

/// An item of a crisis case's checklist (WEL-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckItem {
    /// 1-based, stable for the case.
    pub position: i64,
    pub text: String,
    pub done: Option<Signed>,
}

/// A whole case, as its people read it. The web layer leaves out what a reader may not see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFile {
    pub id: i64,
    pub school_id: SchoolId,
    pub kind: CaseKind,
    pub pupil: PersonName,
    pub crisis_type: Option<CrisisType>,
    pub opened: Signed,
    pub opened_on: Date,
    pub coordinator: Option<PersonName>,
    pub summary: String,
    pub agreement: Option<(String, Signed)>,
    pub topic: Option<ConcernTopic>,
    pub concern_text: Option<String>,
    pub answered_at: Option<i64>,
    pub duty_due: Option<Date>,
    pub plan: Option<WrittenPlan>,
    pub closed: Option<Closure>,
    pub plan_entries: Vec<PlanEntry>,
    pub contacts: Vec<CaseContact>,
    pub notes: Vec<Entry>,
    pub answers: Vec<Entry>,
    pub escalations: Vec<Escalation>,
    pub checks: Vec<CheckItem>,
}

/// One line of a list of cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: i64,
    pub kind: CaseKind,
    pub pupil: PersonName,
    pub topic: Option<ConcernTopic>,
    pub crisis_type: Option<CrisisType>,
    pub coordinator: Option<PersonName>,
    pub opened_on: Date,
    pub answered: bool,
    pub duty_due: Option<Date>,
    pub plan_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub raised_by: Option<PersonId>,
    /// Whether the person the list was made for is named by the case.
    pub member: bool,
    pub classes: Vec<ClassId>,
}

/// Which cases a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseFilter {
    /// Every open case of the school (leaders).
    OpenAll,
    /// Open cases that name the viewer or whose pupil they are contact teacher of (staff).
    OpenForViewer,
    /// The concerns the viewer raised, open or closed (guardians).
    RaisedByViewer,
    /// Every case about one pupil, open or closed.
    Pupil(PersonId),
}

/// A check-in of a contact plan, for the coordinator's and contact person's lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanCheckIn {
    pub case_id: i64,
    pub pupil: PersonName,
    pub entry: PlanEntry,
    /// The contacts logged in the case, for [`skolebro_domain::cases::next_due`].
    pub contacts: Vec<ContactMade>,
}

#[derive(Debug, Clone)]
pub struct NewConcern<'a> {
    pub school_id: SchoolId,
    pub pupil_id: PersonId,
    pub guardian: PersonId,
    pub topic: ConcernTopic,
    pub text: &'a str,
    pub raised_on: Date,
    /// The last day for the written plan, when the topic starts the duty.
    pub duty_due: Option<Date>,
    /// Who owns it for the school: the pupil's contact teacher, when there is one.
    pub owner: Option<PersonId>,
}

#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub school_id: SchoolId,
    pub pupil_id: PersonId,
    pub opened_by: PersonId,
    pub kind: CaseKind,
    pub crisis_type: Option<CrisisType>,
    pub coordinator: PersonId,
    pub summary: &'a str,
    pub opened_on: Date,
    /// For a crisis case: its checklist, copied from the school's list.
    pub checklist: &'a [String],
}

#[derive(Debug, Clone)]
pub struct NewPlanEntry {
    pub contact_by: PersonId,
    pub whom: Whom,
    pub every_days: u32,
    pub channel: Channel,
    pub starts_on: Date,
}

#[derive(Debug, Clone)]
pub struct NewContact<'a> {
    pub plan_entry_id: Option<i64>,
    pub happened_on: Date,
    pub channel: Channel,
    pub whom: Whom,
    pub note: &'a str,
}

fn parse_opt<T: std::str::FromStr>(value: Option<String>) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    value.map(parse).transpose()
}

/// A person from columns `{p}_id`, `{p}_given`, `{p}_family`.
fn person(row: &AnyRow, p: &str) -> Result<PersonName> {
    Ok(PersonName {
        id: PersonId(row.try_get(format!("{p}_id").as_str())?),
        given_name: row.try_get(format!("{p}_given").as_str())?,
        family_name: row.try_get(format!("{p}_family").as_str())?,
    })
}

/// Like [`person`], from a LEFT JOIN: `None` when the id is NULL.
fn opt_person(row: &AnyRow, p: &str) -> Result<Option<PersonName>> {
    match row.try_get::<Option<i64>, _>(format!("{p}_id").as_str())? {
        None => Ok(None),
        Some(id) => Ok(Some(PersonName {
            id: PersonId(id),
            given_name: row.try_get(format!("{p}_given").as_str())?,
            family_name: row.try_get(format!("{p}_family").as_str())?,
        })),
    }
}

/// Columns and joins naming a person `alias` as `{alias}_id`, `{alias}_given`, `{alias}_family`.
fn person_columns(alias: &str) -> String {
    format!("{alias}.id AS {alias}_id, {alias}.given_name AS {alias}_given, {alias}.family_name AS {alias}_family")
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Ids are loaded in chunks so that no statement outgrows the engines' parameter limits.
const CHUNK: usize = 500;
/// A list of cases holds at most this many; a school with more open cases has other problems.
const LIST_LIMIT: i64 = 500;

/// Writes an audit row about a case inside a transaction.
async fn audit_case(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    actor: PersonId,
    action: &str,
    case_id: i64,
    detail: &str,
) -> Result<()> {
    audit_in(
        conn,
        &AuditRow {
            school_id,
            actor_id: Some(actor),
            action,
            record_type: AUDIT_RECORD,
            record_id: case_id,
            detail: Some(detail),
        },
    )
    .await
}

fn summary_columns() -> String {
    format!(
        "c.id AS case_id, c.kind, c.topic, c.crisis_type, c.opened_on, c.answered_at, c.duty_due, \
         c.plan_on, c.closed_on, c.opened_by, {}, {}",
        person_columns("pu"),
        person_columns("co")
    )
}

const SUMMARY_JOINS: &str = "FROM pupil_case c JOIN person pu ON pu.id = c.pupil_id \
     LEFT JOIN person co ON co.id = c.coordinator_id";

/// Whether `$2` is named by the case `c`: as a CAST so both engines return an integer.
const MEMBER_SQL: &str = "CAST(CASE WHEN c.coordinator_id = $2 OR c.opened_by = $2 OR EXISTS \
     (SELECT 1 FROM case_plan_entry e WHERE e.case_id = c.id AND e.contact_by = $2) \
     THEN 1 ELSE 0 END AS BIGINT) AS member";

impl Store {
    /// The facts that decide what `person` may do with a case; `None` when the school has no
    /// such case.
    pub async fn case_facts(
        &self,
        school_id: SchoolId,
        case_id: i64,
        person: PersonId,
    ) -> Result<Option<CaseFacts>> {
        let Some(row) = sqlx::query(&format!(
            "SELECT c.id, c.pupil_id, c.kind, c.opened_by, c.opened_on, c.closed_at, {MEMBER_SQL} \
             FROM pupil_case c WHERE c.id = $1 AND c.school_id = $3"
        ))
        .bind(case_id)
        .bind(person.0)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        else {
            return Ok(None);
        };
        let pupil_id = PersonId(row.try_get("pupil_id")?);
        let kind: CaseKind = parse(row.try_get("kind")?)?;
        let classes = self.classes_of(school_id, &[pupil_id]).await?;
        Ok(Some(CaseFacts {
            id: row.try_get("id")?,
            school_id,
            pupil_id,
            kind,
            opened_on: parse(row.try_get("opened_on")?)?,
            classes: classes.get(&pupil_id).cloned().unwrap_or_default(),
            member: row.try_get::<i64, _>("member")? != 0,
            raised_by: (kind == CaseKind::Concern)
                .then(|| row.try_get("opened_by").map(PersonId))
                .transpose()?,
            closed: row.try_get::<Option<i64>, _>("closed_at")?.is_some(),
        }))
    }

    /// The classes of each pupil.
    async fn classes_of(
        &self,
        school_id: SchoolId,
        pupils: &[PersonId],
    ) -> Result<HashMap<PersonId, Vec<ClassId>>> {
        let mut out: HashMap<PersonId, Vec<ClassId>> = HashMap::new();
        for chunk in pupils.chunks(CHUNK) {
            let sql = format!(
                "SELECT pupil_id, class_id FROM enrolment WHERE school_id = $1 AND pupil_id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(school_id.0);
            for p in chunk {
                q = q.bind(p.0);
            }
            for r in q.fetch_all(self.reader()).await? {
                out.entry(PersonId(r.try_get("pupil_id")?))
                    .or_default()
                    .push(ClassId(r.try_get("class_id")?));
            }
        }
        Ok(out)
    }

    /// Reads a whole case, and records in the audit log that `reader` read it.
    pub async fn read_case(
        &self,
        school_id: SchoolId,
        case_id: i64,
        reader: PersonId,
    ) -> Result<CaseFile> {
        let row = sqlx::query(&format!(
            "SELECT c.*, {}, {}, {}, {}, {}, {} FROM pupil_case c \
             JOIN person pu ON pu.id = c.pupil_id \
             JOIN person ob ON ob.id = c.opened_by \
             LEFT JOIN person co ON co.id = c.coordinator_id \
             LEFT JOIN person ab ON ab.id = c.agreement_by \
             LEFT JOIN person pb ON pb.id = c.plan_by \
             LEFT JOIN person cb ON cb.id = c.closed_by \
             WHERE c.id = $1 AND c.school_id = $2",
            person_columns("pu"),
            person_columns("ob"),
            person_columns("co"),
            person_columns("ab"),
            person_columns("pb"),
            person_columns("cb"),
        ))
        .bind(case_id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
        let agreement = match (
            row.try_get::<Option<String>, _>("classmates_agreement")?,
            opt_person(&row, "ab")?,
        ) {
            (Some(text), Some(by)) => Some((
                text,
                Signed {
                    by,
                    at: row.try_get::<Option<i64>, _>("agreement_at")?.unwrap_or(0),
                },
            )),
            _ => None,
        };
        let plan = match (
            parse_opt::<Date>(row.try_get("plan_on")?)?,
            opt_person(&row, "pb")?,
        ) {
            (Some(first_on), Some(by)) => {
                let text = |c: &str| -> Result<String> {
                    Ok(row.try_get::<Option<String>, _>(c)?.unwrap_or_default())
                };
                Some(WrittenPlan {
                    plan: DutyPlan {
                        problem: text("plan_problem")?,
                        measures: text("plan_measures")?,
                        when: text("plan_when")?,
                        who: text("plan_who")?,
                        evaluation: text("plan_evaluation")?,
                        interim: text("plan_interim")?,
                    },
                    first_on,
                    signed: Signed {
                        by,
                        at: row.try_get::<Option<i64>, _>("plan_at")?.unwrap_or(0),
                    },
                })
            }
            _ => None,
        };
        let closed = match (
            parse_opt::<CloseReason>(row.try_get("close_reason")?)?,
            parse_opt::<Date>(row.try_get("closed_on")?)?,
            opt_person(&row, "cb")?,
        ) {
            (Some(reason), Some(on), Some(by)) => Some(Closure {
                reason,
                note: row.try_get("close_note")?,
                on,
                signed: Signed {
                    by,
                    at: row.try_get::<Option<i64>, _>("closed_at")?.unwrap_or(0),
                },
            }),
            _ => None,
        };
        let mut file = CaseFile {
            id: case_id,
            school_id,
            kind: parse(row.try_get("kind")?)?,
            pupil: person(&row, "pu")?,
            crisis_type: parse_opt(row.try_get("crisis_type")?)?,
            opened: Signed {
                by: person(&row, "ob")?,
                at: row.try_get("opened_at")?,
            },
            opened_on: parse(row.try_get("opened_on")?)?,
            coordinator: opt_person(&row, "co")?,
            summary: row.try_get("summary")?,
            agreement,
            topic: parse_opt(row.try_get("topic")?)?,
            concern_text: row.try_get("concern_text")?,
            answered_at: row.try_get("answered_at")?,
            duty_due: parse_opt(row.try_get("duty_due")?)?,
            plan,
            closed,
            plan_entries: Vec::new(),
            contacts: Vec::new(),
            notes: Vec::new(),
            answers: Vec::new(),
            escalations: Vec::new(),
            checks: Vec::new(),
        };
        file.plan_entries = self.plan_entries(&[case_id]).await?;
        file.contacts = sqlx::query(&format!(
            "SELECT x.id, x.plan_entry_id, x.happened_on, x.channel, x.whom, x.note, {} \
             FROM case_contact x JOIN person au ON au.id = x.author_id \
             WHERE x.case_id = $1 ORDER BY x.happened_on DESC, x.id DESC",
            person_columns("au")
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(CaseContact {
                id: r.try_get("id")?,
                plan_entry_id: r.try_get("plan_entry_id")?,
                happened_on: parse(r.try_get("happened_on")?)?,
                channel: parse(r.try_get("channel")?)?,
                whom: parse(r.try_get("whom")?)?,
                note: r.try_get("note")?,
                author: person(r, "au")?,
            })
        })
        .collect::<Result<_>>()?;
        file.notes = self.entries("case_note", case_id).await?;
        file.answers = self.entries("case_answer", case_id).await?;
        file.escalations = sqlx::query(&format!(
            "SELECT x.id, x.target, x.note, x.created_at, {} FROM case_escalation x \
             JOIN person au ON au.id = x.author_id WHERE x.case_id = $1 ORDER BY x.id",
            person_columns("au")
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(Escalation {
                id: r.try_get("id")?,
                target: parse(r.try_get("target")?)?,
                note: r.try_get("note")?,
                signed: Signed {
                    by: person(r, "au")?,
                    at: r.try_get("created_at")?,
                },
            })
        })
        .collect::<Result<_>>()?;
        file.checks = sqlx::query(&format!(
            "SELECT x.position, x.text, x.done_at, {} FROM case_check x \
             LEFT JOIN person db ON db.id = x.done_by WHERE x.case_id = $1 ORDER BY x.position",
            person_columns("db")
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            let done = match (
                r.try_get::<Option<i64>, _>("done_at")?,
                opt_person(r, "db")?,
            ) {
                (Some(at), Some(by)) => Some(Signed { by, at }),
                _ => None,
            };
            Ok(CheckItem {
                position: r.try_get("position")?,
                text: r.try_get("text")?,
                done,
            })
        })
        .collect::<Result<_>>()?;
        self.audit(school_id, Some(reader), "read", AUDIT_RECORD, case_id, None)
            .await?;
        Ok(file)
    }

    async fn plan_entries(&self, case_ids: &[i64]) -> Result<Vec<PlanEntry>> {
        let mut out = Vec::new();
        for chunk in case_ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT e.id, e.whom, e.every_days, e.channel, e.starts_on, {} \
                 FROM case_plan_entry e JOIN person cb ON cb.id = e.contact_by \
                 WHERE e.case_id IN ({}) ORDER BY e.id",
                person_columns("cb"),
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.reader()).await? {
                out.push(plan_entry_from_row(&r)?);
            }
        }
        Ok(out)
    }

    async fn entries(&self, table: &'static str, case_id: i64) -> Result<Vec<Entry>> {
        sqlx::query(&format!(
            "SELECT x.id, x.body, x.created_at, {} FROM {table} x \
             JOIN person au ON au.id = x.author_id WHERE x.case_id = $1 ORDER BY x.id",
            person_columns("au")
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(Entry {
                id: r.try_get("id")?,
                author: person(r, "au")?,
                body: r.try_get("body")?,
                at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// Registers a guardian's concern (ABS-4): always, in one transaction with its audit row.
    pub async fn create_concern(&self, new: &NewConcern<'_>) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pupil_case (school_id, pupil_id, kind, opened_by, opened_at, opened_on, \
             coordinator_id, topic, concern_text, duty_due) \
             VALUES ($1, $2, 'concern', $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.school_id.0)
        .bind(new.pupil_id.0)
        .bind(new.guardian.0)
        .bind(now())
        .bind(new.raised_on.to_string())
        .bind(new.owner.map(|o| o.0))
        .bind(new.topic.as_str())
        .bind(new.text)
        .bind(new.duty_due.map(|d| d.to_string()))
        .fetch_one(&mut *tx)
        .await?;
        audit_case(
            &mut tx,
            new.school_id,
            new.guardian,
            "create",
            id,
            &format!("concern ({}) about pupil {}", new.topic, new.pupil_id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Opens a worrying-absence or crisis case with its coordinator and, for a crisis, its
    /// checklist.
    pub async fn open_case(&self, new: &NewCase<'_>) -> Result<i64> {
        let at = now();
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pupil_case (school_id, pupil_id, kind, crisis_type, opened_by, opened_at, \
             opened_on, coordinator_id, summary) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.school_id.0)
        .bind(new.pupil_id.0)
        .bind(new.kind.as_str())
        .bind(new.crisis_type.map(|t| t.as_str()))
        .bind(new.opened_by.0)
        .bind(at)
        .bind(new.opened_on.to_string())
        .bind(new.coordinator.0)
        .bind(new.summary)
        .fetch_one(&mut *tx)
        .await?;
        for (i, text) in new.checklist.iter().enumerate() {
            sqlx::query(
                "INSERT INTO case_check (school_id, case_id, position, text) VALUES ($1, $2, $3, $4)",
            )
            .bind(new.school_id.0)
            .bind(id)
            .bind(i as i64 + 1)
            .bind(text.as_str())
            .execute(&mut *tx)
            .await?;
        }
        audit_case(
            &mut tx,
            new.school_id,
            new.opened_by,
            "create",
            id,
            &format!(
                "{} case about pupil {}, coordinator {}",
                new.kind, new.pupil_id, new.coordinator
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Answers a concern; the first answer marks it answered.
    pub async fn answer_concern(
        &self,
        school_id: SchoolId,
        case_id: i64,
        author: PersonId,
        body: &str,
    ) -> Result<i64> {
        let at = now();
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_answer (school_id, case_id, author_id, body, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school_id.0)
        .bind(case_id)
        .bind(author.0)
        .bind(body)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE pupil_case SET answered_at = $1 \
             WHERE id = $2 AND school_id = $3 AND answered_at IS NULL",
        )
        .bind(at)
        .bind(case_id)
        .bind(school_id.0)
        .execute(&mut *tx)
        .await?;
        audit_case(&mut tx, school_id, author, "change", case_id, "answered").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes or revises the written plan of a concern. The day it was first written stays.
    pub async fn write_duty_plan(
        &self,
        school_id: SchoolId,
        case_id: i64,
        author: PersonId,
        plan: &DutyPlan,
        today: Date,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE pupil_case SET plan_problem = $1, plan_measures = $2, plan_when = $3, \
             plan_who = $4, plan_evaluation = $5, plan_interim = $6, plan_by = $7, plan_at = $8, \
             plan_on = COALESCE(plan_on, $9) WHERE id = $10 AND school_id = $11",
        )
        .bind(plan.problem.as_str())
        .bind(plan.measures.as_str())
        .bind(plan.when.as_str())
        .bind(plan.who.as_str())
        .bind(plan.evaluation.as_str())
        .bind(plan.interim.as_str())
        .bind(author.0)
        .bind(now())
        .bind(today.to_string())
        .bind(case_id)
        .bind(school_id.0)
        .execute(&mut *tx)
        .await?;
        audit_case(
            &mut tx,
            school_id,
            author,
            "change",
            case_id,
            "written plan",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appoints the coordinator (ABS-3) or, for a concern, its owner.
    pub async fn set_coordinator(
        &self,
        school_id: SchoolId,
        case_id: i64,
        actor: PersonId,
        coordinator: PersonId,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE pupil_case SET coordinator_id = $1 WHERE id = $2 AND school_id = $3")
            .bind(coordinator.0)
            .bind(case_id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        audit_case(
            &mut tx,
            school_id,
            actor,
            "change",
            case_id,
            &format!("coordinator {coordinator}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds an agreement to the contact plan.
    pub async fn add_plan_entry(
        &self,
        school_id: SchoolId,
        case_id: i64,
        actor: PersonId,
        entry: &NewPlanEntry,
    ) -> Result<i64> {
        let at = now();
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_plan_entry (school_id, case_id, contact_by, whom, every_days, \
             channel, starts_on, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(school_id.0)
        .bind(case_id)
        .bind(entry.contact_by.0)
        .bind(entry.whom.as_str())
        .bind(i64::from(entry.every_days))
        .bind(entry.channel.as_str())
        .bind(entry.starts_on.to_string())
        .bind(actor.0)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        audit_case(
            &mut tx,
            school_id,
            actor,
            "change",
            case_id,
            &format!("contact plan entry {id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Logs a contact made. A named agreement must be one of the case's.
    pub async fn log_case_contact(
        &self,
        school_id: SchoolId,
        case_id: i64,
        author: PersonId,
        contact: &NewContact<'_>,
    ) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        if let Some(entry) = contact.plan_entry_id {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM case_plan_entry WHERE id = $1 AND case_id = $2 AND school_id = $3",
            )
            .bind(entry)
            .bind(case_id)
            .bind(school_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Err(StoreError::Invalid(
                    "plan_entry_id: not an agreement of this case".into(),
                ));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_contact (school_id, case_id, plan_entry_id, happened_on, channel, \
             whom, note, author_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(school_id.0)
        .bind(case_id)
        .bind(contact.plan_entry_id)
        .bind(contact.happened_on.to_string())
        .bind(contact.channel.as_str())
        .bind(contact.whom.as_str())
        .bind(contact.note)
        .bind(author.0)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit_case(
            &mut tx,
            school_id,
            author,
            "change",
            case_id,
            &format!("contact {id} logged"),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records what the family agrees classmates may be told (ABS-3).
    pub async fn set_classmates_agreement(
        &self,
        school_id: SchoolId,
        case_id: i64,
        actor: PersonId,
        text: &str,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE pupil_case SET classmates_agreement = $1, agreement_by = $2, agreement_at = $3 \
             WHERE id = $4 AND school_id = $5",
        )
        .bind(text)
        .bind(actor.0)
        .bind(now())
        .bind(case_id)
        .bind(school_id.0)
        .execute(&mut *tx)
        .await?;
        audit_case(
            &mut tx,
            school_id,
            actor,
            "change",
            case_id,
            "classmates agreement",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds an internal note.
    pub async fn add_case_note(
        &self,
        school_id: SchoolId,
        case_id: i64,
        author: PersonId,
        body: &str,
    ) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_note (school_id, case_id, author_id, body, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school_id.0)
        .bind(case_id)
        .bind(author.0)
        .bind(body)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit_case(&mut tx, school_id, author, "change", case_id, "note").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Ticks (or unticks) an item of a crisis case's checklist. Ticking a ticked item keeps who
    /// ticked it first. `NotFound` when the case has no such item.
    pub async fn tick_check(
        &self,
        school_id: SchoolId,
        case_id: i64,
        actor: PersonId,
        position: i64,
        done: bool,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let current: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT done_at FROM case_check WHERE case_id = $1 AND position = $2 AND school_id = $3",
        )
        .bind(case_id)
        .bind(position)
        .bind(school_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(current) = current else {
            return Err(StoreError::NotFound);
        };
        if current.is_some() != done {
            let (at, by) = if done {
                (Some(now()), Some(actor.0))
            } else {
                (None, None)
            };
            sqlx::query(
                "UPDATE case_check SET done_at = $1, done_by = $2 \
                 WHERE case_id = $3 AND position = $4 AND school_id = $5",
            )
            .bind(at)
            .bind(by)
            .bind(case_id)
            .bind(position)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
            let what = if done { "ticked" } else { "unticked" };
            audit_case(
                &mut tx,
                school_id,
                actor,
                "change",
                case_id,
                &format!("checklist item {position} {what}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records an escalation to the leadership or the support service (WEL-1).
    pub async fn escalate_case(
        &self,
        school_id: SchoolId,
        case_id: i64,
        actor: PersonId,
        target: EscalationTarget,
        note: &str,
    ) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_escalation (school_id, case_id, target, note, author_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(school_id.0)
        .bind(case_id)
        .bind(target.as_str())
        .bind(note)
        .bind(actor.0)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit_case(
            &mut tx,
            school_id,
            actor,
            "change",
            case_id,
            &format!("escalated to {target}"),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Closes a case. `false` when it was closed already (the first closing stays).
    pub async fn close_case(
        &self,
        school_id: SchoolId,
        case_id: i64,
        actor: PersonId,
        reason: CloseReason,
        note: Option<&str>,
        today: Date,
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            "UPDATE pupil_case SET closed_at = $1, closed_on = $2, closed_by = $3, \
             close_reason = $4, close_note = $5 \
             WHERE id = $6 AND school_id = $7 AND closed_at IS NULL",
        )
        .bind(now())
        .bind(today.to_string())
        .bind(actor.0)
        .bind(reason.as_str())
        .bind(note)
        .bind(case_id)
        .bind(school_id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if done {
            audit_case(
                &mut tx,
                school_id,
                actor,
                "change",
                case_id,
                &format!("closed: {reason}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Whether a person works at the school (staff or leader): who may coordinate or contact.
    pub async fn is_school_staff(&self, school_id: SchoolId, person: PersonId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM membership WHERE school_id = $1 AND person_id = $2 \
             AND role IN ('staff', 'leader')",
        )
        .bind(school_id.0)
        .bind(person.0)
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    /// The school's staff and leaders, by name: the coordinator and contact-person picker.
    pub async fn school_staff(&self, school_id: SchoolId) -> Result<Vec<PersonName>> {
        sqlx::query(&format!(
            "SELECT DISTINCT {} FROM membership m JOIN person sp ON sp.id = m.person_id \
             WHERE m.school_id = $1 AND m.role IN ('staff', 'leader') \
             ORDER BY sp_family, sp_given, sp_id",
            person_columns("sp")
        ))
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| person(r, "sp"))
        .collect()
    }

    /// The pupil's first contact teacher: who owns a new concern.
    pub async fn first_contact_teacher(
        &self,
        school_id: SchoolId,
        pupil: PersonId,
    ) -> Result<Option<PersonId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(cs.person_id) FROM enrolment e \
             JOIN class_staff cs ON cs.class_id = e.class_id AND cs.contact_teacher = 1 \
             JOIN membership m ON m.person_id = cs.person_id AND m.role = 'staff' \
             WHERE e.pupil_id = $1 AND e.school_id = $2",
        )
        .bind(pupil.0)
        .bind(school_id.0)
        .fetch_one(self.reader())
        .await?;
        Ok(id.map(PersonId))
    }

    /// A list of cases, newest first. The web layer asks the access policy about each line.
    pub async fn case_list(
        &self,
        school_id: SchoolId,
        viewer: PersonId,
        filter: CaseFilter,
    ) -> Result<Vec<CaseSummary>> {
        let condition = match filter {
            CaseFilter::OpenAll => "c.closed_at IS NULL",
            CaseFilter::OpenForViewer => {
                "c.closed_at IS NULL AND (c.coordinator_id = $2 OR c.opened_by = $2 \
                 OR EXISTS (SELECT 1 FROM case_plan_entry e WHERE e.case_id = c.id AND e.contact_by = $2) \
                 OR EXISTS (SELECT 1 FROM enrolment en JOIN class_staff cs ON cs.class_id = en.class_id \
                 WHERE en.pupil_id = c.pupil_id AND cs.person_id = $2 AND cs.contact_teacher = 1))"
            }
            CaseFilter::RaisedByViewer => "c.kind = 'concern' AND c.opened_by = $2",
            CaseFilter::Pupil(_) => "c.pupil_id = $4",
        };
        let sql = format!(
            "SELECT {}, {MEMBER_SQL} {SUMMARY_JOINS} WHERE c.school_id = $1 AND {condition} \
             ORDER BY c.opened_at DESC, c.id DESC LIMIT $3",
            summary_columns()
        );
        let mut q = sqlx::query(&sql)
            .bind(school_id.0)
            .bind(viewer.0)
            .bind(LIST_LIMIT);
        if let CaseFilter::Pupil(p) = filter {
            q = q.bind(p.0);
        }
        let rows = q.fetch_all(self.reader()).await?;
        let mut list = rows
            .iter()
            .map(|r| {
                let kind: CaseKind = parse(r.try_get("kind")?)?;
                Ok(CaseSummary {
                    id: r.try_get("case_id")?,
                    kind,
                    pupil: person(r, "pu")?,
                    topic: parse_opt(r.try_get("topic")?)?,
                    crisis_type: parse_opt(r.try_get("crisis_type")?)?,
                    coordinator: opt_person(r, "co")?,
                    opened_on: parse(r.try_get("opened_on")?)?,
                    answered: r.try_get::<Option<i64>, _>("answered_at")?.is_some(),
                    duty_due: parse_opt(r.try_get("duty_due")?)?,
                    plan_on: parse_opt(r.try_get("plan_on")?)?,
                    closed_on: parse_opt(r.try_get("closed_on")?)?,
                    raised_by: (kind == CaseKind::Concern)
                        .then(|| r.try_get("opened_by").map(PersonId))
                        .transpose()?,
                    member: r.try_get::<i64, _>("member")? != 0,
                    classes: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut pupils: Vec<PersonId> = list.iter().map(|c| c.pupil.id).collect();
        pupils.sort();
        pupils.dedup();
        let classes = self.classes_of(school_id, &pupils).await?;
        for c in &mut list {
            c.classes = classes.get(&c.pupil.id).cloned().unwrap_or_default();
        }
        Ok(list)
    }

    /// The contact-plan agreements of open cases that `who` coordinates or contacts for,
    /// with the contacts logged in those cases.
    pub async fn check_ins_for(
        &self,
        school_id: SchoolId,
        who: PersonId,
    ) -> Result<Vec<PlanCheckIn>> {
        let rows = sqlx::query(&format!(
            "SELECT e.id, e.case_id, e.whom, e.every_days, e.channel, e.starts_on, {}, {} \
             FROM case_plan_entry e JOIN pupil_case c ON c.id = e.case_id \
             JOIN person cb ON cb.id = e.contact_by JOIN person pu ON pu.id = c.pupil_id \
             WHERE c.school_id = $1 AND c.closed_at IS NULL \
             AND (c.coordinator_id = $2 OR e.contact_by = $2) ORDER BY e.id LIMIT $3",
            person_columns("cb"),
            person_columns("pu")
        ))
        .bind(school_id.0)
        .bind(who.0)
        .bind(LIST_LIMIT)
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(PlanCheckIn {
                case_id: r.try_get("case_id")?,
                pupil: person(r, "pu")?,
                entry: plan_entry_from_row(r)?,
                contacts: Vec::new(),
            });
        }
        let mut case_ids: Vec<i64> = out.iter().map(|c| c.case_id).collect();
        case_ids.sort();
        case_ids.dedup();
        let mut contacts: HashMap<i64, Vec<ContactMade>> = HashMap::new();
        for chunk in case_ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT case_id, plan_entry_id, whom, happened_on FROM case_contact \
                 WHERE case_id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.reader()).await? {
                contacts
                    .entry(r.try_get("case_id")?)
                    .or_default()
                    .push(ContactMade {
                        plan_entry: r.try_get("plan_entry_id")?,
                        whom: parse(r.try_get("whom")?)?,
                        on: parse(r.try_get("happened_on")?)?,
                    });
            }
        }
        for c in &mut out {
            c.contacts = contacts.get(&c.case_id).cloned().unwrap_or_default();
        }
        Ok(out)
    }

    /// Concerns whose duty to act is open: no written plan yet, not closed (ABS-4). Soonest
    /// deadline first.
    pub async fn open_duties(
        &self,
        school_id: SchoolId,
        viewer: PersonId,
    ) -> Result<Vec<CaseSummary>> {
        let sql = format!(
            "SELECT {}, {MEMBER_SQL} {SUMMARY_JOINS} WHERE c.school_id = $1 \
             AND c.kind = 'concern' AND c.duty_due IS NOT NULL AND c.plan_on IS NULL \
             AND c.closed_at IS NULL ORDER BY c.duty_due, c.id LIMIT $3",
            summary_columns()
        );
        let rows = sqlx::query(&sql)
            .bind(school_id.0)
            .bind(viewer.0)
            .bind(LIST_LIMIT)
            .fetch_all(self.reader())
            .await?;
        let mut list = Vec::with_capacity(rows.len());
        for r in &rows {
            list.push(CaseSummary {
                id: r.try_get("case_id")?,
                kind: CaseKind::Concern,
                pupil: person(r, "pu")?,
                topic: parse_opt(r.try_get("topic")?)?,
                crisis_type: None,
                coordinator: opt_person(r, "co")?,
                opened_on: parse(r.try_get("opened_on")?)?,
                answered: r.try_get::<Option<i64>, _>("answered_at")?.is_some(),
                duty_due: parse_opt(r.try_get("duty_due")?)?,
                plan_on: None,
                closed_on: None,
                raised_by: Some(PersonId(r.try_get("opened_by")?)),
                member: r.try_get::<i64, _>("member")? != 0,
                classes: Vec::new(),
            });
        }
        let mut pupils: Vec<PersonId> = list.iter().map(|c| c.pupil.id).collect();
        pupils.sort();
        pupils.dedup();
        let classes = self.classes_of(school_id, &pupils).await?;
        for c in &mut list {
            c.classes = classes.get(&c.pupil.id).cloned().unwrap_or_default();
        }
        Ok(list)
    }

    /// The school's own checklist for a crisis type; empty when the school has not set one.
    pub async fn crisis_checklist(
        &self,
        school_id: SchoolId,
        crisis_type: CrisisType,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT text FROM crisis_checklist WHERE school_id = $1 AND crisis_type = $2 \
             ORDER BY position",
        )
        .bind(school_id.0)
        .bind(crisis_type.as_str())
        .fetch_all(self.reader())
        .await?)
    }

    /// Replaces the school's checklist for a crisis type. Open cases keep their own copy.
    pub async fn set_crisis_checklist(
        &self,
        school_id: SchoolId,
        crisis_type: CrisisType,
        items: &[String],
        actor: PersonId,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM crisis_checklist WHERE school_id = $1 AND crisis_type = $2")
            .bind(school_id.0)
            .bind(crisis_type.as_str())
            .execute(&mut *tx)
            .await?;
        for (i, text) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO crisis_checklist (school_id, crisis_type, position, text) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(school_id.0)
            .bind(crisis_type.as_str())
            .bind(i as i64 + 1)
            .bind(text.as_str())
            .execute(&mut *tx)
            .await?;
        }
        audit_in(
            &mut tx,
            &AuditRow {
                school_id,
                actor_id: Some(actor),
                action: "change",
                record_type: "crisis_checklist",
                record_id: school_id.0,
                detail: Some(&format!("{crisis_type}: {} items", items.len())),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn plan_entry_from_row(r: &AnyRow) -> Result<PlanEntry> {
    Ok(PlanEntry {
        id: r.try_get("id")?,
        contact_by: person(r, "cb")?,
        whom: parse(r.try_get("whom")?)?,
        every_days: u32::try_from(r.try_get::<i64, _>("every_days")?)
            .map_err(|e| StoreError::Other(format!("bad stored interval: {e}")))?,
        channel: parse(r.try_get("channel")?)?,
        starts_on: parse(r.try_get("starts_on")?)?,
    })
}
