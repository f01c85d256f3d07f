/**
 * Lock trace: runs a migration on a real PostgreSQL, statement by statement, inside a transaction
 * that is always rolled back, and records after each statement the locks the session holds
 * (`pg_locks`), the relations whose storage changed (`pg_class.relfilenode`), the time it took
 * and any error. Each statement's observation is compared with the engine's prediction; a
 * difference is a bug report for the lock table (docs/locks.md).
 *
 * Two targets: embedded PGlite (PostgreSQL 18 in WebAssembly; no server needed; the schema comes
 * from replaying the earlier migrations of the folder, and optionally a schema file), or the
 * configured database (its schema is already there; `lock_timeout` is set low so the trace never
 * queues behind production traffic for long).
 */
import * as fs from 'node:fs';
import { Analysis, analyze } from './engine/analyze';
import { nodeOf } from './engine/ast';
import { traceCounts, TraceSummary } from './engine/checklist';
import { StatementFacts } from './engine/facts';
import { LockMode, lockName, strength, strongestPerName } from './engine/locks';
import { countStatements } from './engine/parse';
import { Settings } from './engine/settings';

/**
 * A session on the target. `run` sends exactly one statement per call, through the extended query
 * protocol, with which the server itself refuses a text holding several statements: a `COMMIT`
 * glued onto another statement can never reach the server as part of one query.
 */
export interface TraceSession {
  target: string;
  version: string;
  run(sql: string): Promise<void>;
  query<T>(sql: string): Promise<T[]>;
  /** The transaction status the server sent with its last ReadyForQuery ('I' idle, 'T' in a transaction, 'E' failed one), where the client knows it. */
  transactionStatus?(): string | null;
}

export interface ObservedLock {
  relation: string;
  mode: LockMode;
}

export interface TraceStatement {
  index: number;
  /** 1-based line of the statement in the file. */
  line: number;
  sql: string;
  status: 'ran' | 'error' | 'not-run';
  /** Why a statement was not run, or the error PostgreSQL raised. */
  note?: string;
  durationMs?: number;
  /** Locks this statement took or strengthened, on relations that existed before it. */
  observed: ObservedLock[];
  /** Every lock the transaction holds after the statement. */
  heldAfter: ObservedLock[];
  /** Relations whose relfilenode changed: rewritten, or given new storage. */
  newStorage: string[];
  predicted: { locks: ObservedLock[]; rewrites: string[] };
  differences: string[];
}

export interface TraceResult {
  file: string;
  target: string;
  version: string;
  /** What ran before the migration to build the schema (PGlite): files, and what failed there. */
  setup: { files: string[]; errors: string[] };
  statements: TraceStatement[];
  summary: TraceSummary;
}

/** Statements PostgreSQL refuses inside a transaction block: reported with their predicted facts, not run. */
const OUTSIDE_TRANSACTION = new Set(['VacuumStmt', 'CreatedbStmt', 'DropdbStmt', 'AlterSystemStmt', 'CreateTableSpaceStmt', 'DropTableSpaceStmt', 'ClusterStmt']);
/** Statements that give a relation new storage without a rewrite of its rows in the usual sense (FIELD-NOTES). */
const NEW_STORAGE_KINDS = new Set(['TruncateStmt', 'ReindexStmt', 'RefreshMatViewStmt', 'AlterSeqStmt']);
/** Relation kinds whose locks are always compared: tables, partitioned tables, views, matviews, sequences, foreign tables. */
const COMPARED_KINDS = new Set(['r', 'p', 'v', 'm', 'S', 'f']);

