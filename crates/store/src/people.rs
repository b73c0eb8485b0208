//! Schools, classes, persons, roles and guardianships: the queries of the `people` area.
//!
//! These functions load records whole; what a given actor may see of them is decided by
//! `skolebro_domain::access` in the web layer.

use std::collections::HashMap;

use skolebro_domain::access::{Actor, ChildLink, ClassLink};
use skolebro_domain::people::InterpreterNeed;
use skolebro_domain::{Access, ClassId, Country, Lang, PersonId, Role, SchoolId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{parse, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    pub id: SchoolId,
    pub name: String,
    pub country: Country,
    pub time_zone: String,
    pub locale: Lang,
}

impl School {
    /// From a row with the school's columns, each name after `prefix` (`id`, `name`, `country`,
    /// `time_zone`, `locale`).
    pub(crate) fn from_row(row: &AnyRow, prefix: &str) -> Result<Self> {
        let col = |c: &str| format!("{prefix}{c}");
        Ok(School {
            id: SchoolId(row.try_get(col("id").as_str())?),
            name: row.try_get(col("name").as_str())?,
            country: parse(row.try_get(col("country").as_str())?)?,
            time_zone: row.try_get(col("time_zone").as_str())?,
            locale: parse(row.try_get(col("locale").as_str())?)?,
        })
    }
}

impl Me {
    /// From a row with the person's columns (`id`, `given_name`, `family_name`, `language`) and
    /// the account's `username`.
    pub(crate) fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Me {
            person: PersonName::from_row(row, "")?,
            username: row.try_get("username")?,
            language: row
                .try_get::<Option<String>, _>("language")?
                .map(parse)
                .transpose()?,
        })
    }
}

/// A person's name, enough to list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub id: PersonId,
    pub given_name: String,
    pub family_name: String,
}

impl PersonName {
    pub fn full(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// Reads `{prefix}id`, `{prefix}given_name`, `{prefix}family_name` of a row.
    pub(crate) fn from_row(row: &AnyRow, prefix: &str) -> Result<Self> {
        Ok(PersonName {
            id: PersonId(row.try_get(format!("{prefix}id").as_str())?),
            given_name: row.try_get(format!("{prefix}given_name").as_str())?,
            family_name: row.try_get(format!("{prefix}family_name").as_str())?,
        })
    }
}

/// How to reach a person. `protected` marks name and address protection (PEO-3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub protected: bool,
}

/// A guardian as listed on a pupil: who, with what access, how to reach them, and the language
/// help they need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardian {
    pub person: PersonName,
    pub access: Access,
    /// The child's household the guardian belongs to (1, or 2 for a second home).
    pub household: i64,
    pub contact: Contact,
    pub home_language: Option<String>,
    pub interpreter: Option<InterpreterNeed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSummary {
    pub id: ClassId,
    pub name: String,
    pub grade: i64,
    pub school_year: String,
    pub pupil_count: i64,
}

