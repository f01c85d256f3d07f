/** The test table of ban-drop-database (server/src/engine/rules/ban-drop-database.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = { valid: ['DROP TABLE IF EXISTS t;'], invalid: [{ sql: 'DROP DATABASE IF EXISTS analytics;', reports: [{ range: [0, 0, 0, 33], messageId: 'dropDatabase', data: { database: 'analytics' } }], output: null }] };
