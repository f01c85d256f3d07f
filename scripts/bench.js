#!/usr/bin/env node
// `npm run bench`: the figures of docs/performance.md, measured on this machine. Run on purpose,
// never as a test: timings depend on the machine.
//  1. CLI wall time against squawk-cli, alternating, median of runs: over ../shared/corpus cold
//     (--no-cache), on a first run that writes the result cache, warm (every file cached), and
//     the CI case (one changed migration in a folder of ~700, the rest cached).
//  2. Language server: one-character edit to published diagnostics in a 5,000-statement file
//     (p50/p95 over 200 edits), hover p95, cold start to first diagnostics, server memory.
//  3. .vsix size.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const p = require('vscode-languageserver-protocol/node');

const root = path.join(__dirname, '..');
const corpus = path.join(root, '..', 'shared', 'corpus');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const ms = (x) => `${x.toFixed(1)} ms`;

function timeCommand(cmd, args) {
  const start = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return performance.now() - start;
}

const squawk = path.join(root, 'node_modules', '@squawk-cli', 'linux-x64', 'bin', 'squawk');
const sqlUnder = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sqlUnder(path.join(d, e.name)) : e.name.endsWith('.sql') ? [path.join(d, e.name)] : []));
const cli = (...args) => [path.join(root, 'bin', 'migration-guard.js'), 'check', '--format', 'json', ...args];

/**
 * One figure: migration-guard and squawk alternating (so that both see the same machine state),
 * median of RUNS each. `before` runs untimed before each of our runs (a changed file, a fresh cache).
 */
function sideBySide(label, ours, files, before = () => {}) {
  const a = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    before(i);
    a.push(timeCommand(process.execPath, ours));
    b.push(timeCommand(squawk, ['--reporter', 'json', ...files]));
  }
  const [x, y] = [median(a), median(b)];
  console.log(`  ${label.padEnd(58)} migration-guard ${ms(x).padStart(10)}   squawk 2.66 ${ms(y).padStart(10)}   ratio ${(x / y).toFixed(2)}`);
}

function cliVersusSquawk() {
  const files = sqlUnder(corpus);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cache-'));
  console.log(`CLI over ../shared/corpus (${files.length} files, ${(files.reduce((n, f) => n + fs.statSync(f).size, 0) / 1024).toFixed(0)} KB), median of ${RUNS}, process start included, ratio below 1: faster than squawk:`);
  sideBySide('cold (--no-cache)', cli('--no-cache', corpus), files);
  sideBySide('first run with the cache (analyses and writes every entry)', cli('--cache-location', path.join(work, 'first'), corpus), files, () => fs.rmSync(path.join(work, 'first'), { recursive: true, force: true }));
  const warmCache = path.join(work, 'warm');
  timeCommand(process.execPath, cli('--cache-location', warmCache, corpus));
  sideBySide('warm (every file cached)', cli('--cache-location', warmCache, corpus), files);
  // The CI case: the largest folder near 700 migrations, cached, with its last migration changed before each run.
  const folders = fs.readdirSync(corpus, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => ({ dir: path.join(corpus, e.name), n: sqlUnder(path.join(corpus, e.name)).length }));
  const pick = folders.sort((x, y) => Math.abs(x.n - 700) - Math.abs(y.n - 700))[0];
  const copy = path.join(work, path.basename(pick.dir));
  fs.cpSync(pick.dir, copy, { recursive: true });
  const copied = sqlUnder(copy).sort();
  const last = copied[copied.length - 1];
  const ciCache = path.join(work, 'ci');
  timeCommand(process.execPath, cli('--cache-location', ciCache, copy));
  sideBySide(`one changed file in ${copied.length} (${path.basename(pick.dir)}, its last migration)`, cli('--cache-location', ciCache, copy), copied, (i) => fs.appendFileSync(last, `\n-- bench run ${i}\n`));
  sideBySide(`the same ${copied.length} files, cold (--no-cache)`, cli('--no-cache', copy), copied);
  const size = fs.readdirSync(warmCache).reduce((n, f) => n + fs.statSync(path.join(warmCache, f)).size, 0);
  console.log(`  cache for the corpus: ${fs.readdirSync(warmCache).length} files, ${(size / 1024 / 1024).toFixed(1)} MB`);
  fs.rmSync(work, { recursive: true, force: true });
}

