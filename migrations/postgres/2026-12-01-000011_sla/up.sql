-- The job's SLA, one row per booking whose job started: bookings.duration_minutes
-- is the estimate; the actual duration, whether the job ran over the estimate
-- plus the grace, and the penalty taken from the provider's share are kept
-- at completion.
CREATE TABLE booking_sla (
    booking_id TEXT PRIMARY KEY NOT NULL REFERENCES bookings (id),
    started_at TIMESTAMP NOT NULL,
    estimated_minutes INTEGER NOT NULL,
    actual_minutes INTEGER,
    breached BOOLEAN,
    penalty BIGINT NOT NULL DEFAULT 0,
    completed_at TIMESTAMP
);
CREATE INDEX booking_sla_breaches ON booking_sla (breached, completed_at);
