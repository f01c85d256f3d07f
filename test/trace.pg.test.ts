/**
 * A lock trace must never harm the database it runs on: the reproducers of the hostile-input
 * probe, against Debian's PostgreSQL (started by the test), each checking the data afterwards.
 * - a file whose splitting once glued a COMMIT onto a view, so that a DELETE and a DROP TABLE
 *   were committed;
 * - the migration's own transaction control, never run;
 * - a migration that lifts lock_timeout, a statement that outlives the watchdog, a trace killed
 *   mid-statement: no session is left waiting or holding a lock.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { resolveSettings } from '../server/src/engine/settings';
import { DatabaseTarget } from '../server/src/database';
import { openDatabaseSession, PgliteHost, runTrace } from '../server/src/targets';
import { assertSameTransaction, traceText, TraceTransactionLost, traceWarnings } from '../server/src/trace';
import { debianBinaries, Server, Session, startDebianServer } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');
const settings = resolveSettings({}).settings;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-trace-'));
const cli = path.join(__dirname, '..', '..', 'bin', 'migration-guard.js');

const SCHEMA = `CREATE TABLE users (id bigint PRIMARY KEY, email text);
CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint REFERENCES users (id), total int);
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 1000) g;
INSERT INTO orders (user_id, total) SELECT g, g FROM generate_series(1, 500) g;`;

/** The probe's reproducer: `check` calls it clean, and a trace once committed its DELETE and DROP. */
const GLUED = `CREATE VIEW report AS SELECT begin atomic FROM (SELECT 1 AS begin) s;
COMMIT;
DELETE FROM orders;
DROP TABLE users CASCADE;
`;

let n = 0;
function migration(text: string): string {
  const dir = path.join(tmp, `m${n++}`, 'migrations');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, '002_change.sql');
  fs.writeFileSync(file, text);
  return file;
}

