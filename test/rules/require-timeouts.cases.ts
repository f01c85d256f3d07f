/** The test table of require-timeouts (server/src/engine/rules/require-timeouts.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    // The runner or the role sets them (ALTER ROLE ... SET lock_timeout): in force from the first statement.
    { sql: 'ALTER TABLE users ALTER COLUMN id TYPE bigint;', settings: { timeoutsInForce: true } },
    "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN note text;",
    "SET lock_timeout = '5s';\nSET statement_timeout = '30min';\nALTER TABLE users ALTER COLUMN id TYPE bigint;",
    "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users DROP COLUMN note;\nCOMMIT;",
    "SELECT set_config('lock_timeout', '3s', false);\nALTER TABLE users ADD COLUMN note text;",
    'CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN note text;',
    'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    "INSERT INTO settings (k, v) VALUES ('a', 'b');",
  ],
  invalid: [
    {
      sql: 'ALTER TABLE users ADD COLUMN note text;',
      reports: [{ range: [0, 0, 0, 38], messageId: 'noLockTimeout', data: { lock: 'ACCESS EXCLUSIVE on users' } }],
      output: "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN note text;",
    },
    {
      sql: "-- migrate:up\nSET lock_timeout = 0;\nALTER TABLE users\n  ALTER COLUMN id TYPE bigint;",
      settings: { lockTimeout: '2s', statementTimeout: '1h' },
      reports: [{ range: [2, 0, 2, 17], messageId: 'noTimeouts', data: { lock: 'ACCESS EXCLUSIVE on users' } }],
      output: "-- migrate:up\nSET lock_timeout = 0;\nSET lock_timeout = '2s';\nSET statement_timeout = '1h';\nALTER TABLE users\n  ALTER COLUMN id TYPE bigint;",
    },
    {
      sql: "BEGIN;\nSET LOCAL lock_timeout = '2s';\nCOMMIT;\nDROP TABLE users;",
      reports: [{ range: [3, 0, 3, 16], messageId: 'noLockTimeout', data: { lock: 'ACCESS EXCLUSIVE on users' } }],
      output: "BEGIN;\nSET LOCAL lock_timeout = '2s';\nCOMMIT;\nSET lock_timeout = '5s';\nDROP TABLE users;",
    },
    {
      sql: "SET lock_timeout = '5s';\nCREATE INDEX users_email_idx ON users (email);",
      reports: [{ range: [1, 0, 1, 45], messageId: 'noStatementTimeout', data: { lock: 'SHARE on users' } }],
      output: "SET statement_timeout = '30min';\nSET lock_timeout = '5s';\nCREATE INDEX users_email_idx ON users (email);",
    },
  ],
};
