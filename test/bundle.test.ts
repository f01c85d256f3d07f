/**
 * What the bundles ship: every rule with its meta, and none of the rules' test tables. The
 * bundles are built in memory with esbuild from the same entry points as scripts/build.js.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import { RULES } from '../server/src/engine/rules';

const root = path.join(__dirname, '..', '..');

/** A test table's report range, as esbuild prints it: `range: [0, 18, 0, 69]`. */
const TABLE_ROW = /range: \[\d+, \d+, \d+, \d+\]/;

async function bundle(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // Loaded at run time beside the bundles (scripts/build.js): not part of what is checked here.
    external: ['typescript', '@electric-sql/pglite', 'vscode'],
  });
  return { text: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs) };
}

describe('bundles', () => {
  for (const entry of ['server/src/cli.ts', 'server/src/server-main.ts', 'server/src/trace-worker.ts']) {
    it(`${entry} ships every rule and no test table`, async () => {
      const { text, inputs } = await bundle(`import './${entry}';`);
      assert.deepEqual(inputs.filter((i) => i.startsWith('test/')), [], 'no file under test/ is bundled');
      assert.doesNotMatch(text, TABLE_ROW);
      for (const rule of RULES) assert.ok(text.includes(JSON.stringify(rule.meta.id)), rule.meta.id);
    });
  }

  it('would notice a test table pulled into a bundle', async () => {
    const { text, inputs } = await bundle(`import { tests } from './test/rules/require-concurrent-index.cases'; console.log(tests);`);
    assert.ok(inputs.includes('test/rules/require-concurrent-index.cases.ts'));
    assert.match(text, TABLE_ROW);
  });
});
