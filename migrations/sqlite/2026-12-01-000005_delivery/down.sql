DROP TABLE chat_alerts;
DROP TABLE devices;
DROP INDEX outbox_user;
DROP INDEX outbox_due;
-- What the old schema cannot tell apart from pending mail must not be resent.
DELETE FROM outbox WHERE channel <> 'mail' OR dropped_at IS NOT NULL;
ALTER TABLE outbox DROP COLUMN dropped_at;
ALTER TABLE outbox DROP COLUMN claimed_by;
ALTER TABLE outbox DROP COLUMN data;
ALTER TABLE outbox DROP COLUMN device_id;
ALTER TABLE outbox DROP COLUMN user_id;
ALTER TABLE outbox DROP COLUMN channel;
ALTER TABLE outbox RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);
