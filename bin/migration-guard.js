#!/usr/bin/env node
// The CLI is bundled into dist/ by `npm run build`.
require('../dist/cli.js').run(process.argv.slice(2));
