//! The conference pages and their forms.

use super::*;

pub(super) struct RoundLine {
    id: i64,
    title: String,
    form: String,
    when: String,
    deadline: String,
    open: bool,
    /// A need-based conference (CON-8).
    need_based: bool,
}

pub(super) fn round_line(tr: &Tr, r: &Round, tz: &TimeZone) -> RoundLine {
    RoundLine {
        id: r.id,
        title: r.title.clone(),
        form: tr.t(&format!("conferences-form-{}", r.form.as_str())),
        when: match (r.first_start, r.last_end) {
            (Some(a), Some(b)) => format!("{} – {}", local_text(a, tz), local_text(b, tz)),
            _ => String::new(),
        },
        deadline: local_text(r.booking_deadline, tz),
        open: skolebro_store::clock::now() < instant(r.booking_deadline),
        need_based: r.pupil_id.is_some(),
    }
}

pub(super) struct ChildCard {
    id: i64,
    name: String,
    rounds: Vec<(RoundLine, Option<(i64, String)>)>,
}

pub(super) struct AgreementLine {
    id: i64,
    booking_id: i64,
    pupil: String,
    owner: String,
    what: String,
    due: String,
    overdue: bool,
    done: bool,
    may_mark: bool,
}

pub(super) fn agreement_line(tr: &Tr, me: &SignedIn, a: &Agreement, today: Date) -> AgreementLine {
    AgreementLine {
        id: a.id,
        booking_id: a.booking_id,
        pupil: a.pupil.full(),
        owner: tr.t(&format!("conferences-owner-{}", a.owner.as_str())),
        what: a.what.clone(),
        due: a.due.strftime("%d.%m.%Y").to_string(),
        overdue: a.done_at.is_none() && a.due < today,
        done: a.done_at.is_some(),
        may_mark: a.done_at.is_none()
            && may(
                &me.actor,
                Action::FollowUpAgreement,
                &Resource::Agreement {
                    school_id: me.actor.school_id,
                    pupil_id: a.pupil.id,
                    class_id: a.class_id,
                    owner: a.owner,
                },
            ),
    }
}

/// A class on the overview, with its coverage this school year (CON-2).
pub(super) struct ClassCoverage {
    id: i64,
    name: String,
    met: usize,
    total: usize,
}

#[derive(Template)]
#[template(path = "conferences/overview.html")]
pub(super) struct OverviewPage {
    chrome: Chrome,
    tr: Tr,
    children: Vec<ChildCard>,
    classes: Vec<ClassCoverage>,
}

pub(super) async fn overview_page(State(state): State<AppState>, viewer: Viewer) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let mut children = Vec::new();
    for link in &me.actor.children {
        if !matches!(
            me.actor.guardian_access(link.pupil_id),
            Some(Access::Full | Access::Info)
        ) {
            continue;
        }
        let Some(pupil) = state.store.pupil_detail(school, link.pupil_id).await? else {
            continue;
        };
        let bookings = state
            .store
            .bookings_of_pupil(school, pupil.person.id)
            .await?;
        let mut rounds = Vec::new();
        for class in pupil.class_ids() {
            if !may(
                &me.actor,
                Action::ViewConferenceRound,
                &class_resource(me, class),
            ) {
                continue;
            }
            for r in state.store.rounds_of_class(school, class).await? {
                if !round_is_for(&r, pupil.person.id) {
                    continue;
                }
                // In a round booked apart, only this guardian's household's conference.
                let booked = bookings
                    .iter()
                    .find(|b| {
                        b.round_id == r.id
                            && may(
                                &me.actor,
                                Action::ViewConference,
                                &conference_resource(
                                    me,
                                    pupil.person.id,
                                    r.class_id,
                                    false,
                                    b.household,
                                ),
                            )
                    })
                    .map(|b| (b.id, local_text(b.starts_at, &tz)));
                rounds.push((round_line(&tr, &r, &tz), booked));
            }
        }
        children.push(ChildCard {
            id: pupil.person.id.0,
            name: pupil.person.full(),
            rounds,
        });
    }
    let mut classes = Vec::new();
    let all = may(
        &me.actor,
        Action::ManageSchool,
        &Resource::School { school_id: school },
    );
    let listed = if all {
        state.store.school_classes(school, None, 500).await?
    } else {
        let ids: Vec<ClassId> = me.actor.teaches.iter().map(|l| l.class_id).collect();
        state.store.classes_by_id(school, &ids).await?
    };
    for c in listed {
        if may(
            &me.actor,
            Action::PlanConferences,
            &class_resource(me, c.id),
        ) {
            let coverage = coverage_of(&state, me, &c).await?;
            classes.push(ClassCoverage {
                id: c.id.0,
                name: c.name,
                met: coverage.met,
                total: coverage.pupils.len(),
            });
        }
    }
    html(&OverviewPage {
        chrome: viewer.chrome(),
        tr,
        children,
        classes,
    })
}

