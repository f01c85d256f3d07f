/** The test table of explicit-lock-table (server/src/engine/rules/explicit-lock-table.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE t (id int);\nLOCK TABLE t;', "SET lock_timeout = '5s';"],
  invalid: [
    { sql: 'LOCK TABLE users;', reports: [{ range: [0, 0, 0, 16], messageId: 'lockTable', data: { mode: 'ACCESS EXCLUSIVE', tables: 'users', blocks: 'blocks reads and writes (every query on the table waits)' } }], output: null },
    { sql: 'LOCK users, orders IN SHARE MODE;', reports: [{ range: [0, 0, 0, 32], messageId: 'lockTable' }], output: null },
  ],
};
