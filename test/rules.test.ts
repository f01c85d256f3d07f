/**
 * One runner for every rule's table (STYLE.md §4, §12, §18): quiet SQL stays quiet, reported SQL
 * is reported at the expected range with the expected message id (and, where the case gives its
 * data, the exact message), each fix produces the exact SQL and is of a safety the rule's meta
 * declares, and the docs' examples behave as they say, statement by statement.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, Finding, loadParser } from '../server/src/engine/analyze';
import { applyEdits } from '../server/src/engine/edits';
import { parseFile } from '../server/src/engine/parse';
import { planFor } from '../server/src/engine/plan';
import { formatMessage, Rule, RuleTests } from '../server/src/engine/rule';
import { RULES, SQUAWK_RULES } from '../server/src/engine/rules';
import { resolveSettings, Settings } from '../server/src/engine/settings';
import { noCorpus, requireCorpus } from './corpus';
import { OPT_IN, ruleFiles, ruleIn, testsOf } from './rule-tables';

before(loadParser);

function settingsWith(partial: Partial<Settings> | undefined): Settings {
  const { settings, problems } = resolveSettings({ ...partial, rules: { ...OPT_IN, ...partial?.rules } });
  assert.deepEqual(problems, []);
  return settings;
}

function run(sql: string, partial?: Partial<Settings>) {
  const analysis = analyze(sql, { settings: settingsWith(partial) });
  const syntax = analysis.findings.filter((f) => f.rule === 'syntax-error');
  assert.deepEqual(syntax, [], `test SQL must parse: ${sql}`);
  return analysis;
}

const casesOf = (tests: RuleTests) => [
  ...tests.valid.map((v) => (typeof v === 'string' ? { sql: v, settings: undefined } : v)),
  ...tests.invalid,
];

describe('rule registry', () => {
  it('has one rule file per registered rule, named by its id, and one test table per rule', () => {
    const { rules, tables } = ruleFiles();
    const ids = RULES.map((r) => r.meta.id).sort();
    assert.deepEqual(rules, ids, 'server/src/engine/rules/<id>.ts');
    assert.deepEqual(tables, ids, 'test/rules/<id>.cases.ts');
    for (const name of rules) assert.ok(RULES.includes(ruleIn(name)), `${name}.ts exports the registered rule`);
    for (const rule of RULES) {
      const tests = testsOf(rule);
      assert.ok(tests.valid.length > 0 && tests.invalid.length > 0, `${rule.meta.id} test table`);
    }
  });

  it('has unique kebab-case ids, docs, and messages with named placeholders', () => {
    const ids = RULES.map((r) => r.meta.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const { meta } of RULES) {
      assert.match(meta.id, /^[a-z]+(-[a-z]+)+$/);
      for (const part of ['summary', 'why', 'unsafe', 'safe'] as const) assert.ok(meta.docs[part].trim().length > 10, `${meta.id} docs.${part}`);
      assert.ok(Object.keys(meta.messages).length > 0, `${meta.id} has messages`);
      for (const [messageId, text] of Object.entries(meta.messages)) {
        assert.match(messageId, /^[a-z][A-Za-z0-9]*$/, `${meta.id} message id ${messageId}`);
        // Every `{{` opens a placeholder that closes: a typo would print braces to the user.
        assert.equal(text.split('{{').length, text.split('}}').length, `${meta.id}.${messageId}`);
        assert.doesNotMatch(text.replace(/\{\{\w+\}\}/g, ''), /[{}]{2}/, `${meta.id}.${messageId}`);
      }
    }
  });

  it('tests every message id of every rule in its table', () => {
    const untested: string[] = [];
    for (const rule of RULES) {
      const used = new Set(testsOf(rule).invalid.flatMap((c) => c.reports.map((r) => r.messageId)));
      for (const messageId of Object.keys(rule.meta.messages)) if (!used.has(messageId)) untested.push(`${rule.meta.id}.${messageId}`);
      for (const messageId of used) assert.ok(messageId in rule.meta.messages, `${rule.meta.id}: the table expects an unknown message ${messageId}`);
    }
    assert.deepEqual(untested, [], 'message ids no case reports');
  });

  it('declares a fix safety exactly when the rule offers fixes, and tests one fix', () => {
    for (const rule of RULES) {
      const { fixable, id } = rule.meta;
      assert.equal(new Set(fixable).size, fixable.length, id);
      if (fixable.length) assert.ok(testsOf(rule).invalid.some((c) => c.output !== null), `${id} is fixable: a case must show its output`);
      else assert.ok(testsOf(rule).invalid.every((c) => c.output === null), `${id} declares no fix`);
    }
  });

  it('offers Plan Safe Change only for rules whose findings have a plan', () => {
    const options = { batchSize: 1000, pause: 0, lockTimeout: '5s' };
    for (const rule of RULES.filter((r) => r.meta.plan)) {
      const planned = testsOf(rule).invalid.some((c) => {
        const analysis = run(c.sql, c.settings);
        return analysis.findings.some((f) => f.rule === rule.meta.id && f.statement !== undefined && planFor(analysis.facts, f.statement, options));
      });
      assert.ok(planned, `${rule.meta.id} says a plan is offered, but none of its cases has one`);
    }
  });

  it('maps squawk rule names to the rules that answer for them', () => {
    for (const { meta } of RULES) for (const name of meta.squawk ?? []) assert.match(name, /^[a-z]+(-[a-z]+)+$/);
    assert.deepEqual(SQUAWK_RULES['require-concurrent-index-deletion'], ['require-concurrent-index']);
    assert.deepEqual(SQUAWK_RULES['adding-foreign-key-constraint'], ['constraint-missing-not-valid', 'adding-foreign-key-column']);
    // squawk 2.66's names that had no mapping before (its binary lists them).
    for (const [name, id] of [
      ['prefer-timestamp-tz', 'prefer-timestamptz'],
      ['require-concurrent-reindex', 'require-concurrent-index'],
      ['require-concurrent-partition-detach', 'partition-detach-blocking'],
      ['require-lock-timeout', 'require-timeouts'],
      ['require-statement-timeout', 'require-timeouts'],
      ['prefer-repack', 'table-rewrite'],
      ['ban-drop-not-null', 'drop-not-null-or-default'],
    ]) assert.deepEqual(SQUAWK_RULES[name], [id], name);
  });
});

/** The first fix of each finding that is not disabled (a disabled fix says why it cannot apply, and edits nothing). */
const firstFixes = (found: Finding[]) => found.map((f) => f.fixes.find((x) => !x.disabled)).filter((f) => f !== undefined);

