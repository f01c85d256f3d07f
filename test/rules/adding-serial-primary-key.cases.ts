/** The test table of adding-serial-primary-key (server/src/engine/rules/adding-serial-primary-key.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['ALTER TABLE events ADD COLUMN id bigint;', 'CREATE TABLE events (at date);\nALTER TABLE events ADD COLUMN id bigserial PRIMARY KEY;'],
  invalid: [{ sql: 'ALTER TABLE events ADD COLUMN id bigserial PRIMARY KEY;', reports: [{ range: [0, 19, 0, 54], messageId: 'serialPrimaryKey', data: { type: 'bigserial', table: 'events' } }], output: null }],
};
