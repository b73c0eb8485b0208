//! Parent meetings and the parent community (MEE-1..5, DIF-5, PEO-5): the school chooses each
//! class's parent representatives; staff and representatives plan a meeting together (date,
//! place, form, agenda, an invitation in plain language with the tone help); guardians propose
//! themes, vote and reply with their needs; at the meeting groups are drawn, minutes written and
//! published, and the class's communication agreement sets its contact hours. Guardians of a
//! class share a parent board when the school allows it; parent bodies have members and a
//! thread. The rules live in `skolebro_domain::meetings` and `access`; this module wires them.

use crate::moments::{local_input, local_text, rfc3339};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use skolebro_domain::conferences::parse_local_moment;
use skolebro_domain::meetings::{
    self as rules, AgendaProblem, AgreementProblem, Attendee, BodyKind, Channel,
    CommunicationAgreement, DrawProblem, GroupMode, MeetingForm, OfferKind, ScheduleProblem,
    ThemeTally,
};
use skolebro_domain::tone;
use skolebro_domain::{may, Action, ClassId, PersonId, Resource, Role};
use skolebro_store::meetings::{Meeting, MeetingPlan, Rsvp, Theme};
use skolebro_store::people::ClassSummary;
use utoipa::ToSchema;

use crate::error::DetailForPeople;
use crate::i18n::Tr;
use crate::viewer::{html, parse_id, Chrome, CsrfForm, Rendered, SignedIn, Viewer};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(overview_page))
        .route("/classes/{id}/meetings", get(class_page).post(create_form))
        .route("/classes/{id}/representatives", post(representative_form))
        .route("/meetings/{meeting}", get(meeting_page))
        .route("/meetings/{meeting}/plan", post(plan_form))
        .route("/meetings/{meeting}/themes", post(propose_form))
        .route("/meetings/{meeting}/rsvp", post(rsvp_form))
        .route("/meetings/{meeting}/groups", post(groups_form))
        .route("/meetings/{meeting}/minutes", post(minutes_form))
        .route("/meetings/{meeting}/agreement", post(agreement_form))
        .route("/meeting-themes/{theme}/vote", post(vote_form))
        .route("/meeting-themes/{theme}/agenda", post(agenda_form))
        .route(
            "/classes/{id}/parent-board",
            get(board_page).post(board_form),
        )
        .route("/settings/parent-board", post(board_setting_form))
        .route("/parent-bodies", get(bodies_page).post(create_body_form))
        .route("/parent-bodies/{body}", get(body_page))
        .route("/parent-bodies/{body}/members", post(member_form))
        .route("/parent-bodies/{body}/posts", post(body_post_form))
        .route(
            "/api/v1/classes/{id}/meetings",
            get(api_meetings).post(api_create),
        )
        .route("/api/v1/meetings/{meeting}", get(api_meeting))
        .route("/api/v1/meetings/{meeting}/themes", post(api_propose))
        .route("/api/v1/meeting-themes/{theme}/vote", put(api_vote))
        .route("/api/v1/meetings/{meeting}/rsvp", put(api_rsvp))
}

type Res<T> = Result<T, WebError>;

/// Meetings listed per class.
const MEETINGS_PER_CLASS: i64 = 50;
/// Posts shown on a board or in a body's thread.
const POSTS_PER_PAGE: i64 = 50;

// ---------------------------------------------------------------------------------------------
// Errors and helpers

/// A refusal with a text written for people, shown on the error page and as the problem
/// detail.
struct Said(WebError);

impl IntoResponse for Said {
    fn into_response(self) -> Response {
        let mut r = self.0.into_response();
        r.extensions_mut().insert(DetailForPeople);
        r
    }
}

fn unprocessable(text: String) -> Said {
    Said(WebError::Unprocessable(text))
}

fn refuse(text: String) -> Response {
    unprocessable(text).into_response()
}

fn refused(tr: &Tr, key: &str) -> WebError {
    WebError::Refused(tr.t(key))
}

/// The text of a board or parent-body post: several lines, not empty, within the limit.
fn post_text(tr: &Tr, raw: &str) -> Result<String, Said> {
    match skolebro_domain::text::multi_line(raw, rules::MAX_POST_CHARS) {
        Ok(Some(t)) => Ok(t),
        Ok(None) => Err(unprocessable(format!(
            "{}: empty",
            tr.t("meetings-field-post")
        ))),
        Err(p) => Err(unprocessable(format!(
            "{}: {p}",
            tr.t("meetings-field-post")
        ))),
    }
}

fn one_line(tr: &Tr, field: &str, v: &str, max: usize) -> Result<String, Said> {
    skolebro_domain::text::single_line(v, max)
        .map_err(|p| unprocessable(format!("{}: {p}", tr.t(field))))
}

fn optional_text(
    tr: &Tr,
    field: &str,
    v: Option<&str>,
    max: usize,
) -> Result<Option<String>, Said> {
    match v {
        None => Ok(None),
        Some(v) => skolebro_domain::text::multi_line(v, max)
            .map_err(|p| unprocessable(format!("{}: {p}", tr.t(field)))),
    }
}

fn meeting_resource(me: &SignedIn, class_id: ClassId, representative: bool) -> Resource<'static> {
    Resource::Meeting {
        school_id: me.actor.school_id,
        class_id,
        representative,
    }
}

/// What the viewer may do with a class's meetings.
struct Standing {
    representative: bool,
    view: bool,
    plan: bool,
    take_part: bool,
    /// Each family's reply by name; representatives plan with the totals.
    see_replies: bool,
}

async fn standing(state: &AppState, me: &SignedIn, class_id: ClassId) -> Res<Standing> {
    // Only a guardian can be a representative: spares the query for everyone else; `may`
    // decides below.
    let representative = me.actor.has(Role::Guardian)
        && state
            .store
            .is_representative(me.actor.school_id, class_id, me.actor.person_id)
            .await?;
    let r = meeting_resource(me, class_id, representative);
    Ok(Standing {
        representative,
        view: may(&me.actor, Action::ViewMeeting, &r),
        plan: may(&me.actor, Action::PlanMeeting, &r),
        take_part: may(&me.actor, Action::TakePartInMeeting, &r),
        see_replies: may(&me.actor, Action::ViewMeetingReplies, &r),
    })
}

/// Refuses `action` on a class's meetings: 404 to those who may not know of them, 403 with a
/// reason to the rest.
fn deny(me: &SignedIn, tr: &Tr, class_id: ClassId, action: Action) -> WebError {
    if !may(
        &me.actor,
        Action::KnowOfMeeting,
        &meeting_resource(me, class_id, false),
    ) {
        return WebError::NotFound;
    }
    refused(
        tr,
        match action {
            Action::TakePartInMeeting => "meetings-refused-take-part",
            _ => "meetings-refused-plan",
        },
    )
}

/// The class in the path and the viewer's standing, or 404 when they may not know of it.
async fn class_for(state: &AppState, me: &SignedIn, raw: &str) -> Res<(ClassSummary, Standing)> {
    let class_id = ClassId(parse_id(raw)?);
    if !may(
        &me.actor,
        Action::KnowOfMeeting,
        &meeting_resource(me, class_id, false),
    ) {
        return Err(WebError::NotFound);
    }
    let class = state
        .store
        .classes_by_id(me.actor.school_id, &[class_id])
        .await?
        .into_iter()
        .next()
        .ok_or(WebError::NotFound)?;
    let s = standing(state, me, class.id).await?;
    Ok((class, s))
}

