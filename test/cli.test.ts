/** The built CLI, as CI runs it: every format, exit codes, the whole shared corpus, bad input. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { CORPUS as corpus, noCorpus, requireCorpus } from './corpus';

const root = path.join(__dirname, '..', '..');

function cli(args: string[], cwd = root) {
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function sqlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sqlFiles(full) : e.name.endsWith('.sql') ? [full] : [];
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-cli-'));
const write = (name: string, content: string | Buffer) => {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
};

interface JsonOutput {
  files: { path: string; diagnostics: { rule: string; severity: string; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[] }[];
}

describe('migration-guard check', () => {
  it('prints findings as compilers do and exits 1 on an error', () => {
    const file = write('m/001.sql', "SET lock_timeout = '1s';\nSET statement_timeout = '1h';\n\nCREATE INDEX i ON users (email);\n");
    const { code, stdout } = cli(['check', file]);
    assert.equal(code, 1);
    assert.match(stdout, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:1: error require-concurrent-index: CREATE INDEX on users`, 'm'));
    assert.match(stdout, /1 file checked: 1 errors, 0 warnings, 0 notes/);
  });

  it('exits 0 when nothing has severity error, and reads migration-guard.json', () => {
    const dir = path.join(tmp, 'configured');
    write('configured/migrations/001.sql', 'CREATE INDEX i ON users (email);\n');
    write('configured/migration-guard.json', JSON.stringify({ rules: { 'require-concurrent-index': 'warning', 'require-timeouts': 'off' } }));
    const { code, stdout } = cli(['check', 'migrations'], dir);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^migrations\/001\.sql:1:1: warning require-concurrent-index/m);
  });

  it('finds the nearest configuration file above each migration, JSON with comments', () => {
    write('walk/.migration-guard.json', '// team settings\n{ "rules": { "ban-drop-table": "off", }, /* old */ "pgVersion": 10 }');
    write('walk/db/migrations/2024/001.sql', "SET lock_timeout = '1s';\nDROP TABLE legacy;\nALTER TABLE t ADD COLUMN c int DEFAULT 0;");
    write('walk/other/migration-guard.json', '{ "rules": { "ban-drop-table": "error" } }');
    write('walk/other/001.sql', 'DROP TABLE legacy;');
    const { stdout } = cli(['check', '--format', 'json', path.join(tmp, 'walk')]);
    const out = JSON.parse(stdout) as JsonOutput;
    const byFile = Object.fromEntries(out.files.map((f) => [path.relative(tmp, f.path), f.diagnostics.map((d) => `${d.rule}:${d.severity}`)]));
    assert.deepEqual(byFile['walk/db/migrations/2024/001.sql'], ['require-timeouts:warning', 'adding-field-with-volatile-default:error']);
    assert.deepEqual(byFile['walk/other/001.sql'], ['require-timeouts:warning', 'ban-drop-table:error']);
  });

  it('names the file and the key of a configuration error, and exits 2', () => {
    write('bad-rule/migration-guard.json', '{ "rules": { "require-concurent-index": "off" } }');
    write('bad-rule/001.sql', 'SELECT 1;');
    const result = cli(['check', path.join(tmp, 'bad-rule')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bad-rule\/migration-guard\.json: rules\.require-concurent-index: unknown rule/);
  });

  it('skips excluded files', () => {
    write('excluding/migration-guard.json', '{ "exclude": ["legacy/**"] }');
    write('excluding/legacy/001.sql', 'DROP TABLE a;');
    write('excluding/002.sql', 'SELECT 1;');
    const out = JSON.parse(cli(['check', '--format', 'json', path.join(tmp, 'excluding')]).stdout) as JsonOutput;
    assert.deepEqual(out.files.map((f) => path.basename(f.path)), ['002.sql']);
  });

  it('init writes a commented starting file that loads as it is', () => {
    const dir = path.join(tmp, 'init');
    fs.mkdirSync(dir);
    assert.equal(cli(['init', dir]).code, 0);
    const text = fs.readFileSync(path.join(dir, 'migration-guard.json'), 'utf8');
    assert.match(text, /\/\/ "require-concurrent-index": "error",/);
    assert.match(text, /\/\/ "prefer-robust-stmts": "off",/);
    write('init/001.sql', 'CREATE INDEX i ON t (a);');
    assert.equal(cli(['check', dir]).code, 1);
    assert.equal(cli(['init', dir]).code, 2, 'does not overwrite');
    assert.equal(cli(['init', dir, '--force']).code, 0);
  });

  it('prints the documented JSON shape, 0-based UTF-16 positions', () => {
    const file = write('json/001.sql', "-- ü🙂\nSET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY i ON users (email);\nBEGIN;\nDROP INDEX CONCURRENTLY j;\nCOMMIT;");
    const { code, stdout } = cli(['check', '--format', 'json', file]);
    assert.equal(code, 1);
    const out = JSON.parse(stdout) as JsonOutput;
    assert.deepEqual(Object.keys(out), ['files']);
    const [finding] = out.files[0].diagnostics as (JsonOutput['files'][number]['diagnostics'][number] & { why: string; lock: string })[];
    assert.equal(out.files[0].diagnostics.length, 1);
    // The fields the format always had come first; why, lock and fixes were added after them.
    assert.deepEqual(Object.keys(finding), ['rule', 'severity', 'message', 'range', 'why', 'lock', 'fixes']);
    assert.deepEqual(finding, {
      rule: 'concurrently-in-transaction',
      severity: 'error',
      message: finding.message,
      range: { start: { line: 4, character: 0 }, end: { line: 4, character: 23 } },
      why: finding.why,
      lock: finding.lock,
      fixes: [
        {
          title: 'Move the statement after COMMIT',
          safety: 'unsafe',
          edits: [
            { range: { start: { line: 4, character: 0 }, end: { line: 5, character: 0 } }, newText: '' },
            { range: { start: { line: 5, character: 7 }, end: { line: 5, character: 7 } }, newText: '\nDROP INDEX CONCURRENTLY j;' },
          ],
        },
      ],
    });
    assert.match(finding.why, /^CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, .* inside a transaction block \("ERROR: .*"\)\.$/);
    assert.equal(finding.lock, "SHARE UPDATE EXCLUSIVE on j: blocks schema changes, VACUUM and other index builds; reads and writes continue. SHARE UPDATE EXCLUSIVE on the index's table. Held until the transaction ends.");
  });

  it('prints SARIF 2.1.0 with rules, help URIs and 1-based regions', () => {
    const file = write('sarif/001.sql', 'ALTER TABLE users ADD COLUMN id2 uuid DEFAULT gen_random_uuid();');
    const { code, stdout } = cli(['check', '--format=sarif', file]);
    assert.equal(code, 1);
    const sarif = JSON.parse(stdout);
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    const rules = run.tool.driver.rules as { id: string; helpUri: string }[];
    for (const r of rules) assert.match(r.helpUri, /^https:\/\/.+\/docs\/rules\/[a-z-]+\.md$/);
    const results = run.results as { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { region: { startLine: number; startColumn: number } } }[] }[];
    assert.deepEqual(results.map((r) => r.ruleId).sort(), ['adding-field-with-volatile-default', 'require-timeouts']);
    for (const r of results) assert.equal(rules[r.ruleIndex].id, r.ruleId);
    const volatile = results.find((r) => r.ruleId === 'adding-field-with-volatile-default')!;
    assert.equal(volatile.level, 'error');
    assert.deepEqual(volatile.locations[0].physicalLocation.region, { startLine: 1, startColumn: 19, endLine: 1, endColumn: 64 });
  });

  it('exits 2 on usage errors', () => {
    assert.equal(cli(['check', '--format', 'xml', tmp]).code, 2);
    assert.equal(cli(['check', '--bogus']).code, 2);
    assert.equal(cli(['check', path.join(tmp, 'does-not-exist')]).code, 2);
    assert.equal(cli(['frobnicate']).code, 2);
    assert.equal(cli(['check', '--config', path.join(tmp, 'missing.json'), tmp]).code, 2);
    const bad = write('bad-config.json', JSON.stringify({ pgVersion: 'seventeen' }));
    const result = cli(['check', '--config', bad, path.join(tmp, 'json')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /pgVersion must be a PostgreSQL major version/);
  });

  it('gives a binary file and a 10 MB file a clear message, and goes on with the next file', () => {
    const dir = path.join(tmp, 'bad');
    write('bad/001_binary.sql', Buffer.from(Array.from({ length: 10000 }, (_, i) => (i * 7919) % 256)));
    write('bad/002_huge.sql', 'SELECT 1;\n'.repeat(1024 * 1024));
    write('bad/003_ok.sql', 'DROP INDEX i;');
    const { code, stdout } = cli(['check', '--format', 'json', dir]);
    assert.equal(code, 1);
    const out = JSON.parse(stdout) as JsonOutput;
    assert.deepEqual(
      out.files.map((f) => f.diagnostics.map((d) => d.rule)),
      [['unreadable-file'], ['unreadable-file'], ['require-concurrent-index', 'require-timeouts']],
    );
    assert.match(out.files[0].diagnostics[0].message, /Binary file/);
    assert.match(out.files[1].diagnostics[0].message, /File is 10\.0 MB/);
  });
});

