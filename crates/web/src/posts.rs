//! Posts and newsletters (MSG-5), pages and API side by side: staff write to the classes and
//! grades they teach in, leaders to anyone (the staff, the whole school, emergencies); readers
//! see what their audience covers, newest first with pinned posts on top; a post may ask for
//! "read and understood", and its sender sees who has and has not confirmed. Class photo albums
//! show a photo of a pupil whose family has not consented only to that family. The rules live
//! in `skolebro_domain::posts` and `access`; this module wires them up.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use skolebro_domain::access::post_scope;
use skolebro_domain::files::FileKind;
use skolebro_domain::posts::{
    self as rules, photo_visible, Audience, PostProblem, MAX_CAPTION_CHARS,
};
use skolebro_domain::{may, Action, ClassId, PersonId, Resource, Role};
use skolebro_store::people::ClassSummary;
use skolebro_store::posts::{NewPhoto, NewPost, Photo, Post, PostQuery};
use skolebro_store::{now, StoreError};
use utoipa::ToSchema;

use crate::error::Refusal;
use crate::files::{
    file_store, store_files, CheckedFile, FileRefusal, UploadForm, UPLOAD_BODY_LIMIT,
};
use crate::i18n::Tr;
use crate::viewer::{html, parse_id, Chrome, CsrfForm, Rendered, SignedIn, Viewer};
use crate::{AppState, WebError};

type Res<T> = Result<T, WebError>;

pub fn routes() -> Router<AppState> {
    let upload = || DefaultBodyLimit::max(UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/posts", get(list_page).post(create_form).layer(upload()))
        .route("/posts/{post}", get(post_page))
        .route("/posts/{post}/acknowledge", post(acknowledge_form))
        .route("/posts/{post}/pin", post(pin_form))
        .route("/posts/{post}/images/{image}", get(image))
        .route(
            "/classes/{id}/photos",
            get(album_page).post(photo_form).layer(upload()),
        )
        .route("/photos/{photo}", get(photo_file))
        .route("/pupils/{id}/photo-consent", post(consent_form))
        .route("/api/v1/posts", get(api_list).post(api_create))
        .route("/api/v1/posts/{post}", get(api_post))
        .route("/api/v1/posts/{post}/acknowledge", post(api_acknowledge))
        .route(
            "/api/v1/posts/{post}/acknowledgements",
            get(api_acknowledgements),
        )
        .route("/api/v1/posts/{post}/pin", post(api_pin))
        .route(
            "/api/v1/posts/{post}/images",
            post(api_add_image).layer(upload()),
        )
        .route(
            "/api/v1/classes/{id}/photos",
            get(api_album).post(api_add_photo).layer(upload()),
        )
        .route("/api/v1/pupils/{id}/photo-consent", post(api_consent))
}

// ---------------------------------------------------------------------------------------------
// Shared steps

fn problem_text(tr: &Tr, p: PostProblem) -> String {
    let key = match p {
        PostProblem::TitleEmpty => "posts-error-title-empty",
        PostProblem::TitleTooLong => "posts-error-title-long",
        PostProblem::TitleControl => "posts-error-title-line",
        PostProblem::BodyEmpty => "posts-error-body-empty",
        PostProblem::BodyTooLong => "posts-error-body-long",
        PostProblem::BodyControl => "posts-error-body-control",
        PostProblem::ScheduledInPast => "posts-error-past",
        PostProblem::Audience => "posts-error-audience",
        PostProblem::Grade => "posts-error-grade",
    };
    tr.t(key)
}

fn unprocessable(tr: &Tr, p: PostProblem) -> Refusal {
    Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, problem_text(tr, p))
}

/// What a new post asks for, from the form or the JSON body.
struct PostInput {
    audience: Result<Audience, PostProblem>,
    title: String,
    body: String,
    acknowledge: bool,
    emergency: bool,
    publish_at: Result<Option<i64>, PostProblem>,
}

/// Checks and stores a new post; images (already checked) are stored with it.
async fn create_post(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    input: &PostInput,
    images: Vec<CheckedFile>,
) -> Res<Result<i64, Refusal>> {
    let actor = &me.actor;
    let school_id = actor.school_id;
    let audience = match input.audience {
        Ok(a) => a,
        Err(p) => return Ok(Err(unprocessable(tr, p))),
    };
    let classes = state.store.audience_classes(school_id, audience).await?;
    let resource = Resource::PostAudience {
        school_id,
        audience,
        classes: &classes,
    };
    if !may(actor, Action::Post, &resource) {
        return Ok(Err(Refusal::new(
            StatusCode::FORBIDDEN,
            tr.t("posts-error-not-yours"),
        )));
    }
    if matches!(audience, Audience::Class(_) | Audience::Grade(_)) && classes.is_empty() {
        return Ok(Err(unprocessable(tr, PostProblem::Grade)));
    }
    if input.emergency
        && !may(
            actor,
            Action::PostEmergency,
            &Resource::School { school_id },
        )
    {
        return Ok(Err(Refusal::new(
            StatusCode::FORBIDDEN,
            tr.t("posts-error-emergency"),
        )));
    }
    let (title, body) = match rules::check_post(&input.title, &input.body) {
        Ok(t) => t,
        Err(p) => return Ok(Err(unprocessable(tr, p))),
    };
    let at = now();
    let publish_at = match input.publish_at.and_then(|r| rules::publish_time(r, at)) {
        Ok(t) => t,
        Err(p) => return Ok(Err(unprocessable(tr, p))),
    };
    if let Some(refusal) = not_images(&images, tr) {
        return Ok(Err(refusal));
    }
    if images.len() > rules::MAX_IMAGES {
        return Ok(Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            tr.t1("posts-error-images", "count", rules::MAX_IMAGES),
        )));
    }
    // Files first (content-addressed; an orphan is harmless), then the post with its image
    // rows in one transaction.
    let stored = store_files(state, me, images).await?;
    let id = state
        .store
        .create_post(&NewPost {
            announce: true,
            school_id,
            author_id: actor.person_id,
            audience,
            title: &title,
            body: &body,
            acknowledge: input.acknowledge,
            emergency: input.emergency,
            publish_at,
            created_at: at,
            images: &stored,
        })
        .await?;
    Ok(Ok(id))
}

