/**
 * The lock facts, proven on real PostgreSQL (STYLE.md §6): every shape of test/pg/shapes.ts runs
 * on PGlite (PostgreSQL 18, WebAssembly) and on Debian's PostgreSQL server, and what `pg_locks`,
 * `relfilenode` and `seq_scan` show must equal what the engine claims. The results are the table
 * in docs/locks.md: a stale table fails the test (`UPDATE_LOCK_DOCS=1 npm test` rewrites it).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadParser } from '../server/src/engine/analyze';
import { lockName } from '../server/src/engine/locks';
import { LOCK_ENTRIES, LockEntry, Role, Work } from '../server/src/engine/locktable';
import { prove, ShapeResult } from './pg/prove';
import { debianBinaries, Server, startDebianServer, startPglite } from './pg/servers';
import { SETUP, SHAPES } from './pg/shapes';

const root = path.join(__dirname, '..', '..');
const LOCKS_DOC = path.join(root, 'docs', 'locks.md');
const results = new Map<string, ShapeResult[]>();
const versions = new Map<string, number>();

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');

function proveOn(name: string, start: () => Promise<Server>, skip: string | false) {
  describe(`lock facts on ${name}`, { skip, timeout: 600_000 }, () => {
    let server: Server;
    before(async () => {
      await loadParser();
      server = await start();
      versions.set(name, server.major);
      await server.session.exec(SETUP);
      if (server.tablespaceDir) await server.session.query(`CREATE TABLESPACE guard_space LOCATION '${server.tablespaceDir}'`);
      results.set(name, []);
    });
    after(() => server?.stop());
    for (const shape of SHAPES) {
      it(`${shape.prelude ? `${shape.prelude}; ` : ''}${shape.sql}${shape.history ? ' (with history)' : ''}`, async (t) => {
        const result = await prove(server, shape);
        results.get(name)!.push(result);
        if (result.status === 'skipped') t.skip(result.observed);
        assert.deepEqual(result.problems, [], `claimed: ${result.claimed}\nobserved: ${result.observed}`);
      });
    }
  });
}

proveOn('PGlite', startPglite, false);
proveOn('Debian server', startDebianServer, noDebian);

function cell(r: ShapeResult | undefined): string {
  if (!r) return 'not run';
  if (r.status === 'skipped') return `— ${r.observed}`;
  const mark = r.status === 'proven' ? '✓' : '✗';
  return `${mark} ${r.observed}`;
}

/** How docs/locks.md names a role of an entry. */
const ROLE_WORDS: Record<Role, string> = {
  target: 'the relation named',
  indexTable: "the index's table",
  partitionIndexTable: "the partition index's table",
  tableIndexes: "each of the table's indexes",
  referenced: 'the referenced table',
  fksReferenced: 'tables its foreign keys reference',
  fksReferencing: 'tables whose foreign keys reference the column',
  partition: 'the partition',
  parent: 'the parent table',
  viewSources: 'tables the view reads',
  read: 'each relation read',
};

const workWords = (w: Work | undefined) => (w === undefined ? 'no' : w === true ? 'yes' : `when: ${w.when}`);

/** One row of the lock table (server/src/engine/locktable.ts), with the shapes that prove it on each server. */
function entryRow(e: LockEntry, servers: string[]): string {
  const esc = (t: string) => t.replace(/\|/g, '\\|');
  const locks = Object.entries(e.locks).map(([role, mode]) => `${lockName(mode!)} on ${ROLE_WORDS[role as Role]}`).join('; ');
  const versions = [
    e.since ? `since PostgreSQL ${e.since}` : '',
    ...(e.versions ?? []).map((v) => `before ${v.before}: ${Object.entries(v.locks).map(([role, mode]) => `${mode ? lockName(mode) : 'no lock'} on ${ROLE_WORDS[role as Role]}`).join('; ')}`),
  ].filter(Boolean).join('; ') || 'all';
  const proofs = servers.map((s) => {
    const rs = results.get(s)!.filter((r) => r.forms.includes(e.id));
    if (e.unprovable) return `— ${e.unprovable}`;
    return `${rs.filter((r) => r.status === 'proven').length} of ${rs.length} proven`;
  });
  return `| ${esc(e.form)} | ${esc(locks)} | ${esc(workWords(e.rewrites))} | ${esc(workWords(e.scans))}${e.scansAlso ? `; ${e.scansAlso.map((r) => ROLE_WORDS[r]).join(', ')} read in full` : ''} | ${versions} | ${esc(e.wording)} | ${proofs.map(esc).join(' | ')} | [docs](${e.docs}) |`;
}