describe('the shared corpus of real migrations', { skip: noCorpus }, () => {
  before(requireCorpus);
  it('analyses every file or gives it a syntax diagnostic, as valid JSON, exit 0 or 1', () => {
    const expected = sqlFiles(corpus).sort();
    assert.ok(expected.length >= 700, `corpus has ${expected.length} files`);
    const { code, stdout, stderr } = cli(['check', '--format', 'json', corpus]);
    assert.ok(code === 0 || code === 1, `exit ${code}: ${stderr}`);
    const out = JSON.parse(stdout) as JsonOutput;
    assert.deepEqual(out.files.map((f) => f.path).sort(), expected);
    const severities = new Set(['error', 'warning', 'info', 'hint']);
    for (const file of out.files) {
      for (const d of file.diagnostics) {
        assert.ok(severities.has(d.severity) && typeof d.rule === 'string' && d.message.length > 0, JSON.stringify(d));
        assert.ok(d.range.start.line <= d.range.end.line, JSON.stringify(d));
        assert.notEqual(d.rule, 'internal-error', `${file.path}: ${d.message}`);
        assert.notEqual(d.rule, 'unreadable-file', `${file.path}: ${d.message}`);
      }
      // libpg-query parses every real migration; the only syntax errors are Go template placeholders,
      // and one missing semicolon in crates-io that PostgreSQL rejects too (corpus README).
      for (const d of file.diagnostics.filter((x) => x.rule === 'syntax-error')) {
        if (file.path.endsWith(path.join('20170318181441_downloads_need_no_id', 'down.sql'))) {
          assert.deepEqual([d.range.start.line, d.message], [1, 'syntax error at or near "ALTER"']);
          continue;
        }
        assert.ok(file.path.includes('supabase-auth'), `${file.path}: ${d.message}`);
        assert.match(d.message, /template placeholder/);
      }
    }
    const templated = out.files.filter((f) => f.path.includes('supabase-auth') && f.diagnostics.some((d) => d.rule === 'syntax-error'));
    assert.ok(templated.length > 40, `template files reported: ${templated.length}`);
  });

  it('prints SARIF for the whole corpus', () => {
    const { code, stdout } = cli(['check', '--format', 'sarif', corpus]);
    assert.ok(code === 0 || code === 1);
    const sarif = JSON.parse(stdout);
    assert.ok(sarif.runs[0].results.length > 100);
  });

  it('explains every corpus file without failing', () => {
    for (const file of sqlFiles(path.join(corpus, 'supabase-storage')).slice(0, 40)) {
      const { code, stdout } = cli(['explain', '--format', 'json', file]);
      assert.equal(code, 0, file);
      assert.ok(Array.isArray(JSON.parse(stdout).statements));
    }
  });
});

