/**
 * Fuzzing with a fixed seed (issue 23): real migrations from ../shared/corpus mutated (bytes
 * flipped, cut short, NULs, quotes and dollar signs inserted, re-encoded as Latin-1 or UTF-16,
 * byte-order marks, CRLF), and special files (empty, binary, a huge line, deep nesting...), run
 * through the engine (analyze, fix-all, the byte reader) and through the CLI. Never a crash or an
 * internal error, always valid JSON, exit 0 or 1. The counts are printed as test diagnostics.
 *
 * MIGRATION_GUARD_CORPUS names another corpus folder. Without a corpus the test is skipped, except
 * under CI=true, where a missing corpus fails it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { analyze, analyzeSource, INTERNAL_ERROR, loadParser } from '../server/src/engine/analyze';
import { fixAll } from '../server/src/engine/fixall';
import { resolveSettings } from '../server/src/engine/settings';
import { decodeBytes, invalidUtf8Of, patchBytes } from '../server/src/files';

const root = path.join(__dirname, '..', '..');
const corpus = process.env.MIGRATION_GUARD_CORPUS ?? path.join(root, '..', 'shared', 'corpus');
const hasCorpus = fs.existsSync(corpus);
const SEED = 20231123;
/** Every STRIDE-th corpus file (in name order) is mutated. */
const STRIDE = 12;

function sqlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const full = path.join(dir, e.name);
      return e.isDirectory() ? sqlFiles(full) : e.isFile() && e.name.endsWith('.sql') ? [full] : [];
    });
}

/** A linear congruential generator: the same mutations on every run. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return n > 0 ? state % n : 0;
  };
  return next;
}

type Mutation = { name: string; apply: (bytes: Buffer, random: (n: number) => number) => Buffer };

const insertAt = (bytes: Buffer, at: number, what: Buffer) => Buffer.concat([bytes.subarray(0, at), what, bytes.subarray(at)]);

const MUTATIONS: Mutation[] = [
  {
    name: 'byte flips',
    apply: (b, r) => {
      const out = Buffer.from(b);
      for (let i = 0; i < 1 + r(8) && out.length; i++) out[r(out.length)] ^= 1 << r(8);
      return out;
    },
  },
  { name: 'truncation', apply: (b, r) => b.subarray(0, r(b.length + 1)) },
  { name: 'NUL inserted', apply: (b, r) => insertAt(b, r(b.length + 1), Buffer.from([0])) },
  { name: 'quote inserted', apply: (b, r) => insertAt(b, r(b.length + 1), Buffer.from(["'", '"', 'E\'\\', '`'][r(4)])) },
  { name: 'dollar signs inserted', apply: (b, r) => insertAt(b, r(b.length + 1), Buffer.from(['$$', '$', '$tag$', '$1'][r(4)])) },
  { name: 'comment opened', apply: (b, r) => insertAt(b, r(b.length + 1), Buffer.from(['/*', '--', '/* /*', '*/'][r(4)])) },
  { name: 'BEGIN ATOMIC / END inserted', apply: (b, r) => insertAt(b, r(b.length + 1), Buffer.from([' BEGIN ATOMIC ', ' END; ', ' CASE ', ';'][r(4)])) },
  { name: 'Latin-1', apply: (b) => Buffer.from(b.toString('utf8'), 'latin1') },
  { name: 'UTF-16LE with BOM', apply: (b) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')]) },
  { name: 'UTF-8 BOM', apply: (b) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]) },
  { name: 'CRLF', apply: (b) => Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1') },
  { name: 'invalid UTF-8 sequence', apply: (b, r) => insertAt(b, r(b.length + 1), Buffer.from([[0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88], [0x80, 0x80], [0xe9]][r(5)])) },
  {
    name: 'segment duplicated',
    apply: (b, r) => {
      const at = r(b.length + 1);
      return insertAt(b, r(b.length + 1), b.subarray(at, at + r(200)));
    },
  },
];

