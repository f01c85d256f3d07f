/**
 * The expand-contract plans, run end to end on Debian's PostgreSQL server against a table with
 * rows while a second connection keeps inserting and updating: no row is lost or different at
 * the end, the change is made, and no writer waited longer than the plan's lock_timeout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readExtensions } from '../server/src/database';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { parseFile } from '../server/src/engine/parse';
import { Plan, planAnswer, planFor } from '../server/src/engine/plan';
import { resolveSettings } from '../server/src/engine/settings';
import { debianBinaries, freePort, Server, Session, startDebianServer } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');
const OPTIONS = { batchSize: 2000, pause: 0.01, lockTimeout: '2s' };
const ROWS = 20000;

/** The plan for the last statement of `sql`, with the statements before it as earlier migrations. */
function plan(setup: string, sql: string, extensions?: string[]): Plan {
  const settings = resolveSettings({}).settings;
  const prior = analyze(setup, { settings }).facts.catalogAfter;
  const analysis = analyze(sql, { settings, prior });
  const result = planFor(analysis.facts, analysis.facts.statements.length - 1, { ...OPTIONS, extensions });
  assert.ok(result, 'a plan');
  return result;
}

/** Runs a migration as psql -f does: statement by statement on one session. */
async function runStep(session: Session, sql: string): Promise<void> {
  for (const s of parseFile(sql).statements) await session.query(s.text);
}

interface Writer {
  stop(): Promise<void>;
  rows: Map<number, { total: number; note: string }>;
  maxWaitMs: number;
  operations: number;
  errors: string[];
  /** The deploy that renames the column for the application: resolves once no write uses the old name. */
  switchTo(column: string): Promise<void>;
}

/** A second connection inserting and updating rows as fast as it can. */
async function startWriter(server: Server): Promise<Writer> {
  const session = await server.connect!();
  let running = true;
  let column = 'note';
  let pending: { column: string; done: () => void } | undefined;
  const writer: Writer = {
    rows: new Map(),
    maxWaitMs: 0,
    operations: 0,
    errors: [],
    switchTo(next: string) {
      return new Promise<void>((done) => (pending = { column: next, done }));
    },
    async stop() {
      running = false;
      await loop;
      await session.close();
    },
  };
  const timed = async <T>(f: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await f();
    } finally {
      writer.maxWaitMs = Math.max(writer.maxWaitMs, Date.now() - started);
      writer.operations++;
    }
  };
  const loop = (async () => {
    let i = 0;
    while (running) {
      i++;
      if (pending) {
        column = pending.column;
        pending.done();
        pending = undefined;
      }
      const note = `w${i}`;
      try {
        const [inserted] = await timed(() => session.query<{ id: string; total: number }>(`INSERT INTO orders (total, ${column}) VALUES (${i}, '${note}') RETURNING id, total`));
        writer.rows.set(Number(inserted.id), { total: i, note });
        const target = 1 + ((i * 7919) % ROWS);
        const [updated] = await timed(() => session.query<{ id: string; total: number }>(`UPDATE orders SET total = total + 1, ${column} = '${note}' WHERE id = ${target} RETURNING id, total`));
        writer.rows.set(Number(updated.id), { total: updated.total, note });
      } catch (e) {
        writer.errors.push((e as Error).message);
      }
    }
  })();
  return writer;
}