/// A meeting the viewer may do `action` to: 404 when they may not know of it (or may not see
/// it and ask to see it), 403 when they may know of it but not do this.
async fn meeting_for(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
    action: Action,
) -> Res<(Meeting, Standing)> {
    let meeting = state
        .store
        .meeting(me.actor.school_id, parse_id(raw)?)
        .await?
        .ok_or(WebError::NotFound)?;
    let s = standing(state, me, meeting.class_id).await?;
    let allowed = match action {
        Action::ViewMeeting => s.view,
        Action::PlanMeeting => s.plan,
        Action::TakePartInMeeting => s.take_part,
        _ => false,
    };
    if !allowed {
        if action == Action::ViewMeeting {
            return Err(WebError::NotFound);
        }
        return Err(deny(me, &viewer.tr, meeting.class_id, action));
    }
    Ok((meeting, s))
}

async fn theme_for(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
    action: Action,
) -> Res<(Meeting, Theme, Standing)> {
    let theme = state
        .store
        .theme(me.actor.school_id, parse_id(raw)?, me.actor.person_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (meeting, s) =
        meeting_for(state, viewer, me, &theme.meeting_id.to_string(), action).await?;
    Ok((meeting, theme, s))
}

fn agenda_problem_text(tr: &Tr, p: AgendaProblem) -> String {
    match p {
        AgendaProblem::EmptyItem(n) => tr.t1("meetings-error-agenda-empty", "n", n),
        AgendaProblem::ItemTooLong(n) | AgendaProblem::Control(n) => {
            tr.t1("meetings-error-agenda-item", "n", n)
        }
        AgendaProblem::TooManyItems => tr.t("meetings-error-agenda-many"),
    }
}

fn schedule_problem_text(tr: &Tr, p: ScheduleProblem) -> String {
    tr.t(match p {
        ScheduleProblem::DeadlineAfterStart => "meetings-error-deadline-late",
        ScheduleProblem::ReminderAfterStart => "meetings-error-reminder-late",
        ScheduleProblem::EndsBeforeStart => "meetings-error-ends",
    })
}

// ---------------------------------------------------------------------------------------------
// Planning (MEE-1, MEE-2)

/// A meeting's plan as typed: local moments `YYYY-MM-DDTHH:MM` in the school's time zone, the
/// agenda one item a line.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Default)]
pub struct PlanRequest {
    #[schema(min_length = 1, pattern = r"\S")]
    pub title: String,
    /// `YYYY-MM-DDTHH:MM`, school time.
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$")]
    pub starts: String,
    /// `YYYY-MM-DDTHH:MM`, school time.
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$")]
    pub ends: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub place: String,
    /// `plenary`, `groups` or `language_groups`.
    #[schema(pattern = r"^(plenary|groups|language_groups)$")]
    pub form: String,
    /// The agenda's items, one a line; a blank line between items is refused.
    #[serde(default)]
    pub agenda: String,
    /// The invitation, in plain language.
    #[serde(default)]
    pub invitation: Option<String>,
    /// `YYYY-MM-DDTHH:MM`: replies close then.
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$")]
    pub rsvp_deadline: String,
    /// `YYYY-MM-DDTHH:MM`: when guardians are reminded; empty for no reminder.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$")]
    pub remind_at: Option<String>,
}

struct CheckedPlan {
    title: String,
    starts_at: i64,
    ends_at: i64,
    place: String,
    form: MeetingForm,
    agenda: Vec<String>,
    invitation: Option<String>,
    rsvp_deadline: i64,
    remind_at: Option<i64>,
}

impl CheckedPlan {
    fn as_plan(&self) -> MeetingPlan<'_> {
        MeetingPlan {
            title: &self.title,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            place: &self.place,
            form: self.form,
            agenda: &self.agenda,
            invitation: self.invitation.as_deref(),
            rsvp_deadline: self.rsvp_deadline,
            remind_at: self.remind_at,
        }
    }
}

/// Checks a plan; the refusal's text names the field.
fn check_plan(tr: &Tr, tz: &TimeZone, req: &PlanRequest, new: bool) -> Result<CheckedPlan, String> {
    let text = |field: &str, v: &str, max| {
        skolebro_domain::text::single_line(v, max).map_err(|p| format!("{}: {p}", tr.t(field)))
    };
    let title = text("meetings-field-title", &req.title, rules::MAX_TITLE_CHARS)?;
    let place = text("meetings-field-place", &req.place, rules::MAX_PLACE_CHARS)?;
    let moment = |field: &str, v: &str| {
        parse_local_moment(v, tz)
            .map(|t| t.as_second())
            .ok_or_else(|| format!("{}: {}", tr.t(field), tr.t("meetings-error-moment")))
    };
    let starts_at = moment("meetings-field-starts", &req.starts)?;
    let ends_at = moment("meetings-field-ends", &req.ends)?;
    let rsvp_deadline = moment("meetings-field-deadline", &req.rsvp_deadline)?;
    let remind_at = match req
        .remind_at
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => Some(moment("meetings-field-remind", r)?),
        None => None,
    };
    let form: MeetingForm = req.form.parse().map_err(|_| {
        format!(
            "{}: {}",
            tr.t("meetings-field-form"),
            tr.t("meetings-error-choice")
        )
    })?;
    let lines: Vec<String> = req.agenda.lines().map(str::to_owned).collect();
    let agenda = rules::agenda(&lines).map_err(|p| agenda_problem_text(tr, p))?;
    let invitation = skolebro_domain::text::multi_line(
        req.invitation.as_deref().unwrap_or(""),
        rules::MAX_INVITATION_CHARS,
    )
    .map_err(|p| format!("{}: {p}", tr.t("meetings-field-invitation")))?;
    rules::check_schedule(starts_at, ends_at, rsvp_deadline, remind_at)
        .map_err(|p| schedule_problem_text(tr, p))?;
    if new && starts_at <= skolebro_store::clock::now().as_second() {
        return Err(tr.t("meetings-error-past"));
    }
    Ok(CheckedPlan {
        title,
        starts_at,
        ends_at,
        place,
        form,
        agenda,
        invitation,
        rsvp_deadline,
        remind_at,
    })
}

// ---------------------------------------------------------------------------------------------
// Themes, votes, replies

/// A theme to propose: a suggestion's key, or a text of one's own.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct ThemeRequest {
    /// A key of the suggestions for the class's grade band (`bedtimes`, `social-media`, …).
    #[serde(default)]
    pub suggestion: Option<String>,
    /// A theme in one's own words (used when no suggestion is given).
    #[serde(default)]
    pub text: Option<String>,
}

async fn propose(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    meeting: &Meeting,
    req: &ThemeRequest,
) -> Result<i64, Said> {
    let tr = &viewer.tr;
    let suggestion = req
        .suggestion
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let (text, key) = match suggestion {
        Some(key) => {
            let band = rules::grade_band(me.school.country, meeting.grade);
            let Some(key) = rules::theme_suggestions(band)
                .into_iter()
                .find(|k| *k == key)
            else {
                return Err(unprocessable(tr.t("meetings-error-suggestion")));
            };
            (tr.t(&format!("meetings-theme-{key}")), Some(key))
        }
        None => (
            one_line(
                tr,
                "meetings-field-theme",
                req.text.as_deref().unwrap_or(""),
                rules::MAX_THEME_CHARS,
            )?,
            None,
        ),
    };
    if skolebro_store::clock::now().as_second() >= meeting.starts_at {
        return Err(Said(WebError::Conflict(tr.t("meetings-error-started"))));
    }
    state
        .store
        .propose_theme(
            me.actor.school_id,
            meeting.id,
            &text,
            key,
            me.actor.person_id,
        )
        .await
        .map_err(|e| Said(WebError::from(e)))
}

