DROP INDEX outbox_claimed;
