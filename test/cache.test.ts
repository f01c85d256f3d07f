/**
 * The result cache of `check`: the output is byte for byte what a run without it prints, cold and
 * warm, over every folder of the shared corpus; what an entry depends on (an earlier migration,
 * the settings, a project file of the tool) invalidates it; corrupt entries and concurrent runs
 * are misses, never errors; a run that every entry answers never requires libpg-query.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CORPUS, noCorpus, requireCorpus } from './corpus';
import { CATALOG, ResultCache } from '../server/src/cache';
import { CATALOG_EVERY } from '../server/src/history';

const cliJs = path.join(__dirname, '..', 'server', 'src', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-cache-'));
// Preloaded into each CLI process: says on stderr whether libpg-query was ever required.
const preload = path.join(tmp, 'report-libpg.js');
fs.writeFileSync(preload, "process.on('exit', () => process.stderr.write(`\\nlibpg-query required: ${Object.keys(require.cache).some((k) => /[\\\\/]libpg-query[\\\\/]/.test(k))}\\n`));\n");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whether the process required libpg-query. */
  parser: boolean;
}

const args = (cache: string | false, rest: string[]) => ['--require', preload, cliJs, 'check', ...rest, ...(cache === false ? ['--no-cache'] : ['--cache-location', cache])];

function parse(code: number | null, stdout: string, stderr: string): Run {
  const said = /\nlibpg-query required: (true|false)\n$/.exec(stderr);
  assert.ok(said, `no report of libpg-query in stderr: ${stderr}`);
  return { code, stdout, stderr: stderr.slice(0, said.index), parser: said[1] === 'true' };
}

