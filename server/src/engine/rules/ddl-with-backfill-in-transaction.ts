import { nodeOf } from '../ast';
import { lockName } from '../locks';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

const DATA = new Set(['UpdateStmt', 'DeleteStmt', 'InsertStmt', 'MergeStmt']);

export const rule: Rule = {
  meta: {
    id: 'ddl-with-backfill-in-transaction',
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'A data change (UPDATE, DELETE, INSERT ... SELECT) in the transaction that took ACCESS EXCLUSIVE on a table.',
      why: `Locks are held until the transaction ends. After an ALTER TABLE (ACCESS EXCLUSIVE) in the same
transaction, a backfill that touches many rows keeps the table blocked for reads and writes for as
long as the backfill runs, instead of the milliseconds the ALTER needs.`,
      because: 'Locks are held until the transaction ends, so a backfill after an ALTER TABLE in the same transaction keeps the table blocked for reads and writes for as long as the backfill runs.',
      unsafe: `BEGIN;
ALTER TABLE users ADD COLUMN plan text;
UPDATE users SET plan = 'free';
COMMIT;`,
      safe: `ALTER TABLE users ADD COLUMN plan text;
-- Then, outside that transaction, in batches:
UPDATE users SET plan = 'free' WHERE id BETWEEN 1 AND 5000 AND plan IS NULL;`,
      notes: `Statements on tables the migration created are not reported. A single-row INSERT ... VALUES is not
reported.`,
      noSafeForm: `Separating a data change from the schema change it follows means two migrations, and which
statements belong to which is a decision about the application's deploy: no automatic split is
offered. Put the data change in a migration of its own, batched.`,
    },
    messages: {
      dataChangeUnderLock:
        'This transaction already holds {{locks}}: it stays held for the whole data change. Commit the schema change first and change the data in its own batched transactions.',
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (!DATA.has(s.kind) || !s.inTransaction) continue;
      if (s.kind === 'InsertStmt' && !nodeOf(s.statement, 'InsertStmt')?.selectStmt?.SelectStmt?.fromClause) continue;
      const exclusive = s.heldBefore.filter((l) => l.existing && l.mode === 'AccessExclusiveLock');
      if (!exclusive.length) continue;
      reports.push({
        ...firstLine(s),
        messageId: 'dataChangeUnderLock',
        data: { locks: exclusive.map((l) => `${lockName(l.mode)} on ${l.relation}`).join(', ') },
      });
    }
    return reports;
  },
};
