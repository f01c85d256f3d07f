SET lock_timeout = '5s';
SET statement_timeout = '30min';

-- gen_random_uuid() is volatile: the whole table is rewritten under ACCESS EXCLUSIVE.
ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
