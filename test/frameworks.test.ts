/**
 * Migration tools, on fixture projects laid out the way each tool expects (test/fixtures/frameworks):
 * detection, how each part of a file runs (docs/frameworks.md), and the verdicts that follow:
 * CONCURRENTLY inside the tool's transaction is reported with the tool's own way out, and quiet
 * where the file opts out.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { applyEdits } from '../server/src/engine/edits';
import { Framework, MigrationTool, TOOLS } from '../server/src/engine/tools';
import { planFiles } from '../server/src/planfiles';
import { projectProbe } from '../server/src/probe';

before(loadParser);

const root = path.join(__dirname, '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'frameworks');
const cli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), ...args], { encoding: 'utf8' });

function explain(relative: string) {
  const out = cli(['explain', '--format', 'json', path.join(fixtures, relative)]);
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout) as { framework: string; evidence: string; segments: { line: number; direction: string; transaction: boolean }[] };
}

function findings(relative: string): string[] {
  const out = JSON.parse(cli(['check', '--format', 'json', path.join(fixtures, relative)]).stdout);
  return out.files[0].diagnostics.map((d: { rule: string; range: { start: { line: number } } }) => `${d.rule}@${d.range.start.line}`);
}

function analysis(relative: string) {
  const file = path.join(fixtures, relative);
  return analyze(fs.readFileSync(file, 'utf8'), { path: file, probe: projectProbe(file) });
}

const parts = (e: ReturnType<typeof explain>) => e.segments.map((s) => `${s.line}:${s.direction}:${s.transaction ? 'tx' : 'no-tx'}`);

describe('detection and transaction model per tool', () => {
  const cases: [string, string, string[]][] = [
    ['flyway/sql/V1__create_accounts.sql', 'flyway', ['0:up:tx']],
    // Flyway's parser sees CREATE INDEX CONCURRENTLY and runs the script without a transaction.
    ['flyway/sql/V2__index_email.sql', 'flyway', ['0:up:no-tx']],
    // ...but not REINDEX INDEX CONCURRENTLY: that script stays in a transaction.
    ['flyway/sql/V3__reindex.sql', 'flyway', ['0:up:tx']],
    ['flyway/sql/V4__reindex_no_tx.sql', 'flyway', ['0:up:no-tx']],
    ['liquibase/changelog.sql', 'liquibase', ['0:up:no-tx', '2:up:tx', '6:up:no-tx', '10:up:tx']],
    ['golang-migrate/000001_note.up.sql', 'golang-migrate', ['0:up:tx']],
    ['golang-migrate/000002_total_index.up.sql', 'golang-migrate', ['0:up:no-tx']],
    ['golang-migrate/000001_note.down.sql', 'golang-migrate', ['0:down:no-tx']],
    ['dbmate/db/migrations/20240101000000_note_index.sql', 'dbmate', ['0:up:no-tx', '0:up:tx', '4:down:tx']],
    // transaction:false sends the section as one query: two statements share an implicit transaction (dbmate issues #126, #182, #285).
    ['dbmate/db/migrations/20240102000000_total_index.sql', 'dbmate', ['0:up:no-tx', '0:up:tx', '4:down:no-tx']],
    ['dbmate/db/migrations/20240103000000_note_index_alone.sql', 'dbmate', ['0:up:no-tx', '0:up:no-tx', '3:down:no-tx']],
    ['goose/db/migrations/00002_total_index.sql', 'goose', ['0:up:no-tx', '1:up:no-tx', '5:down:no-tx']],
    // goose compares its annotations case-insensitively.
    ['goose/db/migrations/00003_lowercase.sql', 'goose', ['0:up:no-tx', '1:up:no-tx', '4:down:no-tx']],
    ['diesel/migrations/2024-01-03-000000_email_index/up.sql', 'diesel', ['0:up:tx']],
    ['diesel/migrations/2024-01-03-000000_email_index/down.sql', 'diesel', ['0:down:tx']],
    // metadata.toml: run_in_transaction = false.
    ['diesel/migrations/2024-01-04-000000_email_index_no_tx/up.sql', 'diesel', ['0:up:no-tx']],
    ['sqlx/migrations/20240102000000_email_index.sql', 'sqlx', ['0:up:tx']],
    ['sqlx/migrations/20240103000000_email_key.sql', 'sqlx', ['0:up:no-tx']],
    ['sqlx/migrations/20240104000000_note.down.sql', 'sqlx', ['0:down:tx']],
    ['refinery/migrations/V2__email_index.sql', 'refinery', ['0:up:tx']],
    // refinery's U is an unversioned migration, not an undo.
    ['refinery/migrations/U3__touch.sql', 'refinery', ['0:up:tx']],
    ['atlas/migrations/20240102000000_email_index.sql', 'atlas', ['0:up:tx']],
    ['atlas/migrations/20240103000000_email_key.sql', 'atlas', ['0:up:no-tx']],
    ['graphile-migrate/migrations/committed/000002-email-index.sql', 'graphile-migrate', ['0:up:tx']],
    ['graphile-migrate/migrations/committed/000003-email-key.sql', 'graphile-migrate', ['0:up:no-tx']],
    ['graphile-migrate/migrations/current.sql', 'graphile-migrate', ['0:up:tx']],
    ['tern/migrations/002_email_index.sql', 'tern', ['0:up:tx', '2:down:tx']],
    ['tern/migrations/003_email_key.sql', 'tern', ['0:up:no-tx', '4:down:no-tx']],
    ['yoyo/migrations/0002.email-index.sql', 'yoyo', ['0:up:tx']],
    ['yoyo/migrations/0003.email-key.sql', 'yoyo', ['0:up:no-tx']],
    ['yoyo/migrations/0001.create-users.rollback.sql', 'yoyo', ['0:down:tx']],
    ['prisma/prisma/migrations/20240101000000_add_index/migration.sql', 'prisma', ['0:up:tx']],
    ['drizzle/drizzle/0001_orders_total.sql', 'drizzle', ['0:up:tx']],
    ['sqitch/deploy/note_index.sql', 'sqitch', ['0:up:no-tx']],
    ['sqitch/revert/note_index.sql', 'sqitch', ['0:down:no-tx']],
    ['supabase/supabase/migrations/20240101000000_note_index.sql', 'supabase', ['0:up:tx', '2:up:no-tx']],
    ['node-pg-migrate/migrations/1700000000000_note-index.sql', 'node-pg-migrate', ['0:up:tx', '3:down:tx']],
  ];
  for (const [file, framework, expected] of cases) {
    it(`${file}: ${framework}, ${expected.join(' ')}`, () => {
      const e = explain(file);
      assert.equal(e.framework, framework, e.evidence);
      assert.deepEqual(parts(e), expected);
    });
  }

  it('a setting overrides detection', () => {
    const file = path.join(fixtures, 'golang-migrate', '000002_total_index.up.sql');
    const result = analyze(fs.readFileSync(file, 'utf8'), { path: file, settings: { ...analyze('').facts.settings, framework: 'drizzle' } });
    assert.equal(result.facts.context.framework, 'drizzle');
    assert.equal(result.facts.context.evidence, 'the framework setting');
  });
});

describe('verdicts follow the model', () => {
  it('reports CONCURRENTLY inside the tool transaction, with the tool way out', () => {
    assert.deepEqual(findings('dbmate/db/migrations/20240101000000_note_index.sql'), ['concurrently-in-transaction@2', 'concurrently-in-transaction@5']);
    assert.deepEqual(findings('flyway/sql/V3__reindex.sql'), ['concurrently-in-transaction@2']);
    assert.deepEqual(findings('golang-migrate/000001_note.up.sql'), ['concurrently-in-transaction@2']);
    assert.deepEqual(findings('prisma/prisma/migrations/20240101000000_add_index/migration.sql'), ['concurrently-in-transaction@2']);
    assert.deepEqual(findings('drizzle/drizzle/0001_orders_total.sql'), ['concurrently-in-transaction@1']);
    assert.deepEqual(findings('liquibase/changelog.sql'), ['concurrently-in-transaction@12']);
    assert.deepEqual(findings('supabase/supabase/migrations/20240102000000_detach.sql'), ['concurrently-in-transaction@2']);
    assert.deepEqual(findings('dbmate/db/migrations/20240102000000_total_index.sql'), ['concurrently-in-transaction@2']);
    assert.deepEqual(findings('diesel/migrations/2024-01-03-000000_email_index/up.sql'), ['concurrently-in-transaction@1']);
    assert.deepEqual(findings('sqlx/migrations/20240102000000_email_index.sql'), ['concurrently-in-transaction@1']);
    assert.deepEqual(findings('refinery/migrations/V2__email_index.sql'), ['concurrently-in-transaction@1']);
    assert.deepEqual(findings('atlas/migrations/20240102000000_email_index.sql'), ['concurrently-in-transaction@1']);
    assert.deepEqual(findings('graphile-migrate/migrations/committed/000002-email-index.sql'), ['concurrently-in-transaction@4']);
    assert.deepEqual(findings('tern/migrations/002_email_index.sql').filter((f) => f.startsWith('concurrently')), ['concurrently-in-transaction@0']);
    assert.deepEqual(findings('yoyo/migrations/0002.email-index.sql'), ['concurrently-in-transaction@3']);
    const [message] = analysis('dbmate/db/migrations/20240101000000_note_index.sql').findings.map((f) => f.message);
    assert.match(message, /dbmate runs it in a transaction \(detected from -- migrate:up\); add transaction:false to the -- migrate:up line/);
  });

  it('stays quiet where the file opts out, or the tool runs the statement on its own', () => {
    for (const quiet of [
      'dbmate/db/migrations/20240103000000_note_index_alone.sql',
      'goose/db/migrations/00002_total_index.sql',
      'goose/db/migrations/00003_lowercase.sql',
      'diesel/migrations/2024-01-04-000000_email_index_no_tx/up.sql',
      'sqlx/migrations/20240103000000_email_key.sql',
      'atlas/migrations/20240103000000_email_key.sql',
      'graphile-migrate/migrations/committed/000003-email-key.sql',
      'tern/migrations/003_email_key.sql',
      'yoyo/migrations/0003.email-key.sql',
      'flyway/sql/V2__index_email.sql',
      'flyway/sql/V4__reindex_no_tx.sql',
      'golang-migrate/000002_total_index.up.sql',
      'supabase/supabase/migrations/20240101000000_note_index.sql',
      'sqitch/deploy/note_index.sql',
    ]) {
      assert.deepEqual(findings(quiet), [], quiet);
    }
  });

  it('warns that a down migration loses the data written since the deploy', () => {
    assert.ok(findings('golang-migrate/000001_note.down.sql').includes('destructive-down-migration@0'));
    assert.ok(findings('sqitch/revert/note_index.sql').includes('destructive-down-migration@3'));
  });
});

describe('fixes take the statement out the tool way', () => {
  const fixOf = (relative: string, rule: string) => {
    const a = analysis(relative);
    const finding = a.findings.find((f) => f.rule === rule)!;
    return { text: a.facts.parsed.text, fix: finding.fixes[0] };
  };

  it('dbmate: transaction:false on the section marker', () => {
    const { text, fix } = fixOf('dbmate/db/migrations/20240101000000_note_index.sql', 'concurrently-in-transaction');
    assert.equal(fix.title, 'Run it outside the transaction, with transaction:false on the up section');
    assert.match(applyEdits(text, fix.edits), /^-- migrate:up transaction:false\n/);
  });

  it('Liquibase: runInTransaction:false on the changeset', () => {
    const { text, fix } = fixOf('liquibase/changelog.sql', 'concurrently-in-transaction');
    assert.match(applyEdits(text, fix.edits), /--changeset alice:3 runInTransaction:false\n/);
  });

  it('goose: NO TRANSACTION at the top', () => {
    const { text, fix } = fixOf('goose/db/migrations/00001_note_index.sql', 'concurrently-in-transaction');
    assert.match(applyEdits(text, fix.edits), /^-- \+goose NO TRANSACTION\n-- \+goose Up\n/);
  });

  it('sqlx, Atlas, tern, yoyo and Graphile Migrate: their markers', () => {
    const fixed = (relative: string) => {
      const { text, fix } = fixOf(relative, 'concurrently-in-transaction');
      return applyEdits(text, fix.edits);
    };
    // sqlx's marker makes the file one simple query: with its SET, the statement would still share
    // an implicit transaction, so it moves to a migration of its own (test/ownmig.test.ts).
    assert.match(fixOf('sqlx/migrations/20240102000000_email_index.sql', 'concurrently-in-transaction').fix.files![0].content, /^-- no-transaction\n/);
    // The comment above the statement is no header (no blank line after it): the directive gets its own.
    assert.match(fixed('atlas/migrations/20240102000000_email_index.sql'), /^-- atlas:txmode none\n\n-- Create index/);
    assert.match(fixed('tern/migrations/002_email_index.sql'), /^---- tern: disable-tx ----\nCREATE INDEX CONCURRENTLY/);
    assert.match(fixed('yoyo/migrations/0002.email-index.sql'), /^-- transactional: false\n-- Index users by email/);
    assert.match(fixed('graphile-migrate/migrations/current.sql'), /^--! no-transaction\nCREATE INDEX CONCURRENTLY/);
  });

  it('no switch to flip, or one that must not be flipped in place: the fix says why', () => {
    // A committed Graphile migration is hashed; refinery has none. (Diesel's switch is in
    // metadata.toml: the statement moves to a migration of its own with one, test/ownmig.test.ts.)
    assert.match(fixOf('graphile-migrate/migrations/committed/000002-email-index.sql', 'concurrently-in-transaction').fix.disabled!, /graphile-migrate runs this in a transaction: .*current\.sql/);
    assert.ok(fixOf('diesel/migrations/2024-01-03-000000_email_index/up.sql', 'concurrently-in-transaction').fix.files?.some((f) => f.path.endsWith('/metadata.toml')));
    assert.match(fixOf('refinery/migrations/V2__email_index.sql', 'concurrently-in-transaction').fix.disabled!, /refinery runs every migration in a transaction/);
    // dbmate's section already says transaction:false: the statement must go alone.
    assert.match(fixOf('dbmate/db/migrations/20240102000000_total_index.sql', 'concurrently-in-transaction').fix.disabled!, /with the statement alone in its section/);
  });

  it('Drizzle has no switch: the fix says why it cannot apply', () => {
    const { fix } = fixOf('drizzle/drizzle/0001_orders_total.sql', 'concurrently-in-transaction');
    assert.match(fix.disabled!, /drizzle runs this in a transaction: drizzle-kit migrate has no way out/);
  });
});

describe('the tool registry (one module per tool, server/src/engine/tools)', () => {
  it('has unique ids, docs and sources for every tool, and a fixture project for every SQL tool', () => {
    const tools: readonly MigrationTool[] = TOOLS;
    assert.equal(new Set(tools.map((t) => t.id)).size, tools.length);
    for (const t of tools) {
      assert.ok(t.sql || t.embedded, t.id);
      assert.ok(t.docs.transaction && t.docs.optOut, t.id);
      if (t.id !== 'plain') assert.ok(t.docs.sources.length > 0, `${t.id} names its sources`);
      if (t.sql && t.id !== 'plain') {
        assert.ok(t.sql.detect && t.docs.detectedFrom, t.id);
        assert.ok(fs.existsSync(path.join(fixtures, t.id)), `test/fixtures/frameworks/${t.id}`);
      }
    }
  });

  it('names plan steps the way each tool expects', () => {
    const plan = {
      title: 'Change the type',
      steps: [
        { slug: 'expand', note: 'add', sql: 'ALTER TABLE t ADD COLUMN c2 bigint;' },
        { slug: 'index', note: 'build', sql: 'CREATE INDEX CONCURRENTLY i ON t (c2);' },
      ],
    };
    const cases: [Framework, string, string[], RegExp][] = [
      ['plain', '/p/m/010_plan.sql', ['/p/m/010_plan.step1-expand.sql', '/p/m/010_plan.step2-index.sql'], /^-- Step 2 of 2: Change the type\n-- build\nCREATE INDEX/],
      ['flyway', '/p/sql/V3__x.sql', ['/p/sql/V3.1__expand.sql', '/p/sql/V3.2__index.sql'], /^-- Step 2/],
      ['golang-migrate', '/p/000002_total.up.sql', ['/p/000003_expand.up.sql', '/p/000004_index.up.sql'], /^-- Step 2/],
      ['dbmate', '/p/db/20231231235959_x.sql', ['/p/db/20240101000000_expand.sql', '/p/db/20240101000001_index.sql'], /^-- migrate:up transaction:false\n-- Step 2[^]*\n-- migrate:down\n$/],
      ['goose', '/p/db/00002_x.sql', ['/p/db/00003_expand.sql', '/p/db/00004_index.sql'], /^-- \+goose NO TRANSACTION\n-- \+goose Up\n-- Step 2/],
      ['prisma', '/p/prisma/migrations/20240101000000_add/migration.sql', ['/p/prisma/migrations/20240101000001_expand/migration.sql', '/p/prisma/migrations/20240101000002_index/migration.sql'], /^-- Step 2/],
      ['supabase', '/p/supabase/migrations/20240101000000_x.sql', ['/p/supabase/migrations/20240101000001_expand.sql', '/p/supabase/migrations/20240101000002_index.sql'], /^-- Step 2/],
      ['node-pg-migrate', '/p/migrations/1700000000000_x.sql', ['/p/migrations/1700000000001_expand.sql', '/p/migrations/1700000000002_index.sql'], /^-- Up Migration\n-- Step 2/],
      ['liquibase', '/p/changelog.sql', ['/p/changelog.step1-expand.sql', '/p/changelog.step2-index.sql'], /^--liquibase formatted sql\n\n--changeset migration-guard:index-2 runInTransaction:false\n-- Step 2/],
      ['drizzle', '/p/drizzle/0001_x.sql', ['/p/drizzle/0001_x.step1-expand.sql', '/p/drizzle/0001_x.step2-index.sql'], /^-- Step 2/],
    ];
    for (const [framework, original, names, second] of cases) {
      const files = planFiles(original, framework, plan);
      assert.deepEqual(files.map((f) => f.path.split(path.sep).join('/')), names, framework);
      assert.match(files[1].content, second, framework);
    }
  });
});

describe('Diesel, as issue 14 asks', () => {
  const folder = path.join(fixtures, 'diesel', 'migrations', '2024-01-02-000000_widen_email');

  it('explain says diesel and that the statements run in the file\'s transaction', () => {
    const text = cli(['explain', path.join(folder, 'up.sql')]).stdout;
    assert.match(text, /^Migration tool: diesel \(diesel\.toml\)/);
    assert.match(text, /Runs inside a transaction block \(diesel's\)/);
    assert.match(text, /Transaction, lines 1-2 \(the migration tool's \(diesel\)\)/);
  });

  it('widening varchar(100) to varchar(200) after the migration that created the column is quiet; alone, it is reported', () => {
    const file = path.join(folder, 'up.sql');
    // Quiet as a lock hazard; the only note left is require-analyze's (the type change drops the column's statistics).
    assert.deepEqual(findings('diesel/migrations/2024-01-02-000000_widen_email/up.sql').filter((f) => !f.startsWith('require-analyze')), []);
    const alone = analyze(fs.readFileSync(file, 'utf8'), { path: file, probe: projectProbe(file) });
    assert.ok(alone.findings.some((f) => f.rule === 'changing-column-type'), 'without the history the old type is unknown');
  });
});

describe('detection does not depend on how the path is spelled', () => {
  it('explain migration.sql from inside prisma/migrations/<name>/ says prisma', () => {
    const cwd = path.join(fixtures, 'prisma', 'prisma', 'migrations', '20240101000000_add_index');
    const out = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'explain', '--format', 'json', 'migration.sql'], { cwd, encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).framework, 'prisma');
    const up = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'explain', '--format', 'json', path.join('..', '20240101000000_add_index', 'migration.sql')], { cwd, encoding: 'utf8' });
    assert.equal(JSON.parse(up.stdout).framework, 'prisma');
  });
});

describe("each tool's own reading of its markers (from its source)", () => {
  /** The context of `text` at `file`, with the project files given (an in-memory probe; the engine reads no disk). */
  const contextOf = (file: string, text: string, projectFiles: Record<string, string> = {}) =>
    analyze(text, { path: file, probe: { exists: (p) => p in projectFiles, read: (p) => projectFiles[p] } }).facts.context;
  const parts = (c: ReturnType<typeof contextOf>) => c.segments.map((g) => `${g.direction}:${g.transaction ? 'tx' : 'no-tx'}`);
  const twoStatements = 'SET lock_timeout = 1;\nCREATE INDEX CONCURRENTLY i ON t (c);\n';

  it('Diesel: metadata.toml decides; one without the key means no transaction (serde default); then the file is one query', () => {
    const file = '/p/migrations/2024-01-01-000000_x/up.sql';
    assert.deepEqual(parts(contextOf(file, 'CREATE INDEX CONCURRENTLY i ON t (c);')), ['up:tx']);
    assert.deepEqual(parts(contextOf(file, 'CREATE INDEX CONCURRENTLY i ON t (c);', { 'metadata.toml': '# nothing\n' })), ['up:no-tx']);
    assert.deepEqual(parts(contextOf(file, 'CREATE INDEX CONCURRENTLY i ON t (c);', { 'metadata.toml': 'run_in_transaction = true\n' })), ['up:tx']);
    assert.deepEqual(parts(contextOf(file, twoStatements, { 'metadata.toml': 'run_in_transaction = false\n' })), ['up:tx'], 'batch_execute: an implicit transaction');
  });

  it("dbmate: only the pair transaction:false opts out (`transaction: false` is no option to dbmate's parser)", () => {
    const file = '/p/db/migrations/1_x.sql';
    assert.deepEqual(parts(contextOf(file, '-- migrate:up transaction: false\nCREATE INDEX CONCURRENTLY i ON t (c);\n')), ['up:no-tx', 'up:tx']);
    assert.deepEqual(parts(contextOf(file, '-- migrate:up  foo:bar transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n')), ['up:no-tx', 'up:no-tx']);
    // `-- migrate:upgrade` is no marker.
    assert.equal(contextOf(file, '-- migrate:upgrade\nSELECT 1;\n').framework, 'plain');
  });

  it('sqlx: -- no-transaction counts only as the very first characters', () => {
    const files = { '../Cargo.toml': '[dependencies]\nsqlx = "0.8"\n' };
    assert.deepEqual(parts(contextOf('/p/migrations/1_x.sql', '-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);', files)), ['up:no-tx']);
    assert.deepEqual(parts(contextOf('/p/migrations/1_x.sql', '\n-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);', files)), ['up:tx']);
    assert.equal(contextOf('/p/migrations/1_x.sql', 'SELECT 1;', { '../Cargo.toml': '[dependencies]\nsqlx-core = "0.8"\ntokio = "1"\n' }).framework, 'plain');
  });

  it('refinery is told from Flyway by the project files', () => {
    assert.equal(contextOf('/p/migrations/V1__init.sql', 'SELECT 1;', { '../Cargo.toml': '[dependencies]\nrefinery = "0.8"\n' }).framework, 'refinery');
    assert.equal(contextOf('/p/migrations/V1__init.sql', 'SELECT 1;', { '../refinery.toml': '[main]\n' }).framework, 'refinery');
    assert.equal(contextOf('/p/migrations/V1__init.sql', 'SELECT 1;').framework, 'flyway');
  });

  it('Atlas: txmode counts in the header only (comment lines, then a blank line)', () => {
    const sum = { 'atlas.sum': 'h1:x\n' };
    assert.deepEqual(parts(contextOf('/p/migrations/1_x.sql', '-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON t (c);', sum)), ['up:no-tx']);
    assert.deepEqual(parts(contextOf('/p/migrations/1_x.sql', '-- atlas:txmode none\nCREATE INDEX CONCURRENTLY i ON t (c);', sum)), ['up:tx']);
    assert.deepEqual(parts(contextOf('/p/migrations/1_x.sql', 'SELECT 1;\n\n-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON t (c);', sum)), ['up:tx']);
  });

  it('Graphile Migrate: --! no-transaction on the first line of the body, after the headers', () => {
    const committed = '/p/migrations/committed/000001.sql';
    const headers = '--! Previous: -\n--! Hash: sha1:00\n\n';
    assert.deepEqual(parts(contextOf(committed, `${headers}--! no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n`)), ['up:no-tx']);
    assert.deepEqual(parts(contextOf(committed, `${headers}--! no-transaction\n${twoStatements}`)), ['up:tx'], 'one pg query: an implicit transaction');
    assert.deepEqual(parts(contextOf(committed, `${headers}SELECT 1;\n--! no-transaction\n`)), ['up:tx']);
  });

  it('yoyo: directives count in the leading comments only; .rollback.sql is the down file', () => {
    const ini = { '../yoyo.ini': '[DEFAULT]\n' };
    assert.deepEqual(parts(contextOf('/p/migrations/0001.x.sql', '-- x\n-- transactional: FALSE\n\nCREATE INDEX CONCURRENTLY i ON t (c);', ini)), ['up:no-tx']);
    assert.deepEqual(parts(contextOf('/p/migrations/0001.x.sql', 'SELECT 1;\n-- transactional: false\n', ini)), ['up:tx']);
    assert.deepEqual(parts(contextOf('/p/migrations/0001.x.rollback.sql', 'SELECT 1;', ini)), ['down:tx']);
  });

  it('tern: disable-tx counts per part', () => {
    const text = 'CREATE TABLE t (c int);\n---- create above / drop below ----\n---- tern: disable-tx ----\nDROP INDEX CONCURRENTLY i;\n';
    assert.deepEqual(parts(contextOf('/p/migrations/001_x.sql', text)), ['up:tx', 'down:no-tx']);
  });
});