/// A reply to the invitation with needs (MEE-1, PEO-4; 004).
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct RsvpRequest {
    pub coming: bool,
    /// An interpreter is needed; the language is the one agreed in the guardian's profile
    /// unless `interpreter_language` names another.
    #[serde(default)]
    pub interpreter: bool,
    #[serde(default)]
    pub interpreter_language: Option<String>,
    /// Siblings who need childcare during the meeting (0–10).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10)]
    pub childcare: i64,
    /// A food or drink contribution.
    #[serde(default)]
    pub contribution: Option<String>,
}

async fn reply(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    meeting: &Meeting,
    req: &RsvpRequest,
) -> Result<(), Said> {
    let tr = &viewer.tr;
    if rules::rsvp_open(
        skolebro_store::clock::now().as_second(),
        meeting.rsvp_deadline,
    )
    .is_err()
    {
        return Err(Said(WebError::Conflict(tr.t1(
            "meetings-error-rsvp-closed",
            "deadline",
            local_text(meeting.rsvp_deadline, &me.time_zone()),
        ))));
    }
    if !(0..=10).contains(&req.childcare) {
        return Err(unprocessable(tr.t("meetings-error-childcare")));
    }
    let interpreter_language = if req.coming && req.interpreter {
        let typed = req
            .interpreter_language
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        let language = match typed {
            Some(l) => Some(one_line(tr, "meetings-field-interpreter-language", l, 60)?),
            None => state
                .store
                .interpreter_language(me.actor.person_id)
                .await
                .map_err(|e| Said(WebError::from(e)))?,
        };
        match language {
            Some(l) => Some(l),
            None => return Err(unprocessable(tr.t("meetings-error-interpreter-language"))),
        }
    } else {
        None
    };
    let contribution = optional_text(
        tr,
        "meetings-field-contribution",
        req.contribution.as_deref(),
        200,
    )?;
    let rsvp = Rsvp {
        coming: req.coming,
        interpreter_language,
        childcare: if req.coming { req.childcare } else { 0 },
        contribution: contribution.filter(|_| req.coming),
    };
    state
        .store
        .rsvp(me.actor.school_id, meeting.id, me.actor.person_id, &rsvp)
        .await
        .map_err(|e| Said(WebError::from(e)))
}

// ---------------------------------------------------------------------------------------------
// JSON

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingSummaryJson {
    pub id: i64,
    pub class_id: i64,
    pub title: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub form: String,
    pub rsvp_deadline: String,
    pub rsvp_open: bool,
}

