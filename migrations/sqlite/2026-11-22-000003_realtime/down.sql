DROP TABLE location_trail;
DROP TABLE chat_reads;
DROP TABLE chat_messages;
