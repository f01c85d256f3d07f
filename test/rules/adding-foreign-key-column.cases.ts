/** The test table of adding-foreign-key-column (server/src/engine/rules/adding-foreign-key-column.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);', 'CREATE TABLE orders (id int);\nALTER TABLE orders ADD COLUMN r bigint DEFAULT 1 REFERENCES regions (id);'],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD COLUMN region_id bigint DEFAULT 1 REFERENCES regions (id);',
      reports: [{ range: [0, 19, 0, 80], messageId: 'validatedInline', data: { table: 'orders', referenced: 'regions' } }],
      output: null,
    },
  ],
};
