//! Absence: reports and the days they cover, the register, the school calendar, and the
//! figures rates are computed from (ABS-1, ABS-2).
//!
//! A report is stored whole in `absence_report` and spread over `absence_day`, one row per
//! pupil and school day (primary key), so overlapping reports cannot count a day twice and a
//! whole school's absence in a period is one range scan of `(school_id, day)`.

use skolebro_domain::paging::Cursor;
use std::collections::HashMap;

use jiff::civil::Date;
use skolebro_domain::absence::{self as rules, Category, LeaveState, Part, Reason};
use skolebro_domain::calendar::Holidays;
use skolebro_domain::{ClassId, PersonId, SchoolId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{audit_in, AuditRow};
use crate::people::PersonName;
use crate::{now, parse, Result, Store, StoreError};

/// A report as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceReport {
    pub id: i64,
    pub pupil_id: PersonId,
    pub reported_by: PersonName,
    pub from: Date,
    pub to: Date,
    pub part: Option<Part>,
    pub reason: Reason,
    pub leave_state: Option<LeaveState>,
    pub note: Option<String>,
    pub created_at: i64,
    /// The school's own code the report was given with (`reason` is its category's).
    pub code: Option<String>,
}

/// A school's own absence code (ABS-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolCode {
    pub code: String,
    pub label: String,
    pub category: Category,
}

/// A new report, checked by the caller.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub school_id: SchoolId,
    pub pupil_id: PersonId,
    pub reported_by: PersonId,
    pub from: Date,
    pub to: Date,
    pub part: Option<Part>,
    pub reason: Reason,
    /// The school's own code, when staff gave one; `reason` is then its category's and leave
    /// given this way is granted (staff record it).
    pub code: Option<&'a str>,
    pub note: Option<&'a str>,
    /// The school days the report covers (the caller knows the calendar).
    pub days: &'a [Date],
    /// Staff corrections replace what is recorded for those days; a guardian's report that
    /// meets an existing day is refused.
    pub replace: bool,
}

/// A day of absence as the register and rates see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceDay {
    pub pupil_id: PersonId,
    pub day: Date,
    pub half_days: i64,
    pub reason: Reason,
    pub leave_state: Option<LeaveState>,
    pub report_id: Option<i64>,
}

/// Half days of absence per pupil and (reason, leave state) in a period: the input of rates.
pub type AbsenceTotals = HashMap<PersonId, Vec<(Reason, Option<LeaveState>, i64)>>;

fn report_from_row(r: &AnyRow) -> Result<AbsenceReport> {
    Ok(AbsenceReport {
        id: r.try_get("report_id")?,
        pupil_id: PersonId(r.try_get("pupil_id")?),
        reported_by: PersonName::from_row(r, "")?,
        from: parse(r.try_get("from_day")?)?,
        to: parse(r.try_get("to_day")?)?,
        part: r
            .try_get::<Option<String>, _>("part")?
            .map(parse)
            .transpose()?,
        reason: parse(r.try_get("reason")?)?,
        leave_state: r
            .try_get::<Option<String>, _>("leave_state")?
            .map(parse)
            .transpose()?,
        note: r.try_get("note")?,
        created_at: r.try_get("created_at")?,
        code: r.try_get("code")?,
    })
}

/// The cursor after a report in [`Store::absence_reports`]' order.
pub fn report_cursor(r: &AbsenceReport) -> Cursor {
    Cursor {
        key: i64::from(r.from.year()) * 10_000
            + i64::from(r.from.month()) * 100
            + i64::from(r.from.day()),
        id: r.id,
    }
}

const REPORT_COLUMNS: &str = "r.id AS report_id, r.pupil_id, r.from_day, r.to_day, r.part, \
     r.reason, r.leave_state, r.note, r.created_at, r.code, p.id, p.given_name, p.family_name";

