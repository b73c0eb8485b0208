//! Files attached to messages (MSG-1): the bytes in a content-addressed directory beside the
//! database, the rows that say which message carries which file (DESIGN.md, Storage).
//!
//! A file lives at `<root>/<first 2 hex>/<sha256 hex>`. It is written to a temporary file in the
//! same directory, synced, and renamed into place, so a reader never sees half a file; the same
//! bytes sent twice are stored once. Files are written before the rows that name them: a crash
//! in between leaves an orphan file, which is harmless, and never a row without its file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use skolebro_domain::SchoolId;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::auth::random_token;
use crate::{Result, Store, StoreError};

/// The content-addressed file directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// A file as stored: its hash names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Other(format!("{what} {}: {e}", path.display()))
}

fn is_hash(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Writes `bytes` under its hash unless a complete copy is already there.
fn put_blocking(root: &Path, bytes: &[u8]) -> Result<StoredFile> {
    let sha256 = sha256_hex(bytes);
    let dir = root.join(&sha256[..2]);
    let path = dir.join(&sha256);
    let size = bytes.len() as u64;
    if fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == size) {
        return Ok(StoredFile { sha256, size });
    }
    fs::create_dir_all(&dir).map_err(|e| io_error("cannot create", &dir, e))?;
    let tmp = dir.join(format!(".tmp-{sha256}-{}", random_token()));
    let written = (|| -> std::io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, &path)?;
        // The rename is durable once the directory is synced too.
        #[cfg(unix)]
        fs::File::open(&dir)?.sync_all()?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_error("cannot write", &path, e));
    }
    Ok(StoredFile { sha256, size })
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file with this hash lives; `None` for anything that is not a hash.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_hash(sha256).then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes` (once, whatever how often they are sent) and returns their hash.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<StoredFile> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || put_blocking(&root, &bytes))
            .await
            .map_err(|e| StoreError::Other(format!("file writer stopped: {e}")))?
    }

    /// The bytes of the file with this hash; `NotFound` when there is none.
    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.path_of(sha256).ok_or(StoreError::NotFound)?;
        tokio::task::spawn_blocking(move || match fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::error!(path = %path.display(), "attachment file missing");
                Err(StoreError::NotFound)
            }
            Err(e) => Err(io_error("cannot read", &path, e)),
        })
        .await
        .map_err(|e| StoreError::Other(format!("file reader stopped: {e}")))?
    }
}

/// A file stored and checked, to be attached to a message being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// A file on a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub message_id: i64,
    pub thread_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

const ATTACHMENT_COLUMNS: &str = "id, message_id, thread_id, file_name, content_type, size, sha256";

fn attachment_from_row(row: &AnyRow) -> Result<Attachment> {
    Ok(Attachment {
        id: row.try_get("id")?,
        message_id: row.try_get("message_id")?,
        thread_id: row.try_get("thread_id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
    })
}

/// Inserts the attachment rows of a message, inside the caller's transaction; returns their ids
/// in order.
pub(crate) async fn insert_attachments(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    thread_id: i64,
    message_id: i64,
    attachments: &[NewAttachment],
    at: i64,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(attachments.len());
    for a in attachments {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachment (school_id, message_id, thread_id, file_name, content_type, \
             size, sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(school_id.0)
        .bind(message_id)
        .bind(thread_id)
        .bind(&a.file_name)
        .bind(&a.content_type)
        .bind(a.size)
        .bind(&a.sha256)
        .bind(at)
        .fetch_one(&mut *conn)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Ids are asked for in chunks that stay under the engines' parameter limits.
const CHUNK: usize = 500;

impl Store {
    /// The bytes a person has uploaded, and their school's, over every kind of file
    /// (attachments, post images, album photos), for the upload quotas. Uploads are rare, so
    /// two sums over the person's and the school's files are fine here.
    pub async fn upload_usage(
        &self,
        person: skolebro_domain::PersonId,
        school: SchoolId,
    ) -> Result<(u64, u64)> {
        let row = sqlx::query(
            "SELECT \
               CAST((SELECT COALESCE(SUM(a.size), 0) FROM attachment a \
                     JOIN message m ON m.id = a.message_id WHERE m.author_id = $1) \
                  + (SELECT COALESCE(SUM(i.size), 0) FROM post_image i \
                     JOIN post p ON p.id = i.post_id WHERE p.author_id = $1) \
                  + (SELECT COALESCE(SUM(size), 0) FROM photo WHERE uploaded_by = $1) AS BIGINT) \
                 AS account, \
               CAST((SELECT COALESCE(SUM(size), 0) FROM attachment WHERE school_id = $2) \
                  + (SELECT COALESCE(SUM(size), 0) FROM post_image WHERE school_id = $2) \
                  + (SELECT COALESCE(SUM(size), 0) FROM photo WHERE school_id = $2) AS BIGINT) \
                 AS school",
        )
        .bind(person.0)
        .bind(school.0)
        .fetch_one(&self.write)
        .await?;
        let bytes = |column: &str| -> Result<u64> {
            Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0))
        };
        Ok((bytes("account")?, bytes("school")?))
    }

    /// One attachment of one conversation within a school; `None` when the id names an
    /// attachment of another conversation.
    pub async fn attachment(
        &self,
        school_id: SchoolId,
        thread_id: i64,
        id: i64,
    ) -> Result<Option<Attachment>> {
        sqlx::query(&format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachment \
             WHERE id = $1 AND thread_id = $2 AND school_id = $3"
        ))
        .bind(id)
        .bind(thread_id)
        .bind(school_id.0)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(attachment_from_row)
        .transpose()
    }

    /// The attachments of the given messages, in the order they were attached.
    pub async fn attachments_of(&self, message_ids: &[i64]) -> Result<Vec<Attachment>> {
        let mut out = Vec::new();
        for chunk in message_ids.chunks(CHUNK) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM attachment WHERE message_id IN ({list}) \
                 ORDER BY message_id, id"
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(self.reader()).await? {
                out.push(attachment_from_row(&row)?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_are_stored_once_under_their_hash() {
        let dir = tempfile::tempdir().expect("dir");
        let a = put_blocking(dir.path(), b"%PDF-1.4 hello").expect("put");
        let b = put_blocking(dir.path(), b"%PDF-1.4 hello").expect("put again");
        assert_eq!(a, b);
        assert_eq!(a.sha256, sha256_hex(b"%PDF-1.4 hello"));
        let files: Vec<_> = fs::read_dir(dir.path().join(&a.sha256[..2]))
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(files, vec![std::ffi::OsString::from(&a.sha256)]);
        let store = FileStore::new(dir.path());
        assert_eq!(
            fs::read(store.path_of(&a.sha256).expect("path")).expect("read"),
            b"%PDF-1.4 hello"
        );
        assert_eq!(store.path_of("../../etc/passwd"), None);
        assert_eq!(store.path_of(&"A".repeat(64)), None);
    }
}
