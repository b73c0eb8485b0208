-- Absence (ABS-1, ABS-2): reports, the days they cover, the register, the school calendar.
-- Days are civil dates 'YYYY-MM-DD' in the school's time zone.

-- NO: the school's own warning level in percent; DK may only tighten the law's.
ALTER TABLE school ADD COLUMN absence_warn_percent INTEGER;

CREATE TABLE school_holiday (
    school_id INTEGER NOT NULL REFERENCES school(id),
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (school_id, day)
);

-- What was reported, by whom; a reason is a code, never prose about health (ABS-1).
CREATE TABLE absence_report (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    reported_by INTEGER NOT NULL REFERENCES person(id),
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    part TEXT CHECK (part IN ('morning', 'afternoon')),
    reason TEXT NOT NULL CHECK (reason IN ('illness', 'leave', 'unlawful', 'unreported')),
    leave_state TEXT CHECK (leave_state IN ('requested', 'granted', 'refused')),
    -- A short note that is not about health, labelled so on the form.
    note TEXT,
    created_at INTEGER NOT NULL,
    withdrawn_at INTEGER
);
CREATE INDEX absence_report_pupil ON absence_report (school_id, pupil_id, from_day);

-- One row per pupil and school day away: a day is never counted twice, and a whole school's
-- rates for a period are one range of (school_id, day).
CREATE TABLE absence_day (
    school_id INTEGER NOT NULL REFERENCES school(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    day TEXT NOT NULL,
    -- 2 for a whole day, 1 for a morning or an afternoon.
    half_days INTEGER NOT NULL CHECK (half_days IN (1, 2)),
    reason TEXT NOT NULL,
    leave_state TEXT,
    report_id INTEGER REFERENCES absence_report(id),
    PRIMARY KEY (pupil_id, day)
);
CREATE INDEX absence_day_school ON absence_day (school_id, day);

-- The register: who was present at each session of a day.
CREATE TABLE register_mark (
    school_id INTEGER NOT NULL REFERENCES school(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    day TEXT NOT NULL,
    session TEXT NOT NULL,
    present INTEGER NOT NULL,
    marked_by INTEGER NOT NULL REFERENCES person(id),
    marked_at INTEGER NOT NULL,
    PRIMARY KEY (class_id, day, session, pupil_id)
);
