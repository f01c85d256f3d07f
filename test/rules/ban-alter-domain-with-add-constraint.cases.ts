/** The test table of ban-alter-domain-with-add-constraint (server/src/engine/rules/ban-alter-domain-with-add-constraint.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID;', 'ALTER DOMAIN positive_int VALIDATE CONSTRAINT positive;'],
  invalid: [{ sql: 'ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0);', reports: [{ range: [0, 0, 0, 67], messageId: 'validatedAtOnce' }], output: null }],
};
