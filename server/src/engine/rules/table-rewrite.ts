import { Node } from '../parse';
import { existingTableCommands, firstLine, parsedStatements, Report, Rule } from '../rule';

const FORMS: Record<string, string> = {
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetTableSpace: 'SET TABLESPACE',
  AT_SetAccessMethod: 'SET ACCESS METHOD',
  AT_SetExpression: 'SET EXPRESSION',
};

export const rule: Rule = {
  id: 'table-rewrite',
  severity: 'error',
  docs: {
    summary: 'VACUUM FULL, CLUSTER, SET LOGGED / UNLOGGED, SET TABLESPACE, SET ACCESS METHOD, SET EXPRESSION and stored generated columns rewrite the table.',
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
columns (GENERATED ALWAYS AS (...) without STORED) are computed on read and do not rewrite.`,
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const target = s.locks[0];
      if (!target?.existing) continue;
      if (s.kind === 'VacuumStmt' && s.rewrites.length) {
        reports.push({ ...firstLine(s), message: `VACUUM FULL rewrites ${s.rewrites.join(', ')} under ACCESS EXCLUSIVE: reads and writes wait until the copy ends. Use plain VACUUM, or pg_repack.` });
      } else if (s.kind === 'ClusterStmt') {
        reports.push({ ...firstLine(s), message: `CLUSTER rewrites ${target.relation} under ACCESS EXCLUSIVE: reads and writes wait until the copy ends. Use pg_repack to reorder without blocking.` });
      }
    }
    for (const { s, cmd, table } of existingTableCommands(file)) {
      const form = FORMS[cmd.subtype];
      const generated =
        cmd.subtype === 'AT_AddColumn' &&
        ((cmd.node.def?.ColumnDef?.constraints ?? []) as Node[]).some((c) => c.Constraint?.contype === 'CONSTR_GENERATED' && c.Constraint.generated_kind === 's');
      if ((!form && !generated) || !s.rewrites.includes(table)) continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        message: `${generated ? 'A stored generated column' : form} rewrites ${table} and its indexes under ACCESS EXCLUSIVE: reads and writes wait until the copy ends.`,
      });
    }
    return reports;
  },
  tests: {
    valid: [
      'VACUUM users;',
      'VACUUM (ANALYZE) users;',
      'CREATE TABLE users (name text);\nALTER TABLE users SET UNLOGGED;\nALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (length(name)) STORED;',
      "ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (length(name)) VIRTUAL;",
      'ALTER TABLE users SET (fillfactor = 70);',
    ],
    invalid: [
      { sql: 'VACUUM FULL users;', reports: [{ range: [0, 0, 0, 17], message: 'VACUUM FULL rewrites users' }], output: null },
      { sql: 'CLUSTER users USING users_pkey;', reports: [{ range: [0, 0, 0, 30], message: 'pg_repack' }], output: null },
      { sql: 'ALTER TABLE users SET UNLOGGED;', reports: [{ range: [0, 18, 0, 30], message: 'SET UNLOGGED rewrites users' }], output: null },
      { sql: 'ALTER TABLE users SET TABLESPACE fast_disk;', reports: [{ range: [0, 18, 0, 42], message: 'SET TABLESPACE' }], output: null },
      { sql: 'ALTER TABLE users SET ACCESS METHOD heap2;', reports: [{ range: [0, 18, 0, 41], message: 'SET ACCESS METHOD' }], output: null },
      {
        sql: 'ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (length(name)) STORED;',
        reports: [{ range: [0, 18, 0, 76], message: 'stored generated column' }],
        output: null,
      },
    ],
  },
};
