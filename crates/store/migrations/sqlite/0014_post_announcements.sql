-- A scheduled post is announced when it goes live (MSG-8): `announce_due` marks a post whose
-- notices are still to be written; the notification worker writes them once its time has come
-- and clears the mark in the same transaction. The partial index holds only the waiting ones.
ALTER TABLE post ADD COLUMN announce_due INTEGER NOT NULL DEFAULT 0;
CREATE INDEX post_announce_due ON post (publish_at) WHERE announce_due = 1;
