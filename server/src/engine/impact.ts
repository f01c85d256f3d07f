/**
 * What a connected database tells about a migration beyond the locks held right now: the workload
 * that would queue behind each of its locks (pg_stat_statements), the query plans it changes
 * (indexes dropped or rebuilt, with idx_scan), new indexes that repeat old ones, statistics left
 * stale, and what else stands in the way (an anti-wraparound vacuum, prepared transactions,
 * replication, disk space, a transaction-mode pooler).
 *
 * Pure, like the rest of the engine: server/src/db/probes.ts gathers the evidence read-only; this
 * module reads it. Workload queries are parsed with the same parser and lock facts as migrations,
 * so the mode a query needs comes from the one lock table.
 */
import { analyze, Analysis } from './analyze';
import type { ChecklistItem, DatabaseEvidence, ItemState } from './checklist';
import { REPOSITORY_URL } from './docs';
import { bytes, heavyTables, probedRelations, REWRITE_BYTES_PER_SECOND, SCAN_BYTES_PER_SECOND, seconds, settingSeconds } from './estimate';
import { FileFacts, INDEX_TABLE, relationKey, StatementFacts } from './facts';
import { statementHead } from './describe';
import { conflicts, LockMode, lockName, strength } from './locks';
import { Node, nodeOf } from './ast';
import { parseFile } from './parse';
import { parsedStatements } from './rule';
import { staleStatistics } from './rules/require-analyze';
import { narrowedSequences, TYPE_MAX } from './rules/sequence-as-int';
import { DEFAULT_SETTINGS } from './settings';

/** A probe's answer, or why there is none (extension missing, permission, timeout): reported, never thrown. */
export type Probed<T> = T | { unavailable: string };

export function isUnavailable<T>(p: Probed<T> | undefined): p is { unavailable: string } {
  return typeof p === 'object' && p !== null && !Array.isArray(p) && 'unavailable' in p;
}

/** One normalised statement of pg_stat_statements. */
export interface RecordedQuery {
  query: string;
  calls: number;
  meanMs: number;
}

export interface WorkloadEvidence {
  /** Where the counts start: pg_stat_statements_info.stats_reset (PostgreSQL 14+), else the server's start. */
  since: string;
  sinceWhat: 'reset' | 'server start';
  /** Seconds from `since` to the probe. */
  seconds: number;
  /** Statements of this database whose text names one of the probed tables, busiest first. */
  queries: RecordedQuery[];
  /** Of those, how many this user may not read (`<insufficient privilege>`). */
  hidden: number;
}

export interface IndexEvidence {
  /** As relationKey spells it: `name`, or `schema.name` outside public. */
  name: string;
  /** The probed table it belongs to (a DatabaseEvidence.tables relation). */
  table: string;
  /** Key columns as pg_get_indexdef prints them: `email`, `lower(email)`. */
  columns: string[];
  /** Every column it depends on (keys, expressions, predicate, INCLUDE). */
  referenced: string[];
  method: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  partial: boolean;
  definition: string;
  /** pg_stat_all_indexes.idx_scan since the statistics reset; undefined when not reported. */
  scans?: number;
  /** PostgreSQL 16+: pg_stat_all_indexes.last_idx_scan. */
  lastScan?: string;
  bytes: number;
  /** The unique, primary key or exclusion constraint it implements. */
  constraint?: string;
}

export interface VacuumEvidence {
  pid: number;
  relation: string;
  /** pg_stat_progress_vacuum.phase, or 'waiting for a lock'. */
  phase: string;
  backendType: string;
  /** The backend's query text: `autovacuum: VACUUM public.t (to prevent wraparound)`. */
  query: string;
}

export interface PreparedEvidence {
  gid: string;
  owner: string;
  database: string;
  seconds: number;
  /** Relation locks it holds in this database; `table` when it is a probed table. */
  locks: { relation: string; mode: LockMode; table?: string }[];
}

export interface ReplicationEvidence {
  inRecovery: boolean;
  standbys: { name: string; state: string; replayLagSeconds?: number; lagBytes?: number }[];
  slots: { name: string; type: string; active: boolean; retainedBytes?: number; walStatus?: string }[];
}

/** A sequence the migration names, from pg_sequences. */
export interface SequenceEvidence {
  relation: string;
  dataType: string;
  /** As PostgreSQL prints them (bigint values lose digits as numbers). null: never called (or not readable by this user: pg_sequences shows NULL without USAGE or SELECT). */
  lastValue: string | null;
  maxValue: string;
  minValue: string;
  increment: string;
}

export interface ConnectionEvidence {
  /** The port the client connected to (undefined for a Unix socket path we cannot tell). */
  port?: number;
  /** inet_server_port(): the port of the server socket this session came in on (null over a Unix socket). */
  serverPort?: number;
  /** current_setting('port'). */
  configuredPort: number;
  /** What pg_stat_activity shows for this session, and what the client sent. */
  applicationName: string;
  sentApplicationName: string;
  /** Two statements in a row, outside a transaction, ran on different backends. */
  backendChanged: boolean;
  /** The answer to `SHOW pool_mode`: PostgreSQL fails with 42704; a pooler may answer, or fail its own way. */
  poolMode: { value?: string; error?: string; code?: string };
}

/** What the probes need from the migration: the relations it locks or reads, and the indexes it drops or alters by name. */
export interface ProbeRequest {
  relations: string[];
  indexes: string[];
}

const doc = (anchor: string) => `${REPOSITORY_URL}/blob/main/docs/checklist.md#${anchor}`;
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const lineOf = (analysis: Analysis, s: StatementFacts) => analysis.lines.position(s.statement.start).line + 1;
const upStatements = (facts: FileFacts) => parsedStatements(facts).filter((s) => s.direction === 'up');

/** Index names the migration drops, renames, alters or rebuilds, as keys. */
function namedIndexes(facts: FileFacts): { s: StatementFacts; key: string }[] {
  const out: { s: StatementFacts; key: string }[] = [];
  for (const s of upStatements(facts)) {
    for (const l of s.locks) if (l.role === 'index' && l.existing) out.push({ s, key: l.relation.replace(/^public\./, '') });
  }
  return out;
}

/** What to probe for a migration: the tables it locks, rewrites or scans, and the indexes it names. */
export function probeRequest(analysis: Analysis): ProbeRequest {
  return { relations: probedRelations(analysis), indexes: [...new Set(namedIndexes(analysis.facts).map((i) => i.key))] };
}

