/** The test table of adding-required-field (server/src/engine/rules/adding-required-field.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'ALTER TABLE users ADD COLUMN tenant_id bigint;',
    "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
    'ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY NOT NULL;',
    'CREATE TABLE users (id bigint);\nALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;',
  ],
  invalid: [
    {
      sql: 'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;',
      reports: [{ range: [0, 18, 0, 54], messageId: 'notNullWithoutDefault', data: { column: 'tenant_id', table: 'users' } }],
      output: [
        'ALTER TABLE users ADD COLUMN tenant_id bigint;',
        '-- Next: backfill tenant_id in batches, each its own transaction, until none is NULL:',
        '--   UPDATE users SET tenant_id = ... WHERE <key> BETWEEN <n> AND <n + 5000> AND tenant_id IS NULL;',
        '-- Then, in a later migration, once the code always writes it:',
        '--   ALTER TABLE users ADD CONSTRAINT users_tenant_id_not_null CHECK (tenant_id IS NOT NULL) NOT VALID;',
        '--   ALTER TABLE users VALIDATE CONSTRAINT users_tenant_id_not_null;',
        '--   ALTER TABLE users ALTER COLUMN tenant_id SET NOT NULL;',
        '--   ALTER TABLE users DROP CONSTRAINT users_tenant_id_not_null;',
      ].join('\n'),
    },
    {
      sql: 'ALTER TABLE users ADD COLUMN note text, ADD COLUMN code text NOT NULL DEFAULT NULL;',
      reports: [{ range: [0, 40, 0, 82], messageId: 'notNullWithoutDefault', data: { column: 'code', table: 'users' } }],
      output: [
        'ALTER TABLE users ADD COLUMN note text, ADD COLUMN code text DEFAULT NULL;',
        '-- Next: backfill code in batches, each its own transaction, until none is NULL:',
        '--   UPDATE users SET code = ... WHERE <key> BETWEEN <n> AND <n + 5000> AND code IS NULL;',
        '-- Then, in a later migration, once the code always writes it:',
        '--   ALTER TABLE users ADD CONSTRAINT users_code_not_null CHECK (code IS NOT NULL) NOT VALID;',
        '--   ALTER TABLE users VALIDATE CONSTRAINT users_code_not_null;',
        '--   ALTER TABLE users ALTER COLUMN code SET NOT NULL;',
        '--   ALTER TABLE users DROP CONSTRAINT users_code_not_null;',
      ].join('\n'),
    },
    {
      sql: 'ALTER TABLE users ADD COLUMN visits int NOT NULL;',
      reports: [{ range: [0, 18, 0, 48], messageId: 'notNullWithoutDefault' }],
      output: 'ALTER TABLE users ADD COLUMN visits int;\n-- Next: backfill visits in batches, each its own transaction, until none is NULL:\n--   UPDATE users SET visits = ... WHERE <key> BETWEEN <n> AND <n + 5000> AND visits IS NULL;\n-- Then, in a later migration, once the code always writes it:\n--   ALTER TABLE users ADD CONSTRAINT users_visits_not_null CHECK (visits IS NOT NULL) NOT VALID;\n--   ALTER TABLE users VALIDATE CONSTRAINT users_visits_not_null;\n--   ALTER TABLE users ALTER COLUMN visits SET NOT NULL;\n--   ALTER TABLE users DROP CONSTRAINT users_visits_not_null;',
    },
  ],
};