function checkFixSafety(rule: Rule, found: Finding[]) {
  for (const f of found) for (const fix of f.fixes) assert.ok(rule.meta.fixable.includes(fix.safety), `${rule.meta.id} offers a ${fix.safety} fix (${fix.title}); meta.fixable says ${JSON.stringify(rule.meta.fixable)}`);
}

/**
 * The statements of an unsafe example that set the scene: those the table's `unsafeContext` names
 * (taking each name from `unused` as it matches), or else transaction control and SET statements.
 */
function contextOf(tests: RuleTests, statements: ReturnType<typeof parseFile>['statements'], unused: string[]): Set<number> {
  const context = new Set<number>();
  for (const s of statements) {
    if (tests.unsafeContext) {
      const k = unused.indexOf(s.text.replace(/\s+/g, ' '));
      if (k < 0) continue;
      unused.splice(k, 1);
      context.add(s.index);
    } else if (s.kind === 'TransactionStmt' || s.kind === 'VariableSetStmt') context.add(s.index);
  }
  return context;
}

for (const rule of RULES) {
  const { meta } = rule;
  const tests = testsOf(rule);
  describe(meta.id, () => {
    for (const valid of tests.valid) {
      const { sql, settings } = typeof valid === 'string' ? { sql: valid, settings: undefined } : valid;
      it(`quiet: ${sql.replace(/\n/g, ' ⏎ ')}`, () => {
        const found = run(sql, settings).findings.filter((f) => f.rule === meta.id);
        assert.deepEqual(found.map((f) => f.message), []);
      });
    }
    for (const invalid of tests.invalid) {
      it(`reports: ${invalid.sql.replace(/\n/g, ' ⏎ ')}`, () => {
        const found = run(invalid.sql, invalid.settings).findings.filter((f) => f.rule === meta.id);
        assert.equal(found.length, invalid.reports.length, `reports: ${JSON.stringify(found.map((f) => f.message))}`);
        invalid.reports.forEach((expected, i) => {
          const r = found[i].range;
          assert.deepEqual([r.start.line, r.start.character, r.end.line, r.end.character], expected.range, found[i].message);
          assert.equal(found[i].messageId, expected.messageId, found[i].message);
          if (expected.data) assert.equal(found[i].message, formatMessage(meta, expected.messageId, expected.data));
        });
        checkFixSafety(rule, found);
        const fixes = firstFixes(found);
        if (invalid.output === null) {
          assert.deepEqual(fixes, [], 'no fix expected');
        } else {
          assert.ok(fixes.length > 0, 'a fix is expected');
          // One fix can serve several reports (require-timeouts): apply each distinct fix once.
          const distinct = [...new Map(fixes.map((f) => [JSON.stringify(f.edits), f])).values()];
          const fixed = applyEdits(invalid.sql, distinct.flatMap((f) => f.edits));
          assert.equal(fixed, invalid.output);
          const again = run(fixed, invalid.settings).findings.filter((f) => f.rule === meta.id);
          assert.deepEqual(again.map((f) => f.message), [], 'the fixed SQL must not be reported again');
        }
      });
    }
    it('never offers a fix of a safety its meta does not declare, on any case', () => {
      for (const c of casesOf(tests)) checkFixSafety(rule, run(c.sql, c.settings).findings.filter((f) => f.rule === meta.id));
    });
    it('docs: every statement of each unsafe example is reported (its context aside)', () => {
      // Examples are separated by blank lines; each is analysed whole, so context statements
      // (BEGIN, the ALTER whose lock a later statement extends) play their part.
      const unused = [...(tests.unsafeContext ?? [])];
      for (const example of meta.docs.unsafe.split(/\n\s*\n/)) {
        const analysis = run(example, meta.docs.exampleSettings);
        const statements = parseFile(example).statements;
        const context = contextOf(tests, statements, unused);
        const checked = statements.filter((s) => !context.has(s.index));
        assert.ok(checked.length > 0, `docs.unsafe example has no statement to report: ${example}`);
        for (const s of checked) {
          const found = analysis.findings.filter((f) => f.rule === meta.id && f.statement === s.index);
          assert.ok(found.length > 0, `docs.unsafe statement not reported: ${s.text}`);
        }
        for (const s of statements.filter((x) => context.has(x.index))) {
          const found = analysis.findings.filter((f) => f.rule === meta.id && f.statement === s.index);
          assert.deepEqual(found.map((f) => f.message), [], `context statement reported: ${s.text}`);
        }
      }
      assert.deepEqual(unused, [], 'unsafeContext names statements that docs.unsafe does not have');
    });
    it('docs: every statement of the safe example is quiet', () => {
      const analysis = run(meta.docs.safe, meta.docs.exampleSettings);
      const statements = parseFile(meta.docs.safe).statements;
      assert.ok(statements.length > 0 || /^\s*--/.test(meta.docs.safe), 'docs.safe has SQL or says why not');
      for (const s of statements) {
        const found = analysis.findings.filter((f) => f.rule === meta.id && f.statement === s.index);
        assert.deepEqual(found.map((f) => f.message), [], `docs.safe statement reported: ${s.text}`);
      }
      assert.deepEqual(analysis.findings.filter((f) => f.rule === meta.id).map((f) => f.message), []);
    });
  });
}

