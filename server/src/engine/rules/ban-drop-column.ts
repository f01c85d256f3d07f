import { existingTableCommands, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'ban-drop-column',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'DROP COLUMN on an existing table: the data is gone, and running code may still use it.',
      why: `The column's data cannot come back (a down migration re-adds an empty column). Code still running
that selects or writes the column fails. The statement itself is quick (ACCESS EXCLUSIVE briefly,
no rewrite).`,
      unsafe: `ALTER TABLE users DROP COLUMN legacy_flag;`,
      safe: `-- Contract step, once no deployed code uses the column (and ORMs ignore it):
-- migration-guard-ignore ban-drop-column -- unused since release 42
ALTER TABLE users DROP COLUMN legacy_flag;`,
      notes: 'Columns added in the same migration are not reported.',
    },
    messages: {
      dropColumn: 'Dropping {{table}}.{{column}} deletes its data for good, and breaks running code that still uses it. Stop using it in the code first; drop it in a later deploy.',
    },
    fixable: [],
    squawk: ['ban-drop-column'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_DropColumn' || s.direction === 'down') continue; // destructive-down-migration
      reports.push({ start: cmd.start, end: cmd.end, messageId: 'dropColumn', data: { table, column: cmd.node.name ?? '' } });
    }
    return reports;
  },
};
