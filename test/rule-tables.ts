/**
 * The rules' test tables: test/rules/<id>.cases.ts exports `tests` for server/src/engine/rules/<id>.ts.
 * They live under test/ so that no bundle can contain them (test/bundle.test.ts checks the
 * bundles' inputs): esbuild cannot be trusted to drop an unused export from the engine modules
 * it wraps for the CLI's lazy require of the server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rule, RuleTests } from '../server/src/engine/rule';
import { RULES } from '../server/src/engine/rules';
import { resolveSettings, Settings } from '../server/src/engine/settings';

/** The compiled rules folder (out/server/src/engine/rules) and tables folder (out/test/rules). */
export const RULES_DIR = path.join(__dirname, '..', 'server', 'src', 'engine', 'rules');
export const TABLES_DIR = path.join(__dirname, 'rules');

/** The names (rule ids) of the rule files and of the table files. */
export function ruleFiles(): { rules: string[]; tables: string[] } {
  const names = (dir: string, suffix: string) =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(suffix) && f !== 'index.js')
      .map((f) => f.slice(0, -suffix.length))
      .sort();
  return { rules: names(RULES_DIR, '.js'), tables: names(TABLES_DIR, '.cases.js') };
}

/** The test table of a registered rule. */
export function testsOf(rule: Rule): RuleTests {
  const file = path.join(TABLES_DIR, `${rule.meta.id}.cases.js`);
  if (!fs.existsSync(file)) throw new Error(`no test table test/rules/${rule.meta.id}.cases.ts`);
  return (require(file) as { tests: RuleTests }).tests;
}

/** The rule a rule file exports. */
export function ruleIn(name: string): Rule {
  return (require(path.join(RULES_DIR, `${name}.js`)) as { rule: Rule }).rule;
}

/** Opt-in rules (enabledByDefault: false) are switched on for their own tables. */
export const OPT_IN: Record<string, Settings['rules'][string]> = Object.fromEntries(
  RULES.filter((r) => r.meta.enabledByDefault === false).map((r) => [r.meta.id, r.meta.severity]),
);

export function settingsFor(partial?: Partial<Settings>): Settings {
  return resolveSettings({ ...partial, rules: { ...OPT_IN, ...partial?.rules } }).settings;
}
