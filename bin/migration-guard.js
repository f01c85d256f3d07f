#!/usr/bin/env node
// The CLI is bundled into dist/ by `npm run build`.
// libpg-query's WebAssembly is compiled when the bundle loads. V8 would compile it again in the
// background with TurboFan and wait for that at exit: ~0.5 s of CPU and ~25 MB for a parser that a
// CLI run uses for about as long. Liftoff's baseline code only (measured over ../shared/corpus:
// 11% less CPU, wall time vs squawk 16.8x -> 15.5x on a loaded machine). Set before the bundle loads.
require('node:v8').setFlagsFromString('--liftoff-only');

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/**
 * Loads dist/cli.js as `require` would, with V8's code cache dist/cli.js.cache (Node 20 has no
 * module.enableCompileCache): the build writes it after a run over examples/, so the bundle's
 * functions are not compiled again at each start (one-file check: 0.45 -> 0.41 s CPU). V8 refuses
 * a cache made for another source, V8 version or flags, and compiles as usual.
 */
function loadCli() {
  const file = path.join(__dirname, '..', 'dist', 'cli.js');
  const cacheFile = `${file}.cache`;
  const write = process.env.MIGRATION_GUARD_WRITE_CODE_CACHE === '1';
  let cachedData;
  try {
    if (!write) cachedData = fs.readFileSync(cacheFile);
  } catch {
    return require(file);
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const cli = new Module(file, module);
  cli.filename = file;
  cli.paths = Module._nodeModulePaths(path.dirname(file));
  cli.loaded = true;
  Module._cache[file] = cli;
  script.runInThisContext().call(cli.exports, cli.exports, Module.createRequire(file), cli, file, path.dirname(file));
  if (write) process.on('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
  return cli.exports;
}

loadCli().run(process.argv.slice(2));
