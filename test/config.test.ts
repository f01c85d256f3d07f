/** The project configuration: the starter file, the known rule ids, merging per rule id. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { KNOWN_RULE_IDS } from '../server/src/engine/analyze';
import { OTHER_FINDINGS } from '../server/src/engine/findings';
import { RULES } from '../server/src/engine/rules';
import { ConfigError, mergeSettings, readConfigFile, starterConfig, stripJsonComments } from '../server/src/config';

describe('configuration', () => {
  it('knows every rule id and every non-rule finding id, once', () => {
    assert.deepEqual([...KNOWN_RULE_IDS].sort(), [...RULES.map((r) => r.meta.id), ...OTHER_FINDINGS.map((f) => f.id)].sort());
    assert.equal(new Set(KNOWN_RULE_IDS).size, KNOWN_RULE_IDS.length);
  });

  it('writes a starter file that parses and lists each rule with its default (off for opt-in rules)', () => {
    const text = starterConfig();
    const raw = JSON.parse(stripJsonComments(text));
    assert.deepEqual(raw.rules, {});
    for (const { meta } of RULES) {
      const setting = meta.enabledByDefault === false ? 'off' : meta.severity;
      assert.ok(text.includes(`// "${meta.id}": "${setting}",`), meta.id);
    }
    // Uncommenting every rule line gives a file the settings schema accepts.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-config-'));
    const file = path.join(dir, 'migration-guard.json');
    fs.writeFileSync(file, text.replace(/\/\/ ("[a-z-]+": "[a-z]+",)/g, '$1'));
    assert.equal(Object.keys(readConfigFile(file).raw.rules as object).length, RULES.length);
  });

  it('rejects an unknown rule id, naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-config-'));
    const file = path.join(dir, 'migration-guard.json');
    fs.writeFileSync(file, '{ "rules": { "no-such-rule": "error" } }');
    assert.throws(() => readConfigFile(file), (e: Error) => e instanceof ConfigError && e.message.startsWith(file) && e.message.includes('no-such-rule'));
  });

  it('merges rules per id, the overrides winning', () => {
    const { settings, problems } = mergeSettings({ rules: { 'ban-drop-table': 'error', 'require-timeouts': 'off' } }, { rules: { 'ban-drop-table': 'hint' } });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.rules, { 'ban-drop-table': 'hint', 'require-timeouts': 'off' });
  });
});
