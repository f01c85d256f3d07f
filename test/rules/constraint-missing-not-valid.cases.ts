/** The test table of constraint-missing-not-valid (server/src/engine/rules/constraint-missing-not-valid.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
    'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
    'CREATE TABLE orders (id bigint, user_id bigint);\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
    'ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey_idx;',
    'ALTER TABLE orders ADD COLUMN note text;',
    'ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);',
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      reports: [{ range: [0, 19, 0, 92], messageId: 'foreignKey', data: { table: 'orders', referenced: 'users' } }],
      output:
        'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
    },
    {
      sql: 'alter table only "Billing".orders\n  add check (total >= 0),\n  add column note text',
      reports: [{ range: [1, 2, 1, 24], messageId: 'check', data: { table: 'Billing.orders' } }],
      output:
        'alter table only "Billing".orders\n  add CONSTRAINT orders_total_check check (total >= 0) NOT VALID,\n  add column note text;\nALTER TABLE "Billing".orders VALIDATE CONSTRAINT orders_total_check;',
    },
    {
      sql: 'ALTER TABLE orders ADD FOREIGN KEY (user_id, tenant_id) REFERENCES users (id, tenant_id);',
      reports: [{ range: [0, 19, 0, 88], messageId: 'foreignKey' }],
      output:
        'ALTER TABLE orders ADD CONSTRAINT orders_user_id_tenant_id_fkey FOREIGN KEY (user_id, tenant_id) REFERENCES users (id, tenant_id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_tenant_id_fkey;',
    },
    {
      sql: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);\nCOMMIT;',
      reports: [{ range: [1, 19, 1, 54], messageId: 'check' }],
      output: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);',
      settings: { assumeInTransaction: true },
      reports: [{ range: [0, 19, 0, 54], messageId: 'check' }],
      output: null,
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN coupon_id bigint DEFAULT 1 REFERENCES coupons (id);',
      reports: [{ range: [0, 19, 0, 80], messageId: 'inlineColumnConstraint', data: { constraint: 'REFERENCES', table: 'orders' } }],
      output:
        'ALTER TABLE orders ADD COLUMN coupon_id bigint DEFAULT 1;\nALTER TABLE orders ADD CONSTRAINT orders_coupon_id_fkey FOREIGN KEY (coupon_id) REFERENCES coupons (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_coupon_id_fkey;',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN discount int CHECK (discount >= 0);',
      reports: [{ range: [0, 19, 0, 64], messageId: 'inlineColumnConstraint', data: { constraint: 'CHECK', table: 'orders' } }],
      output: 'ALTER TABLE orders ADD COLUMN discount int;\nALTER TABLE orders ADD CONSTRAINT orders_discount_check CHECK (discount >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_discount_check;',
    },
    {
      sql: 'DO $do$\nBEGIN\n  ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $do$;',
      reports: [{ range: [2, 21, 2, 94], messageId: 'foreignKey' }],
      output: null,
    },
  ],
};
