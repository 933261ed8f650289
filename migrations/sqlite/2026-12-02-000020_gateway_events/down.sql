DROP TABLE gateway_events;