fn summary_json(m: &Meeting, tz: &TimeZone) -> MeetingSummaryJson {
    MeetingSummaryJson {
        id: m.id,
        class_id: m.class_id.0,
        title: m.title.clone(),
        starts_at: rfc3339(m.starts_at, tz),
        ends_at: rfc3339(m.ends_at, tz),
        place: m.place.clone(),
        form: m.form.as_str().to_owned(),
        rsvp_deadline: rfc3339(m.rsvp_deadline, tz),
        rsvp_open: rules::rsvp_open(skolebro_store::clock::now().as_second(), m.rsvp_deadline)
            .is_ok(),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThemeJson {
    pub id: i64,
    pub text: String,
    pub suggestion: Option<String>,
    pub on_agenda: bool,
    /// Supporting votes: for planners only.
    pub votes: Option<i64>,
    /// Planners' ranking, 1 first: for planners only.
    pub rank: Option<usize>,
    pub my_vote: Option<bool>,
    pub mine: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RsvpJson {
    pub coming: bool,
    pub interpreter_language: Option<String>,
    pub childcare: i64,
    pub contribution: Option<String>,
}

fn rsvp_json(r: &Rsvp) -> RsvpJson {
    RsvpJson {
        coming: r.coming,
        interpreter_language: r.interpreter_language.clone(),
        childcare: r.childcare,
        contribution: r.contribution.clone(),
    }
}

/// An interpreter language asked for, and by how many families.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterpreterCount {
    pub language: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RepliesJson {
    pub coming: usize,
    pub not_coming: usize,
    /// Interpreter languages asked for, with how many.
    pub interpreters: Vec<InterpreterCount>,
    pub childcare: i64,
    pub contributions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingJson {
    #[serde(flatten)]
    pub summary: MeetingSummaryJson,
    pub agenda: Vec<String>,
    pub invitation: Option<String>,
    /// Planners: ranked, most votes first. Others: in the order proposed.
    pub themes: Vec<ThemeJson>,
    pub planner: bool,
    pub my_rsvp: Option<RsvpJson>,
    /// For planners.
    pub replies: Option<RepliesJson>,
    /// Published minutes and decisions (planners also see drafts).
    pub minutes: Option<String>,
    pub decisions: Option<String>,
    pub minutes_published: bool,
    /// The communication agreement: contact hours, channels, answer time in working days.
    pub agreement_hours: Option<String>,
    pub agreement_channels: Vec<String>,
    pub agreement_answer_days: Option<i64>,
}

/// The themes as the viewer may see them: ranked with votes for planners.
fn themes_view(themes: Vec<Theme>, planner: bool) -> Vec<(Theme, Option<usize>)> {
    if !planner {
        return themes.into_iter().map(|t| (t, None)).collect();
    }
    let ranked = rules::rank_themes(
        themes
            .iter()
            .map(|t| ThemeTally {
                id: t.id,
                votes: t.votes,
                proposed_at: t.proposed_at,
            })
            .collect(),
    );
    ranked
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            themes
                .iter()
                .find(|t| t.id == r.id)
                .map(|t| (t.clone(), Some(i + 1)))
        })
        .collect()
}

fn replies_of(rows: &[skolebro_store::meetings::RsvpRow]) -> RepliesJson {
    let mut interpreters: Vec<InterpreterCount> = Vec::new();
    for r in rows.iter().filter(|r| r.rsvp.coming) {
        if let Some(l) = &r.rsvp.interpreter_language {
            match interpreters
                .iter_mut()
                .find(|i| i.language.eq_ignore_ascii_case(l))
            {
                Some(i) => i.count += 1,
                None => interpreters.push(InterpreterCount {
                    language: l.clone(),
                    count: 1,
                }),
            }
        }
    }
    RepliesJson {
        coming: rows.iter().filter(|r| r.rsvp.coming).count(),
        not_coming: rows.iter().filter(|r| !r.rsvp.coming).count(),
        interpreters,
        childcare: rows
            .iter()
            .filter(|r| r.rsvp.coming)
            .map(|r| r.rsvp.childcare)
            .sum(),
        contributions: rows
            .iter()
            .filter_map(|r| r.rsvp.contribution.clone())
            .collect(),
    }
}

async fn meeting_json(
    state: &AppState,
    me: &SignedIn,
    m: &Meeting,
    s: &Standing,
) -> Res<MeetingJson> {
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let themes = state.store.themes(school, m.id, me.actor.person_id).await?;
    let themes = themes_view(themes, s.plan)
        .into_iter()
        .map(|(t, rank)| ThemeJson {
            id: t.id,
            text: t.text.clone(),
            suggestion: t.suggestion.clone(),
            on_agenda: t.on_agenda,
            votes: s.plan.then_some(t.votes),
            rank,
            my_vote: t.my_vote,
            mine: t.proposed_by == me.actor.person_id,
        })
        .collect();
    let my_rsvp = if s.take_part {
        state
            .store
            .my_rsvp(school, m.id, me.actor.person_id)
            .await?
            .as_ref()
            .map(rsvp_json)
    } else {
        None
    };
    let replies = if s.plan {
        Some(replies_of(&state.store.rsvps(school, m.id).await?))
    } else {
        None
    };
    let published = m.minutes_published_at.is_some();
    let show_minutes = s.plan || published;
    Ok(MeetingJson {
        summary: summary_json(m, &tz),
        agenda: m.agenda.clone(),
        invitation: m.invitation.clone(),
        themes,
        planner: s.plan,
        my_rsvp,
        replies,
        minutes: m.minutes.clone().filter(|_| show_minutes),
        decisions: m.decisions.clone().filter(|_| show_minutes),
        minutes_published: published,
        agreement_hours: m.agreement_hours.clone(),
        agreement_channels: m
            .agreement_channels
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        agreement_answer_days: m.agreement_answer_days,
    })
}

// ---------------------------------------------------------------------------------------------
// Pages: overview

struct ClassLine {
    id: i64,
    name: String,
    meetings: Vec<MeetingLine>,
    board: bool,
}

struct MeetingLine {
    id: i64,
    title: String,
    when: String,
}

fn meeting_line(m: &Meeting, tz: &TimeZone) -> MeetingLine {
    MeetingLine {
        id: m.id,
        title: m.title.clone(),
        when: local_text(m.starts_at, tz),
    }
}

#[derive(Template)]
#[template(path = "meetings/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    tr: Tr,
    classes: Vec<ClassLine>,
    leader: bool,
    board_allowed: bool,
}

/// The classes whose meetings the viewer sees: taught classes and children's classes; a leader
/// sees every class.
async fn my_classes(state: &AppState, me: &SignedIn) -> Res<Vec<ClassSummary>> {
    let school = me.actor.school_id;
    // Which classes to list; each meeting shown passes `may(ViewMeeting)`.
    if me.actor.has(Role::Leader) {
        // One page of classes in grade order; each class page has its own meetings.
        return Ok(state.store.school_classes(school, None, 30).await?);
    }
    let mut ids: Vec<ClassId> = me.actor.teaches.iter().map(|l| l.class_id).collect();
    for (_, c) in &me.actor.child_classes {
        ids.push(*c);
    }
    ids.sort();
    ids.dedup();
    let ids: Vec<ClassId> = ids
        .into_iter()
        .filter(|c| {
            may(
                &me.actor,
                Action::ViewMeeting,
                &meeting_resource(me, *c, false),
            )
        })
        .collect();
    Ok(state.store.classes_by_id(school, &ids).await?)
}

async fn overview_page(State(state): State<AppState>, viewer: Viewer) -> Res<Response> {
    let me = viewer.require()?;
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let board_allowed = state.store.parent_board_allowed(school).await?;
    let mut classes = Vec::new();
    for c in my_classes(&state, me).await? {
        let meetings = state
            .store
            .meetings_of_class(school, c.id, 5)
            .await?
            .iter()
            .map(|m| meeting_line(m, &tz))
            .collect();
        let board = may(
            &me.actor,
            Action::ViewParentBoard,
            &Resource::ParentBoard {
                school_id: school,
                class_id: c.id,
                allowed: board_allowed,
            },
        );
        classes.push(ClassLine {
            id: c.id.0,
            name: c.name,
            meetings,
            board,
        });
    }
    html(&OverviewPage {
        chrome: viewer.chrome(),
        tr: viewer.tr,
        classes,
        leader: may(
            &me.actor,
            Action::ManageSchool,
            &Resource::School { school_id: school },
        ),
        board_allowed,
    })
}

// ---------------------------------------------------------------------------------------------
// Pages: a class's meetings, representatives and knit

#[derive(Template)]
#[template(path = "meetings/class.html")]
struct ClassPage {
    chrome: Chrome,
    tr: Tr,
    class_id: i64,
    class_name: String,
    meetings: Vec<MeetingLine>,
    plan: bool,
    forms: Vec<(&'static str, String)>,
    representatives: Vec<String>,
    choose: bool,
    guardians: Vec<(i64, String, bool)>,
    knit: Option<rules::Knit>,
    board: bool,
}

async fn class_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (class, s) = class_for(&state, me, &raw).await?;
    if !s.view {
        return Err(WebError::NotFound);
    }
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let class_res = Resource::Class {
        school_id: school,
        class_id: class.id,
    };
    let reps = state.store.representatives(school, class.id).await?;
    let choose = may(&me.actor, Action::ChooseRepresentatives, &class_res);
    let guardians = if choose {
        state
            .store
            .class_guardians(school, class.id)
            .await?
            .into_iter()
            .map(|g| {
                let rep = reps.iter().any(|r| r.id == g.person.id);
                (g.person.id.0, g.person.full(), rep)
            })
            .collect()
    } else {
        Vec::new()
    };
    let knit = if may(&me.actor, Action::ViewKnit, &class_res) {
        let t = state.store.taking_part(school, class.id).await?;
        Some(rules::knit(
            &t.guardians,
            &t.at_meetings,
            &t.in_planning,
            &t.on_board,
        ))
    } else {
        None
    };
    let allowed = state.store.parent_board_allowed(school).await?;
    let board = may(
        &me.actor,
        Action::ViewParentBoard,
        &Resource::ParentBoard {
            school_id: school,
            class_id: class.id,
            allowed,
        },
    );
    let tr = viewer.tr;
    html(&ClassPage {
        chrome: viewer.chrome(),
        tr,
        class_id: class.id.0,
        class_name: class.name.clone(),
        meetings: state
            .store
            .meetings_of_class(school, class.id, MEETINGS_PER_CLASS)
            .await?
            .iter()
            .map(|m| meeting_line(m, &tz))
            .collect(),
        plan: s.plan,
        forms: MeetingForm::ALL
            .iter()
            .map(|f| (f.as_str(), tr.t(&format!("meetings-form-{}", f.as_str()))))
            .collect(),
        representatives: reps.iter().map(|r| r.full()).collect(),
        choose,
        guardians,
        knit,
        board,
    })
}

async fn create_meeting(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
    req: &PlanRequest,
) -> Result<i64, Said> {
    let (class, s) = class_for(state, me, raw).await.map_err(Said)?;
    if !s.plan {
        return Err(Said(deny(me, &viewer.tr, class.id, Action::PlanMeeting)));
    }
    let plan = check_plan(&viewer.tr, &me.time_zone(), req, true).map_err(unprocessable)?;
    state
        .store
        .create_meeting(
            me.actor.school_id,
            class.id,
            &plan.as_plan(),
            me.actor.person_id,
        )
        .await
        .map_err(|e| Said(WebError::from(e)))
}

#[derive(Deserialize)]
struct PlanForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    invitation: Option<String>,
    #[serde(default)]
    rsvp_deadline: String,
    #[serde(default)]
    remind_at: Option<String>,
    /// `check` shows the tone help without saving.
    #[serde(default)]
    action: Option<String>,
}

impl PlanForm {
    fn request(&self) -> PlanRequest {
        PlanRequest {
            title: self.title.clone(),
            starts: self.starts.clone(),
            ends: self.ends.clone(),
            place: self.place.clone(),
            form: self.form.clone(),
            agenda: self.agenda.clone(),
            invitation: self.invitation.clone(),
            rsvp_deadline: self.rsvp_deadline.clone(),
            remind_at: self.remind_at.clone(),
        }
    }
}

async fn create_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    Ok(
        match create_meeting(&state, &viewer, me, &raw, &form.request()).await {
            Ok(id) => Redirect::to(&format!("/meetings/{id}")).into_response(),
            Err(r) => r.into_response(),
        },
    )
}

#[derive(Deserialize)]
struct RepresentativeForm {
    person: String,
    #[serde(default)]
    representative: String,
}

