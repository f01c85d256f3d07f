SET lock_timeout = '5s';

BEGIN;
-- PostgreSQL refuses: CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);
COMMIT;
