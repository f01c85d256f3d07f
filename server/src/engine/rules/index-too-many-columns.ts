import { nodeOf } from '../ast';
import { headThrough, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'index-too-many-columns',
    severity: 'hint',
    scope: 'statement',
    messages: {
      wide: 'A non-unique index on {{count}} columns ({{columns}}): past three columns an index rarely makes queries faster, and it costs every write and its disk. Index the leading columns the queries filter on.',
    },
    docs: {
      summary: 'A non-unique index on more than three columns (a hint).',
      why: `Each index is updated on every INSERT and on UPDATEs of its columns, takes disk and cache, and is one
more thing to build (under SHARE, or slowly CONCURRENTLY) on a large table. Past three columns the
extra columns rarely narrow a lookup enough to pay for that: the planner uses the leading columns,
and a narrower index on them is smaller and as fast (strong_migrations' advice). Unique indexes are
left alone: their columns define the constraint.`,
      unsafe: `CREATE INDEX CONCURRENTLY orders_search_idx ON orders (account_id, status, created_at, region, channel);`,
      safe: `CREATE INDEX CONCURRENTLY orders_account_status_idx ON orders (account_id, status);
CREATE UNIQUE INDEX CONCURRENTLY orders_natural_key ON orders (account_id, region, channel, number);`,
      notes: 'A covering index can carry extra columns with INCLUDE (...): they are not counted.',
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const n = nodeOf(s.statement, 'IndexStmt');
      if (!n || n.unique) continue;
      const params = n.indexParams ?? [];
      if (params.length <= 3) continue;
      const columns = params.map((p) => p.IndexElem?.name ?? 'expression').join(', ');
      reports.push({ ...headThrough(s, 'INDEX'), messageId: 'wide', data: { count: params.length, columns } });
    }
    return reports;
  },
};
