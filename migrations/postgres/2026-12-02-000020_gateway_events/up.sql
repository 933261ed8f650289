-- Webhook events a gateway sent that were handled, by the gateway's event
-- id: a redelivery is answered without acting again.
CREATE TABLE gateway_events (
    gateway TEXT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (gateway, event_id)
);
