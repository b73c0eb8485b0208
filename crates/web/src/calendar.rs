//! Calendar pages, API and feeds (MSG-6) and the class contact book (MSG-7): each person's
//! month or week with their events, homework and conferences; events for a class, grade or the
//! school with answers (yes / no / maybe) until a deadline; homework per class and day from
//! grade 3; a secret, revocable iCalendar feed per person; the contact book with only what each
//! guardian shares, never protected details, as a page, CSV and vCard. The rules live in
//! `skolebro_domain::calendar`, `contact_book` and `access`; this module wires them up.

mod feed;

use crate::moments::{instant, local_date, local_text, rfc3339};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use skolebro_domain::calendar::{
    self as rules, Audience, EventProblem, EventTimes, HomeworkProblem, RsvpAnswer, RsvpProblem,
};
use skolebro_domain::contact_book::{self as book, Sharing};
use skolebro_domain::{may, Action, Actor, ClassId, Resource, Role};
use skolebro_store::calendar::{ConferenceTime, Event, Homework, NewEvent};
use skolebro_store::people::ClassSummary;
use utoipa::{IntoParams, ToSchema};

use crate::i18n::Tr;
use crate::viewer::{html, parse_id, Chrome, CsrfForm, SignedIn, Viewer};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar_page))
        .route("/calendar/events/new", get(new_event_page))
        .route("/calendar/events", post(create_event_form))
        .route("/calendar/events/{id}", get(event_page))
        .route("/calendar/events/{id}/answer", post(answer_form))
        .route("/calendar/settings", get(settings_page))
        .route("/calendar/settings/feed", post(new_feed_form))
        .route("/calendar/settings/feed/revoke", post(revoke_feed_form))
        .route("/calendar/settings/sharing", post(sharing_form))
        .route("/calendar/feed/{token}", get(feed))
        .route(
            "/classes/{id}/homework",
            get(homework_page).post(homework_form),
        )
        .route("/classes/{id}/contacts", get(contacts_page))
        .route("/classes/{id}/contacts.csv", get(contacts_csv))
        .route("/classes/{id}/contacts.vcf", get(contacts_vcf))
        .route("/api/v1/events", get(api_events).post(api_create_event))
        .route("/api/v1/events/{id}/rsvp", put(api_rsvp))
        .route(
            "/api/v1/classes/{id}/homework",
            get(api_homework).post(api_add_homework),
        )
}

type Res<T> = Result<T, WebError>;

/// The longest window a calendar request may ask for.
const MAX_RANGE_DAYS: i64 = 366;

// ---------------------------------------------------------------------------------------------
// Helpers

/// One of the next events on the overview.
pub struct EventCard {
    pub id: i64,
    pub title: String,
    pub when: String,
}

/// The signed-in person's next events for the overview: one query, whatever the history.
pub async fn overview_events(state: &AppState, me: &SignedIn) -> Result<Vec<EventCard>, WebError> {
    let classes = skolebro_domain::calendar::calendar_classes(&me.actor);
    let tz = me.time_zone();
    Ok(state
        .store
        .upcoming_for(
            me.actor.school_id,
            me.actor.person_id,
            &classes,
            skolebro_store::clock::now().as_second(),
            5,
        )
        .await?
        .into_iter()
        .map(|e| EventCard {
            id: e.id,
            title: e.title,
            when: local_text(e.starts_at, &tz),
        })
        .collect())
}

/// An instant as given by a person or a program: RFC 3339 with an offset, or a school-local
/// `YYYY-MM-DDTHH:MM` (what `<input type="datetime-local">` sends).
fn parse_instant(raw: &str, tz: &TimeZone) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Some(t.as_second());
    }
    let dt: jiff::civil::DateTime = raw.replace(' ', "T").parse().ok()?;
    Some(dt.to_zoned(tz.clone()).ok()?.timestamp().as_second())
}

fn parse_date(raw: &str) -> Option<Date> {
    raw.trim().parse().ok()
}

/// A `from`/`to` day range, defaulting to `default_days` from today; at most a year.
fn day_range(
    tr: &Tr,
    from: Option<&str>,
    to: Option<&str>,
    today: Date,
    default_days: i64,
) -> Res<(Date, Date)> {
    let bad = || WebError::Unprocessable(tr.t("calendar-error-range"));
    let from = match from.filter(|s| !s.is_empty()) {
        Some(s) => parse_date(s).ok_or_else(bad)?,
        None => today,
    };
    let to = match to.filter(|s| !s.is_empty()) {
        Some(s) => parse_date(s).ok_or_else(bad)?,
        None => from
            .checked_add(jiff::Span::new().days(default_days))
            .map_err(|_| bad())?,
    };
    if to < from || (to - from).get_days() > MAX_RANGE_DAYS as i32 {
        return Err(bad());
    }
    Ok((from, to))
}

fn class_resource(me: &SignedIn, class_id: ClassId) -> Resource<'static> {
    Resource::Class {
        school_id: me.actor.school_id,
        class_id,
    }
}

/// A class of the viewer's school for an action. Refused reads are 404; a refused change is
/// 403 to someone who may see the class's homework or works at the school, 404 to others.
async fn class_for(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
    action: Action,
    see: Action,
) -> Res<ClassSummary> {
    let class_id = ClassId(parse_id(raw)?);
    let class = state
        .store
        .classes_by_id(me.actor.school_id, &[class_id])
        .await?
        .into_iter()
        .next()
        .ok_or(WebError::NotFound)?;
    let r = class_resource(me, class_id);
    if may(&me.actor, action, &r) {
        return Ok(class);
    }
    if action != see && (may(&me.actor, see, &r) || may(&me.actor, Action::KnowOfClass, &r)) {
        return Err(WebError::Refused(viewer.tr.t("calendar-refused-class")));
    }
    Err(WebError::NotFound)
}

fn event_problem(tr: &Tr, p: EventProblem) -> WebError {
    let key = match p {
        EventProblem::TitleEmpty => "calendar-error-title",
        EventProblem::TitleTooLong => "calendar-error-title-long",
        EventProblem::TextTooLong => "calendar-error-text-long",
        EventProblem::Control => "calendar-error-control",
        EventProblem::EndsBeforeStart => "calendar-error-ends-before",
        EventProblem::TooLong => "calendar-error-too-long",
        EventProblem::DeadlineAfterStart => "calendar-error-deadline",
        EventProblem::ReminderAfterStart => "calendar-error-reminder",
        EventProblem::NoSuchGrade => "calendar-error-grade",
    };
    WebError::Unprocessable(tr.t(key))
}

