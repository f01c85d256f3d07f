/** The test table of drop-object-still-used (server/src/engine/rules/drop-object-still-used.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

const FN = "CREATE FUNCTION util.next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'c' $$;\nCREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TABLE coupons (id bigint, code text DEFAULT util.next_code());\nCREATE TRIGGER coupons_stamp BEFORE INSERT ON coupons FOR EACH ROW EXECUTE FUNCTION stamp();\n";
const TYPE = "CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TABLE people (id bigint, feeling mood, past mood[]);\n";

export const tests: RuleTests = {
  valid: [
    // Nothing calls it.
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nDROP FUNCTION f();",
    // Unknown to the migrations.
    'DROP FUNCTION g();',
    'DROP TYPE mood;',
    // The dependents went first.
    `${FN}ALTER TABLE coupons ALTER COLUMN code DROP DEFAULT;\nDROP FUNCTION util.next_code();`,
    `${FN}DROP TRIGGER coupons_stamp ON coupons;\nDROP FUNCTION stamp();`,
    `${FN}DROP TABLE coupons;\nDROP FUNCTION stamp();\nDROP FUNCTION util.next_code();`,
    `${FN}ALTER TABLE coupons DROP COLUMN code;\nDROP FUNCTION util.next_code();`,
    `${TYPE}ALTER TABLE people ALTER COLUMN feeling TYPE text, ALTER COLUMN past TYPE text[];\nDROP TYPE mood;`,
    // Same name in another schema.
    `${FN}DROP FUNCTION next_code();`,
    // Renames: the default follows the column, the function's uses follow the function.
    `${FN}ALTER TABLE coupons RENAME COLUMN code TO voucher;\nALTER TABLE coupons ALTER COLUMN voucher DROP DEFAULT;\nDROP FUNCTION util.next_code();`,
    `${FN}ALTER TABLE coupons RENAME TO vouchers;\nDROP TABLE vouchers;\nDROP FUNCTION util.next_code();`,
    `${FN}ALTER FUNCTION util.next_code() RENAME TO make_code;\nDROP FUNCTION util.next_code();`,
  ],
  invalid: [
    {
      // DROP TYPE ... CASCADE dropped the columns: a new type of the name has none, and its DROP is quiet.
      sql: `${TYPE}DROP TYPE mood CASCADE;\nCREATE TYPE mood AS ENUM ('calm');\nDROP TYPE mood;`,
      reports: [{ range: [2, 0, 2, 22], messageId: 'typeCascade', data: { type: 'mood', columns: 'the columns people.feeling, people.past' } }],
      output: null,
    },
    {
      sql: `${FN}ALTER TABLE coupons RENAME TO vouchers;\nALTER TABLE vouchers RENAME COLUMN code TO voucher;\nDROP FUNCTION util.next_code();`,
      reports: [{ range: [6, 0, 6, 30], messageId: 'functionRestrict', data: { function: 'util.next_code', uses: 'the default of vouchers.voucher' } }],
      output: null,
    },
    {
      sql: `${FN}ALTER FUNCTION stamp() RENAME TO touch;\nDROP FUNCTION touch();`,
      reports: [{ range: [5, 0, 5, 21], messageId: 'functionRestrict', data: { function: 'touch', uses: 'the trigger coupons_stamp on coupons' } }],
      output: null,
    },
    {
      sql: `${FN}DROP FUNCTION util.next_code();`,
      reports: [{ range: [4, 0, 4, 30], messageId: 'functionRestrict', data: { function: 'util.next_code', uses: 'the default of coupons.code' } }],
      output: null,
    },
    {
      sql: `${FN}DROP FUNCTION IF EXISTS public.stamp CASCADE;`,
      reports: [{ range: [4, 0, 4, 44], messageId: 'functionCascade', data: { function: 'public.stamp', uses: 'the trigger coupons_stamp on coupons' } }],
      output: null,
    },
    {
      sql: `${TYPE}DROP TYPE mood;`,
      reports: [{ range: [2, 0, 2, 14], messageId: 'typeRestrict', data: { type: 'mood', columns: 'the columns people.feeling, people.past' } }],
      output: null,
    },
    {
      sql: 'CREATE DOMAIN email AS text;\nCREATE TABLE users (id bigint, mail email);\nDROP DOMAIN email CASCADE;',
      reports: [{ range: [2, 0, 2, 25], messageId: 'typeCascade', data: { type: 'email', columns: 'the column users.mail' } }],
      output: null,
    },
  ],
  unsafeContext: [
    'CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$',
    'CREATE TABLE coupons (id bigint PRIMARY KEY, code text DEFAULT next_code())',
    "CREATE TYPE mood AS ENUM ('sad', 'ok')",
    'CREATE TABLE people (id bigint, feeling mood)',
  ],
};
