import { FK_REFERENCED, FKS_REFERENCED, FKS_REFERENCING, INDEX_TABLE, PARTITION_INDEX_TABLE, TABLE_INDEXES, VIEW_SOURCES } from '../../server/src/engine/facts';

/**
 * The statement shapes whose lock facts are proven against real PostgreSQL servers. The claims
 * come from the engine (the lock table, server/src/engine/locktable.ts, read by facts.ts): each
 * shape proves the entries its statement is (its facts' `forms`), and test/locktable.test.ts
 * fails when an entry of the table has no shape here and no `unprovable` reason there. This file
 * only says how to run each shape
 * and, for locks the SQL does not name (the table of an index, the referenced table of a dropped
 * foreign key), which relation of the test schema the engine's description stands for.
 */

/** The schema every shape runs against; created once per server and never changed (each shape is rolled back). */
export const SETUP = `
CREATE SCHEMA other;
CREATE ROLE reader;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE users (
  id bigint PRIMARY KEY,
  email text,
  name varchar(50),
  status text DEFAULT 'a',
  n int,
  score int,
  n2 int GENERATED ALWAYS AS (n * 2) STORED,
  created_at timestamp NOT NULL DEFAULT now()
);
INSERT INTO users (id, email, name, n) SELECT g, 'u' || g || '@example.com', 'n' || g, g FROM generate_series(1, 2000) g;
CREATE INDEX users_email_idx ON users (email);
CREATE UNIQUE INDEX users_name_key_idx ON users (name);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  user_id bigint,
  total numeric(10, 2),
  note text,
  CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT orders_total_check CHECK (total >= 0)
);
INSERT INTO orders SELECT g, g, g, 'x' FROM generate_series(1, 2000) g;
ALTER TABLE orders ADD CONSTRAINT orders_note_check CHECK (note <> '') NOT VALID;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
CREATE TABLE accounts (id bigint PRIMARY KEY);
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));
INSERT INTO accounts SELECT g FROM generate_series(1, 100) g;
INSERT INTO sessions SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 (id bigint NOT NULL, at date NOT NULL);
INSERT INTO events_2025 SELECT g, date '2025-03-01' FROM generate_series(1, 500) g;
CREATE MATERIALIZED VIEW user_stats AS SELECT status, count(*) AS total FROM users GROUP BY status;
CREATE UNIQUE INDEX user_stats_status_idx ON user_stats (status);
CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'a';
CREATE SEQUENCE order_seq;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TABLE audit_base (id bigint, at date);
CREATE TABLE audit_2025 (id bigint, at date);
CREATE TABLE audit_2024 () INHERITS (audit_base);
CREATE TYPE audit_row AS (id bigint, at date);
CREATE TABLE audit_typed OF audit_row;
INSERT INTO audit_2025 SELECT g, date '2025-03-01' FROM generate_series(1, 200) g;
CREATE INDEX events_id_idx ON ONLY events (id);
CREATE INDEX events_2024_id_idx ON events_2024 (id);
ANALYZE;
-- Functions, views and what calls them (issue 14): a VOLATILE function without a marker, an
-- IMMUTABLE one, a schema whose functions a default and a trigger call, a materialized view.
CREATE FUNCTION guard_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;
CREATE FUNCTION guard_fixed() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' $$;
CREATE SCHEMA guard_util;
CREATE FUNCTION guard_util.next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'c' $$;
CREATE FUNCTION guard_util.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE coupons (id bigint PRIMARY KEY, code text DEFAULT guard_util.next_code());
CREATE TABLE ledger (id bigint PRIMARY KEY, amount int);
CREATE TRIGGER ledger_stamp BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION guard_util.stamp();
CREATE TABLE sales (id bigint PRIMARY KEY, region text, amount int);
INSERT INTO sales SELECT g, 'r' || (g % 5), g FROM generate_series(1, 300) g;
CREATE VIEW sales_big AS SELECT id, region, amount FROM sales WHERE amount > 10;
CREATE MATERIALIZED VIEW sales_by_region AS SELECT region, sum(amount) AS total FROM sales_big GROUP BY region;
CREATE UNIQUE INDEX sales_by_region_idx ON sales_by_region (region);
`;


