-- Times staff offer beside a round's plan (flexible times, the initiative duty): a slot may be
-- offered to one pupil's family, which alone sees and books it; NULL for the round's own slots.
ALTER TABLE conference_slot ADD COLUMN offered_to BIGINT REFERENCES person(id);