#[derive(Template)]
#[template(path = "conferences/agreements.html")]
pub(super) struct AgreementsPage {
    chrome: Chrome,
    tr: Tr,
    title: String,
    agreements: Vec<AgreementLine>,
    back: String,
}

pub(super) async fn agreements_page(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Res<Response> {
    let me = viewer.require()?;
    let tr = viewer.tr;
    let today = me.today();
    let agreements = my_agreements(&state, me)
        .await?
        .iter()
        .map(|a| agreement_line(&tr, me, a, today))
        .collect();
    html(&AgreementsPage {
        chrome: viewer.chrome(),
        title: tr.t("conferences-my-agreements"),
        tr,
        agreements,
        back: "/conferences".into(),
    })
}

#[derive(Template)]
#[template(path = "conferences/class.html")]
pub(super) struct ClassPage {
    chrome: Chrome,
    tr: Tr,
    class_id: i64,
    class_name: String,
    rounds: Vec<RoundLine>,
    coverage: CoverageJson,
    agreements: Vec<AgreementLine>,
    error: Option<String>,
    form: RoundFormValues,
    forms: Vec<(String, String)>,
    today: String,
}

/// What the round form shows again after a refusal.
#[derive(Default)]
pub(super) struct RoundFormValues {
    title: String,
    form: String,
    days: Vec<DayRequest>,
    slot_minutes: String,
    break_minutes: String,
    deadline: String,
    with_pupil: bool,
    households_apart: bool,
}

pub(super) async fn render_class(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    class: &ClassSummary,
    refusal: Option<Refusal>,
    form: RoundFormValues,
) -> Res<Response> {
    let tr = viewer.tr;
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let today = me.today();
    let rounds = state
        .store
        .rounds_of_class(school, class.id)
        .await?
        .iter()
        .map(|r| round_line(&tr, r, &tz))
        .collect();
    let coverage = coverage_of(state, me, class).await?;
    let agreements = state
        .store
        .open_agreements_of_class(school, class.id)
        .await?
        .iter()
        .map(|a| agreement_line(&tr, me, a, today))
        .collect();
    let status = refusal.as_ref().map(|r| r.status);
    let mut response = html(&ClassPage {
        chrome: viewer.chrome(),
        tr,
        class_id: class.id.0,
        class_name: class.name.clone(),
        rounds,
        coverage,
        agreements,
        error: refusal.map(|r| r.text),
        form,
        forms: Form::ALL
            .iter()
            .map(|f| {
                (
                    f.as_str().to_owned(),
                    tr.t(&format!("conferences-form-{}", f.as_str())),
                )
            })
            .collect(),
        today: today.to_string(),
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

pub(super) async fn class_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    let form = RoundFormValues {
        form: "school".into(),
        days: vec![DayRequest::default(); 3],
        slot_minutes: "20".into(),
        break_minutes: "5".into(),
        with_pupil: true,
        ..RoundFormValues::default()
    };
    render_class(&state, &viewer, me, &class, None, form).await
}

pub(super) async fn create_round_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    let get = |k: &str| form_field(&fields, k).trim().to_owned();
    let mut days = Vec::new();
    for n in 1..=5 {
        let day = DayRequest {
            date: get(&format!("date_{n}")),
            start: get(&format!("start_{n}")),
            end: get(&format!("end_{n}")),
        };
        if !day.date.is_empty() || !day.start.is_empty() || !day.end.is_empty() {
            days.push(day);
        }
    }
    let values = RoundFormValues {
        title: get("title"),
        form: get("form"),
        days: days.clone(),
        slot_minutes: get("slot_minutes"),
        break_minutes: get("break_minutes"),
        deadline: get("booking_deadline"),
        with_pupil: !get("with_pupil").is_empty(),
        households_apart: !get("households_apart").is_empty(),
    };
    let minutes = |v: &str, default: i64| -> Option<i64> {
        if v.is_empty() {
            Some(default)
        } else {
            v.parse().ok()
        }
    };
    let (Some(slot_minutes), Some(break_minutes)) = (
        minutes(&values.slot_minutes, 0),
        minutes(&values.break_minutes, 0),
    ) else {
        let r = unprocessable(viewer.tr.t("conferences-error-minutes"));
        return render_class(&state, &viewer, me, &class, Some(r), values).await;
    };
    let req = RoundRequest {
        title: Some(values.title.clone()),
        form: values.form.clone(),
        days,
        slot_minutes,
        break_minutes,
        booking_deadline: Some(values.deadline.replace(' ', "T")),
        with_pupil: Some(values.with_pupil),
        staff: None,
        households_apart: Some(values.households_apart),
    };
    match create_round(&state, me, &viewer.tr, &class, &req, None).await? {
        Ok((round, _)) => {
            Ok(Redirect::to(&format!("/conferences/rounds/{round}?created=1")).into_response())
        }
        Err(r) => render_class(&state, &viewer, me, &class, Some(r), values).await,
    }
}

pub(super) struct SlotLine {
    id: i64,
    day: String,
    time: String,
    free: bool,
    booking_id: Option<i64>,
    pupil: Option<String>,
    bookable: bool,
}

/// A child of the viewer in the round's class, with what the booking form offers.
pub(super) struct FamilyChild {
    id: i64,
    name: String,
    booking: Option<(i64, String)>,
    right: bool,
    interpreter: Option<String>,
    /// Whether the viewer may book for the child (not an information-only guardian, PEO-2).
    may_book: bool,
}

#[derive(Template)]
#[template(path = "conferences/round.html")]
pub(super) struct RoundPage {
    chrome: Chrome,
    tr: Tr,
    round: RoundLine,
    class_id: i64,
    planner: bool,
    staff: String,
    slots: Vec<SlotLine>,
    free_slots: Vec<(i64, String)>,
    family: Vec<FamilyChild>,
    unbooked: Vec<PupilJson>,
    todos: Vec<InterpreterTodoJson>,
    error: Option<String>,
    created: bool,
    with_pupil: bool,
    households_apart: bool,
}

pub(super) async fn render_round(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    round: &Round,
    refusal: Option<Refusal>,
    created: bool,
) -> Res<Response> {
    let tr = viewer.tr;
    let tz = me.time_zone();
    let school = me.actor.school_id;
    let slots_raw = state.store.round_slots(school, round.id).await?;
    let json = round_json(state, me, round, &slots_raw).await?;
    let planner = json.unbooked.is_some();
    let now = skolebro_store::clock::now();
    let family_open = now < instant(round.booking_deadline);
    let slots: Vec<SlotLine> = json
        .slots
        .iter()
        .zip(slots_raw.iter())
        .map(|(j, s)| SlotLine {
            id: j.id,
            day: instant(s.starts_at)
                .to_zoned(tz.clone())
                .strftime("%d.%m.%Y")
                .to_string(),
            time: format!(
                "{}–{}",
                local_time(s.starts_at, &tz),
                local_time(s.ends_at, &tz)
            ),
            free: j.free,
            booking_id: j.booking_id,
            pupil: j.pupil_name.clone(),
            bookable: j.free && instant(s.starts_at) > now && (planner || family_open),
        })
        .collect();
    let free_slots = slots
        .iter()
        .filter(|s| s.bookable)
        .map(|s| (s.id, format!("{} {}", s.day, s.time)))
        .collect();
    // The viewer's own children in the class, with what the form offers each.
    let mut family = Vec::new();
    for link in &me.actor.children {
        if !me
            .actor
            .child_classes
            .iter()
            .any(|(p, c)| *p == link.pupil_id && *c == round.class_id)
        {
            continue;
        }
        let household = if round.households_apart {
            link.household
        } else {
            0
        };
        let conf = conference_resource(me, link.pupil_id, round.class_id, false, household);
        if !round_is_for(round, link.pupil_id) || !may(&me.actor, Action::ViewConference, &conf) {
            continue;
        }
        let Some(pupil) = state.store.pupil_detail(school, link.pupil_id).await? else {
            continue;
        };
        let booking = json
            .slots
            .iter()
            .find(|s| s.pupil_id == Some(pupil.person.id.0))
            .and_then(|s| {
                let when = local_text(slots_raw.iter().find(|r| r.id == s.id)?.starts_at, &tz);
                Some((s.booking_id?, when))
            });
        let day = round
            .first_start
            .map(|t| local_date(t, &tz))
            .unwrap_or_else(|| me.today());
        let right =
            participation_of(state, me, pupil.person.id, round, day).await? == Participation::Right;
        family.push(FamilyChild {
            id: pupil.person.id.0,
            name: pupil.person.full(),
            booking,
            right,
            interpreter: family_interpreter(&pupil.guardians, me.actor.person_id)
                .map(|i| i.language),
            may_book: may(&me.actor, Action::BookConference, &conf),
        });
    }
    let status = refusal.as_ref().map(|r| r.status);
    let mut response = html(&RoundPage {
        chrome: viewer.chrome(),
        tr,
        round: round_line(&tr, round, &tz),
        class_id: round.class_id.0,
        planner,
        staff: json.staff.join(", "),
        slots,
        free_slots,
        family,
        unbooked: json.unbooked.clone().unwrap_or_default(),
        todos: json.interpreter_todos.clone().unwrap_or_default(),
        error: refusal.map(|r| r.text),
        created,
        with_pupil: round.with_pupil,
        households_apart: round.households_apart,
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub(super) struct CreatedQuery {
    created: Option<u8>,
}

pub(super) async fn round_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CreatedQuery>,
) -> Res<Response> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    render_round(&state, &viewer, me, &round, None, q.created.is_some()).await
}

#[derive(Deserialize)]
pub(super) struct BookForm {
    #[serde(default)]
    slot_id: String,
    #[serde(default)]
    pupil_id: String,
    /// The form always says what it asks for, so an unticked box means "no".
    #[serde(default)]
    interpreter: Option<String>,
    #[serde(default)]
    interpreter_language: Option<String>,
    #[serde(default)]
    without_child: Option<String>,
    #[serde(default)]
    online: Option<String>,
    /// The age of the family's own interpreter, when they bring one.
    #[serde(default)]
    own_interpreter_age: Option<String>,
    /// Staff booking for a family: the needs as recorded (PEO-4).
    #[serde(default)]
    defaults: Option<String>,
    /// Staff booking in a round booked apart: the household (1 or 2).
    #[serde(default)]
    household: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct OfferForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    pupil_id: String,
}

pub(super) async fn offer_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<OfferForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    let req = OfferRequest {
        date: form.date,
        start: form.start,
        pupil_id: match form.pupil_id.trim() {
            "" => None,
            id => Some(parse_id(id)?),
        },
    };
    match offer(&state, &viewer, me, &round, &req).await? {
        Ok(_) => Ok(Redirect::to(&format!("/conferences/rounds/{}", round.id)).into_response()),
        Err(r) => render_round(&state, &viewer, me, &round, Some(r), false).await,
    }
}

pub(super) async fn book_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<BookForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    let pupil_id = parse_id(form.pupil_id.trim())?;
    let Ok(slot_id) = form.slot_id.trim().parse::<i64>() else {
        let r = unprocessable(viewer.tr.t("conferences-error-choose-slot"));
        return render_round(&state, &viewer, me, &round, Some(r), false).await;
    };
    let own_age = match form.own_interpreter_age.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => match v.parse::<u8>() {
            Ok(age) => Some(age),
            Err(_) => {
                let r = unprocessable(format!(
                    "own_interpreter_age: {}",
                    viewer.tr.t("conferences-error-age-number")
                ));
                return render_round(&state, &viewer, me, &round, Some(r), false).await;
            }
        },
    };
    let needs = if form.defaults.is_some() {
        NeedsRequest::default()
    } else {
        NeedsRequest {
            own_interpreter_age: own_age,
            interpreter: Some(form.interpreter.is_some()),
            interpreter_language: form.interpreter_language.clone(),
            without_child: Some(form.without_child.is_some()),
            online: Some(form.online.is_some()),
            ..NeedsRequest::default()
        }
    };
    let ask = BookingAsk {
        slot_id,
        pupil_id,
        needs: &needs,
        in_round: Some(round.id),
        household: form
            .household
            .as_deref()
            .and_then(|h| h.trim().parse().ok()),
    };
    match book(&state, &viewer, me, ask).await? {
        Ok(b) => Ok(Redirect::to(&format!("/conferences/bookings/{}", b.id())).into_response()),
        Err(r) => render_round(&state, &viewer, me, &round, Some(r), false).await,
    }
}

