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