export interface Shape {
  sql: string;
  /** Server major version the statement needs. */
  minVersion?: number;
  /**
   * The engine's description of an implicit lock → the relation(s) it is in this schema; [] when it
   * stands for none here (no foreign key references the column): then no other lock may show.
   */
  implicit?: Record<string, string | string[]>;
  /** TRUNCATE: new, empty storage; not a rewrite of the rows. */
  newStorage?: string[];
  /**
   * Statements that cannot run in a transaction block (CONCURRENTLY, VACUUM): proven on a server
   * with a second session, by the lock it waits for while the first holds ACCESS EXCLUSIVE.
   */
  secondSession?: boolean;
  /** Needs a tablespace: only where CREATE TABLESPACE works (not PGlite). */
  needsTablespace?: boolean;
  /** Force index scans where a WHERE clause allows them (UPDATE ... WHERE id = 1). */
  indexScans?: boolean;
  /**
   * Analysed with the schema setup as the earlier migration (its catalog: the indexes and
   * constraints it created), as a migration of a real project is: the engine then names the table
   * of an index and the referenced table of a foreign key.
   */
  history?: boolean;
  /**
   * Run first, in the same transaction (SET timezone ...), and analysed as the statement before
   * it: the claim and the observation are the statement's after it. Rolled back with it.
   */
  prelude?: string;
  /** Docs page of the fact. */
  docs: string;
}

const ALTER = 'https://www.postgresql.org/docs/current/sql-altertable.html';
const LOCKING = 'https://www.postgresql.org/docs/current/explicit-locking.html';
const doc = (page: string) => `https://www.postgresql.org/docs/current/${page}.html`;

