import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'transaction-nesting',
    severity: 'warning',
    docs: {
      summary: 'BEGIN inside an open transaction, or COMMIT in a file the migration tool already wraps in one.',
      why: `PostgreSQL has no nested transactions: a second BEGIN only raises a WARNING, and the first COMMIT ends
the one real transaction, so the statements after it run outside it, and what was meant to roll
back together does not. In a file that the migration tool wraps in a transaction, an explicit COMMIT
ends the tool's transaction early.`,
      unsafe: `BEGIN;
ALTER TABLE users ADD COLUMN plan text;
BEGIN;
ALTER TABLE users ADD COLUMN tier text;
COMMIT;
COMMIT;`,
      safe: `BEGIN;
ALTER TABLE users ADD COLUMN plan text;
SAVEPOINT before_tier;
ALTER TABLE users ADD COLUMN tier text;
COMMIT;`,
    },
    messages: {
      beginInTransaction: 'A transaction is already open: this BEGIN only raises a WARNING, and the next COMMIT ends the outer transaction too.',
      beginInToolTransaction:
        "The migration tool already runs this in a transaction: this BEGIN only raises a WARNING, and the COMMIT that follows ends the tool's transaction.",
      beginInNamedToolTransaction:
        "The migration tool ({{tool}}) already runs this in a transaction: this BEGIN only raises a WARNING, and the COMMIT that follows ends the tool's transaction.",
      endsToolTransaction: 'The migration tool runs this file in a transaction: this ends it early, and the rest of the file runs outside it.',
    },
    fixable: [],
    squawk: ['transaction-nesting'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.kind !== 'TransactionStmt') continue;
      const kind = s.statement.node?.kind;
      if ((kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') && s.inTransaction) {
        reports.push({
          ...firstLine(s),
          ...(!s.toolTransaction
            ? { messageId: 'beginInTransaction' }
            : file.context.framework === 'plain'
              ? { messageId: 'beginInToolTransaction' }
              : { messageId: 'beginInNamedToolTransaction', data: { tool: file.context.framework } }),
        });
      } else if (s.toolTransaction && (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK')) {
        reports.push({ ...firstLine(s), messageId: 'endsToolTransaction' });
      }
    }
    return reports;
  },
};