fn rsvp_problem(tr: &Tr, p: RsvpProblem) -> WebError {
    match p {
        RsvpProblem::NotInvited => WebError::Conflict(tr.t("calendar-error-no-answers")),
        RsvpProblem::DeadlinePassed => WebError::Conflict(tr.t("calendar-error-answer-closed")),
        RsvpProblem::People => WebError::Unprocessable(tr.t("calendar-error-people")),
        RsvpProblem::NoteTooLong => WebError::Unprocessable(tr.t("calendar-error-note")),
    }
}

fn homework_problem(tr: &Tr, p: HomeworkProblem) -> WebError {
    let key = match p {
        HomeworkProblem::GradeTooLow => "calendar-error-homework-grade",
        HomeworkProblem::Subject => "calendar-error-subject",
        HomeworkProblem::Text => "calendar-error-homework-text",
    };
    WebError::Unprocessable(tr.t(key))
}

/// The classes an event is for, and whether it is for the whole school.
async fn event_scope(state: &AppState, event: &Event) -> Res<(Vec<ClassId>, bool)> {
    let classes = state.store.event_classes(event).await?;
    Ok((classes, event.audience == Audience::School))
}

/// An event the viewer may see, or 404.
async fn event_for(state: &AppState, me: &SignedIn, raw: &str) -> Res<(Event, Vec<ClassId>)> {
    let event = state
        .store
        .event(me.actor.school_id, parse_id(raw)?, me.actor.person_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (classes, whole_school) = event_scope(state, &event).await?;
    let r = Resource::Event {
        school_id: me.actor.school_id,
        classes: &classes,
        whole_school,
    };
    if !may(&me.actor, Action::ViewEvent, &r) {
        return Err(WebError::NotFound);
    }
    Ok((event, classes))
}

/// What a new event asks for, from a form or JSON.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EventRequest {
    /// `class`, `grade` or `school`.
    #[schema(pattern = r"^(class|grade|school)$")]
    pub audience: String,
    /// The class, for a class event.
    #[schema(minimum = 1)]
    pub class_id: Option<i64>,
    /// The grade, for a grade event.
    #[schema(minimum = 0, maximum = 10)]
    pub grade: Option<i64>,
    #[schema(min_length = 1, pattern = r"\S")]
    pub title: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339, or school-local `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub ends_at: String,
    /// Whether the event asks for answers (yes / no / maybe).
    #[serde(default)]
    pub rsvp: bool,
    /// Answers are taken until then; without one, until the start.
    pub rsvp_deadline: Option<String>,
    /// When the invited are reminded (the notification worker sends it).
    pub reminder_at: Option<String>,
}

/// Checks and creates an event; returns its id.
async fn create_event(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    req: &EventRequest,
) -> Res<i64> {
    let tr = &viewer.tr;
    let tz = me.time_zone();
    let school_id = me.actor.school_id;
    let (audience, classes) = match req.audience.as_str() {
        "class" => {
            let id = req
                .class_id
                .ok_or_else(|| WebError::Unprocessable(tr.t("calendar-error-class")))?;
            let class = state
                .store
                .classes_by_id(school_id, &[ClassId(id)])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| WebError::Unprocessable(tr.t("calendar-error-class")))?;
            (Audience::Class(class.id), vec![class.id])
        }
        "grade" => {
            let grade = req
                .grade
                .and_then(|g| u8::try_from(g).ok())
                .ok_or_else(|| event_problem(tr, EventProblem::NoSuchGrade))?;
            let probe = Event {
                id: 0,
                school_id,
                audience: Audience::Grade(grade),
                class_name: None,
                title: String::new(),
                place: String::new(),
                description: String::new(),
                starts_at: 0,
                ends_at: 0,
                rsvp: false,
                rsvp_deadline: None,
                reminder_at: None,
                created_by: me.actor.person_id,
                my_answer: None,
            };
            let classes = state.store.event_classes(&probe).await?;
            if classes.is_empty() {
                return Err(event_problem(tr, EventProblem::NoSuchGrade));
            }
            (Audience::Grade(grade), classes)
        }
        "school" => (Audience::School, Vec::new()),
        _ => return Err(WebError::Unprocessable(tr.t("calendar-error-audience"))),
    };
    let r = Resource::Event {
        school_id,
        classes: &classes,
        whole_school: audience == Audience::School,
    };
    if !may(&me.actor, Action::PlanEvent, &r) {
        return Err(WebError::Refused(tr.t("calendar-refused-class")));
    }
    let when = |raw: &str, key: &str| {
        parse_instant(raw, &tz).ok_or_else(|| WebError::Unprocessable(tr.t(key)))
    };
    let optional = |raw: &Option<String>, key: &str| -> Res<Option<i64>> {
        match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Ok(Some(when(s, key)?)),
            None => Ok(None),
        }
    };
    let times = EventTimes {
        starts_at: when(&req.starts_at, "calendar-error-time")?,
        ends_at: when(&req.ends_at, "calendar-error-time")?,
        rsvp_deadline: if req.rsvp {
            optional(&req.rsvp_deadline, "calendar-error-time")?
        } else {
            None
        },
        reminder_at: optional(&req.reminder_at, "calendar-error-time")?,
    };
    rules::check_event(&req.title, &req.place, &req.description, times)
        .map_err(|p| event_problem(tr, p))?;
    Ok(state
        .store
        .create_event(&NewEvent {
            school_id,
            audience,
            title: &req.title,
            place: &req.place,
            description: &req.description,
            times,
            rsvp: req.rsvp,
            created_by: me.actor.person_id,
        })
        .await?)
}

/// Records an answer after the checks; the answer's people default to 1 for yes and maybe.
async fn answer(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
    req: &RsvpRequest,
) -> Res<Event> {
    let tr = &viewer.tr;
    let (event, classes) = event_for(state, me, raw).await?;
    let r = Resource::Event {
        school_id: me.actor.school_id,
        classes: &classes,
        whole_school: event.audience == Audience::School,
    };
    if !may(&me.actor, Action::AnswerEvent, &r) {
        return Err(WebError::Refused(tr.t("calendar-refused-answer")));
    }
    let answer: RsvpAnswer = req
        .answer
        .parse()
        .map_err(|_| WebError::Unprocessable(tr.t("calendar-error-answer")))?;
    let people = req.people.unwrap_or_else(|| rules::default_people(answer));
    let note = req.note.clone().unwrap_or_default();
    rules::check_rsvp(
        event.rsvp,
        event.rsvp_deadline,
        event.starts_at,
        skolebro_store::clock::now().as_second(),
        answer,
        people,
        &note,
    )
    .map_err(|p| rsvp_problem(tr, p))?;
    state
        .store
        .answer_event(
            me.actor.school_id,
            event.id,
            me.actor.person_id,
            answer,
            people,
            &note,
        )
        .await?;
    state
        .store
        .event(me.actor.school_id, event.id, me.actor.person_id)
        .await?
        .ok_or(WebError::NotFound)
}

/// The absolute address of a feed: under `--public-url` when it is set, since a `Host`
/// header is the client's to write; otherwise from the request's host, the one address that
/// reached this server.
fn feed_url(state: &AppState, viewer: &Viewer, headers: &HeaderMap, token: &str) -> String {
    if let Some(base) = &state.config.public_url {
        return format!("{}/calendar/feed/{token}.ics", base.trim_end_matches('/'));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if viewer.secure || state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/calendar/feed/{token}.ics")
}

/// The person's feed address, issued on first use; `None` once they revoked it (a new one is
/// made on the calendar settings page, never behind their back).
pub async fn my_feed_url(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    me: &SignedIn,
) -> Res<Option<String>> {
    let feed = state
        .store
        .feed_token_or_issue(me.actor.school_id, me.actor.person_id, &state.feed_key)
        .await?;
    Ok(match feed {
        skolebro_store::calendar::Feed::Active(token) => {
            Some(feed_url(state, viewer, headers, &token))
        }
        skolebro_store::calendar::Feed::Revoked => None,
    })
}

// ---------------------------------------------------------------------------------------------
// Calendar page

#[derive(Debug, Deserialize, Default)]
struct CalendarQuery {
    view: Option<String>,
    date: Option<String>,
}

struct DayCell {
    date: String,
    day: i8,
    in_month: bool,
    today: bool,
    items: Vec<Item>,
}

struct Item {
    time: String,
    text: String,
    href: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "calendar/calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    tr: Tr,
    title: String,
    week_view: bool,
    weeks: Vec<Vec<DayCell>>,
    prev: String,
    next: String,
    other_view: String,
    can_plan: bool,
    /// The viewer's classes: id, name, whether they see its contact book.
    classes: Vec<(i64, String, bool)>,
}

async fn calendar_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<CalendarQuery>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let tz = me.time_zone();
    let today = me.today();
    let anchor = match q.date.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => {
            parse_date(s).ok_or_else(|| WebError::Unprocessable(tr.t("calendar-error-range")))?
        }
        None => today,
    };
    let week_view = q.view.as_deref() == Some("week");
    let weeks: Vec<[Date; 7]> = if week_view {
        let monday = rules::week_start(anchor);
        let mut week = [monday; 7];
        for (i, d) in week.iter_mut().enumerate() {
            *d = monday
                .checked_add(jiff::Span::new().days(i as i64))
                .unwrap_or(monday);
        }
        vec![week]
    } else {
        rules::month_grid(anchor.year(), anchor.month())
    };
    let (Some(first), Some(last)) = (weeks.first().map(|w| w[0]), weeks.last().map(|w| w[6]))
    else {
        return Err(WebError::Unprocessable(tr.t("calendar-error-range")));
    };
    let (from, to) = rules::day_window(first, last, &tz)
        .ok_or_else(|| WebError::Unprocessable(tr.t("calendar-error-range")))?;
    let classes = rules::calendar_classes(&me.actor);
    let events = state
        .store
        .events_for(
            me.actor.school_id,
            me.actor.person_id,
            &classes,
            from,
            to,
            500,
        )
        .await?;
    let homework = state
        .store
        .homework_of(me.actor.school_id, &classes, first, last)
        .await?;
    let conferences = conferences_of(&state, &me.actor, from, to).await?;
    let mut cells: Vec<Vec<DayCell>> = Vec::new();
    for week in &weeks {
        let mut row = Vec::new();
        for day in week {
            let mut items = Vec::new();
            for e in &events {
                let start = local_date(e.starts_at, &tz);
                let end = local_date(e.ends_at - 1, &tz);
                if start <= *day && *day <= end {
                    let mut text = e.title.clone();
                    if let Some(a) = &e.my_answer {
                        text = format!(
                            "{text} ({})",
                            tr.t(&format!("calendar-answer-{}", a.answer.as_str()))
                        );
                    }
                    items.push(Item {
                        time: if start == *day {
                            instant(e.starts_at)
                                .to_zoned(tz.clone())
                                .strftime("%H:%M")
                                .to_string()
                        } else {
                            String::new()
                        },
                        text,
                        href: format!("/calendar/events/{}", e.id),
                        kind: "event",
                    });
                }
            }
            for c in &conferences {
                if local_date(c.starts_at, &tz) == *day {
                    items.push(Item {
                        time: instant(c.starts_at)
                            .to_zoned(tz.clone())
                            .strftime("%H:%M")
                            .to_string(),
                        text: c.title.clone(),
                        href: format!("/conferences/bookings/{}", c.booking_id),
                        kind: "conference",
                    });
                }
            }
            for h in homework.iter().filter(|h| h.day == *day) {
                items.push(Item {
                    time: String::new(),
                    text: format!(
                        "{}: {} ({})",
                        tr.t("calendar-homework"),
                        h.subject,
                        h.class_name
                    ),
                    href: format!("/classes/{}/homework?from={}", h.class_id.0, h.day),
                    kind: "homework",
                });
            }
            row.push(DayCell {
                date: day.to_string(),
                day: day.day(),
                in_month: week_view || day.month() == anchor.month(),
                today: *day == today,
                items,
            });
        }
        cells.push(row);
    }
    let step = |n: i64| -> String {
        let d = if week_view {
            anchor.checked_add(jiff::Span::new().weeks(n))
        } else {
            anchor
                .first_of_month()
                .checked_add(jiff::Span::new().months(n))
        };
        d.unwrap_or(anchor).to_string()
    };
    let view = if week_view { "week" } else { "month" };
    let title = if week_view {
        tr.t1("calendar-week-of", "date", first.strftime("%d.%m.%Y"))
    } else {
        tr.t1(
            "calendar-month-of",
            "month",
            anchor.strftime("%m/%Y").to_string(),
        )
    };
    let mut plan_classes = Vec::new();
    for c in state
        .store
        .classes_by_id(me.actor.school_id, &classes)
        .await?
    {
        let book = may(
            &me.actor,
            Action::ViewContactBook,
            &class_resource(me, c.id),
        );
        plan_classes.push((c.id.0, c.name, book));
    }
    html(&CalendarPage {
        chrome: viewer.chrome(),
        tr,
        title,
        week_view,
        weeks: cells,
        prev: format!("/calendar?view={view}&date={}", step(-1)),
        next: format!("/calendar?view={view}&date={}", step(1)),
        other_view: format!(
            "/calendar?view={}&date={anchor}",
            if week_view { "month" } else { "week" }
        ),
        // The link to the planning form, for those who may plan for some audience.
        can_plan: may_plan_some_event(me),
        classes: plan_classes,
    })
}

// ---------------------------------------------------------------------------------------------
// Events

#[derive(Template)]
#[template(path = "calendar/event_new.html")]
struct NewEventPage {
    chrome: Chrome,
    tr: Tr,
    error: Option<String>,
    audiences: Vec<(String, String)>,
    form: EventFormValues,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct EventFormValues {
    #[serde(default)]
    target: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    rsvp: Option<String>,
    #[serde(default)]
    rsvp_deadline: String,
    #[serde(default)]
    reminder_at: String,
}

/// Whether the viewer may plan an event for some audience: the school, or a class they teach.
fn may_plan_some_event(me: &SignedIn) -> bool {
    let taught: Vec<ClassId> = me.actor.teaches.iter().map(|l| l.class_id).collect();
    let plans = |classes: &[ClassId], whole_school: bool| {
        may(
            &me.actor,
            Action::PlanEvent,
            &Resource::Event {
                school_id: me.actor.school_id,
                classes,
                whole_school,
            },
        )
    };
    plans(&[], true) || plans(&taught, false)
}

/// The audiences the viewer may plan for: their classes, the grades of their classes, and the
/// school for leaders. Values: `class:ID`, `grade:N`, `school`.
async fn audiences(state: &AppState, me: &SignedIn, tr: &Tr) -> Res<Vec<(String, String)>> {
    let mut out = Vec::new();
    let school = Resource::Event {
        school_id: me.actor.school_id,
        classes: &[],
        whole_school: true,
    };
    if may(&me.actor, Action::PlanEvent, &school) {
        out.push(("school".to_owned(), tr.t("calendar-audience-school")));
    }
    let taught: Vec<ClassId> = me.actor.teaches.iter().map(|l| l.class_id).collect();
    let classes = state
        .store
        .classes_by_id(me.actor.school_id, &taught)
        .await?;
    let mut grades: Vec<i64> = classes.iter().map(|c| c.grade).collect();
    grades.dedup();
    for c in &classes {
        out.push((format!("class:{}", c.id.0), c.name.clone()));
    }
    for g in grades {
        out.push((
            format!("grade:{g}"),
            tr.t1("calendar-audience-grade", "grade", g),
        ));
    }
    Ok(out)
}

async fn new_event_page(State(state): State<AppState>, viewer: Viewer) -> Res<Response> {
    let me = viewer.require()?;
    let audiences = audiences(&state, me, &viewer.tr).await?;
    if audiences.is_empty() {
        return Err(WebError::NotFound);
    }
    html(&NewEventPage {
        chrome: viewer.chrome(),
        tr: viewer.tr,
        error: None,
        audiences,
        form: EventFormValues {
            rsvp: Some("1".into()),
            ..EventFormValues::default()
        },
    })
}

async fn create_event_form(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<EventFormValues>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (audience, class_id, grade) = match form.target.split_once(':') {
        Some(("class", id)) => ("class", id.parse().ok(), None),
        Some(("grade", g)) => ("grade", None, g.parse().ok()),
        _ if form.target == "school" => ("school", None, None),
        _ => ("", None, None),
    };
    let req = EventRequest {
        audience: audience.to_owned(),
        class_id,
        grade,
        title: form.title.clone(),
        place: form.place.clone(),
        description: form.description.clone(),
        starts_at: form.starts_at.clone(),
        ends_at: form.ends_at.clone(),
        rsvp: form.rsvp.is_some(),
        rsvp_deadline: Some(form.rsvp_deadline.clone()),
        reminder_at: Some(form.reminder_at.clone()),
    };
    match create_event(&state, &viewer, me, &req).await {
        Ok(id) => Ok(Redirect::to(&format!("/calendar/events/{id}")).into_response()),
        Err(WebError::Unprocessable(message)) => {
            let mut response = html(&NewEventPage {
                chrome: viewer.chrome(),
                tr: viewer.tr,
                error: Some(message),
                audiences: audiences(&state, me, &viewer.tr).await?,
                form,
            })?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response.extensions_mut().insert(crate::viewer::Rendered);
            Ok(response)
        }
        Err(e) => Err(e),
    }
}

struct AnswerRow {
    name: String,
    answer: String,
    people: i64,
    note: String,
}

#[derive(Template)]
#[template(path = "calendar/event.html")]
struct EventPage {
    chrome: Chrome,
    tr: Tr,
    id: i64,
    title: String,
    audience: String,
    place: String,
    description: String,
    when: String,
    rsvp: bool,
    deadline: Option<String>,
    open: bool,
    may_answer: bool,
    mine: Option<(String, i64, String)>,
    answers: Option<Vec<AnswerRow>>,
    totals: (i64, i64, i64),
    saved: bool,
}

fn audience_text(tr: &Tr, e: &Event) -> String {
    match e.audience {
        Audience::Class(_) => e.class_name.clone().unwrap_or_default(),
        Audience::Grade(g) => tr.t1("calendar-audience-grade", "grade", g),
        Audience::School => tr.t("calendar-audience-school"),
    }
}

#[derive(Debug, Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn event_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let tz = me.time_zone();
    let (event, classes) = event_for(&state, me, &raw).await?;
    let r = Resource::Event {
        school_id: me.actor.school_id,
        classes: &classes,
        whole_school: event.audience == Audience::School,
    };
    let may_answer = event.rsvp && may(&me.actor, Action::AnswerEvent, &r);
    let now = skolebro_store::clock::now().as_second();
    let open = event.rsvp && now <= event.rsvp_deadline.unwrap_or(event.starts_at);
    let mut totals = (0, 0, 0);
    let answers = if event.rsvp && may(&me.actor, Action::PlanEvent, &r) {
        let lines = state
            .store
            .event_answers(me.actor.school_id, event.id)
            .await?;
        Some(
            lines
                .into_iter()
                .map(|l| {
                    match l.answer.answer {
                        RsvpAnswer::Yes => totals.0 += l.answer.people,
                        RsvpAnswer::Maybe => totals.1 += l.answer.people,
                        RsvpAnswer::No => totals.2 += 1,
                    }
                    AnswerRow {
                        name: l.person.full(),
                        answer: tr.t(&format!("calendar-answer-{}", l.answer.answer.as_str())),
                        people: l.answer.people,
                        note: l.answer.note,
                    }
                })
                .collect(),
        )
    } else {
        None
    };
    html(&EventPage {
        chrome: viewer.chrome(),
        tr,
        id: event.id,
        audience: audience_text(&tr, &event),
        title: event.title.clone(),
        place: event.place.clone(),
        description: event.description.clone(),
        when: format!(
            "{} – {}",
            local_text(event.starts_at, &tz),
            local_text(event.ends_at, &tz)
        ),
        rsvp: event.rsvp,
        deadline: event.rsvp_deadline.map(|d| local_text(d, &tz)),
        open,
        may_answer,
        mine: event
            .my_answer
            .as_ref()
            .map(|a| (a.answer.as_str().to_owned(), a.people, a.note.clone())),
        answers,
        totals,
        saved: q.saved.is_some(),
    })
}

#[derive(Debug, Deserialize)]
struct AnswerForm {
    answer: String,
    #[serde(default)]
    people: String,
    #[serde(default)]
    note: String,
}

async fn answer_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let people = match form.people.trim() {
        "" => None,
        s => Some(
            s.parse::<i64>()
                .map_err(|_| WebError::Unprocessable(viewer.tr.t("calendar-error-people")))?,
        ),
    };
    let req = RsvpRequest {
        answer: form.answer,
        people,
        note: Some(form.note),
    };
    let event = answer(&state, &viewer, me, &raw, &req).await?;
    Ok(Redirect::to(&format!("/calendar/events/{}?saved=1", event.id)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Homework

#[derive(Debug, Deserialize, Default, IntoParams)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` (default: today).
    pub from: Option<String>,
    /// Last day, included (default: four weeks on). At most a year after `from`.
    pub to: Option<String>,
}

