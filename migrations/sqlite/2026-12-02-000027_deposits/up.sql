-- Deposits: a service may ask for part of the price up front (a whole
-- percent, or a fixed amount in its currency; at most one of the two). A
-- booking records the deposit it was born with (0: the whole price is paid
-- to book) and when its balance was paid; each payment says what it paid for.
ALTER TABLE services ADD COLUMN deposit_percent INTEGER;
ALTER TABLE services ADD COLUMN deposit_fixed BIGINT;
ALTER TABLE bookings ADD COLUMN deposit_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN balance_paid_at TIMESTAMP;
ALTER TABLE payments ADD COLUMN purpose TEXT NOT NULL DEFAULT 'full';
