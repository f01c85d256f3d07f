/**
 * The lock fixes, run on a real PostgreSQL (PGlite 18) against tables with rows: the fixed SQL
 * must hold a weaker lock while it reads or rewrites the table than the original does, or not
 * rewrite at all. Each statement runs in its own transaction, observed as in the lock-facts
 * proof (pg_locks, relfilenode, seq_scan); statements that cannot run in a transaction block
 * (CONCURRENTLY) run directly and count with the facts proven for them in docs/locks.md.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { applyEdits } from '../server/src/engine/edits';
import { LockMode, strength } from '../server/src/engine/locks';
import { parseFile } from '../server/src/engine/parse';
import { resolveSettings } from '../server/src/engine/settings';
import { Server, startPglite } from './pg/servers';

interface Work {
  /** Strongest lock held on a table while that table was read in full or rewritten (-1: none). */
  blocking: number;
  rewrites: boolean;
  error?: string;
}

const SNAPSHOT = `SELECT c.oid::int AS oid, c.relname, c.relfilenode::int AS relfilenode, COALESCE(s.seq_scan, 0)::int AS seq_scan
FROM pg_class c LEFT JOIN pg_stat_xact_all_tables s ON s.relid = c.oid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'm')`;

async function run(server: Server, schema: string, setup: string, sql: string): Promise<Work> {
  const db = server.session;
  await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${setup}`);
  const work: Work = { blocking: -1, rewrites: false };
  const facts = analyze(sql).facts.statements;
  for (const [i, statement] of parseFile(sql).statements.entries()) {
    if (facts[i].concurrently) {
      // Cannot run in a transaction block: run it, and count the lock proven for it.
      await db.exec(`${statement.text};`);
      const held = Math.max(...facts[i].locks.map((l) => strength(l.mode)));
      if (facts[i].scans.length || facts[i].rewrites.length) work.blocking = Math.max(work.blocking, held);
      continue;
    }
    await db.query('BEGIN');
    try {
      const before = new Map((await db.query<{ oid: number; relname: string; relfilenode: number; seq_scan: number }>(SNAPSHOT)).map((r) => [r.oid, r]));
      await db.query(statement.text);
      const locks = await db.query<{ oid: number; mode: LockMode }>("SELECT relation::int AS oid, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted");
      const afterRows = await db.query<{ oid: number; relfilenode: number; seq_scan: number }>(SNAPSHOT);
      for (const a of afterRows) {
        const b = before.get(a.oid);
        if (!b) continue;
        const rewritten = a.relfilenode !== b.relfilenode;
        const scanned = a.seq_scan > b.seq_scan;
        if (rewritten) work.rewrites = true;
        if (rewritten || scanned) {
          const modes = locks.filter((l) => l.oid === a.oid).map((l) => strength(l.mode));
          work.blocking = Math.max(work.blocking, ...modes);
        }
      }
      await db.query('COMMIT');
    } catch (e) {
      await db.query('ROLLBACK');
      return { ...work, error: (e as Error).message };
    }
  }
  return work;
}

/** The first fix the engine offers for `rule` on `sql`. */
function fixed(sql: string, rule: string, pgVersion?: number): string {
  const finding = analyze(sql, pgVersion ? { settings: resolveSettings({ pgVersion }).settings } : {}).findings.find((f) => f.rule === rule);
  const fix = finding?.fixes.find((f) => !f.disabled);
  assert.ok(fix, `no fix for ${rule}`);
  return applyEdits(sql, fix.edits);
}

const USERS = `CREATE TABLE users (id bigint PRIMARY KEY, email text, status text);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'a' FROM generate_series(1, 3000) g;`;
const ORDERS = `${USERS}
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric);
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 3000) g;`;

const CASES: { rule: string; setup: string; sql: string; pgVersion?: number }[] = [
  { rule: 'adding-field-with-volatile-default', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();' },
  { rule: 'constraint-missing-not-valid', setup: ORDERS, sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);' },
  { rule: 'constraint-missing-not-valid', setup: ORDERS, sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);' },
  { rule: 'set-not-null', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;' },
  { rule: 'require-concurrent-index', setup: USERS, sql: 'CREATE INDEX users_email_idx ON users (email);' },
  { rule: 'unique-constraint-builds-index', setup: USERS, sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);' },
  // PostgreSQL 18 (PGlite is 18): the VIRTUAL column keeps the table's relfilenode.
  { rule: 'table-rewrite', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN email_length int GENERATED ALWAYS AS (length(email)) STORED;', pgVersion: 18 },
  {
    rule: 'refresh-materialized-view-blocking',
    setup: `${USERS}\nCREATE MATERIALIZED VIEW user_stats AS SELECT status, count(*) AS n FROM users GROUP BY status;\nCREATE UNIQUE INDEX user_stats_status ON user_stats (status);`,
    sql: 'REFRESH MATERIALIZED VIEW user_stats;',
  },
];

describe('quick fixes on PGlite: weaker locks while the table is read or rewritten', { timeout: 300_000 }, () => {
  let server: Server;
  before(async () => {
    await loadParser();
    server = await startPglite();
  });
  after(() => server?.stop());

  CASES.forEach((c, i) => {
    it(`${c.rule}: ${c.sql}`, async () => {
      const original = await run(server, `o${i}`, c.setup, c.sql);
      const better = fixed(c.sql, c.rule, c.pgVersion);
      const result = await run(server, `f${i}`, c.setup, better);
      assert.equal(original.error, undefined);
      assert.equal(result.error, undefined, better);
      assert.ok(original.blocking >= 0 || original.rewrites, 'the original reads or rewrites the table under a lock');
      assert.ok(
        result.blocking < original.blocking || (original.rewrites && !result.rewrites),
        `original: ${JSON.stringify(original)}; fixed: ${JSON.stringify(result)}\n${better}`,
      );
    });
  });

  it('adding-required-field: the original fails on a table with rows, the fix runs', async () => {
    const sql = 'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;';
    const original = await run(server, 'orf', USERS, sql);
    assert.match(original.error ?? '', /contains null values/);
    const result = await run(server, 'frf', USERS, fixed(sql, 'adding-required-field'));
    assert.equal(result.error, undefined);
  });
});
