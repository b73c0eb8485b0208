//! The one authorization policy of skolebro: [`may`] decides whether an actor may perform an
//! action on a resource. Handlers never test roles by hand; they describe who is asking
//! ([`Actor`]), what they want ([`Action`]) and what it touches ([`Resource`]), and ask here.
//!
//! The store loads the facts (an actor's classes and children, a pupil's classes); this module
//! only reasons about them, so every rule is a plain function with unit tests.
//!
//! A denied read of a record is answered as if the record did not exist (404): callers must not
//! reveal that another family's or another school's record exists.

use crate::conferences::AgreementOwner;
use crate::people::{Access, ClassId, PersonId, Role, SchoolId};
use crate::posts::Audience;

/// A class an actor works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassLink {
    pub class_id: ClassId,
    pub contact_teacher: bool,
}

/// A child an actor is guardian of, with the access level of that guardianship (PEO-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildLink {
    pub pupil_id: PersonId,
    pub access: Access,
    /// The child's household the guardian belongs to (1, or 2 for the second home of a child
    /// with two): a conference round booked apart gives each household its own (CON-1).
    pub household: i64,
}

/// Who is asking: a signed-in person at one school, with the links that decide what they see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub person_id: PersonId,
    pub school_id: SchoolId,
    pub roles: Vec<Role>,
    /// Classes the actor teaches (staff).
    pub teaches: Vec<ClassLink>,
    /// Children the actor is guardian of.
    pub children: Vec<ChildLink>,
    /// Classes the actor is enrolled in (pupil).
    pub enrolled: Vec<ClassId>,
    /// The classes of the actor's children, with the child: who a guardian may write to.
    pub child_classes: Vec<(PersonId, ClassId)>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    fn teaches(&self, class: ClassId) -> Option<ClassLink> {
        if !self.has(Role::Staff) {
            return None;
        }
        self.teaches.iter().copied().find(|l| l.class_id == class)
    }

    fn teaches_any(&self, classes: &[ClassId]) -> bool {
        classes.iter().any(|c| self.teaches(*c).is_some())
    }

    fn contact_teacher_of_any(&self, classes: &[ClassId]) -> bool {
        classes
            .iter()
            .any(|c| self.teaches(*c).is_some_and(|l| l.contact_teacher))
    }

    /// The access this actor has to a child as guardian; `None` when not a guardian of it.
    pub fn guardian_access(&self, pupil: PersonId) -> Option<Access> {
        if !self.has(Role::Guardian) {
            return None;
        }
        self.children
            .iter()
            .find(|c| c.pupil_id == pupil)
            .map(|c| c.access)
    }

    /// The household of `pupil` this guardian belongs to.
    pub fn household_of(&self, pupil: PersonId) -> Option<i64> {
        if !self.has(Role::Guardian) {
            return None;
        }
        self.children
            .iter()
            .find(|c| c.pupil_id == pupil)
            .map(|c| c.household)
    }

    /// Whether a conference for `household` (None: the whole family) is this guardian's.
    fn in_household(&self, pupil: PersonId, household: Option<i64>) -> bool {
        household.is_none_or(|h| self.household_of(pupil) == Some(h))
    }

    /// The classes of the children this actor has rights for (full or information access).
    fn classes_of_children(&self) -> impl Iterator<Item = ClassId> + '_ {
        self.child_classes.iter().filter_map(|(pupil, class)| {
            matches!(
                self.guardian_access(*pupil),
                Some(Access::Full | Access::Info)
            )
            .then_some(*class)
        })
    }

    fn is_leader_of(&self, school: SchoolId) -> bool {
        self.school_id == school && self.has(Role::Leader)
    }

    /// Whether the actor takes part in the school's conversations now (see [`converses`]).
    pub fn converses(&self) -> bool {
        converses(
            &self.roles,
            self.children.iter().any(|c| c.access == Access::Full),
        )
    }
}

/// Whether the actor may send a message of `kind`, on the page and in the API alike: anyone
/// who writes may mark their own message sensitive (it is then never quoted in a notification);
/// praise is the school's, counted apart so the school sees its balance (MSG-4).
pub fn may_send_kind(actor: &Actor, kind: crate::messages::MessageKind) -> bool {
    use crate::messages::MessageKind;
    match kind {
        MessageKind::Ordinary | MessageKind::Sensitive => true,
        MessageKind::Praise => actor.has(Role::Staff) || actor.has(Role::Leader),
    }
}

/// Whether a person with `roles` takes part in the school's conversations now: staff, leaders
/// and pupils do; a guardian only while holding full access to a child (`full_child`).
///
/// Rights are read as they are now, not as they were when a conversation began: a guardian
/// whose access to the child dropped to information or none, or ended, no longer reads, writes
/// or hears of the conversations they had through the child (the inbox, the unread count, the
/// e-mails and the live stream all ask this). The conversations stay for the others, and the
/// former guardian's messages stay in them.
pub fn converses(roles: &[Role], full_child: bool) -> bool {
    roles.iter().any(|r| *r != Role::Guardian) || full_child
}

/// What an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read a record's ordinary content: a class with its pupils, a pupil with their guardians
    /// and staff, a school overview.
    View,
    /// Read the contact details (e-mail, phone, address) of a guardian shown on a record.
    ViewContact,
    /// See a guardian's interpreter need (PEO-4): the school's staff and leaders, who book the
    /// interpreter; never other families.
    ViewInterpreterNeed,
    /// Be told that a guardian exists at all: their name in contact books, recipient lists and
    /// conversations. Everyone for most families; a protected family (PEO-3) only to the
    /// school's staff and leaders and to themselves, never to other families, the child's
    /// other parent included (the protection is often from them).
    KnowOfFamily,
    /// Read contact details that are protected (PEO-3: name and address protection).
    ViewProtectedContact,
    /// Change one's own profile: language, password.
    EditOwnProfile,
    /// Start a conversation with a person (MSG-1): the recipient picker and every recipient of a
    /// new thread ask this.
    Message,
    /// Read a conversation and write in it.
    Converse,
    /// See who has read a conversation (staff only, MSG-1).
    ViewReadState,
    /// Open a conversation to many families so that replies go to everyone (MSG-1).
    OpenToAll,
    /// Record a phone call or talk with a family, and read the record (MSG-9).
    LogConversation,
    /// Report a pupil's absence: guardians with custody, the pupil's staff, leaders (ABS-1).
    ReportAbsence,
    /// Record a pupil's absence as the school: any reason or code, past days, replacing what
    /// was recorded. The pupil's staff and leaders, never over a child of their own: a teacher
    /// who is also the pupil's parent reports as a parent.
    RecordAbsence,
    /// Withdraw an absence record (see [`Resource::AbsenceRecord`]).
    WithdrawAbsence,
    /// See a pupil's absence and its reasons (sensitive): guardians, the pupil's staff, leaders.
    ViewAbsence,
    /// Take a class's register (ABS-1).
    TakeRegister,
    /// Grant or refuse leave: the pupil's contact teachers and leaders.
    DecideLeave,
    /// Run the school's settings: calendar, thresholds, message settings.
    ManageSchool,
    /// See which pupils' absence raises a flag this quarter (ABS-2): the school's staff (the
    /// page lists their classes) and leaders (the whole school).
    ViewAbsenceOverview,
    /// Know that a class exists: a refused change to it is answered 403 with the reason to the
    /// school's staff and leaders, 404 to everyone else.
    KnowOfClass,
    /// Be one of the staff of a conference round (CON-2): people who work at the school. Asked
    /// of the person being added, not of the one adding them.
    TakePartInRound,
    /// Read the school's own absence codes to record absence with (ABS-1): its staff.
    UseAbsenceCodes,
    /// Raise a wellbeing concern about a child (ABS-4): guardians with custody.
    RaiseConcern,
    /// Open a case about a pupil (ABS-3, WEL-1): the pupil's staff and leaders.
    OpenCase,
    /// See the list of cases and concerns one takes part in (staff, leaders, guardians).
    ListCases,
    /// Read a case: its people; a guardian reads the concern they raised and its answers.
    ViewCase,
    /// Work on a case and read its internal parts (notes, plans, contacts): its staff people.
    ManageCase,
    /// Know that a case exists: a refused change is answered 403 to the school's staff, and
    /// 404 to everyone else (as if the case did not exist).
    KnowOfCase,
    /// Plan a class's conference rounds, book for families who have not, see who has not
    /// booked, coverage and the class's open agreements (CON-1, CON-2, CON-7): the class's
    /// staff and leaders.
    PlanConferences,
    /// See a class's conference rounds with free and taken times, without names: also the
    /// guardians of the class's pupils (CON-1).
    ViewConferenceRound,
    /// Book, move or cancel a pupil's conference: a guardian with custody, the staff of the
    /// round's class and those taking part, leaders (CON-1).
    BookConference,
    /// Read a conference: its time, needs, preparation and the summary shared with the family.
    ViewConference,
    /// Note what one wants to raise before the conference (CON-5): guardians with custody and
    /// the conference's staff.
    PrepareConference,
    /// Hold the conference: purpose and type, notes with the internal note, agreements
    /// (CON-5, CON-6).
    ConductConference,
    /// Acknowledge the summary: the pupil's guardians, both households (CON-6).
    AcknowledgeSummary,
    /// Write a post to an audience (MSG-5): staff to the classes and grades they teach in,
    /// leaders to anyone, the staff and the whole school included.
    Post,
    /// Mark a post as an emergency, sent at once to everyone: leaders only.
    PostEmergency,
    /// Read a post: its author, leaders, and the readers its audience covers once published.
    ViewPost,
    /// Pin a post, add images, and see who has acknowledged it: its author and leaders.
    ManagePost,
    /// Confirm "read and understood": a reader of the post other than its author.
    AcknowledgePost,
    /// See a class's photo album: its staff, leaders, its pupils and their families.
    ViewAlbum,
    /// Put photos in a class's album: its staff and leaders.
    UploadPhoto,
    /// Decide whether photos of a child may be shown to others: guardians with custody.
    DecidePhotoConsent,
    /// See a class's parent meetings, their agenda, themes and published minutes (MEE-1..5):
    /// the class's staff, leaders and the guardians of the class's pupils.
    ViewMeeting,
    /// Know that a meeting exists: a refused change is answered 403 to the school's staff and
    /// guardians, 404 to everyone else.
    KnowOfMeeting,
    /// Plan a meeting with the parents (MEE-2): agenda, invitation, groups, minutes, decisions,
    /// the communication agreement. The class's staff, leaders and the class's parent
    /// representatives.
    PlanMeeting,
    /// See each family's reply by name (who comes, interpreter language, childcare): the
    /// class's staff and leaders. A parent representative plans with the totals, never with
    /// another family's answer.
    ViewMeetingReplies,
    /// Propose and vote on themes, reply to the invitation: guardians of the class's pupils.
    TakePartInMeeting,
    /// Choose a class's parent representatives (DK *klasseforældreråd*, NO *foreldrekontakter*):
    /// the school — leaders and the class's contact teachers.
    ChooseRepresentatives,
    /// See how the class's parent group is knit (DIF-5): the class's staff and leaders.
    ViewKnit,
    /// Read a class's parent board (DIF-5): its guardians when the school allows the board,
    /// the class's staff and leaders.
    ViewParentBoard,
    /// Post on a class's parent board: its guardians, when the school allows it.
    PostOnParentBoard,
    /// Read a parent body and its thread, and write in it (PEO-5): its members and leaders.
    TakePartInBody,
    /// Mark an agreement done (CON-7).
    FollowUpAgreement,
    /// Create and change events (MSG-6): class events by the class's staff, grade events by the
    /// staff of a class of the grade, school events by leaders.
    PlanEvent,
    /// See an event: everyone it is for (staff, families and pupils of its classes; everyone
    /// at the school for a school event) and leaders.
    ViewEvent,
    /// Answer an invitation: guardians (custody or information) of a child the event is for.
    AnswerEvent,
    /// Give homework for a class: its staff and leaders (MSG-6).
    ManageHomework,
    /// Read a class's homework: its staff, leaders, its pupils and their guardians.
    ViewHomework,
    /// Read a class's contact book (MSG-7): the class's staff and the guardians of its pupils.
    ViewContactBook,
    /// Choose how one's own notifications arrive: instant, daily digest or off (MSG-8).
    ChooseNotifications,
    /// See the school's notification outbox: what is pending, failed or skipped (MSG-8).
    ViewOutbox,
}

