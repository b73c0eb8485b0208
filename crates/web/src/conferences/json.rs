//! The JSON shapes of the conference API and how they are filled.

use super::*;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundSummaryJson {
    pub id: i64,
    pub class_id: i64,
    pub class_name: String,
    pub title: String,
    /// `school`, `phone`, `online`, `home_visit`.
    pub form: String,
    pub slot_minutes: i64,
    pub break_minutes: i64,
    pub with_pupil: bool,
    /// RFC 3339 with the school's offset.
    pub booking_deadline: String,
    /// Whether families can still book, move and cancel.
    pub booking_open: bool,
    pub first_start: Option<String>,
    pub last_end: Option<String>,
    /// A need-based conference (CON-8) for this one pupil; absent for the class's rounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pupil_id: Option<i64>,
    /// The routine conference the topic was moved from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_booking_id: Option<i64>,
    /// Each household of a pupil with two homes books its own conference.
    pub households_apart: bool,
}

pub(super) fn round_summary(round: &Round, tz: &TimeZone) -> RoundSummaryJson {
    RoundSummaryJson {
        id: round.id,
        class_id: round.class_id.0,
        class_name: round.class_name.clone(),
        title: round.title.clone(),
        form: round.form.as_str().to_owned(),
        slot_minutes: round.slot_minutes,
        break_minutes: round.break_minutes,
        with_pupil: round.with_pupil,
        booking_deadline: rfc3339(round.booking_deadline, tz),
        booking_open: skolebro_store::clock::now() < instant(round.booking_deadline),
        first_start: round.first_start.map(|t| rfc3339(t, tz)),
        last_end: round.last_end.map(|t| rfc3339(t, tz)),
        pupil_id: round.pupil_id.map(|p| p.0),
        from_booking_id: round.from_booking_id,
        households_apart: round.households_apart,
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotJson {
    pub id: i64,
    pub starts_at: String,
    pub ends_at: String,
    pub free: bool,
    /// The booking, only where the viewer may see it (staff; a family's own).
    pub booking_id: Option<i64>,
    pub pupil_id: Option<i64>,
    pub pupil_name: Option<String>,
    /// In a round booked apart, the household the booking is for (where the booking is shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub household: Option<i64>,
    /// A time offered to this pupil's family only (shown to that family and the staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered_to: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PupilJson {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterpreterTodoJson {
    pub booking_id: i64,
    pub pupil_name: String,
    pub language: String,
    pub dialect: Option<String>,
    pub preferred_gender: Option<String>,
    pub conference_at: String,
    /// Book the interpreter by this day: a week before, on a working day.
    pub due: String,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundJson {
    #[serde(flatten)]
    pub round: RoundSummaryJson,
    /// The staff taking part.
    pub staff: Vec<String>,
    pub slots: Vec<SlotJson>,
    /// Staff only: the pupils without a booking (the initiative duty).
    pub unbooked: Option<Vec<PupilJson>>,
    /// Staff only: interpreters still to book.
    pub interpreter_todos: Option<Vec<InterpreterTodoJson>>,
}

pub(super) fn todos(bookings: &[Booking], tz: &TimeZone, today: Date) -> Vec<InterpreterTodoJson> {
    bookings
        .iter()
        .filter(|b| b.interpreter_booked_at.is_none() && !b.needs.own_interpreter)
        .filter_map(|b| {
            let need = b.needs.interpreter.as_ref()?;
            let due = rules::interpreter_due(local_date(b.starts_at, tz));
            Some(InterpreterTodoJson {
                booking_id: b.id,
                pupil_name: b.pupil.full(),
                language: need.language.clone(),
                dialect: need.dialect.clone(),
                preferred_gender: need.preferred_gender.clone(),
                conference_at: rfc3339(b.starts_at, tz),
                due: due.to_string(),
                overdue: due < today,
            })
        })
        .collect()
}

/// A round as JSON, from its slots (which the caller has loaded: the round page also needs them).
pub(super) async fn round_json(
    state: &AppState,
    me: &SignedIn,
    round: &Round,
    slots: &[SlotRow],
) -> Res<RoundJson> {
    let school = me.actor.school_id;
    let tz = me.time_zone();
    let planner = may(
        &me.actor,
        Action::PlanConferences,
        &class_resource(me, round.class_id),
    );
    let taking_part = state.store.takes_part(round.id, me.actor.person_id).await?;
    let staff = state.store.round_staff(school, round.id).await?;
    let slots = slots
        .iter()
        .filter(|s| sees_slot(me, s, round.class_id, taking_part))
        .map(|s| {
            let seen = s.booking.as_ref().filter(|(_, pupil)| {
                may(
                    &me.actor,
                    Action::ViewConference,
                    &conference_resource(me, pupil.id, round.class_id, taking_part, s.household),
                )
            });
            SlotJson {
                id: s.id,
                starts_at: rfc3339(s.starts_at, &tz),
                ends_at: rfc3339(s.ends_at, &tz),
                free: s.booking.is_none(),
                booking_id: seen.map(|(b, _)| *b),
                pupil_id: seen.map(|(_, p)| p.id.0),
                pupil_name: seen.map(|(_, p)| p.full()),
                household: seen.and(Some(s.household)).filter(|h| *h > 0),
                offered_to: s.offered_to.map(|p| p.0),
            }
        })
        .collect();
    let (unbooked, interpreter_todos) = if planner {
        let unbooked = state
            .store
            .unbooked_pupils(school, round.class_id, round.id, round.households_apart)
            .await?
            .into_iter()
            .filter(|p| round_is_for(round, p.id))
            .map(|p| PupilJson {
                id: p.id.0,
                name: p.full(),
            })
            .collect();
        let bookings = state.store.round_bookings(school, round.id).await?;
        (Some(unbooked), Some(todos(&bookings, &tz, me.today())))
    } else {
        (None, None)
    };
    Ok(RoundJson {
        round: round_summary(round, &tz),
        staff: staff.iter().map(PersonName::full).collect(),
        slots,
        unbooked,
        interpreter_todos,
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedsJson {
    pub interpreter: bool,
    pub interpreter_language: Option<String>,
    pub interpreter_dialect: Option<String>,
    pub interpreter_gender: Option<String>,
    /// Staff have booked the interpreter.
    pub interpreter_booked: bool,
    /// Book the interpreter by this day (a week before).
    pub interpreter_due: Option<String>,
    pub without_child: bool,
    pub online: bool,
    /// The family brings its own adult interpreter; staff book none.
    pub own_interpreter: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotesJson {
    pub academic: Option<String>,
    pub wellbeing: Option<String>,
    pub social: Option<String>,
    pub goals_academic: Option<String>,
    pub goals_social: Option<String>,
    pub summary: Option<String>,
    /// Staff only; absent for the family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
    pub written_by: Option<String>,
    pub shared: bool,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementJson {
    pub id: i64,
    pub booking_id: i64,
    pub pupil_id: i64,
    pub pupil_name: String,
    /// `home`, `school` or `pupil`.
    pub owner: String,
    pub what: String,
    pub due: String,
    pub done: bool,
    pub overdue: bool,
}

pub(super) fn agreement_json(a: &Agreement, today: Date) -> AgreementJson {
    AgreementJson {
        id: a.id,
        booking_id: a.booking_id,
        pupil_id: a.pupil.id.0,
        pupil_name: a.pupil.full(),
        owner: a.owner.as_str().to_owned(),
        what: a.what.clone(),
        due: a.due.to_string(),
        done: a.done_at.is_some(),
        overdue: a.done_at.is_none() && a.due < today,
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviousJson {
    pub booking_id: i64,
    pub starts_at: String,
    pub goals_academic: Option<String>,
    pub goals_social: Option<String>,
    pub agreements: Vec<AgreementJson>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BookingJson {
    pub id: i64,
    pub round_id: i64,
    pub round_title: String,
    pub class_id: i64,
    pub form: String,
    pub slot_id: i64,
    pub starts_at: String,
    pub ends_at: String,
    pub pupil_id: i64,
    pub pupil_name: String,
    pub booked_by: String,
    pub needs: NeedsJson,
    /// `right` (the family decides whether the pupil comes) or `school_decides`.
    #[schema(value_type = String)]
    pub participation: Participation,
    pub pupil_attends: bool,
    pub purpose: Option<String>,
    pub talk_type: Option<String>,
    pub guardian_topics: Option<String>,
    pub staff_topics: Option<String>,
    /// Whether the family can still move or cancel.
    pub family_may_change: bool,
    /// The notes: for the family only once shared, and never the internal note.
    pub notes: Option<NotesJson>,
    pub agreements: Vec<AgreementJson>,
    /// The pupil's previous conference with notes: its goals and agreements (CON-7).
    pub previous: Option<PreviousJson>,
}

pub(super) fn notes_json(n: &Notes, staff: bool, tz: &TimeZone) -> NotesJson {
    NotesJson {
        academic: n.academic.clone(),
        wellbeing: n.wellbeing.clone(),
        social: n.social.clone(),
        goals_academic: n.goals_academic.clone(),
        goals_social: n.goals_social.clone(),
        summary: n.summary.clone(),
        internal_note: if staff { n.internal_note.clone() } else { None },
        written_by: n.written_by.as_ref().map(PersonName::full),
        shared: n.shared_at.is_some(),
        acknowledged_by: n.acknowledged_by.as_ref().map(PersonName::full),
        acknowledged_at: n.acknowledged_at.map(|t| rfc3339(t, tz)),
    }
}

/// Everything of a conference the viewer may see; reading notes is audited.
pub(super) async fn booking_json(state: &AppState, me: &SignedIn, conf: &Conf) -> Res<BookingJson> {
    let school = me.actor.school_id;
    let tz = me.time_zone();
    let b = &conf.booking;
    let staff = conf.may(me, Action::ConductConference);
    let today = me.today();
    let round = state
        .store
        .round(school, b.round_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let participation =
        participation_of(state, me, b.pupil.id, &round, local_date(b.starts_at, &tz)).await?;
    let mut notes = None;
    let mut agreements = Vec::new();
    if staff || b.notes_shared {
        let read = state
            .store
            .read_notes(school, b.id, me.actor.person_id, "conference")
            .await?;
        notes = read
            .as_ref()
            .filter(|n| staff || n.shared_at.is_some())
            .map(|n| notes_json(n, staff, &tz));
        agreements = state
            .store
            .agreements_of_booking(school, b.id)
            .await?
            .iter()
            .map(|a| agreement_json(a, today))
            .collect();
    }
    let mut previous = None;
    if let Some(p) = state
        .store
        .previous_conference(school, b.pupil.id, b.starts_at)
        .await?
    {
        if staff || p.notes_shared {
            let n = state
                .store
                .read_notes(school, p.id, me.actor.person_id, "previous conference")
                .await?
                .unwrap_or_default();
            previous = Some(PreviousJson {
                booking_id: p.id,
                starts_at: rfc3339(p.starts_at, &tz),
                goals_academic: n.goals_academic,
                goals_social: n.goals_social,
                agreements: state
                    .store
                    .agreements_of_booking(school, p.id)
                    .await?
                    .iter()
                    .map(|a| agreement_json(a, today))
                    .collect(),
            });
        }
    }
    let interpreter = b.needs.interpreter.as_ref();
    Ok(BookingJson {
        id: b.id,
        round_id: b.round_id,
        round_title: b.round_title.clone(),
        class_id: b.class_id.0,
        form: b.form.as_str().to_owned(),
        slot_id: b.slot_id,
        starts_at: rfc3339(b.starts_at, &tz),
        ends_at: rfc3339(b.ends_at, &tz),
        pupil_id: b.pupil.id.0,
        pupil_name: b.pupil.full(),
        booked_by: b.booked_by.full(),
        needs: NeedsJson {
            interpreter: interpreter.is_some(),
            interpreter_language: interpreter.map(|i| i.language.clone()),
            interpreter_dialect: interpreter.and_then(|i| i.dialect.clone()),
            interpreter_gender: interpreter.and_then(|i| i.preferred_gender.clone()),
            interpreter_booked: b.interpreter_booked_at.is_some(),
            interpreter_due: interpreter
                .filter(|_| !b.needs.own_interpreter)
                .map(|_| rules::interpreter_due(local_date(b.starts_at, &tz)).to_string()),
            own_interpreter: b.needs.own_interpreter,
            without_child: b.needs.without_child,
            online: b.needs.online,
        },
        participation,
        pupil_attends: b.pupil_attends,
        purpose: b.purpose.clone(),
        talk_type: b.talk_type.map(|t| t.as_str().to_owned()),
        guardian_topics: b.guardian_topics.clone(),
        staff_topics: b.staff_topics.clone(),
        family_may_change: rules::check_family_change(
            skolebro_store::clock::now(),
            instant(b.booking_deadline),
            instant(b.starts_at),
        )
        .is_ok(),
        notes,
        agreements,
        previous,
    })
}
