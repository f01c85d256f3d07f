/**
 * The configured database, through the `pg` client: read-only probes for the production
 * checklist, and the session a lock trace runs in (always inside BEGIN ... ROLLBACK).
 *
 * Probes run with `default_transaction_read_only = on` and a short `statement_timeout`, so that
 * nothing they send can write, or hold anything for long. Connecting has its own timeout: a
 * wrong host is a message naming the host, never a hang.
 */
import { Client, ClientConfig } from 'pg';
import { backendChanges, ExtensionEvidence, extensions, optional, probeImpact } from './db/probes';
import { DatabaseEvidence } from './engine/checklist';
import type { ProbeRequest } from './engine/impact';
import { LockMode } from './engine/locks';

export interface DatabaseTarget {
  /** postgres://user@host:port/db (a password in it is used, but never stored by the editor). */
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
}

export const CONNECT_TIMEOUT_MS = 5000;
export const PROBE_STATEMENT_TIMEOUT = '5s';
/** The client's own limit per query on a probe session, in case the server never sees statement_timeout (a pooler can lose it). */
export const PROBE_QUERY_TIMEOUT_MS = 15_000;
export const APPLICATION_NAME = 'migration-guard';

/** What libpg would connect to: the target's fields, else PGHOST, PGPORT, PGDATABASE, PGUSER, as libpq reads them. */
export function describeTarget(target: DatabaseTarget, env: NodeJS.ProcessEnv = process.env): string {
  let { host, port, database, user } = target;
  if (target.url) {
    try {
      const u = new URL(target.url);
      host ??= decodeURIComponent(u.hostname) || u.searchParams.get('host') || undefined;
      port ??= u.port ? Number(u.port) : undefined;
      database ??= decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined;
      user ??= decodeURIComponent(u.username) || undefined;
    } catch {
      return 'an unparsable database URL';
    }
  }
  host ??= env.PGHOST ?? 'localhost';
  port ??= Number(env.PGPORT ?? 5432);
  user ??= env.PGUSER ?? env.USER ?? 'postgres';
  database ??= env.PGDATABASE ?? user;
  return `${host}:${port}/${database} as ${user}`;
}

function clientConfig(target: DatabaseTarget, extra: ClientConfig = {}): ClientConfig {
  const config: ClientConfig = {
    connectionString: target.url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: APPLICATION_NAME,
    ...extra,
  };
  for (const key of ['host', 'port', 'database', 'user', 'password'] as const) {
    if (target[key] !== undefined) (config as Record<string, unknown>)[key] = target[key];
  }
  return config;
}

export class DatabaseError extends Error {}

