DROP TABLE complaint_attachments;
