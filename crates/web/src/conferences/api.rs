//! The conference API (`/api/v1/...`).

use super::*;

#[derive(Serialize, ToSchema)]
pub struct RoundCreated {
    pub id: i64,
    /// How many slots were generated.
    pub slots: usize,
}

/// Move a topic from a conference into a need-based conference for the same pupil (CON-8):
/// a round of its own whose slots only the pupil's family is offered. Staff of the conference.
/// `title` (the topic, shown to the family) is required; it does not count towards coverage.
#[utoipa::path(post, path = "/api/v1/bookings/{booking}/need-based-conference", tag = "conferences",
    security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    request_body = RoundRequest,
    responses((status = 201, body = RoundCreated), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
pub async fn api_need_based(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<RoundRequest>,
) -> Res<(StatusCode, Json<RoundCreated>)> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ConductConference).await?;
    let (id, slots) = need_based(&state, me, &viewer.tr, &conf, &req)
        .await?
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(RoundCreated { id, slots })))
}

/// Create a conference round for a class: slots are generated from the days, slot length and
/// break, in the school's time zone. Staff of the class and leaders.
#[utoipa::path(post, path = "/api/v1/classes/{id}/conference-rounds", tag = "conferences",
    request_body = RoundRequest, security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 201, body = RoundCreated), (status = 404),
        (status = 409, description = "A taking-part staff member has another round at the same time"),
        (status = 422, description = "Form, days, times, slot length, break or deadline not accepted, with the reason")))]
pub async fn api_create_round(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(req): Json<RoundRequest>,
) -> Res<(StatusCode, Json<RoundCreated>)> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    let (id, slots) = create_round(&state, me, &viewer.tr, &class, &req, None)
        .await?
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(RoundCreated { id, slots })))
}

/// A class's conference rounds: its staff, leaders and the families of the class.
#[utoipa::path(get, path = "/api/v1/classes/{id}/conference-rounds", tag = "conferences",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, body = Vec<RoundSummaryJson>), (status = 404)))]
pub async fn api_rounds(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Json<Vec<RoundSummaryJson>>> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::ViewConferenceRound).await?;
    let tz = me.time_zone();
    Ok(Json(
        state
            .store
            .rounds_of_class(me.actor.school_id, class.id)
            .await?
            .iter()
            .filter(|r| {
                may(
                    &me.actor,
                    Action::ViewConferenceRound,
                    &round_resource(me, r),
                )
            })
            .map(|r| round_summary(r, &tz))
            .collect(),
    ))
}

/// A round with its slots, free or taken. Families see which times are taken, never by whom
/// (except their own); staff also get the families who have not booked and the interpreters
/// still to book.
#[utoipa::path(get, path = "/api/v1/conference-rounds/{round}", tag = "conferences",
    security(("bearer" = [])), params(("round" = i64, Path, description = "Round id")),
    responses((status = 200, body = RoundJson), (status = 404)))]
pub async fn api_round(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<RoundJson>> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    let slots = state
        .store
        .round_slots(me.actor.school_id, round.id)
        .await?;
    Ok(Json(round_json(&state, me, &round, &slots).await?))
}

#[derive(Serialize, ToSchema)]
pub struct BookingCreated {
    pub id: i64,
    pub slot_id: i64,
    /// The pupil's earlier booking in the round was moved here.
    pub moved: bool,
}

pub(super) async fn api_book_common(
    state: &AppState,
    viewer: &Viewer,
    slot_id: i64,
    req: &BookRequest,
    in_round: Option<i64>,
) -> Res<(StatusCode, Json<BookingCreated>)> {
    let me = viewer.require()?;
    let needs = req.needs.clone().unwrap_or_default();
    let ask = BookingAsk {
        slot_id,
        pupil_id: req.pupil_id,
        needs: &needs,
        in_round,
        household: req.household,
    };
    let booked = book(state, viewer, me, ask)
        .await?
        .map_err(WebError::from)?;
    let status = match booked {
        Booked::New(_) => StatusCode::CREATED,
        Booked::Moved(_) => StatusCode::OK,
    };
    Ok((
        status,
        Json(BookingCreated {
            id: booked.id(),
            slot_id,
            moved: matches!(booked, Booked::Moved(_)),
        }),
    ))
}

