//! Posts and newsletters (MSG-5), their images and acknowledgements, and class photo albums with
//! the families' consent.
//!
//! Fan-out on read: a post stores its audience, and a reader's list is one query over the
//! reader's classes, grades and role ([`skolebro_domain::access::PostScope`]). Writing a post to
//! the whole school is one row in one transaction whatever the school's size; reading a page of
//! posts walks the `(school_id, publish_at, id)` index backwards from the cursor.

use skolebro_domain::access::PostScope;
pub use skolebro_domain::posts::Audience;
use skolebro_domain::posts::{self as rules, ConsentAnswer, Cursor, Tag};
use skolebro_domain::{Access, ClassId, PersonId, SchoolId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{audit_in, AuditRow};
use crate::db::{insert_rows, Val};
use crate::files::NewAttachment;
use crate::notify::Notification;
use crate::people::PersonName;
use crate::{parse, Result, Store, StoreError};
use skolebro_domain::notify::NotifyKind;

/// A post to be written.
#[derive(Debug, Clone)]
pub struct NewPost<'a> {
    pub school_id: SchoolId,
    pub author_id: PersonId,
    pub audience: Audience,
    pub title: &'a str,
    pub body: &'a str,
    pub acknowledge: bool,
    pub emergency: bool,
    pub publish_at: i64,
    pub created_at: i64,
    /// Announce it through the outbox (MSG-8) when it is out now; demo and history posts are
    /// not announced.
    pub announce: bool,
    /// Its images, already in the file store: their rows are written with the post's.
    pub images: &'a [NewAttachment],
}

/// A post as one reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub author: PersonName,
    pub audience: Audience,
    pub title: String,
    pub body: String,
    pub acknowledge: bool,
    pub emergency: bool,
    pub pinned: bool,
    pub publish_at: i64,
    pub created_at: i64,
    /// When the reader acknowledged it, if they have.
    pub acknowledged_at: Option<i64>,
}

impl Post {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            key: self.publish_at,
            id: self.id,
        }
    }
}

/// An image on a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostImage {
    pub id: i64,
    pub post_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// Who has and has not confirmed "read and understood".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acknowledgements {
    pub acknowledged: Vec<(PersonName, i64)>,
    pub pending: Vec<PersonName>,
}

/// A photo to put in a class's album.
#[derive(Debug, Clone)]
pub struct NewPhoto<'a> {
    pub school_id: SchoolId,
    pub class_id: ClassId,
    pub uploaded_by: PersonId,
    pub caption: &'a str,
    pub file: &'a NewAttachment,
    pub tags: &'a [PersonId],
}

/// A photo of an album, with its tagged pupils and whether each family consents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub id: i64,
    pub class_id: ClassId,
    pub caption: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
    pub tags: Vec<Tag>,
}

/// What a list of posts is asked for.
#[derive(Debug, Clone)]
pub struct PostQuery<'a> {
    pub school_id: SchoolId,
    pub reader: PersonId,
    pub scope: &'a PostScope,
    pub now: i64,
    pub before: Option<Cursor>,
    pub limit: i64,
    /// Only the pinned posts.
    pub pinned_only: bool,
}

const POST_COLUMNS: &str = "p.id, p.audience, p.class_id, p.grade, p.title, p.body, \
     p.acknowledge, p.emergency, p.pinned, p.publish_at, p.created_at, p.author_id, \
     a.given_name, a.family_name, k.at AS acknowledged_at";

fn post_from_row(row: &AnyRow) -> Result<Post> {
    let kind: String = row.try_get("audience")?;
    let audience = Audience::from_parts(&kind, row.try_get("class_id")?, row.try_get("grade")?)
        .ok_or_else(|| StoreError::Other(format!("bad stored audience {kind:?}")))?;
    Ok(Post {
        id: row.try_get("id")?,
        author: PersonName {
            id: PersonId(row.try_get("author_id")?),
            given_name: row.try_get("given_name")?,
            family_name: row.try_get("family_name")?,
        },
        audience,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        acknowledge: row.try_get::<i64, _>("acknowledge")? != 0,
        emergency: row.try_get::<i64, _>("emergency")? != 0,
        pinned: row.try_get::<i64, _>("pinned")? != 0,
        publish_at: row.try_get("publish_at")?,
        created_at: row.try_get("created_at")?,
        acknowledged_at: row.try_get("acknowledged_at")?,
    })
}

