DROP TABLE invoices;
DROP TABLE invoice_counters;
