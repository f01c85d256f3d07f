/**
 * What the catalog's rules say PostgreSQL does, done on real PostgreSQL (PGlite and Debian's
 * server), next to the engine's verdict on the same SQL (issue 14 point 2):
 * - a foreign key added to a table created and filled in the same transaction reads its rows while
 *   holding SHARE ROW EXCLUSIVE on the referenced table (constraint-missing-not-valid);
 * - a column a view uses cannot be retyped, nor dropped without CASCADE, which drops the view
 *   (column-used-by-view);
 * - a function a column default or trigger calls, and a type a column has, cannot be dropped
 *   without CASCADE, which drops the default, the trigger or the column (drop-object-still-used).
 * Each case runs inside BEGIN ... ROLLBACK.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { resolveSettings } from '../server/src/engine/settings';
import { debianBinaries, Server, Session, startDebianServer, startPglite } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');

const SCHEMA = `
CREATE TABLE users (id bigint PRIMARY KEY, email text, active boolean DEFAULT true);
INSERT INTO users SELECT g, 'u' || g, true FROM generate_series(1, 500) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);
INSERT INTO orders SELECT g, g FROM generate_series(1, 500) g;
CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE coupons (id bigint, code text DEFAULT next_code());
CREATE TRIGGER coupons_stamp BEFORE INSERT ON coupons FOR EACH ROW EXECUTE FUNCTION stamp();
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE people (id bigint, feeling mood);
`;

/** The rule findings (rule, message id) of `sql` after SCHEMA as the earlier migration. */
function verdict(sql: string): string[] {
  const settings = resolveSettings({}).settings;
  const prior = analyze(SCHEMA, { settings }).facts.catalogAfter;
  return analyze(sql, { settings, prior })
    .findings.filter((f) => f.messageId && ['constraint-missing-not-valid', 'column-used-by-view', 'drop-object-still-used'].includes(f.rule))
    .map((f) => `${f.rule}:${f.messageId}`);
}

/** Runs `sql` in a transaction that is rolled back; the error message, if it failed. */
async function attempt(session: Session, sql: string, then?: () => Promise<void>): Promise<string | undefined> {
  await session.query('BEGIN');
  try {
    await session.exec(sql);
    await then?.();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await session.query('ROLLBACK');
  }
}

