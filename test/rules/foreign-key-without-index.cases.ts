/** The test table of foreign-key-without-index (server/src/engine/rules/foreign-key-without-index.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id));\nCREATE INDEX order_items_order_id_idx ON order_items (order_id);',
    // Leading columns in any order, and a primary key that starts with them, serve the key.
    'CREATE TABLE order_items (id bigint, order_id bigint, shop_id bigint, CONSTRAINT fk FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, id));\nCREATE INDEX ON order_items (order_id, shop_id, id);',
    'CREATE TABLE order_items (id bigint, order_id bigint, CONSTRAINT fk FOREIGN KEY (order_id) REFERENCES orders (id), PRIMARY KEY (order_id, id));',
    'CREATE TABLE profiles (user_id bigint PRIMARY KEY REFERENCES users (id));',
    // A column older than the migration may have an index from an earlier one: not known, not reported.
    'ALTER TABLE order_items ADD CONSTRAINT fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;',
    'ALTER TABLE order_items ADD COLUMN coupon_id bigint REFERENCES coupons (id);\nCREATE INDEX CONCURRENTLY order_items_coupon_id_idx ON order_items (coupon_id);',
  ],
  invalid: [
    {
      sql: 'CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), sku text);',
      reports: [{ range: [0, 49, 0, 96], messageId: 'noIndex', data: { table: 'order_items', columns: 'order_id', referenced: 'orders' } }],
      output: 'CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), sku text);\nCREATE INDEX order_items_order_id_idx ON order_items (order_id);',
    },
    {
      sql: 'CREATE TABLE a (id int);\nALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES b (id);',
      reports: [{ range: [1, 14, 1, 66], messageId: 'noIndex', data: { table: 'a', columns: 'id', referenced: 'b' } }],
      output: 'CREATE TABLE a (id int);\nALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES b (id);\nCREATE INDEX a_id_idx ON a (id);',
    },
    {
      // A new column of an existing table: the index needs CONCURRENTLY, so no fix here.
      sql: 'ALTER TABLE order_items ADD COLUMN coupon_id bigint REFERENCES coupons (id);',
      reports: [{ range: [0, 24, 0, 75], messageId: 'noIndex', data: { table: 'order_items', columns: 'coupon_id', referenced: 'coupons' } }],
      output: null,
    },
    {
      sql: 'ALTER TABLE order_items ADD COLUMN coupon_id bigint;\nALTER TABLE order_items ADD CONSTRAINT fk FOREIGN KEY (coupon_id) REFERENCES coupons (id) NOT VALID;',
      reports: [{ range: [1, 24, 1, 99], messageId: 'noIndex', data: { table: 'order_items', columns: 'coupon_id', referenced: 'coupons' } }],
      output: null,
    },
  ],
};
