/**
 * A real LSP round trip: a client (vscode-languageserver-protocol, the protocol layer that
 * vscode-languageclient itself runs on) talks JSON-RPC over stdio to the built server,
 * dist/server.js, and to `migration-guard lsp --stdio`. Waits on protocol events, never sleeps.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CodeAction,
  CodeActionRequest,
  CodeLens,
  CodeLensRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  MarkupContent,
} from 'vscode-languageserver-protocol/node';
import { LspClient as Client, SERVER } from './lsp-client';

const root = path.join(__dirname, '..', '..');
// A workspace that exists only in the client's messages: the server reads no files.
const workspace = path.join(root, 'test', 'workspace');
const uriOf = (relative: string) => pathToFileURL(path.join(workspace, relative)).toString();

const UNSAFE = '-- add the index 🙂\nSET lock_timeout = \'5s\';\nSET statement_timeout = \'10min\';\nCREATE INDEX users_email_idx ON users (email);\n';

describe('language server over stdio (dist/server.js)', { timeout: 60_000 }, () => {
  let client: Client;
  before(async () => {
    process.env.MIGRATION_GUARD_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-lsp-cache-'));
    client = new Client(process.execPath, [SERVER, '--stdio'], workspace);
    await client.initialize();
  });
  after(() => client.stop());

  it('publishes diagnostics with the rule id and its docs link', async () => {
    const diagnostics = await client.open(uriOf('lsp/migrations/001_index.sql'), UNSAFE);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const [d] = diagnostics;
    assert.equal(d.code, 'require-concurrent-index');
    assert.equal(d.source, 'migration-guard');
    assert.deepEqual(d.range, { start: { line: 3, character: 0 }, end: { line: 3, character: 12 } });
    assert.match(d.codeDescription!.href, /docs\/rules\/require-concurrent-index\.md$/);
  });

  it('answers a hover with the lock in words', async () => {
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: uriOf('lsp/migrations/001_index.sql') },
      position: { line: 3, character: 20 },
    });
    const value = (hover!.contents as MarkupContent).value;
    assert.match(value, /\*\*SHARE\*\* on `users`/);
    assert.match(value, /blocks writes/);
    assert.match(value, /\*\*Scans\*\* `users` in full/);
    assert.match(value, /lock_timeout: 5s/);
  });

  it('offers the CONCURRENTLY fix as a quick fix, from the diagnostic alone', async () => {
    const uri = uriOf('lsp/migrations/002_index.sql');
    const [diagnostic] = await client.open(uri, 'SET lock_timeout = 1000;\nSET statement_timeout = 0;\nCREATE INDEX ON users (email);');
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    })) as CodeAction[];
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Add CONCURRENTLY (must run outside a transaction block)'), titles.join(', '));
    assert.ok(titles.includes('Ignore require-concurrent-index for this statement'));
    const fix = actions.find((a) => a.title.startsWith('Add CONCURRENTLY'))!;
    assert.equal(fix.kind, 'quickfix');
    assert.deepEqual(fix.edit!.changes![uri], [
      { range: { start: { line: 2, character: 12 }, end: { line: 2, character: 12 } }, newText: ' CONCURRENTLY' },
    ]);
    // Ignoring asks for a reason (VS Code's client makes the placeholder a snippet).
    const ignore = actions.find((a) => a.title === 'Ignore require-concurrent-index for this statement')!;
    assert.deepEqual(ignore.edit!.changes![uri].map((e) => e.newText), ['-- migration-guard-ignore require-concurrent-index -- reason: why this is safe here\n']);
  });

  it('fixes all safe problems with source.fixAll.migrationGuard, and shows why a fix cannot apply', async () => {
    const uri = uriOf('lsp/migrations/008_fixall.sql');
    const diagnostics = await client.open(uri, "SET lock_timeout = '1s';\nALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0);\nCREATE INDEX i ON orders (total);");
    const [fixAll] = (await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.migrationGuard'] },
    })) as CodeAction[];
    assert.equal(fixAll.kind, 'source.fixAll.migrationGuard');
    // The CHECK fix is safe; CONCURRENTLY changes how the migration runs and is left to the user.
    assert.deepEqual(fixAll.edit!.changes![uri].map((e) => e.newText), [' NOT VALID', '\nALTER TABLE orders VALIDATE CONSTRAINT c;']);
    const index = diagnostics.find((d) => d.code === 'require-concurrent-index')!;
    const wrapped = uriOf('lsp/migrations/009_wrapped.sql');
    client.settings = { assumeInTransaction: true };
    const [inTransaction] = (await client.open(wrapped, 'CREATE INDEX i ON orders (total);')).filter((d) => d.code === 'require-concurrent-index');
    client.settings = {};
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: wrapped },
      range: inTransaction.range,
      context: { diagnostics: [inTransaction] },
    })) as CodeAction[];
    const concurrently = actions.find((a) => a.title.startsWith('Add CONCURRENTLY'))!;
    assert.match(concurrently.disabled!.reason, /runs this file in one transaction/);
    assert.equal(concurrently.edit, undefined);
    assert.ok(index);
  });

  it('re-analyses on change, and the statement after a syntax error is still analysed', async () => {
    const uri = uriOf('lsp/migrations/003_change.sql');
    await client.open(uri, "SET lock_timeout = '5s';\n");
    const next = client.diagnostics(uri, 2);
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: 'ALTER TABLE {{ .Schema }}.users ADD x int;\nDROP INDEX users_email_idx;\n' }],
    });
    const { diagnostics } = await next;
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range.start.line]),
      [
        ['syntax-error', 1],
        ['require-concurrent-index', 2],
      ],
    );
    assert.match(String(diagnostics[0].message), /template placeholder/);
  });

  it('publishes diagnostics only when they changed, and says which version it analysed', async () => {
    const uri = uriOf('lsp/migrations/003a_same.sql');
    const first = await client.open(uri, 'CREATE INDEX i ON users (email);\n');
    assert.deepEqual(first.map((d) => d.code).sort(), ['require-concurrent-index', 'require-timeouts']);
    const from = client.published.length;
    const change = (version: number, text: string) =>
      client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text }],
      });
    // A comment after the statement: the same diagnostics, not published again.
    const second = client.analysed(uri, 2);
    await change(2, '-- a note\n');
    assert.deepEqual(await second, first);
    assert.deepEqual(client.published.slice(from).filter((p) => p.uri === uri), []);
    // A statement more: new diagnostics, published for that version.
    const third = client.analysed(uri, 3);
    await change(3, 'DROP INDEX users_email_idx;\n');
    assert.deepEqual((await third).map((d) => d.code).sort(), ['require-concurrent-index', 'require-concurrent-index', 'require-timeouts']);
    assert.deepEqual(client.published.slice(from).filter((p) => p.uri === uri).map((p) => p.version), [3]);
  });

  it('a scanner error (trailing junk after a number) blinds only its own statement', async () => {
    const uri = uriOf('lsp/migrations/003b_junk.sql');
    const diagnostics = await client.open(uri, 'CREATE INDEX users_email_idx ON users (email);\nSET lock_timeout = 5s;\nALTER TABLE users ADD COLUMN c int NOT NULL;\n');
    assert.deepEqual(
      diagnostics.filter((d) => d.code !== 'require-timeouts').map((d) => [d.code, d.range.start.line, d.range.start.character]),
      [
        ['require-concurrent-index', 0, 0],
        ['syntax-error', 1, 19],
        ['adding-required-field', 2, 18],
      ],
    );
  });

  it('coalesces changes that arrive while it analyses: the latest version is published, the stale ones are dropped', async () => {
    const uri = uriOf('lsp/migrations/003c_typing.sql');
    const body = Array.from({ length: 300 }, (_, i) => `ALTER TABLE t${i} ADD COLUMN c text;`).join('\n');
    await client.open(uri, `${body}\n`);
    const from = client.published.length;
    const last = client.analysed(uri, 31);
    for (let version = 2; version <= 31; version++) {
      void client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'x' }],
      });
    }
    const diagnostics = await last;
    const published = client.published.slice(from).filter((p) => p.uri === uri).map((p) => p.version);
    assert.ok(diagnostics.some((d) => d.code === 'syntax-error' && d.range.start.line === 0 && /x{30}/.test(String(d.message))), 'the latest text was analysed');
    assert.equal(published[published.length - 1], 31);
    assert.ok(published.length < 30, `30 changes, ${published.length} analyses published: ${published.join(', ')}`);
  });

  it('survives a storm of random edits and requests (fixed seed): it answers, and its last diagnostics are for the last text', async () => {
    const uri = uriOf('lsp/migrations/003d_storm.sql');
    let text = "SET lock_timeout = '5s';\nBEGIN;\nALTER TABLE users ADD COLUMN c int;\nCREATE INDEX users_c_idx ON users (c);\nDO $$ BEGIN UPDATE users SET c = 1; END $$;\nCOMMIT;\n";
    await client.open(uri, text);
    let state = 20261130;
    const random = (n: number) => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state % n;
    };
    // Pieces that break SQL in every way the lexer and the parser can meet while someone types.
    const junk = ["'", '"', '$$', '$x$', '/*', '*/', '--', ';', '(', ')', 'BEGIN', 'COMMIT', ' CONCURRENTLY', '5s', '0x', 'é🙂', '\u0000', '\n', 'DO $$', 'E\'\\'];
    const position = (offset: number) => {
      const before = text.slice(0, offset).split('\n');
      return { line: before.length - 1, character: before[before.length - 1].length };
    };
    let version = 1;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const at = random(text.length + 1);
      const cut = Math.min(text.length - at, random(4));
      const insert = random(3) ? junk[random(junk.length)] : '';
      const range = { start: position(at), end: position(at + cut) };
      text = text.slice(0, at) + insert + text.slice(at + cut);
      version++;
      void client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range, text: insert }] });
      const where = position(random(text.length + 1));
      if (i % 3 === 0) pending.push(client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: where }));
      if (i % 7 === 0) pending.push(client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }));
      if (i % 5 === 0) pending.push(client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: where, end: where }, context: { diagnostics: [] } }));
    }
    const last = client.analysed(uri, version);
    await Promise.all(pending);
    await last;
    // Still answering, and the published state is the final text's.
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 1 } });
    assert.ok(hover === null || typeof hover === 'object');
    assert.ok(client.process.exitCode === null, 'the server is still running');
  });

  it('shows each statement\'s locks in a CodeLens, and every lock the transaction holds in the hover', async () => {
    const uri = uriOf('lsp/migrations/006_lens.sql');
    await client.open(uri, "SET lock_timeout = '5s';\nBEGIN;\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nCREATE INDEX users_email_idx ON users (email);\nCOMMIT;");
    const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
    assert.deepEqual(
      lenses.map((l) => [l.range.start.line, l.command?.title]),
      [
        [2, 'ACCESS EXCLUSIVE users · rewrite'],
        [3, 'ACCESS EXCLUSIVE users (held) · full scan'],
      ],
    );
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 3, character: 2 } });
    const value = (hover!.contents as MarkupContent).value;
    assert.match(value, /\*\*ACCESS EXCLUSIVE\*\* on `users` \(table\), held by the transaction since line 3: blocks reads and writes .*The statement itself asks for SHARE\./);
    assert.match(value, /held until the transaction ends/);
    assert.match(value, /The transaction now holds: ACCESS EXCLUSIVE on `users` since line 3\./);
  });

  it('answers a hover on a table name with the locks the migration takes on it', async () => {
    const uri = uriOf('lsp/migrations/006_lens.sql');
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 3, character: 34 } });
    const value = (hover!.contents as MarkupContent).value;
    assert.match(value, /^\*\*`users`\*\* in this migration:/);
    assert.match(value, /line 3: ALTER TABLE users — \*\*ACCESS EXCLUSIVE\*\* \(rewrite\), held until COMMIT/);
    assert.deepEqual(hover!.range, { start: { line: 3, character: 32 }, end: { line: 3, character: 37 } });
  });

  it('turns the CodeLens off with migrationGuard.codeLens', async () => {
    const uri = uriOf('lsp/migrations/007_nolens.sql');
    client.settings = { codeLens: false };
    await client.open(uri, 'DROP TABLE users;');
    assert.deepEqual(await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }), []);
    client.settings = {};
  });

  it('reads the project migration-guard.json above the document, and the editor\'s own settings win', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-lsp-'));
    fs.mkdirSync(path.join(dir, 'migrations'));
    fs.writeFileSync(path.join(dir, 'migration-guard.json'), '{ "rules": { "require-timeouts": "off", "require-concurrent-index": "warning" } }');
    const uri = pathToFileURL(path.join(dir, 'migrations', '001.sql')).toString();
    const first = await client.open(uri, 'CREATE INDEX i ON users (email);');
    assert.deepEqual(first.map((d) => [d.code, d.severity]), [['require-concurrent-index', 2]]);
    client.settings = { rules: { 'require-concurrent-index': 'error' } };
    const next = client.diagnostics(uri);
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: {} });
    assert.deepEqual((await next).diagnostics.map((d) => [d.code, d.severity]), [['require-concurrent-index', 1]]);
    client.settings = {};
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('plans the safe change for a flagged statement, as a code action and a request', async () => {
    const uri = uriOf('lsp/migrations/010_plan.sql');
    const [diagnostic] = (await client.open(uri, "SET lock_timeout = '1s';\nSET statement_timeout = '1h';\nALTER TABLE orders ALTER COLUMN total TYPE bigint;")).filter((d) => d.code === 'changing-column-type');
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    const plan = actions.find((a) => a.command?.command === 'migrationGuard.planSafeChange')!;
    assert.deepEqual(plan.command!.arguments, [uri, 2]);
    const result = (await client.connection.sendRequest('migrationGuard/plan', { uri, line: 2 })) as { title: string; files: { path: string; content: string }[] };
    assert.match(result.title, /Change orders.total to bigint/);
    assert.deepEqual(result.files.map((f) => path.basename(f.path)), ['010_plan.step1-expand.sql', '010_plan.step2-backfill.sql', '010_plan.step3-prepare.sql', '010_plan.step4-constraints.sql', '010_plan.step5-switch.sql', '010_plan.step6-contract.sql']);
    assert.equal(await client.connection.sendRequest('migrationGuard/plan', { uri, line: 0 }), null);
  });

  it('answers the production checklist for an open migration, with its Markdown report', async () => {
    const uri = uriOf('lsp/migrations/011_checklist.sql');
    await client.open(uri, "SET lock_timeout = '1s';\nSET statement_timeout = '1h';\nCREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);");
    const { checklist, markdown, problems } = (await client.connection.sendRequest('migrationGuard/checklist', { uri, answers: { offPeakWindow: 'Sunday 03:00 UTC' } })) as {
      checklist: { items: { id: string; state: string }[] };
      markdown: string;
      problems: string[];
    };
    assert.deepEqual(problems, []);
    const state = Object.fromEntries(checklist.items.map((i) => [i.id, i.state]));
    assert.equal(state.timeouts, 'passed');
    assert.equal(state['off-peak'], 'passed');
    assert.equal(state['staging-mirror'], 'needs-you');
    assert.equal(state.blockers, 'not-checked');
    assert.match(markdown, /^# Production checklist: `011_checklist.sql`/);
  });

  it('traces a migration on PGlite in the worker thread, and keeps answering meanwhile', async () => {
    const uri = uriOf('lsp/migrations/012_trace.sql');
    await client.open(uri, 'CREATE TABLE accounts (id bigint PRIMARY KEY, n int);\nALTER TABLE accounts ALTER COLUMN n TYPE bigint;\nSELECT 1/0;');
    const tracing = client.connection.sendRequest('migrationGuard/trace', { uri }) as Promise<{ result?: { statements: { line: number; status: string; observed: { relation: string; mode: string }[]; note?: string }[] }; error?: string }>;
    // While PGlite starts in the worker, diagnostics still come.
    assert.ok((await client.open(uriOf('lsp/migrations/013_while.sql'), 'CREATE INDEX i ON users (email);')).length > 0);
    const { result, error } = await tracing;
    assert.equal(error, undefined);
    const [create, alter, fail] = result!.statements;
    assert.equal(create.status, 'ran');
    assert.deepEqual(alter.observed.filter((l) => l.relation === 'accounts'), [], 'created in the same transaction: no new lock');
    assert.equal(fail.status, 'error');
    assert.match(fail.note!, /division by zero/);
  });

  it('runs a schema file before the trace (migrationGuard.trace.schemaFile), and says when it is missing', async () => {
    const schema = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-schema-')), 'schema.sql');
    fs.writeFileSync(schema, 'CREATE TABLE from_schema (id bigint PRIMARY KEY);\n');
    const uri = uriOf('lsp/migrations/014_schema.sql');
    await client.open(uri, 'ALTER TABLE from_schema ADD COLUMN n int;');
    const { result } = (await client.connection.sendRequest('migrationGuard/trace', { uri, schema })) as { result: { setup: { files: string[]; errors: string[] }; statements: { observed: { relation: string; mode: string }[] }[] } };
    assert.deepEqual(result.setup, { files: [schema], errors: [] });
    assert.deepEqual(result.statements[0].observed, [{ relation: 'from_schema', mode: 'AccessExclusiveLock' }]);
    const missing = (await client.connection.sendRequest('migrationGuard/trace', { uri, schema: `${schema}.nope` })) as { error: string };
    assert.match(missing.error, /schema file .*schema\.sql\.nope .* does not exist/);
  });

  it('shows findings on the literal of a TypeORM migration written in TypeScript', async () => {
    const uri = uriOf('lsp/migrations/1700000000000-AddIndex.ts');
    const source = [
      "import { MigrationInterface, QueryRunner } from 'typeorm';",
      'export class AddIndex1700000000000 implements MigrationInterface {',
      '  public async up(queryRunner: QueryRunner): Promise<void> {',
      "    await queryRunner.query(`SET lock_timeout = '5s'`);",
      '    await queryRunner.query(`CREATE INDEX "IDX_user_email" ON "user" ("email")`);',
      '  }',
      '}',
    ].join('\n');
    const published = client.diagnostics(uri, 1);
    await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text: source } });
    const index = (await published).diagnostics.find((d) => d.code === 'require-concurrent-index')!;
    assert.deepEqual(index.range, { start: { line: 4, character: 29 }, end: { line: 4, character: 41 } });
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 4, character: 35 } });
    assert.match((hover!.contents as MarkupContent).value, /\*\*SHARE\*\* on `user`/);
    const plain = uriOf('lsp/migrations/helpers.ts');
    const none = client.diagnostics(plain, 1);
    await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: plain, languageId: 'typescript', version: 1, text: 'export const x = 1;' } });
    assert.deepEqual((await none).diagnostics, [], 'a source file that is no migration');
  });

  it('leaves SQL files outside migration folders alone', async () => {
    const diagnostics = await client.open(pathToFileURL(path.join(workspace, 'lsp', 'queries', 'report.sql')).toString(), 'CREATE INDEX ON users (email);');
    assert.deepEqual(diagnostics, []);
  });

  it('registers for configuration changes, so that an editor that pulls settings sends them (VS Code does not otherwise)', () => {
    assert.deepEqual(
      client.registrations.filter((r) => r.method === DidChangeConfigurationNotification.method).map((r) => r.registerOptions),
      [{ section: 'migrationGuard' }],
    );
  });

  it('pulls settings per document and refreshes on configuration change', async () => {
    const uri = uriOf('lsp/migrations/004_settings.sql');
    const sql = "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN status text DEFAULT 'active';";
    assert.deepEqual(await client.open(uri, sql), []);
    client.settings = { pgVersion: 10, rules: { 'require-timeouts': 'off' } };
    const next = client.diagnostics(uri);
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: {} });
    const { diagnostics } = await next;
    assert.deepEqual(diagnostics.map((d) => d.code), ['adding-field-with-volatile-default']);
    client.settings = {};
    const cleared = client.diagnostics(uri);
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    assert.deepEqual((await cleared).diagnostics, []);
  });
});

