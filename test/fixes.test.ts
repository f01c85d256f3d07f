/**
 * Every quick fix, proven on every reported case of its rule's table (not only the first fix,
 * which the rule tables check to the letter): the fixed SQL parses with PostgreSQL's parser, the
 * finding is gone, and every comment and every other statement of the file is still there as it
 * was. Then fix-all and `migration-guard fix`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { applyEdits } from '../server/src/engine/edits';
import { fixAll } from '../server/src/engine/fixall';
import { parseFile } from '../server/src/engine/parse';
import { RULES } from '../server/src/engine/rules';
import { resolveSettings, Settings } from '../server/src/engine/settings';

before(loadParser);

const root = path.join(__dirname, '..', '..');
const OPT_IN = Object.fromEntries(RULES.filter((r) => r.enabledByDefault === false).map((r) => [r.id, r.severity]));
const settingsFor = (partial?: Partial<Settings>) => resolveSettings({ ...partial, rules: { ...OPT_IN, ...partial?.rules } }).settings;

for (const rule of RULES) {
  const cases = rule.tests.invalid.filter((c) => c.output !== null);
  if (!cases.length) continue;
  describe(`fixes of ${rule.id}`, () => {
    for (const c of cases) {
      it(c.sql.replace(/\n/g, ' ⏎ ').slice(0, 90), async (t) => {
        const settings = settingsFor(c.settings);
        const before = analyze(c.sql, { settings });
        for (const finding of before.findings.filter((f) => f.rule === rule.id)) {
          for (const fix of finding.fixes.filter((f) => !f.disabled)) {
            await t.test(fix.title, () => {
              const fixed = applyEdits(c.sql, fix.edits);
              const after = analyze(fixed, { settings });
              // (1) PostgreSQL's parser accepts the result.
              assert.deepEqual(after.findings.filter((f) => f.rule === 'syntax-error').map((f) => f.message), [], fixed);
              // (2) The finding is gone: fewer findings of this rule.
              const count = (a: typeof before) => a.findings.filter((f) => f.rule === rule.id).length;
              assert.ok(count(after) < count(before), `still reported:\n${fixed}`);
              // (3) Comments and the other statements are untouched.
              const original = parseFile(c.sql);
              for (const comment of [...original.statements.flatMap((s) => [...s.leadingComments, ...s.ownComments]), ...original.trailingComments]) {
                assert.ok(fixed.includes(comment.text), `comment lost: ${comment.text}`);
              }
              const edited = original.statements[finding.statement!];
              for (const s of original.statements) if (s !== edited && s.kind !== 'TransactionStmt') assert.ok(fixed.includes(s.text), `statement changed: ${s.text}`);
            });
          }
        }
      });
    }
  });
}

describe('fix-all', () => {
  it('applies only safe fixes unless asked, and the result parses', () => {
    const sql = fs.readFileSync(path.join(root, 'examples', 'unsafe', '002_orders_user_fk.sql'), 'utf8');
    const defaults = resolveSettings({}).settings;
    const safe = fixAll(sql, { settings: defaults });
    assert.deepEqual(safe.applied, ['Add NOT VALID, then VALIDATE CONSTRAINT in its own statement']);
    assert.match(safe.text, /NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;/);
    const index = 'CREATE INDEX i ON users (email);';
    assert.equal(fixAll(index, { settings: defaults }).text, index, 'CONCURRENTLY is not a safe fix');
  });

  it('composes two fixes on one statement over passes', () => {
    const settings = settingsFor({ rules: { 'prefer-robust-stmts': 'warning', 'require-timeouts': 'off' } });
    const result = fixAll("SET lock_timeout = '1s';\nCREATE INDEX i ON users (email);", { settings, unsafe: true });
    assert.equal(result.text, "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (email);");
  });

  it('leaves every example migration parseable and with fewer findings', () => {
    for (const name of fs.readdirSync(path.join(root, 'examples', 'unsafe'))) {
      const sql = fs.readFileSync(path.join(root, 'examples', 'unsafe', name), 'utf8');
      const result = fixAll(sql, { settings: settingsFor(), unsafe: true });
      const after = analyze(result.text).findings;
      assert.ok(!after.some((f) => f.rule === 'syntax-error'), name);
      assert.ok(after.length < analyze(sql).findings.length, `${name}: ${result.text}`);
    }
  });
});

describe('migration-guard fix', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-fix-'));
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), ...args], { encoding: 'utf8' });

  it('prints the fixed SQL, writes it with --write, and never writes ignore comments', () => {
    const file = path.join(tmp, '001.sql');
    const sql = 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);\nDROP TABLE legacy;\n';
    fs.writeFileSync(file, sql);
    const printed = cli(['fix', file]);
    assert.equal(printed.status, 0);
    assert.match(printed.stdout, /ADD CONSTRAINT c CHECK \(total >= 0\) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;/);
    assert.equal(fs.readFileSync(file, 'utf8'), sql, 'not written without --write');
    assert.equal(cli(['fix', '--write', '--unsafe', file]).status, 0);
    const written = fs.readFileSync(file, 'utf8');
    assert.match(written, /^SET lock_timeout = '5s';\nSET statement_timeout = '30min';\nALTER TABLE orders ADD CONSTRAINT c CHECK \(total >= 0\) NOT VALID;/);
    assert.doesNotMatch(written, /migration-guard-ignore/);
    assert.match(written, /DROP TABLE legacy;/);
  });
});
