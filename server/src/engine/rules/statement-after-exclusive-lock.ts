import { lockName } from '../locks';
import { firstLine, lineOf, parsedStatements, Report, Rule } from '../rule';

/** Statements other rules already report when they follow an ACCESS EXCLUSIVE lock (ddl-with-backfill-in-transaction). */
const DATA = new Set(['UpdateStmt', 'DeleteStmt', 'InsertStmt', 'MergeStmt']);
const CONTROL = new Set(['TransactionStmt', 'VariableSetStmt', 'VariableShowStmt']);

export const rule: Rule = {
  meta: {
    id: 'statement-after-exclusive-lock',
    severity: 'warning',
    messages: {
      underLock:
        'This runs while the transaction holds ACCESS EXCLUSIVE on {{table}} (taken on line {{line}}): every query on {{table}} waits until COMMIT, including while this statement waits for and works on {{others}}. Commit first, or take the ACCESS EXCLUSIVE lock last.',
    },
    docs: {
      summary: 'A statement on other tables after an ACCESS EXCLUSIVE lock was taken in the same transaction.',
      why: `An ACCESS EXCLUSIVE lock is held until the transaction ends, and while it is held nobody can read or
write the table. Everything the transaction does after taking it extends that outage: a statement on
another table may first wait for a lock there (behind a long query or an idle transaction), then
work. Migrations that wrap a whole file in one transaction do this easily: an ALTER TABLE at the top,
index builds and other tables' changes below (eugene's E4). The finding names the lock and the line
that took it.`,
      unsafe: `BEGIN;
ALTER TABLE users ADD COLUMN plan text;
CREATE INDEX orders_created_at_idx ON orders (created_at);
COMMIT;`,
      safe: `-- Take the ACCESS EXCLUSIVE lock last, or in its own transaction:
BEGIN;
CREATE INDEX orders_created_at_idx ON orders (created_at);
ALTER TABLE users ADD COLUMN plan text;
COMMIT;`,
      notes: `Data changes after the lock are reported by ddl-with-backfill-in-transaction, and a second ACCESS EXCLUSIVE
lock by multiple-exclusive-locks; this rule reports the other statements. Tables created in the
same migration are left out on both sides.`,
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      // A CONCURRENTLY statement in a transaction fails outright: concurrently-in-transaction's.
      if (!s.inTransaction || s.concurrently || CONTROL.has(s.kind) || DATA.has(s.kind)) continue;
      const held = s.heldBefore.filter((l) => l.existing && l.mode === 'AccessExclusiveLock' && l.role !== 'index');
      if (!held.length) continue;
      const heldNames = new Set(s.heldBefore.map((l) => l.relation));
      // A statement on the locked table itself (its foreign key's referenced table included) is
      // that table's business; a new ACCESS EXCLUSIVE lock is multiple-exclusive-locks'. Index-only
      // statements are left out: which table an index belongs to is not known here.
      if (s.locks[0] && heldNames.has(s.locks[0].relation)) continue;
      // The system catalogs (a DO block's IF NOT EXISTS (SELECT ... FROM information_schema...)) are read in moments.
      const others = s.locks.filter((l) => l.existing && !heldNames.has(l.relation) && !/^(pg_catalog|information_schema)\.|^pg_/.test(l.relation));
      if (!others.length || others.every((l) => l.role === 'index') || others.some((l) => l.mode === 'AccessExclusiveLock' && l.role !== 'index')) continue;
      const first = held[0];
      const taken = file.statements[first.since ?? 0];
      reports.push({
        ...firstLine(s),
        messageId: 'underLock',
        data: { table: first.relation, line: lineOf(file, taken.statement.start), others: others.map((l) => `${l.relation} (${lockName(l.mode)})`).join(', ') },
      });
    }
    return reports;
  },
};
