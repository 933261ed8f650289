DROP TABLE complaint_messages;
DROP TABLE complaints;
