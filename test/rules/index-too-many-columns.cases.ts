/** The test table of index-too-many-columns (server/src/engine/rules/index-too-many-columns.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'CREATE INDEX CONCURRENTLY orders_account_status_idx ON orders (account_id, status, created_at);',
    'CREATE UNIQUE INDEX CONCURRENTLY orders_key ON orders (account_id, region, channel, number);',
    'CREATE INDEX CONCURRENTLY orders_cover_idx ON orders (account_id) INCLUDE (status, created_at, region, channel);',
  ],
  invalid: [
    {
      sql: 'CREATE INDEX CONCURRENTLY orders_search_idx ON orders (account_id, status, created_at, region, channel);',
      reports: [{ range: [0, 0, 0, 12], messageId: 'wide', data: { count: 5, columns: 'account_id, status, created_at, region, channel' } }],
      output: null,
    },
    {
      // A new table too: the cost is in every write to come.
      sql: 'CREATE TABLE orders (a int, b int, c int, d text);\ncreate index on orders (a, b, c, lower(d));',
      reports: [{ range: [1, 0, 1, 12], messageId: 'wide', data: { count: 4, columns: 'a, b, c, expression' } }],
      output: null,
    },
  ],
};
