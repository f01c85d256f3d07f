#!/usr/bin/env node
// The language server's figures of issue 21, measured on this machine (run on purpose, never as
// a test): `node scripts/bench-lsp.js [edits|storm|large|cli|all]` over dist/ (npm run build).
//  edits: one-character edit to analysed diagnostics (the status notification of that version) in the 5,000-statement file of
//         scripts/bench.js (p50/p95 over 200 edits), server RSS with the file open.
//  storm: 500 edits sent without waiting, then RSS (now and peak, VmHWM) once the last version's
//         diagnostics are published.
//  large: a file of small statements (ALTER TABLE ... ADD COLUMN, INSERT) at 1, 2.5 and 5 MB:
//         LSP open to first diagnostics and RSS, and `migration-guard check` wall time and peak RSS.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const p = require('vscode-languageserver-protocol/node');

const root = path.join(__dirname, '..');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const ms = (x) => `${x.toFixed(1)} ms`;
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const status = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

/** The 5,000-statement file of scripts/bench.js. */
function benchFile() {
  const statements = [];
  for (let i = 0; i < 5000; i++) {
    statements.push(i % 5 === 0 ? `CREATE INDEX t${i}_idx ON t${i % 50} (c${i});` : i % 5 === 1 ? `ALTER TABLE t${i % 50} ADD COLUMN c${i} int;` : i % 5 === 2 ? `UPDATE t${i % 50} SET c = ${i} WHERE id = ${i};` : i % 5 === 3 ? `COMMENT ON TABLE t${i % 50} IS 'x${i}';` : `SELECT ${i};`);
  }
  return `SET lock_timeout = '5s';\n${statements.join('\n')}\n`;
}

/** A file of small statements of about `bytes` bytes. */
function largeFile(bytes) {
  const out = [];
  let size = 0;
  for (let i = 0; ; i++) {
    const s = i % 2 ? `ALTER TABLE t${i % 100} ADD COLUMN c${i} int;\n` : `INSERT INTO t${i % 100} (id, name) VALUES (${i}, 'n${i}');\n`;
    // Under the default maxFileSizeKB (5,120 KB): a 5 MB file is analysed, not refused.
    if (size + s.length >= bytes) break;
    out.push(s);
    size += s.length;
  }
  return out.join('');
}

async function startServer() {
  const server = spawn(process.execPath, [...(process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), process.env.SERVER_JS ?? path.join(root, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = p.createProtocolConnection(new p.StreamMessageReader(server.stdout), new p.StreamMessageWriter(server.stdin));
  const waiters = [];
  const counts = new Map();
  // The server publishes diagnostics only when they change; its status notification (after
  // every analysis) says which version is done: the wait ends there, with the diagnostics in force.
  const latest = new Map();
  conn.onNotification(p.PublishDiagnosticsNotification.type, (d) => {
    counts.set(d.uri, (counts.get(d.uri) ?? 0) + 1);
    latest.set(d.uri, d);
  });
  conn.onNotification('migrationGuard/status', (st) => {
    const i = waiters.findIndex((x) => x.uri === st.uri && x.version === st.version);
    if (i >= 0) waiters.splice(i, 1)[0].resolve({ uri: st.uri, version: st.version, diagnostics: latest.get(st.uri)?.diagnostics ?? [] });
  });
  conn.listen();
  const published = (uri, version) => new Promise((resolve) => waiters.push({ uri, version, resolve }));
  await conn.sendRequest(p.InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
  await conn.sendNotification(p.InitializedNotification.type, {});
  const stop = async () => {
    await conn.sendRequest(p.ShutdownRequest.type);
    const exited = new Promise((resolve) => server.once('exit', resolve));
    await conn.sendNotification(p.ExitNotification.type);
    // Let it exit on its own (a --cpu-prof server writes its profile then).
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    server.kill();
  };
  return { server, conn, published, counts, stop };
}

async function edits() {
  const { server, conn, published, counts, stop } = await startServer();
  const uri = 'file:///bench/migrations/001_big.sql';
  const text = benchFile();
  let v = 1;
  const t0 = performance.now();
  const first = published(uri, v);
  await conn.sendNotification(p.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'sql', version: v, text } });
  const opened = await first;
  const openMs = performance.now() - t0;
  const rssOpen = status(server.pid, 'VmRSS');
  const lines = text.split('\n');
  const times = [];
  // As scripts/bench.js: a space before a `;`, or an empty insert, alternately.
  for (let i = 0; i < 200; i++) {
    v++;
    const line = 1 + ((i * 37) % 5000);
    const character = lines[line].length - 1;
    const done = published(uri, v);
    const s = performance.now();
    await conn.sendNotification(p.DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ range: { start: { line, character }, end: { line, character } }, text: i % 2 ? ' ' : '' }] });
    await done;
    times.push(performance.now() - s);
  }
  // Edits that change a statement's meaning: a column name typed (c123 -> c1234 -> c123).
  const typed = [];
  for (let i = 0; i < 100; i++) {
    v++;
    const line = 2 + ((i * 41) % 4990);
    const at = lines[line].indexOf(' ') + 1;
    const done = published(uri, v);
    const s = performance.now();
    await conn.sendNotification(p.DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ range: { start: { line, character: at }, end: { line, character: at } }, text: 'x' }] });
    await done;
    typed.push(performance.now() - s);
  }
  const rssAfter = status(server.pid, 'VmRSS');
  console.log(`edits: 5,000-statement file, ${opened.diagnostics.length} diagnostics, open ${ms(openMs)}`);
  console.log(`  edit to diagnostics (as bench.js)  p50 ${ms(median(times))}  p95 ${ms(pct(times, 0.95))}  (200 edits)`);
  console.log(`  one letter typed into a statement  p50 ${ms(median(typed))}  p95 ${ms(pct(typed, 0.95))}  (100 edits)`);
  console.log(`  RSS open ${mb(rssOpen)}, after 300 edits ${mb(rssAfter)}, peak ${mb(status(server.pid, 'VmHWM'))}; publications ${counts.get(uri)} for ${v} versions`);
  await stop();
}

