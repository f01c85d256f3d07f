#!/usr/bin/env node
// The CLI is bundled into dist/ by `npm run build`.
// libpg-query's WebAssembly is compiled when the bundle loads. V8 would compile it again in the
// background with TurboFan and wait for that at exit: ~0.5 s of CPU and ~25 MB for a parser that a
// CLI run uses for about as long. Liftoff's baseline code only (measured over ../shared/corpus:
// 11% less CPU, wall time vs squawk 16.8x -> 15.5x on a loaded machine). Set before the bundle loads.
require('node:v8').setFlagsFromString('--liftoff-only');
require('../dist/cli.js').run(process.argv.slice(2));
