/**
 * Facts in words, for the hover and `explain`: the same facts the rules read, so what the hover
 * says and what a rule reports cannot disagree.
 */
import { StatementFacts } from './facts';
import { blocksInWords, lockName } from './locks';

export function describeStatement(s: StatementFacts): string {
  const lines: string[] = [];
  const head = s.statement.text.split(/\s+/).slice(0, 3).join(' ');
  lines.push(`**${head}** \`${s.kind}\``);
  lines.push('');
  if (s.kind === 'SyntaxError') {
    lines.push(`Not analysed: ${s.statement.error?.message ?? 'syntax error'}.`);
    return lines.join('\n');
  }
  if (s.locks.length === 0) lines.push('Takes no lock on an existing table.');
  for (const l of s.locks) {
    const isNew = l.existing ? '' : ' — created earlier in this migration, so nobody else is waiting on it';
    lines.push(`- **${lockName(l.mode)}** on \`${l.relation}\` (${l.role}): ${blocksInWords(l.mode)}${isNew}`);
  }
  for (const r of s.rewrites) lines.push(`- **Rewrites** \`${r}\`: every row is copied into new storage while the lock is held.`);
  for (const r of s.scans) lines.push(`- **Scans** \`${r}\` in full while the lock is held.`);
  lines.push('');
  lines.push(s.inTransaction ? 'Runs inside a transaction block: its locks are held until COMMIT.' : 'Runs on its own (autocommit): its locks are released when it ends.');
  if (s.heldBefore.length) {
    lines.push(`Already held by this transaction: ${s.heldBefore.map((l) => `${lockName(l.mode)} on \`${l.relation}\``).join(', ')}.`);
  }
  lines.push(`lock_timeout: ${s.lockTimeout ?? 'not set'} · statement_timeout: ${s.statementTimeout ?? 'not set'}`);
  return lines.join('\n');
}
