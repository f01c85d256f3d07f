import { nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'ban-drop-table',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'DROP TABLE on an existing table: its data is gone, and running code may still use it.',
      why: `The rows cannot come back without a restore. DROP TABLE takes ACCESS EXCLUSIVE on the table and on
the tables its foreign keys reference, and code still running fails on it.`,
      unsafe: `DROP TABLE legacy_sessions;`,
      safe: `-- Once no code uses it, keep it a release longer renamed, then drop:
ALTER TABLE legacy_sessions RENAME TO legacy_sessions_to_drop;`,
      notes: 'Tables created in the same migration are not reported.',
    },
    messages: {
      dropTable: 'Dropping {{tables}} deletes the data for good and breaks running code that still uses it.',
    },
    fixable: [],
    squawk: ['ban-drop-table'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (nodeOf(s.statement, 'DropStmt')?.removeType !== 'OBJECT_TABLE' || s.direction === 'down') continue;
      const existing = s.locks.filter((l) => l.existing);
      if (!existing.length) continue;
      reports.push({ ...firstLine(s), messageId: 'dropTable', data: { tables: existing.map((l) => l.relation).join(', ') } });
    }
    return reports;
  },
};
