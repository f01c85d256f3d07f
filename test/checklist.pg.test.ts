/**
 * The checklist's database probes and the lock trace, against real PostgreSQL: Debian's server
 * (started by the test, as in the lock-facts proof) with a second connection holding a lock, and
 * embedded PGlite with the schema replayed from earlier migrations. Also: the probes cannot
 * write, a trace always rolls back, and failed connections say which server and what failed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { buildChecklist } from '../server/src/engine/checklist';
import { resolveSettings } from '../server/src/engine/settings';
import { connect, connectReadOnly, DatabaseTarget, gatherEvidence } from '../server/src/database';
import { PgliteHost, runTrace } from '../server/src/targets';
import { debianBinaries, freePort, Server, Session, startDebianServer } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');
const settings = resolveSettings({}).settings;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-checklist-'));
process.env.MIGRATION_GUARD_CACHE = path.join(tmp, 'cache');
const cli = path.join(__dirname, '..', '..', 'bin', 'migration-guard.js');

const SCHEMA = `CREATE TABLE users (id bigint PRIMARY KEY, email text, n int);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total int);
INSERT INTO users SELECT g, 'u' || g, g FROM generate_series(1, 20000) g;
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 5000) g;
ANALYZE users;
ANALYZE orders;`;

const MIGRATION = `SET lock_timeout = '5s';
SET statement_timeout = '30min';
CREATE INDEX users_email_idx ON users (email);
ALTER TABLE users ALTER COLUMN n TYPE bigint;
ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total > 0);
CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);
UPDATE users SET email = lower(email) WHERE id < 100;
`;

function writeFolder(): string {
  const dir = path.join(tmp, 'project', 'migrations');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '001_init.sql'), SCHEMA);
  fs.writeFileSync(path.join(dir, '002_change.sql'), MIGRATION);
  return path.join(dir, '002_change.sql');
}

function analysisOf(file: string) {
  const prior = analyze(SCHEMA, { settings }).facts.catalogAfter;
  return analyze(fs.readFileSync(file, 'utf8'), { settings, path: file, prior });
}

describe('lock trace on PGlite, schema from the earlier migrations', { timeout: 120_000 }, () => {
  before(loadParser);
  const host = new PgliteHost();
  after(() => host.close());

  it('runs each statement in BEGIN ... ROLLBACK and records locks, rewrites and errors', async () => {
    const file = writeFolder();
    const result = await runTrace({ file, analysis: analysisOf(file), settings }, host);
    assert.deepEqual(result.setup.files.map((f) => path.basename(f)), ['001_init.sql']);
    assert.deepEqual(result.setup.errors, []);
    const at = (line: number) => result.statements.find((s) => s.line === line)!;
    assert.deepEqual(at(3).observed.filter((l) => l.relation === 'users'), [{ relation: 'users', mode: 'ShareLock' }]);
    assert.deepEqual(at(4).newStorage, ['users']);
    assert.ok(at(4).observed.some((l) => l.relation === 'users' && l.mode === 'AccessExclusiveLock'));
    assert.equal(at(6).status, 'not-run');
    assert.match(at(6).note!, /CONCURRENTLY cannot run in a transaction block/);
    assert.deepEqual(at(6).predicted.locks, [{ relation: 'orders', mode: 'ShareUpdateExclusiveLock' }]);
    assert.equal(at(7).status, 'ran');
    for (const s of result.statements) assert.deepEqual(s.differences, [], `line ${s.line}: ${s.differences.join('; ')}`);
    assert.equal(result.summary.errors, 0);
    assert.match(result.version, /^PostgreSQL 18/);
  });

  it('reports a statement PostgreSQL rejects, and goes on with the next one', async () => {
    const dir = path.join(tmp, 'project', 'migrations');
    const file = path.join(dir, '003_bad.sql');
    fs.writeFileSync(file, 'ALTER TABLE users DROP COLUMN nope;\nALTER TABLE users ADD COLUMN note text;\n');
    const result = await runTrace({ file, analysis: analyze(fs.readFileSync(file, 'utf8'), { settings, path: file }), settings }, host);
    assert.equal(result.statements[0].status, 'error');
    assert.match(result.statements[0].note!, /column "nope" of relation "users" does not exist/);
    assert.equal(result.statements[1].status, 'ran');
    assert.deepEqual(result.statements[1].observed, [{ relation: 'users', mode: 'AccessExclusiveLock' }]);
    fs.rmSync(file);
  });
});

describe('checklist probes and trace on Debian PostgreSQL', { skip: noDebian, timeout: 180_000 }, () => {
  let server: Server;
  let target: DatabaseTarget;
  let other: Session;
  before(async () => {
    await loadParser();
    server = await startDebianServer();
    await server.session.exec(SCHEMA);
    const [{ port }] = await server.session.query<{ port: number }>("SELECT current_setting('port')::int AS port");
    target = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
    other = await server.connect!();
  });
  after(async () => {
    await other?.close();
    await server?.stop();
  });

  it('reads sizes, row estimates, archiving and activity, and sees a session that holds a conflicting lock', async () => {
    // A second session reads users and stays idle in its transaction: ALTER TABLE would queue behind it.
    await other.query('BEGIN');
    await other.query('SELECT count(*) FROM users');
    const [{ pid }] = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    try {
      const file = writeFolder();
      const analysis = analysisOf(file);
      const evidence = await gatherEvidence(target, ['users', 'orders', 'missing_table'], 0);
      assert.equal(evidence.target, `127.0.0.1:${target.port}/postgres as postgres`);
      assert.match(evidence.version, /^PostgreSQL 1\d/);
      assert.equal(evidence.archiveMode, 'off');
      const users = evidence.tables.find((t) => t.relation === 'users')!;
      assert.equal(users.rows, 20000);
      assert.ok(users.bytes! > 500_000, `users is ${users.bytes} bytes`);
      assert.deepEqual(evidence.tables.find((t) => t.relation === 'missing_table'), { relation: 'missing_table', exists: false });
      assert.ok(evidence.locks.some((l) => l.pid === pid && l.relation === 'users' && l.mode === 'AccessShareLock' && l.granted && l.state === 'idle in transaction'));
      assert.ok(evidence.longTransactions.some((t) => t.pid === pid));
      assert.ok(evidence.activity.some((a) => a.state === 'idle in transaction' && a.count >= 1));

      const items = Object.fromEntries(buildChecklist(file, analysis, { database: evidence }).items.map((i) => [i.id, i]));
      assert.equal(items.blockers.state, 'failed');
      assert.match(items.blockers.evidence.join('\n'), new RegExp(`pid ${pid} \\(idle in transaction.*holds ACCESS SHARE on users, which conflicts with the migration's ACCESS EXCLUSIVE`));
      assert.equal(items['table-sizes'].state, 'passed');
      assert.match(items['table-sizes'].evidence.join('\n'), /users: ~20,000 rows, .*rewritten under ACCESS EXCLUSIVE/);
      assert.equal(items.backups.state, 'failed');
    } finally {
      await other.query('ROLLBACK');
    }
    const quiet = await gatherEvidence(target, ['users'], 0);
    assert.ok(!quiet.locks.some((l) => l.pid === pid));
  });

  it('timeouts the role has on the database (pg_db_role_setting) pass the timeouts item, and say so', async () => {
    await server.session.exec("ALTER ROLE postgres IN DATABASE postgres SET lock_timeout = '4s'; ALTER ROLE postgres SET statement_timeout = '20min';");
    try {
      const evidence = await gatherEvidence(target, ['users'], 0);
      assert.deepEqual(evidence.roleTimeouts, { role: 'postgres', lock_timeout: '4s', statement_timeout: '20min' });
      const file = writeFolder();
      const bare = fs.readFileSync(file, 'utf8').replace(/^SET (lock|statement)_timeout = '[^']*';\n/gm, '');
      const analysis = analyze(bare, { settings, path: file, prior: analyze(SCHEMA, { settings }).facts.catalogAfter });
      const item = buildChecklist(file, analysis, { database: evidence }).items.find((i) => i.id === 'timeouts')!;
      assert.equal(item.state, 'passed');
      assert.match(item.evidence.join('\n'), /lock_timeout = 4s and statement_timeout = 20min set for the role postgres on this database \(pg_db_role_setting\), not in the file/);
      const without = buildChecklist(file, analysis, {}).items.find((i) => i.id === 'timeouts')!;
      assert.equal(without.state, 'failed', 'without the database the file alone decides');
    } finally {
      await server.session.exec('ALTER ROLE postgres IN DATABASE postgres RESET lock_timeout; ALTER ROLE postgres RESET statement_timeout;');
    }
  });

  it('probes run read-only: a write on the probe session fails', async () => {
    const client = await connectReadOnly(target);
    try {
      await assert.rejects(client.query('CREATE TABLE probe_wrote (id int)'), /cannot execute CREATE TABLE in a read-only transaction/);
      await assert.rejects(client.query("UPDATE users SET email = 'x' WHERE id = 1"), /read-only transaction/);
      const [{ t }] = (await client.query<{ t: string }>("SELECT current_setting('statement_timeout') AS t")).rows;
      assert.equal(t, '5s');
    } finally {
      await client.end();
    }
    assert.deepEqual(await server.session.query("SELECT to_regclass('probe_wrote') AS r"), [{ r: null }]);
  });

  it('traces on the database inside BEGIN ... ROLLBACK: nothing stays changed', async () => {
    const file = writeFolder();
    const result = await runTrace({ file, analysis: analysisOf(file), settings, database: target }, new PgliteHost());
    assert.equal(result.target, `127.0.0.1:${target.port}/postgres as postgres`);
    const alter = result.statements.find((s) => s.line === 4)!;
    assert.deepEqual(alter.newStorage, ['users']);
    for (const s of result.statements) assert.deepEqual(s.differences, [], `line ${s.line}: ${s.differences.join('; ')}`);
    const [{ type }] = await server.session.query<{ type: string }>("SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'n'");
    assert.equal(type, 'integer', 'rolled back');
    assert.deepEqual(await server.session.query("SELECT to_regclass('users_email_idx') AS r"), [{ r: null }]);
  });

  it('gives up on a lock held elsewhere after the trace lock_timeout, instead of queueing', async () => {
    await other.query('BEGIN');
    await other.query('LOCK TABLE orders IN ACCESS SHARE MODE');
    try {
      const file = writeFolder();
      const result = await runTrace({ file, analysis: analysisOf(file), settings, database: target }, new PgliteHost());
      const blocked = result.statements.find((s) => s.line === 5)!;
      assert.equal(blocked.status, 'error');
      assert.match(blocked.note!, /lock timeout/);
      assert.equal(result.statements.find((s) => s.line === 7)!.status, 'ran');
    } finally {
      await other.query('ROLLBACK');
    }
  });

  it('CLI: checklist --database writes the report beside the migration; trace --database asks for --yes', () => {
    const file = writeFolder();
    const url = `postgres://postgres@127.0.0.1:${target.port}/postgres`;
    let out = '';
    try {
      out = execFileSync(process.execPath, [cli, 'checklist', file, '--database', url, '--write', '--off-peak', 'Sunday 03:00 UTC'], { encoding: 'utf8' });
    } catch (e) {
      out = (e as { stdout: string }).stdout;
    }
    assert.match(out, /wrote .*002_change\.checklist\.md/);
    const md = fs.readFileSync(file.replace(/\.sql$/, '.checklist.md'), 'utf8');
    assert.match(md, new RegExp(`with evidence from 127\\.0\\.0\\.1:${target.port}/postgres as postgres`));
    assert.match(md, /users: ~20,000 rows/);
    assert.match(md, /archive_mode = off/);
    let err = '';
    try {
      execFileSync(process.execPath, [cli, 'trace', file, '--database', url], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      err = (e as { stderr: string; status: number }).stderr;
      assert.equal((e as { status: number }).status, 2);
    }
    assert.match(err, new RegExp(`trace would run .* on 127\\.0\\.0\\.1:${target.port}/postgres as postgres .*Add --yes`));
  });
});

describe('connection failures say which server and what failed', { timeout: 60_000 }, () => {
  it('refused', async () => {
    const port = await freePort();
    await assert.rejects(connect({ host: '127.0.0.1', port, user: 'app', database: 'shop' }), new RegExp(`Cannot connect to 127\\.0\\.0\\.1:${port}/shop as app: connection refused`));
  });

  it('unknown host', async () => {
    await assert.rejects(connect({ host: 'no-such-host.invalid', port: 5432, user: 'app', database: 'shop' }), /Cannot connect to no-such-host\.invalid:5432\/shop as app: host name not found/);
  });

  it('a server that never answers: the connect timeout, not a hang', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s)).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      await assert.rejects(connect({ url: `postgres://app@127.0.0.1:${port}/shop` }), new RegExp(`Cannot connect to 127\\.0\\.0\\.1:${port}/shop as app: no answer within 5 s`));
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));