function lockDoc(): string {
  const servers = [...results.keys()];
  const header = servers.map((s) => `${s} (PostgreSQL ${versions.get(s)})`);
  const lines = SHAPES.map((shape, i) => {
    const esc = (t: string) => t.replace(/\|/g, '\\|');
    // Claims depend on the version (pgVersion); show each distinct one with its version.
    const claims = [...new Map(servers.map((s) => [results.get(s)![i].claimed, versions.get(s)])).entries()];
    const claimed = claims.length === 1 ? claims[0][0] : claims.map(([c, v]) => `${v}: ${c}`).join(' · ');
    const forms = [...new Set(servers.flatMap((s) => results.get(s)![i].forms))].join(', ');
    return `| \`${esc(shape.prelude ? `${shape.prelude}; ${shape.sql}` : shape.sql)}\`${shape.history ? " (after the migration that created it)" : ""} | ${forms} | ${esc(claimed)} | ${servers.map((s) => esc(cell(results.get(s)![i]))).join(' | ')} | [docs](${shape.docs}) |`;
  });
  const counts = servers.map((s) => `${s}: ${results.get(s)!.filter((r) => r.status === 'proven').length} of ${SHAPES.length} shapes proven`);
  return `<!-- Generated by test/locks.pg.test.ts: UPDATE_LOCK_DOCS=1 npm test. Do not edit. -->
# Lock facts, proven on real PostgreSQL

Every row is a statement Migration Guard knows. "Claimed" is what the engine says (the same facts the
hover, \`explain\` and the rules read); each server column is what that server did when the
test suite ran the statement inside \`BEGIN ... ROLLBACK\`: the locks \`pg_locks\` showed for the
session on the test schema's relations, whether \`pg_class.relfilenode\` changed (the table got
new storage: a rewrite), and whether \`pg_stat_xact_all_tables.seq_scan\` moved (a full read).
Statements that cannot run in a transaction block (CONCURRENTLY, VACUUM) were run by a second
session while the first held, on one relation at a time, the weakest lock that conflicts with the
claimed one: the row shows the mode the statement queued for on each (PGlite has one connection,
so it cannot show them). Any difference fails the test suite.

${counts.join(' · ')}.

## The lock table

One row per statement form, generated from \`server/src/engine/locktable.ts\`: the facts, the
hover and \`explain\` read these entries, and each is proven by the shapes below whose statement
is that form (the "entry" column). An entry no shape can prove says why.

| form | locks | rewrites | scans (of the relation named) | versions | in words | ${servers.map((s) => `proofs on ${s}`).join(' | ')} | source |
| --- | --- | --- | --- | --- | --- | ${servers.map(() => '---').join(' | ')} | --- |
${LOCK_ENTRIES.map((e) => entryRow(e, servers)).join('\n')}

## The proofs

Locks on indexes are shown where the statement names the index. "Scans" is a full read of the
table while the lock is held; the lock mode says what waits meanwhile (see
[Explicit Locking](https://www.postgresql.org/docs/current/explicit-locking.html)).

| statement | entry | claimed | ${header.join(' | ')} | source |
| --- | --- | --- | ${servers.map(() => '---').join(' | ')} | --- |
${lines.join('\n')}
`;
}

describe('docs/locks.md', () => {
  it('is the table of the results above', (t) => {
    if (results.size < 2) {
      t.skip('needs both servers');
      return;
    }
    const doc = lockDoc();
    if (process.env.UPDATE_LOCK_DOCS) fs.writeFileSync(LOCKS_DOC, doc);
    assert.equal(fs.existsSync(LOCKS_DOC) ? fs.readFileSync(LOCKS_DOC, 'utf8') : '', doc, 'docs/locks.md is stale: UPDATE_LOCK_DOCS=1 npm test');
  });
});