#[derive(Template)]
#[template(path = "conferences/booking.html")]
pub(super) struct BookingPage {
    chrome: Chrome,
    tr: Tr,
    b: BookingJson,
    when: String,
    form: String,
    staff: bool,
    may_prepare: bool,
    may_cancel: bool,
    may_acknowledge: bool,
    talk_types: Vec<(String, String)>,
    talk_type_label: String,
    owners: Vec<(String, String)>,
    agreements: Vec<AgreementLine>,
    previous: Option<(String, Vec<AgreementLine>)>,
    error: Option<String>,
    notes: NotesJson,
    /// The forms a need-based conference can take (CON-8), for staff.
    forms: Vec<(String, String)>,
    today: String,
}

pub(super) async fn render_booking(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    conf: &Conf,
    refusal: Option<Refusal>,
) -> Res<Response> {
    let tr = viewer.tr;
    let tz = me.time_zone();
    let today = me.today();
    let b = booking_json(state, me, conf).await?;
    let staff = conf.may(me, Action::ConductConference);
    let agreements_of = |booking: i64| async move {
        Ok::<_, WebError>(
            state
                .store
                .agreements_of_booking(me.actor.school_id, booking)
                .await?
                .iter()
                .map(|a| agreement_line(&tr, me, a, today))
                .collect::<Vec<_>>(),
        )
    };
    let agreements = if staff || conf.booking.notes_shared {
        agreements_of(b.id).await?
    } else {
        Vec::new()
    };
    let previous = match &b.previous {
        Some(p) => Some((
            local_text(
                state
                    .store
                    .booking(me.actor.school_id, p.booking_id)
                    .await?
                    .map_or(0, |x| x.starts_at),
                &tz,
            ),
            agreements_of(p.booking_id).await?,
        )),
        None => None,
    };
    let notes = b.notes.clone().unwrap_or(NotesJson {
        academic: None,
        wellbeing: None,
        social: None,
        goals_academic: None,
        goals_social: None,
        summary: None,
        internal_note: None,
        written_by: None,
        shared: false,
        acknowledged_by: None,
        acknowledged_at: None,
    });
    let status = refusal.as_ref().map(|r| r.status);
    let mut response = html(&BookingPage {
        chrome: viewer.chrome(),
        when: format!(
            "{}–{}",
            local_text(conf.booking.starts_at, &tz),
            local_time(conf.booking.ends_at, &tz)
        ),
        form: tr.t(&format!("conferences-form-{}", conf.booking.form.as_str())),
        staff,
        may_prepare: conf.may(me, Action::PrepareConference),
        may_cancel: conf.may(me, Action::BookConference)
            && !conf.booking.notes_written
            && (staff || b.family_may_change),
        may_acknowledge: conf.may(me, Action::AcknowledgeSummary)
            && notes.shared
            && notes.acknowledged_at.is_none(),
        talk_types: TalkType::ALL
            .iter()
            .map(|t| {
                (
                    t.as_str().to_owned(),
                    tr.t(&format!("conferences-talk-{}", t.as_str())),
                )
            })
            .collect(),
        talk_type_label: b
            .talk_type
            .as_deref()
            .map(|t| tr.t(&format!("conferences-talk-{t}")))
            .unwrap_or_default(),
        owners: AgreementOwner::ALL
            .iter()
            .map(|o| {
                (
                    o.as_str().to_owned(),
                    tr.t(&format!("conferences-owner-{}", o.as_str())),
                )
            })
            .collect(),
        agreements,
        previous,
        error: refusal.map(|r| r.text),
        notes,
        b,
        forms: Form::ALL
            .iter()
            .map(|f| {
                (
                    f.as_str().to_owned(),
                    tr.t(&format!("conferences-form-{}", f.as_str())),
                )
            })
            .collect(),
        today: today.to_string(),
        tr,
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    Ok(response)
}

pub(super) async fn booking_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ViewConference).await?;
    render_booking(&state, &viewer, me, &conf, None).await
}