async function languageServer() {
  const statements = [];
  for (let i = 0; i < 5000; i++) {
    statements.push(i % 5 === 0 ? `CREATE INDEX t${i}_idx ON t${i % 50} (c${i});` : i % 5 === 1 ? `ALTER TABLE t${i % 50} ADD COLUMN c${i} int;` : i % 5 === 2 ? `UPDATE t${i % 50} SET c = ${i} WHERE id = ${i};` : i % 5 === 3 ? `COMMENT ON TABLE t${i % 50} IS 'x${i}';` : `SELECT ${i};`);
  }
  const text = `SET lock_timeout = '5s';\n${statements.join('\n')}\n`;
  const uri = 'file:///bench/migrations/001_big.sql';
  const started = performance.now();
  const server = spawn(process.execPath, [path.join(root, 'dist', 'server.js'), '--stdio']);
  const conn = p.createProtocolConnection(new p.StreamMessageReader(server.stdout), new p.StreamMessageWriter(server.stdin));
  const waiters = [];
  // Diagnostics are published only when they change; the status notification says which version is done.
  const latest = new Map();
  conn.onNotification(p.PublishDiagnosticsNotification.type, (d) => latest.set(d.uri, d));
  conn.onNotification('migrationGuard/status', (st) => {
    const i = waiters.findIndex((x) => x.uri === st.uri && x.version === st.version);
    if (i >= 0) waiters.splice(i, 1)[0].resolve({ uri: st.uri, version: st.version, diagnostics: latest.get(st.uri)?.diagnostics ?? [] });
  });
  conn.listen();
  const published = (version, on = uri) => new Promise((resolve) => waiters.push({ uri: on, version, resolve }));
  await conn.sendRequest(p.InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
  await conn.sendNotification(p.InitializedNotification.type, {});
  // Cold start: a small file's first diagnostics.
  const small = published(1, 'file:///bench/migrations/000_small.sql');
  await conn.sendNotification(p.DidOpenTextDocumentNotification.type, { textDocument: { uri: 'file:///bench/migrations/000_small.sql', languageId: 'sql', version: 1, text: 'CREATE INDEX i ON t (c);' } });
  await small;
  const cold = performance.now() - started;
  let v = 1;
  const first = published(v);
  await conn.sendNotification(p.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'sql', version: v, text } });
  await first;
  const edits = [];
  const lines = text.split('\n');
  for (let i = 0; i < 200; i++) {
    v++;
    const line = 1 + ((i * 37) % 5000);
    const character = lines[line].length - 1; // before the `;`
    const done = published(v);
    const t0 = performance.now();
    await conn.sendNotification(p.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: v },
      contentChanges: [{ range: { start: { line, character }, end: { line, character } }, text: i % 2 ? ' ' : '' }],
    });
    await done;
    edits.push(performance.now() - t0);
  }
  const hovers = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await conn.sendRequest(p.HoverRequest.type, { textDocument: { uri }, position: { line: 1 + ((i * 53) % 5000), character: 3 } });
    hovers.push(performance.now() - t0);
  }
  const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  console.log(`Language server, a 5,000-statement migration open:`);
  console.log(`  edit to diagnostics  p50 ${ms(median(edits))}  p95 ${ms(pct(edits, 0.95))}  (200 one-character edits)`);
  console.log(`  hover                p50 ${ms(median(hovers))}  p95 ${ms(pct(hovers, 0.95))}`);
  console.log(`  cold start to first diagnostics ${ms(cold)}   server memory ${rss.toFixed(0)} MB`);
  await conn.sendRequest(p.ShutdownRequest.type);
  await conn.sendNotification(p.ExitNotification.type);
  server.kill();
}

function vsixSize() {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-vsix-')), 'mg.vsix');
  spawnSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--out', out], { cwd: root, encoding: 'utf8' });
  console.log(`.vsix size ${(fs.statSync(out).size / 1024 / 1024).toFixed(2)} MB`);
}

(async () => {
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`);
  cliVersusSquawk();
  await languageServer();
  vsixSize();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
