//! Notes of a conference (CON-6): the shared summary, the internal note, goals and agreements,
//! and the family's acknowledgement of the summary.

use super::*;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Default)]
pub struct AgreementRequest {
    /// `home`, `school` or `pupil`.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub what: String,
    /// `YYYY-MM-DD`, from the conference to a year after.
    #[serde(default)]
    pub due: String,
}

/// The notes of a conference. Everything but `internal_note` reaches the guardians once
/// shared.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct NotesRequest {
    /// Academic standing, with pupil work, observations, tests.
    #[serde(default)]
    pub academic: Option<String>,
    #[serde(default)]
    pub wellbeing: Option<String>,
    /// Social and personal development.
    #[serde(default)]
    pub social: Option<String>,
    /// Goals for the next period.
    #[serde(default)]
    pub goals_academic: Option<String>,
    #[serde(default)]
    pub goals_social: Option<String>,
    /// The summary for the family.
    #[serde(default)]
    pub summary: Option<String>,
    /// For staff only; never shown to the family.
    #[serde(default)]
    pub internal_note: Option<String>,
    /// Share the notes (not the internal note) with the guardians. Once shared, they stay.
    #[serde(default)]
    pub share: bool,
    /// New agreements: who, what, by when.
    #[serde(default)]
    pub agreements: Vec<AgreementRequest>,
}

#[derive(Serialize, ToSchema)]
pub struct NotesSaved {
    /// Ids of the agreements added.
    pub agreements: Vec<i64>,
}

pub(super) fn agreement_problem(tr: &Tr, n: usize, p: AgreementProblem) -> String {
    let (field, key) = match p {
        AgreementProblem::Owner => ("owner", "conferences-error-owner"),
        AgreementProblem::What(_) => ("what", "conferences-error-what"),
        AgreementProblem::Due => ("due", "conferences-error-due"),
        AgreementProblem::DueBeforeConference => ("due", "conferences-error-due-early"),
        AgreementProblem::DueTooFar => ("due", "conferences-error-due-far"),
    };
    format!("agreements[{n}].{field}: {}", tr.t(key))
}

pub(super) async fn write_notes(
    state: &AppState,
    me: &SignedIn,
    tr: &Tr,
    conf: &Conf,
    req: &NotesRequest,
) -> Res<Result<Vec<i64>, Refusal>> {
    let max = rules::MAX_SECTION_CHARS;
    let field = |name: &str, v: &Option<String>| text_field(name, v.as_deref(), max);
    let notes = (|| -> Result<Notes, Refusal> {
        Ok(Notes {
            academic: field("academic", &req.academic)?,
            wellbeing: field("wellbeing", &req.wellbeing)?,
            social: field("social", &req.social)?,
            goals_academic: field("goals_academic", &req.goals_academic)?,
            goals_social: field("goals_social", &req.goals_social)?,
            summary: field("summary", &req.summary)?,
            internal_note: field("internal_note", &req.internal_note)?,
            ..Notes::default()
        })
    })();
    let notes = match notes {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    let day = local_date(conf.booking.starts_at, &me.time_zone());
    let mut drafts = Vec::new();
    for (i, a) in req.agreements.iter().enumerate() {
        match rules::check_agreement(&a.owner, &a.what, &a.due, day) {
            Ok(d) => drafts.push(d),
            Err(p) => return Ok(Err(unprocessable(agreement_problem(tr, i + 1, p)))),
        }
    }
    if req.share && notes.summary.is_none() {
        return Ok(Err(unprocessable(format!(
            "summary: {}",
            tr.t("conferences-error-summary")
        ))));
    }
    let school = me.actor.school_id;
    // The first time the summary is shared, the family is told (never what it says).
    let notices = if req.share && !conf.booking.notes_shared {
        let told = match state
            .store
            .pupil_detail(school, conf.booking.pupil.id)
            .await?
        {
            Some(p) => family_of(&p.guardians, conf.booking.household).collect(),
            None => Vec::new(),
        };
        conference_notices(
            me,
            told,
            &conf.booking.round_title,
            school_tr(me).t1(
                "conferences-notice-summary",
                "name",
                conf.booking.pupil.given_name.as_str(),
            ),
            format!("/conferences/bookings/{}", conf.booking.id),
        )
    } else {
        Vec::new()
    };
    state
        .store
        .save_notes(
            school,
            &conf.booking,
            &notes,
            req.share,
            me.actor.person_id,
            &notices,
        )
        .await?;
    let mut ids = Vec::new();
    for d in &drafts {
        ids.push(
            state
                .store
                .add_agreement(school, &conf.booking, d, me.actor.person_id)
                .await?,
        );
    }
    Ok(Ok(ids))
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