/// What an action touches, with the facts the policy needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// The whole school: every class and person.
    School { school_id: SchoolId },
    /// One class with its pupils and their guardians.
    Class {
        school_id: SchoolId,
        class_id: ClassId,
    },
    /// One pupil, enrolled in `classes`.
    Pupil {
        school_id: SchoolId,
        pupil_id: PersonId,
        classes: &'a [ClassId],
    },
    /// The contact details of a guardian of `pupil_id`, as shown on that pupil's record.
    GuardianContact {
        school_id: SchoolId,
        pupil_id: PersonId,
        classes: &'a [ClassId],
        guardian_id: PersonId,
        protected: bool,
    },
    /// A guardian as a name others may be shown (contact books, recipient lists,
    /// conversations); `protected`: the family has name and address protection (PEO-3).
    Family {
        school_id: SchoolId,
        guardian_id: PersonId,
        protected: bool,
    },
    /// A person's own profile.
    Profile { person_id: PersonId },
    /// A person someone may write to, with the links that decide it.
    Person {
        school_id: SchoolId,
        person_id: PersonId,
        roles: &'a [Role],
        /// Classes the person teaches.
        teaches: &'a [ClassId],
        /// Classes the person is enrolled in.
        enrolled: &'a [ClassId],
        /// Classes of the children the person is guardian of (with full or information access).
        children_classes: &'a [ClassId],
        /// The school's setting: guardians of one class may write to each other.
        guardians_may_message: bool,
    },
    /// A conversation, as seen by one actor.
    Thread {
        school_id: SchoolId,
        /// Whether the actor takes part in it.
        participant: bool,
        /// Whether the actor started it.
        starter: bool,
    },
    /// A case about a pupil (ABS-3, ABS-4, WEL-1), as seen by one actor.
    Case {
        school_id: SchoolId,
        pupil_id: PersonId,
        /// The pupil's classes.
        classes: &'a [ClassId],
        /// Whether the actor is one of the people the case names: its coordinator, the one who
        /// opened it, or a contact person of its contact plan.
        member: bool,
        /// For a concern: the guardian who raised it.
        raised_by: Option<PersonId>,
    },
    /// A pupil's conference in a round of `class_id` (CON-1..6).
    Conference {
        school_id: SchoolId,
        pupil_id: PersonId,
        /// The class whose round it belongs to.
        class_id: ClassId,
        /// Whether the actor is one of the staff taking part in the round.
        taking_part: bool,
        /// The household the conference is for, in a round booked apart; `None` when the
        /// family books together. Guardians of the other household do not see it.
        household: Option<i64>,
    },
    /// One conference round of `class_id`; a need-based round (CON-8) belongs to `pupil_id`.
    ConferenceRound {
        school_id: SchoolId,
        class_id: ClassId,
        pupil_id: Option<PersonId>,
    },
    /// One absence record of a pupil (ABS-1).
    AbsenceRecord {
        school_id: SchoolId,
        pupil_id: PersonId,
        /// The pupil's classes.
        classes: &'a [ClassId],
        /// Who made the record.
        reported_by: PersonId,
        /// Whether it was made today (school-local).
        made_today: bool,
    },
    /// An agreement from a conference (CON-7).
    Agreement {
        school_id: SchoolId,
        pupil_id: PersonId,
        class_id: ClassId,
        owner: AgreementOwner,
    },
    /// An event for `classes` (the class, or every class of a grade), or for the whole school.
    Event {
        school_id: SchoolId,
        classes: &'a [ClassId],
        whole_school: bool,
    },
    /// A parent meeting of `class_id` (MEE-1..5); `representative`: the actor is a parent
    /// representative of the class.
    Meeting {
        school_id: SchoolId,
        class_id: ClassId,
        representative: bool,
    },
    /// A class's parent board (DIF-5); `allowed`: the school's setting allows it.
    ParentBoard {
        school_id: SchoolId,
        class_id: ClassId,
        allowed: bool,
    },
    /// A parent body (PEO-5); `member`: the actor is one of its members.
    ParentBody { school_id: SchoolId, member: bool },
    /// The audience of a post being written; `classes` are the classes it covers (the class,
    /// or every class of the grade).
    PostAudience {
        school_id: SchoolId,
        audience: Audience,
        classes: &'a [ClassId],
    },
    /// A post, with the classes its audience covers.
    Post {
        school_id: SchoolId,
        author_id: PersonId,
        audience: Audience,
        classes: &'a [ClassId],
        /// Whether its publishing time has come.
        published: bool,
    },
}

/// The people of a case (sensitive, ABS-3/4, WEL-1): the school's leaders, the pupil's contact
/// teachers, and the staff the case names. Not the pupil's other teachers, not the families.
fn case_people(actor: &Actor, resource: &Resource<'_>) -> bool {
    let Resource::Case {
        school_id,
        classes,
        member,
        ..
    } = *resource
    else {
        return false;
    };
    actor.is_leader_of(school_id)
        || actor.contact_teacher_of_any(classes)
        || (member && actor.has(Role::Staff))
}

/// The staff of a conference: the school's leaders, the staff of the round's class, and the
/// staff taking part in the round.
fn conference_staff(actor: &Actor, resource: &Resource<'_>) -> bool {
    let Resource::Conference {
        school_id,
        class_id,
        taking_part,
        ..
    } = *resource
    else {
        return false;
    };
    actor.is_leader_of(school_id)
        || actor.teaches(class_id).is_some()
        || (taking_part && actor.has(Role::Staff))
}

/// Whether the actor records absence as the school: a leader or a teacher of the pupil, but
/// never over a child of their own. A staff member who is also the pupil's parent reports as
/// a parent (issue 15: the school's powers do not come with being employed there).
fn records_for_school(
    actor: &Actor,
    school_id: SchoolId,
    pupil_id: PersonId,
    classes: &[ClassId],
) -> bool {
    actor.guardian_access(pupil_id).is_none()
        && (actor.is_leader_of(school_id) || actor.teaches_any(classes))
}