async function storm() {
  const { server, conn, published, counts, stop } = await startServer();
  const uri = 'file:///bench/migrations/001_big.sql';
  const text = benchFile();
  let v = 1;
  const first = published(uri, v);
  await conn.sendNotification(p.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'sql', version: v, text } });
  await first;
  const rssOpen = status(server.pid, 'VmRSS');
  const lines = text.split('\n');
  const t0 = performance.now();
  for (let i = 0; i < 500; i++) {
    v++;
    const line = 1 + ((i * 97) % 5000);
    const at = lines[line].indexOf(' ') + 1;
    void conn.sendNotification(p.DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ range: { start: { line, character: at }, end: { line, character: at } }, text: 'x' }] });
    // A fast typist: a keystroke every 2 ms.
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20));
  }
  await published(uri, v);
  const wall = performance.now() - t0;
  const rssAfter = status(server.pid, 'VmRSS');
  // The editor idle a few seconds, as after typing.
  await new Promise((r) => setTimeout(r, 3000));
  console.log(`storm: 500 edits of the 5,000-statement file, last diagnostics ${ms(wall)} after the first edit`);
  console.log(`  RSS open ${mb(rssOpen)}, after the storm ${mb(rssAfter)}, 3 s later ${mb(status(server.pid, 'VmRSS'))}, peak ${mb(status(server.pid, 'VmHWM'))}; publications ${counts.get(uri)} for ${v} versions`);
  await stop();
}

async function large() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-lsp-'));
  // In a migrations folder: the server's default include globs take it.
  const dir = path.join(tmp, 'migrations');
  fs.mkdirSync(dir);
  for (const size of (process.env.LARGE_MB ?? '1,2.5,5').split(',').map(Number)) {
    const text = largeFile(size * 1024 * 1024);
    const file = path.join(dir, `large-${size}.sql`);
    fs.writeFileSync(file, text);
    const statements = text.split(';').length - 1;
    // CLI: wall time and peak RSS (GNU time's %M).
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, path.join(root, 'bin', 'migration-guard.js'), 'check', '--format', 'json', file], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
    const cliMs = performance.now() - t0;
    const peak = Number(r.stderr.trim().split('\n').pop());
    const cliNote = r.status === 0 || r.status === 1 ? '' : ` (exit ${r.status}: ${r.stderr.split('\n').slice(0, 3).join(' ')})`;
    // LSP: open to first diagnostics.
    const { server, conn, published, stop } = await startServer();
    const uri = `file://${file}`;
    const s = performance.now();
    const first = published(uri, 1);
    await conn.sendNotification(p.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'sql', version: 1, text } });
    const d = await Promise.race([first, new Promise((r) => setTimeout(() => r(undefined), 300_000))]);
    const lspMs = performance.now() - s;
    console.log(`large ${size} MB (${statements} statements): CLI ${ms(cliMs)} peak ${mb(peak)}${cliNote}; LSP open ${d ? ms(lspMs) : 'no diagnostics in 300 s'} (${d?.diagnostics.length ?? '-'} diagnostics), RSS ${mb(status(server.pid, 'VmRSS'))}, peak ${mb(status(server.pid, 'VmHWM'))}`);
    await stop();
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

(async () => {
  const what = process.argv[2] ?? 'all';
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}; ${new Date().toISOString()}`);
  if (what === 'edits' || what === 'all') await edits();
  if (what === 'storm' || what === 'all') await storm();
  if (what === 'large' || what === 'all') await large();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
