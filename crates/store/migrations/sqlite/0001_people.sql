-- People, accounts, sessions and audit: the foundation every area builds on.
-- Instants are integer seconds since the Unix epoch (UTC); flags are integers 0/1.

CREATE TABLE school (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL CHECK (country IN ('dk', 'no')),
    time_zone TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('da', 'nb', 'en')),
    created_at INTEGER NOT NULL
);

CREATE TABLE class (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    name TEXT NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 13),
    school_year TEXT NOT NULL,
    UNIQUE (school_id, school_year, name)
);

CREATE TABLE person (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    -- The key of the roster this person came from, for idempotent re-import.
    external_key TEXT,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    address TEXT,
    -- PEO-3: name and address protection. Never shown outside responsible staff.
    contact_protected INTEGER NOT NULL DEFAULT 0,
    -- PLT-1: the interface language the person chose; NULL follows the browser.
    language TEXT CHECK (language IN ('da', 'nb', 'en')),
    -- PEO-4: the language the person reads best, and an interpreter need agreed in advance.
    home_language TEXT,
    interpreter_language TEXT,
    interpreter_dialect TEXT,
    interpreter_gender TEXT,
    birth_date TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (school_id, external_key)
);

CREATE TABLE account (
    person_id INTEGER PRIMARY KEY REFERENCES person(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    password_changed_at INTEGER NOT NULL
);

CREATE TABLE membership (
    school_id INTEGER NOT NULL REFERENCES school(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    role TEXT NOT NULL CHECK (role IN ('leader', 'staff', 'guardian', 'pupil')),
    PRIMARY KEY (person_id, role)
);
CREATE INDEX membership_school_role ON membership (school_id, role);

CREATE TABLE class_staff (
    school_id INTEGER NOT NULL REFERENCES school(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    contact_teacher INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (class_id, person_id)
);
CREATE INDEX class_staff_person ON class_staff (person_id);

CREATE TABLE enrolment (
    school_id INTEGER NOT NULL REFERENCES school(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    PRIMARY KEY (class_id, pupil_id)
);
CREATE INDEX enrolment_pupil ON enrolment (pupil_id);

CREATE TABLE guardianship (
    school_id INTEGER NOT NULL REFERENCES school(id),
    guardian_id INTEGER NOT NULL REFERENCES person(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    access TEXT NOT NULL CHECK (access IN ('full', 'info', 'none')),
    PRIMARY KEY (guardian_id, pupil_id)
);
CREATE INDEX guardianship_pupil ON guardianship (pupil_id);

-- Web and API sessions. Only a hash of the token is stored, so a copy of the database does not
-- sign anyone in.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES person(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    kind TEXT NOT NULL CHECK (kind IN ('web', 'api')),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX session_person ON session (person_id);
CREATE INDEX session_expires ON session (expires_at);

-- Failed sign-ins, per account ('user:NAME') and per client address ('addr:IP').
CREATE TABLE login_failure (
    id INTEGER PRIMARY KEY,
    throttle_key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failure_key_at ON login_failure (throttle_key, at);

-- Who read or changed a sensitive record, when and why (PLT-3).
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    actor_id INTEGER REFERENCES person(id),
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    detail TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX audit_record ON audit (school_id, record_type, record_id);
CREATE INDEX audit_at ON audit (school_id, at);
