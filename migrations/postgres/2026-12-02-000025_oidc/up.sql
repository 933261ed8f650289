-- Accounts signed in through an OpenID Connect provider (Google, ...): one
-- row per provider and subject (the provider's stable id for the person).
CREATE TABLE oidc_identities (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX oidc_identities_subject ON oidc_identities (provider, subject);
CREATE INDEX oidc_identities_user ON oidc_identities (user_id);
