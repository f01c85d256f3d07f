/** The test table of adding-foreign-key-column (server/src/engine/rules/adding-foreign-key-column.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);', 'CREATE TABLE orders (id int);\nALTER TABLE orders ADD COLUMN r bigint DEFAULT 1 REFERENCES regions (id);'],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD COLUMN region_id bigint DEFAULT 1 REFERENCES regions (id);',
      reports: [{ range: [0, 19, 0, 80], messageId: 'validatedInline', data: { table: 'orders', referenced: 'regions' } }],
      output:
        'ALTER TABLE orders ADD COLUMN region_id bigint DEFAULT 1;\nALTER TABLE orders ADD CONSTRAINT orders_region_id_fkey FOREIGN KEY (region_id) REFERENCES regions (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_region_id_fkey;',
    },
    {
      // A named constraint with its ON DELETE, beside another subcommand, in a transaction: the VALIDATE goes after COMMIT.
      sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN region_id bigint DEFAULT 1 CONSTRAINT r_fk REFERENCES regions (id) ON DELETE SET NULL, ADD COLUMN x int;\nCOMMIT;',
      reports: [{ range: [1, 19, 1, 115], messageId: 'validatedInline', data: { table: 'orders', referenced: 'regions' } }],
      output:
        'BEGIN;\nALTER TABLE orders ADD COLUMN x int;\nALTER TABLE orders ADD COLUMN region_id bigint DEFAULT 1;\nALTER TABLE orders ADD CONSTRAINT r_fk FOREIGN KEY (region_id) REFERENCES regions (id) ON DELETE SET NULL NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT r_fk;',
    },
  ],
};
