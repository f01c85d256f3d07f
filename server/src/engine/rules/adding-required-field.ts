import { defaultVolatility } from '../facts';
import { Node } from '../parse';
import { existingTableCommands, Report, Rule } from '../rule';

export const rule: Rule = {
  id: 'adding-required-field',
  severity: 'error',
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
  check(file) {
    const reports: Report[] = [];
    for (const { cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const column = cmd.node.def?.ColumnDef ?? {};
      const constraints = ((column.constraints ?? []) as Node[]).map((c) => c.Constraint?.contype);
      const required = constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY');
      const fills = constraints.includes('CONSTR_IDENTITY') || constraints.includes('CONSTR_GENERATED');
      if (!required || fills || defaultVolatility(column).volatility !== 'none') continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        message: `Column ${column.colname} is NOT NULL without a default: PostgreSQL rejects this on ${table} as soon as it has rows. Add it nullable, backfill, then SET NOT NULL (or give a constant default).`,
      });
    }
    return reports;
  },
  tests: {
    valid: [
      'ALTER TABLE users ADD COLUMN tenant_id bigint;',
      "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
      'ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY NOT NULL;',
      'CREATE TABLE users (id bigint);\nALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;',
    ],
    invalid: [
      {
        sql: 'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;',
        reports: [{ range: [0, 18, 0, 54], message: 'NOT NULL without a default' }],
        output: null,
      },
      {
        sql: 'ALTER TABLE users ADD COLUMN note text, ADD COLUMN code text NOT NULL DEFAULT NULL;',
        reports: [{ range: [0, 40, 0, 82] }],
        output: null,
      },
    ],
  },
};
