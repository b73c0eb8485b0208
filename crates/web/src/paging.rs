//! Lists read a page at a time through the API: the `?cursor=` parameter, and for lists whose
//! answer is a bare array, the next page's address in an RFC 8288 `Link: <…>; rel="next"`
//! header (lists with an envelope carry `next_cursor` in it instead).

use axum::http::{header, HeaderMap, HeaderValue};
use serde::Deserialize;
use skolebro_domain::paging::Cursor;

use crate::WebError;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CursorQuery {
    /// Where the page starts: the `next_cursor` of the previous page, or the `cursor` of its
    /// `Link: rel="next"` address.
    #[param(pattern = r"^((0|-?[1-9][0-9]{0,17})\.(0|-?[1-9][0-9]{0,17}))?$")]
    pub cursor: Option<String>,
}

/// The cursor sent, `None` for the first page; a 400 for anything the list never wrote.
pub fn read_cursor(raw: Option<&str>) -> Result<Option<Cursor>, WebError> {
    match raw.filter(|c| !c.is_empty()) {
        Some(raw) => Cursor::decode(raw)
            .map(Some)
            .ok_or_else(|| WebError::BadRequest("cursor: not a cursor of this list".into())),
        None => Ok(None),
    }
}

/// A `Link` header to the page after `cursor` of the list at `path` (which may carry a query
/// of its own, such as a range).
pub fn next_link(path: &str, cursor: Cursor) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let joint = if path.contains('?') { '&' } else { '?' };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "<{path}{joint}cursor={}>; rel=\"next\"",
        cursor.encode()
    )) {
        headers.insert(header::LINK, v);
    }
    headers
}
