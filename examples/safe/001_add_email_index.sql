-- Reads and writes go on during the build. Runs outside a transaction block.
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
