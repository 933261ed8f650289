-- Back to a required email; fails while phone-only accounts exist.
ALTER TABLE users DROP COLUMN time_zone;
ALTER TABLE users DROP COLUMN language;
ALTER TABLE users DROP COLUMN pending_phone;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
