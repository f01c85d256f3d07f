/** The test table of refresh-materialized-view-blocking (server/src/engine/rules/refresh-materialized-view-blocking.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats;',
    'CREATE MATERIALIZED VIEW user_stats AS SELECT 1 AS n;\nREFRESH MATERIALIZED VIEW user_stats;',
  ],
  invalid: [
    {
      sql: 'REFRESH MATERIALIZED VIEW user_stats;',
      reports: [{ range: [0, 0, 0, 36], messageId: 'refresh', data: { view: 'user_stats' } }],
      output: 'REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats;',
    },
    { sql: 'refresh materialized view app.user_stats with no data;', reports: [{ range: [0, 0, 0, 53], messageId: 'refresh', data: { view: 'app.user_stats' } }], output: null },
  ],
};