async fn representative_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<RepresentativeForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (class, _) = class_for(&state, me, &raw).await?;
    let school = me.actor.school_id;
    if !may(
        &me.actor,
        Action::ChooseRepresentatives,
        &Resource::Class {
            school_id: school,
            class_id: class.id,
        },
    ) {
        return Err(refused(&viewer.tr, "meetings-refused-representatives"));
    }
    let person = PersonId(
        form.person
            .trim()
            .parse()
            .map_err(|_| WebError::Unprocessable(viewer.tr.t("meetings-error-guardian")))?,
    );
    let guardians = state.store.class_guardians(school, class.id).await?;
    if !guardians.iter().any(|g| g.person.id == person) {
        return Ok(refuse(viewer.tr.t("meetings-error-guardian")));
    }
    state
        .store
        .set_representative(
            school,
            class.id,
            person,
            me.actor.person_id,
            form.representative == "1",
        )
        .await?;
    Ok(Redirect::to(&format!("/classes/{}/meetings", class.id.0)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Pages: one meeting

struct ThemeLine {
    id: i64,
    text: String,
    votes: i64,
    my_vote: bool,
    on_agenda: bool,
}

struct ReplyLine {
    name: String,
    coming: bool,
    interpreter: Option<String>,
    childcare: i64,
    contribution: Option<String>,
}

struct AdviceLine {
    kind: &'static str,
    message: String,
}

#[derive(Default)]
struct PlanValues {
    title: String,
    starts: String,
    ends: String,
    place: String,
    form: String,
    agenda: String,
    invitation: String,
    rsvp_deadline: String,
    remind_at: String,
}

#[derive(Template)]
#[template(path = "meetings/meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    tr: Tr,
    id: i64,
    class_id: i64,
    class_name: String,
    title: String,
    when: String,
    place: String,
    form_label: String,
    deadline: String,
    rsvp_open: bool,
    agenda: Vec<String>,
    invitation: Option<String>,
    themes: Vec<ThemeLine>,
    suggestions: Vec<(&'static str, String)>,
    planner: bool,
    take_part: bool,
    representative: bool,
    my_rsvp: Option<Rsvp>,
    profile_interpreter: Option<String>,
    replies: Option<RepliesJson>,
    reply_lines: Vec<ReplyLine>,
    groups: Vec<Vec<String>>,
    minutes: Option<String>,
    decisions: Option<String>,
    minutes_published: bool,
    agreement_hours: Option<String>,
    agreement_channels: Vec<String>,
    agreement_answer_days: Option<i64>,
    channels: Vec<(&'static str, String, bool)>,
    values: PlanValues,
    forms: Vec<(&'static str, String, bool)>,
    tone: Option<(String, Vec<AdviceLine>)>,
    error: Option<String>,
}

fn tone_help(tr: &Tr, text: &str) -> (String, Vec<AdviceLine>) {
    let report = tone::analyse(text, tr.lang);
    let advice = report
        .advice
        .iter()
        .map(|a| {
            let id = format!("tone-{}", a.kind.as_str().replace('_', "-"));
            AdviceLine {
                kind: a.kind.as_str(),
                message: tr.t1(&id, "detail", a.detail.clone().unwrap_or_default()),
            }
        })
        .collect();
    (format!("{:.1}", report.lix), advice)
}

async fn render_meeting(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    m: &Meeting,
    s: &Standing,
    typed: Option<(&PlanForm, bool)>,
    error: Option<String>,
) -> Res<Response> {
    let tr = viewer.tr;
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let json = meeting_json(state, me, m, s).await?;
    let themes = json
        .themes
        .iter()
        .map(|t| ThemeLine {
            id: t.id,
            text: t.text.clone(),
            votes: t.votes.unwrap_or(0),
            my_vote: t.my_vote == Some(true),
            on_agenda: t.on_agenda,
        })
        .collect();
    let band = rules::grade_band(me.school.country, m.grade);
    let suggestions = rules::theme_suggestions(band)
        .into_iter()
        .map(|k| (k, tr.t(&format!("meetings-theme-{k}"))))
        .collect();
    let reply_lines = if s.see_replies {
        state
            .store
            .rsvps(school, m.id)
            .await?
            .into_iter()
            .map(|r| ReplyLine {
                name: r.person.full(),
                coming: r.rsvp.coming,
                interpreter: r.rsvp.interpreter_language,
                childcare: r.rsvp.childcare,
                contribution: r.rsvp.contribution,
            })
            .collect()
    } else {
        Vec::new()
    };
    let groups = if s.plan || s.take_part {
        state
            .store
            .groups(school, m.id)
            .await?
            .into_iter()
            .map(|g| {
                g.iter()
                    .filter(|m| crate::people::knows_of_family(me, m.person.id, m.protected))
                    .map(|m| m.person.full())
                    .collect()
            })
            .collect()
    } else {
        Vec::new()
    };
    let profile_interpreter = if s.take_part {
        state.store.interpreter_language(me.actor.person_id).await?
    } else {
        None
    };
    let values = match typed {
        Some((f, _)) => PlanValues {
            title: f.title.clone(),
            starts: f.starts.clone(),
            ends: f.ends.clone(),
            place: f.place.clone(),
            form: f.form.clone(),
            agenda: f.agenda.clone(),
            invitation: f.invitation.clone().unwrap_or_default(),
            rsvp_deadline: f.rsvp_deadline.clone(),
            remind_at: f.remind_at.clone().unwrap_or_default(),
        },
        None => PlanValues {
            title: m.title.clone(),
            starts: local_input(m.starts_at, &tz),
            ends: local_input(m.ends_at, &tz),
            place: m.place.clone(),
            form: m.form.as_str().to_owned(),
            agenda: m.agenda.join("\n"),
            invitation: m.invitation.clone().unwrap_or_default(),
            rsvp_deadline: local_input(m.rsvp_deadline, &tz),
            remind_at: m.remind_at.map(|r| local_input(r, &tz)).unwrap_or_default(),
        },
    };
    let tone = match typed {
        Some((_, true)) => Some(tone_help(&tr, &values.invitation)),
        _ => None,
    };
    let chosen: Vec<String> = json.agreement_channels.clone();
    let page = MeetingPage {
        chrome: viewer.chrome(),
        tr,
        id: m.id,
        class_id: m.class_id.0,
        class_name: m.class_name.clone(),
        title: m.title.clone(),
        when: format!(
            "{} – {}",
            local_text(m.starts_at, &tz),
            local_text(m.ends_at, &tz)
        ),
        place: m.place.clone(),
        form_label: tr.t(&format!("meetings-form-{}", m.form.as_str())),
        deadline: local_text(m.rsvp_deadline, &tz),
        rsvp_open: json.summary.rsvp_open,
        agenda: m.agenda.clone(),
        invitation: m.invitation.clone(),
        themes,
        suggestions,
        planner: s.plan,
        take_part: s.take_part,
        representative: s.representative,
        my_rsvp: if s.take_part {
            state
                .store
                .my_rsvp(school, m.id, me.actor.person_id)
                .await?
        } else {
            None
        },
        profile_interpreter,
        replies: json.replies.clone(),
        reply_lines,
        groups,
        minutes: json.minutes.clone(),
        decisions: json.decisions.clone(),
        minutes_published: json.minutes_published,
        agreement_hours: json.agreement_hours.clone(),
        agreement_channels: json
            .agreement_channels
            .iter()
            .map(|c| tr.t(&format!("meetings-channel-{c}")))
            .collect(),
        agreement_answer_days: json.agreement_answer_days,
        channels: Channel::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str(),
                    tr.t(&format!("meetings-channel-{}", c.as_str())),
                    chosen.iter().any(|x| x == c.as_str()),
                )
            })
            .collect(),
        forms: MeetingForm::ALL
            .iter()
            .map(|f| {
                (
                    f.as_str(),
                    tr.t(&format!("meetings-form-{}", f.as_str())),
                    values.form == f.as_str(),
                )
            })
            .collect(),
        values,
        tone,
        error: error.clone(),
    };
    let mut response = html(&page)?;
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

async fn meeting_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (m, s) = meeting_for(&state, &viewer, me, &raw, Action::ViewMeeting).await?;
    render_meeting(&state, &viewer, me, &m, &s, None, None).await
}

async fn plan_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (m, s) = meeting_for(&state, &viewer, me, &raw, Action::PlanMeeting).await?;
    if form.action.as_deref() == Some("check") {
        return render_meeting(&state, &viewer, me, &m, &s, Some((&form, true)), None).await;
    }
    match check_plan(&viewer.tr, &me.time_zone(), &form.request(), false) {
        Ok(plan) => {
            state
                .store
                .update_meeting(
                    me.actor.school_id,
                    m.id,
                    &plan.as_plan(),
                    me.actor.person_id,
                )
                .await?;
            Ok(Redirect::to(&format!("/meetings/{}", m.id)).into_response())
        }
        Err(text) => {
            render_meeting(&state, &viewer, me, &m, &s, Some((&form, true)), Some(text)).await
        }
    }
}