/** A connected client, or a DatabaseError that says which server and what failed. */
export async function connect(target: DatabaseTarget, extra: ClientConfig = {}): Promise<Client> {
  const where = describeTarget(target);
  let client: Client;
  try {
    client = new Client(clientConfig(target, extra));
  } catch (e) {
    throw new DatabaseError(`Cannot connect to ${where}: ${(e as Error).message}`);
  }
  // A dropped connection later must not crash the process: it surfaces on the next query.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    const err = e as Error & { code?: string };
    const why =
      err.code === 'ECONNREFUSED' ? 'connection refused (is the server running, and listening on that port?)'
      : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? 'host name not found'
      : err.code === '28P01' ? 'password authentication failed'
      : err.code === '3D000' ? err.message
      : /timeout/i.test(err.message) ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`
      : err.message;
    throw new DatabaseError(`Cannot connect to ${where}: ${why}`);
  }
  return client;
}

/** A connection whose every transaction is read-only: what the checklist's probes run on. */
export async function connectReadOnly(target: DatabaseTarget): Promise<Client> {
  const client = await connect(target, { query_timeout: PROBE_QUERY_TIMEOUT_MS });
  try {
    await client.query('SET default_transaction_read_only = on');
    await client.query(`SET statement_timeout = '${PROBE_STATEMENT_TIMEOUT}'`);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new DatabaseError(`Connected to ${describeTarget(target)}, but could not make the session read-only: ${(e as Error).message}`);
  }
  return client;
}

/**
 * Read-only probes for the checklist: archiving, activity, size and row estimate of the requested
 * relations (as the migration writes them, resolved on the server's search_path) and of the
 * tables of the indexes it names, the locks other sessions hold or wait for on them, transactions
 * open for more than a minute, and (server/src/db/probes.ts) the workload, the indexes, vacuums,
 * prepared transactions, replication and the connection.
 *
 * Everything runs in one `BEGIN TRANSACTION READ ONLY` with `SET LOCAL statement_timeout`: a
 * transaction-mode pooler keeps a transaction on one server connection, so neither setting can
 * be lost between two probes. It always ends in ROLLBACK.
 */
export async function probeDatabase(client: Client, target: DatabaseTarget, request: string[] | ProbeRequest, longTransactionSeconds = 60): Promise<DatabaseEvidence> {
  const { relations, indexes } = Array.isArray(request) ? { relations: request, indexes: [] } : request;
  const backendChanged = await backendChanges(client);
  await client.query('BEGIN TRANSACTION READ ONLY');
  try {
    await client.query(`SET LOCAL statement_timeout = '${PROBE_STATEMENT_TIMEOUT}'`);
    return await probeInTransaction(client, target, relations, indexes, longTransactionSeconds, backendChanged);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

async function probeInTransaction(client: Client, target: DatabaseTarget, relations: string[], indexNames: string[], longTransactionSeconds: number, backendChanged: boolean): Promise<DatabaseEvidence> {
  const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  const evidence: DatabaseEvidence = { target: describeTarget(target), version: `PostgreSQL ${version}`, activity: [], tables: [], locks: [], longTransactions: [] };
  evidence.archiveMode = (await client.query<{ m: string }>("SELECT current_setting('archive_mode') AS m")).rows[0].m;
  const archiver = (
    await client.query<{ archived_count: string; last_archived_time: Date | null; failed_count: string; last_failed_time: Date | null }>(
      'SELECT archived_count, last_archived_time, failed_count, last_failed_time FROM pg_stat_archiver',
    )
  ).rows[0];
  if (archiver) {
    evidence.archiver = {
      archivedCount: Number(archiver.archived_count),
      lastArchivedTime: archiver.last_archived_time?.toISOString(),
      failedCount: Number(archiver.failed_count),
      lastFailedTime: archiver.last_failed_time?.toISOString(),
    };
  }
  evidence.activity = (
    await client.query<{ state: string; count: number }>(
      "SELECT COALESCE(state, 'unknown') AS state, count(*)::int AS count FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 1",
    )
  ).rows;
  const oids = new Map<number, string>();
  type TableRow = { oid: number | null; rows: number | null; bytes: string | null; schema: string | null; name: string | null; xid_age: number | null };
  const TABLE = `SELECT c.oid::int AS oid, c.reltuples::float8 AS rows, pg_total_relation_size(c.oid)::text AS bytes, n.nspname AS schema, c.relname AS name,
                        CASE WHEN c.relkind IN ('r', 'm', 't') THEN age(c.relfrozenxid)::float8 END AS xid_age
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`;
  const addTable = (relation: string, row: TableRow | undefined) => {
    if (row?.oid == null) {
      evidence.tables.push({ relation, exists: false });
      return;
    }
    oids.set(row.oid, relation);
    // reltuples is -1 for a table never vacuumed or analysed (PostgreSQL 14 and later).
    evidence.tables.push({
      relation,
      exists: true,
      rows: row.rows !== null && row.rows >= 0 ? row.rows : undefined,
      bytes: Number(row.bytes ?? 0),
      schema: row.schema ?? undefined,
      name: row.name ?? undefined,
      xidAge: row.xid_age ?? undefined,
    });
  };
  for (const relation of relations) {
    addTable(relation, (await client.query<TableRow>(`${TABLE} WHERE c.oid = to_regclass($1)`, [relation])).rows[0]);
  }
  // The table of each index the migration drops or alters: its workload and its other indexes matter.
  for (const index of indexNames) {
    const row = (await client.query<TableRow>(`${TABLE} WHERE c.oid = (SELECT indrelid FROM pg_index WHERE indexrelid = to_regclass($1))`, [index])).rows[0];
    if (row?.oid == null || oids.has(row.oid)) continue;
    addTable(row.schema === 'public' ? row.name! : `${row.schema}.${row.name}`, row);
  }
  if (oids.size) {
    const held = await client.query<{ oid: number; pid: number; mode: LockMode; granted: boolean; state: string; xact_seconds: number | null; query_seconds: number | null; backend_type: string; query: string }>(
      `SELECT l.relation::int AS oid, l.pid, l.mode, l.granted, COALESCE(a.state, '') AS state,
              EXTRACT(epoch FROM now() - a.xact_start)::float8 AS xact_seconds, EXTRACT(epoch FROM now() - a.query_start)::float8 AS query_seconds,
              COALESCE(a.backend_type, '') AS backend_type, left(COALESCE(a.query, ''), 200) AS query
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'relation' AND l.pid <> pg_backend_pid() AND l.relation = ANY($1::oid[])
       ORDER BY a.xact_start NULLS LAST`,
      [[...oids.keys()]],
    );
    evidence.locks = held.rows.map((r) => ({
      pid: r.pid,
      relation: oids.get(r.oid)!,
      mode: r.mode,
      granted: r.granted,
      state: r.state,
      xactSeconds: r.xact_seconds ?? undefined,
      querySeconds: r.query_seconds ?? undefined,
      backendType: r.backend_type || undefined,
      query: r.query,
    }));
  }
  evidence.longTransactions = (
    await client.query<{ pid: number; state: string; xact_seconds: number; query: string }>(
      `SELECT pid, COALESCE(state, '') AS state, EXTRACT(epoch FROM now() - xact_start)::float8 AS xact_seconds, left(COALESCE(query, ''), 200) AS query
       FROM pg_stat_activity
       WHERE xact_start < now() - make_interval(secs => $1) AND pid <> pg_backend_pid() AND backend_type = 'client backend'
       ORDER BY xact_start`,
      [longTransactionSeconds],
    )
  ).rows.map((r) => ({ pid: r.pid, state: r.state, xactSeconds: r.xact_seconds, query: r.query }));
  // Timeouts the connected role has on this database (ALTER ROLE / ALTER DATABASE ... SET), the
  // most specific first: role and database, role, database, everyone.
  evidence.roleTimeouts = await optional(client, 'pg_db_role_setting', async () => {
    const rows = (
      await client.query<{ role: string; setconfig: string[] }>(
        `SELECT current_user AS role, s.setconfig FROM pg_db_role_setting s
         WHERE s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = current_user))
           AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
         ORDER BY (s.setrole <> 0) DESC, (s.setdatabase <> 0) DESC`,
      )
    ).rows;
    const found: { role: string; lock_timeout?: string; statement_timeout?: string } = { role: rows[0]?.role ?? '' };
    for (const r of rows) {
      for (const item of r.setconfig ?? []) {
        const [name, ...value] = item.split('=');
        if ((name === 'lock_timeout' || name === 'statement_timeout') && found[name] === undefined && !/^0+\s*(ms|s|min)?$/.test(value.join('='))) found[name] = value.join('=');
      }
    }
    if (!found.role) found.role = (await client.query<{ r: string }>('SELECT current_user AS r')).rows[0].r;
    return found;
  });
  await probeImpact(client, evidence, oids, { backendChanged, applicationName: APPLICATION_NAME });
  return evidence;
}

/** Connects read-only, probes, and always disconnects. */
export async function gatherEvidence(target: DatabaseTarget, request: string[] | ProbeRequest, longTransactionSeconds = 60): Promise<DatabaseEvidence> {
  const client = await connectReadOnly(target);
  try {
    return await probeDatabase(client, target, request, longTransactionSeconds);
  } catch (e) {
    throw new DatabaseError(`Probing ${describeTarget(target)} failed: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The extensions installed on the database and those available there but not installed (read-only,
 * in one `BEGIN TRANSACTION READ ONLY` that ends in ROLLBACK): the VACUUM FULL / CLUSTER plans use
 * pg_repack or pg_squeeze only where they are installed.
 */
export async function readExtensions(target: DatabaseTarget): Promise<ExtensionEvidence> {
  const client = await connectReadOnly(target);
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    try {
      await client.query(`SET LOCAL statement_timeout = '${PROBE_STATEMENT_TIMEOUT}'`);
      return await extensions(client);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  } catch (e) {
    throw new DatabaseError(`Reading the extensions of ${describeTarget(target)} failed: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
