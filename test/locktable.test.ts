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

  it('the facts name the entries they read', () => {
    const forms = (sql: string) => analyze(sql).facts.statements.map((s) => s.forms);
    assert.deepEqual(forms('REINDEX TABLE users; ALTER TABLE users ADD COLUMN c int, ALTER COLUMN d SET NOT NULL'), [['reindexTable'], ['alterAddColumn', 'alterSetNotNull']]);
    assert.deepEqual(forms('CREATE INDEX CONCURRENTLY i ON t (c)'), [['createIndexConcurrently']]);
  });
});
