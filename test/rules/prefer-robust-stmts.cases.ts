/** The test table of prefer-robust-stmts (server/src/engine/rules/prefer-robust-stmts.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE IF NOT EXISTS t (id int);', 'DROP TABLE IF EXISTS t;', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);'],
  invalid: [
    { sql: 'CREATE TABLE t (id int);', reports: [{ range: [0, 0, 0, 23], messageId: 'notRerunnable', data: { clause: 'IF NOT EXISTS' } }], output: 'CREATE TABLE IF NOT EXISTS t (id int);' },
    {
      sql: 'CREATE INDEX CONCURRENTLY i ON t (a);',
      reports: [{ range: [0, 0, 0, 36], messageId: 'notRerunnable', data: { clause: 'IF NOT EXISTS' } }],
      output: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);',
    },
    { sql: 'DROP INDEX CONCURRENTLY i;', reports: [{ range: [0, 0, 0, 25], messageId: 'notRerunnable', data: { clause: 'IF EXISTS' } }], output: 'DROP INDEX CONCURRENTLY IF EXISTS i;' },
    {
      sql: 'ALTER TABLE t ADD COLUMN a int, DROP b;',
      reports: [
        { range: [0, 14, 0, 30], messageId: 'notRerunnable', data: { clause: 'IF NOT EXISTS' } },
        { range: [0, 32, 0, 38], messageId: 'notRerunnable', data: { clause: 'IF EXISTS' } },
      ],
      output: 'ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, DROP IF EXISTS b;',
    },
  ],
};
