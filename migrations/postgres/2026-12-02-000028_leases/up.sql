-- Who owns what in a cluster of nodes: `booking:<id>` (the node whose
-- session is the booking's single writer) and `job:<name>` (the node running
-- a background pass). A lease lapses at `expires_at` (ms since the epoch)
-- unless its node renews it. `token` only grows: every takeover by another
-- node raises it, and the journal refuses a write whose token is not the
-- current one (fencing). A released lease keeps its row with `node_id` ''.
CREATE TABLE leases (
    name TEXT PRIMARY KEY NOT NULL,
    node_id TEXT NOT NULL,
    token BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX leases_node ON leases (node_id);
