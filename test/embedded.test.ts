/**
 * Migrations in TypeScript and JavaScript, from fixtures written the way each tool's documentation
 * writes them: the SQL extracted, the transaction model, the findings on the right source
 * ranges, dynamic SQL reported as not analysed, and the CLI's coverage line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeSource, loadParser } from '../server/src/engine/analyze';
import { extractMigration } from '../server/src/engine/embedded';
import { LineMap } from '../server/src/engine/positions';

before(loadParser);

const root = path.join(__dirname, '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'embedded');
const read = (relative: string) => fs.readFileSync(path.join(fixtures, relative), 'utf8');

/** `rule@line:col "source text under the range"` for each finding. */
function findings(relative: string): string[] {
  const text = read(relative);
  const analysis = analyzeSource(text, { path: path.join(fixtures, relative) })!;
  const lines = text.split('\n');
  return analysis.findings.map((f) => {
    const { start, end } = f.range;
    const under = start.line === end.line ? lines[start.line].slice(start.character, end.character) : `${lines[start.line].slice(start.character)}…`;
    return `${f.rule}@${start.line + 1}:${start.character + 1} ${under}`;
  });
}

describe('extraction', () => {
  it('TypeORM: the literals of queryRunner.query, in order; interpolated SQL is dynamic', () => {
    const m = extractMigration('1700000000000-AddEmailIndex.ts', read('typeorm/migrations/1700000000000-AddEmailIndex.ts'))!;
    assert.equal(m.tool, 'typeorm');
    assert.equal(m.transaction, true);
    assert.deepEqual(
      m.statements.map((s) => `${s.direction}: ${s.sql}`),
      [
        "up: SET lock_timeout = '5s'",
        'up: CREATE INDEX "IDX_user_email" ON "user" ("email")',
        'up: ALTER TABLE "user" ADD CONSTRAINT "FK_user_org" FOREIGN KEY ("orgId") REFERENCES "org"("id")',
        'down: ALTER TABLE "user" DROP CONSTRAINT "FK_user_org"',
        'down: DROP INDEX "IDX_user_email"',
      ],
    );
    assert.equal(m.dynamic.length, 1);
  });

  it('turns schema-builder calls into the statements they issue', () => {
    const sql = (file: string) => extractMigration(file, read(file))!.statements.map((s) => s.sql);
    assert.deepEqual(sql('knex/migrations/20240101000000_add_status.js'), [
      "SET lock_timeout = '5s'",
      'ALTER TABLE users ADD COLUMN status varchar(255) NOT NULL',
      'CREATE INDEX ON users (status)',
      'ALTER TABLE users DROP COLUMN status',
    ]);
    assert.deepEqual(sql('node-pg-migrate/migrations/1700000000000_add-email-index.js').slice(1), ['CREATE INDEX CONCURRENTLY ON users (email)']);
    assert.deepEqual(sql('sequelize/migrations/20240101000000-add-plan.js').slice(1, 3), ['ALTER TABLE "Users" ADD COLUMN plan text NOT NULL', 'CREATE INDEX CONCURRENTLY ON "Users" (plan)']);
    assert.deepEqual(sql('kysely/migrations/2024-01-01-add-index.ts').slice(1), [
      'CREATE INDEX person_email_idx ON person (email)',
      'ALTER TABLE person ADD COLUMN nickname text NOT NULL',
      'ALTER TABLE person DROP COLUMN nickname',
    ]);
  });

  it('models each tool transaction and the file opt-outs', () => {
    const model = (file: string) => extractMigration(file, read(file))!.transaction;
    assert.equal(model('typeorm/migrations/1700000000001-AddEmailIndexSafely.ts'), false, 'transaction = false');
    assert.equal(model('knex/migrations/20240101000000_add_status.js'), true);
    assert.equal(model('knex/migrations/20240102000000_status_index.js'), false, 'config = { transaction: false }');
    assert.equal(model('node-pg-migrate/migrations/1700000000000_add-email-index.js'), true);
    assert.equal(model('node-pg-migrate/migrations/1700000000001_add-email-index-safely.js'), false, 'pgm.noTransaction()');
    assert.equal(model('sequelize/migrations/20240101000000-add-plan.js'), false, 'Sequelize does not wrap');
    assert.equal(model('kysely/migrations/2024-01-01-add-index.ts'), true);
  });

  it('leaves source files that are no migration alone', () => {
    assert.equal(extractMigration('app.ts', 'export function add(a: number, b: number) { return a + b; }'), undefined);
  });
});

