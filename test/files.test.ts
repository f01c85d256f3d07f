/**
 * Files in and out (issue 23): bytes that are not UTF-8, NUL bytes and byte-order marks, files
 * and folders that cannot be read, FIFOs, symbolic links, deep paths; writes that are atomic,
 * never follow a link, never leave their folder and never drop another writer's change; the
 * timeout settings that are written into SQL; the persistent catalog on a 16,000-statement file.
 */
import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CodeAction, CodeActionRequest } from 'vscode-languageserver-protocol/node';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { fileCommentPlace } from '../server/src/engine/context';
import { fixAll } from '../server/src/engine/fixall';
import { Divergence, PersistentMap, hashOf } from '../server/src/engine/pmap';
import { isDuration, resolveSettings, sqlLiteral } from '../server/src/engine/settings';
import { decodeBytes, FileProblem, patchBytes, readSource, writeFileAtomic } from '../server/src/files';
import { LspClient, SERVER } from './lsp-client';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'migration-guard.js');

// World-readable, so that the CLI can also run as another user (see `asOther`).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-files-'));
fs.chmodSync(tmp, 0o755);
after(() => {
  // GNU rm removes trees deeper than PATH_MAX; fs.rmSync does not.
  spawnSync('chmod', ['-R', 'u+rwx', tmp]);
  spawnSync('rm', ['-rf', tmp]);
});

function cli(args: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000, ...options });
  return { code: result.status, signal: result.signal, stdout: String(result.stdout), stderr: String(result.stderr) };
}

function write(name: string, content: string | Buffer, mode = 0o644): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
  return file;
}

