/**
 * The production checklist's automatic items, decided from the migration's own facts: a safe
 * migration passes them, each unsafe pattern fails its item with the line as evidence, and the
 * manual items wait for their answers. Database evidence is fed as data here; the probes that
 * gather it are tested against a real server in checklist.pg.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { buildChecklist, checklistMarkdown, ChecklistInput, DatabaseEvidence, ItemState } from '../server/src/engine/checklist';
import { resolveSettings } from '../server/src/engine/settings';

before(loadParser);

const settings = resolveSettings({}).settings;
const PRIOR = analyze('CREATE TABLE users (id bigint PRIMARY KEY, email text, n int);\nCREATE TABLE orders (id bigint PRIMARY KEY, total int);', { settings }).facts.catalogAfter;

function states(sql: string, input: ChecklistInput = {}, path = 'migrations/002_x.sql'): Record<string, { state: ItemState; evidence: string }> {
  const c = buildChecklist(path, analyze(sql, { settings, path, prior: PRIOR }), input);
  return Object.fromEntries(c.items.map((i) => [i.id, { state: i.state, evidence: i.evidence.join('\n') }]));
}

const SAFE = `SET lock_timeout = '5s';
SET statement_timeout = '30min';
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;
`;

describe('checklist: automatic items from the migration', () => {
  it('passes every automatic item of a safe migration', () => {
    const s = states(SAFE);
    for (const id of ['timeouts', 'findings', 'roll-forward', 'backfills', 'concurrently']) assert.equal(s[id].state, 'passed', `${id}: ${s[id].evidence}`);
    assert.match(s.timeouts.evidence, /lock_timeout = 5s and statement_timeout = 30min in force at the first lock-taking statement \(line 3\)/);
    assert.match(s.concurrently.evidence, /1 CONCURRENTLY statements, each outside a transaction/);
  });

  it('fails timeouts when they come after the first lock, naming what is missing', () => {
    const s = states("CREATE INDEX CONCURRENTLY i ON users (email);\nSET lock_timeout = '5s';");
    assert.equal(s.timeouts.state, 'failed');
    assert.match(s.timeouts.evidence, /lock_timeout and statement_timeout not set before the first lock-taking statement \(line 1/);
  });

  it('fails findings on an error, and on an ignore comment without a reason; passes one with a reason', () => {
    assert.equal(states(`${SAFE}CREATE INDEX users_n_idx ON users (n);`).findings.state, 'failed');
    const bare = states(`${SAFE}-- migration-guard-ignore require-concurrent-index\nCREATE INDEX users_n_idx ON users (n);`).findings;
    assert.equal(bare.state, 'failed');
    assert.match(bare.evidence, /line 7: require-concurrent-index ignored without a reason/);
    const explained = states(`${SAFE}-- migration-guard-ignore require-concurrent-index -- users has 40 rows, lookup table\nCREATE INDEX users_n_idx ON users (n);`).findings;
    assert.equal(explained.state, 'passed', explained.evidence);
    assert.match(explained.evidence, /require-concurrent-index ignored: users has 40 rows, lookup table/);
  });

  it('asks for a roll-forward note on each destructive change', () => {
    const s = states(`${SAFE}ALTER TABLE users DROP COLUMN n;\nALTER TABLE orders RENAME TO purchases;`);
    assert.equal(s['roll-forward'].state, 'failed');
    assert.match(s['roll-forward'].evidence, /line 6: DROP COLUMN users.n: no roll-forward note/);
    assert.match(s['roll-forward'].evidence, /line 7: RENAME on orders: no roll-forward note/);
    const noted = states(`${SAFE}-- Roll forward: re-add users.n nullable and backfill from the audit log.\nALTER TABLE users DROP COLUMN n;`);
    assert.equal(noted['roll-forward'].state, 'passed', noted['roll-forward'].evidence);
  });

  it('fails an unbatched backfill and CONCURRENTLY inside the tool transaction', () => {
    assert.equal(states(`${SAFE}UPDATE users SET email = lower(email);`).backfills.state, 'failed');
    const s = states("SET lock_timeout = '5s';\nSET statement_timeout = '5min';\nBEGIN;\nCREATE INDEX CONCURRENTLY users_n_idx ON users (n);\nCOMMIT;");
    assert.equal(s.concurrently.state, 'failed');
    assert.match(s.concurrently.evidence, /line 4: CREATE INDEX.* runs inside a transaction: PostgreSQL refuses it/);
  });

  it('leaves manual items to a person, and takes their answers', () => {
    const s = states(SAFE);
    for (const id of ['staging-mirror', 'backups', 'off-peak', 'monitoring']) assert.equal(s[id].state, 'needs-you');
    assert.match(s.monitoring.evidence, /pg_blocking_pids/);
    const answered = states(SAFE, { answers: { stagingTested: true, backupsVerified: true, offPeakWindow: 'Sunday 03:00 UTC', monitoringOpen: true } });
    for (const id of ['staging-mirror', 'backups', 'off-peak', 'monitoring']) assert.equal(answered[id].state, 'passed');
    assert.match(answered['off-peak'].evidence, /Sunday 03:00 UTC/);
  });

  it('fails the staging item when a trace raised errors', () => {
    const s = states(SAFE, { answers: { stagingTested: true }, trace: { target: 'PGlite (embedded)', statements: 4, errors: 1, differences: 0, verified: 3, notVerified: 2, durationMs: 12 } });
    assert.equal(s['staging-mirror'].state, 'failed');
    assert.match(s['staging-mirror'].evidence, /Lock trace on PGlite \(embedded\): 3 verified, 0 differing from the prediction, 2 not verified \(1 failed, 1 not run\) \(12 ms\)/);
  });
});

describe('checklist: database evidence', () => {
  const evidence = (over: Partial<DatabaseEvidence>): DatabaseEvidence => ({
    target: 'db:5432/app as deploy',
    version: 'PostgreSQL 15.18',
    archiveMode: 'on',
    archiver: { archivedCount: 10, lastArchivedTime: '2026-11-28T00:00:00.000Z', failedCount: 0 },
    activity: [{ state: 'active', count: 3 }],
    tables: [{ relation: 'users', exists: true, rows: 50_000_000, bytes: 8 * 1024 ** 3 }],
    locks: [],
    longTransactions: [],
    ...over,
  });
  const REWRITE = "SET lock_timeout = '5s';\nSET statement_timeout = '30min';\nALTER TABLE users ALTER COLUMN n TYPE bigint;";

  it('estimates the rewrite of a large table and asks a person to look', () => {
    const s = states(REWRITE, { database: evidence({}) });
    assert.equal(s['table-sizes'].state, 'needs-you');
    assert.match(s['table-sizes'].evidence, /users: ~50,000,000 rows, 8\.0 GB; rewritten under ACCESS EXCLUSIVE: ~3 min at an assumed 50\.0 MB\/s/);
    assert.equal(states(REWRITE)['table-sizes'].state, 'not-checked');
  });

  it('fails when another session holds a conflicting lock, naming the pid', () => {
    const s = states(REWRITE, { database: evidence({ locks: [{ pid: 4242, relation: 'users', mode: 'AccessShareLock', granted: true, state: 'idle in transaction', xactSeconds: 600, query: 'SELECT * FROM users' }] }) });
    assert.equal(s.blockers.state, 'failed');
    assert.match(s.blockers.evidence, /pid 4242 \(idle in transaction, transaction open ~10 min\) holds ACCESS SHARE on users, which conflicts with the migration's ACCESS EXCLUSIVE/);
    const harmless = states("SET lock_timeout = '5s';\nSET statement_timeout = '1min';\nCREATE INDEX CONCURRENTLY i ON users (n);", { database: evidence({ locks: [{ pid: 1, relation: 'users', mode: 'RowExclusiveLock', granted: true, state: 'active', query: 'UPDATE users' }] }) });
    assert.equal(harmless.blockers.state, 'passed', harmless.blockers.evidence);
  });

  it('fails backups when archiving is off or its last attempt failed', () => {
    assert.equal(states(SAFE, { answers: { backupsVerified: true }, database: evidence({ archiveMode: 'off' }) }).backups.state, 'failed');
    const failing = evidence({ archiver: { archivedCount: 3, lastArchivedTime: '2026-11-27T00:00:00.000Z', failedCount: 2, lastFailedTime: '2026-11-28T00:00:00.000Z' } });
    assert.match(states(SAFE, { database: failing }).backups.evidence, /The last archiving attempt failed/);
  });

  it('writes a Markdown report with a row per item', () => {
    const path = 'migrations/002_x.sql';
    const c = buildChecklist(path, analyze(REWRITE, { settings, path, prior: PRIOR }), { database: evidence({}) });
    const md = checklistMarkdown(c, '2026-11-28T00:00:00Z', { database: evidence({}) });
    assert.match(md, /^# Production checklist: `migrations\/002_x.sql`/);
    assert.match(md, /with evidence from db:5432\/app as deploy \(PostgreSQL 15.18\)/);
    assert.equal(md.split('\n').filter((l) => /^\| \d+ \|/.test(l)).length, c.items.length);
    assert.match(md, /\| 2 \| lock_timeout and statement_timeout set \| ✅ passed \|/);
  });
});
