SET lock_timeout = '5s';

-- Expand: the column, nullable, with the default for new rows only.
ALTER TABLE users ADD COLUMN public_id uuid;
ALTER TABLE users ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
-- Backfill existing rows in batches, each its own transaction (repeat until 0 rows).
UPDATE users SET public_id = gen_random_uuid()
WHERE id IN (SELECT id FROM users WHERE public_id IS NULL LIMIT 5000);
