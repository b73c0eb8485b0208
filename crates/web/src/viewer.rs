//! Who is looking: the session behind a request, its actor and language, attached once per
//! request by middleware that also renders every error response in one place.

use std::net::SocketAddr;

use askama::Template;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::de::DeserializeOwned;
use skolebro_domain::people::negotiate_lang;
use skolebro_domain::{Actor, Lang};
use skolebro_store::auth::{random_token, SessionKind};
use skolebro_store::people::{Me, School};

use crate::error::{DetailForPeople, DetailKey, ErrorDetail, WebError};
use crate::i18n::Tr;
use crate::AppState;

pub const SESSION_COOKIE: &str = "skolebro_session";
/// The double-submit CSRF cookie that protects forms shown before sign-in (the sign-in form).
pub const CSRF_COOKIE: &str = "skolebro_csrf";

/// A signed-in person, as one request sees them.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub actor: Actor,
    pub me: Me,
    pub school: School,
    pub token: String,
    pub kind: SessionKind,
    pub csrf: String,
    /// Conversations with unread messages, for the header (pages only; 0 for the API).
    pub unread: i64,
}

impl SignedIn {
    /// The school's time zone: days and hours are the school's (DESIGN.md, Time).
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.school.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// Today at the school.
    pub fn today(&self) -> jiff::civil::Date {
        skolebro_domain::calendar::today(skolebro_store::clock::now(), &self.time_zone())
    }

    /// Whether the person works at the school (staff or leader).
    pub fn is_staff(&self) -> bool {
        self.actor.has(skolebro_domain::Role::Staff)
            || self.actor.has(skolebro_domain::Role::Leader)
    }
}

/// Ids in paths are plain integers; anything else is a record that does not exist.
pub fn parse_id(raw: &str) -> Result<i64, WebError> {
    raw.parse::<i64>().map_err(|_| WebError::NotFound)
}

/// Who is looking, in which language, from where.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub tr: Tr,
    pub signed_in: Option<SignedIn>,
    /// The CSRF cookie's value for forms shown before sign-in; fresh when the browser had none.
    pub anon_csrf: String,
    anon_csrf_is_new: bool,
    pub client_addr: String,
    /// Whether cookies get the `Secure` flag: configured, or the proxy says TLS.
    pub secure: bool,
    pub api: bool,
}

impl Viewer {
    /// The signed-in person, or 401 (pages turn that into a redirect to the sign-in page).
    pub fn require(&self) -> Result<&SignedIn, WebError> {
        self.signed_in.as_ref().ok_or(WebError::Unauthorized)
    }

    /// The token forms must carry back.
    pub fn csrf_token(&self) -> &str {
        match &self.signed_in {
            Some(s) => &s.csrf,
            None => &self.anon_csrf,
        }
    }

    /// Whether a form's `csrf` field is the viewer's token (always, for bearer-token clients).
    pub(crate) fn check_csrf(&self, sent: Option<&str>) -> Result<(), WebError> {
        // Bearer-token clients send no cookies, so a forged cross-site request cannot use them.
        if self
            .signed_in
            .as_ref()
            .is_some_and(|s| s.kind == SessionKind::Api)
        {
            return Ok(());
        }
        let expected = match &self.signed_in {
            Some(s) => s.csrf.as_str(),
            None if self.anon_csrf_is_new => return Err(WebError::Forbidden),
            None => self.anon_csrf.as_str(),
        };
        match sent {
            Some(sent) if !expected.is_empty() && sent == expected => Ok(()),
            _ => Err(WebError::Forbidden),
        }
    }

    /// A cookie with the house flags: HttpOnly, SameSite=Lax, Secure behind TLS, path `/`.
    pub fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build((name, value))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .path("/")
            .build()
    }

    /// The chrome every page shares.
    pub fn chrome(&self) -> Chrome {
        Chrome {
            tr: self.tr,
            name: self.signed_in.as_ref().map(|s| s.me.person.full()),
            unread: self.signed_in.as_ref().map_or(0, |s| s.unread),
            school: self.signed_in.as_ref().map(|s| s.school.name.clone()),
            csrf: self.csrf_token().to_owned(),
        }
    }
}

