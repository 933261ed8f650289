-- Invoices: one per completed booking, numbered INV-YYYYMMDD-NNNNN. The
-- counter of the day and the invoice are written in the completion's
-- transaction, so a number is never skipped (a rolled-back completion takes
-- its number back) nor given twice (the counter row is the lock).
CREATE TABLE invoice_counters (
    day TEXT PRIMARY KEY NOT NULL,
    last_number INTEGER NOT NULL
);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL UNIQUE,
    booking_id TEXT NOT NULL UNIQUE REFERENCES bookings (id),
    issued_at TIMESTAMP NOT NULL
);
