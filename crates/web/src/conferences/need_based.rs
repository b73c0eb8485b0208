//! Need-based conferences (CON-8): a serious topic moved out of a routine conference.

use super::*;

/// Moves a topic out of a routine conference into a conference of its own for that pupil:
/// staff of the conference choose the time; only the pupil's family is offered the slots.
pub(super) async fn need_based(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    conf: &Conf,
    req: &RoundRequest,
) -> Res<Result<(i64, usize), Refusal>> {
    if req.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Ok(Err(unprocessable(format!(
            "title: {}",
            tr.t("conferences-error-topic")
        ))));
    }
    let class = state
        .store
        .classes_by_id(me.actor.school_id, &[conf.booking.class_id])
        .await?
        .into_iter()
        .next()
        .ok_or(WebError::NotFound)?;
    let need = NeedBased {
        pupil: conf.booking.pupil.id,
        from_booking: conf.booking.id,
    };
    create_round(state, me, tr, &class, req, Some(need)).await
}

pub(super) async fn need_based_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Res<Response> {
    let me = viewer.require()?;
    let conf = booking_by_id(&state, &viewer, me, &raw, Action::ConductConference).await?;
    let get = |k: &str| form_field(&fields, k).trim().to_owned();
    let Ok(slot_minutes) = get("nb_slot_minutes").parse::<i64>() else {
        let r = unprocessable(viewer.tr.t("conferences-error-minutes"));
        return render_booking(&state, &viewer, me, &conf, Some(r)).await;
    };
    let req = RoundRequest {
        title: Some(get("nb_title")),
        form: get("nb_form"),
        days: vec![DayRequest {
            date: get("nb_date"),
            start: get("nb_start"),
            end: get("nb_end"),
        }],
        slot_minutes,
        break_minutes: 0,
        booking_deadline: None,
        with_pupil: Some(!get("nb_with_pupil").is_empty()),
        staff: None,
        households_apart: None,
    };
    match need_based(&state, me, &viewer.tr, &conf, &req).await? {
        Ok((round, _)) => {
            Ok(Redirect::to(&format!("/conferences/rounds/{round}?created=1")).into_response())
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

pub(super) async fn acknowledge(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    conf: &Conf,
) -> Res<()> {
    match state
        .store
        .acknowledge_notes(me.actor.school_id, conf.booking.id, me.actor.person_id)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(WebError::Conflict(
            viewer.tr.t("conferences-error-not-shared"),
        )),
        Err(e) => Err(e.into()),
    }
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
