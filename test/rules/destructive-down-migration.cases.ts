/** The test table of destructive-down-migration (server/src/engine/rules/destructive-down-migration.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    '-- migrate:up\nALTER TABLE users ADD COLUMN nickname text;\n-- migrate:down\nSELECT 1;',
    { sql: 'DROP TABLE legacy;', settings: { framework: 'dbmate' } },
  ],
  invalid: [
    {
      sql: '-- migrate:up\nALTER TABLE users ADD COLUMN nickname text;\n-- migrate:down\nALTER TABLE users DROP COLUMN nickname;',
      reports: [{ range: [3, 0, 3, 38], messageId: 'dropColumn', data: { columns: 'users.nickname' } }],
      output: null,
    },
    {
      sql: '-- +goose Up\nCREATE TABLE pets (id bigint);\n-- +goose Down\nDROP TABLE pets;',
      reports: [{ range: [3, 0, 3, 15], messageId: 'dropTable', data: { tables: 'pets' } }],
      output: null,
    },
    {
      sql: '-- Up Migration\nALTER TABLE t ALTER COLUMN n TYPE bigint;\n-- Down Migration\nALTER TABLE t ALTER COLUMN n TYPE int;',
      reports: [{ range: [3, 0, 3, 37], messageId: 'changeType', data: { columns: 't.n' } }],
      output: null,
    },
    {
      sql: '-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nTRUNCATE t;',
      reports: [{ range: [3, 0, 3, 10], messageId: 'truncate', data: { tables: 't' } }],
      output: null,
    },
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ['ALTER TABLE users ADD COLUMN nickname text'],
};