/// What the page layout needs: language, who is signed in, the CSRF token for the sign-out form.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub tr: Tr,
    pub name: Option<String>,
    pub unread: i64,
    pub school: Option<String>,
    pub csrf: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .ok_or(WebError::Internal)
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn load_viewer(
    state: &AppState,
    headers: &HeaderMap,
    api: bool,
    peer: Option<SocketAddr>,
) -> Result<Viewer, WebError> {
    let jar = CookieJar::from_headers(headers);
    let (token, kind) = match bearer(headers) {
        Some(t) => (Some(t.to_owned()), SessionKind::Api),
        None => (
            jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()),
            SessionKind::Web,
        ),
    };
    let mut signed_in = None;
    if let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 128) {
        // Two statements: the session with its school, person and unread count, then the
        // person's links.
        if let Some(session) = state.store.session(&token, kind).await? {
            let actor = state
                .store
                .actor(session.me.person.id, session.school.id)
                .await?;
            signed_in = Some(SignedIn {
                // The count is of conversations the person still takes part in.
                unread: if actor.converses() { session.unread } else { 0 },
                actor,
                me: session.me,
                school: session.school,
                token,
                kind,
                csrf: session.csrf_token,
            });
        }
    }
    let school_locale = match &signed_in {
        Some(s) => s.school.locale,
        None => state
            .store
            .first_school()
            .await?
            .map(|s| s.locale)
            .unwrap_or(Lang::Da),
    };
    let lang = negotiate_lang(
        signed_in.as_ref().and_then(|s| s.me.language),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        school_locale,
    );
    let (anon_csrf, anon_csrf_is_new) = match jar.get(CSRF_COOKIE) {
        Some(c) if !c.value().is_empty() => (c.value().to_owned(), false),
        // The API sets no cookie and checks no form token: nothing to draw.
        _ if api => (String::new(), true),
        _ => (random_token(), true),
    };
    let secure = state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let client_addr = peer.map_or_else(
        || "unknown".into(),
        |p| {
            crate::security::client_address(p.ip(), headers, &state.config.trusted_proxies)
                .to_string()
        },
    );
    Ok(Viewer {
        tr: Tr::new(lang),
        signed_in,
        anon_csrf,
        anon_csrf_is_new,
        client_addr,
        secure,
        api,
    })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: String,
    text: String,
    status: u16,
}

