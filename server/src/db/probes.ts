/**
 * The checklist's probes beyond sizes and current locks: the workload (pg_stat_statements), the
 * indexes of the tables and how often they are scanned, vacuums, prepared transactions,
 * replication, the database's size and the connection itself (a pooler in between?).
 *
 * They run inside the read-only transaction probeDatabase opens (server/src/database.ts), each
 * under its own SAVEPOINT: an extension that is missing, a view this user may not read or a
 * statement_timeout becomes `{ unavailable: why }` in the evidence, and the next probe still runs.
 * The verdicts are the engine's (server/src/engine/impact.ts).
 */
import type { Client } from 'pg';
import type { DatabaseEvidence } from '../engine/checklist';
import type { ConnectionEvidence, IndexEvidence, PreparedEvidence, Probed, ReplicationEvidence, SequenceEvidence, VacuumEvidence, WorkloadEvidence } from '../engine/impact';
import type { LockMode } from '../engine/locks';

/** The most statements of pg_stat_statements read per checklist (the busiest first). */
export const WORKLOAD_LIMIT = 200;

function why(e: unknown): string {
  const err = e as Error & { code?: string };
  // 42501 insufficient_privilege, 57014 query_canceled (statement_timeout).
  if (err.code === '42501') return `permission denied: ${err.message}`;
  if (err.code === '57014') return `timed out: ${err.message}`;
  return err.message;
}

