-- The notification center: what each user was told, newest first.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    booking_id TEXT REFERENCES bookings (id),
    data TEXT NOT NULL,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, created_at, id);

-- Mail waiting to be sent by the outbox worker (claimed with a lease, retried
-- with backoff); a request never waits on SMTP.
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);

-- Reminders of scheduled bookings, one per lead time; sent at most once (the
-- notice and `sent_at` are written in one transaction).
CREATE TABLE booking_reminders (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    lead_minutes INTEGER NOT NULL,
    remind_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    PRIMARY KEY (booking_id, lead_minutes)
);
CREATE INDEX booking_reminders_due ON booking_reminders (sent_at, remind_at);
