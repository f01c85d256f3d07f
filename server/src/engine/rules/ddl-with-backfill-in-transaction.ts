import { lockName } from '../locks';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

const DATA = new Set(['UpdateStmt', 'DeleteStmt', 'InsertStmt', 'MergeStmt']);

export const rule: Rule = {
  id: 'ddl-with-backfill-in-transaction',
  severity: 'error',
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
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (!DATA.has(s.kind) || !s.inTransaction) continue;
      if (s.kind === 'InsertStmt' && !s.statement.node?.selectStmt?.SelectStmt?.fromClause) continue;
      const exclusive = s.heldBefore.filter((l) => l.existing && l.mode === 'AccessExclusiveLock');
      if (!exclusive.length) continue;
      reports.push({
        ...firstLine(s),
        message: `This transaction already holds ${exclusive.map((l) => `${lockName(l.mode)} on ${l.relation}`).join(', ')}: it stays held for the whole data change. Commit the schema change first and change the data in its own batched transactions.`,
      });
    }
    return reports;
  },
  tests: {
    valid: [
      "ALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free' WHERE id < 5000;",
      "BEGIN;\nCREATE TABLE plans (id int);\nINSERT INTO plans SELECT g FROM generate_series(1, 3) g;\nCOMMIT;",
      "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nINSERT INTO audit (note) VALUES ('added plan');\nCOMMIT;",
      "BEGIN;\nCREATE INDEX CONCURRENTLY x ON t (a);\nUPDATE t SET a = 1;\nCOMMIT;",
    ],
    invalid: [
      {
        sql: "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';\nCOMMIT;",
        reports: [{ range: [2, 0, 2, 30], message: 'ACCESS EXCLUSIVE on users' }],
        output: null,
      },
      {
        sql: 'ALTER TABLE a DROP COLUMN x;\nINSERT INTO b SELECT * FROM c;',
        settings: { assumeInTransaction: true },
        reports: [{ range: [1, 0, 1, 29], message: 'ACCESS EXCLUSIVE on a' }],
        output: null,
      },
    ],
  },
};
