-- Posts and newsletters (MSG-5), their images and "read and understood" acknowledgements, and
-- class photo albums with the families' consent. A post stores its audience (a class, a grade,
-- the staff or the whole school); who reads it is decided when it is read, so a post to the
-- whole school is one row, not one per family.

CREATE TABLE post (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    author_id INTEGER NOT NULL REFERENCES person(id),
    audience TEXT NOT NULL CHECK (audience IN ('class', 'grade', 'staff', 'school')),
    class_id INTEGER REFERENCES class(id),
    grade INTEGER,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    acknowledge INTEGER NOT NULL DEFAULT 0,
    emergency INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0,
    -- When the post appears to its readers (scheduled publishing); the created time otherwise.
    publish_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
-- The reader's list: newest first within the school, by keyset (publish_at, id).
CREATE INDEX post_school_publish ON post (school_id, publish_at, id);
CREATE INDEX post_class_publish ON post (class_id, publish_at, id);
CREATE INDEX post_author_publish ON post (author_id, publish_at, id);
CREATE INDEX post_school_pinned ON post (school_id, pinned, publish_at);

CREATE TABLE post_ack (
    post_id INTEGER NOT NULL REFERENCES post(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    at INTEGER NOT NULL,
    PRIMARY KEY (post_id, person_id)
);
CREATE INDEX post_ack_person ON post_ack (person_id);

-- Images on a post; the bytes live in the content-addressed file directory.
CREATE TABLE post_image (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    post_id INTEGER NOT NULL REFERENCES post(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX post_image_post ON post_image (post_id);

-- A class's photo album.
CREATE TABLE photo (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    class_id INTEGER NOT NULL REFERENCES class(id),
    uploaded_by INTEGER NOT NULL REFERENCES person(id),
    caption TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX photo_class ON photo (class_id, id);

-- The pupils a photo shows.
CREATE TABLE photo_tag (
    photo_id INTEGER NOT NULL REFERENCES photo(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    school_id INTEGER NOT NULL REFERENCES school(id),
    PRIMARY KEY (photo_id, pupil_id)
);
CREATE INDEX photo_tag_pupil ON photo_tag (pupil_id);

-- Each guardian's answer about photos of their child; the custodial guardians decide.
CREATE TABLE photo_consent (
    school_id INTEGER NOT NULL REFERENCES school(id),
    pupil_id INTEGER NOT NULL REFERENCES person(id),
    guardian_id INTEGER NOT NULL REFERENCES person(id),
    consent INTEGER NOT NULL CHECK (consent IN (0, 1)),
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (pupil_id, guardian_id)
);
