-- Where each account signed in before, so that a stranger's wrong passwords from elsewhere
-- never shut the person out from there. Only a hash of account and address is kept, never
-- the address itself; rows older than half a year are removed at sign-in.
CREATE TABLE sign_in_known (
    key_hash TEXT PRIMARY KEY,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_known_at ON sign_in_known (at);
