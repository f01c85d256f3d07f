/**
 * `check` in CI: --changed-since on a real temporary git repository (and a shallow clone of it),
 * baselines, the github / markdown / gitlab formats against their documented grammars, and
 * --database against the applied-migrations tables of golang-migrate and Prisma on Debian's
 * PostgreSQL (started by the test as a throwaway cluster).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flywayChecksum } from '../server/src/ci/applied';
import { escapeData, escapeProperty, githubCommands } from '../server/src/ci/formats';
import { debianBinaries, Server, startDebianServer } from './pg/servers';

const root = path.join(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-ci-'));
process.env.MIGRATION_GUARD_CACHE = path.join(tmp, 'cache');

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const clean = { ...process.env };
  delete clean.GITHUB_STEP_SUMMARY;
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...clean, ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

function write(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

interface Json {
  files: { path: string; diagnostics: { rule: string; severity: string; message: string; range: { start: { line: number } } }[] }[];
}
const json = (stdout: string) => JSON.parse(stdout) as Json;
const rulesOf = (out: Json, file: string) => out.files.find((f) => f.path.endsWith(file))?.diagnostics.map((d) => `${d.rule}:${d.severity}`);

// Three committed migrations, each with findings, then one new migration in the last commit.
const EARLIER: Record<string, string> = {
  '001_init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE TABLE notes (id bigint PRIMARY KEY, body varchar(200));\n',
  '002_index.sql': 'CREATE INDEX users_email ON users (email);\n',
  '003_default.sql': 'ALTER TABLE users ADD COLUMN n int DEFAULT random();\n',
};
// Only the earlier 001 says notes.body is varchar(200): narrowing it to varchar(100) is then known to
// rewrite (error); with the old type unknown the rule says "check the old type" (info).
const NEW = 'ALTER TABLE notes ALTER COLUMN body TYPE varchar(100);\n';

function repository(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'ci@example.com');
  git(dir, 'config', 'user.name', 'CI');
  for (const [file, sql] of Object.entries(EARLIER)) write(dir, `migrations/${file}`, sql);
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'earlier migrations');
  write(dir, 'migrations/004_narrow.sql', NEW);
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'new migration');
  return dir;
}

describe('check --changed-since', { timeout: 180_000 }, () => {
  const repo = repository('repo');

  it('reports only the new file, and still knows the tables the earlier files created', () => {
    const all = json(cli(['check', 'migrations', '--format', 'json'], repo).stdout);
    for (const file of Object.keys(EARLIER)) assert.ok(rulesOf(all, file)?.length, `${file} has findings of its own`);

    const result = cli(['check', 'migrations', '--format', 'json', '--changed-since', 'HEAD~1'], repo);
    assert.equal(result.code, 1, result.stderr);
    const out = json(result.stdout);
    assert.deepEqual(
      out.files.map((f) => path.basename(f.path)),
      ['004_narrow.sql'],
    );
    assert.deepEqual(rulesOf(out, '004_narrow.sql'), ['require-timeouts:warning', 'changing-column-type:error', 'require-analyze:info']);
    assert.match(out.files[0].diagnostics[1].message, /rewrites notes and all its indexes/);
    assert.match(result.stderr, /1 of 4 migrations added or changed since [0-9a-f]{12}; the 3 others are read for the tables they create, not reported/);

    // The control: the same file without the earlier ones does not know notes.body's type.
    const alone = path.join(tmp, 'alone');
    write(alone, 'migrations/004_narrow.sql', NEW);
    assert.deepEqual(rulesOf(json(cli(['check', 'migrations', '--format', 'json'], alone).stdout), '004_narrow.sql'), ['require-timeouts:warning', 'changing-column-type:warning', 'require-analyze:info']);
  });

  it('gives an edited migration that existed at the merge base its own finding, and counts uncommitted files', () => {
    const dir = repository('edited');
    fs.appendFileSync(path.join(dir, 'migrations', '002_index.sql'), 'CREATE INDEX users_n ON users (n);\n');
    write(dir, 'migrations/005_untracked.sql', 'DROP TABLE notes;\n');
    const out = json(cli(['check', 'migrations', '--format', 'json', '--changed-since', 'HEAD~1'], dir).stdout);
    assert.deepEqual(
      out.files.map((f) => path.basename(f.path)),
      ['002_index.sql', '004_narrow.sql', '005_untracked.sql'],
    );
    const edited = out.files[0].diagnostics[0];
    assert.equal(edited.rule, 'edited-applied-migration');
    assert.equal(edited.severity, 'warning');
    assert.equal(edited.range.start.line, 0);
    assert.match(edited.message, /existed at [0-9a-f]{12} \(the merge base with HEAD~1\) and was changed since/);
    assert.ok(out.files[0].diagnostics.some((d) => d.rule === 'require-concurrent-index'));
    // A new file, committed or not, is no edit.
    for (const f of out.files.slice(1)) assert.ok(!f.diagnostics.some((d) => d.rule === 'edited-applied-migration'), f.path);

    // It can be configured like any finding, and ignored for the file.
    write(dir, 'migration-guard.json', '{ "rules": { "edited-applied-migration": "error" } }');
    const strict = json(cli(['check', 'migrations', '--format', 'json', '--changed-since', 'HEAD~1'], dir).stdout);
    assert.equal(strict.files[0].diagnostics[0].severity, 'error');
    fs.appendFileSync(path.join(dir, 'migrations', '002_index.sql'), '-- migration-guard-ignore-file edited-applied-migration -- comments only\n');
    const ignored = json(cli(['check', 'migrations', '--format', 'json', '--changed-since', 'HEAD~1'], dir).stdout);
    assert.ok(!ignored.files[0].diagnostics.some((d) => d.rule === 'edited-applied-migration'));
  });

  it('counts from the merge base: commits on the base branch after the fork are not the branch\'s', () => {
    const dir = repository('fork');
    git(dir, 'checkout', '-q', '-b', 'feature', 'HEAD~1');
    write(dir, 'migrations/005_feature.sql', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'feature');
    const out = json(cli(['check', 'migrations', '--format', 'json', '--changed-since', 'main'], dir).stdout);
    // 004 is on main only (not in this work tree at all); the branch adds 005.
    assert.deepEqual(
      out.files.map((f) => path.basename(f.path)),
      ['005_feature.sql'],
    );
  });

  it('says what to do when REF is missing from a shallow clone, and exits 2', () => {
    const shallow = path.join(tmp, 'shallow');
    git(tmp, 'clone', '-q', '--depth', '1', `file://${repo}`, shallow);
    assert.equal(git(shallow, 'rev-parse', '--is-shallow-repository'), 'true');
    for (const ref of ['HEAD~1', git(repo, 'rev-parse', 'HEAD~1')]) {
      const result = cli(['check', 'migrations', '--changed-since', ref], shallow);
      assert.equal(result.code, 2, result.stdout);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, new RegExp(`${ref.replace(/[~^]/g, '\\$&')} is not a commit in this shallow clone`));
      assert.match(result.stderr, /fetch-depth: 0/);
    }
    const outside = path.join(tmp, 'not-a-repository');
    write(outside, 'migrations/001.sql', 'SELECT 1;\n');
    const none = cli(['check', 'migrations', '--changed-since', 'HEAD~1'], outside);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /is not inside a git repository/);
  });

  it('never hands REF to a shell or reads it as an option', () => {
    const marker = path.join(tmp, 'injected');
    for (const ref of [`HEAD; touch ${marker}`, '--output=/tmp/x', '$(touch /tmp/x)']) {
      const result = cli(['check', 'migrations', `--changed-since=${ref}`], repo);
      assert.equal(result.code, 2, `${ref}: ${result.stderr}`);
      assert.match(result.stderr, /is not a commit/);
    }
    assert.ok(!fs.existsSync(marker));
  });
});

describe('baselines', { timeout: 120_000 }, () => {
  const dir = path.join(tmp, 'baseline');
  write(dir, 'migrations/001.sql', 'CREATE INDEX a ON users (email);\nALTER TABLE users ADD COLUMN n int DEFAULT random();\n');
  write(dir, 'migrations/002.sql', 'CREATE INDEX b ON orders (total);\n');

  it('records the findings by rule, file and statement fingerprint, and reports only new ones', () => {
    const written = cli(['check', 'migrations', '--write-baseline', 'baseline.json'], dir);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stderr, /wrote \d+ findings to the baseline baseline\.json/);
    const baseline = JSON.parse(fs.readFileSync(path.join(dir, 'baseline.json'), 'utf8'));
    assert.equal(baseline.version, 1);
    assert.ok(baseline.findings.length >= 4);
    for (const e of baseline.findings) {
      assert.deepEqual(Object.keys(e).sort(), ['file', 'fingerprint', 'rule']);
      assert.match(e.file, /^migrations\/00[12]\.sql$/);
      assert.doesNotMatch(JSON.stringify(e), /"line"/);
    }
    assert.equal(cli(['check', 'migrations', '--baseline', 'baseline.json'], dir).code, 0);

    // Moved down by new lines, re-spaced, another constant: the same statements, still excused.
    write(dir, 'migrations/001.sql', "-- reviewed\n\nSET search_path = public;\nCREATE   INDEX a ON users\n  (email);\nALTER TABLE users ADD COLUMN n int DEFAULT random();\n");
    const moved = cli(['check', 'migrations', '--baseline', 'baseline.json', '--format', 'json'], dir);
    assert.deepEqual(json(moved.stdout).files.flatMap((f) => f.diagnostics), []);
    // A new statement with a finding is reported; the old ones stay excused.
    fs.appendFileSync(path.join(dir, 'migrations', '002.sql'), 'CREATE INDEX c ON orders (id);\n');
    const fresh = json(cli(['check', 'migrations', '--baseline', 'baseline.json', '--format', 'json'], dir).stdout);
    const reported = fresh.files.flatMap((f) => f.diagnostics.map((d) => `${path.basename(f.path)}:${d.range.start.line + 1}:${d.rule}`));
    assert.deepEqual(reported, ['002.sql:2:require-concurrent-index']);
  });

  it('refuses a symbolic link and a bad file, and leaves no temporary file behind', () => {
    const target = path.join(dir, 'elsewhere.json');
    fs.writeFileSync(target, 'keep me');
    fs.symlinkSync(target, path.join(dir, 'link.json'));
    const linked = cli(['check', 'migrations', '--write-baseline', 'link.json'], dir);
    assert.equal(linked.code, 2);
    assert.match(linked.stderr, /link\.json is a symbolic link: not written/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep me');
    assert.ok(fs.lstatSync(path.join(dir, 'link.json')).isSymbolicLink());

    fs.writeFileSync(path.join(dir, 'bad.json'), '{"findings": 3}');
    const bad = cli(['check', 'migrations', '--baseline', 'bad.json'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.json is not a Migration Guard baseline/);
    const missing = cli(['check', 'migrations', '--write-baseline', 'no-such-folder/b.json'], dir);
    assert.equal(missing.code, 2);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});

// The grammar of a workflow command (docs.github.com "Workflow commands for GitHub Actions"):
// ::LEVEL key=value,key=value::message, where no value holds a raw , : % CR LF and the message no raw % CR LF.
const PROPERTY = '(file|line|col|endLine|endColumn|title)=((?:[^,:%\\r\\n]|%25|%0D|%0A|%3A|%2C)*)';
const COMMAND = new RegExp(`^::(error|warning|notice) ${PROPERTY}(?:,${PROPERTY})*::((?:[^%\\r\\n]|%25|%0D|%0A)*)$`);
const unescape = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');

describe('--format github, markdown, gitlab', { timeout: 120_000 }, () => {
  const dir = path.join(tmp, 'formats');
  // A folder and a file whose names need escaping in a workflow command's properties.
  write(dir, 'db/mig,1/0:1_first.sql', "BEGIN;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nCOMMIT;\nCREATE INDEX users_name ON users (name);\n");
  write(dir, 'db/mig,1/0:2_second.sql', 'UPDATE users SET plan = 1;\n');

  it('github: one workflow command per finding, escaped as GitHub documents, and a job summary appended', () => {
    const summary = path.join(tmp, 'summary.md');
    fs.writeFileSync(summary, '# Earlier step\n');
    const result = cli(['check', 'db', '--format', 'github'], dir, { GITHUB_STEP_SUMMARY: summary });
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    const commands = lines.filter((l) => l.startsWith('::'));
    assert.ok(commands.length >= 4);
    assert.match(lines[lines.length - 1], /^2 files checked: \d+ errors, \d+ warnings, \d+ notes$/);
    const reference = json(cli(['check', 'db', '--format', 'json'], dir).stdout);
    const expected = reference.files.flatMap((f) => f.diagnostics.map((d) => ({ file: path.relative(dir, path.resolve(dir, f.path)), d })));
    assert.equal(commands.length, expected.length);
    commands.forEach((command, i) => {
      const m = COMMAND.exec(command);
      assert.ok(m, command);
      const head = command.slice(2, command.indexOf('::', 2));
      const props = Object.fromEntries(head.slice(head.indexOf(' ') + 1).split(',').map((p) => p.split('=')));
      assert.equal(unescape(props.file), expected[i].file);
      assert.match(props.file, /^db\/mig%2C1\/0%3A[12]_/);
      assert.equal(Number(props.line), expected[i].d.range.start.line + 1);
      assert.equal(unescape(props.title), `${expected[i].d.rule} (Migration Guard)`);
      assert.equal(command.slice(2, command.indexOf(' ')), { error: 'error', warning: 'warning', info: 'notice', hint: 'notice' }[expected[i].d.severity]);
      const message = unescape(command.slice(command.indexOf('::', 2) + 2));
      assert.equal(message.split('\n')[0], expected[i].d.message);
      assert.match(message.split('\n')[1], /^https:\/\/.*\/docs\/rules\/[a-z-]+\.md$/);
    });
    const written = fs.readFileSync(summary, 'utf8');
    assert.ok(written.startsWith('# Earlier step\n<!-- migration-guard -->\n'), written.slice(0, 80));
    assert.match(written, /### Migration Guard: \d+ errors?, \d+ warnings?, \d+ notes? in 2 files/);

    // Never through a symbolic link.
    const target = path.join(tmp, 'summary-target.md');
    fs.writeFileSync(target, 'untouched');
    fs.symlinkSync(target, path.join(tmp, 'summary-link.md'));
    const linked = cli(['check', 'db', '--format', 'github'], dir, { GITHUB_STEP_SUMMARY: path.join(tmp, 'summary-link.md') });
    assert.equal(linked.code, 1);
    assert.match(linked.stderr, /summary-link\.md is a symbolic link: the job summary was not written/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'untouched');
  });

  it('github: escapes % CR LF in messages and , : in properties', () => {
    assert.equal(escapeData('50% done\r\nnext: a,b'), '50%25 done%0D%0Anext: a,b');
    assert.equal(escapeProperty('a,b:c%\n'), 'a%2Cb%3Ac%25%0A');
    const finding = { rule: 'ban-drop-table', severity: 'error' as const, message: '100% gone:\nreally', range: { start: { line: 2, character: 0 }, end: { line: 3, character: 4 } }, fixes: [] };
    const [command] = githubCommands([{ path: path.join(dir, 'x,y.sql'), findings: [finding] }], dir);
    assert.match(command, COMMAND);
    assert.ok(command.startsWith('::error file=x%2Cy.sql,line=3,col=1,endLine=4,endColumn=5,title=ban-drop-table (Migration Guard)::100%25 gone:%0Areally%0Ahttps://'), command);
  });

  it('markdown: a comment body grouped by file, with the lock in words and the fix', () => {
    const result = cli(['check', 'db', '--format', 'markdown'], dir);
    assert.equal(result.code, 1);
    const body = result.stdout;
    const lines = body.split('\n');
    assert.equal(lines[0], '<!-- migration-guard -->');
    assert.match(body, /^### Migration Guard: \d+ errors?, \d+ warnings?, \d+ notes? in 2 files$/m);
    const headings = lines.filter((l) => l.startsWith('#### '));
    assert.deepEqual(headings, ['#### `db/mig,1/0:1_first.sql`', '#### `db/mig,1/0:2_second.sql`']);
    // Every finding is a list item under its file, with its rule's page and line.
    const items = lines.filter((l) => l.startsWith('- **'));
    for (const item of items) assert.match(item, /^- \*\*(error|warning|info|hint)\*\* \[`[a-z-]+`\]\(https:\/\/\S+\/docs\/rules\/[a-z-]+\.md\) line \d+: \S/);
    assert.equal(items.length, json(cli(['check', 'db', '--format', 'json'], dir).stdout).files.flatMap((f) => f.diagnostics).length);
    const notNull = lines.findIndex((l) => l.includes('[`set-not-null`]'));
    assert.match(lines[notNull + 1], /^ {2}- Lock: ACCESS EXCLUSIVE on `users`: blocks reads and writes .*\(held until COMMIT\)/);
    const index = lines.findIndex((l) => l.includes('[`require-concurrent-index`]'));
    assert.match(lines[index + 1], /^ {2}- Lock: SHARE on `users`: blocks writes/);
    assert.match(lines[index + 2], /^ {2}- Fix.*: .*CONCURRENTLY/);
    const fence = lines.indexOf('    ```sql', index);
    assert.ok(fence > index, 'the fixed SQL follows the fix');
    assert.match(lines[fence + 1], /^ {4}CREATE INDEX CONCURRENTLY users_name ON users \(name\);$/);
    assert.equal(lines[fence + 2], '    ```');
    // Fences are balanced: every opened code block is closed.
    assert.equal(lines.filter((l) => /^\s*```/.test(l)).length % 2, 0);
    // Nothing to report: a short body, exit 0.
    const clean = path.join(tmp, 'clean');
    write(clean, 'db/001.sql', 'CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n');
    const quiet = cli(['check', 'db', '--format', 'markdown'], clean);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stdout, '<!-- migration-guard -->\n\n### Migration Guard: no problems in 1 migration\n');
  });

  it('gitlab: Code Quality issues with the required fields and types', () => {
    const result = cli(['check', 'db', '--format', 'gitlab'], dir);
    assert.equal(result.code, 1);
    const issues = JSON.parse(result.stdout) as Record<string, unknown>[];
    assert.ok(Array.isArray(issues) && issues.length >= 4);
    const fingerprints = new Set<string>();
    for (const issue of issues) {
      assert.equal(typeof issue.description, 'string');
      assert.ok((issue.description as string).length > 0);
      assert.match(issue.check_name as string, /^[a-z-]+$/);
      assert.match(issue.fingerprint as string, /^[0-9a-f]{32}$/);
      fingerprints.add(issue.fingerprint as string);
      assert.ok(['info', 'minor', 'major', 'critical', 'blocker'].includes(issue.severity as string));
      const location = issue.location as { path: string; lines: { begin: number } };
      assert.equal(typeof location.path, 'string');
      assert.ok(!path.isAbsolute(location.path) && location.path.startsWith('db/'));
      assert.ok(Number.isInteger(location.lines.begin) && location.lines.begin >= 1);
    }
    assert.equal(fingerprints.size, issues.length, 'each issue has its own fingerprint');
    // Stable across line moves: the same finding on another line keeps its fingerprint.
    const moved = path.join(tmp, 'formats-moved');
    fs.cpSync(dir, moved, { recursive: true });
    const file = path.join(moved, 'db', 'mig,1', '0:2_second.sql');
    fs.writeFileSync(file, `-- moved\n\n${fs.readFileSync(file, 'utf8')}`);
    const again = JSON.parse(cli(['check', 'db', '--format', 'gitlab'], moved).stdout) as { fingerprint: string }[];
    assert.deepEqual(new Set(again.map((i) => i.fingerprint)), fingerprints);
  });
});

describe('Flyway checksum', () => {
  it('is CRC-32 of the lines without terminators, BOM dropped, as a signed int', () => {
    assert.equal(flywayChecksum('SELECT 1;\n'), flywayChecksum('\uFEFFSELECT 1;\r\n'));
    assert.equal(flywayChecksum('a\nb\n'), flywayChecksum('a\r\nb'));
    // Lines are fed without their terminators, so joining two lines keeps the checksum (Flyway's own behaviour).
    assert.equal(flywayChecksum('a\nb\n'), flywayChecksum('ab\n'));
    assert.notEqual(flywayChecksum('a\nb\n'), flywayChecksum('a\nc\n'));
    assert.ok(Number.isInteger(flywayChecksum('x')) && flywayChecksum('x') >= -(2 ** 31) && flywayChecksum('x') < 2 ** 31);
  });
});

describe('the GitHub Action and the pre-commit hook, run here', { timeout: 300_000 }, () => {
  it('action.yml hands its inputs to scripts/github-action.sh through the environment only', () => {
    const action = fs.readFileSync(path.join(root, 'action.yml'), 'utf8');
    assert.match(action, /using: composite/);
    const run = action.split('\n').filter((l) => /^\s+run:/.test(l));
    assert.deepEqual(run, ['      run: bash "$GITHUB_ACTION_PATH/scripts/github-action.sh"']);
    for (const input of ['paths', 'changed-since', 'database-url', 'baseline', 'args', 'version', 'fetch-history']) assert.match(action, new RegExp(`^  ${input}:`, 'm'));
    assert.match(action, /MG_REF: \$\{\{ inputs\.changed-since \|\| github\.event\.pull_request\.base\.sha \|\| 'HEAD~1' \}\}/);
  });

  it("the action's script fetches a shallow checkout's history and annotates only the branch's migrations", () => {
    const origin = repository('action-origin');
    const base = git(origin, 'rev-parse', 'HEAD~1');
    const clone = path.join(tmp, 'action-clone');
    git(tmp, 'clone', '-q', '--depth', '1', `file://${origin}`, clone);
    const summary = path.join(tmp, 'action-summary.md');
    const result = spawnSync('bash', [path.join(root, 'scripts', 'github-action.sh')], {
      cwd: clone,
      encoding: 'utf8',
      env: { ...process.env, MG_PATHS: 'migrations', MG_REF: base, MG_VERSION: 'source', MG_FETCH_HISTORY: 'true', GITHUB_ACTION_PATH: root, GITHUB_STEP_SUMMARY: summary },
    });
    assert.equal(result.status, 1, result.stderr);
    assert.equal(git(clone, 'rev-parse', '--is-shallow-repository'), 'false');
    const commands = result.stdout.split('\n').filter((l) => l.startsWith('::'));
    assert.ok(commands.length >= 2);
    for (const c of commands) assert.match(c, /^::(error|warning|notice) file=migrations\/004_narrow\.sql,/);
    assert.match(fs.readFileSync(summary, 'utf8'), /#### `migrations\/004_narrow\.sql`/);
  });

  const preCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;
  it('.pre-commit-hooks.yaml: pre-commit runs the hook on the staged migration', { skip: preCommit ? false : 'pre-commit is not installed (apt-get install pre-commit)' }, () => {
    const dir = repository('pre-commit');
    write(dir, 'migrations/005_index.sql', 'CREATE INDEX users_n ON users (n);\n');
    git(dir, 'add', '.');
    // npx finds the project's own migration-guard first: this checkout, linked as a dependency.
    fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'migration-guard'));
    fs.symlinkSync(path.join('..', 'migration-guard', 'bin', 'migration-guard.js'), path.join(dir, 'node_modules', '.bin', 'migration-guard'));
    const result = spawnSync('pre-commit', ['try-repo', root, 'migration-guard', '--files', 'migrations/005_index.sql'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PRE_COMMIT_HOME: path.join(tmp, 'pre-commit-home') },
    });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /Migration Guard\.+Failed/);
    assert.match(result.stdout, /migrations\/005_index\.sql:1:1: error require-concurrent-index/);
  });
});

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');

describe('check --database: the applied-migrations tables of golang-migrate and Prisma', { skip: noDebian, timeout: 180_000 }, () => {
  let server: Server;
  let url = '';
  const project = path.join(tmp, 'applied');
  const prisma = (name: string) => path.join(project, 'prisma', 'migrations', name, 'migration.sql');
  const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

  before(async () => {
    server = await startDebianServer();
    const [{ port }] = await server.session.query<{ port: number }>('SELECT inet_server_port() AS port');
    write(project, 'db/migrations/1_users.up.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email ON users (email);\n');
    write(project, 'db/migrations/1_users.down.sql', 'DROP TABLE users;\n');
    write(project, 'db/migrations/2_plan.up.sql', "ALTER TABLE users ADD COLUMN plan text DEFAULT 'free' NOT NULL;\nUPDATE users SET plan = 'pro';\n");
    write(project, 'db/migrations/3_index.up.sql', 'CREATE INDEX users_plan ON users (plan);\n');
    write(project, 'prisma/migrations/20240101000000_init/migration.sql', 'CREATE TABLE "Post" (id bigint PRIMARY KEY, title text);\nCREATE INDEX post_title ON "Post" (title);\n');
    write(project, 'prisma/migrations/20240102000000_slug/migration.sql', 'ALTER TABLE "Post" ADD COLUMN slug text;\nCREATE INDEX post_slug ON "Post" (slug);\n');
    write(project, 'prisma/migrations/20240103000000_views/migration.sql', 'ALTER TABLE "Post" ADD COLUMN views int DEFAULT random();\n');
    await server.session.exec(`
      CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
      INSERT INTO schema_migrations VALUES (2, false);
      CREATE TABLE _prisma_migrations (
        id varchar(36) PRIMARY KEY NOT NULL, checksum varchar(64) NOT NULL, finished_at timestamptz,
        migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
        started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
      INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES
        ('a', '${sha256(prisma('20240101000000_init'))}', '2024-01-01T10:00:00Z', '20240101000000_init', 1),
        ('b', '${'0'.repeat(64)}', '2024-01-02T10:00:00Z', '20240102000000_slug', 1),
        ('c', '${sha256(prisma('20240103000000_views'))}', NULL, '20240103000000_views', 0);
      CREATE ROLE reader LOGIN;
      GRANT SELECT ON schema_migrations, _prisma_migrations TO reader;
    `);
    await server.session.exec('CREATE DATABASE empty');
    url = `postgres://reader@127.0.0.1:${port}/postgres`;
  });
  after(() => server?.stop());

  it('leaves out the applied files and reports the rest', async () => {
    const result = cli(['check', '.', '--format', 'json', '--database', url], project);
    assert.equal(result.code, 1, result.stderr);
    const out = json(result.stdout);
    const reported = Object.fromEntries(out.files.map((f) => [path.relative(project, path.resolve(project, f.path)), f.diagnostics.map((d) => d.rule)]));
    assert.deepEqual(Object.keys(reported).sort(), [
      'db/migrations/3_index.up.sql',
      // Applied, but the checksum Prisma recorded is not the file's: only the edit is reported.
      'prisma/migrations/20240102000000_slug/migration.sql',
      // Started but never finished (finished_at NULL): not applied.
      'prisma/migrations/20240103000000_views/migration.sql',
    ]);
    assert.deepEqual(reported['prisma/migrations/20240102000000_slug/migration.sql'], ['edited-applied-migration']);
    assert.match(out.files.find((f) => f.path.endsWith('20240102000000_slug/migration.sql'))!.diagnostics[0].message, /applied on 127\.0\.0\.1:\d+\/postgres as reader at 2024-01-02T10:00:00\.000Z \(prisma's _prisma_migrations\)/);
    assert.ok(reported['db/migrations/3_index.up.sql'].includes('require-concurrent-index'));
    assert.ok(reported['prisma/migrations/20240103000000_views/migration.sql'].includes('adding-field-with-volatile-default'));
    assert.match(result.stderr, /3 of 4 golang-migrate migrations applied on 127\.0\.0\.1:\d+\/postgres as reader \(schema_migrations\): not reported/);
    assert.match(result.stderr, /2 of 3 prisma migrations applied on .* \(_prisma_migrations\): not reported/);
    // Read-only: the tables are as they were.
    const [{ n }] = await server.session.query<{ n: number }>('SELECT (SELECT count(*) FROM schema_migrations) + (SELECT count(*) FROM _prisma_migrations) AS n');
    assert.equal(Number(n), 4);
  });

  it('reads a missing table as nothing applied, and says so', () => {
    const result = cli(['check', '.', '--format', 'json', '--database', url.replace(/\/postgres$/, '/empty')], project);
    assert.equal(result.code, 1);
    assert.equal(json(result.stdout).files.length, 7);
    assert.match(result.stderr, /has no schema_migrations table \(golang-migrate\): nothing of 4 golang-migrate migrations counts as applied there/);
    assert.match(result.stderr, /has no _prisma_migrations table \(prisma\)/);
  });

  it('names the server and the failure when it cannot connect or read, and exits 2', () => {
    const refused = cli(['check', '.', '--database', 'postgres://reader@127.0.0.1:1/postgres'], project);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Cannot connect to 127\.0\.0\.1:1\/postgres as reader/);
    const wrong = cli(['check', 'db', '--database', url, '--migration-tool', 'goose', '--migration-table', 'schema_migrations'], project);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Reading goose's "schema_migrations" on .* failed: column "id" does not exist \(is it goose's table\?/);
    const usage = cli(['check', 'db', '--migration-tool', 'goose'], project);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--migration-tool and --migration-table go with --database URL/);
  });
});
