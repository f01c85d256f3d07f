/**
 * Real PostgreSQL servers for the lock proofs: PGlite (PostgreSQL 18 in WebAssembly, embedded)
 * and a throwaway cluster of Debian's PostgreSQL server (`initdb` into a temp folder, `pg_ctl
 * start` on a loopback port, stopped and removed at the end, also when a test fails).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

export interface Session {
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Several statements in one go (the test schema). */
  exec(sql: string): Promise<void>;
  /** The backend's pid, for pg_locks. */
  pid(): Promise<number>;
  close(): Promise<void>;
}

export interface Server {
  name: string;
  /** Major version, as the engine's `pgVersion` setting takes it. */
  major: number;
  version: string;
  session: Session;
  /** An empty folder the server may use for CREATE TABLESPACE (not on PGlite). */
  tablespaceDir?: string;
  /** Another connection, on servers that have more than one (PGlite has one). */
  connect?(): Promise<Session>;
  stop(): Promise<void>;
}

async function versionOf(session: Session): Promise<{ major: number; version: string }> {
  const [row] = await session.query<{ server_version_num: string; version: string }>(
    "SELECT current_setting('server_version_num') AS server_version_num, version() AS version",
  );
  return { major: Math.floor(Number(row.server_version_num) / 10000), version: row.version.split(' on ')[0] };
}

export async function startPglite(): Promise<Server> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  await db.waitReady;
  const session: Session = {
    async query<T>(sql: string) {
      return (await db.query(sql)).rows as T[];
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    async pid() {
      return (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    },
    async close() {},
  };
  const { major, version } = await versionOf(session);
  return { name: 'PGlite', major, version, session, stop: () => db.close() };
}

/** The newest Debian PostgreSQL server installed (`apt-get install postgresql`), if any. */
export function debianBinaries(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function pgSession(client: Client): Session {
  return {
    async query<T>(sql: string) {
      return (await client.query(sql)).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    async pid() {
      return (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

export interface DebianOptions {
  /** Extra postgresql.conf lines, appended after initdb: `{ shared_preload_libraries: "'pg_stat_statements'" }` (values as the file writes them). */
  settings?: Record<string, string>;
}

export async function startDebianServer(options: DebianOptions = {}): Promise<Server> {
  const bin = debianBinaries();
  if (!bin) throw new Error('no PostgreSQL server under /usr/lib/postgresql: apt-get install -y postgresql');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-pg-'));
  const data = path.join(dir, 'data');
  const tablespaceDir = path.join(dir, 'tablespace');
  fs.mkdirSync(tablespaceDir);
  // PostgreSQL refuses to run as root: run it as the `postgres` user the Debian package creates.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (tool: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { stdio: 'pipe' })
      : execFileSync(path.join(bin, tool), args, { stdio: 'pipe' });
  const port = await freePort();
  let started = false;
  const cleanup = () => {
    if (started) {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      started = false;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale']);
    const extra = Object.entries(options.settings ?? {});
    if (extra.length) fs.appendFileSync(path.join(data, 'postgresql.conf'), `\n# Added by the test (startDebianServer)\n${extra.map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
    run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start']);
    started = true;
  } catch (e) {
    const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : '';
    cleanup();
    throw new Error(`could not start PostgreSQL: ${(e as Error).message}\n${log}`);
  }
  const connect = async () => {
    const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await client.connect();
    return pgSession(client);
  };
  const session = await connect();
  const { major, version } = await versionOf(session);
  return {
    name: 'Debian server',
    major,
    version,
    session,
    connect,
    tablespaceDir,
    async stop() {
      await session.close();
      cleanup();
      process.removeListener('exit', cleanup);
    },
  };
}