/** Relation names as the migration writes them (public unqualified); `owner`: an index's table, a sequence's owning table. */
const QUALIFIED = (c: string, n: string) => `CASE WHEN ${n}.nspname = 'public' THEN ${c}.relname ELSE ${n}.nspname || '.' || ${c}.relname END`;
const SNAPSHOT = `
SELECT c.oid::int AS oid, ${QUALIFIED('c', 'n')} AS name, c.relkind::text AS relkind, c.relfilenode::int AS relfilenode,
       (SELECT ${QUALIFIED('t', 'tn')} FROM pg_class t JOIN pg_namespace tn ON tn.oid = t.relnamespace
        WHERE t.oid = COALESCE(
          (SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = c.oid),
          (SELECT d.refobjid FROM pg_depend d WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
             AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1))) AS owner
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;

const HELD = `SELECT relation::int AS oid, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted`;

interface Relation {
  oid: number;
  name: string;
  relkind: string;
  relfilenode: number;
  /** The table of an index, or the table that owns a sequence (serial, identity). */
  owner: string | null;
}

/** A lock seen in pg_locks, with what the comparison needs to know of its relation. */
type HeldLock = ObservedLock & { kind: string; owner: string | null };

const strip = (name: string) => name.replace(/^public\./, '');

const strongestByName = (rows: ObservedLock[]) => strongestPerName(rows, (l) => l.relation);

async function snapshot(session: TraceSession): Promise<Map<number, Relation>> {
  return new Map((await session.query<Relation>(SNAPSHOT)).map((r) => [r.oid, r]));
}

async function held(session: TraceSession, relations: Map<number, Relation>): Promise<HeldLock[]> {
  const rows = await session.query<{ oid: number; mode: LockMode }>(HELD);
  return rows.filter((r) => relations.has(r.oid)).map((r) => {
    const relation = relations.get(r.oid)!;
    return { relation: relation.name, mode: r.mode, kind: relation.relkind, owner: relation.owner };
  });
}

/** Names of `SET` forms that change the transaction itself, not a setting inside it. */
const TRANSACTION_SETTINGS = new Set(['TRANSACTION', 'TRANSACTION SNAPSHOT', 'SESSION CHARACTERISTICS']);

/**
 * Functions whose effect no rollback undoes, or that act on other sessions: a statement calling
 * one is not run (the first group), or is run and named before the user confirms (sequences).
 * Matched in the text, so that calls inside DO blocks and function bodies count too.
 */
const NOT_RUN_CALLS = /\b(dblink(?:_exec|_send_query|_connect|_open)?|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|pg_promote|pg_create_\w*replication_slot|pg_drop_replication_slot|pg_notify|lo_import|lo_export|pg_file_write)\s*\(/i;
const SEQUENCE_CALLS = /\b(nextval|setval)\s*\(/i;

function notRunReason(s: StatementFacts): string | undefined {
  if (s.statement.error) return 'syntax error';
  if (s.kind === 'TransactionStmt') return "transaction control of the migration's own: the trace never runs it (everything runs in one transaction that is rolled back)";
  if (TRANSACTION_SETTINGS.has(nodeOf(s.statement, 'VariableSetStmt')?.name ?? '')) return "changes the trace's own transaction: not run";
  if (s.concurrently) return 'CONCURRENTLY cannot run in a transaction block: shown with its predicted facts';
  if (OUTSIDE_TRANSACTION.has(s.kind)) return `${s.kind.replace(/Stmt$/, '')} cannot run in a transaction block: shown with its predicted facts`;
  const call = NOT_RUN_CALLS.exec(s.statement.text);
  if (call) return `calls ${call[1]}(), whose effect a rollback does not undo (or that acts on other sessions): not run`;
  if (countStatements(s.statement.text) !== 1) return 'not exactly one statement: not run';
  return undefined;
}

/**
 * What a trace cannot take back, said before it runs on a database: statements that draw from
 * or set sequences (nextval and setval are never rolled back; an INSERT takes its defaults'
 * nextval), one line each.
 */
export function traceWarnings(analysis: Analysis): string[] {
  const out: string[] = [];
  for (const s of analysis.facts.statements) {
    if (s.direction !== 'up' || notRunReason(s)) continue;
    const line = analysis.lines.position(s.statement.start).line + 1;
    const call = SEQUENCE_CALLS.exec(s.statement.text);
    if (call) out.push(`line ${line}: calls ${call[1].toLowerCase()}(): the sequence stays advanced after the rollback`);
    else if (s.kind === 'InsertStmt' || s.kind === 'MergeStmt' || s.kind === 'CopyStmt') out.push(`line ${line}: inserts rows: sequences behind the table's column defaults (serial, identity) stay advanced after the rollback`);
  }
  return out;
}

