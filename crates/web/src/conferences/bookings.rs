//! Booking, rebooking, offering and cancelling a time (CON-1, CON-3, CON-4, PEO-4), and the
//! two-way preparation before it (CON-5).

use super::*;

/// What the family needs at the conference.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct NeedsRequest {
    /// An interpreter. Absent: as agreed with the family in advance (PEO-4).
    #[serde(default)]
    pub interpreter: Option<bool>,
    /// The interpreter's language; default the guardian's recorded need.
    #[serde(default)]
    pub interpreter_language: Option<String>,
    #[serde(default)]
    pub interpreter_dialect: Option<String>,
    #[serde(default)]
    pub interpreter_gender: Option<String>,
    /// The family asks to talk without the child. With the right to take part (NO, from
    /// 12) this decides; otherwise the school does, and staff see the wish.
    #[serde(default)]
    pub without_child: Option<bool>,
    /// The family asks to meet online.
    #[serde(default)]
    pub online: Option<bool>,
    /// The family brings its own interpreter (a relative or acquaintance) instead of one the
    /// school books: the interpreter's age. Children never interpret: under 18 is refused.
    #[serde(default)]
    #[schema(minimum = 18)]
    pub own_interpreter_age: Option<u8>,
}

/// A booking by a family or by staff for a family.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BookRequest {
    /// The slot (for `POST /api/v1/conference-rounds/{round}/bookings`).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub slot_id: Option<i64>,
    /// The pupil the conference is about.
    #[serde(alias = "pupil")]
    #[schema(minimum = 1)]
    pub pupil_id: i64,
    #[serde(default)]
    pub needs: Option<NeedsRequest>,
    /// In a round booked apart: the household staff book for (1 or 2; default 1). A
    /// guardian always books for their own household.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 2)]
    pub household: Option<i64>,
}

/// The interpreter need recorded for a pupil's family, the booking person's own first.
pub(super) fn family_interpreter(
    guardians: &[skolebro_store::people::Guardian],
    me: PersonId,
) -> Option<InterpreterNeed> {
    guardians
        .iter()
        .find(|g| g.person.id == me && g.interpreter.is_some())
        .or_else(|| {
            guardians
                .iter()
                .find(|g| g.access != Access::None && g.interpreter.is_some())
        })
        .and_then(|g| g.interpreter.clone())
}

pub(super) fn one_line(
    field: &str,
    v: Option<&str>,
    max: usize,
) -> Result<Option<String>, Refusal> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => skolebro_domain::text::single_line(s, max)
            .map(Some)
            .map_err(|p| unprocessable(format!("{field}: {p}"))),
    }
}

pub(super) fn needs_of(
    tr: &Tr,
    profile: &skolebro_domain::profile::CountryProfile,
    req: &NeedsRequest,
    recorded: Option<InterpreterNeed>,
    form: Form,
) -> Result<Needs, Refusal> {
    if let Some(age) = req.own_interpreter_age {
        if !rules::own_interpreter_allowed(profile, age) {
            return Err(unprocessable(format!(
                "own_interpreter_age: {}",
                tr.t1(
                    "conferences-error-interpreter-age",
                    "age",
                    profile.min_interpreter_age
                )
            )));
        }
    }
    let wanted = req.interpreter.unwrap_or(recorded.is_some()) || req.own_interpreter_age.is_some();
    let interpreter = if wanted {
        let language = one_line(
            "interpreter_language",
            req.interpreter_language.as_deref(),
            60,
        )?
        .or_else(|| recorded.as_ref().map(|r| r.language.clone()));
        let Some(language) = language else {
            return Err(unprocessable(format!(
                "interpreter_language: {}",
                tr.t("conferences-error-language")
            )));
        };
        let dialect = one_line(
            "interpreter_dialect",
            req.interpreter_dialect.as_deref(),
            60,
        )?
        .or_else(|| recorded.as_ref().and_then(|r| r.dialect.clone()));
        let gender = one_line("interpreter_gender", req.interpreter_gender.as_deref(), 30)?
            .or_else(|| recorded.as_ref().and_then(|r| r.preferred_gender.clone()));
        Some(InterpreterNeed {
            language,
            dialect,
            preferred_gender: gender,
        })
    } else {
        None
    };
    Ok(Needs {
        interpreter,
        without_child: req.without_child.unwrap_or(false),
        online: req.online.unwrap_or(form == Form::Online),
        own_interpreter: req.own_interpreter_age.is_some(),
    })
}

