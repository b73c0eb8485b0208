-- Parent meetings and the parent community (MEE-1..5, DIF-5, PEO-5): parent representatives per
-- class, meetings planned with them, themes proposed and voted on by guardians, replies with
-- needs, drawn groups, minutes and the class's communication agreement; the class's parent
-- board (when the school allows it) and parent bodies with their own thread.
-- Instants are integer seconds (UTC); flags are integers 0/1.

-- The school's setting: guardians of a class may use the class's parent board (DIF-5).
ALTER TABLE school ADD COLUMN parent_board INTEGER NOT NULL DEFAULT 0;

-- Parent representatives (DK klasseforældreråd, NO foreldrekontakter), chosen by the school.
CREATE TABLE parent_representative (
    school_id INTEGER NOT NULL REFERENCES school(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    chosen_by INTEGER NOT NULL REFERENCES person(id),
    chosen_at INTEGER NOT NULL,
    PRIMARY KEY (class_id, person_id)
);
CREATE INDEX parent_representative_person ON parent_representative (person_id);

CREATE TABLE meeting (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    title TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    place TEXT NOT NULL,
    form TEXT NOT NULL CHECK (form IN ('plenary', 'groups', 'language_groups')),
    -- One item a line.
    agenda TEXT NOT NULL DEFAULT '',
    invitation TEXT,
    rsvp_deadline INTEGER NOT NULL,
    -- When guardians who have not declined are reminded; the notification worker sets
    -- reminded_at when it has sent the reminder.
    remind_at INTEGER,
    reminded_at INTEGER,
    minutes TEXT,
    decisions TEXT,
    minutes_published_at INTEGER,
    group_mode TEXT CHECK (group_mode IN ('mixed', 'by_language')),
    group_seed INTEGER,
    -- The communication agreement (MEE-5); it also sets class.contact_hours.
    agreement_hours TEXT,
    agreement_channels TEXT,
    agreement_answer_days INTEGER,
    agreement_at INTEGER,
    created_by INTEGER NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES person(id),
    updated_at INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX meeting_class ON meeting (school_id, class_id, starts_at);
CREATE INDEX meeting_remind ON meeting (remind_at, reminded_at);

CREATE TABLE meeting_theme (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    meeting_id INTEGER NOT NULL REFERENCES meeting(id),
    text TEXT NOT NULL,
    -- The suggestion it came from (domain::meetings::theme_suggestions), if any.
    suggestion TEXT,
    proposed_by INTEGER NOT NULL REFERENCES person(id),
    proposed_at INTEGER NOT NULL,
    on_agenda_at INTEGER
);
CREATE INDEX meeting_theme_meeting ON meeting_theme (meeting_id);
CREATE INDEX meeting_theme_person ON meeting_theme (school_id, proposed_by);

-- One vote per guardian and theme: voting again replaces the vote.
CREATE TABLE meeting_theme_vote (
    theme_id INTEGER NOT NULL REFERENCES meeting_theme(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    meeting_id INTEGER NOT NULL REFERENCES meeting(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    support INTEGER NOT NULL,
    voted_at INTEGER NOT NULL,
    PRIMARY KEY (theme_id, person_id)
);
CREATE INDEX meeting_theme_vote_meeting ON meeting_theme_vote (meeting_id);
CREATE INDEX meeting_theme_vote_person ON meeting_theme_vote (school_id, person_id);

-- A guardian's reply with needs (MEE-1, PEO-4; 004: interpreter, childcare, food or drink).
CREATE TABLE meeting_rsvp (
    meeting_id INTEGER NOT NULL REFERENCES meeting(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    coming INTEGER NOT NULL,
    interpreter_language TEXT,
    childcare INTEGER NOT NULL DEFAULT 0,
    contribution TEXT,
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX meeting_rsvp_person ON meeting_rsvp (school_id, person_id);

-- Drawn discussion groups (MEE-4).
CREATE TABLE meeting_group_member (
    meeting_id INTEGER NOT NULL REFERENCES meeting(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    group_no INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES person(id),
    PRIMARY KEY (meeting_id, person_id)
);

-- The class's parent board (DIF-5): car-pooling, play dates, social events.
CREATE TABLE parent_board_post (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    kind TEXT NOT NULL CHECK (kind IN ('car_pool', 'play_date', 'social_event')),
    text TEXT NOT NULL,
    posted_by INTEGER NOT NULL REFERENCES person(id),
    posted_at INTEGER NOT NULL
);
CREATE INDEX parent_board_post_class ON parent_board_post (school_id, class_id, id);

-- Parent bodies (PEO-5) with members and a thread of their own.
CREATE TABLE parent_body (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    kind TEXT NOT NULL CHECK (kind IN ('school_board', 'parents_council', 'cooperation_committee', 'environment_committee')),
    name TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX parent_body_school ON parent_body (school_id);

CREATE TABLE parent_body_member (
    body_id INTEGER NOT NULL REFERENCES parent_body(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    PRIMARY KEY (body_id, person_id)
);
CREATE INDEX parent_body_member_person ON parent_body_member (person_id);

CREATE TABLE parent_body_post (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    body_id INTEGER NOT NULL REFERENCES parent_body(id),
    author INTEGER NOT NULL REFERENCES person(id),
    text TEXT NOT NULL,
    posted_at INTEGER NOT NULL
);
CREATE INDEX parent_body_post_body ON parent_body_post (body_id, id);
