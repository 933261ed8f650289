-- Every consent decision a user made, append-only: what, which version of
-- the text, yes or no, when and from where. The latest per kind is in force.
CREATE TABLE consents (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    version TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    ip TEXT,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX consents_user ON consents (user_id, kind, created_at);

-- The admins' chat oversight reads every booking's chat newest first.
CREATE INDEX chat_messages_newest ON chat_messages (created_at, id);
