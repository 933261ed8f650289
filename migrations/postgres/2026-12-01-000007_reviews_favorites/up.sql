-- Ratings and reviews, both ways, double-blind: a review is published when
-- both parties have reviewed or the window after completion closes, and only
-- then counts in the subject's average.
CREATE TABLE reviews (
    booking_id TEXT NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
    -- 'customer' (of the provider) or 'provider' (of the customer).
    author_role TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    subject_id TEXT NOT NULL REFERENCES users (id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT,
    created_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    -- The subject's one answer to a published review.
    reply TEXT,
    replied_at TIMESTAMP,
    PRIMARY KEY (booking_id, author_role)
);
CREATE INDEX reviews_subject ON reviews (subject_id, author_role, published_at);
CREATE INDEX reviews_unpublished ON reviews (created_at) WHERE published_at IS NULL;

-- Averages are kept as sums, so they never drift.
ALTER TABLE provider_profiles ADD COLUMN rating_sum BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN customer_rating_sum BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN customer_rating_count BIGINT NOT NULL DEFAULT 0;

CREATE TABLE favorites (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, provider_id)
);
CREATE INDEX favorites_newest ON favorites (user_id, created_at);
