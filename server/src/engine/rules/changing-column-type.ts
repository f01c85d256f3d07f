import { COERCIBLE_TARGETS, columnInfo } from '../catalog';
import { relationKey } from '../facts';
import { existingTableCommands, Report, Rule } from '../rule';

export const rule: Rule = {
  id: 'changing-column-type',
  severity: 'error',
  docs: {
    summary: 'ALTER COLUMN ... TYPE that rewrites the table and its indexes.',
    why: `Changing a column's type rewrites every row and rebuilds every index of the table under ACCESS
EXCLUSIVE: nothing can read or write the table until it is done. Foreign keys that reference the
column are re-checked too, locking their tables. Code still running expects the old type.

Some changes are binary-coercible and skip the rewrite: varchar(n) to varchar(m) with m >= n or to
text, numeric(p, s) to numeric(q, s) with q >= p, cidr to inet. Migration Guard knows the old type
when the migration created or altered the column; otherwise it says the change may rewrite.`,
    unsafe: `ALTER TABLE orders ALTER COLUMN id TYPE bigint;`,
    safe: `-- Expand-contract: a new column, kept in sync, backfilled in batches, then swapped.
ALTER TABLE orders ADD COLUMN id_new bigint;
-- trigger: NEW.id_new := NEW.id on INSERT/UPDATE; backfill in batches; index CONCURRENTLY;
-- switch reads and writes to id_new; then drop the old column in a later migration.
-- Binary-coercible changes are quiet when the old type is known:
CREATE TABLE notes (body varchar(200));
ALTER TABLE notes ALTER COLUMN body TYPE varchar(500);`,
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_AlterColumnType' || !s.rewrites.includes(table) || s.direction === 'down') continue;
      const next = columnInfo(cmd.node.def?.ColumnDef ?? {});
      const known = s.catalog.get(relationKey(s.statement.node?.relation))?.columns.get(cmd.node.name);
      const open = !known && COERCIBLE_TARGETS.has(next.type) && !cmd.node.def?.ColumnDef?.raw_default;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        severity: open ? 'info' : undefined,
        message: open
          ? `Changing ${cmd.node.name} to ${next.type} rewrites ${table} under ACCESS EXCLUSIVE unless the old type is binary-coercible to it (varchar(n) to a larger varchar or text, numeric with more precision and the same scale): check the old type.`
          : `Changing the type of ${cmd.node.name} rewrites ${table} and all its indexes under ACCESS EXCLUSIVE: no reads or writes until it ends. Add a new column, sync and backfill it in batches, then swap.`,
      });
    }
    return reports;
  },
  tests: {
    valid: [
      'CREATE TABLE notes (body varchar(200));\nALTER TABLE notes ALTER COLUMN body TYPE varchar(500);',
      'ALTER TABLE notes ADD COLUMN amount numeric(10, 2);\nALTER TABLE notes ALTER COLUMN amount TYPE numeric(12, 2);',
      'ALTER TABLE notes ADD COLUMN body varchar(20);\nALTER TABLE notes ALTER COLUMN body TYPE text;',
      'ALTER TABLE notes ALTER COLUMN body SET DEFAULT 1;',
    ],
    invalid: [
      {
        sql: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;',
        reports: [{ range: [0, 19, 0, 46], message: 'rewrites orders and all its indexes' }],
        output: null,
      },
      {
        sql: 'ALTER TABLE notes ADD COLUMN body varchar(200);\nALTER TABLE notes ALTER COLUMN body TYPE varchar(100);',
        reports: [{ range: [1, 18, 1, 53], message: 'rewrites notes' }],
        output: null,
      },
      {
        sql: 'ALTER TABLE notes ALTER COLUMN body TYPE text;',
        reports: [{ range: [0, 18, 0, 45], message: 'unless the old type is binary-coercible' }],
        output: null,
      },
      {
        sql: "ALTER TABLE notes ALTER COLUMN n TYPE text USING n::text;",
        reports: [{ range: [0, 18, 0, 56], message: 'rewrites notes and all its indexes' }],
        output: null,
      },
      {
        // Conditional DDL is analysed as if the branch runs.
        sql: "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attname = 'x') THEN\n    ALTER TABLE users ALTER COLUMN id TYPE bigint;\n  END IF;\nEND $$;",
        reports: [{ range: [3, 22, 3, 49], message: 'rewrites users' }],
        output: null,
      },
    ],
  },
};
