import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'multiple-exclusive-locks',
    severity: 'warning',
    docs: {
      summary: 'One transaction takes ACCESS EXCLUSIVE on several existing tables.',
      why: `Each ACCESS EXCLUSIVE lock is held until the transaction ends, so the first table stays blocked while
the migration queues for the lock on the second, behind whatever runs there. Two such migrations, or
a migration and application code that touch the tables in the other order, can deadlock.`,
      unsafe: `BEGIN;
ALTER TABLE users ADD COLUMN plan text;
ALTER TABLE accounts ADD COLUMN plan text;
COMMIT;`,
      safe: `SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN plan text;
ALTER TABLE accounts ADD COLUMN plan text;`,
    },
    messages: {
      secondExclusiveLock:
        'This transaction already holds ACCESS EXCLUSIVE on {{held}} and now queues for {{next}}: the first stays blocked meanwhile, and lock order across sessions can deadlock. Change one table per transaction.',
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (!s.inTransaction) continue;
      // Tables, views and sequences: an index's lock comes with its table's.
      const exclusive = (l: { existing: boolean; mode: string; role: string }) => l.existing && l.mode === 'AccessExclusiveLock' && l.role !== 'index';
      const held = s.heldBefore.filter(exclusive);
      const fresh = s.locks.filter((l) => exclusive(l) && !held.some((h) => h.relation === l.relation));
      if (!held.length || !fresh.length) continue;
      reports.push({
        ...firstLine(s),
        messageId: 'secondExclusiveLock',
        data: { held: held.map((l) => l.relation).join(', '), next: fresh.map((l) => l.relation).join(', ') },
      });
    }
    return reports;
  },
};
