/**
 * The lock table (server/src/engine/locktable.ts) is what the facts, the hover and docs/locks.md
 * say; these tests hold it to its proofs: every entry is the form of at least one shape of
 * test/pg/shapes.ts (which test/locks.pg.test.ts runs on PGlite and Debian's server) unless it
 * says why no shape can prove it, and every lock a shape claims on a relation the SQL does not
 * name is mapped to a relation of the proof schema (else it would go unproven).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { describeStatement } from '../server/src/engine/describe';
import { lockInWords } from '../server/src/report';
import { LOCK_ENTRIES, LOCK_TABLE, modeOf } from '../server/src/engine/locktable';
import { resolveSettings } from '../server/src/engine/settings';
import { claimsFor } from './pg/prove';
import { SHAPES } from './pg/shapes';

before(loadParser);

/** The server versions the proofs run on: Debian 12's server (15) and PGlite (18). */
const VERSIONS = [15, 18];

describe('lock table', () => {
  it('every entry is proven by a shape, or says why it cannot be', () => {
    const proven = new Set(SHAPES.flatMap((shape) => VERSIONS.flatMap((v) => claimsFor(shape, v).forms)));
    const missing = LOCK_ENTRIES.filter((e) => !proven.has(e.id) && !e.unprovable).map((e) => e.id);
    assert.deepEqual(missing, [], 'entries with no proof shape in test/pg/shapes.ts and no `unprovable` reason');
    const stale = LOCK_ENTRIES.filter((e) => proven.has(e.id) && e.unprovable).map((e) => e.id);
    assert.deepEqual(stale, [], 'entries marked unprovable that a shape proves');
  });

  it("every lock a shape claims on a relation the SQL does not name is mapped to the proof schema's relation", () => {
    const unmapped = SHAPES.flatMap((shape) => VERSIONS.flatMap((v) => claimsFor(shape, v).unmapped.map((on) => `${shape.sql}: ${on}`)));
    assert.deepEqual([...new Set(unmapped)], []);
  });

  it('entries are complete: a docs link, words, a lock on some role', () => {
    for (const e of LOCK_ENTRIES) {
      assert.match(e.docs, /^https:\/\/www\.postgresql\.org\/docs\/current\/[a-z-]+\.html(#[A-Z0-9-]+)?$/, e.id);
      assert.ok(e.wording.length > 10, e.id);
      assert.ok(Object.keys(e.locks).length > 0, e.id);
    }
  });

  it('version ranges change the mode claimed', () => {
    assert.equal(modeOf(LOCK_TABLE.alterAttachPartition, 'target', 11), 'AccessExclusiveLock');
    assert.equal(modeOf(LOCK_TABLE.alterAttachPartition, 'target', 12), 'ShareUpdateExclusiveLock');
    assert.equal(modeOf(LOCK_TABLE.grant, 'target', 17), undefined);
    assert.equal(modeOf(LOCK_TABLE.grant, 'target', 18), 'AccessShareLock');
    const settings = (v: number) => resolveSettings({ pgVersion: v }).settings;
    const [old] = analyze('ALTER INDEX users_email_idx RENAME TO users_mail_idx', { settings: settings(11) }).facts.statements;
    const [now] = analyze('ALTER INDEX users_email_idx RENAME TO users_mail_idx', { settings: settings(12) }).facts.statements;
    assert.deepEqual([old.locks[0].mode, now.locks[0].mode], ['AccessExclusiveLock', 'ShareUpdateExclusiveLock']);
  });

  it("SET timezone = 'UTC' before timestamp to timestamptz: no rewrite on 12+, where the old type is known", () => {
    const history = 'CREATE TABLE t (id int, at timestamp);\n';
    const last = (sql: string, v = 15) => analyze(history + sql, { settings: resolveSettings({ pgVersion: v }).settings }).facts.statements.at(-1)!;
    const alter = 'ALTER TABLE t ALTER COLUMN at TYPE timestamptz';
    assert.deepEqual(last(`SET timezone = 'UTC';\n${alter}`).rewrites, []);
    assert.deepEqual(last(`SET timezone = 'UTC';\n${alter}`).forms, ['alterColumnTypeUtc']);
    assert.deepEqual(last(`SET TIME ZONE 'Etc/UTC';\n${alter}`).rewrites, []);
    assert.deepEqual(last(`SET timezone = 'UTC';\n${alter}`, 11).rewrites, ['t'], 'before 12 it rewrites');
    assert.deepEqual(last(`SET timezone = 'Europe/Paris';\n${alter}`).rewrites, ['t']);
    assert.deepEqual(last(alter).rewrites, ['t'], "the server's time zone is unknown");
    assert.deepEqual(last(`SET timezone = 'UTC';\nRESET timezone;\n${alter}`).rewrites, ['t']);
    assert.deepEqual(last(`SET LOCAL timezone = 'UTC';\n${alter}`).rewrites, ['t'], 'SET LOCAL outside a transaction block does nothing');
    assert.deepEqual(last(`BEGIN;\nSET LOCAL timezone = 'UTC';\n${alter}`).rewrites, []);
    assert.deepEqual(last(`BEGIN;\nSET LOCAL timezone = 'UTC';\nCOMMIT;\n${alter}`).rewrites, ['t'], 'SET LOCAL ends with the transaction');
    assert.deepEqual(last(`SET timezone = 'UTC';\nALTER TABLE t ALTER COLUMN at TYPE timestamptz USING at + interval '1 hour'`).rewrites, ['t'], 'USING computes new values');
  });

  it('a table emptied earlier in the transaction: the rewrite is said to be quick, the verdict unchanged', () => {
    const last = (sql: string) => analyze(`CREATE TABLE t (id int, n int);\n${sql}`).facts.statements.at(-1)!;
    const alter = 'ALTER TABLE t ALTER COLUMN n TYPE bigint';
    const emptied = (s: { caveats: string[] }) => s.caveats.filter((c) => c.includes('emptied earlier'));
    assert.equal(emptied(last(`BEGIN;\nTRUNCATE t;\n${alter}`)).length, 1);
    assert.deepEqual(last(`BEGIN;\nTRUNCATE t;\n${alter}`).rewrites, ['t']);
    assert.match(emptied(last(`BEGIN;\nDELETE FROM t;\n${alter}`))[0], /other sessions/);
    assert.equal(emptied(last(`BEGIN;\nDELETE FROM t WHERE id = 1;\n${alter}`)).length, 0);
    assert.equal(emptied(last(`BEGIN;\nTRUNCATE t;\nINSERT INTO t VALUES (1, 1);\n${alter}`)).length, 0, 'filled again');
    assert.equal(emptied(last(`BEGIN;\nTRUNCATE t;\nCOMMIT;\n${alter}`)).length, 0, 'another transaction');
  });

  it('REINDEX: the hover and the check JSON never say reads continue (the indexes are ACCESS EXCLUSIVE)', () => {
    for (const sql of ['REINDEX TABLE users', 'REINDEX INDEX users_email_idx', 'CREATE TABLE users (id int PRIMARY KEY);\nREINDEX TABLE users']) {
      const s = analyze(sql).facts.statements.at(-1)!;
      for (const words of [describeStatement(s), lockInWords(s)!]) {
        assert.doesNotMatch(words, /reads continue/, `${sql}: ${words}`);
        assert.match(words, /reads/, sql);
      }
    }
    const [described] = analyze('REINDEX TABLE users').facts.statements;
    assert.deepEqual(described.implicitLocks, [{ on: "the table's indexes", mode: 'AccessExclusiveLock' }]);
    const known = analyze('CREATE TABLE users (id int PRIMARY KEY, e text);\nCREATE INDEX users_e_idx ON users (e);\nREINDEX TABLE users').facts.statements.at(-1)!;
    assert.deepEqual(known.locks.map((l) => `${l.relation} ${l.mode}`), ['users ShareLock', 'users_pkey AccessExclusiveLock', 'users_e_idx AccessExclusiveLock']);
    // A plain CREATE INDEX still lets reads continue.
    assert.match(describeStatement(analyze('CREATE INDEX i ON users (e)').facts.statements[0]), /reads continue/);
  });

  it('the facts name the entries they read', () => {
    const forms = (sql: string) => analyze(sql).facts.statements.map((s) => s.forms);
    assert.deepEqual(forms('REINDEX TABLE users; ALTER TABLE users ADD COLUMN c int, ALTER COLUMN d SET NOT NULL'), [['reindexTable'], ['alterAddColumn', 'alterSetNotNull']]);
    assert.deepEqual(forms('CREATE INDEX CONCURRENTLY i ON t (c)'), [['createIndexConcurrently']]);
  });
});
