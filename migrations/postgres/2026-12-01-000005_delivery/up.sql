-- One outbox for every channel: mail, SMS and mobile push wait here, written
-- in the transaction that decided them, until a worker per channel sends them.
ALTER TABLE mail_outbox RENAME TO outbox;
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'mail' CHECK (channel IN ('mail', 'sms', 'push'));
-- Push only: the recipient, the device and the data map of the message.
ALTER TABLE outbox ADD COLUMN user_id TEXT;
ALTER TABLE outbox ADD COLUMN device_id TEXT;
ALTER TABLE outbox ADD COLUMN data TEXT;
-- The claim (a random token per worker round) holding `claimed_until`.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
-- Set when the row will never be sent (the device is gone, the address refused for good).
ALTER TABLE outbox ADD COLUMN dropped_at TIMESTAMP;
DROP INDEX mail_outbox_due;
CREATE INDEX outbox_due ON outbox (channel, sent_at, next_attempt_at);
CREATE INDEX outbox_user ON outbox (user_id);

-- The phones and browsers a user receives push on; a token belongs to the
-- last account that registered it.
CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    platform TEXT NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
    token TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);

-- When each party was last alerted (push or mail) of booking chat it missed:
-- at most one alert per conversation per quarter hour.
CREATE TABLE chat_alerts (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    alerted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (booking_id, user_id)
);
