/** The test table of create-extension-if-not-exists (server/src/engine/rules/create-extension-if-not-exists.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE EXTENSION IF NOT EXISTS pgcrypto;', 'ALTER EXTENSION pgcrypto UPDATE;', 'DROP EXTENSION IF EXISTS pgcrypto;'],
  invalid: [
    {
      sql: 'CREATE EXTENSION pgcrypto;',
      reports: [{ range: [0, 0, 0, 25], messageId: 'missingIfNotExists', data: { extension: 'pgcrypto' } }],
      output: 'CREATE EXTENSION IF NOT EXISTS pgcrypto;',
    },
    {
      sql: 'create extension "uuid-ossp" with schema extensions;',
      reports: [{ range: [0, 0, 0, 51], messageId: 'missingIfNotExists', data: { extension: 'uuid-ossp' } }],
      output: 'create extension IF NOT EXISTS "uuid-ossp" with schema extensions;',
    },
  ],
};
