import { firstLine, parsedStatements, Report, Rule } from '../rule';

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
      reports.push({ ...firstLine(s), message: `Renaming ${s.locks[0].relation}.${n.subname} to ${n.newname} breaks every running query that uses the old name. Add the new column, sync and backfill it, switch the code, then drop the old one.` });
    }
    return reports;
  },
  tests: {
    valid: ['CREATE TABLE users (email text);\nALTER TABLE users RENAME COLUMN email TO email_address;', 'ALTER TABLE users RENAME CONSTRAINT a TO b;'],
    invalid: [{ sql: 'ALTER TABLE users RENAME COLUMN email TO email_address;', reports: [{ range: [0, 0, 0, 54], message: 'users.email to email_address' }], output: null }],
  },
};
