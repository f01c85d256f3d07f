/** The test table of changing-column-type (server/src/engine/rules/changing-column-type.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'CREATE TABLE notes (body varchar(200));\nALTER TABLE notes ALTER COLUMN body TYPE varchar(500);',
    'ALTER TABLE notes ADD COLUMN amount numeric(10, 2);\nALTER TABLE notes ALTER COLUMN amount TYPE numeric(12, 2);',
    'ALTER TABLE notes ADD COLUMN body varchar(20);\nALTER TABLE notes ALTER COLUMN body TYPE text;',
    'ALTER TABLE notes ALTER COLUMN body SET DEFAULT 1;',
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;',
      reports: [{ range: [0, 19, 0, 46], messageId: 'rewrites', data: { column: 'id', table: 'orders' } }],
      output: null,
    },
    {
      sql: 'ALTER TABLE notes ADD COLUMN body varchar(200);\nALTER TABLE notes ALTER COLUMN body TYPE varchar(100);',
      reports: [{ range: [1, 18, 1, 53], messageId: 'rewrites', data: { column: 'body', table: 'notes' } }],
      output: null,
    },
    {
      sql: 'ALTER TABLE notes ALTER COLUMN body TYPE text;',
      reports: [{ range: [0, 18, 0, 45], messageId: 'mayRewrite', data: { column: 'body', type: 'text', table: 'notes' } }],
      output: null,
    },
    {
      sql: "ALTER TABLE notes ALTER COLUMN n TYPE text USING n::text;",
      reports: [{ range: [0, 18, 0, 56], messageId: 'rewrites', data: { column: 'n', table: 'notes' } }],
      output: null,
    },
    {
      // Conditional DDL is analysed as if the branch runs.
      sql: "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attname = 'x') THEN\n    ALTER TABLE users ALTER COLUMN id TYPE bigint;\n  END IF;\nEND $$;",
      reports: [{ range: [3, 22, 3, 49], messageId: 'rewrites' }],
      output: null,
    },
  ],
};