/// A staff member linked to a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffLink {
    pub person: PersonName,
    pub class_id: ClassId,
    pub contact_teacher: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilInClass {
    pub person: PersonName,
    pub guardians: Vec<Guardian>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDetail {
    pub class: ClassSummary,
    pub staff: Vec<StaffLink>,
    pub pupils: Vec<PupilInClass>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilDetail {
    pub person: PersonName,
    pub school_id: SchoolId,
    pub classes: Vec<ClassSummary>,
    pub guardians: Vec<Guardian>,
    pub staff: Vec<StaffLink>,
}

impl PupilDetail {
    pub fn class_ids(&self) -> Vec<ClassId> {
        self.classes.iter().map(|c| c.id).collect()
    }
}

/// A person's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub person: PersonName,
    pub username: Option<String>,
    pub language: Option<Lang>,
}

const GUARDIAN_COLUMNS: &str =
    "g.pupil_id, g.access, g.household, p.id, p.given_name, p.family_name, p.email, \
     p.phone, p.address, p.contact_protected, p.home_language, p.interpreter_language, \
     p.interpreter_dialect, p.interpreter_gender";

fn guardian_from_row(row: &AnyRow) -> Result<(PersonId, Guardian)> {
    let interpreter = row
        .try_get::<Option<String>, _>("interpreter_language")?
        .map(|language| -> Result<InterpreterNeed> {
            Ok(InterpreterNeed {
                language,
                dialect: row.try_get("interpreter_dialect")?,
                preferred_gender: row.try_get("interpreter_gender")?,
            })
        })
        .transpose()?;
    Ok((
        PersonId(row.try_get("pupil_id")?),
        Guardian {
            person: PersonName::from_row(row, "")?,
            access: parse(row.try_get("access")?)?,
            household: row.try_get("household")?,
            contact: Contact {
                email: row.try_get("email")?,
                phone: row.try_get("phone")?,
                address: row.try_get("address")?,
                protected: row.try_get::<i64, _>("contact_protected")? != 0,
            },
            home_language: row.try_get("home_language")?,
            interpreter,
        },
    ))
}

fn class_from_row(row: &AnyRow) -> Result<ClassSummary> {
    Ok(ClassSummary {
        id: ClassId(row.try_get("id")?),
        name: row.try_get("name")?,
        grade: row.try_get("grade")?,
        school_year: row.try_get("school_year")?,
        pupil_count: row.try_get("pupil_count")?,
    })
}

const CLASS_COLUMNS: &str = "c.id, c.name, c.grade, c.school_year, \
     (SELECT COUNT(*) FROM enrolment e WHERE e.class_id = c.id) AS pupil_count";

impl Store {
    pub async fn school(&self, id: SchoolId) -> Result<School> {
        let row =
            sqlx::query("SELECT id, name, country, time_zone, locale FROM school WHERE id = $1")
                .bind(id.0)
                .fetch_optional(self.reader())
                .await?
                .ok_or(StoreError::NotFound)?;
        School::from_row(&row, "")
    }

    /// The first school, for pages shown before anyone signs in.
    pub async fn first_school(&self) -> Result<Option<School>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM school")
            .fetch_one(self.reader())
            .await?;
        match id {
            Some(id) => Ok(Some(self.school(SchoolId(id)).await?)),
            None => Ok(None),
        }
    }

    /// Loads who a person is at a school: roles, classes taught, children, own classes. One
    /// statement of four indexed look-ups, each bounded by the person's own links: it runs on
    /// every signed-in request, so it is one round trip to the database, not four.
    pub async fn actor(&self, person_id: PersonId, school_id: SchoolId) -> Result<Actor> {
        let rows = sqlx::query(
            "SELECT 'role' AS link, CAST(NULL AS BIGINT) AS id, m.role AS value, \
               CAST(NULL AS BIGINT) AS n, CAST(NULL AS BIGINT) AS class_id \
               FROM membership m WHERE m.person_id = $1 AND m.school_id = $2 \
             UNION ALL SELECT 'teaches', cs.class_id, NULL, cs.contact_teacher, NULL \
               FROM class_staff cs WHERE cs.person_id = $3 AND cs.school_id = $4 \
             UNION ALL SELECT 'child', g.pupil_id, g.access, g.household, e.class_id \
               FROM guardianship g LEFT JOIN enrolment e ON e.pupil_id = g.pupil_id \
               WHERE g.guardian_id = $5 AND g.school_id = $6 \
             UNION ALL SELECT 'enrolled', e2.class_id, NULL, NULL, NULL \
               FROM enrolment e2 WHERE e2.pupil_id = $7 AND e2.school_id = $8",
        )
        .bind(person_id.0)
        .bind(school_id.0)
        .bind(person_id.0)
        .bind(school_id.0)
        .bind(person_id.0)
        .bind(school_id.0)
        .bind(person_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?;
        let mut roles = Vec::new();
        let mut teaches = Vec::new();
        let mut children: Vec<ChildLink> = Vec::new();
        let mut child_classes = Vec::new();
        let mut enrolled = Vec::new();
        for r in rows {
            let id = || -> Result<i64> {
                r.try_get::<Option<i64>, _>("id")?
                    .ok_or_else(|| StoreError::Other("actor link without id".into()))
            };
            match r.try_get::<String, _>("link")?.as_str() {
                "role" => roles.push(parse::<Role>(r.try_get("value")?)?),
                "teaches" => teaches.push(ClassLink {
                    class_id: ClassId(id()?),
                    contact_teacher: r.try_get::<Option<i64>, _>("n")?.unwrap_or(0) != 0,
                }),
                "child" => {
                    let pupil_id = PersonId(id()?);
                    if !children.iter().any(|c| c.pupil_id == pupil_id) {
                        children.push(ChildLink {
                            pupil_id,
                            access: parse(r.try_get("value")?)?,
                            household: r.try_get::<Option<i64>, _>("n")?.unwrap_or(1),
                        });
                    }
                    if let Some(class) = r.try_get::<Option<i64>, _>("class_id")? {
                        child_classes.push((pupil_id, ClassId(class)));
                    }
                }
                _ => enrolled.push(ClassId(id()?)),
            }
        }
        Ok(Actor {
            person_id,
            school_id,
            roles,
            teaches,
            children,
            enrolled,
            child_classes,
        })
    }

    pub async fn me(&self, person_id: PersonId) -> Result<Me> {
        let row = sqlx::query(
            "SELECT p.id, p.given_name, p.family_name, p.language, a.username FROM person p \
             LEFT JOIN account a ON a.person_id = p.id WHERE p.id = $1",
        )
        .bind(person_id.0)
        .fetch_optional(self.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
        Me::from_row(&row)
    }

    pub async fn set_language(&self, person_id: PersonId, lang: Option<Lang>) -> Result<()> {
        sqlx::query("UPDATE person SET language = $1 WHERE id = $2")
            .bind(lang.map(|l| l.as_str()))
            .bind(person_id.0)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Classes by id, within one school; ids of other schools are left out.
    pub async fn classes_by_id(
        &self,
        school_id: SchoolId,
        ids: &[ClassId],
    ) -> Result<Vec<ClassSummary>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(&format!(
                "SELECT {CLASS_COLUMNS} FROM class c WHERE c.id = $1 AND c.school_id = $2"
            ))
            .bind(id.0)
            .bind(school_id.0)
            .fetch_optional(self.reader())
            .await?;
            if let Some(row) = row {
                out.push(class_from_row(&row)?);
            }
        }
        out.sort_by(|a, b| (a.grade, &a.name).cmp(&(b.grade, &b.name)));
        Ok(out)
    }

    /// One page of a school's classes in grade order, starting after `after` (grade, name).
    pub async fn school_classes(
        &self,
        school_id: SchoolId,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<ClassSummary>> {
        let (grade, name) = after.unwrap_or((-1, ""));
        sqlx::query(&format!(
            "SELECT {CLASS_COLUMNS} FROM class c WHERE c.school_id = $1 \
             AND (c.grade > $2 OR (c.grade = $2 AND c.name > $3)) \
             ORDER BY c.grade, c.name LIMIT $4"
        ))
        .bind(school_id.0)
        .bind(grade)
        .bind(name)
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(class_from_row)
        .collect()
    }

    /// Head counts of a school, for the leader's overview.
    pub async fn school_counts(&self, school_id: SchoolId) -> Result<HashMap<Role, i64>> {
        let mut counts = HashMap::new();
        for row in sqlx::query(
            "SELECT role, COUNT(*) AS n FROM membership WHERE school_id = $1 GROUP BY role",
        )
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        {
            counts.insert(
                parse::<Role>(row.try_get("role")?)?,
                row.try_get::<i64, _>("n")?,
            );
        }
        Ok(counts)
    }

    async fn staff_of_classes(
        &self,
        school_id: SchoolId,
        classes: &[ClassId],
    ) -> Result<Vec<StaffLink>> {
        let mut out = Vec::new();
        for class in classes {
            let rows = sqlx::query(
                "SELECT p.id, p.given_name, p.family_name, cs.class_id, cs.contact_teacher \
                 FROM class_staff cs JOIN person p ON p.id = cs.person_id \
                 WHERE cs.class_id = $1 AND cs.school_id = $2 \
                 ORDER BY cs.contact_teacher DESC, p.family_name, p.given_name",
            )
            .bind(class.0)
            .bind(school_id.0)
            .fetch_all(self.reader())
            .await?;
            for r in rows {
                out.push(StaffLink {
                    person: PersonName::from_row(&r, "")?,
                    class_id: ClassId(r.try_get("class_id")?),
                    contact_teacher: r.try_get::<i64, _>("contact_teacher")? != 0,
                });
            }
        }
        Ok(out)
    }

    /// A class with its staff, pupils and their guardians. `None` when the class is not the
    /// school's.
    pub async fn class_detail(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
    ) -> Result<Option<ClassDetail>> {
        let Some(class) = self.classes_by_id(school_id, &[class_id]).await?.pop() else {
            return Ok(None);
        };
        let staff = self.staff_of_classes(school_id, &[class_id]).await?;
        let pupil_rows = sqlx::query(
            "SELECT p.id, p.given_name, p.family_name FROM enrolment e \
             JOIN person p ON p.id = e.pupil_id WHERE e.class_id = $1 AND e.school_id = $2 \
             ORDER BY p.given_name, p.family_name, p.id",
        )
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?;
        let mut guardians: HashMap<PersonId, Vec<Guardian>> = HashMap::new();
        for row in sqlx::query(&format!(
            "SELECT {GUARDIAN_COLUMNS} FROM enrolment e \
             JOIN guardianship g ON g.pupil_id = e.pupil_id \
             JOIN person p ON p.id = g.guardian_id \
             WHERE e.class_id = $1 AND e.school_id = $2 \
             ORDER BY p.given_name, p.family_name"
        ))
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        {
            let (pupil, g) = guardian_from_row(&row)?;
            guardians.entry(pupil).or_default().push(g);
        }
        let pupils = pupil_rows
            .iter()
            .map(|r| {
                let person = PersonName::from_row(r, "")?;
                Ok(PupilInClass {
                    guardians: guardians.remove(&person.id).unwrap_or_default(),
                    person,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(ClassDetail {
            class,
            staff,
            pupils,
        }))
    }

    /// A pupil with classes, guardians and staff. `None` when no such pupil is the school's.
    pub async fn pupil_detail(
        &self,
        school_id: SchoolId,
        pupil_id: PersonId,
    ) -> Result<Option<PupilDetail>> {
        let row = sqlx::query(
            "SELECT p.id, p.given_name, p.family_name FROM person p \
             JOIN membership m ON m.person_id = p.id AND m.role = 'pupil' \
             WHERE p.id = $1 AND p.school_id = $2",
        )
        .bind(pupil_id.0)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let person = PersonName::from_row(&row, "")?;
        let class_ids =
            sqlx::query("SELECT class_id FROM enrolment WHERE pupil_id = $1 AND school_id = $2")
                .bind(pupil_id.0)
                .bind(school_id.0)
                .fetch_all(self.reader())
                .await?
                .iter()
                .map(|r| Ok(ClassId(r.try_get("class_id")?)))
                .collect::<Result<Vec<_>>>()?;
        let classes = self.classes_by_id(school_id, &class_ids).await?;
        let guardians = sqlx::query(&format!(
            "SELECT {GUARDIAN_COLUMNS} FROM guardianship g JOIN person p ON p.id = g.guardian_id \
             WHERE g.pupil_id = $1 AND g.school_id = $2 ORDER BY p.given_name, p.family_name"
        ))
        .bind(pupil_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| guardian_from_row(r).map(|(_, g)| g))
        .collect::<Result<Vec<_>>>()?;
        let staff = self.staff_of_classes(school_id, &class_ids).await?;
        Ok(Some(PupilDetail {
            person,
            school_id,
            classes,
            guardians,
            staff,
        }))
    }

    /// Names of persons by id within a school, in the order given; unknown ids are left out.
    pub async fn names(&self, school_id: SchoolId, ids: &[PersonId]) -> Result<Vec<PersonName>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = sqlx::query(
                "SELECT id, given_name, family_name FROM person WHERE id = $1 AND school_id = $2",
            )
            .bind(id.0)
            .bind(school_id.0)
            .fetch_optional(self.reader())
            .await?
            {
                out.push(PersonName::from_row(&row, "")?);
            }
        }
        Ok(out)
    }
}
