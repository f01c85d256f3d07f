/**
 * "Move to its own migration": a statement that must leave the transaction a migration tool runs
 * the whole file in (CONCURRENTLY, a VALIDATE after its NOT VALID) is removed from the file and
 * written as a new migration named and marked the way the tool expects, with its down migration
 * where the tool has them. On copies of the fixture projects (test/fixtures/frameworks): the file
 * names and contents, the original without the statement, the finding gone once the files exist;
 * the CLI's `fix --unsafe [--write]`; and the writer's refusals.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, FindingFix, loadParser } from '../server/src/engine/analyze';
import { applyEdits } from '../server/src/engine/edits';
import { planFor } from '../server/src/engine/plan';
import { RULES } from '../server/src/engine/rules';
import { testsOf } from './rule-tables';
import { resolveSettings } from '../server/src/engine/settings';
import { FileProblem, newFiles, writeNewFiles } from '../server/src/files';
import { projectProbe } from '../server/src/probe';

before(loadParser);

const root = path.join(__dirname, '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'frameworks');
const cli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), ...args], { encoding: 'utf8' });

/** A copy of a fixture project in a temporary folder (the fixes write into it). */
function copyOf(tool: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `migration-guard-ownmig-${tool}-`));
  fs.cpSync(path.join(fixtures, tool), dir, { recursive: true });
  return dir;
}

function analysisOf(file: string, text = fs.readFileSync(file, 'utf8')) {
  return analyze(text, { path: file, probe: projectProbe(file) });
}

/** The fix of `rule` that creates files. */
function moveFix(file: string, rule: string, text?: string): { fix: FindingFix; text: string } {
  const source = text ?? fs.readFileSync(file, 'utf8');
  const finding = analysisOf(file, source).findings.find((f) => f.rule === rule && f.fixes.some((x) => x.files?.length));
  assert.ok(finding, `${rule} offers a fix with new files in ${file}: ${JSON.stringify(analysisOf(file, source).findings.map((f) => [f.rule, f.fixes]))}`);
  return { fix: finding.fixes.find((x) => x.files?.length)!, text: source };
}

/** Applies the fix: writes the new files and the edited original, as the editor or the CLI would. */
function apply(file: string, fix: FindingFix, text: string): string {
  for (const f of newFiles(file, fix.files!)) {
    fs.mkdirSync(path.dirname(f.path), { recursive: true });
    fs.writeFileSync(f.path, f.content, { flag: 'wx' });
  }
  const after = applyEdits(text, fix.edits);
  fs.writeFileSync(file, after);
  return after;
}

const rulesIn = (file: string) => analysisOf(file).findings.map((f) => f.rule).filter((r) => r !== 'require-timeouts');