describe('statement-scoped rules (meta.scope)', () => {
  const scoped = RULES.filter((r) => r.meta.scope === 'statement');
  const sqlFiles = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sqlFiles(path.join(dir, e.name)) : e.name.endsWith('.sql') ? [path.join(dir, e.name)] : []));

  /**
   * What a statement-scoped rule reports over a file is what it reports over each statement
   * alone (a file of that one statement's facts), and each report lies within its statement:
   * the language server re-uses a statement's reports while its facts stay the same.
   */
  const composes = (sql: string, settings: Settings, where: string) => {
    const facts = analyze(sql, { settings }).facts;
    const key = (r: unknown) => JSON.stringify(r);
    const alone = facts.statements.map((s) => ({ ...facts, statements: [s] }));
    for (const rule of scoped) {
      const whole = rule.check(facts).map(key).sort();
      const parts: string[] = [];
      alone.forEach((view, i) => {
        const s = facts.statements[i].statement;
        for (const r of rule.check(view)) {
          // Reports on a statement of a routine the statement calls lie in the routine's body.
          if (!facts.statements[i].inner || facts.statements[i].kind === 'DoStmt') {
            const inside = (a: number, b: number) => a >= s.start && b <= (s.terminatorEnd ?? s.end);
            assert.ok(inside(r.start, r.end) && (r.fixes ?? []).every((f) => f.edits.every((e) => inside(e.start, e.end))), `${rule.meta.id}: a report outside its statement, ${where}`);
          }
          parts.push(key(r));
        }
      });
      assert.deepEqual(parts.sort(), whole, `${rule.meta.id}, ${where}`);
    }
  };

  it('report over a file what they report over each statement alone, within it (rule tables)', () => {
    for (const rule of RULES) {
      for (const c of casesOf(testsOf(rule))) composes(c.sql, settingsWith(c.settings), `${rule.meta.id} case ${c.sql.slice(0, 60)}`);
      composes(rule.meta.docs.unsafe, settingsWith(rule.meta.docs.exampleSettings), `${rule.meta.id} docs`);
    }
  });

  it('report over a file what they report over each statement alone, within it (real migrations)', { skip: noCorpus }, () => {
    const settings = settingsWith({});
    const files = sqlFiles(requireCorpus());
    assert.ok(files.length > 500, `${files.length} files`);
    for (const file of files) composes(fs.readFileSync(file, 'utf8'), settings, file);
  });
});