function check(cache: string | false, ...rest: string[]): Run {
  const r = spawnSync(process.execPath, args(cache, rest), { cwd: tmp, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  return parse(r.status, r.stdout, r.stderr);
}

function checkAsync(cache: string, ...rest: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args(cache, rest), { cwd: tmp });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve(parse(code, Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8'))));
  });
}

let caches = 0;
const newCache = () => path.join(tmp, `cache-${++caches}`);
const entries = (cache: string) => (fs.existsSync(cache) ? fs.readdirSync(cache).filter((n) => /^[0-9a-f]{64}\.json$/.test(n)) : []);

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** Runs `check` without the cache, then with `cache`: same exit code, same stdout, nothing more on stderr. */
function sameAsUncached(cache: string, ...rest: string[]): { fresh: Run; cached: Run } {
  const fresh = check(false, ...rest);
  const cached = check(cache, ...rest);
  assert.equal(cached.stdout, fresh.stdout);
  assert.equal(cached.code, fresh.code);
  assert.equal(cached.stderr, fresh.stderr);
  return { fresh, cached };
}

describe('the result cache over every folder of the shared corpus', { skip: noCorpus }, () => {
  const folders = noCorpus ? [] : fs.readdirSync(requireCorpus(), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(CORPUS, e.name));

  it('has folders to check', () => {
    assert.ok(folders.length >= 5, `corpus folders: ${folders.join(', ')}`);
  });

  for (const dir of folders) {
    it(`prints the same JSON and text for ${path.basename(dir)} with and without the cache, cold and warm`, () => {
      for (const format of ['json', 'text']) {
        const fresh = check(false, dir, '--format', format);
        assert.ok(fresh.stdout.length > 100 && fresh.parser);
        const cache = newCache();
        const cold = check(cache, dir, '--format', format);
        assert.ok(cold.parser, 'a cold run parses');
        assert.ok(entries(cache).length > 0, 'a cold run writes entries');
        const warm = check(cache, dir, '--format', format);
        for (const [run, name] of [
          [cold, 'cold'],
          [warm, 'warm'],
        ] as const) {
          assert.equal(run.stdout, fresh.stdout, `${format}, ${name} cache`);
          assert.equal(run.code, fresh.code);
          assert.equal(run.stderr, fresh.stderr);
        }
        assert.equal(warm.parser, false, `${format}: a run the cache answers entirely must not require libpg-query`);
      }
    });
  }

  it('prints the same Markdown, GitLab, GitHub and SARIF reports from a warm cache (lock words, fixed statements, fingerprints)', () => {
    const dirs = folders.filter((d) => /supabase/.test(d));
    assert.ok(dirs.length > 0);
    const cache = newCache();
    check(cache, ...dirs);
    for (const format of ['markdown', 'gitlab', 'github', 'sarif']) {
      const { fresh, cached } = sameAsUncached(cache, ...dirs, '--format', format);
      assert.ok(fresh.stdout.length > 100, format);
      // Fingerprints are libpg-query's: only GitLab's report loads the parser from a warm cache.
      assert.equal(cached.parser, format === 'gitlab', format);
    }
  });
});

describe('what invalidates an entry', () => {
  it('an earlier migration: the later file is analysed again, against the new history', () => {
    const dir = folder('history', {
      'm/001_create.sql': 'CREATE TABLE t (id int, c varchar(50));\n',
      'm/002_alter.sql': 'ALTER TABLE t ALTER COLUMN c TYPE varchar(100);\n',
    });
    const cache = newCache();
    const before = sameAsUncached(cache, dir, '--format', 'json').cached;
    assert.equal(check(cache, dir, '--format', 'json').parser, false);
    assert.doesNotMatch(before.stdout, /changing-column-type/, 'widening a varchar rewrites nothing');
    // The later file's bytes are the same: only its history changed.
    fs.writeFileSync(path.join(dir, 'm/001_create.sql'), 'CREATE TABLE t (id int, c int);\n');
    const { cached } = sameAsUncached(cache, dir, '--format', 'json');
    const rules = (JSON.parse(cached.stdout) as { files: { path: string; diagnostics: { rule: string }[] }[] }).files.find((f) => f.path.endsWith('002_alter.sql'))!.diagnostics.map((d) => d.rule);
    assert.ok(rules.includes('changing-column-type'), `int to varchar rewrites the table: ${rules.join(', ')}`);
    assert.ok(cached.parser);
  });

  it('the settings: a --pg-version flag and the configuration file', () => {
    const dir = folder('settings', { 'm/001.sql': 'CREATE TABLE t (id bigint);\n', 'm/002.sql': 'ALTER TABLE t ADD COLUMN d int DEFAULT 0;\n' });
    const cache = newCache();
    const on17 = sameAsUncached(cache, dir).cached;
    assert.doesNotMatch(on17.stdout, /adding-field-with-volatile-default/);
    const on10 = sameAsUncached(cache, dir, '--pg-version', '10').cached;
    assert.match(on10.stdout, /adding-field-with-volatile-default/);
    fs.writeFileSync(path.join(dir, 'migration-guard.json'), '{ "pgVersion": 10 }\n');
    assert.match(sameAsUncached(cache, dir).cached.stdout, /adding-field-with-volatile-default/);
    fs.writeFileSync(path.join(dir, 'migration-guard.json'), '{ "pgVersion": 10, "rules": { "adding-field-with-volatile-default": "off" } }\n');
    assert.doesNotMatch(sameAsUncached(cache, dir).cached.stdout, /adding-field-with-volatile-default/);
  });

  it('a project file the tool detection reads: atlas.sum appearing beside the migrations', () => {
    const dir = folder('probe', {
      'm/001_create.sql': 'CREATE TABLE t (id bigint, c text);\n',
      'm/002_index.sql': 'CREATE INDEX CONCURRENTLY i ON t (c);\n',
    });
    const cache = newCache();
    assert.doesNotMatch(sameAsUncached(cache, dir).cached.stdout, /concurrently-in-transaction/);
    fs.writeFileSync(path.join(dir, 'm/atlas.sum'), 'h1:x\n');
    const { cached } = sameAsUncached(cache, dir);
    assert.match(cached.stdout, /concurrently-in-transaction/, 'atlas runs each file in a transaction');
  });

  it('only the changed file and those after it are analysed; a run with --no-cache writes nothing', () => {
    const dir = folder('one-changed', {
      'm/001.sql': 'CREATE TABLE a (id bigint);\n',
      'm/002.sql': 'CREATE TABLE b (id bigint);\n',
      'm/003.sql': 'ALTER TABLE a ADD COLUMN c text;\n',
    });
    const cache = newCache();
    check(cache, dir);
    const written = new Set(entries(cache));
    assert.equal(written.size, 3);
    fs.writeFileSync(path.join(dir, 'm/003.sql'), 'ALTER TABLE b ADD COLUMN c text;\n');
    sameAsUncached(cache, dir);
    const now = entries(cache);
    assert.equal(now.length, 4, 'one new entry: the changed file');
    const other = newCache();
    check(false, dir, '--cache-location', other);
    assert.equal(fs.existsSync(other), false, '--no-cache wins over --cache-location');
    check(other, dir);
    assert.equal(entries(other).length, 3);
  });
});

describe('the catalog carried from the cache to a changed file', () => {
  // The cached catalog must hold what the catalog holds besides tables: a function's volatility
  // decides whether a later ADD COLUMN ... DEFAULT f() rewrites, a view's columns whether a type
  // change fails, a trigger's function whether DROP FUNCTION breaks it.
  it('keeps functions, views and the defaults and triggers that call functions', () => {
    const dir = folder('objects', {
      'm/001.sql':
        "CREATE TABLE t (id bigint, c int, d text);\nCREATE FUNCTION pick() RETURNS int LANGUAGE sql AS 'select 1';\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();\nCREATE VIEW v AS SELECT id, c FROM t;\n",
      'm/002.sql': 'ALTER TABLE t ADD COLUMN e int;\n',
    });
    const cache = newCache();
    check(cache, dir, '--format', 'json');
    fs.writeFileSync(path.join(dir, 'm/002.sql'), 'ALTER TABLE t ADD COLUMN e int DEFAULT pick();\nALTER TABLE t ALTER COLUMN c TYPE bigint;\nDROP FUNCTION touch();\n');
    const { fresh } = sameAsUncached(cache, dir, '--format', 'json');
    const rules = JSON.parse(fresh.stdout).files.flatMap((f: { diagnostics: { rule: string }[] }) => f.diagnostics.map((d) => d.rule));
    for (const rule of ['adding-field-with-volatile-default', 'column-used-by-view', 'drop-object-still-used']) assert.ok(rules.includes(rule), `${rule} in ${rules}`);
  });

  it('keeps publications and replica identities', () => {
    const dir = folder('publications', {
      'm/001.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);\nCREATE TABLE u (id bigint PRIMARY KEY, k bigint NOT NULL UNIQUE);\nCREATE PUBLICATION feed FOR TABLE t, u;\nALTER TABLE u REPLICA IDENTITY USING INDEX u_k_key;\n',
      'm/002.sql': 'SELECT 1;\n',
    });
    const cache = newCache();
    check(cache, dir, '--format', 'json');
    fs.writeFileSync(path.join(dir, 'm/002.sql'), 'ALTER TABLE t DROP CONSTRAINT t_pkey;\nALTER TABLE u DROP CONSTRAINT u_pkey;\n');
    const { fresh } = sameAsUncached(cache, dir, '--format', 'json');
    const lines = JSON.parse(fresh.stdout).files.flatMap((f: { diagnostics: { rule: string; range: { start: { line: number } } }[] }) => f.diagnostics.filter((d) => d.rule === 'drop-primary-key-of-published-table').map((d) => d.range.start.line));
    assert.deepEqual(lines, [0], 't is published; u has a replica identity of its own');
  });
});

describe('the catalogs kept', () => {
  it('one every CATALOG_EVERY migrations and the last two; a changed file in the middle starts from the nearest one kept', () => {
    const files: Record<string, string> = { 'm/001.sql': 'CREATE TABLE t (id bigint, c varchar(50));\n' };
    const n = 2 * CATALOG_EVERY + 5;
    for (let i = 2; i <= n; i++) files[`m/${String(i).padStart(3, '0')}.sql`] = `CREATE TABLE t${i} (id bigint);\n`;
    const dir = folder('kept', files);
    const cache = newCache();
    check(cache, dir, '--format', 'json');
    const catalogs = fs.readdirSync(cache).filter((f) => f.endsWith(CATALOG));
    assert.equal(catalogs.length, Math.floor(n / CATALOG_EVERY) + 2);
    // After the first kept catalog: the files between it and the changed one are analysed again
    // from it, and what 001 created is still known (widening a varchar rewrites nothing).
    const changed = `m/${String(CATALOG_EVERY + 7).padStart(3, '0')}.sql`;
    fs.writeFileSync(path.join(dir, changed), 'ALTER TABLE t ALTER COLUMN c TYPE varchar(100);\nALTER TABLE t ALTER COLUMN id TYPE int;\n');
    const { cached } = sameAsUncached(cache, dir, '--format', 'json');
    assert.ok(cached.parser);
    const rules = (JSON.parse(cached.stdout) as { files: { path: string; diagnostics: { rule: string; message: string }[] }[] }).files.find((f) => f.path.endsWith(changed))!.diagnostics;
    assert.equal(rules.filter((d) => d.rule === 'changing-column-type').length, 1, JSON.stringify(rules));
    assert.equal(check(cache, dir, '--format', 'json').parser, false);
  });

  it('kept catalogs damaged or gone: the changed file starts from the first migration again', () => {
    const files: Record<string, string> = { 'm/001.sql': 'CREATE TABLE t (id bigint, c varchar(50));\n' };
    const n = 2 * CATALOG_EVERY + 5;
    for (let i = 2; i <= n; i++) files[`m/${String(i).padStart(3, '0')}.sql`] = `CREATE TABLE t${i} (id bigint);\n`;
    const dir = folder('kept-damaged', files);
    const last = path.join(dir, `m/${String(n).padStart(3, '0')}.sql`);
    const cache = newCache();
    check(cache, dir, '--format', 'json');
    const kept = () => fs.readdirSync(cache).filter((f) => f.endsWith(CATALOG)).map((f) => path.join(cache, f));
    const damage = [(f: string) => fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 20)), (f: string) => fs.rmSync(f)];
    for (const [i, hurt] of damage.entries()) {
      assert.ok(kept().length >= 2);
      for (const f of kept()) hurt(f);
      fs.writeFileSync(last, `ALTER TABLE t ALTER COLUMN c TYPE varchar(100);\nALTER TABLE t ALTER COLUMN id TYPE int; -- ${i}\n`);
      const { cached } = sameAsUncached(cache, dir, '--format', 'json');
      assert.ok(cached.parser);
      const found = (JSON.parse(cached.stdout) as { files: { path: string; diagnostics: { rule: string }[] }[] }).files.find((f) => f.path === last)!.diagnostics;
      assert.equal(found.filter((d) => d.rule === 'changing-column-type').length, 1, JSON.stringify(found));
    }
  });
});

