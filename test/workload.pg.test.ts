/**
 * The checklist's database-impact items against Debian's PostgreSQL started with
 * `shared_preload_libraries = pg_stat_statements`, while a second connection runs a workload
 * (inserts and selects on wl_orders) in a loop: the workload queries behind each lock with their
 * rates, the idx_scan of a dropped index the workload uses (and none for an unused one), a
 * duplicate and an invalid index, a prepared transaction and an inactive replication slot, a
 * proxy between client and server. Also: the probe session cannot write, a probe times out into
 * a report, a missing extension and a user without pg_read_all_stats are reported, not thrown,
 * and the language server's hover tells the blocked workload after a checklist run.
 *
 * The report of the main migration is written to out/test/workload.checklist.md, the hover to
 * out/test/workload.hover.md (docs/checklist.md shows them).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { HoverRequest, MarkupContent } from 'vscode-languageserver-protocol/node';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { buildChecklist, checklistMarkdown, DatabaseEvidence } from '../server/src/engine/checklist';
import { isUnavailable, probeRequest } from '../server/src/engine/impact';
import { resolveSettings } from '../server/src/engine/settings';
import { connectReadOnly, DatabaseTarget, gatherEvidence, probeDatabase } from '../server/src/database';
import { optional } from '../server/src/db/probes';
import { LspClient, SERVER } from './lsp-client';
import { debianBinaries, Server, Session, startDebianServer } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');
const settings = resolveSettings({}).settings;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-workload-'));

const SCHEMA = `CREATE EXTENSION pg_stat_statements;
CREATE TABLE wl_orders (id bigserial PRIMARY KEY, customer int NOT NULL, total int NOT NULL, note text, placed_at timestamptz NOT NULL DEFAULT now());
INSERT INTO wl_orders (customer, total, note) SELECT g % 500, g, 'n' || (g % 100) FROM generate_series(1, 20000) g;
CREATE INDEX wl_orders_customer_idx ON wl_orders (customer);
CREATE INDEX wl_orders_note_idx ON wl_orders (note);
CREATE INDEX wl_orders_total_idx ON wl_orders (total);
CREATE INDEX wl_orders_placed_idx ON wl_orders (placed_at, customer);
CREATE TABLE wl_side (id int PRIMARY KEY, v text);
INSERT INTO wl_side VALUES (1, 'a');
ANALYZE wl_orders;
ANALYZE wl_side;`;

/** The migration of the report: a rewrite, index builds, drops of a used and an unused index. */
const MIGRATION = `SET lock_timeout = '2s';
SET statement_timeout = '10min';
ALTER TABLE wl_orders ALTER COLUMN total TYPE bigint;
CREATE INDEX CONCURRENTLY wl_orders_placed_only_idx ON wl_orders (placed_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS wl_orders_lower_note_idx ON wl_orders (lower(note));
DROP INDEX wl_orders_customer_idx;
DROP INDEX wl_orders_note_idx;
`;

/**
 * Inserts and selects on wl_orders in a loop on its own connection until stopped. `warm` resolves
 * once `iterations` rounds ran and the backend flushed its statistics (pg_stat_force_next_flush,
 * PostgreSQL 15+: the flush happens before the server answers that query).
 */
class Workload {
  rounds = 0;
  private stopped = false;
  readonly warm: Promise<void>;
  readonly done: Promise<void>;

  constructor(private session: Session, iterations: number) {
    let ready!: () => void;
    this.warm = new Promise((resolve) => (ready = resolve));
    this.done = this.loop(iterations, ready);
  }