/// Images are the pictures browsers show: PNG, JPEG, GIF, WebP.
fn is_image(kind: FileKind) -> bool {
    matches!(
        kind,
        FileKind::Png | FileKind::Jpeg | FileKind::Gif | FileKind::Webp
    )
}

fn not_images(files: &[CheckedFile], tr: &Tr) -> Option<Refusal> {
    files.iter().find(|f| !is_image(f.kind)).map(|f| {
        Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            tr.t1("posts-error-not-image", "name", &f.file_name),
        )
    })
}

fn upload_refusal(refusal: FileRefusal, tr: &Tr) -> Refusal {
    let status = refusal.status();
    let text = match &refusal {
        FileRefusal::Forbidden(name) => tr.t1("posts-error-not-image", "name", name),
        _ => refusal.message(tr),
    };
    Refusal::new(status, text)
}

/// A post the viewer may read, with the classes its audience covers; 404 otherwise.
async fn visible_post(state: &AppState, me: &SignedIn, raw: &str) -> Res<(Post, Vec<ClassId>)> {
    let id = parse_id(raw)?;
    let post = state
        .store
        .post(me.actor.school_id, id, me.actor.person_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let classes = state
        .store
        .audience_classes(me.actor.school_id, post.audience)
        .await?;
    if !may(
        &me.actor,
        Action::ViewPost,
        &post_resource(me, &post, &classes),
    ) {
        return Err(WebError::NotFound);
    }
    Ok((post, classes))
}

fn post_resource<'a>(me: &SignedIn, post: &Post, classes: &'a [ClassId]) -> Resource<'a> {
    Resource::Post {
        school_id: me.actor.school_id,
        author_id: post.author.id,
        audience: post.audience,
        classes,
        published: post.publish_at <= now(),
    }
}

/// A post the viewer may manage (its author, leaders): 404 when they may not read it, 403
/// when they may read but not manage it.
async fn managed_post(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    raw: &str,
) -> Res<(Post, Vec<ClassId>)> {
    let (post, classes) = visible_post(state, me, raw).await?;
    if !may(
        &me.actor,
        Action::ManagePost,
        &post_resource(me, &post, &classes),
    ) {
        return Err(WebError::Refused(tr.t("posts-error-manage")));
    }
    Ok((post, classes))
}

async fn acknowledge(state: &AppState, me: &SignedIn, tr: &Tr, raw: &str) -> Res<Post> {
    let (post, classes) = visible_post(state, me, raw).await?;
    if !may(
        &me.actor,
        Action::AcknowledgePost,
        &post_resource(me, &post, &classes),
    ) {
        return Err(WebError::Refused(tr.t("posts-error-own")));
    }
    if !post.acknowledge {
        return Err(WebError::Conflict(tr.t("posts-error-no-ack")));
    }
    state
        .store
        .acknowledge_post(me.actor.school_id, post.id, me.actor.person_id, now())
        .await?;
    Ok(post)
}

/// One page of the viewer's posts, newest first; with the cursor of the next page.
async fn page_of_posts(
    state: &AppState,
    me: &SignedIn,
    cursor: Option<&str>,
    limit: i64,
) -> Res<(Vec<Post>, Option<String>)> {
    let before = crate::paging::read_cursor(cursor)?;
    let scope = post_scope(&me.actor);
    let mut posts = state
        .store
        .posts_for(&PostQuery {
            school_id: me.actor.school_id,
            reader: me.actor.person_id,
            scope: &scope,
            now: now(),
            before,
            limit: limit + 1,
            pinned_only: false,
        })
        .await?;
    let next = if posts.len() as i64 > limit {
        posts.truncate(limit as usize);
        posts.last().map(|p| p.cursor().encode())
    } else {
        None
    };
    Ok((posts, next))
}

async fn pinned_posts(state: &AppState, me: &SignedIn, limit: i64) -> Res<Vec<Post>> {
    let scope = post_scope(&me.actor);
    Ok(state
        .store
        .posts_for(&PostQuery {
            school_id: me.actor.school_id,
            reader: me.actor.person_id,
            scope: &scope,
            now: now(),
            before: None,
            limit,
            pinned_only: true,
        })
        .await?)
}

fn format_time(at: i64, tz: &TimeZone) -> String {
    Timestamp::from_second(at)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%d.%m.%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn rfc3339(at: i64) -> String {
    Timestamp::from_second(at)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// A scheduled time from the API: RFC 3339 (`2026-12-01T07:00:00Z`).
fn parse_instant(raw: Option<&str>) -> Result<Option<i64>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<Timestamp>()
            .map(|t| Some(t.as_second()))
            .map_err(|_| format!("publish_at: {s:?} is not an RFC 3339 time")),
    }
}

/// A scheduled time from the form: the school's local date and time (`datetime-local`).
fn parse_local(raw: Option<&str>, tz: &TimeZone) -> Option<Result<i64, ()>> {
    let s = raw.map(str::trim).filter(|s| !s.is_empty())?;
    Some(
        s.parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| tz.to_ambiguous_zoned(dt).compatible().ok())
            .map(|z| z.timestamp().as_second())
            .ok_or(()),
    )
}

