-- A revoked feed stays revoked: the row remains with its time of revocation, so that reading
-- the person's details (GET /api/v1/me) does not quietly issue a new address. Only the calendar
-- settings page makes a new one.
ALTER TABLE calendar_feed ADD COLUMN revoked_at BIGINT;
