import { blocksInWords, lockName } from '../locks';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'explicit-lock-table',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'LOCK TABLE in a migration.',
      why: `LOCK TABLE takes the lock it names (ACCESS EXCLUSIVE when it names none) and keeps it until the
transaction ends: everything the migration does afterwards happens with the table blocked. It also
queues behind any long transaction on the table, and every query arriving after it queues behind
it. squawk does not report this.`,
      unsafe: `BEGIN;
LOCK TABLE users;
COMMIT;`,
      safe: `-- Let each statement take the lock it needs, briefly, with a lock_timeout.
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN note text;`,
      notes: `When a lock is needed on purpose (to order several changes), keep the transaction short and set
lock_timeout first; ignore the finding with a comment that says why.`,
    },
    messages: {
      lockTable: 'LOCK TABLE takes {{mode}} on {{tables}} until the transaction ends: it {{blocks}}.',
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.kind !== 'LockStmt') continue;
      const locks = s.locks.filter((l) => l.existing);
      if (!locks.length) continue;
      const mode = locks[0].mode;
      reports.push({
        ...firstLine(s),
        messageId: 'lockTable',
        data: { mode: lockName(mode), tables: locks.map((l) => l.relation).join(', '), blocks: blocksInWords(mode) },
      });
    }
    return reports;
  },
};
