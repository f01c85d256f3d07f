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
import type { QueryConfig } from 'pg';
import { connect, DatabaseTarget, describeTarget } from './database';
import { earlierMigrations } from './history';
import { replay, traceMigration, TraceResult, TraceSession } from './trace';

/** Part of the cached cluster's name: another PGlite may not read this one's data directory. */
const PGLITE_VERSION = '0.5';

/** The database trace waits at most this long for a lock, then reports the statement as blocked. */
export const TRACE_LOCK_TIMEOUT = '1s';
/** No traced statement runs longer than this on a database (it may hold a strong lock meanwhile). */
export const TRACE_STATEMENT_TIMEOUT = '30s';
/** The watchdog cancels the trace's statement this long after it started, should the server's own timeouts not fire. */
const WATCHDOG_MS = 35_000;
/**
 * The trace's session ends itself when left idle inside its transaction this long (a client that
 * hangs between statements), and checks every second that its client is still connected (14+),
 * so that a killed trace does not leave a backend waiting or holding a lock.
 */
const TRACE_IDLE_IN_TRANSACTION = '10s';
const TRACE_CONNECTION_CHECK = '1s';

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
      // query(), not exec(): one statement per call, through the extended protocol.
      run: async (sql) => {
        await db.query(sql);
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
  /** The database trace's limits, when not the defaults above (tests make the watchdog quick). */
  limits?: TraceLimits;
}

export interface TraceLimits {
  statementTimeout: string;
  watchdogMs: number;
}

export async function runTrace(request: TraceRequest, host: PgliteHost): Promise<TraceResult> {
  if (request.database) {
    const limits = request.limits ?? { statementTimeout: TRACE_STATEMENT_TIMEOUT, watchdogMs: WATCHDOG_MS };
    const db = await openDatabaseSession(request.database, limits.watchdogMs);
    try {
      return await traceMigration(db.session, { file: request.file, analysis: request.analysis, lockTimeout: TRACE_LOCK_TIMEOUT, statementTimeout: limits.statementTimeout });
    } finally {
      await db.close();
    }
  }
  const files = [...(request.schema ? [request.schema] : []), ...earlierMigrations(request.file)];
  const { session, setup } = await host.session(files, request.settings);
  return traceMigration(session, { file: request.file, analysis: request.analysis, setup, statementTimeout: TRACE_STATEMENT_TIMEOUT });
}

/** Backends of traces in progress in this process, ended by `endTraces` (the CLI calls it on SIGINT / SIGTERM). */
const openTraces = new Set<() => Promise<void>>();

/** Ends every trace in progress: its backend is terminated, so its transaction rolls back and its locks go. */
export async function endTraces(): Promise<void> {
  await Promise.all([...openTraces].map((end) => end().catch(() => undefined)));
}

/**
 * The trace's session on a database, and a watchdog session beside it. Every statement goes
 * through the extended protocol (the server refuses several statements in one query); one that
 * outlives the watchdog's limit is cancelled from the watchdog session; closing (or `endTraces`)
 * terminates the trace's backend if a statement is still running.
 */
export async function openDatabaseSession(target: DatabaseTarget, watchdogMs = WATCHDOG_MS): Promise<{ session: TraceSession; pid: number; close(): Promise<void> }> {
  const client = await connect(target);
  let watchdog: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    watchdog = await connect(target);
    const [{ pid, num, v }] = (await client.query<{ pid: number; num: number; v: string }>("SELECT pg_backend_pid() AS pid, current_setting('server_version_num')::int AS num, 'PostgreSQL ' || current_setting('server_version') AS v")).rows;
    await client.query("SET application_name = 'migration-guard trace'");
    await client.query(`SET idle_in_transaction_session_timeout = '${TRACE_IDLE_IN_TRANSACTION}'`);
    if (num >= 140000) await client.query(`SET client_connection_check_interval = '${TRACE_CONNECTION_CHECK}'`);
    let running = false;
    const guard = watchdog;
    const terminate = async () => {
      if (running) await guard.query('SELECT pg_terminate_backend($1)', [pid]);
    };
    openTraces.add(terminate);
    const session: TraceSession = {
      target: describeTarget(target),
      version: v,
      run: async (sql) => {
        const timer = setTimeout(() => void guard.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined), watchdogMs);
        running = true;
        try {
          await client.query({ text: sql, queryMode: 'extended' } as QueryConfig);
        } finally {
          running = false;
          clearTimeout(timer);
        }
      },
      query: async <T>(sql: string) => (await client.query({ text: sql, queryMode: 'extended' } as QueryConfig)).rows as T[],
      transactionStatus: () => client.getTransactionStatus(),
    };
    return {
      session,
      pid,
      close: async () => {
        openTraces.delete(terminate);
        await terminate().catch(() => undefined);
        await client.end().catch(() => undefined);
        await guard.end().catch(() => undefined);
      },
    };
  } catch (e) {
    await client.end().catch(() => undefined);
    await watchdog?.end().catch(() => undefined);
    throw e;
  }
}
