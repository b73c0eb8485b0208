//! Coverage of the yearly minimum (CON-2) and the follow-up of agreements (CON-7).

use super::*;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PupilCoverageJson {
    pub pupil_id: i64,
    pub name: String,
    pub held: u32,
    pub required: u32,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageJson {
    pub class_id: i64,
    pub class_name: String,
    /// `2026/27`.
    pub school_year: String,
    /// Conferences each pupil must have had this school year (DK 1, NO 2).
    pub required: u32,
    /// Pupils who have had them.
    pub met: usize,
    pub pupils: Vec<PupilCoverageJson>,
}

pub(super) async fn coverage_of(
    state: &AppState,
    me: &SignedIn,
    class: &ClassSummary,
) -> Res<CoverageJson> {
    let school = me.actor.school_id;
    let tz = me.time_zone();
    let today = me.today();
    let (start, end) = calendar::school_year(today);
    let at = |d: Date| {
        tz.to_ambiguous_zoned(d.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .map(|z| z.timestamp().as_second())
            .unwrap_or(0)
    };
    let next_start = end.tomorrow().unwrap_or(end);
    let held = state
        .store
        .conferences_of_class(school, class.id, at(start), at(next_start))
        .await?;
    let country = me.school.country;
    let mut counts: HashMap<PersonId, u32> = HashMap::new();
    for h in held {
        if rules::counts_as_held(country, h.notes_written, h.notes_shared) {
            *counts.entry(h.pupil_id).or_default() += 1;
        }
    }
    let p = profile(country);
    let pupils: Vec<(PersonName, Coverage)> = state
        .store
        .pupils_of_class(school, class.id)
        .await?
        .into_iter()
        .map(|n| {
            let c = Coverage::new(p, counts.get(&n.id).copied().unwrap_or(0));
            (n, c)
        })
        .collect();
    let all: Vec<Coverage> = pupils.iter().map(|(_, c)| *c).collect();
    let (met, _) = rules::class_coverage(&all);
    Ok(CoverageJson {
        class_id: class.id.0,
        class_name: class.name.clone(),
        school_year: skolebro_domain::profile::school_year(today),
        required: u32::from(p.conferences_per_year),
        met,
        pupils: pupils
            .into_iter()
            .map(|(n, c)| PupilCoverageJson {
                pupil_id: n.id.0,
                name: n.full(),
                held: c.held,
                required: c.required,
                met: c.met(),
            })
            .collect(),
    })
}

/// The open agreements the viewer owns (CON-7): a family's home and pupil agreements once
/// shared, a pupil's own, the school's agreements in the classes one teaches.
pub(super) async fn my_agreements(state: &AppState, me: &SignedIn) -> Res<Vec<Agreement>> {
    let school = me.actor.school_id;
    let mut out = Vec::new();
    // The family's and the pupil's own: agreements of the viewer's children and of the viewer,
    // shared with the family, that the policy lets them see (guardians) or follow up (the
    // pupil's own).
    let mut candidates: Vec<PersonId> = me.actor.children.iter().map(|c| c.pupil_id).collect();
    candidates.push(me.actor.person_id);
    for a in state
        .store
        .open_agreements_of_pupils(
            school,
            &candidates,
            &[AgreementOwner::Home, AgreementOwner::Pupil],
        )
        .await?
    {
        let family = may(
            &me.actor,
            Action::ViewConference,
            // Agreements are about the child: both households' to follow up, also from a
            // round booked apart.
            &conference_resource(me, a.pupil.id, a.class_id, false, 0),
        ) && me.actor.person_id != a.pupil.id
            && me.actor.guardian_access(a.pupil.id).is_some();
        let own = may(
            &me.actor,
            Action::FollowUpAgreement,
            &Resource::Agreement {
                school_id: school,
                pupil_id: a.pupil.id,
                class_id: a.class_id,
                owner: a.owner,
            },
        ) && me.actor.person_id == a.pupil.id;
        if a.shared && (family || own) {
            out.push(a);
        }
    }
    // The school's, in the classes one plans conferences for.
    let classes: Vec<ClassId> = me
        .actor
        .teaches
        .iter()
        .map(|l| l.class_id)
        .filter(|c| may(&me.actor, Action::PlanConferences, &class_resource(me, *c)))
        .collect();
    if !classes.is_empty() {
        out.extend(state.store.open_school_agreements(school, &classes).await?);
    }
    out.sort_by_key(|a| (a.due, a.id));
    out.dedup_by_key(|a| a.id);
    Ok(out)
}

/// Marks an agreement done: its owners and the class's staff; a family sees only shared ones.
pub(super) async fn mark_done(
    state: &AppState,
    viewer: &Viewer,
    me: &SignedIn,
    raw: &str,
) -> Res<Agreement> {
    let a = state
        .store
        .agreement(me.actor.school_id, parse_id(raw)?)
        .await?
        .ok_or(WebError::NotFound)?;
    let booking = state
        .store
        .booking(me.actor.school_id, a.booking_id)
        .await?;
    let conf = conf_for(state, viewer, me, booking, Action::ViewConference).await?;
    let staff = conf.may(me, Action::ConductConference);
    if !staff && !a.shared {
        return Err(WebError::NotFound);
    }
    let resource = Resource::Agreement {
        school_id: me.actor.school_id,
        pupil_id: a.pupil.id,
        class_id: a.class_id,
        owner: a.owner,
    };
    if !may(&me.actor, Action::FollowUpAgreement, &resource) {
        return Err(refused(viewer, "conferences-refused-agreement"));
    }
    state
        .store
        .mark_agreement_done(me.actor.school_id, a.id, me.actor.person_id)
        .await?;
    Ok(a)
}
