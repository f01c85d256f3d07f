/**
 * What rules say PostgreSQL does besides locking, proven on PGlite (PostgreSQL 18) and Debian's
 * PostgreSQL server: each case runs the rule's unsafe migration (reported by the rule) and its safe
 * one (quiet) on a server, and checks the failure or behaviour the rule's message names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { buildChecklist } from '../server/src/engine/checklist';
import { probeRequest } from '../server/src/engine/impact';
import { gatherEvidence } from '../server/src/database';
import { resolveSettings } from '../server/src/engine/settings';
import { debianBinaries, Server, startDebianServer, startPglite } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');
const settings = resolveSettings({}).settings;

/** The rule ids the engine reports on the migration. */
const reported = (sql: string) => new Set(analyze(sql, { settings }).findings.map((f) => f.rule));

async function fails(server: Server, sql: string): Promise<string | undefined> {
  try {
    await server.session.exec(sql);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function claimsOn(name: string, start: () => Promise<Server>, skip: string | false) {
  describe(`rule claims on ${name}`, { skip, timeout: 120_000 }, () => {
    let server: Server;
    before(async () => {
      await loadParser();
      server = await start();
    });
    after(() => server?.stop());

    it('drop-primary-key-of-published-table: UPDATE and DELETE fail once the key is gone, whatever wal_level; the swap in one statement keeps them working', async () => {
      const unsafe = 'CREATE PUBLICATION pk_feed FOR TABLE pk_orders;\nALTER TABLE pk_orders DROP CONSTRAINT pk_orders_pkey;';
      const safe = 'CREATE PUBLICATION pk_feed2 FOR TABLE pk_items;\nALTER TABLE pk_items DROP CONSTRAINT pk_items_pkey, ADD CONSTRAINT pk_items_pkey PRIMARY KEY USING INDEX pk_items_code_key;';
      assert.ok(reported(unsafe).has('drop-primary-key-of-published-table'));
      assert.ok(!reported(safe).has('drop-primary-key-of-published-table'));
      await server.session.exec(`CREATE TABLE pk_orders (id bigint PRIMARY KEY, v int);
        INSERT INTO pk_orders SELECT g, g FROM generate_series(1, 100) g;
        CREATE TABLE pk_items (id bigint PRIMARY KEY, code int NOT NULL);
        INSERT INTO pk_items SELECT g, g FROM generate_series(1, 100) g;
        CREATE UNIQUE INDEX pk_items_code_key ON pk_items (code);`);
      const [{ wal_level }] = await server.session.query<{ wal_level: string }>("SELECT current_setting('wal_level') AS wal_level");
      assert.notEqual(wal_level, 'logical', 'the failure does not need logical decoding');
      await server.session.exec(unsafe);
      assert.match((await fails(server, 'UPDATE pk_orders SET v = 0 WHERE id = 1')) ?? '', /cannot update table "pk_orders" because it does not have a replica identity and publishes updates/);
      assert.match((await fails(server, 'DELETE FROM pk_orders WHERE id = 2')) ?? '', /cannot delete from table "pk_orders" because it does not have a replica identity and publishes deletes/);
      assert.equal(await fails(server, 'INSERT INTO pk_orders VALUES (1000, 1)'), undefined);
      await server.session.exec(safe);
      assert.equal(await fails(server, 'UPDATE pk_items SET code = code + 1000 WHERE id = 1'), undefined);
      assert.equal(await fails(server, 'DELETE FROM pk_items WHERE id = 2'), undefined);
    });

    it('inheritance-changes-parent-queries: after INHERIT, queries and DELETE on the parent reach the child; NO INHERIT makes queries on the parent wait', async () => {
      assert.ok(reported('ALTER TABLE ih_child INHERIT ih_base;').has('inheritance-changes-parent-queries'));
      assert.ok(reported('ALTER TABLE ih_old NO INHERIT ih_base;').has('inheritance-changes-parent-queries'));
      await server.session.exec(`CREATE TABLE ih_base (id bigint, at date);
        CREATE TABLE ih_old () INHERITS (ih_base);
        INSERT INTO ih_old SELECT g, date '2024-01-01' FROM generate_series(1, 10) g;
        CREATE TABLE ih_child (id bigint, at date);
        INSERT INTO ih_child SELECT g, date '2020-01-01' FROM generate_series(1, 50) g;`);
      const count = async (sql: string) => Number((await server.session.query<{ n: string }>(sql))[0].n);
      assert.equal(await count('SELECT count(*) AS n FROM ih_base'), 10);
      await server.session.exec('ALTER TABLE ih_child INHERIT ih_base');
      assert.equal(await count('SELECT count(*) AS n FROM ih_base'), 60);
      await server.session.exec("DELETE FROM ih_base WHERE at < date '2021-01-01'");
      assert.equal(await count('SELECT count(*) AS n FROM ih_child'), 0, 'a DELETE on the parent deleted the rows of the new child');
      if (!server.connect) return; // PGlite has one connection: the wait needs two.
      const migration = await server.connect();
      const reader = await server.connect();
      try {
        await migration.exec('BEGIN; ALTER TABLE ih_old NO INHERIT ih_base');
        await reader.exec("SET lock_timeout = '200ms'");
        await assert.rejects(reader.query('SELECT count(*) FROM ih_base'), /lock timeout/);
        assert.equal((await reader.query<{ n: string }>('SELECT count(*) AS n FROM ONLY ih_base'))[0].n, '0');
        await migration.exec('COMMIT');
        assert.equal((await reader.query<{ n: string }>('SELECT count(*) AS n FROM ih_base'))[0].n, '0');
      } finally {
        await migration.close();
        await reader.close();
      }
    });

    it('sequence-as-int: PostgreSQL refuses AS integer past the limit or with a larger MAXVALUE, and lowers MAXVALUE under it', async () => {
      assert.ok(reported('ALTER SEQUENCE sq_big AS integer;').has('sequence-as-int'));
      await server.session.exec(`CREATE SEQUENCE sq_big; SELECT setval('sq_big', 3000000000);
        CREATE SEQUENCE sq_custom MAXVALUE 5000000000;
        CREATE SEQUENCE sq_low; SELECT setval('sq_low', 1000);`);
      assert.match((await fails(server, 'ALTER SEQUENCE sq_big AS integer')) ?? '', /RESTART value \(3000000000\) cannot be greater than MAXVALUE \(2147483647\)/);
      assert.match((await fails(server, 'ALTER SEQUENCE sq_custom AS integer')) ?? '', /MAXVALUE \(5000000000\) is out of range for sequence data type integer/);
      await server.session.exec('ALTER SEQUENCE sq_low AS integer');
      const [row] = await server.session.query<{ max: string; type: string }>("SELECT max_value::text AS max, data_type::text AS type FROM pg_sequences WHERE sequencename = 'sq_low'");
      assert.deepEqual(row, { max: '2147483647', type: 'integer' });
    });

    it("sequence-as-int, connected: the checklist's sequence-limit item reads last_value from pg_sequences", async (t) => {
      if (!server.connect) return t.skip('PGlite: the probes need a pg client connection');
      await server.session.exec(`CREATE SEQUENCE cs_past; SELECT setval('cs_past', 3000000000);
        CREATE SEQUENCE cs_half; SELECT setval('cs_half', 1500000000);
        CREATE SEQUENCE cs_small; SELECT setval('cs_small', 42);
        CREATE SEQUENCE cs_unused;
        CREATE SEQUENCE cs_tiny AS integer; SELECT setval('cs_tiny', 40000);
        CREATE SEQUENCE cs_custom MAXVALUE 5000000000;`);
      const port = (await server.session.query<{ port: number }>("SELECT current_setting('port')::int AS port"))[0].port;
      const target = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
      const item = async (sql: string) => {
        const analysis = analyze(sql, { settings, path: 'migrations/002_seq.sql' });
        const evidence = await gatherEvidence(target, probeRequest(analysis));
        return buildChecklist('migrations/002_seq.sql', analysis, { database: evidence }).items.find((i) => i.id === 'sequence-limit');
      };
      const past = await item('ALTER SEQUENCE cs_past AS integer;');
      assert.equal(past?.state, 'failed');
      assert.match(past!.evidence.join('\n'), /cs_past is at 3,000,000,000, 139\.7% of integer's limit 2,147,483,647: past it/);
      const half = await item('ALTER SEQUENCE cs_half AS integer;');
      assert.equal(half?.state, 'needs-you');
      assert.match(half!.evidence.join('\n'), /cs_half is at 1,500,000,000, 69\.8% of integer's limit/);
      const fine = await item('ALTER SEQUENCE cs_small AS integer;\nALTER SEQUENCE cs_unused AS integer;');
      assert.equal(fine?.state, 'passed');
      assert.match(fine!.evidence.join('\n'), /cs_small is at 42, 0\.000% of integer's limit[\s\S]*cs_unused: no value taken yet/);
      assert.equal((await item('ALTER SEQUENCE cs_tiny AS smallint;'))?.state, 'failed');
      const custom = await item('ALTER SEQUENCE cs_custom AS integer;');
      assert.equal(custom?.state, 'failed');
      assert.match(custom!.evidence.join('\n'), /MAXVALUE 5,000,000,000 was set by hand/);
      assert.doesNotMatch(past!.evidence.join('\n'), /set by hand/);
      assert.equal(await item('ALTER SEQUENCE cs_small AS bigint;'), undefined, 'no item without a narrowing statement');
      const offline = buildChecklist('migrations/002_seq.sql', analyze('ALTER SEQUENCE cs_past AS integer;', { settings })).items.find((i) => i.id === 'sequence-limit');
      assert.equal(offline?.state, 'not-checked');
    });
  });
}

claimsOn('PGlite', startPglite, false);
claimsOn('Debian server', startDebianServer, noDebian);
