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
import { catalogObjects, functionUses, functionVolatility, tableOfIndex, viewSources, viewsUsing } from '../server/src/engine/catalog';
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

/**
 * Functions with their volatility, views with what they read, the defaults and triggers that call
 * functions, and rows put in new tables (issue 14 point 2). The lock claims are proven on PGlite
 * and the Debian server by the "with history" shapes of test/pg/shapes.ts.
 */
describe('functions, views and row sources in the catalog', () => {
  before(loadParser);
  const FUNCTIONS = `CREATE SCHEMA util;
CREATE FUNCTION make_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;
CREATE FUNCTION util.fixed() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' $$;
CREATE OR REPLACE FUNCTION today() RETURNS date AS $$ SELECT current_date $$ LANGUAGE sql STABLE;
CREATE FUNCTION later() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$;
ALTER FUNCTION later() VOLATILE;
CREATE FUNCTION util.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE coupons (id bigint PRIMARY KEY, code text DEFAULT util.fixed());
CREATE TABLE ledger (id bigint PRIMARY KEY, amount int);
CREATE TRIGGER ledger_stamp BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION util.stamp();
CREATE TABLE sales (id bigint PRIMARY KEY, region text, amount int);
CREATE VIEW sales_big AS SELECT id, region, amount FROM sales WHERE amount > 10;
CREATE MATERIALIZED VIEW sales_by_region AS SELECT region, sum(amount) AS total FROM sales_big GROUP BY region;
`;
  const prior = () => analyze(FUNCTIONS, { settings }).facts.catalogAfter;

  it('records each function with its volatility: no marker is VOLATILE, CREATE OR REPLACE and ALTER FUNCTION change it', () => {
    const c = prior();
    assert.equal(functionVolatility(c, 'make_code'), 'volatile');
    assert.equal(functionVolatility(c, 'util.fixed'), 'immutable');
    assert.equal(functionVolatility(c, 'fixed'), 'immutable', 'unqualified: any schema');
    assert.equal(functionVolatility(c, 'today'), 'stable');
    assert.equal(functionVolatility(c, 'later'), 'volatile');
    assert.equal(functionVolatility(c, 'other.make_code'), undefined);
    const after = analyze('DROP FUNCTION make_code();\nCREATE OR REPLACE FUNCTION today() RETURNS date LANGUAGE sql AS $$ SELECT current_date $$;', { settings, prior: c }).facts.catalogAfter;
    assert.equal(functionVolatility(after, 'make_code'), undefined);
    assert.equal(functionVolatility(after, 'today'), 'volatile');
  });

  it('ADD COLUMN with a default calling a VOLATILE function of an earlier migration rewrites; IMMUTABLE and STABLE do not', () => {
    const a = analyze(
      "ALTER TABLE users ADD COLUMN a text DEFAULT make_code();\nALTER TABLE users ADD COLUMN b text DEFAULT util.fixed();\nALTER TABLE users ADD COLUMN c date DEFAULT today();\nALTER TABLE users ADD COLUMN d int DEFAULT later();\nALTER TABLE users ADD COLUMN e text DEFAULT unknown_fn();",
      { settings, prior: prior() },
    );
    assert.deepEqual(a.facts.statements.map((s) => s.rewrites), [['users'], [], [], ['users'], []]);
    assert.deepEqual(
      a.findings.filter((f) => f.rule === 'adding-field-with-volatile-default').map((f) => [f.range.start.line, f.messageId, f.severity]),
      [[0, 'volatile', 'error'], [3, 'volatile', 'error'], [4, 'unknownFunction', 'info']],
    );
    // Without the history the function is unknown: information, no rewrite claimed.
    const alone = analyze('ALTER TABLE users ADD COLUMN a text DEFAULT make_code();', { settings });
    assert.deepEqual(alone.facts.statements[0].rewrites, []);
    assert.equal(alone.findings.find((f) => f.rule === 'adding-field-with-volatile-default')?.messageId, 'unknownFunction');
  });

  it('a function created earlier in the same file counts too', () => {
    const a = analyze("CREATE FUNCTION gen() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'x'; END $$;\nALTER TABLE users ADD COLUMN a text DEFAULT gen();", { settings });
    assert.deepEqual(a.facts.statements[1].rewrites, ['users']);
  });

  it('REFRESH MATERIALIZED VIEW takes ACCESS SHARE on the relations its view reads, through views; an unknown view keeps the description', () => {
    const [refresh, concurrent, unknown] = analyze('REFRESH MATERIALIZED VIEW sales_by_region;\nREFRESH MATERIALIZED VIEW CONCURRENTLY sales_by_region;\nREFRESH MATERIALIZED VIEW nobody_knows;', { settings, prior: prior() }).facts.statements;
    assert.deepEqual(refresh.locks.map((l) => [l.relation, l.mode, l.role]), [['sales_by_region', 'AccessExclusiveLock', 'materialized view'], ['sales_big', 'AccessShareLock', 'view source'], ['sales', 'AccessShareLock', 'view source']]);
    assert.deepEqual(refresh.implicitLocks, []);
    assert.deepEqual(refresh.scans, ['sales'], 'a plain view has no rows of its own');
    assert.deepEqual(concurrent.locks.map((l) => [l.relation, l.mode]), [['sales_by_region', 'ExclusiveLock'], ['sales_big', 'AccessShareLock'], ['sales', 'AccessShareLock']]);
    assert.deepEqual(unknown.implicitLocks.map((i) => [i.on, i.mode]), [['the tables the view reads', 'AccessShareLock']]);
  });

  it('knows which columns a view uses: named, qualified through aliases, and * as the columns of the time', () => {
    const c = analyze('CREATE TABLE a (id int, x int, y int);\nCREATE TABLE b (id int, z int);\nCREATE VIEW v AS SELECT a.id, z FROM a JOIN b USING (id) WHERE a.y > 0;\nCREATE VIEW w AS SELECT * FROM a;\nALTER TABLE a ADD COLUMN later int;', { settings }).facts.catalogAfter;
    assert.deepEqual(viewsUsing(c, 'a', 'id'), ['v', 'w']);
    assert.deepEqual(viewsUsing(c, 'a', 'y'), ['v', 'w']);
    assert.deepEqual(viewsUsing(c, 'a', 'x'), ['w']);
    assert.deepEqual(viewsUsing(c, 'b', 'z'), ['v']);
    assert.deepEqual(viewsUsing(c, 'a', 'later'), [], 'added after the view');
    assert.deepEqual(viewSources(c, 'v'), ['a', 'b']);
    // Dropping a table or a view drops the views that read it.
    const dropped = analyze('CREATE VIEW vv AS SELECT id FROM v;\nDROP TABLE b CASCADE;', { settings, prior: c }).facts.catalogAfter;
    assert.deepEqual(viewSources(dropped, 'v'), undefined);
    assert.deepEqual(viewSources(dropped, 'vv'), undefined);
    assert.deepEqual(viewsUsing(dropped, 'a', 'x'), ['w']);
  });

  it('DROP SCHEMA ... CASCADE locks the tables whose defaults and triggers call its functions', () => {
    const [drop, other] = analyze('DROP SCHEMA util CASCADE;\nDROP SCHEMA nothing_here CASCADE;', { settings, prior: prior() }).facts.statements;
    assert.deepEqual(drop.locks.map((l) => [l.relation, l.mode, l.role]), [
      ['coupons', 'AccessExclusiveLock', 'table whose default of code calls util.fixed'],
      ['ledger', 'AccessExclusiveLock', 'table of trigger ledger_stamp (calls util.stamp)'],
    ]);
    assert.deepEqual(other.locks, []);
    // Afterwards the schema's functions and their uses are gone.
    const after = analyze('DROP SCHEMA util CASCADE;', { settings, prior: prior() }).facts.catalogAfter;
    assert.equal(functionVolatility(after, 'util.fixed'), undefined);
    assert.deepEqual(functionUses(after, 'util.stamp'), []);
  });

  it('records the statement that put rows in a table, for this migration only', () => {
    const a = analyze("CREATE TABLE t1 AS SELECT 1 AS id;\nCREATE TABLE t2 (id int);\nINSERT INTO t2 VALUES (1);\nINSERT INTO t2 SELECT 2;\nCREATE TABLE t3 (id int);\nCOPY t3 FROM stdin;\nCREATE TABLE t4 AS SELECT 1 AS id WITH NO DATA;\nCREATE TABLE t5 (id int);\nCOPY t5 TO stdout;", { settings });
    const rows = catalogObjects(a.facts.catalogAfter).rows;
    assert.deepEqual([...rows.entries()].sort(([x], [y]) => x.localeCompare(y)), [
      ['t1', { statement: 0, how: 'CREATE TABLE AS' }],
      ['t2', { statement: 2, how: 'INSERT ... VALUES' }],
      ['t3', { statement: 5, how: 'COPY' }],
    ]);
    const next = analyze('SELECT 1;', { settings, prior: a.facts.catalogAfter }).facts.catalogAfter;
    assert.equal(catalogObjects(next).rows.size, 0, 'an earlier migration\'s tables are existing tables');
  });

  it('an edit of a function\'s volatility re-derives the facts after it (the language server\'s incremental analysis)', () => {
    const text = "CREATE FUNCTION gen() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' $$;\nSELECT 1;\nALTER TABLE users ADD COLUMN a text DEFAULT gen();\n";
    const first = analyze(text, { settings });
    assert.deepEqual(first.facts.statements[2].rewrites, []);
    const edited = text.replace('IMMUTABLE', 'VOLATILE');
    const incremental = analyze(edited, { settings, previous: first });
    assert.deepEqual(incremental.facts.statements[2].rewrites, ['users']);
    assert.deepEqual(incremental.findings.map((f) => f.rule), analyze(edited, { settings }).findings.map((f) => f.rule));
  });

  it('explain --format json: the earlier migration\'s VOLATILE function makes ADD COLUMN a rewrite', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-catalog-'));
    fs.mkdirSync(path.join(dir, 'migrations'));
    fs.writeFileSync(path.join(dir, 'migrations', '001_init.sql'), "CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE FUNCTION make_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;\n");
    fs.writeFileSync(path.join(dir, 'migrations', '002_code.sql'), 'ALTER TABLE users ADD COLUMN code text DEFAULT make_code();\n');
    const out = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'explain', '--format', 'json', path.join(dir, 'migrations', '002_code.sql')], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const [s] = JSON.parse(out.stdout).statements;
    assert.deepEqual(s.rewrites, ['users']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/**
 * Publications (issue 19: dropping the primary key of a published table) are catalog objects:
 * an earlier migration's publication makes a later migration's primary key drop reported.
 */
describe('publications in the catalog of earlier migrations', () => {
  before(loadParser);
  const INIT_PUB = `CREATE TABLE orders (id bigint PRIMARY KEY, uuid uuid NOT NULL UNIQUE);
CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE billing.invoices (id bigint PRIMARY KEY);
CREATE TABLE events (id bigint PRIMARY KEY);
CREATE PUBLICATION feed FOR TABLE orders;
CREATE PUBLICATION inserts FOR TABLE users WITH (publish = 'insert');
CREATE PUBLICATION money FOR TABLES IN SCHEMA billing;
CREATE PUBLICATION gone FOR TABLE events;
DROP PUBLICATION gone;
`;
  const prior = () => analyze(INIT_PUB, { settings }).facts.catalogAfter;
  const dropped = (sql: string, catalog = prior()) => analyze(sql, { settings, prior: catalog }).findings.filter((f) => f.rule === 'drop-primary-key-of-published-table').map((f) => [f.range.start.line, f.message.match(/publication (\S+(, \S+)*) publishes/)?.[1]]);

  it('records each publication with its tables, schemas and publish list, and carries them to the next migration', () => {
    const publications = catalogObjects(prior()).publications;
    assert.deepEqual([...publications.keys()].sort(), ['feed', 'inserts', 'money']);
    assert.deepEqual(publications.get('feed'), { allTables: false, tables: ['orders'], schemas: [], publish: ['insert', 'update', 'delete', 'truncate'] });
    assert.deepEqual(publications.get('inserts')?.publish, ['insert']);
    assert.deepEqual(publications.get('money')?.schemas, ['billing']);
    const next = analyze("ALTER PUBLICATION inserts SET (publish = 'insert, update');\nALTER PUBLICATION feed ADD TABLE events;", { settings, prior: prior() }).facts.catalogAfter;
    assert.deepEqual(catalogObjects(next).publications.get('inserts')?.publish, ['insert', 'update']);
    assert.deepEqual(catalogObjects(next).publications.get('feed')?.tables, ['orders', 'events']);
  });

  it("an earlier migration's publication makes a later primary key drop reported", () => {
    assert.deepEqual(dropped('ALTER TABLE orders DROP CONSTRAINT orders_pkey;'), [[0, 'feed']]);
    assert.deepEqual(dropped('ALTER TABLE billing.invoices DROP CONSTRAINT invoices_pkey;'), [[0, 'money']]);
    // Published for inserts only, or the publication dropped earlier: quiet.
    assert.deepEqual(dropped('ALTER TABLE users DROP CONSTRAINT users_pkey;\nALTER TABLE events DROP CONSTRAINT events_pkey;'), []);
    // Without the history, nothing is known.
    assert.deepEqual(analyze('ALTER TABLE orders DROP CONSTRAINT orders_pkey;', { settings }).findings.filter((f) => f.rule === 'drop-primary-key-of-published-table'), []);
  });

  it('an earlier migration that dropped the publication, removed the table or gave it a replica identity keeps it quiet', () => {
    for (const earlier of ['DROP PUBLICATION feed;', 'ALTER PUBLICATION feed DROP TABLE orders;', 'ALTER PUBLICATION feed SET TABLE users;', 'ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_uuid_key;', 'ALTER TABLE orders REPLICA IDENTITY FULL;']) {
      const catalog = analyze(earlier, { settings, prior: prior() }).facts.catalogAfter;
      assert.deepEqual(dropped('ALTER TABLE orders DROP CONSTRAINT orders_pkey;', catalog), [], earlier);
    }
    // REPLICA IDENTITY DEFAULT is the primary key again.
    const reset = analyze('ALTER TABLE orders REPLICA IDENTITY FULL;\nALTER TABLE orders REPLICA IDENTITY DEFAULT;', { settings, prior: prior() }).facts.catalogAfter;
    assert.deepEqual(dropped('ALTER TABLE orders DROP CONSTRAINT orders_pkey;', reset), [[0, 'feed']]);
  });

  it("an edit of a publication's publish list re-derives the findings after it (incremental analysis)", () => {
    const text = "CREATE PUBLICATION feed FOR TABLE orders WITH (publish = 'insert');\nSELECT 1;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\n";
    const first = analyze(text, { settings });
    assert.deepEqual(first.findings.filter((f) => f.rule === 'drop-primary-key-of-published-table'), []);
    const edited = text.replace("'insert'", "'insert, delete'");
    const incremental = analyze(edited, { settings, previous: first });
    assert.deepEqual(incremental.findings.filter((f) => f.rule === 'drop-primary-key-of-published-table').map((f) => f.range.start.line), [2]);
  });

  it('check: a publication created by the folder\'s earlier migration', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-catalog-'));
    fs.mkdirSync(path.join(dir, 'migrations'));
    fs.writeFileSync(path.join(dir, 'migrations', '001_init.sql'), 'CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE PUBLICATION feed FOR TABLE orders;\n');
    fs.writeFileSync(path.join(dir, 'migrations', '002_drop.sql'), 'ALTER TABLE orders DROP CONSTRAINT orders_pkey;\n');
    const out = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'check', '--no-cache', '--format', 'json', path.join(dir, 'migrations')], { encoding: 'utf8' });
    const files = JSON.parse(out.stdout).files as { path: string; diagnostics: { rule: string }[] }[];
    const later = files.find((f) => f.path.endsWith('002_drop.sql'));
    assert.deepEqual(later?.diagnostics.filter((d) => d.rule === 'drop-primary-key-of-published-table').length, 1, out.stdout);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/** Renames: PostgreSQL refers to tables, columns and functions by number, so what uses them follows a rename. */
describe('renames in the catalog', () => {
  before(loadParser);
  const INIT_RENAME = `CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE, CONSTRAINT users_email_set CHECK (email IS NOT NULL));
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
CREATE FUNCTION code() RETURNS text LANGUAGE sql AS $$ SELECT 'c' $$;
CREATE TABLE coupons (id bigint, code text DEFAULT code());
CREATE VIEW mails AS SELECT id, email FROM users;
CREATE VIEW mails2 AS SELECT email FROM mails;
CREATE PUBLICATION feed FOR TABLE users;
`;
  const RENAMES = `ALTER TABLE users RENAME TO people;
ALTER TABLE people RENAME COLUMN email TO mail;
ALTER TABLE people RENAME CONSTRAINT users_pkey TO people_pkey;
ALTER INDEX users_email_key RENAME TO people_mail_key;
ALTER VIEW mails RENAME TO addresses;
ALTER VIEW addresses RENAME COLUMN email TO address;
ALTER FUNCTION code() RENAME TO make_code;
ALTER TABLE coupons RENAME COLUMN code TO voucher;
ALTER PUBLICATION feed RENAME TO changes;
`;

  it('follows table, column, constraint, index, view, function and publication renames, in the file and from an earlier migration', () => {
    const inFile = analyze(INIT_RENAME + RENAMES, { settings }).facts.catalogAfter;
    const chained = analyze(RENAMES, { settings, prior: analyze(INIT_RENAME, { settings }).facts.catalogAfter }).facts.catalogAfter;
    for (const c of [inFile, chained]) {
      assert.equal(c.get('users'), undefined);
      const people = c.get('people');
      assert.deepEqual([...(people?.columns.keys() ?? [])].sort(), ['id', 'mail']);
      assert.deepEqual(people?.primaryKey, ['id']);
      assert.deepEqual([...(people?.indexes ?? [])].sort(), [['people_mail_key', { columns: ['mail'], unique: true, constraint: 'people_mail_key' }], ['people_pkey', { columns: ['id'], unique: true, constraint: 'people_pkey', primary: true }]]);
      assert.deepEqual(people?.checks.map((k) => [k.name, k.notNullColumn]), [['users_email_set', 'mail']]);
      assert.equal(tableOfIndex(c, 'people_pkey'), 'people');
      assert.deepEqual(c.get('orders')?.checks.map((k) => [k.name, k.references]), [['orders_user_id_fkey', 'people']]);
      assert.deepEqual(viewsUsing(c, 'people', 'mail'), ['addresses']);
      assert.deepEqual(viewsUsing(c, 'addresses', 'address'), ['mails2']);
      assert.deepEqual(viewSources(c, 'mails2'), ['addresses', 'people']);
      assert.equal(functionVolatility(c, 'code'), undefined);
      assert.equal(functionVolatility(c, 'make_code'), 'volatile');
      assert.deepEqual(functionUses(c, 'make_code'), [{ table: 'coupons', column: 'voucher' }]);
      assert.deepEqual([...catalogObjects(c).publications.entries()].map(([k, p]) => [k, p.tables]), [['changes', ['people']]]);
    }
  });

  it('a schema-qualified rename keeps the schema', () => {
    const c = analyze('CREATE TABLE app.t (a int);\nCREATE VIEW app.v AS SELECT a FROM app.t;\nALTER TABLE app.t RENAME TO u;', { settings }).facts.catalogAfter;
    assert.deepEqual(viewsUsing(c, 'app.u', 'a'), ['app.v']);
    assert.equal(c.has('u'), false);
  });
});

/** What PostgreSQL drops along with a type, a column or a table. */
describe('drops that take other objects with them', () => {
  before(loadParser);

  it('DROP TYPE ... CASCADE drops the columns of the type (and arrays of it), their indexes and the views using them; RESTRICT keeps them', () => {
    const init = "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE people (id bigint PRIMARY KEY, feeling mood, past mood[], note text);\nCREATE INDEX people_feeling_idx ON people (feeling);\nCREATE VIEW moods AS SELECT feeling FROM people;\nCREATE VIEW notes AS SELECT note FROM people;\n";
    const cascade = analyze(`${init}DROP TYPE mood CASCADE;`, { settings }).facts.catalogAfter;
    assert.deepEqual([...(cascade.get('people')?.columns.keys() ?? [])].sort(), ['id', 'note']);
    assert.equal(tableOfIndex(cascade, 'people_feeling_idx'), undefined);
    assert.equal(tableOfIndex(cascade, 'people_pkey'), 'people');
    assert.equal(viewSources(cascade, 'moods'), undefined);
    assert.deepEqual(viewSources(cascade, 'notes'), ['people']);
    const restrict = analyze(`${init}DROP TYPE mood;`, { settings }).facts.catalogAfter;
    assert.deepEqual([...(restrict.get('people')?.columns.keys() ?? [])].sort(), ['feeling', 'id', 'note', 'past']);
    const domain = analyze('CREATE DOMAIN email AS text;\nCREATE TABLE users (id bigint, mail email);\nDROP DOMAIN email CASCADE;', { settings }).facts.catalogAfter;
    assert.deepEqual([...(domain.get('users')?.columns.keys() ?? [])], ['id']);
  });

  it('DROP COLUMN drops the indexes and the primary key that include the column', () => {
    const c = analyze('CREATE TABLE t (a int, b int, c int, PRIMARY KEY (a, b), CONSTRAINT t_b_set CHECK (b IS NOT NULL));\nCREATE INDEX t_c_idx ON t (c);\nCREATE INDEX t_bc_idx ON t (b, c);\nALTER TABLE t DROP COLUMN b;', { settings }).facts.catalogAfter;
    const t = c.get('t');
    assert.equal(t?.primaryKey, undefined);
    assert.deepEqual([...(t?.indexes?.keys() ?? [])], ['t_c_idx']);
    assert.deepEqual(t?.checks, []);
  });

  it('DROP TABLE takes the table out of its publications: a new table of the name is not published', () => {
    const init = analyze('CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE PUBLICATION feed FOR TABLE orders;', { settings }).facts.catalogAfter;
    const recreated = analyze('DROP TABLE orders;\nCREATE TABLE orders (id bigint PRIMARY KEY);', { settings, prior: init }).facts.catalogAfter;
    assert.deepEqual(catalogObjects(recreated).publications.get('feed')?.tables, []);
    const later = analyze('ALTER TABLE orders DROP CONSTRAINT orders_pkey;', { settings, prior: recreated });
    assert.deepEqual(later.findings.filter((f) => f.rule === 'drop-primary-key-of-published-table'), []);
    // Without the DROP TABLE, the same drop is reported.
    assert.equal(analyze('ALTER TABLE orders DROP CONSTRAINT orders_pkey;', { settings, prior: init }).findings.filter((f) => f.rule === 'drop-primary-key-of-published-table').length, 1);
  });
});

/**
 * A schema dump read as the earlier history: test/fixtures/schema-dump/pg15-schema-only.sql is
 * `pg_dump --schema-only --no-owner` (Debian's PostgreSQL 15) of a database made by source.sql
 * in the same folder. pg_dump writes keys as ALTER TABLE ONLY ... ADD CONSTRAINT, defaults inline,
 * publications as CREATE PUBLICATION ... WITH (publish) then ALTER PUBLICATION ... ADD TABLE ONLY,
 * and every name qualified with its schema.
 */
describe('a pg_dump schema as the prior catalog', () => {
  before(loadParser);
  const dump = () => analyze(fs.readFileSync(path.join(root, 'test', 'fixtures', 'schema-dump', 'pg15-schema-only.sql'), 'utf8'), { settings });

  it('gives tables with their keys, functions, views, the defaults and triggers calling functions, publications and replica identities', () => {
    const a = dump();
    // The psql meta-commands pg_dump writes since 15.14 / 16.10 / 17.6 (\restrict, \unrestrict) are not SQL: only they fail to parse.
    assert.deepEqual(a.findings.filter((f) => f.rule === 'syntax-error').map((f) => f.message), ['syntax error at or near "\\"', 'syntax error at or near "\\"']);
    const c = a.facts.catalogAfter;
    assert.deepEqual(c.get('users')?.primaryKey, ['id']);
    assert.deepEqual(c.get('orders')?.primaryKey, ['id']);
    assert.equal(c.get('users')?.replicaIdentity, 'full');
    assert.deepEqual(c.get('users')?.columns.get('email'), { type: 'varchar', typmods: [100], isArray: false, notNull: true });
    assert.equal(tableOfIndex(c, 'orders_user_idx'), 'orders');
    assert.equal(functionVolatility(c, 'util.next_code'), 'volatile');
    assert.equal(functionVolatility(c, 'today'), 'stable');
    assert.deepEqual(functionUses(c, 'util.next_code'), [{ table: 'coupons', column: 'code' }]);
    assert.deepEqual(functionUses(c, 'stamp'), [{ table: 'coupons', trigger: 'coupons_stamp' }]);
    assert.deepEqual(viewsUsing(c, 'users', 'email'), ['active_users']);
    assert.deepEqual(viewsUsing(c, 'orders', 'total'), ['order_totals']);
    assert.deepEqual(
      [...catalogObjects(c).publications.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([k, p]) => [k, p.tables, p.publish]),
      [['feed', ['orders'], ['insert', 'update', 'delete', 'truncate']], ['inserts', ['users'], ['insert']]],
    );
  });

  it('the rules that read the catalog see it', () => {
    const sql = 'ALTER TABLE orders DROP CONSTRAINT orders_pkey;\nALTER TABLE users DROP CONSTRAINT users_pkey;\nALTER TABLE users ALTER COLUMN email TYPE text;\nALTER TABLE users ADD COLUMN code text DEFAULT util.next_code();\nDROP FUNCTION util.next_code();';
    const a = analyze(sql, { settings, prior: dump().facts.catalogAfter });
    const rules = ['drop-primary-key-of-published-table', 'column-used-by-view', 'drop-object-still-used', 'adding-field-with-volatile-default'];
    assert.deepEqual(
      a.findings.filter((f) => rules.includes(f.rule)).map((f) => [f.range.start.line, f.rule, f.messageId]),
      [[0, 'drop-primary-key-of-published-table', 'dropped'], [2, 'column-used-by-view', 'alterType'], [3, 'adding-field-with-volatile-default', 'volatile'], [4, 'drop-object-still-used', 'functionRestrict']],
    );
    // The dropped keys are gone; the UNIQUE constraint on users is not the key.
    assert.equal(a.facts.catalogAfter.get('orders')?.primaryKey, undefined);
    assert.equal(a.facts.catalogAfter.get('users')?.primaryKey, undefined);
    assert.equal(tableOfIndex(a.facts.catalogAfter, 'users_email_key'), 'users');
  });
});

describe('SET SCHEMA in the catalog', () => {
  before(loadParser);
  it('moves tables, views and functions with what refers to them', () => {
    const c = analyze(
      "CREATE FUNCTION code() RETURNS text LANGUAGE sql AS $$ SELECT 'c' $$;\nCREATE TABLE t (id bigint PRIMARY KEY, c text DEFAULT code());\nCREATE VIEW v AS SELECT c FROM t;\nCREATE PUBLICATION feed FOR TABLE t;\nALTER TABLE t SET SCHEMA app;\nALTER VIEW v SET SCHEMA app;\nALTER FUNCTION code() SET SCHEMA util;",
      { settings },
    ).facts.catalogAfter;
    assert.equal(c.has('t'), false);
    assert.deepEqual([...(c.get('app.t')?.columns.keys() ?? [])].sort(), ['c', 'id']);
    assert.equal(tableOfIndex(c, 'app.t_pkey'), 'app.t');
    assert.deepEqual(viewsUsing(c, 'app.t', 'c'), ['app.v']);
    assert.equal(functionVolatility(c, 'util.code'), 'volatile');
    assert.deepEqual(functionUses(c, 'util.code'), [{ table: 'app.t', column: 'c' }]);
    assert.deepEqual(catalogObjects(c).publications.get('feed')?.tables, ['app.t']);
    // Back to public: the plain name again.
    const back = analyze('ALTER TABLE app.t SET SCHEMA public;', { settings, prior: c }).facts.catalogAfter;
    assert.deepEqual(viewsUsing(back, 't', 'c'), ['app.v']);
  });
});
