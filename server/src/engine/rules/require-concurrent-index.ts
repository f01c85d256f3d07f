import { hasDefElem } from '../facts';
import { moveOutOfTransaction } from '../fixes';
import { Fix, headThrough, keywordToken, parsedStatements, Report, Rule } from '../rule';

const id = 'require-concurrent-index';

export const rule: Rule = {
  id,
  severity: 'error',
  docs: {
    summary: 'CREATE INDEX, DROP INDEX and REINDEX on an existing table without CONCURRENTLY.',
    why: `CREATE INDEX takes a SHARE lock on the table for the whole build: reads go on, but every INSERT,
UPDATE and DELETE waits until the index is built, which takes minutes on a large table. DROP INDEX
takes ACCESS EXCLUSIVE on the table (every query waits), and REINDEX takes SHARE on the table and
ACCESS EXCLUSIVE on the index (queries that would use it wait). While the lock is queued, every
later query on the table queues behind it too.

The CONCURRENTLY forms take SHARE UPDATE EXCLUSIVE instead: reads and writes go on. They cannot run
inside a transaction block, so the migration tool must run the statement on its own.`,
    unsafe: `CREATE INDEX users_email_idx ON users (email);
DROP INDEX users_name_idx;
REINDEX TABLE users;`,
    safe: `CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
DROP INDEX CONCURRENTLY users_name_idx;
REINDEX TABLE CONCURRENTLY users;
-- A table created in the same migration is empty and unseen: no CONCURRENTLY needed.
CREATE TABLE accounts (id bigint PRIMARY KEY, email text);
CREATE INDEX accounts_email_idx ON accounts (email);`,
    notes: `REINDEX CONCURRENTLY exists since PostgreSQL 12; DROP INDEX CONCURRENTLY drops one index and does
not accept CASCADE. If CREATE INDEX CONCURRENTLY fails it leaves an INVALID index behind: drop it
(DROP INDEX CONCURRENTLY) before retrying. CONCURRENTLY is not supported on partitioned tables:
create the index on each partition concurrently, then on the parent with ON ONLY and ATTACH.`,
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const n = s.statement.node ?? {};
      const target = s.locks[0];
      if (!target || !target.existing || s.concurrently) continue;
      const tokens = s.statement.tokens;
      let message: string | undefined;
      let insertAfter = undefined as number | undefined;
      if (s.kind === 'IndexStmt') {
        message = `CREATE INDEX on ${target.relation} takes a SHARE lock: INSERT, UPDATE and DELETE wait for the whole index build. Use CREATE INDEX CONCURRENTLY.`;
        insertAfter = keywordToken(tokens, 'INDEX')?.end;
      } else if (s.kind === 'DropStmt' && n.removeType === 'OBJECT_INDEX') {
        message = `DROP INDEX ${target.relation} takes an ACCESS EXCLUSIVE lock on its table: every query on it waits. Use DROP INDEX CONCURRENTLY.`;
        // DROP INDEX CONCURRENTLY drops one index, without CASCADE.
        if ((n.objects ?? []).length === 1 && n.behavior !== 'DROP_CASCADE') insertAfter = keywordToken(tokens, 'INDEX')?.end;
      } else if (s.kind === 'ReindexStmt' && (n.kind === 'REINDEX_OBJECT_INDEX' || n.kind === 'REINDEX_OBJECT_TABLE')) {
        if (hasDefElem(n.params, 'concurrently')) continue;
        message = `REINDEX ${target.relation} blocks writes to the table and queries that use the index while it rebuilds. Use REINDEX ... CONCURRENTLY (PostgreSQL 12+).`;
        if (file.settings.pgVersion >= 12) insertAfter = keywordToken(tokens, n.kind === 'REINDEX_OBJECT_INDEX' ? 'INDEX' : 'TABLE', 1)?.end;
      } else continue;
      if (s.block) message += ` CONCURRENTLY cannot run inside a ${s.block.routine} either: move the statement out of the block, on its own.`;
      else if (s.inTransaction) message += ' CONCURRENTLY cannot run inside a transaction block: run it on its own, outside the transaction.';
      const head = headThrough(s, s.kind === 'ReindexStmt' ? 'REINDEX' : 'INDEX');
      const fixes: Fix[] = [];
      if (insertAfter !== undefined) {
        // Out of the transaction block the way this file can do it: after its COMMIT.
        const local = insertAfter - s.statement.start;
        const concurrent = `${s.statement.text.slice(0, local)} CONCURRENTLY${s.statement.text.slice(local)};`;
        const placed = moveOutOfTransaction(file, s, concurrent);
        if ('disabled' in placed) fixes.push({ title: 'Add CONCURRENTLY', safety: 'unsafe', edits: [], disabled: placed.disabled });
        else if (placed.moved) fixes.push({ title: 'Add CONCURRENTLY and move the statement after COMMIT', safety: 'unsafe', edits: placed.edits });
        else if (placed.note) fixes.push({ title: `Add CONCURRENTLY, ${placed.note}`, safety: 'unsafe', edits: placed.edits });
        else fixes.push({ title: 'Add CONCURRENTLY (must run outside a transaction block)', safety: 'unsafe', edits: [{ start: insertAfter, end: insertAfter, newText: ' CONCURRENTLY' }] });
      }
      reports.push({ ...head, message, fixes });
    }
    return reports;
  },
  tests: {
    valid: [
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      'DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;',
      'DO $$\nBEGIN\n  CREATE TABLE accounts (id bigint, email text);\n  CREATE INDEX accounts_email_idx ON accounts (email);\nEND $$;',
      'REINDEX INDEX CONCURRENTLY users_email_idx;',
      'REINDEX (VERBOSE) TABLE CONCURRENTLY users;',
      'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\nCREATE INDEX accounts_email_idx ON accounts (email);',
      'CREATE TABLE app.accounts (id bigint);\nCREATE UNIQUE INDEX accounts_id_idx ON app.accounts (id);',
      'CREATE TABLE public.accounts (id bigint);\nCREATE INDEX accounts_id_idx ON accounts (id);\nDROP INDEX accounts_id_idx;',
    ],
    invalid: [
      {
        sql: 'CREATE INDEX users_email_idx ON users (email);',
        reports: [{ range: [0, 0, 0, 12], message: 'SHARE lock' }],
        output: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      },
      {
        sql: '-- add the index\ncreate unique index if not exists users_email_idx\n  on app.users using btree (lower(email));',
        reports: [{ range: [1, 0, 1, 19], message: 'app.users' }],
        output: '-- add the index\ncreate unique index CONCURRENTLY if not exists users_email_idx\n  on app.users using btree (lower(email));',
      },
      {
        sql: 'DROP INDEX IF EXISTS users_email_idx;',
        reports: [{ range: [0, 0, 0, 10], message: 'ACCESS EXCLUSIVE' }],
        output: 'DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;',
      },
      {
        sql: 'DROP INDEX a_idx, b_idx;',
        reports: [{ range: [0, 0, 0, 10] }],
        output: null,
      },
      {
        sql: 'REINDEX (VERBOSE) INDEX users_email_idx;',
        reports: [{ range: [0, 0, 0, 7], message: 'REINDEX' }],
        output: 'REINDEX (VERBOSE) INDEX CONCURRENTLY users_email_idx;',
      },
      {
        sql: 'REINDEX TABLE users;',
        settings: { pgVersion: 11 },
        reports: [{ range: [0, 0, 0, 7] }],
        output: null,
      },
      {
        sql: 'BEGIN;\nALTER TABLE users ADD COLUMN email text;\nCREATE INDEX users_email_idx ON users (email); -- for login\nCOMMIT;',
        reports: [{ range: [2, 0, 2, 12], message: 'outside the transaction' }],
        output: 'BEGIN;\nALTER TABLE users ADD COLUMN email text;\n-- for login\nCOMMIT;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      },
      {
        sql: 'CREATE INDEX ON users (email);',
        settings: { assumeInTransaction: true },
        reports: [{ range: [0, 0, 0, 12], message: 'cannot run inside a transaction block' }],
        output: null,
      },
      // Inside a DO block (issue 16), after non-ASCII text: the range is in the block; CONCURRENTLY cannot run there.
      {
        sql: '-- índice para el login ✓\nDO $$\nBEGIN\n  CREATE INDEX users_email_idx ON users (email);\nEND $$;',
        reports: [{ range: [3, 2, 3, 14], message: 'cannot run inside a DO block either' }],
        output: null,
      },
      {
        sql: "DO $$\nBEGIN\n  EXECUTE format('CREATE INDEX %I ON %I (email)', 'users_email_idx', tbl);\nEND $$;",
        reports: [{ range: [2, 18, 2, 30], message: 'CREATE INDEX on <tbl>' }],
        output: null,
      },
    ],
  },
};