/// Book a slot of the round for a pupil (or move the pupil's booking in the round to it).
/// Guardians with custody until the deadline; the class's staff for any family until the slot.
#[utoipa::path(post, path = "/api/v1/conference-rounds/{round}/bookings", tag = "conferences",
    request_body = BookRequest, security(("bearer" = [])), params(("round" = i64, Path, description = "Round id")),
    responses((status = 201, body = BookingCreated), (status = 200, body = BookingCreated, description = "Moved"),
        (status = 403, description = "May see the conference but not book it"), (status = 404, description = "No such slot in this round, or not one's child"),
        (status = 409, description = "Taken, or the deadline has passed"), (status = 422)))]
pub async fn api_book_in_round(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<BookRequest>,
) -> Res<(StatusCode, Json<BookingCreated>)> {
    let round = parse_id(&raw)?;
    let Some(slot) = req.slot_id else {
        return Err(WebError::Unprocessable("slot_id: required".into()));
    };
    api_book_common(&state, &viewer, slot, &req, Some(round)).await
}

/// Offer a time beside the round's plan, to every family or to one pupil's family only.
#[utoipa::path(post, path = "/api/v1/conference-rounds/{round}/slots", tag = "conferences",
    request_body = OfferRequest, security(("bearer" = [])), params(("round" = i64, Path, description = "Round id")),
    responses((status = 201, body = SlotCreated), (status = 403, description = "May see the round but not plan it"),
        (status = 404), (status = 409, description = "Overlaps another conference of the round's staff"),
        (status = 422, description = "Date, time or pupil not accepted, with the reason")))]
pub async fn api_offer_slot(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<OfferRequest>,
) -> Res<(StatusCode, Json<SlotCreated>)> {
    let me = viewer.require()?;
    let round = round_for(&state, me, &raw).await?;
    let created = offer(&state, &viewer, me, &round, &req)
        .await?
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Book this slot for a pupil (`{"pupil": id, "needs": {…}}`), or move the pupil's booking in
/// the round here.
#[utoipa::path(post, path = "/api/v1/conference-slots/{slot}/booking", tag = "conferences",
    request_body = BookRequest, security(("bearer" = [])), params(("slot" = i64, Path, description = "Slot id")),
    responses((status = 201, body = BookingCreated), (status = 200, body = BookingCreated, description = "Moved"),
        (status = 403), (status = 404), (status = 409, description = "Taken, or the deadline has passed"), (status = 422)))]
pub async fn api_book_slot(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<BookRequest>,
) -> Res<(StatusCode, Json<BookingCreated>)> {
    let slot = parse_id(&raw)?;
    api_book_common(&state, &viewer, slot, &req, None).await
}