// ---------------------------------------------------------------------------------------------
// Overview

/// A post as a card on the overview and in lists.
pub struct PostCard {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub author: String,
    pub when: String,
    pub audience: String,
    pub pinned: bool,
    pub emergency: bool,
    pub scheduled: bool,
    /// `Some(done)` when the post asks for "read and understood".
    pub ack: Option<bool>,
}

fn audience_label(tr: &Tr, audience: Audience, classes: &[ClassSummary]) -> String {
    match audience {
        Audience::Class(c) => classes
            .iter()
            .find(|k| k.id == c)
            .map(|k| tr.t1("posts-audience-class", "class", &k.name))
            .unwrap_or_else(|| tr.t1("posts-audience-class", "class", c.0)),
        Audience::Grade(g) => tr.t1("posts-audience-grade", "grade", g),
        Audience::Staff => tr.t("posts-audience-staff"),
        Audience::School => tr.t("posts-audience-school"),
    }
}

/// The class names the cards need: one query for the page.
async fn class_names(state: &AppState, me: &SignedIn, posts: &[&Post]) -> Res<Vec<ClassSummary>> {
    let mut ids: Vec<ClassId> = posts
        .iter()
        .filter_map(|p| match p.audience {
            Audience::Class(c) => Some(c),
            _ => None,
        })
        .collect();
    ids.sort_by_key(|c| c.0);
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(state.store.classes_by_id(me.actor.school_id, &ids).await?)
}

fn card(tr: &Tr, me: &SignedIn, post: &Post, classes: &[ClassSummary]) -> PostCard {
    let tz = me.time_zone();
    PostCard {
        id: post.id,
        title: post.title.clone(),
        body: post.body.clone(),
        author: post.author.full(),
        when: format_time(post.publish_at, &tz),
        audience: audience_label(tr, post.audience, classes),
        pinned: post.pinned,
        emergency: post.emergency,
        scheduled: post.publish_at > now(),
        ack: post.acknowledge.then_some(post.acknowledged_at.is_some()),
    }
}

/// The newest posts for the signed-in start page: a fixed number of queries (the page of posts
/// and the names of their classes), whatever the history.
pub(crate) async fn overview_posts(state: &AppState, me: &SignedIn, tr: &Tr) -> Res<Vec<PostCard>> {
    let (posts, _) = page_of_posts(state, me, None, 5).await?;
    let refs: Vec<&Post> = posts.iter().collect();
    let classes = class_names(state, me, &refs).await?;
    Ok(posts.iter().map(|p| card(tr, me, p, &classes)).collect())
}

// ---------------------------------------------------------------------------------------------
// Pages

/// An audience one may choose in the form: its value (`class:3`, `grade:2`, `staff`, `school`)
/// and its label.
struct Choice {
    value: String,
    label: String,
}

async fn audience_choices(state: &AppState, me: &SignedIn, tr: &Tr) -> Res<Vec<Choice>> {
    let actor = &me.actor;
    let mut out = Vec::new();
    // Shapes the form's choices; `access::post_scope` decides the audience when a post is made.
    let leader = actor.has(Role::Leader);
    if leader {
        out.push(Choice {
            value: "school".into(),
            label: tr.t("posts-audience-school"),
        });
        out.push(Choice {
            value: "staff".into(),
            label: tr.t("posts-audience-staff"),
        });
    }
    let classes = if leader {
        state
            .store
            .school_classes(actor.school_id, None, 1000)
            .await?
    } else if actor.has(Role::Staff) {
        let ids: Vec<ClassId> = actor.teaches.iter().map(|l| l.class_id).collect();
        state.store.classes_by_id(actor.school_id, &ids).await?
    } else {
        Vec::new()
    };
    let mut grades: Vec<i64> = classes.iter().map(|c| c.grade).collect();
    grades.sort();
    grades.dedup();
    for g in grades {
        out.push(Choice {
            value: format!("grade:{g}"),
            label: tr.t1("posts-audience-grade", "grade", g),
        });
    }
    for c in classes {
        out.push(Choice {
            value: format!("class:{}", c.id.0),
            label: tr.t1("posts-audience-class", "class", &c.name),
        });
    }
    Ok(out)
}

fn audience_from_form(raw: &str) -> Result<Audience, PostProblem> {
    match raw.split_once(':') {
        Some(("class", id)) => id
            .parse()
            .map(|id| Audience::Class(ClassId(id)))
            .map_err(|_| PostProblem::Audience),
        Some(("grade", g)) => g
            .parse()
            .map(Audience::Grade)
            .map_err(|_| PostProblem::Audience),
        None if raw == "staff" => Ok(Audience::Staff),
        None if raw == "school" => Ok(Audience::School),
        _ => Err(PostProblem::Audience),
    }
}

#[derive(Default)]
struct FormValues {
    audience: String,
    title: String,
    body: String,
    acknowledge: bool,
    emergency: bool,
    publish_at: String,
}

#[derive(Template)]
#[template(path = "posts/list.html")]
struct ListPage {
    chrome: Chrome,
    tr: Tr,
    pinned: Vec<PostCard>,
    posts: Vec<PostCard>,
    next: Option<String>,
    choices: Vec<Choice>,
    leader: bool,
    form: FormValues,
    error: Option<String>,
    max_images: usize,
}

#[derive(Deserialize)]
struct ListQuery {
    cursor: Option<String>,
}