describe('migration-guard plan', () => {
  it('prints the expand-contract migrations for FILE:LINE, and writes them the way the tool names them', () => {
    write('plan/db/migrations/20240101000000_create.sql', '-- migrate:up\nCREATE TABLE orders (id serial PRIMARY KEY, total int);\n-- migrate:down\n');
    const file = write('plan/db/migrations/20240102000000_bigint.sql', '-- migrate:up\nALTER TABLE orders ALTER COLUMN id TYPE bigint;\n-- migrate:down\n');
    const printed = cli(['plan', `${file}:2`]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /^-- Change orders.id to bigint without a rewrite under ACCESS EXCLUSIVE \(dbmate\)/);
    assert.match(printed.stdout, /ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_new_idx;/, 'the primary key is known from the earlier migration');
    assert.equal(cli(['plan', `${file}:2`, '--write']).code, 0);
    const written = fs.readdirSync(path.dirname(file)).sort();
    // dbmate runs a migration in one transaction: the VALIDATE commits apart from its NOT VALID ADD, in a migration of its own.
    assert.deepEqual(written.slice(2), [
      '20240102000001_expand.sql',
      '20240102000002_backfill.sql',
      '20240102000003_prepare.sql',
      '20240102000004_prepare-2.sql',
      '20240102000005_key-index.sql',
      '20240102000006_constraints.sql',
      '20240102000007_switch.sql',
      '20240102000008_contract.sql',
    ]);
    assert.match(fs.readFileSync(path.join(path.dirname(file), '20240102000005_key-index.sql'), 'utf8'), /^-- migrate:up transaction:false\n/);
    assert.match(fs.readFileSync(path.join(path.dirname(file), '20240102000002_backfill.sql'), 'utf8'), /^-- migrate:up transaction:false\n/);
    assert.equal(cli(['plan', `${file}:1`]).code, 1, 'no plan for a marker line');
  });
});

