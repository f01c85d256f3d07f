import { FileFacts, relationKey, StatementFacts } from '../facts';
import { ident, keyRangeLoop, replaceStatement } from '../fixes';
import { firstLine, Fix, parsedStatements, relationText, Report, Rule } from '../rule';

/** A DO block that walks the key range, one committed transaction per batch. */
function batched(file: FileFacts, s: StatementFacts): Fix {
  const n = s.statement.node ?? {};
  const title = `Batch it: ${file.settings.batchSize} rows per transaction by key range`;
  if (n.returningList?.length) return { title, safety: 'unsafe', edits: [], disabled: 'RETURNING cannot be kept across batches' };
  if (s.block) return { title, safety: 'unsafe', edits: [], disabled: `the statement is inside a ${s.block.routine}: batch it there, in a loop that COMMITs each batch (see the rule's docs)` };
  if (s.inTransaction || file.settings.pgVersion < 11) {
    return { title, safety: 'unsafe', edits: [], disabled: 'a COMMIT per batch needs PostgreSQL 11+ and a file that does not run in a transaction block' };
  }
  const known = s.catalog.get(relationKey(n.relation))?.primaryKey;
  const key = known?.length === 1 ? known[0] : 'id';
  const qualified = `${ident(n.relation?.alias?.aliasname ?? n.relation?.relname)}.${ident(key)}`;
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
        message: `${s.kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE'} without WHERE changes every row of ${table.relation} in one transaction: long row locks, bloat, replica lag. Batch it by key range (for example ${file.settings.batchSize.toLocaleString('en-US')} rows at a time).`,
        fixes: [batched(file, s)],
      });
    }
    return reports;
  },
  tests: {
    valid: [
      "UPDATE users SET plan = 'free' WHERE id <= 5000;",
      'CREATE TABLE t (a int);\nUPDATE t SET a = 1;',
      // Batched in a DO block: LIMIT per batch, one COMMIT each.
      "DO $$\nDECLARE n int;\nBEGIN\n  LOOP\n    UPDATE users SET plan = 'free' WHERE id IN (SELECT id FROM users WHERE plan IS NULL LIMIT 1000);\n    GET DIAGNOSTICS n = ROW_COUNT;\n    EXIT WHEN n = 0;\n    COMMIT;\n  END LOOP;\nEND $$;",
    ],
    invalid: [
      {
        sql: "UPDATE users SET plan = 'free';",
        reports: [{ range: [0, 0, 0, 30], message: 'every row of users' }],
        output: [
          "-- Batched: 5000 rows per transaction, by id (assumed to be the key: change it if the table's key differs).",
          '-- Run outside a transaction block (COMMIT inside DO, PostgreSQL 11+); stopping and re-running is safe',
          '-- when each batch skips rows already done.',
          'DO $batch$',
          'DECLARE',
          '  low bigint;',
          '  high bigint;',
          'BEGIN',
          '  SELECT min(id), max(id) INTO low, high FROM users;',
          '  WHILE low <= high LOOP',
          "    UPDATE users SET plan = 'free' WHERE users.id >= low AND users.id < low + 5000;",
          '    COMMIT;',
          '    low := low + 5000;',
          '  END LOOP;',
          'END',
          '$batch$;',
        ].join('\n'),
      },
      {
        sql: 'ALTER TABLE sessions ADD COLUMN x int;\nDELETE FROM sessions s USING users u;',
        settings: { batchSize: 1000 },
        reports: [{ range: [1, 0, 1, 36], message: '1,000 rows' }],
        output: [
          'ALTER TABLE sessions ADD COLUMN x int;',
          "-- Batched: 1000 rows per transaction, by id (assumed to be the key: change it if the table's key differs).",
          '-- Run outside a transaction block (COMMIT inside DO, PostgreSQL 11+); stopping and re-running is safe',
          '-- when each batch skips rows already done.',
          'DO $batch$',
          'DECLARE',
          '  low bigint;',
          '  high bigint;',
          'BEGIN',
          '  SELECT min(id), max(id) INTO low, high FROM sessions;',
          '  WHILE low <= high LOOP',
          '    DELETE FROM sessions s USING users u WHERE s.id >= low AND s.id < low + 1000;',
          '    COMMIT;',
          '    low := low + 1000;',
          '  END LOOP;',
          'END',
          '$batch$;',
        ].join('\n'),
      },
      { sql: 'BEGIN;\nDELETE FROM sessions;\nCOMMIT;', reports: [{ range: [1, 0, 1, 20] }], output: null },
      {
        sql: "DO $$\nBEGIN\n  UPDATE users SET plan = 'free';\nEND $$;",
        reports: [{ range: [2, 2, 2, 32], message: 'every row of users' }],
        output: null,
      },
    ],
  },
};