describe('findings on the TypeScript / JavaScript source', () => {
  it('TypeORM: on the words of the literal, and dynamic SQL as not analysed', () => {
    const found = findings('typeorm/migrations/1700000000000-AddEmailIndex.ts');
    assert.ok(found.includes('require-concurrent-index@8:30 CREATE INDEX'), found.join('\n'));
    assert.ok(found.some((f) => f.startsWith('constraint-missing-not-valid@9:49 ADD CONSTRAINT "FK_user_org" FOREIGN KEY')));
    assert.ok(found.some((f) => f.startsWith('dynamic-sql@11:11 queryRunner.query(`ALTER TABLE "${table}"')));
    assert.ok(!found.some((f) => f.startsWith('multiple-exclusive-locks')), 'an index lock is not a second table');
  });

  it('CONCURRENTLY inside the tool transaction, on the builder call; quiet after the opt-out', () => {
    assert.deepEqual(
      findings('node-pg-migrate/migrations/1700000000000_add-email-index.js').filter((f) => f.startsWith('concurrently')),
      ["concurrently-in-transaction@3:3 pgm.createIndex('users', 'email', { concurrently: true })"],
    );
    assert.deepEqual(findings('node-pg-migrate/migrations/1700000000001_add-email-index-safely.js'), []);
    assert.deepEqual(findings('knex/migrations/20240102000000_status_index.js'), []);
    assert.deepEqual(findings('typeorm/migrations/1700000000001-AddEmailIndexSafely.ts'), []);
  });

  it('where the file cannot opt out, the fix says how the tool does it', () => {
    const relative = 'kysely/migrations/2024-01-01-add-index.ts';
    const analysis = analyzeSource(read(relative), { path: relative })!;
    const fix = analysis.findings.find((f) => f.rule === 'require-concurrent-index')!.fixes[0];
    assert.match(fix.disabled!, /kysely runs this in a transaction: create the Migrator with disableTransactions: true/);
  });

  it('a fix inside a literal edits the literal', () => {
    const source = "exports.up = async (knex) => {\n  await knex.raw('CREATE INDEX orders_total_idx ON orders (total)');\n};\nexports.config = { transaction: false };\n";
    const analysis = analyzeSource(source, { path: 'migrations/1_index.js' })!;
    const fix = analysis.findings.find((f) => f.rule === 'require-concurrent-index')!.fixes[0];
    assert.deepEqual(fix.edits, [{ range: { start: { line: 1, character: 30 }, end: { line: 1, character: 30 } }, newText: ' CONCURRENTLY' }]);
    // A fix that would add a statement after the literal (VALIDATE) is not offered on the source.
    const check = analyzeSource(source.replace('CREATE INDEX orders_total_idx ON orders (total)', 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0)'), { path: 'migrations/1_check.js' })!;
    assert.deepEqual(check.findings.find((f) => f.rule === 'constraint-missing-not-valid')!.fixes, []);
  });
});

describe('fixes that edit the TypeScript / JavaScript', () => {
  const apply = (relative: string, source: string, rule: string) => {
    const analysis = analyzeSource(source, { path: relative })!;
    const fix = analysis.findings.find((f) => f.rule === rule)!.fixes[0];
    const lines = new LineMap(source);
    const edits = fix.edits.map((e) => ({ start: lines.offset(e.range.start), end: lines.offset(e.range.end), newText: e.newText })).sort((x, y) => y.start - x.start);
    return { title: fix.title, text: edits.reduce((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), source) };
  };

  it('TypeORM: CONCURRENTLY in the literal and transaction = false on the class', () => {
    const { title, text } = apply('typeorm/migrations/1700000000000-AddEmailIndex.ts', read('typeorm/migrations/1700000000000-AddEmailIndex.ts'), 'require-concurrent-index');
    assert.match(title, /^Add CONCURRENTLY, with transaction = false on the migration class/);
    assert.match(text, /implements MigrationInterface \{\n  transaction = false;\n/);
    assert.match(text, /queryRunner\.query\(`CREATE INDEX CONCURRENTLY "IDX_user_email" ON "user" \("email"\)`\)/);
    assert.ok(!analyzeSource(text, { path: 'x/migrations/1700000000000-AddEmailIndex.ts' })!.findings.some((f) => f.rule === 'require-concurrent-index' && f.range.start.line === 8));
  });

  it('node-pg-migrate: the concurrently option and pgm.noTransaction()', () => {
    const source = "exports.up = (pgm) => {\n  pgm.createIndex('users', 'email');\n};\n";
    const { text } = apply('migrations/1_index.js', source, 'require-concurrent-index');
    assert.equal(text, "exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.createIndex('users', 'email', { concurrently: true });\n};\n");
    const after = analyzeSource(text, { path: 'migrations/1_index.js' })!;
    assert.deepEqual(after.findings.filter((f) => f.rule.includes('concurren')), []);
    const { text: optedOut } = apply('m/migrations/1_index.js', read('node-pg-migrate/migrations/1700000000000_add-email-index.js'), 'concurrently-in-transaction');
    assert.match(optedOut, /^exports\.up = \(pgm\) => \{\n  pgm\.noTransaction\(\);\n/);
  });

  it('Knex: exports.config = { transaction: false }', () => {
    const source = "exports.up = async (knex) => {\n  await knex.raw('CREATE INDEX CONCURRENTLY i ON t (a)');\n};\n";
    const { text } = apply('migrations/1_index.js', source, 'concurrently-in-transaction');
    assert.equal(text, `${source}exports.config = { transaction: false };\n`);
  });
});

describe('migration-guard check on TypeScript / JavaScript migrations', () => {
  it('reads them in migrations folders and prints the coverage', () => {
    const out = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'check', fixtures], { encoding: 'utf8' });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stdout, /typeorm\/migrations\/1700000000000-AddEmailIndex\.ts:8:30: error require-concurrent-index/);
    assert.match(out.stdout, /1700000000000-AddEmailIndex\.ts: 5 statements analysed, 1 not analysed/);
    assert.match(out.stdout, /^\d+ statements analysed, 1 not analysed \(1 dynamic SQL\)$/m);
    assert.match(out.stdout, /^8 files checked/m);
  });
});