// ---------------------------------------------------------------------------------------------
// The workload, parsed.

export interface ClassifiedQuery extends RecordedQuery {
  perSecond: number;
  /** The lock mode the query takes on each probed table it names. */
  tables: Map<string, LockMode>;
  /** Column names its WHERE, JOIN ... ON and ORDER BY use. */
  filters: Set<string>;
}

/** Every ColumnRef's last name under a node. */
function columnNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) columnNames(n, out);
  else if (node && typeof node === 'object') {
    const ref = (node as Node).ColumnRef;
    if (ref) {
      const last = (ref.fields as Node[] | undefined)?.at(-1)?.String?.sval;
      if (last) out.add(last);
    }
    for (const v of Object.values(node as Node)) columnNames(v, out);
  }
  return out;
}

/** The columns a query filters, joins or sorts on: WHERE, JOIN ... ON, ORDER BY (subqueries included). */
function filterColumns(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) filterColumns(n, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Node)) {
      if (key === 'whereClause' || key === 'sortClause' || key === 'quals') columnNames(value, out);
      filterColumns(value, out);
    }
  }
  return out;
}

/** Does a relation as a query writes it (`t`, `app.t`) name this probed table? */
function names(written: string, table: DatabaseEvidence['tables'][number]): boolean {
  const [schema, name] = written.includes('.') ? written.split('.', 2) : [undefined, written];
  if (table.name) return name === table.name && (!schema || schema === table.schema);
  return relationKey({ relname: name, schemaname: schema }) === relationKey({ relname: table.relation.split('.').pop(), schemaname: table.relation.includes('.') ? table.relation.split('.')[0] : undefined });
}

const classified = new WeakMap<WorkloadEvidence, { queries: ClassifiedQuery[]; unparsed: number }>();

/**
 * The workload's statements with the lock each takes on the probed tables, from the same facts
 * as the migration's own statements. Utility statements (DDL, SET, ...) are not workload. Parsed
 * once per evidence object.
 */
export function classifyWorkload(db: DatabaseEvidence): { queries: ClassifiedQuery[]; unparsed: number } {
  const workload = db.workload;
  if (!workload || isUnavailable(workload)) return { queries: [], unparsed: 0 };
  const cached = classified.get(workload);
  if (cached) return cached;
  const result = { queries: [] as ClassifiedQuery[], unparsed: 0 };
  for (const q of workload.queries) {
    let s: StatementFacts | undefined;
    try {
      const facts = analyze(q.query, { settings: DEFAULT_SETTINGS }).facts.statements;
      s = facts.length === 1 && facts[0].kind !== 'SyntaxError' ? facts[0] : undefined;
    } catch {
      s = undefined;
    }
    if (!s) {
      result.unparsed++;
      continue;
    }
    if (!['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'].includes(s.kind)) continue;
    // SELECT ... FOR UPDATE / SHARE takes ROW SHARE (Explicit Locking, "ROW SHARE").
    const locking = (nodeOf(s.statement, 'SelectStmt')?.lockingClause ?? []).length > 0;
    const tables = new Map<string, LockMode>();
    for (const l of s.locks) {
      const table = db.tables.find((t) => t.exists && names(l.relation, t));
      if (!table) continue;
      const mode: LockMode = locking && l.mode === 'AccessShareLock' ? 'RowShareLock' : l.mode;
      const had = tables.get(table.relation);
      if (!had || strength(mode) > strength(had)) tables.set(table.relation, mode);
    }
    if (!tables.size) continue;
    result.queries.push({ ...q, perSecond: workload.seconds > 0 ? q.calls / workload.seconds : 0, tables, filters: filterColumns(s.statement.node) });
  }
  classified.set(workload, result);
  return result;
}

/** `12/s`, `3.5/min`, `0.4/h`. */
export function rate(perSecond: number): string {
  if (perSecond >= 1) return `${count(perSecond)}/s`;
  if (perSecond * 60 >= 1) return `${(perSecond * 60).toFixed(1)}/min`;
  return `${(perSecond * 3600).toFixed(1)}/h`;
}

/** A query's first words: `INSERT INTO orders (customer, total) ...`. */
export function shortQuery(query: string, length = 72): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  if (flat.length <= length) return flat;
  const cut = flat.lastIndexOf(' ', length);
  return `${flat.slice(0, cut > 20 ? cut : length)} ...`;
}

/** A lock one migration statement takes on a probed table. */
export interface LockPoint {
  s: StatementFacts;
  table: string;
  mode: LockMode;
}

/** The locks a statement takes on probed tables: named ones, and an index's table through the index's evidence. */
export function lockPoints(s: StatementFacts, db: DatabaseEvidence): LockPoint[] {
  const points: LockPoint[] = [];
  const add = (table: string, mode: LockMode) => {
    const had = points.find((p) => p.table === table);
    if (!had) points.push({ s, table, mode });
    else if (strength(mode) > strength(had.mode)) had.mode = mode;
  };
  const indexes = isUnavailable(db.indexes) ? [] : (db.indexes ?? []);
  for (const l of s.locks) {
    if (!l.existing) continue;
    if (l.role !== 'index') {
      if (db.tables.some((t) => t.relation === l.relation && t.exists)) add(l.relation, l.mode);
      continue;
    }
    const index = indexes.find((i) => i.name === l.relation.replace(/^public\./, ''));
    const implicit = s.implicitLocks.find((i) => i.on === INDEX_TABLE);
    if (index && implicit) add(index.table, implicit.mode);
  }
  return points;
}

/** Seconds a statement works under its locks, from the tables' sizes: a rewrite copies, a scan reads. */
function workSeconds(s: StatementFacts, db: DatabaseEvidence): number {
  const size = (r: string) => db.tables.find((t) => t.relation === r)?.bytes ?? 0;
  return s.rewrites.reduce((n, r) => n + size(r) / REWRITE_BYTES_PER_SECOND, 0) + s.scans.filter((r) => !s.rewrites.includes(r)).reduce((n, r) => n + size(r) / SCAN_BYTES_PER_SECOND, 0);
}

/** How long a lock taken by `s` is held: its own work, and in a transaction the work of every later statement of it. */
function holdSeconds(s: StatementFacts, facts: FileFacts, db: DatabaseEvidence): number {
  if (s.transaction === undefined) return workSeconds(s, db);
  return parsedStatements(facts)
    .filter((t) => t.transaction === s.transaction && t.statement.index >= s.statement.index)
    .reduce((n, t) => n + workSeconds(t, db), 0);
}

