/**
 * Plans as migrations of the tools that run each file in one transaction (golang-migrate, Prisma,
 * Diesel, sqlx, Flyway): every step that must commit apart is a migration of its own, and the
 * planned files, analysed as that tool's migrations, draw none of the findings the plan exists to
 * avoid (issue 18: the NOT NULL plan on Prisma flagged its own VALIDATE).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { nodeOf } from '../server/src/engine/ast';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { planAnswer, planFor, planReadsExtensions } from '../server/src/engine/plan';
import { resolveSettings, Settings } from '../server/src/engine/settings';
import type { Finding } from '../server/src/engine/analyze';
import type { StatementFacts } from '../server/src/engine/facts';
import { planFiles } from '../server/src/planfiles';
import { RULES } from '../server/src/engine/rules';
import { settingsFor, testsOf } from './rule-tables';
import { projectProbe } from '../server/src/probe';

before(loadParser);

const OPTIONS = { batchSize: 1000, pause: 0, lockTimeout: '2s' };
const HISTORY = 'CREATE TABLE orders (id serial PRIMARY KEY, total int NOT NULL, note text);\nCREATE INDEX orders_note_idx ON orders (note);\n';
/** The findings a plan step must not draw: the unsafe shapes the plan replaces. */
const AVOIDED = new Set(['validate-in-same-transaction', 'concurrently-in-transaction', 'constraint-missing-not-valid', 'set-not-null', 'changing-column-type', 'require-concurrent-index', 'adding-serial-primary-key', 'adding-field-with-volatile-default', 'table-rewrite']);

const places: [string, string, string, Record<string, unknown>][] = [
  ['golang-migrate', '000001_init.up.sql', '000002_change.up.sql', {}],
  ['Prisma', 'prisma/migrations/20240101000000_init/migration.sql', 'prisma/migrations/20240102000000_change/migration.sql', {}],
  ['Diesel', 'migrations/2024-01-01-000000_init/up.sql', 'migrations/2024-01-02-000000_change/up.sql', { framework: 'diesel' }],
  ['sqlx', 'migrations/20240101000000_init.sql', 'migrations/20240102000000_change.sql', { framework: 'sqlx' }],
  ['Flyway', 'sql/V1__init.sql', 'sql/V2__change.sql', { framework: 'flyway' }],
];

const CHANGES = [
  'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;',
  'ALTER TABLE orders ALTER COLUMN id TYPE bigint;',
  'ALTER TABLE orders ALTER COLUMN note TYPE varchar(20);',
  'ALTER TABLE orders ADD COLUMN seq bigserial UNIQUE;',
];

