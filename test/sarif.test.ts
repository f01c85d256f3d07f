/**
 * SARIF for GitHub code scanning: every result, from any input (rules, syntax errors, binary
 * files, dynamic SQL in TS migrations), has a rule entry and a docs page that exists, and file
 * references are percent-encoded URIs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(__dirname, '..', '..');

/** A TypeORM migration with SQL built at run time (a dynamic-sql result). */
function typeormFixture(): string {
  const dir = path.join(root, 'test', 'fixtures', 'embedded', 'typeorm', 'migrations');
  const file = fs.readdirSync(dir).map((f) => path.join(dir, f)).find((f) => /\$\{/.test(fs.readFileSync(f, 'utf8')));
  assert.ok(file, 'a TypeORM fixture with an interpolated query');
  return file;
}

interface Sarif {
  runs: { tool: { driver: { rules: { id: string; helpUri: string; shortDescription: { text: string } }[] } }; results: { ruleId: string; ruleIndex: number; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
}

describe('SARIF', () => {
  it('has a rule entry and an existing docs page for every result, and percent-encoded file URIs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-sarif-'));
    const migrations = path.join(dir, 'app #1', 'migrations', 'été');
    fs.mkdirSync(migrations, { recursive: true });
    fs.writeFileSync(path.join(migrations, '001 add index.sql'), 'CREATE INDEX i ON users (email);\nSELEC 1;\n');
    fs.writeFileSync(path.join(migrations, '002_binary.sql'), Buffer.from([0, 1, 2, 3, 0, 0, 255]));
    fs.copyFileSync(typeormFixture(), path.join(migrations, '003_typeorm.ts'));
    const out = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'check', '.', '--format', 'sarif'], { cwd: dir, encoding: 'utf8' });
    const sarif = JSON.parse(out.stdout) as Sarif;
    const [run] = sarif.runs;
    const ids = new Set(run.results.map((r) => r.ruleId));
    for (const id of ['require-concurrent-index', 'syntax-error', 'unreadable-file', 'dynamic-sql']) assert.ok(ids.has(id), `a ${id} result`);
    for (const result of run.results) {
      const rule = run.tool.driver.rules[result.ruleIndex];
      assert.equal(rule?.id, result.ruleId, `rule entry of ${result.ruleId}`);
      assert.ok(rule.shortDescription.text);
      assert.ok(fs.existsSync(path.join(root, 'docs', 'rules', `${result.ruleId}.md`)), `docs page of ${result.ruleId}`);
      assert.match(rule.helpUri, new RegExp(`/docs/rules/${result.ruleId}\\.md$`));
      const uri = result.locations[0].physicalLocation.artifactLocation.uri;
      assert.doesNotMatch(uri, /[ #é]/, `${uri} is percent-encoded`);
      const file = fileURLToPath(new URL(uri, pathToFileURL(`${dir}/`)));
      assert.ok(fs.existsSync(file), `${uri} resolves to ${file}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