const analysisOf = (file: string) => analyze(fs.readFileSync(file, 'utf8'), { settings, path: file });

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** Polls `probe` until it holds; fails after `ms` (a bound on a hang, not a timing claim). */
async function until(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) assert.fail(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a lock trace never harms the database (Debian PostgreSQL)', { skip: noDebian, timeout: 180_000 }, () => {
  let server: Server;
  let target: DatabaseTarget;
  let url: string;
  let other: Session;
  const counts = async () => (await server.session.query<{ users: number | null; orders: number }>("SELECT (SELECT count(*)::int FROM orders) AS orders, CASE WHEN to_regclass('users') IS NULL THEN NULL ELSE (SELECT count(*)::int FROM users) END AS users"))[0];
  const traceBackends = async () => (await server.session.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'migration-guard trace'")).length;

  before(async () => {
    await loadParser();
    server = await startDebianServer();
    await server.session.exec(SCHEMA);
    const [{ port }] = await server.session.query<{ port: number }>("SELECT current_setting('port')::int AS port");
    target = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
    url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    other = await server.connect!();
  });
  after(async () => {
    await other?.close();
    await server?.stop();
  });

  it('the glued COMMIT reproducer: nothing is deleted or dropped (CLI trace --database --yes)', async () => {
    const file = migration(GLUED);
    const before = await counts();
    const { stdout } = await runCli(['trace', file, '--database', url, '--yes', '--format', 'json']);
    const result = JSON.parse(stdout) as { statements: { line: number; status: string; note?: string }[] };
    assert.deepEqual(result.statements.map((s) => s.line), [1, 2, 3, 4], 'four statements, as psql splits them');
    const commit = result.statements.find((s) => s.line === 2)!;
    assert.equal(commit.status, 'not-run');
    assert.match(commit.note!, /transaction control of the migration's own/);
    assert.deepEqual(await counts(), before, 'orders and users as they were');
    assert.deepEqual(await server.session.query("SELECT to_regclass('report') AS r"), [{ r: null }], 'the view rolled back');
  });

  it('never runs transaction control: END, ABORT, SAVEPOINT, RELEASE, PREPARE TRANSACTION, SET TRANSACTION', async () => {
    const file = migration(`SAVEPOINT mine;
DELETE FROM orders WHERE id < 10;
RELEASE SAVEPOINT migration_guard_trace;
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
PREPARE TRANSACTION 'escape';
END;
ABORT;
DELETE FROM orders WHERE id < 20;
`);
    const before = await counts();
    const result = await runTrace({ file, analysis: analysisOf(file), settings, database: target }, new PgliteHost());
    const status = Object.fromEntries(result.statements.map((s) => [s.line, s.status]));
    assert.deepEqual(status, { 1: 'not-run', 2: 'ran', 3: 'not-run', 4: 'not-run', 5: 'not-run', 6: 'not-run', 7: 'not-run', 8: 'ran' });
    assert.deepEqual(await counts(), before);
    assert.deepEqual(await server.session.query('SELECT gid FROM pg_prepared_xacts'), []);
  });

  it('sends one statement per query: the server itself refuses a text holding two', async () => {
    const db = await openDatabaseSession(target);
    try {
      await assert.rejects(db.session.run('SELECT 1; DROP TABLE users'), /cannot insert multiple commands into a prepared statement/);
    } finally {
      await db.close();
    }
    assert.equal((await counts()).users, 1000);
  });

  it('stops when its transaction is no longer the one it began', async () => {
    const db = await openDatabaseSession(target);
    try {
      await db.session.run('BEGIN');
      const [{ xid }] = await db.session.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
      await assertSameTransaction(db.session, xid, 'the start');
      await db.session.run('COMMIT');
      await assert.rejects(assertSameTransaction(db.session, xid, 'line 9'), (e: Error) => e instanceof TraceTransactionLost && /no longer open after line 9/.test(e.message));
      await db.session.run('BEGIN');
      await assert.rejects(assertSameTransaction(db.session, xid, 'line 9'), /changed after line 9 \(was \d+, now none\)/);
      await db.session.run('ROLLBACK');
    } finally {
      await db.close();
    }
  });

  it("re-asserts its lock_timeout: a migration's set_config('lock_timeout', '0', false) does not make it wait", async () => {
    const file = migration(`SELECT set_config('lock_timeout', '0', false);
SET lock_timeout = 0;
ALTER TABLE orders ADD COLUMN note text;
SELECT 1;
`);
    await other.query('BEGIN');
    await other.query('LOCK TABLE orders IN ACCESS SHARE MODE');
    try {
      const result = await runTrace({ file, analysis: analysisOf(file), settings, database: target }, new PgliteHost());
      const alter = result.statements.find((s) => s.line === 3)!;
      assert.equal(alter.status, 'error');
      assert.match(alter.note!, /lock timeout/);
      assert.equal(result.statements.find((s) => s.line === 4)!.status, 'ran');
    } finally {
      await other.query('ROLLBACK');
    }
    assert.equal(await traceBackends(), 0);
  });

  it('the watchdog cancels a statement that outlives its limit, and the trace goes on', async () => {
    const file = migration(`SELECT pg_sleep(60);
ALTER TABLE users ADD COLUMN watchdog int;
`);
    const result = await runTrace({ file, analysis: analysisOf(file), settings, database: target, limits: { statementTimeout: '5min', watchdogMs: 1000 } }, new PgliteHost());
    const sleep = result.statements.find((s) => s.line === 1)!;
    assert.equal(sleep.status, 'error');
    assert.match(sleep.note!, /canceling statement due to user request/);
    assert.equal(result.statements.find((s) => s.line === 2)!.status, 'ran');
    assert.deepEqual(await server.session.query("SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'watchdog'"), []);
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`a trace killed mid-statement (${signal}) leaves no session waiting or holding a lock`, async () => {
      const file = migration(`ALTER TABLE users ADD COLUMN killed int;
SELECT pg_sleep(25);
`);
      const child = spawn(process.execPath, [cli, 'trace', file, '--database', url, '--yes'], { stdio: 'ignore' });
      const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig)));
      await until('the trace to hold ACCESS EXCLUSIVE on users and sleep', async () => {
        const rows = await server.session.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid WHERE a.application_name = 'migration-guard trace' AND a.query LIKE 'SELECT pg_sleep%' AND l.relation = 'users'::regclass AND l.mode = 'AccessExclusiveLock'",
        );
        return rows[0].n === 1;
      });
      child.kill(signal);
      const code = await exited;
      if (signal === 'SIGTERM') assert.equal(code, 143, 'the CLI ends its trace backend, then exits');
      // The lock is gone well before the 25 s statement would end: another session takes it.
      await until('no trace backend left', async () => (await traceBackends()) === 0, 15_000);
      await other.query("SET lock_timeout = '5s'");
      await other.query('BEGIN');
      await other.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      await other.query('ROLLBACK');
      await other.query('RESET lock_timeout');
      assert.deepEqual(await server.session.query("SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'killed'"), []);
    });
  }

  it('names what the rollback cannot undo before it runs: sequences (CLI without --yes)', async () => {
    const file = migration(`INSERT INTO orders (user_id, total) VALUES (1, 1);
SELECT setval('orders_id_seq', 1000);
ALTER TABLE orders ADD COLUMN seq bigint DEFAULT nextval('orders_id_seq');
CREATE INDEX orders_total_idx ON orders (total);
`);
    assert.deepEqual(traceWarnings(analysisOf(file)), [
      'line 1: inserts rows: sequences behind the table\'s column defaults (serial, identity) stay advanced after the rollback',
      'line 2: calls setval(): the sequence stays advanced after the rollback',
      'line 3: calls nextval(): the sequence stays advanced after the rollback',
    ]);
    const { code, stderr } = await runCli(['trace', file, '--database', url]);
    assert.equal(code, 2);
    assert.match(stderr, /Add --yes to go ahead[\s\S]*Not undone by the rollback:\n {2}line 1: inserts rows[\s\S]*line 2: calls setval\(\)/);
  });

  it('"0 differing" means it: locks on relations the SQL does not name are compared, and a failed statement is not verified', async () => {
    await server.session.exec(`CREATE TABLE audit (at timestamptz, what text);
CREATE FUNCTION audit_users() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit VALUES (now(), TG_OP); RETURN NEW; END $$;
CREATE TRIGGER users_audit AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION audit_users();`);
    try {
      const file = migration(`UPDATE users SET email = lower(email) WHERE id < 10;
ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;
ALTER TABLE no_such_table ADD COLUMN x int;
COMMIT;
`);
      const result = await runTrace({ file, analysis: analysisOf(file), settings, database: target }, new PgliteHost());
      const [update, dropFk, missing, commit] = result.statements;
      // The trigger writes to audit: a lock the SQL does not show, reported.
      assert.deepEqual(update.differences, ['audit (table): observed ROW EXCLUSIVE, not predicted']);
      // The referenced table's ACCESS EXCLUSIVE is the predicted implicit lock: verified.
      assert.deepEqual(dropFk.differences, []);
      assert.ok(dropFk.observed.some((l) => l.relation === 'users' && l.mode === 'AccessExclusiveLock'));
      assert.equal(missing.status, 'error');
      assert.match(missing.note!, /relation "no_such_table" does not exist/);
      assert.equal(commit.status, 'not-run');
      assert.deepEqual(
        { verified: result.summary.verified, differences: result.summary.differences, notVerified: result.summary.notVerified, errors: result.summary.errors },
        { verified: 1, differences: 1, notVerified: 2, errors: 1 },
      );
      assert.match(traceText(result), /1 verified, 1 differing from the prediction, 2 not verified \(1 failed, 1 not run\)\. Rolled back\.\nNot verified, failed:\n {2}line 3: relation "no_such_table" does not exist/);
    } finally {
      await server.session.exec('DROP TRIGGER users_audit ON users; DROP FUNCTION audit_users(); DROP TABLE audit;');
    }
  });

  it('does not run calls that act outside the transaction (dblink, pg_terminate_backend)', async () => {
    const file = migration(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid();
DO $$ BEGIN PERFORM dblink_exec('dbname=postgres', 'DROP TABLE users'); END $$;
`);
    const result = await runTrace({ file, analysis: analysisOf(file), settings, database: target }, new PgliteHost());
    assert.deepEqual(result.statements.map((s) => [s.status, s.note?.match(/calls (\w+)\(\)/)?.[1]]), [['not-run', 'pg_terminate_backend'], ['not-run', 'dblink_exec']]);
    assert.equal((await counts()).users, 1000);
  });
});

describe('the splitter never glues statements (editor, CLI and trace read the same split)', () => {
  before(loadParser);
  it('`SELECT begin atomic` in a view is a column alias, not a function body', () => {
    const a = analyze(GLUED, { settings });
    assert.deepEqual(a.facts.statements.map((s) => s.kind), ['ViewStmt', 'TransactionStmt', 'DeleteStmt', 'DropStmt']);
  });
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));
