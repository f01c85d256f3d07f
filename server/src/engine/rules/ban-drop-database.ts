import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  id: 'ban-drop-database',
  severity: 'error',
  docs: {
    summary: 'DROP DATABASE in a migration.',
    why: 'Every table and row of the database is gone. This belongs in an operator runbook, not in a migration that runs on deploy.',
    unsafe: `DROP DATABASE analytics;`,
    safe: `-- Drop databases by hand, after a verified backup, outside the deploy.`,
  },
  check(file) {
    return parsedStatements(file)
      .filter((s) => s.kind === 'DropdbStmt')
      .map((s): Report => ({ ...firstLine(s), message: `DROP DATABASE ${s.statement.node?.dbname} deletes every table in it. Do it by hand, not in a migration.` }));
  },
  tests: { valid: ['DROP TABLE IF EXISTS t;'], invalid: [{ sql: 'DROP DATABASE IF EXISTS analytics;', reports: [{ range: [0, 0, 0, 33] }], output: null }] },
};
