/**
 * Every quick fix, proven on every reported case of its rule's table (not only the first fix,
 * which the rule tables check to the letter): the fixed SQL parses with PostgreSQL's parser, the
 * finding is gone, and every comment and every other statement of the file is still there as it
 * was. Then fix-all (`migration-guard fix` is tested with the CLI, in cli.test.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { applyEdits } from '../server/src/engine/edits';
import { fixAll } from '../server/src/engine/fixall';
import { parseFile } from '../server/src/engine/parse';
import { RULES } from '../server/src/engine/rules';
import { resolveSettings } from '../server/src/engine/settings';
import { settingsFor, testsOf } from './rule-tables';

before(loadParser);

const root = path.join(__dirname, '..', '..');

for (const registered of RULES) {
  const rule = registered.meta;
  const cases = testsOf(registered).invalid.filter((c) => c.output !== null);
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