#[derive(Deserialize)]
pub(super) struct Empty {}

pub(super) async fn cancel_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::BookConference).await?;
    cancel(&state, &viewer, me, &conf).await?;
    Ok(Redirect::to(&format!("/conferences/rounds/{}", conf.booking.round_id)).into_response())
}

#[derive(Deserialize)]
pub(super) struct PreparationForm {
    #[serde(default)]
    topics: Option<String>,
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    talk_type: Option<String>,
    #[serde(default)]
    pupil_attends: Option<String>,
    #[serde(default)]
    interpreter_booked: Option<String>,
    /// Staff's form carries the check boxes; their absence then means "no".
    #[serde(default)]
    staff_form: Option<String>,
}

pub(super) async fn preparation_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<PreparationForm>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::PrepareConference).await?;
    let staff_form = form.staff_form.is_some() && conf.may(me, Action::ConductConference);
    let req = PreparationRequest {
        topics: form.topics,
        purpose: if staff_form { form.purpose } else { None },
        talk_type: if staff_form { form.talk_type } else { None },
        pupil_attends: staff_form.then_some(form.pupil_attends.is_some()),
        interpreter_booked: (staff_form && conf.booking.needs.interpreter.is_some())
            .then_some(form.interpreter_booked.is_some()),
    };
    match prepare(&state, me, &viewer.tr, &conf, &req).await? {
        Ok(()) => {
            Ok(Redirect::to(&format!("/conferences/bookings/{}", conf.booking.id)).into_response())
        }
        Err(r) => render_booking(&state, &viewer, me, &conf, Some(r)).await,
    }
}

