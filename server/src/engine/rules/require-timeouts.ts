import { StatementFacts } from '../facts';
import { lockName, strength } from '../locks';
import { firstLine, parsedStatements, Report, Rule } from '../rule';
import { sqlLiteral } from '../settings';

const id = 'require-timeouts';

/** Takes a lock that can queue behind other sessions and make them queue behind it. */
function takesLock(s: StatementFacts): boolean {
  return !s.concurrently && s.locks.some((l) => l.existing && strength(l.mode) >= strength('ShareUpdateExclusiveLock'));
}

/** Holds a write-blocking lock for as long as a rewrite or full scan takes. */
function isLong(s: StatementFacts): boolean {
  return !s.concurrently && takesLock(s) && s.rewrites.length + s.scans.length > 0;
}

export const rule: Rule = {
  meta: {
    id,
    severity: 'warning',
    docs: {
      summary: 'A lock-taking statement with no lock_timeout (or a long one with no statement_timeout) set before it.',
      why: `A statement that needs a strong lock waits for every transaction that holds a conflicting one: a
long report query, an idle-in-transaction session, autovacuum. While it waits, every new query on the
table queues behind it, so an ALTER TABLE that would take 10 ms can stop all traffic to the table
for as long as the slowest transaction lasts. \`lock_timeout\` makes it give up instead (retry the
migration later). \`statement_timeout\` bounds statements that rewrite or scan a table while holding
the lock.`,
      unsafe: `ALTER TABLE users ADD COLUMN note text;`,
      safe: `SET lock_timeout = '5s';
SET statement_timeout = '30min';
ALTER TABLE users ADD COLUMN note text;
ALTER TABLE users ALTER COLUMN id TYPE bigint;`,
      notes: `Also understood: \`SET LOCAL\` inside a transaction, \`SELECT set_config('lock_timeout', '5s', false)\`,
and \`0\` (no limit) or \`RESET\`, which count as not set. CONCURRENTLY statements are left alone: they take
weak locks and legitimately run long. Statements on tables created earlier in the migration need
no timeout.`,
    },
    messages: {
      noTimeouts:
        'No lock_timeout or statement_timeout is set before this long, lock-taking statement: it can queue every query on the table behind it, then hold the lock for the whole rewrite or scan ({{lock}})',
      noLockTimeout: 'No lock_timeout is set before this lock-taking statement: while it waits for the lock, every query on the table queues behind it ({{lock}})',
      noStatementTimeout: 'No statement_timeout is set before this statement, which rewrites or scans the table while holding its lock ({{lock}})',
    },
    fixable: ['unsafe'],
    squawk: ['require-timeout-settings', 'require-lock-timeout', 'require-statement-timeout'],
  },
  check(file) {
    const statements = parsedStatements(file);
    const firstLock = statements.find((s) => takesLock(s) && !s.lockTimeout);
    const firstLong = statements.find((s) => isLong(s) && !s.statementTimeout);
    if (!firstLock && !firstLong) return [];
    const missing: string[] = [];
    const lines: string[] = [];
    if (firstLock) {
      missing.push('lock_timeout');
      lines.push(`SET lock_timeout = ${sqlLiteral(file.settings.lockTimeout)};`);
    }
    if (firstLong) {
      missing.push('statement_timeout');
      lines.push(`SET statement_timeout = ${sqlLiteral(file.settings.statementTimeout)};`);
    }
    // At the top of the migration, unless the file itself changes the setting before the
    // statement (`SET lock_timeout = 0`, SET LOCAL in an earlier transaction): then right before it.
    const target = [firstLock, firstLong].filter((s): s is StatementFacts => s !== undefined).sort((a, b) => a.statement.index - b.statement.index)[0];
    const touchedEarlier = statements.some(
      (s) => s.statement.index < target.statement.index && missing.some((name) => s.statement.text.toLowerCase().includes(name)),
    );
    // A statement inside a DO block (or a called routine): before the statement that runs it.
    const outside = (s: StatementFacts) => (s.block ? file.statements[s.block.runner] : s);
    const top = touchedEarlier ? outside(target).statement.start : outside(statements[0]).statement.start;
    const fix = {
      title: `Set ${missing.join(' and ')} at the top of the migration`,
      safety: 'unsafe' as const,
      edits: [{ start: top, end: top, newText: lines.map((l) => `${l}\n`).join('') }],
    };
    const reports: Report[] = [];
    const say = (s: StatementFacts, messageId: string) => {
      const lock = s.locks.find((l) => l.existing);
      reports.push({ ...firstLine(s), messageId, data: { lock: lock ? `${lockName(lock.mode)} on ${lock.relation}` : '' }, fixes: [fix] });
    };
    if (firstLock && firstLong && firstLock === firstLong) {
      say(firstLock, 'noTimeouts');
    } else {
      if (firstLock) say(firstLock, 'noLockTimeout');
      if (firstLong) say(firstLong, 'noStatementTimeout');
    }
    return reports;
  },
};
