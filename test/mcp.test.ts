/**
 * `migration-guard mcp` as a coding agent uses it: the built CLI started as a child process, the
 * official SDK's client over stdio, every tool called on a migration with an unsafe CREATE INDEX
 * and a SET NOT NULL; fixes re-checked, plans returned as files, bad arguments answered with tool
 * errors, and the server still serving afterwards. The exchanges of the first check and fix are
 * written to test-output/mcp/ (docs/agents.md shows them).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = path.join(__dirname, '..', '..');
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-mcp-'));
const migrations = path.join(project, 'db', 'migrations');
const UNSAFE = 'CREATE INDEX users_email_idx ON users (email);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n';

const write = (rel: string, content: string | Buffer) => {
  const file = path.join(project, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
};

interface Finding {
  rule: string;
  severity: string;
  message: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  why?: string;
  lock?: string;
  fixes?: { title: string; safety: string; edits: { range: Finding['range']; newText: string }[]; disabled?: string }[];
}
interface CheckResult {
  files: { path: string; findings: Finding[]; statements?: { analysed: number; unanalysed: number } }[];
  summary: { files: number; errors: number; warnings: number; notes: number };
  truncated?: string;
}

describe('migration-guard mcp', () => {
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = '';

  /** Calls a tool; the text of its answer, and whether it is a tool error. */
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    const content = result.content as { type: string; text: string }[];
    assert.equal(content.length, 1);
    assert.equal(content[0].type, 'text');
    return { isError: result.isError === true, text: content[0].text };
  };
  const ok = async <T>(name: string, args: Record<string, unknown>): Promise<T> => {
    const { isError, text } = await call(name, args);
    assert.equal(isError, false, text);
    return JSON.parse(text) as T;
  };
  const toolError = async (name: string, args: Record<string, unknown>, message: RegExp) => {
    const { isError, text } = await call(name, args);
    assert.equal(isError, true, `expected a tool error, got ${text}`);
    assert.match(text, message);
  };
  const rules = (r: CheckResult) => r.files.flatMap((f) => f.findings.map((x) => x.rule));

  before(async () => {
    write('db/migrations/001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n');
    write('db/migrations/002_email.sql', UNSAFE);
    transport = new StdioClientTransport({ command: process.execPath, args: [path.join(root, 'bin', 'migration-guard.js'), 'mcp'], cwd: project, stderr: 'pipe' });
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    client = new Client({ name: 'migration-guard-test', version: '1.0.0' });
    await client.connect(transport);
  });

  after(async () => {
    await client.close();
    fs.rmSync(project, { recursive: true, force: true });
  });

  it('lists the five tools, each with an input schema and a description that says when to use it', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['check', 'explain', 'fix', 'plan', 'rules']);
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object', t.name);
      assert.ok((t.description ?? '').length > 100, t.name);
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    assert.deepEqual(Object.keys(byName.check.inputSchema.properties ?? {}).sort(), ['file', 'maxFindings', 'paths', 'pgVersion', 'sql']);
    assert.deepEqual(byName.plan.inputSchema.required, ['file', 'line']);
    assert.equal(byName.fix.annotations?.readOnlyHint, false);
    assert.equal(byName.check.annotations?.readOnlyHint, true);
    assert.match(client.getInstructions() ?? '', /check after you write or edit a migration/);
  });

  it('check: findings with rule ids, ranges, the why, the lock in words and the fix edits', async () => {
    const request = { name: 'check', arguments: { paths: ['db/migrations/002_email.sql'] } };
    const { text } = await call(request.name, request.arguments);
    const result = JSON.parse(text) as CheckResult;
    fs.mkdirSync(path.join(root, 'test-output', 'mcp'), { recursive: true });
    fs.writeFileSync(path.join(root, 'test-output', 'mcp', 'check-exchange.json'), JSON.stringify({ request, response: result }, null, 2));
    assert.equal(result.files.length, 1);
    assert.equal(result.files[0].path, 'db/migrations/002_email.sql');
    const byRule = Object.fromEntries(result.files[0].findings.map((f) => [f.rule, f]));
    const index = byRule['require-concurrent-index'];
    assert.equal(index.severity, 'error');
    assert.deepEqual(index.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 12 } });
    assert.match(index.why ?? '', /^CREATE INDEX takes a SHARE lock/);
    assert.match(index.lock ?? '', /^SHARE on users: blocks writes \(INSERT, UPDATE, DELETE\); reads continue\. .*Released when the statement ends\.$/);
    assert.deepEqual(index.fixes?.[0].edits, [{ range: { start: { line: 0, character: 12 }, end: { line: 0, character: 12 } }, newText: ' CONCURRENTLY' }]);
    const notNull = byRule['set-not-null'];
    assert.equal(notNull.severity, 'error');
    assert.deepEqual(notNull.range, { start: { line: 1, character: 18 }, end: { line: 1, character: 49 } });
    assert.match(notNull.lock ?? '', /^ACCESS EXCLUSIVE on users: blocks reads and writes .* Reads all of users while the lock is held\./);
    assert.equal(notNull.fixes?.[0].safety, 'unsafe');
    assert.ok(result.summary.errors >= 2);
  });

  it('check: SQL text with the file name it will have reads the chain of earlier migrations', async () => {
    // After 001 created the column NOT NULL-proven by a validated CHECK, SET NOT NULL does not scan.
    write('db/migrations/003_check.sql', 'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n');
    write('db/migrations/004_validate.sql', 'ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n');
    const sql = 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n';
    const inChain = await ok<CheckResult>('check', { sql, file: 'db/migrations/005_not_null.sql' });
    assert.equal(inChain.files[0].path, 'db/migrations/005_not_null.sql');
    assert.ok(!rules(inChain).includes('set-not-null'), rules(inChain).join());
    const alone = await ok<CheckResult>('check', { sql });
    assert.equal(alone.files[0].path, '(sql)');
    assert.ok(rules(alone).includes('set-not-null'));
    fs.rmSync(path.join(migrations, '003_check.sql'));
    fs.rmSync(path.join(migrations, '004_validate.sql'));
  });

  it('check: lists at most maxFindings findings, and counts them all', async () => {
    const all = await ok<CheckResult>('check', { paths: ['db'] });
    assert.equal(all.files.length, 2);
    const total = all.summary.errors + all.summary.warnings + all.summary.notes;
    assert.ok(total >= 3);
    const some = await ok<CheckResult>('check', { paths: ['db'], maxFindings: 2 });
    assert.deepEqual(some.summary, all.summary);
    assert.equal(some.files.flatMap((f) => f.findings).length, 2);
    assert.deepEqual(some.files.flatMap((f) => f.findings), all.files.flatMap((f) => f.findings).slice(0, 2));
    assert.equal(some.truncated, `Listed 2 of ${total} findings (files 2 of 2): check fewer paths, or raise maxFindings.`);
    assert.equal(all.truncated, undefined);
  });

  it('explain: the lock facts of each statement and the lock timeline', async () => {
    const out = await ok<{ framework: string; statements: { kind: string; locks: { relation: string; mode: string }[]; scans: string[]; inWords: string }[]; timeline: string }>('explain', {
      path: path.join(migrations, '002_email.sql'),
    });
    assert.equal(out.framework, 'plain');
    assert.deepEqual(
      out.statements.map((s) => [s.kind, s.locks.map((l) => `${l.mode} ${l.relation}`)]),
      [
        ['IndexStmt', ['ShareLock users']],
        ['AlterTableStmt', ['AccessExclusiveLock users']],
      ],
    );
    assert.deepEqual(out.statements[1].scans, ['users']);
    assert.match(out.statements[0].inWords, /SHARE on users/);
    assert.equal(typeof out.timeline, 'string');
  });

  it('fix: returns text that re-checks clean of the fixed rules, and writes nothing unless asked', async () => {
    const file = path.join(migrations, '002_email.sql');
    const safeOnly = await ok<{ changed: boolean; note?: string }>('fix', { path: file });
    assert.match(safeOnly.note ?? '', /unsafe: true/);
    const request = { name: 'fix', arguments: { path: 'db/migrations/002_email.sql', unsafe: true } };
    const out = await ok<{ changed: boolean; written: boolean; applied: string[]; text: string; remaining: { rule: string }[] }>(request.name, request.arguments);
    fs.writeFileSync(path.join(root, 'test-output', 'mcp', 'fix-exchange.json'), JSON.stringify({ request, response: out }, null, 2));
    assert.equal(out.changed, true);
    assert.equal(out.written, false);
    assert.equal(fs.readFileSync(file, 'utf8'), UNSAFE, 'the file is untouched');
    assert.match(out.text, /CREATE INDEX CONCURRENTLY users_email_idx ON users \(email\);/);
    assert.match(out.text, /CHECK \(email IS NOT NULL\) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT/);
    const again = await ok<CheckResult>('check', { sql: out.text, file: 'db/migrations/002_email.sql' });
    for (const fixed of ['require-concurrent-index', 'set-not-null']) assert.ok(!rules(again).includes(fixed), `${fixed} in ${rules(again).join()}`);
    assert.deepEqual(out.remaining.map((r) => r.rule).sort(), [...rules(again)].sort());
  });

  it('fix with unsafe: true moves a statement out of a golang-migrate transaction into a migration of its own, written with write: true', async () => {
    const file = write('gm/000001_index.up.sql', "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n");
    const shown = await ok<{ text: string; newFiles?: { path: string; content: string }[]; newFilesNote?: string }>('fix', { path: file, unsafe: true });
    assert.deepEqual(shown.newFiles?.map((f) => path.basename(f.path)), ['000002_create_index_concurrently_users_email_idx.up.sql', '000002_create_index_concurrently_users_email_idx.down.sql']);
    assert.match(shown.newFilesNote ?? '', /not written/);
    assert.equal(fs.readdirSync(path.dirname(file)).length, 1, 'nothing written without write: true');
    const out = await ok<{ written: boolean; text: string }>('fix', { path: file, unsafe: true, write: true });
    assert.equal(out.written, true);
    assert.equal(fs.readFileSync(file, 'utf8'), "SET lock_timeout = '5s';\n");
    assert.match(fs.readFileSync(path.join(path.dirname(file), '000002_create_index_concurrently_users_email_idx.up.sql'), 'utf8'), /\nCREATE INDEX CONCURRENTLY users_email_idx ON users \(email\);\n$/);
  });

  it('fix with write: true replaces the file atomically, and refuses symbolic links and SQL text', async () => {
    const file = write('db/migrations/010_write.sql', UNSAFE);
    const out = await ok<{ written: boolean; text: string }>('fix', { path: file, unsafe: true, write: true });
    assert.equal(out.written, true);
    assert.equal(fs.readFileSync(file, 'utf8'), out.text);
    assert.deepEqual(fs.readdirSync(migrations).filter((n) => n.includes('.tmp')), [], 'no temporary file left');

    const target = write('elsewhere/target.sql', UNSAFE);
    const link = path.join(migrations, '011_link.sql');
    fs.symlinkSync(target, link);
    await toolError('fix', { path: link, unsafe: true, write: true }, /symbolic link: not written/);
    assert.equal(fs.readFileSync(target, 'utf8'), UNSAFE, 'the link target is untouched');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    fs.rmSync(link);

    const latin1 = write('db/migrations/012_latin1.sql', Buffer.concat([Buffer.from(UNSAFE), Buffer.from("-- Montr\xe9al\n", 'latin1')]));
    // A file that is not UTF-8: the fixes go into its bytes, the Latin-1 comment stays byte for byte.
    await ok('fix', { path: latin1, unsafe: true, write: true });
    const after = fs.readFileSync(latin1);
    assert.ok(after.subarray(after.length - 12).equals(Buffer.from('-- Montr\xe9al\n', 'latin1')), after.toString('latin1'));
    assert.match(after.toString('latin1'), /CREATE INDEX CONCURRENTLY/);
    fs.rmSync(latin1);

    await toolError('fix', { sql: UNSAFE, write: true }, /write needs path/);
    fs.rmSync(file);
  });

  it('plan: the expand-contract migrations as files with contents', async () => {
    const out = await ok<{ title: string; framework: string; files: { path: string; content: string }[]; replaces: { statement: string } }>('plan', {
      file: 'db/migrations/002_email.sql',
      line: 2,
    });
    assert.match(out.title, /NOT NULL/);
    assert.equal(out.replaces.statement, 'ALTER TABLE users ALTER COLUMN email SET NOT NULL');
    // NOT NULL is one migration (CHECK NOT VALID, VALIDATE, SET NOT NULL, DROP CONSTRAINT), named after the original.
    assert.deepEqual(out.files.map((f) => f.path), ['db/migrations/002_email.step1-enforce.sql']);
    assert.match(out.files[0].content, /^-- Step 1 of 1: Make users.email NOT NULL/);
    assert.match(out.files[0].content, /NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;/);
  });

  it('plan of VACUUM FULL: with the extensions the caller says are installed, or why there is none', async () => {
    write('db/migrations/003_vacuum.sql', 'VACUUM FULL users;\n');
    try {
      await toolError('plan', { file: 'db/migrations/003_vacuum.sql', line: 1 }, /no plan for VACUUM.*pass extensions: what SELECT extname FROM pg_extension lists/);
      await toolError('plan', { file: 'db/migrations/003_vacuum.sql', line: 1, extensions: ['plpgsql'] }, /neither pg_squeeze nor pg_repack is installed on the connected database/);
      const out = await ok<{ title: string; files: { content: string }[] }>('plan', { file: 'db/migrations/003_vacuum.sql', line: 1, extensions: ['plpgsql', 'pg_repack'] });
      assert.match(out.title, /^VACUUM FULL with pg_repack/);
      assert.match(out.files[0].content, /pg_repack --dbname=<database> --table=users --no-order/);
    } finally {
      fs.rmSync(path.join(project, 'db/migrations/003_vacuum.sql'));
    }
  });

  it('rules: the list, one rule with its docs', async () => {
    const list = await ok<{ rules: { id: string; summary: string }[]; otherFindings: string[] }>('rules', {});
    assert.ok(list.rules.length >= 38);
    assert.ok(list.otherFindings.includes('syntax-error'));
    const one = await ok<{ id: string; why: string; unsafe: string; safe: string; docs: string; squawk: string[] }>('rules', { id: 'set-not-null' });
    assert.equal(one.unsafe, 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;');
    assert.match(one.safe, /CHECK \(email IS NOT NULL\) NOT VALID/);
    assert.match(one.docs, /docs\/rules\/set-not-null\.md$/);
    assert.deepEqual(one.squawk, ['adding-not-nullable-field']);
  });

  it('bad arguments are tool errors with a message, and the server keeps serving', async () => {
    await toolError('check', { paths: ['db/migrations/missing.sql'] }, /no such file or folder: db\/migrations\/missing\.sql/);
    await toolError('check', {}, /either paths .* or sql/);
    await toolError('check', { paths: ['db'], sql: 'SELECT 1;' }, /either paths .* or sql/);
    await toolError('check', { paths: ['db'], file: 'db/x.sql' }, /with paths, leave it out/);
    await toolError('explain', { path: 'db/migrations/002_email.sql', file: 'db/x.sql' }, /with path, leave it out/);
    await toolError('explain', { path: 'db/migrations/missing.sql' }, /no such file/);
    await toolError('fix', { path: 'db/migrations/missing.sql' }, /no such file/);
    await toolError('plan', { file: 'db/migrations/missing.sql', line: 1 }, /no such file/);
    await toolError('plan', { file: 'db/migrations/002_email.sql', line: 99 }, /line 99 is past the end of db\/migrations\/002_email\.sql \(3 lines\)/);
    await toolError('plan', { file: 'db/migrations/002_email.sql', line: 3 }, /no statement on this line/);
    await toolError('plan', { file: 'db/migrations/002_email.sql', line: 1 }, /no expand-contract plan for CREATE INDEX/);
    await toolError('plan', { file: 'db/migrations/002_email.sql', line: 0 }, /Input validation error/);
    await toolError('plan', { file: 'db/migrations/002_email.sql', line: 'two' }, /Input validation error/);
    await toolError('rules', { id: 'no-such-rule' }, /unknown rule "no-such-rule"/);
    await toolError('rules', { id: 'adding-not-nullable-field' }, /squawk's name for set-not-null/);
    write('bad-config/migration-guard.json', '{ "rules": { "require-concurent-index": "off" } }');
    await toolError('check', { sql: UNSAFE, file: 'bad-config/001.sql' }, /invalid configuration:\n.*require-concurent-index: unknown rule/);
    await toolError('database', {}, /Tool database not found/);

    assert.equal((await client.listTools()).tools.length, 5);
    assert.ok(transport.pid !== null && process.kill(transport.pid, 0), 'the server process is alive');
    assert.doesNotMatch(stderr, /internal error/);
  });
});
