-- Complaints about a booking, filed by one of its parties; a payment issue
-- filed while the booking's money is still in escrow holds its release
-- until an admin resolves it (`holds_escrow`).
CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    reporter_id TEXT NOT NULL REFERENCES users (id),
    -- The booking's other party, whom the complaint is about.
    respondent_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    assigned_to TEXT REFERENCES users (id),
    holds_escrow BOOLEAN NOT NULL,
    resolution TEXT,
    -- What the resolution refunded to the customer, minor units.
    refund_amount BIGINT,
    resolved_by TEXT REFERENCES users (id),
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX complaints_reporter ON complaints (reporter_id, created_at, id);
CREATE INDEX complaints_booking ON complaints (booking_id);
CREATE INDEX complaints_queue ON complaints (status, created_at, id);

-- Each party's conversation with the admins: `side` is `reporter` or
-- `respondent`; a party reads only its own side, admins both.
CREATE TABLE complaint_messages (
    id TEXT PRIMARY KEY NOT NULL,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    side TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX complaint_messages_thread ON complaint_messages (complaint_id, created_at, id);
