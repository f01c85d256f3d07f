import { nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'ban-truncate',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'TRUNCATE on an existing table (an error with CASCADE).',
      why: `TRUNCATE deletes every row at once under ACCESS EXCLUSIVE. With CASCADE it also empties every table
whose foreign keys reference it, which the statement does not name.`,
      unsafe: `TRUNCATE sessions;
TRUNCATE users CASCADE;`,
      safe: `-- Delete in batches when the rows must go and the table stays in use:
DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() LIMIT 5000);`,
    },
    messages: {
      truncateCascade: 'TRUNCATE ... CASCADE empties {{tables}} and every table whose foreign keys reference it.',
      truncate: 'TRUNCATE deletes every row of {{tables}} under ACCESS EXCLUSIVE.',
    },
    fixable: [],
    squawk: ['ban-truncate-cascade'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.kind !== 'TruncateStmt' || s.direction === 'down') continue;
      const existing = s.locks.filter((l) => l.existing);
      if (!existing.length) continue;
      const cascade = nodeOf(s.statement, 'TruncateStmt')?.behavior === 'DROP_CASCADE';
      reports.push({
        ...firstLine(s),
        severity: cascade ? 'error' : undefined,
        messageId: cascade ? 'truncateCascade' : 'truncate',
        data: { tables: existing.map((l) => l.relation).join(', ') },
      });
    }
    return reports;
  },
};