/// Cancel the booking of this slot: families before the deadline, staff until notes exist.
#[utoipa::path(delete, path = "/api/v1/conference-slots/{slot}/booking", tag = "conferences",
    security(("bearer" = [])), params(("slot" = i64, Path, description = "Slot id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "The deadline has passed, or the conference has notes")))]
pub async fn api_cancel_slot(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let booking = state
        .store
        .booking_of_slot(me.actor.school_id, parse_id(&raw)?)
        .await?;
    let conf = conf_for(&state, &viewer, me, booking, Action::BookConference).await?;
    cancel(&state, &viewer, me, &conf).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct PupilSlotsJson {
    #[serde(flatten)]
    pub round: RoundSummaryJson,
    /// `right` or `school_decides`: what the booking form offers about the pupil taking part.
    #[schema(value_type = String)]
    pub participation: Participation,
    /// The pupil's booking in this round.
    pub booking_id: Option<i64>,
    pub booked_slot_id: Option<i64>,
    /// The free slots the viewer may book now.
    pub slots: Vec<SlotJson>,
}

/// The open slots a guardian (or the staff) may book for this pupil, per round of the pupil's
/// classes that has times left.
#[utoipa::path(get, path = "/api/v1/pupils/{id}/conference-slots", tag = "conferences",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Pupil id")),
    responses((status = 200, body = Vec<PupilSlotsJson>), (status = 404)))]
pub async fn api_pupil_slots(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<Vec<PupilSlotsJson>>> {
    let me = viewer.require()?;
    let school = me.actor.school_id;
    let tz = me.time_zone();
    let pupil = state
        .store
        .pupil_detail(school, PersonId(parse_id(&raw)?))
        .await?
        .ok_or(WebError::NotFound)?;
    let mut out = Vec::new();
    let mut allowed = false;
    let now = skolebro_store::clock::now();
    let bookings = state
        .store
        .bookings_of_pupil(school, pupil.person.id)
        .await?;
    for class in pupil.class_ids() {
        let conf = conference_resource(me, pupil.person.id, class, false, 0);
        if !may(&me.actor, Action::BookConference, &conf) {
            continue;
        }
        allowed = true;
        let staff = may(&me.actor, Action::ConductConference, &conf);
        for round in state.store.rounds_of_class(school, class).await? {
            if !round_is_for(&round, pupil.person.id)
                || round.last_end.is_none_or(|e| instant(e) <= now)
            {
                continue;
            }
            let open = staff || now < instant(round.booking_deadline);
            let slots = state
                .store
                .round_slots(school, round.id)
                .await?
                .into_iter()
                .filter(|s| {
                    open && s.booking.is_none()
                        && instant(s.starts_at) > now
                        && s.offered_to.is_none_or(|p| p == pupil.person.id)
                })
                .map(|s| SlotJson {
                    id: s.id,
                    starts_at: rfc3339(s.starts_at, &tz),
                    ends_at: rfc3339(s.ends_at, &tz),
                    free: true,
                    booking_id: None,
                    pupil_id: None,
                    pupil_name: None,
                    household: None,
                    offered_to: s.offered_to.map(|p| p.0),
                })
                .collect();
            // The family's booking; in a round booked apart, the viewer's household's.
            let mine = bookings.iter().find(|b| {
                b.round_id == round.id
                    && may(
                        &me.actor,
                        Action::ViewConference,
                        &conference_resource(me, pupil.person.id, class, false, b.household),
                    )
            });
            let day = round.first_start.map_or(me.today(), |t| local_date(t, &tz));
            out.push(PupilSlotsJson {
                participation: participation_of(&state, me, pupil.person.id, &round, day).await?,
                booking_id: mine.map(|b| b.id),
                booked_slot_id: mine.map(|b| b.slot_id),
                round: round_summary(&round, &tz),
                slots,
            });
        }
    }
    if !allowed {
        return Err(WebError::NotFound);
    }
    Ok(Json(out))
}

/// A conference: time, needs, preparation, and the notes the viewer may read (the family:
/// only once shared, never the internal note), agreements, and the previous conference's goals
/// and agreements. Reading notes is audited.
#[utoipa::path(get, path = "/api/v1/bookings/{booking}", tag = "conferences",
    security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 200, body = BookingJson), (status = 404)))]
pub async fn api_booking(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<Json<BookingJson>> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ViewConference).await?;
    Ok(Json(booking_json(&state, me, &conf).await?))
}

/// Cancel a conference: families before the deadline, staff until notes exist.
#[utoipa::path(delete, path = "/api/v1/bookings/{booking}", tag = "conferences",
    security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "The deadline has passed, or the conference has notes")))]