describe('move to its own migration, per tool', () => {
  it('golang-migrate: the next free version, .up.sql with the statement alone and a .down.sql that drops the index', () => {
    const dir = copyOf('golang-migrate');
    const file = path.join(dir, '000001_note.up.sql');
    const { fix, text } = moveFix(file, 'concurrently-in-transaction');
    assert.equal(fix.safety, 'unsafe');
    assert.equal(fix.disabled, undefined);
    // 000002 is taken by 000002_total_index.up.sql: the new migration is 000003.
    assert.deepEqual(fix.files, [
      {
        path: '000003_create_index_concurrently_orders_note_idx.up.sql',
        content: '-- Moved out of 000001_note.up.sql: it cannot run inside the transaction golang-migrate runs that file in.\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n',
      },
      { path: '000003_create_index_concurrently_orders_note_idx.down.sql', content: 'DROP INDEX CONCURRENTLY IF EXISTS orders_note_idx;\n' },
    ]);
    assert.match(fix.title, /moved to its own migration 000003_create_index_concurrently_orders_note_idx\.up\.sql/);
    const after = apply(file, fix, text);
    assert.equal(after, "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\n");
    assert.deepEqual(rulesIn(file), []);
    assert.deepEqual(rulesIn(path.join(dir, '000003_create_index_concurrently_orders_note_idx.up.sql')), []);
  });

  it('golang-migrate: a VALIDATE after its NOT VALID goes to a migration of its own, with nothing to undo', () => {
    const dir = copyOf('golang-migrate');
    const file = path.join(dir, '000004_check.up.sql');
    const text = "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);\nALTER TABLE orders ADD COLUMN flag boolean;\n";
    fs.writeFileSync(file, text);
    const { fix } = moveFix(file, 'constraint-missing-not-valid');
    assert.deepEqual(
      fix.files!.map((f) => f.path),
      ['000005_alter_table_orders_validate.up.sql', '000005_alter_table_orders_validate.down.sql'],
    );
    assert.match(fix.files![0].content, /\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;\n$/);
    assert.match(fix.files![1].content, /^-- nothing to undo/);
    const after = apply(file, fix, text);
    assert.equal(after, "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\nALTER TABLE orders ADD COLUMN flag boolean;\n");
    assert.deepEqual(rulesIn(file), []);
  });

  it('Diesel: a folder sorting right after this one, with up.sql, down.sql and metadata.toml run_in_transaction = false', () => {
    const dir = copyOf('diesel');
    const file = path.join(dir, 'migrations', '2024-01-03-000000_email_index', 'up.sql');
    const { fix, text } = moveFix(file, 'concurrently-in-transaction');
    const folder = '../2024-01-03-000000-0001_create_index_concurrently_users_email_idx';
    assert.deepEqual(fix.files, [
      {
        path: `${folder}/up.sql`,
        content: '-- Moved out of 2024-01-03-000000_email_index/up.sql: it cannot run inside the transaction diesel runs that file in.\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n',
      },
      { path: `${folder}/down.sql`, content: 'DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;\n' },
      { path: `${folder}/metadata.toml`, content: 'run_in_transaction = false\n' },
    ]);
    assert.equal(apply(file, fix, text), "SET lock_timeout = '5s';\n");
    assert.deepEqual(rulesIn(file), []);
    assert.deepEqual(rulesIn(path.join(dir, 'migrations', folder.slice(3), 'up.sql')), []);
  });

  it('sqlx: the next version starting with -- no-transaction; an .up.sql / .down.sql pair for a reversible migration', () => {
    const dir = copyOf('sqlx');
    const file = path.join(dir, 'migrations', '20240102000000_email_index.sql');
    const { fix, text } = moveFix(file, 'concurrently-in-transaction');
    assert.deepEqual(fix.files, [
      {
        path: '20240102000001_create_index_concurrently_users_email_idx.sql',
        content: '-- no-transaction\n-- Moved out of 20240102000000_email_index.sql: it cannot run inside the transaction sqlx runs that file in.\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n',
      },
    ]);
    assert.equal(apply(file, fix, text), "SET lock_timeout = '5s';\n");
    assert.deepEqual(rulesIn(file), []);
    assert.deepEqual(rulesIn(path.join(dir, 'migrations', '20240102000001_create_index_concurrently_users_email_idx.sql')), []);

    // A reversible migration: a pair, both marked.
    const pair = path.join(dir, 'migrations', '20240105000000_total.up.sql');
    fs.writeFileSync(pair, "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN total int;\nCREATE INDEX CONCURRENTLY users_total_idx ON users (total);\n");
    const reversible = moveFix(pair, 'concurrently-in-transaction');
    assert.deepEqual(
      reversible.fix.files!.map((f) => [f.path, f.content.split('\n')[0]]),
      [
        ['20240105000001_create_index_concurrently_users_total_idx.up.sql', '-- no-transaction'],
        ['20240105000001_create_index_concurrently_users_total_idx.down.sql', '-- no-transaction'],
      ],
    );
    assert.match(reversible.fix.files![1].content, /DROP INDEX CONCURRENTLY IF EXISTS users_total_idx;/);
  });

  it('Flyway: the next V<version>.<n> script with its .sql.conf holding executeInTransaction=false', () => {
    const dir = copyOf('flyway');
    const file = path.join(dir, 'sql', 'V3__reindex.sql');
    const { fix, text } = moveFix(file, 'concurrently-in-transaction');
    assert.deepEqual(fix.files, [
      {
        path: 'V3.1__reindex_index_concurrently_accounts_email_idx.sql',
        content: '-- Moved out of V3__reindex.sql: it cannot run inside the transaction flyway runs that file in.\nREINDEX INDEX CONCURRENTLY accounts_email_idx;\n',
      },
      { path: 'V3.1__reindex_index_concurrently_accounts_email_idx.sql.conf', content: 'executeInTransaction=false\n' },
    ]);
    assert.equal(apply(file, fix, text), "SET lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN plan text;\n");
    assert.deepEqual(rulesIn(file), []);
    // Flyway reads the .conf beside the new script: it runs outside a transaction.
    assert.deepEqual(rulesIn(path.join(dir, 'sql', 'V3.1__reindex_index_concurrently_accounts_email_idx.sql')), []);
  });

  it('Prisma: a new migration folder, the next timestamp, with the statement alone', () => {
    const dir = copyOf('prisma');
    const file = path.join(dir, 'prisma', 'migrations', '20240101000000_add_index', 'migration.sql');
    const { fix, text } = moveFix(file, 'concurrently-in-transaction');
    assert.deepEqual(fix.files, [
      {
        path: '../20240101000001_create_index_concurrently_order_total_idx/migration.sql',
        content: '-- Moved out of 20240101000000_add_index/migration.sql: it cannot run inside the transaction prisma runs that file in.\nCREATE INDEX CONCURRENTLY "Order_total_idx" ON "Order"("total");\n',
      },
    ]);
    assert.equal(apply(file, fix, text), "-- CreateIndex\nSET lock_timeout = '5s';\n");
    assert.deepEqual(rulesIn(file), []);
    assert.deepEqual(rulesIn(path.join(dir, 'prisma', 'migrations', '20240101000001_create_index_concurrently_order_total_idx', 'migration.sql')), []);
  });

  it('keeps the in-file opt-outs of goose, dbmate and Liquibase', () => {
    const text = "-- +goose Up\nALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n";
    const a = analyze(text, { path: '/project/db/migrations/00009_note.sql' });
    const fix = a.findings.find((f) => f.rule === 'concurrently-in-transaction')!.fixes[0];
    assert.equal(fix.files, undefined);
    assert.match(fix.title, /NO TRANSACTION/);
  });

  it('Diesel: a statement alone in up.sql leaves a comment naming its new migration, not an empty file (Diesel refuses an empty migration)', () => {
    const dir = copyOf('diesel');
    const file = path.join(dir, 'migrations', '2024-01-03-000000_email_index', 'up.sql');
    const text = 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n';
    fs.writeFileSync(file, text);
    const { fix } = moveFix(file, 'concurrently-in-transaction', text);
    assert.equal(apply(file, fix, text), '-- Moved to its own migration 2024-01-03-000000-0001_create_index_concurrently_users_email_idx/up.sql.\n');
    assert.deepEqual(rulesIn(file), []);
  });

  it('is never applied by fix without --unsafe', () => {
    const dir = copyOf('golang-migrate');
    const file = path.join(dir, '000001_note.up.sql');
    const out = cli(['fix', file]);
    assert.equal(fs.readdirSync(dir).filter((n) => n.startsWith('000003')).length, 0);
    assert.doesNotMatch(out.stdout, /new file/);
  });
});

