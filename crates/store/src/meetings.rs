//! Parent meetings and the parent community (MEE-1..5, DIF-5, PEO-5): representatives, meetings
//! with agenda, themes and votes, replies with needs, drawn groups, minutes and the class's
//! communication agreement, the class's parent board and parent bodies.
//!
//! A vote and a reply are one row per guardian (primary keys), written with `ON CONFLICT DO
//! UPDATE`: voting or replying again replaces the earlier answer on either engine. The
//! communication agreement and the class's contact hours are written in one transaction.

use skolebro_domain::meetings::{
    BodyKind, CommunicationAgreement, GroupMode, MeetingForm, OfferKind,
};
use skolebro_domain::{ClassId, PersonId, SchoolId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::notify::Notification;
use crate::people::PersonName;
use crate::{now, parse, Result, Store};
use skolebro_domain::notify::NotifyKind;

/// A parent meeting of a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub id: i64,
    pub school_id: SchoolId,
    pub class_id: ClassId,
    pub class_name: String,
    pub grade: i64,
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub form: MeetingForm,
    pub agenda: Vec<String>,
    pub invitation: Option<String>,
    pub rsvp_deadline: i64,
    pub remind_at: Option<i64>,
    pub minutes: Option<String>,
    pub decisions: Option<String>,
    pub minutes_published_at: Option<i64>,
    pub group_mode: Option<GroupMode>,
    pub agreement_hours: Option<String>,
    pub agreement_channels: Option<String>,
    pub agreement_answer_days: Option<i64>,
}

/// What planners set on a meeting, checked by the caller.
#[derive(Debug, Clone)]
pub struct MeetingPlan<'a> {
    pub title: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: &'a str,
    pub form: MeetingForm,
    pub agenda: &'a [String],
    pub invitation: Option<&'a str>,
    pub rsvp_deadline: i64,
    pub remind_at: Option<i64>,
}

/// A proposed theme with its votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub id: i64,
    pub meeting_id: i64,
    pub text: String,
    pub suggestion: Option<String>,
    pub proposed_by: PersonId,
    pub proposed_at: i64,
    pub on_agenda: bool,
    pub votes: i64,
    /// The asking guardian's own vote, if any.
    pub my_vote: Option<bool>,
}

/// A guardian's reply (MEE-1, PEO-4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rsvp {
    pub coming: bool,
    pub interpreter_language: Option<String>,
    /// Siblings who need childcare during the meeting.
    pub childcare: i64,
    pub contribution: Option<String>,
}

/// A reply with who gave it, for the planners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsvpRow {
    pub person: PersonName,
    pub rsvp: Rsvp,
    pub answered_at: i64,
    /// The guardian's home language (PEO-4), for language groups.
    pub home_language: Option<String>,
}

/// A guardian of a class, with what the meeting needs to know (PEO-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassGuardian {
    pub person: PersonName,
    pub home_language: Option<String>,
    pub interpreter_language: Option<String>,
}

/// A post on a class's parent board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardPost {
    pub id: i64,
    pub kind: OfferKind,
    pub text: String,
    pub posted_by: PersonName,
    pub posted_at: i64,
}

/// A parent body (PEO-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentBody {
    pub id: i64,
    pub kind: BodyKind,
    pub name: String,
}

/// A post in a parent body's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyPost {
    pub id: i64,
    pub author: PersonName,
    pub text: String,
    pub posted_at: i64,
}

/// The distinct guardians who took part, for the knit figures.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TakingPart {
    pub guardians: Vec<PersonId>,
    pub at_meetings: Vec<PersonId>,
    pub in_planning: Vec<PersonId>,
    pub on_board: Vec<PersonId>,
}

const MEETING_COLUMNS: &str = "m.id, m.school_id, m.class_id, c.name AS class_name, c.grade, \
    m.title, m.starts_at, m.ends_at, m.place, m.form, m.agenda, m.invitation, m.rsvp_deadline, \
    m.remind_at, m.minutes, m.decisions, m.minutes_published_at, m.group_mode, \
    m.agreement_hours, m.agreement_channels, m.agreement_answer_days";

