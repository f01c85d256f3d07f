import { nodeOf } from '../ast';
import { moveOutOfTransaction } from '../fixes';
import { firstLine, Fix, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'enum-value-in-transaction',
    severity: 'error',
    docs: {
      summary: 'ALTER TYPE ... ADD VALUE inside a transaction block on PostgreSQL before 12.',
      why: `Before PostgreSQL 12, ALTER TYPE ... ADD VALUE cannot run inside a transaction block: the migration
fails. Since 12 it can, but the new value cannot be used until the transaction commits.`,
      unsafe: `BEGIN;
ALTER TYPE mood ADD VALUE 'happy';
COMMIT;`,
      safe: `ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy';`,
      notes: 'Reported only when the pgVersion setting is below 12.',
      exampleSettings: { pgVersion: 11 },
    },
    messages: {
      addValueInTransaction: 'PostgreSQL {{pgVersion}} cannot run ALTER TYPE ... ADD VALUE inside a transaction block: run it on its own.',
    },
    fixable: ['unsafe'],
  },
  check(file) {
    if (file.settings.pgVersion >= 12) return [];
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (!nodeOf(s.statement, 'AlterEnumStmt')?.newVal || !s.inTransaction) continue;
      // The statement leaves the transaction: after its COMMIT, or in a migration of its own.
      const placed = moveOutOfTransaction(file, s, `${s.statement.text};`);
      const title = 'Run ADD VALUE on its own, outside the transaction';
      const fix: Fix = 'disabled' in placed ? { title, safety: 'unsafe', edits: [], disabled: placed.disabled } : { title: placed.note ? `${title}: ${placed.note}` : title, safety: 'unsafe', edits: placed.edits };
      reports.push({ ...firstLine(s), messageId: 'addValueInTransaction', data: { pgVersion: file.settings.pgVersion }, fixes: [fix] });
    }
    return reports;
  },
};
