DROP INDEX ledger_entries_created;
DROP INDEX bookings_completed;
DROP INDEX bookings_created;
