-- Notifications (MSG-8): each person's choice per kind, the outbox the worker sends from, and
-- the SMS budget of each school. Instants are integer seconds (UTC); flags are integers 0/1.

-- A person's choice for one kind of notice; a kind without a row is delivered instantly.
CREATE TABLE notify_preference (
    school_id INTEGER NOT NULL REFERENCES school(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    kind TEXT NOT NULL CHECK (kind IN ('message', 'post', 'event', 'absence', 'conference')),
    delivery TEXT NOT NULL CHECK (delivery IN ('instant', 'digest', 'off')),
    digest_hour INTEGER NOT NULL CHECK (digest_hour BETWEEN 0 AND 23),
    PRIMARY KEY (person_id, kind)
);

-- The outbox: one row per notice and channel. Written in the same transaction as what it
-- announces; the worker claims due rows (status 'sending' with a lease), sends, and marks them
-- sent in the same step after the server accepted them. A failed send is retried with backoff;
-- nothing is deleted. A sensitive notice stores no subject or text at all.
CREATE TABLE notification (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    kind TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    emergency INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    -- 1 once its digest hour has been fixed: when due, it goes out in the person's digest.
    digest INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claim TEXT,
    claimed_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX notification_due ON notification (status, next_attempt_at);
CREATE INDEX notification_claim ON notification (claim);
CREATE INDEX notification_school ON notification (school_id, status, id);
CREATE INDEX notification_person ON notification (person_id, id);

-- SMS sent per school and school-local day, counted against the budget in one statement.
CREATE TABLE sms_usage (
    school_id INTEGER NOT NULL REFERENCES school(id),
    day TEXT NOT NULL,
    sent INTEGER NOT NULL,
    PRIMARY KEY (school_id, day)
);

-- A school's own SMS budget; without a row the default applies.
CREATE TABLE notify_settings (
    school_id INTEGER PRIMARY KEY REFERENCES school(id),
    sms_daily_budget INTEGER NOT NULL CHECK (sms_daily_budget >= 0)
);