#[derive(Template)]
#[template(path = "calendar/homework.html")]
struct HomeworkPage {
    chrome: Chrome,
    tr: Tr,
    class_id: i64,
    class_name: String,
    allowed: bool,
    may_give: bool,
    entries: Vec<(String, String, String)>,
    error: Option<String>,
    today: String,
}

async fn render_homework(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    class: &ClassSummary,
    from: Date,
    to: Date,
    error: Option<String>,
) -> Res<Response> {
    let entries = state
        .store
        .homework_of(me.actor.school_id, &[class.id], from, to)
        .await?
        .into_iter()
        .map(|h| (h.day.strftime("%d.%m.%Y").to_string(), h.subject, h.body))
        .collect();
    let failed = error.is_some();
    let mut response = html(&HomeworkPage {
        chrome: viewer.chrome(),
        tr: viewer.tr,
        class_id: class.id.0,
        class_name: class.name.clone(),
        allowed: rules::homework_allowed(u8::try_from(class.grade).unwrap_or(0)),
        may_give: may(
            &me.actor,
            Action::ManageHomework,
            &class_resource(me, class.id),
        ),
        entries,
        error,
        today: me.today().to_string(),
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(crate::viewer::Rendered);
    }
    Ok(response)
}

async fn homework_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Res<Response> {
    let me = viewer.require()?;
    let class = class_for(
        &state,
        &viewer,
        me,
        &raw,
        Action::ViewHomework,
        Action::ViewHomework,
    )
    .await?;
    let (from, to) = day_range(
        &viewer.tr,
        q.from.as_deref(),
        q.to.as_deref(),
        me.today(),
        28,
    )?;
    render_homework(&state, &viewer, me, &class, from, to, None).await
}

/// A homework entry to give.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct HomeworkRequest {
    /// `YYYY-MM-DD`: the day it is for.
    #[schema(format = Date)]
    pub day: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub subject: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub text: String,
}