function predicted(s: StatementFacts): TraceStatement['predicted'] {
  return { locks: [...strongestByName(s.locks.map((l) => ({ relation: strip(l.relation), mode: l.mode })))].map(([relation, mode]) => ({ relation, mode })), rewrites: s.rewrites.map(strip) };
}

/**
 * Observed against predicted, for every relation that existed before the statement and that
 * pg_locks shows: the tables, views and sequences the statement names; an index or an owned
 * sequence is explained by the lock on its table (PostgreSQL locks them with it, never more
 * strongly); any other relation (a referenced table, a view's source) by a predicted lock of the
 * same mode on a relation the SQL does not name.
 */
function compare(s: StatementFacts, before: Map<string, LockMode>, after: HeldLock[], existed: Set<string>, newStorage: string[]): string[] {
  const out: string[] = [];
  const afterBy = strongestByName(after);
  const claim = predicted(s);
  const claimed = new Map(claim.locks.map((l) => [l.relation, l.mode]));
  for (const [relation, mode] of claimed) {
    if (!existed.has(relation)) continue;
    const was = before.get(relation);
    const expected = was && strength(was) > strength(mode) ? was : mode;
    const seen = afterBy.get(relation);
    if (seen !== expected) out.push(`${relation}: predicted ${lockName(mode)}, observed ${seen ? lockName(seen) : 'no lock'}${was ? ` (held before: ${lockName(was)})` : ''}`);
  }
  const implicitModes = new Set(s.implicitLocks.map((i) => i.mode));
  for (const l of after) {
    const was = before.get(l.relation);
    if (claimed.has(l.relation) || (was && strength(was) >= strength(l.mode))) continue;
    const table = l.owner ? (afterBy.get(l.owner) ?? claimed.get(l.owner)) : undefined;
    if (l.owner && table && strength(table) >= strength(l.mode)) continue;
    if (implicitModes.has(l.mode)) continue;
    const what = l.kind === 'i' || l.kind === 'I' ? `index of ${l.owner}` : l.kind === 'S' ? 'sequence' : l.kind === 'v' ? 'view' : 'table';
    out.push(`${l.relation} (${what}): observed ${lockName(l.mode)}, not predicted`);
  }
  for (const relation of new Set([...claim.rewrites.filter((r) => existed.has(r)), ...newStorage])) {
    const said = claim.rewrites.includes(relation);
    const seen = newStorage.includes(relation);
    if (said && !seen) out.push(`${relation}: predicted a rewrite, relfilenode unchanged`);
    if (!said && seen && !NEW_STORAGE_KINDS.has(s.kind)) out.push(`${relation}: relfilenode changed, no rewrite predicted`);
  }
  return out;
}

export interface TraceOptions {
  file: string;
  analysis: Analysis;
  /** The database target sets a low lock_timeout: the trace gives up rather than queue behind traffic. */
  lockTimeout?: string;
  /** Re-asserted before every statement, with lock_timeout: a migration's own SET cannot lift them. */
  statementTimeout?: string;
  setup?: TraceResult['setup'];
}

/** The trace's transaction ended or changed under it: nothing more may run. */
export class TraceTransactionLost extends Error {}

/** server_version_num per session: asked once, not before every statement's check. */
const versionNumbers = new WeakMap<TraceSession, number>();

/**
 * The id of the trace's transaction, assigned now so that it can be compared after each
 * statement (PostgreSQL 13 renamed txid_current to pg_current_xact_id).
 */
