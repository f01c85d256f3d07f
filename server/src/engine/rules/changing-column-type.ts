import { nodeOf } from '../ast';
import { COERCIBLE_TARGETS, columnInfo } from '../catalog';
import { relationKey } from '../facts';
import { existingTableCommands, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'changing-column-type',
    severity: 'error',
    scope: 'statement',
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
      noSafeForm: `A type change inside a DO block (a conditional migration) gets no plan: the plan's steps are
migrations of their own and cannot run inside the block. Write the steps after the condition by hand,
or make the condition a separate check before the plan's migrations.`,
    },
    messages: {
      rewrites:
        'Changing the type of {{column}} rewrites {{table}} and all its indexes under ACCESS EXCLUSIVE: no reads or writes until it ends. Add a new column, sync and backfill it in batches, then swap.',
      mayRewrite:
        'Changing {{column}} to {{type}} rewrites {{table}} under ACCESS EXCLUSIVE unless the old type is binary-coercible to it (varchar(n) to a larger varchar or text, numeric with more precision and the same scale): check the old type.',
    },
    fixable: [],
    plan: true,
    squawk: ['changing-column-type'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_AlterColumnType' || !s.rewrites.includes(table) || s.direction === 'down') continue;
      const next = columnInfo(cmd.node.def?.ColumnDef ?? {});
      const known = s.catalog.get(relationKey(nodeOf(s.statement, 'AlterTableStmt')?.relation))?.columns.get(cmd.node.name ?? '');
      const open = !known && COERCIBLE_TARGETS.has(next.type) && !cmd.node.def?.ColumnDef?.raw_default;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        // Old type unknown: most type changes rewrite, so a warning, not a note (issue 14).
        severity: open ? 'warning' : undefined,
        ...(open ? { messageId: 'mayRewrite', data: { column: cmd.node.name ?? '', type: next.type, table } } : { messageId: 'rewrites', data: { column: cmd.node.name ?? '', table } }),
      });
    }
    return reports;
  },
};
