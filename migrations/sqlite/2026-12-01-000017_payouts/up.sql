-- Where a provider's payouts go: a bank reference for the simulated sender,
-- a Stripe Connect account id (acct_...) for Stripe.
CREATE TABLE payout_accounts (
    provider_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    destination TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A provider's payout from their wallet: requested (the money left the
-- wallet for payouts:pending), then paid (sent) or failed (returned).
-- approved_at is set once it may be sent (by an admin, or at once with
-- ONSITE_PAYOUT_APPROVAL=auto); sends are retried with the payout id as
-- their idempotency key.
CREATE TABLE payouts (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES users (id),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    destination TEXT NOT NULL,
    status TEXT NOT NULL,
    approved_by TEXT,
    approved_at TIMESTAMP,
    reference TEXT,
    failure TEXT,
    attempts INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    settled_at TIMESTAMP
);
CREATE INDEX payouts_provider ON payouts (provider_id, created_at);
CREATE INDEX payouts_queue ON payouts (status, created_at, id);
-- One pending payout per provider.
CREATE UNIQUE INDEX payouts_one_pending ON payouts (provider_id) WHERE status = 'requested';
