CREATE TABLE provider_profiles (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bio TEXT NOT NULL DEFAULT '',
    skills TEXT NOT NULL DEFAULT '[]',
    experience_years INTEGER NOT NULL DEFAULT 0,
    base_lat DOUBLE PRECISION,
    base_lng DOUBLE PRECISION,
    base_address TEXT,
    service_radius_km DOUBLE PRECISION NOT NULL DEFAULT 10,
    online BOOLEAN NOT NULL DEFAULT FALSE,
    verified_at TIMESTAMP,
    verified_by TEXT,
    verification_note TEXT,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    slot_minutes INTEGER NOT NULL DEFAULT 60,
    buffer_minutes INTEGER NOT NULL DEFAULT 0,
    rating DOUBLE PRECISION NOT NULL DEFAULT 0,
    rating_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX provider_profiles_geo ON provider_profiles (base_lat, base_lng);

CREATE TABLE provider_hours (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440)
);
CREATE INDEX provider_hours_provider ON provider_hours (provider_id, weekday);

CREATE TABLE provider_exceptions (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    closed BOOLEAN NOT NULL,
    hours TEXT NOT NULL DEFAULT '[]',
    reason TEXT,
    UNIQUE (provider_id, day)
);

CREATE TABLE services (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price_amount BIGINT NOT NULL CHECK (price_amount > 0),
    currency TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL DEFAULT 60,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    review_note TEXT,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX services_provider ON services (provider_id);
CREATE INDEX services_listing ON services (status, active, price_amount);

CREATE TABLE slot_holds (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES users (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    customer_id TEXT NOT NULL REFERENCES users (id),
    start_at TIMESTAMP NOT NULL,
    end_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- One row per occupied slot start: the database itself guarantees that a slot
-- has at most one live hold or booking.
CREATE TABLE slot_claims (
    provider_id TEXT NOT NULL REFERENCES users (id),
    start_at TIMESTAMP NOT NULL,
    hold_id TEXT REFERENCES slot_holds (id),
    booking_id TEXT,
    expires_at TIMESTAMP,
    PRIMARY KEY (provider_id, start_at)
);
CREATE INDEX slot_claims_booking ON slot_claims (booking_id);
CREATE INDEX slot_claims_hold ON slot_claims (hold_id);

CREATE TABLE bookings (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL REFERENCES users (id),
    provider_id TEXT NOT NULL REFERENCES users (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    status TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    last_seq BIGINT NOT NULL DEFAULT 0,
    scheduled_at TIMESTAMP,
    location_lat DOUBLE PRECISION NOT NULL,
    location_lng DOUBLE PRECISION NOT NULL,
    address TEXT,
    notes TEXT,
    job_size TEXT NOT NULL,
    base_amount BIGINT NOT NULL,
    multiplier_bps INTEGER NOT NULL,
    total_amount BIGINT NOT NULL,
    tip_amount BIGINT NOT NULL DEFAULT 0,
    currency TEXT NOT NULL,
    commission_bps INTEGER NOT NULL,
    token_date TEXT NOT NULL,
    token_number INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL,
    customer_chat_token TEXT,
    provider_chat_token TEXT,
    payment_due_at TIMESTAMP,
    respond_by TIMESTAMP,
    cancel_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    UNIQUE (provider_id, token_date, token_number)
);
CREATE INDEX bookings_customer ON bookings (customer_id, created_at);
CREATE INDEX bookings_provider ON bookings (provider_id, created_at);
CREATE INDEX bookings_status ON bookings (status);

CREATE TABLE booking_events (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    by_user TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (booking_id, seq)
);

CREATE TABLE payments (
    id TEXT PRIMARY KEY NOT NULL,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    customer_id TEXT NOT NULL REFERENCES users (id),
    amount BIGINT NOT NULL,
    tip_amount BIGINT NOT NULL DEFAULT 0,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    gateway TEXT NOT NULL,
    gateway_ref TEXT,
    failure_code TEXT,
    refunded_amount BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_booking ON payments (booking_id);
CREATE INDEX payments_customer ON payments (customer_id, created_at);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

CREATE TABLE refunds (
    id TEXT PRIMARY KEY NOT NULL,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    amount BIGINT NOT NULL,
    rule TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE ledger_transactions (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    booking_id TEXT,
    payment_id TEXT,
    memo TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_transactions_booking ON ledger_transactions (booking_id);

CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY NOT NULL,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    account TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account, created_at);
CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);
