import { nodeOf } from '../ast';
import { viewsUsing } from '../catalog';
import { relationKey } from '../facts';
import { parsedStatements, Report, Rule } from '../rule';

const id = 'column-used-by-view';

export const rule: Rule = {
  meta: {
    id,
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'DROP COLUMN or ALTER COLUMN ... TYPE on a column that a view or materialized view uses.',
      why: `PostgreSQL records which columns a view's query uses. It refuses to change the type of such a
column ("cannot alter type of a column used by a view or rule"), and DROP COLUMN fails ("cannot drop
column ... because other objects depend on it"): the migration stops there. With CASCADE, DROP
COLUMN drops the view as well, without naming it, and every query that reads the view fails from
then on. Migration Guard knows the views the migrations created (this file and the earlier
migrations of its folder) and the columns their queries use; \`SELECT *\` counts as every column
the table had when the view was created.`,
      unsafe: `CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
ALTER TABLE users ALTER COLUMN email TYPE varchar(320);
ALTER TABLE users DROP COLUMN email;
ALTER TABLE users DROP COLUMN active CASCADE;`,
      noSafeForm: `No single-statement fix: the way out is to drop the view, change the column and create the view again,
in one transaction, with its definition as it stands on the database (which an earlier migration or a
later CREATE OR REPLACE may have changed). The safe SQL below shows the pattern; running code that reads
the view gets errors only for the instant of that transaction.`,
      safe: `CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
-- Drop the view, change the column, create the view again, in one transaction:
BEGIN;
DROP VIEW active_users;
ALTER TABLE users ALTER COLUMN email TYPE varchar(320);
CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
COMMIT;`,
      notes: `Views created outside the migrations (by hand, by another tool) are unknown to Migration Guard. The
view is named in the message; redefine it without the column (CREATE OR REPLACE VIEW cannot drop
a column either: DROP VIEW, then CREATE VIEW) before dropping the column.`,
    },
    messages: {
      alterType: 'PostgreSQL refuses to change the type of {{table}}.{{column}}: {{views}} uses it ("cannot alter type of a column used by a view or rule"). Drop the view, change the type and create the view again in one transaction.',
      dropColumn: 'DROP COLUMN {{table}}.{{column}} fails: {{views}} uses it ("other objects depend on it"). Redefine or drop the view first.',
      dropColumnCascade: 'DROP COLUMN {{table}}.{{column}} ... CASCADE also drops {{views}}, which uses it, without naming it: queries that read the view fail from then on. Redefine the view without the column first.',
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const alter = nodeOf(s.statement, 'AlterTableStmt');
      if (alter?.objtype !== 'OBJECT_TABLE') continue;
      const key = relationKey(alter.relation);
      for (const cmd of s.commands) {
        if (cmd.subtype !== 'AT_DropColumn' && cmd.subtype !== 'AT_AlterColumnType') continue;
        const views = viewsUsing(s.catalog, key, cmd.node.name ?? '');
        if (!views.length) continue;
        const data = { table: s.locks[0]?.relation ?? key, column: cmd.node.name ?? '', views: `${views.length > 1 ? 'the views' : 'the view'} ${views.join(', ')}` };
        const messageId = cmd.subtype === 'AT_AlterColumnType' ? 'alterType' : cmd.node.behavior === 'DROP_CASCADE' ? 'dropColumnCascade' : 'dropColumn';
        reports.push({ start: cmd.start, end: cmd.end, messageId, data });
      }
    }
    return reports;
  },
};
