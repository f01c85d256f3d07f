/** The test table of adding-field-with-volatile-default (server/src/engine/rules/adding-field-with-volatile-default.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    "ALTER TABLE users ADD COLUMN status text DEFAULT 'active' NOT NULL;",
    'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();',
    'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT CURRENT_TIMESTAMP;',
    'ALTER TABLE users ADD COLUMN n int DEFAULT NULL;',
    'CREATE TABLE users (id bigserial PRIMARY KEY);\nALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();',
    'ALTER TABLE users ALTER COLUMN public_id SET DEFAULT gen_random_uuid();',
    // A function of the migrations declared IMMUTABLE or STABLE (issue 14).
    "CREATE FUNCTION code() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' $$;\nALTER TABLE users ADD COLUMN code text DEFAULT code();",
    "CREATE FUNCTION util.code() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'x' $$;\nALTER TABLE users ADD COLUMN code text DEFAULT util.code();",
  ],
  invalid: [
    {
      sql: 'ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();',
      reports: [{ range: [0, 18, 0, 69], messageId: 'volatile', data: { column: 'public_id', functions: 'gen_random_uuid', table: 'users' } }],
      output: [
        'ALTER TABLE users ADD COLUMN public_id uuid;',
        'ALTER TABLE users ALTER COLUMN public_id SET DEFAULT gen_random_uuid();',
        '-- Existing rows: in batches, each its own transaction, until none is NULL:',
        '--   UPDATE users SET public_id = gen_random_uuid() WHERE <key> BETWEEN <n> AND <n + 5000> AND public_id IS NULL;',
      ].join('\n'),
    },
    {
      sql: 'alter table "Users" add column touched timestamptz default clock_timestamp() check (touched > now())',
      reports: [{ range: [0, 20, 0, 100], messageId: 'volatile', data: { column: 'touched', functions: 'clock_timestamp', table: 'Users' } }],
      output: [
        'alter table "Users" add column touched timestamptz check (touched > now());',
        'ALTER TABLE "Users" ALTER COLUMN touched SET DEFAULT clock_timestamp();',
        '-- Existing rows: in batches, each its own transaction, until none is NULL:',
        '--   UPDATE "Users" SET touched = clock_timestamp() WHERE <key> BETWEEN <n> AND <n + 5000> AND touched IS NULL;',
      ].join('\n'),
    },
    {
      sql: 'alter table users\n  add column note text,\n  add column seq bigserial;',
      reports: [{ range: [2, 2, 2, 26], messageId: 'volatile', data: { column: 'seq', functions: 'nextval (bigserial)', table: 'users' } }],
      output: null,
    },
    {
      sql: "ALTER TABLE users ADD COLUMN status text DEFAULT 'active';",
      settings: { pgVersion: 10 },
      reports: [{ range: [0, 18, 0, 57], messageId: 'anyDefaultBefore11', data: { pgVersion: 10, table: 'users' } }],
      output: null,
    },
    {
      sql: 'ALTER TABLE users ADD COLUMN id2 bigint GENERATED ALWAYS AS IDENTITY;',
      reports: [{ range: [0, 18, 0, 68], messageId: 'volatile', data: { column: 'id2', functions: 'nextval (identity)', table: 'users' } }],
      output: null,
    },
    {
      // Declared without a marker: VOLATILE (issue 14), proven a rewrite on PostgreSQL (docs/locks.md).
      sql: "CREATE FUNCTION make_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;\nALTER TABLE users ADD COLUMN code text DEFAULT make_code();",
      reports: [{ range: [1, 18, 1, 58], messageId: 'volatile', data: { column: 'code', functions: 'make_code', table: 'users' } }],
      output: [
        'CREATE FUNCTION make_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;',
        'ALTER TABLE users ADD COLUMN code text;',
        'ALTER TABLE users ALTER COLUMN code SET DEFAULT make_code();',
        '-- Existing rows: in batches, each its own transaction, until none is NULL:',
        '--   UPDATE users SET code = make_code() WHERE <key> BETWEEN <n> AND <n + 5000> AND code IS NULL;',
      ].join('\n'),
    },
    {
      sql: 'ALTER TABLE users ADD COLUMN code text DEFAULT make_code();',
      reports: [{ range: [0, 18, 0, 58], messageId: 'unknownFunction', data: { column: 'code', functions: 'make_code', table: 'users' } }],
      output: null,
    },
  ],
};