export interface Queue {
  point: LockPoint;
  /** The recorded queries on the table, and those the lock blocks. */
  onTable: ClassifiedQuery[];
  blocked: ClassifiedQuery[];
  perSecond: number;
  /** lock_timeout in force, in seconds; undefined: it waits without a bound. */
  waitSeconds?: number;
  holdSeconds: number;
  /** How many would queue while it waits up to lock_timeout and then holds the lock; undefined without a bound. */
  queued?: number;
}

export function queueBehind(point: LockPoint, facts: FileFacts, db: DatabaseEvidence): Queue {
  const onTable = classifyWorkload(db).queries.filter((q) => q.tables.has(point.table));
  const blocked = onTable.filter((q) => conflicts(point.mode, q.tables.get(point.table)!)).sort((a, b) => b.perSecond - a.perSecond);
  const perSecond = blocked.reduce((n, q) => n + q.perSecond, 0);
  const waitSeconds = settingSeconds(point.s.lockTimeout);
  const hold = holdSeconds(point.s, facts, db);
  return { point, onTable, blocked, perSecond, waitSeconds, holdSeconds: hold, queued: waitSeconds === undefined ? undefined : perSecond * (waitSeconds + hold) };
}

/** `writes`, `reads`, `reads and writes`: what the blocked queries do. */
function blockedKinds(q: Queue): string {
  const modes = q.blocked.map((b) => b.tables.get(q.point.table)!);
  const writes = modes.some((m) => strength(m) >= strength('RowExclusiveLock'));
  const reads = modes.some((m) => strength(m) < strength('RowExclusiveLock'));
  return writes && reads ? 'reads and writes' : writes ? 'writes' : 'reads';
}

const listed = (qs: ClassifiedQuery[], n: number, mean = true) =>
  `${qs
    .slice(0, n)
    .map((b) => `${shortQuery(b.query)} (${rate(b.perSecond)}${mean ? `, mean ${b.meanMs.toFixed(b.meanMs < 10 ? 2 : 0)} ms` : ''})`)
    .join('; ')}${qs.length > n ? `; and ${qs.length - n} more` : ''}`;

/**
 * The hover's line for a statement, with the evidence of the last checklist run:
 * "Blocks ~1,200 writes/s to orders: INSERT INTO orders ... (420/s), UPDATE orders SET ... (780/s)".
 */