/** Runs one probe under a savepoint: its failure is rolled back and reported, the transaction goes on. */
export async function optional<T>(client: Client, what: string, probe: () => Promise<T>): Promise<Probed<T>> {
  await client.query('SAVEPOINT migration_guard_probe');
  try {
    const value = await probe();
    await client.query('RELEASE SAVEPOINT migration_guard_probe');
    return value;
  } catch (e) {
    await client.query('ROLLBACK TO SAVEPOINT migration_guard_probe');
    return { unavailable: `${what}: ${why(e)}` };
  }
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** pg_stat_statements, where installed: the statements whose text names one of the tables, with calls and mean time. */
async function workload(client: Client, tableNames: string[]): Promise<Probed<WorkloadEvidence>> {
  const ext = (await client.query<{ schema: string }>("SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'")).rows[0];
  if (!ext) {
    const preload = await optional(client, 'shared_preload_libraries', async () => (await client.query<{ v: string }>("SELECT current_setting('shared_preload_libraries') AS v")).rows[0].v);
    const loaded = typeof preload === 'string' && /\bpg_stat_statements\b/.test(preload);
    return {
      unavailable: `pg_stat_statements is not installed in this database: ${loaded ? 'it is preloaded; run CREATE EXTENSION pg_stat_statements' : "it needs shared_preload_libraries = 'pg_stat_statements' (a restart) and CREATE EXTENSION pg_stat_statements"}. Without it, which queries the locks would hold up is unknown.`,
    };
  }
  const view = `${quoteIdent(ext.schema)}.pg_stat_statements`;
  return optional(client, 'pg_stat_statements', async () => {
    // pg_stat_statements_info (extension 1.9, PostgreSQL 14) records the last reset; before it the counts run from the server's start at best.
    const info = (await client.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [`${quoteIdent(ext.schema)}.pg_stat_statements_info`])).rows[0].r;
    const start = info
      ? (await client.query<{ since: Date | null; seconds: number }>(`SELECT stats_reset AS since, EXTRACT(epoch FROM clock_timestamp() - stats_reset)::float8 AS seconds FROM ${info}`)).rows[0]
      : (await client.query<{ since: Date; seconds: number }>('SELECT pg_postmaster_start_time() AS since, EXTRACT(epoch FROM clock_timestamp() - pg_postmaster_start_time())::float8 AS seconds')).rows[0];
    const pattern = `\\m(${tableNames.map(escapeRegex).join('|')})\\M`;
    // Column names changed in PostgreSQL 13 (mean_time → mean_exec_time): read them through to_jsonb.
    const rows = tableNames.length
      ? (
          await client.query<{ query: string; calls: number; mean_ms: number | null }>(
            `SELECT left(s.query, 8000) AS query, s.calls::float8 AS calls,
                    COALESCE(to_jsonb(s)->>'mean_exec_time', to_jsonb(s)->>'mean_time')::float8 AS mean_ms
             FROM ${view} s
             WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.query ~* $1
             ORDER BY s.calls DESC LIMIT ${WORKLOAD_LIMIT}`,
            [pattern],
          )
        ).rows
      : [];
    const hidden = (
      await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${view} s WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.query = '<insufficient privilege>'`,
      )
    ).rows[0].n;
    return {
      since: (start.since ?? new Date(0)).toISOString(),
      sinceWhat: info ? 'reset' : 'server start',
      seconds: start.seconds,
      queries: rows.map((r) => ({ query: r.query, calls: r.calls, meanMs: r.mean_ms ?? 0 })),
      hidden,
    };
  });
}

/** Every index of the tables, with its key columns as PostgreSQL prints them, the columns it depends on, and idx_scan. */
async function indexes(client: Client, oids: Map<number, string>): Promise<Probed<IndexEvidence[]>> {
  return optional(client, 'indexes', async () => {
    const rows = (
      await client.query<{
        table_oid: number; name: string; method: string; unique: boolean; primary: boolean; valid: boolean; partial: boolean; definition: string;
        columns: string[]; referenced: string[]; constraint: string | null; scans: number | null; last_scan: string | null; bytes: number;
      }>(
        `SELECT i.indrelid::int AS table_oid,
                CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name,
                am.amname AS method, i.indisunique AS unique, i.indisprimary AS primary, i.indisvalid AS valid,
                i.indpred IS NOT NULL AS partial, pg_get_indexdef(i.indexrelid) AS definition,
                ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k) AS columns,
                ARRAY(SELECT a.attname::text FROM pg_attribute a
                      WHERE a.attrelid = i.indrelid AND a.attnum > 0
                        AND (a.attnum = ANY (i.indkey::int2[])
                             OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
                                          AND d.refclassid = 'pg_class'::regclass AND d.refobjid = i.indrelid AND d.refobjsubid = a.attnum))) AS referenced,
                con.conname AS constraint, s.idx_scan::float8 AS scans, to_jsonb(s)->>'last_idx_scan' AS last_scan,
                pg_relation_size(i.indexrelid)::float8 AS bytes
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_am am ON am.oid = c.relam
         LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
         LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
         WHERE i.indrelid = ANY ($1::oid[])
         ORDER BY i.indrelid, c.relname`,
        [[...oids.keys()]],
      )
    ).rows;
    return rows.map((r) => ({
      name: r.name,
      table: oids.get(r.table_oid)!,
      columns: r.columns,
      referenced: r.referenced,
      method: r.method,
      unique: r.unique,
      primary: r.primary,
      valid: r.valid,
      partial: r.partial,
      definition: r.definition,
      scans: r.scans ?? undefined,
      lastScan: r.last_scan ?? undefined,
      bytes: r.bytes,
      constraint: r.constraint ?? undefined,
    }));
  });
}

/** Vacuums in progress on the tables (pg_stat_progress_vacuum), and autovacuum workers waiting for a lock on them, with their query text. */
async function vacuums(client: Client, oids: Map<number, string>): Promise<Probed<VacuumEvidence[]>> {
  return optional(client, 'vacuums', async () => {
    const rows = (
      await client.query<{ pid: number; oid: number; phase: string; backend_type: string; query: string }>(
        `SELECT p.pid, p.relid::int AS oid, p.phase, COALESCE(a.backend_type, '') AS backend_type, COALESCE(a.query, '') AS query
         FROM pg_stat_progress_vacuum p LEFT JOIN pg_stat_activity a ON a.pid = p.pid
         WHERE p.relid = ANY ($1::oid[])
         UNION ALL
         SELECT l.pid, l.relation::int, 'waiting for a lock', a.backend_type, COALESCE(a.query, '')
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE a.backend_type = 'autovacuum worker' AND NOT l.granted AND l.locktype = 'relation' AND l.relation = ANY ($1::oid[])`,
        [[...oids.keys()]],
      )
    ).rows;
    return rows.map((r) => ({ pid: r.pid, relation: oids.get(r.oid)!, phase: r.phase, backendType: r.backend_type, query: r.query }));
  });
}

/**
 * pg_prepared_xacts, with the relation locks each holds in this database. A prepared
 * transaction's locks have no pid and keep the virtual transaction id it had before PREPARE
 * (observed on PostgreSQL 15): they are found through its transactionid lock.
 */
async function prepared(client: Client, oids: Map<number, string>): Promise<Probed<PreparedEvidence[]>> {
  return optional(client, 'prepared transactions', async () => {
    const rows = (
      await client.query<{ gid: string; owner: string; database: string; seconds: number; locks: { oid: number; relation: string; mode: LockMode }[] }>(
        `SELECT p.gid, p.owner::text AS owner, p.database::text AS database, EXTRACT(epoch FROM now() - p.prepared)::float8 AS seconds,
                COALESCE(json_agg(json_build_object('oid', l.relation::int, 'relation', l.relation::regclass::text, 'mode', l.mode)) FILTER (WHERE l.relation IS NOT NULL), '[]') AS locks
         FROM pg_prepared_xacts p
         LEFT JOIN pg_locks x ON x.locktype = 'transactionid' AND x.transactionid = p.transaction AND x.pid IS NULL
         LEFT JOIN pg_locks l ON l.virtualtransaction = x.virtualtransaction AND l.pid IS NULL AND l.locktype = 'relation'
                              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                              AND (SELECT relkind FROM pg_class WHERE oid = l.relation) NOT IN ('i', 'I')
         GROUP BY p.gid, p.owner, p.database, p.prepared
         ORDER BY p.prepared`,
      )
    ).rows;
    return rows.map((r) => ({ gid: r.gid, owner: r.owner, database: r.database, seconds: r.seconds, locks: r.locks.map((l) => ({ relation: oids.get(l.oid) ?? l.relation, mode: l.mode, table: oids.get(l.oid) })) }));
  });
}

/** The sequences among the probed relations: type, last value and limits (pg_sequences; last_value is NULL before the first nextval or without privilege). */
async function sequences(client: Client, oids: Map<number, string>): Promise<Probed<SequenceEvidence[]>> {
  return optional(client, 'pg_sequences', async () => {
    const rows = (
      await client.query<{ oid: number; data_type: string; last_value: string | null; max_value: string; min_value: string; increment_by: string }>(
        `SELECT c.oid::int AS oid, s.data_type::text AS data_type, s.last_value::text AS last_value, s.max_value::text AS max_value, s.min_value::text AS min_value, s.increment_by::text AS increment_by
         FROM pg_sequences s JOIN pg_namespace n ON n.nspname = s.schemaname JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
         WHERE c.oid = ANY ($1::oid[])`,
        [[...oids.keys()]],
      )
    ).rows;
    return rows.map((r) => ({
      relation: oids.get(r.oid)!,
      dataType: r.data_type,
      lastValue: r.last_value,
      maxValue: r.max_value,
      minValue: r.min_value,
      increment: r.increment_by,
    }));
  });
}

/** Standbys (pg_stat_replication) and replication slots, with how far behind the primary's WAL they are. */
async function replication(client: Client): Promise<Probed<ReplicationEvidence>> {
  return optional(client, 'replication', async () => {
    const inRecovery = (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0].r;
    // On a standby pg_current_wal_lsn() fails: measure against the last replayed position there.
    const head = inRecovery ? 'pg_last_wal_replay_lsn()' : 'pg_current_wal_lsn()';
    const standbys = (
      await client.query<{ name: string; state: string; replay_lag: number | null; lag_bytes: number | null }>(
        `SELECT COALESCE(application_name, '') AS name, COALESCE(state, '') AS state, EXTRACT(epoch FROM replay_lag)::float8 AS replay_lag,
                pg_wal_lsn_diff(${head}, replay_lsn)::float8 AS lag_bytes
         FROM pg_stat_replication ORDER BY application_name`,
      )
    ).rows;
    const slots = (
      await client.query<{ name: string; type: string; active: boolean; retained: number | null; wal_status: string | null }>(
        `SELECT slot_name::text AS name, slot_type AS type, active, pg_wal_lsn_diff(${head}, restart_lsn)::float8 AS retained, to_jsonb(s)->>'wal_status' AS wal_status
         FROM pg_replication_slots s ORDER BY slot_name`,
      )
    ).rows;
    return {
      inRecovery,
      standbys: standbys.map((s) => ({ name: s.name, state: s.state, replayLagSeconds: s.replay_lag ?? undefined, lagBytes: s.lag_bytes ?? undefined })),
      slots: slots.map((s) => ({ name: s.name, type: s.type, active: s.active, retainedBytes: s.retained ?? undefined, walStatus: s.wal_status ?? undefined })),
    };
  });
}

/**
 * Two statements in a row outside a transaction: on a direct connection (or a session-mode
 * pooler) they run on the same backend; a transaction-mode pooler may hand them to two. Run
 * before probeDatabase's transaction opens.
 */
export async function backendChanges(client: Client): Promise<boolean> {
  const first = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const second = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  return first !== second;
}

/** Where this session really arrived, and whether something between answers for the server. */
async function connection(client: Client, backendChanged: boolean, sentApplicationName: string): Promise<ConnectionEvidence> {
  const row = (
    await client.query<{ server_port: number | null; port: number; app: string | null }>(
      "SELECT inet_server_port() AS server_port, current_setting('port')::int AS port, (SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS app",
    )
  ).rows[0];
  // PostgreSQL fails with 42704 (unrecognized configuration parameter); a pooler may answer it, or fail its own way.
  let poolMode: ConnectionEvidence['poolMode'];
  await client.query('SAVEPOINT migration_guard_probe');
  try {
    poolMode = { value: String(Object.values((await client.query('SHOW pool_mode')).rows[0] ?? {})[0] ?? '') };
    await client.query('RELEASE SAVEPOINT migration_guard_probe');
  } catch (e) {
    poolMode = { error: (e as Error).message, code: (e as { code?: string }).code };
    await client.query('ROLLBACK TO SAVEPOINT migration_guard_probe');
  }
  const host = (client as unknown as { host?: string }).host ?? '';
  return {
    port: host.startsWith('/') ? undefined : client.port,
    serverPort: row.server_port ?? undefined,
    configuredPort: row.port,
    applicationName: row.app ?? '',
    sentApplicationName,
    backendChanged,
    poolMode,
  };
}

/**
 * Adds the workload, index, vacuum, prepared-transaction, replication, size and connection
 * evidence for the tables in `oids` (oid → the evidence's relation name).
 */
export async function probeImpact(client: Client, evidence: DatabaseEvidence, oids: Map<number, string>, context: { backendChanged: boolean; applicationName: string }): Promise<void> {
  const tableNames = [...new Set(evidence.tables.filter((t) => t.exists && t.name).map((t) => t.name!))];
  evidence.workload = await workload(client, tableNames);
  evidence.indexes = await indexes(client, oids);
  const reset = await optional(client, 'pg_stat_database', async () => (await client.query<{ r: Date | null }>('SELECT stats_reset AS r FROM pg_stat_database WHERE datname = current_database()')).rows[0]?.r ?? null);
  if (reset instanceof Date) evidence.statsReset = reset.toISOString();
  evidence.vacuums = await vacuums(client, oids);
  const freeze = await optional(client, 'autovacuum_freeze_max_age', async () => (await client.query<{ v: number }>("SELECT current_setting('autovacuum_freeze_max_age')::float8 AS v")).rows[0].v);
  if (typeof freeze === 'number') evidence.freezeMaxAge = freeze;
  evidence.prepared = await prepared(client, oids);
  evidence.replication = await replication(client);
  evidence.sequences = await sequences(client, oids);
  const size = await optional(client, 'pg_database_size', async () => (await client.query<{ b: number }>('SELECT pg_database_size(current_database())::float8 AS b')).rows[0].b);
  if (typeof size === 'number') evidence.databaseBytes = size;
  evidence.connection = await connection(client, context.backendChanged, context.applicationName);
}

/** The extensions of the database: installed (pg_extension) and available on the server but not installed (pg_available_extensions). */
export interface ExtensionEvidence {
  installed: string[];
  available: string[];
}

/**
 * What pg_extension and pg_available_extensions list, sorted. pg_available_extensions reads the
 * server's extension folder; where it cannot be read, `available` is empty and the installed list
 * still stands.
 */
export async function extensions(client: Client): Promise<ExtensionEvidence> {
  const installed = (await client.query<{ name: string }>('SELECT extname::text AS name FROM pg_extension ORDER BY 1')).rows.map((r) => r.name);
  const available = await optional(client, 'pg_available_extensions', async () =>
    (await client.query<{ name: string }>('SELECT name::text AS name FROM pg_available_extensions WHERE installed_version IS NULL ORDER BY 1')).rows.map((r) => r.name),
  );
  return { installed, available: Array.isArray(available) ? available : [] };
}