describe('move to its own migration through the editor', { timeout: 60_000 }, () => {
  // A golang-migrate project on disk: the server names the new migration from its folder.
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-lsp-ownmig-')), 'migrations');
  fs.mkdirSync(dir);
  const file = path.join(dir, '000001_note.up.sql');
  const uri = pathToFileURL(file).toString();
  const text = "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n";
  fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(dir, '000002_total.up.sql'), 'SELECT 1;\n');

  async function moveAction(client: Client): Promise<CodeAction> {
    const diagnostics = await client.open(uri, text);
    const diagnostic = diagnostics.find((d) => d.code === 'concurrently-in-transaction')!;
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    const move = actions.find((a) => /its own migration/.test(a.title));
    assert.ok(move, actions.map((a) => a.title).join(', '));
    return move;
  }

  it('sends CreateFile (never overwriting) + the new content + the removal as one workspace edit', async () => {
    const client = new Client(process.execPath, [SERVER, '--stdio'], workspace);
    await client.initialize({ documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] });
    try {
      const move = await moveAction(client);
      assert.equal(move.disabled, undefined);
      assert.equal(move.isPreferred, false);
      const changes = move.edit!.documentChanges!;
      const up = pathToFileURL(path.join(dir, '000003_create_index_concurrently_orders_note_idx.up.sql')).toString();
      const down = pathToFileURL(path.join(dir, '000003_create_index_concurrently_orders_note_idx.down.sql')).toString();
      assert.deepEqual(
        changes.map((c) => ('kind' in c ? [c.kind, (c as { uri: string }).uri, c.options] : ['edit', c.textDocument.uri, c.edits.map((e) => (e as { newText: string }).newText)])),
        [
          ['create', up, { overwrite: false, ignoreIfExists: false }],
          ['edit', up, ['-- Moved out of 000001_note.up.sql: it cannot run inside the transaction golang-migrate runs that file in.\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n']],
          ['create', down, { overwrite: false, ignoreIfExists: false }],
          ['edit', down, ['DROP INDEX CONCURRENTLY IF EXISTS orders_note_idx;\n']],
          ['edit', uri, ['']],
        ],
      );
      const removal = changes[4] as { textDocument: { version: number | null }; edits: { range: unknown }[] };
      assert.equal(removal.textDocument.version, 1);
      assert.deepEqual(removal.edits[0].range, { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } });
      // Never part of fix-all: it changes how the migration runs.
      const [fixAll] = (await client.connection.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [], only: ['source.fixAll.migrationGuard'] },
      })) as CodeAction[];
      assert.ok(!fixAll || !JSON.stringify(fixAll.edit).includes('CREATE INDEX'));
    } finally {
      await client.stop();
    }
  });

  it('stays disabled, with the reason, for an editor that cannot create files', async () => {
    const client = new Client(process.execPath, [SERVER, '--stdio'], workspace);
    await client.initialize();
    try {
      const move = await moveAction(client);
      assert.match(move.disabled!.reason, /cannot create files .*fix --unsafe --write/);
      assert.equal(move.edit, undefined);
    } finally {
      await client.stop();
    }
  });
});

describe('migration-guard lsp --stdio', { timeout: 30_000 }, () => {
  it('serves the same diagnostics through the CLI entry point', async () => {
    const client = new Client(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'lsp', '--stdio'], workspace);
    await client.initialize();
    const diagnostics = await client.open(uriOf('lsp/migrations/005_cli.sql'), 'BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (email);\nCOMMIT;');
    assert.deepEqual(diagnostics.map((d) => d.code), ['concurrently-in-transaction']);
    await client.stop();
  });
});
