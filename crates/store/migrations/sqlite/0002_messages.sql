-- Messages (MSG-1..4, MSG-9): conversations, their messages, who takes part and what they have
-- read; contact hours; the record of calls and talks.

-- MSG-2: contact hours as 'HH:MM-HH:MM' on working days; NULL follows the country profile.
ALTER TABLE school ADD COLUMN contact_hours TEXT;
-- MSG-1: guardians of one class may write to each other (off by default).
ALTER TABLE school ADD COLUMN guardians_may_message INTEGER NOT NULL DEFAULT 0;
-- A class's own contact hours, e.g. from its parent meeting's communication agreement.
ALTER TABLE class ADD COLUMN contact_hours TEXT;

CREATE TABLE thread (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    subject TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ordinary', 'praise', 'sensitive')),
    starter_id INTEGER NOT NULL REFERENCES person(id),
    -- How many families the starter wrote to; above one, replies go to the starter alone
    -- unless the starter opens the conversation to all.
    families INTEGER NOT NULL,
    open_to_all INTEGER NOT NULL DEFAULT 0,
    -- A private reply to a conversation with many families, and whose reply it is.
    reply_of INTEGER REFERENCES thread(id),
    reply_by INTEGER REFERENCES person(id),
    created_at INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL
);
CREATE INDEX thread_reply_of ON thread (reply_of, reply_by);

CREATE TABLE message (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    thread_id INTEGER NOT NULL REFERENCES thread(id),
    author_id INTEGER NOT NULL REFERENCES person(id),
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL
);
CREATE INDEX message_thread ON message (thread_id, id);

-- One row per person in a conversation: the inbox is read from here alone, newest first, so
-- opening it costs one index range whatever the history.
CREATE TABLE thread_participant (
    school_id INTEGER NOT NULL REFERENCES school(id),
    thread_id INTEGER NOT NULL REFERENCES thread(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    last_message_at INTEGER NOT NULL,
    unread INTEGER NOT NULL DEFAULT 0,
    read_at INTEGER,
    PRIMARY KEY (thread_id, person_id)
);
CREATE INDEX thread_participant_inbox ON thread_participant (person_id, last_message_at, thread_id);

-- MSG-9: a phone call or talk with a family, recorded by staff beside the written messages.
CREATE TABLE conversation_log (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    author_id INTEGER NOT NULL REFERENCES person(id),
    happened_on TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'meeting', 'video', 'other')),
    participants TEXT NOT NULL,
    topic TEXT NOT NULL,
    agreements TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX conversation_log_pupil ON conversation_log (school_id, pupil_id, happened_on);
