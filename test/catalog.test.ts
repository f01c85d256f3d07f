/**
 * The schema the history establishes (issue 14 point 2): indexes. After the migration that
 * created an index, DROP INDEX and REINDEX INDEX name the table they lock (proven on PostgreSQL in
 * test/locks.pg.test.ts, shapes "with history"); an index behind a constraint is explained.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { tableOfIndex } from '../server/src/engine/catalog';
import { resolveSettings } from '../server/src/engine/settings';

const settings = resolveSettings({}).settings;
const root = path.join(__dirname, '..', '..');
const INIT = `CREATE TABLE app.users (id bigint PRIMARY KEY, email text UNIQUE, org bigint);
CREATE INDEX users_org_idx ON app.users (org);
CREATE TABLE orders (id bigint, CONSTRAINT orders_id_key UNIQUE (id));
`;

describe('indexes in the catalog of earlier migrations', () => {
  before(loadParser);
  const prior = () => analyze(INIT, { settings }).facts.catalogAfter;

  it('knows the table of each index, with the names PostgreSQL gives constraint indexes', () => {
    const catalog = prior();
    assert.equal(tableOfIndex(catalog, 'app.users_org_idx'), 'app.users');
    assert.equal(tableOfIndex(catalog, 'app.users_pkey'), 'app.users');
    assert.equal(tableOfIndex(catalog, 'app.users_email_key'), 'app.users');
    assert.equal(tableOfIndex(catalog, 'orders_id_key'), 'orders');
    assert.equal(tableOfIndex(catalog, 'users_org_idx'), undefined, 'another schema');
  });

  it('DROP INDEX and REINDEX INDEX lock the named table; an unknown index keeps the description', () => {
    const a = analyze('DROP INDEX app.users_org_idx;\nREINDEX INDEX orders_id_key;\nDROP INDEX nobody_knows_idx;', { settings, prior: prior() });
    const [drop, reindex, unknown] = a.facts.statements;
    assert.deepEqual(drop.locks.map((l) => [l.relation, l.mode, l.role]), [['app.users_org_idx', 'AccessExclusiveLock', 'index'], ['app.users', 'AccessExclusiveLock', "index's table"]]);
    assert.deepEqual(drop.implicitLocks, []);
    assert.deepEqual(reindex.locks.map((l) => [l.relation, l.mode]), [['orders_id_key', 'AccessExclusiveLock'], ['orders', 'ShareLock']]);
    assert.deepEqual(reindex.scans, ['orders']);
    assert.deepEqual(unknown.implicitLocks.map((i) => i.on), ["the index's table"]);
  });

  it('DROP INDEX of an index behind a constraint says it fails, and what drops it', () => {
    const [s] = analyze('DROP INDEX app.users_pkey;', { settings, prior: prior() }).facts.statements;
    assert.match(s.caveats.join('\n'), /app\.users_pkey backs the constraint users_pkey of app\.users: DROP INDEX fails .*ALTER TABLE app\.users DROP CONSTRAINT users_pkey/);
  });

  it('follows the migration: a dropped index or constraint is gone, a re-created one is back', () => {
    const a = analyze('DROP INDEX app.users_org_idx;\nALTER TABLE orders DROP CONSTRAINT orders_id_key;\nCREATE UNIQUE INDEX orders_id_key2 ON orders (id);', { settings, prior: prior() });
    const after = a.facts.catalogAfter;
    assert.equal(tableOfIndex(after, 'app.users_org_idx'), undefined);
    assert.equal(tableOfIndex(after, 'orders_id_key'), undefined);
    assert.equal(tableOfIndex(after, 'orders_id_key2'), 'orders');
  });

  it('a dropped or validated foreign key names its referenced table; a CHECK locks no other table', () => {
    const init = 'CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint, user_id bigint REFERENCES users (id), total int CHECK (total > 0));\nALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;';
    const prior = analyze(init, { settings }).facts.catalogAfter;
    const a = analyze('ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk2;\nALTER TABLE orders DROP CONSTRAINT orders_total_check;\nALTER TABLE orders DROP CONSTRAINT unknown_c;', { settings, prior });
    const [drop, validate, check, unknown] = a.facts.statements;
    assert.deepEqual(drop.locks.map((l) => [l.relation, l.mode, l.role]), [['orders', 'AccessExclusiveLock', 'table'], ['users', 'AccessExclusiveLock', 'referenced table']]);
    assert.deepEqual(drop.implicitLocks, []);
    assert.deepEqual(validate.locks.map((l) => [l.relation, l.mode]), [['orders', 'ShareUpdateExclusiveLock'], ['users', 'RowShareLock']]);
    assert.deepEqual(check.locks.map((l) => l.relation), ['orders']);
    assert.deepEqual(check.implicitLocks, []);
    assert.deepEqual(unknown.implicitLocks.map((i) => i.on), ['the referenced table, when the constraint is a foreign key']);
  });

  it('explain --format json names the table, from the folder\'s earlier migration', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-catalog-'));
    fs.mkdirSync(path.join(dir, 'migrations'));
    fs.writeFileSync(path.join(dir, 'migrations', '001_init.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);\n');
    fs.writeFileSync(path.join(dir, 'migrations', '002_drop.sql'), 'DROP INDEX users_email_idx;\n');
    const out = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'explain', '--format', 'json', path.join(dir, 'migrations', '002_drop.sql')], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const [s] = JSON.parse(out.stdout).statements;
    assert.deepEqual(s.locks.map((l: { relation: string; mode: string }) => [l.relation, l.mode]), [['users_email_idx', 'AccessExclusiveLock'], ['users', 'AccessExclusiveLock']]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