/// `$n, $n+1, …` for `count` parameters starting at `first`.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const IMAGE_COLUMNS: &str = "id, post_id, file_name, content_type, size, sha256";

fn image_from_row(row: &AnyRow) -> Result<PostImage> {
    Ok(PostImage {
        id: row.try_get("id")?,
        post_id: row.try_get("post_id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
    })
}

const PHOTO_COLUMNS: &str =
    "id, class_id, caption, file_name, content_type, size, sha256, created_at";

fn photo_from_row(row: &AnyRow) -> Result<Photo> {
    Ok(Photo {
        id: row.try_get("id")?,
        class_id: ClassId(row.try_get("class_id")?),
        caption: row.try_get("caption")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        created_at: row.try_get("created_at")?,
        tags: Vec::new(),
    })
}

impl Store {
    /// Writes `count` posts by `author` in one transaction, for measurements: a mix of the
    /// whole school (3 in 10), the staff (1 in 10), a grade (2 in 10) and a class (4 in 10),
    /// spread over the classes in turn, one a minute up to `end`.
    pub async fn create_post_history(
        &self,
        school_id: SchoolId,
        author: PersonId,
        count: u64,
        end: i64,
    ) -> Result<()> {
        let classes: Vec<(i64, i64)> =
            sqlx::query("SELECT id, grade FROM class WHERE school_id = $1 ORDER BY id")
                .bind(school_id.0)
                .fetch_all(self.reader())
                .await?
                .iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("grade")?)))
                .collect::<Result<_>>()?;
        if classes.is_empty() {
            return Err(StoreError::Invalid("the school has no classes".into()));
        }
        let mut rows = Vec::with_capacity(count as usize);
        for n in 0..count {
            let (class, grade) = classes[(n as usize / 10) % classes.len()];
            let (kind, class, grade) = match n % 10 {
                0..=2 => ("school", Val::NullInt, Val::NullInt),
                3 => ("staff", Val::NullInt, Val::NullInt),
                4 | 5 => ("grade", Val::NullInt, Val::Int(grade)),
                _ => ("class", Val::Int(class), Val::NullInt),
            };
            let at = end - (count - n) as i64 * 60;
            rows.push(vec![
                school_id.0.into(),
                author.0.into(),
                kind.into(),
                class,
                grade,
                format!("Nyhedsbrev {n}").into(),
                "Kære alle. Her er ugens nyt fra skolen.".into(),
                0i64.into(),
                at.into(),
                at.into(),
            ]);
        }
        let mut tx = self.write.begin().await?;
        insert_rows(
            &mut tx,
            "post",
            &[
                "school_id",
                "author_id",
                "audience",
                "class_id",
                "grade",
                "title",
                "body",
                "acknowledge",
                "publish_at",
                "created_at",
            ],
            &rows,
        )
        .await?;
        tx.commit().await?;
        self.refresh_statistics().await
    }

    /// Stores a post with its images and, when it is out now, a notice for each of its readers in the same
    /// transaction (MSG-8): the post is one row whatever the audience; the notices are one
    /// multi-row insert per few hundred readers. An emergency post's notices go at once and by
    /// SMS as well, whatever each reader chose.
    pub async fn create_post(&self, post: &NewPost<'_>) -> Result<i64> {
        let (class, grade) = match post.audience {
            Audience::Class(c) => (Some(c.0), None),
            Audience::Grade(g) => (None, Some(g)),
            Audience::Staff | Audience::School => (None, None),
        };
        let out_now = post.publish_at <= crate::now();
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO post (school_id, author_id, audience, class_id, grade, title, body, \
             acknowledge, emergency, pinned, publish_at, created_at, announce_due) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12) RETURNING id",
        )
        .bind(post.school_id.0)
        .bind(post.author_id.0)
        .bind(post.audience.kind())
        .bind(class)
        .bind(grade)
        .bind(post.title)
        .bind(post.body)
        .bind(post.acknowledge as i64)
        .bind(post.emergency as i64)
        .bind(post.publish_at)
        .bind(post.created_at)
        // A scheduled post is announced by the worker when it goes live.
        .bind(i64::from(post.announce && !out_now))
        .fetch_one(&mut *tx)
        .await?;
        let images: Vec<Vec<Val>> = post
            .images
            .iter()
            .map(|image| {
                vec![
                    post.school_id.0.into(),
                    id.into(),
                    image.file_name.clone().into(),
                    image.content_type.clone().into(),
                    image.size.into(),
                    image.sha256.clone().into(),
                    post.created_at.into(),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "post_image",
            &[
                "school_id",
                "post_id",
                "file_name",
                "content_type",
                "size",
                "sha256",
                "created_at",
            ],
            &images,
        )
        .await?;
        if post.announce && out_now {
            announce_in(
                &mut tx,
                &Announced {
                    id,
                    school_id: post.school_id,
                    author_id: post.author_id,
                    audience: post.audience,
                    title: post.title.to_owned(),
                    body: post.body.to_owned(),
                    emergency: post.emergency,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Announces the scheduled posts whose time has come, at most `limit` of them: each post's
    /// notices are written in the transaction that clears its mark, so a post is announced
    /// once even when two workers run. Returns how many posts were announced.
    pub async fn announce_due_posts(&self, now: i64, limit: i64) -> Result<usize> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM post WHERE announce_due = 1 AND publish_at <= $1 \
             ORDER BY publish_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.write)
        .await?;
        let mut announced = 0;
        for id in due {
            let mut tx = self.write.begin().await?;
            let claimed =
                sqlx::query("UPDATE post SET announce_due = 0 WHERE id = $1 AND announce_due = 1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if claimed == 0 {
                continue;
            }
            let row = sqlx::query(
                "SELECT school_id, author_id, audience, class_id, grade, title, body, emergency \
                 FROM post WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let kind: String = row.try_get("audience")?;
            let audience =
                Audience::from_parts(&kind, row.try_get("class_id")?, row.try_get("grade")?)
                    .ok_or_else(|| {
                        StoreError::Other(format!("post {id}: bad audience {kind:?}"))
                    })?;
            announce_in(
                &mut tx,
                &Announced {
                    id,
                    school_id: SchoolId(row.try_get("school_id")?),
                    author_id: PersonId(row.try_get("author_id")?),
                    audience,
                    title: row.try_get("title")?,
                    body: row.try_get("body")?,
                    emergency: row.try_get::<i64, _>("emergency")? != 0,
                },
            )
            .await?;
            tx.commit().await?;
            announced += 1;
        }
        Ok(announced)
    }

    /// The classes a post's audience covers: the class, every class of the grade, or none (the
    /// staff, the whole school).
    pub async fn audience_classes(
        &self,
        school_id: SchoolId,
        audience: Audience,
    ) -> Result<Vec<ClassId>> {
        match audience {
            Audience::Class(c) => {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM class WHERE id = $1 AND school_id = $2")
                        .bind(c.0)
                        .bind(school_id.0)
                        .fetch_optional(self.reader())
                        .await?;
                Ok(found.map(ClassId).into_iter().collect())
            }
            Audience::Grade(g) => Ok(sqlx::query_scalar::<_, i64>(
                "SELECT id FROM class WHERE school_id = $1 AND grade = $2 ORDER BY id",
            )
            .bind(school_id.0)
            .bind(g)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(ClassId)
            .collect()),
            Audience::Staff | Audience::School => Ok(Vec::new()),
        }
    }

    /// One post of the school, as `reader` sees it; `None` when there is none.
    pub async fn post(
        &self,
        school_id: SchoolId,
        id: i64,
        reader: PersonId,
    ) -> Result<Option<Post>> {
        sqlx::query(&format!(
            "SELECT {POST_COLUMNS} FROM post p JOIN person a ON a.id = p.author_id \
             LEFT JOIN post_ack k ON k.post_id = p.id AND k.person_id = $3 \
             WHERE p.id = $1 AND p.school_id = $2"
        ))
        .bind(id)
        .bind(school_id.0)
        .bind(reader.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(post_from_row)
        .transpose()
    }

    /// One page of the posts a reader sees, newest first, before the cursor: one query,
    /// whatever the history. A reader sees their own posts (scheduled ones too) and the
    /// published posts their scope covers.
    pub async fn posts_for(&self, q: &PostQuery<'_>) -> Result<Vec<Post>> {
        // $1 school, $2 reader, $3 now, $4/$5 cursor, $6 limit; classes from $7.
        let mut visible = vec!["p.author_id = $2".to_owned()];
        if q.scope.everything {
            visible.push("1 = 1".into());
        } else {
            if q.scope.school {
                visible.push("p.audience = 'school'".into());
            }
            if q.scope.staff {
                visible.push("p.audience = 'staff'".into());
            }
            if !q.scope.classes.is_empty() {
                let list = placeholders(7, q.scope.classes.len());
                visible.push(format!("p.class_id IN ({list})"));
                visible.push(format!(
                    "(p.audience = 'grade' AND p.grade IN \
                     (SELECT c.grade FROM class c WHERE c.id IN ({list})))"
                ));
            }
        }
        let published = if q.scope.everything {
            "1 = 1"
        } else {
            "(p.publish_at <= $3 OR p.author_id = $2)"
        };
        let pinned = if q.pinned_only {
            " AND p.pinned = 1"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM post p JOIN person a ON a.id = p.author_id \
             LEFT JOIN post_ack k ON k.post_id = p.id AND k.person_id = $2 \
             WHERE p.school_id = $1 AND {published} AND ({}){pinned} \
             AND (p.publish_at < $4 OR (p.publish_at = $4 AND p.id < $5)) \
             ORDER BY p.publish_at DESC, p.id DESC LIMIT $6",
            visible.join(" OR ")
        );
        let before = q.before.unwrap_or(Cursor::START);
        let mut query = sqlx::query(&sql)
            .bind(q.school_id.0)
            .bind(q.reader.0)
            .bind(q.now)
            .bind(before.key)
            .bind(before.id)
            .bind(q.limit);
        for c in &q.scope.classes {
            query = query.bind(c.0);
        }
        query
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(post_from_row)
            .collect()
    }

    /// Pins or unpins a post.
    pub async fn set_pinned(&self, school_id: SchoolId, id: i64, pinned: bool) -> Result<()> {
        sqlx::query("UPDATE post SET pinned = $1 WHERE id = $2 AND school_id = $3")
            .bind(pinned as i64)
            .bind(id)
            .bind(school_id.0)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Records that `person` read and understood the post; the first time counts.
    pub async fn acknowledge_post(
        &self,
        school_id: SchoolId,
        id: i64,
        person: PersonId,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO post_ack (post_id, person_id, school_id, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (post_id, person_id) DO NOTHING",
        )
        .bind(id)
        .bind(person.0)
        .bind(school_id.0)
        .bind(at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Who is asked to acknowledge a post — the guardians (custody or information) of the
    /// pupils its audience covers, or the staff for a staff post — and who has.
    pub async fn acknowledgements(
        &self,
        school_id: SchoolId,
        post: &Post,
        classes: &[ClassId],
    ) -> Result<Acknowledgements> {
        let readers = match post.audience {
            Audience::Staff => "SELECT DISTINCT m.person_id AS id FROM membership m \
                 WHERE m.school_id = $1 AND m.role IN ('staff', 'leader')"
                .to_owned(),
            Audience::School => "SELECT DISTINCT g.guardian_id AS id FROM guardianship g \
                 JOIN enrolment e ON e.pupil_id = g.pupil_id \
                 WHERE g.school_id = $1 AND g.access IN ('full', 'info')"
                .to_owned(),
            Audience::Class(_) | Audience::Grade(_) => {
                if classes.is_empty() {
                    return Ok(Acknowledgements::default());
                }
                format!(
                    "SELECT DISTINCT g.guardian_id AS id FROM guardianship g \
                     JOIN enrolment e ON e.pupil_id = g.pupil_id \
                     WHERE g.school_id = $1 AND g.access IN ('full', 'info') \
                     AND e.class_id IN ({})",
                    placeholders(3, classes.len())
                )
            }
        };
        let sql = format!(
            "SELECT r.id, pe.given_name, pe.family_name, k.at FROM ({readers}) r \
             JOIN person pe ON pe.id = r.id \
             LEFT JOIN post_ack k ON k.post_id = $2 AND k.person_id = r.id \
             WHERE r.id <> (SELECT author_id FROM post WHERE id = $2) \
             ORDER BY pe.family_name, pe.given_name, r.id"
        );
        let mut query = sqlx::query(&sql).bind(school_id.0).bind(post.id);
        if matches!(post.audience, Audience::Class(_) | Audience::Grade(_)) {
            for c in classes {
                query = query.bind(c.0);
            }
        }
        let mut out = Acknowledgements::default();
        for row in query.fetch_all(self.reader()).await? {
            let name = PersonName {
                id: PersonId(row.try_get("id")?),
                given_name: row.try_get("given_name")?,
                family_name: row.try_get("family_name")?,
            };
            match row.try_get::<Option<i64>, _>("at")? {
                Some(at) => out.acknowledged.push((name, at)),
                None => out.pending.push(name),
            }
        }
        Ok(out)
    }

    /// Adds an image (stored and checked) to a post.
    pub async fn add_post_image(
        &self,
        school_id: SchoolId,
        post_id: i64,
        image: &NewAttachment,
        at: i64,
    ) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM post_image WHERE post_id = $1")
            .bind(post_id)
            .fetch_one(&mut *tx)
            .await?;
        if count >= rules::MAX_IMAGES as i64 {
            return Err(StoreError::Conflict(format!(
                "a post carries at most {} images",
                rules::MAX_IMAGES
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO post_image (school_id, post_id, file_name, content_type, size, sha256, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(school_id.0)
        .bind(post_id)
        .bind(&image.file_name)
        .bind(&image.content_type)
        .bind(image.size)
        .bind(&image.sha256)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The images of the given posts, in the order they were added.
    pub async fn post_images(&self, post_ids: &[i64]) -> Result<Vec<PostImage>> {
        let mut out = Vec::new();
        for chunk in post_ids.chunks(500) {
            let sql = format!(
                "SELECT {IMAGE_COLUMNS} FROM post_image WHERE post_id IN ({}) \
                 ORDER BY post_id, id",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(self.reader()).await? {
                out.push(image_from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// One image of one post.
    pub async fn post_image(
        &self,
        school_id: SchoolId,
        post_id: i64,
        id: i64,
    ) -> Result<Option<PostImage>> {
        sqlx::query(&format!(
            "SELECT {IMAGE_COLUMNS} FROM post_image \
             WHERE id = $1 AND post_id = $2 AND school_id = $3"
        ))
        .bind(id)
        .bind(post_id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(image_from_row)
        .transpose()
    }

    /// The pupils enrolled in a class.
    pub async fn class_pupil_ids(
        &self,
        school_id: SchoolId,
        class_id: ClassId,
    ) -> Result<Vec<PersonId>> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT pupil_id FROM enrolment WHERE class_id = $1 AND school_id = $2",
        )
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .into_iter()
        .map(PersonId)
        .collect())
    }

    /// Puts a photo with its tags in a class's album, in one transaction.
    pub async fn add_photo(&self, photo: &NewPhoto<'_>, at: i64) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO photo (school_id, class_id, uploaded_by, caption, file_name, \
             content_type, size, sha256, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(photo.school_id.0)
        .bind(photo.class_id.0)
        .bind(photo.uploaded_by.0)
        .bind(photo.caption)
        .bind(&photo.file.file_name)
        .bind(&photo.file.content_type)
        .bind(photo.file.size)
        .bind(&photo.file.sha256)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        for pupil in photo.tags {
            sqlx::query(
                "INSERT INTO photo_tag (photo_id, pupil_id, school_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (photo_id, pupil_id) DO NOTHING",
            )
            .bind(id)
            .bind(pupil.0)
            .bind(photo.school_id.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The tags of the given photos with each pupil's consent (see
    /// [`rules::consent_given`]): two queries, whatever the number of photos.
    async fn fill_tags(&self, photos: &mut [Photo]) -> Result<()> {
        if photos.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = photos.iter().map(|p| p.id).collect();
        let mut tags: Vec<(i64, PersonId)> = Vec::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT photo_id, pupil_id FROM photo_tag WHERE photo_id IN ({}) \
                 ORDER BY photo_id, pupil_id",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(self.reader()).await? {
                tags.push((row.try_get("photo_id")?, PersonId(row.try_get("pupil_id")?)));
            }
        }
        let mut pupils: Vec<PersonId> = tags.iter().map(|t| t.1).collect();
        pupils.sort_by_key(|p| p.0);
        pupils.dedup();
        let consent = self.photo_consents(&pupils).await?;
        for photo in photos.iter_mut() {
            photo.tags = tags
                .iter()
                .filter(|(p, _)| *p == photo.id)
                .map(|(_, pupil)| Tag {
                    pupil_id: *pupil,
                    consent: consent.contains(pupil),
                })
                .collect();
        }
        Ok(())
    }

    /// Of these pupils, those whose families consent to photos being shown.
    pub async fn photo_consents(&self, pupils: &[PersonId]) -> Result<Vec<PersonId>> {
        let mut answers: Vec<(PersonId, ConsentAnswer)> = Vec::new();
        for chunk in pupils.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT c.pupil_id, g.access, c.consent FROM photo_consent c \
                 JOIN guardianship g ON g.guardian_id = c.guardian_id AND g.pupil_id = c.pupil_id \
                 WHERE c.pupil_id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for p in chunk {
                q = q.bind(p.0);
            }
            for row in q.fetch_all(self.reader()).await? {
                let access: Access = parse(row.try_get("access")?)?;
                answers.push((
                    PersonId(row.try_get("pupil_id")?),
                    ConsentAnswer {
                        access,
                        consent: row.try_get::<i64, _>("consent")? != 0,
                    },
                ));
            }
        }
        Ok(pupils
            .iter()
            .copied()
            .filter(|p| {
                let mine: Vec<ConsentAnswer> = answers
                    .iter()
                    .filter(|(q, _)| q == p)
                    .map(|(_, a)| *a)
                    .collect();
                rules::consent_given(&mine)
            })
            .collect())
    }

    /// A class's album, newest first, with tags and consent.
    pub async fn album(&self, school_id: SchoolId, class_id: ClassId) -> Result<Vec<Photo>> {
        let mut photos = sqlx::query(&format!(
            "SELECT {PHOTO_COLUMNS} FROM photo WHERE class_id = $1 AND school_id = $2 \
             ORDER BY id DESC LIMIT 200"
        ))
        .bind(class_id.0)
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(photo_from_row)
        .collect::<Result<Vec<_>>>()?;
        self.fill_tags(&mut photos).await?;
        Ok(photos)
    }

    /// One photo with tags and consent.
    pub async fn photo(&self, school_id: SchoolId, id: i64) -> Result<Option<Photo>> {
        let Some(row) = sqlx::query(&format!(
            "SELECT {PHOTO_COLUMNS} FROM photo WHERE id = $1 AND school_id = $2"
        ))
        .bind(id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        else {
            return Ok(None);
        };
        let mut photos = vec![photo_from_row(&row)?];
        self.fill_tags(&mut photos).await?;
        Ok(photos.pop())
    }

    /// Records a guardian's answer about photos of their child; audited.
    pub async fn set_photo_consent(
        &self,
        school_id: SchoolId,
        pupil: PersonId,
        guardian: PersonId,
        consent: bool,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO photo_consent (school_id, pupil_id, guardian_id, consent, decided_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (pupil_id, guardian_id) \
             DO UPDATE SET consent = excluded.consent, decided_at = excluded.decided_at",
        )
        .bind(school_id.0)
        .bind(pupil.0)
        .bind(guardian.0)
        .bind(consent as i64)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        audit_in(
            &mut tx,
            &AuditRow {
                school_id,
                actor_id: Some(guardian),
                action: "change",
                record_type: "photo_consent",
                record_id: pupil.0,
                detail: Some(if consent { "consent" } else { "refusal" }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A post to announce to its readers.
struct Announced {
    id: i64,
    school_id: SchoolId,
    author_id: PersonId,
    audience: Audience,
    title: String,
    body: String,
    emergency: bool,
}

/// Writes a notice of `post` for each of its readers but its author (MSG-8). An emergency
/// post's notices go at once and by SMS as well, whatever each reader chose.
async fn announce_in(conn: &mut sqlx::AnyConnection, post: &Announced) -> Result<()> {
    let readers = readers_to_notify(conn, post.school_id, post.audience).await?;
    let notices: Vec<Notification> = readers
        .into_iter()
        .filter(|p| *p != post.author_id)
        .map(|person_id| Notification {
            school_id: post.school_id,
            person_id,
            kind: NotifyKind::Post,
            subject: post.title.clone(),
            body: post.body.clone(),
            link: format!("/posts/{}", post.id),
            sensitive: false,
            emergency: post.emergency,
        })
        .collect();
    crate::notify::enqueue_in(conn, &notices).await
}

/// The people a post's (or an event's) notice goes to: the guardians (custody or information)
/// of the pupils it is for and the staff of its classes; for the staff, the school's staff and
/// leaders.
pub(crate) async fn readers_to_notify(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    audience: Audience,
) -> Result<Vec<PersonId>> {
    let families = "SELECT DISTINCT g.guardian_id AS id FROM guardianship g \
         JOIN enrolment e ON e.pupil_id = g.pupil_id \
         JOIN class c ON c.id = e.class_id \
         WHERE g.school_id = $1 AND g.access IN ('full', 'info')";
    let staff_of = "SELECT DISTINCT cs.person_id AS id FROM class_staff cs \
         JOIN class c ON c.id = cs.class_id WHERE cs.school_id = $1";
    let sql = match audience {
        Audience::Class(_) => format!("{families} AND c.id = $2 UNION {staff_of} AND c.id = $2"),
        Audience::Grade(_) => {
            format!("{families} AND c.grade = $2 UNION {staff_of} AND c.grade = $2")
        }
        Audience::School => format!(
            "{families} UNION SELECT person_id AS id FROM membership \
             WHERE school_id = $1 AND role IN ('staff', 'leader')"
        ),
        Audience::Staff => "SELECT DISTINCT person_id AS id FROM membership \
             WHERE school_id = $1 AND role IN ('staff', 'leader')"
            .to_owned(),
    };
    let key = match audience {
        Audience::Class(c) => Some(c.0),
        Audience::Grade(g) => Some(g),
        Audience::Staff | Audience::School => None,
    };
    let mut query = sqlx::query_scalar(&sql).bind(school_id.0);
    if let Some(k) = key {
        query = query.bind(k);
    }
    let ids: Vec<i64> = query.fetch_all(&mut *conn).await?;
    Ok(ids.into_iter().map(PersonId).collect())
}
