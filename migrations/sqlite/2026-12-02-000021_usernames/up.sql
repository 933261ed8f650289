-- An optional username per account, stored lower-case (so unique without
-- regard to case), one more identifier to sign in with.
ALTER TABLE users ADD COLUMN username TEXT;
CREATE UNIQUE INDEX users_username ON users (username);
