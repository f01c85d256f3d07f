/**
 * The transaction model of PL/pgSQL bodies (issue 16), proven on PGlite and Debian's PostgreSQL:
 * a DO block on its own holds its statements' locks until its COMMIT, and a new transaction
 * starts after it; PostgreSQL rejects COMMIT where the engine says it fails, and CONCURRENTLY
 * inside a block. The lock claims of DO blocks themselves are shapes of test/pg/shapes.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { debianBinaries, Server, startDebianServer, startPglite } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');

/** The error PostgreSQL raises for `sql` (run outside a transaction block), or 'ok'. */
async function outcome(server: Server, sql: string): Promise<string> {
  try {
    await server.session.query(sql);
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  }
}

function proveOn(name: string, start: () => Promise<Server>, skip: string | false) {
  describe(`PL/pgSQL transactions on ${name}`, { skip, timeout: 120_000 }, () => {
    let server: Server;
    before(async () => {
      await loadParser();
      server = await start();
      await server.session.exec('CREATE TABLE accounts (id bigint PRIMARY KEY); CREATE TABLE seen (step text, locks int);');
    });
    after(() => server?.stop());

    it('a DO block on its own holds its locks until its COMMIT; the statements after it run in a new transaction', async () => {
      const sql = [
        'DO $$',
        'BEGIN',
        '  LOCK TABLE accounts IN SHARE MODE;',
        "  INSERT INTO seen SELECT 'before', count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'accounts'::regclass;",
        '  COMMIT;',
        "  INSERT INTO seen SELECT 'after', count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'accounts'::regclass;",
        'END $$',
      ].join('\n');
      assert.equal(await outcome(server, sql), 'ok');
      const rows = await server.session.query<{ step: string; locks: number }>('SELECT step, locks::int AS locks FROM seen ORDER BY step DESC');
      assert.deepEqual(rows.map((r) => [r.step, Number(r.locks)]), [['before', 1], ['after', 0]]);
      // The engine says the same: held before the COMMIT, nothing held after it.
      const [, before, , afterCommit] = analyze(sql).facts.statements[0].inner!;
      assert.deepEqual(before.heldBefore.map((l) => `${l.relation}:${l.mode}`), ['accounts:ShareLock']);
      assert.deepEqual(afterCommit.heldBefore, []);
      assert.notEqual(afterCommit.transaction, before.transaction);
    });

    it('rejects COMMIT where the engine reports it: in a transaction block, in a BEGIN ... EXCEPTION block, in a function', async () => {
      const cases: [string, string, RegExp][] = [
        ['BEGIN;\nDO $$ BEGIN COMMIT; END $$;\nCOMMIT;', 'DO $$ BEGIN COMMIT; END $$', /invalid transaction termination/],
        ['DO $$ BEGIN COMMIT; EXCEPTION WHEN others THEN RAISE; END $$;', 'DO $$ BEGIN COMMIT; EXCEPTION WHEN others THEN RAISE; END $$', /cannot commit while a subtransaction is active/],
        [
          'CREATE FUNCTION ends() RETURNS void LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;\nSELECT ends();',
          'SELECT ends()',
          /invalid transaction termination/,
        ],
      ];
      await server.session.query('CREATE FUNCTION ends() RETURNS void LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$');
      for (const [migration, run, error] of cases) {
        const reported = analyze(migration).findings.filter((f) => f.rule === 'transaction-nesting');
        assert.equal(reported.length, 1, migration);
        assert.match(reported[0].message, error);
        if (migration.startsWith('BEGIN')) {
          await server.session.query('BEGIN');
          try {
            assert.match(await outcome(server, run), error);
          } finally {
            await server.session.query('ROLLBACK');
          }
        } else assert.match(await outcome(server, run), error);
      }
    });

    it('rejects CONCURRENTLY inside a DO block, as the engine reports', async () => {
      const sql = 'DO $$ BEGIN CREATE INDEX CONCURRENTLY accounts_id_idx ON accounts (id); END $$';
      assert.match(await outcome(server, sql), /cannot be executed from a function/);
      assert.match(analyze(`${sql};`).findings.find((f) => f.rule === 'concurrently-in-transaction')!.message, /cannot be executed from a function/);
    });
  });
}

proveOn('PGlite', startPglite, false);
proveOn('Debian server', startDebianServer, noDebian);
