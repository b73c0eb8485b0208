-- Two households of one child (CON-1): the school lets a round's families book together (one
-- conference per pupil, as before) or apart (one per household of the pupil). A guardian belongs
-- to household 1 or 2 of each child; a booking carries the household it is for, 0 for the whole
-- family. The pupil's uniqueness in a round becomes (round, pupil, household).
ALTER TABLE guardianship ADD COLUMN household BIGINT NOT NULL DEFAULT 1 CHECK (household BETWEEN 1 AND 9);
ALTER TABLE conference_round ADD COLUMN households_apart BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conference_booking ADD COLUMN household BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conference_booking DROP CONSTRAINT conference_booking_round_id_pupil_id_key;
ALTER TABLE conference_booking ADD CONSTRAINT conference_booking_round_pupil_household
    UNIQUE (round_id, pupil_id, household);