describe('migration-guard fix --unsafe with new files', () => {
  it('prints the new files without --write, and writes them with it', () => {
    const dir = copyOf('golang-migrate');
    const file = path.join(dir, '000001_note.up.sql');
    const dry = cli(['fix', '--unsafe', file]);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /-- new file .*000003_create_index_concurrently_orders_note_idx\.up\.sql\n-- Moved out of 000001_note\.up\.sql/);
    assert.match(dry.stdout, /-- new file .*000003_create_index_concurrently_orders_note_idx\.down\.sql\nDROP INDEX CONCURRENTLY IF EXISTS orders_note_idx;/);
    assert.equal(fs.readdirSync(dir).length, 3, 'nothing written without --write');

    const wrote = cli(['fix', '--unsafe', '--write', file]);
    assert.equal(wrote.status, 0, wrote.stderr);
    assert.equal(fs.readFileSync(file, 'utf8'), "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\n");
    assert.equal(fs.readFileSync(path.join(dir, '000003_create_index_concurrently_orders_note_idx.up.sql'), 'utf8'), '-- Moved out of 000001_note.up.sql: it cannot run inside the transaction golang-migrate runs that file in.\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n');
    assert.equal(fs.readFileSync(path.join(dir, '000003_create_index_concurrently_orders_note_idx.down.sql'), 'utf8'), 'DROP INDEX CONCURRENTLY IF EXISTS orders_note_idx;\n');
    // Run again: nothing left to move, nothing new.
    const again = cli(['fix', '--unsafe', '--write', file]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fs.readdirSync(dir).length, 5);
  });

  it('writes a Diesel folder inside the migrations folder', () => {
    const dir = copyOf('diesel');
    const file = path.join(dir, 'migrations', '2024-01-03-000000_email_index', 'up.sql');
    const wrote = cli(['fix', '--unsafe', '--write', file]);
    assert.equal(wrote.status, 0, wrote.stderr);
    const folder = path.join(dir, 'migrations', '2024-01-03-000000-0001_create_index_concurrently_users_email_idx');
    assert.deepEqual(fs.readdirSync(folder).sort(), ['down.sql', 'metadata.toml', 'up.sql']);
    assert.equal(fs.readFileSync(path.join(folder, 'metadata.toml'), 'utf8'), 'run_in_transaction = false\n');
  });

  it('refuses to overwrite an existing file, to write through a linked folder or outside the migrations: nothing written, the original kept', () => {
    const dir = copyOf('golang-migrate');
    const file = path.join(dir, '000001_note.up.sql');
    const taken = path.join(dir, '000009_x.up.sql');
    fs.writeFileSync(taken, 'keep me\n');
    const files = newFiles(file, [
      { path: '000008_x.up.sql', content: 'a' },
      { path: '000009_x.up.sql', content: 'b' },
    ]);
    assert.throws(() => writeNewFiles(files), (e) => e instanceof FileProblem && /exists already/.test(e.message));
    assert.equal(fs.readFileSync(taken, 'utf8'), 'keep me\n');
    assert.equal(fs.existsSync(path.join(dir, '000008_x.up.sql')), false, 'checked before the first is written');

    // A link in place of a new folder (Diesel / Prisma layouts) is never written through.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-ownmig-elsewhere-'));
    fs.symlinkSync(elsewhere, path.join(dir, 'linked'));
    assert.throws(() => writeNewFiles(newFiles(path.join(dir, 'sub', 'up.sql'), [{ path: '../linked/up.sql', content: 'x' }])), FileProblem);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
    // Nothing outside the migration's folder (or the one above, for folder layouts).
    assert.throws(() => writeNewFiles(newFiles(file, [{ path: '../../outside.sql', content: 'x' }])), FileProblem);
    assert.throws(() => writeNewFiles(newFiles(file, [{ path: 'sub/../../outside.sql', content: 'x' }])), FileProblem);
  });
});

