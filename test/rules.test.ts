/**
 * One runner for every rule's table (STYLE.md §4, §12): quiet SQL stays quiet, reported SQL is
 * reported at the expected range, each fix produces the exact SQL, and the docs' examples behave
 * as they say.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { applyEdits } from '../server/src/engine/edits';
import { parseFile } from '../server/src/engine/parse';
import { RULES } from '../server/src/engine/rules';
import { resolveSettings, Settings } from '../server/src/engine/settings';

before(loadParser);

function settingsWith(partial: Partial<Settings> | undefined): Settings {
  const { settings, problems } = resolveSettings(partial ?? {});
  assert.deepEqual(problems, []);
  return settings;
}

// Opt-in rules (enabledByDefault: false) are switched on for their own tables.
const OPT_IN = Object.fromEntries(RULES.filter((r) => r.enabledByDefault === false).map((r) => [r.id, r.severity]));

function run(sql: string, partial?: Partial<Settings>) {
  const analysis = analyze(sql, { settings: settingsWith({ ...partial, rules: { ...OPT_IN, ...partial?.rules } }) });
  const syntax = analysis.findings.filter((f) => f.rule === 'syntax-error');
  assert.deepEqual(syntax, [], `test SQL must parse: ${sql}`);
  return analysis;
}

describe('rule registry', () => {
  it('has unique kebab-case ids, docs and a test table for every rule', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of RULES) {
      assert.match(rule.id, /^[a-z]+(-[a-z]+)+$/);
      for (const part of ['summary', 'why', 'unsafe', 'safe'] as const) assert.ok(rule.docs[part].trim().length > 10, `${rule.id} docs.${part}`);
      assert.ok(rule.tests.valid.length > 0 && rule.tests.invalid.length > 0, `${rule.id} test table`);
    }
  });
});

for (const rule of RULES) {
  describe(rule.id, () => {
    for (const valid of rule.tests.valid) {
      const { sql, settings } = typeof valid === 'string' ? { sql: valid, settings: undefined } : valid;
      it(`quiet: ${sql.replace(/\n/g, ' ⏎ ')}`, () => {
        const found = run(sql, settings).findings.filter((f) => f.rule === rule.id);
        assert.deepEqual(found.map((f) => f.message), []);
      });
    }
    for (const invalid of rule.tests.invalid) {
      it(`reports: ${invalid.sql.replace(/\n/g, ' ⏎ ')}`, () => {
        const found = run(invalid.sql, invalid.settings).findings.filter((f) => f.rule === rule.id);
        assert.equal(found.length, invalid.reports.length, `reports: ${JSON.stringify(found.map((f) => f.message))}`);
        invalid.reports.forEach((expected, i) => {
          const r = found[i].range;
          assert.deepEqual([r.start.line, r.start.character, r.end.line, r.end.character], expected.range, found[i].message);
          if (expected.message) assert.ok(found[i].message.includes(expected.message), `"${found[i].message}" should mention "${expected.message}"`);
        });
        // A disabled fix says why it cannot be applied here; it edits nothing.
        const firstFixes = found.map((f) => f.fixes.find((x) => !x.disabled)).filter((f) => f !== undefined);
        if (invalid.output === null) {
          assert.deepEqual(firstFixes, [], 'no fix expected');
        } else {
          assert.ok(firstFixes.length > 0, 'a fix is expected');
          // One fix can serve several reports (require-timeouts): apply each distinct fix once.
          const distinct = [...new Map(firstFixes.map((f) => [JSON.stringify(f.edits), f])).values()];
          const fixed = applyEdits(invalid.sql, distinct.flatMap((f) => f.edits));
          assert.equal(fixed, invalid.output);
          const again = run(fixed, invalid.settings).findings.filter((f) => f.rule === rule.id);
          assert.deepEqual(again.map((f) => f.message), [], 'the fixed SQL must not be reported again');
        }
      });
    }
    it('docs: every unsafe example is reported', () => {
      // Examples are separated by blank lines; each one (with its context statements) must be reported.
      for (const example of rule.docs.unsafe.split(/\n\s*\n/)) {
        const found = run(example, rule.docs.exampleSettings).findings.filter((f) => f.rule === rule.id);
        assert.ok(found.length > 0, `docs.unsafe example not reported: ${example}`);
        assert.ok(parseFile(example).statements.length > 0);
      }
    });
    it('docs: the safe example is quiet', () => {
      const found = run(rule.docs.safe, rule.docs.exampleSettings).findings.filter((f) => f.rule === rule.id);
      assert.deepEqual(found.map((f) => f.message), []);
    });
  });
}
