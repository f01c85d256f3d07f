/**
 * Where a lock trace runs: embedded PGlite, started lazily and kept warm, or the configured
 * database through `pg`. Used by the CLI directly and by the language server's trace worker
 * (so that PGlite's WebAssembly never blocks diagnostics).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Analysis } from './engine/analyze';
import { Settings } from './engine/settings';
import { connect, DatabaseTarget, describeTarget } from './database';
import { earlierMigrations } from './history';
import { replay, traceMigration, TraceResult, TraceSession } from './trace';

/** Part of the cached cluster's name: another PGlite may not read this one's data directory. */
const PGLITE_VERSION = '0.5';

/** The database trace waits at most this long for a lock, then reports the statement as blocked. */
export const TRACE_LOCK_TIMEOUT = '1s';

// In the bundle PGlite is a CommonJS file beside this one, which import() wraps as `default`.
const loadPglite = async () => {
  const m = await import('@electric-sql/pglite');
  return m.PGlite ?? (m as unknown as { default: typeof m }).default.PGlite;
};

/**
 * One PGlite, kept warm between traces. Its schema is the replay of the earlier migrations (and a
 * schema file); while those files are unchanged, the next trace reuses it (every trace is rolled
 * back). A fresh cluster's data directory is dumped once and loaded for each new schema, which
 * skips initdb (FIELD-NOTES: 3-6 s for `new PGlite()`, ~1.5 s from a dump).
 */
export class PgliteHost {
  private db?: InstanceType<Awaited<ReturnType<typeof loadPglite>>>;
  private key?: string;
  private setup?: TraceResult['setup'];
  private template?: Blob;
  private version = '';

  async session(files: string[], settings: Settings): Promise<{ session: TraceSession; setup: TraceResult['setup'] }> {
    const key = JSON.stringify(
      files.map((f) => {
        try {
          const st = fs.statSync(f);
          return [f, st.size, st.mtimeMs];
        } catch {
          return [f];
        }
      }),
    );
    if (!this.db || this.key !== key) {
      await this.close();
      const PGlite = await loadPglite();
      this.template ??= await freshCluster(PGlite);
      const db = new PGlite({ loadDataDir: this.template });
      await db.waitReady;
      this.db = db;
      this.version = (await db.query<{ v: string }>("SELECT 'PostgreSQL ' || current_setting('server_version') AS v")).rows[0].v;
      this.setup = await replay(this.sessionOf(db), files, settings);
      this.key = key;
    }
    return { session: this.sessionOf(this.db!), setup: this.setup! };
  }

  private sessionOf(db: InstanceType<Awaited<ReturnType<typeof loadPglite>>>): TraceSession {
    return {
      target: 'PGlite (embedded)',
      version: this.version,
      run: async (sql) => {
        await db.exec(sql);
      },
      query: async <T>(sql: string) => (await db.query<T>(sql)).rows,
    };
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.key = undefined;
    await db?.close().catch(() => undefined);
  }
}

/**
 * A fresh cluster's data directory: from the cache folder when an earlier run left it there
 * (~0.9 s to load), else initdb (~3.6 s) and then saved there for the next run.
 */
async function freshCluster(PGlite: Awaited<ReturnType<typeof loadPglite>>): Promise<Blob> {
  const cacheDir = process.env.MIGRATION_GUARD_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'migration-guard');
  const file = path.join(cacheDir, `pglite-${PGLITE_VERSION}-cluster.tar`);
  try {
    return new Blob([fs.readFileSync(file)]);
  } catch {
    // not cached yet
  }
  const fresh = new PGlite();
  await fresh.waitReady;
  const blob = (await fresh.dumpDataDir('none')) as Blob;
  await fresh.close();
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
    fs.renameSync(tmp, file);
  } catch {
    // a read-only home: every first trace runs initdb
  }
  return blob;
}

export interface TraceRequest {
  file: string;
  analysis: Analysis;
  settings: Settings;
  /** Trace on this database instead of PGlite. */
  database?: DatabaseTarget;
  /** Run first on PGlite, before the earlier migrations (a schema dump, say). */
  schema?: string;
}

export async function runTrace(request: TraceRequest, host: PgliteHost): Promise<TraceResult> {
  if (request.database) {
    const client = await connect(request.database);
    try {
      const version = (await client.query<{ v: string }>("SELECT 'PostgreSQL ' || current_setting('server_version') AS v")).rows[0].v;
      const session: TraceSession = {
        target: describeTarget(request.database),
        version,
        run: async (sql) => {
          await client.query(sql);
        },
        query: async <T>(sql: string) => (await client.query(sql)).rows as T[],
      };
      return await traceMigration(session, { file: request.file, analysis: request.analysis, lockTimeout: TRACE_LOCK_TIMEOUT });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const files = [...(request.schema ? [request.schema] : []), ...earlierMigrations(request.file)];
  const { session, setup } = await host.session(files, request.settings);
  return traceMigration(session, { file: request.file, analysis: request.analysis, setup });
}
