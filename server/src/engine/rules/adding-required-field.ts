import { defaultVolatility } from '../facts';
import { nodeOf, Of } from '../ast';
import { AlterCommand, FileFacts, StatementFacts } from '../facts';
import { defaultName, deleteWithLeadingSpace, ident, typeSpan } from '../fixes';
import { existingTableCommands, Fix, relationText, Report, Rule, typeOf } from '../rule';

// A value that fits every type of its family, for the second-choice fix.
const ZERO: Record<string, string> = { int2: '0', int4: '0', int8: '0', numeric: '0', float4: '0', float8: '0', bool: 'false', text: "''", varchar: "''", jsonb: "'{}'", json: "'{}'" };

function fixes(file: FileFacts, s: StatementFacts, cmd: AlterCommand, column: Of<'ColumnDef'>): Fix[] {
  const out: Fix[] = [];
  const tokens = cmd.tokens;
  const i = tokens.findIndex((t, k) => t.keyword === 'NOT' && tokens[k + 1]?.keyword === 'NULL');
  if (i < 0) return out;
  const relation = relationText(s, nodeOf(s.statement, 'AlterTableStmt')?.relation?.location) ?? '';
  const col = ident(column.colname ?? '');
  const name = ident(defaultName(nodeOf(s.statement, 'AlterTableStmt')?.relation?.relname, column.colname, 'not_null'));
  const at = s.statement.terminatorEnd ?? s.statement.end;
  const plan = [
    '',
    `-- Next: backfill ${col} in batches, each its own transaction, until none is NULL:`,
    `--   UPDATE ${relation} SET ${col} = ... WHERE <key> BETWEEN <n> AND <n + 5000> AND ${col} IS NULL;`,
    '-- Then, in a later migration, once the code always writes it:',
    `--   ALTER TABLE ${relation} ADD CONSTRAINT ${name} CHECK (${col} IS NOT NULL) NOT VALID;`,
    `--   ALTER TABLE ${relation} VALIDATE CONSTRAINT ${name};`,
    `--   ALTER TABLE ${relation} ALTER COLUMN ${col} SET NOT NULL;`,
    `--   ALTER TABLE ${relation} DROP CONSTRAINT ${name};`,
  ].join('\n');
  out.push({
    title: 'Add the column nullable; backfill and SET NOT NULL later (expand-contract)',
    safety: 'unsafe',
    edits: [deleteWithLeadingSpace(file, { start: tokens[i].start, end: tokens[i + 1].end }), { start: at, end: at, newText: `${s.statement.terminatorEnd ? '' : ';'}${plan}` }],
  });
  const zero = ZERO[typeOf(column)];
  const type = typeSpan(s, column);
  if (zero && type) {
    out.push({ title: `Add a constant default (${zero}) for the existing rows`, safety: 'unsafe', edits: [{ start: type.end, end: type.end, newText: ` DEFAULT ${zero}` }] });
  }
  return out;
}

export const rule: Rule = {
  meta: {
    id: 'adding-required-field',
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'ADD COLUMN ... NOT NULL without a default on an existing table.',
      why: `Every existing row would get NULL in the new column, so PostgreSQL refuses the statement on a table
that has rows ("column contains null values"): the migration passes on an empty development
database and fails in production. Code that is still running and inserts rows without the new
column would fail too.`,
      unsafe: `ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;`,
      safe: `-- Expand: nullable first, backfill in batches, then enforce (see set-not-null).
ALTER TABLE users ADD COLUMN tenant_id bigint;
-- ...backfill tenant_id in batches, deploy code that always writes it...
ALTER TABLE users ADD CONSTRAINT users_tenant_id_not_null CHECK (tenant_id IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_tenant_id_not_null;
ALTER TABLE users ALTER COLUMN tenant_id SET NOT NULL;
-- Or, when one value fits every existing row, a constant default (instant since PostgreSQL 11):
ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';`,
      notes: `Identity and generated columns fill themselves and are not reported here (they rewrite the table:
see adding-field-with-volatile-default and table-rewrite).`,
    },
    messages: {
      notNullWithoutDefault:
        'Column {{column}} is NOT NULL without a default: PostgreSQL rejects this on {{table}} as soon as it has rows. Add it nullable, backfill, then SET NOT NULL (or give a constant default).',
    },
    fixable: ['unsafe'],
    plan: true,
    squawk: ['adding-required-field'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const column = cmd.node.def?.ColumnDef ?? {};
      const constraints = (column.constraints ?? []).map((c) => c.Constraint?.contype);
      const required = constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY');
      const fills = constraints.includes('CONSTR_IDENTITY') || constraints.includes('CONSTR_GENERATED');
      if (!required || fills || defaultVolatility(column, s.catalog).volatility !== 'none') continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        messageId: 'notNullWithoutDefault',
        data: { column: column.colname ?? '', table },
        fixes: fixes(file, s, cmd, column),
      });
    }
    return reports;
  },
};
