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
    ['dbmate/db/migrations/20240102000000_total_index.sql', 'dbmate', ['0:up:no-tx', '0:up:no-tx', '4:down:no-tx']],
    ['goose/db/migrations/00002_total_index.sql', 'goose', ['0:up:no-tx', '1:up:no-tx', '5:down:no-tx']],
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
    const [message] = analysis('dbmate/db/migrations/20240101000000_note_index.sql').findings.map((f) => f.message);
    assert.match(message, /dbmate runs it in a transaction \(detected from -- migrate:up\); add transaction:false to the -- migrate:up line/);
  });

  it('stays quiet where the file opts out, or the tool runs the statement on its own', () => {
    for (const quiet of [
      'dbmate/db/migrations/20240102000000_total_index.sql',
      'goose/db/migrations/00002_total_index.sql',
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
