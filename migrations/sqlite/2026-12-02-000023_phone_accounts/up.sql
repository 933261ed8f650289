-- Accounts that start from a phone number: the email becomes optional (a
-- number proven by a texted code is enough to sign up, the rest of the
-- profile comes later); a changed phone waits in pending_phone until the new
-- number is verified; each user may save a language and a time zone.
--
-- SQLite cannot drop a NOT NULL constraint in place, so the table is rebuilt
-- by its documented procedure: foreign keys off (possible only outside a
-- transaction, hence metadata.toml), one transaction, same ids, same indexes.
-- The rows referencing users keep pointing at the same ids.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT UNIQUE,
    phone TEXT UNIQUE,
    password_hash TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('customer', 'provider', 'admin')),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'deleted')),
    email_verified_at TIMESTAMP,
    phone_verified_at TIMESTAMP,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    avatar TEXT,
    location_lat DOUBLE,
    location_lng DOUBLE,
    address TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    customer_rating_sum BIGINT NOT NULL DEFAULT 0,
    customer_rating_count BIGINT NOT NULL DEFAULT 0,
    username TEXT,
    pending_phone TEXT,
    language TEXT,
    time_zone TEXT
);
INSERT INTO users_rebuilt (id, email, phone, password_hash, first_name, last_name, role, status, email_verified_at, phone_verified_at, failed_logins, locked_until, avatar, location_lat, location_lng, address, settings, created_at, updated_at, customer_rating_sum, customer_rating_count, username)
    SELECT id, email, phone, password_hash, first_name, last_name, role, status, email_verified_at, phone_verified_at, failed_logins, locked_until, avatar, location_lat, location_lng, address, settings, created_at, updated_at, customer_rating_sum, customer_rating_count, username FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_role ON users (role);
CREATE UNIQUE INDEX users_username ON users (username);
COMMIT;
PRAGMA foreign_keys = ON;
