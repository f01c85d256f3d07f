/** The test table of prefer-text-field (server/src/engine/rules/prefer-text-field.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE users (email text CHECK (length(email) <= 255));', 'CREATE TABLE users (email varchar);'],
  invalid: [
    { sql: 'CREATE TABLE users (email varchar(255));', reports: [{ range: [0, 20, 0, 38], messageId: 'varchar', data: { table: 'users', column: 'email' } }], output: 'CREATE TABLE users (email text CHECK (length(email) <= 255));' },
    {
      sql: 'ALTER TABLE users ADD COLUMN code character varying(12) NOT NULL DEFAULT \'\';',
      reports: [{ range: [0, 18, 0, 75], messageId: 'varchar', data: { table: 'users', column: 'code' } }],
      output: "ALTER TABLE users ADD COLUMN code text NOT NULL DEFAULT '';",
    },
  ],
};
