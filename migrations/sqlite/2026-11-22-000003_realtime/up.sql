CREATE TABLE chat_messages (
    id TEXT PRIMARY KEY NOT NULL,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    seq BIGINT NOT NULL,
    sender_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    client_msg_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (booking_id, sender_id, client_msg_id)
);
CREATE INDEX chat_messages_booking ON chat_messages (booking_id, seq);

CREATE TABLE chat_reads (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    up_to_seq BIGINT NOT NULL,
    PRIMARY KEY (booking_id, user_id)
);

CREATE TABLE location_trail (
    id TEXT PRIMARY KEY NOT NULL,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    role TEXT NOT NULL,
    lat DOUBLE NOT NULL,
    lng DOUBLE NOT NULL,
    accuracy_m DOUBLE,
    recorded_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX location_trail_booking ON location_trail (booking_id, recorded_at);
