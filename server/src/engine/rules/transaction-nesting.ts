import { nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'transaction-nesting',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'BEGIN inside an open transaction, COMMIT in a file the migration tool already wraps in one, or COMMIT in a DO block where PostgreSQL rejects it.',
      why: `PostgreSQL has no nested transactions: a second BEGIN only raises a WARNING, and the first COMMIT ends
the one real transaction, so the statements after it run outside it, and what was meant to roll
back together does not. In a file that the migration tool wraps in a transaction, an explicit COMMIT
ends the tool's transaction early.

A COMMIT inside a DO block (PostgreSQL 11+) is allowed only when the DO runs on its own: inside a
transaction block (BEGIN, or the tool's transaction), inside a BEGIN ... EXCEPTION block of the
body, or in a function, PostgreSQL stops the migration with "invalid transaction termination" (or
"cannot commit while a subtransaction is active"). This is reported as an error.`,
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
      commitInBlockInTransaction:
        '{{word}} inside a {{routine}} that runs inside a transaction block ({{around}}): PostgreSQL stops the migration with "invalid transaction termination". Run the block outside the transaction, or drop the {{word}}.',
      commitInSubtransaction:
        '{{word}} inside a BEGIN ... EXCEPTION block: PostgreSQL runs that block as a subtransaction and stops with "cannot commit while a subtransaction is active". Move the {{word}} out of the block with the EXCEPTION clause.',
      commitInFunction:
        'A function cannot {{word}}: PostgreSQL stops with "invalid transaction termination". Make it a procedure and CALL it outside a transaction block, or drop the {{word}}.',
    },
    fixable: [],
    squawk: ['transaction-nesting'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.kind !== 'TransactionStmt') continue;
      const kind = nodeOf(s.statement, 'TransactionStmt')?.kind;
      if (s.block) {
        // COMMIT / ROLLBACK of a PL/pgSQL body (https://www.postgresql.org/docs/current/plpgsql-transactions.html): an error where PostgreSQL rejects it.
        const word = kind === 'TRANS_STMT_ROLLBACK' ? 'ROLLBACK' : 'COMMIT';
        const around = s.toolTransaction
          ? `the migration tool${file.context.framework === 'plain' ? '' : ` (${file.context.framework})`} runs this file in a transaction`
          : 'it runs after BEGIN';
        const messageId =
          s.block.fails === 'transaction block' ? 'commitInBlockInTransaction' : s.block.fails === 'subtransaction' ? 'commitInSubtransaction' : s.block.fails === 'function' ? 'commitInFunction' : undefined;
        if (messageId) reports.push({ ...firstLine(s), messageId, data: { word, routine: s.block.routine, around }, severity: 'error' });
        continue;
      }
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
