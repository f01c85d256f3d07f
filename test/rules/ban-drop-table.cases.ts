/** The test table of ban-drop-table (server/src/engine/rules/ban-drop-table.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE tmp (id int);\nDROP TABLE tmp;', 'DROP VIEW v;'],
  invalid: [{ sql: 'DROP TABLE IF EXISTS legacy_sessions CASCADE;', reports: [{ range: [0, 0, 0, 44], messageId: 'dropTable', data: { tables: 'legacy_sessions' } }], output: null }],
};
