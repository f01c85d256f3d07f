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
    // Created empty (issue 14): no rows to validate.
    'CREATE TABLE orders (id bigint, user_id bigint);\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\nINSERT INTO orders VALUES (1, 1);',
    // Filled, but the referenced table is new too: nobody writes to it yet.
    'CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE orders AS SELECT 1::bigint AS user_id;\nALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);',
    // WITH NO DATA puts no rows; TRUNCATE takes them out again.
    'CREATE TABLE orders AS SELECT * FROM old_orders WITH NO DATA;\nALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);',
    'CREATE TABLE orders (id bigint, user_id bigint);\nINSERT INTO orders VALUES (1, 1);\nTRUNCATE orders;\nALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);',
    // Filled, then the foreign key NOT VALID.
    'CREATE TABLE orders (id bigint, user_id bigint);\nCOPY orders FROM stdin;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
  ],
  invalid: [
    {
      // Created and filled in this migration (issue 14): the validation reads the rows under SHARE ROW EXCLUSIVE on users.
      sql: 'CREATE TABLE orders_copy (id bigint, user_id bigint);\nINSERT INTO orders_copy SELECT id, user_id FROM orders;\nALTER TABLE orders_copy ADD CONSTRAINT orders_copy_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      reports: [{ range: [2, 24, 2, 102], messageId: 'foreignKeyFilled', data: { table: 'orders_copy', referenced: 'users', source: 'INSERT ... SELECT at line 2' } }],
      output:
        'CREATE TABLE orders_copy (id bigint, user_id bigint);\nINSERT INTO orders_copy SELECT id, user_id FROM orders;\nALTER TABLE orders_copy ADD CONSTRAINT orders_copy_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders_copy VALIDATE CONSTRAINT orders_copy_user_fk;',
    },
    {
      sql: 'CREATE TABLE archive.orders AS SELECT * FROM orders;\nALTER TABLE archive.orders ADD CONSTRAINT archive_orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      reports: [{ range: [1, 27, 1, 108], messageId: 'foreignKeyFilled', data: { table: 'archive.orders', referenced: 'users', source: 'CREATE TABLE AS at line 1' } }],
      output:
        'CREATE TABLE archive.orders AS SELECT * FROM orders;\nALTER TABLE archive.orders ADD CONSTRAINT archive_orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE archive.orders VALIDATE CONSTRAINT archive_orders_user_fk;',
    },
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
