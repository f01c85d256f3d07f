import { nodeOf } from '../ast';
import { relationKey, StatementFacts } from '../facts';
import { defaultName, ident, replaceStatement, syncTriggerSql } from '../fixes';
import { firstLine, Fix, parsedStatements, relationText, Report, Rule } from '../rule';

/** Expand: the new column, a trigger that keeps the two in step, the backfill and contract steps as comments. */
function expand(s: StatementFacts): Fix {
  const n = nodeOf(s.statement, 'RenameStmt') ?? {};
  const [subname, newname] = [n.subname ?? '', n.newname ?? ''];
  const title = `Add ${n.newname} beside ${n.subname}, kept in sync by a trigger (expand-contract)`;
  const column = s.catalog.get(relationKey(n.relation))?.columns.get(subname);
  if (!column) return { title, safety: 'unsafe', edits: [], disabled: `the type of ${n.subname} is not known from the migrations in this folder` };
  const relation = relationText(s, n.relation?.location) ?? '';
  const [from, to] = [ident(subname), ident(newname)];
  const type = `${column.type}${column.typmods.length ? `(${column.typmods.join(', ')})` : ''}${column.isArray ? '[]' : ''}`;
  const fn = ident(defaultName(n.relation?.relname, 'sync', n.newname));
  const sql = [
    '-- Expand: the new column, kept equal to the old one on every write.',
    `ALTER TABLE ${relation} ADD COLUMN ${to} ${type};`,
    ...syncTriggerSql(relation, from, to, fn),
    `-- Backfill in batches: UPDATE ${relation} SET ${to} = ${from} WHERE <key> BETWEEN <n> AND <n + 5000> AND ${to} IS NULL;`,
    `-- Deploy code that reads and writes ${to}. Contract, in a later migration:`,
    `--   DROP TRIGGER ${fn} ON ${relation}; DROP FUNCTION ${fn}(); ALTER TABLE ${relation} DROP COLUMN ${from};`,
  ].join('\n');
  return { title, safety: 'unsafe', edits: [replaceStatement(s, sql)] };
}

export const rule: Rule = {
  meta: {
    id: 'renaming-column',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'RENAME COLUMN on an existing table breaks the code that is still running.',
      why: `During a deploy the old application version keeps running while the migration runs, and it still
uses the old name: every query that names the column fails from the moment the rename commits. The
rename itself is quick, but takes ACCESS EXCLUSIVE (and queues behind long queries).`,
      unsafe: `ALTER TABLE users RENAME COLUMN email TO email_address;`,
      safe: `-- Expand: add the new column and keep both in sync (trigger), backfill in batches,
ALTER TABLE users ADD COLUMN email_address text;
-- switch the code to the new column, then contract in a later migration:
ALTER TABLE users DROP COLUMN email;`,
      notes: 'A column of a table created in the same migration is not reported.',
    },
    messages: {
      renameColumn:
        'Renaming {{table}}.{{column}} to {{newName}} breaks every running query that uses the old name. Add the new column, sync and backfill it, switch the code, then drop the old one.',
    },
    fixable: ['unsafe'],
    plan: true,
    squawk: ['renaming-column'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const n = nodeOf(s.statement, 'RenameStmt');
      if (n?.renameType !== 'OBJECT_COLUMN' || !s.locks[0]?.existing) continue;
      reports.push({
        ...firstLine(s),
        messageId: 'renameColumn',
        data: { table: s.locks[0].relation, column: n.subname ?? '', newName: n.newname ?? '' },
        fixes: [expand(s)],
      });
    }
    return reports;
  },
};