interface Json {
  files: { path: string; diagnostics: { rule: string; severity: string; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[] }[];
}

const noStack = (stderr: string) => assert.doesNotMatch(stderr, /internal error|\n\s+at /, stderr);

describe('bytes that are not UTF-8', () => {
  // A Latin-1 literal in a statement no fix touches, and a CHECK constraint whose safe fix splits it.
  const latin1 = Buffer.from(
    "SET lock_timeout = '1s';\nSET statement_timeout = '1h';\nINSERT INTO cities (name) VALUES ('Montr\xe9al');\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);\n",
    'latin1',
  );

  it('check reports the first byte that is not UTF-8, where it is, and analyses the file', () => {
    const file = write('latin1/check/001.sql', latin1);
    const { code, stdout, stderr } = cli(['check', '--format', 'json', file]);
    assert.equal(code, 1, stderr);
    const diagnostics = (JSON.parse(stdout) as Json).files[0].diagnostics;
    const encoding = diagnostics.find((d) => d.rule === 'file-encoding')!;
    assert.ok(encoding, JSON.stringify(diagnostics));
    assert.deepEqual(encoding.range, { start: { line: 2, character: 40 }, end: { line: 2, character: 41 } });
    assert.match(encoding.message, /byte 0xE9 here is not part of a UTF-8 character/);
    assert.ok(diagnostics.some((d) => d.rule === 'constraint-missing-not-valid'), 'the rest is analysed');
  });

  it('fix --write changes only the bytes of its own edit: the Latin-1 byte elsewhere stays', () => {
    const file = write('latin1/fix/001.sql', latin1, 0o640);
    const result = cli(['fix', '--write', file]);
    assert.equal(result.code, 0, result.stderr);
    const after = fs.readFileSync(file);
    const statement = Buffer.from('ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);', 'latin1');
    const at = latin1.indexOf(statement);
    const expected = Buffer.concat([
      latin1.subarray(0, at),
      Buffer.from('ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;'),
      latin1.subarray(at + statement.length),
    ]);
    assert.deepEqual(after, expected);
    // Every byte before the fix's span (the 0xE9 among them) and after it is the same.
    assert.deepEqual(after.subarray(0, at), latin1.subarray(0, at));
    assert.equal(after[latin1.indexOf(0xe9)], 0xe9);
    assert.equal(fs.statSync(file).mode & 0o777, 0o640, 'the file keeps its mode');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['001.sql'], 'no temporary file is left');
  });

  it('fix refuses, with the reason, a fix that would write non-ASCII text into a file that is not UTF-8', () => {
    const sql = Buffer.from("SET lock_timeout = '1s';\nSET statement_timeout = '1h';\nALTER TABLE orders ADD CONSTRAINT \"c\xe9\" CHECK (total >= 0);\n", 'latin1');
    const file = write('latin1/refuse/001.sql', sql);
    const result = cli(['fix', '--write', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not fixed: the file is not UTF-8 \(byte 0xE9 at byte \d+\) and a fix would write text that is not ASCII/);
    assert.deepEqual(fs.readFileSync(file), sql);
  });

  it('decodes each byte outside a UTF-8 character as its Latin-1 character, and maps offsets back to bytes', () => {
    const bytes = Buffer.concat([Buffer.from('é🙂 '), Buffer.from([0xe9, 0x80, 0xff]), Buffer.from('ü\r\n')]);
    const decoded = decodeBytes(bytes);
    assert.equal(decoded.text, 'é🙂 \u00e9\u0080\u00ffü\r\n');
    assert.deepEqual(decoded.invalid, { byte: 7, value: 0xe9, offset: 4, inSample: 3 });
    const offsets = [0, 1, 3, 4, 5, 6, 7, 8, 10].map((o) => decoded.byteOffset(o));
    assert.deepEqual(offsets, [0, 2, 6, 7, 8, 9, 10, 12, 14]);
    const valid = decodeBytes(Buffer.from('\ufeffSELECT \'ü\';'));
    assert.equal(valid.text.charCodeAt(0), 0xfeff, 'a byte-order mark stays in the text');
    assert.equal(valid.invalid, undefined);
    assert.equal(valid.byteOffset(1), 3);
  });

  it('a file whose bytes are mostly not UTF-8 is binary, not Latin-1 text', () => {
    const file = write('latin1/binary/001.sql', Buffer.from(Array.from({ length: 4096 }, (_, i) => 0x80 + ((i * 37) % 128))));
    const { code, stdout } = cli(['check', '--format', 'json', file]);
    assert.equal(code, 1);
    assert.deepEqual((JSON.parse(stdout) as Json).files[0].diagnostics.map((d) => `${d.rule}: ${d.message}`), ['unreadable-file: Binary file (most bytes are not UTF-8 text): not SQL text, not analysed.']);
  });

  it('fix-all gives its change as edits of the original text, which patch the bytes to the same text', async () => {
    await loadParser();
    const sql = "-- ü\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);\nCREATE INDEX i ON users (email);\nALTER TABLE t ADD COLUMN c int DEFAULT random();\n";
    const result = fixAll(sql, { settings: resolveSettings({}).settings, unsafe: true });
    assert.ok(result.applied.length >= 3, result.applied.join('; '));
    const source = { path: 'x.sql', bytes: Buffer.from(sql), hash: '', ...decodeBytes(Buffer.from(sql)) };
    assert.equal(patchBytes(source, result.edits).toString('utf8'), result.text);
  });
});

describe('NUL bytes and byte-order marks', () => {
  it('a NUL after the first 64 KB is reported where it is, and the statements after it are analysed', () => {
    const head = 'SELECT 1;\n'.repeat(7000);
    const file = write('nul/001.sql', `${head}SELECT \u0000 2;\nCREATE INDEX i ON users (email);\n`);
    const { code, stdout } = cli(['check', '--format', 'json', file]);
    assert.equal(code, 1);
    const diagnostics = (JSON.parse(stdout) as Json).files[0].diagnostics;
    const nul = diagnostics.find((d) => d.rule === 'file-encoding')!;
    assert.deepEqual(nul.range.start, { line: 7000, character: 7 });
    assert.match(nul.message, /NUL byte/);
    assert.ok(diagnostics.some((d) => d.rule === 'require-concurrent-index' && d.range.start.line === 7001), JSON.stringify(diagnostics));
  });

  it('a UTF-8 byte-order mark is no syntax error: the first statement is analysed, positions count the mark as one unit', () => {
    const file = write('bom/001.sql', '\ufeffCREATE INDEX i ON users (email);\n');
    const { stdout } = cli(['check', '--format', 'json', file]);
    const diagnostics = (JSON.parse(stdout) as Json).files[0].diagnostics;
    assert.deepEqual(
      diagnostics.map((d) => `${d.rule}@${d.range.start.line}:${d.range.start.character}`),
      ['require-concurrent-index@0:1', 'require-timeouts@0:1'],
    );
  });

  it('fix keeps the byte-order mark first', () => {
    const file = write('bom/fix/001.sql', '\ufeffCREATE INDEX i ON users (email);\n');
    assert.equal(cli(['fix', '--write', '--unsafe', file]).code, 0);
    const after = fs.readFileSync(file);
    assert.deepEqual([...after.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.match(after.subarray(3).toString(), /^SET lock_timeout = '5s';\nSET statement_timeout = '30min';\nCREATE INDEX CONCURRENTLY i ON users \(email\);/);
  });
});

describe('files and folders that cannot be read', () => {
  /** Runs the CLI as a user the permissions apply to: `nobody` when the tests run as root. */
  const asOther: SpawnSyncOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

  it('an unreadable file and an unreadable folder: a clear error each, the other files analysed, exit 1', () => {
    write('perm/001_ok.sql', 'DROP INDEX i;');
    write('perm/002_secret.sql', 'DROP TABLE t;', 0o000);
    write('perm/closed/003.sql', 'DROP TABLE u;');
    fs.chmodSync(path.join(tmp, 'perm', 'closed'), 0o000);
    const { code, stdout, stderr } = cli(['check', '--format', 'json', path.join(tmp, 'perm')], asOther);
    fs.chmodSync(path.join(tmp, 'perm', 'closed'), 0o755);
    assert.equal(code, 1, stderr);
    noStack(stderr);
    const out = JSON.parse(stdout) as Json;
    const byName = Object.fromEntries(out.files.map((f) => [path.relative(tmp, f.path), f.diagnostics.map((d) => `${d.rule}: ${d.message}`)]));
    assert.deepEqual(byName['perm/002_secret.sql'], ['unreadable-file: Cannot read: permission denied']);
    assert.deepEqual(byName['perm/closed'], ['unreadable-file: Cannot read the folder: permission denied']);
    assert.ok(byName['perm/001_ok.sql'].some((d) => d.startsWith('require-concurrent-index')));
  });

  it('explain on an unreadable file: the reason, exit 1, no stack trace', () => {
    const file = write('perm2/001.sql', 'DROP TABLE t;', 0o000);
    const { code, stderr } = cli(['explain', file], asOther);
    assert.equal(code, 1);
    assert.match(stderr, /permission denied/);
    noStack(stderr);
  });

  it('a path deeper than the system allows: a clear error for that folder, exit 1', () => {
    const base = path.join(tmp, 'deep');
    fs.mkdirSync(base);
    const name = 'd'.repeat(200);
    // The shell goes down with relative paths, past PATH_MAX (4096) in absolute length.
    const made = spawnSync('bash', ['-c', `cd "${base}" && for i in $(seq 25); do mkdir ${name} && cd ${name} || exit 1; done && echo 'DROP TABLE t;' > 001.sql`]);
    assert.equal(made.status, 0, String(made.stderr));
    write('deep/000.sql', 'DROP INDEX i;');
    const { code, stdout, stderr } = cli(['check', '--format', 'json', base]);
    assert.equal(code, 1, stderr);
    noStack(stderr);
    const out = JSON.parse(stdout) as Json;
    const tooLong = out.files.find((f) => f.diagnostics.some((d) => /longer than the system allows/.test(d.message)));
    assert.ok(tooLong, stdout.slice(0, 2000));
    assert.equal(tooLong.diagnostics[0].rule, 'unreadable-file');
  });

  it('a FIFO named on the command line, or found in a folder, is refused without being opened', () => {
    const dir = path.join(tmp, 'fifo');
    fs.mkdirSync(dir);
    const fifo = path.join(dir, '001.sql');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    write('fifo/002.sql', 'DROP INDEX i;');
    // A FIFO that is opened for reading waits for a writer: the 30 s timeout would kill the CLI.
    const named = cli(['check', '--format', 'json', fifo], { timeout: 30_000 });
    assert.equal(named.signal, null, 'the CLI did not hang');
    assert.equal(named.code, 1);
    assert.match((JSON.parse(named.stdout) as Json).files[0].diagnostics[0].message, /named pipe \(FIFO\), not a regular file: not read/);
    const walked = cli(['check', '--format', 'json', dir], { timeout: 30_000 });
    assert.equal(walked.signal, null);
    assert.deepEqual(
      (JSON.parse(walked.stdout) as Json).files.map((f) => [path.basename(f.path), f.diagnostics[0].rule]),
      [['001.sql', 'unreadable-file'], ['002.sql', 'require-concurrent-index']],
    );
    for (const command of ['explain', 'checklist']) {
      const one = cli([command, fifo], { timeout: 30_000 });
      assert.equal(one.signal, null, command);
      assert.equal(one.code, 1, `${command}: ${one.stderr}`);
      assert.match(one.stderr, /named pipe/);
    }
    const device = cli(['check', '/dev/zero'], { timeout: 30_000 });
    assert.equal(device.signal, null);
    assert.match(device.stdout, /character device, not a regular file: not read/);
  });

  it('symbolic links to .sql files and folders are followed, a link back up is skipped with a note, a link to nothing is reported', () => {
    write('links/real/001.sql', 'DROP INDEX i;');
    fs.symlinkSync(path.join(tmp, 'links', 'real', '001.sql'), path.join(tmp, 'links', 'alias.sql'));
    fs.symlinkSync(path.join(tmp, 'links', 'real'), path.join(tmp, 'links', 'linked'));
    fs.symlinkSync(path.join(tmp, 'links'), path.join(tmp, 'links', 'real', 'loop'));
    fs.symlinkSync(path.join(tmp, 'links', 'gone.sql'), path.join(tmp, 'links', 'dangling.sql'));
    const { code, stdout, stderr } = cli(['check', '--format', 'json', path.join(tmp, 'links')], { timeout: 60_000 });
    assert.equal(code, 1, stderr);
    const out = JSON.parse(stdout) as Json;
    assert.deepEqual(
      out.files.map((f) => [path.relative(path.join(tmp, 'links'), f.path), f.diagnostics[0].rule]),
      [
        ['alias.sql', 'require-concurrent-index'],
        ['dangling.sql', 'unreadable-file'],
        ['linked/001.sql', 'require-concurrent-index'],
        ['real/001.sql', 'require-concurrent-index'],
      ],
    );
    assert.match(out.files[1].diagnostics[0].message, /symbolic link to a file that does not exist/);
    assert.match(stderr, /skipped .*links\/linked\/loop: a symbolic link to a folder it is in/);
    assert.match(stderr, /skipped .*links\/real\/loop: a symbolic link to a folder it is in/);
  });
});

describe('writes are atomic and refuse surprises', () => {
  it('checklist --write refuses a planted symbolic link and leaves the file outside the project as it was', () => {
    const outside = write('outside/precious.md', 'precious\n');
    const file = write('planted/db/001.sql', 'DROP INDEX i;');
    fs.symlinkSync(outside, path.join(tmp, 'planted', 'db', '001.checklist.md'));
    const { code, stderr } = cli(['checklist', file, '--write']);
    assert.equal(code, 1);
    assert.match(stderr, /001\.checklist\.md is a symbolic link: not written/);
    noStack(stderr);
    assert.equal(fs.readFileSync(outside, 'utf8'), 'precious\n');
    assert.ok(fs.lstatSync(path.join(tmp, 'planted', 'db', '001.checklist.md')).isSymbolicLink());
  });

  it('checklist --write writes beside the migration, and again over its own earlier file', () => {
    const file = write('checklist-ok/001.sql', 'DROP INDEX i;');
    cli(['checklist', file, '--write']);
    const out = path.join(tmp, 'checklist-ok', '001.checklist.md');
    assert.match(fs.readFileSync(out, 'utf8'), /checklist/i);
    fs.chmodSync(out, 0o600);
    cli(['checklist', file, '--write']);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(path.dirname(out)).sort(), ['001.checklist.md', '001.sql']);
  });

  it('plan --write does not create the target of a dangling symbolic link, nor any other step', () => {
    write('dangling/db/migrations/20240101000000_create.sql', '-- migrate:up\nCREATE TABLE orders (id serial PRIMARY KEY, total int);\n-- migrate:down\n');
    const file = write('dangling/db/migrations/20240102000000_bigint.sql', '-- migrate:up\nALTER TABLE orders ALTER COLUMN id TYPE bigint;\n-- migrate:down\n');
    const target = path.join(tmp, 'outside', 'created-through-link.sql');
    fs.symlinkSync(target, path.join(path.dirname(file), '20240102000003_prepare.sql'));
    const { code, stderr } = cli(['plan', `${file}:2`, '--write']);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /20240102000003_prepare\.sql is a symbolic link: not written/);
    assert.equal(fs.existsSync(target), false);
    assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), ['20240101000000_create.sql', '20240102000000_bigint.sql', '20240102000003_prepare.sql']);
  });