async function transactionId(session: TraceSession, assign: boolean): Promise<string | null> {
  let num = versionNumbers.get(session);
  if (num === undefined) {
    num = (await session.query<{ num: number }>("SELECT current_setting('server_version_num')::int AS num"))[0].num;
    versionNumbers.set(session, num);
  }
  const fn = num >= 130000 ? (assign ? 'pg_current_xact_id()' : 'pg_current_xact_id_if_assigned()') : assign ? 'txid_current()' : 'txid_current_if_assigned()';
  const [{ xid }] = await session.query<{ xid: string | null }>(`SELECT ${fn}::text AS xid`);
  return xid;
}

/** Throws TraceTransactionLost unless the session is still inside the transaction `xid`. */
export async function assertSameTransaction(session: TraceSession, xid: string, after: string): Promise<void> {
  const status = session.transactionStatus?.();
  if (status !== undefined && status !== 'T') throw new TraceTransactionLost(`the trace's transaction is no longer open after ${after} (status ${status ?? 'unknown'}): stopped`);
  const now = await transactionId(session, false);
  if (now !== xid) throw new TraceTransactionLost(`the trace's transaction changed after ${after} (was ${xid}, now ${now ?? 'none'}): stopped`);
}

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Runs the migration's up statements in BEGIN ... ROLLBACK on `session`. */
export async function traceMigration(session: TraceSession, options: TraceOptions): Promise<TraceResult> {
  const { analysis } = options;
  const started = performance.now();
  const statements: TraceStatement[] = [];
  const ups = analysis.facts.statements.filter((s) => s.direction === 'up');
  const guard = async () => {
    if (options.lockTimeout) await session.run(`SET LOCAL lock_timeout = ${literal(options.lockTimeout)}`);
    if (options.statementTimeout) await session.run(`SET LOCAL statement_timeout = ${literal(options.statementTimeout)}`);
  };
  let stopped: string | undefined;
  await session.run('BEGIN');
  try {
    const xid = (await transactionId(session, true))!;
    let relations = await snapshot(session);
    let before = strongestByName(await held(session, relations));
    for (const s of ups) {
      const line = analysis.lines.position(s.statement.start).line + 1;
      const base: TraceStatement = { index: s.statement.index, line, sql: s.statement.text.slice(0, 300), status: 'not-run', observed: [], heldAfter: [], newStorage: [], predicted: predicted(s), differences: [] };
      const reason = stopped ?? notRunReason(s);
      if (reason) {
        statements.push({ ...base, note: reason });
        continue;
      }
      const existed = new Set([...relations.values()].map((r) => r.name));
      await guard();
      await session.run('SAVEPOINT migration_guard_trace');
      const t0 = performance.now();
      let error: string | undefined;
      try {
        await session.run(s.statement.text);
      } catch (e) {
        error = (e as Error).message;
      }
      const durationMs = performance.now() - t0;
      try {
        await session.run(error === undefined ? 'RELEASE SAVEPOINT migration_guard_trace' : 'ROLLBACK TO SAVEPOINT migration_guard_trace');
        await assertSameTransaction(session, xid, `line ${line}`);
      } catch (e) {
        stopped = `not run: ${e instanceof TraceTransactionLost ? e.message : `the trace could not go on after line ${line}: ${(e as Error).message}`}`;
        statements.push({ ...base, status: 'error', note: `${error ?? 'ran'}; ${stopped}`, durationMs });
        continue;
      }
      if (error !== undefined) {
        statements.push({ ...base, status: 'error', note: error, durationMs });
        continue;
      }
      const after = await snapshot(session);
      const heldAfter = await held(session, new Map([...relations, ...after]));
      const newStorage = [...relations.values()].filter((r) => r.relfilenode !== 0 && after.has(r.oid) && after.get(r.oid)!.relfilenode !== r.relfilenode && COMPARED_KINDS.has(r.relkind)).map((r) => r.name);
      const observed = [...strongestByName(heldAfter.filter((l) => existed.has(l.relation)))]
        .filter(([relation, mode]) => !before.has(relation) || strength(mode) > strength(before.get(relation)!))
        .map(([relation, mode]) => ({ relation, mode }));
      const differences = compare(s, before, heldAfter.filter((l) => existed.has(l.relation)), existed, newStorage);
      statements.push({ ...base, status: 'ran', durationMs, observed, heldAfter: heldAfter.map(({ relation, mode }) => ({ relation, mode })), newStorage, differences });
      relations = after;
      before = strongestByName(heldAfter);
    }
  } finally {
    await session.run('ROLLBACK').catch(() => undefined);
  }
  const durationMs = performance.now() - started;
  return {
    file: options.file,
    target: session.target,
    version: session.version,
    setup: options.setup ?? { files: [], errors: [] },
    statements,
    summary: {
      target: session.target,
      statements: statements.filter((s) => s.status !== 'not-run').length,
      errors: statements.filter((s) => s.status === 'error').length,
      differences: statements.filter((s) => s.differences.length).length,
      verified: statements.filter((s) => s.status === 'ran' && !s.differences.length).length,
      notVerified: statements.filter((s) => s.status !== 'ran').length,
      durationMs,
    },
  };
}

