DROP INDEX chat_messages_newest;
DROP TABLE consents;