async fn add_homework(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    class: &ClassSummary,
    req: &HomeworkRequest,
) -> Res<Homework> {
    let tr = &viewer.tr;
    let day =
        parse_date(&req.day).ok_or_else(|| WebError::Unprocessable(tr.t("calendar-error-day")))?;
    rules::check_homework(
        u8::try_from(class.grade).unwrap_or(0),
        &req.subject,
        &req.text,
    )
    .map_err(|p| homework_problem(tr, p))?;
    let id = state
        .store
        .add_homework(
            me.actor.school_id,
            class.id,
            day,
            &req.subject,
            &req.text,
            me.actor.person_id,
        )
        .await?;
    Ok(Homework {
        id,
        class_id: class.id,
        class_name: class.name.clone(),
        day,
        subject: req.subject.trim().to_owned(),
        body: req.text.trim().to_owned(),
    })
}

async fn homework_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<HomeworkRequest>,
) -> Res<Response> {
    let me = viewer.require()?;
    let class = class_for(
        &state,
        &viewer,
        me,
        &raw,
        Action::ManageHomework,
        Action::ViewHomework,
    )
    .await?;
    match add_homework(&state, &viewer, me, &class, &form).await {
        Ok(h) => Ok(
            Redirect::to(&format!("/classes/{}/homework?from={}", class.id.0, h.day))
                .into_response(),
        ),
        Err(WebError::Unprocessable(m)) => {
            let today = me.today();
            let to = today
                .checked_add(jiff::Span::new().days(28))
                .unwrap_or(today);
            render_homework(&state, &viewer, me, &class, today, to, Some(m)).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Contact book

struct ContactRow {
    name: String,
    children: String,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
}

#[derive(Template)]
#[template(path = "calendar/contacts.html")]
struct ContactsPage {
    chrome: Chrome,
    tr: Tr,
    class_id: i64,
    class_name: String,
    rows: Vec<ContactRow>,
}

/// The contact book as others may see it: only what each guardian shares, nothing protected.
async fn contact_rows(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
) -> Res<(ClassSummary, Vec<(String, String, ContactRow)>)> {
    let class = class_for(
        state,
        viewer,
        me,
        raw,
        Action::ViewContactBook,
        Action::ViewContactBook,
    )
    .await?;
    let entries = state
        .store
        .contact_book(me.actor.school_id, class.id)
        .await?;
    let rows = entries
        .into_iter()
        .filter(|e| crate::people::knows_of_family(me, e.person.id, e.protected))
        .map(|e| {
            let shown = book::shown(e.protected, e.sharing, &e.details);
            (
                e.person.given_name.clone(),
                e.person.family_name.clone(),
                ContactRow {
                    name: e.person.full(),
                    children: e.children.join(", "),
                    email: shown.email,
                    phone: shown.phone,
                    address: shown.address,
                },
            )
        })
        .collect();
    Ok((class, rows))
}

async fn contacts_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (class, rows) = contact_rows(&state, &viewer, me, &raw).await?;
    html(&ContactsPage {
        chrome: viewer.chrome(),
        tr: viewer.tr,
        class_id: class.id.0,
        class_name: class.name,
        rows: rows.into_iter().map(|(_, _, r)| r).collect(),
    })
}

fn download_name(class: &ClassSummary, ext: &str) -> String {
    let safe: String = class
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("attachment; filename=\"contacts-{safe}.{ext}\"")
}

async fn contacts_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let (class, rows) = contact_rows(&state, &viewer, me, &raw).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        tr.t("calendar-contact-name"),
        tr.t("calendar-contact-children"),
        tr.t("calendar-contact-email"),
        tr.t("calendar-contact-phone"),
        tr.t("calendar-contact-address"),
    ];
    w.write_record(&header).map_err(|_| WebError::Internal)?;
    for (_, _, r) in &rows {
        let cells = [
            r.name.as_str(),
            r.children.as_str(),
            r.email.as_deref().unwrap_or(""),
            r.phone.as_deref().unwrap_or(""),
            r.address.as_deref().unwrap_or(""),
        ]
        .map(book::csv_cell);
        w.write_record(&cells).map_err(|_| WebError::Internal)?;
    }
    let body = w.into_inner().map_err(|_| WebError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, download_name(&class, "csv")),
        ],
        body,
    )
        .into_response())
}

