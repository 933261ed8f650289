-- Accounts that start from a phone number: the email becomes optional (a
-- number proven by a texted code is enough to sign up, the rest of the
-- profile comes later); a changed phone waits in pending_phone until the new
-- number is verified; each user may save a language and a time zone.
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
ALTER TABLE users ADD COLUMN pending_phone TEXT;
ALTER TABLE users ADD COLUMN language TEXT;
ALTER TABLE users ADD COLUMN time_zone TEXT;
