-- Two-step sign-in with an authenticator app (RFC 6238). `confirmed_at` is
-- set once the user proved they hold the secret; until then it does not
-- count at login. `last_step` is the newest 30-second step a code was
-- accepted for, so a code cannot be used twice.
CREATE TABLE user_totp (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    secret TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

-- Single-use recovery codes, kept as keyed hashes.
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
