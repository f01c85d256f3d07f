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
import { IndexEvidence, workloadHover } from '../server/src/engine/impact';
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

describe('checklist: workload, query plans and preflight from database evidence', () => {
  const base = (over: Partial<DatabaseEvidence>): DatabaseEvidence => ({
    target: 'db:5432/app as deploy',
    version: 'PostgreSQL 15.18',
    activity: [],
    tables: [
      { relation: 'users', exists: true, rows: 1_000_000, bytes: 500 * 1024 ** 2, schema: 'public', name: 'users', xidAge: 1000 },
      { relation: 'orders', exists: true, rows: 10_000, bytes: 10 * 1024 ** 2, schema: 'public', name: 'orders', xidAge: 1000 },
    ],
    locks: [],
    longTransactions: [],
    workload: {
      since: '2026-11-28T00:00:00.000Z',
      sinceWhat: 'reset',
      seconds: 1000,
      hidden: 0,
      queries: [
        { query: 'INSERT INTO orders (id, total) VALUES ($1, $2)', calls: 420_000, meanMs: 0.2 },
        { query: 'UPDATE orders SET total = $1 WHERE id = $2', calls: 780_000, meanMs: 0.3 },
        { query: 'SELECT id, total FROM orders WHERE id = $1', calls: 2_000_000, meanMs: 0.05 },
        { query: 'SELECT * FROM users WHERE email = $1 ORDER BY id', calls: 50_000, meanMs: 1.5 },
        { query: 'SELECT id FROM users WHERE id = $1 FOR UPDATE', calls: 1000, meanMs: 0.1 },
        { query: 'CREATE INDEX x ON users (n)', calls: 1, meanMs: 900 },
      ],
    },
    indexes: [
      { name: 'users_email_idx', table: 'users', columns: ['email'], referenced: ['email'], method: 'btree', unique: false, primary: false, valid: true, partial: false, definition: 'CREATE INDEX users_email_idx ON public.users USING btree (email)', scans: 3_100_000, bytes: 1 },
      { name: 'users_n_idx', table: 'users', columns: ['n'], referenced: ['n'], method: 'btree', unique: false, primary: false, valid: true, partial: false, definition: 'CREATE INDEX users_n_idx ON public.users USING btree (n)', scans: 0, bytes: 1 },
      { name: 'users_email_key', table: 'users', columns: ['email'], referenced: ['email'], method: 'btree', unique: true, primary: false, valid: true, partial: false, definition: 'CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)', scans: 12, bytes: 1, constraint: 'users_email_key' },
      { name: 'users_lower_email_idx', table: 'users', columns: ['lower(email)'], referenced: ['email'], method: 'btree', unique: false, primary: false, valid: true, partial: false, definition: 'CREATE INDEX users_lower_email_idx ON public.users USING btree (lower(email))', scans: 5, bytes: 1 },
      { name: 'orders_pkey', table: 'orders', columns: ['id'], referenced: ['id'], method: 'btree', unique: true, primary: true, valid: true, partial: false, definition: 'CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)', scans: 9, bytes: 1, constraint: 'orders_pkey' },
    ],
    vacuums: [],
    freezeMaxAge: 200_000_000,
    prepared: [],
    replication: { inRecovery: false, standbys: [], slots: [] },
    databaseBytes: 10 * 1024 ** 3,
    connection: { port: 5432, serverPort: 5432, configuredPort: 5432, applicationName: 'migration-guard', sentApplicationName: 'migration-guard', backendChanged: false, poolMode: { error: 'unrecognized configuration parameter "pool_mode"', code: '42704' } },
    ...over,
  });
  const T = "SET lock_timeout = '3s';\nSET statement_timeout = '1min';\n";

  it('counts the queries a lock blocks, by the mode each query takes, and how many queue during lock_timeout', () => {
    const s = states(`${T}ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_total_idx ON orders (total);`, { database: base({}) });
    assert.equal(s.workload.state, 'needs-you', s.workload.evidence);
    // ACCESS EXCLUSIVE: 420 + 780 + 2,000 per second, everything queues for 3 s (adding a column is instant).
    assert.match(s.workload.evidence, /line 3: ALTER TABLE orders: ACCESS EXCLUSIVE on orders blocks reads and writes: 3 of 3 recorded queries, ~3,200\/s: SELECT id, total FROM orders WHERE id = \$1 \(2,000\/s, mean 0\.05 ms\); UPDATE orders SET total = \$1 WHERE id = \$2 \(780\/s, mean 0\.30 ms\); INSERT INTO orders \(id, total\) VALUES \(\$1, \$2\) \(420\/s, mean 0\.20 ms\)\. Up to ~9,600 would queue: 3,200\/s × \(lock_timeout 3s \+ held briefly\)\./);
    // SHARE (CREATE INDEX): writes only, for the wait and the scan of 10 MB at 200 MB/s.
    assert.match(s.workload.evidence, /line 4: CREATE INDEX orders_total_idx: SHARE on orders blocks writes: 2 of 3 recorded queries, ~1,200\/s: UPDATE .*; INSERT .*\. Up to ~3,660 would queue: 1,200\/s × \(lock_timeout 3s \+ held briefly\)\./);
    const hover = workloadHover(analyze(`${T}CREATE INDEX orders_total_idx ON orders (total);`, { settings, prior: PRIOR }).facts.statements[2], analyze(`${T}CREATE INDEX orders_total_idx ON orders (total);`, { settings, prior: PRIOR }).facts, base({}));
    assert.match(hover!, /^Blocks ~1,200 writes\/s to orders: UPDATE orders SET total = \$1 \.\.\. \(780\/s\), INSERT INTO orders \(id, total\) \.\.\. \(420\/s\)\.\n\n_pg_stat_statements on db:5432\/app as deploy, since 2026-11-28T00:00:00\.000Z, as of the last checklist run\._$/);
    // SELECT ... FOR UPDATE takes ROW SHARE: EXCLUSIVE blocks it, SHARE does not.
    const share = states(`${T}CREATE INDEX users_x_idx ON users (n);`, { database: base({}) }).workload.evidence;
    assert.match(share, /SHARE on users blocks none of the 2 recorded queries on it/);
  });

  it('fails without lock_timeout: the queue has no bound, behind the oldest conflicting transaction', () => {
    const s = states('ALTER TABLE orders ADD COLUMN note text;', {
      database: base({ locks: [{ pid: 77, relation: 'orders', mode: 'AccessShareLock', granted: true, state: 'idle in transaction', xactSeconds: 300, querySeconds: 290, query: 'SELECT * FROM orders' }] }),
    });
    assert.equal(s.workload.state, 'failed');
    assert.match(s.workload.evidence, /No lock_timeout: while it waits for a conflicting transaction \(pid 77's, open ~5 min now\), every one of them queues, without a bound\./);
    assert.match(s.workload.evidence, /orders now: longest transaction pid 77 \(idle in transaction\), open ~5 min: SELECT \* FROM orders\./);
  });

  it('says why there is no workload, and is not checked without a database', () => {
    const s = states(`${T}ALTER TABLE orders ADD COLUMN note text;`, { database: base({ workload: { unavailable: 'pg_stat_statements is not installed in this database: ...' } }) });
    assert.equal(s.workload.state, 'not-checked');
    assert.match(s.workload.evidence, /pg_stat_statements is not installed in this database/);
    const none = states(`${T}ALTER TABLE orders ADD COLUMN note text;\nDROP INDEX users_email_idx;`);
    for (const id of ['workload', 'query-plans', 'vacuum', 'prepared-transactions', 'replication', 'pooler']) assert.equal(none[id].state, 'not-checked', id);
    assert.match(none['query-plans'].evidence, /line 4: DROP INDEX users_email_idx\. Connect a database/);
  });

  it('flags a used index dropped with idx_scan and the queries on its leading column; an unused one is safe; a unique constraint keeps its warning', () => {
    const s = states(`${T}DROP INDEX users_email_idx;\nDROP INDEX users_n_idx;\nALTER TABLE users DROP CONSTRAINT users_email_key;`, { database: base({}) });
    const plans = s['query-plans'];
    // Both indexes on email go: nothing is left for the queries on email.
    assert.equal(plans.state, 'failed', plans.evidence);
    assert.match(plans.evidence, /line 3: DROP INDEX users_email_idx: users_email_idx on users \(email\) goes: used 3,100,000 times since statistics began \(never reset\)\. Queries that filter or sort on email will be planned again: SELECT \* FROM users WHERE email = \$1 ORDER BY id \(50\/s\)\.$/m);
    assert.match(plans.evidence, /line 4: DROP INDEX users_n_idx: users_n_idx on users \(n\) goes: never used .* \(idx_scan 0\): safe to drop for reads\./);
    assert.match(plans.evidence, /line 5: DROP CONSTRAINT users_email_key on users: users_email_key on users \(email\) goes: used 12 times.* It enforces uniqueness: without it duplicates can be written\./);
    // With the unique index on email kept, the planner has another index for those queries.
    const kept = states(`${T}DROP INDEX users_email_idx;`, { database: base({}) })['query-plans'];
    assert.equal(kept.state, 'needs-you');
    assert.match(kept.evidence, /users_email_key \(email\) also leads with email: the planner can use it instead\./);
    const alone = states(`${T}DROP INDEX users_email_idx;`, { database: base({ indexes: (base({}).indexes as IndexEvidence[]).filter((i) => i.name !== 'users_email_key') }) })['query-plans'];
    assert.equal(alone.state, 'failed');
    // A type change rebuilds the indexes on the column, expression indexes included.
    assert.match(states(`${T}ALTER TABLE users ALTER COLUMN email TYPE varchar(100);`, { database: base({}) })['query-plans'].evidence, /users_lower_email_idx on users \(lower\(email\)\) is rebuilt: used 5 times/);
  });

  it('compares a new index with the existing ones: duplicate, prefix, a replacement dropped later, an invalid leftover', () => {
    const dup = states(`${T}CREATE INDEX CONCURRENTLY users_email2_idx ON users (email);\nCREATE INDEX CONCURRENTLY users_lower2_idx ON users (LOWER( email ));`, { database: base({}) })['new-indexes'];
    assert.equal(dup.state, 'failed', dup.evidence);
    assert.match(dup.evidence, /line 3: users_email2_idx on users duplicates users_email_idx \(CREATE INDEX users_email_idx ON public\.users USING btree \(email\)\)/);
    assert.match(dup.evidence, /line 4: users_lower2_idx on users duplicates users_lower_email_idx/);
    const swap = states(`${T}CREATE INDEX CONCURRENTLY users_lower_email_n_idx ON users (lower(email), n);\nDROP INDEX CONCURRENTLY users_lower_email_idx;`, { database: base({}) });
    assert.equal(swap['new-indexes'].state, 'passed', swap['new-indexes'].evidence);
    assert.match(swap['new-indexes'].evidence, /replaces users_lower_email_idx \(lower\(email\)\), dropped at line 4/);
    assert.equal(swap['query-plans'].state, 'needs-you');
    assert.match(swap['query-plans'].evidence, /users_lower_email_n_idx, created at line 3, also leads with lower\(email\)/);
    const invalid = base({ indexes: [{ name: 'orders_total_idx', table: 'orders', columns: ['total'], referenced: ['total'], method: 'btree', unique: false, primary: false, valid: false, partial: false, definition: '', scans: 0, bytes: 1 }] });
    const left = states(`${T}CREATE INDEX CONCURRENTLY orders_total2_idx ON orders (total);`, { database: invalid })['new-indexes'];
    assert.equal(left.state, 'failed');
    assert.match(left.evidence, /orders_total_idx on orders is INVALID .* DROP INDEX CONCURRENTLY orders_total_idx; before retrying/);
  });

  it('asks for ANALYZE after an expression index or a type change, and passes when the migration runs it', () => {
    const s = states(`${T}CREATE INDEX CONCURRENTLY users_lower_idx ON users (lower(email));`);
    assert.equal(s.analyze.state, 'failed');
    assert.match(s.analyze.evidence, /line 3: no statistics for the expression of users_lower_idx until ANALYZE users/);
    assert.equal(states(`${T}CREATE INDEX CONCURRENTLY users_lower_idx ON users (lower(email));\nANALYZE users;`).analyze.state, 'passed');
  });

  it('fails on an anti-wraparound vacuum of a locked table; a hidden query text or an old relfrozenxid needs a look', () => {
    const vacuum = (query: string) => base({ vacuums: [{ pid: 9, relation: 'orders', phase: 'scanning heap', backendType: 'autovacuum worker', query }] });
    const wrap = states(`${T}ALTER TABLE orders ADD COLUMN note text;`, { database: vacuum('autovacuum: VACUUM public.orders (to prevent wraparound)') }).vacuum;
    assert.equal(wrap.state, 'failed');
    assert.match(wrap.evidence, /pid 9 \(autovacuum worker\) is vacuuming orders to prevent wraparound \(scanning heap\): it does not give way/);
    assert.equal(states(`${T}ALTER TABLE orders ADD COLUMN note text;`, { database: vacuum('autovacuum: VACUUM public.orders') }).vacuum.state, 'passed');
    assert.equal(states(`${T}ALTER TABLE orders ADD COLUMN note text;`, { database: vacuum('<insufficient privilege>') }).vacuum.state, 'needs-you');
    const old = base({ tables: [{ relation: 'orders', exists: true, bytes: 1, schema: 'public', name: 'orders', xidAge: 190_000_000 }] });
    assert.match(states(`${T}ALTER TABLE orders ADD COLUMN note text;`, { database: old }).vacuum.evidence, /orders: age\(relfrozenxid\) 190,000,000 is 95% of autovacuum_freeze_max_age \(200,000,000\): an anti-wraparound vacuum starts soon/);
  });

  it('weighs a rewrite against standbys, slots and the database size', () => {
    const db = base({ replication: { inRecovery: false, standbys: [{ name: 'replica1', state: 'streaming', replayLagSeconds: 42, lagBytes: 1024 ** 2 }], slots: [{ name: 'cdc', type: 'logical', active: false, retainedBytes: 5 * 1024 ** 3 }] } });
    const s = states(`${T}ALTER TABLE users ALTER COLUMN n TYPE bigint;`, { database: db });
    assert.equal(s.replication.state, 'needs-you');
    assert.match(s.replication.evidence, /The migration writes ~500\.0 MB of table and index data \(estimate\)/);
    assert.match(s.replication.evidence, /Standby replica1: streaming, replay lag 42\.0 s, 1\.0 MB behind\./);
    assert.match(s.replication.evidence, /Slot cdc \(logical\) is INACTIVE, retaining 5\.0 GB of WAL/);
    assert.equal(s['disk-space'].state, 'passed');
    assert.match(s['disk-space'].evidence, /Estimate: ~500\.0 MB of new files and about as much WAL, .* against a database of 10\.0 GB\. PostgreSQL does not report free disk space: check that the volume has at least ~1000\.0 MB free\./);
    assert.equal(states(`${T}ALTER TABLE users ADD COLUMN note text;`, { database: db }).replication.state, 'passed');
  });

  it('fails plain SET timeouts behind a transaction-mode pooler', () => {
    const pooled = base({ connection: { port: 6432, serverPort: 5432, configuredPort: 5432, applicationName: 'migration-guard', sentApplicationName: 'migration-guard', backendChanged: true, poolMode: { error: 'x', code: '42704' } } });
    const s = states(`${T}ALTER TABLE orders ADD COLUMN note text;`, { database: pooled }).pooler;
    assert.equal(s.state, 'failed');
    assert.match(s.evidence, /A transaction-mode pooler between this client and db:5432\/app as deploy: two statements in a row ran on different server backends; this connection went to port 6432 but the server listens on 5432: something forwards it; port 6432 is pgbouncer's default\./);
    assert.match(s.evidence, /line 1, 2: SET lock_timeout, statement_timeout outside a transaction: .* Use SET LOCAL inside the migration's transaction/);
    const local = states("BEGIN;\nSET LOCAL lock_timeout = '3s';\nSET LOCAL statement_timeout = '1min';\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;", { database: pooled }).pooler;
    assert.equal(local.state, 'passed', local.evidence);
  });
});
