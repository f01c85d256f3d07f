import { StatementFacts } from '../facts';
import { firstLine, lineOf, parsedStatements, Report, Rule } from '../rule';

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
      moreExclusiveLocks:
        'This transaction already holds ACCESS EXCLUSIVE on {{held}} and now queues for {{next}}, then for {{later}} (lines {{lines}}): each stays blocked while it waits for the next, and lock order across sessions can deadlock. Change one table per transaction.',
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    // Tables, views and sequences: an index's lock comes with its table's.
    const exclusive = (l: { existing: boolean; mode: string; role: string }) => l.existing && l.mode === 'AccessExclusiveLock' && l.role !== 'index';
    // With a lock_timeout in force, a statement that changes another table instantly (no rewrite,
    // no scan: a nullable ADD COLUMN, a metadata change) waits for its lock at most that long and
    // holds it for moments: it does not count. Without one, its wait can last as long as the
    // slowest transaction on the table, with the tables already locked blocked meanwhile.
    const counts = (s: StatementFacts) => !s.lockTimeout || s.rewrites.length > 0 || s.scans.length > 0;
    const statements = parsedStatements(file);
    const reported = new Set<number>();
    for (const s of statements) {
      if (!s.inTransaction || s.transaction === undefined || reported.has(s.transaction) || !counts(s)) continue;
      const held = s.heldBefore.filter(exclusive);
      const fresh = s.locks.filter((l) => exclusive(l) && !s.heldBefore.some((h) => h.relation === l.relation));
      if (!held.length || !fresh.length) continue;
      // One finding per transaction: the statements after this one that queue for more tables are listed.
      reported.add(s.transaction);
      const taken = new Set([...held, ...fresh].map((l) => l.relation));
      const later: { relation: string; line: number }[] = [];
      for (const t of statements) {
        if (t.statement.index <= s.statement.index || t.transaction !== s.transaction || !counts(t)) continue;
        for (const l of t.locks.filter(exclusive)) {
          if (taken.has(l.relation)) continue;
          taken.add(l.relation);
          later.push({ relation: l.relation, line: lineOf(file, t.statement.start) });
        }
      }
      const data = { held: held.map((l) => l.relation).join(', '), next: fresh.map((l) => l.relation).join(', ') };
      reports.push({
        ...firstLine(s),
        ...(later.length
          ? { messageId: 'moreExclusiveLocks', data: { ...data, later: later.map((l) => l.relation).join(', '), lines: [...new Set(later.map((l) => l.line))].join(', ') } }
          : { messageId: 'secondExclusiveLock', data }),
      });
    }
    return reports;
  },
};
