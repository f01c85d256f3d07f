/**
 * The editor's side of the applied-migrations table (issue 15): the language server answers
 * migrationGuard/applied for an open migration from its tool's table on the database the client
 * names, read-only. Debian PostgreSQL with golang-migrate's schema_migrations at version 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { DatabaseTarget } from '../server/src/database';
import { APPLIED, AppliedAnswer } from '../server/src/protocol';
import { debianBinaries, Server, startDebianServer } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');
const root = path.join(__dirname, '..', '..');
const workspace = path.join(root, 'test', 'workspace');

describe('the language server says whether an open migration ran on the database', { skip: noDebian, timeout: 120_000 }, () => {
  let server: Server;
  let target: DatabaseTarget;
  let connection: ProtocolConnection;
  let lsp: ReturnType<typeof spawn>;
  const published = new Map<string, () => void>();

  before(async () => {
    server = await startDebianServer();
    await server.session.exec(`CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (2, false);`);
    const [{ port }] = await server.session.query<{ port: number }>("SELECT current_setting('port')::int AS port");
    target = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
    lsp = spawn(process.execPath, [path.join(root, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    connection = createProtocolConnection(new StreamMessageReader(lsp.stdout!), new StreamMessageWriter(lsp.stdin!));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => published.get(p.uri)?.());
    connection.listen();
    await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(workspace).toString(), workspaceFolders: [{ uri: pathToFileURL(workspace).toString(), name: 'w' }], capabilities: {} });
    await connection.sendNotification(InitializedNotification.type, {});
  });
  after(async () => {
    if (connection) {
      await connection.sendRequest(ShutdownRequest.type);
      const exited = new Promise((r) => lsp.once('exit', r));
      await connection.sendNotification(ExitNotification.type);
      await exited;
      connection.dispose();
    }
    await server?.stop();
  });

  const open = async (name: string) => {
    const uri = pathToFileURL(path.join(workspace, 'applied', 'migrations', name)).toString();
    const ready = new Promise<void>((r) => published.set(uri, r));
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'sql', version: 1, text: 'CREATE INDEX users_email_idx ON users (email);\n' } });
    await ready;
    return uri;
  };

  it('a version at or below schema_migrations.version ran; a later one did not', async () => {
    const ran = (await connection.sendRequest(APPLIED, { uri: await open('000002_index.up.sql'), database: target })) as AppliedAnswer;
    assert.deepEqual(ran, { where: `127.0.0.1:${target.port}/postgres as postgres`, applied: { tool: 'golang-migrate' } });
    const pending = (await connection.sendRequest(APPLIED, { uri: await open('000003_more.up.sql'), database: target })) as AppliedAnswer;
    assert.equal(pending.applied, undefined);
    assert.match(pending.note!, /0 of 1 golang-migrate migration applied/);
  });

  it('a database that cannot be reached is a note, never an error', async () => {
    const answer = (await connection.sendRequest(APPLIED, { uri: await open('000001_init.up.sql'), database: { ...target, port: 1 } })) as AppliedAnswer;
    assert.match(answer.note!, /Cannot connect to 127\.0\.0\.1:1\/postgres as postgres/);
  });
});
