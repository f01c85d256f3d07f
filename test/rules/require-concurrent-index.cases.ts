/** The test table of require-concurrent-index (server/src/engine/rules/require-concurrent-index.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    'DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;',
    'DO $$\nBEGIN\n  CREATE TABLE accounts (id bigint, email text);\n  CREATE INDEX accounts_email_idx ON accounts (email);\nEND $$;',
    'REINDEX INDEX CONCURRENTLY users_email_idx;',
    'REINDEX (VERBOSE) TABLE CONCURRENTLY users;',
    'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\nCREATE INDEX accounts_email_idx ON accounts (email);',
    'CREATE TABLE app.accounts (id bigint);\nCREATE UNIQUE INDEX accounts_id_idx ON app.accounts (id);',
    'CREATE TABLE public.accounts (id bigint);\nCREATE INDEX accounts_id_idx ON accounts (id);\nDROP INDEX accounts_id_idx;',
  ],
  invalid: [
    {
      sql: 'CREATE INDEX users_email_idx ON users (email);',
      reports: [{ range: [0, 0, 0, 12], messageId: 'createIndex', data: { table: 'users' } }],
      output: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    },
    {
      sql: '-- add the index\ncreate unique index if not exists users_email_idx\n  on app.users using btree (lower(email));',
      reports: [{ range: [1, 0, 1, 19], messageId: 'createIndex', data: { table: 'app.users' } }],
      output: '-- add the index\ncreate unique index CONCURRENTLY if not exists users_email_idx\n  on app.users using btree (lower(email));',
    },
    {
      sql: 'DROP INDEX IF EXISTS users_email_idx;',
      reports: [{ range: [0, 0, 0, 10], messageId: 'dropIndex', data: { index: 'users_email_idx' } }],
      output: 'DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;',
    },
    {
      // DROP INDEX CONCURRENTLY drops one index: one statement each.
      sql: 'DROP INDEX a_idx, b_idx;',
      reports: [{ range: [0, 0, 0, 10], messageId: 'dropIndex', data: { index: 'a_idx' } }],
      output: 'DROP INDEX CONCURRENTLY a_idx;\nDROP INDEX CONCURRENTLY b_idx;',
    },
    {
      sql: 'BEGIN;\nDROP INDEX IF EXISTS app.a_idx, "B";\nCOMMIT;',
      reports: [{ range: [1, 0, 1, 10], messageId: 'dropIndexInTransaction', data: { index: 'app.a_idx' } }],
      output: 'BEGIN;\nCOMMIT;\nDROP INDEX CONCURRENTLY IF EXISTS app.a_idx;\nDROP INDEX CONCURRENTLY IF EXISTS "B";',
    },
    {
      // CONCURRENTLY refuses CASCADE: no fix.
      sql: 'DROP INDEX a_idx, b_idx CASCADE;',
      reports: [{ range: [0, 0, 0, 10], messageId: 'dropIndex', data: { index: 'a_idx' } }],
      output: null,
    },
    {
      sql: 'REINDEX (VERBOSE) INDEX users_email_idx;',
      reports: [{ range: [0, 0, 0, 7], messageId: 'reindex', data: { relation: 'users_email_idx' } }],
      output: 'REINDEX (VERBOSE) INDEX CONCURRENTLY users_email_idx;',
    },
    {
      sql: 'REINDEX TABLE users;',
      settings: { pgVersion: 11 },
      reports: [{ range: [0, 0, 0, 7], messageId: 'reindex', data: { relation: 'users' } }],
      output: null,
    },
    {
      sql: 'BEGIN;\nALTER TABLE users ADD COLUMN email text;\nCREATE INDEX users_email_idx ON users (email); -- for login\nCOMMIT;',
      reports: [{ range: [2, 0, 2, 12], messageId: 'createIndexInTransaction', data: { table: 'users' } }],
      output: 'BEGIN;\nALTER TABLE users ADD COLUMN email text;\n-- for login\nCOMMIT;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    },
    {
      sql: 'CREATE INDEX ON users (email);',
      settings: { assumeInTransaction: true },
      reports: [{ range: [0, 0, 0, 12], messageId: 'createIndexInTransaction', data: { table: 'users' } }],
      output: null,
    },
    {
      sql: 'BEGIN;\nDROP INDEX users_email_idx;\nCOMMIT;',
      reports: [{ range: [1, 0, 1, 10], messageId: 'dropIndexInTransaction', data: { index: 'users_email_idx' } }],
      output: 'BEGIN;\nCOMMIT;\nDROP INDEX CONCURRENTLY users_email_idx;',
    },
    {
      sql: 'BEGIN;\nREINDEX INDEX users_email_idx;\nCOMMIT;',
      reports: [{ range: [1, 0, 1, 7], messageId: 'reindexInTransaction', data: { relation: 'users_email_idx' } }],
      output: 'BEGIN;\nCOMMIT;\nREINDEX INDEX CONCURRENTLY users_email_idx;',
    },
    // Inside a DO block (issue 16), after non-ASCII text: the range is in the block; CONCURRENTLY cannot run there.
    {
      sql: '-- índice para el login ✓\nDO $$\nBEGIN\n  CREATE INDEX users_email_idx ON users (email);\nEND $$;',
      reports: [{ range: [3, 2, 3, 14], messageId: 'createIndexInBlock', data: { table: 'users', routine: 'DO block' } }],
      output: null,
    },
    {
      sql: "DO $$\nBEGIN\n  EXECUTE format('CREATE INDEX %I ON %I (email)', 'users_email_idx', tbl);\nEND $$;",
      reports: [{ range: [2, 18, 2, 30], messageId: 'createIndexInBlock', data: { table: '<tbl>', routine: 'DO block' } }],
      output: null,
    },
    {
      sql: 'DO $$\nBEGIN\n  DROP INDEX users_email_idx;\nEND $$;',
      reports: [{ range: [2, 2, 2, 12], messageId: 'dropIndexInBlock', data: { index: 'users_email_idx', routine: 'DO block' } }],
      output: null,
    },
    {
      sql: 'DO $$\nBEGIN\n  REINDEX INDEX users_email_idx;\nEND $$;',
      reports: [{ range: [2, 2, 2, 9], messageId: 'reindexInBlock', data: { relation: 'users_email_idx', routine: 'DO block' } }],
      output: null,
    },
  ],
};
