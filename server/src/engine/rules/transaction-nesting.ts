import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
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
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.kind !== 'TransactionStmt') continue;
      const kind = s.statement.node?.kind;
      if ((kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') && s.inTransaction) {
        reports.push({
          ...firstLine(s),
          message: s.toolTransaction
            ? `The migration tool${file.context.framework === 'plain' ? '' : ` (${file.context.framework})`} already runs this in a transaction: this BEGIN only raises a WARNING, and the COMMIT that follows ends the tool's transaction.`
            : 'A transaction is already open: this BEGIN only raises a WARNING, and the next COMMIT ends the outer transaction too.',
        });
      } else if (s.toolTransaction && (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK')) {
        reports.push({ ...firstLine(s), message: "The migration tool runs this file in a transaction: this ends it early, and the rest of the file runs outside it." });
      }
    }
    return reports;
  },
  tests: {
    valid: ['BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;', 'BEGIN;\nSAVEPOINT a;\nRELEASE SAVEPOINT a;\nCOMMIT;'],
    invalid: [
      { sql: 'BEGIN;\nBEGIN;\nCOMMIT;', reports: [{ range: [1, 0, 1, 5], message: 'already open' }], output: null },
      {
        sql: 'BEGIN;\nSELECT 1;\nCOMMIT;',
        settings: { assumeInTransaction: true },
        reports: [
          { range: [0, 0, 0, 5], message: 'already runs this in a transaction' },
          { range: [2, 0, 2, 6], message: 'ends it early' },
        ],
        output: null,
      },
    ],
  },
};
