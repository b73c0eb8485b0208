//! People pages and API: the overview per role, a class, a pupil, one's profile.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use skolebro_domain::{may, Access, Action, ClassId, Lang, PersonId, Resource, Role};
use skolebro_store::people::{ClassSummary, Guardian, PupilDetail, StaffLink};
use utoipa::ToSchema;

use crate::i18n::Tr;
use crate::viewer::{html, parse_id, Chrome, CsrfForm, SignedIn, Viewer};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/overview", get(overview))
        .route("/classes/{id}", get(class_page))
        .route("/pupils/{id}", get(pupil_page))
        .route("/profile", get(profile))
        .route("/profile/language", post(set_language))
        .route("/api/v1/me", get(api_me))
        .route("/api/v1/classes/{id}", get(api_class))
        .route("/api/v1/pupils/{id}", get(api_pupil))
}

// ---------------------------------------------------------------------------------------------
// What a viewer may see of a guardian: shared by the pages and the API.

/// A guardian as one viewer may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuardianView {
    pub id: i64,
    pub name: String,
    /// `full`, `info` or `none` (PEO-2).
    #[schema(value_type = String, example = "full")]
    pub access: Access,
    /// The child's home the guardian belongs to: 1, or 2 for a second home.
    pub household: i64,
    /// Whether the guardian's contact details are protected (PEO-3). When they are, `contact`
    /// is present only for the school's responsible staff.
    pub protected: bool,
    pub contact: Option<ContactView>,
    /// The interpreter language agreed with the guardian, shown to staff (PEO-4).
    pub interpreter: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// Where a guardian is shown: protected details may appear on a pupil's record for responsible
/// staff, never in a class list (PEO-3).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Listing {
    PupilRecord,
    ClassList,
}

/// Whether the viewer may be shown that this guardian exists (a protected family is named to
/// the school and to itself only).
pub(crate) fn knows_of_family(me: &SignedIn, guardian_id: PersonId, protected: bool) -> bool {
    may(
        &me.actor,
        Action::KnowOfFamily,
        &Resource::Family {
            school_id: me.actor.school_id,
            guardian_id,
            protected,
        },
    )
}

async fn guardian_views(
    state: &AppState,
    me: &SignedIn,
    pupil_id: PersonId,
    classes: &[ClassId],
    guardians: &[Guardian],
    listing: Listing,
) -> Result<Vec<GuardianView>, WebError> {
    let mut out = Vec::with_capacity(guardians.len());
    for g in guardians
        .iter()
        .filter(|g| knows_of_family(me, g.person.id, g.contact.protected))
    {
        let resource = Resource::GuardianContact {
            school_id: me.actor.school_id,
            pupil_id,
            classes,
            guardian_id: g.person.id,
            protected: g.contact.protected,
        };
        let shown = may(&me.actor, Action::ViewContact, &resource)
            && !(g.contact.protected && listing == Listing::ClassList);
        if shown && g.contact.protected && me.actor.person_id != g.person.id {
            state
                .store
                .audit(
                    me.actor.school_id,
                    Some(me.actor.person_id),
                    "read",
                    "protected_contact",
                    g.person.id.0,
                    Some(&format!("pupil {pupil_id}")),
                )
                .await?;
        }
        let staff_view = may(&me.actor, Action::ViewInterpreterNeed, &resource);
        out.push(GuardianView {
            id: g.person.id.0,
            name: g.person.full(),
            access: g.access,
            household: g.household,
            protected: g.contact.protected,
            contact: shown.then(|| ContactView {
                email: g.contact.email.clone(),
                phone: g.contact.phone.clone(),
                address: g.contact.address.clone(),
            }),
            interpreter: if staff_view {
                g.interpreter.as_ref().map(|i| i.language.clone())
            } else {
                None
            },
        });
    }
    Ok(out)
}

/// Loads a pupil the viewer may see, or answers 404 as if it did not exist.
async fn visible_pupil(
    state: &AppState,
    me: &SignedIn,
    raw_id: &str,
) -> Result<PupilDetail, WebError> {
    let id = PersonId(parse_id(raw_id)?);
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
    if !may(&me.actor, Action::View, &resource) {
        return Err(WebError::NotFound);
    }
    Ok(pupil)
}

// ---------------------------------------------------------------------------------------------
// Overview

struct ChildCard {
    id: i64,
    name: String,
    classes: Vec<ClassSummary>,
    contact_teachers: Vec<String>,
    info_only: bool,
}

struct ClassCard {
    id: i64,
    name: String,
    pupils: i64,
    contact_teacher: bool,
}