export function workloadHover(s: StatementFacts, facts: FileFacts, db: DatabaseEvidence): string | undefined {
  if (!db.workload || isUnavailable(db.workload) || s.direction === 'down') return undefined;
  const lines: string[] = [];
  for (const point of lockPoints(s, db)) {
    const q = queueBehind(point, facts, db);
    if (!q.blocked.length) continue;
    const kinds = blockedKinds(q);
    const unit = kinds === 'writes' ? `writes/s to ${point.table}` : kinds === 'reads' ? `reads/s of ${point.table}` : `reads and writes/s on ${point.table}`;
    lines.push(`Blocks ~${count(q.perSecond)} ${unit}: ${q.blocked.slice(0, 3).map((b) => `${shortQuery(b.query, 32)} (${rate(b.perSecond)})`).join(', ')}${q.blocked.length > 3 ? `, and ${q.blocked.length - 3} more` : ''}.`);
  }
  if (!lines.length) return undefined;
  return [...lines, `_pg_stat_statements on ${db.target}, since ${db.workload.since}, as of the last checklist run._`].join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// The items.

function workloadItem(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem {
  const item = (state: ItemState, evidence: string[]): ChecklistItem => ({ id: 'workload', title: 'Queries that would queue behind each lock', state, evidence, fix: doc('workload'), manual: false });
  const statements = upStatements(analysis.facts).filter((s) => s.locks.some((l) => l.existing));
  if (!statements.length) return item('passed', ['No statement locks an existing table.']);
  if (!db) return item('not-checked', ['Connect a database: pg_stat_statements tells which queries each lock would hold up, and how many.']);
  const evidence: string[] = [];
  let state: ItemState = 'passed';
  const workload = db.workload;
  if (!workload || isUnavailable(workload)) {
    state = 'not-checked';
    evidence.push(workload ? workload.unavailable : 'pg_stat_statements was not probed.');
  } else {
    const { queries, unparsed } = classifyWorkload(db);
    evidence.push(
      `pg_stat_statements on ${db.target}: ${queries.length} recorded statements name the tables locked, over ${workload.seconds < 1 ? 'less than a second' : seconds(workload.seconds).replace(/^~/, '')} since the last ${workload.sinceWhat === 'reset' ? 'reset' : 'server start (PostgreSQL before 14 does not record resets)'} (${workload.since}).` +
        `${workload.hidden ? ` ${workload.hidden} statements of this database are hidden from this user (grant pg_read_all_stats): some queries on the tables may be missing.` : ''}${unparsed ? ` ${unparsed} could not be parsed.` : ''}`,
    );
    for (const s of statements) {
      for (const point of lockPoints(s, db)) {
        const q = queueBehind(point, analysis.facts, db);
        const head = `line ${lineOf(analysis, s)}: ${statementHead(s)}: ${lockName(point.mode)} on ${point.table}`;
        if (!q.onTable.length) {
          evidence.push(`${head}: no recorded query names ${point.table}.`);
          continue;
        }
        if (!q.blocked.length) {
          evidence.push(`${head} blocks none of the ${q.onTable.length} recorded queries on it.`);
          continue;
        }
        const hold = q.holdSeconds < 1 ? 'held briefly' : `held ${seconds(q.holdSeconds)} (size estimate${s.inTransaction ? ', to the end of its transaction' : ''})`;
        const wait =
          q.waitSeconds === undefined
            ? `No lock_timeout: while it waits for a conflicting transaction${longestConflict(db, point) ? ` (${longestConflict(db, point)})` : ''}, every one of them queues, without a bound.`
            : `Up to ~${count(q.queued!)} would queue: ${rate(q.perSecond)} × (lock_timeout ${s.lockTimeout} + ${hold}).`;
        evidence.push(`${head} blocks ${blockedKinds(q)}: ${q.blocked.length} of ${q.onTable.length} recorded queries, ~${rate(q.perSecond)}: ${listed(q.blocked, 3)}. ${wait}`);
        if (q.waitSeconds === undefined) state = 'failed';
        else if (state === 'passed') state = 'needs-you';
      }
    }
  }
  // Who is on those tables now: ACCESS EXCLUSIVE waits behind them, and everything else behind it.
  for (const table of new Set(statements.flatMap((s) => lockPoints(s, db).map((p) => p.table)))) {
    const sessions = db.locks.filter((l) => l.relation === table && l.backendType !== 'autovacuum worker');
    const longestXact = [...sessions].filter((l) => l.xactSeconds !== undefined).sort((a, b) => b.xactSeconds! - a.xactSeconds!)[0];
    const longestQuery = [...sessions].filter((l) => l.state === 'active' && l.querySeconds !== undefined).sort((a, b) => b.querySeconds! - a.querySeconds!)[0];
    const parts: string[] = [];
    if (longestXact) parts.push(`longest transaction pid ${longestXact.pid} (${longestXact.state}), open ${seconds(longestXact.xactSeconds!)}: ${shortQuery(longestXact.query, 80)}`);
    if (longestQuery) parts.push(`longest running query pid ${longestQuery.pid}, running ${seconds(longestQuery.querySeconds!)}: ${shortQuery(longestQuery.query, 80)}`);
    evidence.push(`${table} now: ${parts.length ? parts.join('; ') : 'no other session holds a lock on it'}.`);
  }
  return item(state, evidence);
}

/** The oldest transaction holding a lock that conflicts with the point's: what an unbounded wait waits for. */
function longestConflict(db: DatabaseEvidence, point: LockPoint): string | undefined {
  const holder = db.locks
    .filter((l) => l.relation === point.table && l.granted && conflicts(point.mode, l.mode) && l.xactSeconds !== undefined)
    .sort((a, b) => b.xactSeconds! - a.xactSeconds!)[0];
  return holder ? `pid ${holder.pid}'s, open ${seconds(holder.xactSeconds!)} now` : undefined;
}

/** Indexes the migration drops or rebuilds, as it says so: by name, through a constraint, or through a column. */
type PlanTarget =
  | { kind: 'drop index'; s: StatementFacts; key: string }
  | { kind: 'drop constraint'; s: StatementFacts; table: string; name: string }
  | { kind: 'type change' | 'drop column'; s: StatementFacts; table: string; column: string };

function planTargets(facts: FileFacts): PlanTarget[] {
  const out: PlanTarget[] = [];
  for (const s of upStatements(facts)) {
    if (nodeOf(s.statement, 'DropStmt')?.removeType === 'OBJECT_INDEX') {
      for (const l of s.locks) if (l.existing) out.push({ kind: 'drop index', s, key: l.relation.replace(/^public\./, '') });
    }
    if (s.kind !== 'AlterTableStmt' || !s.locks[0]?.existing) continue;
    for (const cmd of s.commands) {
      if (cmd.subtype === 'AT_DropConstraint') out.push({ kind: 'drop constraint', s, table: s.locks[0].relation, name: cmd.node.name ?? '' });
      if (cmd.subtype === 'AT_AlterColumnType') out.push({ kind: 'type change', s, table: s.locks[0].relation, column: cmd.node.name ?? '' });
      if (cmd.subtype === 'AT_DropColumn') out.push({ kind: 'drop column', s, table: s.locks[0].relation, column: cmd.node.name ?? '' });
    }
  }
  return out;
}

/** The column names an index key uses: `email` for `email`, `email` for `lower(email)`. */
function keyColumns(text: string): Set<string> {
  try {
    const select = parseFile(`SELECT ${text}`).statements[0];
    return columnNames(select && nodeOf(select, 'SelectStmt')?.targetList);
  } catch {
    return new Set();
  }
}

function since(db: DatabaseEvidence): string {
  return db.statsReset ? `since the statistics reset (${db.statsReset})` : 'since statistics began (never reset)';
}

function planItem(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem {
  const item = (state: ItemState, evidence: string[]): ChecklistItem => ({ id: 'query-plans', title: 'Query plans the migration changes', state, evidence, fix: doc('query-plans'), manual: false });
  const targets = planTargets(analysis.facts);
  const describe = (t: PlanTarget) =>
    t.kind === 'drop index' ? `DROP INDEX ${t.key}` : t.kind === 'drop constraint' ? `DROP CONSTRAINT ${t.name} on ${t.table}` : `${t.kind === 'type change' ? 'type change of' : 'DROP COLUMN'} ${t.table}.${t.column}`;
  if (!targets.length) return item('passed', ['No index is dropped, and none is rebuilt by a type change.']);
  if (!db) return item('not-checked', [`${targets.map((t) => `line ${lineOf(analysis, t.s)}: ${describe(t)}`).join('; ')}. Connect a database to see how often the indexes involved are used, and by which queries.`]);
  if (!db.indexes || isUnavailable(db.indexes)) return item('not-checked', [db.indexes ? db.indexes.unavailable : 'Indexes were not probed.']);
  const indexes = db.indexes;
  const { queries } = classifyWorkload(db);
  const creates = createdIndexes(analysis.facts);
  const affectedBy = (t: PlanTarget) =>
    t.kind === 'drop index'
      ? indexes.filter((i) => i.name === t.key)
      : t.kind === 'drop constraint'
        ? indexes.filter((i) => i.table === t.table && i.constraint === t.name)
        : indexes.filter((i) => i.table === t.table && i.referenced.includes(t.column));
  // Indexes the migration removes: none of them is another's replacement.
  const dropped = new Set(targets.filter((t) => t.kind !== 'type change').flatMap((t) => affectedBy(t).map((i) => i.name)));
  const evidence: string[] = [];
  let state: ItemState = 'passed';
  const worse = (s: ItemState) => {
    if (s === 'failed' || (s === 'needs-you' && state === 'passed')) state = s;
  };
  for (const t of targets) {
    const at = `line ${lineOf(analysis, t.s)}: ${describe(t)}`;
    const affected = affectedBy(t);
    if (t.kind === 'drop index' && !affected.length) {
      evidence.push(`${at}: no index of that name on ${db.target}.`);
      continue;
    }
    if (t.kind === 'drop constraint' && !affected.length) continue; // a CHECK or foreign key: no index goes
    const rebuilt = t.kind === 'type change';
    for (const i of affected) {
      const what = `${at}: ${i.name} on ${i.table} (${i.columns.join(', ')})${rebuilt ? ' is rebuilt' : ' goes'}`;
      if (i.scans === undefined) {
        evidence.push(`${what}: no usage statistics for it.`);
        worse('needs-you');
        continue;
      }
      const uniqueness = i.unique && !rebuilt ? ` It ${i.primary ? 'is the primary key' : 'enforces uniqueness'}: without it duplicates can be written.` : '';
      if (i.scans === 0) {
        evidence.push(`${what}: never used ${since(db)} (idx_scan 0): ${rebuilt ? 'no query depends on it' : 'safe to drop for reads'}.${uniqueness}`);
        if (uniqueness) worse('needs-you');
        continue;
      }
      const leading = keyColumns(i.columns[0] ?? '');
      const users = queries.filter((q) => q.tables.has(i.table) && [...leading].some((c) => q.filters.has(c))).sort((a, b) => b.perSecond - a.perSecond);
      const existing = indexes.find((o) => o !== i && o.table === i.table && o.valid && o.columns[0] === i.columns[0] && !affected.includes(o) && !dropped.has(o.name));
      const created = creates.find((c) => c.table === i.table && c.keys[0] === serverKey(i.columns[0] ?? ''));
      const alternative = existing ? `${existing.name} (${existing.columns.join(', ')})` : created ? `${created.name}, created at line ${lineOf(analysis, created.s)},` : undefined;
      const plans = users.length ? ` Queries that filter or sort on ${[...leading].join(', ')} will be planned again: ${listed(users, 3, false)}.` : '';
      const instead = alternative ? ` ${alternative} also leads with ${i.columns[0]}: the planner can use it instead.` : '';
      evidence.push(`${what}: used ${count(i.scans)} times ${since(db)}${i.lastScan ? `, last at ${i.lastScan}` : ''}.${plans}${instead}${uniqueness}${rebuilt ? ' The type change drops its column statistics: see the ANALYZE item.' : ''}`);
      worse(rebuilt || alternative ? 'needs-you' : 'failed');
    }
  }
  if (!evidence.length) evidence.push('No index goes or is rebuilt on the tables probed.');
  return item(state, evidence);
}

/** A key column, comparable across the migration's parse tree and pg_get_indexdef's text. */
function canonical(node: Node | undefined): string {
  const strip = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(strip);
    if (!n || typeof n !== 'object') return n;
    const o = n as Node;
    // pg_get_indexdef prints literals with their cast: 'k'::text.
    if (o.TypeCast?.arg?.A_Const) return strip(o.TypeCast.arg);
    return Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'location').map(([k, v]) => [k, strip(v)]));
  };
  const fields = node?.ColumnRef?.fields as Node[] | undefined;
  if (fields?.length === 1 && fields[0].String) return `column ${fields[0].String.sval}`;
  return JSON.stringify(strip(node));
}

