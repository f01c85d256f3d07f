import { nodeOf } from '../ast';
import { functionKeysIn, functionVolatility } from '../catalog';
import type { StatementFacts } from '../facts';
import type { AlterCommand } from '../tree';
import { existingTableCommands, Fix, firstLine, parsedStatements, Report, Rule } from '../rule';

/**
 * PostgreSQL 18: the same column VIRTUAL, computed on read, which adds it without a rewrite (proven
 * on PGlite, PostgreSQL 18: relfilenode unchanged). Not offered where PostgreSQL refuses VIRTUAL:
 * an inline PRIMARY KEY, UNIQUE, REFERENCES or EXCLUDE (indexes and unique constraints on virtual
 * columns are not supported), a function the migrations created, or a type outside pg_catalog
 * written with its schema ("generation expression uses user-defined function").
 */
function virtualFix(s: StatementFacts, cmd: AlterCommand, pgVersion: number): Fix[] | undefined {
  if (pgVersion < 18) return undefined;
  const column = cmd.node.def?.ColumnDef;
  const constraints = (column?.constraints ?? []).map((c) => c.Constraint ?? {});
  if (constraints.some((c) => ['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_FOREIGN', 'CONSTR_EXCLUSION'].includes(c.contype ?? ''))) return undefined;
  const generated = constraints.find((c) => c.contype === 'CONSTR_GENERATED');
  const userFunction = functionKeysIn(generated?.raw_expr).some((key) => functionVolatility(s.catalog, key) !== undefined || (key.includes('.') && !key.startsWith('pg_catalog.')));
  const typeSchema = (column?.typeName?.names ?? []).length > 1 ? column?.typeName?.names?.[0]?.String?.sval : undefined;
  if (userFunction || (typeSchema && typeSchema !== 'pg_catalog')) return undefined;
  const stored = cmd.tokens.find((t) => t.keyword === 'STORED' && t.start >= cmd.start && t.end <= cmd.end);
  if (!stored) return undefined;
  return [
    {
      title: 'Make it VIRTUAL (PostgreSQL 18: computed on read, no rewrite; a virtual column cannot be indexed)',
      safety: 'unsafe',
      edits: [{ start: stored.start, end: stored.end, newText: 'VIRTUAL' }],
    },
  ];
}

const FORMS: Record<string, string> = {
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetTableSpace: 'SET TABLESPACE',
  AT_SetAccessMethod: 'SET ACCESS METHOD',
  AT_SetExpression: 'SET EXPRESSION',
};

export const rule: Rule = {
  meta: {
    id: 'table-rewrite',
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'VACUUM FULL, CLUSTER, SET LOGGED / UNLOGGED, SET TABLESPACE (of a table or an index), SET ACCESS METHOD, SET EXPRESSION and stored generated columns rewrite the table.',
      why: `Each of these copies the whole table (and rebuilds its indexes) into new storage while holding ACCESS
EXCLUSIVE: nobody reads or writes the table until the copy ends, and the disk needs room for a
second copy. squawk does not report VACUUM FULL or CLUSTER.`,
      unsafe: `VACUUM FULL users;
CLUSTER users USING users_pkey;
ALTER TABLE users SET LOGGED;
ALTER TABLE users ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED;`,
      safe: `-- Reclaim space without blocking: plain VACUUM, or the pg_repack / pg_squeeze extensions.
VACUUM (ANALYZE) users;
-- A derived column: add it plain, fill it in batches, keep it current with a trigger.
ALTER TABLE users ADD COLUMN search tsvector;`,
      notes: `On a table created in the same migration nothing is reported. PostgreSQL 18's virtual generated
columns (GENERATED ALWAYS AS (...) VIRTUAL, or without STORED) are computed on read and do not rewrite:
with pgVersion 18 the fix makes a stored generated column VIRTUAL (unsafe: it is computed on every
read, cannot be indexed or be part of a unique constraint, and PostgreSQL refuses it for user-defined
functions and types; it is not offered for those it can see).`,
      noSafeForm: `SET LOGGED / UNLOGGED, SET TABLESPACE and SET ACCESS METHOD have no non-blocking form: PostgreSQL
copies the table (or index) under ACCESS EXCLUSIVE, and no extension does these online. Plan a
maintenance window, or build a new table and move the rows in batches. VACUUM FULL and CLUSTER have a
plan with pg_squeeze or pg_repack when the connected database has one installed; without them no
statement reclaims space or reorders rows without ACCESS EXCLUSIVE.`,
    },
    messages: {
      vacuumFull: 'VACUUM FULL rewrites {{tables}} under ACCESS EXCLUSIVE: reads and writes wait until the copy ends. Use plain VACUUM, or pg_repack.',
      cluster: 'CLUSTER rewrites {{table}} under ACCESS EXCLUSIVE: reads and writes wait until the copy ends. Use pg_repack to reorder without blocking.',
      rewrite: '{{form}} rewrites {{table}} and its indexes under ACCESS EXCLUSIVE: reads and writes wait until the copy ends.',
      rewriteIndex: '{{form}} copies the index {{index}} under ACCESS EXCLUSIVE: queries that would use it, and writes to its table, wait until the copy ends.',
      storedGenerated: 'A stored generated column rewrites {{table}} and its indexes under ACCESS EXCLUSIVE: reads and writes wait until the copy ends.',
    },
    fixable: ['unsafe'],
    plan: true,
    squawk: ['prefer-repack'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const target = s.locks[0];
      if (!target?.existing) continue;
      if (s.kind === 'VacuumStmt' && s.rewrites.length) {
        reports.push({ ...firstLine(s), messageId: 'vacuumFull', data: { tables: s.rewrites.join(', ') } });
      } else if (s.kind === 'ClusterStmt') {
        reports.push({ ...firstLine(s), messageId: 'cluster', data: { table: target.relation } });
      }
    }
    for (const { s, cmd, table } of existingTableCommands(file)) {
      const form = FORMS[cmd.subtype];
      const generated =
        cmd.subtype === 'AT_AddColumn' &&
        (cmd.node.def?.ColumnDef?.constraints ?? []).some((c) => c.Constraint?.contype === 'CONSTR_GENERATED' && c.Constraint.generated_kind === 's');
      if ((!form && !generated) || !s.rewrites.includes(table)) continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        ...(generated
          ? { messageId: 'storedGenerated', data: { table }, fixes: virtualFix(s, cmd, file.settings.pgVersion) }
          : nodeOf(s.statement, 'AlterTableStmt')?.objtype === 'OBJECT_INDEX'
            ? { messageId: 'rewriteIndex', data: { form, index: table } }
            : { messageId: 'rewrite', data: { form, table } }),
      });
    }
    return reports;
  },
};
