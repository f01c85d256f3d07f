/** The test table of prefer-jsonb (server/src/engine/rules/prefer-jsonb.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE events (payload jsonb NOT NULL);', 'ALTER TABLE events ALTER COLUMN payload TYPE jsonb;', 'CREATE TABLE t (tags jsonb[]);'],
  invalid: [
    {
      sql: 'CREATE TABLE events (payload json NOT NULL);',
      reports: [{ range: [0, 21, 0, 42], messageId: 'json', data: { table: 'events', column: 'payload' } }],
      output: 'CREATE TABLE events (payload jsonb NOT NULL);',
    },
    {
      sql: "ALTER TABLE events ADD COLUMN meta json DEFAULT '{}';",
      reports: [{ range: [0, 19, 0, 52], messageId: 'json', data: { table: 'events', column: 'meta' } }],
      output: "ALTER TABLE events ADD COLUMN meta jsonb DEFAULT '{}';",
    },
    {
      // An array of json: reported, no fix (the element type is written inside the array type).
      sql: 'CREATE TABLE t (docs json[]);',
      reports: [{ range: [0, 16, 0, 27], messageId: 'json', data: { table: 't', column: 'docs' } }],
      output: null,
    },
  ],
};
