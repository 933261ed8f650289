-- Service categories, kept by the admins: shown to customers in `position`
-- order, each with an optional image whose display size and thumbnail are in
-- the blob store under categories/{id}/{image}-{display|thumb}.jpg.
CREATE TABLE categories (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    position INTEGER NOT NULL,
    active BOOLEAN NOT NULL,
    image TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX categories_listing ON categories (active, position, name);

-- A service is in at most one category.
ALTER TABLE services ADD COLUMN category_id TEXT REFERENCES categories (id);
CREATE INDEX services_category ON services (category_id);