describe('entries that are not whole', () => {
  it('truncated, empty, corrupt, foreign and wrongly keyed entries and catalogs are misses, never errors', () => {
    const dir = folder('corrupt', {
      'm/001.sql': 'CREATE TABLE t (id bigint, c varchar(50));\n',
      'm/002.sql': 'ALTER TABLE t ALTER COLUMN c TYPE varchar(100);\nCREATE INDEX i ON t (c);\n',
      'm/003.sql': 'ALTER TABLE t ADD COLUMN d text NOT NULL;\n',
    });
    const cache = newCache();
    check(cache, dir, '--format', 'json');
    const names = fs.readdirSync(cache).sort();
    assert.equal(names.length, 5, 'three entries and the catalogs of the last two');
    const other = JSON.parse(fs.readFileSync(path.join(cache, names.find((n) => !n.includes('catalog'))!), 'utf8'));
    const damage = [
      (text: string) => text.slice(0, Math.floor(text.length / 2)),
      () => '',
      (text: string) => text.replace(/"/g, "'"),
      () => JSON.stringify({ some: 'other tool' }),
      () => JSON.stringify({ ...other, key: '0'.repeat(64) }),
      (text: string) => text.replace(/"findings":\[/, '"findings":[null,'),
    ];
    for (const hurt of damage) {
      for (const name of names) fs.writeFileSync(path.join(cache, name), hurt(fs.readFileSync(path.join(cache, name), 'utf8')));
      const { cached } = sameAsUncached(cache, dir, '--format', 'json');
      assert.ok(cached.parser, 'damaged entries are analysed again');
      // Rewritten whole by that run: the next one is answered from the cache.
      assert.equal(sameAsUncached(cache, dir, '--format', 'json').cached.parser, false);
    }
    // A folder where each entry should be: read as a miss, and the write refused with a note.
    for (const name of names) {
      fs.rmSync(path.join(cache, name));
      fs.mkdirSync(path.join(cache, name));
    }
    const fresh = check(false, dir, '--format', 'json');
    const cached = check(cache, dir, '--format', 'json');
    assert.equal(cached.stdout, fresh.stdout);
    assert.equal(cached.code, fresh.code);
    assert.match(cached.stderr, /^migration-guard: the result cache in .* was not written: /);
  });

  it('two runs at once on one cache both print the uncached output, and leave whole entries', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 40; i++) files[`m/${String(i).padStart(3, '0')}.sql`] = `CREATE TABLE t${i} (id int);\nALTER TABLE t${i} ADD COLUMN c${i} text DEFAULT 'x';\nCREATE INDEX i${i} ON t${i} (c${i});\n`;
    const dir = folder('concurrent', files);
    const fresh = check(false, dir, '--format', 'json');
    const cache = newCache();
    const runs = await Promise.all([checkAsync(cache, dir, '--format', 'json'), checkAsync(cache, dir, '--format', 'json'), checkAsync(cache, dir, '--format', 'text')]);
    assert.equal(runs[0].stdout, fresh.stdout);
    assert.equal(runs[1].stdout, fresh.stdout);
    assert.equal(runs[2].stdout, check(false, dir).stdout);
    for (const r of runs) assert.equal(r.stderr, '');
    assert.deepEqual(
      fs.readdirSync(cache).filter((n) => n.endsWith('.tmp')),
      [],
      'no temporary file left',
    );
    const warm = check(cache, dir, '--format', 'json');
    assert.equal(warm.stdout, fresh.stdout);
    assert.equal(warm.parser, false);
  });
});

