/** The test table of drop-not-null-or-default (server/src/engine/rules/drop-not-null-or-default.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    "ALTER TABLE users ALTER COLUMN status SET DEFAULT 'a';",
    'CREATE TABLE users (email text NOT NULL, status text DEFAULT 1);\nALTER TABLE users ALTER COLUMN email DROP NOT NULL, ALTER COLUMN status DROP DEFAULT;',
    // Off by default: quiet unless the rules setting enables it.
    { sql: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;', settings: { rules: { 'drop-not-null-or-default': 'off' } } },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL, ALTER COLUMN status DROP DEFAULT;',
      reports: [
        { range: [0, 18, 0, 50], messageId: 'dropNotNull', data: { table: 'users', column: 'email' } },
        { range: [0, 52, 0, 84], messageId: 'dropDefault', data: { table: 'users', column: 'status' } },
      ],
      output: null,
    },
  ],
};
