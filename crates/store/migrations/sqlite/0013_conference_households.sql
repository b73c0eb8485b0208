-- Two households of one child (CON-1): the school lets a round's families book together (one
-- conference per pupil, as before) or apart (one per household of the pupil). A guardian belongs
-- to household 1 or 2 of each child; a booking carries the household it is for, 0 for the whole
-- family. The pupil's uniqueness in a round becomes (round, pupil, household).
--
-- SQLite cannot drop a table constraint: the booking table is rebuilt. `Store::migrate` runs
-- this file by itself with foreign keys switched off, in one transaction that also records the
-- migration, and checks `foreign_key_check` before it commits (the documented procedure:
-- https://www.sqlite.org/lang_altertable.html#otheralter).

ALTER TABLE guardianship ADD COLUMN household INTEGER NOT NULL DEFAULT 1 CHECK (household BETWEEN 1 AND 9);
ALTER TABLE conference_round ADD COLUMN households_apart INTEGER NOT NULL DEFAULT 0;

CREATE TABLE conference_booking_new (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    round_id INTEGER NOT NULL REFERENCES conference_round(id),
    slot_id INTEGER NOT NULL REFERENCES conference_slot(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    -- 0: the whole family; n: household n of the pupil, in a round booked apart.
    household INTEGER NOT NULL DEFAULT 0,
    booked_by INTEGER NOT NULL REFERENCES person(id),
    booked_at INTEGER NOT NULL,
    interpreter_language TEXT,
    interpreter_dialect TEXT,
    interpreter_gender TEXT,
    interpreter_booked_at INTEGER,
    without_child INTEGER NOT NULL DEFAULT 0,
    online INTEGER NOT NULL DEFAULT 0,
    pupil_attends INTEGER NOT NULL DEFAULT 0,
    purpose TEXT,
    talk_type TEXT CHECK (talk_type IN ('information', 'wondering', 'dialogue', 'solution_oriented', 'advisory')),
    guardian_topics TEXT,
    staff_topics TEXT,
    own_interpreter INTEGER NOT NULL DEFAULT 0,
    UNIQUE (slot_id),
    UNIQUE (round_id, pupil_id, household)
);
INSERT INTO conference_booking_new (id, school_id, round_id, slot_id, pupil_id, household,
    booked_by, booked_at, interpreter_language, interpreter_dialect, interpreter_gender,
    interpreter_booked_at, without_child, online, pupil_attends, purpose, talk_type,
    guardian_topics, staff_topics, own_interpreter)
SELECT id, school_id, round_id, slot_id, pupil_id, 0,
    booked_by, booked_at, interpreter_language, interpreter_dialect, interpreter_gender,
    interpreter_booked_at, without_child, online, pupil_attends, purpose, talk_type,
    guardian_topics, staff_topics, own_interpreter
FROM conference_booking;
DROP TABLE conference_booking;
ALTER TABLE conference_booking_new RENAME TO conference_booking;
CREATE INDEX conference_booking_pupil ON conference_booking (school_id, pupil_id);
