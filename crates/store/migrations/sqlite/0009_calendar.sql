-- Calendar (MSG-6) and contact book (MSG-7): events for a class, a grade or the whole school
-- with invitations and answers, homework per class and day, each person's iCalendar feed
-- (only a hash of its secret is stored) and the contact details each guardian shares.
-- Instants are integer seconds (UTC); days are school-local dates as 'YYYY-MM-DD'.

CREATE TABLE event (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    audience TEXT NOT NULL CHECK (audience IN ('class', 'grade', 'school')),
    class_id INTEGER REFERENCES class(id),
    grade INTEGER,
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    -- Whether the event asks for answers (yes / no / maybe), and until when.
    rsvp INTEGER NOT NULL DEFAULT 0,
    rsvp_deadline INTEGER,
    -- When the invited are reminded; the notification worker sends it and sets reminded_at.
    reminder_at INTEGER,
    reminded_at INTEGER,
    created_by INTEGER NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK ((audience = 'class') = (class_id IS NOT NULL)),
    CHECK ((audience = 'grade') = (grade IS NOT NULL))
);
CREATE INDEX event_class_start ON event (school_id, class_id, starts_at);
CREATE INDEX event_grade_start ON event (school_id, grade, starts_at);
CREATE INDEX event_audience_start ON event (school_id, audience, starts_at);
CREATE INDEX event_reminder ON event (reminder_at) WHERE reminded_at IS NULL;

CREATE TABLE event_answer (
    school_id INTEGER NOT NULL REFERENCES school(id),
    event_id INTEGER NOT NULL REFERENCES event(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'maybe')),
    people INTEGER NOT NULL CHECK (people BETWEEN 0 AND 20),
    note TEXT NOT NULL,
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, person_id)
);

CREATE TABLE homework (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    day TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX homework_class_day ON homework (school_id, class_id, day);

-- One feed per person; revoking replaces the row, so the old address stops answering.
CREATE TABLE calendar_feed (
    person_id INTEGER PRIMARY KEY REFERENCES person(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    -- A random value the feed's secret is derived from with the server's feed key; the
    -- database alone does not give the address.
    nonce TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- What a guardian shares with the other families in the contact book (MSG-7). No row: nothing.
CREATE TABLE contact_sharing (
    person_id INTEGER PRIMARY KEY REFERENCES person(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    share_email INTEGER NOT NULL DEFAULT 0,
    share_phone INTEGER NOT NULL DEFAULT 0,
    share_address INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
