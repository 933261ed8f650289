-- Files added to a complaint (a photo of the damage, a receipt): on the
-- side of whoever added it, like the thread's messages. The file is in the
-- blob store under complaints/{complaint_id}/{id}.{pdf|jpg}.
CREATE TABLE complaint_attachments (
    id TEXT PRIMARY KEY NOT NULL,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    side TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX complaint_attachments_complaint ON complaint_attachments (complaint_id, created_at);