/// Whether the pupil has the right to take part on the conference's day (CON-3).
pub(super) async fn participation_of(
    state: &AppState,
    me: &SignedIn,
    pupil: PersonId,
    round: &Round,
    day: Date,
) -> Res<Participation> {
    let birth = state.store.birth_date(me.actor.school_id, pupil).await?;
    Ok(rules::participation(
        profile(me.school.country),
        birth,
        round.grade,
        day,
    ))
}

/// What a booking asks for, from the page or the API.
pub(super) struct BookingAsk<'a> {
    pub(super) slot_id: i64,
    pub(super) pupil_id: i64,
    pub(super) needs: &'a NeedsRequest,
    /// The round the slot must belong to, when the request names one.
    pub(super) in_round: Option<i64>,
    /// Staff in a round booked apart: the household.
    pub(super) household: Option<i64>,
}

/// Books `slot_id` for a pupil, or moves the pupil's booking in that round to it.
pub(super) async fn book(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    ask: BookingAsk<'_>,
) -> Res<Result<Booked, Refusal>> {
    let BookingAsk {
        slot_id,
        pupil_id,
        needs,
        in_round,
        household,
    } = ask;
    let school = me.actor.school_id;
    let slot = state
        .store
        .slot(school, slot_id)
        .await?
        .ok_or(WebError::NotFound)?;
    if in_round.is_some_and(|r| r != slot.round_id) {
        return Err(WebError::NotFound);
    }
    let round = state
        .store
        .round(school, slot.round_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let pupil = state
        .store
        .pupil_detail(school, PersonId(pupil_id))
        .await?
        .ok_or(WebError::NotFound)?;
    let taking_part = state.store.takes_part(round.id, me.actor.person_id).await?;
    let staff = may(
        &me.actor,
        Action::ConductConference,
        &conference_resource(me, pupil.person.id, round.class_id, taking_part, 0),
    );
    let household = match booking_household(me, &round, pupil.person.id, staff, household) {
        Ok(h) => h,
        Err(r) => return Ok(Err(r)),
    };
    let conf = conference_resource(me, pupil.person.id, round.class_id, taking_part, household);
    // A time offered to another family: staff are told so; to anyone else it does not exist.
    if slot.offered_to.is_some_and(|p| p != pupil.person.id) {
        if staff {
            return Ok(Err(conflict(
                viewer.tr.t("conferences-error-offered-other"),
            )));
        }
        return Err(WebError::NotFound);
    }
    // A pupil of another class, or someone else's child: as if it did not exist.
    if !pupil.class_ids().contains(&round.class_id)
        || !round_is_for(&round, pupil.person.id)
        || !may(&me.actor, Action::ViewConference, &conf)
    {
        return Err(WebError::NotFound);
    }
    if !may(&me.actor, Action::BookConference, &conf) {
        return Err(refused(viewer, "conferences-refused-book"));
    }
    let now = skolebro_store::clock::now();
    let checked = if staff {
        rules::check_staff_change(now, instant(slot.starts_at))
    } else {
        rules::check_family_change(
            now,
            instant(round.booking_deadline),
            instant(slot.starts_at),
        )
    };
    if let Err(p) = checked {
        return Ok(Err(conflict(booking_problem_text(&viewer.tr, p))));
    }
    let recorded = family_interpreter(&pupil.guardians, me.actor.person_id);
    let needs = match needs_of(
        &viewer.tr,
        profile(me.school.country),
        needs,
        recorded,
        round.form,
    ) {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    let tz = me.time_zone();
    let day = local_date(slot.starts_at, &tz);
    let participation = participation_of(state, me, pupil.person.id, &round, day).await?;
    let attends = rules::pupil_attends(participation, round.with_pupil, needs.without_child);
    // The family (the household's, in a round booked apart) is told of its time, except the
    // guardian who booked it.
    let notices = conference_notices(
        me,
        family_of(&pupil.guardians, household).collect(),
        &round.title,
        school_tr(me).t2(
            "conferences-notice-booked",
            "name",
            pupil.person.given_name.as_str(),
            "when",
            local_text(slot.starts_at, &tz),
        ),
        "/conferences".into(),
    );
    match state
        .store
        .book(&NewBooking {
            school_id: school,
            round_id: round.id,
            slot_id: slot.id,
            pupil_id: pupil.person.id,
            household,
            booked_by: me.actor.person_id,
            needs: &needs,
            pupil_attends: attends,
            notices: &notices,
        })
        .await
    {
        Ok(b) => Ok(Ok(b)),
        Err(StoreError::Conflict(_)) => Ok(Err(conflict(viewer.tr.t("conferences-error-taken")))),
        Err(e) => Err(e.into()),
    }
}

/// A time staff offer beside a round's plan: for everyone, or for one pupil's family (the
/// initiative duty, 001; flexible times, 002/004).
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct OfferRequest {
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub date: String,
    /// `HH:MM`, local time; the slot is as long as the round's.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: String,
    /// Only this pupil's family sees and books it.
    #[serde(default, alias = "pupil")]
    #[schema(minimum = 1)]
    pub pupil_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotCreated {
    pub id: i64,
    /// RFC 3339 with the school's offset.
    pub starts_at: String,
    pub ends_at: String,
}

/// Adds a time to a round: the round's staff and leaders.
pub(super) async fn offer(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    round: &Round,
    req: &OfferRequest,
) -> Res<Result<SlotCreated, Refusal>> {
    let tr = &viewer.tr;
    if !may(
        &me.actor,
        Action::PlanConferences,
        &class_resource(me, round.class_id),
    ) {
        return Err(refused(viewer, "conferences-refused-offer"));
    }
    let Ok(date) = req.date.trim().parse::<Date>() else {
        return Ok(Err(unprocessable(format!(
            "date: {}",
            tr.t("conferences-error-date")
        ))));
    };
    let Some(start) = rules::parse_time(&req.start) else {
        return Ok(Err(unprocessable(format!(
            "start: {}",
            tr.t("conferences-error-time")
        ))));
    };
    let tz = me.time_zone();
    let slot = match rules::offered_slot(
        date,
        start,
        round.slot_minutes,
        skolebro_store::clock::now(),
        &tz,
    ) {
        Ok(s) => s,
        Err(p) => return Ok(Err(unprocessable(plan_problem_text(tr, p)))),
    };
    // A family named must be of the round's class (and its pupil's, for a need-based round).
    let mut told = Vec::new();
    let mut name = String::new();
    let offered_to = match req.pupil_id {
        None => None,
        Some(id) => {
            let pupil = state
                .store
                .pupil_detail(me.actor.school_id, PersonId(id))
                .await?
                .filter(|p| {
                    p.class_ids().contains(&round.class_id) && round_is_for(round, p.person.id)
                });
            let Some(pupil) = pupil else {
                return Ok(Err(unprocessable(format!(
                    "pupil_id: {}",
                    tr.t("conferences-error-offer-pupil")
                ))));
            };
            told = family_of(&pupil.guardians, 0).collect();
            name = pupil.person.given_name.clone();
            Some(pupil.person.id)
        }
    };
    let notices = conference_notices(
        me,
        told,
        &round.title,
        school_tr(me).t2(
            "conferences-notice-offered",
            "name",
            name,
            "when",
            local_text(slot.starts.as_second(), &tz),
        ),
        format!("/conferences/rounds/{}", round.id),
    );
    match state
        .store
        .add_slot(&NewSlot {
            school_id: me.actor.school_id,
            round_id: round.id,
            slot,
            offered_to,
            notices: &notices,
        })
        .await
    {
        Ok(id) => Ok(Ok(SlotCreated {
            id,
            starts_at: rfc3339(slot.starts.as_second(), &tz),
            ends_at: rfc3339(slot.ends.as_second(), &tz),
        })),
        Err(StoreError::Conflict(_)) => Ok(Err(conflict(tr.t("conferences-error-overlap")))),
        Err(e) => Err(e.into()),
    }
}

/// Cancels a conference: families until the deadline, staff any time before notes exist.
pub(super) async fn cancel(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    conf: &Conf,
) -> Res<()> {
    if !conf.may(me, Action::ConductConference) {
        let b = &conf.booking;
        if let Err(p) = rules::check_family_change(
            skolebro_store::clock::now(),
            instant(b.booking_deadline),
            instant(b.starts_at),
        ) {
            return Err(WebError::Conflict(booking_problem_text(&viewer.tr, p)));
        }
    }
    // The family is told, and when the family cancels, the round's staff as well.
    let b = &conf.booking;
    let mut told: Vec<PersonId> = match state
        .store
        .pupil_detail(me.actor.school_id, b.pupil.id)
        .await?
    {
        Some(p) => family_of(&p.guardians, b.household).collect(),
        None => Vec::new(),
    };
    if !conf.may(me, Action::ConductConference) {
        told.extend(
            state
                .store
                .round_staff(me.actor.school_id, b.round_id)
                .await?
                .into_iter()
                .map(|p| p.id),
        );
    }
    let notices = conference_notices(
        me,
        told,
        &b.round_title,
        school_tr(me).t2(
            "conferences-notice-cancelled",
            "name",
            b.pupil.given_name.as_str(),
            "when",
            local_text(b.starts_at, &me.time_zone()),
        ),
        "/conferences".into(),
    );
    match state
        .store
        .cancel_booking(me.actor.school_id, conf.booking.id, &notices)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(WebError::Conflict(
            viewer.tr.t("conferences-error-has-notes"),
        )),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Preparation (CON-5)

/// What one side wants to raise; staff also set the purpose, the type of talk, whether the
/// pupil takes part and whether the interpreter is booked.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct PreparationRequest {
    /// What the writer wants to raise: the guardians' or the staff's list, by who writes.
    #[serde(default)]
    pub topics: Option<String>,
    /// Staff: the conference's stated purpose.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Staff: `information`, `wondering`, `dialogue`, `solution_oriented` or `advisory`.
    #[serde(default)]
    pub talk_type: Option<String>,
    /// Staff: whether the pupil takes part (the school's decision below the age of the right).
    #[serde(default)]
    pub pupil_attends: Option<bool>,
    /// Staff: the interpreter is booked (the to-do is done).
    #[serde(default)]
    pub interpreter_booked: Option<bool>,
}

pub(super) async fn prepare(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    conf: &Conf,
    req: &PreparationRequest,
) -> Res<Result<(), Refusal>> {
    let staff = conf.may(me, Action::ConductConference);
    let topics = match text_field("topics", req.topics.as_deref(), rules::MAX_TOPICS_CHARS) {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    let mut p = Preparation::default();
    if staff {
        p.staff_topics = req.topics.is_some().then_some(topics);
        p.purpose = match text_field("purpose", req.purpose.as_deref(), 500) {
            Ok(v) => req.purpose.is_some().then_some(v),
            Err(r) => return Ok(Err(r)),
        };
        p.talk_type = match req.talk_type.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(t) => match t.parse::<TalkType>() {
                Ok(t) => Some(Some(t)),
                Err(_) => {
                    return Ok(Err(unprocessable(format!(
                        "talk_type: {}",
                        tr.t("conferences-error-talk-type")
                    ))))
                }
            },
        };
        if let Some(attends) = req.pupil_attends {
            // With the right to take part the family decides; staff record it, not overrule it.
            let round = state
                .store
                .round(me.actor.school_id, conf.booking.round_id)
                .await?
                .ok_or(WebError::NotFound)?;
            let day = local_date(conf.booking.starts_at, &me.time_zone());
            let part = participation_of(state, me, conf.booking.pupil.id, &round, day).await?;
            if part == Participation::Right && attends == conf.booking.needs.without_child {
                return Ok(Err(unprocessable(format!(
                    "pupil_attends: {}",
                    tr.t("conferences-error-right")
                ))));
            }
            p.pupil_attends = Some(attends);
        }
        p.interpreter_booked = req.interpreter_booked;
    } else {
        if req.purpose.is_some()
            || req.talk_type.is_some()
            || req.pupil_attends.is_some()
            || req.interpreter_booked.is_some()
        {
            return Ok(Err(unprocessable(tr.t("conferences-error-staff-fields"))));
        }
        p.guardian_topics = req.topics.is_some().then_some(topics);
    }
    state
        .store
        .set_preparation(me.actor.school_id, conf.booking.id, &p)
        .await?;
    Ok(Ok(()))
}
