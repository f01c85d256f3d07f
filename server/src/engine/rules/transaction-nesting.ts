import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  id: 'transaction-nesting',
  severity: 'warning',
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
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.kind !== 'TransactionStmt') continue;
      const kind = s.statement.node?.kind;
      if (s.block) {
        // COMMIT / ROLLBACK of a PL/pgSQL body (https://www.postgresql.org/docs/current/plpgsql-transactions.html).
        const word = kind === 'TRANS_STMT_ROLLBACK' ? 'ROLLBACK' : 'COMMIT';
        const around = s.toolTransaction
          ? `the migration tool${file.context.framework === 'plain' ? '' : ` (${file.context.framework})`} runs this file in a transaction`
          : 'it runs after BEGIN';
        const message =
          s.block.fails === 'transaction block'
            ? `${word} inside a ${s.block.routine} that runs inside a transaction block (${around}): PostgreSQL stops the migration with "invalid transaction termination". Run the block outside the transaction, or drop the ${word}.`
            : s.block.fails === 'subtransaction'
              ? `${word} inside a BEGIN ... EXCEPTION block: PostgreSQL runs that block as a subtransaction and stops with "cannot commit while a subtransaction is active". Move the ${word} out of the block with the EXCEPTION clause.`
              : s.block.fails === 'function'
                ? `A function cannot ${word}: PostgreSQL stops with "invalid transaction termination". Make it a procedure and CALL it outside a transaction block, or drop the ${word}.`
                : undefined;
        if (message) reports.push({ ...firstLine(s), message, severity: 'error' });
        continue;
      }
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
    valid: [
      'BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;',
      'BEGIN;\nSAVEPOINT a;\nRELEASE SAVEPOINT a;\nCOMMIT;',
      // A DO block on its own may COMMIT (PostgreSQL 11+), and a procedure CALLed on its own too.
      'DO $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;',
      'CREATE PROCEDURE backfill() LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;\nCALL backfill();',
    ],
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
      {
        sql: 'BEGIN;\nDO $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;\nCOMMIT;',
        reports: [{ range: [4, 2, 4, 8], message: 'invalid transaction termination' }],
        output: null,
      },
      {
        sql: "DO $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;",
        settings: { assumeInTransaction: true },
        reports: [{ range: [3, 2, 3, 8], message: 'runs this file in a transaction' }],
        output: null,
      },
      {
        sql: 'DO $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEXCEPTION WHEN others THEN NULL;\nEND $$;',
        reports: [{ range: [3, 2, 3, 8], message: 'subtransaction' }],
        output: null,
      },
      {
        sql: 'CREATE FUNCTION backfill() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  ROLLBACK;\nEND $$;\nSELECT backfill();',
        reports: [{ range: [3, 2, 3, 10], message: 'A function cannot ROLLBACK' }],
        output: null,
      },
    ],
  },
};