/** Files no migration would be, and the parser's edges. */
function specialFiles(random: (n: number) => number): { name: string; bytes: Buffer }[] {
  const text = (name: string, s: string) => ({ name, bytes: Buffer.from(s) });
  return [
    text('empty', ''),
    text('whitespace', ' \n\t\r\n  '),
    { name: 'bom-only', bytes: Buffer.from([0xef, 0xbb, 0xbf]) },
    text('bom-statement', '\ufeffCREATE INDEX i ON t (a);'),
    { name: 'binary', bytes: Buffer.from(Array.from({ length: 4096 }, () => random(256))) },
    { name: 'high-bytes', bytes: Buffer.from(Array.from({ length: 4096 }, () => 0x80 + random(128))) },
    { name: 'nul-first', bytes: Buffer.from('\u0000CREATE INDEX i ON t (a);') },
    text('huge-line', `SELECT '${'x'.repeat(1_000_000)}';`),
    text('huge-identifier', `CREATE TABLE ${'t'.repeat(100_000)} (a int);`),
    text('deep-parentheses', `SELECT ${'('.repeat(5000)}1${')'.repeat(5000)};`),
    text('deep-unbalanced', `SELECT ${'('.repeat(20000)};`),
    text('deep-comments', `${'/* '.repeat(5000)}${' */'.repeat(5000)} SELECT 1;`),
    text('deep-case', `CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT ${'CASE WHEN true THEN '.repeat(500)}1${' END'.repeat(500)}; END;`),
    text('only-semicolons', ';'.repeat(10000)),
    text('only-comments', '-- a\n/* b */\n-- c'),
    text('unterminated-dollar', 'DO $$ BEGIN PERFORM 1;'),
    text('unterminated-string', "SELECT 'abc"),
    text('unterminated-comment', 'SELECT 1; /* open'),
    text('begin-atomic-no-end', 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;'),
    text('select-begin-atomic', 'CREATE VIEW report AS SELECT begin atomic FROM (SELECT 1 AS begin) s;\nCOMMIT;\nDELETE FROM orders;\nDROP TABLE users CASCADE;'),
    text('many-statements', 'ALTER TABLE t ADD COLUMN c int;\n'.repeat(3000)),
    text('many-transactions', 'BEGIN;\nCREATE INDEX i ON t (a);\nCOMMIT;\n'.repeat(500)),
    text('psql-meta', '\\set ON_ERROR_STOP on\n\\i other.sql\nSELECT 1;'),
    text('template', 'CREATE TABLE {{ .Schema }}.t (id int);'),
    text('lone-surrogate', 'SELECT \'\ud800\';'),
    text('emoji-identifiers', 'CREATE TABLE "🙂" ("ü" int);\nCREATE INDEX ON "🙂" ("ü");'),
    text('liquibase-header-only', '--liquibase formatted sql'),
    text('dbmate-markers', '-- migrate:up\n-- migrate:down\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);'),
  ];
}

const settings = resolveSettings({}).settings;

/** The engine on one file's bytes, as the CLI reads them: never throws, never an internal error, ranges inside the text. */
function throughEngine(name: string, bytes: Buffer, fix: boolean): void {
  const decoded = decodeBytes(bytes);
  // Patching with no edit gives the same bytes back, whatever the encoding.
  if (!decoded.nul) assert.ok(patchBytes({ path: name, bytes, hash: '', ...decoded }, []).equals(bytes), name);
  const options = { settings, path: `${name}.sql`, invalidUtf8: invalidUtf8Of(decoded) };
  const analysis = analyzeSource(decoded.text, options)!;
  const lines = decoded.text.split(/\r\n|\r|\n/).length;
  for (const f of analysis.findings) {
    assert.notEqual(f.rule, INTERNAL_ERROR, `${name}: ${f.message}`);
    assert.ok(f.range.start.line < lines && f.range.end.line < lines, `${name}: ${JSON.stringify(f.range)}`);
  }
  JSON.stringify(analysis.findings);
  if (!fix || decoded.nul) return;
  const result = fixAll(decoded.text, { ...options, unsafe: true }, 2);
  // The edits of the original text make the same text the passes made.
  let patched = decoded.text;
  for (const e of [...result.edits].reverse()) patched = patched.slice(0, e.start) + e.newText + patched.slice(e.end);
  assert.equal(patched, result.text, `${name}: fix-all edits`);
}

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: 300_000 });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

interface Json {
  files: { path: string; diagnostics: { rule: string; message: string }[] }[];
}

