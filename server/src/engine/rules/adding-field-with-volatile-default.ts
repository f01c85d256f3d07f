import { defaultVolatility } from '../facts';
import { AlterCommand, FileFacts, StatementFacts } from '../facts';
import { clauseSpan, deleteWithLeadingSpace, ident } from '../fixes';
import { nodeOf, Of } from '../ast';
import { existingTableCommands, Fix, isSerialPrimaryKey, relationText, Report, Rule } from '../rule';

const id = 'adding-field-with-volatile-default';

/** ADD COLUMN without the default; SET DEFAULT for new rows; the existing rows in batches. */
function defaultLater(file: FileFacts, s: StatementFacts, cmd: AlterCommand, column: Of<'ColumnDef'>): Fix[] {
  const tokens = cmd.tokens;
  const i = tokens.findIndex((t) => t.keyword === 'DEFAULT');
  // serial and identity columns have no DEFAULT clause (prefer-identity); a NOT NULL column
  // cannot be added without a value (adding-required-field has that fix).
  if (i < 0 || tokens.some((t, k) => t.keyword === 'NOT' && tokens[k + 1]?.keyword === 'NULL')) return [];
  const clause = clauseSpan(tokens, i, cmd.end);
  const expression = file.parsed.text.slice(tokens[i + 1].start, clause.end);
  const relation = relationText(s, nodeOf(s.statement, 'AlterTableStmt')?.relation?.location) ?? '';
  const col = ident(column.colname ?? '');
  const at = s.statement.terminatorEnd ?? s.statement.end;
  const after = [
    '',
    `ALTER TABLE ${relation} ALTER COLUMN ${col} SET DEFAULT ${expression};`,
    '-- Existing rows: in batches, each its own transaction, until none is NULL:',
    `--   UPDATE ${relation} SET ${col} = ${expression} WHERE <key> BETWEEN <n> AND <n + 5000> AND ${col} IS NULL;`,
  ].join('\n');
  return [
    {
      title: 'Add the column without a default, SET DEFAULT for new rows, backfill in batches',
      safety: 'unsafe',
      edits: [deleteWithLeadingSpace(file, clause), { start: at, end: at, newText: `${s.statement.terminatorEnd ? '' : ';'}${after}` }],
    },
  ];
}

export const rule: Rule = {
  meta: {
    id,
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'ADD COLUMN with a volatile default (serial, gen_random_uuid(), clock_timestamp(), random()...) rewrites the table.',
      why: `Since PostgreSQL 11, ADD COLUMN with a constant or stable default (\`0\`, \`'draft'\`, \`now()\`)
stores the default in the catalog and returns at once. A volatile default has to be computed for
each existing row, so PostgreSQL rewrites the whole table and all its indexes under ACCESS
EXCLUSIVE: no query can read or write the table until the copy ends. \`serial\`, \`bigserial\` and
identity columns count: their default is \`nextval()\`. Before PostgreSQL 11 every non-null default
rewrote the table.`,
      unsafe: `ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
ALTER TABLE users ADD COLUMN seq bigserial;
ALTER TABLE users ADD COLUMN touched_at timestamptz DEFAULT clock_timestamp();`,
      safe: `-- Constant and stable defaults do not rewrite on PostgreSQL 11+:
ALTER TABLE users ADD COLUMN status text DEFAULT 'active';
ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();
-- A volatile default, in steps: the column, the default for new rows, a batched backfill.
ALTER TABLE users ADD COLUMN public_id uuid;
ALTER TABLE users ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
UPDATE users SET public_id = gen_random_uuid() WHERE id BETWEEN 1 AND 5000 AND public_id IS NULL;`,
      notes: `A function the migrations created (this file, or an earlier migration of the folder) counts as
CREATE FUNCTION declared it: without IMMUTABLE or STABLE it is VOLATILE, LANGUAGE sql functions
included. Other functions Migration Guard does not know are reported as information: PostgreSQL
decides by the function's volatility (\`pg_proc.provolatile\`). The target version comes from the \`pgVersion\`
setting.`,
    },
    messages: {
      volatile:
        'Column {{column}} gets a volatile default ({{functions}}): PostgreSQL rewrites {{table}} and its indexes under ACCESS EXCLUSIVE, blocking reads and writes. Add the column without a default, SET DEFAULT for new rows, and backfill in batches.',
      anyDefaultBefore11:
        'Before PostgreSQL 11 (pgVersion is {{pgVersion}}) any default on ADD COLUMN rewrites {{table}} under ACCESS EXCLUSIVE. Add the column without a default, then SET DEFAULT and backfill in batches.',
      unknownFunction:
        'Column {{column}} defaults to {{functions}}(): if that function is VOLATILE, PostgreSQL rewrites {{table}} under ACCESS EXCLUSIVE. Check pg_proc.provolatile, or add the column without a default and backfill.',
    },
    fixable: ['unsafe'],
    plan: true,
    squawk: ['adding-field-with-default'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const column = cmd.node.def?.ColumnDef ?? {};
      if (isSerialPrimaryKey(column)) continue;
      const { volatility, functions } = defaultVolatility(column, s.catalog);
      const name = column.colname as string;
      if (volatility === 'volatile') {
        reports.push({
          start: cmd.start,
          end: cmd.end,
          messageId: 'volatile',
          data: { column: name, functions: functions.join(', '), table },
          fixes: defaultLater(file, s, cmd, column),
        });
      } else if (volatility !== 'none' && file.settings.pgVersion < 11) {
        reports.push({
          start: cmd.start,
          end: cmd.end,
          messageId: 'anyDefaultBefore11',
          data: { pgVersion: file.settings.pgVersion, table },
        });
      } else if (volatility === 'unknown') {
        reports.push({
          start: cmd.start,
          end: cmd.end,
          severity: 'info',
          messageId: 'unknownFunction',
          data: { column: name, functions: functions.join(', '), table },
        });
      }
    }
    return reports;
  },
};
