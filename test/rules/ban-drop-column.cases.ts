/** The test table of ban-drop-column (server/src/engine/rules/ban-drop-column.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE users (a int);\nALTER TABLE users DROP COLUMN a;', 'ALTER TABLE users DROP CONSTRAINT c;'],
  invalid: [{ sql: 'ALTER TABLE users DROP COLUMN IF EXISTS legacy_flag;', reports: [{ range: [0, 18, 0, 51], messageId: 'dropColumn', data: { table: 'users', column: 'legacy_flag' } }], output: null }],
};