describe('fuzzing with a fixed seed', { skip: !hasCorpus && process.env.CI !== 'true' && `no corpus at ${corpus}` }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-fuzz-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('mutated corpus files and special files: the engine and the CLI never crash, JSON stays valid, exit 0 or 1', async (t) => {
    assert.ok(hasCorpus, `CI=true and no corpus at ${corpus}: the fuzz harness must run in CI`);
    await loadParser();
    const random = generator(SEED);
    const sources = sqlFiles(corpus).filter((_, i) => i % STRIDE === 0);
    assert.ok(sources.length >= 50, `corpus sample: ${sources.length} files`);
    const mutatedDir = path.join(tmp, 'mutated');
    fs.mkdirSync(mutatedDir);
    let mutations = 0;
    const perKind = new Map<string, number>();
    sources.forEach((file, i) => {
      const original = fs.readFileSync(file);
      // Three mutations per file, each of a kind picked by the seed, some stacked on the one before.
      let bytes: Buffer = original;
      for (let k = 0; k < 3; k++) {
        const mutation = MUTATIONS[random(MUTATIONS.length)];
        bytes = mutation.apply(random(3) === 0 ? bytes : original, random);
        const name = `${String(i).padStart(4, '0')}_${k}_${path.basename(file, '.sql')}`;
        fs.writeFileSync(path.join(mutatedDir, `${name}.sql`), bytes);
        throughEngine(name, bytes, (i + k) % 4 === 0);
        perKind.set(mutation.name, (perKind.get(mutation.name) ?? 0) + 1);
        mutations++;
      }
    });
    const specialDir = path.join(tmp, 'special');
    fs.mkdirSync(specialDir);
    const specials = specialFiles(random);
    for (const s of specials) {
      fs.writeFileSync(path.join(specialDir, `${s.name}.sql`), s.bytes);
      throughEngine(s.name, s.bytes, s.bytes.length < 200_000);
    }

    // The CLI over both folders, as CI runs it, then fix (printing, not writing).
    let cliFiles = 0;
    for (const dir of [mutatedDir, specialDir]) {
      const json = cli(['check', '--format', 'json', dir]);
      assert.equal(json.signal, null);
      assert.ok(json.code === 0 || json.code === 1, `check ${dir}: exit ${json.code}\n${json.stderr}`);
      assert.doesNotMatch(json.stderr, /internal error/);
      const out = JSON.parse(json.stdout) as Json;
      assert.equal(out.files.length, fs.readdirSync(dir).length);
      for (const f of out.files) for (const d of f.diagnostics) assert.notEqual(d.rule, INTERNAL_ERROR, `${f.path}: ${d.message}`);
      cliFiles += out.files.length;
      const text = cli(['check', dir]);
      assert.ok(text.code === 0 || text.code === 1, `check (text) ${dir}: exit ${text.code}\n${text.stderr}`);
      const fixed = cli(['fix', '--unsafe', dir]);
      assert.ok(fixed.code === 0 || fixed.code === 1, `fix ${dir}: exit ${fixed.code}\n${fixed.stderr}`);
      assert.doesNotMatch(fixed.stderr, /internal error/);
    }
    for (const name of ['bom-statement', 'nul-first', 'deep-parentheses', 'liquibase-header-only']) {
      const explained = cli(['explain', '--format', 'json', path.join(specialDir, `${name}.sql`)]);
      assert.ok(explained.code === 0 || explained.code === 1, `explain ${name}: exit ${explained.code}\n${explained.stderr}`);
      assert.doesNotMatch(explained.stderr, /internal error/);
    }

    // A file analysed after edits, as the language server does it, equals a fresh analysis.
    const one = fs.readFileSync(sources[0], 'utf8');
    let previous = analyze(one, { settings });
    for (let k = 0; k < 20; k++) {
      const at = random(previous.facts.parsed.text.length + 1);
      const text = previous.facts.parsed.text.slice(0, at) + ["'", '$$', '\u0000', ';', '\ufeff'][random(5)] + previous.facts.parsed.text.slice(at);
      const next = analyze(text, { settings, previous });
      assert.deepEqual(
        next.findings.map((f) => [f.rule, f.range]),
        analyze(text, { settings }).findings.map((f) => [f.rule, f.range]),
      );
      previous = next;
    }

    const counts = `${sources.length} corpus files, ${mutations} mutations (${[...perKind].map(([k, n]) => `${k} ${n}`).join(', ')}), ${specials.length} special files; ${cliFiles} files through the CLI (check json and text, fix), seed ${SEED}`;
    t.diagnostic(counts);
    console.log(`fuzz: ${counts}`);
  });
});