async fn render_list(
    state: &AppState,
    viewer: &Viewer,
    cursor: Option<&str>,
    form: FormValues,
    error: Option<Refusal>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let (posts, next) = page_of_posts(state, me, cursor, rules::PAGE_SIZE).await?;
    let pinned = if cursor.is_none() {
        pinned_posts(state, me, 5).await?
    } else {
        Vec::new()
    };
    let refs: Vec<&Post> = posts.iter().chain(pinned.iter()).collect();
    let classes = class_names(state, me, &refs).await?;
    let choices = audience_choices(state, me, &tr).await?;
    let status = error.as_ref().map(|e| e.status);
    let mut response = html(&ListPage {
        chrome: viewer.chrome(),
        tr,
        pinned: pinned.iter().map(|p| card(&tr, me, p, &classes)).collect(),
        posts: posts.iter().map(|p| card(&tr, me, p, &classes)).collect(),
        next,
        choices,
        // Shapes the page (the leader's fields); the post itself is decided in `access`.
        leader: me.actor.has(Role::Leader),
        form,
        error: error.map(|e| e.text),
        max_images: rules::MAX_IMAGES,
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn list_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Res<Response> {
    render_list(
        &state,
        &viewer,
        query.cursor.as_deref(),
        FormValues::default(),
        None,
    )
    .await
}

async fn create_form(
    State(state): State<AppState>,
    viewer: Viewer,
    upload: UploadForm,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let form = FormValues {
        audience: upload.get("audience").unwrap_or_default().to_owned(),
        title: upload.get("title").unwrap_or_default().to_owned(),
        body: upload.get("body").unwrap_or_default().to_owned(),
        acknowledge: upload.get("acknowledge").is_some(),
        emergency: upload.get("emergency").is_some(),
        publish_at: upload.get("publish_at").unwrap_or_default().to_owned(),
    };
    if let Some(refusal) = upload.refusal {
        let refusal = upload_refusal(refusal, &tr);
        return render_list(&state, &viewer, None, form, Some(refusal)).await;
    }
    let publish_at = match parse_local(Some(&form.publish_at), &me.time_zone()) {
        None => Ok(None),
        Some(Ok(t)) => Ok(Some(t)),
        Some(Err(())) => {
            let refusal = Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, tr.t("posts-error-time"));
            return render_list(&state, &viewer, None, form, Some(refusal)).await;
        }
    };
    let input = PostInput {
        audience: audience_from_form(&form.audience),
        title: form.title.clone(),
        body: form.body.clone(),
        acknowledge: form.acknowledge,
        emergency: form.emergency,
        publish_at,
    };
    match create_post(&state, me, &tr, &input, upload.files).await? {
        Ok(id) => Ok(Redirect::to(&format!("/posts/{id}")).into_response()),
        Err(refusal) => render_list(&state, &viewer, None, form, Some(refusal)).await,
    }
}

struct ImageView {
    url: String,
    name: String,
}

struct AckView {
    acknowledged: Vec<(String, String)>,
    pending: Vec<String>,
}

#[derive(Template)]
#[template(path = "posts/post.html")]
struct PostPage {
    chrome: Chrome,
    tr: Tr,
    post: PostCard,
    images: Vec<ImageView>,
    may_acknowledge: bool,
    manages: bool,
    acks: Option<AckView>,
}

async fn post_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let (post, classes) = visible_post(&state, me, &raw).await?;
    let resource = post_resource(me, &post, &classes);
    let manages = may(&me.actor, Action::ManagePost, &resource);
    let acks = if manages && post.acknowledge {
        let tz = me.time_zone();
        let a = state
            .store
            .acknowledgements(me.actor.school_id, &post, &classes)
            .await?;
        Some(AckView {
            acknowledged: a
                .acknowledged
                .iter()
                .map(|(n, at)| (n.full(), format_time(*at, &tz)))
                .collect(),
            pending: a.pending.iter().map(|n| n.full()).collect(),
        })
    } else {
        None
    };
    let images = state
        .store
        .post_images(&[post.id])
        .await?
        .into_iter()
        .map(|i| ImageView {
            url: format!("/posts/{}/images/{}", post.id, i.id),
            name: i.file_name,
        })
        .collect();
    let names = class_names(&state, me, &[&post]).await?;
    html(&PostPage {
        chrome: viewer.chrome(),
        tr,
        may_acknowledge: post.acknowledge
            && post.acknowledged_at.is_none()
            && may(&me.actor, Action::AcknowledgePost, &resource),
        post: card(&tr, me, &post, &names),
        images,
        manages,
        acks,
    })
}

#[derive(Deserialize)]
struct EmptyForm {}

async fn acknowledge_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Res<Redirect> {
    let me = viewer.require()?;
    let post = acknowledge(&state, me, &viewer.tr, &raw).await?;
    Ok(Redirect::to(&format!("/posts/{}", post.id)))
}

#[derive(Deserialize)]
struct PinForm {
    pinned: Option<String>,
}

async fn pin_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<PinForm>,
) -> Res<Redirect> {
    let me = viewer.require()?;
    let (post, _) = managed_post(&state, me, &viewer.tr, &raw).await?;
    let pinned = form.pinned.as_deref() == Some("1");
    state
        .store
        .set_pinned(me.actor.school_id, post.id, pinned)
        .await?;
    Ok(Redirect::to(&format!("/posts/{}", post.id)))
}

/// Serves stored image bytes: shown inline (they were sniffed as images when they arrived),
/// private to the reader, running nothing.
fn image_response(content_type: &str, bytes: Vec<u8>) -> Response {
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("private")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn image(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, image)): Path<(String, String)>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (post, _) = visible_post(&state, me, &raw).await?;
    let image = state
        .store
        .post_image(me.actor.school_id, post.id, parse_id(&image)?)
        .await?
        .ok_or(WebError::NotFound)?;
    let bytes = file_store(&state)?.get(&image.sha256).await?;
    Ok(image_response(&image.content_type, bytes))
}

