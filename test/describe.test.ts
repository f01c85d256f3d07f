/**
 * The words users read (hover, CodeLens, explain): the lock that other sessions meet leads, even
 * when an earlier statement of the same transaction took it; headings are SQL, never the
 * parser's node names.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { describeStatement, lensTitle, shortForm } from '../server/src/engine/describe';
import { resolveSettings } from '../server/src/engine/settings';

const settings = resolveSettings({}).settings;
const SAME_TABLE = `BEGIN;
ALTER TABLE users ADD COLUMN x int;
CREATE INDEX users_x_idx ON users (x);
COMMIT;
`;

describe('hover and CodeLens words', () => {
  before(loadParser);

  it('CREATE INDEX after ALTER TABLE in one transaction: ACCESS EXCLUSIVE (held since the ALTER) leads, SHARE is the detail', () => {
    const a = analyze(SAME_TABLE, { settings });
    const index = a.facts.statements[2];
    assert.deepEqual(index.locks.map((l) => [l.relation, l.mode, l.alreadyHeld]), [['users', 'ShareLock', { mode: 'AccessExclusiveLock', since: 1 }]]);
    const hover = describeStatement(index, a.lines, a.facts);
    assert.match(hover, /^- \*\*ACCESS EXCLUSIVE\*\* on `users` \(table\), held by the transaction since line 2: blocks reads and writes .*The statement itself asks for SHARE\.$/m);
    assert.doesNotMatch(hover, /reads continue/);
    assert.equal(shortForm(index), 'ACCESS EXCLUSIVE users (held) · full scan');
  });

  it("outside a transaction the statement's own lock is the whole story", () => {
    const a = analyze('ALTER TABLE users ADD COLUMN x int;\nCREATE INDEX users_x_idx ON users (x);\n', { settings });
    assert.equal(a.facts.statements[1].locks[0].alreadyHeld, undefined);
    assert.equal(shortForm(a.facts.statements[1]), 'SHARE users · full scan');
  });

  it('headings are the SQL, never the parser\'s node names', () => {
    const a = analyze(SAME_TABLE, { settings });
    const words = a.facts.statements.map((s) => describeStatement(s, a.lines, a.facts)).join('\n');
    assert.doesNotMatch(words, /Stmt\b/);
    assert.match(words, /^\*\*`CREATE INDEX users_x_idx ON users \(x\)`\*\*$/m);
    assert.match(words, /^Opens a transaction block/m);
  });

  it('heldAfter is a fact: the transaction\'s locks after each statement, none after COMMIT', () => {
    const a = analyze(SAME_TABLE, { settings });
    assert.deepEqual(a.facts.statements.map((s) => s.heldAfter.map((l) => `${l.mode} ${l.relation}`)), [[], ['AccessExclusiveLock users'], ['AccessExclusiveLock users'], []]);
  });

  it('a CodeLens only where the lock is worth a glance, never wider than the editor', () => {
    const lens = (sql: string) => analyze(sql, { settings }).facts.statements.map(lensTitle);
    // An instant metadata change on its own: no lens. The same held until COMMIT: a lens.
    assert.deepEqual(lens("ALTER TABLE users ADD COLUMN note text;\nALTER TABLE users ALTER COLUMN note SET DEFAULT 'x';"), ['', '']);
    assert.deepEqual(lens('BEGIN;\nALTER TABLE users ADD COLUMN note text;\nCOMMIT;'), ['', 'ACCESS EXCLUSIVE users', '']);
    // A rewrite or a scan: always.
    assert.deepEqual(lens('ALTER TABLE users ALTER COLUMN id TYPE bigint;\nCREATE INDEX i ON users (email);'), ['ACCESS EXCLUSIVE users · rewrite', 'SHARE users · full scan']);
    const names = Array.from({ length: 12 }, (_, i) => `table_with_a_long_name_${i}`);
    const wide = lens(`BEGIN;\n${names.map((n) => `ALTER TABLE ${n} ADD COLUMN c int;`).join('\n')}\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nCOMMIT;`);
    const last = wide[wide.length - 2];
    assert.ok(last.length <= 90 && last.endsWith(' …'), last);
  });

  it('timeouts set by the runner or the role are in force from the first statement, and the hover says where from', () => {
    const a = analyze('ALTER TABLE users ALTER COLUMN id TYPE bigint;', { settings: resolveSettings({ timeoutsInForce: true, lockTimeout: '3s' }).settings });
    assert.equal(a.facts.statements[0].lockTimeout, '3s');
    assert.match(describeStatement(a.facts.statements[0], a.lines, a.facts), /lock_timeout: 3s · statement_timeout: 30min \(in force from the start: set by the runner or the role, setting timeoutsInForce\)/);
    assert.deepEqual(a.findings.filter((f) => f.rule === 'require-timeouts'), []);
  });
});