async fn contacts_vcf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (class, rows) = contact_rows(&state, &viewer, me, &raw).await?;
    let mut body = String::new();
    for (given, family, r) in &rows {
        body.push_str(&book::vcard(
            given,
            family,
            &book::Details {
                email: r.email.clone(),
                phone: r.phone.clone(),
                address: r.address.clone(),
            },
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/vcard; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, download_name(&class, "vcf")),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Settings: the feed and what one shares

#[derive(Template)]
#[template(path = "calendar/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    tr: Tr,
    feed: Option<String>,
    guardian: bool,
    sharing: Sharing,
    saved: bool,
}

async fn settings_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(q): Query<SavedQuery>,
) -> Res<Response> {
    let me = viewer.require()?;
    let token = state
        .store
        .feed_token_of(me.actor.person_id, &state.feed_key)
        .await?;
    html(&SettingsPage {
        chrome: viewer.chrome(),
        tr: viewer.tr,
        feed: token.map(|t| feed_url(&state, &viewer, &headers, &t)),
        // Shapes the page: the sharing form is a guardian's; saving it is their own profile.
        guardian: me.actor.has(Role::Guardian),
        sharing: state.store.contact_sharing(me.actor.person_id).await?,
        saved: q.saved.is_some(),
    })
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn new_feed_form(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_): CsrfForm<Empty>,
) -> Res<Response> {
    let me = viewer.require()?;
    state
        .store
        .issue_feed(me.actor.school_id, me.actor.person_id, &state.feed_key)
        .await?;
    Ok(Redirect::to("/calendar/settings?saved=1").into_response())
}

