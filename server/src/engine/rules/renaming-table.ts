import { nodeOf } from '../ast';
import { ident, replaceStatement } from '../fixes';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'renaming-table',
    severity: 'warning',
    docs: {
      summary: 'RENAME TO on an existing table breaks the code that is still running.',
      why: `The application version running during the deploy still uses the old table name: its queries fail
from the moment the rename commits.`,
      unsafe: `ALTER TABLE users RENAME TO accounts;`,
      safe: `-- Rename, and leave an updatable view under the old name until no code uses it:
BEGIN;
ALTER TABLE users RENAME TO accounts;
CREATE VIEW users AS SELECT * FROM accounts;
COMMIT;
-- later migration: DROP VIEW users;`,
    },
    messages: {
      renameTable: 'Renaming {{table}} to {{newName}} breaks every running query that uses the old name. Leave a view named {{oldName}} until no code uses it.',
    },
    fixable: ['unsafe'],
    plan: true,
    squawk: ['renaming-table'],
  },
  check(file) {
    const reports: Report[] = [];
    const names = parsedStatements(file);
    for (const s of names) {
      if (s.kind !== 'RenameStmt') continue;
      const n = nodeOf(s.statement, 'RenameStmt') ?? {};
      if (n.renameType !== 'OBJECT_TABLE' || !s.locks[0]?.existing) continue;
      // The safe pattern: a view with the old name in the same migration.
      const old = n.relation?.relname;
      if (names.some((v) => nodeOf(v.statement, 'ViewStmt')?.view?.relname === old)) continue;
      const schema = n.relation?.schemaname ? `${ident(n.relation.schemaname)}.` : '';
      const view = `CREATE VIEW ${schema}${ident(old ?? '')} AS SELECT * FROM ${schema}${ident(n.newname ?? '')};`;
      const sql = s.inTransaction ? `${s.statement.text};\n${view}` : `BEGIN;\n${s.statement.text};\n${view}\nCOMMIT;`;
      reports.push({
        ...firstLine(s),
        messageId: 'renameTable',
        data: { table: s.locks[0].relation, newName: n.newname ?? '', oldName: old ?? '' },
        fixes: [{ title: `Keep a view named ${old} over the renamed table (drop it in a later migration)`, safety: 'unsafe', edits: [replaceStatement(s, sql)] }],
      });
    }
    return reports;
  },
};
