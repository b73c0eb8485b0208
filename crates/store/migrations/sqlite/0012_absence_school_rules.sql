-- NO: the school registers attendance per lesson, this many a day (ABS-1); NULL: once a day.
-- Denmark's register moments are the law's and ignore it.
ALTER TABLE school ADD COLUMN register_lessons INTEGER CHECK (register_lessons BETWEEN 1 AND 10);

-- The school's own absence codes (ABS-1): finer names staff record ("doctor", "exam", …), each
-- counted in one of the categories rates are made of, so rates and thresholds stay the law's.
CREATE TABLE absence_code (
    school_id INTEGER NOT NULL REFERENCES school(id),
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('illness', 'leave', 'unlawful')),
    PRIMARY KEY (school_id, code)
);
-- The school's code a report was given with; `reason` holds its category's reason.
ALTER TABLE absence_report ADD COLUMN code TEXT;
