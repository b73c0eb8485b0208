//! Signing in and out, on pages and in the API; password change. Sessions live in the database
//! (`skolebro_store::auth`); the browser holds an HttpOnly cookie, programs a bearer token.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::{Deserialize, Serialize};
use skolebro_domain::auth::{check_new_password, PasswordProblem, MAX_PASSWORD_BYTES};
use skolebro_domain::text::MAX_USERNAME_CHARS;
use skolebro_domain::{may, Action, Resource};
use skolebro_store::auth::{SessionKind, SignIn};
use utoipa::ToSchema;

use crate::people::{profile_page, ProfileMessages};
use crate::viewer::{html, Chrome, CsrfForm, Rendered, Viewer, SESSION_COOKIE};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/profile/password", post(change_password))
        .route(
            "/api/v1/session",
            post(api_create_session).delete(api_end_session),
        )
}

async fn root(viewer: Viewer) -> Redirect {
    if viewer.signed_in.is_some() {
        Redirect::to("/overview")
    } else {
        Redirect::to("/login")
    }
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    chrome: Chrome,
    error: Option<String>,
    username: String,
}

async fn login_page(viewer: Viewer) -> Result<Response, WebError> {
    if viewer.signed_in.is_some() {
        return Ok(Redirect::to("/overview").into_response());
    }
    html(&LoginPage {
        chrome: viewer.chrome(),
        error: None,
        username: String::new(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

/// Checks the credentials and the throttle. Over-long input is simply wrong: no account has
/// such a name or password, and the answer must not differ from any other wrong attempt.
async fn check_credentials(
    state: &AppState,
    viewer: &Viewer,
    username: &str,
    password: &str,
) -> Result<SignIn, WebError> {
    let username = username.trim();
    if username.chars().count() > MAX_USERNAME_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Ok(SignIn::Wrong);
    }
    Ok(state
        .store
        .sign_in(username, password, &viewer.client_addr)
        .await?)
}

async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, WebError> {
    let tr = viewer.tr;
    let outcome = check_credentials(&state, &viewer, &form.username, &form.password).await?;
    let (status, error, retry) = match outcome {
        SignIn::Ok {
            person_id,
            school_id,
        } => {
            let token = state
                .store
                .create_session(person_id, school_id, SessionKind::Web)
                .await?;
            tracing::info!(person = %person_id, "signed in");
            let jar = CookieJar::new().add(viewer.cookie(SESSION_COOKIE, token));
            return Ok((jar, Redirect::to("/overview")).into_response());
        }
        SignIn::Wrong => (StatusCode::UNAUTHORIZED, tr.t("login-wrong"), None),
        SignIn::Throttled { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            tr.t1("login-throttled", "seconds", retry_after_secs),
            Some(retry_after_secs),
        ),
        SignIn::Busy { retry_after_secs } => (
            StatusCode::SERVICE_UNAVAILABLE,
            tr.t1("login-busy", "seconds", retry_after_secs),
            Some(retry_after_secs),
        ),
    };
    let mut response = html(&LoginPage {
        chrome: viewer.chrome(),
        error: Some(error),
        username: form.username.chars().take(MAX_USERNAME_CHARS).collect(),
    })?;
    *response.status_mut() = status;
    response.extensions_mut().insert(Rendered);
    if let Some(secs) = retry {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    Ok(response)
}

#[derive(Deserialize)]
struct CsrfOnly {}

async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Result<Response, WebError> {
    if let Some(s) = &viewer.signed_in {
        state.store.end_session(&s.token).await?;
        // Its live stream ends too (a send fails only when no stream listens).
        let _ = state.session_ends.send(s.actor.person_id);
    }
    // A removal cookie (empty, Max-Age=0, expired), sent whatever the request carried: a fresh
    // jar's `remove` sends nothing, which left the browser holding the ended session's cookie.
    let mut removal = Cookie::build((SESSION_COOKIE, "")).path("/").build();
    removal.make_removal();
    let jar = CookieJar::new().add(removal);
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let person_id = me.actor.person_id;
    if !may(
        &me.actor,
        Action::EditOwnProfile,
        &Resource::Profile { person_id },
    ) {
        return Err(WebError::NotFound);
    }
    let tr = viewer.tr;
    let problem = if form.new != form.repeat {
        Some("password-mismatch")
    } else {
        match check_new_password(&form.new) {
            Err(PasswordProblem::TooShort) => Some("password-too-short"),
            Err(PasswordProblem::TooLong) => Some("password-too-long"),
            Ok(()) if form.current.len() > MAX_PASSWORD_BYTES => Some("password-wrong"),
            Ok(()) => {
                let changed = state
                    .store
                    .change_password(person_id, &form.current, &form.new, &me.token)
                    .await?;
                if changed {
                    // The other sessions are gone; so are their live streams.
                    let _ = state.session_ends.send(person_id);
                    state
                        .store
                        .audit(
                            me.actor.school_id,
                            Some(person_id),
                            "change",
                            "password",
                            person_id.0,
                            None,
                        )
                        .await?;
                    None
                } else {
                    Some("password-wrong")
                }
            }
        }
    };
    let messages = match problem {
        None => ProfileMessages {
            notice: Some(tr.t("password-changed")),
            password_error: None,
        },
        Some(key) => ProfileMessages {
            notice: None,
            password_error: Some(tr.t(key)),
        },
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = profile_page(&state, &viewer, messages).await?;
    *response.status_mut() = status;
    response.extensions_mut().insert(Rendered);
    Ok(response)
}

/// `POST /api/v1/session` body.
#[derive(Deserialize, ToSchema)]
pub struct SessionRequest {
    pub username: String,
    pub password: String,
}

/// A bearer token for `Authorization: Bearer …`.
#[derive(Serialize, ToSchema)]
pub struct SessionToken {
    pub token: String,
}

/// Signs in a program and returns a bearer token.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "auth",
    request_body = SessionRequest,
    responses(
        (status = 200, description = "Signed in", body = SessionToken),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json"),
        (status = 401, description = "Unknown user or wrong password", content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", content_type = "application/problem+json"),
    )
)]
pub async fn api_create_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<SessionRequest>,
) -> Result<Json<SessionToken>, WebError> {
    match check_credentials(&state, &viewer, &body.username, &body.password).await? {
        SignIn::Ok {
            person_id,
            school_id,
        } => {
            let token = state
                .store
                .create_session(person_id, school_id, SessionKind::Api)
                .await?;
            Ok(Json(SessionToken { token }))
        }
        SignIn::Wrong => Err(WebError::Unauthorized),
        SignIn::Throttled { retry_after_secs } => {
            Err(WebError::TooManyRequests { retry_after_secs })
        }
        SignIn::Busy { retry_after_secs } => Err(WebError::Busy { retry_after_secs }),
    }
}

/// Ends the session of the bearer token used.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
    )
)]
pub async fn api_end_session(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<StatusCode, WebError> {
    let me = viewer.require()?;
    if me.kind != SessionKind::Api {
        // A browser session is ended by the sign-out form, which carries a CSRF token.
        return Err(WebError::Unauthorized);
    }
    state.store.end_session(&me.token).await?;
    let _ = state.session_ends.send(me.actor.person_id);
    Ok(StatusCode::NO_CONTENT)
}