fn meeting_from_row(r: &AnyRow) -> Result<Meeting> {
    let agenda: String = r.try_get("agenda")?;
    Ok(Meeting {
        id: r.try_get("id")?,
        school_id: SchoolId(r.try_get("school_id")?),
        class_id: ClassId(r.try_get("class_id")?),
        class_name: r.try_get("class_name")?,
        grade: r.try_get("grade")?,
        title: r.try_get("title")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        place: r.try_get("place")?,
        form: parse(r.try_get("form")?)?,
        agenda: agenda
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        invitation: r.try_get("invitation")?,
        rsvp_deadline: r.try_get("rsvp_deadline")?,
        remind_at: r.try_get("remind_at")?,
        minutes: r.try_get("minutes")?,
        decisions: r.try_get("decisions")?,
        minutes_published_at: r.try_get("minutes_published_at")?,
        group_mode: r
            .try_get::<Option<String>, _>("group_mode")?
            .map(parse)
            .transpose()?,
        agreement_hours: r.try_get("agreement_hours")?,
        agreement_channels: r.try_get("agreement_channels")?,
        agreement_answer_days: r.try_get("agreement_answer_days")?,
    })
}

fn name_of(r: &AnyRow) -> Result<PersonName> {
    Ok(PersonName {
        id: PersonId(r.try_get("person_id")?),
        given_name: r.try_get("given_name")?,
        family_name: r.try_get("family_name")?,
    })
}

fn ids(rows: Vec<AnyRow>) -> Result<Vec<PersonId>> {
    rows.iter()
        .map(|r| Ok(PersonId(r.try_get("person_id")?)))
        .collect()
}

/// A member of a meeting's discussion group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub person: PersonName,
    /// Name and address protection (PEO-3): not named to other families.
    pub protected: bool,
}

impl Store {
    // -----------------------------------------------------------------------------------------
    // Representatives

