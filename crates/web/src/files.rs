//! Uploads and downloads: forms that carry files (multipart), their CSRF check, the limits, and
//! the headers a stored file is served with (MSG-1).
//!
//! [`UploadForm`] reads a `multipart/form-data` body, and also the plain urlencoded form the same
//! pages sent before they took files, so a form without files still works as it did. Its CSRF
//! check is the same as [`crate::viewer::CsrfForm`]'s, made as early as the body allows:
//! - the person must be signed in (every upload is), else 401 before anything is read;
//! - the `csrf` field is checked the moment it arrives, and a wrong one ends the request (403);
//! - a file part that arrives before a valid `csrf` field is refused (403) without reading it.
//!   Browsers send fields in document order and our forms put `csrf` first, so a forged form is
//!   never buffered; bearer-token clients need no token (the check passes for them, as for
//!   every API request).
//!
//! Files over the size limit, of a forbidden kind, or beyond the count are not an error of the
//! extractor: the rest of the body is still read (within the route's body limit) so that the
//! client receives the answer, and the handler is told, so that a page can come back with the
//! text that was typed and say which file was refused.

use axum::body::to_bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, HeaderValue, StatusCode};
use skolebro_domain::files::{
    self as rules, stored_file_name, FileKind, FileProblem, MAX_FILES, MAX_FILE_BYTES,
};

use crate::i18n::Tr;
use crate::viewer::{SignedIn, Viewer};
use crate::{AppState, WebError, BODY_LIMIT};
use skolebro_store::files::{FileStore, NewAttachment};

/// The body limit of the routes that take files: every file at its largest, and room for the
/// text fields and the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024;

/// A file that passed the checks: its kind, sniffed from the bytes, and a safe name.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    pub file_name: String,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
}

/// Why the files of a form were refused. Nothing of the message is stored then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRefusal {
    /// This file is larger than the limit.
    TooLarge(String),
    /// This file is of a kind that is not accepted.
    Forbidden(String),
    /// More files than one message may carry.
    TooMany,
    /// The whole request is larger than the route accepts.
    RequestTooLarge,
}

const MB: usize = 1024 * 1024;

