-- Attachments (MSG-1): files on messages. The bytes live in the content-addressed file
-- directory beside the database (`files/<first 2 hex>/<sha256 hex>`); a row says which message
-- carries which file under which name. The type was sniffed from the bytes when it arrived.

CREATE TABLE attachment (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES school(id),
    message_id INTEGER NOT NULL REFERENCES message(id),
    -- The message's conversation, so that a download is checked against the thread in its URL.
    thread_id INTEGER NOT NULL REFERENCES thread(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX attachment_message ON attachment (message_id);
