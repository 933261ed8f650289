DROP TABLE favorites;
ALTER TABLE users DROP COLUMN customer_rating_count;
ALTER TABLE users DROP COLUMN customer_rating_sum;
ALTER TABLE provider_profiles DROP COLUMN rating_sum;
DROP TABLE reviews;