async fn revoke_feed_form(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_): CsrfForm<Empty>,
) -> Res<Response> {
    let me = viewer.require()?;
    state.store.revoke_feed(me.actor.person_id).await?;
    Ok(Redirect::to("/calendar/settings?saved=1").into_response())
}

#[derive(Debug, Deserialize)]
struct SharingForm {
    share_email: Option<String>,
    share_phone: Option<String>,
    share_address: Option<String>,
}

async fn sharing_form(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SharingForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    if !may(
        &me.actor,
        Action::EditOwnProfile,
        &Resource::Profile {
            person_id: me.actor.person_id,
        },
    ) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .set_contact_sharing(
            me.actor.school_id,
            me.actor.person_id,
            Sharing {
                email: form.share_email.is_some(),
                phone: form.share_phone.is_some(),
                address: form.share_address.is_some(),
            },
        )
        .await?;
    Ok(Redirect::to("/calendar/settings?saved=1").into_response())
}

// ---------------------------------------------------------------------------------------------
// The iCalendar feed (RFC 5545)

/// The conferences in a person's calendar (page and feed) from `from` to `to`: the store's
/// candidates, of which `access` keeps those the person may see.
async fn conferences_of(
    state: &AppState,
    actor: &Actor,
    from: i64,
    to: i64,
) -> Res<Vec<ConferenceTime>> {
    // Candidates only; `access` keeps those the person may see.
    let taught: Vec<ClassId> = if actor.has(Role::Staff) {
        actor.teaches.iter().map(|l| l.class_id).collect()
    } else {
        Vec::new()
    };
    let candidates = state
        .store
        .conference_times(
            actor.school_id,
            actor.person_id,
            &rules::calendar_children(actor),
            &taught,
            from,
            to,
        )
        .await?;
    Ok(candidates
        .into_iter()
        .filter(|c| {
            may(
                actor,
                Action::ViewConference,
                &Resource::Conference {
                    school_id: actor.school_id,
                    pupil_id: c.pupil_id,
                    class_id: c.class_id,
                    taking_part: c.taking_part,
                    household: (c.household > 0).then_some(c.household),
                },
            )
        })
        .collect())
}

