-- Frequently asked questions, per language, in the admins' order.
CREATE TABLE faqs (
    id TEXT PRIMARY KEY NOT NULL,
    lang TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX faqs_listing ON faqs (lang, position, id);

-- Pages the admins write (about, terms, ...), per language; plain text.
CREATE TABLE content_pages (
    slug TEXT NOT NULL,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by TEXT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (slug, lang)
);

-- What signed-in users think of the app.
CREATE TABLE feedback (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT REFERENCES users (id),
    rating INTEGER NOT NULL,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX feedback_created ON feedback (created_at, id);

-- "Reach us" messages from anyone, until an admin marks them handled.
CREATE TABLE contact_messages (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    ip TEXT,
    handled_by TEXT REFERENCES users (id),
    handled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contact_messages_queue ON contact_messages (created_at, id);
CREATE INDEX contact_messages_email ON contact_messages (email);