describe('expand-contract plans under concurrent writes (Debian server)', { skip: noDebian, timeout: 300_000 }, () => {
  let server: Server;
  before(async () => {
    await loadParser();
    server = await startDebianServer();
  });
  after(() => server?.stop());

  const SETUP = 'CREATE TABLE orders (id serial PRIMARY KEY, total int NOT NULL, note text);';

  async function freshTable(): Promise<void> {
    await server.session.exec(`DROP TABLE IF EXISTS orders CASCADE; DROP FUNCTION IF EXISTS orders_id_sync() CASCADE; DROP FUNCTION IF EXISTS orders_sync_memo() CASCADE; DROP FUNCTION IF EXISTS orders_doubled_compute() CASCADE; DROP SEQUENCE IF EXISTS orders_ext_fill_seq, orders_seq_seq;
      ${SETUP}
      INSERT INTO orders (total, note) SELECT g, 'n' || g FROM generate_series(1, ${ROWS}) g;`);
  }

  async function check(writer: Writer, column: string): Promise<void> {
    assert.deepEqual(writer.errors, []);
    assert.ok(writer.operations > 50, `the writer kept writing (${writer.operations} operations)`);
    if (process.env.PLAN_VERBOSE) console.log(`${writer.operations} writes, longest wait ${writer.maxWaitMs} ms`);
    const rows = await server.session.query<{ id: string; total: number; note: string }>(`SELECT id, total, ${column} AS note FROM orders`);
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    assert.equal(rows.length, ROWS + [...writer.rows.keys()].filter((id) => id > ROWS).length, 'no row lost or added');
    for (let id = 1; id <= ROWS; id++) {
      const row = byId.get(id)!;
      const written = writer.rows.get(id);
      assert.deepEqual([row.total, row.note], written ? [written.total, written.note] : [id, `n${id}`], `row ${id}`);
    }
    for (const [id, written] of writer.rows) assert.deepEqual([byId.get(id)?.total, byId.get(id)?.note], [written.total, written.note], `row ${id}`);
    // Writers queue at most as long as the plan's lock_timeout (2s), plus a margin for the machine.
    assert.ok(writer.maxWaitMs < 2000 + 1000, `a writer waited ${writer.maxWaitMs} ms`);
  }

  it('int to bigint on the primary key', async () => {
    await freshTable();
    const steps = plan(SETUP, 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;').steps;
    assert.deepEqual(steps.map((s) => s.slug), ['expand', 'backfill', 'prepare', 'key-index', 'constraints', 'switch', 'contract']);
    const writer = await startWriter(server);
    for (const step of steps) await runStep(server.session, step.sql);
    await writer.stop();
    await check(writer, 'note');
    const [type] = await server.session.query<{ data_type: string }>("SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'id'");
    assert.equal(type.data_type, 'bigint');
    const [pk] = await server.session.query<{ column: string }>(
      "SELECT a.attname AS column FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'orders'::regclass AND i.indisprimary",
    );
    assert.equal(pk.column, 'id', 'the new column is the primary key');
    const [next] = await server.session.query<{ id: string }>('INSERT INTO orders (total) VALUES (0) RETURNING id');
    assert.ok(Number(next.id) > ROWS, 'the sequence moved to the new column');
  });

  it('renaming a column, the application switching names between the steps', async () => {
    await freshTable();
    const steps = plan(SETUP, 'ALTER TABLE orders RENAME COLUMN note TO memo;').steps;
    assert.deepEqual(steps.map((s) => s.slug), ['expand', 'backfill', 'contract']);
    const writer = await startWriter(server);
    await runStep(server.session, steps[0].sql);
    await runStep(server.session, steps[1].sql);
    await writer.switchTo('memo'); // the deploy that reads and writes the new name
    await runStep(server.session, steps[2].sql);
    await writer.stop();
    await check(writer, 'memo');
  });

  it('a bigserial column added to a table with rows: numbered in batches, NOT NULL, the default for new rows', async () => {
    await freshTable();
    const steps = plan(SETUP, 'ALTER TABLE orders ADD COLUMN seq bigserial;').steps;
    assert.deepEqual(steps.map((s) => s.slug), ['expand', 'backfill', 'enforce']);
    const writer = await startWriter(server);
    for (const step of steps) await runStep(server.session, step.sql);
    await writer.stop();
    await check(writer, 'note');
    const [shape] = await server.session.query<{ nulls: number; distinct: number; total: number; notnull: boolean; def: string }>(
      `SELECT count(*) FILTER (WHERE seq IS NULL)::int AS nulls, count(DISTINCT seq)::int AS distinct, count(*)::int AS total,
              (SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'seq') AS notnull,
              pg_get_expr((SELECT adbin FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'orders'::regclass AND a.attname = 'seq'), 'orders'::regclass) AS def
       FROM orders`,
    );
    assert.deepEqual([shape.nulls, shape.distinct, shape.notnull], [0, shape.total, true]);
    assert.match(shape.def, /nextval\('orders_seq_seq'/);
  });

  it('an identity column with UNIQUE added to a table with rows: an identity at the end, continuing after the numbers given', async () => {
    await freshTable();
    const steps = plan(SETUP, 'ALTER TABLE orders ADD COLUMN ext bigint GENERATED BY DEFAULT AS IDENTITY UNIQUE;').steps;
    assert.deepEqual(steps.map((s) => s.slug), ['expand', 'backfill', 'enforce', 'index', 'unique', 'identity']);
    const writer = await startWriter(server);
    for (const step of steps) await runStep(server.session, step.sql);
    await writer.stop();
    await check(writer, 'note');
    const [col] = await server.session.query<{ attidentity: string; attnotnull: boolean }>("SELECT attidentity, attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'ext'");
    assert.deepEqual([col.attidentity, col.attnotnull], ['d', true]);
    const [unique] = await server.session.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'u' AND conname = 'orders_ext_key'");
    assert.equal(unique.n, 1);
    const [{ max }] = await server.session.query<{ max: string }>('SELECT max(ext) AS max FROM orders');
    const [next] = await server.session.query<{ ext: string }>('INSERT INTO orders (total) VALUES (0) RETURNING ext');
    assert.ok(BigInt(next.ext) > BigInt(max), 'the identity continues after the numbers given');
  });

  it('a stored generated column: a plain column kept by a trigger, the existing rows computed in batches', async () => {
    await freshTable();
    const steps = plan(SETUP, 'ALTER TABLE orders ADD COLUMN doubled int GENERATED ALWAYS AS (total * 2) STORED;').steps;
    assert.deepEqual(steps.map((s) => s.slug), ['expand', 'backfill']);
    assert.match(steps[0].sql, /NEW\.doubled := \(NEW\.total \* 2\)/);
    const writer = await startWriter(server);
    for (const step of steps) await runStep(server.session, step.sql);
    await writer.stop();
    await check(writer, 'note');
    const [wrong] = await server.session.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE doubled IS DISTINCT FROM total * 2');
    assert.equal(wrong.n, 0);
  });

  it('reads the extensions of the database (installed, available), and plan / fix --database say why VACUUM FULL has no plan there', async () => {
    const [{ port }] = await server.session.query<{ port: number }>("SELECT current_setting('port')::int AS port");
    const target = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
    const first = await readExtensions(target);
    assert.ok(first.installed.includes('plpgsql'), first.installed.join(' '));
    assert.ok(!first.installed.includes('pg_trgm') && first.available.includes('pg_trgm'), 'pg_trgm: available (contrib), not installed');
    // Debian's server packages neither: the plan needs them installed, and says so.
    assert.ok(!first.installed.includes('pg_repack') && !first.installed.includes('pg_squeeze'));
    await server.session.exec('CREATE EXTENSION pg_trgm');
    try {
      const second = await readExtensions(target);
      assert.ok(second.installed.includes('pg_trgm') && !second.available.includes('pg_trgm'), 'the probe reads the catalog as it is now');
    } finally {
      await server.session.exec('DROP EXTENSION pg_trgm');
    }

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-plan-ext-'));
    try {
      fs.writeFileSync(path.join(dir, '000001_init.up.sql'), `${SETUP}\n`);
      const file = path.join(dir, '000002_vacuum.up.sql');
      fs.writeFileSync(file, "SET lock_timeout = '5s';\nVACUUM FULL orders;\n");
      const bin = path.join(__dirname, '..', '..', 'bin', 'migration-guard.js');
      const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, MIGRATION_GUARD_CACHE: path.join(dir, '.cache') } });
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      const planned = cli('plan', `${file}:2`, '--database', url);
      assert.equal(planned.status, 1, planned.stderr);
      assert.match(planned.stderr, /:2: no plan: neither pg_squeeze nor pg_repack is installed on the connected database: /);
      const unconnected = cli('plan', `${file}:2`);
      assert.match(unconnected.stderr, /no plan: no database is connected/);
      const fixed = cli('fix', dir, '--unsafe', '--plans', '--database', url);
      assert.match(fixed.stderr, /000002_vacuum\.up\.sql:2: table-rewrite: no safe form here: neither pg_squeeze nor pg_repack is installed/);
      // A port nothing listens on: the plan was asked of a database, and cannot be given without it.
      const refused = cli('plan', `${file}:2`, '--database', `postgres://postgres@127.0.0.1:${await freePort()}/postgres`);
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /Cannot connect to 127\.0\.0\.1:\d+\/postgres as postgres/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('VACUUM FULL and CLUSTER: a plan only with pg_squeeze or pg_repack installed', () => {
    assert.equal(planFor(analyze('VACUUM FULL orders;', { settings: resolveSettings({}).settings, prior: analyze(SETUP, {}).facts.catalogAfter }).facts, 0, OPTIONS), undefined);
    const squeeze = plan(SETUP, 'CLUSTER orders USING orders_pkey;', ['pg_squeeze']);
    assert.equal(squeeze.steps[0].sql, "SELECT squeeze.squeeze_table('public', 'orders', 'orders_pkey', NULL, NULL);");
    const repack = plan(SETUP, 'VACUUM FULL orders;', ['pg_repack']);
    assert.match(repack.steps[0].sql, /^-- pg_repack --dbname=<database> --table=orders --no-order$/m);
  });

  // The type-change matrix: type pairs x column shapes, each plan run step by step under the
  // writer, the final schema compared with the intended one from the catalog.
  const MATRIX_SETUP = [
    'CREATE TABLE accounts (id int PRIMARY KEY);',
    'CREATE TABLE orders (id serial PRIMARY KEY, total int NOT NULL, note text,',
    '  int_plain int, int_req int NOT NULL DEFAULT 7, int_uniq int UNIQUE, int_fk int REFERENCES accounts (id), int_chk int CHECK (int_chk >= 0),',
    "  vc_plain varchar(20), vc_req varchar(20) NOT NULL DEFAULT 'x', vc_uniq varchar(20) UNIQUE,",
    "  ts_plain timestamp, ts_req timestamp NOT NULL DEFAULT '2024-01-01', ts_uniq timestamp UNIQUE);",
    'CREATE INDEX orders_int_plain_idx ON orders (int_plain);',
    'CREATE INDEX orders_int_req_idx ON orders (int_req);',
    'CREATE INDEX orders_int_fk_idx ON orders (int_fk);',
    'CREATE INDEX orders_vc_plain_idx ON orders (vc_plain);',
    'CREATE INDEX orders_ts_plain_idx ON orders (ts_plain);',
  ].join('\n');

  async function matrixTable(): Promise<void> {
    await server.session.exec(`DROP TABLE IF EXISTS orders, accounts CASCADE; DROP FUNCTION IF EXISTS orders_int_plain_sync, orders_int_req_sync, orders_int_uniq_sync, orders_int_fk_sync, orders_int_chk_sync, orders_vc_plain_sync, orders_vc_req_sync, orders_vc_uniq_sync, orders_ts_plain_sync, orders_ts_req_sync, orders_ts_uniq_sync CASCADE;
      ${MATRIX_SETUP}
      INSERT INTO accounts SELECT g FROM generate_series(1, 100) g;
      INSERT INTO orders (total, note, int_plain, int_req, int_uniq, int_fk, int_chk, vc_plain, vc_req, vc_uniq, ts_plain, ts_req, ts_uniq)
        SELECT g, 'n' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE g END, g, g, CASE WHEN g % 5 = 0 THEN NULL ELSE 1 + g % 100 END, g,
               CASE WHEN g % 3 = 0 THEN NULL ELSE 'v' || g END, 'r' || g, 'u' || g,
               CASE WHEN g % 3 = 0 THEN NULL ELSE timestamp '2024-01-01' + g * interval '1 minute' END, timestamp '2024-01-01' + g * interval '1 second', timestamp '2020-01-01' + g * interval '1 second'
        FROM generate_series(1, ${ROWS}) g;`);
  }

  /** What the catalog says of a column: type, NOT NULL, default, its indexes and constraints. */
  async function shapeOf(column: string): Promise<{ type: string; notnull: boolean; hasdef: boolean; indexes: string[]; constraints: string[] }> {
    const [a] = await server.session.query<{ type: string; notnull: boolean; hasdef: boolean; attnum: number }>(
      `SELECT format_type(atttypid, atttypmod) AS type, attnotnull AS notnull, atthasdef AS hasdef, attnum FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = '${column}'`,
    );
    const indexes = await server.session.query<{ d: string }>(
      `SELECT (CASE WHEN indisunique THEN 'unique' ELSE 'plain' END) || (CASE WHEN indisvalid THEN '' ELSE ' INVALID' END) || ':' || indnatts AS d FROM pg_index WHERE indrelid = 'orders'::regclass AND ${a.attnum} = ANY (indkey) ORDER BY 1`,
    );
    const constraints = await server.session.query<{ d: string }>(
      `SELECT conname || ':' || contype::text || (CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END) AS d FROM pg_constraint WHERE conrelid = 'orders'::regclass AND ${a.attnum} = ANY (conkey) ORDER BY 1`,
    );
    return { type: a.type, notnull: a.notnull, hasdef: a.hasdef, indexes: indexes.map((r) => r.d), constraints: constraints.map((r) => r.d) };
  }

  const PAIRS: [string, string, string][] = [
    ['int', 'bigint', 'bigint'],
    ['int', 'text', 'text'],
    ['vc', 'text', 'text'],
    ['ts', 'timestamptz', 'timestamp with time zone'],
  ];
  for (const [from, to, shown] of PAIRS) {
    for (const shape of ['plain', 'req', 'uniq', 'fk', 'chk']) {
      const column = `${from}_${shape}`;
      if (!MATRIX_SETUP.includes(`${column} `)) continue;
      const failsOnPurpose = shape === 'fk' && to === 'text' ? 'a foreign key from text to an integer key cannot exist' : shape === 'chk' && to === 'text' ? 'the CHECK compares text with a number' : undefined;
      it(`${column} (${from}) to ${to}${failsOnPurpose ? `: stops at the constraints step (${failsOnPurpose})` : ''}`, async () => {
        await matrixTable();
        const before = await shapeOf(column);
        const values = await server.session.query<{ id: string; v: string | null }>(`SELECT id, (${column}::${to})::text AS v FROM orders ORDER BY id`);
        const steps = plan(MATRIX_SETUP, `ALTER TABLE orders ALTER COLUMN ${column} TYPE ${to};`).steps;
        const writer = await startWriter(server);
        let failed: string | undefined;
        for (const step of steps) {
          try {
            await runStep(server.session, step.sql);
          } catch (e) {
            failed = `${step.slug}: ${(e as Error).message}`;
            break;
          }
        }
        await writer.stop();
        if (failsOnPurpose) {
          assert.match(failed ?? '', /^constraints: /, 'the plan stops at the constraints step');
          const after = await shapeOf(column);
          assert.deepEqual(after, before, 'nothing swapped: the column is as it was');
          return;
        }
        assert.equal(failed, undefined);
        await check(writer, 'note');
        const after = await shapeOf(column);
        assert.deepEqual(after, { ...before, type: shown }, 'same NOT NULL, default, indexes and constraints (names kept), the new type');
        assert.ok(after.constraints.every((c) => !/NOT VALID/.test(c)) && after.indexes.every((i) => !/INVALID/.test(i)), 'all validated');
        const now = await server.session.query<{ id: string; v: string | null }>(`SELECT id, ${column}::text AS v FROM orders WHERE id <= ${ROWS} ORDER BY id`);
        assert.deepEqual(now, values.filter((r) => Number(r.id) <= ROWS), 'every value kept, converted');
      });
    }
  }

  it('a primary key that foreign keys reference: no plan, and the reason names them', () => {
    const settings = resolveSettings({}).settings;
    const prior = analyze(MATRIX_SETUP, { settings }).facts.catalogAfter;
    const a = analyze('ALTER TABLE accounts ALTER COLUMN id TYPE bigint;', { settings, prior });
    assert.equal(planFor(a.facts, 0, OPTIONS), undefined);
    assert.deepEqual(planAnswer(a.facts, 0, OPTIONS), { missing: 'foreign keys of orders reference accounts: they must move to the new key too, which this plan does not write' });
  });
});