describe('eviction', () => {
  it('keeps the newest entries (by modification time) and their catalogs, up to the bound, after a run that wrote', () => {
    const dir = path.join(tmp, 'evict');
    const cache = new ResultCache(dir);
    const keys = [...'abcdef'].map((c) => c.repeat(64));
    keys.forEach((key, i) => {
      cache.write(key, { probes: [], result: undefined });
      fs.writeFileSync(path.join(dir, `${key}${CATALOG}`), '{}');
      const when = new Date(Date.UTC(2025, 0, 1 + i));
      fs.utimesSync(path.join(dir, `${key}.json`), when, when);
    });
    fs.writeFileSync(path.join(dir, 'left.tmp'), 'x');
    fs.utimesSync(path.join(dir, 'left.tmp'), new Date(2025, 0, 1), new Date(2025, 0, 1));
    new ResultCache(dir).evict(2);
    assert.equal(fs.readdirSync(dir).length, 13, 'a cache that wrote nothing evicts nothing');
    cache.evict(2);
    assert.deepEqual(fs.readdirSync(dir).sort(), [`${keys[4]}${CATALOG}`, `${keys[4]}.json`, `${keys[5]}${CATALOG}`, `${keys[5]}.json`]);
    assert.deepEqual(cache.read(keys[5]), { probes: [], result: undefined });
  });
});
