// Bundles the extension client, the language server and the CLI with esbuild, and puts the
// parser's WebAssembly beside them (libpg-query loads libpg-query.wasm from its script's folder).
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

async function main() {
  fs.mkdirSync(dist, { recursive: true });
  const common = { bundle: true, platform: 'node', target: 'node18', format: 'cjs', sourcemap: true, logLevel: 'warning' };
  // The TypeScript compiler (9 MB) reads TS / JS migrations only: its own bundle, required on the
  // first such file, so that SQL-only runs never compile it.
  const typescriptOutside = {
    name: 'typescript-outside',
    setup(build) {
      build.onResolve({ filter: /^typescript$/ }, () => ({ path: './typescript.js', external: true }));
    },
  };
  // PGlite (lock traces) likewise: its own bundle, loaded on the first trace. Its module finds
  // pglite.wasm / pglite.data / initdb.wasm through import.meta.url, which CommonJS lacks.
  const pgliteOutside = {
    name: 'pglite-outside',
    setup(build) {
      build.onResolve({ filter: /^@electric-sql\/pglite$/ }, () => ({ path: './pglite.js', external: true }));
    },
  };
  // The MCP server (SDK and zod, ~1.4 MB) likewise: `migration-guard mcp` loads dist/mcp.js, and
  // the extension starts it directly for VS Code's agent mode.
  const mcpOutside = {
    name: 'mcp-outside',
    setup(build) {
      build.onResolve({ filter: /^\.\/mcp$/ }, () => ({ path: './mcp.js', external: true }));
    },
  };
  await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(root, 'client/src/extension.ts')], outfile: path.join(dist, 'extension.js'), external: ['vscode'] }),
    esbuild.build({ ...common, entryPoints: [path.join(root, 'server/src/server-main.ts')], outfile: path.join(dist, 'server.js'), plugins: [typescriptOutside, pgliteOutside] }),
    esbuild.build({ ...common, entryPoints: [path.join(root, 'server/src/cli.ts')], outfile: path.join(dist, 'cli.js'), plugins: [typescriptOutside, pgliteOutside, mcpOutside] }),
    esbuild.build({ ...common, entryPoints: [path.join(root, 'server/src/mcp.ts')], outfile: path.join(dist, 'mcp.js'), plugins: [typescriptOutside, pgliteOutside] }),
    esbuild.build({ ...common, sourcemap: false, entryPoints: [require.resolve('typescript')], outfile: path.join(dist, 'typescript.js') }),
    esbuild.build({ ...common, entryPoints: [path.join(root, 'server/src/trace-worker.ts')], outfile: path.join(dist, 'trace-worker.js'), plugins: [typescriptOutside, pgliteOutside] }),
    esbuild.build({
      ...common,
      sourcemap: false,
      entryPoints: [require.resolve('@electric-sql/pglite')],
      outfile: path.join(dist, 'pglite.js'),
      define: { 'import.meta.url': '__importMetaUrl' },
      banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    }),
  ]);
  fs.copyFileSync(require.resolve('libpg-query/wasm/libpg-query.wasm'), path.join(dist, 'libpg-query.wasm'));
  const pglite = path.dirname(require.resolve('@electric-sql/pglite'));
  for (const f of ['pglite.wasm', 'pglite.data', 'initdb.wasm']) fs.copyFileSync(path.join(pglite, f), path.join(dist, f));
  writeCliCodeCache();
}

/**
 * V8's code cache of the CLI bundle (bin/migration-guard.js reads it): made by the bin itself,
 * with its own V8 flags, after a check over examples/ has compiled the functions a run uses.
 */
function writeCliCodeCache() {
  const cache = path.join(dist, 'cli.js.cache');
  fs.rmSync(cache, { force: true });
  const run = require('node:child_process').spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'check', path.join(root, 'examples'), '--format', 'json'], {
    env: { ...process.env, MIGRATION_GUARD_WRITE_CODE_CACHE: '1' },
    stdio: 'ignore',
  });
  // check exits 1 when it reports findings; without the cache the CLI only starts slower.
  if (!fs.existsSync(cache)) console.warn(`no CLI code cache written (check exited ${run.status})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
