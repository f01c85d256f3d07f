SET lock_timeout = '5s';
SET statement_timeout = '30min';

-- Instant: new rows are checked from now on.
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
-- Scans under SHARE UPDATE EXCLUSIVE: reads and writes go on.
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
