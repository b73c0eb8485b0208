//! Creating a round of conferences for a class (CON-1): days, times, length, breaks, form.

use super::*;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Default)]
pub struct DayRequest {
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub date: String,
    /// `HH:MM`, local time.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: String,
    /// `HH:MM`, local time; no slot ends after it.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub end: String,
}

/// A new conference round.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct RoundRequest {
    /// Shown to families; a default names the class.
    #[serde(default)]
    pub title: Option<String>,
    /// `school`, `phone`, `online` or `home_visit`.
    #[schema(pattern = r"^(school|phone|online|home_visit)$")]
    pub form: String,
    #[schema(min_items = 1)]
    pub days: Vec<DayRequest>,
    /// 5 to 240.
    #[schema(minimum = 5, maximum = 240)]
    pub slot_minutes: i64,
    /// 0 to 120.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 120)]
    pub break_minutes: i64,
    /// `YYYY-MM-DDTHH:MM` local (or a date: the end of that day). Default: 12:00 the day
    /// before the first day, or the first slot when that has passed.
    #[serde(default)]
    pub booking_deadline: Option<String>,
    /// Whether pupils below the age of the right to take part come (the school decides).
    /// Default: yes.
    #[serde(default)]
    pub with_pupil: Option<bool>,
    /// The staff taking part (person ids); default: the one creating the round.
    #[serde(default)]
    pub staff: Option<Vec<i64>>,
    /// Each household of a pupil with two homes books its own conference (CON-1). Default:
    /// no, the family books one conference together.
    #[serde(default)]
    pub households_apart: Option<bool>,
}

/// The pupil and routine conference a need-based round (CON-8) is made for.
#[derive(Clone, Copy)]
pub(super) struct NeedBased {
    pub(super) pupil: PersonId,
    pub(super) from_booking: i64,
}

pub(super) async fn create_round(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    class: &ClassSummary,
    req: &RoundRequest,
    need_based: Option<NeedBased>,
) -> Res<Result<(i64, usize), Refusal>> {
    let tz = me.time_zone();
    let Ok(form) = req.form.trim().parse::<Form>() else {
        return Ok(Err(unprocessable(format!(
            "form: {}",
            tr.t("conferences-error-form")
        ))));
    };
    let title = match req
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => tr.t1("conferences-default-title", "class", &class.name),
        Some(t) => match skolebro_domain::text::single_line(t, rules::MAX_TITLE_CHARS) {
            Ok(t) => t,
            Err(p) => return Ok(Err(unprocessable(format!("title: {p}")))),
        },
    };
    let mut days = Vec::new();
    for (i, d) in req.days.iter().enumerate() {
        let n = i + 1;
        let Ok(date) = d.date.trim().parse::<Date>() else {
            return Ok(Err(unprocessable(format!(
                "days[{n}].date: {}",
                tr.t("conferences-error-date")
            ))));
        };
        let (Some(start), Some(end)) = (rules::parse_time(&d.start), rules::parse_time(&d.end))
        else {
            return Ok(Err(unprocessable(format!(
                "days[{n}]: {}",
                tr.t("conferences-error-time")
            ))));
        };
        days.push(DayWindow { date, start, end });
    }
    let plan = SlotPlan {
        days,
        slot_minutes: req.slot_minutes,
        break_minutes: req.break_minutes,
    };
    let slots = match rules::generate_slots(&plan, &tz) {
        Ok(s) => s,
        Err(p) => return Ok(Err(unprocessable(plan_problem_text(tr, p)))),
    };
    let now = skolebro_store::clock::now();
    let deadline = match req
        .booking_deadline
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => match rules::parse_local_moment(d, &tz) {
            Some(t) => t,
            None => {
                return Ok(Err(unprocessable(format!(
                    "booking_deadline: {}",
                    tr.t("conferences-error-moment")
                ))))
            }
        },
        None => {
            let first = slots[0];
            rules::default_deadline(local_date(first.starts.as_second(), &tz), &tz)
                .filter(|d| *d > now)
                .unwrap_or(first.starts)
        }
    };
    if let Err(p) = rules::check_dates(&plan, &slots, deadline, me.today(), now) {
        return Ok(Err(unprocessable(plan_problem_text(tr, p))));
    }
    let staff: Vec<PersonId> = match &req.staff {
        Some(ids) if !ids.is_empty() => ids.iter().map(|i| PersonId(*i)).collect(),
        _ => vec![me.actor.person_id],
    };
    for person in &staff {
        let candidate = state.store.actor(*person, me.actor.school_id).await?;
        let school = Resource::School {
            school_id: me.actor.school_id,
        };
        if !may(&candidate, Action::TakePartInRound, &school) {
            return Ok(Err(unprocessable(format!(
                "staff: {} {}",
                person.0,
                tr.t("conferences-error-not-staff")
            ))));
        }
    }
    // The families are told of a new round; of a need-based one, only its pupil's.
    let told: Vec<PersonId> = match need_based {
        Some(n) => state
            .store
            .pupil_detail(me.actor.school_id, n.pupil)
            .await?
            .map(|p| family_of(&p.guardians, 0).collect())
            .unwrap_or_default(),
        None => state
            .store
            .class_guardians(me.actor.school_id, class.id)
            .await?
            .into_iter()
            .map(|g| g.person.id)
            .collect(),
    };
    let deadline_text = local_text(deadline.as_second(), &me.time_zone());
    let notices = conference_notices(
        me,
        told,
        &title,
        school_tr(me).t1("conferences-notice-round", "deadline", deadline_text),
        "/conferences".into(),
    );
    let stored = state
        .store
        .create_round(&NewRound {
            school_id: me.actor.school_id,
            class_id: class.id,
            title: &title,
            form,
            slot_minutes: plan.slot_minutes,
            break_minutes: plan.break_minutes,
            with_pupil: req.with_pupil.unwrap_or(true),
            booking_deadline: deadline.as_second(),
            created_by: me.actor.person_id,
            staff: &staff,
            slots: &slots,
            pupil_id: need_based.map(|n| n.pupil),
            from_booking_id: need_based.map(|n| n.from_booking),
            // A need-based conference is one family's, arranged with it.
            households_apart: need_based.is_none() && req.households_apart.unwrap_or(false),
            notices: &notices,
        })
        .await;
    match stored {
        Ok(id) => Ok(Ok((id, slots.len()))),
        Err(StoreError::Conflict(_)) => {
            // Name the person and time in the reader's terms.
            Ok(Err(conflict(tr.t("conferences-error-overlap"))))
        }
        Err(e) => Err(e.into()),
    }
}