pub(super) async fn notes_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ConductConference).await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.to_owned())
    };
    let mut agreements = Vec::new();
    for n in 1..=3 {
        let a = AgreementRequest {
            owner: get(&format!("owner_{n}")).unwrap_or_default(),
            what: get(&format!("what_{n}")).unwrap_or_default(),
            due: get(&format!("due_{n}")).unwrap_or_default(),
        };
        if !a.what.trim().is_empty() || !a.due.trim().is_empty() {
            agreements.push(a);
        }
    }
    let req = NotesRequest {
        academic: get("academic"),
        wellbeing: get("wellbeing"),
        social: get("social"),
        goals_academic: get("goals_academic"),
        goals_social: get("goals_social"),
        summary: get("summary"),
        internal_note: get("internal_note"),
        share: get("share").is_some(),
        agreements,
    };
    match write_notes(&state, me, &viewer.tr, &conf, &req).await? {
        Ok(_) => Ok(Redirect::to(&format!(
            "/conferences/bookings/{}?saved=1",
            conf.booking.id
        ))
        .into_response()),
        Err(r) => render_booking(&state, &viewer, me, &conf, Some(r)).await,
    }
}

pub(super) async fn acknowledge_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::AcknowledgeSummary).await?;
    acknowledge(&state, &viewer, me, &conf).await?;
    Ok(Redirect::to(&format!("/conferences/bookings/{}", conf.booking.id)).into_response())
}

pub(super) async fn done_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Res<Response> {
    let me = viewer.require()?;
    let a = mark_done(&state, &viewer, me, &raw).await?;
    Ok(Redirect::to(&format!("/conferences/bookings/{}", a.booking_id)).into_response())
}