// ---------------------------------------------------------------------------------------------
// Photo albums

fn class_resource(me: &SignedIn, class_id: ClassId) -> Resource<'static> {
    Resource::Class {
        school_id: me.actor.school_id,
        class_id,
    }
}

async fn album_class(state: &AppState, me: &SignedIn, raw: &str) -> Res<ClassSummary> {
    let class_id = ClassId(parse_id(raw)?);
    if !may(&me.actor, Action::ViewAlbum, &class_resource(me, class_id)) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .classes_by_id(me.actor.school_id, &[class_id])
        .await?
        .into_iter()
        .next()
        .ok_or(WebError::NotFound)
}

/// The children the viewer may see the photos of despite a missing consent: their own children
/// (custody or information access).
fn own_children(me: &SignedIn) -> Vec<PersonId> {
    me.actor
        .children
        .iter()
        .filter(|c| {
            matches!(
                me.actor.guardian_access(c.pupil_id),
                Some(skolebro_domain::Access::Full | skolebro_domain::Access::Info)
            )
        })
        .map(|c| c.pupil_id)
        .collect()
}

/// The album's photos the viewer may see.
async fn visible_album(
    state: &AppState,
    me: &SignedIn,
    class: &ClassSummary,
) -> Res<(Vec<Photo>, bool)> {
    let manages = may(
        &me.actor,
        Action::UploadPhoto,
        &class_resource(me, class.id),
    );
    let children = own_children(me);
    let photos = state
        .store
        .album(me.actor.school_id, class.id)
        .await?
        .into_iter()
        .filter(|p| photo_visible(&p.tags, &children, me.actor.person_id, manages))
        .collect();
    Ok((photos, manages))
}

struct PhotoView {
    url: String,
    caption: String,
    hidden: bool,
}

struct ConsentChoice {
    pupil_id: i64,
    name: String,
    consent: bool,
}

struct TagChoice {
    pupil_id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "posts/album.html")]
struct AlbumPage {
    chrome: Chrome,
    tr: Tr,
    class_id: i64,
    class_name: String,
    photos: Vec<PhotoView>,
    manages: bool,
    pupils: Vec<TagChoice>,
    consents: Vec<ConsentChoice>,
    error: Option<String>,
}

async fn render_album(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    error: Option<Refusal>,
) -> Res<Response> {
    let me = viewer.require()?;
    let class = album_class(state, me, raw).await?;
    let (photos, manages) = visible_album(state, me, &class).await?;
    let detail = state
        .store
        .class_detail(me.actor.school_id, class.id)
        .await?;
    let pupils: Vec<(PersonId, String)> = detail
        .map(|d| {
            d.pupils
                .iter()
                .map(|p| (p.person.id, p.person.full()))
                .collect()
        })
        .unwrap_or_default();
    let mine: Vec<PersonId> = me
        .actor
        .children
        .iter()
        .filter(|c| me.actor.guardian_access(c.pupil_id) == Some(skolebro_domain::Access::Full))
        .map(|c| c.pupil_id)
        .filter(|p| pupils.iter().any(|(q, _)| q == p))
        .collect();
    let consenting = state.store.photo_consents(&mine).await?;
    let status = error.as_ref().map(|e| e.status);
    let mut response = html(&AlbumPage {
        chrome: viewer.chrome(),
        tr: viewer.tr,
        class_id: class.id.0,
        class_name: class.name,
        photos: photos
            .iter()
            .map(|p| PhotoView {
                url: format!("/photos/{}", p.id),
                caption: p.caption.clone(),
                hidden: p.tags.iter().any(|t| !t.consent),
            })
            .collect(),
        manages,
        pupils: if manages {
            pupils
                .iter()
                .map(|(id, name)| TagChoice {
                    pupil_id: id.0,
                    name: name.clone(),
                })
                .collect()
        } else {
            Vec::new()
        },
        consents: mine
            .iter()
            .map(|p| ConsentChoice {
                pupil_id: p.0,
                name: pupils
                    .iter()
                    .find(|(q, _)| q == p)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                consent: consenting.contains(p),
            })
            .collect(),
        error: error.map(|e| e.text),
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn album_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    render_album(&state, &viewer, &raw, None).await
}

/// Checks and stores a photo with its tags (pupils of the class).
async fn add_photo(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    class: &ClassSummary,
    upload: UploadForm,
) -> Res<Result<i64, Refusal>> {
    if !may(
        &me.actor,
        Action::UploadPhoto,
        &class_resource(me, class.id),
    ) {
        return Ok(Err(Refusal::new(
            StatusCode::FORBIDDEN,
            tr.t("posts-error-album"),
        )));
    }
    // The caption and the tags are judged before the files, so a bad field is a 422 whatever
    // came with it.
    let caption = upload.get("caption").unwrap_or_default().trim().to_owned();
    if caption.chars().count() > MAX_CAPTION_CHARS || caption.chars().any(char::is_control) {
        return Ok(Err(Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.t1("posts-error-caption", "max", MAX_CAPTION_CHARS),
        )));
    }
    let class_pupils = state
        .store
        .class_pupil_ids(me.actor.school_id, class.id)
        .await?;
    let mut tags = Vec::new();
    for (name, value) in &upload.fields {
        if name != "tag" {
            continue;
        }
        match value.trim().parse::<i64>().map(PersonId) {
            Ok(p) if class_pupils.contains(&p) => tags.push(p),
            _ => {
                return Ok(Err(Refusal::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    tr.t("posts-error-tag"),
                )))
            }
        }
    }
    if let Some(refusal) = upload.refusal {
        return Ok(Err(upload_refusal(refusal, tr)));
    }
    let files = upload.files;
    if files.len() != 1 {
        return Ok(Err(Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.t("posts-error-one-photo"),
        )));
    }
    if let Some(refusal) = not_images(&files, tr) {
        return Ok(Err(refusal));
    }
    let stored = store_files(state, me, files).await?;
    let Some(file) = stored.first() else {
        return Err(WebError::Internal);
    };
    let id = state
        .store
        .add_photo(
            &NewPhoto {
                school_id: me.actor.school_id,
                class_id: class.id,
                uploaded_by: me.actor.person_id,
                caption: &caption,
                file,
                tags: &tags,
            },
            now(),
        )
        .await?;
    Ok(Ok(id))
}

