//! Messages: the inbox, conversations, writing to families and staff, tone help, contact hours,
//! live updates, and the record of calls and talks (MSG-1..4, MSG-9). Pages and API side by
//! side; every decision about who may write to or read whom is asked of `domain::access`.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use skolebro_domain::access;
use skolebro_domain::contact_hours::ContactHours;
use skolebro_domain::messages::{self as rules, Household, MessageKind, ReplyRoute};
use skolebro_domain::profile::profile;
use skolebro_domain::text::TextProblem;
use skolebro_domain::tone::{self, ToneReport};
use skolebro_domain::{may, Action, ClassId, Lang, PersonId, Resource, Role};
use skolebro_store::files::Attachment;
use skolebro_store::messages::{
    InboxItem, MessagingSettings, NewConversationLog, NewThread, RecipientFacts, Sent, Thread,
};
use skolebro_store::people::PersonName;
use tokio::sync::broadcast;
use utoipa::ToSchema;

use crate::files::{
    content_disposition, file_store, size_label, store_files, CheckedFile, FileRefusal, UploadForm,
    UPLOAD_BODY_LIMIT,
};
use crate::i18n::Tr;
use crate::viewer::{html, parse_id, Chrome, CsrfForm, Rendered, SignedIn, Viewer};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/messages", get(inbox_page))
        .route(
            "/messages/new",
            get(new_page)
                .post(send_new)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/messages/events", get(events))
        .route("/messages/{id}", get(thread_page))
        .route(
            "/messages/{id}/reply",
            post(reply).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/messages/{id}/attachments/{attachment}",
            get(download_attachment),
        )
        .route("/messages/{id}/open", post(open_thread))
        .route(
            "/pupils/{id}/contact",
            get(timeline_page).post(log_conversation),
        )
        .route("/settings/messages", get(settings_page).post(save_settings))
        .route("/static/live.js", get(live_script))
        .route("/api/v1/threads", get(api_inbox).post(api_create_thread))
        .route("/api/v1/threads/{id}", get(api_thread))
        .route("/api/v1/threads/{id}/messages", post(api_reply))
        .route(
            "/api/v1/threads/{id}/attachments",
            post(api_attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/api/v1/threads/{id}/read", post(api_mark_read))
        .route("/api/v1/threads/{id}/open", post(api_open))
        .route("/api/v1/recipients", get(api_recipients))
        .route("/api/v1/tone", post(api_tone))
        .route(
            "/api/v1/pupils/{id}/conversations",
            get(api_conversations).post(api_log_conversation),
        )
}

/// A new message for the people in a conversation, sent to the live streams of this server.
#[derive(Debug, Clone)]
pub struct MessageEvent {
    pub thread_id: i64,
    pub participants: Vec<PersonId>,
}

/// Live updates fan out through one channel per server; a slow reader that falls behind misses
/// events and catches up on its next page load.
pub fn event_channel() -> broadcast::Sender<MessageEvent> {
    broadcast::channel(1024).0
}

const INBOX_PAGE: i64 = 25;
/// A conversation shows its latest messages; older ones are rarely read again.
const THREAD_MESSAGES: i64 = 200;

fn field_problem(tr: &Tr, field: &str, problem: TextProblem) -> String {
    let field = tr.t(&format!("messages-field-{field}"));
    match problem {
        TextProblem::Empty => tr.t1("messages-error-empty", "field", field),
        TextProblem::TooLong(max) => tr.t2("messages-error-too-long", "field", field, "max", max),
        TextProblem::Control => tr.t1("messages-error-control", "field", field),
    }
}

/// Local date and time in the school's zone, as people there write it.
fn local_time(at: i64, tz: &TimeZone) -> String {
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

// ---------------------------------------------------------------------------------------------
// Who may be written to

fn household(id: PersonId, facts: &RecipientFacts) -> Household {
    // The recipient's roles are facts for the domain's rules (`Household`); nothing is decided here.
    if facts.roles.contains(&Role::Staff) || facts.roles.contains(&Role::Leader) {
        Household::Staff
    } else if facts.roles.contains(&Role::Guardian) {
        Household::Guardian {
            children: facts.children.clone(),
        }
    } else {
        Household::Pupil { id }
    }
}

fn may_message(me: &SignedIn, id: PersonId, facts: &RecipientFacts, allowed: bool) -> bool {
    may(
        &me.actor,
        Action::Message,
        &Resource::Person {
            school_id: me.actor.school_id,
            person_id: id,
            roles: &facts.roles,
            teaches: &facts.teaches,
            enrolled: &facts.enrolled,
            children_classes: &facts.children_classes,
            guardians_may_message: allowed,
        },
    )
}

/// Checks every recipient through the access policy and counts the families they span. Any
/// recipient one may not reach refuses the whole message, without saying which ids exist.
async fn check_recipients(
    state: &AppState,
    me: &SignedIn,
    ids: &[PersonId],
) -> Result<usize, WebError> {
    if ids.is_empty() {
        return Err(WebError::BadRequest(
            "choose at least one recipient (recipients)".into(),
        ));
    }
    if ids.len() > rules::MAX_RECIPIENTS {
        return Err(WebError::BadRequest(format!(
            "at most {} recipients (recipients)",
            rules::MAX_RECIPIENTS
        )));
    }
    let settings = state.store.messaging_settings(me.actor.school_id).await?;
    let facts = state.store.recipient_facts(me.actor.school_id, ids).await?;
    let mut households = Vec::with_capacity(ids.len());
    for id in ids {
        let refused = WebError::Denied("messages-error-recipient");
        let Some(f) = facts.get(id) else {
            return Err(refused);
        };
        // A protected family is refused like someone who does not exist: the answer tells
        // nothing of them.
        if !may_message(me, *id, f, settings.guardians_may_message)
            || !crate::people::knows_of_family(me, *id, f.protected)
        {
            return Err(refused);
        }
        households.push(household(*id, f));
    }
    Ok(rules::families(&households))
}

/// One person the viewer may write to, for the picker.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecipientView {
    pub id: i64,
    pub name: String,
    /// `staff`, `guardian` or `pupil`.
    pub role: String,
    /// For a guardian: whose guardian; for staff: their role in the class.
    pub note: Option<String>,
}

/// A group of the picker: one class's staff, families and pupils, or the school's leaders.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecipientGroup {
    pub class_id: Option<i64>,
    pub title: String,
    pub people: Vec<RecipientView>,
    /// Everyone of the group's guardians the viewer may write to, for "all guardians".
    pub guardian_ids: Vec<i64>,
}

/// The classes whose people the picker offers: staff their classes (a leader the class asked
/// for), guardians their children's classes, pupils their own.
fn picker_classes(me: &SignedIn, asked: Option<ClassId>) -> Vec<ClassId> {
    let a = &me.actor;
    let mut classes: Vec<ClassId> = Vec::new();
    if let Some(c) = asked {
        // Shapes the picker; `access` decides each recipient when the message is sent.
        if a.has(Role::Leader) || a.teaches.iter().any(|l| l.class_id == c) {
            classes.push(c);
        }
    }
    if asked.is_none() {
        classes.extend(a.teaches.iter().map(|l| l.class_id));
        classes.extend(
            a.child_classes
                .iter()
                .filter(|(p, _)| {
                    a.guardian_access(*p)
                        .is_some_and(|x| x != skolebro_domain::Access::None)
                })
                .map(|(_, c)| *c),
        );
        classes.extend(a.enrolled.iter().copied());
    }
    classes.sort();
    classes.dedup();
    classes
}

async fn recipient_groups(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    asked: Option<ClassId>,
) -> Result<Vec<RecipientGroup>, WebError> {
    let settings = state.store.messaging_settings(me.actor.school_id).await?;
    let mut groups = Vec::new();
    for class_id in picker_classes(me, asked) {
        let Some(detail) = state
            .store
            .class_detail(me.actor.school_id, class_id)
            .await?
        else {
            continue;
        };
        // Everyone of the class, then the policy decides who the viewer may reach.
        let mut people: Vec<(PersonName, &'static str, Option<String>)> = Vec::new();
        for s in &detail.staff {
            let note = tr.t(if s.contact_teacher {
                "contact-teacher"
            } else {
                "teacher"
            });
            people.push((s.person.clone(), "staff", Some(note)));
        }
        for p in &detail.pupils {
            for g in p
                .guardians
                .iter()
                .filter(|g| crate::people::knows_of_family(me, g.person.id, g.contact.protected))
            {
                people.push((
                    g.person.clone(),
                    "guardian",
                    Some(tr.t1("messages-guardian-of", "name", p.person.full())),
                ));
            }
            people.push((p.person.clone(), "pupil", None));
        }
        let ids: Vec<PersonId> = people.iter().map(|(p, _, _)| p.id).collect();
        let facts = state
            .store
            .recipient_facts(me.actor.school_id, &ids)
            .await?;
        let mut seen = Vec::new();
        let mut group = RecipientGroup {
            class_id: Some(class_id.0),
            title: tr.t1("class-title", "name", &detail.class.name),
            people: Vec::new(),
            guardian_ids: Vec::new(),
        };
        for (person, role, note) in people {
            let Some(f) = facts.get(&person.id) else {
                continue;
            };
            if seen.contains(&(person.id, role)) {
                continue;
            }
            seen.push((person.id, role));
            if !may_message(me, person.id, f, settings.guardians_may_message) {
                continue;
            }
            if role == "guardian" && !group.guardian_ids.contains(&person.id.0) {
                group.guardian_ids.push(person.id.0);
            }
            group.people.push(RecipientView {
                id: person.id.0,
                name: person.full(),
                role: role.to_owned(),
                note,
            });
        }
        if !group.people.is_empty() {
            groups.push(group);
        }
    }
    // The school's leadership, for everyone who may write to it.
    let leaders = state.store.leaders(me.actor.school_id).await?;
    let ids: Vec<PersonId> = leaders.iter().map(|p| p.id).collect();
    let facts = state
        .store
        .recipient_facts(me.actor.school_id, &ids)
        .await?;
    let people: Vec<RecipientView> = leaders
        .iter()
        .filter(|p| {
            facts
                .get(&p.id)
                .is_some_and(|f| may_message(me, p.id, f, settings.guardians_may_message))
        })
        .map(|p| RecipientView {
            id: p.id.0,
            name: p.full(),
            role: "staff".into(),
            note: Some(tr.t("messages-leader")),
        })
        .collect();
    if !people.is_empty() {
        groups.push(RecipientGroup {
            class_id: None,
            title: tr.t("messages-leadership"),
            people,
            guardian_ids: Vec::new(),
        });
    }
    Ok(groups)
}

// ---------------------------------------------------------------------------------------------
// Contact hours

/// The contact hours that apply to a viewer writing to the school: their (child's) class's own
/// hours, else the school's, else the country's default.
async fn contact_hours_for(state: &AppState, me: &SignedIn) -> Result<ContactHours, WebError> {
    let class = me
        .actor
        .child_classes
        .first()
        .map(|(_, c)| *c)
        .or_else(|| me.actor.enrolled.first().copied());
    if let Some(class) = class {
        if let Some(h) = state
            .store
            .class_contact_hours(me.actor.school_id, class)
            .await?
            .and_then(|h| ContactHours::parse(&h).ok())
        {
            return Ok(h);
        }
    }
    let settings = state.store.messaging_settings(me.actor.school_id).await?;
    Ok(settings
        .contact_hours
        .and_then(|h| ContactHours::parse(&h).ok())
        .unwrap_or_else(|| ContactHours::default_for(profile(me.school.country))))
}

/// What a guardian or pupil is told before writing: the hours, and when outside them, when an
/// answer can be expected (MSG-2). Staff write any time; the notice is for families.
struct HoursNotice {
    hours: String,
    expect_from: Option<String>,
    expect_from_rfc3339: Option<String>,
}

async fn hours_notice(state: &AppState, me: &SignedIn) -> Result<Option<HoursNotice>, WebError> {
    // Shapes the page: the contact-hours notice is for families; it decides nothing.
    if me.actor.has(Role::Staff) || me.actor.has(Role::Leader) {
        return Ok(None);
    }
    let hours = contact_hours_for(state, me).await?;
    let tz = me.time_zone();
    let now = skolebro_store::clock::now();
    let outside = !hours.is_open(now, &tz);
    let next = hours.next_open(now, &tz);
    Ok(Some(HoursNotice {
        hours: hours.to_string(),
        expect_from: outside.then(|| next.strftime("%d.%m.%Y %H:%M").to_string()),
        expect_from_rfc3339: outside.then(|| next.timestamp().to_string()),
    }))
}

// ---------------------------------------------------------------------------------------------
// Tone help

/// One piece of advice, in the reader's language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdviceView {
    /// `hard_to_read`, `very_hard_to_read`, `long_sentence`, `long_word`, `shouting`,
    /// `many_exclamations`, `absolute_word`, `blaming_word`, `missing_greeting`,
    /// `missing_closing`, `phone_instead`.
    pub kind: String,
    pub message: String,
    /// Byte range `[start, end)` of the text the advice points at.
    pub span: Option<[usize; 2]>,
}

fn advice_views(tr: &Tr, report: &ToneReport) -> Vec<AdviceView> {
    report
        .advice
        .iter()
        .map(|a| {
            let id = format!("tone-{}", a.kind.as_str().replace('_', "-"));
            let message = match &a.detail {
                Some(d) => tr.t1(&id, "detail", d),
                None => tr.t1(&id, "detail", ""),
            };
            AdviceView {
                kind: a.kind.as_str().to_owned(),
                message,
                span: a.span.as_ref().map(|s| [s.start, s.end]),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Sending

fn publish(state: &AppState, sent: &Sent) {
    // Nobody listening is not an error.
    let _ = state.events.send(MessageEvent {
        thread_id: sent.thread_id,
        participants: sent.participants.clone(),
    });
}

/// A checked new conversation.
struct Draft {
    recipients: Vec<PersonId>,
    subject: String,
    body: String,
    kind: MessageKind,
}

async fn start_thread(
    state: &AppState,
    me: &SignedIn,
    draft: &Draft,
    files: Vec<CheckedFile>,
) -> Result<Sent, WebError> {
    crate::limits::hit(state, me, crate::limits::Bucket::MessageSend)?;
    let families = check_recipients(state, me, &draft.recipients).await?;
    let attachments = store_files(state, me, files).await?;
    let (sent, _) = state
        .store
        .create_thread_with(
            &NewThread {
                school_id: me.actor.school_id,
                starter: me.actor.person_id,
                subject: &draft.subject,
                kind: draft.kind,
                body: &draft.body,
                recipients: &draft.recipients,
                families,
            },
            &attachments,
        )
        .await?;
    publish(state, &sent);
    Ok(sent)
}

/// One page of the viewer's inbox: empty for one who no longer takes part in conversations
/// (a guardian whose rights to the child ended; see `access::converses`).
async fn inbox_items(
    state: &AppState,
    me: &SignedIn,
    cursor: Option<skolebro_store::messages::InboxCursor>,
    search: Option<&str>,
) -> Result<Vec<skolebro_store::messages::InboxItem>, WebError> {
    if !me.actor.converses() {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .inbox(me.actor.person_id, cursor, INBOX_PAGE, search)
        .await?)
}

/// A conversation the viewer takes part in, or 404.
async fn visible_thread(state: &AppState, me: &SignedIn, raw: &str) -> Result<Thread, WebError> {
    let id = parse_id(raw)?;
    let thread = state
        .store
        .thread(me.actor.school_id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let participant = state.store.is_participant(id, me.actor.person_id).await?;
    let resource = Resource::Thread {
        school_id: thread.school_id,
        participant,
        starter: thread.starter_id == me.actor.person_id,
    };
    if !may(&me.actor, Action::Converse, &resource) {
        return Err(WebError::NotFound);
    }
    Ok(thread)
}

fn reply_route(me: &SignedIn, thread: &Thread) -> ReplyRoute {
    rules::reply_route(
        me.actor.person_id,
        thread.starter_id,
        usize::try_from(thread.families).unwrap_or(usize::MAX),
        thread.open_to_all,
    )
}

/// Adds a reply where it belongs: into the conversation, or into the private side conversation
/// with its starter when the conversation spans many families (MSG-1).
async fn add_reply(
    state: &AppState,
    me: &SignedIn,
    thread: &Thread,
    body: &str,
    files: Vec<CheckedFile>,
) -> Result<(Sent, Vec<i64>), WebError> {
    crate::limits::hit(state, me, crate::limits::Bucket::MessageSend)?;
    let attachments = store_files(state, me, files).await?;
    let target = match reply_route(me, thread) {
        ReplyRoute::Everyone => thread.id,
        ReplyRoute::StarterAlone => {
            state
                .store
                .private_reply_thread(thread, me.actor.person_id)
                .await?
        }
    };
    let (sent, ids) = state
        .store
        .add_message_with(
            me.actor.school_id,
            target,
            me.actor.person_id,
            body,
            &attachments,
        )
        .await?;
    publish(state, &sent);
    Ok((sent, ids))
}

/// A message's text: required, unless files carry the message.
fn body_or_files(raw: &str, has_files: bool) -> Result<String, TextProblem> {
    if has_files && raw.trim().is_empty() {
        Ok(String::new())
    } else {
        rules::body(raw)
    }
}

/// The hint beside a file input: how many files, how large, which kinds.
fn attach_hint(tr: &Tr) -> String {
    tr.t2(
        "messages-files-hint",
        "files",
        skolebro_domain::files::MAX_FILES,
        "mb",
        skolebro_domain::files::MAX_FILE_BYTES / (1024 * 1024),
    )
}

/// A page answered with the status of a refused file (413, 415) instead of 422.
fn with_refusal_status(mut response: Response, refusal: Option<&FileRefusal>) -> Response {
    if let Some(r) = refusal {
        if response.status() == StatusCode::UNPROCESSABLE_ENTITY {
            *response.status_mut() = r.status();
        }
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Pages

struct InboxRow {
    id: i64,
    subject: String,
    kind: &'static str,
    kind_label: String,
    starter: String,
    unread: i64,
    when: String,
}

#[derive(Template)]
#[template(path = "messages/inbox.html")]
struct InboxPage {
    chrome: Chrome,
    tr: Tr,
    rows: Vec<InboxRow>,
    search: String,
    next: Option<String>,
}

#[derive(Deserialize)]
struct InboxQuery {
    cursor: Option<String>,
    q: Option<String>,
}

fn parse_cursor(raw: Option<&str>) -> Result<Option<(i64, i64)>, WebError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    raw.split_once('.')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        // Only what `next_cursor` writes: `+5` or `05` also read as numbers.
        .filter(|(a, b): &(i64, i64)| format!("{a}.{b}") == raw)
        .map(Some)
        .ok_or_else(|| WebError::BadRequest("cursor: not a cursor from this API".into()))
}

fn next_cursor(items: &[InboxItem], limit: i64) -> Option<String> {
    (items.len() as i64 == limit)
        .then(|| {
            items
                .last()
                .map(|l| format!("{}.{}", l.last_message_at, l.thread_id))
        })
        .flatten()
}

fn search_term(q: Option<&str>) -> Result<Option<String>, WebError> {
    match q.map(str::trim).filter(|q| !q.is_empty()) {
        None => Ok(None),
        Some(q) if q.chars().count() > 100 => {
            Err(WebError::BadRequest("q: at most 100 characters".into()))
        }
        Some(q) => Ok(Some(q.to_owned())),
    }
}

async fn inbox_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<InboxQuery>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let cursor = parse_cursor(query.cursor.as_deref())?;
    let search = search_term(query.q.as_deref())?;
    let items = inbox_items(&state, me, cursor, search.as_deref()).await?;
    let tz = me.time_zone();
    let next = next_cursor(&items, INBOX_PAGE);
    html(&InboxPage {
        chrome: viewer.chrome(),
        tr,
        rows: items
            .into_iter()
            .map(|i| InboxRow {
                id: i.thread_id,
                subject: i.subject,
                kind: i.kind.as_str(),
                kind_label: tr.t(&format!("messages-kind-{}", i.kind.as_str())),
                starter: i.starter.full(),
                unread: i.unread,
                when: local_time(i.last_message_at, &tz),
            })
            .collect(),
        search: search.unwrap_or_default(),
        next,
    })
}

#[derive(Template)]
#[template(path = "messages/new.html")]
struct NewPage {
    chrome: Chrome,
    tr: Tr,
    groups: Vec<RecipientGroup>,
    /// For a leader: the classes to choose a picker from.
    class_links: Vec<(i64, String)>,
    class: Option<i64>,
    chosen: Vec<i64>,
    subject: String,
    body: String,
    /// Value, label, checked.
    kinds: Vec<(&'static str, String, bool)>,
    hours: Option<HoursNotice>,
    errors: Vec<String>,
    tone: Option<(f64, Vec<AdviceView>)>,
    attach_hint: String,
}

#[derive(Deserialize)]
struct NewQuery {
    class: Option<String>,
    to: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_new(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    class: Option<ClassId>,
    chosen: Vec<i64>,
    subject: String,
    body: String,
    kind: MessageKind,
    errors: Vec<String>,
    tone: Option<(f64, Vec<AdviceView>)>,
) -> Result<Response, WebError> {
    let tr = viewer.tr;
    let groups = recipient_groups(state, me, &tr, class).await?;
    // Shapes the picker (a leader browses every class); `access` decides the recipients.
    let class_links = if me.actor.has(Role::Leader) {
        let mut after: Option<(i64, String)> = None;
        let mut all = Vec::new();
        // A school has tens of classes; list them all, a page at a time.
        loop {
            let page = state
                .store
                .school_classes(
                    me.actor.school_id,
                    after.as_ref().map(|(g, n)| (*g, n.as_str())),
                    200,
                )
                .await?;
            let done = page.len() < 200;
            after = page.last().map(|c| (c.grade, c.name.clone()));
            all.extend(page.into_iter().map(|c| (c.id.0, c.name)));
            if done {
                break;
            }
        }
        all
    } else {
        Vec::new()
    };
    let page = NewPage {
        chrome: viewer.chrome(),
        tr,
        groups,
        class_links,
        class: class.map(|c| c.0),
        chosen,
        subject,
        body,
        kinds: MessageKind::ALL
            .iter()
            .filter(|k| access::may_send_kind(&me.actor, **k))
            .map(|k| {
                (
                    k.as_str(),
                    tr.t(&format!("messages-kind-{}", k.as_str())),
                    *k == kind,
                )
            })
            .collect(),
        hours: hours_notice(state, me).await?,
        errors,
        tone,
        attach_hint: attach_hint(&tr),
    };
    let failed = !page.errors.is_empty();
    let mut response = html(&page)?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn new_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let class = query
        .class
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| parse_id(c).map(ClassId))
        .transpose()?;
    let chosen = query
        .to
        .as_deref()
        .and_then(|t| t.parse::<i64>().ok())
        .into_iter()
        .collect();
    render_new(
        &state,
        &viewer,
        me,
        class,
        chosen,
        String::new(),
        String::new(),
        MessageKind::Ordinary,
        Vec::new(),
        None,
    )
    .await
}

/// The new-message form. Repeated fields (`to`) need a list of pairs rather than a struct.
async fn send_new(
    State(state): State<AppState>,
    viewer: Viewer,
    upload: UploadForm,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let UploadForm {
        fields,
        files,
        refusal,
    } = upload;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut chosen: Vec<i64> = Vec::new();
    for (k, v) in &fields {
        if k == "to" {
            let id = v
                .parse::<i64>()
                .map_err(|_| WebError::BadRequest("to: not a person id".into()))?;
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
    }
    // "All guardians of the class" expands to the guardians the picker offers.
    let class = get("class")
        .filter(|c| !c.is_empty())
        .map(|c| parse_id(&c).map(ClassId))
        .transpose()?;
    if fields.iter().any(|(k, _)| k == "all_guardians") {
        for group in recipient_groups(&state, me, &tr, class).await? {
            let wanted = fields.iter().any(|(k, v)| {
                k == "all_guardians"
                    && group.class_id.map(|c| c.to_string()).as_deref() == Some(v.as_str())
            });
            if wanted {
                for id in group.guardian_ids {
                    if !chosen.contains(&id) {
                        chosen.push(id);
                    }
                }
            }
        }
    }
    let subject_raw = get("subject").unwrap_or_default();
    let body_raw = get("body").unwrap_or_default();
    let kind = match get("kind") {
        Some(k) => k
            .parse::<MessageKind>()
            .map_err(|e| WebError::BadRequest(e.to_string()))?,
        None => MessageKind::Ordinary,
    };
    let mut errors = Vec::new();
    if !access::may_send_kind(&me.actor, kind) {
        errors.push(tr.t("messages-error-kind"));
    }
    if chosen.is_empty() {
        errors.push(tr.t("messages-error-no-recipients"));
    }
    // A refused file refuses the message; the form comes back with what was typed.
    if let Some(r) = &refusal {
        errors.push(r.message(&tr));
    }
    let subject = rules::subject(&subject_raw)
        .map_err(|p| errors.push(field_problem(&tr, "subject", p)))
        .ok();
    let body = rules::body(&body_raw)
        .map_err(|p| errors.push(field_problem(&tr, "body", p)))
        .ok();
    let checking = get("action").as_deref() == Some("check");
    if checking || !errors.is_empty() {
        let tone = (!body_raw.trim().is_empty()).then(|| {
            let report = tone::analyse(&body_raw, viewer.tr.lang);
            (report.lix, advice_views(&tr, &report))
        });
        let response = render_new(
            &state,
            &viewer,
            me,
            class,
            chosen,
            subject_raw,
            body_raw,
            kind,
            errors,
            tone,
        )
        .await?;
        return Ok(with_refusal_status(response, refusal.as_ref()));
    }
    let (Some(subject), Some(body)) = (subject, body) else {
        return Err(WebError::Internal);
    };
    let draft = Draft {
        recipients: chosen.iter().map(|i| PersonId(*i)).collect(),
        subject,
        body,
        kind,
    };
    match start_thread(&state, me, &draft, files).await {
        Ok(sent) => Ok(Redirect::to(&format!("/messages/{}", sent.thread_id)).into_response()),
        // The form comes back whole, so nothing typed is lost.
        Err(WebError::Denied(_)) => {
            render_new(
                &state,
                &viewer,
                me,
                class,
                chosen,
                subject_raw,
                body_raw,
                kind,
                vec![tr.t("messages-error-recipient")],
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

struct MessageRow {
    author: String,
    mine: bool,
    body: String,
    when: String,
    attachments: Vec<AttachmentRow>,
}

/// A file under a message: its download link's id, name and size.
struct AttachmentRow {
    id: i64,
    name: String,
    size: String,
}

/// The attachments of `messages`, by message id.
async fn attachments_by_message(
    state: &AppState,
    messages: &[skolebro_store::messages::Message],
) -> Result<std::collections::HashMap<i64, Vec<Attachment>>, WebError> {
    let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
    let mut by_message: std::collections::HashMap<i64, Vec<Attachment>> =
        std::collections::HashMap::new();
    for a in state.store.attachments_of(&ids).await? {
        by_message.entry(a.message_id).or_default().push(a);
    }
    Ok(by_message)
}

#[derive(Template)]
#[template(path = "messages/thread.html")]
struct ThreadPage {
    chrome: Chrome,
    tr: Tr,
    id: i64,
    subject: String,
    kind: &'static str,
    kind_label: String,
    messages: Vec<MessageRow>,
    /// Name and, for staff, whether they have read the latest message.
    participants: Vec<(String, Option<bool>)>,
    reply_to_starter: Option<String>,
    may_open: bool,
    open_to_all: bool,
    reply_of: Option<i64>,
    hours: Option<HoursNotice>,
    error: Option<String>,
    draft: String,
    attach_hint: String,
}

async fn render_thread(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    thread: Thread,
    error: Option<String>,
    draft: String,
) -> Result<Response, WebError> {
    let tr = viewer.tr;
    state.store.mark_read(thread.id, me.actor.person_id).await?;
    let tz = me.time_zone();
    let messages = state.store.messages(thread.id, THREAD_MESSAGES).await?;
    let mut attachments = attachments_by_message(state, &messages).await?;
    let participants: Vec<_> = state
        .store
        .participants(thread.id)
        .await?
        .into_iter()
        .filter(|p| crate::people::knows_of_family(me, p.person.id, p.protected))
        .collect();
    let resource = Resource::Thread {
        school_id: thread.school_id,
        participant: true,
        starter: thread.starter_id == me.actor.person_id,
    };
    let read_state = may(&me.actor, Action::ViewReadState, &resource);
    let starter = participants
        .iter()
        .find(|p| p.person.id == thread.starter_id)
        .map(|p| p.person.full())
        .unwrap_or_default();
    let reply_to_starter =
        (reply_route(me, &thread) == ReplyRoute::StarterAlone).then_some(starter);
    let failed = error.is_some();
    let page = ThreadPage {
        chrome: viewer.chrome(),
        tr,
        id: thread.id,
        subject: thread.subject.clone(),
        kind: thread.kind.as_str(),
        kind_label: tr.t(&format!("messages-kind-{}", thread.kind.as_str())),
        messages: messages
            .into_iter()
            .map(|m| MessageRow {
                mine: m.author.id == me.actor.person_id,
                author: m.author.full(),
                attachments: attachments
                    .remove(&m.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| AttachmentRow {
                        id: a.id,
                        name: a.file_name,
                        size: size_label(a.size),
                    })
                    .collect(),
                body: m.body,
                when: local_time(m.sent_at, &tz),
            })
            .collect(),
        participants: participants
            .iter()
            .filter(|p| p.person.id != me.actor.person_id)
            .map(|p| {
                (
                    p.person.full(),
                    read_state.then(|| p.read_at.is_some_and(|r| r >= thread.last_message_at)),
                )
            })
            .collect(),
        reply_to_starter,
        may_open: may(&me.actor, Action::OpenToAll, &resource)
            && thread.families > 1
            && !thread.open_to_all,
        open_to_all: thread.open_to_all,
        reply_of: thread.reply_of,
        hours: hours_notice(state, me).await?,
        error,
        draft,
        attach_hint: attach_hint(&tr),
    };
    let mut response = html(&page)?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn thread_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let thread = visible_thread(&state, me, &id).await?;
    render_thread(&state, &viewer, me, thread, None, String::new()).await
}

/// A reply, with or without files (multipart), or the plain form of before (urlencoded).
async fn reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    upload: UploadForm,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let thread = visible_thread(&state, me, &id).await?;
    let draft = upload.get("body").unwrap_or_default().to_owned();
    if let Some(refusal) = &upload.refusal {
        // Nothing is stored; the page says which file and keeps the text.
        let error = refusal.message(&viewer.tr);
        let response = render_thread(&state, &viewer, me, thread, Some(error), draft).await?;
        return Ok(with_refusal_status(response, Some(refusal)));
    }
    let body = match body_or_files(&draft, !upload.files.is_empty()) {
        Ok(b) => b,
        Err(p) => {
            let error = field_problem(&viewer.tr, "body", p);
            return render_thread(&state, &viewer, me, thread, Some(error), draft).await;
        }
    };
    let (sent, _) = add_reply(&state, me, &thread, &body, upload.files).await?;
    Ok(Redirect::to(&format!(
        "/messages/{}#m{}",
        sent.thread_id, sent.message_id
    ))
    .into_response())
}

#[derive(Deserialize)]
struct Empty {}

async fn open_thread(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let thread = open_checked(&state, me, &id).await?;
    Ok(Redirect::to(&format!("/messages/{}", thread.id)).into_response())
}

async fn open_checked(state: &AppState, me: &SignedIn, id: &str) -> Result<Thread, WebError> {
    let thread = visible_thread(state, me, id).await?;
    let resource = Resource::Thread {
        school_id: thread.school_id,
        participant: true,
        starter: thread.starter_id == me.actor.person_id,
    };
    if !may(&me.actor, Action::OpenToAll, &resource) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .open_to_all(me.actor.school_id, thread.id)
        .await?;
    Ok(thread)
}

// ---------------------------------------------------------------------------------------------
// Live updates

const LIVE_SCRIPT: &str = include_str!("../static/live.js");

async fn live_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        LIVE_SCRIPT,
    )
}

/// How often a live stream checks that its session still stands and that the person still
/// takes part in conversations: a sign-out, a password change or rights taken away on another
/// server end it within this. On this server a sign-out ends it at once.
const LIVE_RECHECK: Duration = Duration::from_secs(5);

/// What a live stream carries along: its channels, its session, and the clock of its checks.
struct Live {
    state: AppState,
    messages: broadcast::Receiver<MessageEvent>,
    ends: broadcast::Receiver<PersonId>,
    recheck: tokio::time::Interval,
    token: String,
    person: PersonId,
    school: skolebro_domain::SchoolId,
}

impl Live {
    /// Whether the stream may go on: the session stands and the person converses now.
    async fn still_stands(&self) -> bool {
        let store = &self.state.store;
        matches!(store.session_alive(&self.token).await, Ok(true))
            && store
                .actor(self.person, self.school)
                .await
                .is_ok_and(|actor| actor.converses())
    }
}

/// Server-Sent Events for the signed-in person: `message` with `{thread_id, unread}` when a
/// message arrives in one of their conversations. No content travels here. The stream ends
/// when its session does.
async fn events(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, WebError> {
    let me = viewer.require()?;
    let live = Live {
        messages: state.events.subscribe(),
        ends: state.session_ends.subscribe(),
        recheck: tokio::time::interval_at(tokio::time::Instant::now() + LIVE_RECHECK, LIVE_RECHECK),
        state,
        token: me.token.clone(),
        person: me.actor.person_id,
        school: me.actor.school_id,
    };
    let stream = stream::unfold(live, |mut live| async move {
        loop {
            tokio::select! {
                got = live.messages.recv() => match got {
                    Ok(event) if event.participants.contains(&live.person) => {
                        let unread = live.state.store.unread_threads(live.person).await.unwrap_or(0);
                        let data = serde_json::json!({
                            "thread_id": event.thread_id,
                            "unread": unread,
                        });
                        let event = Event::default().event("message").data(data.to_string());
                        return Some((Ok(event), live));
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                ended = live.ends.recv() => match ended {
                    // Someone's sessions ended (perhaps this one's): check it now. A lagging
                    // receiver may have missed this person's: check then too.
                    Ok(p) if p != live.person => continue,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        if !live.still_stands().await {
                            return None;
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = live.recheck.tick() => {
                    if !live.still_stands().await {
                        return None;
                    }
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20))))
}

// ---------------------------------------------------------------------------------------------
// A family's contact record (MSG-9)

const CHANNELS: [&str; 4] = ["phone", "meeting", "video", "other"];

struct LogRow {
    happened_on: String,
    channel: String,
    participants: String,
    topic: String,
    agreements: String,
    author: String,
}

#[derive(Template)]
#[template(path = "messages/timeline.html")]
struct TimelinePage {
    chrome: Chrome,
    tr: Tr,
    pupil_id: i64,
    pupil: String,
    logs: Vec<LogRow>,
    threads: Vec<InboxRow>,
    channels: Vec<(&'static str, String)>,
    errors: Vec<String>,
    form: LogForm,
    praise: usize,
    other: usize,
}

#[derive(Deserialize, Default, Clone, ToSchema)]
pub struct LogForm {
    /// The day of the call or talk, `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(required = true, format = Date)]
    pub happened_on: String,
    /// `phone`, `meeting`, `video` or `other`.
    #[serde(default)]
    #[schema(required = true, pattern = r"^(phone|meeting|video|other)$")]
    pub channel: String,
    /// Who took part.
    #[serde(default)]
    #[schema(required = true, min_length = 1, pattern = r"\S")]
    pub participants: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, pattern = r"\S")]
    pub topic: String,
    /// What was agreed.
    #[serde(default)]
    pub agreements: String,
}

/// A pupil whose family's record the viewer may keep, or 404.
async fn loggable_pupil(
    state: &AppState,
    me: &SignedIn,
    raw: &str,
) -> Result<skolebro_store::people::PupilDetail, WebError> {
    let id = PersonId(parse_id(raw)?);
    let pupil = state
        .store
        .pupil_detail(me.actor.school_id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let classes = pupil.class_ids();
    let resource = Resource::Pupil {
        school_id: pupil.school_id,
        pupil_id: id,
        classes: &classes,
    };
    if !may(&me.actor, Action::LogConversation, &resource) {
        return Err(WebError::NotFound);
    }
    Ok(pupil)
}

/// Checks a log entry; the problems are named by field.
fn check_log(tr: &Tr, form: &LogForm) -> Result<(String, String, String, String), Vec<String>> {
    let mut errors = Vec::new();
    let day = form.happened_on.trim();
    let date_ok = day.parse::<jiff::civil::Date>().is_ok_and(|d| {
        d.year() >= 2000 && d <= skolebro_store::clock::now_in(&jiff::tz::TimeZone::system()).date()
    });
    if !date_ok {
        errors.push(tr.t("messages-error-date"));
    }
    if !CHANNELS.contains(&form.channel.as_str()) {
        errors.push(tr.t("messages-error-channel"));
    }
    let one = |field: &str, v: &str, max: usize, errors: &mut Vec<String>| {
        match skolebro_domain::text::single_line(v, max) {
            Ok(v) => v,
            Err(p) => {
                errors.push(field_problem(tr, field, p));
                String::new()
            }
        }
    };
    let participants = one("participants", &form.participants, 300, &mut errors);
    let topic = one("topic", &form.topic, 300, &mut errors);
    let agreements = if form.agreements.trim().is_empty() {
        String::new()
    } else {
        rules::body(&form.agreements).unwrap_or_else(|p| {
            errors.push(field_problem(tr, "agreements", p));
            String::new()
        })
    };
    if errors.is_empty() {
        Ok((day.to_owned(), participants, topic, agreements))
    } else {
        Err(errors)
    }
}

async fn render_timeline(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    pupil: skolebro_store::people::PupilDetail,
    errors: Vec<String>,
    form: LogForm,
) -> Result<Response, WebError> {
    let tr = viewer.tr;
    let tz = me.time_zone();
    let logs = state
        .store
        .conversation_logs(me.actor.school_id, pupil.person.id)
        .await?;
    let family: Vec<PersonId> = pupil
        .guardians
        .iter()
        .map(|g| g.person.id)
        .chain([pupil.person.id])
        .collect();
    let threads = state
        .store
        .threads_with(me.actor.person_id, &family, 100)
        .await?;
    let praise = threads
        .iter()
        .filter(|t| t.kind == MessageKind::Praise)
        .count();
    let failed = !errors.is_empty();
    let page = TimelinePage {
        chrome: viewer.chrome(),
        tr,
        pupil_id: pupil.person.id.0,
        pupil: pupil.person.full(),
        logs: logs
            .into_iter()
            .map(|l| LogRow {
                happened_on: l.happened_on,
                channel: tr.t(&format!("messages-channel-{}", l.channel)),
                participants: l.participants,
                topic: l.topic,
                agreements: l.agreements,
                author: l.author.full(),
            })
            .collect(),
        other: threads.len() - praise,
        praise,
        threads: threads
            .into_iter()
            .map(|i| InboxRow {
                id: i.thread_id,
                subject: i.subject,
                kind: i.kind.as_str(),
                kind_label: tr.t(&format!("messages-kind-{}", i.kind.as_str())),
                starter: i.starter.full(),
                unread: i.unread,
                when: local_time(i.last_message_at, &tz),
            })
            .collect(),
        channels: CHANNELS
            .iter()
            .map(|c| (*c, tr.t(&format!("messages-channel-{c}"))))
            .collect(),
        errors,
        form,
    };
    let mut response = html(&page)?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn timeline_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let pupil = loggable_pupil(&state, me, &id).await?;
    let form = LogForm {
        happened_on: skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
            .with_time_zone(me.time_zone())
            .date()
            .to_string(),
        channel: "phone".into(),
        ..LogForm::default()
    };
    render_timeline(&state, &viewer, me, pupil, Vec::new(), form).await
}

async fn log_conversation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<LogForm>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let pupil = loggable_pupil(&state, me, &id).await?;
    match check_log(&viewer.tr, &form) {
        Err(errors) => render_timeline(&state, &viewer, me, pupil, errors, form).await,
        Ok((day, participants, topic, agreements)) => {
            store_log(
                &state,
                me,
                pupil.person.id,
                &form.channel,
                &day,
                &participants,
                &topic,
                &agreements,
            )
            .await?;
            Ok(Redirect::to(&format!("/pupils/{}/contact", pupil.person.id.0)).into_response())
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn store_log(
    state: &AppState,
    me: &SignedIn,
    pupil: PersonId,
    channel: &str,
    day: &str,
    participants: &str,
    topic: &str,
    agreements: &str,
) -> Result<i64, WebError> {
    let id = state
        .store
        .log_conversation(&NewConversationLog {
            school_id: me.actor.school_id,
            pupil_id: pupil,
            author: me.actor.person_id,
            happened_on: day,
            channel,
            participants,
            topic,
            agreements,
        })
        .await?;
    state
        .store
        .audit(
            me.actor.school_id,
            Some(me.actor.person_id),
            "create",
            "conversation_log",
            id,
            Some(&format!("pupil {}", pupil.0)),
        )
        .await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// School settings for messages

#[derive(Template)]
#[template(path = "messages/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    tr: Tr,
    contact_hours: String,
    default_hours: String,
    guardians_may_message: bool,
    error: Option<String>,
    saved: bool,
}

fn require_leader(me: &SignedIn) -> Result<(), WebError> {
    let school = Resource::School {
        school_id: me.actor.school_id,
    };
    if may(&me.actor, Action::View, &school) {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

#[derive(Deserialize)]
struct SettingsQuery {
    saved: Option<String>,
}

async fn settings_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    require_leader(me)?;
    let s = state.store.messaging_settings(me.actor.school_id).await?;
    html(&SettingsPage {
        chrome: viewer.chrome(),
        tr: viewer.tr,
        contact_hours: s.contact_hours.unwrap_or_default(),
        default_hours: ContactHours::default_for(profile(me.school.country)).to_string(),
        guardians_may_message: s.guardians_may_message,
        error: None,
        saved: q.saved.is_some(),
    })
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    contact_hours: String,
    guardians_may_message: Option<String>,
}

async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    require_leader(me)?;
    let hours = form.contact_hours.trim();
    let parsed = if hours.is_empty() {
        Ok(None)
    } else {
        ContactHours::parse(hours).map(Some)
    };
    match parsed {
        Ok(h) => {
            state
                .store
                .set_messaging_settings(
                    me.actor.school_id,
                    &MessagingSettings {
                        contact_hours: h.map(|h| {
                            format!(
                                "{:02}:{:02}-{:02}:{:02}",
                                h.start.hour(),
                                h.start.minute(),
                                h.end.hour(),
                                h.end.minute()
                            )
                        }),
                        guardians_may_message: form.guardians_may_message.is_some(),
                    },
                )
                .await?;
            Ok(Redirect::to("/settings/messages?saved=1").into_response())
        }
        Err(_) => {
            let mut response = html(&SettingsPage {
                chrome: viewer.chrome(),
                tr: viewer.tr,
                contact_hours: form.contact_hours.clone(),
                default_hours: ContactHours::default_for(profile(me.school.country)).to_string(),
                guardians_may_message: form.guardians_may_message.is_some(),
                error: Some(viewer.tr.t("messages-error-hours")),
                saved: false,
            })?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response.extensions_mut().insert(Rendered);
            Ok(response)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// API

fn api_text(field: &str, r: Result<String, TextProblem>) -> Result<String, WebError> {
    r.map_err(|p| WebError::Unprocessable(format!("{field}: {p}")))
}

#[derive(Deserialize, ToSchema)]
pub struct NewThreadRequest {
    /// Person ids; each must be someone the sender may write to.
    #[schema(min_items = 1)]
    pub recipients: Vec<i64>,
    #[schema(min_length = 1, pattern = r"\S")]
    pub subject: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub body: String,
    /// `ordinary` (default), `praise` or `sensitive`.
    #[serde(default)]
    #[schema(value_type = String, example = "ordinary")]
    pub kind: MessageKind,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
    /// The conversation the message landed in: for a reply to many families, the private
    /// conversation with the starter.
    pub thread_id: i64,
    /// When the sender is outside the school's contact hours: when an answer can be expected
    /// (RFC 3339).
    pub answer_expected_from: Option<String>,
}

/// Start a conversation.
#[utoipa::path(post, path = "/api/v1/threads", tag = "messages", request_body = NewThreadRequest,
    security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 403, description = "A recipient the sender may not reach"),
        (status = 422, description = "A field is empty or too long"),
        (status = 429, description = "Too many sent by this account in a minute; see Retry-After", content_type = "application/problem+json")))]
pub async fn api_create_thread(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(req): Json<NewThreadRequest>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let me = viewer.require()?;
    if !access::may_send_kind(&me.actor, req.kind) {
        return Err(WebError::Unprocessable(format!(
            "kind: {}",
            viewer.tr.t("messages-error-kind")
        )));
    }
    let mut recipients: Vec<PersonId> = Vec::with_capacity(req.recipients.len());
    for r in req.recipients {
        if !recipients.contains(&PersonId(r)) {
            recipients.push(PersonId(r));
        }
    }
    let draft = Draft {
        recipients,
        subject: api_text("subject", rules::subject(&req.subject))?,
        body: api_text("body", rules::body(&req.body))?,
        kind: req.kind,
    };
    let sent = start_thread(&state, me, &draft, Vec::new()).await?;
    let notice = hours_notice(&state, me).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: sent.thread_id,
            thread_id: sent.thread_id,
            answer_expected_from: notice.and_then(|n| n.expect_from_rfc3339),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ThreadSummary {
    pub id: i64,
    pub subject: String,
    /// Messages not yet read by the caller.
    pub unread: i64,
    /// RFC 3339, UTC.
    pub last_message_at: String,
    pub kind: String,
    pub starter: PersonRef,
}

#[derive(Serialize, ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct InboxPageJson {
    pub items: Vec<ThreadSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct InboxParams {
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^((0|-?[1-9][0-9]{0,17})\.(0|-?[1-9][0-9]{0,17}))?$")]
    pub cursor: Option<String>,
    /// Search the caller's own conversations (subject and messages).
    pub q: Option<String>,
}

/// The caller's conversations, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/threads", tag = "messages", params(InboxParams),
    security(("bearer" = [])), responses((status = 200, body = InboxPageJson)))]
pub async fn api_inbox(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<InboxParams>,
) -> Result<Json<InboxPageJson>, WebError> {
    let me = viewer.require()?;
    let cursor = parse_cursor(params.cursor.as_deref())?;
    let search = search_term(params.q.as_deref())?;
    let items = inbox_items(&state, me, cursor, search.as_deref()).await?;
    let next_cursor = next_cursor(&items, INBOX_PAGE);
    Ok(Json(InboxPageJson {
        items: items
            .into_iter()
            .map(|i| ThreadSummary {
                id: i.thread_id,
                subject: i.subject,
                unread: i.unread,
                last_message_at: rfc3339(i.last_message_at),
                kind: i.kind.as_str().to_owned(),
                starter: PersonRef {
                    id: i.starter.id.0,
                    name: i.starter.full(),
                },
            })
            .collect(),
        next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantJson {
    pub id: i64,
    pub name: String,
    /// When this participant last read the conversation (RFC 3339); shown to staff only.
    pub read_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageJson {
    pub id: i64,
    pub author: PersonRef,
    pub body: String,
    /// RFC 3339, UTC.
    pub sent_at: String,
    /// Files on the message.
    pub attachments: Vec<AttachmentJson>,
}

/// A file on a message. Download it from `url` (same session or bearer token).
#[derive(Serialize, ToSchema)]
pub struct AttachmentJson {
    pub id: i64,
    /// A safe name: no path, no control characters, at most 120 characters.
    pub file_name: String,
    /// Sniffed from the bytes when the file arrived, never taken from the sender.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// `/messages/{thread}/attachments/{id}`.
    pub url: String,
}

impl From<Attachment> for AttachmentJson {
    fn from(a: Attachment) -> Self {
        AttachmentJson {
            url: format!("/messages/{}/attachments/{}", a.thread_id, a.id),
            id: a.id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThreadJson {
    pub id: i64,
    pub subject: String,
    pub kind: String,
    pub participants: Vec<ParticipantJson>,
    pub messages: Vec<MessageJson>,
    /// Whether the caller's replies reach everyone (`everyone`) or the starter alone
    /// (`starter`), MSG-1.
    pub replies_go_to: String,
    pub open_to_all: bool,
    /// For a private reply: the conversation it answers.
    pub reply_of: Option<i64>,
}

/// One conversation with its latest messages. Reading it marks it read.
#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Thread id")),
    responses((status = 200, body = ThreadJson), (status = 404, description = "No such conversation, or not the caller's")))]
pub async fn api_thread(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<ThreadJson>, WebError> {
    let me = viewer.require()?;
    let thread = visible_thread(&state, me, &id).await?;
    state.store.mark_read(thread.id, me.actor.person_id).await?;
    let resource = Resource::Thread {
        school_id: thread.school_id,
        participant: true,
        starter: thread.starter_id == me.actor.person_id,
    };
    let read_state = may(&me.actor, Action::ViewReadState, &resource);
    let participants: Vec<_> = state
        .store
        .participants(thread.id)
        .await?
        .into_iter()
        .filter(|p| crate::people::knows_of_family(me, p.person.id, p.protected))
        .collect();
    let messages = state.store.messages(thread.id, THREAD_MESSAGES).await?;
    let mut attachments = attachments_by_message(&state, &messages).await?;
    Ok(Json(ThreadJson {
        id: thread.id,
        subject: thread.subject.clone(),
        kind: thread.kind.as_str().to_owned(),
        participants: participants
            .into_iter()
            .map(|p| ParticipantJson {
                id: p.person.id.0,
                name: p.person.full(),
                read_at: if read_state {
                    p.read_at.map(rfc3339)
                } else {
                    None
                },
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| MessageJson {
                id: m.id,
                author: PersonRef {
                    id: m.author.id.0,
                    name: m.author.full(),
                },
                attachments: attachments
                    .remove(&m.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(AttachmentJson::from)
                    .collect(),
                body: m.body,
                sent_at: rfc3339(m.sent_at),
            })
            .collect(),
        replies_go_to: match reply_route(me, &thread) {
            ReplyRoute::Everyone => "everyone".into(),
            ReplyRoute::StarterAlone => "starter".into(),
        },
        open_to_all: thread.open_to_all,
        reply_of: thread.reply_of,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ReplyRequest {
    #[schema(min_length = 1, pattern = r"\S")]
    pub body: String,
}

/// Reply in a conversation. In a conversation to many families that its starter has not opened
/// to all, the reply goes to the starter alone, in a private conversation (`thread_id`).
#[utoipa::path(post, path = "/api/v1/threads/{id}/messages", tag = "messages", request_body = ReplyRequest,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Thread id")),
    responses((status = 201, body = Created), (status = 404, description = "Not the caller's conversation"),
        (status = 429, description = "Too many sent by this account in a minute; see Retry-After", content_type = "application/problem+json")))]
pub async fn api_reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<ReplyRequest>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let me = viewer.require()?;
    let thread = visible_thread(&state, me, &id).await?;
    let body = api_text("body", rules::body(&req.body))?;
    let (sent, _) = add_reply(&state, me, &thread, &body, Vec::new()).await?;
    let notice = hours_notice(&state, me).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: sent.message_id,
            thread_id: sent.thread_id,
            answer_expected_from: notice.and_then(|n| n.expect_from_rfc3339),
        }),
    ))
}

/// What `POST /api/v1/threads/{id}/attachments` created.
#[derive(Serialize, ToSchema)]
pub struct AttachedJson {
    /// The message that carries the files.
    pub id: i64,
    /// The conversation it landed in (as for a reply).
    pub thread_id: i64,
    pub attachments: Vec<AttachmentJson>,
}

/// The form of `POST /api/v1/threads/{id}/attachments` (`multipart/form-data`).
#[derive(ToSchema)]
pub struct AttachForm {
    /// One to five files of at most 10 MB each: PDF, PNG, JPEG, GIF, WebP, HEIC/HEIF, plain
    /// text, DOCX, XLSX, PPTX, ODT. The type is sniffed from the bytes.
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1, max_items = 5)]
    pub file: Vec<Vec<u8>>,
    /// The message's text; may be empty.
    pub body: Option<String>,
}

/// Send files in a conversation, as a new message (a reply: to a conversation with many
/// families it goes to the starter alone). Stored whole or not at all.
#[utoipa::path(post, path = "/api/v1/threads/{id}/attachments", tag = "messages",
    request_body(content = AttachForm, content_type = "multipart/form-data"),
    security(("bearer" = [])), params(("id" = i64, Path, description = "Thread id")),
    responses((status = 201, body = AttachedJson), (status = 404, description = "Not the caller's conversation"),
        (status = 413, description = "A file over 10 MB, more than 5 files, or a request over the limit"),
        (status = 415, description = "A file of a kind that is not accepted"),
        (status = 422, description = "No file, or a text that is too long"),
        (status = 429, description = "Too many sent by this account in a minute; see Retry-After", content_type = "application/problem+json")))]
pub async fn api_attach(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    upload: UploadForm,
) -> Result<(StatusCode, Json<AttachedJson>), WebError> {
    let me = viewer.require()?;
    let thread = visible_thread(&state, me, &id).await?;
    upload.only_fields(&["body", "csrf"])?;
    // The text is judged before the files, so a bad text is a 422 whatever came with it.
    let body = api_text(
        "body",
        body_or_files(upload.get("body").unwrap_or_default(), true),
    )?;
    if let Some(refusal) = upload.refusal {
        return Err(refusal.into_error());
    }
    if upload.files.is_empty() {
        return Err(WebError::Unprocessable(
            "file: attach at least one file".into(),
        ));
    }
    let names: Vec<(String, &'static str)> = upload
        .files
        .iter()
        .map(|f| (f.file_name.clone(), f.kind.content_type()))
        .collect();
    let sizes: Vec<i64> = upload.files.iter().map(|f| f.bytes.len() as i64).collect();
    let (sent, ids) = add_reply(&state, me, &thread, &body, upload.files).await?;
    let attachments = ids
        .into_iter()
        .zip(names)
        .zip(sizes)
        .map(|((id, (file_name, content_type)), size)| AttachmentJson {
            url: format!("/messages/{}/attachments/{id}", sent.thread_id),
            id,
            file_name,
            content_type: content_type.to_owned(),
            size,
        })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(AttachedJson {
            id: sent.message_id,
            thread_id: sent.thread_id,
            attachments,
        }),
    ))
}

/// Downloads a file of a conversation: for its participants only (as reading the conversation
/// is), and only under the conversation it belongs to; anything else is 404. Always a download,
/// never shown inline, with the type sniffed when it arrived.
async fn download_attachment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((thread_id, attachment_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let thread = visible_thread(&state, me, &thread_id).await?;
    let attachment_id = parse_id(&attachment_id)?;
    let attachment = state
        .store
        .attachment(me.actor.school_id, thread.id, attachment_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let bytes = file_store(&state)?.get(&attachment.sha256).await?;
    if bytes.len() as i64 != attachment.size {
        tracing::error!(
            attachment = attachment.id,
            "attachment file differs from its record"
        );
        return Err(WebError::Internal);
    }
    let content_type = HeaderValue::from_str(&attachment.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&attachment.file_name),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("private")),
            // Should a browser ever show it, it runs nothing.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Mark a conversation read.
#[utoipa::path(post, path = "/api/v1/threads/{id}/read", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Thread id")), responses((status = 204),
        (status = 404, description = "No such conversation, or not the caller's", content_type = "application/problem+json")))]
pub async fn api_mark_read(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    let me = viewer.require()?;
    let thread = visible_thread(&state, me, &id).await?;
    state.store.mark_read(thread.id, me.actor.person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open a conversation to many families so that replies reach everyone (its starter, staff).
#[utoipa::path(post, path = "/api/v1/threads/{id}/open", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Thread id")), responses((status = 204), (status = 403),
        (status = 404, description = "No such conversation, or not the caller's", content_type = "application/problem+json")))]
pub async fn api_open(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    let me = viewer.require()?;
    open_checked(&state, me, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RecipientParams {
    /// For leaders: the class whose people to offer.
    pub class: Option<i64>,
}

/// Everyone the caller may write to, grouped by class.
#[utoipa::path(get, path = "/api/v1/recipients", tag = "messages", params(RecipientParams),
    security(("bearer" = [])), responses((status = 200, body = Vec<RecipientGroup>)))]
pub async fn api_recipients(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<RecipientParams>,
) -> Result<Json<Vec<RecipientGroup>>, WebError> {
    let me = viewer.require()?;
    let groups = recipient_groups(&state, me, &viewer.tr, params.class.map(ClassId)).await?;
    Ok(Json(groups))
}

#[derive(Deserialize, ToSchema)]
pub struct ToneRequest {
    pub text: String,
    /// `da`, `nb` or `en`; the caller's language when absent.
    #[schema(pattern = r"^(da|nb|en)$")]
    pub lang: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ToneResponse {
    /// LIX readability: over 45 is hard, over 55 very hard.
    pub lix: f64,
    pub advice: Vec<AdviceView>,
}

/// Advice on a draft's tone and readability (MSG-3). Advice, never a block.
#[utoipa::path(post, path = "/api/v1/tone", tag = "messages", request_body = ToneRequest,
    security(("bearer" = [])), responses((status = 200, body = ToneResponse)))]
pub async fn api_tone(
    viewer: Viewer,
    Json(req): Json<ToneRequest>,
) -> Result<Json<ToneResponse>, WebError> {
    viewer.require()?;
    if req.text.chars().count() > rules::MAX_BODY_CHARS {
        return Err(WebError::Unprocessable(format!(
            "text: longer than {} characters",
            rules::MAX_BODY_CHARS
        )));
    }
    let lang = match req.lang.as_deref() {
        None => viewer.tr.lang,
        Some(l) => l
            .parse::<Lang>()
            .map_err(|e| WebError::Unprocessable(format!("lang: {e}")))?,
    };
    let report = tone::analyse(&req.text, lang);
    // The advice is worded in the language of the text.
    let tr = Tr::new(lang);
    Ok(Json(ToneResponse {
        lix: report.lix,
        advice: advice_views(&tr, &report),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ConversationLogJson {
    pub id: i64,
    pub happened_on: String,
    pub channel: String,
    pub participants: String,
    pub topic: String,
    pub agreements: String,
    pub author: PersonRef,
}

/// The calls and talks logged with a pupil's family (staff of the pupil, leaders).
#[utoipa::path(get, path = "/api/v1/pupils/{id}/conversations", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Pupil id")), responses((status = 200, body = Vec<ConversationLogJson>),
        (status = 404, description = "No such pupil, or not yours to see", content_type = "application/problem+json")))]
pub async fn api_conversations(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Vec<ConversationLogJson>>, WebError> {
    let me = viewer.require()?;
    let pupil = loggable_pupil(&state, me, &id).await?;
    let logs = state
        .store
        .conversation_logs(me.actor.school_id, pupil.person.id)
        .await?;
    Ok(Json(
        logs.into_iter()
            .map(|l| ConversationLogJson {
                id: l.id,
                happened_on: l.happened_on,
                channel: l.channel,
                participants: l.participants,
                topic: l.topic,
                agreements: l.agreements,
                author: PersonRef {
                    id: l.author.id.0,
                    name: l.author.full(),
                },
            })
            .collect(),
    ))
}

/// Log a call or talk with a pupil's family (MSG-9).
#[utoipa::path(post, path = "/api/v1/pupils/{id}/conversations", tag = "messages", request_body = LogForm,
    security(("bearer" = [])), params(("id" = i64, Path, description = "Pupil id")),
    responses((status = 201, body = Logged),
        (status = 404, description = "No such pupil, or not yours to see", content_type = "application/problem+json"),
        (status = 422, description = "A field is missing or wrong")))]
pub async fn api_log_conversation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(form): Json<LogForm>,
) -> Result<(StatusCode, Json<Logged>), WebError> {
    let me = viewer.require()?;
    let pupil = loggable_pupil(&state, me, &id).await?;
    let tr = Tr::new(Lang::En);
    let (day, participants, topic, agreements) =
        check_log(&tr, &form).map_err(|e| WebError::Unprocessable(e.join("; ")))?;
    let id = store_log(
        &state,
        me,
        pupil.person.id,
        &form.channel,
        &day,
        &participants,
        &topic,
        &agreements,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Logged { id })))
}

#[derive(Serialize, ToSchema)]
pub struct Logged {
    pub id: i64,
}
