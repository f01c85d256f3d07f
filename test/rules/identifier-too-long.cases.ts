/** The test table of identifier-too-long (server/src/engine/rules/identifier-too-long.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE INDEX subscriptions_reminder_status_idx ON subscriptions (renewal_reminder_sent_at, status);'],
  invalid: [
    {
      sql: 'CREATE TABLE t (a_column_name_that_goes_on_and_on_and_on_far_beyond_the_limit_of_postgres int);',
      reports: [{ range: [0, 16, 0, 89], messageId: 'truncated', data: { name: 'a_column_name_that_goes_on_and_on_and_on_far_beyond_the_limit_of_postgres', bytes: 73, kept: 'a_column_name_that_goes_on_and_on_and_on_far_beyond_the_limit_o' } }],
      output: null,
    },
  ],
};
