/** The test table of ban-truncate (server/src/engine/rules/ban-truncate.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE staging (id int);\nTRUNCATE staging;'],
  invalid: [
    { sql: 'TRUNCATE sessions;', reports: [{ range: [0, 0, 0, 17], messageId: 'truncate', data: { tables: 'sessions' } }], output: null },
    { sql: 'TRUNCATE TABLE users CASCADE;', reports: [{ range: [0, 0, 0, 28], messageId: 'truncateCascade', data: { tables: 'users' } }], output: null },
  ],
};