  it('plan --write for Prisma refuses a step folder that is a link, before writing any step', () => {
    write('prisma-link/prisma/migrations/20240101000000_init/migration.sql', 'CREATE TABLE orders (id serial PRIMARY KEY, total int);\n');
    const file = write('prisma-link/prisma/migrations/20240102000000_change/migration.sql', 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;\n');
    const migrations = path.join(tmp, 'prisma-link', 'prisma', 'migrations');
    const elsewhere = path.join(tmp, 'outside', 'prisma-elsewhere');
    fs.mkdirSync(elsewhere, { recursive: true });
    fs.symlinkSync(elsewhere, path.join(migrations, '20240102000003_prepare'));
    const { code, stderr } = cli(['plan', `${file}:1`, '--write']);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /20240102000003_prepare is a symbolic link: not written into/);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
    assert.deepEqual(fs.readdirSync(migrations).sort(), ['20240101000000_init', '20240102000000_change', '20240102000003_prepare']);
    fs.unlinkSync(path.join(migrations, '20240102000003_prepare'));
    assert.equal(cli(['plan', `${file}:1`, '--write']).code, 0);
    assert.equal(fs.readdirSync(migrations).length, 10, 'the 8 step migrations of the key type change, beside the two there');
  });

  it('init refuses a symbolic link in place of migration-guard.json, even with --force', () => {
    const outside = write('outside/config.json', '{}');
    fs.mkdirSync(path.join(tmp, 'init-link'));
    fs.symlinkSync(outside, path.join(tmp, 'init-link', 'migration-guard.json'));
    const { code, stderr } = cli(['init', path.join(tmp, 'init-link'), '--force']);
    assert.equal(code, 1);
    assert.match(stderr, /symbolic link/);
    assert.equal(fs.readFileSync(outside, 'utf8'), '{}');
  });

