/** The test table of prefer-timestamptz (server/src/engine/rules/prefer-timestamptz.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE events (created_at timestamptz, d date);', 'CREATE TABLE e (at timestamp with time zone);'],
  invalid: [
    { sql: 'ALTER TABLE events ADD COLUMN seen_at timestamp(3);', reports: [{ range: [0, 19, 0, 50], messageId: 'timestamp', data: { table: 'events', column: 'seen_at' } }], output: 'ALTER TABLE events ADD COLUMN seen_at timestamptz(3);' },
    {
      sql: 'CREATE TABLE events (\n  created_at timestamp without time zone NOT NULL DEFAULT now() -- UTC\n);',
      reports: [{ range: [1, 2, 1, 63], messageId: 'timestamp', data: { table: 'events', column: 'created_at' } }],
      output: 'CREATE TABLE events (\n  created_at timestamptz NOT NULL DEFAULT now() -- UTC\n);',
    },
  ],
};
