-- Stats count bookings and money by day: range scans on these, never a scan
-- of the whole table.
CREATE INDEX bookings_created ON bookings (created_at);
CREATE INDEX bookings_completed ON bookings (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX ledger_entries_created ON ledger_entries (created_at);
