import { moveOutOfTransaction } from '../fixes';
import { Fix, headThrough, parsedStatements, Report, Rule } from '../rule';

const id = 'concurrently-in-transaction';

export const rule: Rule = {
  id,
  severity: 'error',
  docs: {
    summary: 'A CONCURRENTLY statement inside a transaction block: PostgreSQL refuses to run it.',
    why: `CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and ALTER TABLE ... DETACH
PARTITION CONCURRENTLY wait for other transactions between their phases, so PostgreSQL rejects them
inside a transaction block ("ERROR: CREATE INDEX CONCURRENTLY cannot run inside a transaction
block"). The migration fails in production, often after earlier statements of the same file already
ran. Migration tools that wrap each file in a transaction (and an explicit BEGIN ... COMMIT) put the
statement in one.`,
    unsafe: `BEGIN;
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
COMMIT;`,
    safe: `-- Run the CONCURRENTLY statement on its own, outside any transaction block.
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
-- REFRESH MATERIALIZED VIEW CONCURRENTLY may run in a transaction.
BEGIN;
REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats;
COMMIT;`,
    notes: `Each migration tool has its own way to run a file outside a transaction (dbmate's
\`-- migrate:up transaction:false\`, Flyway's \`executeInTransaction=false\`, Liquibase's
\`runInTransaction:false\`...). Until framework detection lands, a plain file runs statement by
statement, as \`psql -f\` does; the \`assumeInTransaction\` setting models a tool that wraps files.`,
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      // REFRESH MATERIALIZED VIEW CONCURRENTLY is allowed in a transaction block.
      if (!s.concurrently || !s.inTransaction || s.kind === 'RefreshMatViewStmt') continue;
      const where = s.block
        ? `it is inside a ${s.block.routine}, which PostgreSQL runs as a function ("cannot be executed from a function")`
        : s.toolTransaction
        ? file.context.framework === 'plain'
          ? 'the migration runs in one transaction (assumeInTransaction)'
          : `${file.context.framework} runs it in a transaction (detected from ${file.context.evidence}); ${file.context.optOut}`
        : 'it follows BEGIN';
      const placed = moveOutOfTransaction(file, s, `${s.statement.text};`);
      const fix: Fix =
        'disabled' in placed
          ? { title: 'Move the statement out of the transaction', safety: 'unsafe', edits: [], disabled: placed.disabled }
          : { title: placed.note ? `Run it outside the transaction, ${placed.note}` : 'Move the statement after COMMIT', safety: 'unsafe', edits: placed.edits };
      reports.push({
        ...headThrough(s, 'CONCURRENTLY'),
        message: `${s.statement.text.split(/\s+/).slice(0, 2).join(' ').toUpperCase()} ... CONCURRENTLY cannot run inside a transaction block, and ${where}: PostgreSQL rejects the statement. Run it outside the ${s.block ? 'block, on its own' : 'transaction'}.`,
        fixes: [fix],
      });
    }
    return reports;
  },
  tests: {
    valid: [
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      'BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY t_id_idx ON t (id);',
      'BEGIN;\nREFRESH MATERIALIZED VIEW CONCURRENTLY user_stats;\nCOMMIT;',
      'START TRANSACTION;\nROLLBACK;\nDROP INDEX CONCURRENTLY users_email_idx;',
    ],
    invalid: [
      {
        sql: 'BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;',
        reports: [{ range: [1, 0, 1, 25], message: 'it follows BEGIN' }],
        output: 'BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      },
      {
        sql: 'DROP INDEX CONCURRENTLY users_email_idx;',
        settings: { assumeInTransaction: true },
        reports: [{ range: [0, 0, 0, 23], message: 'assumeInTransaction' }],
        output: null,
      },
      {
        sql: 'start transaction;\nalter table events detach partition events_2020 concurrently;\ncommit;',
        reports: [{ range: [1, 0, 1, 60], message: 'ALTER TABLE ... CONCURRENTLY' }],
        output: 'start transaction;\ncommit;\nalter table events detach partition events_2020 concurrently;',
      },
      {
        sql: 'BEGIN;\nREINDEX INDEX CONCURRENTLY users_email_idx;\nEND;',
        reports: [{ range: [1, 0, 1, 26] }],
        output: 'BEGIN;\nEND;\nREINDEX INDEX CONCURRENTLY users_email_idx;',
      },
      {
        sql: 'DO $$\nBEGIN\n  CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nEND $$;',
        reports: [{ range: [2, 2, 2, 27], message: 'inside a DO block' }],
        output: null,
      },
    ],
  },
};