#[derive(Deserialize)]
struct ThemeForm {
    #[serde(default)]
    suggestion: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

async fn propose_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<ThemeForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (m, _) = meeting_for(&state, &viewer, me, &raw, Action::TakePartInMeeting).await?;
    let req = ThemeRequest {
        suggestion: form.suggestion,
        text: form.text,
    };
    Ok(match propose(&state, &viewer, me, &m, &req).await {
        Ok(_) => Redirect::to(&format!("/meetings/{}#themes", m.id)).into_response(),
        Err(r) => r.into_response(),
    })
}

#[derive(Deserialize)]
struct VoteForm {
    #[serde(default)]
    support: String,
}

async fn vote_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<VoteForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (m, theme, _) = theme_for(&state, &viewer, me, &raw, Action::TakePartInMeeting).await?;
    state
        .store
        .vote(
            me.actor.school_id,
            &theme,
            me.actor.person_id,
            form.support != "0",
        )
        .await?;
    Ok(Redirect::to(&format!("/meetings/{}#themes", m.id)).into_response())
}

async fn agenda_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (m, theme, _) = theme_for(&state, &viewer, me, &raw, Action::PlanMeeting).await?;
    if m.agenda.len() >= rules::MAX_AGENDA_ITEMS && !m.agenda.contains(&theme.text) {
        return Ok(refuse(viewer.tr.t("meetings-error-agenda-many")));
    }
    state
        .store
        .theme_to_agenda(me.actor.school_id, &m, &theme, me.actor.person_id)
        .await?;
    Ok(Redirect::to(&format!("/meetings/{}#agenda", m.id)).into_response())
}

#[derive(Deserialize)]
struct Empty {}

#[derive(Deserialize)]
struct RsvpForm {
    #[serde(default)]
    coming: String,
    #[serde(default)]
    interpreter: Option<String>,
    #[serde(default)]
    interpreter_language: Option<String>,
    #[serde(default)]
    childcare: Option<String>,
    #[serde(default)]
    contribution: Option<String>,
}

async fn rsvp_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<RsvpForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (m, _) = meeting_for(&state, &viewer, me, &raw, Action::TakePartInMeeting).await?;
    let childcare = match form
        .childcare
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => 0,
        Some(c) => match c.parse::<i64>() {
            Ok(n) => n,
            Err(_) => return Ok(refuse(viewer.tr.t("meetings-error-childcare"))),
        },
    };
    let req = RsvpRequest {
        coming: form.coming == "1",
        interpreter: form.interpreter.is_some(),
        interpreter_language: form.interpreter_language,
        childcare,
        contribution: form.contribution,
    };
    Ok(match reply(&state, &viewer, me, &m, &req).await {
        Ok(()) => Redirect::to(&format!("/meetings/{}#rsvp", m.id)).into_response(),
        Err(r) => r.into_response(),
    })
}

#[derive(Deserialize)]
struct GroupsForm {
    #[serde(default)]
    groups: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    seed: Option<String>,
}

async fn groups_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<GroupsForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let (m, _) = meeting_for(&state, &viewer, me, &raw, Action::PlanMeeting).await?;
    let Ok(groups) = form.groups.trim().parse::<usize>() else {
        return Ok(refuse(tr.t("meetings-error-groups")));
    };
    let Ok(mode) = form.mode.parse::<GroupMode>() else {
        return Ok(refuse(format!(
            "{}: {}",
            tr.t("meetings-field-mode"),
            tr.t("meetings-error-choice")
        ))
        .into_response());
    };
    let seed = match form
        .seed
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => match s.parse::<u32>() {
            Ok(n) => i64::from(n),
            Err(_) => return Ok(refuse(tr.t("meetings-error-seed"))),
        },
        None => skolebro_store::clock::now().as_second() % 1_000_000,
    };
    let school = me.actor.school_id;
    let attendees: Vec<Attendee> = state
        .store
        .rsvps(school, m.id)
        .await?
        .into_iter()
        .filter(|r| r.rsvp.coming)
        .map(|r| Attendee {
            person_id: r.person.id,
            language: r.home_language.or(r.rsvp.interpreter_language),
        })
        .collect();
    let drawn = match rules::draw_groups(&attendees, groups, mode, seed as u64) {
        Ok(d) => d,
        Err(p) => {
            return Ok(refuse(tr.t(match p {
                DrawProblem::MoreGroupsThanAttendees => "meetings-error-groups-attendees",
                DrawProblem::NoGroups | DrawProblem::TooManyGroups => "meetings-error-groups",
            }))
            .into_response())
        }
    };
    state
        .store
        .save_groups(school, m.id, mode, seed, &drawn)
        .await?;
    Ok(Redirect::to(&format!("/meetings/{}#groups", m.id)).into_response())
}

#[derive(Deserialize)]
struct MinutesForm {
    #[serde(default)]
    minutes: Option<String>,
    #[serde(default)]
    decisions: Option<String>,
    #[serde(default)]
    publish: Option<String>,
}

async fn minutes_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<MinutesForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let (m, _) = meeting_for(&state, &viewer, me, &raw, Action::PlanMeeting).await?;
    let minutes = match optional_text(
        &tr,
        "meetings-field-minutes",
        form.minutes.as_deref(),
        rules::MAX_MINUTES_CHARS,
    ) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let decisions = match optional_text(
        &tr,
        "meetings-field-decisions",
        form.decisions.as_deref(),
        rules::MAX_DECISION_CHARS * 20,
    ) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let publish = form.publish.is_some();
    if publish && minutes.is_none() {
        return Ok(refuse(tr.t("meetings-error-minutes-empty")));
    }
    state
        .store
        .save_minutes(
            me.actor.school_id,
            m.id,
            minutes.as_deref(),
            decisions.as_deref(),
            publish,
            me.actor.person_id,
        )
        .await?;
    Ok(Redirect::to(&format!("/meetings/{}#minutes", m.id)).into_response())
}

#[derive(Deserialize)]
struct AgreementForm {
    #[serde(default)]
    hours: String,
    #[serde(default)]
    answer_days: String,
    #[serde(default)]
    channel_app: Option<String>,
    #[serde(default)]
    channel_email: Option<String>,
    #[serde(default)]
    channel_sms: Option<String>,
    #[serde(default)]
    channel_phone: Option<String>,
}

