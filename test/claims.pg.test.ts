/**
 * What rules say PostgreSQL does besides locking, proven on PGlite (PostgreSQL 18) and Debian's
 * PostgreSQL server: each case runs the rule's unsafe migration (reported by the rule) and its safe
 * one (quiet) on a server, and checks the failure or behaviour the rule's message names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
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
  });
}

claimsOn('PGlite', startPglite, false);
claimsOn('Debian server', startDebianServer, noDebian);