describe('migration-guard fix --unsafe: plans where no fix applies', () => {
  function project(): { dir: string; file: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-fixplans-'));
    fs.writeFileSync(path.join(dir, '000001_init.up.sql'), 'CREATE TABLE orders (id serial PRIMARY KEY, note text);\n');
    const file = path.join(dir, '000002_change.up.sql');
    fs.writeFileSync(file, "SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN note TYPE varchar(20);\nVACUUM FULL orders;\n");
    return { dir, file };
  }

  it('names the plan, or says why there is no safe form', () => {
    const { file } = project();
    const r = cli(['fix', file, '--unsafe']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /000002_change\.up\.sql:2: changing-column-type: no fix; a plan: Change orders\.note to varchar\(20\)/);
    assert.match(r.stderr, /000002_change\.up\.sql:3: table-rewrite: no safe form here: no database is connected/);
    assert.equal(fs.readFileSync(file, 'utf8'), "SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN note TYPE varchar(20);\nVACUUM FULL orders;\n", 'without --write nothing is written');
  });

  it('--plans prints the plan as the tool\'s migrations; --write writes them, never over a file', () => {
    const { dir, file } = project();
    const printed = cli(['fix', file, '--unsafe', '--plans']);
    assert.equal(printed.status, 0, printed.stderr);
    assert.match(printed.stdout, /-- .*000002_change\.up\.sql:2: Change orders\.note to varchar\(20\)/);
    assert.match(printed.stdout, /000003_expand\.up\.sql\n-- Step 1 of/);
    const before = fs.readdirSync(dir).sort();
    const written = cli(['fix', file, '--unsafe', '--plans', '--write']);
    assert.equal(written.status, 0, written.stderr);
    const added = fs.readdirSync(dir).filter((f) => !before.includes(f));
    assert.ok(added.includes('000003_expand.up.sql') && added.length >= 5, added.join(', '));
    // Again: the plan's files exist now, so the second writing is refused and nothing is replaced.
    const again = cli(['fix', file, '--unsafe', '--plans', '--write']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /exists already/);
  });
});