  private async loop(iterations: number, ready: () => void): Promise<void> {
    while (!this.stopped) {
      const i = this.rounds++;
      await this.session.query(`INSERT INTO wl_orders (customer, total, note) VALUES (${i % 500}, ${i}, 'w${i % 7}')`);
      await this.session.query(`SELECT id, total FROM wl_orders WHERE customer = ${(i * 7) % 500}`);
      if (this.rounds === iterations) {
        await this.session.query('SELECT pg_stat_force_next_flush()');
        ready();
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

const itemsOf = (sql: string, database: DatabaseEvidence, file = 'migrations/002_change.sql') => {
  const prior = analyze(SCHEMA, { settings }).facts.catalogAfter;
  const analysis = analyze(sql, { settings, path: file, prior });
  const checklist = buildChecklist(file, analysis, { database });
  return { analysis, checklist, items: Object.fromEntries(checklist.items.map((i) => [i.id, { state: i.state, evidence: i.evidence.join('\n') }])) };
};

describe('database impact on Debian PostgreSQL with pg_stat_statements and a running workload', { skip: noDebian, timeout: 240_000 }, () => {
  let server: Server;
  let target: DatabaseTarget;
  let workload: Workload;
  let workloadSession: Session;
  let port: number;
  before(async () => {
    await loadParser();
    server = await startDebianServer({ settings: { shared_preload_libraries: "'pg_stat_statements'", max_prepared_transactions: '4' } });
    await server.session.exec(SCHEMA);
    // A failed CREATE UNIQUE INDEX CONCURRENTLY leaves its index behind, INVALID.
    await assert.rejects(server.session.exec('CREATE UNIQUE INDEX CONCURRENTLY wl_orders_lower_note_idx ON wl_orders (lower(note))'), /could not create unique index/);
    // A prepared transaction that keeps ROW EXCLUSIVE on wl_side, and a physical slot nobody consumes.
    await server.session.exec("BEGIN; UPDATE wl_side SET v = 'b' WHERE id = 1; PREPARE TRANSACTION 'mg-test-prepared'");
    await server.session.exec("SELECT pg_create_physical_replication_slot('mg_test_slot', true)");
    await server.session.exec('SELECT pg_stat_statements_reset()');
    port = (await server.session.query<{ port: number }>("SELECT current_setting('port')::int AS port"))[0].port;
    target = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
    workloadSession = await server.connect!();
    workload = new Workload(workloadSession, 400);
    await workload.warm;
  });
  after(async () => {
    await workload?.stop();
    await workloadSession?.close();
    await server?.session.exec("ROLLBACK PREPARED 'mg-test-prepared'").catch(() => undefined);
    await server?.stop();
  });

  it('names the workload queries behind each lock with their rates, and flags the used index dropped with its idx_scan', async () => {
    const prior = analyze(SCHEMA, { settings }).facts.catalogAfter;
    const analysis = analyze(MIGRATION, { settings, path: 'migrations/002_change.sql', prior });
    const request = probeRequest(analysis);
    assert.deepEqual(request, { relations: ['wl_orders'], indexes: ['wl_orders_customer_idx', 'wl_orders_note_idx'] });
    const evidence = await gatherEvidence(target, request);
    const roundsSeen = workload.rounds;
    assert.ok(!isUnavailable(evidence.workload), JSON.stringify(evidence.workload));
    const { items, checklist } = itemsOf(MIGRATION, evidence);

    // The rates: pg_stat_statements counted both workload statements, normalised.
    const w = items.workload;
    assert.equal(w.state, 'needs-you', w.evidence);
    assert.match(w.evidence, /pg_stat_statements on 127\.0\.0\.1:\d+\/postgres as postgres: \d+ recorded statements name the tables locked/);
    const line3 = w.evidence.split('\n').find((l) => l.startsWith('line 3:'))!;
    assert.match(line3, /^line 3: ALTER TABLE wl_orders: ACCESS EXCLUSIVE on wl_orders blocks reads and writes: 2 of 2 recorded queries, ~[\d,.]+\/(s|min): /);
    assert.match(line3, /INSERT INTO wl_orders \(customer, total, note\) VALUES \(\$1, \$2, \$3\) \([\d,.]+\/(s|min), mean [\d.]+ ms\)/);
    assert.match(line3, /SELECT id, total FROM wl_orders WHERE customer = \$1 \([\d,.]+\/(s|min), mean [\d.]+ ms\)/);
    assert.match(w.evidence, /Up to ~[\d,]+ would queue: .* × \(lock_timeout 2s \+ /);
    // CREATE INDEX CONCURRENTLY's SHARE UPDATE EXCLUSIVE blocks neither.
    assert.match(w.evidence, /line 4: CREATE INDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE on wl_orders blocks none of the \d+ recorded queries on it/);
    const workloadQueries = isUnavailable(evidence.workload) ? [] : evidence.workload!.queries;
    const insert = workloadQueries.find((q) => q.query.startsWith('INSERT INTO wl_orders (customer, total, note) VALUES'))!;
    assert.ok(insert.calls >= 400 && insert.calls <= roundsSeen + 1, `INSERT calls ${insert.calls}, rounds ${roundsSeen}`);

    // DROP INDEX of the index the SELECT uses: flagged with its idx_scan; the unused one is not.
    const indexes = isUnavailable(evidence.indexes) ? [] : evidence.indexes!;
    const customer = indexes.find((i) => i.name === 'wl_orders_customer_idx')!;
    assert.ok(customer.scans! >= 400, `idx_scan ${customer.scans}`);
    assert.equal(indexes.find((i) => i.name === 'wl_orders_note_idx')!.scans, 0);
    const plans = items['query-plans'];
    assert.equal(plans.state, 'failed', plans.evidence);
    assert.match(plans.evidence, new RegExp(`line 6: DROP INDEX wl_orders_customer_idx: wl_orders_customer_idx on wl_orders \\(customer\\) goes: used ${customer.scans!.toLocaleString('en-US')} times since statistics began \\(never reset\\)\\. Queries that filter or sort on customer will be planned again: SELECT id, total FROM wl_orders WHERE customer = \\$1`));
    assert.match(plans.evidence, /line 7: DROP INDEX wl_orders_note_idx: wl_orders_note_idx on wl_orders \(note\) goes: never used since statistics began \(never reset\) \(idx_scan 0\): safe to drop for reads\./);
    assert.doesNotMatch(plans.evidence, /wl_orders_note_idx[^\n]*used \d/);
    assert.match(plans.evidence, /line 3: type change of wl_orders\.total: wl_orders_total_idx on wl_orders \(total\) is rebuilt: never used/);

    // New indexes: a prefix of an existing one, and an INVALID leftover that IF NOT EXISTS would keep.
    const created = items['new-indexes'];
    assert.equal(created.state, 'failed', created.evidence);
    assert.match(created.evidence, /line 4: wl_orders_placed_only_idx on wl_orders is a prefix of wl_orders_placed_idx \(placed_at, customer\)/);
    assert.match(created.evidence, /line 5: wl_orders_lower_note_idx on wl_orders: wl_orders_lower_note_idx exists and is INVALID .*IF NOT EXISTS skips the statement/);

    // Statistics, preflight.
    assert.equal(items.analyze.state, 'failed');
    assert.match(items.analyze.evidence, /line 3: no statistics for wl_orders\.total .*until ANALYZE wl_orders/);
    assert.match(items.analyze.evidence, /line 5: no statistics for the expression of wl_orders_lower_note_idx until ANALYZE wl_orders/);
    assert.equal(items['prepared-transactions'].state, 'needs-you', items['prepared-transactions'].evidence);
    assert.match(items['prepared-transactions'].evidence, /Prepared transaction 'mg-test-prepared' \(owner postgres, database postgres\), prepared .* ago, holds ROW EXCLUSIVE on wl_side/);
    assert.equal(items.replication.state, 'needs-you', items.replication.evidence);
    assert.match(items.replication.evidence, /Slot mg_test_slot \(physical\) is INACTIVE, retaining [\d.]+ [kMG]?B of WAL/);
    assert.match(items['disk-space'].evidence, /wl_orders: ~[\d.]+ MB rewritten with its indexes\./);
    assert.match(items['disk-space'].evidence, /against a database of [\d.]+ MB\. PostgreSQL does not report free disk space/);
    assert.equal(items.vacuum.state, 'passed', items.vacuum.evidence);
    assert.equal(items.pooler.state, 'passed', items.pooler.evidence);
    assert.match(items.pooler.evidence, new RegExp(`No pooler seen on .*the server's own port \\(${port}\\)`));

    const report = checklistMarkdown(checklist, new Date().toISOString(), { database: evidence });
    fs.writeFileSync(path.join(__dirname, 'workload.checklist.md'), report);
  });

  it('a prepared transaction holding a lock on a table the migration locks fails the item', async () => {
    const evidence = await gatherEvidence(target, ['wl_side']);
    const { items } = itemsOf("SET lock_timeout = '2s';\nSET statement_timeout = '1min';\nALTER TABLE wl_side ADD COLUMN w int;", evidence);
    assert.equal(items['prepared-transactions'].state, 'failed', JSON.stringify(evidence.prepared));
    assert.match(items['prepared-transactions'].evidence, /holds ROW EXCLUSIVE on wl_side: the migration waits for it until someone runs COMMIT PREPARED or ROLLBACK PREPARED/);
  });

  it('the probe session cannot write, before or after the probes, and a probe that times out is reported', async () => {
    const client = await connectReadOnly(target);
    try {
      await probeDatabase(client, target, { relations: ['wl_orders'], indexes: [] });
      await assert.rejects(client.query("INSERT INTO wl_side VALUES (2, 'x')"), /cannot execute INSERT in a read-only transaction/);
      await assert.rejects(client.query('DROP INDEX wl_orders_note_idx'), /cannot execute DROP INDEX in a read-only transaction/);
      await client.query('BEGIN TRANSACTION READ ONLY');
      await client.query("SET LOCAL statement_timeout = '50ms'");
      const slow = await optional(client, 'slow probe', async () => (await client.query('SELECT pg_sleep(5)')).rows);
      assert.ok(isUnavailable(slow));
      assert.match(slow.unavailable, /^slow probe: timed out: canceling statement due to statement timeout/);
      // The transaction survived the failed probe: the next one answers.
      assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    assert.deepEqual(await server.session.query("SELECT count(*)::int AS n FROM wl_side WHERE id = 2"), [{ n: 0 }]);
  });

  it('says so when pg_stat_statements is not installed, and when query texts are hidden from the user', async () => {
    await server.session.exec('CREATE DATABASE mg_plain');
    await server.session.exec('CREATE ROLE mg_reader LOGIN');
    const plainClient = await server.connect!();
    try {
      const evidence = await gatherEvidence({ ...target, database: 'mg_plain' }, ['pg_class']);
      assert.ok(isUnavailable(evidence.workload));
      assert.match(evidence.workload.unavailable, /^pg_stat_statements is not installed in this database: it is preloaded; run CREATE EXTENSION pg_stat_statements/);
      const { items } = itemsOf("SET lock_timeout = '1s';\nSET statement_timeout = '1min';\nALTER TABLE wl_orders ADD COLUMN x int;", evidence);
      assert.equal(items.workload.state, 'not-checked');
      assert.match(items.workload.evidence, /pg_stat_statements is not installed in this database/);

      const reader = await gatherEvidence({ ...target, user: 'mg_reader' }, ['wl_orders']);
      assert.ok(!isUnavailable(reader.workload));
      assert.ok(reader.workload!.hidden > 0, `hidden ${reader.workload!.hidden}`);
      const readerItems = itemsOf("SET lock_timeout = '1s';\nSET statement_timeout = '1min';\nALTER TABLE wl_orders ADD COLUMN x int;", reader).items;
      assert.match(readerItems.workload.evidence, /\d+ statements of this database are hidden from this user \(grant pg_read_all_stats\)/);
    } finally {
      await plainClient.close();
    }
  });

  it('sees a proxy between the client and the server, and flags plain SET timeouts behind it', async () => {
    const sockets: net.Socket[] = [];
    const proxy = net.createServer((client) => {
      const upstream = net.connect(port, '127.0.0.1');
      sockets.push(client, upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    try {
      const evidence = await gatherEvidence({ ...target, port: proxyPort }, ['wl_orders']);
      assert.equal(evidence.connection?.port, proxyPort);
      assert.equal(evidence.connection?.serverPort, port);
      assert.equal(evidence.connection?.poolMode.code, '42704');
      const { items } = itemsOf("SET lock_timeout = '2s';\nSET statement_timeout = '10min';\nALTER TABLE wl_orders ADD COLUMN x int;", evidence);
      assert.equal(items.pooler.state, 'needs-you', items.pooler.evidence);
      assert.match(items.pooler.evidence, new RegExp(`Perhaps a pooler or proxy between this client and .*: this connection went to port ${proxyPort} but the server listens on ${port}`));
      assert.match(items.pooler.evidence, /line 1, 2: SET lock_timeout, statement_timeout outside a transaction: behind a transaction-mode pooler the next statement may run on another server connection/);
    } finally {
      sockets.forEach((s) => s.destroy());
      proxy.close();
    }
  });

  it('ALTER COLUMN TYPE drops the column statistics: the fact behind require-analyze', async () => {
    await server.session.exec("CREATE TABLE wl_stats (n int, v text); INSERT INTO wl_stats SELECT g, 'v' || g FROM generate_series(1, 1000) g; ANALYZE wl_stats");
    const stats = () => server.session.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'wl_stats' AND attname IN ('n', 'v')");
    assert.deepEqual(await stats(), [{ n: 2 }]);
    // A rewrite (int to bigint) and a binary-coercible change (text to varchar, no rewrite): the statistics go all the same.
    await server.session.exec('ALTER TABLE wl_stats ALTER COLUMN n TYPE bigint');
    assert.deepEqual(await stats(), [{ n: 1 }]);
    await server.session.exec('ALTER TABLE wl_stats ALTER COLUMN v TYPE varchar(20)');
    assert.deepEqual(await stats(), [{ n: 0 }]);
    await server.session.exec('ANALYZE wl_stats');
    assert.deepEqual(await stats(), [{ n: 2 }]);
  });

  it('language server: after a checklist run with the database, the hover tells the workload a statement blocks', async () => {
    const dir = path.join(tmp, 'lsp', 'migrations');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, '002_change.sql');
    fs.writeFileSync(file, MIGRATION);
    const uri = pathToFileURL(file).toString();
    const client = new LspClient(process.execPath, [SERVER, '--stdio'], tmp);
    const connection = client.connection;
    try {
      await client.initialize();
      await client.open(uri, MIGRATION);
      const hover = async () => ((await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 2, character: 5 } }))!.contents as MarkupContent).value;
      assert.doesNotMatch(await hover(), /Blocks ~/, 'no evidence before a checklist run');
      const result = (await connection.sendRequest('migrationGuard/checklist', { uri, database: target })) as { problems: string[] };
      assert.deepEqual(result.problems, []);
      const value = await hover();
      fs.writeFileSync(path.join(__dirname, 'workload.hover.md'), value);
      assert.match(value, /\*\*`ALTER TABLE wl_orders ALTER COLUMN total TYPE bigint`\*\*/);
      assert.match(value, /Blocks ~[\d,]+ reads and writes\/s on wl_orders: (INSERT INTO wl_orders .*|SELECT id, total FROM .*) \([\d,.]+\/(s|min)\), /);
      assert.match(value, /_pg_stat_statements on 127\.0\.0\.1:\d+\/postgres as postgres, since .*, as of the last checklist run\._/);
      // DROP INDEX locks the index's table: the hover resolves it through the probed index.
      const drop = ((await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 5, character: 3 } }))!.contents as MarkupContent).value;
      assert.match(drop, /Blocks ~[\d,]+ reads and writes\/s on wl_orders/);
    } finally {
      await client.stop().catch(() => undefined);
    }
  });
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));
