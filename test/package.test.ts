/** The extension package: settings schema, generated docs, grammar, and the .vsix itself. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadParser } from '../server/src/engine/analyze';
import { DEFAULT_SETTINGS } from '../server/src/engine/settings';
import { DOCS_DIR, generatedPages } from '../scripts/gen-docs';

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** File names in a zip archive, read from its central directory. */
function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  const names: string[] = [];
  for (let i = 0; i + 46 < buf.length; i++) {
    if (buf.readUInt32LE(i) !== 0x02014b50) continue;
    const nameLength = buf.readUInt16LE(i + 28);
    names.push(buf.toString('utf8', i + 46, i + 46 + nameLength));
    i += 45 + nameLength;
  }
  return names;
}

describe('package.json', () => {
  it('declares exactly the settings the engine reads, with the same defaults (one schema, STYLE.md §7, §14)', () => {
    const properties = manifest.contributes.configuration[0].properties as Record<string, { default: unknown }>;
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(DEFAULT_SETTINGS).map((k) => `migrationGuard.${k}`).sort());
    for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) assert.deepEqual(properties[`migrationGuard.${key}`].default, value, key);
  });

  it('keeps the database settings in their own section, restricted in untrusted workspaces', () => {
    const database = Object.keys(manifest.contributes.configuration[1].properties).sort();
    assert.deepEqual(database, ['migrationGuard.database.host', 'migrationGuard.database.name', 'migrationGuard.database.port', 'migrationGuard.database.url', 'migrationGuard.database.user', 'migrationGuard.trace.schemaFile']);
    assert.deepEqual([...manifest.capabilities.untrustedWorkspaces.restrictedConfigurations].sort(), database);
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('keeps engines.vscode at or below the typed VS Code API', () => {
    const engine = manifest.engines.vscode.replace(/^\^/, '');
    assert.equal(engine, manifest.devDependencies['@types/vscode']);
  });
});

describe('generated docs', () => {
  before(loadParser);
  it('docs/rules matches the rule files (run `npm run docs` after changing a rule)', () => {
    const pages = generatedPages();
    assert.deepEqual(fs.readdirSync(DOCS_DIR).sort(), [...pages.keys()].sort());
    for (const [name, content] of pages) assert.equal(fs.readFileSync(path.join(DOCS_DIR, name), 'utf8'), content, name);
  });
});

describe('injection grammar', () => {
  const grammar = JSON.parse(fs.readFileSync(path.join(root, 'syntaxes', 'migration-guard.injection.json'), 'utf8'));
  const patterns: { match: string; captures: Record<string, { name: string }> }[] = [
    grammar.repository.ignore,
    ...grammar.repository.markers.patterns,
  ];
  const directive = (line: string) => {
    for (const p of patterns) {
      const m = new RegExp(p.match).exec(line);
      if (m) return { text: m[2], scope: p.captures['2'].name };
    }
    return undefined;
  };

  it('is declared in package.json and injected into SQL', () => {
    assert.deepEqual(manifest.contributes.grammars[0], {
      scopeName: grammar.scopeName,
      path: './syntaxes/migration-guard.injection.json',
      injectTo: ['source.sql'],
    });
  });

  it('highlights ignore comments and the migration tools markers', () => {
    assert.deepEqual(directive('-- migration-guard-ignore require-timeouts -- reason'), { text: 'migration-guard-ignore', scope: 'keyword.control.directive.migration-guard' });
    assert.deepEqual(directive('-- migration-guard-ignore-file syntax-error'), { text: 'migration-guard-ignore-file', scope: 'keyword.control.directive.migration-guard' });
    assert.equal(directive('-- migrate:up transaction:false')?.scope, 'keyword.control.directive.migration-marker.dbmate');
    assert.equal(directive('--changeset alice:1 runInTransaction:false')?.scope, 'keyword.control.directive.migration-marker.liquibase');
    assert.equal(directive('--liquibase formatted sql')?.scope, 'keyword.control.directive.migration-marker.liquibase');
    assert.equal(directive('--> statement-breakpoint')?.scope, 'keyword.control.directive.migration-marker.drizzle');
    assert.equal(directive('-- just a comment'), undefined);
  });
});

describe('the .vsix', () => {
  it('builds with vsce and ships the bundles, the parser WebAssembly, the grammar and the rule docs', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-vsix-')), 'migration-guard.vsix');
    const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
    const result = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(result.status, 0, result.stderr + result.stdout);
    const entries = zipEntries(out);
    for (const required of [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/server.js',
      // The MCP server VS Code's agent mode starts (registered where the editor has the API).
      'extension/dist/mcp.js',
      'extension/dist/libpg-query.wasm',
      // TypeScript (TS / JS migrations) and PGlite (lock traces) are loaded from their own bundles.
      'extension/dist/typescript.js',
      'extension/dist/trace-worker.js',
      'extension/dist/pglite.js',
      'extension/dist/pglite.wasm',
      'extension/dist/pglite.data',
      'extension/dist/initdb.wasm',
      'extension/syntaxes/migration-guard.injection.json',
      'extension/docs/rules/require-concurrent-index.md',
      'extension/readme.md',
    ]) {
      assert.ok(entries.includes(required), `${required} missing from ${entries.join(', ')}`);
    }
    assert.ok(!entries.some((e) => e.includes('node_modules/')), 'dependencies are bundled, not shipped');
  });
});
