import { relationKey, StatementFacts } from '../facts';
import { defaultName, ident, replaceStatement, syncTriggerSql } from '../fixes';
import { firstLine, Fix, parsedStatements, relationText, Report, Rule } from '../rule';

/** Expand: the new column, a trigger that keeps the two in step, the backfill and contract steps as comments. */
function expand(s: StatementFacts): Fix {
  const n = s.statement.node ?? {};
  const title = `Add ${n.newname} beside ${n.subname}, kept in sync by a trigger (expand-contract)`;
  const column = s.catalog.get(relationKey(n.relation))?.columns.get(n.subname);
  if (!column) return { title, safety: 'unsafe', edits: [], disabled: `the type of ${n.subname} is not known from the migrations in this folder` };
  const relation = relationText(s, n.relation?.location) ?? '';
  const [from, to] = [ident(n.subname), ident(n.newname)];
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
  id: 'renaming-column',
  severity: 'warning',
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
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const n = s.statement.node ?? {};
      if (s.kind !== 'RenameStmt' || n.renameType !== 'OBJECT_COLUMN' || !s.locks[0]?.existing) continue;
      reports.push({
        ...firstLine(s),
        message: `Renaming ${s.locks[0].relation}.${n.subname} to ${n.newname} breaks every running query that uses the old name. Add the new column, sync and backfill it, switch the code, then drop the old one.`,
        fixes: [expand(s)],
      });
    }
    return reports;
  },
  tests: {
    valid: ['CREATE TABLE users (email text);\nALTER TABLE users RENAME COLUMN email TO email_address;', 'ALTER TABLE users RENAME CONSTRAINT a TO b;'],
    invalid: [
      { sql: 'ALTER TABLE users RENAME COLUMN email TO email_address;', reports: [{ range: [0, 0, 0, 54], message: 'users.email to email_address' }], output: null },
      {
        sql: 'ALTER TABLE users ADD COLUMN email varchar(200);\nALTER TABLE users RENAME COLUMN email TO email_address;',
        reports: [{ range: [1, 0, 1, 54] }],
        output: [
          'ALTER TABLE users ADD COLUMN email varchar(200);',
          '-- Expand: the new column, kept equal to the old one on every write.',
          'ALTER TABLE users ADD COLUMN email_address varchar(200);',
          'CREATE FUNCTION users_sync_email_address() RETURNS trigger LANGUAGE plpgsql AS $sync$',
          'BEGIN',
          "  IF (TG_OP = 'INSERT' AND NEW.email_address IS NOT NULL) OR (TG_OP = 'UPDATE' AND NEW.email_address IS DISTINCT FROM OLD.email_address) THEN",
          '    NEW.email := NEW.email_address;',
          '  ELSE',
          '    NEW.email_address := NEW.email;',
          '  END IF;',
          '  RETURN NEW;',
          'END',
          '$sync$;',
          'CREATE TRIGGER users_sync_email_address BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync_email_address();',
          '-- Backfill in batches: UPDATE users SET email_address = email WHERE <key> BETWEEN <n> AND <n + 5000> AND email_address IS NULL;',
          '-- Deploy code that reads and writes email_address. Contract, in a later migration:',
          '--   DROP TRIGGER users_sync_email_address ON users; DROP FUNCTION users_sync_email_address(); ALTER TABLE users DROP COLUMN email;',
        ].join('\n'),
      },
    ],
  },
};