async fn agreement_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<AgreementForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let (m, _) = meeting_for(&state, &viewer, me, &raw, Action::PlanMeeting).await?;
    let mut channels = Vec::new();
    for (on, c) in [
        (&form.channel_app, Channel::App),
        (&form.channel_email, Channel::Email),
        (&form.channel_sms, Channel::Sms),
        (&form.channel_phone, Channel::Phone),
    ] {
        if on.is_some() {
            channels.push(c);
        }
    }
    let days = form.answer_days.trim().parse::<i64>().unwrap_or(0);
    let agreement = match CommunicationAgreement::new(&form.hours, &channels, days) {
        Ok(a) => a,
        Err(p) => {
            return Ok(refuse(match p {
                AgreementProblem::Hours(h) => format!("{}: {h}", tr.t("meetings-field-hours")),
                AgreementProblem::NoChannel => tr.t("meetings-error-channels"),
                AgreementProblem::AnswerDays => tr.t("meetings-error-answer-days"),
            })
            .into_response())
        }
    };
    state
        .store
        .save_agreement(me.actor.school_id, &m, &agreement, me.actor.person_id)
        .await?;
    Ok(Redirect::to(&format!("/meetings/{}#agreement", m.id)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The parent board (DIF-5)

struct PostLine {
    kind: String,
    text: String,
    by: String,
    when: String,
}

#[derive(Template)]
#[template(path = "meetings/board.html")]
struct BoardPage {
    chrome: Chrome,
    tr: Tr,
    class_id: i64,
    class_name: String,
    posts: Vec<PostLine>,
    may_post: bool,
    allowed: bool,
    kinds: Vec<(&'static str, String)>,
    older: Option<i64>,
}

async fn board_for(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
    post: bool,
) -> Res<(ClassSummary, bool)> {
    let (class, _) = class_for(state, me, raw).await?;
    let allowed = state.store.parent_board_allowed(me.actor.school_id).await?;
    let r = Resource::ParentBoard {
        school_id: me.actor.school_id,
        class_id: class.id,
        allowed,
    };
    let view = may(&me.actor, Action::ViewParentBoard, &r);
    if post && !may(&me.actor, Action::PostOnParentBoard, &r) {
        return Err(refused(
            &viewer.tr,
            if allowed {
                "meetings-refused-board"
            } else {
                "meetings-refused-board-off"
            },
        ));
    }
    if !post && !view {
        return Err(WebError::NotFound);
    }
    Ok((class, allowed))
}

#[derive(Deserialize)]
struct BoardQuery {
    before: Option<String>,
}

async fn board_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    axum::extract::Query(q): axum::extract::Query<BoardQuery>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (class, allowed) = board_for(&state, &viewer, me, &raw, false).await?;
    let tr = viewer.tr;
    let tz = me.time_zone();
    let before = q.before.as_deref().and_then(|b| b.parse::<i64>().ok());
    let posts = state
        .store
        .board_posts(me.actor.school_id, class.id, before, POSTS_PER_PAGE)
        .await?;
    let older = (posts.len() as i64 == POSTS_PER_PAGE)
        .then(|| posts.last().map(|p| p.id))
        .flatten();
    html(&BoardPage {
        chrome: viewer.chrome(),
        tr,
        class_id: class.id.0,
        class_name: class.name.clone(),
        posts: posts
            .iter()
            .map(|p| PostLine {
                kind: tr.t(&format!("meetings-offer-{}", p.kind.as_str())),
                text: p.text.clone(),
                by: p.posted_by.full(),
                when: local_text(p.posted_at, &tz),
            })
            .collect(),
        may_post: may(
            &me.actor,
            Action::PostOnParentBoard,
            &Resource::ParentBoard {
                school_id: me.actor.school_id,
                class_id: class.id,
                allowed,
            },
        ),
        allowed,
        kinds: OfferKind::ALL
            .iter()
            .map(|k| (k.as_str(), tr.t(&format!("meetings-offer-{}", k.as_str()))))
            .collect(),
        older,
    })
}

#[derive(Deserialize)]
struct BoardForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

async fn board_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<BoardForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let (class, _) = board_for(&state, &viewer, me, &raw, true).await?;
    let Ok(kind) = form.kind.parse::<OfferKind>() else {
        return Ok(refuse(format!(
            "{}: {}",
            tr.t("meetings-field-offer"),
            tr.t("meetings-error-choice")
        ))
        .into_response());
    };
    let text = match post_text(&tr, &form.text) {
        Ok(t) => t,
        Err(refused) => return Ok(refused.into_response()),
    };
    state
        .store
        .add_board_post(
            me.actor.school_id,
            class.id,
            kind,
            &text,
            me.actor.person_id,
        )
        .await?;
    Ok(Redirect::to(&format!("/classes/{}/parent-board", class.id.0)).into_response())
}

#[derive(Deserialize)]
struct BoardSettingForm {
    #[serde(default)]
    allowed: Option<String>,
}

async fn board_setting_form(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<BoardSettingForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let school = me.actor.school_id;
    if !may(
        &me.actor,
        Action::ManageSchool,
        &Resource::School { school_id: school },
    ) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .set_parent_board(school, form.allowed.as_deref() == Some("1"))
        .await?;
    Ok(Redirect::to("/meetings").into_response())
}

// ---------------------------------------------------------------------------------------------
// Parent bodies (PEO-5)

struct BodyLine {
    id: i64,
    name: String,
    kind: String,
}

#[derive(Template)]
#[template(path = "meetings/bodies.html")]
struct BodiesPage {
    chrome: Chrome,
    tr: Tr,
    bodies: Vec<BodyLine>,
    leader: bool,
    kinds: Vec<(&'static str, String)>,
}

fn is_leader(me: &SignedIn) -> bool {
    may(
        &me.actor,
        Action::ManageSchool,
        &Resource::School {
            school_id: me.actor.school_id,
        },
    )
}

async fn bodies_page(State(state): State<AppState>, viewer: Viewer) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let leader = is_leader(me);
    let bodies = state
        .store
        .bodies(me.actor.school_id, (!leader).then_some(me.actor.person_id))
        .await?;
    html(&BodiesPage {
        chrome: viewer.chrome(),
        tr,
        bodies: bodies
            .iter()
            .map(|b| BodyLine {
                id: b.id,
                name: b.name.clone(),
                kind: tr.t(&format!("meetings-body-{}", b.kind.as_str())),
            })
            .collect(),
        leader,
        kinds: BodyKind::ALL
            .iter()
            .map(|k| (k.as_str(), tr.t(&format!("meetings-body-{}", k.as_str()))))
            .collect(),
    })
}

#[derive(Deserialize)]
struct BodyForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

async fn create_body_form(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<BodyForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    if !is_leader(me) {
        return Err(WebError::NotFound);
    }
    let Ok(kind) = form.kind.parse::<BodyKind>() else {
        return Ok(refuse(format!(
            "{}: {}",
            tr.t("meetings-field-body-kind"),
            tr.t("meetings-error-choice")
        ))
        .into_response());
    };
    let name = match one_line(
        &tr,
        "meetings-field-body-name",
        &form.name,
        rules::MAX_TITLE_CHARS,
    ) {
        Ok(n) => n,
        Err(r) => return Ok(r.into_response()),
    };
    let id = state
        .store
        .create_body(me.actor.school_id, kind, &name, me.actor.person_id)
        .await?;
    Ok(Redirect::to(&format!("/parent-bodies/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "meetings/body.html")]
struct BodyPage {
    chrome: Chrome,
    tr: Tr,
    id: i64,
    name: String,
    kind: String,
    members: Vec<String>,
    posts: Vec<PostLine>,
    leader: bool,
}

/// A body the viewer takes part in, or 404; with `manage`, 403 for a member who may not.
async fn body_for(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
    manage: bool,
) -> Res<skolebro_store::meetings::ParentBody> {
    let body = state
        .store
        .body(me.actor.school_id, parse_id(raw)?)
        .await?
        .ok_or(WebError::NotFound)?;
    let member = state
        .store
        .is_body_member(body.id, me.actor.person_id)
        .await?;
    if !may(
        &me.actor,
        Action::TakePartInBody,
        &Resource::ParentBody {
            school_id: me.actor.school_id,
            member,
        },
    ) {
        return Err(WebError::NotFound);
    }
    if manage && !is_leader(me) {
        return Err(refused(&viewer.tr, "meetings-refused-body-members"));
    }
    Ok(body)
}

async fn body_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let tz = me.time_zone();
    let body = body_for(&state, &viewer, me, &raw, false).await?;
    let school = me.actor.school_id;
    html(&BodyPage {
        chrome: viewer.chrome(),
        tr,
        id: body.id,
        name: body.name.clone(),
        kind: tr.t(&format!("meetings-body-{}", body.kind.as_str())),
        members: state
            .store
            .body_members(school, body.id)
            .await?
            .iter()
            .map(|p| p.full())
            .collect(),
        posts: state
            .store
            .body_posts(school, body.id, POSTS_PER_PAGE)
            .await?
            .iter()
            .map(|p| PostLine {
                kind: String::new(),
                text: p.text.clone(),
                by: p.author.full(),
                when: local_text(p.posted_at, &tz),
            })
            .collect(),
        leader: is_leader(me),
    })
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    username: String,
}

async fn member_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let body = body_for(&state, &viewer, me, &raw, true).await?;
    let school = me.actor.school_id;
    let person = match skolebro_domain::text::username(&form.username) {
        Ok(u) => state.store.person_by_username(&u).await?,
        Err(_) => None,
    };
    let person = match person {
        Some(p) if state.store.is_of_school(school, p).await? => p,
        _ => return Ok(refuse(viewer.tr.t("meetings-error-member"))),
    };
    state.store.add_body_member(school, body.id, person).await?;
    Ok(Redirect::to(&format!("/parent-bodies/{}", body.id)).into_response())
}

#[derive(Deserialize)]
struct BodyPostForm {
    #[serde(default)]
    text: String,
}

async fn body_post_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<BodyPostForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let body = body_for(&state, &viewer, me, &raw, false).await?;
    let text = match post_text(&tr, &form.text) {
        Ok(t) => t,
        Err(refused) => return Ok(refused.into_response()),
    };
    state
        .store
        .add_body_post(me.actor.school_id, body.id, me.actor.person_id, &text)
        .await?;
    Ok(Redirect::to(&format!("/parent-bodies/{}", body.id)).into_response())
}

// ---------------------------------------------------------------------------------------------
// API

/// A class's parent meetings, the latest first: the class's staff, leaders and guardians.
#[utoipa::path(get, path = "/api/v1/classes/{id}/meetings", tag = "meetings",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, body = Vec<MeetingSummaryJson>), (status = 404)))]
pub async fn api_meetings(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<Vec<MeetingSummaryJson>>> {
    let me = viewer.require()?;
    let (class, s) = class_for(&state, me, &raw).await?;
    if !s.view {
        return Err(WebError::NotFound);
    }
    let tz = me.time_zone();
    Ok(Json(
        state
            .store
            .meetings_of_class(me.actor.school_id, class.id, MEETINGS_PER_CLASS)
            .await?
            .iter()
            .map(|m| summary_json(m, &tz))
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Plan a parent meeting for a class: its staff, leaders and its parent representatives.
#[utoipa::path(post, path = "/api/v1/classes/{id}/meetings", tag = "meetings", operation_id = "api_create_meeting",
    request_body = PlanRequest, security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 201, body = Created), (status = 403, description = "Not a planner of the class"), (status = 404),
        (status = 422, description = "A field, the agenda (an empty item) or the times not accepted, with the reason")))]
pub async fn api_create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<PlanRequest>,
) -> Res<Response> {
    let me = viewer.require()?;
    Ok(
        match create_meeting(&state, &viewer, me, &raw, &req).await {
            Ok(id) => (StatusCode::CREATED, Json(Created { id })).into_response(),
            Err(r) => r.into_response(),
        },
    )
}

/// A meeting: agenda, invitation, themes (ranked with votes for planners), the viewer's reply,
/// replies and needs for planners, published minutes and the communication agreement.
#[utoipa::path(get, path = "/api/v1/meetings/{meeting}", tag = "meetings",
    security(("bearer" = [])), params(("meeting" = i64, Path, description = "Meeting id")),
    responses((status = 200, body = MeetingJson), (status = 404)))]
