-- Every admin action, append-only (the server has no statement that updates
-- or deletes a row): who, what, on what, the state before and after, why,
-- from where, when.
CREATE TABLE admin_audit (
    id TEXT PRIMARY KEY NOT NULL,
    admin_id TEXT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    -- JSON objects.
    before TEXT,
    after TEXT,
    reason TEXT,
    ip TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX admin_audit_newest ON admin_audit (created_at, id);
CREATE INDEX admin_audit_target ON admin_audit (target_id, created_at);