async fn photo_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    upload: UploadForm,
) -> Res<Response> {
    let me = viewer.require()?;
    let class = album_class(&state, me, &raw).await?;
    match add_photo(&state, me, &viewer.tr, &class, upload).await? {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{}/photos", class.id.0)).into_response()),
        Err(refusal) => render_album(&state, &viewer, &raw, Some(refusal)).await,
    }
}

/// A photo the viewer may see: they see the album, and every pupil on it consents or is their
/// own child; 404 otherwise.
async fn photo_file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let photo = state
        .store
        .photo(me.actor.school_id, parse_id(&raw)?)
        .await?
        .ok_or(WebError::NotFound)?;
    let class = class_resource(me, photo.class_id);
    let manages = may(&me.actor, Action::UploadPhoto, &class);
    if !may(&me.actor, Action::ViewAlbum, &class)
        || !photo_visible(&photo.tags, &own_children(me), me.actor.person_id, manages)
    {
        return Err(WebError::NotFound);
    }
    let bytes = file_store(&state)?.get(&photo.sha256).await?;
    Ok(image_response(&photo.content_type, bytes))
}

/// Records a guardian's answer about photos of their child: the custodial guardians decide.
async fn decide_consent(state: &AppState, me: &SignedIn, raw: &str, consent: bool) -> Res<()> {
    let pupil = PersonId(parse_id(raw)?);
    let resource = Resource::Pupil {
        school_id: me.actor.school_id,
        pupil_id: pupil,
        classes: &[],
    };
    if !may(&me.actor, Action::DecidePhotoConsent, &resource) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .set_photo_consent(
            me.actor.school_id,
            pupil,
            me.actor.person_id,
            consent,
            now(),
        )
        .await?;
    Ok(())
}

#[derive(Deserialize)]
struct ConsentForm {
    consent: String,
    class: Option<String>,
}