/// A person's calendar as iCalendar: events, conferences and homework, times in UTC. No notes,
/// no names of other families, nothing protected or sensitive: the address is the only secret.
async fn feed(State(state): State<AppState>, Path(raw): Path<String>) -> Res<Response> {
    let token = raw.strip_suffix(".ics").unwrap_or(&raw);
    if token.is_empty() || token.len() > 100 {
        return Err(WebError::NotFound);
    }
    let (person, school_id) = state
        .store
        .feed_owner(token)
        .await?
        .ok_or(WebError::NotFound)?;
    let school = state.store.school(school_id).await?;
    let tz = TimeZone::get(&school.time_zone).unwrap_or(TimeZone::UTC);
    let actor = state.store.actor(person, school_id).await?;
    let now = skolebro_store::clock::now().as_second();
    let from = now - 90 * 86_400;
    let to = now + 365 * 86_400;
    let classes = rules::calendar_classes(&actor);
    let events = state
        .store
        .events_for(school_id, person, &classes, from, to, 1000)
        .await?;
    let conferences = conferences_of(&state, &actor, from, to).await?;
    let today = rules::today(instant(now), &tz);
    let first = today
        .checked_sub(jiff::Span::new().days(30))
        .unwrap_or(today);
    let last = today
        .checked_add(jiff::Span::new().days(90))
        .unwrap_or(today);
    let homework = state
        .store
        .homework_of(school_id, &classes, first, last)
        .await?;
    let tr = Tr::new(school.locale);
    let events = events.iter().map(|e| feed::Entry {
        uid: format!("event-{}@skolebro", e.id),
        when: feed::When::Span {
            starts_at: e.starts_at,
            ends_at: e.ends_at,
        },
        summary: e.title.clone(),
        location: e.place.clone(),
        description: e.description.clone(),
    });
    let conferences = conferences.iter().map(|c| feed::Entry {
        uid: format!("conference-{}@skolebro", c.booking_id),
        when: feed::When::Span {
            starts_at: c.starts_at,
            ends_at: c.ends_at,
        },
        summary: c.title.clone(),
        location: String::new(),
        description: String::new(),
    });
    let homework = homework.iter().map(|h| feed::Entry {
        uid: format!("homework-{}@skolebro", h.id),
        when: feed::When::Day(h.day),
        summary: format!(
            "{}: {} ({})",
            tr.t("calendar-homework"),
            h.subject,
            h.class_name
        ),
        location: String::new(),
        description: h.body.clone(),
    });
    let entries: Vec<feed::Entry> = events.chain(conferences).chain(homework).collect();
    let body = feed::write(
        &format!("skolebro · {}", school.name),
        &school.time_zone,
        now,
        &entries,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// API

/// An answer to an invitation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = EventRsvpRequest)]
pub struct RsvpRequest {
    /// `yes`, `no` or `maybe`.
    #[schema(pattern = r"^(yes|no|maybe)$")]
    pub answer: String,
    /// How many come (0–20; default 1 for yes and maybe, 0 for no).
    #[schema(minimum = 0, maximum = 20)]
    pub people: Option<i64>,
    /// A short note (at most 500 characters).
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerJson {
    /// `yes`, `no` or `maybe`.
    pub answer: String,
    pub people: i64,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventJson {
    pub id: i64,
    /// `class`, `grade` or `school`.
    pub audience: String,
    pub class_id: Option<i64>,
    pub class_name: Option<String>,
    pub grade: Option<i64>,
    pub title: String,
    pub place: String,
    pub description: String,
    /// RFC 3339 with the school's offset.
    pub starts_at: String,
    pub ends_at: String,
    /// Whether the event asks for answers.
    pub rsvp: bool,
    pub rsvp_deadline: Option<String>,
    pub reminder_at: Option<String>,
    /// The caller's own answer.
    pub my_answer: Option<AnswerJson>,
}

fn event_json(e: &Event, tz: &TimeZone) -> EventJson {
    let (class_id, grade) = match e.audience {
        Audience::Class(c) => (Some(c.0), None),
        Audience::Grade(g) => (None, Some(i64::from(g))),
        Audience::School => (None, None),
    };
    EventJson {
        id: e.id,
        audience: e.audience.kind().to_owned(),
        class_id,
        class_name: e.class_name.clone(),
        grade,
        title: e.title.clone(),
        place: e.place.clone(),
        description: e.description.clone(),
        starts_at: rfc3339(e.starts_at, tz),
        ends_at: rfc3339(e.ends_at, tz),
        rsvp: e.rsvp,
        rsvp_deadline: e.rsvp_deadline.map(|d| rfc3339(d, tz)),
        reminder_at: e.reminder_at.map(|d| rfc3339(d, tz)),
        my_answer: e.my_answer.as_ref().map(|a| AnswerJson {
            answer: a.answer.as_str().to_owned(),
            people: a.people,
            note: a.note.clone(),
        }),
    }
}

/// The caller's events (their classes', their grades' and the school's) overlapping the days
/// `from`–`to`, in time order, with their own answers.
/// Events that touch the days from–to, in order of their start, 1000 a page: the next page's
/// address is in the `Link` header.
#[utoipa::path(get, path = "/api/v1/events", tag = "calendar", security(("bearer" = [])),
    params(RangeQuery, crate::paging::CursorQuery),
    responses((status = 200, body = Vec<EventJson>, headers(("link" = String, description = "The next page, when there is one: `</api/v1/events?from=…&to=…&cursor=…>; rel=\"next\"`"))),
        (status = 400, description = "A cursor this list did not write", content_type = "application/problem+json"),
        (status = 422, description = "A day that cannot be read, or a range over a year", content_type = "application/problem+json")))]
pub async fn api_events(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<RangeQuery>,
    Query(page): Query<crate::paging::CursorQuery>,
) -> Res<(axum::http::HeaderMap, Json<Vec<EventJson>>)> {
    let me = viewer.require()?;
    let tz = me.time_zone();
    let (from, to) = day_range(
        &viewer.tr,
        q.from.as_deref(),
        q.to.as_deref(),
        me.today(),
        30,
    )?;
    let (start, end) = rules::day_window(from, to, &tz)
        .ok_or_else(|| WebError::Unprocessable(viewer.tr.t("calendar-error-range")))?;
    let after = crate::paging::read_cursor(page.cursor.as_deref())?
        .unwrap_or(skolebro_domain::paging::Cursor::LOWEST);
    let mut events = state
        .store
        .events_after(
            me.actor.school_id,
            me.actor.person_id,
            &rules::calendar_classes(&me.actor),
            start,
            end,
            after,
            EVENTS_PAGE as i64 + 1,
        )
        .await?;
    let more = events.len() > EVENTS_PAGE;
    events.truncate(EVENTS_PAGE);
    let headers = match events.last() {
        Some(last) if more => crate::paging::next_link(
            &format!("/api/v1/events?from={from}&to={to}"),
            skolebro_domain::paging::Cursor {
                key: last.starts_at,
                id: last.id,
            },
        ),
        _ => axum::http::HeaderMap::new(),
    };
    Ok((
        headers,
        Json(events.iter().map(|e| event_json(e, &tz)).collect()),
    ))
}

/// Events on one page of the API's list.
const EVENTS_PAGE: usize = 1000;

#[utoipa::path(post, path = "/api/v1/events", tag = "calendar", security(("bearer" = [])),
    request_body = EventRequest,
    responses((status = 201, body = EventJson),
        (status = 403, description = "Not one's class, grade or school to plan for", content_type = "application/problem+json"),
        (status = 422, description = "Ends before it starts, too long, a deadline after the start, an unknown class or grade, with the reason", content_type = "application/problem+json")))]