/// The decision: may `actor` do `action` on `resource`?
pub fn may(actor: &Actor, action: Action, resource: &Resource<'_>) -> bool {
    // Nothing crosses a school's boundary.
    let school = match *resource {
        Resource::School { school_id }
        | Resource::Class { school_id, .. }
        | Resource::Pupil { school_id, .. }
        | Resource::GuardianContact { school_id, .. }
        | Resource::Family { school_id, .. }
        | Resource::Person { school_id, .. }
        | Resource::Thread { school_id, .. }
        | Resource::Case { school_id, .. }
        | Resource::Conference { school_id, .. }
        | Resource::ConferenceRound { school_id, .. }
        | Resource::Agreement { school_id, .. }
        | Resource::AbsenceRecord { school_id, .. }
        | Resource::Event { school_id, .. }
        | Resource::Meeting { school_id, .. }
        | Resource::ParentBoard { school_id, .. }
        | Resource::ParentBody { school_id, .. }
        | Resource::PostAudience { school_id, .. }
        | Resource::Post { school_id, .. } => Some(school_id),
        Resource::Profile { .. } => None,
    };
    if school.is_some_and(|s| s != actor.school_id) {
        return false;
    }

    match (action, *resource) {
        (Action::View, Resource::School { school_id }) => actor.is_leader_of(school_id),

        // The class page lists every family of the class: staff of the class and leaders only.
        (
            Action::View,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => actor.is_leader_of(school_id) || actor.teaches(class_id).is_some(),

        (
            Action::View,
            Resource::Pupil {
                school_id,
                pupil_id,
                classes,
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches_any(classes)
                || matches!(
                    actor.guardian_access(pupil_id),
                    Some(Access::Full | Access::Info)
                )
                || (actor.has(Role::Pupil) && actor.person_id == pupil_id)
        }

        // Unprotected contact details: the school's staff around the pupil, and the pupil's
        // guardians with custody (a co-parent's phone). An information-only guardian gets
        // information about the child, not the other household's details.
        (
            Action::ViewContact,
            Resource::GuardianContact {
                school_id,
                pupil_id,
                classes,
                guardian_id,
                protected,
            },
        ) => {
            if protected {
                return may(actor, Action::ViewProtectedContact, resource);
            }
            actor.is_leader_of(school_id)
                || actor.teaches_any(classes)
                || actor.person_id == guardian_id
                || actor.guardian_access(pupil_id) == Some(Access::Full)
        }

        // Protected details never leave the school's staff, and among staff only those
        // responsible for the pupil: leaders and the contact teachers (PEO-3).
        (
            Action::ViewProtectedContact,
            Resource::GuardianContact {
                school_id,
                classes,
                guardian_id,
                ..
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.contact_teacher_of_any(classes)
                || actor.person_id == guardian_id
        }

        (Action::EditOwnProfile, Resource::Profile { person_id }) => actor.person_id == person_id,

        (Action::Message, Resource::Person { .. }) => may_message(actor, resource),

        // A conversation is read by those in it, and nobody else: not even a leader reads other
        // people's letters.
        (Action::Converse, Resource::Thread { participant, .. }) => {
            participant && actor.converses()
        }
        (Action::ViewReadState, Resource::Thread { participant, .. }) => {
            participant && (actor.has(Role::Staff) || actor.has(Role::Leader))
        }
        (Action::OpenToAll, Resource::Thread { starter, .. }) => {
            starter && (actor.has(Role::Staff) || actor.has(Role::Leader))
        }

        // The record of a family's calls and talks: the staff around the pupil and leaders.
        (
            Action::LogConversation,
            Resource::Pupil {
                school_id, classes, ..
            },
        ) => actor.is_leader_of(school_id) || actor.teaches_any(classes),

        (
            Action::RecordAbsence,
            Resource::Pupil {
                school_id,
                pupil_id,
                classes,
            },
        ) => records_for_school(actor, school_id, pupil_id, classes),
        // The school's staff of the pupil withdraw any record; a guardian with custody only a
        // report of their own, on the day they made it (ABS-1: "correct or withdraw the same
        // day"), never what the school recorded.
        (
            Action::WithdrawAbsence,
            Resource::AbsenceRecord {
                school_id,
                pupil_id,
                classes,
                reported_by,
                made_today,
            },
        ) => {
            records_for_school(actor, school_id, pupil_id, classes)
                || (actor.guardian_access(pupil_id) == Some(Access::Full)
                    && reported_by == actor.person_id
                    && made_today)
        }
        (
            Action::ReportAbsence,
            Resource::Pupil {
                school_id,
                pupil_id,
                classes,
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches_any(classes)
                || actor.guardian_access(pupil_id) == Some(Access::Full)
        }
        (
            Action::ViewAbsence,
            Resource::Pupil {
                school_id,
                pupil_id,
                classes,
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches_any(classes)
                || matches!(
                    actor.guardian_access(pupil_id),
                    Some(Access::Full | Access::Info)
                )
        }
        (
            Action::TakeRegister,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => actor.is_leader_of(school_id) || actor.teaches(class_id).is_some(),
        (
            Action::DecideLeave,
            Resource::Pupil {
                school_id, classes, ..
            },
        ) => actor.is_leader_of(school_id) || actor.contact_teacher_of_any(classes),
        (Action::ManageSchool, Resource::School { school_id }) => actor.is_leader_of(school_id),
        (Action::ViewAbsenceOverview | Action::TakePartInRound, Resource::School { school_id }) => {
            actor.is_leader_of(school_id)
                || (actor.school_id == school_id && actor.has(Role::Staff))
        }
        (
            Action::KnowOfFamily,
            Resource::Family {
                school_id,
                guardian_id,
                protected,
            },
        ) => {
            !protected
                || actor.person_id == guardian_id
                || (actor.school_id == school_id
                    && (actor.has(Role::Staff) || actor.has(Role::Leader)))
        }
        (Action::ViewInterpreterNeed, Resource::GuardianContact { school_id, .. }) => {
            actor.school_id == school_id && (actor.has(Role::Staff) || actor.has(Role::Leader))
        }
        (Action::KnowOfClass, Resource::Class { school_id, .. }) => {
            actor.school_id == school_id && (actor.has(Role::Staff) || actor.has(Role::Leader))
        }
        (Action::UseAbsenceCodes, Resource::School { school_id }) => {
            actor.is_leader_of(school_id) || actor.has(Role::Staff)
        }

        // Cases (ABS-3, ABS-4, WEL-1). A concern is raised by a guardian with custody; cases
        // are opened by the pupil's staff; a case is read and worked on by its people only.
        (Action::RaiseConcern, Resource::Pupil { pupil_id, .. }) => {
            actor.guardian_access(pupil_id) == Some(Access::Full)
        }
        (
            Action::OpenCase,
            Resource::Pupil {
                school_id, classes, ..
            },
        ) => actor.is_leader_of(school_id) || actor.teaches_any(classes),
        (Action::ListCases, Resource::School { .. }) => {
            actor.has(Role::Staff) || actor.has(Role::Leader) || actor.has(Role::Guardian)
        }
        (Action::ManageCase, Resource::Case { .. }) => case_people(actor, resource),
        (
            Action::ViewCase,
            Resource::Case {
                pupil_id,
                raised_by,
                ..
            },
        ) => {
            case_people(actor, resource)
                || (raised_by == Some(actor.person_id)
                    && matches!(
                        actor.guardian_access(pupil_id),
                        Some(Access::Full | Access::Info)
                    ))
        }
        (Action::KnowOfCase, Resource::Case { .. }) => {
            may(actor, Action::ViewCase, resource)
                || actor.has(Role::Staff)
                || actor.has(Role::Leader)
        }

        // Conferences (CON-1..7). Rounds are planned by the class's staff; the families of the
        // class see free and taken times (never who took them); a conference is the pupil's
        // family's and its staff's. Only staff read the internal note and write notes.
        (
            Action::PlanConferences,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => actor.is_leader_of(school_id) || actor.teaches(class_id).is_some(),
        (
            Action::ViewConferenceRound,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches(class_id).is_some()
                || actor.classes_of_children().any(|c| c == class_id)
        }
        // A class's round is the class's; a need-based round (CON-8) only its pupil's family's
        // and the class's staff's: another family never learns that it exists.
        (
            Action::ViewConferenceRound,
            Resource::ConferenceRound {
                school_id,
                class_id,
                pupil_id,
            },
        ) => match pupil_id {
            None => may(
                actor,
                Action::ViewConferenceRound,
                &Resource::Class {
                    school_id,
                    class_id,
                },
            ),
            Some(pupil) => {
                actor.is_leader_of(school_id)
                    || actor.teaches(class_id).is_some()
                    || matches!(
                        actor.guardian_access(pupil),
                        Some(Access::Full | Access::Info)
                    )
            }
        },
        (Action::ConductConference, Resource::Conference { .. }) => {
            conference_staff(actor, resource)
        }
        (
            Action::BookConference | Action::PrepareConference,
            Resource::Conference {
                pupil_id,
                household,
                ..
            },
        ) => {
            conference_staff(actor, resource)
                || (actor.guardian_access(pupil_id) == Some(Access::Full)
                    && actor.in_household(pupil_id, household))
        }
        (
            Action::ViewConference,
            Resource::Conference {
                pupil_id,
                household,
                ..
            },
        ) => {
            conference_staff(actor, resource)
                || (matches!(
                    actor.guardian_access(pupil_id),
                    Some(Access::Full | Access::Info)
                ) && actor.in_household(pupil_id, household))
        }
        (
            Action::AcknowledgeSummary,
            Resource::Conference {
                pupil_id,
                household,
                ..
            },
        ) => {
            matches!(
                actor.guardian_access(pupil_id),
                Some(Access::Full | Access::Info)
            ) && actor.in_household(pupil_id, household)
        }
        (
            Action::FollowUpAgreement,
            Resource::Agreement {
                school_id,
                pupil_id,
                class_id,
                owner,
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches(class_id).is_some()
                || (owner != AgreementOwner::School
                    && actor.guardian_access(pupil_id) == Some(Access::Full))
                || (owner == AgreementOwner::Pupil
                    && actor.has(Role::Pupil)
                    && actor.person_id == pupil_id)
        }

        // Calendar (MSG-6) and contact book (MSG-7).
        (
            Action::PlanEvent,
            Resource::Event {
                school_id,
                classes,
                whole_school,
            },
        ) => {
            actor.is_leader_of(school_id)
                || (!whole_school && !classes.is_empty() && actor.teaches_any(classes))
        }
        (
            Action::ViewEvent,
            Resource::Event {
                school_id,
                classes,
                whole_school,
            },
        ) => {
            actor.is_leader_of(school_id)
                || (whole_school && !actor.roles.is_empty())
                || actor.teaches_any(classes)
                || actor.classes_of_children().any(|c| classes.contains(&c))
                || (actor.has(Role::Pupil) && actor.enrolled.iter().any(|c| classes.contains(c)))
        }
        (
            Action::AnswerEvent,
            Resource::Event {
                classes,
                whole_school,
                ..
            },
        ) => {
            let mut mine = actor.classes_of_children();
            if whole_school {
                mine.next().is_some()
            } else {
                mine.any(|c| classes.contains(&c))
            }
        }
        (
            Action::ManageHomework,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => actor.is_leader_of(school_id) || actor.teaches(class_id).is_some(),
        (
            Action::ViewHomework,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches(class_id).is_some()
                || actor.classes_of_children().any(|c| c == class_id)
                || (actor.has(Role::Pupil) && actor.enrolled.contains(&class_id))
        }
        // The contact book lists families: the class's own staff and families, not the rest of
        // the school (least privilege, PLT-3).
        (Action::ViewContactBook, Resource::Class { class_id, .. }) => {
            actor.teaches(class_id).is_some() || actor.classes_of_children().any(|c| c == class_id)
        }

        // Parent meetings and the parent community (MEE-1..5, DIF-5, PEO-5).
        (
            Action::ViewMeeting,
            Resource::Meeting {
                school_id,
                class_id,
                ..
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches(class_id).is_some()
                || actor.classes_of_children().any(|c| c == class_id)
        }
        (Action::KnowOfMeeting, Resource::Meeting { .. }) => {
            may(actor, Action::ViewMeeting, resource)
                || actor.has(Role::Staff)
                || actor.has(Role::Leader)
                || actor.has(Role::Guardian)
        }
        (
            Action::PlanMeeting,
            Resource::Meeting {
                school_id,
                class_id,
                representative,
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches(class_id).is_some()
                || (representative && actor.classes_of_children().any(|c| c == class_id))
        }
        (
            Action::ViewMeetingReplies,
            Resource::Meeting {
                school_id,
                class_id,
                ..
            },
        ) => actor.is_leader_of(school_id) || actor.teaches(class_id).is_some(),
        (Action::TakePartInMeeting, Resource::Meeting { class_id, .. }) => {
            actor.classes_of_children().any(|c| c == class_id)
        }
        (
            Action::ChooseRepresentatives,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => actor.is_leader_of(school_id) || actor.contact_teacher_of_any(&[class_id]),
        (
            Action::ViewKnit,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => actor.is_leader_of(school_id) || actor.teaches(class_id).is_some(),
        (
            Action::ViewParentBoard,
            Resource::ParentBoard {
                school_id,
                class_id,
                allowed,
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches(class_id).is_some()
                || (allowed && actor.classes_of_children().any(|c| c == class_id))
        }
        (
            Action::PostOnParentBoard,
            Resource::ParentBoard {
                class_id, allowed, ..
            },
        ) => allowed && actor.classes_of_children().any(|c| c == class_id),
        (Action::TakePartInBody, Resource::ParentBody { school_id, member }) => {
            actor.is_leader_of(school_id)
                || (member && (actor.has(Role::Guardian) || actor.has(Role::Staff)))
        }

        // Posts (MSG-5) and class photo albums.
        (
            Action::Post,
            Resource::PostAudience {
                school_id,
                audience,
                classes,
            },
        ) => {
            actor.is_leader_of(school_id)
                || (matches!(audience, Audience::Class(_) | Audience::Grade(_))
                    && actor.teaches_any(classes))
        }
        (Action::PostEmergency, Resource::School { school_id }) => actor.is_leader_of(school_id),
        (
            Action::ViewPost,
            Resource::Post {
                school_id,
                author_id,
                audience,
                classes,
                published,
            },
        ) => {
            actor.person_id == author_id
                || actor.is_leader_of(school_id)
                || (published && post_scope(actor).covers(audience, classes))
        }
        (
            Action::ManagePost,
            Resource::Post {
                school_id,
                author_id,
                ..
            },
        ) => {
            actor.is_leader_of(school_id)
                || (actor.person_id == author_id && actor.has(Role::Staff))
        }
        (Action::AcknowledgePost, Resource::Post { author_id, .. }) => {
            actor.person_id != author_id && may(actor, Action::ViewPost, resource)
        }
        (
            Action::ViewAlbum,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => {
            actor.is_leader_of(school_id)
                || actor.teaches(class_id).is_some()
                || actor.classes_of_children().any(|c| c == class_id)
                || (actor.has(Role::Pupil) && actor.enrolled.contains(&class_id))
        }
        (
            Action::UploadPhoto,
            Resource::Class {
                school_id,
                class_id,
            },
        ) => actor.is_leader_of(school_id) || actor.teaches(class_id).is_some(),
        (Action::DecidePhotoConsent, Resource::Pupil { pupil_id, .. }) => {
            actor.guardian_access(pupil_id) == Some(Access::Full)
        }

        (Action::ChooseNotifications, Resource::Profile { person_id }) => {
            actor.person_id == person_id
        }
        (Action::ViewOutbox, Resource::School { school_id }) => actor.is_leader_of(school_id),

        // Every pair not named above is denied.
        _ => false,
    }
}

/// What one reader's list of posts holds, besides their own posts (MSG-5): the store turns this
/// into the one query of the list, so the list and [`may`] with [`Action::ViewPost`] agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostScope {
    /// Leaders read every post of their school.
    pub everything: bool,
    /// Posts to the whole school: everyone at the school.
    pub school: bool,
    /// Posts to the staff: staff and leaders.
    pub staff: bool,
    /// Posts to these classes, and to the grades of these classes: the classes one teaches,
    /// one's children's classes (custody or information access) and one's own classes.
    pub classes: Vec<ClassId>,
}

impl PostScope {
    /// Whether a post to `audience`, covering `classes`, is in the scope.
    pub fn covers(&self, audience: Audience, classes: &[ClassId]) -> bool {
        self.everything
            || match audience {
                Audience::School => self.school,
                Audience::Staff => self.staff,
                Audience::Class(_) | Audience::Grade(_) => {
                    classes.iter().any(|c| self.classes.contains(c))
                }
            }
    }
}

/// The posts `actor` reads (see [`PostScope`]).
pub fn post_scope(actor: &Actor) -> PostScope {
    let staff = actor.has(Role::Staff) || actor.has(Role::Leader);
    let mut classes: Vec<ClassId> = Vec::new();
    if actor.has(Role::Staff) {
        classes.extend(actor.teaches.iter().map(|l| l.class_id));
    }
    classes.extend(actor.classes_of_children());
    if actor.has(Role::Pupil) {
        classes.extend(actor.enrolled.iter().copied());
    }
    classes.sort_by_key(|c| c.0);
    classes.dedup();
    PostScope {
        everything: actor.has(Role::Leader),
        school: !actor.roles.is_empty(),
        staff,
        classes,
    }
}

/// Who may write to whom (MSG-1): staff to the families and pupils of their classes and to
/// colleagues; leaders to everyone at the school; guardians and pupils to the staff of their
/// (children's) classes and to leaders; guardians of one class to each other when the school
/// allows it. Nobody writes to themselves.
fn may_message(actor: &Actor, resource: &Resource<'_>) -> bool {
    let Resource::Person {
        school_id,
        person_id,
        roles,
        teaches,
        enrolled,
        children_classes,
        guardians_may_message,
    } = *resource
    else {
        return false;
    };
    if person_id == actor.person_id || roles.is_empty() {
        return false;
    }
    let is_staff = |r: &[Role]| r.contains(&Role::Staff) || r.contains(&Role::Leader);
    if actor.is_leader_of(school_id) {
        return true;
    }
    if actor.has(Role::Staff) {
        return is_staff(roles)
            || (roles.contains(&Role::Guardian) && actor.teaches_any(children_classes))
            || (roles.contains(&Role::Pupil) && actor.teaches_any(enrolled));
    }
    let recipient_is_leader = roles.contains(&Role::Leader);
    if actor.has(Role::Guardian) {
        let mine: Vec<ClassId> = actor.classes_of_children().collect();
        if recipient_is_leader && !mine.is_empty() {
            return true;
        }
        if roles.contains(&Role::Staff) && teaches.iter().any(|c| mine.contains(c)) {
            return true;
        }
        if guardians_may_message
            && roles.contains(&Role::Guardian)
            && children_classes.iter().any(|c| mine.contains(c))
        {
            return true;
        }
    }
    if actor.has(Role::Pupil) {
        return recipient_is_leader
            || (roles.contains(&Role::Staff)
                && teaches.iter().any(|c| actor.enrolled.contains(c)));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHOOL: SchoolId = SchoolId(1);
    const OTHER_SCHOOL: SchoolId = SchoolId(2);
    const CLASS: ClassId = ClassId(10);
    const OTHER_CLASS: ClassId = ClassId(11);
    const PUPIL: PersonId = PersonId(100);
    const OTHER_PUPIL: PersonId = PersonId(101);
    const GUARDIAN: PersonId = PersonId(200);

    fn actor(id: i64, roles: &[Role]) -> Actor {
        Actor {
            person_id: PersonId(id),
            school_id: SCHOOL,
            roles: roles.to_vec(),
            teaches: vec![],
            children: vec![],
            enrolled: vec![],
            child_classes: vec![],
        }
    }

    fn leader() -> Actor {
        actor(1, &[Role::Leader, Role::Staff])
    }
    fn contact_teacher() -> Actor {
        Actor {
            teaches: vec![ClassLink {
                class_id: CLASS,
                contact_teacher: true,
            }],
            ..actor(2, &[Role::Staff])
        }
    }
    fn subject_teacher() -> Actor {
        Actor {
            teaches: vec![ClassLink {
                class_id: CLASS,
                contact_teacher: false,
            }],
            ..actor(3, &[Role::Staff])
        }
    }
    fn other_teacher() -> Actor {
        Actor {
            teaches: vec![ClassLink {
                class_id: OTHER_CLASS,
                contact_teacher: true,
            }],
            ..actor(4, &[Role::Staff])
        }
    }
    fn guardian(access: Access) -> Actor {
        Actor {
            children: vec![ChildLink {
                pupil_id: PUPIL,
                access,
                household: 1,
            }],
            child_classes: vec![(PUPIL, CLASS)],
            ..actor(GUARDIAN.0, &[Role::Guardian])
        }
    }
    fn other_guardian() -> Actor {
        Actor {
            children: vec![ChildLink {
                pupil_id: OTHER_PUPIL,
                access: Access::Full,
                household: 1,
            }],
            child_classes: vec![(OTHER_PUPIL, OTHER_CLASS)],
            ..actor(201, &[Role::Guardian])
        }
    }
    fn pupil() -> Actor {
        Actor {
            enrolled: vec![CLASS],
            ..actor(PUPIL.0, &[Role::Pupil])
        }
    }

    const CLASSES: &[ClassId] = &[CLASS];

    fn the_pupil() -> Resource<'static> {
        Resource::Pupil {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            classes: CLASSES,
        }
    }

    fn contact(protected: bool, guardian_id: PersonId) -> Resource<'static> {
        Resource::GuardianContact {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            classes: CLASSES,
            guardian_id,
            protected,
        }
    }

    #[test]
    fn class_page_is_for_the_class_staff_and_leaders() {
        let class = Resource::Class {
            school_id: SCHOOL,
            class_id: CLASS,
        };
        assert!(may(&leader(), Action::View, &class));
        assert!(may(&contact_teacher(), Action::View, &class));
        assert!(may(&subject_teacher(), Action::View, &class));
        assert!(!may(&other_teacher(), Action::View, &class));
        assert!(!may(&guardian(Access::Full), Action::View, &class));
        assert!(!may(&pupil(), Action::View, &class));
    }

    #[test]
    fn pupil_record_is_for_its_staff_guardians_and_the_pupil() {
        let r = the_pupil();
        assert!(may(&leader(), Action::View, &r));
        assert!(may(&contact_teacher(), Action::View, &r));
        assert!(may(&subject_teacher(), Action::View, &r));
        assert!(may(&guardian(Access::Full), Action::View, &r));
        assert!(may(&guardian(Access::Info), Action::View, &r));
        assert!(may(&pupil(), Action::View, &r));
        assert!(!may(&guardian(Access::None), Action::View, &r));
        assert!(!may(&other_guardian(), Action::View, &r));
        assert!(!may(&other_teacher(), Action::View, &r));
    }

    #[test]
    fn protected_contact_details_stay_with_responsible_staff() {
        let co_parent = PersonId(202);
        let r = contact(true, co_parent);
        assert!(may(&leader(), Action::ViewContact, &r));
        assert!(may(&contact_teacher(), Action::ViewContact, &r));
        assert!(!may(&subject_teacher(), Action::ViewContact, &r));
        assert!(!may(&guardian(Access::Full), Action::ViewContact, &r));
        assert!(!may(&guardian(Access::Info), Action::ViewContact, &r));
        assert!(!may(&pupil(), Action::ViewContact, &r));
        // The protected guardian sees their own details.
        assert!(may(
            &guardian(Access::Full),
            Action::ViewContact,
            &contact(true, GUARDIAN)
        ));
    }

    #[test]
    fn unprotected_contact_details_reach_custodial_guardians_not_info_only() {
        let r = contact(false, PersonId(202));
        assert!(may(&subject_teacher(), Action::ViewContact, &r));
        assert!(may(&guardian(Access::Full), Action::ViewContact, &r));
        assert!(!may(&guardian(Access::Info), Action::ViewContact, &r));
        assert!(!may(&other_guardian(), Action::ViewContact, &r));
        assert!(!may(&pupil(), Action::ViewContact, &r));
        assert!(!may(&other_teacher(), Action::ViewContact, &r));
    }

    #[test]
    fn nothing_crosses_schools() {
        let foreign = Resource::Pupil {
            school_id: OTHER_SCHOOL,
            pupil_id: PUPIL,
            classes: CLASSES,
        };
        for a in [leader(), contact_teacher(), guardian(Access::Full), pupil()] {
            assert!(!may(&a, Action::View, &foreign));
        }
        assert!(!may(
            &leader(),
            Action::View,
            &Resource::School {
                school_id: OTHER_SCHOOL
            }
        ));
    }

    #[test]
    fn a_staff_link_without_the_staff_role_counts_for_nothing() {
        // A former teacher whose membership ended keeps no access through stale class links.
        let former = Actor {
            roles: vec![Role::Guardian],
            ..contact_teacher()
        };
        let class = Resource::Class {
            school_id: SCHOOL,
            class_id: CLASS,
        };
        assert!(!may(&former, Action::View, &class));
    }

    #[test]
    fn only_own_profile() {
        let me = guardian(Access::Full);
        assert!(may(
            &me,
            Action::EditOwnProfile,
            &Resource::Profile {
                person_id: GUARDIAN
            }
        ));
        assert!(!may(
            &me,
            Action::EditOwnProfile,
            &Resource::Profile {
                person_id: PersonId(1)
            }
        ));
    }

    #[test]
    fn unnamed_pairs_are_denied() {
        assert!(!may(
            &leader(),
            Action::EditOwnProfile,
            &Resource::School { school_id: SCHOOL }
        ));
        assert!(!may(&leader(), Action::ViewProtectedContact, &the_pupil()));
    }

    fn person<'a>(
        id: i64,
        roles: &'a [Role],
        teaches: &'a [ClassId],
        children: &'a [ClassId],
        allowed: bool,
    ) -> Resource<'a> {
        Resource::Person {
            school_id: SCHOOL,
            person_id: PersonId(id),
            roles,
            teaches,
            enrolled: if roles.contains(&Role::Pupil) {
                children
            } else {
                &[]
            },
            children_classes: if roles.contains(&Role::Guardian) {
                children
            } else {
                &[]
            },
            guardians_may_message: allowed,
        }
    }

    #[test]
    fn who_may_write_to_whom() {
        let guardian_in_class = person(300, &[Role::Guardian], &[], CLASSES, false);
        let guardian_elsewhere = person(301, &[Role::Guardian], &[], &[OTHER_CLASS], false);
        let teacher_of_class = person(2, &[Role::Staff], CLASSES, &[], false);
        let teacher_elsewhere = person(4, &[Role::Staff], &[OTHER_CLASS], &[], false);
        let the_leader = person(1, &[Role::Leader, Role::Staff], &[], &[], false);
        let pupil_in_class = person(PUPIL.0, &[Role::Pupil], &[], CLASSES, false);

        // Staff reach the families and pupils of their classes, and colleagues.
        let t = contact_teacher();
        assert!(may(&t, Action::Message, &guardian_in_class));
        assert!(may(&t, Action::Message, &pupil_in_class));
        assert!(may(&t, Action::Message, &teacher_elsewhere));
        assert!(!may(&t, Action::Message, &guardian_elsewhere));
        // Leaders reach everyone at the school.
        assert!(may(&leader(), Action::Message, &guardian_elsewhere));

        // Guardians reach their children's staff and leaders, not other staff or families.
        let g = guardian(Access::Full);
        assert!(may(&g, Action::Message, &teacher_of_class));
        assert!(may(&g, Action::Message, &the_leader));
        assert!(!may(&g, Action::Message, &teacher_elsewhere));
        assert!(!may(&g, Action::Message, &guardian_in_class));
        assert!(may(
            &guardian(Access::Info),
            Action::Message,
            &teacher_of_class
        ));
        assert!(!may(
            &guardian(Access::None),
            Action::Message,
            &teacher_of_class
        ));
        assert!(!may(&guardian(Access::None), Action::Message, &the_leader));

        // Guardians of one class write to each other only when the school allows it.
        let allowed = person(300, &[Role::Guardian], &[], CLASSES, true);
        assert!(may(&g, Action::Message, &allowed));
        let allowed_elsewhere = person(301, &[Role::Guardian], &[], &[OTHER_CLASS], true);
        assert!(!may(&g, Action::Message, &allowed_elsewhere));

        // Pupils write to their staff, not to families.
        let p = pupil();
        assert!(may(&p, Action::Message, &teacher_of_class));
        assert!(!may(&p, Action::Message, &teacher_elsewhere));
        assert!(!may(&p, Action::Message, &guardian_in_class));

        // Nobody writes to themselves or to another school.
        assert!(!may(&t, Action::Message, &teacher_of_class));
        let foreign = Resource::Person {
            school_id: OTHER_SCHOOL,
            person_id: PersonId(300),
            roles: &[Role::Guardian],
            teaches: &[],
            enrolled: &[],
            children_classes: CLASSES,
            guardians_may_message: false,
        };
        assert!(!may(&leader(), Action::Message, &foreign));
    }

    #[test]
    fn praise_is_the_schools_and_anyone_may_write_sensitively() {
        use crate::messages::MessageKind;
        let parent = guardian(Access::Full);
        assert!(may_send_kind(&parent, MessageKind::Sensitive));
        assert!(!may_send_kind(&parent, MessageKind::Praise));
        assert!(may_send_kind(&contact_teacher(), MessageKind::Praise));
        assert!(may_send_kind(&leader(), MessageKind::Praise));
    }

    #[test]
    fn a_guardian_withdraws_only_their_own_report_of_today() {
        let record = |reported_by, made_today| Resource::AbsenceRecord {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            classes: &[CLASS],
            reported_by,
            made_today,
        };
        let parent = guardian(Access::Full);
        assert!(may(
            &parent,
            Action::WithdrawAbsence,
            &record(GUARDIAN, true)
        ));
        assert!(!may(
            &parent,
            Action::WithdrawAbsence,
            &record(GUARDIAN, false)
        ));
        let teacher = contact_teacher();
        assert!(!may(
            &parent,
            Action::WithdrawAbsence,
            &record(teacher.person_id, true)
        ));
        assert!(may(
            &teacher,
            Action::WithdrawAbsence,
            &record(GUARDIAN, false)
        ));
        assert!(!may(
            &guardian(Access::Info),
            Action::WithdrawAbsence,
            &record(GUARDIAN, true)
        ));
        assert!(!may(
            &other_guardian(),
            Action::WithdrawAbsence,
            &record(GUARDIAN, true)
        ));
    }

    #[test]
    fn the_schools_own_views_are_for_those_who_work_there() {
        let school = Resource::School { school_id: SCHOOL };
        let class = Resource::Class {
            school_id: SCHOOL,
            class_id: CLASS,
        };
        for a in [leader(), contact_teacher(), other_teacher()] {
            assert!(may(&a, Action::ViewAbsenceOverview, &school));
            assert!(may(&a, Action::TakePartInRound, &school));
            assert!(may(&a, Action::KnowOfClass, &class));
        }
        for a in [guardian(Access::Full), other_guardian(), pupil()] {
            assert!(!may(&a, Action::ViewAbsenceOverview, &school));
            assert!(!may(&a, Action::TakePartInRound, &school));
            assert!(!may(&a, Action::KnowOfClass, &class));
        }
        let contact = Resource::GuardianContact {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            classes: &[CLASS],
            guardian_id: GUARDIAN,
            protected: false,
        };
        assert!(may(
            &subject_teacher(),
            Action::ViewInterpreterNeed,
            &contact
        ));
        assert!(!may(
            &other_guardian(),
            Action::ViewInterpreterNeed,
            &contact
        ));
        // A protected family is named to the school and to itself, never to other families.
        let family = |protected| Resource::Family {
            school_id: SCHOOL,
            guardian_id: GUARDIAN,
            protected,
        };
        let protected = family(true);
        assert!(may(&other_guardian(), Action::KnowOfFamily, &family(false)));
        assert!(!may(&other_guardian(), Action::KnowOfFamily, &protected));
        assert!(may(
            &guardian(Access::Full),
            Action::KnowOfFamily,
            &protected
        ));
        assert!(may(&subject_teacher(), Action::KnowOfFamily, &protected));
        assert!(!may(&pupil(), Action::KnowOfFamily, &protected));
        let elsewhere = Resource::School {
            school_id: OTHER_SCHOOL,
        };
        assert!(!may(
            &contact_teacher(),
            Action::ViewAbsenceOverview,
            &elsewhere
        ));
    }

    #[test]
    fn a_teacher_who_is_the_pupils_parent_reports_as_a_parent() {
        let parent_teacher = Actor {
            roles: vec![Role::Staff, Role::Leader, Role::Guardian],
            ..Actor {
                teaches: contact_teacher().teaches,
                ..guardian(Access::Full)
            }
        };
        let pupil = Resource::Pupil {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            classes: &[CLASS],
        };
        assert!(!may(&parent_teacher, Action::RecordAbsence, &pupil));
        assert!(may(&parent_teacher, Action::ReportAbsence, &pupil));
        // Another pupil of the class is the school's to record.
        let classmate = Resource::Pupil {
            school_id: SCHOOL,
            pupil_id: OTHER_PUPIL,
            classes: &[CLASS],
        };
        assert!(may(&parent_teacher, Action::RecordAbsence, &classmate));
        // The school's record of their own child is not theirs to withdraw.
        let record = Resource::AbsenceRecord {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            classes: &[CLASS],
            reported_by: contact_teacher().person_id,
            made_today: true,
        };
        assert!(!may(&parent_teacher, Action::WithdrawAbsence, &record));
        assert!(may(&contact_teacher(), Action::WithdrawAbsence, &record));
    }

    #[test]
    fn conversations_belong_to_their_participants() {
        let inside = Resource::Thread {
            school_id: SCHOOL,
            participant: true,
            starter: false,
        };
        let outside = Resource::Thread {
            school_id: SCHOOL,
            participant: false,
            starter: false,
        };
        assert!(may(&guardian(Access::Full), Action::Converse, &inside));
        // Rights as they are now: a guardian whose access dropped loses the conversation.
        assert!(!may(&guardian(Access::Info), Action::Converse, &inside));
        assert!(!may(&guardian(Access::None), Action::Converse, &inside));
        assert!(!may(&leader(), Action::Converse, &outside));
        assert!(may(&contact_teacher(), Action::ViewReadState, &inside));
        assert!(!may(
            &guardian(Access::Full),
            Action::ViewReadState,
            &inside
        ));
        let started = Resource::Thread {
            school_id: SCHOOL,
            participant: true,
            starter: true,
        };
        assert!(may(&contact_teacher(), Action::OpenToAll, &started));
        assert!(!may(&contact_teacher(), Action::OpenToAll, &inside));
        assert!(!may(&guardian(Access::Full), Action::OpenToAll, &started));
    }

    #[test]
    fn conversation_log_is_for_the_pupils_staff() {
        let r = the_pupil();
        assert!(may(&contact_teacher(), Action::LogConversation, &r));
        assert!(may(&leader(), Action::LogConversation, &r));
        assert!(!may(&other_teacher(), Action::LogConversation, &r));
        assert!(!may(&guardian(Access::Full), Action::LogConversation, &r));
        assert!(!may(&pupil(), Action::LogConversation, &r));
    }

    #[test]
    fn absence_is_reported_by_custodians_and_staff_and_seen_by_the_family() {
        let r = the_pupil();
        for a in [
            guardian(Access::Full),
            contact_teacher(),
            subject_teacher(),
            leader(),
        ] {
            assert!(may(&a, Action::ReportAbsence, &r));
            assert!(may(&a, Action::ViewAbsence, &r));
        }
        // Information-only guardians see, but do not report.
        assert!(may(&guardian(Access::Info), Action::ViewAbsence, &r));
        assert!(!may(&guardian(Access::Info), Action::ReportAbsence, &r));
        for a in [
            guardian(Access::None),
            other_guardian(),
            other_teacher(),
            pupil(),
        ] {
            assert!(!may(&a, Action::ReportAbsence, &r));
            assert!(!may(&a, Action::ViewAbsence, &r));
        }
        // Leave is decided by the contact teacher or a leader.
        assert!(may(&contact_teacher(), Action::DecideLeave, &r));
        assert!(may(&leader(), Action::DecideLeave, &r));
        assert!(!may(&subject_teacher(), Action::DecideLeave, &r));
        assert!(!may(&guardian(Access::Full), Action::DecideLeave, &r));
        let class = Resource::Class {
            school_id: SCHOOL,
            class_id: CLASS,
        };
        assert!(may(&subject_teacher(), Action::TakeRegister, &class));
        assert!(!may(&other_teacher(), Action::TakeRegister, &class));
        assert!(!may(&guardian(Access::Full), Action::TakeRegister, &class));
        let school = Resource::School { school_id: SCHOOL };
        assert!(may(&leader(), Action::ManageSchool, &school));
        assert!(!may(&contact_teacher(), Action::ManageSchool, &school));
    }

    fn case(member: bool, raised_by: Option<PersonId>) -> Resource<'static> {
        Resource::Case {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            classes: CLASSES,
            member,
            raised_by,
        }
    }

    #[test]
    fn concerns_are_raised_by_custodians_and_cases_opened_by_the_pupils_staff() {
        let r = the_pupil();
        assert!(may(&guardian(Access::Full), Action::RaiseConcern, &r));
        for a in [
            guardian(Access::Info),
            guardian(Access::None),
            other_guardian(),
            contact_teacher(),
            pupil(),
        ] {
            assert!(!may(&a, Action::RaiseConcern, &r), "{a:?}");
        }
        for a in [leader(), contact_teacher(), subject_teacher()] {
            assert!(may(&a, Action::OpenCase, &r));
        }
        for a in [other_teacher(), guardian(Access::Full), pupil()] {
            assert!(!may(&a, Action::OpenCase, &r));
        }
        let school = Resource::School { school_id: SCHOOL };
        assert!(may(&guardian(Access::Info), Action::ListCases, &school));
        assert!(may(&other_teacher(), Action::ListCases, &school));
        assert!(!may(&pupil(), Action::ListCases, &school));
    }

    #[test]
    fn a_case_is_for_its_people_only() {
        let outside = case(false, None);
        // Leaders and the pupil's contact teachers are always the case's people.
        for a in [leader(), contact_teacher()] {
            assert!(may(&a, Action::ViewCase, &outside));
            assert!(may(&a, Action::ManageCase, &outside));
        }
        // The pupil's other teachers are not, unless the case names them.
        assert!(!may(&subject_teacher(), Action::ViewCase, &outside));
        assert!(!may(&subject_teacher(), Action::ManageCase, &outside));
        let named = case(true, None);
        assert!(may(&subject_teacher(), Action::ManageCase, &named));
        assert!(may(&other_teacher(), Action::ManageCase, &named));
        // A staff link without the staff role counts for nothing.
        let former = Actor {
            roles: vec![Role::Guardian],
            ..other_teacher()
        };
        assert!(!may(&former, Action::ViewCase, &named));
        // Families and pupils never work on a case, even when named.
        for a in [guardian(Access::Full), pupil()] {
            assert!(!may(&a, Action::ManageCase, &named));
            assert!(!may(&a, Action::ViewCase, &outside));
        }
    }

    #[test]
    fn a_guardian_reads_their_own_concern_not_its_internal_parts() {
        let theirs = case(false, Some(GUARDIAN));
        assert!(may(&guardian(Access::Full), Action::ViewCase, &theirs));
        assert!(!may(&guardian(Access::Full), Action::ManageCase, &theirs));
        // A guardian whose custody ended keeps information access, and so the concern.
        assert!(may(&guardian(Access::Info), Action::ViewCase, &theirs));
        assert!(!may(&guardian(Access::None), Action::ViewCase, &theirs));
        // Another family's concern does not exist for them.
        let others = case(false, Some(PersonId(202)));
        assert!(!may(&guardian(Access::Full), Action::ViewCase, &others));
        assert!(!may(&other_guardian(), Action::ViewCase, &theirs));
    }

    #[test]
    fn outsiders_on_staff_are_refused_families_are_told_nothing() {
        let r = case(false, None);
        // The school's staff outside the case learn that it exists (403), nothing more.
        assert!(may(&other_teacher(), Action::KnowOfCase, &r));
        assert!(!may(&other_teacher(), Action::ViewCase, &r));
        assert!(may(&subject_teacher(), Action::KnowOfCase, &r));
        // Families and pupils outside it do not (404).
        assert!(!may(&other_guardian(), Action::KnowOfCase, &r));
        assert!(!may(&pupil(), Action::KnowOfCase, &r));
        // The guardian who raised a concern knows of it, and is refused changes with 403.
        let theirs = case(false, Some(GUARDIAN));
        assert!(may(&guardian(Access::Full), Action::KnowOfCase, &theirs));
        // Nothing of another school, not even to its leader.
        let foreign = Resource::Case {
            school_id: OTHER_SCHOOL,
            pupil_id: PUPIL,
            classes: CLASSES,
            member: true,
            raised_by: None,
        };
        for action in [Action::ViewCase, Action::ManageCase, Action::KnowOfCase] {
            assert!(!may(&leader(), action, &foreign));
        }
    }

    fn conference(taking_part: bool) -> Resource<'static> {
        Resource::Conference {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            class_id: CLASS,
            taking_part,
            household: None,
        }
    }

    /// A guardian of `PUPIL` with full access in household `n`.
    fn guardian_in_household(n: i64) -> Actor {
        let mut g = guardian(Access::Full);
        for c in &mut g.children {
            c.household = n;
        }
        g
    }

    #[test]
    fn a_round_booked_apart_gives_each_household_its_own_conference() {
        let first = guardian_in_household(1);
        let second = guardian_in_household(2);
        let of = |household| Resource::Conference {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            class_id: CLASS,
            taking_part: false,
            household: Some(household),
        };
        for action in [
            Action::BookConference,
            Action::PrepareConference,
            Action::ViewConference,
            Action::AcknowledgeSummary,
        ] {
            assert!(may(&first, action, &of(1)), "{action:?}");
            assert!(!may(&first, action, &of(2)), "{action:?}");
            assert!(may(&second, action, &of(2)), "{action:?}");
            assert!(!may(&second, action, &of(1)), "{action:?}");
            // Booked together, the conference is both households'.
            assert!(may(&first, action, &conference(false)), "{action:?}");
            assert!(may(&second, action, &conference(false)), "{action:?}");
        }
        // The class's staff see and hold both households' conferences.
        for a in [leader(), contact_teacher()] {
            assert!(may(&a, Action::ConductConference, &of(1)));
            assert!(may(&a, Action::ConductConference, &of(2)));
        }
    }

    /// A guardian of another pupil in the same class.
    fn classmate_guardian() -> Actor {
        Actor {
            children: vec![ChildLink {
                pupil_id: OTHER_PUPIL,
                access: Access::Full,
                household: 1,
            }],
            child_classes: vec![(OTHER_PUPIL, CLASS)],
            ..actor(202, &[Role::Guardian])
        }
    }

    #[test]
    fn rounds_are_planned_by_the_class_staff_and_seen_by_its_families() {
        let class = Resource::Class {
            school_id: SCHOOL,
            class_id: CLASS,
        };
        for a in [leader(), contact_teacher(), subject_teacher()] {
            assert!(may(&a, Action::PlanConferences, &class));
            assert!(may(&a, Action::ViewConferenceRound, &class));
        }
        for a in [
            guardian(Access::Full),
            guardian(Access::Info),
            classmate_guardian(),
        ] {
            assert!(!may(&a, Action::PlanConferences, &class));
            assert!(may(&a, Action::ViewConferenceRound, &class));
        }
        for a in [
            other_teacher(),
            other_guardian(),
            guardian(Access::None),
            pupil(),
        ] {
            assert!(!may(&a, Action::PlanConferences, &class));
            assert!(!may(&a, Action::ViewConferenceRound, &class));
        }
    }

    #[test]
    fn the_schools_absence_codes_are_for_its_staff() {
        let school = Resource::School { school_id: SCHOOL };
        for a in [
            leader(),
            contact_teacher(),
            subject_teacher(),
            other_teacher(),
        ] {
            assert!(may(&a, Action::UseAbsenceCodes, &school));
        }
        for a in [guardian(Access::Full), guardian(Access::Info), pupil()] {
            assert!(!may(&a, Action::UseAbsenceCodes, &school));
        }
        let elsewhere = Resource::School {
            school_id: SchoolId(SCHOOL.0 + 1),
        };
        assert!(!may(&leader(), Action::UseAbsenceCodes, &elsewhere));
    }

    #[test]
    fn a_need_based_round_is_seen_by_its_pupils_family_and_the_class_staff_only() {
        let routine = Resource::ConferenceRound {
            school_id: SCHOOL,
            class_id: CLASS,
            pupil_id: None,
        };
        let need_based = Resource::ConferenceRound {
            school_id: SCHOOL,
            class_id: CLASS,
            pupil_id: Some(PUPIL),
        };
        for a in [
            leader(),
            contact_teacher(),
            subject_teacher(),
            guardian(Access::Full),
            guardian(Access::Info),
        ] {
            assert!(may(&a, Action::ViewConferenceRound, &routine));
            assert!(may(&a, Action::ViewConferenceRound, &need_based));
        }
        // A classmate's family sees the class's round, never another child's need-based one.
        assert!(may(
            &classmate_guardian(),
            Action::ViewConferenceRound,
            &routine
        ));
        assert!(!may(
            &classmate_guardian(),
            Action::ViewConferenceRound,
            &need_based
        ));
        for a in [
            other_teacher(),
            other_guardian(),
            guardian(Access::None),
            pupil(),
        ] {
            assert!(!may(&a, Action::ViewConferenceRound, &routine));
            assert!(!may(&a, Action::ViewConferenceRound, &need_based));
        }
    }

    #[test]
    fn a_conference_is_the_pupils_familys_and_its_staffs() {
        let r = conference(false);
        for a in [leader(), contact_teacher(), subject_teacher()] {
            for action in [
                Action::BookConference,
                Action::ViewConference,
                Action::PrepareConference,
                Action::ConductConference,
            ] {
                assert!(may(&a, action, &r), "{action:?}");
            }
            assert!(!may(&a, Action::AcknowledgeSummary, &r));
        }
        // The custodial guardian books and prepares; never writes notes.
        let g = guardian(Access::Full);
        assert!(may(&g, Action::BookConference, &r));
        assert!(may(&g, Action::PrepareConference, &r));
        assert!(may(&g, Action::ViewConference, &r));
        assert!(may(&g, Action::AcknowledgeSummary, &r));
        assert!(!may(&g, Action::ConductConference, &r));
        // The other household (information only) sees and acknowledges, does not book.
        let info = guardian(Access::Info);
        assert!(may(&info, Action::ViewConference, &r));
        assert!(may(&info, Action::AcknowledgeSummary, &r));
        assert!(!may(&info, Action::BookConference, &r));
        assert!(!may(&info, Action::PrepareConference, &r));
        // Another family of the class, another class's teacher, the pupil: nothing.
        for a in [
            classmate_guardian(),
            other_guardian(),
            other_teacher(),
            guardian(Access::None),
            pupil(),
        ] {
            for action in [
                Action::BookConference,
                Action::ViewConference,
                Action::PrepareConference,
                Action::ConductConference,
                Action::AcknowledgeSummary,
            ] {
                assert!(!may(&a, action, &r), "{a:?} {action:?}");
            }
        }
        // Staff taking part in the round from outside the class hold the conference too.
        let with = conference(true);
        assert!(may(&other_teacher(), Action::ConductConference, &with));
        assert!(may(&other_teacher(), Action::ViewConference, &with));
        let former = Actor {
            roles: vec![Role::Guardian],
            ..other_teacher()
        };
        assert!(!may(&former, Action::ConductConference, &with));
        // Nothing of another school.
        let foreign = Resource::Conference {
            school_id: OTHER_SCHOOL,
            pupil_id: PUPIL,
            class_id: CLASS,
            taking_part: true,
            household: None,
        };
        assert!(!may(&leader(), Action::ViewConference, &foreign));
    }

    #[test]
    fn staff_post_to_their_classes_and_grades_leaders_to_anyone() {
        let to = |audience, classes: &'static [ClassId]| Resource::PostAudience {
            school_id: SCHOOL,
            audience,
            classes,
        };
        let class = to(Audience::Class(CLASS), CLASSES);
        let grade = to(Audience::Grade(3), &[CLASS, OTHER_CLASS]);
        let other_grade = to(Audience::Grade(4), &[OTHER_CLASS]);
        for a in [contact_teacher(), subject_teacher()] {
            assert!(may(&a, Action::Post, &class));
            assert!(may(&a, Action::Post, &grade));
            assert!(!may(&a, Action::Post, &other_grade));
            assert!(!may(&a, Action::Post, &to(Audience::School, &[])));
            assert!(!may(&a, Action::Post, &to(Audience::Staff, &[])));
        }
        assert!(!may(&other_teacher(), Action::Post, &class));
        for audience in [Audience::School, Audience::Staff] {
            assert!(may(&leader(), Action::Post, &to(audience, &[])));
        }
        assert!(may(&leader(), Action::Post, &other_grade));
        // Families and pupils never post, not even to their own class.
        for a in [guardian(Access::Full), guardian(Access::Info), pupil()] {
            assert!(!may(&a, Action::Post, &class));
            assert!(!may(&a, Action::Post, &to(Audience::School, &[])));
        }
        // Emergencies are the leaders'.
        let school = Resource::School { school_id: SCHOOL };
        assert!(may(&leader(), Action::PostEmergency, &school));
        assert!(!may(&contact_teacher(), Action::PostEmergency, &school));
        let foreign = Resource::PostAudience {
            school_id: OTHER_SCHOOL,
            audience: Audience::School,
            classes: &[],
        };
        assert!(!may(&leader(), Action::Post, &foreign));
    }

    fn post(audience: Audience, classes: &'static [ClassId], published: bool) -> Resource<'static> {
        Resource::Post {
            school_id: SCHOOL,
            author_id: PersonId(2),
            audience,
            classes,
            published,
        }
    }

    #[test]
    fn posts_are_read_by_the_audience_they_cover() {
        let class = post(Audience::Class(CLASS), CLASSES, true);
        let grade = post(Audience::Grade(3), &[CLASS, OTHER_CLASS], true);
        let other = post(Audience::Class(OTHER_CLASS), &[OTHER_CLASS], true);
        let staff = post(Audience::Staff, &[], true);
        let school = post(Audience::School, &[], true);
        // Both households get information, the pupil reads their class's posts.
        for a in [guardian(Access::Full), guardian(Access::Info), pupil()] {
            assert!(may(&a, Action::ViewPost, &class), "{a:?}");
            assert!(may(&a, Action::ViewPost, &grade));
            assert!(may(&a, Action::ViewPost, &school));
            assert!(!may(&a, Action::ViewPost, &other));
            assert!(!may(&a, Action::ViewPost, &staff));
            assert!(may(&a, Action::AcknowledgePost, &class));
        }
        assert!(!may(&guardian(Access::None), Action::ViewPost, &class));
        assert!(!may(&other_guardian(), Action::ViewPost, &class));
        // Staff read staff posts and all posts of their classes.
        let t = subject_teacher();
        for r in [&class, &grade, &staff, &school] {
            assert!(may(&t, Action::ViewPost, r));
        }
        assert!(!may(&t, Action::ViewPost, &other));
        assert!(may(&other_teacher(), Action::ViewPost, &staff));
        assert!(!may(&other_teacher(), Action::ViewPost, &class));
        assert!(may(&leader(), Action::ViewPost, &other));
        // A scheduled post is its author's and the leaders' until its time.
        let later = post(Audience::Class(CLASS), CLASSES, false);
        assert!(may(&contact_teacher(), Action::ViewPost, &later));
        assert!(may(&leader(), Action::ViewPost, &later));
        assert!(!may(&guardian(Access::Full), Action::ViewPost, &later));
        assert!(!may(&subject_teacher(), Action::ViewPost, &later));
        // The author and leaders manage it; the author does not acknowledge their own post.
        assert!(may(&contact_teacher(), Action::ManagePost, &class));
        assert!(may(&leader(), Action::ManagePost, &class));
        assert!(!may(&subject_teacher(), Action::ManagePost, &class));
        assert!(!may(&guardian(Access::Full), Action::ManagePost, &class));
        assert!(!may(&contact_teacher(), Action::AcknowledgePost, &class));
        // The scope the list query uses says the same.
        let scope = post_scope(&guardian(Access::Info));
        assert_eq!(scope.classes, vec![CLASS]);
        assert!(!scope.staff && !scope.everything && scope.school);
        assert!(post_scope(&leader()).everything);
    }

    #[test]
    fn albums_are_the_class_s_and_consent_is_the_custodians() {
        let class = Resource::Class {
            school_id: SCHOOL,
            class_id: CLASS,
        };
        for a in [
            leader(),
            contact_teacher(),
            guardian(Access::Full),
            guardian(Access::Info),
            pupil(),
        ] {
            assert!(may(&a, Action::ViewAlbum, &class), "{a:?}");
        }
        for a in [other_teacher(), other_guardian(), guardian(Access::None)] {
            assert!(!may(&a, Action::ViewAlbum, &class));
        }
        assert!(may(&subject_teacher(), Action::UploadPhoto, &class));
        assert!(!may(&guardian(Access::Full), Action::UploadPhoto, &class));
        assert!(!may(&pupil(), Action::UploadPhoto, &class));
        let r = the_pupil();
        assert!(may(&guardian(Access::Full), Action::DecidePhotoConsent, &r));
        for a in [guardian(Access::Info), contact_teacher(), pupil(), leader()] {
            assert!(!may(&a, Action::DecidePhotoConsent, &r));
        }
    }

    #[test]
    fn agreements_are_followed_up_by_their_owners_and_the_class_staff() {
        let agreement = |owner| Resource::Agreement {
            school_id: SCHOOL,
            pupil_id: PUPIL,
            class_id: CLASS,
            owner,
        };
        for owner in AgreementOwner::ALL {
            let r = agreement(*owner);
            assert!(may(&leader(), Action::FollowUpAgreement, &r));
            assert!(may(&subject_teacher(), Action::FollowUpAgreement, &r));
            assert!(!may(&other_teacher(), Action::FollowUpAgreement, &r));
            assert!(!may(&classmate_guardian(), Action::FollowUpAgreement, &r));
            assert!(!may(&guardian(Access::Info), Action::FollowUpAgreement, &r));
        }
        let follow = |a: &Actor, owner| may(a, Action::FollowUpAgreement, &agreement(owner));
        let g = guardian(Access::Full);
        assert!(follow(&g, AgreementOwner::Home));
        assert!(follow(&g, AgreementOwner::Pupil));
        assert!(!follow(&g, AgreementOwner::School));
        let p = pupil();
        assert!(follow(&p, AgreementOwner::Pupil));
        assert!(!follow(&p, AgreementOwner::Home));
    }

    #[test]
    fn events_are_planned_by_their_staff_and_answered_by_their_families() {
        let class_event = Resource::Event {
            school_id: SCHOOL,
            classes: CLASSES,
            whole_school: false,
        };
        let school_event = Resource::Event {
            school_id: SCHOOL,
            classes: &[],
            whole_school: true,
        };
        assert!(may(&leader(), Action::PlanEvent, &class_event));
        assert!(may(&leader(), Action::PlanEvent, &school_event));
        assert!(may(&subject_teacher(), Action::PlanEvent, &class_event));
        assert!(!may(&subject_teacher(), Action::PlanEvent, &school_event));
        assert!(!may(&other_teacher(), Action::PlanEvent, &class_event));
        assert!(!may(
            &guardian(Access::Full),
            Action::PlanEvent,
            &class_event
        ));

        assert!(may(
            &guardian(Access::Info),
            Action::ViewEvent,
            &class_event
        ));
        assert!(!may(
            &guardian(Access::None),
            Action::ViewEvent,
            &class_event
        ));
        assert!(!may(&other_guardian(), Action::ViewEvent, &class_event));
        assert!(may(&other_guardian(), Action::ViewEvent, &school_event));
        assert!(may(&pupil(), Action::ViewEvent, &class_event));
        assert!(!may(&other_teacher(), Action::ViewEvent, &class_event));

        assert!(may(
            &guardian(Access::Full),
            Action::AnswerEvent,
            &class_event
        ));
        assert!(may(
            &guardian(Access::Info),
            Action::AnswerEvent,
            &class_event
        ));
        assert!(!may(
            &guardian(Access::None),
            Action::AnswerEvent,
            &class_event
        ));
        assert!(!may(&other_guardian(), Action::AnswerEvent, &class_event));
        assert!(may(&other_guardian(), Action::AnswerEvent, &school_event));
        assert!(!may(&pupil(), Action::AnswerEvent, &class_event));
        assert!(!may(&contact_teacher(), Action::AnswerEvent, &class_event));

        let elsewhere = Resource::Event {
            school_id: OTHER_SCHOOL,
            classes: &[],
            whole_school: true,
        };
        assert!(!may(&leader(), Action::ViewEvent, &elsewhere));
        assert!(!may(
            &guardian(Access::Full),
            Action::AnswerEvent,
            &elsewhere
        ));
    }

    #[test]
    fn homework_and_contact_book_stay_with_the_class() {
        let class = Resource::Class {
            school_id: SCHOOL,
            class_id: CLASS,
        };
        assert!(may(&subject_teacher(), Action::ManageHomework, &class));
        assert!(may(&leader(), Action::ManageHomework, &class));
        assert!(!may(&other_teacher(), Action::ManageHomework, &class));
        assert!(!may(
            &guardian(Access::Full),
            Action::ManageHomework,
            &class
        ));
        assert!(may(&guardian(Access::Info), Action::ViewHomework, &class));
        assert!(may(&pupil(), Action::ViewHomework, &class));
        assert!(!may(&other_guardian(), Action::ViewHomework, &class));

        assert!(may(&contact_teacher(), Action::ViewContactBook, &class));
        assert!(may(&subject_teacher(), Action::ViewContactBook, &class));
        assert!(may(
            &guardian(Access::Full),
            Action::ViewContactBook,
            &class
        ));
        assert!(may(
            &guardian(Access::Info),
            Action::ViewContactBook,
            &class
        ));
        assert!(!may(
            &guardian(Access::None),
            Action::ViewContactBook,
            &class
        ));
        assert!(!may(&other_guardian(), Action::ViewContactBook, &class));
        assert!(!may(&other_teacher(), Action::ViewContactBook, &class));
        assert!(!may(&pupil(), Action::ViewContactBook, &class));
    }

    #[test]
    fn meetings_are_the_class_staff_guardians_and_representatives() {
        let meeting = |representative| Resource::Meeting {
            school_id: SCHOOL,
            class_id: CLASS,
            representative,
        };
        let m = meeting(false);
        for a in [
            leader(),
            contact_teacher(),
            subject_teacher(),
            guardian(Access::Info),
        ] {
            assert!(may(&a, Action::ViewMeeting, &m));
        }
        assert!(!may(&other_teacher(), Action::ViewMeeting, &m));
        assert!(!may(&other_guardian(), Action::ViewMeeting, &m));
        assert!(!may(&pupil(), Action::ViewMeeting, &m));
        assert!(!may(&guardian(Access::None), Action::ViewMeeting, &m));
        // Planning: staff, leaders, and a guardian only as the class's representative.
        assert!(may(&contact_teacher(), Action::PlanMeeting, &m));
        assert!(may(&subject_teacher(), Action::PlanMeeting, &m));
        assert!(!may(&guardian(Access::Full), Action::PlanMeeting, &m));
        assert!(may(
            &guardian(Access::Full),
            Action::PlanMeeting,
            &meeting(true)
        ));
        assert!(!may(&other_guardian(), Action::PlanMeeting, &meeting(true)));
        // Each family's answer by name is the school's; a representative sees totals.
        assert!(may(&contact_teacher(), Action::ViewMeetingReplies, &m));
        assert!(may(&leader(), Action::ViewMeetingReplies, &m));
        assert!(!may(
            &guardian(Access::Full),
            Action::ViewMeetingReplies,
            &meeting(true)
        ));
        // Themes, votes and replies are the families'.
        assert!(may(&guardian(Access::Full), Action::TakePartInMeeting, &m));
        assert!(may(&guardian(Access::Info), Action::TakePartInMeeting, &m));
        assert!(!may(&other_guardian(), Action::TakePartInMeeting, &m));
        assert!(!may(&contact_teacher(), Action::TakePartInMeeting, &m));
        // Someone outside the class knows of it (403), a pupil does not (404).
        assert!(may(&other_guardian(), Action::KnowOfMeeting, &m));
        assert!(may(&other_teacher(), Action::KnowOfMeeting, &m));
        assert!(!may(&pupil(), Action::KnowOfMeeting, &m));
        let elsewhere = Resource::Meeting {
            school_id: OTHER_SCHOOL,
            class_id: CLASS,
            representative: false,
        };
        assert!(!may(&leader(), Action::ViewMeeting, &elsewhere));
        assert!(!may(
            &guardian(Access::Full),
            Action::KnowOfMeeting,
            &elsewhere
        ));
    }

    #[test]
    fn representatives_are_chosen_by_the_school() {
        let class = Resource::Class {
            school_id: SCHOOL,
            class_id: CLASS,
        };
        assert!(may(&leader(), Action::ChooseRepresentatives, &class));
        assert!(may(
            &contact_teacher(),
            Action::ChooseRepresentatives,
            &class
        ));
        assert!(!may(
            &subject_teacher(),
            Action::ChooseRepresentatives,
            &class
        ));
        assert!(!may(
            &guardian(Access::Full),
            Action::ChooseRepresentatives,
            &class
        ));
        assert!(may(&subject_teacher(), Action::ViewKnit, &class));
        assert!(!may(&guardian(Access::Full), Action::ViewKnit, &class));
    }

    #[test]
    fn the_parent_board_needs_the_school_setting() {
        let board = |allowed| Resource::ParentBoard {
            school_id: SCHOOL,
            class_id: CLASS,
            allowed,
        };
        assert!(may(
            &guardian(Access::Full),
            Action::PostOnParentBoard,
            &board(true)
        ));
        assert!(!may(
            &guardian(Access::Full),
            Action::PostOnParentBoard,
            &board(false)
        ));
        assert!(!may(
            &guardian(Access::Full),
            Action::ViewParentBoard,
            &board(false)
        ));
        assert!(!may(
            &other_guardian(),
            Action::ViewParentBoard,
            &board(true)
        ));
        assert!(may(
            &contact_teacher(),
            Action::ViewParentBoard,
            &board(false)
        ));
        assert!(!may(
            &contact_teacher(),
            Action::PostOnParentBoard,
            &board(true)
        ));
        assert!(!may(&pupil(), Action::ViewParentBoard, &board(true)));
    }

    #[test]
    fn parent_bodies_are_their_members_and_leaders() {
        let body = |member| Resource::ParentBody {
            school_id: SCHOOL,
            member,
        };
        assert!(may(&leader(), Action::TakePartInBody, &body(false)));
        assert!(may(
            &guardian(Access::Full),
            Action::TakePartInBody,
            &body(true)
        ));
        assert!(!may(
            &guardian(Access::Full),
            Action::TakePartInBody,
            &body(false)
        ));
        assert!(!may(&pupil(), Action::TakePartInBody, &body(true)));
    }

    #[test]
    fn notifications_are_chosen_by_each_person_and_the_outbox_seen_by_leaders() {
        let own = Resource::Profile {
            person_id: GUARDIAN,
        };
        assert!(may(
            &guardian(Access::Full),
            Action::ChooseNotifications,
            &own
        ));
        assert!(!may(&leader(), Action::ChooseNotifications, &own));
        let school = Resource::School { school_id: SCHOOL };
        assert!(may(&leader(), Action::ViewOutbox, &school));
        for other in [contact_teacher(), guardian(Access::Full), pupil()] {
            assert!(!may(&other, Action::ViewOutbox, &school));
        }
        let other_school = Resource::School {
            school_id: OTHER_SCHOOL,
        };
        assert!(!may(&leader(), Action::ViewOutbox, &other_school));
    }
}