pub async fn api_meeting(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<MeetingJson>> {
    let me = viewer.require()?;
    let (m, s) = meeting_for(&state, &viewer, me, &raw, Action::ViewMeeting).await?;
    Ok(Json(meeting_json(&state, me, &m, &s).await?))
}

/// Propose a theme for the meeting: a suggestion for the class's grade band or one's own
/// words. Guardians of the class.
#[utoipa::path(post, path = "/api/v1/meetings/{meeting}/themes", tag = "meetings",
    request_body = ThemeRequest, security(("bearer" = [])), params(("meeting" = i64, Path, description = "Meeting id")),
    responses((status = 201, body = Created), (status = 403, description = "No child in the class"), (status = 404),
        (status = 409, description = "The meeting has begun"),
        (status = 422, description = "An empty or too long theme, or an unknown suggestion")))]
pub async fn api_propose(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<ThemeRequest>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (m, _) = meeting_for(&state, &viewer, me, &raw, Action::TakePartInMeeting).await?;
    Ok(match propose(&state, &viewer, me, &m, &req).await {
        Ok(id) => (StatusCode::CREATED, Json(Created { id })).into_response(),
        Err(r) => r.into_response(),
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct VoteRequest {
    /// `true` supports the theme, `false` withdraws support. Voting again replaces the vote.
    pub support: bool,
}

/// Vote on a theme; a second vote replaces the first. Guardians of the class.
#[utoipa::path(put, path = "/api/v1/meeting-themes/{theme}/vote", tag = "meetings",
    request_body = VoteRequest, security(("bearer" = [])), params(("theme" = i64, Path, description = "Theme id")),
    responses((status = 204), (status = 403, description = "No child in the class"), (status = 404)))]
pub async fn api_vote(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<VoteRequest>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let (_, theme, _) = theme_for(&state, &viewer, me, &raw, Action::TakePartInMeeting).await?;
    state
        .store
        .vote(me.actor.school_id, &theme, me.actor.person_id, req.support)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reply to the invitation with needs: an interpreter (in the language agreed in one's
/// profile, PEO-4), childcare for siblings, a food or drink contribution. Replying again
/// replaces the reply; after the deadline the reply is refused. Guardians of the class.
#[utoipa::path(put, path = "/api/v1/meetings/{meeting}/rsvp", tag = "meetings", operation_id = "api_rsvp_meeting",
    request_body = RsvpRequest, security(("bearer" = [])), params(("meeting" = i64, Path, description = "Meeting id")),
    responses((status = 204), (status = 403, description = "No child in the class"), (status = 404),
        (status = 409, description = "The reply deadline has passed"),
        (status = 422, description = "Childcare out of range, or an interpreter without a language")))]
pub async fn api_rsvp(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<RsvpRequest>,
) -> Res<Response> {
    let me = viewer.require()?;
    let (m, _) = meeting_for(&state, &viewer, me, &raw, Action::TakePartInMeeting).await?;
    Ok(match reply(&state, &viewer, me, &m, &req).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => r.into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use skolebro_domain::Lang;

    /// Every theme suggestion has a text in Danish, Norwegian Bokmål and English.
    #[test]
    fn every_theme_suggestion_is_worded_in_three_languages() {
        for lang in [Lang::Da, Lang::Nb, Lang::En] {
            let tr = Tr::new(lang);
            for key in rules::all_theme_keys() {
                let id = format!("meetings-theme-{key}");
                assert_ne!(tr.t(&id), id, "{id} lacks a text in {lang:?}");
            }
        }
        assert_ne!(
            Tr::new(Lang::Da).t("meetings-theme-bedtimes"),
            Tr::new(Lang::En).t("meetings-theme-bedtimes")
        );
    }
}
