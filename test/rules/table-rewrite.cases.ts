/** The test table of table-rewrite (server/src/engine/rules/table-rewrite.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'VACUUM users;',
    'VACUUM (ANALYZE) users;',
    'CREATE TABLE users (name text);\nALTER TABLE users SET UNLOGGED;\nALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (length(name)) STORED;',
    "ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (length(name)) VIRTUAL;",
    'ALTER TABLE users SET (fillfactor = 70);',
  ],
  invalid: [
    { sql: 'VACUUM FULL users;', reports: [{ range: [0, 0, 0, 17], messageId: 'vacuumFull', data: { tables: 'users' } }], output: null },
    { sql: 'CLUSTER users USING users_pkey;', reports: [{ range: [0, 0, 0, 30], messageId: 'cluster', data: { table: 'users' } }], output: null },
    { sql: 'ALTER TABLE users SET UNLOGGED;', reports: [{ range: [0, 18, 0, 30], messageId: 'rewrite', data: { form: 'SET UNLOGGED', table: 'users' } }], output: null },
    { sql: 'ALTER TABLE users SET TABLESPACE fast_disk;', reports: [{ range: [0, 18, 0, 42], messageId: 'rewrite', data: { form: 'SET TABLESPACE', table: 'users' } }], output: null },
    { sql: 'ALTER TABLE users SET ACCESS METHOD heap2;', reports: [{ range: [0, 18, 0, 41], messageId: 'rewrite', data: { form: 'SET ACCESS METHOD', table: 'users' } }], output: null },
    {
      sql: 'ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (length(name)) STORED;',
      reports: [{ range: [0, 18, 0, 76], messageId: 'storedGenerated', data: { table: 'users' } }],
      output: null,
    },
    {
      // PostgreSQL 18: the same column VIRTUAL does not rewrite (test/fixes.pg.test.ts proves it on PGlite 18).
      sql: 'ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (length(name)) STORED;',
      settings: { pgVersion: 18 },
      reports: [{ range: [0, 18, 0, 76], messageId: 'storedGenerated', data: { table: 'users' } }],
      output: 'ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (length(name)) VIRTUAL;',
    },
    {
      // A virtual column cannot be unique: no fix ("unique constraints on virtual generated columns are not supported").
      sql: 'ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (length(name)) STORED UNIQUE;',
      settings: { pgVersion: 18 },
      reports: [{ range: [0, 18, 0, 83], messageId: 'storedGenerated', data: { table: 'users' } }],
      output: null,
    },
    {
      // A function the migrations created: PostgreSQL refuses it in a virtual column ("generation expression uses user-defined function").
      sql: "CREATE FUNCTION name_length(t text) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT length(t) $$;\nALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (name_length(name)) STORED;",
      settings: { pgVersion: 18 },
      reports: [{ range: [1, 18, 1, 81], messageId: 'storedGenerated', data: { table: 'users' } }],
      output: null,
    },
    {
      sql: 'ALTER INDEX users_email_idx SET TABLESPACE fast;',
      reports: [{ range: [0, 28, 0, 47], messageId: 'rewriteIndex', data: { form: 'SET TABLESPACE', index: 'users_email_idx' } }],
      output: null,
    },
  ],
};
