import { nodeOf } from '../ast';
import { firstLine, Fix, keywordToken, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'refresh-materialized-view-blocking',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view.',
      why: `A plain REFRESH MATERIALIZED VIEW takes ACCESS EXCLUSIVE on the view and recomputes it into new
storage: every query that reads the view waits for the whole query to run again. With CONCURRENTLY
it takes EXCLUSIVE (reads go on) and applies the difference. squawk does not report this.`,
      unsafe: `REFRESH MATERIALIZED VIEW user_stats;`,
      safe: `-- CONCURRENTLY needs a unique index on the view (once):
CREATE UNIQUE INDEX CONCURRENTLY user_stats_key ON user_stats (user_id);
REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats;`,
      notes: `REFRESH ... CONCURRENTLY may run in a transaction block, unlike CREATE INDEX CONCURRENTLY. A view
created in the same migration is not reported; WITH NO DATA (which empties the view) is.`,
    },
    messages: {
      refresh:
        'REFRESH MATERIALIZED VIEW takes ACCESS EXCLUSIVE on {{view}}: every read of it waits while the query runs again. Use REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index).',
    },
    fixable: ['unsafe'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.kind !== 'RefreshMatViewStmt' || s.concurrently || !s.locks[0]?.existing) continue;
      // CONCURRENTLY and WITH NO DATA cannot go together.
      const view = keywordToken(s.statement.tokens, 'VIEW');
      const fixes: Fix[] =
        view && !nodeOf(s.statement, 'RefreshMatViewStmt')?.skipData
          ? [{ title: 'Add CONCURRENTLY (the view needs a unique index)', safety: 'unsafe', edits: [{ start: view.end, end: view.end, newText: ' CONCURRENTLY' }] }]
          : [];
      reports.push({
        ...firstLine(s),
        messageId: 'refresh',
        data: { view: s.locks[0].relation },
        fixes,
      });
    }
    return reports;
  },
};
