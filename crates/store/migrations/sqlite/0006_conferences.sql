-- Conferences (CON-1..7, PEO-4): rounds of bookable slots per class, one booking per pupil and
-- round, needs, two-way preparation, structured notes kept apart from the internal note, and
-- agreements that are followed up. Notes are sensitive: read and changed only through store
-- functions that write an audit row.
-- Days are school-local dates as 'YYYY-MM-DD'; instants are integer seconds (UTC).

CREATE TABLE conference_round (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    title TEXT NOT NULL,
    form TEXT NOT NULL CHECK (form IN ('school', 'phone', 'online', 'home_visit')),
    slot_minutes INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    break_minutes INTEGER NOT NULL CHECK (break_minutes BETWEEN 0 AND 120),
    -- The school's plan for pupils below the age of the right to take part (CON-3).
    with_pupil INTEGER NOT NULL DEFAULT 1,
    -- Families book, move and cancel until then; staff until the slot starts.
    booking_deadline INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX conference_round_class ON conference_round (school_id, class_id);

-- The staff taking part in a round (one teacher cannot sit in two rounds at once).
CREATE TABLE conference_round_staff (
    school_id INTEGER NOT NULL REFERENCES school(id),
    round_id INTEGER NOT NULL REFERENCES conference_round(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    PRIMARY KEY (round_id, person_id)
);
CREATE INDEX conference_round_staff_person ON conference_round_staff (school_id, person_id);

CREATE TABLE conference_slot (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    round_id INTEGER NOT NULL REFERENCES conference_round(id),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX conference_slot_round ON conference_slot (round_id, starts_at);

-- A booked slot. A slot is booked at most once and a pupil has at most one conference in a
-- round: both are unique keys, so concurrent bookings cannot double-book.
CREATE TABLE conference_booking (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    round_id INTEGER NOT NULL REFERENCES conference_round(id),
    slot_id INTEGER NOT NULL REFERENCES conference_slot(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    booked_by INTEGER NOT NULL REFERENCES person(id),
    booked_at INTEGER NOT NULL,
    -- Needs (CON-3, CON-4, PEO-4).
    interpreter_language TEXT,
    interpreter_dialect TEXT,
    interpreter_gender TEXT,
    interpreter_booked_at INTEGER,
    without_child INTEGER NOT NULL DEFAULT 0,
    online INTEGER NOT NULL DEFAULT 0,
    pupil_attends INTEGER NOT NULL DEFAULT 0,
    -- Two-way preparation (CON-5).
    purpose TEXT,
    talk_type TEXT CHECK (talk_type IN ('information', 'wondering', 'dialogue', 'solution_oriented', 'advisory')),
    guardian_topics TEXT,
    staff_topics TEXT,
    UNIQUE (slot_id),
    UNIQUE (round_id, pupil_id)
);
CREATE INDEX conference_booking_pupil ON conference_booking (school_id, pupil_id);

-- The notes of a held conference (CON-6). Everything but `internal_note` is shared with the
-- guardians once `shared_at` is set.
CREATE TABLE conference_note (
    booking_id INTEGER PRIMARY KEY REFERENCES conference_booking(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    academic TEXT,
    wellbeing TEXT,
    social TEXT,
    goals_academic TEXT,
    goals_social TEXT,
    summary TEXT,
    internal_note TEXT,
    written_by INTEGER NOT NULL REFERENCES person(id),
    written_at INTEGER NOT NULL,
    shared_at INTEGER,
    acknowledged_by INTEGER REFERENCES person(id),
    acknowledged_at INTEGER
);
CREATE INDEX conference_note_pupil ON conference_note (school_id, pupil_id);

-- Agreements (CON-6, CON-7): who, what, by when; open until marked done.
CREATE TABLE conference_agreement (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    booking_id INTEGER NOT NULL REFERENCES conference_booking(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    owner TEXT NOT NULL CHECK (owner IN ('home', 'school', 'pupil')),
    what TEXT NOT NULL,
    due TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL,
    done_by INTEGER REFERENCES person(id),
    done_at INTEGER
);
CREATE INDEX conference_agreement_pupil ON conference_agreement (school_id, pupil_id);
CREATE INDEX conference_agreement_class ON conference_agreement (school_id, class_id, done_at);
CREATE INDEX conference_agreement_booking ON conference_agreement (booking_id);
