DROP TABLE booking_sla;