export const SHAPES: Shape[] = [
  // ALTER TABLE: columns
  { sql: 'ALTER TABLE users ADD COLUMN c int', docs: ALTER },
  { sql: 'ALTER TABLE users ADD COLUMN c int DEFAULT 0', docs: ALTER },
  { sql: "ALTER TABLE users ADD COLUMN c text NOT NULL DEFAULT 'x'", docs: ALTER },
  { sql: 'ALTER TABLE users ADD COLUMN c timestamptz DEFAULT now()', docs: ALTER },
  { sql: 'ALTER TABLE users ADD COLUMN c uuid DEFAULT gen_random_uuid()', docs: ALTER },
  { sql: 'ALTER TABLE users ADD COLUMN c bigserial', docs: ALTER },
  { sql: 'ALTER TABLE users ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY', docs: ALTER },
  { sql: 'ALTER TABLE users ADD COLUMN c int GENERATED ALWAYS AS (n + 1) STORED', docs: ALTER },
  { sql: 'ALTER TABLE orders ADD COLUMN c bigint REFERENCES users (id)', docs: ALTER },
  { sql: 'ALTER TABLE users ADD COLUMN c int CHECK (c > 0)', docs: ALTER },
  { sql: 'ALTER TABLE orders ADD COLUMN c bigint DEFAULT 1 REFERENCES users (id)', docs: ALTER },
  { sql: 'ALTER TABLE users DROP COLUMN n2', docs: ALTER },
  { sql: 'ALTER TABLE users RENAME COLUMN n TO m', docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN score TYPE bigint', implicit: { [FKS_REFERENCING]: [] }, docs: ALTER },
  // timestamp to timestamptz (issue 14): no rewrite on 12+ when the session's TimeZone is UTC, a
  // rewrite in any other zone (the column's type is known from the migration that created it).
  { sql: 'ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz', prelude: "SET timezone = 'UTC'", history: true, docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz', prelude: "SET timezone = 'Europe/Paris'", history: true, implicit: { [FKS_REFERENCING]: [] }, docs: ALTER },
  { sql: 'ALTER TABLE accounts ALTER COLUMN id TYPE int', implicit: { [FKS_REFERENCING]: 'sessions' }, docs: ALTER },
  { sql: "ALTER TABLE users ALTER COLUMN status SET DEFAULT 'b'", docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN status DROP DEFAULT', docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL', docs: ALTER },
  // PostgreSQL 18's named NOT NULL constraint (issue 14): it checks every row like SET NOT NULL; NOT VALID skips that.
  { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email', minVersion: 18, docs: ALTER },
  { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email NOT VALID', minVersion: 18, docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN created_at DROP NOT NULL', docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN n SET STATISTICS 500', docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN n SET (n_distinct = 100)', docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN email SET STORAGE EXTERNAL', docs: ALTER },
  { sql: 'ALTER TABLE orders ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY', docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN n2 SET EXPRESSION AS (n * 3)', minVersion: 17, docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN n2 DROP EXPRESSION', docs: ALTER },
  // ALTER TABLE: constraints
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk3 FOREIGN KEY (user_id) REFERENCES users (id)', docs: ALTER },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk3 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID', docs: ALTER },
  { sql: 'ALTER TABLE users ADD CONSTRAINT users_n_check CHECK (n > 0)', docs: ALTER },
  { sql: 'ALTER TABLE users ADD CONSTRAINT users_n_check CHECK (n > 0) NOT VALID', docs: ALTER },
  { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)', docs: ALTER },
  { sql: 'ALTER TABLE events_2025 ADD PRIMARY KEY (id)', docs: ALTER },
  { sql: 'ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE USING INDEX users_name_key_idx', docs: ALTER },
  { sql: 'ALTER TABLE events_2025 ADD CONSTRAINT events_2025_excl EXCLUDE USING btree (id WITH =)', docs: ALTER },
  { sql: 'ALTER TABLE orders DROP CONSTRAINT orders_total_check', implicit: { [FK_REFERENCED]: [] }, docs: ALTER },
  { sql: 'ALTER TABLE orders DROP CONSTRAINT orders_user_fk', implicit: { [FK_REFERENCED]: 'users' }, docs: ALTER },
  { sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_note_check', implicit: { [FK_REFERENCED]: [] }, docs: ALTER },
  { sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk2', implicit: { [FK_REFERENCED]: 'users' }, docs: ALTER },
  // After the migration that added the constraints, the engine knows which is a foreign key, and its table.
  { sql: 'ALTER TABLE orders DROP CONSTRAINT orders_user_fk', history: true, docs: ALTER },
  { sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk2', history: true, docs: ALTER },
  { sql: 'ALTER TABLE orders DROP CONSTRAINT orders_total_check', history: true, docs: ALTER },
  { sql: 'ALTER TABLE orders RENAME CONSTRAINT orders_total_check TO orders_total_nonnegative', docs: ALTER },
  // ALTER TABLE: table-level forms
  { sql: 'ALTER TABLE users DISABLE TRIGGER users_touch', docs: ALTER },
  { sql: 'ALTER TABLE users ENABLE TRIGGER users_touch', docs: ALTER },
  { sql: 'ALTER TABLE users ENABLE ROW LEVEL SECURITY', docs: ALTER },
  { sql: 'ALTER TABLE users FORCE ROW LEVEL SECURITY', docs: ALTER },
  { sql: 'ALTER TABLE users SET (fillfactor = 70)', docs: ALTER },
  { sql: 'ALTER TABLE users SET (autovacuum_enabled = false)', docs: ALTER },
  { sql: 'ALTER TABLE events_2025 SET UNLOGGED', docs: ALTER },
  { sql: 'ALTER TABLE users SET TABLESPACE guard_space', needsTablespace: true, docs: ALTER },
  { sql: "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')", docs: ALTER },
  { sql: 'ALTER TABLE events DETACH PARTITION events_2024', docs: ALTER },
  { sql: 'ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY', secondSession: true, docs: ALTER },
  { sql: 'ALTER TABLE users OWNER TO reader', docs: ALTER },
  { sql: 'ALTER TABLE users SET SCHEMA other', docs: ALTER },
  { sql: 'ALTER TABLE users RENAME TO people', docs: ALTER },
  { sql: 'ALTER TABLE users CLUSTER ON users_email_idx', docs: ALTER },
  { sql: 'ALTER TABLE users REPLICA IDENTITY FULL', docs: ALTER },
  { sql: 'ALTER TABLE audit_2025 INHERIT audit_base', docs: ALTER },
  { sql: 'ALTER TABLE audit_2024 NO INHERIT audit_base', docs: ALTER },
  { sql: 'ALTER TABLE audit_2025 OF audit_row', docs: ALTER },
  { sql: 'ALTER TABLE audit_typed NOT OF', docs: ALTER },
  { sql: 'ALTER TABLE users SET WITHOUT OIDS', docs: ALTER },
  { sql: 'ALTER TABLE users ALTER COLUMN email SET COMPRESSION pglz', minVersion: 14, docs: ALTER },
  { sql: 'ALTER TABLE users ADD COLUMN c text UNIQUE', docs: ALTER },
  // Indexes
  { sql: 'CREATE INDEX users_n_idx ON users (n)', docs: doc('sql-createindex') },
  { sql: 'CREATE UNIQUE INDEX users_n_idx ON users (n)', docs: doc('sql-createindex') },
  { sql: 'CREATE INDEX CONCURRENTLY users_n_idx ON users (n)', secondSession: true, docs: doc('sql-createindex') },
  { sql: 'DROP INDEX users_email_idx', implicit: { [INDEX_TABLE]: 'users' }, docs: doc('sql-dropindex') },
  { sql: 'DROP INDEX CONCURRENTLY users_email_idx', secondSession: true, implicit: { [INDEX_TABLE]: 'users' }, docs: doc('sql-dropindex') },
  { sql: 'ALTER INDEX users_email_idx RENAME TO users_mail_idx', docs: doc('sql-alterindex') },
  { sql: 'ALTER INDEX users_email_idx SET TABLESPACE guard_space', needsTablespace: true, docs: doc('sql-alterindex') },
  { sql: 'CREATE INDEX events_at_idx ON ONLY events (at)', docs: doc('sql-createindex') },
  { sql: 'ALTER INDEX events_id_idx ATTACH PARTITION events_2024_id_idx', implicit: { [INDEX_TABLE]: 'events', [PARTITION_INDEX_TABLE]: 'events_2024' }, docs: doc('sql-alterindex') },
  { sql: 'REINDEX INDEX users_email_idx', implicit: { [INDEX_TABLE]: 'users' }, docs: doc('sql-reindex') },
  // After the migration that created the index, the engine knows its table (issue 14): claimed by name.
  { sql: 'DROP INDEX users_email_idx', history: true, docs: doc('sql-dropindex') },
  { sql: 'DROP INDEX CONCURRENTLY users_email_idx', history: true, secondSession: true, docs: doc('sql-dropindex') },
  { sql: 'REINDEX INDEX users_email_idx', history: true, docs: doc('sql-reindex') },
  // REINDEX TABLE (issue 14): SHARE on the table and ACCESS EXCLUSIVE on each of its indexes, so
  // reads wait too (pg_locks shows every index of users held ACCESS EXCLUSIVE).
  { sql: 'REINDEX TABLE users', implicit: { [TABLE_INDEXES]: ['users_pkey', 'users_email_idx', 'users_name_key_idx'] }, docs: doc('sql-reindex') },
  { sql: 'REINDEX TABLE users', history: true, implicit: { [TABLE_INDEXES]: ['users_pkey', 'users_email_idx', 'users_name_key_idx'] }, docs: doc('sql-reindex') },
  { sql: 'REINDEX TABLE CONCURRENTLY users', secondSession: true, docs: doc('sql-reindex') },
  { sql: 'REINDEX INDEX CONCURRENTLY users_email_idx', secondSession: true, implicit: { [INDEX_TABLE]: 'users' }, docs: doc('sql-reindex') },
  // Triggers, policies, views
  { sql: 'CREATE TRIGGER users_touch2 BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()', docs: doc('sql-createtrigger') },
  { sql: 'DROP TRIGGER users_touch ON users', docs: doc('sql-droptrigger') },
  { sql: 'CREATE POLICY users_own ON users USING (id > 0)', docs: doc('sql-createpolicy') },
  { sql: 'CREATE MATERIALIZED VIEW user_names AS SELECT name FROM users', docs: doc('sql-creatematerializedview') },
  { sql: 'DROP MATERIALIZED VIEW user_stats', docs: doc('sql-dropmaterializedview') },
  { sql: 'REFRESH MATERIALIZED VIEW user_stats', implicit: { [VIEW_SOURCES]: 'users' }, docs: doc('sql-refreshmaterializedview') },
  { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats', implicit: { [VIEW_SOURCES]: 'users' }, docs: doc('sql-refreshmaterializedview') },
  { sql: 'CREATE VIEW user_emails AS SELECT email FROM users', docs: doc('sql-createview') },
  { sql: "CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users WHERE status = 'b'", docs: doc('sql-createview') },
  { sql: 'DROP VIEW active_users', docs: doc('sql-dropview') },
  { sql: 'DROP SEQUENCE order_seq', docs: doc('sql-dropsequence') },
  // Tables
  { sql: 'CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id))', docs: doc('sql-createtable') },
  { sql: "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')", docs: doc('sql-createtable') },
  { sql: 'TRUNCATE orders', newStorage: ['orders'], docs: doc('sql-truncate') },
  { sql: 'DROP TABLE orders', implicit: { [FKS_REFERENCED]: 'users' }, docs: doc('sql-droptable') },
  { sql: 'DROP TABLE events_2025', implicit: { [FKS_REFERENCED]: [] }, docs: doc('sql-droptable') },
  { sql: 'VACUUM users', secondSession: true, docs: doc('sql-vacuum') },
  { sql: 'VACUUM FULL users', secondSession: true, docs: doc('sql-vacuum') },
  { sql: 'ANALYZE users', docs: doc('sql-analyze') },
  { sql: 'CLUSTER users USING users_email_idx', docs: doc('sql-cluster') },
  { sql: 'LOCK TABLE users IN SHARE MODE', docs: doc('sql-lock') },
  { sql: 'LOCK TABLE users', docs: doc('sql-lock') },
  // Comments, privileges, types, sequences
  { sql: "COMMENT ON TABLE users IS 'people'", docs: doc('sql-comment') },
  { sql: "COMMENT ON COLUMN users.email IS 'login'", docs: doc('sql-comment') },
  { sql: 'GRANT SELECT ON users TO reader', docs: doc('sql-grant') },
  { sql: 'REVOKE SELECT ON users FROM reader', docs: doc('sql-revoke') },
  { sql: "ALTER TYPE mood ADD VALUE 'happy'", docs: doc('sql-altertype') },
  { sql: 'CREATE SEQUENCE invoice_seq', docs: doc('sql-createsequence') },
  { sql: 'ALTER SEQUENCE order_seq RESTART WITH 100', newStorage: ['order_seq'], docs: doc('sql-altersequence') },
  { sql: 'ALTER SEQUENCE order_seq INCREMENT BY 2', newStorage: ['order_seq'], docs: doc('sql-altersequence') },
  { sql: 'ALTER SEQUENCE order_seq AS integer', newStorage: ['order_seq'], docs: doc('sql-altersequence') },
  { sql: "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'", docs: doc('sql-altertype') },
  { sql: 'ALTER VIEW active_users RENAME TO live_users', docs: doc('sql-alterview') },
  { sql: 'ALTER FUNCTION touch() RENAME TO touch_row', docs: doc('sql-alterfunction') },
  // Data changes
  { sql: 'UPDATE users SET n = n + 1', docs: LOCKING },
  { sql: 'UPDATE users SET n = 1 WHERE id = 5', indexScans: true, docs: LOCKING },
  { sql: 'DELETE FROM orders', docs: LOCKING },
  { sql: 'DELETE FROM orders WHERE id = 5', indexScans: true, docs: LOCKING },
  { sql: 'INSERT INTO orders (id, user_id, total) VALUES (9999, 1, 1)', implicit: { [FKS_REFERENCED]: 'users' }, docs: LOCKING },
  { sql: 'INSERT INTO users (id, email) SELECT id + 100000, email FROM users WHERE id < 10', implicit: { [FKS_REFERENCED]: [] }, docs: LOCKING },
  { sql: 'WITH changed AS (UPDATE users SET n = 1 WHERE id = 5 RETURNING id) SELECT count(*) FROM changed', indexScans: true, docs: doc('queries-with') },
  // DO blocks (issue 16): the block's claim is the union of the claims of the statements in its body.
  { sql: 'DO $$ BEGIN ALTER TABLE users ADD COLUMN c int; CREATE INDEX users_n_idx ON users (n); END $$', docs: doc('sql-do') },
  {
    sql: "DO $$ BEGIN IF current_setting('server_version_num')::int >= 110000 THEN ALTER TABLE orders ADD CONSTRAINT orders_user_fk3 FOREIGN KEY (user_id) REFERENCES users (id); END IF; END $$",
    docs: doc('plpgsql-control-structures'),
  },
  { sql: "DO $$ BEGIN EXECUTE format('ALTER TABLE %I ALTER COLUMN score TYPE bigint', 'users'); END $$", implicit: { [FKS_REFERENCING]: [] }, docs: doc('plpgsql-statements') },
  {
    sql: 'DO $$ DECLARE low bigint := 1; BEGIN WHILE low <= 2000 LOOP UPDATE users SET n = n + 1 WHERE id >= low AND id < low + 500; low := low + 500; END LOOP; END $$',
    indexScans: true,
    docs: doc('plpgsql-control-structures'),
  },
  { sql: 'DO $$ BEGIN ALTER TABLE orders DROP CONSTRAINT orders_user_fk; LOCK TABLE accounts IN SHARE MODE; END $$', implicit: { [FK_REFERENCED]: 'users' }, docs: doc('sql-do') },
  // The schema the history establishes (issue 14): functions with their volatility, views with their sources.
  { sql: 'ALTER TABLE users ADD COLUMN c text DEFAULT guard_code()', history: true, docs: doc('sql-createfunction') },
  { sql: 'ALTER TABLE users ADD COLUMN c text DEFAULT guard_fixed()', history: true, docs: doc('sql-createfunction') },
  { sql: 'REFRESH MATERIALIZED VIEW sales_by_region', history: true, docs: doc('sql-refreshmaterializedview') },
  { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY sales_by_region', history: true, docs: doc('sql-refreshmaterializedview') },
  { sql: 'DROP SCHEMA guard_util CASCADE', history: true, docs: doc('sql-dropschema') },
];
