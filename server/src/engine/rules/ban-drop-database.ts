import { nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'ban-drop-database',
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'DROP DATABASE in a migration.',
      why: 'Every table and row of the database is gone. This belongs in an operator runbook, not in a migration that runs on deploy.',
      unsafe: `DROP DATABASE analytics;`,
      safe: `-- Drop databases by hand, after a verified backup, outside the deploy.`,
      noSafeForm: `Dropping a database loses its data: there is no safe form, only a decision taken outside migrations.`,
    },
    messages: {
      dropDatabase: 'DROP DATABASE {{database}} deletes every table in it. Do it by hand, not in a migration.',
    },
    fixable: [],
    squawk: ['ban-drop-database'],
  },
  check(file) {
    return parsedStatements(file)
      .filter((s) => s.kind === 'DropdbStmt')
      .map((s): Report => ({ ...firstLine(s), messageId: 'dropDatabase', data: { database: nodeOf(s.statement, 'DropdbStmt')?.dbname ?? '' } }));
  },
};