/// Middleware: attaches the [`Viewer`], runs the request, and gives every error response its
/// body: a page in the reader's language, or RFC 9457 problem JSON under `/api/`. Errors that
/// axum's extractors produce (malformed JSON, wrong content type, body too large) pass through
/// here too, so no client ever sees a bare text error.
pub async fn attach_viewer_and_render_errors(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    // The stylesheet, the script and the health check are the same for everyone: they need no
    // session, and loading one would cost several queries per request.
    if matches!(
        req.uri().path(),
        "/static/style.css" | "/static/live.js" | "/healthz"
    ) {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/");
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let viewer = match load_viewer(&state, req.headers(), api, peer).await {
        Ok(v) => v,
        Err(e) => {
            let fallback = Viewer {
                tr: Tr::new(Lang::En),
                signed_in: None,
                anon_csrf: String::new(),
                anon_csrf_is_new: true,
                client_addr: String::new(),
                secure: false,
                api,
            };
            return render_error(&fallback, e.into_response()).await;
        }
    };
    // A browser sends its session cookie with any request, also one a foreign site makes it
    // send. A change through the API signed in by that cookie therefore needs the session's
    // CSRF token in `X-CSRF-Token`; bearer clients send no cookie and are not exposed.
    let by_cookie = viewer
        .signed_in
        .as_ref()
        .is_some_and(|s| s.kind == SessionKind::Web);
    if api && by_cookie && !req.method().is_safe() {
        let sent = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if viewer.check_csrf(sent).is_err() {
            let refused = WebError::Denied("api-error-csrf").into_response();
            return render_error(&viewer, refused).await;
        }
    }
    req.extensions_mut().insert(viewer.clone());
    let mut response = next.run(req).await;
    if viewer.anon_csrf_is_new && viewer.signed_in.is_none() && !viewer.api {
        let jar = CookieJar::new().add(viewer.cookie(CSRF_COOKIE, viewer.anon_csrf.clone()));
        for cookie in jar.iter() {
            if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    let failed = response.status().is_client_error() || response.status().is_server_error();
    if failed && response.extensions().get::<Rendered>().is_none() {
        return render_error(&viewer, response).await;
    }
    response
}

async fn render_error(viewer: &Viewer, response: Response) -> Response {
    let status = response.status();
    let (mut parts, body) = response.into_parts();
    let detail = match (
        parts.extensions.get::<DetailKey>(),
        parts.extensions.get::<ErrorDetail>(),
    ) {
        (Some(key), _) => viewer.tr.t(key.0),
        (None, Some(d)) => d.0.clone(),
        // A rejection from one of axum's extractors: its text says what was wrong.
        (None, None) => to_bytes(body, 4096)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default(),
    };
    let tr = viewer.tr;
    let code = status.as_u16();
    let key = match code {
        400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 503 | 507 => {
            format!("error-{code}")
        }
        c if c >= 500 => "error-500".to_owned(),
        _ => "error-400".to_owned(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if viewer.api {
        let problem = serde_json::json!({
            "type": "about:blank",
            "title": tr.t(&key),
            "status": code,
            "detail": if detail.is_empty() { tr.t(&format!("{key}-text")) } else { detail },
        });
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            parts
                .headers
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        return Response::from_parts(parts, Body::from(problem.to_string()));
    }
    if status == StatusCode::UNAUTHORIZED {
        let mut redirect = Redirect::to("/login").into_response();
        for (name, value) in parts.headers.iter() {
            if name == header::SET_COOKIE {
                redirect.headers_mut().append(name, value.clone());
            }
        }
        return redirect;
    }
    let for_people = parts.extensions.get::<DetailForPeople>().is_some() && !detail.is_empty();
    let page = ErrorPage {
        chrome: viewer.chrome(),
        title: tr.t(&key),
        text: if for_people {
            detail
        } else {
            tr.t(&format!("{key}-text"))
        },
        status: code,
    };
    let html = page.render().unwrap_or_else(|_| tr.t(&key));
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(html))
}

/// A field of a form read as name–value pairs (`CsrfForm<Vec<(String, String)>>`, for forms
/// with numbered or repeated fields); empty when absent.
pub(crate) fn form_field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A form body that must carry the viewer's CSRF token in its `csrf` field. A missing or wrong
/// token is refused with 403 before the form is read; a malformed form with 400.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let viewer = req
            .extensions()
            .get::<Viewer>()
            .cloned()
            .ok_or(WebError::Internal)?;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => WebError::PayloadTooLarge,
                _ => WebError::BadRequest(e.body_text()),
            })?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| WebError::BadRequest(format!("malformed form: {e}")))?;
        let sent = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        viewer.check_csrf(sent)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|e| WebError::BadRequest(format!("malformed form: {e}")))
    }
}

/// Marks an error response whose body a handler rendered itself (the sign-in page answering a
/// wrong password with 401), so the error renderer leaves it alone.
#[derive(Clone, Copy, Debug)]
pub struct Rendered;

/// Renders a template as an HTML response.
pub fn html(template: &impl Template) -> Result<Response, WebError> {
    let body = template.render()?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}