describe('migration-guard explain', () => {
  it('prints the lock facts of each statement as JSON', () => {
    const file = write('explain/001.sql', 'BEGIN;\nCREATE INDEX i ON app.users (email);\nCOMMIT;\n');
    const { code, stdout } = cli(['explain', file, '--format', 'json']);
    assert.equal(code, 0);
    const out = JSON.parse(stdout);
    assert.deepEqual(out.statements[1], {
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 35 } },
      kind: 'IndexStmt',
      locks: [{ relation: 'app.users', mode: 'ShareLock', role: 'table', existing: true }],
      implicitLocks: [],
      rewrites: [],
      scans: ['app.users'],
      inTransaction: true,
      heldBefore: [],
      heldAfter: [{ relation: 'app.users', mode: 'ShareLock' }],
      caveats: [],
      lockTimeout: null,
      statementTimeout: null,
    });
    assert.equal(out.statements[0].kind, 'TransactionStmt');
  });

  it('prints the facts in words as text', () => {
    const file = write('explain/002.sql', 'ALTER TABLE users ALTER COLUMN id TYPE bigint;');
    const { code, stdout } = cli(['explain', file]);
    assert.equal(code, 0);
    assert.match(stdout, /ACCESS EXCLUSIVE on users \(table\): blocks reads and writes/);
    assert.match(stdout, /Rewrites users/);
    assert.match(stdout, /Lock timeline\nline 1  ALTER TABLE users  \(autocommit\)  ACCESS EXCLUSIVE users, ACCESS EXCLUSIVE the tables whose foreign keys reference the column, released when it ends/);
  });
});

describe('migration-guard fix', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-fix-'));

  it('prints the fixed SQL, writes it with --write, and never writes ignore comments', () => {
    const file = path.join(tmp, '001.sql');
    const sql = 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);\nDROP TABLE legacy;\n';
    fs.writeFileSync(file, sql);
    const printed = cli(['fix', file]);
    assert.equal(printed.code, 0);
    assert.match(printed.stdout, /ADD CONSTRAINT c CHECK \(total >= 0\) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;/);
    assert.equal(fs.readFileSync(file, 'utf8'), sql, 'not written without --write');
    assert.equal(cli(['fix', '--write', '--unsafe', file]).code, 0);
    const written = fs.readFileSync(file, 'utf8');
    assert.match(written, /^SET lock_timeout = '5s';\nSET statement_timeout = '30min';\nALTER TABLE orders ADD CONSTRAINT c CHECK \(total >= 0\) NOT VALID;/);
    assert.doesNotMatch(written, /migration-guard-ignore/);
    assert.match(written, /DROP TABLE legacy;/);
  });
});
