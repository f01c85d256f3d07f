import { splitInlineConstraints } from '../fixes';
import { nodeOf, Of } from '../ast';
import { existingTableCommands, Fix, relationText, Report, Rule } from '../rule';
import { AlterCommand, FileFacts, StatementFacts } from '../facts';

/** The NOT VALID split: the column, the foreign key NOT VALID, VALIDATE where it commits apart. */
export function inlineSplitFix(file: FileFacts, s: StatementFacts, cmd: AlterCommand, constraints: Of<'Constraint'>[], what: string): Fix[] {
  const relation = relationText(s, nodeOf(s.statement, 'AlterTableStmt')?.relation?.location);
  const placed = relation ? splitInlineConstraints(file, s, cmd, relation, constraints) : undefined;
  if (!placed) return [];
  const title = `Add the column, then ${what} NOT VALID, then VALIDATE CONSTRAINT`;
  if ('disabled' in placed) return [{ title, safety: 'unsafe', edits: [], disabled: placed.disabled }];
  return [{ title: placed.note ? `${title}, ${placed.note}` : placed.moved ? `${title} after COMMIT` : title, safety: 'unsafe', edits: placed.edits }];
}

export const rule: Rule = {
  meta: {
    id: 'adding-foreign-key-column',
    severity: 'error',
    docs: {
      summary: 'ADD COLUMN ... REFERENCES with a default: the foreign key is validated against every row in one step.',
      why: `A new column with a default has a value in every row, so an inline REFERENCES makes PostgreSQL check
every row against the referenced table while it holds ACCESS EXCLUSIVE on the table and SHARE ROW
EXCLUSIVE on the referenced table (writes to both wait). Without a default the new column is all
NULL and nothing is scanned: that form is quiet (proven in docs/locks.md).`,
      unsafe: `ALTER TABLE orders ADD COLUMN region_id bigint DEFAULT 1 REFERENCES regions (id);`,
      safe: `ALTER TABLE orders ADD COLUMN region_id bigint DEFAULT 1;
ALTER TABLE orders ADD CONSTRAINT orders_region_fk FOREIGN KEY (region_id) REFERENCES regions (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_region_fk;
-- Without a default the inline form is fine:
ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);`,
    },
    messages: {
      validatedInline:
        'The new column has a default, so its foreign key is checked on every row of {{table}} while {{table}} is ACCESS EXCLUSIVE and {{referenced}} is SHARE ROW EXCLUSIVE. Add the column, then the foreign key NOT VALID, then VALIDATE it.',
    },
    fixable: ['unsafe'],
    squawk: ['adding-foreign-key-constraint'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const fk = (cmd.node.def?.ColumnDef?.constraints ?? []).map((c) => c.Constraint ?? {}).find((c) => c.contype === 'CONSTR_FOREIGN');
      // The facts say whether the foreign key is validated by a scan.
      if (!fk || !s.scans.includes(table)) continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        messageId: 'validatedInline',
        data: { table, referenced: fk.pktable?.relname ?? '' },
        fixes: inlineSplitFix(file, s, cmd, [fk], 'the foreign key'),
      });
    }
    return reports;
  },
};
