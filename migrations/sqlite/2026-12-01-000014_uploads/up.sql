-- A provider's KYC documents: the file is in the blob store under
-- documents/{provider_id}/{id}.{pdf|jpg}, private to the provider and admins.
CREATE TABLE provider_documents (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX provider_documents_provider ON provider_documents (provider_id, created_at);
CREATE INDEX provider_documents_queue ON provider_documents (status, created_at, id);

-- A service's gallery (at most 10): the display size and the thumbnail are
-- in the blob store under services/{service_id}/{id}-{display|thumb}.jpg.
CREATE TABLE service_images (
    id TEXT PRIMARY KEY NOT NULL,
    service_id TEXT NOT NULL REFERENCES services (id),
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX service_images_service ON service_images (service_id, created_at);
