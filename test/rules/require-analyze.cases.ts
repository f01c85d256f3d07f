/** The test table of require-analyze (server/src/engine/rules/require-analyze.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    'CREATE INDEX CONCURRENTLY users_lower_email_idx ON users (lower(email));\nANALYZE users;',
    'ALTER TABLE orders ALTER COLUMN total TYPE bigint;\nVACUUM (ANALYZE) orders;',
    'ALTER TABLE orders ALTER COLUMN total TYPE bigint;\nANALYZE;',
    'CREATE TABLE t (a text);\nCREATE INDEX t_lower_idx ON t (lower(a));',
  ],
  invalid: [
    {
      sql: 'CREATE INDEX CONCURRENTLY users_lower_email_idx ON users (lower(email));',
      reports: [{ range: [0, 0, 0, 71], messageId: 'staleStatistics', data: { what: 'the expression of users_lower_email_idx', table: 'users' } }],
      output: 'CREATE INDEX CONCURRENTLY users_lower_email_idx ON users (lower(email));\nANALYZE users;',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN total TYPE bigint;\nANALYZE users;',
      reports: [{ range: [0, 19, 0, 49], messageId: 'staleStatistics', data: { what: 'orders.total (its statistics are dropped with the old type)', table: 'orders' } }],
      output: 'ALTER TABLE orders ALTER COLUMN total TYPE bigint;\nANALYZE orders;\nANALYZE users;',
    },
    {
      sql: 'BEGIN;\nALTER TABLE orders ALTER COLUMN total TYPE bigint;\nCREATE INDEX orders_abs_idx ON orders (abs(total));\nCOMMIT;',
      reports: [
        { range: [1, 19, 1, 49], messageId: 'staleStatistics' },
        { range: [2, 0, 2, 50], messageId: 'staleStatistics' },
      ],
      output: 'BEGIN;\nALTER TABLE orders ALTER COLUMN total TYPE bigint;\nCREATE INDEX orders_abs_idx ON orders (abs(total));\nCOMMIT;\nANALYZE orders;',
    },
  ],
};