  it('a write is refused when the file changed since it was read: the other writer\'s line is kept', () => {
    const file = write('race/001.sql', 'CREATE INDEX i ON users (email);\n');
    const source = readSource(file);
    fs.appendFileSync(file, '-- a line another process appended\n');
    assert.throws(() => writeFileAtomic(file, 'replaced\n', { within: path.dirname(file), expected: source.hash }), (e: unknown) => e instanceof FileProblem && /changed since it was read/.test(e.message));
    assert.equal(fs.readFileSync(file, 'utf8'), 'CREATE INDEX i ON users (email);\n-- a line another process appended\n');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['001.sql'], 'no temporary file is left');
  });

  it('never writes outside the folder it is given, nor through a link, nor over a file that must be new', () => {
    const outsideDir = path.join(tmp, 'outside-dir');
    fs.mkdirSync(outsideDir);
    const project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    fs.symlinkSync(outsideDir, path.join(project, 'sub'));
    assert.throws(() => writeFileAtomic(path.join(project, 'sub', 'x.sql'), 'x', { within: project, expected: null }), /is outside/);
    assert.throws(() => writeFileAtomic(path.join(project, '..', 'escape.sql'), 'x', { within: project, expected: null }), /is outside/);
    assert.deepEqual(fs.readdirSync(outsideDir), []);
    fs.symlinkSync(path.join(tmp, 'nowhere.sql'), path.join(project, 'dangling.sql'));
    assert.throws(() => writeFileAtomic(path.join(project, 'dangling.sql'), 'x', { within: project, expected: null }), /symbolic link/);
    assert.equal(fs.existsSync(path.join(tmp, 'nowhere.sql')), false);
    fs.writeFileSync(path.join(project, 'taken.sql'), 'mine');
    assert.throws(() => writeFileAtomic(path.join(project, 'taken.sql'), 'x', { within: project, expected: null }), /exists already/);
    assert.equal(fs.readFileSync(path.join(project, 'taken.sql'), 'utf8'), 'mine');
  });

  it('a normal write replaces the file atomically and keeps its mode', () => {
    const file = write('mode/001.sql', 'old\n', 0o751);
    writeFileAtomic(file, 'new\n', { within: path.dirname(file), expected: readSource(file).hash });
    assert.equal(fs.readFileSync(file, 'utf8'), 'new\n');
    assert.equal(fs.statSync(file).mode & 0o7777, 0o751);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['001.sql']);
  });
});