impl Store {
    /// The school's holidays in a period.
    pub async fn holidays(&self, school_id: SchoolId, from: Date, to: Date) -> Result<Holidays> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT day FROM school_holiday WHERE school_id = $1 AND day >= $2 AND day <= $3",
        )
        .bind(school_id.0)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.reader())
        .await?;
        rows.into_iter().map(parse).collect()
    }

    /// The school's holidays with their names, in order.
    pub async fn holiday_list(&self, school_id: SchoolId) -> Result<Vec<(Date, String)>> {
        sqlx::query("SELECT day, name FROM school_holiday WHERE school_id = $1 ORDER BY day")
            .bind(school_id.0)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| Ok((parse(r.try_get("day")?)?, r.try_get("name")?)))
            .collect()
    }

    pub async fn add_holiday(&self, school_id: SchoolId, day: Date, name: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO school_holiday (school_id, day, name) VALUES ($1, $2, $3) \
             ON CONFLICT (school_id, day) DO UPDATE SET name = excluded.name",
        )
        .bind(school_id.0)
        .bind(day.to_string())
        .bind(name)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn remove_holiday(&self, school_id: SchoolId, day: Date) -> Result<()> {
        sqlx::query("DELETE FROM school_holiday WHERE school_id = $1 AND day = $2")
            .bind(school_id.0)
            .bind(day.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The school's own warning level (NO), if set.
    pub async fn absence_warn_percent(&self, school_id: SchoolId) -> Result<Option<u8>> {
        let v: Option<Option<i64>> =
            sqlx::query_scalar("SELECT absence_warn_percent FROM school WHERE id = $1")
                .bind(school_id.0)
                .fetch_optional(self.reader())
                .await?;
        Ok(v.flatten().and_then(|p| u8::try_from(p).ok()))
    }

    pub async fn set_absence_warn_percent(
        &self,
        school_id: SchoolId,
        percent: Option<u8>,
    ) -> Result<()> {
        sqlx::query("UPDATE school SET absence_warn_percent = $1 WHERE id = $2")
            .bind(percent.map(i64::from))
            .bind(school_id.0)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The school's own absence codes, by code.
    pub async fn absence_codes(&self, school_id: SchoolId) -> Result<Vec<SchoolCode>> {
        sqlx::query(
            "SELECT code, label, category FROM absence_code WHERE school_id = $1 ORDER BY code",
        )
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(SchoolCode {
                code: r.try_get("code")?,
                label: r.try_get("label")?,
                category: parse(r.try_get("category")?)?,
            })
        })
        .collect()
    }

    /// Adds or renames a code; its category never changes once given, so reports already
    /// made keep counting where they were counted.
    pub async fn add_absence_code(&self, school_id: SchoolId, code: &SchoolCode) -> Result<()> {
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT category FROM absence_code WHERE school_id = $1 AND code = $2",
        )
        .bind(school_id.0)
        .bind(&code.code)
        .fetch_optional(&self.write)
        .await?;
        if existing.is_some_and(|c| c != code.category.as_str()) {
            return Err(StoreError::Conflict(format!(
                "the code {} is already counted in another category",
                code.code
            )));
        }
        sqlx::query(
            "INSERT INTO absence_code (school_id, code, label, category) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (school_id, code) DO UPDATE SET label = excluded.label",
        )
        .bind(school_id.0)
        .bind(&code.code)
        .bind(&code.label)
        .bind(code.category.as_str())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// NO: how many lessons a day the school registers one by one; `None`: once a day.
    pub async fn register_lessons(&self, school_id: SchoolId) -> Result<Option<u8>> {
        let v: Option<Option<i64>> =
            sqlx::query_scalar("SELECT register_lessons FROM school WHERE id = $1")
                .bind(school_id.0)
                .fetch_optional(self.reader())
                .await?;
        Ok(v.flatten().and_then(|n| u8::try_from(n).ok()))
    }

    pub async fn set_register_lessons(
        &self,
        school_id: SchoolId,
        lessons: Option<u8>,
    ) -> Result<()> {
        sqlx::query("UPDATE school SET register_lessons = $1 WHERE id = $2")
            .bind(lessons.map(i64::from))
            .bind(school_id.0)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Stores a report, its days and its audit row in one transaction. A guardian's report that meets a day
    /// already recorded is refused with the day named; a staff correction replaces it.
    pub async fn report_absence(&self, new: &NewReport<'_>) -> Result<i64> {
        if new.days.is_empty() {
            return Err(StoreError::Invalid("no school days in the period".into()));
        }
        let mut tx = self.write.begin().await?;
        let taken: Option<String> = sqlx::query_scalar(
            "SELECT MIN(day) FROM absence_day WHERE pupil_id = $1 AND school_id = $2 \
             AND day >= $3 AND day <= $4",
        )
        .bind(new.pupil_id.0)
        .bind(new.school_id.0)
        .bind(new.from.to_string())
        .bind(new.to.to_string())
        .fetch_one(&mut *tx)
        .await?;
        if let Some(day) = taken {
            if !new.replace {
                return Err(StoreError::Conflict(format!(
                    "absence is already reported for {day}; withdraw or correct that report"
                )));
            }
            sqlx::query(
                "DELETE FROM absence_day WHERE pupil_id = $1 AND school_id = $2 \
                 AND day >= $3 AND day <= $4",
            )
            .bind(new.pupil_id.0)
            .bind(new.school_id.0)
            .bind(new.from.to_string())
            .bind(new.to.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let leave = (new.reason == Reason::Leave).then_some(if new.code.is_some() {
            LeaveState::Granted
        } else {
            LeaveState::Requested
        });
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO absence_report (school_id, pupil_id, reported_by, from_day, to_day, part, \
             reason, leave_state, note, created_at, code) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(new.school_id.0)
        .bind(new.pupil_id.0)
        .bind(new.reported_by.0)
        .bind(new.from.to_string())
        .bind(new.to.to_string())
        .bind(new.part.map(Part::as_str))
        .bind(new.reason.as_str())
        .bind(leave.map(LeaveState::as_str))
        .bind(new.note)
        .bind(now())
        .bind(new.code)
        .fetch_one(&mut *tx)
        .await?;
        let half = skolebro_domain::absence::half_days(new.part);
        for day in new.days {
            sqlx::query(
                "INSERT INTO absence_day (school_id, pupil_id, day, half_days, reason, leave_state, \
                 report_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(new.school_id.0)
            .bind(new.pupil_id.0)
            .bind(day.to_string())
            .bind(half)
            .bind(new.reason.as_str())
            .bind(leave.map(LeaveState::as_str))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        // The report and its audit row are one write: the morning rush queues on SQLite's writer.
        audit_in(
            &mut tx,
            &AuditRow {
                school_id: new.school_id,
                actor_id: Some(new.reported_by),
                action: "create",
                record_type: "absence",
                record_id: new.pupil_id.0,
                detail: Some(&format!("report {id}")),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A pupil's reports, newest first (withdrawn ones left out).
    /// A pupil's reports, latest first day first, `limit` of them after `before` (a cursor
    /// whose key is the first day as `YYYYMMDD`, see [`report_cursor`]).
    pub async fn absence_reports(
        &self,
        school_id: SchoolId,
        pupil_id: PersonId,
        before: Cursor,
        limit: i64,
    ) -> Result<Vec<AbsenceReport>> {
        // Days are stored as `YYYY-MM-DD` text, which sorts as the days do.
        let day = match before {
            Cursor::START => "9999-12-31".to_owned(),
            c => format!(
                "{:04}-{:02}-{:02}",
                c.key / 10_000,
                c.key / 100 % 100,
                c.key % 100
            ),
        };
        sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM absence_report r JOIN person p ON p.id = r.reported_by \
             WHERE r.school_id = $1 AND r.pupil_id = $2 AND r.withdrawn_at IS NULL \
             AND (r.from_day < $3 OR (r.from_day = $3 AND r.id < $4)) \
             ORDER BY r.from_day DESC, r.id DESC LIMIT $5"
        ))
        .bind(school_id.0)
        .bind(pupil_id.0)
        .bind(day)
        .bind(before.id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(report_from_row)
        .collect()
    }

    pub async fn absence_report(
        &self,
        school_id: SchoolId,
        id: i64,
    ) -> Result<Option<AbsenceReport>> {
        sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM absence_report r JOIN person p ON p.id = r.reported_by \
             WHERE r.school_id = $1 AND r.id = $2 AND r.withdrawn_at IS NULL"
        ))
        .bind(school_id.0)
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(report_from_row)
        .transpose()
    }

    /// Withdraws a report: its days are no longer absence.
    pub async fn withdraw_absence(&self, school_id: SchoolId, id: i64) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM absence_day WHERE report_id = $1 AND school_id = $2")
            .bind(id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE absence_report SET withdrawn_at = $1 WHERE id = $2 AND school_id = $3")
            .bind(now())
            .bind(id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants or refuses leave.
    pub async fn decide_leave(&self, school_id: SchoolId, id: i64, granted: bool) -> Result<()> {
        let state = if granted {
            LeaveState::Granted
        } else {
            LeaveState::Refused
        };
        let mut tx = self.write.begin().await?;
        for table in ["absence_report", "absence_day"] {
            let key = if table == "absence_report" {
                "id"
            } else {
                "report_id"
            };
            sqlx::query(&format!(
                "UPDATE {table} SET leave_state = $1 WHERE {key} = $2 AND school_id = $3 \
                 AND reason = 'leave'"
            ))
            .bind(state.as_str())
            .bind(id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The days of absence of a class's pupils on one day.
    pub async fn absence_on(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        day: Date,
    ) -> Result<HashMap<PersonId, AbsenceDay>> {
        let rows = sqlx::query(
            "SELECT a.pupil_id, a.day, a.half_days, a.reason, a.leave_state, a.report_id \
             FROM absence_day a JOIN enrolment e ON e.pupil_id = a.pupil_id \
             WHERE e.class_id = $1 AND a.school_id = $2 AND a.day = $3",
        )
        .bind(class_id.0)
        .bind(school_id.0)
        .bind(day.to_string())
        .fetch_all(self.reader())
        .await?;
        let mut out = HashMap::new();
        for r in rows {
            let d = AbsenceDay {
                pupil_id: PersonId(r.try_get("pupil_id")?),
                day: parse(r.try_get("day")?)?,
                half_days: r.try_get("half_days")?,
                reason: parse(r.try_get("reason")?)?,
                leave_state: r
                    .try_get::<Option<String>, _>("leave_state")?
                    .map(parse)
                    .transpose()?,
                report_id: r.try_get("report_id")?,
            };
            out.insert(d.pupil_id, d);
        }
        Ok(out)
    }

    /// The register's marks of a class on a day: (pupil, session) → present.
    pub async fn register_marks(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        day: Date,
    ) -> Result<HashMap<(PersonId, String), bool>> {
        let rows = sqlx::query(
            "SELECT pupil_id, session, present FROM register_mark \
             WHERE school_id = $1 AND class_id = $2 AND day = $3",
        )
        .bind(school_id.0)
        .bind(class_id.0)
        .bind(day.to_string())
        .fetch_all(self.reader())
        .await?;
        let mut out = HashMap::new();
        for r in rows {
            out.insert(
                (
                    PersonId(r.try_get("pupil_id")?),
                    r.try_get::<String, _>("session")?,
                ),
                r.try_get::<i64, _>("present")? != 0,
            );
        }
        Ok(out)
    }

    /// Records one session of a class's register in one transaction. The unreported absence
    /// of each pupil is then worked out from all of the day's marks (`sessions` are the day's
    /// moments): a pupil absent without a report gets an unreported day or half day, and one
    /// marked present everywhere again loses an unreported day the register made. Reported
    /// absence is never touched. Returns the pupils newly found absent without a report, whose
    /// guardians are to be told today.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_register(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        day: Date,
        session: &str,
        sessions: &[&str],
        marks: &[(PersonId, bool)],
        marked_by: PersonId,
    ) -> Result<Vec<PersonId>> {
        let at = now();
        let day_text = day.to_string();
        let mut newly_unreported = Vec::new();
        let mut tx = self.write.begin().await?;
        for (pupil, present) in marks {
            sqlx::query(
                "INSERT INTO register_mark (school_id, class_id, pupil_id, day, session, present, \
                 marked_by, marked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (class_id, day, session, pupil_id) DO UPDATE SET \
                 present = excluded.present, marked_by = excluded.marked_by, \
                 marked_at = excluded.marked_at",
            )
            .bind(school_id.0)
            .bind(class_id.0)
            .bind(pupil.0)
            .bind(&day_text)
            .bind(session)
            .bind(i64::from(*present))
            .bind(marked_by.0)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        // The day's absent marks of the class, and its recorded absence, in two reads.
        let mut absent_at: HashMap<PersonId, Vec<String>> = HashMap::new();
        for r in sqlx::query(
            "SELECT pupil_id, session FROM register_mark \
             WHERE class_id = $1 AND day = $2 AND school_id = $3 AND present = 0",
        )
        .bind(class_id.0)
        .bind(&day_text)
        .bind(school_id.0)
        .fetch_all(&mut *tx)
        .await?
        {
            absent_at
                .entry(PersonId(r.try_get("pupil_id")?))
                .or_default()
                .push(r.try_get("session")?);
        }
        let mut recorded: HashMap<PersonId, (String, Option<i64>, i64)> = HashMap::new();
        for r in sqlx::query(
            "SELECT d.pupil_id, d.reason, d.report_id, d.half_days FROM absence_day d \
             JOIN enrolment e ON e.pupil_id = d.pupil_id AND e.school_id = d.school_id \
             WHERE e.class_id = $1 AND d.day = $2 AND d.school_id = $3",
        )
        .bind(class_id.0)
        .bind(&day_text)
        .bind(school_id.0)
        .fetch_all(&mut *tx)
        .await?
        {
            recorded.insert(
                PersonId(r.try_get("pupil_id")?),
                (
                    r.try_get("reason")?,
                    r.try_get("report_id")?,
                    r.try_get("half_days")?,
                ),
            );
        }
        for (pupil, _) in marks {
            let absent: Vec<&str> = absent_at
                .get(pupil)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            let wanted = rules::unreported_half_days(sessions, &absent);
            let made_by_register = |r: &(String, Option<i64>, i64)| {
                r.0 == Reason::Unreported.as_str() && r.1.is_none()
            };
            match (wanted, recorded.get(pupil)) {
                (Some(half), None) => {
                    sqlx::query(
                        "INSERT INTO absence_day (school_id, pupil_id, day, half_days, reason) \
                         VALUES ($1, $2, $3, $4, 'unreported')",
                    )
                    .bind(school_id.0)
                    .bind(pupil.0)
                    .bind(&day_text)
                    .bind(half)
                    .execute(&mut *tx)
                    .await?;
                    newly_unreported.push(*pupil);
                }
                (Some(half), Some(r)) if made_by_register(r) && r.2 != half => {
                    sqlx::query(
                        "UPDATE absence_day SET half_days = $1 WHERE pupil_id = $2 AND day = $3 \
                         AND school_id = $4 AND reason = 'unreported' AND report_id IS NULL",
                    )
                    .bind(half)
                    .bind(pupil.0)
                    .bind(&day_text)
                    .bind(school_id.0)
                    .execute(&mut *tx)
                    .await?;
                }
                (None, Some(r)) if made_by_register(r) => {
                    sqlx::query(
                        "DELETE FROM absence_day WHERE pupil_id = $1 AND day = $2 \
                         AND school_id = $3 AND reason = 'unreported' AND report_id IS NULL",
                    )
                    .bind(pupil.0)
                    .bind(&day_text)
                    .bind(school_id.0)
                    .execute(&mut *tx)
                    .await?;
                }
                _ => {}
            }
        }
        tx.commit().await?;
        Ok(newly_unreported)
    }

    /// Half days of absence per pupil, reason and leave state in a period, for a whole school
    /// or one pupil: one grouped query over the `(school_id, day)` range.
    pub async fn absence_totals(
        &self,
        school_id: SchoolId,
        pupil: Option<PersonId>,
        from: Date,
        to: Date,
    ) -> Result<AbsenceTotals> {
        let filter = if pupil.is_some() {
            "AND pupil_id = $4"
        } else {
            ""
        };
        let sql = format!(
            "SELECT pupil_id, reason, leave_state, CAST(SUM(half_days) AS BIGINT) AS total FROM absence_day \
             WHERE school_id = $1 AND day >= $2 AND day <= $3 {filter} \
             GROUP BY pupil_id, reason, leave_state"
        );
        let mut q = sqlx::query(&sql)
            .bind(school_id.0)
            .bind(from.to_string())
            .bind(to.to_string());
        if let Some(p) = pupil {
            q = q.bind(p.0);
        }
        let mut out: AbsenceTotals = HashMap::new();
        for r in q.fetch_all(self.reader()).await? {
            let leave = r
                .try_get::<Option<String>, _>("leave_state")?
                .map(parse)
                .transpose()?;
            out.entry(PersonId(r.try_get("pupil_id")?))
                .or_default()
                .push((parse(r.try_get("reason")?)?, leave, r.try_get("total")?));
        }
        Ok(out)
    }

    /// The pupils of the given classes with names, for the register and overviews.
    pub async fn pupils_of_class(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
    ) -> Result<Vec<PersonName>> {
        sqlx::query(
            "SELECT p.id, p.given_name, p.family_name FROM enrolment e \
             JOIN person p ON p.id = e.pupil_id WHERE e.class_id = $1 AND e.school_id = $2 \
             ORDER BY p.given_name, p.family_name, p.id",
        )
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| PersonName::from_row(r, ""))
        .collect()
    }
}
