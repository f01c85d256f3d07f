import { moveOutOfTransaction } from '../fixes';
import { Fix, headThrough, outsideToolTransaction, parsedStatements, Report, Rule } from '../rule';

const id = 'concurrently-in-transaction';

export const rule: Rule = {
  meta: {
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
      noSafeForm: `A statement inside a DO block runs in the block's transaction: no edit can take it out
automatically; move it out of the block. In a file an unknown tool runs in one transaction
(\`assumeInTransaction\` without a known tool) no new migration can be named: move the statement to a
migration that runs outside a transaction by hand.`,
    },
    messages: {
      afterBegin:
        '{{statement}} ... CONCURRENTLY cannot run inside a transaction block, and it follows BEGIN: PostgreSQL rejects the statement. Run it outside the transaction.',
      assumedTransaction:
        '{{statement}} ... CONCURRENTLY cannot run inside a transaction block, and the migration runs in one transaction (assumeInTransaction): PostgreSQL rejects the statement. Run it outside the transaction.',
      inBlock:
        '{{statement}} ... CONCURRENTLY cannot run inside a transaction block, and it is inside a {{routine}}, which PostgreSQL runs as a function ("cannot be executed from a function"): PostgreSQL rejects the statement. Run it outside the block, on its own.',
      toolTransaction:
        '{{statement}} ... CONCURRENTLY cannot run inside a transaction block, and {{tool}} runs it in a transaction (detected from {{evidence}}); {{optOut}}: PostgreSQL rejects the statement. Run it outside the transaction.',
    },
    fixable: ['unsafe'],
    squawk: ['ban-concurrent-index-creation-in-transaction'],
    checklist: 'concurrently',
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      // REFRESH MATERIALIZED VIEW CONCURRENTLY is allowed in a transaction block.
      if (!s.concurrently || !s.inTransaction || s.kind === 'RefreshMatViewStmt') continue;
      const statement = s.statement.text.split(/\s+/).slice(0, 2).join(' ').toUpperCase();
      const { framework, evidence, optOut } = file.context;
      const message: Pick<Report, 'messageId' | 'data'> = s.block
        ? { messageId: 'inBlock', data: { statement, routine: s.block.routine } }
        : !s.toolTransaction
        ? { messageId: 'afterBegin', data: { statement } }
        : framework === 'plain'
          ? { messageId: 'assumedTransaction', data: { statement } }
          : { messageId: 'toolTransaction', data: { statement, tool: framework, evidence, optOut } };
      const placed = moveOutOfTransaction(file, s, `${s.statement.text};`);
      const fix: Fix =
        'disabled' in placed
          ? { title: 'Move the statement out of the transaction', safety: 'unsafe', edits: [], disabled: placed.disabled }
          : { title: placed.note ? `Run it outside the transaction, ${placed.note}` : 'Move the statement after COMMIT', safety: 'unsafe', edits: placed.edits };
      reports.push({
        ...headThrough(s, 'CONCURRENTLY'),
        ...message,
        fixes: [fix],
      });
    }
    return reports;
  },
  sourceFix(context) {
    // TypeScript / JavaScript migrations: the tool's own switch to run the file outside a transaction.
    return outsideToolTransaction(context, 'Run the migration outside a transaction', []);
  },
};
