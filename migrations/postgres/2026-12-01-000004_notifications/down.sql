DROP TABLE booking_reminders;
DROP TABLE mail_outbox;
DROP TABLE notifications;
