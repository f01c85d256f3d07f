import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  id: 'unbatched-data-change',
  severity: 'warning',
  docs: {
    summary: 'UPDATE or DELETE without WHERE on an existing table: every row in one transaction.',
    why: `One statement that touches every row holds a row lock on each of them until it commits (writers to
those rows wait), writes a new version of every row (the table and its indexes bloat, replicas fall
behind), and cannot be stopped halfway without losing all of it. squawk does not report this.`,
    unsafe: `UPDATE users SET plan = 'free';
DELETE FROM sessions;`,
    safe: `-- Backfill in batches of 5,000 by key range, each its own transaction; repeat until done.
UPDATE users SET plan = 'free' WHERE id > 0 AND id <= 5000 AND plan IS NULL;
UPDATE users SET plan = 'free' WHERE id > 5000 AND id <= 10000 AND plan IS NULL;`,
    notes: 'Tables created in the same migration are not reported.',
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if ((s.kind !== 'UpdateStmt' && s.kind !== 'DeleteStmt') || s.statement.node?.whereClause) continue;
      const table = s.locks[0];
      if (!table?.existing) continue;
      reports.push({
        ...firstLine(s),
        message: `${s.kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE'} without WHERE changes every row of ${table.relation} in one transaction: long row locks, bloat, replica lag. Batch it by key range (for example 5,000 rows at a time).`,
      });
    }
    return reports;
  },
  tests: {
    valid: ["UPDATE users SET plan = 'free' WHERE id <= 5000;", 'CREATE TABLE t (a int);\nUPDATE t SET a = 1;'],
    invalid: [
      { sql: "UPDATE users SET plan = 'free';", reports: [{ range: [0, 0, 0, 30], message: 'every row of users' }], output: null },
      { sql: 'DELETE FROM sessions;', reports: [{ range: [0, 0, 0, 20], message: 'DELETE without WHERE' }], output: null },
    ],
  },
};
