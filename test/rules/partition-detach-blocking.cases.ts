/** The test table of partition-detach-blocking (server/src/engine/rules/partition-detach-blocking.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;', 'ALTER TABLE events DETACH PARTITION events_2020 FINALIZE;'],
  invalid: [
    {
      sql: 'BEGIN;\nALTER TABLE events DETACH PARTITION events_2020;\nCOMMIT;',
      reports: [{ range: [1, 19, 1, 47], messageId: 'detachInTransaction', data: { table: 'events' } }],
      output: null,
    },
    {
      sql: 'ALTER TABLE events DETACH PARTITION events_2020;',
      reports: [{ range: [0, 19, 0, 47], messageId: 'detach', data: { table: 'events' } }],
      output: 'ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;',
    },
    {
      sql: 'ALTER TABLE events DETACH PARTITION events_2020;',
      settings: { pgVersion: 13 },
      reports: [{ range: [0, 19, 0, 47], messageId: 'detachBefore14', data: { table: 'events', pgVersion: 13 } }],
      output: null,
    },
  ],
};
