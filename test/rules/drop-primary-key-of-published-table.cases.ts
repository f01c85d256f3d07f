/** The test table of drop-primary-key-of-published-table (server/src/engine/rules/drop-primary-key-of-published-table.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

const PUB = 'CREATE PUBLICATION feed FOR TABLE orders;\n';

export const tests: RuleTests = {
  valid: [
    // No publication in the file.
    'ALTER TABLE orders DROP CONSTRAINT orders_pkey;',
    // Not the primary key.
    `${PUB}ALTER TABLE orders DROP CONSTRAINT orders_total_check;`,
    // Another table.
    `${PUB}ALTER TABLE users DROP CONSTRAINT users_pkey;`,
    // The key is swapped in the same statement.
    `${PUB}ALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_uuid_key;`,
    // ... or later in the same transaction.
    `${PUB}BEGIN;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nALTER TABLE orders ADD PRIMARY KEY USING INDEX orders_uuid_key;\nCOMMIT;`,
    // ... also by a new column (crates.io's crate_owners, in Diesel's transaction).
    `${PUB}BEGIN;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nALTER TABLE orders ADD COLUMN id2 bigserial PRIMARY KEY;\nCOMMIT;`,
    // A replica identity of its own set earlier.
    `${PUB}ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_uuid_key;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;`,
    // The publication publishes inserts only.
    "CREATE PUBLICATION feed FOR TABLE orders WITH (publish = 'insert');\nALTER TABLE orders DROP CONSTRAINT orders_pkey;",
    // Removed from the publication, or the publication dropped.
    `${PUB}ALTER PUBLICATION feed DROP TABLE orders;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;`,
    `${PUB}DROP PUBLICATION feed;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;`,
    // A table created in the same migration.
    'CREATE PUBLICATION feed FOR ALL TABLES;\nCREATE TABLE orders (id bigint PRIMARY KEY);\nALTER TABLE orders DROP CONSTRAINT orders_pkey;',
    // A schema publication of another schema.
    'CREATE PUBLICATION feed FOR TABLES IN SCHEMA billing;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;',
  ],
  invalid: [
    {
      sql: `${PUB}ALTER TABLE orders DROP CONSTRAINT orders_pkey;`,
      reports: [{ range: [1, 19, 1, 46], messageId: 'dropped', data: { table: 'orders', publication: 'feed' } }],
      output: null,
    },
    {
      sql: 'CREATE PUBLICATION everything FOR ALL TABLES;\nALTER TABLE app.orders DROP CONSTRAINT IF EXISTS orders_pkey;',
      reports: [{ range: [1, 23, 1, 60], messageId: 'dropped', data: { table: 'app.orders', publication: 'everything' } }],
      output: null,
    },
    {
      // The key added back in a later statement outside a transaction: writes fail in between.
      sql: "CREATE PUBLICATION s FOR TABLES IN SCHEMA public;\nCREATE PUBLICATION feed FOR TABLE users WITH (publish = 'insert');\nALTER PUBLICATION feed ADD TABLE orders;\nALTER PUBLICATION feed SET (publish = 'insert, delete');\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nALTER TABLE orders ADD PRIMARY KEY USING INDEX orders_uuid_key;",
      reports: [{ range: [4, 19, 4, 46], messageId: 'dropped', data: { table: 'orders', publication: 'feed, s' } }],
      output: null,
    },
    {
      sql: 'CREATE PUBLICATION feed FOR TABLE accounts;\nALTER TABLE accounts DROP CONSTRAINT accounts_pkey CASCADE;',
      reports: [{ range: [1, 21, 1, 58], messageId: 'dropped', data: { table: 'accounts', publication: 'feed' } }],
      output: null,
    },
  ],
  unsafeContext: ['CREATE PUBLICATION orders_feed FOR TABLE orders'],
};
