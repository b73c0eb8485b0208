-- Need-based conferences (CON-8): serious matters are not raised in the routine conference;
-- staff move a topic into a conference of its own for one pupil. Such a round belongs to its
-- pupil: only that pupil's family and the class's staff see it, and it does not count towards
-- the routine conferences of coverage (CON-2).
ALTER TABLE conference_round ADD COLUMN pupil_id INTEGER REFERENCES person(id);
-- The routine conference the topic was moved from, when there was one.
ALTER TABLE conference_round ADD COLUMN from_booking_id INTEGER REFERENCES conference_booking(id);
CREATE INDEX conference_round_pupil ON conference_round (school_id, pupil_id);

-- The family brings its own interpreter (an adult relative or acquaintance, PEO-4): staff then
-- have no interpreter to book.
ALTER TABLE conference_booking ADD COLUMN own_interpreter INTEGER NOT NULL DEFAULT 0;