function proveOn(name: string, start: () => Promise<Server>, skip: string | false) {
  describe(`catalog verdicts on ${name}`, { skip, timeout: 300_000 }, () => {
    let server: Server;
    before(async () => {
      await loadParser();
      server = await start();
      await server.session.exec(SCHEMA);
    });
    after(() => server?.stop());

    it('a foreign key from a table filled in this transaction reads its rows under SHARE ROW EXCLUSIVE on the referenced table', async () => {
      const sql = 'CREATE TABLE orders_copy AS SELECT id, user_id FROM orders;\nALTER TABLE orders_copy ADD CONSTRAINT orders_copy_user_fk FOREIGN KEY (user_id) REFERENCES users (id);';
      const s = server.session;
      await s.query('BEGIN');
      try {
        await s.query('CREATE TABLE orders_copy AS SELECT id, user_id FROM orders');
        const scans = async () => (await s.query<{ n: number }>("SELECT COALESCE(seq_scan, 0)::int AS n FROM pg_stat_xact_all_tables WHERE relid = 'orders_copy'::regclass"))[0]?.n ?? 0;
        const before = await scans();
        await s.query('ALTER TABLE orders_copy ADD CONSTRAINT orders_copy_user_fk FOREIGN KEY (user_id) REFERENCES users (id)');
        const [lock] = await s.query<{ mode: string }>("SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation = 'users'::regclass AND mode = 'ShareRowExclusiveLock'");
        assert.equal(lock?.mode, 'ShareRowExclusiveLock');
        assert.ok((await scans()) > before, 'the validation read orders_copy');
      } finally {
        await s.query('ROLLBACK');
      }
      const [, alter] = analyze(sql, { settings: resolveSettings({}).settings }).facts.statements;
      assert.deepEqual(alter.locks.map((l) => [l.relation, l.mode]), [['orders_copy', 'ShareRowExclusiveLock'], ['users', 'ShareRowExclusiveLock']]);
      assert.ok(alter.scans.includes('orders_copy'));
      assert.deepEqual(verdict(sql), ['constraint-missing-not-valid:foreignKeyFilled']);
      // Created empty: nothing to read, and quiet.
      assert.deepEqual(verdict('CREATE TABLE orders_copy (id bigint, user_id bigint);\nALTER TABLE orders_copy ADD CONSTRAINT orders_copy_user_fk FOREIGN KEY (user_id) REFERENCES users (id);'), []);
    });

    it('a column a view uses: ALTER TYPE is refused, DROP COLUMN fails, DROP COLUMN CASCADE drops the view', async () => {
      const retype = 'ALTER TABLE users ALTER COLUMN email TYPE varchar(320);';
      assert.match((await attempt(server.session, retype)) ?? 'succeeded', /cannot alter type of a column used by a view or rule/);
      assert.deepEqual(verdict(retype), ['column-used-by-view:alterType']);
      const drop = 'ALTER TABLE users DROP COLUMN active;';
      assert.match((await attempt(server.session, drop)) ?? 'succeeded', /other objects depend on it/);
      assert.deepEqual(verdict(drop), ['column-used-by-view:dropColumn']);
      const cascade = 'ALTER TABLE users DROP COLUMN active CASCADE;';
      let views: unknown[] = [1];
      assert.equal(await attempt(server.session, cascade, async () => void (views = await server.session.query("SELECT 1 FROM pg_class WHERE relname = 'active_users'"))), undefined);
      assert.deepEqual(views, [], 'the view is gone');
      assert.deepEqual(verdict(cascade), ['column-used-by-view:dropColumnCascade']);
      // A column no view uses.
      assert.equal(await attempt(server.session, 'ALTER TABLE orders DROP COLUMN user_id;'), undefined);
      assert.deepEqual(verdict('ALTER TABLE orders DROP COLUMN user_id;'), []);
    });

    it('a function a default or trigger calls, a type a column has: DROP fails, CASCADE drops the default, the trigger, the column', async () => {
      for (const sql of ['DROP FUNCTION next_code();', 'DROP FUNCTION stamp();', 'DROP TYPE mood;']) {
        assert.match((await attempt(server.session, sql)) ?? 'succeeded', /other objects depend on it/, sql);
      }
      assert.deepEqual(verdict('DROP FUNCTION next_code();\nDROP FUNCTION stamp();\nDROP TYPE mood;'), ['drop-object-still-used:functionRestrict', 'drop-object-still-used:functionRestrict', 'drop-object-still-used:typeRestrict']);
      let left: unknown[] = [1];
      await attempt(server.session, 'DROP FUNCTION next_code() CASCADE;', async () => void (left = await server.session.query("SELECT 1 FROM pg_attrdef WHERE adrelid = 'coupons'::regclass")));
      assert.deepEqual(left, [], 'the default is gone');
      await attempt(server.session, 'DROP FUNCTION stamp() CASCADE;', async () => void (left = await server.session.query("SELECT 1 FROM pg_trigger WHERE tgname = 'coupons_stamp'")));
      assert.deepEqual(left, [], 'the trigger is gone');
      await attempt(server.session, 'DROP TYPE mood CASCADE;', async () => void (left = await server.session.query("SELECT 1 FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'feeling' AND NOT attisdropped")));
      assert.deepEqual(left, [], 'the column is gone');
      assert.deepEqual(verdict('DROP FUNCTION next_code() CASCADE;\nDROP TYPE mood CASCADE;'), ['drop-object-still-used:functionCascade', 'drop-object-still-used:typeCascade']);
    });
  });
}

proveOn('PGlite', startPglite, false);
proveOn('Debian server', startDebianServer, noDebian);
