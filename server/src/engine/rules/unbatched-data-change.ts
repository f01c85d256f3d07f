import { nodeOf, Of } from '../ast';
import { FileFacts, relationKey, StatementFacts } from '../facts';
import { ident, keyRangeLoop, replaceStatement } from '../fixes';
import { firstLine, Fix, parsedStatements, relationText, Report, Rule } from '../rule';

/** A DO block that walks the key range, one committed transaction per batch. */
function batched(file: FileFacts, s: StatementFacts): Fix {
  const n: Partial<Of<'UpdateStmt'> & Of<'DeleteStmt'>> = nodeOf(s.statement, 'UpdateStmt') ?? nodeOf(s.statement, 'DeleteStmt') ?? {};
  const title = `Batch it: ${file.settings.batchSize} rows per transaction by key range`;
  if (n.returningClause?.exprs?.length) return { title, safety: 'unsafe', edits: [], disabled: 'RETURNING cannot be kept across batches' };
  if (s.block) return { title, safety: 'unsafe', edits: [], disabled: `the statement is inside a ${s.block.routine}: batch it there, in a loop that COMMITs each batch (see the rule's docs)` };
  if (s.inTransaction || file.settings.pgVersion < 11) {
    return { title, safety: 'unsafe', edits: [], disabled: 'a COMMIT per batch needs PostgreSQL 11+ and a file that does not run in a transaction block' };
  }
  const known = s.catalog.get(relationKey(n.relation))?.primaryKey;
  const key = known?.length === 1 ? known[0] : 'id';
  const qualified = `${ident(n.relation?.alias?.aliasname ?? n.relation?.relname ?? '')}.${ident(key)}`;
  const relation = relationText(s, n.relation?.location) ?? '';
  const size = file.settings.batchSize;
  const sql = [
    `-- Batched: ${size} rows per transaction, by ${known ? 'primary key' : `${key} (assumed to be the key: change it if the table's key differs)`}.`,
    '-- Run outside a transaction block (COMMIT inside DO, PostgreSQL 11+); stopping and re-running is safe',
    '-- when each batch skips rows already done.',
    ...keyRangeLoop({ tag: 'batch', table: relation, key: ident(key), size, statement: (inRange) => `${s.statement.text} WHERE ${inRange(qualified)}` }),
  ].join('\n');
  return { title, safety: 'unsafe', edits: [replaceStatement(s, sql)] };
}

export const rule: Rule = {
  meta: {
    id: 'unbatched-data-change',
    severity: 'warning',
    scope: 'statement',
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
    messages: {
      wholeTable:
        '{{statement}} without WHERE changes every row of {{table}} in one transaction: long row locks, bloat, replica lag. Batch it by key range (for example {{batchSize}} rows at a time).',
    },
    fixable: ['unsafe'],
    checklist: 'backfills',
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if ((s.kind !== 'UpdateStmt' && s.kind !== 'DeleteStmt') || (nodeOf(s.statement, 'UpdateStmt') ?? nodeOf(s.statement, 'DeleteStmt'))?.whereClause) continue;
      const table = s.locks[0];
      if (!table?.existing) continue;
      reports.push({
        ...firstLine(s),
        messageId: 'wholeTable',
        data: { statement: s.kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE', table: table.relation, batchSize: file.settings.batchSize.toLocaleString('en-US') },
        fixes: [batched(file, s)],
      });
    }
    return reports;
  },
};
