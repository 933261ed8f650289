DROP TABLE mail_outbox;
DROP TABLE notifications;