pub async fn api_create_event(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(req): Json<EventRequest>,
) -> Res<(StatusCode, Json<EventJson>)> {
    let me = viewer.require()?;
    let id = create_event(&state, &viewer, me, &req).await?;
    let event = state
        .store
        .event(me.actor.school_id, id, me.actor.person_id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(event_json(&event, &me.time_zone())),
    ))
}

/// Answer an invitation (yes / no / maybe, people, note) until its deadline; answering again
/// changes the answer.
#[utoipa::path(put, path = "/api/v1/events/{id}/rsvp", tag = "calendar", operation_id = "api_rsvp_event", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Event id")), request_body = RsvpRequest,
    responses((status = 200, body = EventJson),
        (status = 403, description = "Not invited to answer (staff, pupils)", content_type = "application/problem+json"),
        (status = 404, description = "No such event, or not one's to see", content_type = "application/problem+json"),
        (status = 409, description = "The deadline has passed, or the event asks for no answers; the reason is given", content_type = "application/problem+json"),
        (status = 422, description = "An unknown answer, people out of 0–20, a note too long", content_type = "application/problem+json")))]
pub async fn api_rsvp(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<RsvpRequest>,
) -> Res<Json<EventJson>> {
    let me = viewer.require()?;
    let event = answer(&state, &viewer, me, &raw, &req).await?;
    Ok(Json(event_json(&event, &me.time_zone())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HomeworkJson {
    pub id: i64,
    pub class_id: i64,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub subject: String,
    pub text: String,
}

fn homework_json(h: &Homework) -> HomeworkJson {
    HomeworkJson {
        id: h.id,
        class_id: h.class_id.0,
        day: h.day.to_string(),
        subject: h.subject.clone(),
        text: h.body.clone(),
    }
}

/// A class's homework for the days `from`–`to`: its staff, leaders, pupils and their guardians.
#[utoipa::path(get, path = "/api/v1/classes/{id}/homework", tag = "calendar", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Class id"), RangeQuery),
    responses((status = 200, body = Vec<HomeworkJson>),
        (status = 404, description = "No such class, or not one's to see", content_type = "application/problem+json"),
        (status = 422, description = "A day that cannot be read, or a range over a year", content_type = "application/problem+json")))]
pub async fn api_homework(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Res<Json<Vec<HomeworkJson>>> {
    let me = viewer.require()?;
    let class = class_for(
        &state,
        &viewer,
        me,
        &raw,
        Action::ViewHomework,
        Action::ViewHomework,
    )
    .await?;
    let (from, to) = day_range(
        &viewer.tr,
        q.from.as_deref(),
        q.to.as_deref(),
        me.today(),
        28,
    )?;
    Ok(Json(
        state
            .store
            .homework_of(me.actor.school_id, &[class.id], from, to)
            .await?
            .iter()
            .map(homework_json)
            .collect(),
    ))
}

/// Give homework for a class and day (grade 3 and up): the class's staff and leaders.
#[utoipa::path(post, path = "/api/v1/classes/{id}/homework", tag = "calendar", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Class id")), request_body = HomeworkRequest,
    responses((status = 201, body = HomeworkJson),
        (status = 403, description = "Not one's class", content_type = "application/problem+json"),
        (status = 404, description = "No such class, or not one's to see", content_type = "application/problem+json"),
        (status = 422, description = "A class below grade 3, a day that cannot be read, an empty or over-long subject or text", content_type = "application/problem+json")))]
pub async fn api_add_homework(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<HomeworkRequest>,
) -> Res<(StatusCode, Json<HomeworkJson>)> {
    let me = viewer.require()?;
    let class = class_for(
        &state,
        &viewer,
        me,
        &raw,
        Action::ManageHomework,
        Action::ViewHomework,
    )
    .await?;
    let h = add_homework(&state, &viewer, me, &class, &req).await?;
    Ok((StatusCode::CREATED, Json(homework_json(&h))))
}
