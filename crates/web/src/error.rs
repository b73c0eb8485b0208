//! The web layer's one error type, mapped once to a status. The page or problem-JSON body is
//! rendered by `viewer::attach_viewer_and_render_errors`, which knows the reader's language and
//! whether the request was for the API.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use skolebro_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Not signed in.
    #[error("sign-in required")]
    Unauthorized,
    /// A form without a valid CSRF token.
    #[error("forbidden")]
    Forbidden,
    /// Someone who may know of a record but not do this to it (a guardian answering for the
    /// school, staff outside a case): 403 with the reason, on the page and in problem JSON.
    #[error("refused: {0}")]
    Refused(String),
    /// 403 with a reason from the locale files (its key), translated for the reader when the
    /// answer is rendered: for refusals decided where no translator is at hand.
    #[error("denied: {0}")]
    Denied(&'static str),
    /// No such record, or one the actor may not know of: the same answer for both.
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    /// Well-formed input that breaks a rule (a field empty or too long); the field is named.
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    #[error("payload too large")]
    PayloadTooLarge,
    /// 413 with what was too large (a file, named).
    #[error("too large: {0}")]
    TooLarge(String),
    /// 415: a file of a kind that is not accepted, named.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: i64 },
    #[error("service unavailable")]
    Unavailable,
    /// 503 with Retry-After: the server sheds this request to stay fast for the rest (a storm
    /// of password sign-ins).
    #[error("busy")]
    Busy { retry_after_secs: i64 },
    /// 507: the database's disk is full; nothing was saved.
    #[error("insufficient storage")]
    InsufficientStorage,
    /// Uploads beyond a storage quota: the account's (413) or the school's (507). Nothing of
    /// the request was saved; the reason is translated when the answer is rendered.
    #[error("upload quota of the {}", if *school { "school" } else { "account" })]
    Quota { school: bool },
    #[error("internal error")]
    Internal,
}

/// A refusal of well-formed input, written for people: its status and its reason. A page
/// renders the reason beside the form that was sent (keeping what was typed); the API answers
/// it through [`WebError`].
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub text: String,
}

impl Refusal {
    pub fn new(status: StatusCode, text: String) -> Refusal {
        Refusal { status, text }
    }

    pub fn unprocessable(text: String) -> Refusal {
        Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, text)
    }

    pub fn conflict(text: String) -> Refusal {
        Refusal::new(StatusCode::CONFLICT, text)
    }
}

impl From<Refusal> for WebError {
    fn from(r: Refusal) -> WebError {
        match r.status {
            StatusCode::FORBIDDEN => WebError::Refused(r.text),
            StatusCode::PAYLOAD_TOO_LARGE => WebError::TooLarge(r.text),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => WebError::UnsupportedMediaType(r.text),
            StatusCode::CONFLICT => WebError::Conflict(r.text),
            _ => WebError::Unprocessable(r.text),
        }
    }
}

/// The human detail of an error response, carried to the renderer.
#[derive(Debug, Clone)]
pub struct ErrorDetail(pub String);

/// The locale key of an answer's detail, translated when the answer is rendered.
#[derive(Debug, Clone, Copy)]
pub struct DetailKey(pub &'static str);

/// Marks a detail written for people, so that the error page shows it in place of the
/// status's general text.
#[derive(Debug, Clone, Copy)]
pub struct DetailForPeople;

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::Refused(_) | WebError::Denied(_) => {
                StatusCode::FORBIDDEN
            }
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::PayloadTooLarge | WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unavailable | WebError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            WebError::InsufficientStorage | WebError::Quota { school: true } => {
                StatusCode::INSUFFICIENT_STORAGE
            }
            WebError::Quota { school: false } => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Invalid(m) => WebError::BadRequest(m),
            StoreError::Conflict(m) => WebError::Conflict(m),
            StoreError::Db(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            ) => {
                tracing::error!(error = %e, "database unavailable");
                WebError::Unavailable
            }
            StoreError::Db(sqlx::Error::Database(ref d)) => {
                let postgres = d
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some();
                match storage_trouble(d.code().as_deref(), postgres) {
                    Some(Storage::Full) => {
                        tracing::error!(error = %e, "the database's disk is full");
                        WebError::InsufficientStorage
                    }
                    Some(Storage::Failing) => {
                        tracing::error!(error = %e, "database storage or resources failing");
                        WebError::Unavailable
                    }
                    None => {
                        tracing::error!(error = %e, "store error");
                        WebError::Internal
                    }
                }
            }
            other => {
                tracing::error!(error = %other, "store error");
                WebError::Internal
            }
        }
    }
}

/// Trouble with the database's storage rather than with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storage {
    /// SQLite's SQLITE_FULL (13); PostgreSQL's disk_full (53100).
    Full,
    /// SQLite's SQLITE_IOERR family (10, extended); PostgreSQL's other insufficient resources
    /// (class 53: out of memory, too many connections).
    Failing,
}

fn storage_trouble(code: Option<&str>, postgres: bool) -> Option<Storage> {
    let code = code?;
    if postgres {
        return match code {
            "53100" => Some(Storage::Full),
            c if c.starts_with("53") => Some(Storage::Failing),
            _ => None,
        };
    }
    match code.parse::<i64>().ok()? & 0xff {
        13 => Some(Storage::Full),
        10 => Some(Storage::Failing),
        _ => None,
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template error");
        WebError::Internal
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let WebError::Refused(_) = &self {
            response.extensions_mut().insert(DetailForPeople);
        }
        if let WebError::Denied(key) = &self {
            response.extensions_mut().insert(DetailKey(key));
            response.extensions_mut().insert(DetailForPeople);
        }
        if let WebError::Quota { school } = &self {
            response.extensions_mut().insert(DetailKey(if *school {
                "files-error-quota-school"
            } else {
                "files-error-quota-account"
            }));
            response.extensions_mut().insert(DetailForPeople);
        }
        let detail = match &self {
            WebError::BadRequest(m)
            | WebError::Conflict(m)
            | WebError::Unprocessable(m)
            | WebError::TooLarge(m)
            | WebError::UnsupportedMediaType(m)
            | WebError::Refused(m) => m.clone(),
            _ => String::new(),
        };
        response.extensions_mut().insert(ErrorDetail(detail));
        if let WebError::TooManyRequests { retry_after_secs }
        | WebError::Busy { retry_after_secs } = self
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::{storage_trouble, Storage};

    #[test]
    fn a_full_or_failing_disk_is_storage_trouble() {
        let full = Some(Storage::Full);
        let failing = Some(Storage::Failing);
        assert_eq!(storage_trouble(Some("13"), false), full, "SQLITE_FULL");
        assert_eq!(
            storage_trouble(Some("778"), false),
            failing,
            "SQLITE_IOERR_WRITE"
        );
        assert_eq!(storage_trouble(Some("53100"), true), full, "disk_full");
        assert_eq!(
            storage_trouble(Some("53300"), true),
            failing,
            "too many connections"
        );
        assert_eq!(
            storage_trouble(Some("2067"), false),
            None,
            "a unique constraint"
        );
        assert_eq!(
            storage_trouble(Some("23505"), true),
            None,
            "unique violation"
        );
        assert_eq!(
            storage_trouble(Some("22010"), true),
            None,
            "not read as SQLite's"
        );
        assert_eq!(storage_trouble(None, false), None);
    }
}