describe('plans as migrations of tools that wrap each file in a transaction', () => {
  for (const [tool, first, second, extra] of places) {
    it(`${tool}: each planned migration is one transaction's worth, and draws no finding the plan avoids`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-plan-'));
      const settings = resolveSettings(extra).settings;
      const write = (relative: string, text: string) => {
        const file = path.join(dir, ...relative.split('/'));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        return file;
      };
      write(first, HISTORY);
      for (const change of CHANGES) {
        const file = write(second, `SET lock_timeout = '5s';\n${change}\n`);
        const prior = analyze(HISTORY, { settings }).facts.catalogAfter;
        const a = analyze(fs.readFileSync(file, 'utf8'), { settings, path: file, probe: projectProbe(file), prior });
        assert.ok(a.facts.context.wrapsInTransaction, `${tool} wraps the file`);
        const plan = planFor(a.facts, 1, OPTIONS);
        assert.ok(plan, `a plan for ${change}`);
        const files = planFiles(file, a.facts.context.framework, plan);
        const written = files.map((f) => write(path.relative(dir, f.path), f.content));
        // Each step runs after the ones before: its catalog is theirs.
        let history = prior;
        for (const planned of written.filter((f) => /\.sql$/.test(f))) {
          const text = fs.readFileSync(planned, 'utf8');
          const b = analyze(text, { settings, path: planned, probe: projectProbe(planned), prior: history });
          history = b.facts.catalogAfter;
          const bad = b.findings.filter((f) => AVOIDED.has(f.rule)).map((f) => `${f.rule}: ${f.message}`);
          assert.deepEqual(bad, [], `${path.relative(dir, planned)} for ${change}:\n${text}`);
          // A DO block that commits runs outside a transaction block: alone in its file, and run that way.
          if (/\$\w*\$[\s\S]*COMMIT;[\s\S]*\$\w*\$/.test(text)) {
            assert.equal(b.facts.statements.filter((s) => s.kind !== 'SyntaxError').length, 1, `${path.relative(dir, planned)} holds the DO block alone`);
            assert.equal(b.facts.statements[0].inTransaction, false, `${path.relative(dir, planned)} runs outside a transaction`);
          }
        }
        for (const f of written) fs.rmSync(f);
      }
    });
  }

  it('a NOT NULL plan on Prisma: the ADD ... NOT VALID and the VALIDATE are two migrations', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-plan-'));
    const file = path.join(dir, 'prisma', 'migrations', '20240102000000_change', 'migration.sql');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;\n');
    const a = analyze(fs.readFileSync(file, 'utf8'), { path: file, probe: projectProbe(file) });
    const plan = planFor(a.facts, 0, OPTIONS)!;
    assert.deepEqual(plan.steps.map((s) => s.slug), ['enforce', 'enforce-2']);
    assert.match(plan.steps[0].sql, /NOT VALID;$/);
    assert.match(plan.steps[1].sql, /^SET lock_timeout = '2s';\nALTER TABLE "orders" VALIDATE CONSTRAINT/);
  });

  it('a rename with no type in the history reads the type from the database, failing loudly without the column', () => {
    const a = analyze('ALTER TABLE orders RENAME COLUMN note TO memo;', {});
    const plan = planFor(a.facts, 0, OPTIONS)!;
    assert.match(plan.steps[0].sql, /SELECT format_type\(atttypid, atttypmod\) INTO t FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note'/);
    assert.match(plan.steps[0].sql, /RAISE EXCEPTION 'no column note in %'/);
  });

  it('says what is missing instead of a plan', () => {
    const prior = analyze('CREATE TABLE t (a int, b int, PRIMARY KEY (a, b));', {}).facts.catalogAfter;
    assert.deepEqual(planAnswer(analyze('ALTER TABLE t ALTER COLUMN a TYPE bigint;', { prior }).facts, 0, OPTIONS), { missing: 'a is part of the composite primary key of t: the plan rebuilds single-column keys only' });
    assert.match((planAnswer(analyze('VACUUM FULL t;', {}).facts, 0, OPTIONS) as { missing: string }).missing, /no database is connected/);
    // With the extensions of a connected database: which are installed decides, and one available but not installed is named.
    const vacuum = analyze('VACUUM FULL t;', {}).facts;
    assert.match((planAnswer(vacuum, 0, { ...OPTIONS, extensions: ['plpgsql'], available: [] }) as { missing: string }).missing, /^neither pg_squeeze nor pg_repack is installed on the connected database: /);
    assert.match((planAnswer(vacuum, 0, { ...OPTIONS, extensions: ['plpgsql'], available: ['pg_repack'] }) as { missing: string }).missing, /\(pg_repack is available on its server: CREATE EXTENSION pg_repack, then plan again\)/);
    assert.match((planAnswer(vacuum, 0, { ...OPTIONS, extensions: ['plpgsql', 'pg_repack'] }) as { plan: { title: string } }).plan.title, /^VACUUM FULL with pg_repack/);
    assert.match((planAnswer(analyze('CLUSTER t USING t_pkey;', {}).facts, 0, { ...OPTIONS, extensions: ['pg_squeeze', 'pg_repack'] }) as { plan: { title: string } }).plan.title, /^CLUSTER with pg_squeeze/);
    assert.equal(planReadsExtensions(vacuum, 0), true);
    assert.equal(planReadsExtensions(analyze('VACUUM t;', {}).facts, 0), false, 'a plain VACUUM rewrites nothing');
    assert.equal(planAnswer(analyze('CREATE TABLE u (a int);', {}).facts, 0, OPTIONS), undefined);
  });
});

/** What an unfixable case of a rule is, seen on its finding and statement. */
type Case = { finding: Finding; s: StatementFacts; settings: Partial<Settings> };
const inDoBlock = (c: Case) => c.s.kind === 'DoStmt';
/** `assumeInTransaction` without a known tool: no new migration can be named for it. */
const unknownTool = (c: Case) => c.settings.assumeInTransaction === true && !c.settings.framework;
const alters = (subtype: string) => (c: Case) => c.s.commands.some((cmd) => cmd.subtype === subtype);

/**
 * The documented reason is one text per rule (docs.noSafeForm), but what it covers is per case: a
 * rule that fixes or plans some of its findings must not hide an unanswered case behind its
 * rule-wide text. So each unanswered error finding of such a rule must be one of the cases named
 * here (by what makes it unanswerable, read from its finding and statement) together with the words
 * of the rule's docs that name that case, checked to be in docs.noSafeForm; an entry no table case
 * matches fails too (no stale claims). A rule that answers none of its findings (ban-drop-database,
 * column-used-by-view...) is wholly its documented case. A plan's own "missing" answer (VACUUM FULL
 * without a database) is a reason of that case already. Chosen over a reason id per report: the
 * reason shown is the documented text either way, and rule.ts stays as it is.
 */
