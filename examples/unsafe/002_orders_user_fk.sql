SET lock_timeout = '5s';
SET statement_timeout = '30min';

-- Validates every row while holding SHARE ROW EXCLUSIVE on orders and users.
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