    /// Whether `person` is a parent representative of the class.
    pub async fn is_representative(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        person: PersonId,
    ) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM parent_representative \
             WHERE class_id = $1 AND person_id = $2 AND school_id = $3",
        )
        .bind(class_id.0)
        .bind(person.0)
        .bind(school_id.0)
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    /// The class's parent representatives.
    pub async fn representatives(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
    ) -> Result<Vec<PersonName>> {
        sqlx::query(
            "SELECT p.id AS person_id, p.given_name, p.family_name FROM parent_representative r \
             JOIN person p ON p.id = r.person_id WHERE r.class_id = $1 AND r.school_id = $2 \
             ORDER BY p.given_name, p.family_name",
        )
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(name_of)
        .collect()
    }

    /// Makes a guardian of the class a representative, or ends it.
    pub async fn set_representative(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        person: PersonId,
        chosen_by: PersonId,
        representative: bool,
    ) -> Result<()> {
        if representative {
            sqlx::query(
                "INSERT INTO parent_representative \
                 (school_id, class_id, person_id, chosen_by, chosen_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (class_id, person_id) DO NOTHING",
            )
            .bind(school_id.0)
            .bind(class_id.0)
            .bind(person.0)
            .bind(chosen_by.0)
            .bind(now())
            .execute(&self.write)
            .await?;
        } else {
            sqlx::query(
                "DELETE FROM parent_representative \
                 WHERE class_id = $1 AND person_id = $2 AND school_id = $3",
            )
            .bind(class_id.0)
            .bind(person.0)
            .bind(school_id.0)
            .execute(&self.write)
            .await?;
        }
        Ok(())
    }

    /// The guardians (full or information access) of the class's pupils, once each.
    pub async fn class_guardians(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
    ) -> Result<Vec<ClassGuardian>> {
        sqlx::query(
            "SELECT DISTINCT p.id AS person_id, p.given_name, p.family_name, p.home_language, \
             p.interpreter_language FROM enrolment e \
             JOIN guardianship g ON g.pupil_id = e.pupil_id AND g.access IN ('full', 'info') \
             JOIN person p ON p.id = g.guardian_id \
             WHERE e.class_id = $1 AND e.school_id = $2 ORDER BY p.given_name, p.family_name",
        )
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(ClassGuardian {
                person: name_of(r)?,
                home_language: r.try_get("home_language")?,
                interpreter_language: r.try_get("interpreter_language")?,
            })
        })
        .collect()
    }

    /// A person's interpreter language (PEO-4), if they have one agreed.
    pub async fn interpreter_language(&self, person: PersonId) -> Result<Option<String>> {
        let v: Option<Option<String>> =
            sqlx::query_scalar("SELECT interpreter_language FROM person WHERE id = $1")
                .bind(person.0)
                .fetch_optional(self.reader())
                .await?;
        Ok(v.flatten())
    }

    // -----------------------------------------------------------------------------------------
    // Meetings

    /// Creates a meeting; returns its id.
    pub async fn create_meeting(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        plan: &MeetingPlan<'_>,
        by: PersonId,
    ) -> Result<i64> {
        let at = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO meeting (school_id, class_id, title, starts_at, ends_at, place, form, \
             agenda, invitation, rsvp_deadline, remind_at, created_by, created_at, updated_by, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $13) \
             RETURNING id",
        )
        .bind(school_id.0)
        .bind(class_id.0)
        .bind(plan.title)
        .bind(plan.starts_at)
        .bind(plan.ends_at)
        .bind(plan.place)
        .bind(plan.form.as_str())
        .bind(plan.agenda.join("\n"))
        .bind(plan.invitation)
        .bind(plan.rsvp_deadline)
        .bind(plan.remind_at)
        .bind(by.0)
        .bind(at)
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    /// Changes a meeting's plan.
    pub async fn update_meeting(
        &self,
        school_id: SchoolId,
        id: i64,
        plan: &MeetingPlan<'_>,
        by: PersonId,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE meeting SET title = $1, starts_at = $2, ends_at = $3, place = $4, form = $5, \
             agenda = $6, invitation = $7, rsvp_deadline = $8, remind_at = $9, \
             reminded_at = CASE WHEN remind_at = $9 THEN reminded_at ELSE NULL END, \
             updated_by = $10, updated_at = $11 WHERE id = $12 AND school_id = $13",
        )
        .bind(plan.title)
        .bind(plan.starts_at)
        .bind(plan.ends_at)
        .bind(plan.place)
        .bind(plan.form.as_str())
        .bind(plan.agenda.join("\n"))
        .bind(plan.invitation)
        .bind(plan.rsvp_deadline)
        .bind(plan.remind_at)
        .bind(by.0)
        .bind(now())
        .bind(id)
        .bind(school_id.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Replaces a meeting's agenda.
    pub async fn set_agenda(
        &self,
        school_id: SchoolId,
        id: i64,
        agenda: &[String],
        by: PersonId,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE meeting SET agenda = $1, updated_by = $2, updated_at = $3 \
             WHERE id = $4 AND school_id = $5",
        )
        .bind(agenda.join("\n"))
        .bind(by.0)
        .bind(now())
        .bind(id)
        .bind(school_id.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn meeting(&self, school_id: SchoolId, id: i64) -> Result<Option<Meeting>> {
        sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS} FROM meeting m JOIN class c ON c.id = m.class_id \
             WHERE m.id = $1 AND m.school_id = $2"
        ))
        .bind(id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(meeting_from_row)
        .transpose()
    }

    /// A class's meetings, the latest first (at most `limit`).
    pub async fn meetings_of_class(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        limit: i64,
    ) -> Result<Vec<Meeting>> {
        sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS} FROM meeting m JOIN class c ON c.id = m.class_id \
             WHERE m.class_id = $1 AND m.school_id = $2 ORDER BY m.starts_at DESC, m.id DESC \
             LIMIT $3"
        ))
        .bind(class_id.0)
        .bind(school_id.0)
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(meeting_from_row)
        .collect()
    }

    /// Reminders due at `now` (MEE-1): meetings whose reminder time has come and that have not
    /// begun nor been reminded, oldest first, at most `limit` (the notification worker's batch;
    /// served by the `meeting_remind` index).
    pub async fn reminders_due(&self, now: i64, limit: i64) -> Result<Vec<Meeting>> {
        sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS} FROM meeting m JOIN class c ON c.id = m.class_id \
             WHERE m.remind_at <= $1 AND m.reminded_at IS NULL AND m.starts_at > $1 \
             ORDER BY m.remind_at, m.id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(meeting_from_row)
        .collect()
    }

    /// The guardians a reminder goes to: the class's guardians who have not said they are not
    /// coming.
    pub async fn to_remind(&self, meeting: &Meeting) -> Result<Vec<PersonName>> {
        let declined: Vec<PersonId> = sqlx::query(
            "SELECT person_id FROM meeting_rsvp WHERE meeting_id = $1 AND school_id = $2 \
             AND coming = 0",
        )
        .bind(meeting.id)
        .bind(meeting.school_id.0)
        .fetch_all(self.reader())
        .await
        .map(ids)??;
        Ok(self
            .class_guardians(meeting.school_id, meeting.class_id)
            .await?
            .into_iter()
            .map(|g| g.person)
            .filter(|p| !declined.contains(&p.id))
            .collect())
    }

    /// Sends the meeting reminders that are due (MEE-3, MSG-8): a notice to each of the class's
    /// guardians who has not said they are not coming, written to the outbox in the transaction
    /// that marks the meeting reminded, so a reminder goes out once. Returns how many meetings.
    pub async fn announce_due_meeting_reminders(&self, now: i64, limit: i64) -> Result<usize> {
        let mut reminded = 0;
        for meeting in self.reminders_due(now, limit).await? {
            let people = self.to_remind(&meeting).await?;
            let mut tx = self.write.begin().await?;
            let claimed = sqlx::query(
                "UPDATE meeting SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL",
            )
            .bind(now)
            .bind(meeting.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed != 1 {
                continue;
            }
            let notices: Vec<Notification> = people
                .into_iter()
                .map(|p| Notification {
                    school_id: meeting.school_id,
                    person_id: p.id,
                    kind: NotifyKind::Event,
                    subject: meeting.title.clone(),
                    body: meeting
                        .invitation
                        .clone()
                        .unwrap_or_else(|| meeting.place.clone()),
                    link: format!("/meetings/{}", meeting.id),
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

    // -----------------------------------------------------------------------------------------
    // Themes and votes (MEE-2)

    pub async fn propose_theme(
        &self,
        school_id: SchoolId,
        meeting_id: i64,
        text: &str,
        suggestion: Option<&str>,
        by: PersonId,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO meeting_theme (school_id, meeting_id, text, suggestion, proposed_by, \
             proposed_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(school_id.0)
        .bind(meeting_id)
        .bind(text)
        .bind(suggestion)
        .bind(by.0)
        .bind(now())
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    /// The themes of a meeting with their supporting votes and `me`'s own vote, in proposal
    /// order (the caller ranks them).
    pub async fn themes(
        &self,
        school_id: SchoolId,
        meeting_id: i64,
        me: PersonId,
    ) -> Result<Vec<Theme>> {
        sqlx::query(
            "SELECT t.id, t.meeting_id, t.text, t.suggestion, t.proposed_by, t.proposed_at, \
             t.on_agenda_at, \
             (SELECT COUNT(*) FROM meeting_theme_vote v WHERE v.theme_id = t.id AND v.support = 1) \
               AS votes, \
             (SELECT v.support FROM meeting_theme_vote v WHERE v.theme_id = t.id \
               AND v.person_id = $1) AS my_vote \
             FROM meeting_theme t WHERE t.meeting_id = $2 AND t.school_id = $3 ORDER BY t.id",
        )
        .bind(me.0)
        .bind(meeting_id)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(theme_from_row)
        .collect()
    }

    /// One theme, with `me`'s vote.
    pub async fn theme(&self, school_id: SchoolId, id: i64, me: PersonId) -> Result<Option<Theme>> {
        sqlx::query(
            "SELECT t.id, t.meeting_id, t.text, t.suggestion, t.proposed_by, t.proposed_at, \
             t.on_agenda_at, \
             (SELECT COUNT(*) FROM meeting_theme_vote v WHERE v.theme_id = t.id AND v.support = 1) \
               AS votes, \
             (SELECT v.support FROM meeting_theme_vote v WHERE v.theme_id = t.id \
               AND v.person_id = $1) AS my_vote \
             FROM meeting_theme t WHERE t.id = $2 AND t.school_id = $3",
        )
        .bind(me.0)
        .bind(id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(theme_from_row)
        .transpose()
    }

    /// A guardian's vote on a theme; voting again replaces the vote.
    pub async fn vote(
        &self,
        school_id: SchoolId,
        theme: &Theme,
        person: PersonId,
        support: bool,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO meeting_theme_vote (theme_id, school_id, meeting_id, person_id, support, \
             voted_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (theme_id, person_id) \
             DO UPDATE SET support = excluded.support, voted_at = excluded.voted_at",
        )
        .bind(theme.id)
        .bind(school_id.0)
        .bind(theme.meeting_id)
        .bind(person.0)
        .bind(i64::from(support))
        .bind(now())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Puts a theme on its meeting's agenda (appended), once.
    pub async fn theme_to_agenda(
        &self,
        school_id: SchoolId,
        meeting: &Meeting,
        theme: &Theme,
        by: PersonId,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let agenda: Option<String> =
            sqlx::query_scalar("SELECT agenda FROM meeting WHERE id = $1 AND school_id = $2")
                .bind(meeting.id)
                .bind(school_id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let mut items: Vec<String> = agenda
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if !items.iter().any(|i| i == &theme.text) {
            items.push(theme.text.clone());
        }
        let at = now();
        sqlx::query(
            "UPDATE meeting SET agenda = $1, updated_by = $2, updated_at = $3 \
             WHERE id = $4 AND school_id = $5",
        )
        .bind(items.join("\n"))
        .bind(by.0)
        .bind(at)
        .bind(meeting.id)
        .bind(school_id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE meeting_theme SET on_agenda_at = $1 WHERE id = $2 AND on_agenda_at IS NULL",
        )
        .bind(at)
        .bind(theme.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Replies (MEE-1)

    /// A guardian's reply; replying again replaces it.
    pub async fn rsvp(
        &self,
        school_id: SchoolId,
        meeting_id: i64,
        person: PersonId,
        rsvp: &Rsvp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO meeting_rsvp (meeting_id, school_id, person_id, coming, \
             interpreter_language, childcare, contribution, answered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (meeting_id, person_id) \
             DO UPDATE SET coming = excluded.coming, \
             interpreter_language = excluded.interpreter_language, \
             childcare = excluded.childcare, contribution = excluded.contribution, \
             answered_at = excluded.answered_at",
        )
        .bind(meeting_id)
        .bind(school_id.0)
        .bind(person.0)
        .bind(i64::from(rsvp.coming))
        .bind(rsvp.interpreter_language.as_deref())
        .bind(rsvp.childcare)
        .bind(rsvp.contribution.as_deref())
        .bind(now())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Every reply to a meeting, with names (for planners).
    pub async fn rsvps(&self, school_id: SchoolId, meeting_id: i64) -> Result<Vec<RsvpRow>> {
        sqlx::query(
            "SELECT r.person_id, p.given_name, p.family_name, p.home_language, r.coming, \
             r.interpreter_language, r.childcare, r.contribution, r.answered_at \
             FROM meeting_rsvp r JOIN person p ON p.id = r.person_id \
             WHERE r.meeting_id = $1 AND r.school_id = $2 ORDER BY p.given_name, p.family_name",
        )
        .bind(meeting_id)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(RsvpRow {
                person: name_of(r)?,
                rsvp: rsvp_from_row(r)?,
                answered_at: r.try_get("answered_at")?,
                home_language: r.try_get("home_language")?,
            })
        })
        .collect()
    }

    /// One guardian's reply.
    pub async fn my_rsvp(
        &self,
        school_id: SchoolId,
        meeting_id: i64,
        person: PersonId,
    ) -> Result<Option<Rsvp>> {
        sqlx::query(
            "SELECT coming, interpreter_language, childcare, contribution FROM meeting_rsvp \
             WHERE meeting_id = $1 AND person_id = $2 AND school_id = $3",
        )
        .bind(meeting_id)
        .bind(person.0)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(rsvp_from_row)
        .transpose()
    }

    // -----------------------------------------------------------------------------------------
    // At the meeting (MEE-4, MEE-5)

    /// Stores drawn groups, replacing earlier ones.
    pub async fn save_groups(
        &self,
        school_id: SchoolId,
        meeting_id: i64,
        mode: GroupMode,
        seed: i64,
        groups: &[Vec<PersonId>],
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM meeting_group_member WHERE meeting_id = $1 AND school_id = $2")
            .bind(meeting_id)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        for (no, group) in groups.iter().enumerate() {
            for person in group {
                sqlx::query(
                    "INSERT INTO meeting_group_member (meeting_id, school_id, group_no, person_id) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(meeting_id)
                .bind(school_id.0)
                .bind(no as i64 + 1)
                .bind(person.0)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query(
            "UPDATE meeting SET group_mode = $1, group_seed = $2 WHERE id = $3 AND school_id = $4",
        )
        .bind(mode.as_str())
        .bind(seed)
        .bind(meeting_id)
        .bind(school_id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The drawn groups, in order, with their members' names.
    pub async fn groups(
        &self,
        school_id: SchoolId,
        meeting_id: i64,
    ) -> Result<Vec<Vec<GroupMember>>> {
        let rows = sqlx::query(
            "SELECT g.group_no, g.person_id, p.given_name, p.family_name, p.contact_protected \
             FROM meeting_group_member g JOIN person p ON p.id = g.person_id \
             WHERE g.meeting_id = $1 AND g.school_id = $2 \
             ORDER BY g.group_no, p.given_name, p.family_name",
        )
        .bind(meeting_id)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?;
        let mut out: Vec<Vec<GroupMember>> = Vec::new();
        let mut current = None;
        for r in &rows {
            let no: i64 = r.try_get("group_no")?;
            if current != Some(no) {
                out.push(Vec::new());
                current = Some(no);
            }
            if let Some(last) = out.last_mut() {
                last.push(GroupMember {
                    person: name_of(r)?,
                    protected: r.try_get::<i64, _>("contact_protected")? != 0,
                });
            }
        }
        Ok(out)
    }

    /// Writes minutes and decisions; `publish` makes them visible to the class's guardians
    /// (a published text stays published when corrected).
    pub async fn save_minutes(
        &self,
        school_id: SchoolId,
        meeting_id: i64,
        minutes: Option<&str>,
        decisions: Option<&str>,
        publish: bool,
        by: PersonId,
    ) -> Result<()> {
        let at = now();
        sqlx::query(
            "UPDATE meeting SET minutes = $1, decisions = $2, \
             minutes_published_at = CASE WHEN $3 = 1 THEN COALESCE(minutes_published_at, $4) \
               ELSE minutes_published_at END, \
             updated_by = $5, updated_at = $4 WHERE id = $6 AND school_id = $7",
        )
        .bind(minutes)
        .bind(decisions)
        .bind(i64::from(publish))
        .bind(at)
        .bind(by.0)
        .bind(meeting_id)
        .bind(school_id.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Records the class's communication agreement on the meeting and sets the class's contact
    /// hours from it, in one transaction (MEE-5).
    pub async fn save_agreement(
        &self,
        school_id: SchoolId,
        meeting: &Meeting,
        agreement: &CommunicationAgreement,
        by: PersonId,
    ) -> Result<()> {
        let at = now();
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE meeting SET agreement_hours = $1, agreement_channels = $2, \
             agreement_answer_days = $3, agreement_at = $4, updated_by = $5, updated_at = $4 \
             WHERE id = $6 AND school_id = $7",
        )
        .bind(agreement.hours_text())
        .bind(agreement.channels_text())
        .bind(i64::from(agreement.answer_days))
        .bind(at)
        .bind(by.0)
        .bind(meeting.id)
        .bind(school_id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE class SET contact_hours = $1 WHERE id = $2 AND school_id = $3")
            .bind(agreement.hours_text())
            .bind(meeting.class_id.0)
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // The parent community (DIF-5)

    /// Whether the school lets guardians use their classes' parent boards.
    pub async fn parent_board_allowed(&self, school_id: SchoolId) -> Result<bool> {
        let v: Option<i64> = sqlx::query_scalar("SELECT parent_board FROM school WHERE id = $1")
            .bind(school_id.0)
            .fetch_optional(self.reader())
            .await?;
        Ok(v.unwrap_or(0) != 0)
    }

    pub async fn set_parent_board(&self, school_id: SchoolId, allowed: bool) -> Result<()> {
        sqlx::query("UPDATE school SET parent_board = $1 WHERE id = $2")
            .bind(i64::from(allowed))
            .bind(school_id.0)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The class's board, newest first: `limit` posts before the post `before` (keyset).
    pub async fn board_posts(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<BoardPost>> {
        sqlx::query(
            "SELECT b.id, b.kind, b.text, b.posted_at, b.posted_by AS person_id, p.given_name, \
             p.family_name FROM parent_board_post b JOIN person p ON p.id = b.posted_by \
             WHERE b.school_id = $1 AND b.class_id = $2 AND b.id < $3 ORDER BY b.id DESC LIMIT $4",
        )
        .bind(school_id.0)
        .bind(class_id.0)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(BoardPost {
                id: r.try_get("id")?,
                kind: parse(r.try_get("kind")?)?,
                text: r.try_get("text")?,
                posted_by: name_of(r)?,
                posted_at: r.try_get("posted_at")?,
            })
        })
        .collect()
    }

    pub async fn add_board_post(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        kind: OfferKind,
        text: &str,
        by: PersonId,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO parent_board_post (school_id, class_id, kind, text, posted_by, posted_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(school_id.0)
        .bind(class_id.0)
        .bind(kind.as_str())
        .bind(text)
        .bind(by.0)
        .bind(now())
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    /// Who of the class's guardians took part in meetings, their planning and the board.
    pub async fn taking_part(&self, school_id: SchoolId, class_id: ClassId) -> Result<TakingPart> {
        let guardians = self
            .class_guardians(school_id, class_id)
            .await?
            .into_iter()
            .map(|g| g.person.id)
            .collect();
        let fetch = |sql: &'static str| async move {
            ids(sqlx::query(sql)
                .bind(class_id.0)
                .bind(school_id.0)
                .fetch_all(self.reader())
                .await?)
        };
        Ok(TakingPart {
            guardians,
            at_meetings: fetch(
                "SELECT DISTINCT r.person_id FROM meeting_rsvp r JOIN meeting m ON m.id = r.meeting_id \
                 WHERE m.class_id = $1 AND m.school_id = $2 AND r.coming = 1",
            )
            .await?,
            in_planning: fetch(
                "SELECT t.proposed_by AS person_id FROM meeting_theme t \
                 JOIN meeting m ON m.id = t.meeting_id WHERE m.class_id = $1 AND m.school_id = $2 \
                 UNION SELECT v.person_id FROM meeting_theme_vote v \
                 JOIN meeting m ON m.id = v.meeting_id WHERE m.class_id = $1 AND m.school_id = $2",
            )
            .await?,
            on_board: fetch(
                "SELECT DISTINCT posted_by AS person_id FROM parent_board_post \
                 WHERE class_id = $1 AND school_id = $2",
            )
            .await?,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Parent bodies (PEO-5)

    pub async fn create_body(
        &self,
        school_id: SchoolId,
        kind: BodyKind,
        name: &str,
        by: PersonId,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO parent_body (school_id, kind, name, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school_id.0)
        .bind(kind.as_str())
        .bind(name)
        .bind(by.0)
        .bind(now())
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    /// The school's bodies; with `member_of`, only those the person is a member of.
    pub async fn bodies(
        &self,
        school_id: SchoolId,
        member_of: Option<PersonId>,
    ) -> Result<Vec<ParentBody>> {
        let rows =
            match member_of {
                None => sqlx::query(
                    "SELECT id, kind, name FROM parent_body WHERE school_id = $1 ORDER BY name, id",
                )
                .bind(school_id.0)
                .fetch_all(self.reader())
                .await?,
                Some(p) => {
                    sqlx::query(
                        "SELECT b.id, b.kind, b.name FROM parent_body b \
                     JOIN parent_body_member m ON m.body_id = b.id \
                     WHERE m.person_id = $1 AND b.school_id = $2 ORDER BY b.name, b.id",
                    )
                    .bind(p.0)
                    .bind(school_id.0)
                    .fetch_all(self.reader())
                    .await?
                }
            };
        rows.iter().map(body_from_row).collect()
    }

    pub async fn body(&self, school_id: SchoolId, id: i64) -> Result<Option<ParentBody>> {
        sqlx::query("SELECT id, kind, name FROM parent_body WHERE id = $1 AND school_id = $2")
            .bind(id)
            .bind(school_id.0)
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(body_from_row)
            .transpose()
    }

    pub async fn body_members(&self, school_id: SchoolId, body_id: i64) -> Result<Vec<PersonName>> {
        sqlx::query(
            "SELECT p.id AS person_id, p.given_name, p.family_name FROM parent_body_member m \
             JOIN person p ON p.id = m.person_id WHERE m.body_id = $1 AND m.school_id = $2 \
             ORDER BY p.given_name, p.family_name",
        )
        .bind(body_id)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(name_of)
        .collect()
    }

    pub async fn is_body_member(&self, body_id: i64, person: PersonId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM parent_body_member WHERE body_id = $1 AND person_id = $2",
        )
        .bind(body_id)
        .bind(person.0)
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    /// Adds a person of the school to a body (once).
    pub async fn add_body_member(
        &self,
        school_id: SchoolId,
        body_id: i64,
        person: PersonId,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO parent_body_member (body_id, school_id, person_id) VALUES ($1, $2, $3) \
             ON CONFLICT (body_id, person_id) DO NOTHING",
        )
        .bind(body_id)
        .bind(school_id.0)
        .bind(person.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Whether a person belongs to the school (any role).
    pub async fn is_of_school(&self, school_id: SchoolId, person: PersonId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM membership WHERE person_id = $1 AND school_id = $2 \
             AND role IN ('guardian', 'staff', 'leader')",
        )
        .bind(person.0)
        .bind(school_id.0)
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    /// The body's thread, the latest `limit` posts, oldest first.
    pub async fn body_posts(
        &self,
        school_id: SchoolId,
        body_id: i64,
        limit: i64,
    ) -> Result<Vec<BodyPost>> {
        let mut posts = sqlx::query(
            "SELECT b.id, b.text, b.posted_at, b.author AS person_id, p.given_name, p.family_name \
             FROM parent_body_post b JOIN person p ON p.id = b.author \
             WHERE b.body_id = $1 AND b.school_id = $2 ORDER BY b.id DESC LIMIT $3",
        )
        .bind(body_id)
        .bind(school_id.0)
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(BodyPost {
                id: r.try_get("id")?,
                author: name_of(r)?,
                text: r.try_get("text")?,
                posted_at: r.try_get("posted_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        posts.reverse();
        Ok(posts)
    }

    pub async fn add_body_post(
        &self,
        school_id: SchoolId,
        body_id: i64,
        author: PersonId,
        text: &str,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO parent_body_post (school_id, body_id, author, text, posted_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school_id.0)
        .bind(body_id)
        .bind(author.0)
        .bind(text)
        .bind(now())
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    // -----------------------------------------------------------------------------------------
    // Demo

    /// The demo's meeting: `rep` becomes a parent representative of the class, and a meeting in
    /// three weeks with two theme proposals (one voted on) is planned by `teacher`.
    pub(crate) async fn demo_meeting(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
        teacher: PersonId,
        rep: PersonId,
        proposers: &[PersonId],
        danish: bool,
    ) -> Result<()> {
        self.set_representative(school_id, class_id, rep, teacher, true)
            .await?;
        let starts = now() + 21 * 86_400;
        let starts = starts - starts % 3600;
        let (title, place, agenda, themes) = if danish {
            (
                "Forældremøde",
                "Skolens aula",
                vec!["Velkommen".to_owned(), "Klassens trivsel".to_owned()],
                ["Sengetider", "Fødselsdage"],
            )
        } else {
            (
                "Foreldremøte",
                "Skolens aula",
                vec!["Velkommen".to_owned(), "Klassemiljøet".to_owned()],
                ["Leggetider", "Bursdager"],
            )
        };
        let id = self
            .create_meeting(
                school_id,
                class_id,
                &MeetingPlan {
                    title,
                    starts_at: starts,
                    ends_at: starts + 2 * 3600,
                    place,
                    form: MeetingForm::Groups,
                    agenda: &agenda,
                    invitation: None,
                    rsvp_deadline: starts - 3 * 86_400,
                    remind_at: Some(starts - 86_400),
                },
                teacher,
            )
            .await?;
        for (text, by) in themes.iter().zip(proposers) {
            let theme = self.propose_theme(school_id, id, text, None, *by).await?;
            if let Some(t) = self.theme(school_id, theme, *by).await? {
                self.vote(school_id, &t, *by, true).await?;
            }
        }
        Ok(())
    }
}

fn theme_from_row(r: &AnyRow) -> Result<Theme> {
    Ok(Theme {
        id: r.try_get("id")?,
        meeting_id: r.try_get("meeting_id")?,
        text: r.try_get("text")?,
        suggestion: r.try_get("suggestion")?,
        proposed_by: PersonId(r.try_get("proposed_by")?),
        proposed_at: r.try_get("proposed_at")?,
        on_agenda: r.try_get::<Option<i64>, _>("on_agenda_at")?.is_some(),
        votes: r.try_get("votes")?,
        my_vote: r.try_get::<Option<i64>, _>("my_vote")?.map(|v| v != 0),
    })
}

fn rsvp_from_row(r: &AnyRow) -> Result<Rsvp> {
    Ok(Rsvp {
        coming: r.try_get::<i64, _>("coming")? != 0,
        interpreter_language: r.try_get("interpreter_language")?,
        childcare: r.try_get("childcare")?,
        contribution: r.try_get("contribution")?,
    })
}

fn body_from_row(r: &AnyRow) -> Result<ParentBody> {
    Ok(ParentBody {
        id: r.try_get("id")?,
        kind: parse(r.try_get("kind")?)?,
        name: r.try_get("name")?,
    })
}