impl FileRefusal {
    pub fn status(&self) -> StatusCode {
        match self {
            FileRefusal::Forbidden(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// What the sender is told, in their language.
    pub fn message(&self, tr: &Tr) -> String {
        match self {
            FileRefusal::TooLarge(name) => tr.t2(
                "messages-files-too-large",
                "name",
                name,
                "mb",
                MAX_FILE_BYTES / MB,
            ),
            FileRefusal::Forbidden(name) => tr.t1("messages-files-type", "name", name),
            FileRefusal::TooMany => tr.t1("messages-files-too-many", "files", MAX_FILES),
            FileRefusal::RequestTooLarge => tr.t2(
                "messages-files-request-too-large",
                "files",
                MAX_FILES,
                "mb",
                MAX_FILE_BYTES / MB,
            ),
        }
    }

    /// The error for the API: 413 or 415, with the file named in the problem's detail.
    pub fn into_error(self) -> WebError {
        let detail = match &self {
            FileRefusal::TooLarge(name) => {
                format!("file {name:?}: {}", FileProblem::TooLarge)
            }
            FileRefusal::Forbidden(name) => format!(
                "file {name:?}: {}; accepted are PDF, PNG, JPEG, GIF, WebP, HEIC/HEIF, plain \
                 text, DOCX, XLSX, PPTX and ODT",
                FileProblem::ForbiddenType
            ),
            FileRefusal::TooMany => format!("at most {MAX_FILES} files on one message"),
            FileRefusal::RequestTooLarge => format!(
                "the request is larger than allowed: at most {MAX_FILES} files of {} MB each",
                MAX_FILE_BYTES / MB
            ),
        };
        match self {
            FileRefusal::Forbidden(_) => WebError::UnsupportedMediaType(detail),
            _ => WebError::TooLarge(detail),
        }
    }
}

/// A form with files, its CSRF token checked (see the module's notes).
#[derive(Debug, Default)]
pub struct UploadForm {
    /// The text fields, in order; repeated names repeat.
    pub fields: Vec<(String, String)>,
    /// The files that passed the checks, in order.
    pub files: Vec<CheckedFile>,
    /// The first reason the files were refused; when set, nothing may be stored.
    pub refusal: Option<FileRefusal>,
}

impl UploadForm {
    /// The first value of a text field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// For the API, where a form's text fields are documented: 422 naming the first text field
    /// that is not one of `allowed`, instead of ignoring it. Files count under any name.
    pub fn only_fields(&self, allowed: &[&str]) -> Result<(), WebError> {
        let mut names = self.fields.iter().map(|(k, _)| k);
        match names.find(|n| !allowed.contains(&n.as_str())) {
            Some(n) => Err(WebError::Unprocessable(format!(
                "{}: not a field of this form; the fields are {}",
                n.escape_debug(),
                allowed.join(", ")
            ))),
            None => Ok(()),
        }
    }
}

/// How the form is encoded: `Some(true)` multipart, `Some(false)` urlencoded (also when no type
/// is given, as `CsrfForm` reads it), `None` anything else.
fn form_encoding(req: &Request) -> Option<bool> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Some(false);
    };
    let value = value.to_str().ok()?.trim_start().to_ascii_lowercase();
    if value.starts_with("multipart/form-data") {
        Some(true)
    } else if value.starts_with("application/x-www-form-urlencoded") {
        Some(false)
    } else {
        None
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> WebError {
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => FileRefusal::RequestTooLarge.into_error(),
        StatusCode::BAD_REQUEST => {
            WebError::BadRequest(format!("malformed form: {}", e.body_text()))
        }
        _ => {
            tracing::warn!(error = %e.body_text(), "upload interrupted");
            WebError::BadRequest("the upload was interrupted".into())
        }
    }
}

impl FromRequest<AppState> for UploadForm {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let viewer = req
            .extensions()
            .get::<Viewer>()
            .cloned()
            .ok_or(WebError::Internal)?;
        viewer.require()?;
        let multipart = form_encoding(&req).ok_or_else(|| {
            WebError::UnsupportedMediaType("send the form as multipart/form-data".into())
        })?;
        if !multipart {
            // The urlencoded form, exactly as `CsrfForm` reads it, within the small body limit.
            let bytes = to_bytes(req.into_body(), BODY_LIMIT)
                .await
                .map_err(|_| WebError::PayloadTooLarge)?;
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| WebError::BadRequest(format!("malformed form: {e}")))?;
            let sent = fields
                .iter()
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.as_str());
            viewer.check_csrf(sent)?;
            return Ok(UploadForm {
                fields,
                ..UploadForm::default()
            });
        }
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|e| WebError::BadRequest(e.body_text()))?;
        let mut form = UploadForm::default();
        let mut csrf_checked = false;
        let mut text_bytes = 0usize;
        let mut seen_files = 0usize;
        loop {
            let mut field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                // Over the route's body limit: once the sender is known to be genuine, the
                // page can still come back with what was typed.
                Err(e) if csrf_checked && e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    form.refusal = Some(FileRefusal::RequestTooLarge);
                    return Ok(form);
                }
                Err(e) => return Err(multipart_error(e)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let Some(raw_name) = field.file_name().map(str::to_owned) else {
                // A text field.
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    text_bytes += chunk.len();
                    if text_bytes > BODY_LIMIT {
                        return Err(WebError::PayloadTooLarge);
                    }
                    value.extend_from_slice(&chunk);
                }
                let value = String::from_utf8(value)
                    .map_err(|_| WebError::BadRequest(format!("{name}: not UTF-8 text")))?;
                if name == "csrf" && !csrf_checked {
                    viewer.check_csrf(Some(&value))?;
                    csrf_checked = true;
                }
                form.fields.push((name, value));
                continue;
            };
            if !csrf_checked {
                // No token before the first file: refused unless the client needs none.
                viewer.check_csrf(None)?;
                csrf_checked = true;
            }
            // Read the file, or drain it once it is over the limit or one too many.
            let mut bytes = Vec::new();
            let mut too_large = false;
            let keep = form.refusal.is_none() && seen_files < MAX_FILES;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if keep && !too_large {
                            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                                too_large = true;
                                bytes = Vec::new();
                            } else {
                                bytes.extend_from_slice(&chunk);
                            }
                        }
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        form.refusal = Some(FileRefusal::RequestTooLarge);
                        return Ok(form);
                    }
                    Err(e) => return Err(multipart_error(e)),
                }
            }
            // A file input left empty sends a part without name or bytes.
            if raw_name.is_empty() && bytes.is_empty() && !too_large {
                continue;
            }
            seen_files += 1;
            if form.refusal.is_some() {
                continue;
            }
            let shown = rules::safe_file_name(&raw_name);
            if seen_files > MAX_FILES {
                form.refusal = Some(FileRefusal::TooMany);
                form.files.clear();
                continue;
            }
            if too_large {
                form.refusal = Some(FileRefusal::TooLarge(shown));
                form.files.clear();
                continue;
            }
            match rules::sniff(&bytes, &shown) {
                Ok(kind) => form.files.push(CheckedFile {
                    file_name: stored_file_name(&raw_name, kind),
                    kind,
                    bytes,
                }),
                Err(FileProblem::TooLarge) => {
                    form.refusal = Some(FileRefusal::TooLarge(shown));
                    form.files.clear();
                }
                Err(FileProblem::ForbiddenType) => {
                    form.refusal = Some(FileRefusal::Forbidden(shown));
                    form.files.clear();
                }
            }
        }
        if !csrf_checked {
            viewer.check_csrf(None)?;
        }
        Ok(form)
    }
}

