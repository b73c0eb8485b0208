-- The notification worker claims the due notices of one channel (SMS only while no SMTP relay
-- is set) in the order they fell due: with this index it reads the first few, not every due
-- notice of the outbox (docs/performance.md: 45 ms every 5 s on the single writer with
-- 117,000 waiting e-mails, growing with the outbox).
CREATE INDEX notification_due_channel ON notification (status, channel, next_attempt_at);
