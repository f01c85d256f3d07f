/** The test table of replica-identity-full (server/src/engine/rules/replica-identity-full.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_number_key;', 'ALTER TABLE orders REPLICA IDENTITY DEFAULT;', 'CREATE TABLE orders (id bigint);\nALTER TABLE orders REPLICA IDENTITY FULL;'],
  invalid: [
    {
      sql: 'ALTER TABLE orders REPLICA IDENTITY FULL;',
      reports: [{ range: [0, 19, 0, 40], messageId: 'full', data: { table: 'orders' } }],
      output: null,
    },
  ],
};
