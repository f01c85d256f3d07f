/**
 * The editor's side of the applied-migrations table (issue 15): the language server answers
 * migrationGuard/applied for an open migration from its tool's table on the database the client
 * names, read-only. Debian PostgreSQL with golang-migrate's schema_migrations at version 2.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DatabaseTarget } from '../server/src/database';
import { APPLIED, AppliedAnswer } from '../server/src/protocol';
import { LspClient, SERVER } from './lsp-client';
import { debianBinaries, Server, startDebianServer } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');
const workspace = path.join(__dirname, '..', '..', 'test', 'workspace');

describe('the language server says whether an open migration ran on the database', { skip: noDebian, timeout: 120_000 }, () => {
  let server: Server;
  let target: DatabaseTarget;
  let client: LspClient;

  before(async () => {
    server = await startDebianServer();
    await server.session.exec(`CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (2, false);`);
    const [{ port }] = await server.session.query<{ port: number }>("SELECT current_setting('port')::int AS port");
    target = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
    client = new LspClient(process.execPath, [SERVER, '--stdio'], workspace);
    await client.initialize();
  });
  after(async () => {
    await client?.stop();
    await server?.stop();
  });

  const open = async (name: string) => {
    const uri = pathToFileURL(path.join(workspace, 'applied', 'migrations', name)).toString();
    await client.open(uri, 'CREATE INDEX users_email_idx ON users (email);\n');
    return uri;
  };
  const applied = async (uri: string, database: DatabaseTarget) => (await client.connection.sendRequest(APPLIED, { uri, database })) as AppliedAnswer;

  it('a version at or below schema_migrations.version ran; a later one did not', async () => {
    const ran = await applied(await open('000002_index.up.sql'), target);
    assert.deepEqual(ran, { where: `127.0.0.1:${target.port}/postgres as postgres`, applied: { tool: 'golang-migrate' } });
    const pending = await applied(await open('000003_more.up.sql'), target);
    assert.equal(pending.applied, undefined);
    assert.match(pending.note!, /0 of 1 golang-migrate migration applied/);
  });

  it('a database that cannot be reached is a note, never an error', async () => {
    const answer = await applied(await open('000001_init.up.sql'), { ...target, port: 1 });
    assert.match(answer.note!, /Cannot connect to 127\.0\.0\.1:1\/postgres as postgres/);
  });
});