#[derive(Template)]
#[template(path = "people/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    tr: Tr,
    greeting: String,
    is_guardian: bool,
    children: Vec<ChildCard>,
    is_staff: bool,
    classes: Vec<ClassCard>,
    own_class: Option<ChildCard>,
    school: Option<SchoolOverview>,
    /// The newest posts (MSG-5) and the unread conversations.
    posts: Vec<crate::posts::PostCard>,
    unread: i64,
    events: Vec<crate::calendar::EventCard>,
}

struct SchoolOverview {
    counts: Vec<String>,
    classes: Vec<ClassSummary>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct OverviewQuery {
    /// The last class of the previous page, as `grade:name`.
    after: Option<String>,
}

const CLASSES_PER_PAGE: i64 = 60;

fn contact_teacher_names(staff: &[StaffLink]) -> Vec<String> {
    let mut names: Vec<String> = staff
        .iter()
        .filter(|s| s.contact_teacher)
        .map(|s| s.person.full())
        .collect();
    names.dedup();
    names
}

async fn child_card(
    state: &AppState,
    me: &SignedIn,
    pupil: PersonId,
    access: Access,
) -> Result<Option<ChildCard>, WebError> {
    let Some(detail) = state.store.pupil_detail(me.actor.school_id, pupil).await? else {
        return Ok(None);
    };
    Ok(Some(ChildCard {
        id: detail.person.id.0,
        name: detail.person.full(),
        contact_teachers: contact_teacher_names(&detail.staff),
        classes: detail.classes,
        info_only: access == Access::Info,
    }))
}

async fn overview(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<OverviewQuery>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let actor = &me.actor;
    let tr = viewer.tr;

    let mut children = Vec::new();
    // The overview's sections follow the person's roles; each child passes `may(View)`.
    if actor.has(Role::Guardian) {
        for link in &actor.children {
            let classes = [];
            let visible = may(
                actor,
                Action::View,
                &Resource::Pupil {
                    school_id: actor.school_id,
                    pupil_id: link.pupil_id,
                    classes: &classes,
                },
            );
            if visible {
                if let Some(card) = child_card(&state, me, link.pupil_id, link.access).await? {
                    children.push(card);
                }
            }
        }
    }

    let mut classes = Vec::new();
    // The person's own classes, for the page; decides nothing.
    if actor.has(Role::Staff) {
        let ids: Vec<ClassId> = actor.teaches.iter().map(|l| l.class_id).collect();
        for c in state.store.classes_by_id(actor.school_id, &ids).await? {
            classes.push(ClassCard {
                id: c.id.0,
                contact_teacher: actor
                    .teaches
                    .iter()
                    .any(|l| l.class_id == c.id && l.contact_teacher),
                name: c.name,
                pupils: c.pupil_count,
            });
        }
    }

    let own_class = if actor.has(Role::Pupil) {
        child_card(&state, me, actor.person_id, Access::Full).await?
    } else {
        None
    };

    let school = if may(
        actor,
        Action::View,
        &Resource::School {
            school_id: actor.school_id,
        },
    ) {
        let counts = state.store.school_counts(actor.school_id).await?;
        let count = |r: Role| counts.get(&r).copied().unwrap_or(0);
        let after = query
            .after
            .as_deref()
            .and_then(|a| a.split_once(':'))
            .and_then(|(g, n)| g.parse::<i64>().ok().map(|g| (g, n)));
        let page = state
            .store
            .school_classes(actor.school_id, after, CLASSES_PER_PAGE)
            .await?;
        let next = (page.len() as i64 == CLASSES_PER_PAGE)
            .then(|| page.last().map(|c| format!("{}:{}", c.grade, c.name)))
            .flatten();
        Some(SchoolOverview {
            counts: vec![
                tr.t1("overview-pupils-count", "count", count(Role::Pupil)),
                tr.t1("overview-guardians-count", "count", count(Role::Guardian)),
                tr.t1("overview-staff-count", "count", count(Role::Staff)),
            ],
            classes: page,
            next,
        })
    } else {
        None
    };

    // The newest posts: a fixed number of queries whatever the history.
    let posts = crate::posts::overview_posts(&state, me, &tr).await?;
    // The next events of the person's calendar (MSG-6): one query.
    let events = crate::calendar::overview_events(&state, me).await?;

    html(&OverviewPage {
        chrome: viewer.chrome(),
        tr,
        posts,
        events,
        unread: me.unread,
        greeting: tr.t1("overview-greeting", "name", &me.me.person.given_name),
        // Shapes the page: which sections it has; decides nothing.
        is_guardian: actor.has(Role::Guardian),
        children,
        is_staff: actor.has(Role::Staff),
        classes,
        own_class,
        school,
    })
}

// ---------------------------------------------------------------------------------------------
// Class

struct PupilRow {
    id: i64,
    name: String,
    guardians: Vec<GuardianView>,
}

#[derive(Template)]
#[template(path = "people/class.html")]
struct ClassPage {
    chrome: Chrome,
    tr: Tr,
    title: String,
    grade: String,
    staff: Vec<(String, bool)>,
    pupils: Vec<PupilRow>,
}

/// A class the viewer may see, with its guardians as the viewer may see them.
async fn visible_class(
    state: &AppState,
    me: &SignedIn,
    raw_id: &str,
) -> Result<(skolebro_store::people::ClassDetail, Vec<Vec<GuardianView>>), WebError> {
    let class_id = ClassId(parse_id(raw_id)?);
    let resource = Resource::Class {
        school_id: me.actor.school_id,
        class_id,
    };
    if !may(&me.actor, Action::View, &resource) {
        return Err(WebError::NotFound);
    }
    let detail = state
        .store
        .class_detail(me.actor.school_id, class_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut guardians = Vec::with_capacity(detail.pupils.len());
    for p in &detail.pupils {
        guardians.push(
            guardian_views(
                state,
                me,
                p.person.id,
                &[class_id],
                &p.guardians,
                Listing::ClassList,
            )
            .await?,
        );
    }
    Ok((detail, guardians))
}

async fn class_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let (detail, guardians) = visible_class(&state, me, &id).await?;
    html(&ClassPage {
        chrome: viewer.chrome(),
        tr,
        title: tr.t1("class-title", "name", &detail.class.name),
        grade: tr.t1("class-grade", "grade", detail.class.grade),
        staff: detail
            .staff
            .iter()
            .map(|s| (s.person.full(), s.contact_teacher))
            .collect(),
        pupils: detail
            .pupils
            .into_iter()
            .zip(guardians)
            .map(|(p, g)| PupilRow {
                id: p.person.id.0,
                name: p.person.full(),
                guardians: g,
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Pupil

#[derive(Template)]
#[template(path = "people/pupil.html")]
struct PupilPage {
    chrome: Chrome,
    tr: Tr,
    id: i64,
    /// Staff of the pupil keep the record of calls and talks with the family (MSG-9).
    may_log: bool,
    name: String,
    classes: Vec<(i64, String, bool)>,
    guardians: Vec<GuardianView>,
    staff: Vec<(String, bool)>,
}

async fn pupil_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let pupil = visible_pupil(&state, me, &id).await?;
    let classes = pupil.class_ids();
    let guardians = guardian_views(
        &state,
        me,
        pupil.person.id,
        &classes,
        &pupil.guardians,
        Listing::PupilRecord,
    )
    .await?;
    let class_links = pupil
        .classes
        .iter()
        .map(|c| {
            let linked = may(
                &me.actor,
                Action::View,
                &Resource::Class {
                    school_id: me.actor.school_id,
                    class_id: c.id,
                },
            );
            (c.id.0, c.name.clone(), linked)
        })
        .collect();
    let mut staff: Vec<(String, bool)> = pupil
        .staff
        .iter()
        .map(|s| (s.person.full(), s.contact_teacher))
        .collect();
    staff.dedup();
    let may_log = may(
        &me.actor,
        Action::LogConversation,
        &Resource::Pupil {
            school_id: pupil.school_id,
            pupil_id: pupil.person.id,
            classes: &classes,
        },
    );
    html(&PupilPage {
        chrome: viewer.chrome(),
        tr: viewer.tr,
        id: pupil.person.id.0,
        may_log,
        name: pupil.person.full(),
        classes: class_links,
        guardians,
        staff,
    })
}

// ---------------------------------------------------------------------------------------------
// Profile

/// Messages the profile page shows after a change.
#[derive(Default)]
pub struct ProfileMessages {
    pub notice: Option<String>,
    pub password_error: Option<String>,
}

#[derive(Template)]
#[template(path = "people/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    tr: Tr,
    name: String,
    username: String,
    languages: Vec<(&'static str, String, bool)>,
    follow_browser: bool,
    messages: ProfileMessages,
}

/// The profile page, with `messages` from a change just made.
pub async fn profile_page(
    _state: &AppState,
    viewer: &Viewer,
    messages: ProfileMessages,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    html(&ProfilePage {
        chrome: viewer.chrome(),
        tr,
        name: me.me.person.full(),
        username: me.me.username.clone().unwrap_or_default(),
        languages: Lang::ALL
            .iter()
            .map(|l| {
                (
                    l.as_str(),
                    tr.t(&format!("lang-{}", l.as_str())),
                    me.me.language == Some(*l),
                )
            })
            .collect(),
        follow_browser: me.me.language.is_none(),
        messages,
    })
}

#[derive(Deserialize)]
struct ProfileQuery {
    saved: Option<String>,
}

async fn profile(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ProfileQuery>,
) -> Result<Response, WebError> {
    let messages = ProfileMessages {
        notice: query.saved.map(|_| viewer.tr.t("profile-language-saved")),
        password_error: None,
    };
    profile_page(&state, &viewer, messages).await
}

#[derive(Deserialize)]
struct LanguageForm {
    language: String,
}

async fn set_language(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<LanguageForm>,
) -> Result<Redirect, WebError> {
    let me = viewer.require()?;
    let person_id = me.actor.person_id;
    if !may(
        &me.actor,
        Action::EditOwnProfile,
        &Resource::Profile { person_id },
    ) {
        return Err(WebError::NotFound);
    }
    let lang = match form.language.as_str() {
        "" | "browser" => None,
        other => Some(
            other
                .parse::<Lang>()
                .map_err(|e| WebError::BadRequest(e.to_string()))?,
        ),
    };
    state.store.set_language(person_id, lang).await?;
    // Post/redirect/get: the next page already speaks the new language.
    Ok(Redirect::to("/profile?saved=1"))
}

// ---------------------------------------------------------------------------------------------
// API

/// A class, by id and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassRef {
    pub id: i64,
    pub name: String,
}

/// A person, by id and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
}

/// A child of the signed-in guardian.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildRef {
    pub id: i64,
    pub name: String,
    /// The child's class this school year; null when not enrolled.
    pub class: Option<ClassRef>,
    /// `full` or `info` (PEO-2).
    #[schema(value_type = String, example = "full")]
    pub access: Access,
}

/// `GET /api/v1/me`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub id: i64,
    pub name: String,
    /// Any of `leader`, `staff`, `guardian`, `pupil`.
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
    /// The interface language the person chose (`da`, `nb`, `en`); null follows the browser.
    #[schema(value_type = Option<String>)]
    pub language: Option<Lang>,
    pub school: PersonRef,
    pub children: Vec<ChildRef>,
    /// Classes the person teaches, or, for a pupil, is enrolled in.
    pub classes: Vec<ClassRef>,
    /// The person's secret iCalendar feed (events, conferences, homework): subscribe to it
    /// from a phone calendar. Revoked and renewed on the calendar settings page; `null` after
    /// it was revoked, until a new address is made there (reading this never makes one).
    pub calendar_feed_url: Option<String>,
    /// Whether the person revoked their feed.
    pub calendar_feed_revoked: bool,
}

fn class_ref(c: &ClassSummary) -> ClassRef {
    ClassRef {
        id: c.id.0,
        name: c.name.clone(),
    }
}

/// Who is signed in: roles, children, classes.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "people",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MeResponse),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
    )
)]
pub async fn api_me(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
) -> Result<Json<MeResponse>, WebError> {
    let me = viewer.require()?;
    let actor = &me.actor;
    // The children's names and classes from the links the session already loaded: a name and
    // a class a child, not each child's whole record (this answers every app start).
    let links: Vec<_> = actor
        .children
        .iter()
        // Describes the person's own links (what they are shown), not a right over others.
        .filter(|l| matches!(l.access, Access::Full | Access::Info) && actor.has(Role::Guardian))
        .collect();
    let ids: Vec<PersonId> = links.iter().map(|l| l.pupil_id).collect();
    let names = state.store.names(actor.school_id, &ids).await?;
    let class_of = |pupil: PersonId| {
        actor
            .child_classes
            .iter()
            .find(|(p, _)| *p == pupil)
            .map(|(_, c)| *c)
    };
    let child_class_ids: Vec<ClassId> = ids.iter().filter_map(|p| class_of(*p)).collect();
    let child_classes = state
        .store
        .classes_by_id(actor.school_id, &child_class_ids)
        .await?;
    let mut children = Vec::new();
    for link in links {
        let Some(name) = names.iter().find(|n| n.id == link.pupil_id) else {
            continue;
        };
        let class = class_of(link.pupil_id)
            .and_then(|c| child_classes.iter().find(|k| k.id == c))
            .map(class_ref);
        children.push(ChildRef {
            id: name.id.0,
            name: name.full(),
            class,
            access: link.access,
        });
    }
    let mut class_ids: Vec<ClassId> = Vec::new();
    // The person's own classes, for the page; decides nothing.
    if actor.has(Role::Staff) {
        class_ids.extend(actor.teaches.iter().map(|l| l.class_id));
    }
    if actor.has(Role::Pupil) {
        class_ids.extend(actor.enrolled.iter().copied());
    }
    let classes = state
        .store
        .classes_by_id(actor.school_id, &class_ids)
        .await?;
    let mut roles = actor.roles.clone();
    roles.sort();
    let feed = crate::calendar::my_feed_url(&state, &viewer, &headers, me).await?;
    Ok(Json(MeResponse {
        id: actor.person_id.0,
        name: me.me.person.full(),
        roles,
        language: me.me.language,
        school: PersonRef {
            id: me.school.id.0,
            name: me.school.name.clone(),
        },
        children,
        classes: classes.iter().map(class_ref).collect(),
        calendar_feed_revoked: feed.is_none(),
        calendar_feed_url: feed,
    }))
}

