-- A provider's shareable booking page (/v1/p/{slug}): one unguessable slug
-- at a time (regenerating replaces it, the old one stops working), with the
-- clicks on the link and the bookings made from it, across regenerations.
CREATE TABLE booking_links (
    provider_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    clicks BIGINT NOT NULL DEFAULT 0,
    conversions BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    regenerated_at TIMESTAMP NOT NULL
);
