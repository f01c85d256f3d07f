/** The test table of set-not-null (server/src/engine/rules/set-not-null.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
    'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    'CREATE TABLE users (email text);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
  ],
  invalid: [
    {
      sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      reports: [{ range: [0, 18, 0, 49], messageId: 'scans', data: { table: 'users', column: 'email' } }],
      output: [
        'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
        'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
      ].join('\n'),
    },
    {
      sql: '-- keep this\nalter table app."Users" alter column "Email" set not null, add column note text;',
      reports: [{ range: [1, 24, 1, 57], messageId: 'scans', data: { table: 'app.Users', column: 'Email' } }],
      output: [
        '-- keep this',
        'alter table app."Users" add column note text;',
        'ALTER TABLE app."Users" ADD CONSTRAINT "Users_Email_not_null" CHECK ("Email" IS NOT NULL) NOT VALID;',
        'ALTER TABLE app."Users" VALIDATE CONSTRAINT "Users_Email_not_null";',
        'ALTER TABLE app."Users" ALTER COLUMN "Email" SET NOT NULL;',
        'ALTER TABLE app."Users" DROP CONSTRAINT "Users_Email_not_null";',
      ].join('\n'),
    },
    {
      sql: 'BEGIN;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nCOMMIT;',
      reports: [{ range: [1, 18, 1, 49], messageId: 'scans' }],
      output: [
        'BEGIN;',
        'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
        'COMMIT;',
        'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
      ].join('\n'),
    },
    {
      sql: 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      reports: [{ range: [1, 18, 1, 49], messageId: 'scans' }],
      output: [
        'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;',
        'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
        'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
      ].join('\n'),
    },
    {
      sql: 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT c;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      settings: { pgVersion: 11 },
      reports: [{ range: [2, 18, 2, 49], messageId: 'scans' }],
      output: null,
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; END $$;',
      reports: [{ range: [0, 30, 0, 61], messageId: 'scans' }],
      output: null,
    },
  ],
};