async fn consent_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<ConsentForm>,
) -> Res<Redirect> {
    let me = viewer.require()?;
    let consent = match form.consent.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(WebError::Unprocessable("consent: yes or no".into())),
    };
    decide_consent(&state, me, &raw, consent).await?;
    Ok(Redirect::to(
        &match form.class.and_then(|c| c.parse::<i64>().ok()) {
            Some(c) => format!("/classes/{c}/photos"),
            None => "/overview".to_owned(),
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// API

/// Who a post is written to: exactly one of the four.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<bool>,
}

impl AudienceJson {
    fn audience(&self) -> Result<Audience, PostProblem> {
        match (self.class, self.grade, self.school, self.staff) {
            (Some(c), None, None, None) => Ok(Audience::Class(ClassId(c))),
            (None, Some(g), None, None) => Ok(Audience::Grade(g)),
            (None, None, Some(true), None) => Ok(Audience::School),
            (None, None, None, Some(true)) => Ok(Audience::Staff),
            _ => Err(PostProblem::Audience),
        }
    }

    fn of(audience: Audience) -> AudienceJson {
        match audience {
            Audience::Class(c) => AudienceJson {
                class: Some(c.0),
                ..Default::default()
            },
            Audience::Grade(g) => AudienceJson {
                grade: Some(g),
                ..Default::default()
            },
            Audience::School => AudienceJson {
                school: Some(true),
                ..Default::default()
            },
            Audience::Staff => AudienceJson {
                staff: Some(true),
                ..Default::default()
            },
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PostRequest {
    pub audience: AudienceJson,
    #[schema(min_length = 1, pattern = r"\S")]
    pub title: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub body: String,
    /// Ask readers to confirm "read and understood".
    #[serde(default)]
    pub acknowledge: Option<bool>,
    /// An emergency post: leaders only; sent at once to everyone.
    #[serde(default)]
    pub emergency: Option<bool>,
    /// Publish later, at this RFC 3339 time; now when left out.
    #[serde(default)]
    pub publish_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PersonJson {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImageJson {
    pub id: i64,
    pub url: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PostJson {
    pub id: i64,
    pub audience: AudienceJson,
    pub title: String,
    pub body: String,
    pub author: PersonJson,
    pub acknowledge: bool,
    pub emergency: bool,
    pub pinned: bool,
    /// When it was (or will be) published, RFC 3339.
    pub published_at: String,
    /// Not yet published: only its author and leaders see it.
    pub scheduled: bool,
    /// When the caller confirmed "read and understood".
    pub acknowledged_at: Option<String>,
    pub images: Vec<ImageJson>,
}

#[derive(Serialize, ToSchema)]
pub struct PostList {
    pub posts: Vec<PostJson>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn post_json(post: &Post, images: &[skolebro_store::posts::PostImage]) -> PostJson {
    PostJson {
        id: post.id,
        audience: AudienceJson::of(post.audience),
        title: post.title.clone(),
        body: post.body.clone(),
        author: PersonJson {
            id: post.author.id.0,
            name: post.author.full(),
        },
        acknowledge: post.acknowledge,
        emergency: post.emergency,
        pinned: post.pinned,
        published_at: rfc3339(post.publish_at),
        scheduled: post.publish_at > now(),
        acknowledged_at: post.acknowledged_at.map(rfc3339),
        images: images
            .iter()
            .filter(|i| i.post_id == post.id)
            .map(|i| ImageJson {
                id: i.id,
                url: format!("/posts/{}/images/{}", post.id, i.id),
                content_type: i.content_type.clone(),
                size: i.size,
            })
            .collect(),
    }
}

/// Write a post to a class, a grade, the staff or the whole school. Staff post to the classes
/// and grades they teach in; leaders to anyone, and only leaders mark emergencies.
#[utoipa::path(post, path = "/api/v1/posts", tag = "posts", operation_id = "api_create_post", request_body = PostRequest,
    security(("bearer" = [])),
    responses((status = 201, body = Created),
        (status = 403, description = "An audience the caller may not post to, or an emergency by someone who is not a leader"),
        (status = 422, description = "Audience not exactly one of the four, no such grade or class, title or text empty or too long, or a scheduled time in the past")))]
pub async fn api_create(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(req): Json<PostRequest>,
) -> Res<(StatusCode, Json<Created>)> {
    let me = viewer.require()?;
    let publish_at = parse_instant(req.publish_at.as_deref()).map_err(WebError::Unprocessable)?;
    let input = PostInput {
        audience: req.audience.audience(),
        title: req.title,
        body: req.body,
        acknowledge: req.acknowledge.unwrap_or(false),
        emergency: req.emergency.unwrap_or(false),
        publish_at: Ok(publish_at),
    };
    let id = create_post(&state, me, &viewer.tr, &input, Vec::new())
        .await?
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

pub use crate::paging::CursorQuery;

/// The posts the caller reads, newest first, by keyset cursor: their own, and the published
/// posts to their classes, their grades, the staff (staff) and the whole school.
#[utoipa::path(get, path = "/api/v1/posts", tag = "posts", operation_id = "api_list_posts", params(CursorQuery),
    security(("bearer" = [])), responses((status = 200, body = PostList)))]
pub async fn api_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<CursorQuery>,
) -> Res<Json<PostList>> {
    let me = viewer.require()?;
    let (posts, next_cursor) =
        page_of_posts(&state, me, query.cursor.as_deref(), rules::PAGE_SIZE).await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let images = state.store.post_images(&ids).await?;
    Ok(Json(PostList {
        posts: posts.iter().map(|p| post_json(p, &images)).collect(),
        next_cursor,
    }))
}

/// One post the caller reads.
#[utoipa::path(get, path = "/api/v1/posts/{post}", tag = "posts", security(("bearer" = [])),
    params(("post" = i64, Path, description = "Post id")),
    responses((status = 200, body = PostJson), (status = 404)))]
pub async fn api_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<PostJson>> {
    let me = viewer.require()?;
    let (post, _) = visible_post(&state, me, &raw).await?;
    let images = state.store.post_images(&[post.id]).await?;
    Ok(Json(post_json(&post, &images)))
}

/// Confirm "read and understood" of a post that asks for it. Confirming again changes nothing.
#[utoipa::path(post, path = "/api/v1/posts/{post}/acknowledge", tag = "posts", operation_id = "api_acknowledge_post",
    security(("bearer" = [])), params(("post" = i64, Path, description = "Post id")),
    responses((status = 204), (status = 403, description = "The caller's own post"),
        (status = 404), (status = 409, description = "The post does not ask for acknowledgement")))]
pub async fn api_acknowledge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    acknowledge(&state, me, &viewer.tr, &raw).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct AcknowledgedJson {
    pub id: i64,
    pub name: String,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct AcknowledgementsJson {
    pub acknowledged: Vec<AcknowledgedJson>,
    /// Readers asked to confirm who have not: the guardians the audience covers (custody or
    /// information access), or the staff for a staff post.
    pub pending: Vec<PersonJson>,
}

/// Who has and has not confirmed "read and understood": the post's author and leaders.
#[utoipa::path(get, path = "/api/v1/posts/{post}/acknowledgements", tag = "posts",
    security(("bearer" = [])), params(("post" = i64, Path, description = "Post id")),
    responses((status = 200, body = AcknowledgementsJson),
        (status = 403, description = "A reader who is not the author or a leader"), (status = 404)))]
