ALTER TABLE payments DROP COLUMN purpose;
ALTER TABLE bookings DROP COLUMN balance_paid_at;
ALTER TABLE bookings DROP COLUMN deposit_amount;
ALTER TABLE services DROP COLUMN deposit_fixed;
ALTER TABLE services DROP COLUMN deposit_percent;
