/** The test table of ban-char-field (server/src/engine/rules/ban-char-field.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE countries (code text PRIMARY KEY CHECK (length(code) = 2));', 'CREATE TABLE t (flag "char");'],
  invalid: [{ sql: 'CREATE TABLE countries (code character(2) PRIMARY KEY);', reports: [{ range: [0, 24, 0, 53], messageId: 'charColumn', data: { table: 'countries', column: 'code' } }], output: 'CREATE TABLE countries (code text PRIMARY KEY);' }],
};