pub async fn api_acknowledgements(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<AcknowledgementsJson>> {
    let me = viewer.require()?;
    let (post, classes) = managed_post(&state, me, &viewer.tr, &raw).await?;
    let a = state
        .store
        .acknowledgements(me.actor.school_id, &post, &classes)
        .await?;
    Ok(Json(AcknowledgementsJson {
        acknowledged: a
            .acknowledged
            .iter()
            .map(|(n, at)| AcknowledgedJson {
                id: n.id.0,
                name: n.full(),
                at: rfc3339(*at),
            })
            .collect(),
        pending: a
            .pending
            .iter()
            .map(|n| PersonJson {
                id: n.id.0,
                name: n.full(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PinRequest {
    pub pinned: bool,
}

/// Pin a post to the top of its readers' lists, or unpin it: its author and leaders.
#[utoipa::path(post, path = "/api/v1/posts/{post}/pin", tag = "posts", request_body = PinRequest,
    security(("bearer" = [])), params(("post" = i64, Path, description = "Post id")),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn api_pin(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<PinRequest>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let (post, _) = managed_post(&state, me, &viewer.tr, &raw).await?;
    state
        .store
        .set_pinned(me.actor.school_id, post.id, req.pinned)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The form of `POST /api/v1/posts/{post}/images` (`multipart/form-data`).
#[derive(ToSchema)]
pub struct ImagesForm {
    /// One or more images: PNG, JPEG, GIF or WebP, sniffed from the bytes. A file part counts
    /// under any name (the page sends `images`).
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1)]
    pub file: Vec<Vec<u8>>,
}

/// The form of `POST /api/v1/classes/{id}/photos` (`multipart/form-data`).
#[derive(ToSchema)]
pub struct PhotoForm {
    /// One image: PNG, JPEG, GIF or WebP, sniffed from the bytes. A file part counts under
    /// any name (the page sends `photo`). More than one is refused: 422, or 413 past the
    /// upload limit of five files (no `maxItems` here, as that answer is not a schema's).
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1)]
    pub file: Vec<Vec<u8>>,
    pub caption: Option<String>,
    /// A pupil of the class in the photo, by id; repeat the field for more.
    pub tag: Option<Vec<i64>>,
}

/// Add images to a post (`multipart/form-data`, one or more file fields): PNG, JPEG, GIF or
/// WebP, the type read from the bytes. Its author and leaders.
#[utoipa::path(post, path = "/api/v1/posts/{post}/images", tag = "posts",
    security(("bearer" = [])), params(("post" = i64, Path, description = "Post id")),
    request_body(content = ImagesForm, content_type = "multipart/form-data", description = "Image files"),
    responses((status = 201, body = Vec<ImageJson>), (status = 403), (status = 404),
        (status = 409, description = "The post has as many images as it may carry"),
        (status = 413, description = "An image over 10 MB, or too many files"),
        (status = 415, description = "A file that is not an image"),
        (status = 422, description = "No image")))]
pub async fn api_add_image(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    upload: UploadForm,
) -> Res<(StatusCode, Json<Vec<ImageJson>>)> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let (post, _) = managed_post(&state, me, &tr, &raw).await?;
    upload.only_fields(&["csrf"])?;
    if let Some(refusal) = upload.refusal {
        return Err(WebError::from(upload_refusal(refusal, &tr)));
    }
    if upload.files.is_empty() {
        return Err(WebError::Unprocessable(
            "file: attach at least one image".into(),
        ));
    }
    if let Some(refusal) = not_images(&upload.files, &tr) {
        return Err(WebError::from(refusal));
    }
    let stored = store_files(&state, me, upload.files).await?;
    let mut out = Vec::new();
    for image in &stored {
        let id = state
            .store
            .add_post_image(me.actor.school_id, post.id, image, now())
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => WebError::Conflict(m),
                other => other.into(),
            })?;
        out.push(ImageJson {
            id,
            url: format!("/posts/{}/images/{id}", post.id),
            content_type: image.content_type.clone(),
            size: image.size,
        });
    }
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Serialize, ToSchema)]
pub struct PhotoJson {
    pub id: i64,
    pub url: String,
    pub caption: String,
    /// The pupils the photo shows.
    pub tags: Vec<i64>,
    /// A tagged pupil's family has not consented: others than that family do not see it
    /// (shown here only to the album's staff and that family).
    pub restricted: bool,
    pub created_at: String,
}

fn photo_json(p: &Photo) -> PhotoJson {
    PhotoJson {
        id: p.id,
        url: format!("/photos/{}", p.id),
        caption: p.caption.clone(),
        tags: p.tags.iter().map(|t| t.pupil_id.0).collect(),
        restricted: p.tags.iter().any(|t| !t.consent),
        created_at: rfc3339(p.created_at),
    }
}

/// A class's photo album as the caller may see it: a photo of a pupil whose family has not
/// consented is left out, except for that family and the class's staff.
#[utoipa::path(get, path = "/api/v1/classes/{id}/photos", tag = "posts",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, body = Vec<PhotoJson>), (status = 404)))]
pub async fn api_album(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<Vec<PhotoJson>>> {
    let me = viewer.require()?;
    let class = album_class(&state, me, &raw).await?;
    let (photos, _) = visible_album(&state, me, &class).await?;
    Ok(Json(photos.iter().map(photo_json).collect()))
}

/// Put a photo in a class's album (`multipart/form-data`: one image in a file field,
/// `caption`, and a `tag` field per pupil of the class it shows): the class's staff and leaders.
#[utoipa::path(post, path = "/api/v1/classes/{id}/photos", tag = "posts",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    request_body(content = PhotoForm, content_type = "multipart/form-data", description = "One image, caption, tags"),
    responses((status = 201, body = Created), (status = 403), (status = 404),
        (status = 413, description = "An image over 10 MB"),
        (status = 415, description = "A file that is not an image"),
        (status = 422, description = "Not exactly one image, a caption too long, or a tag that is not a pupil of the class")))]
pub async fn api_add_photo(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    upload: UploadForm,
) -> Res<(StatusCode, Json<Created>)> {
    let me = viewer.require()?;
    let class = album_class(&state, me, &raw).await?;
    upload.only_fields(&["caption", "tag", "csrf"])?;
    let id = add_photo(&state, me, &viewer.tr, &class, upload)
        .await?
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ConsentRequest {
    /// Whether photos of the child may be shown to the class.
    pub consent: bool,
}

/// Decide whether photos of one's child may be shown to others: guardians with custody. One
/// refusal among them outweighs any consent.
#[utoipa::path(post, path = "/api/v1/pupils/{id}/photo-consent", tag = "posts",
    request_body = ConsentRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Pupil id")),
    responses((status = 204), (status = 404)))]
pub async fn api_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<ConsentRequest>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    decide_consent(&state, me, &raw, req.consent).await?;
    Ok(StatusCode::NO_CONTENT)
}