pub async fn api_cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::BookConference).await?;
    cancel(&state, &viewer, me, &conf).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Note what one wants to raise (guardians with custody: their list; staff: theirs, and the
/// purpose, type of talk, whether the pupil takes part, the interpreter booked).
#[utoipa::path(post, path = "/api/v1/bookings/{booking}/preparation", tag = "conferences",
    request_body = PreparationRequest, security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
pub async fn api_preparation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<PreparationRequest>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::PrepareConference).await?;
    prepare(&state, me, &viewer.tr, &conf, &req)
        .await?
        .map_err(WebError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Write the conference's notes (all sections at once) and add agreements; `share` shares
/// everything but the internal note with the guardians. Staff of the conference only. Audited.
#[utoipa::path(put, path = "/api/v1/bookings/{booking}/notes", tag = "conferences",
    request_body = NotesRequest, security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 200, body = NotesSaved), (status = 403, description = "The family may see the conference, not write its notes"),
        (status = 404), (status = 422, description = "A section too long, an agreement without owner, text or date")))]
pub async fn api_notes(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Json(req): Json<NotesRequest>,
) -> Res<Json<NotesSaved>> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ConductConference).await?;
    let agreements = write_notes(&state, me, &viewer.tr, &conf, &req)
        .await?
        .map_err(WebError::from)?;
    Ok(Json(NotesSaved { agreements }))
}

/// The guardians acknowledge the shared summary.
#[utoipa::path(post, path = "/api/v1/bookings/{booking}/acknowledge", tag = "conferences", operation_id = "api_acknowledge_booking",
    security(("bearer" = [])), params(("booking" = i64, Path, description = "Booking id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "Nothing shared yet")))]
pub async fn api_acknowledge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::AcknowledgeSummary).await?;
    acknowledge(&state, &viewer, me, &conf).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which pupils of the class have had this school year's required conferences (DK 1, NO 2; in
/// Norway each must end in a shared summary).
#[utoipa::path(get, path = "/api/v1/classes/{id}/conference-coverage", tag = "conferences",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, body = CoverageJson), (status = 404)))]
pub async fn api_coverage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Json<CoverageJson>> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    Ok(Json(coverage_of(&state, me, &class).await?))
}

/// The class's open agreements, by due date (the staff's follow-up view).
#[utoipa::path(get, path = "/api/v1/classes/{id}/agreements", tag = "conferences",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, body = Vec<AgreementJson>), (status = 404)))]
pub async fn api_class_agreements(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Res<Json<Vec<AgreementJson>>> {
    let me = viewer.require()?;
    let class = class_for(&state, me, &id, Action::PlanConferences).await?;
    let today = me.today();
    Ok(Json(
        state
            .store
            .open_agreements_of_class(me.actor.school_id, class.id)
            .await?
            .iter()
            .map(|a| agreement_json(a, today))
            .collect(),
    ))
}

/// The open agreements the viewer owns: a family's (home and pupil, once shared), a pupil's
/// own, and the school's in the classes one teaches.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "conferences", security(("bearer" = [])),
    responses((status = 200, body = Vec<AgreementJson>)))]
pub async fn api_my_agreements(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Res<Json<Vec<AgreementJson>>> {
    let me = viewer.require()?;
    let today = me.today();
    Ok(Json(
        my_agreements(&state, me)
            .await?
            .iter()
            .map(|a| agreement_json(a, today))
            .collect(),
    ))
}

/// Mark an agreement done: its owners (a family its home and pupil agreements) and the class's
/// staff.
#[utoipa::path(post, path = "/api/v1/agreements/{agreement}/done", tag = "conferences",
    security(("bearer" = [])), params(("agreement" = i64, Path, description = "Agreement id")),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn api_done(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Res<StatusCode> {
    let me = viewer.require()?;
    mark_done(&state, &viewer, me, &raw).await?;
    Ok(StatusCode::NO_CONTENT)
}
