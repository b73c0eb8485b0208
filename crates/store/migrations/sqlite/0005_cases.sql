-- Cases (ABS-3, ABS-4, WEL-1): worrying absence with a coordinator and a contact plan, guardians'
-- concerns with the duty to act on bullying, crisis and grief routines with the school's
-- checklists. Sensitive: read and changed only through store functions that write an audit row.
-- Days are school-local dates as 'YYYY-MM-DD'; instants are integer seconds (UTC).

CREATE TABLE pupil_case (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    kind TEXT NOT NULL CHECK (kind IN ('absence', 'concern', 'crisis')),
    crisis_type TEXT CHECK (crisis_type IN ('death', 'serious_illness', 'divorce', 'other')),
    -- Who opened the case; for a concern, the guardian who raised it.
    opened_by INTEGER NOT NULL REFERENCES person(id),
    opened_at INTEGER NOT NULL,
    opened_on TEXT NOT NULL,
    -- The tovholder (ABS-3); for a concern, the staff member who owns it.
    coordinator_id INTEGER REFERENCES person(id),
    -- Staff's description of the case (internal).
    summary TEXT NOT NULL DEFAULT '',
    -- ABS-3: what the family agrees classmates may be told.
    classmates_agreement TEXT,
    agreement_by INTEGER REFERENCES person(id),
    agreement_at INTEGER,
    -- ABS-4: the guardian's concern, and when it was first answered.
    topic TEXT CHECK (topic IN ('wellbeing', 'bullying', 'unsafe_community', 'other')),
    concern_text TEXT,
    answered_at INTEGER,
    -- The last day for the written plan, when the concern started the duty to act.
    duty_due TEXT,
    plan_problem TEXT,
    plan_measures TEXT,
    plan_when TEXT,
    plan_who TEXT,
    plan_evaluation TEXT,
    plan_interim TEXT,
    plan_by INTEGER REFERENCES person(id),
    plan_at INTEGER,
    plan_on TEXT,
    closed_at INTEGER,
    closed_on TEXT,
    closed_by INTEGER REFERENCES person(id),
    close_reason TEXT CHECK (close_reason IN ('attendance_improved', 'resolved', 'moved_school',
        'referred_support', 'referred_municipality', 'other')),
    close_note TEXT
);
CREATE INDEX pupil_case_open ON pupil_case (school_id, closed_at, kind);
CREATE INDEX pupil_case_pupil ON pupil_case (school_id, pupil_id);
CREATE INDEX pupil_case_coordinator ON pupil_case (coordinator_id);
CREATE INDEX pupil_case_opened_by ON pupil_case (opened_by);

-- ABS-3: the contact plan, one agreement a row: who contacts whom, how often, how.
CREATE TABLE case_plan_entry (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    case_id INTEGER NOT NULL REFERENCES pupil_case(id),
    contact_by INTEGER NOT NULL REFERENCES person(id),
    whom TEXT NOT NULL CHECK (whom IN ('family', 'pupil')),
    every_days INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 90),
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'meeting', 'home_visit', 'message')),
    starts_on TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX case_plan_entry_case ON case_plan_entry (case_id);
CREATE INDEX case_plan_entry_person ON case_plan_entry (contact_by);

-- ABS-3: each contact made, with the agreement it keeps when the logger named one.
CREATE TABLE case_contact (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    case_id INTEGER NOT NULL REFERENCES pupil_case(id),
    plan_entry_id INTEGER REFERENCES case_plan_entry(id),
    happened_on TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'meeting', 'home_visit', 'message')),
    whom TEXT NOT NULL CHECK (whom IN ('family', 'pupil')),
    note TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX case_contact_case ON case_contact (case_id, happened_on);

-- Internal notes of the case's staff; never shown to families.
CREATE TABLE case_note (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    case_id INTEGER NOT NULL REFERENCES pupil_case(id),
    author_id INTEGER NOT NULL REFERENCES person(id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX case_note_case ON case_note (case_id, id);

-- ABS-4: the school's answers to a concern, which the guardian reads.
CREATE TABLE case_answer (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    case_id INTEGER NOT NULL REFERENCES pupil_case(id),
    author_id INTEGER NOT NULL REFERENCES person(id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX case_answer_case ON case_answer (case_id, id);

-- WEL-1: escalation to the school's leadership or the support service (PPR / PPT).
CREATE TABLE case_escalation (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    case_id INTEGER NOT NULL REFERENCES pupil_case(id),
    target TEXT NOT NULL CHECK (target IN ('leadership', 'support')),
    note TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX case_escalation_case ON case_escalation (case_id, id);

-- WEL-1: a crisis case's checklist, copied from the school's list when the case opens, so that
-- later edits of the list leave open cases alone. Ticked with who and when.
CREATE TABLE case_check (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    case_id INTEGER NOT NULL REFERENCES pupil_case(id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    done_at INTEGER,
    done_by INTEGER REFERENCES person(id),
    UNIQUE (case_id, position)
);

-- WEL-1: the school's own checklist per crisis type; none means the defaults in the school's
-- language.
CREATE TABLE crisis_checklist (
    school_id INTEGER NOT NULL REFERENCES school(id),
    crisis_type TEXT NOT NULL CHECK (crisis_type IN ('death', 'serious_illness', 'divorce', 'other')),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (school_id, crisis_type, position)
);
