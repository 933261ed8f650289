DROP TABLE contact_messages;
DROP TABLE feedback;
DROP TABLE content_pages;
DROP TABLE faqs;