/// `value` percent-encoded for an RFC 8187 `ext-value` (`filename*=UTF-8''…`): every byte
/// outside `attr-char` as `%XX`.
pub fn encode_ext_value(value: &str) -> String {
    const ATTR_CHAR_SYMBOLS: &[u8] = b"!#$&+-.^_`|~";
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || ATTR_CHAR_SYMBOLS.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Content-Disposition` for a download: always `attachment`, never shown inline; the name in
/// plain ASCII for old clients and exactly, in UTF-8, for the rest (RFC 6266).
pub fn content_disposition(file_name: &str) -> HeaderValue {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let value = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encode_ext_value(file_name)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// A size as people read it: `820 B`, `14 kB`, `2.4 MB`.
pub fn size_label(size: i64) -> String {
    let size = size.max(0) as f64;
    if size < 1024.0 {
        format!("{size} B")
    } else if size < 1024.0 * 1024.0 {
        format!("{:.0} kB", (size / 1024.0).ceil())
    } else {
        format!("{:.1} MB", size / (1024.0 * 1024.0))
    }
}

/// The file directory, or 503 when this server was started without one.
pub(crate) fn file_store(state: &AppState) -> Result<FileStore, WebError> {
    match &state.config.files_dir {
        Some(dir) => Ok(FileStore::new(dir.clone())),
        None => {
            tracing::error!(
                "stored files (attachments, images) need a file directory; none is configured"
            );
            Err(WebError::Unavailable)
        }
    }
}

/// Writes checked files to the file directory, before any row names them: content-addressed,
/// so a file whose message or post is then not stored is a harmless orphan (MSG-1: all or
/// nothing).
/// Within the upload quotas of the uploader's account and school, or refused before anything
/// is written.
pub(crate) async fn store_files(
    state: &AppState,
    me: &SignedIn,
    files: Vec<CheckedFile>,
) -> Result<Vec<NewAttachment>, WebError> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let adding: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
    let (account, school) = state
        .store
        .upload_usage(me.actor.person_id, me.actor.school_id)
        .await?;
    let quota = |set: Option<u64>, default: u64| set.unwrap_or(default);
    if account.saturating_add(adding)
        > quota(
            state.config.account_quota_bytes,
            rules::DEFAULT_ACCOUNT_QUOTA_BYTES,
        )
    {
        return Err(WebError::Quota { school: false });
    }
    if school.saturating_add(adding)
        > quota(
            state.config.school_quota_bytes,
            rules::DEFAULT_SCHOOL_QUOTA_BYTES,
        )
    {
        return Err(WebError::Quota { school: true });
    }
    let store = file_store(state)?;
    let mut out = Vec::with_capacity(files.len());
    for file in files {
        let stored = store.put(file.bytes).await?;
        out.push(NewAttachment {
            file_name: file.file_name,
            content_type: file.kind.content_type().to_owned(),
            size: i64::try_from(stored.size).unwrap_or(i64::MAX),
            sha256: stored.sha256,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_for_content_disposition() {
        assert_eq!(encode_ext_value("passwd.txt"), "passwd.txt");
        assert_eq!(
            encode_ext_value("Madplan uge 12.pdf"),
            "Madplan%20uge%2012.pdf"
        );
        assert_eq!(
            encode_ext_value("Æble\"'%;.pdf"),
            "%C3%86ble%22%27%25%3B.pdf"
        );
        assert_eq!(
            content_disposition("Skema for 1.A.pdf").to_str().unwrap(),
            "attachment; filename=\"Skema for 1.A.pdf\"; filename*=UTF-8''Skema%20for%201.A.pdf"
        );
        assert_eq!(
            content_disposition("Grød \"x\".pdf").to_str().unwrap(),
            "attachment; filename=\"Gr_d _x_.pdf\"; filename*=UTF-8''Gr%C3%B8d%20%22x%22.pdf"
        );
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size_label(820), "820 B");
        assert_eq!(size_label(14 * 1024 - 10), "14 kB");
        assert_eq!(size_label(2_516_582), "2.4 MB");
    }
}
