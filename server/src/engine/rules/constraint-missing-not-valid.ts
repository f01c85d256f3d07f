import { AlterCommand, FileFacts, StatementFacts } from '../facts';
import { afterTransaction } from '../fixes';
import { nodeOf, Of } from '../ast';
import { catalogObjects } from '../catalog';
import { relationKey, relationName } from '../facts';
import { inlineSplitFix } from './adding-foreign-key-column';
import { existingTableCommands, Fix, lineOf, parsedStatements, quoteIdent, relationText, Report, Rule } from '../rule';

const id = 'constraint-missing-not-valid';

/** The name PostgreSQL would choose (ChooseConstraintName): `<table>_<columns>_fkey`, `<table>_<column>_check`. */
function defaultName(table: string, c: Of<'Constraint'>): string {
  const columns =
    c.contype === 'CONSTR_FOREIGN'
      ? (c.fk_attrs ?? []).map((a) => a.String?.sval)
      : [JSON.stringify(c.raw_expr ?? {}).match(/"ColumnRef":\{"fields":\[\{"String":\{"sval":"([^"]+)"/)?.[1]].filter(Boolean);
  return [table, ...columns, c.contype === 'CONSTR_FOREIGN' ? 'fkey' : 'check'].join('_').slice(0, 63);
}

function fixFor(file: FileFacts, s: StatementFacts, cmd: AlterCommand, c: Of<'Constraint'>): Fix | undefined {
  const relation = relationText(s, nodeOf(s.statement, 'AlterTableStmt')?.relation?.location);
  if (!relation) return undefined;
  const table = nodeOf(s.statement, 'AlterTableStmt')?.relation?.relname as string;
  const edits = [];
  let name = c.conname;
  if (!name) {
    name = defaultName(table, c);
    const add = cmd.tokens[0];
    edits.push({ start: add.end, end: add.end, newText: ` CONSTRAINT ${quoteIdent(name)}` });
  }
  edits.push({ start: cmd.end, end: cmd.end, newText: ' NOT VALID' });
  // The VALIDATE must commit separately from the ADD, or the ADD's lock is held through the scan.
  const placed = afterTransaction(file, s, `ALTER TABLE ${relation} VALIDATE CONSTRAINT ${quoteIdent(name)};`);
  if ('disabled' in placed) return { title: 'Add NOT VALID, then VALIDATE CONSTRAINT', safety: 'unsafe', edits: [], disabled: placed.disabled };
  if (placed.note) return { title: `Add NOT VALID, then VALIDATE CONSTRAINT, ${placed.note}`, safety: 'unsafe', edits: [...edits, ...placed.edits] };
  return placed.moved
    ? { title: 'Add NOT VALID, then VALIDATE CONSTRAINT after COMMIT', safety: 'unsafe', edits: [...edits, ...placed.edits] }
    : { title: 'Add NOT VALID, then VALIDATE CONSTRAINT in its own statement', safety: 'safe', edits: [...edits, ...placed.edits] };
}

export const rule: Rule = {
  meta: {
    id,
    severity: 'error',
    docs: {
      summary: 'FOREIGN KEY or CHECK constraint added and validated in one step on an existing table.',
      why: `Adding a CHECK constraint takes ACCESS EXCLUSIVE on the table and then reads every row to prove it:
no query runs on the table until the scan ends. Adding a FOREIGN KEY takes SHARE ROW EXCLUSIVE on
both the table and the referenced table (writes to both wait) for the whole validation scan.

Added with NOT VALID, the constraint applies to new rows at once and the statement is instant.
VALIDATE CONSTRAINT then scans under SHARE UPDATE EXCLUSIVE, which lets reads and writes go on. The
two must commit separately: in one transaction the strong lock from the ADD is held through the scan.`,
      unsafe: `ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);
ALTER TABLE orders ADD COLUMN discount int CHECK (discount >= 0);`,
      safe: `ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
-- A column and its CHECK, in steps:
ALTER TABLE orders ADD COLUMN discount int;
ALTER TABLE orders ADD CONSTRAINT orders_discount_check CHECK (discount >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_discount_check;
-- A new column without a default is all NULL: an inline foreign key scans nothing.
ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);`,
      notes: `A table created in the same migration has no readers: constraints on it are not reported, unless
rows were put in it earlier in the migration (CREATE TABLE AS, INSERT, COPY) and the foreign key
references an existing table: the validation then reads all those rows while holding SHARE ROW
EXCLUSIVE on the referenced table, so writes to it wait. Declare the foreign key before filling the
table (each row is then checked as it is inserted, under ROW SHARE), or add it NOT VALID and
VALIDATE it after COMMIT. NOT VALID is accepted for FOREIGN KEY and CHECK constraints (and NOT NULL constraints since
PostgreSQL 18); UNIQUE and PRIMARY KEY are built with CREATE UNIQUE INDEX CONCURRENTLY and USING
INDEX instead.`,
      noSafeForm: `A constraint added inside a DO block, or in a file an unknown tool runs in one transaction
(\`assumeInTransaction\` without a known tool), cannot have its VALIDATE placed in a separate
transaction automatically: add it NOT VALID and put the VALIDATE in the next migration by hand.`,
    },
    messages: {
      foreignKey:
        'Adding a FOREIGN KEY validates every row of {{table}} while holding SHARE ROW EXCLUSIVE on {{table}} and {{referenced}}: writes to both wait. Add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction.',
      check: 'Adding a CHECK constraint scans every row of {{table}} under ACCESS EXCLUSIVE: reads and writes wait. Add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction.',
      foreignKeyFilled:
        'Adding a FOREIGN KEY to {{table}}, created and filled in this migration ({{source}}), validates all its rows while holding SHARE ROW EXCLUSIVE on {{referenced}}: writes to {{referenced}} wait. Declare the foreign key before filling the table, or add it NOT VALID and VALIDATE it after COMMIT.',
      inlineColumnConstraint:
        'ADD COLUMN with an inline {{constraint}} validates every row of {{table}} while the ACCESS EXCLUSIVE lock of ADD COLUMN is held. Add the column first, then the constraint NOT VALID, then VALIDATE CONSTRAINT.',
    },
    fixable: ['safe', 'unsafe'],
    squawk: ['constraint-missing-not-valid', 'adding-foreign-key-constraint'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      const def = cmd.node.def ?? {};
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = def.Constraint ?? {};
        if ((c.contype !== 'CONSTR_FOREIGN' && c.contype !== 'CONSTR_CHECK') || c.skip_validation) continue;
        const fix = fixFor(file, s, cmd, c);
        reports.push({
          start: cmd.start,
          end: cmd.end,
          ...(c.contype === 'CONSTR_FOREIGN' ? { messageId: 'foreignKey', data: { table, referenced: c.pktable?.relname ?? '' } } : { messageId: 'check', data: { table } }),
          fixes: fix ? [fix] : [],
        });
      } else if (cmd.subtype === 'AT_AddColumn') {
        const constraints = (def.ColumnDef?.constraints ?? []).map((x) => x.Constraint ?? {});
        const fk = constraints.find((c) => c.contype === 'CONSTR_FOREIGN');
        const check = constraints.find((c) => c.contype === 'CONSTR_CHECK');
        // A new column without a default is all NULL: its foreign key needs no scan (proven in
        // docs/locks.md). The facts say whether this one scans.
        if ((!fk && !check) || !s.scans.includes(s.locks[0].relation)) continue;
        reports.push({
          start: cmd.start,
          end: cmd.end,
          messageId: 'inlineColumnConstraint',
          data: { constraint: check ? 'CHECK' : 'REFERENCES', table },
          fixes: inlineSplitFix(file, s, cmd, constraints.filter((c) => c.contype === 'CONSTR_FOREIGN' || c.contype === 'CONSTR_CHECK'), fk && check ? 'the constraints' : check ? 'the CHECK' : 'the foreign key'),
        });
      }
    }
    // A table created in this migration is quiet, unless rows were put in it before its foreign key.
    for (const s of parsedStatements(file)) {
      const alter = nodeOf(s.statement, 'AlterTableStmt');
      if (s.locks[0]?.existing !== false || alter?.objtype !== 'OBJECT_TABLE') continue;
      const filled = catalogObjects(s.catalog).rows.get(relationKey(alter.relation));
      if (!filled) continue;
      for (const cmd of s.commands) {
        const c = cmd.node.def?.Constraint ?? {};
        if (cmd.subtype !== 'AT_AddConstraint' || c.contype !== 'CONSTR_FOREIGN' || c.skip_validation) continue;
        const referenced = s.locks.find((l) => l.role === 'referenced table' && l.relation === relationName(c.pktable));
        if (!referenced?.existing) continue;
        const source = file.statements[filled.statement]?.statement;
        const fix = fixFor(file, s, cmd, c);
        reports.push({
          start: cmd.start,
          end: cmd.end,
          messageId: 'foreignKeyFilled',
          data: { table: s.locks[0].relation, referenced: referenced.relation, source: `${filled.how} at line ${source ? lineOf(file, source.start) : '?'}` },
          fixes: fix ? [fix] : [],
        });
      }
    }
    return reports.sort((a, b) => a.start - b.start);
  },
};