function serverKey(text: string): string {
  try {
    const select = parseFile(`SELECT ${text}`).statements[0];
    return canonical(select && nodeOf(select, 'SelectStmt')?.targetList?.[0]?.ResTarget?.val);
  } catch {
    return `text ${text}`;
  }
}

/** CREATE INDEX on existing tables, with comparable keys. */
function createdIndexes(facts: FileFacts) {
  return upStatements(facts)
    .filter((s) => s.kind === 'IndexStmt' && s.locks[0]?.existing)
    .map((s) => {
      const n = nodeOf(s.statement, 'IndexStmt') ?? {};
      return {
        s,
        n,
        table: s.locks[0].relation,
        name: n.idxname ?? 'CREATE INDEX',
        key: n.relation?.schemaname && n.relation.schemaname !== 'public' ? `${n.relation.schemaname}.${n.idxname}` : n.idxname,
        method: n.accessMethod ?? 'btree',
        keys: (n.indexParams ?? []).map((p) => (p.IndexElem?.name ? `column ${p.IndexElem.name}` : canonical(p.IndexElem?.expr))),
        partial: Boolean(n.whereClause),
      };
    });
}

function newIndexItem(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem {
  const item = (state: ItemState, evidence: string[]): ChecklistItem => ({ id: 'new-indexes', title: 'New indexes do not repeat existing ones; no invalid index left', state, evidence, fix: doc('new-indexes'), manual: false });
  const creates = createdIndexes(analysis.facts);
  const probed = db?.indexes && !isUnavailable(db.indexes) ? db.indexes : undefined;
  const invalid = (probed ?? []).filter((i) => !i.valid);
  if (!creates.length && !invalid.length) return item('passed', ['No index created on an existing table.']);
  if (!db) return item('not-checked', [`${creates.length} CREATE INDEX on existing tables. Connect a database to compare them with the indexes there.`]);
  if (!probed) return item('not-checked', [isUnavailable(db.indexes) ? db.indexes.unavailable : 'Indexes were not probed.']);
  const drops = planTargets(analysis.facts).flatMap((t) => (t.kind === 'drop index' ? [t] : []));
  const evidence: string[] = [];
  let state: ItemState = 'passed';
  const worse = (s: ItemState) => {
    if (s === 'failed' || (s === 'needs-you' && state === 'passed')) state = s;
  };
  for (const { s, n, table, name, key, method, keys, partial } of creates) {
    const at = `line ${lineOf(analysis, s)}: ${name} on ${table}`;
    const sameName = probed.find((i) => i.name === key);
    if (sameName) {
      if (n.if_not_exists && !sameName.valid) {
        evidence.push(`${at}: ${sameName.name} exists and is INVALID (a failed CONCURRENTLY build): IF NOT EXISTS skips the statement and the invalid index stays. DROP INDEX CONCURRENTLY ${sameName.name}; first.`);
        worse('failed');
      } else {
        evidence.push(`${at}: an index named ${sameName.name} already exists on ${db.target}${n.if_not_exists ? ': IF NOT EXISTS skips the statement' : ': the statement fails (applied here already?)'}.`);
        worse('needs-you');
      }
      continue;
    }
    const found: string[] = [];
    for (const i of probed.filter((x) => x.table === table && x.valid && !x.partial && !partial && x.method === method)) {
      const theirs = i.columns.map(serverKey);
      const same = theirs.length === keys.length && theirs.every((k, j) => k === keys[j]);
      const prefixOfTheirs = method === 'btree' && keys.length < theirs.length && keys.every((k, j) => k === theirs[j]);
      const theirsPrefix = method === 'btree' && theirs.length < keys.length && theirs.every((k, j) => k === keys[j]);
      const drop = drops.find((d) => d.key === i.name && d.s.statement.index > s.statement.index);
      if ((same || prefixOfTheirs || theirsPrefix) && drop) {
        found.push(`replaces ${i.name} (${i.columns.join(', ')}), dropped at line ${lineOf(analysis, drop.s)}`);
      } else if (same && (!n.unique || i.unique)) {
        found.push(`duplicates ${i.name} (${i.definition})`);
        worse('failed');
      } else if (same) {
        found.push(`has the columns of ${i.name}, which is not unique: ${i.name} is redundant once this one is built`);
      } else if (prefixOfTheirs && !n.unique) {
        found.push(`is a prefix of ${i.name} (${i.columns.join(', ')}), which already serves queries on ${i.columns.slice(0, keys.length).join(', ')}`);
        worse('needs-you');
      } else if (theirsPrefix && !i.unique && !i.constraint) {
        found.push(`makes ${i.name} (${i.columns.join(', ')}) redundant: queries on its columns can use the new index (used ${count(i.scans ?? 0)} times ${since(db)})`);
      }
    }
    evidence.push(found.length ? `${at} ${found.join('; ')}.` : `${at}: no existing index on ${table} has the same leading columns.`);
  }
  for (const i of invalid.filter((x) => !creates.some((c) => c.key === x.name))) {
    const ours = creates.some((c) => c.table === i.table);
    evidence.push(`${i.name} on ${i.table} is INVALID (pg_index.indisvalid = false: a failed CREATE INDEX CONCURRENTLY): it is maintained on every write but never used. DROP INDEX CONCURRENTLY ${i.name}; before retrying.`);
    worse(ours ? 'failed' : 'needs-you');
  }
  return item(state, evidence);
}

function analyzeItem(analysis: Analysis): ChecklistItem {
  const stale = staleStatistics(analysis.facts);
  const evidence = stale.map((f) => `line ${lineOf(analysis, f.s)}: no statistics for ${f.what} until ANALYZE ${f.table}.`);
  if (!stale.length) evidence.push('No index on an expression or column type change without an ANALYZE after it.');
  return { id: 'analyze', title: 'Statistics gathered after expression indexes and type changes', state: stale.length ? 'failed' : 'passed', evidence, fix: `${doc('analyze')} (quick fix: require-analyze)`, manual: false };
}

/** The tables the migration locks and that the probes found. */
const lockedTables = (analysis: Analysis, db: DatabaseEvidence) => new Set(upStatements(analysis.facts).flatMap((s) => lockPoints(s, db).map((p) => p.table)));

function vacuumItem(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem {
  const item = (state: ItemState, evidence: string[]): ChecklistItem => ({ id: 'vacuum', title: 'No anti-wraparound vacuum on the locked tables', state, evidence, fix: doc('vacuum'), manual: false });
  if (!db) return item('not-checked', ['Connect a database to see vacuums running on the tables.']);
  if (!db.vacuums) return item('not-checked', ['Vacuums were not probed.']);
  if (isUnavailable(db.vacuums)) return item('not-checked', [db.vacuums.unavailable]);
  const tables = lockedTables(analysis, db);
  const evidence: string[] = [];
  let state: ItemState = 'passed';
  for (const v of db.vacuums.filter((x) => tables.has(x.relation))) {
    const hidden = v.query === '<insufficient privilege>' || v.query === '';
    const wraparound = /to prevent wraparound/i.test(v.query);
    if (wraparound) {
      evidence.push(`pid ${v.pid} (${v.backendType}) is vacuuming ${v.relation} to prevent wraparound (${v.phase}): it does not give way, so the migration's lock waits for it to finish: ${v.query}`);
      state = 'failed';
    } else if (hidden) {
      evidence.push(`pid ${v.pid} (${v.backendType}) is vacuuming ${v.relation} (${v.phase}); its query text is hidden from this user (grant pg_read_all_stats), so whether it is an anti-wraparound vacuum is unknown.`);
      if (state === 'passed') state = 'needs-you';
    } else {
      evidence.push(`pid ${v.pid} (${v.backendType}) is vacuuming ${v.relation} (${v.phase}): ${v.query}. An ordinary autovacuum cancels itself when a lock waits for it.`);
    }
  }
  for (const t of db.tables.filter((x) => tables.has(x.relation) && x.xidAge !== undefined && db.freezeMaxAge)) {
    const share = t.xidAge! / db.freezeMaxAge!;
    if (share >= 0.8) {
      evidence.push(`${t.relation}: age(relfrozenxid) ${count(t.xidAge!)} is ${Math.round(share * 100)}% of autovacuum_freeze_max_age (${count(db.freezeMaxAge!)}): an anti-wraparound vacuum ${share >= 1 ? 'is due now' : 'starts soon'}.`);
      if (state === 'passed') state = 'needs-you';
    }
  }
  if (!evidence.length) evidence.push(`No vacuum running on ${[...tables].join(', ') || 'the locked tables'}, and none due for wraparound.`);
  return item(state, evidence);
}

function preparedItem(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem {
  const item = (state: ItemState, evidence: string[]): ChecklistItem => ({ id: 'prepared-transactions', title: 'No prepared transaction holding locks', state, evidence, fix: doc('prepared-transactions'), manual: false });
  if (!db) return item('not-checked', ['Connect a database to list prepared transactions (pg_prepared_xacts).']);
  if (!db.prepared) return item('not-checked', ['Prepared transactions were not probed.']);
  if (isUnavailable(db.prepared)) return item('not-checked', [db.prepared.unavailable]);
  if (!db.prepared.length) return item('passed', ['No prepared transaction (pg_prepared_xacts is empty).']);
  const tables = lockedTables(analysis, db);
  let state: ItemState = 'needs-you';
  const evidence = db.prepared.map((p) => {
    const ours = p.locks.filter((l) => l.table && tables.has(l.table));
    if (ours.length) state = 'failed';
    const locks = p.locks.length ? `holds ${p.locks.map((l) => `${lockName(l.mode)} on ${l.relation}`).join(', ')}` : 'holds no relation lock in this database';
    return `Prepared transaction '${p.gid}' (owner ${p.owner}, database ${p.database}), prepared ${seconds(p.seconds)} ago, ${locks}${ours.length ? ': the migration waits for it until someone runs COMMIT PREPARED or ROLLBACK PREPARED' : ''}.`;
  });
  evidence.push('A prepared transaction survives restarts and holds its locks and the xmin horizon until it is committed or rolled back.');
  return item(state, evidence);
}

/** Bytes the migration writes anew: each rewritten table with its indexes, and each table an unbatched UPDATE rewrites row by row. */
function writtenBytes(analysis: Analysis, db: DatabaseEvidence): { relation: string; bytes: number; how: string }[] {
  const out: { relation: string; bytes: number; how: string }[] = [];
  for (const [relation, h] of heavyTables(analysis)) {
    const t = db.tables.find((x) => x.relation === relation && x.exists);
    if (h.rewrite && t) out.push({ relation, bytes: t.bytes ?? 0, how: 'rewritten with its indexes' });
  }
  for (const s of upStatements(analysis.facts)) {
    if (s.kind !== 'UpdateStmt' || !s.scans.length) continue;
    const t = db.tables.find((x) => x.relation === s.locks[0]?.relation && x.exists);
    if (t && !out.some((o) => o.relation === t.relation)) out.push({ relation: t.relation, bytes: t.bytes ?? 0, how: 'every row updated (new row versions)' });
  }
  return out;
}

const LARGE_WRITE = 1024 ** 3;

function replicationItem(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem {
  const item = (state: ItemState, evidence: string[]): ChecklistItem => ({ id: 'replication', title: 'Standbys and replication slots can take the WAL', state, evidence, fix: doc('replication'), manual: false });
  if (!db) return item('not-checked', ['Connect a database to see standbys (pg_stat_replication) and replication slots.']);
  if (!db.replication) return item('not-checked', ['Replication was not probed.']);
  if (isUnavailable(db.replication)) return item('not-checked', [db.replication.unavailable]);
  const r = db.replication;
  const written = writtenBytes(analysis, db).reduce((n, w) => n + w.bytes, 0);
  const evidence: string[] = [];
  let state: ItemState = 'passed';
  if (r.inRecovery) evidence.push(`${db.target} is a standby (in recovery): the migration runs on the primary.`);
  evidence.push(written ? `The migration writes ~${bytes(written)} of table and index data (estimate), and about as much WAL, which every standby and slot must take.` : 'No rewrite or whole-table backfill: little WAL.');
  for (const s of r.standbys) {
    const lag = s.replayLagSeconds !== undefined ? `replay lag ${s.replayLagSeconds.toFixed(1)} s` : 'replay lag not reported (needs pg_read_all_stats, or it is idle)';
    evidence.push(`Standby ${s.name || '(no application_name)'}: ${s.state}, ${lag}${s.lagBytes !== undefined ? `, ${bytes(s.lagBytes)} behind` : ''}.`);
    if (written && (s.replayLagSeconds ?? 0) > 10) state = 'needs-you';
  }
  for (const s of r.slots) {
    evidence.push(`Slot ${s.name} (${s.type}) is ${s.active ? 'active' : 'INACTIVE'}${s.retainedBytes !== undefined ? `, retaining ${bytes(s.retainedBytes)} of WAL` : ''}${s.walStatus ? ` (wal_status ${s.walStatus})` : ''}${!s.active ? ': WAL piles up on the primary until its consumer returns' : ''}.`);
    if (!s.active && written) state = 'needs-you';
  }
  if (!r.standbys.length && !r.slots.length) evidence.push('No standby connected and no replication slot.');
  return item(state, evidence);
}

function diskItem(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem {
  const item = (state: ItemState, evidence: string[]): ChecklistItem => ({ id: 'disk-space', title: 'Room on disk for what the migration writes', state, evidence, fix: doc('disk-space'), manual: false });
  const heavy = [...heavyTables(analysis)].filter(([, h]) => h.rewrite).map(([r]) => r);
  const backfills = upStatements(analysis.facts).some((s) => s.kind === 'UpdateStmt' && s.scans.length);
  if (!heavy.length && !backfills) return item('passed', ['No table is rewritten or updated in full.']);
  if (!db) return item('not-checked', [`Rewritten or updated in full: ${[...heavy, backfills ? 'a whole-table UPDATE' : ''].filter(Boolean).join(', ')}. Connect a database for their sizes.`]);
  const written = writtenBytes(analysis, db);
  const total = written.reduce((n, w) => n + w.bytes, 0);
  const evidence = written.map((w) => `${w.relation}: ~${bytes(w.bytes)} ${w.how}.`);
  evidence.push(
    `Estimate: ~${bytes(total)} of new files and about as much WAL, the old files freed only at COMMIT, against a database of ${db.databaseBytes !== undefined ? bytes(db.databaseBytes) : 'unknown size'}. PostgreSQL does not report free disk space: check that the volume has at least ~${bytes(2 * total)} free.`,
  );
  return item(total >= LARGE_WRITE || (db.databaseBytes && total >= db.databaseBytes / 4) ? 'needs-you' : 'passed', evidence);
}

/** `SET lock_timeout` / `SET statement_timeout` (not LOCAL) outside a transaction: lost between statements behind a transaction-mode pooler. */
function plainTimeoutSets(facts: FileFacts): StatementFacts[] {
  return upStatements(facts).filter((s) => {
    const set = nodeOf(s.statement, 'VariableSetStmt');
    return (set?.name === 'lock_timeout' || set?.name === 'statement_timeout') && !set.is_local && !s.inTransaction;
  });
}

function poolerItem(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem {
  const item = (state: ItemState, evidence: string[]): ChecklistItem => ({ id: 'pooler', title: 'Timeouts survive the connection pooler', state, evidence, fix: doc('pooler'), manual: false });
  const plain = plainTimeoutSets(analysis.facts);
  const sets = plain.length ? `line ${plain.map((s) => lineOf(analysis, s)).join(', ')}: SET ${[...new Set(plain.map((s) => nodeOf(s.statement, 'VariableSetStmt')?.name))].join(', ')} outside a transaction` : '';
  if (!db) return item('not-checked', [`${sets ? `${sets}: behind a transaction-mode pooler the next statement may run on another server connection, without it. ` : ''}Connect a database to detect a pooler.`]);
  const c = db.connection;
  if (!c) return item('not-checked', ['The connection was not probed.']);
  const signs: string[] = [];
  let confirmed = false;
  if (c.backendChanged) {
    signs.push('two statements in a row ran on different server backends');
    confirmed = true;
  }
  if (c.poolMode.value !== undefined) {
    signs.push(`SHOW pool_mode answered '${c.poolMode.value}'`);
    if (/transaction|statement/i.test(c.poolMode.value)) confirmed = true;
  } else if (c.poolMode.code && c.poolMode.code !== '42704') {
    signs.push(`SHOW pool_mode failed with "${c.poolMode.error}" (${c.poolMode.code}), not PostgreSQL's unrecognized-parameter error`);
  }
  const serverPort = c.serverPort ?? c.configuredPort;
  if (c.port !== undefined && c.serverPort !== undefined && c.port !== serverPort) signs.push(`this connection went to port ${c.port} but the server listens on ${serverPort}: something forwards it`);
  if (c.port === 6432) signs.push("port 6432 is pgbouncer's default");
  if (c.applicationName !== c.sentApplicationName) signs.push(`the server sees application_name '${c.applicationName}', not the '${c.sentApplicationName}' this client sent`);
  const evidence: string[] = [];
  if (!signs.length) {
    evidence.push(`No pooler seen on ${db.target}: the session reached the server's own port (${serverPort}), kept its backend and its application_name, and SHOW pool_mode failed as PostgreSQL fails. (A pooler that forwards all of these unchanged cannot be told apart: run migrations on a direct connection.)`);
    if (sets) evidence.push(`${sets}: fine on a direct connection.`);
    return item('passed', evidence);
  }
  evidence.push(`${confirmed ? 'A transaction-mode pooler' : 'Perhaps a pooler or proxy'} between this client and ${db.target}: ${signs.join('; ')}.`);
  if (sets) {
    evidence.push(`${sets}: behind a transaction-mode pooler the next statement may run on another server connection, without the timeout, and the setting stays behind for another client. Use SET LOCAL inside the migration's transaction, set the timeouts on the migration's role (ALTER ROLE ... SET lock_timeout), or run migrations on a direct connection.`);
    return item(confirmed ? 'failed' : 'needs-you', evidence);
  }
  evidence.push('The migration sets no timeout with a plain SET outside a transaction. (A plain SET inside a transaction outlives its COMMIT on the server connection: prefer SET LOCAL.)');
  return item('passed', evidence);
}

/** The checklist items that read the database's workload, indexes and state; each says what it needs when it has no evidence. */
export function impactItems(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem[] {
  return [
    workloadItem(analysis, db),
    planItem(analysis, db),
    newIndexItem(analysis, db),
    analyzeItem(analysis),
    vacuumItem(analysis, db),
    preparedItem(analysis, db),
    replicationItem(analysis, db),
    diskItem(analysis, db),
    poolerItem(analysis, db),
    ...sequenceItems(analysis, db),
  ];
}

const TYPE_NAMES: Record<string, string> = { int4: 'integer', int2: 'smallint' };
/** Each sequence type's own limits, as pg_sequences prints them. */
const OLD_LIMITS: Record<string, { min: string; max: string }> = {
  bigint: { min: '-9223372036854775808', max: '9223372036854775807' },
  integer: { min: '-2147483648', max: '2147483647' },
  smallint: { min: '-32768', max: '32767' },
};

/**
 * ALTER SEQUENCE ... AS integer / smallint (sequence-as-int): the sequence's current value against
 * the new type's limit. PostgreSQL refuses the statement when the value is already past it
 * ("RESTART value (3000000000) cannot be greater than MAXVALUE (2147483647)") or when MAXVALUE was
 * set above it by hand ("MAXVALUE (5000000000) is out of range for sequence data type integer"),
 * both proven in test/claims.pg.test.ts. Only present when the migration has such a statement.
 */
function sequenceItems(analysis: Analysis, db: DatabaseEvidence | undefined): ChecklistItem[] {
  const narrowed = narrowedSequences(analysis.facts).filter(({ s }) => s.direction === 'up');
  if (!narrowed.length) return [];
  const item = (state: ItemState, evidence: string[]): ChecklistItem => ({ id: 'sequence-limit', title: 'Sequences fit the narrower type', state, evidence, fix: doc('sequence-limit'), manual: false });
  const names = narrowed.map((n) => `${n.sequence} AS ${TYPE_NAMES[n.type]} (line ${lineOf(analysis, n.s)})`).join(', ');
  if (!db) return [item('not-checked', [`${names}: connect a database to compare each sequence's current value with the new limit.`])];
  if (!db.sequences) return [item('not-checked', ['Sequences were not probed.'])];
  if (isUnavailable(db.sequences)) return [item('not-checked', [db.sequences.unavailable])];
  const evidence: string[] = [];
  let state: ItemState = 'passed';
  const worse = (next: ItemState) => {
    const order: ItemState[] = ['passed', 'not-checked', 'needs-you', 'failed'];
    if (order.indexOf(next) > order.indexOf(state)) state = next;
  };
  for (const n of narrowed) {
    const found = db.sequences.find((q) => q.relation === n.sequence);
    const type = TYPE_NAMES[n.type];
    if (!found) {
      evidence.push(`${n.sequence}: not found on ${db.target} (or not a sequence).`);
      worse('not-checked');
      continue;
    }
    const ascending = BigInt(found.increment) > 0n;
    const limit = ascending ? BigInt(TYPE_MAX[n.type]) : -BigInt(TYPE_MAX[n.type]) - 1n;
    // AS integer replaces MAXVALUE (MINVALUE) only when it is the old type's own limit; one set by hand must fit.
    const old = OLD_LIMITS[found.dataType];
    const bound = ascending ? found.maxValue : found.minValue;
    if (old && bound !== (ascending ? old.max : old.min) && (ascending ? BigInt(bound) > limit : BigInt(bound) < limit)) {
      evidence.push(`${n.sequence}: its ${ascending ? 'MAXVALUE' : 'MINVALUE'} ${count(Number(bound))} was set by hand and is out of range for ${type}: the statement fails unless it sets a new one.`);
      worse('failed');
    }
    if (found.lastValue === null) {
      evidence.push(`${n.sequence}: no value taken yet (or this user may not read it), ${found.dataType} today.`);
      continue;
    }
    const share = Number(found.lastValue) / Number(limit);
    const used = `${n.sequence} is at ${count(Number(found.lastValue))}, ${(share * 100).toFixed(share < 0.01 ? 3 : 1)}% of ${type}'s limit ${count(Number(limit))}`;
    if (ascending ? BigInt(found.lastValue) > limit : BigInt(found.lastValue) < limit) {
      evidence.push(`${used}: past it, the statement fails ("RESTART value (${found.lastValue}) cannot be ${ascending ? 'greater' : 'less'} than ${ascending ? 'MAXVALUE' : 'MINVALUE'} (${limit})"). Keep ${found.dataType}.`);
      worse('failed');
    } else if (share >= 0.5) {
      evidence.push(`${used}: inserts fail once it gets there ("reached maximum value of sequence"). Keep ${found.dataType}, or know how many values a day it takes.`);
      worse('needs-you');
    } else evidence.push(`${used}.`);
  }
  return [item(state, evidence)];
}

