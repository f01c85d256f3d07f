-- Blocks every INSERT, UPDATE and DELETE on users for the whole index build.
CREATE INDEX users_email_idx ON users (email);