/// A staff member of a class or pupil.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffRef {
    pub id: i64,
    pub name: String,
    pub contact_teacher: bool,
}

/// A pupil in a class listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassPupil {
    pub id: i64,
    pub name: String,
    pub guardians: Vec<GuardianView>,
}

/// `GET /api/v1/classes/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassResponse {
    pub id: i64,
    pub name: String,
    pub grade: i64,
    pub school_year: String,
    pub staff: Vec<StaffRef>,
    pub pupils: Vec<ClassPupil>,
}

fn staff_refs(staff: &[StaffLink]) -> Vec<StaffRef> {
    let mut out: Vec<StaffRef> = Vec::new();
    for s in staff {
        match out.iter_mut().find(|r| r.id == s.person.id.0) {
            Some(existing) => existing.contact_teacher |= s.contact_teacher,
            None => out.push(StaffRef {
                id: s.person.id.0,
                name: s.person.full(),
                contact_teacher: s.contact_teacher,
            }),
        }
    }
    out
}

/// A class with its staff and pupils (staff of the class and leaders).
#[utoipa::path(
    get,
    path = "/api/v1/classes/{id}",
    tag = "people",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Class id")),
    responses(
        (status = 200, body = ClassResponse),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 404, description = "No such class, or not yours to see", content_type = "application/problem+json"),
    )
)]
pub async fn api_class(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<ClassResponse>, WebError> {
    let me = viewer.require()?;
    let (detail, guardians) = visible_class(&state, me, &id).await?;
    Ok(Json(ClassResponse {
        id: detail.class.id.0,
        name: detail.class.name.clone(),
        grade: detail.class.grade,
        school_year: detail.class.school_year.clone(),
        staff: staff_refs(&detail.staff),
        pupils: detail
            .pupils
            .into_iter()
            .zip(guardians)
            .map(|(p, g)| ClassPupil {
                id: p.person.id.0,
                name: p.person.full(),
                guardians: g,
            })
            .collect(),
    }))
}

/// `GET /api/v1/pupils/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PupilResponse {
    pub id: i64,
    pub name: String,
    /// The pupil's class this school year; null when not enrolled.
    pub class: Option<ClassRef>,
    pub guardians: Vec<GuardianView>,
    pub staff: Vec<StaffRef>,
}

/// A pupil with guardians and staff (the pupil's staff, guardians, the pupil, leaders).
#[utoipa::path(
    get,
    path = "/api/v1/pupils/{id}",
    tag = "people",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Pupil id")),
    responses(
        (status = 200, body = PupilResponse),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 404, description = "No such pupil, or not yours to see", content_type = "application/problem+json"),
    )
)]
pub async fn api_pupil(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<PupilResponse>, WebError> {
    let me = viewer.require()?;
    let pupil = visible_pupil(&state, me, &id).await?;
    let classes = pupil.class_ids();
    let guardians = guardian_views(
        &state,
        me,
        pupil.person.id,
        &classes,
        &pupil.guardians,
        Listing::PupilRecord,
    )
    .await?;
    Ok(Json(PupilResponse {
        id: pupil.person.id.0,
        name: pupil.person.full(),
        class: pupil.classes.first().map(class_ref),
        guardians,
        staff: staff_refs(&pupil.staff),
    }))
}