const UNANSWERED: Record<string, [is: (c: Case) => boolean, docsSay: string][]> = {
  'require-concurrent-index': [
    [inDoBlock, 'a statement inside a DO block'],
    [unknownTool, 'a file that an unknown tool runs in one transaction'],
    [(c) => c.finding.messageId === 'dropIndex' && nodeOf(c.s.statement, 'DropStmt')?.behavior === 'DROP_CASCADE', '`DROP INDEX ... CASCADE`'],
    [(c) => c.finding.messageId === 'reindex' && (c.settings.pgVersion ?? 17) < 12, '`REINDEX` before PostgreSQL 12'],
  ],
  'concurrently-in-transaction': [
    [inDoBlock, 'A statement inside a DO block'],
    [unknownTool, 'In a file an unknown tool runs in one transaction'],
  ],
  'constraint-missing-not-valid': [
    [inDoBlock, 'A constraint added inside a DO block'],
    [unknownTool, 'in a file an unknown tool runs in one transaction'],
  ],
  'set-not-null': [[inDoBlock, 'Inside a DO block']],
  'unique-constraint-builds-index': [
    [(c) => c.finding.messageId === 'exclusion', 'An EXCLUDE constraint has no USING INDEX form'],
    [(c) => c.finding.messageId === 'buildsIndex' && alters('AT_AddColumn')(c), 'A PRIMARY KEY on a column added in the same statement'],
  ],
  'changing-column-type': [[inDoBlock, 'A type change inside a DO block']],
  'table-rewrite': [
    [(c) => alters('AT_SetLogged')(c) || alters('AT_SetUnLogged')(c), 'SET LOGGED / UNLOGGED'],
    [alters('AT_SetTableSpace'), 'SET TABLESPACE'],
    [alters('AT_SetAccessMethod'), 'SET ACCESS METHOD'],
  ],
  'partition-detach-blocking': [
    [(c) => c.finding.messageId === 'detachInTransaction', 'cannot run in a transaction block'],
    [(c) => c.finding.messageId === 'detachBefore14', 'Before PostgreSQL 14 there is none'],
  ],
  'validate-in-same-transaction': [[unknownTool, 'In a file an unknown tool runs in one transaction']],
  'index-on-partitioned-table': [[(c) => c.s.inTransaction, 'or the statement runs in a transaction']],
};

describe('every error finding of the rule tables has a way out (issue 18)', () => {
  it('a fix, a plan, or a documented reason that no safe form exists, case by case', () => {
    const left: string[] = [];
    const used = new Set<string>();
    let checked = 0;
    for (const rule of RULES.filter((r) => r.meta.severity === 'error')) {
      const unanswered: { c: Case; sql: string }[] = [];
      let answered = 0;
      for (const c of testsOf(rule).invalid) {
        const settings = settingsFor(c.settings);
        const a = analyze(c.sql, { settings });
        for (const f of a.findings.filter((x) => x.rule === rule.meta.id && x.severity === 'error')) {
          checked++;
          const fixed = f.fixes.some((x) => !x.disabled && (x.edits.length || x.files?.length));
          const answer = !fixed && rule.meta.plan && f.statement !== undefined ? planAnswer(a.facts, f.statement, OPTIONS) : undefined;
          if (fixed || (answer && 'plan' in answer)) answered++;
          else if (!(answer && 'missing' in answer)) unanswered.push({ c: { finding: f, s: a.facts.statements[f.statement ?? -1], settings: c.settings ?? {} }, sql: c.sql });
        }
      }
      const docs = (rule.meta.docs.noSafeForm ?? '').replace(/\s+/g, ' ');
      for (const { c, sql } of unanswered) {
        const why = `${rule.meta.id}: ${JSON.stringify(sql)}${c.finding.fixes[0]?.disabled ? ` (fix disabled: ${c.finding.fixes[0].disabled})` : ''}`;
        if (!docs) left.push(`${why}: no documented reason`);
        else if (answered === 0) continue; // the rule answers none of its findings: its reason is theirs
        else {
          const named = (UNANSWERED[rule.meta.id] ?? []).find(([is]) => c.s && is(c));
          if (!named) left.push(`${why}: a case the documented reason does not name (UNANSWERED)`);
          else if (!docs.includes(named[1])) left.push(`${why}: its docs do not say ${JSON.stringify(named[1])}`);
          else used.add(`${rule.meta.id}: ${named[1]}`);
        }
      }
    }
    assert.ok(checked > 50, `the tables have error findings (${checked})`);
    assert.deepEqual(left, []);
    const stale = Object.entries(UNANSWERED).flatMap(([id, entries]) => entries.map(([, say]) => `${id}: ${say}`)).filter((k) => !used.has(k));
    assert.deepEqual(stale, [], 'every named case is a case of the tables');
  });

  it('the documented reasons are on the rules docs pages', () => {
    for (const rule of RULES.filter((r) => r.meta.docs.noSafeForm)) {
      const page = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'rules', `${rule.meta.id}.md`), 'utf8');
      assert.ok(page.includes('## When there is no safe form') && page.includes(rule.meta.docs.noSafeForm!.split('\n')[0]), rule.meta.id);
    }
  });
});