describe('no error finding is left with only ignores (issue 22 point 4)', () => {
  // The server's "Plan the safe change" action is offered for the rules whose meta says plan.
  const PLANNED = new Set(RULES.filter((r) => r.meta.plan).map((r) => r.meta.id));
  /** Each rule table's reported SQL, as a migration of a tool that runs the whole file in one transaction. */
  const places: [string, string, Record<string, unknown>][] = [
    ['golang-migrate', '000001_case.up.sql', {}],
    ['Prisma', 'prisma/migrations/20240101000000_case/migration.sql', {}],
    ['Diesel', 'migrations/2024-01-01-000000_case/up.sql', { framework: 'diesel' }],
    ['sqlx', 'migrations/20240101000000_case.sql', { framework: 'sqlx' }],
    ['Flyway', 'sql/V1__case.sql', { framework: 'flyway' }],
  ];
  for (const [tool, relative, extra] of places) {
    it(`${tool}: every error finding with a disabled fix has an enabled fix or a plan`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-ownmig-table-'));
      const file = path.join(dir, ...relative.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const left: string[] = [];
      let checked = 0;
      for (const rule of RULES.filter((r) => r.meta.severity === 'error')) {
        for (const c of testsOf(rule).invalid) {
          // assumeInTransaction stands for an unknown tool: here the tool is known.
          const { assumeInTransaction: _, ...own } = c.settings ?? {};
          const settings = resolveSettings({ ...own, ...extra }).settings;
          // Several statements, as in a real migration, so that the tool's transaction applies.
          const sql = `SET lock_timeout = '5s';\n${c.sql}`;
          fs.writeFileSync(file, sql);
          const a = analyze(sql, { settings, path: file, probe: projectProbe(file) });
          // Known gaps, said in their disabled reason: a statement inside a DO block is edited by
          // hand (nothing may move out of the block automatically), and index-on-partitioned-table's
          // per-partition CONCURRENTLY builds have no own-migration form yet.
          const gap = (x: FindingFix & { rule?: string }, rule: string, statement?: number) =>
            rule === 'index-on-partitioned-table' || (statement !== undefined && a.facts.statements[statement]?.kind === 'DoStmt') || /inside the DO block|inside a DO block/.test(x.disabled ?? '');
          for (const f of a.findings.filter((x) => x.severity === 'error' && x.fixes.some((y) => y.disabled) && !x.fixes.some((y) => gap(y, x.rule, x.statement)))) {
            checked++;
            const enabled = f.fixes.some((x) => !x.disabled && (x.edits.length || x.files?.length));
            const plan = PLANNED.has(f.rule) && f.statement !== undefined && planFor(a.facts, f.statement, { batchSize: 1000, pause: 0, lockTimeout: '2s' });
            if (!enabled && !plan) left.push(`${f.rule}: ${f.fixes.map((x) => x.disabled).join(' / ')} in ${JSON.stringify(c.sql)}`);
          }
        }
      }
      assert.deepEqual(left, []);
      if (tool === 'golang-migrate') assert.ok(checked > 0, 'the tables have findings with disabled fixes');
    });
  }

  it('a plain file with assumeInTransaction (no tool known, so no naming for a new migration) keeps the disabled fix with its reason', () => {
    const a = analyze('CREATE INDEX ON users (email);', { settings: resolveSettings({ assumeInTransaction: true }).settings });
    const fix = a.findings.find((f) => f.rule === 'require-concurrent-index')!.fixes[0];
    assert.match(fix.disabled!, /separate migration that runs outside a transaction/);
  });

  it('Prisma: a type fix says what to change in schema.prisma', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-ownmig-prisma-'));
    const file = path.join(dir, 'prisma', 'migrations', '20240101000000_init', 'migration.sql');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const sql = 'CREATE TABLE "Event" ("id" INTEGER NOT NULL, "at" TIMESTAMP(3) NOT NULL);';
    fs.writeFileSync(file, sql);
    const titles = analyze(sql, { path: file, probe: projectProbe(file) }).findings.flatMap((f) => f.fixes.map((x) => x.title));
    assert.ok(titles.some((t) => /timestamptz.*in schema\.prisma, mark the DateTime field @db\.Timestamptz/.test(t)), titles.join('\n'));
    assert.ok(titles.some((t) => /in schema\.prisma, make the field BigInt/.test(t)), titles.join('\n'));
    // Elsewhere the title is the SQL fix alone.
    const plain = analyze(sql, {}).findings.flatMap((f) => f.fixes.map((x) => x.title));
    assert.ok(plain.every((t) => !/schema\.prisma/.test(t)));
  });
});