/** Replays `files` (earlier migrations, a schema file) statement by statement, outside a transaction. */
export async function replay(session: TraceSession, files: string[], settings: Settings): Promise<TraceResult['setup']> {
  const errors: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    const analysis = analyze(text, { settings, path: file });
    for (const s of analysis.facts.statements) {
      if (s.direction !== 'up' || s.statement.error || s.kind === 'TransactionStmt') continue;
      try {
        await session.run(s.statement.text);
      } catch (e) {
        errors.push(`${file}:${analysis.lines.position(s.statement.start).line + 1}: ${(e as Error).message}`);
      }
    }
  }
  return { files, errors };
}

/** A trace's result as text: one block per statement. */
export function traceText(r: TraceResult): string {
  const out = [`Lock trace of ${r.file} on ${r.target} (${r.version}), in BEGIN ... ROLLBACK:`];
  if (r.setup.files.length) out.push(`Schema from ${r.setup.files.length} earlier files${r.setup.errors.length ? `, ${r.setup.errors.length} statements failed there:` : '.'}`, ...r.setup.errors.slice(0, 10).map((e) => `  ${e}`));
  for (const s of r.statements) {
    const head = `line ${s.line}: ${s.sql.split('\n')[0].slice(0, 80)}`;
    if (s.status === 'not-run') {
      const p = s.predicted.locks.map((l) => `${lockName(l.mode)} on ${l.relation}`).join(', ');
      out.push(`${head}\n  not run: ${s.note}${p ? `\n  predicted: ${p}` : ''}`);
      continue;
    }
    if (s.status === 'error') {
      out.push(`${head}\n  ERROR after ${s.durationMs!.toFixed(1)} ms: ${s.note}`);
      continue;
    }
    const locks = s.observed.map((l) => `${lockName(l.mode)} on ${l.relation}`).join(', ') || 'no new lock';
    out.push(`${head}\n  ${s.durationMs!.toFixed(1)} ms; took ${locks}${s.newStorage.length ? `; new storage: ${s.newStorage.join(', ')}` : ''}`);
    for (const d of s.differences) out.push(`  DIFFERS from the prediction: ${d}`);
  }
  const m = r.summary;
  out.push(`${m.statements} statements ran in ${m.durationMs.toFixed(0)} ms: ${traceCounts(m)}. Rolled back.`);
  const failed = r.statements.filter((s) => s.status === 'error');
  if (failed.length) out.push('Not verified, failed:', ...failed.map((s) => `  line ${s.line}: ${s.note}`));
  return out.join('\n');
}
