/** The test table of ban-create-domain-with-constraint (server/src/engine/rules/ban-create-domain-with-constraint.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE DOMAIN positive_int AS int;', 'CREATE DOMAIN code AS text NOT NULL;'],
  invalid: [{ sql: 'CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);', reports: [{ range: [0, 0, 0, 51], messageId: 'domainCheck' }], output: null }],
};
