import { nodeOf } from '../ast';
import { hasDefElem, relationKey } from '../facts';
import { ident, moveOutOfTransaction } from '../fixes';
import { Fix, headThrough, keywordToken, outsideToolTransaction, parsedStatements, partitionedTables, Report, Rule } from '../rule';

const id = 'require-concurrent-index';

export const rule: Rule = {
  meta: {
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
      noSafeForm: `No automatic form in these cases: a statement inside a DO block (CONCURRENTLY cannot run in one:
move the statement out of the block by hand) and a file that an unknown tool runs in one transaction
(\`assumeInTransaction\` without a known tool: Migration Guard cannot name a new migration for it; put
the statement in a migration of its own that runs outside a transaction), each said in the finding's
disabled fix; \`DROP INDEX ... CASCADE\` (CONCURRENTLY refuses CASCADE: drop what depends on the index
first); \`REINDEX\` before PostgreSQL 12, which has no \`REINDEX ... CONCURRENTLY\` (build a new index
CONCURRENTLY, then drop the old one CONCURRENTLY).`,
    },
    messages: {
      createIndex: 'CREATE INDEX on {{table}} takes a SHARE lock: INSERT, UPDATE and DELETE wait for the whole index build. Use CREATE INDEX CONCURRENTLY.',
      createIndexInTransaction:
        'CREATE INDEX on {{table}} takes a SHARE lock: INSERT, UPDATE and DELETE wait for the whole index build. Use CREATE INDEX CONCURRENTLY. CONCURRENTLY cannot run inside a transaction block: run it on its own, outside the transaction.',
      dropIndex: 'DROP INDEX {{index}} takes an ACCESS EXCLUSIVE lock on its table: every query on it waits. Use DROP INDEX CONCURRENTLY.',
      dropIndexInTransaction:
        'DROP INDEX {{index}} takes an ACCESS EXCLUSIVE lock on its table: every query on it waits. Use DROP INDEX CONCURRENTLY. CONCURRENTLY cannot run inside a transaction block: run it on its own, outside the transaction.',
      reindex: 'REINDEX {{relation}} blocks writes to the table and queries that use the index while it rebuilds. Use REINDEX ... CONCURRENTLY (PostgreSQL 12+).',
      createIndexInBlock:
        'CREATE INDEX on {{table}} takes a SHARE lock: INSERT, UPDATE and DELETE wait for the whole index build. Use CREATE INDEX CONCURRENTLY. CONCURRENTLY cannot run inside a {{routine}} either: move the statement out of the block, on its own.',
      dropIndexInBlock:
        'DROP INDEX {{index}} takes an ACCESS EXCLUSIVE lock on its table: every query on it waits. Use DROP INDEX CONCURRENTLY. CONCURRENTLY cannot run inside a {{routine}} either: move the statement out of the block, on its own.',
      reindexInBlock:
        'REINDEX {{relation}} blocks writes to the table and queries that use the index while it rebuilds. Use REINDEX ... CONCURRENTLY (PostgreSQL 12+). CONCURRENTLY cannot run inside a {{routine}} either: move the statement out of the block, on its own.',
      reindexInTransaction:
        'REINDEX {{relation}} blocks writes to the table and queries that use the index while it rebuilds. Use REINDEX ... CONCURRENTLY (PostgreSQL 12+). CONCURRENTLY cannot run inside a transaction block: run it on its own, outside the transaction.',
    },
    fixable: ['unsafe'],
    squawk: ['require-concurrent-index-creation', 'require-concurrent-index-deletion', 'require-concurrent-reindex'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.kind !== 'IndexStmt' && s.kind !== 'DropStmt' && s.kind !== 'ReindexStmt') continue;
      const n = { ...nodeOf(s.statement, 'IndexStmt'), ...nodeOf(s.statement, 'DropStmt'), ...nodeOf(s.statement, 'ReindexStmt') };
      const target = s.locks[0];
      if (!target || !target.existing || s.concurrently) continue;
      const tokens = s.statement.tokens;
      let report: Pick<Report, 'messageId' | 'data'>;
      let insertAfter = undefined as number | undefined;
      /** DROP INDEX of several indexes: one DROP INDEX CONCURRENTLY each (CONCURRENTLY drops one). */
      let each: string[] | undefined;
      if (s.kind === 'IndexStmt') {
        // CONCURRENTLY is refused on a partitioned table: index-on-partitioned-table has the way.
        if (partitionedTables(file).has(relationKey(n.relation))) continue;
        report = { messageId: s.block ? 'createIndexInBlock' : s.inTransaction ? 'createIndexInTransaction' : 'createIndex', data: { table: target.relation, ...(s.block ? { routine: s.block.routine } : {}) } };
        insertAfter = keywordToken(tokens, 'INDEX')?.end;
      } else if (s.kind === 'DropStmt' && n.removeType === 'OBJECT_INDEX') {
        report = { messageId: s.block ? 'dropIndexInBlock' : s.inTransaction ? 'dropIndexInTransaction' : 'dropIndex', data: { index: target.relation, ...(s.block ? { routine: s.block.routine } : {}) } };
        // DROP INDEX CONCURRENTLY drops one index, without CASCADE.
        if ((n.objects ?? []).length === 1 && n.behavior !== 'DROP_CASCADE') insertAfter = keywordToken(tokens, 'INDEX')?.end;
        else if (n.behavior !== 'DROP_CASCADE') {
          const names = (n.objects ?? []).map((o) => (o.List?.items ?? []).map((x) => x.String?.sval ?? '').map(ident).join('.'));
          each = names.map((name) => `DROP INDEX CONCURRENTLY ${n.missing_ok ? 'IF EXISTS ' : ''}${name};`);
        }
      } else if (s.kind === 'ReindexStmt' && (n.kind === 'REINDEX_OBJECT_INDEX' || n.kind === 'REINDEX_OBJECT_TABLE')) {
        if (hasDefElem(n.params, 'concurrently')) continue;
        report = { messageId: s.block ? 'reindexInBlock' : s.inTransaction ? 'reindexInTransaction' : 'reindex', data: { relation: target.relation, ...(s.block ? { routine: s.block.routine } : {}) } };
        if (file.settings.pgVersion >= 12) insertAfter = keywordToken(tokens, n.kind === 'REINDEX_OBJECT_INDEX' ? 'INDEX' : 'TABLE', 1)?.end;
      } else continue;
      const head = headThrough(s, s.kind === 'ReindexStmt' ? 'REINDEX' : 'INDEX');
      const fixes: Fix[] = [];
      if (each) {
        const placed = moveOutOfTransaction(file, s, each.join('\n'));
        const title = 'One DROP INDEX CONCURRENTLY per index';
        if ('disabled' in placed) fixes.push({ title, safety: 'unsafe', edits: [], disabled: placed.disabled });
        else fixes.push({ title: placed.moved ? `${title}, after COMMIT` : placed.note ? `${title}, ${placed.note}` : `${title} (must run outside a transaction block)`, safety: 'unsafe', edits: placed.edits });
      } else if (insertAfter !== undefined) {
        // Out of the transaction block the way this file can do it: after its COMMIT.
        const local = insertAfter - s.statement.start;
        const concurrent = `${s.statement.text.slice(0, local)} CONCURRENTLY${s.statement.text.slice(local)};`;
        const placed = moveOutOfTransaction(file, s, concurrent);
        if ('disabled' in placed) fixes.push({ title: 'Add CONCURRENTLY', safety: 'unsafe', edits: [], disabled: placed.disabled });
        else if (placed.moved) fixes.push({ title: 'Add CONCURRENTLY and move the statement after COMMIT', safety: 'unsafe', edits: placed.edits });
        else if (placed.note) fixes.push({ title: `Add CONCURRENTLY, ${placed.note}`, safety: 'unsafe', edits: placed.edits });
        else fixes.push({ title: 'Add CONCURRENTLY (must run outside a transaction block)', safety: 'unsafe', edits: [{ start: insertAfter, end: insertAfter, newText: ' CONCURRENTLY' }] });
      }
      reports.push({ ...head, ...report, fixes });
    }
    return reports;
  },
  sourceFix(context) {
    // TypeScript / JavaScript migrations: CONCURRENTLY in the literal, or the builder's option.
    const { s, origin, toSource } = context;
    const index = s.kind === 'IndexStmt' || s.kind === 'DropStmt' ? s.statement.tokens.find((t) => t.keyword === 'INDEX') : undefined;
    let edit = origin.concurrently;
    if (!edit && index && origin.exact) {
      const at = toSource(index.end);
      edit = { start: at, end: at, newText: ' CONCURRENTLY' };
    }
    return edit && outsideToolTransaction(context, 'Add CONCURRENTLY', [edit]);
  },
};
