-- An address book per user. A row without a location is geocoded in the
-- background (geocode_status 'pending' until then); one address per user
-- may be the default.
CREATE TABLE addresses (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    street TEXT NOT NULL,
    city TEXT NOT NULL,
    region TEXT,
    postal_code TEXT,
    country TEXT NOT NULL,
    location_lat DOUBLE,
    location_lng DOUBLE,
    access_notes TEXT,
    is_default BOOLEAN NOT NULL,
    geocode_status TEXT NOT NULL CHECK (geocode_status IN ('given', 'pending', 'found', 'not_found')),
    geocode_tries INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX addresses_user ON addresses (user_id, created_at);
CREATE UNIQUE INDEX addresses_one_default ON addresses (user_id) WHERE is_default;
CREATE INDEX addresses_pending ON addresses (updated_at) WHERE geocode_status = 'pending';