describe('timeout settings written into SQL', () => {
  it('a lockTimeout that is not a PostgreSQL duration is a configuration error naming the file and key, exit 2', () => {
    const dir = path.join(tmp, 'inject');
    write('inject/migration-guard.json', JSON.stringify({ lockTimeout: "5s'; DROP TABLE users; --" }));
    const file = write('inject/001.sql', 'CREATE INDEX i ON users (email);\n');
    for (const command of ['check', 'fix']) {
      const { code, stderr } = cli([command, file]);
      assert.equal(code, 2, command);
      assert.match(stderr, new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/migration-guard\\.json: lockTimeout must be a PostgreSQL duration`));
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'CREATE INDEX i ON users (email);\n');
  });

  it('null in migration-guard.json is an error naming the key', () => {
    write('nulls/migration-guard.json', '{ "statementTimeout": null }');
    const file = write('nulls/001.sql', 'SELECT 1;\n');
    const { code, stderr } = cli(['check', file]);
    assert.equal(code, 2);
    assert.match(stderr, /nulls\/migration-guard\.json: statementTimeout is null/);
  });

  it('accepts the durations PostgreSQL accepts, and writes them as literals', async () => {
    for (const ok of ['5s', '500ms', '1.5s', '2 min', '1h', '0', '10000', '1d', '100us']) assert.ok(isDuration(ok), ok);
    for (const bad of ["5s'; DROP TABLE users; --", '5 seconds', '5S', '-1s', '', '1e3', "5s'"]) assert.ok(!isDuration(bad), bad);
    assert.equal(sqlLiteral("it's"), "'it''s'");
    await loadParser();
    const settings = resolveSettings({ lockTimeout: '2 min', statementTimeout: '1.5h' }).settings;
    const fixed = fixAll('CREATE INDEX i ON users (email);', { settings, unsafe: true }).text;
    assert.match(fixed, /^SET lock_timeout = '2 min';\nSET statement_timeout = '1\.5h';\n/);
  });
});

describe('the catalog: persistent states', () => {
  it('a persistent map agrees with Map over seeded random changes, and old versions stay as they were', () => {
    let seed = 23;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    let map = PersistentMap.empty<number>();
    const model = new Map<string, number>();
    const versions: [PersistentMap<number>, Map<string, number>][] = [];
    for (let step = 0; step < 20000; step++) {
      const key = `k${random(3000)}`;
      if (random(4) === 0) {
        map = map.delete(key);
        model.delete(key);
      } else {
        map = map.set(key, step);
        model.set(key, step);
      }
      if (step % 2000 === 0) versions.push([map, new Map(model)]);
    }
    versions.push([map, model]);
    for (const [version, expected] of versions) {
      assert.equal(version.size, expected.size);
      assert.deepEqual(new Map([...version].sort()), new Map([...expected].sort()));
      for (const [k, v] of expected) assert.equal(version.get(k), v);
      assert.equal(version.get('absent'), undefined);
    }
    assert.ok(map.equals(PersistentMap.from([...model].reverse()), (a, b) => a === b), 'the same content, built in another order');
    assert.ok(!map.equals(map.set('k1', -1), (a, b) => a === b));
  });

  it('changedKeys and Divergence agree with a full comparison, over two maps changed at random from a shared version', () => {
    let seed = 5;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    let base = PersistentMap.empty<number>();
    for (let i = 0; i < 500; i++) base = base.set(`k${i}`, i % 7);
    const same = (x: number, y: number) => x === y;
    const full = (a: PersistentMap<number>, b: PersistentMap<number>) => a.size === b.size && [...a].every(([k, v]) => b.has(k) && b.get(k) === v);
    const divergence = new Divergence<number>(same);
    let [a, b] = [base, base];
    let equalSteps = 0;
    for (let step = 0; step < 3000; step++) {
      // Both maps take mostly the same changes, so that they part and meet again; values repeat, so equal values sit in distinct leaves.
      const key = `k${random(600)}`;
      const value = random(3);
      const change = (m: PersistentMap<number>) => (random(5) === 0 ? m.delete(key) : m.set(key, value));
      const beforeA = a;
      if (random(3) > 0) a = change(a);
      if (random(3) > 0) b = change(b);
      if (random(40) === 0) b = a;
      const changed = new Set<string>();
      beforeA.changedKeys(a, changed);
      for (const k of new Set([...beforeA.keys(), ...a.keys()])) {
        if (beforeA.get(k) !== a.get(k)) assert.ok(changed.has(k), `step ${step}: ${k} changed and is not reported`);
      }
      const equal = divergence.equal(a, b);
      assert.equal(equal, full(a, b), `step ${step}`);
      assert.equal(equal, a.equals(b, same));
      if (equal) equalSteps++;
    }
    assert.ok(equalSteps > 50 && equalSteps < 2950, `${equalSteps} steps where the maps are equal`);
  });

  it('keys whose hashes collide are kept apart', () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const key = `t${i}`;
      const other = seen.get(hashOf(key));
      if (other !== undefined) pair = [other, key];
      seen.set(hashOf(key), key);
    }
    const [a, b] = pair;
    const both = PersistentMap.empty<string>().set(a, 'a').set(b, 'b').set('x', 'x');
    assert.deepEqual([both.get(a), both.get(b), both.size], ['a', 'b', 3]);
    const one = both.delete(a);
    assert.deepEqual([one.get(a), one.get(b), one.size, both.get(a)], [undefined, 'b', 2, 'a']);
    assert.ok(one.equals(PersistentMap.empty<string>().set('x', 'x').set(b, 'b'), (x, y) => x === y));
  });

  it('statements share the tables they did not change', async () => {
    await loadParser();
    const facts = analyze('ALTER TABLE t0 ADD COLUMN c text;\nALTER TABLE t1 ADD COLUMN c text;\nALTER TABLE t2 ADD COLUMN c text;\nALTER TABLE t3 ADD COLUMN c text;').facts;
    const [, second, third, fourth] = facts.statements;
    assert.equal(third.catalog.get('t0'), second.catalog.get('t0'), 'the same object, not a copy');
    assert.equal(fourth.catalog.get('t1'), third.catalog.get('t1'));
    assert.deepEqual([second.catalog.size, third.catalog.size, fourth.catalog.size, facts.catalogAfter.size], [1, 2, 3, 4]);
    assert.equal(second.catalog.get('t1'), undefined, 'an earlier state is not changed by later statements');
  });

  it('a 4.9 MB file of 16,000 ALTER TABLE statements on as many tables is analysed (it ran out of memory at 4.3 GB)', () => {
    const pad = `-- ${'x'.repeat(262)}\n`;
    let sql = '';
    for (let i = 0; i < 16000; i++) sql += `ALTER TABLE t${i} ADD COLUMN c text;\n${pad}`;
    const file = write('big/001.sql', sql);
    assert.ok(fs.statSync(file).size > 4_800_000, 'about 4.9 MB');
    const { code, stdout, stderr } = cli(['check', file]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^16000 statements analysed, 0 not analysed$/m);
  });
});

describe("the editor's ignore comment for a whole file", () => {
  it('goes after --liquibase formatted sql (and after a byte-order mark), so that Liquibase still reads the file', async () => {
    await loadParser();
    const sql = '--liquibase formatted sql\n--changeset alice:1\nCREATE INDEX i ON users (email);\n';
    const place = fileCommentPlace(sql);
    const edited = sql.slice(0, place.offset) + place.before + '-- migration-guard-ignore-file require-concurrent-index' + place.after + sql.slice(place.offset);
    assert.equal(edited, '--liquibase formatted sql\n-- migration-guard-ignore-file require-concurrent-index\n--changeset alice:1\nCREATE INDEX i ON users (email);\n');
    const analysis = analyze(edited, { path: 'changelog.sql' });
    assert.equal(analysis.facts.context.framework, 'liquibase');
    assert.deepEqual(analysis.ignored.map((i) => i.rule), ['require-concurrent-index']);
    assert.deepEqual(fileCommentPlace('\ufeffSELECT 1;'), { offset: 1, before: '', after: '\n' });
    assert.deepEqual(fileCommentPlace('--liquibase formatted sql'), { offset: 25, before: '\n', after: '' });
    assert.deepEqual(fileCommentPlace('-- migrate:up\nSELECT 1;'), { offset: 0, before: '', after: '\n' });
  });
});

describe("the language server's ignore comment for a whole file", { timeout: 60_000 }, () => {
  it('inserts it after --liquibase formatted sql and after a byte-order mark, and offers none in TypeScript', async () => {
    const workspace = path.join(tmp, 'lsp');
    const client = new LspClient(process.execPath, [SERVER, '--stdio'], workspace);
    await client.initialize();
    const fileIgnore = async (name: string, languageId: string, text: string) => {
      const uri = pathToFileURL(path.join(workspace, 'migrations', name)).toString();
      const diagnostic = (await client.open(uri, text, 1, languageId)).find((d) => d.code === 'require-concurrent-index')!;
      assert.ok(diagnostic, name);
      const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
      return { diagnostic, action: actions.find((a) => a.title === 'Ignore require-concurrent-index for this file'), uri };
    };
    try {
      const liquibase = await fileIgnore('changelog.sql', 'sql', '--liquibase formatted sql\n--changeset alice:1\nCREATE INDEX i ON users (email);\n');
      assert.deepEqual(liquibase.action!.edit!.changes![liquibase.uri], [
        { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, newText: '-- migration-guard-ignore-file require-concurrent-index -- reason: why this is safe here\n' },
      ]);
      const bom = await fileIgnore('001_bom.sql', 'sql', '\ufeffCREATE INDEX i ON users (email);\n');
      assert.deepEqual(bom.diagnostic.range.start, { line: 0, character: 1 }, 'the mark is one UTF-16 unit');
      assert.deepEqual(bom.action!.edit!.changes![bom.uri][0].range.start, { line: 0, character: 1 });
      const typescript = await fileIgnore(
        '1700000000000-AddIndex.ts',
        'typescript',
        "import { MigrationInterface, QueryRunner } from 'typeorm';\nexport class AddIndex1700000000000 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`CREATE INDEX i ON users (email)`);\n  }\n}\n",
      );
      assert.equal(typescript.action, undefined, 'an SQL comment has no place in a TypeScript file');
    } finally {
      await client.stop();
    }
  });
});
