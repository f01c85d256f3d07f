/**
 * Stage 2: statements → facts. Per statement: what it is, which locks it takes on which
 * relation, whether it rewrites or scans a table, the transaction it runs in and the locks that
 * transaction already holds, the timeouts in force, and which relations the migration created
 * before it. Rules and hovers read these facts; neither re-derives them (STYLE.md, data flow).
 *
 * Lock modes come from PostgreSQL's documentation: "Explicit Locking"
 * (https://www.postgresql.org/docs/current/explicit-locking.html), and the per-command pages
 * (ALTER TABLE: https://www.postgresql.org/docs/current/sql-altertable.html, CREATE INDEX,
 * REINDEX, REFRESH MATERIALIZED VIEW, ...). Facts that changed between versions say so.
 */
import { Catalog, catalogComparison, CatalogView, columnInfo, constraintOf, relationKey, tableOfIndex, typeChangeRewrites } from './catalog';

export { relationKey } from './catalog';
import { Divergence, PersistentSet } from './pmap';
import { MigrationContext, segmentAt } from './context';
import { LockMode, LOCK_MODES, strength } from './locks';
import { Node, ParsedFile, Statement, Token } from './parse';
import { calledRoutines, plpgsqlRoutine, RoutineBody, routineBody } from './plpgsql';
import { Settings } from './settings';

export type { MigrationContext } from './context';

export interface LockFact {
  /** As the SQL writes it, schema-qualified where the SQL qualifies it. */
  relation: string;
  mode: LockMode;
  /** What the relation is to this statement: 'table', 'index', 'referenced table', 'partition', ... */
  role: string;
  /** False when the migration created the relation earlier (nobody else can be using it yet). */
  existing: boolean;
  /** In `heldBefore` / `heldAfter`: the index of the statement that took the lock. */
  since?: number;
  /**
   * A stronger lock the transaction already holds on the relation when the statement runs (an
   * ALTER TABLE earlier in the same transaction, say): that one is what blocks other sessions
   * while this statement works, not this statement's own mode.
   */
  alreadyHeld?: { mode: LockMode; since: number };
}

/**
 * A lock on a relation the SQL does not name: the table of an index, the table a dropped foreign
 * key references... The hover says it in words; the real-PostgreSQL proof maps it to a relation.
 */
export interface ImplicitLock {
  on: string;
  mode: LockMode;
  /** The relation is also read in full (a foreign key's validation reads the referenced table). */
  scanned?: boolean;
}

export const INDEX_TABLE = "the index's table";
export const PARTITION_INDEX_TABLE = "the partition index's table";
export const FK_REFERENCED = 'the referenced table, when the constraint is a foreign key';
export const FKS_REFERENCED = 'the tables its foreign keys reference';
export const VIEW_SOURCES = 'the tables the view reads';
export const FKS_REFERENCING = 'the tables whose foreign keys reference the column';

export interface AlterCommand {
  /** `AT_AddColumn`, `AT_AddConstraint`, ... */
  subtype: string;
  node: Node;
  /** UTF-16 offsets of the subcommand's own text, from its first token to the last before `,`. */
  start: number;
  end: number;
  tokens: Token[];
}

export interface StatementFacts {
  statement: Statement;
  kind: string;
  locks: LockFact[];
  /** Locks on relations the SQL does not name (a dropped index's table, ...). */
  implicitLocks: ImplicitLock[];
  /** Relations whose every row is rewritten into new storage (under the lock above). */
  rewrites: string[];
  /** Relations read in full while the lock is held (validation, index build, NOT NULL check, unbatched UPDATE). */
  scans: string[];
  /** Runs inside a transaction block (explicit BEGIN, or the migration tool's). */
  inTransaction: boolean;
  /** Locks the transaction holds before this statement runs. */
  heldBefore: LockFact[];
  /** Locks the transaction holds once the statement has run (none outside a transaction, none after COMMIT). */
  heldAfter: LockFact[];
  /** Values in force before the statement; undefined when never set or set to 0 (no limit). */
  lockTimeout?: string;
  statementTimeout?: string;
  /** Keys (see relationKey) of relations created earlier in this migration. */
  createdBefore: ReadonlySet<string>;
  /** For ALTER TABLE: the subcommands with their text spans. */
  commands: AlterCommand[];
  /** Where the facts depend on the PostgreSQL version: what changed, and in which version. */
  caveats: string[];
  /** What the migration has said about its tables before this statement (columns, CHECKs). */
  catalog: CatalogView;
  /** Which transaction block the statement runs in (undefined: autocommit). */
  transaction?: number;
  /** 'down' in a down / revert / undo migration (or section): it runs when rolling back. */
  direction: 'up' | 'down';
  /** The transaction was opened by the migration tool, not by a BEGIN in the file. */
  toolTransaction: boolean;
  /** CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH ... CONCURRENTLY, REFRESH ... CONCURRENTLY. */
  concurrently: boolean;
  /** For a statement inside a PL/pgSQL body (its `statement` is a BodyStatement): the block it runs in. */
  block?: BlockFacts;
  /**
   * For a DO block, or a CALL / SELECT that runs a PL/pgSQL routine the migration created: the
   * facts of the statements the body runs, in order. This statement's locks, rewrites and scans
   * are their union (what a trace observes for the whole statement).
   */
  inner?: StatementFacts[];
  /** The bodies it runs: their SQL built at run time, and a body that does not parse. */
  routines?: RoutineBody[];
}

/**
 * A PL/pgSQL body runs in the transaction of the statement that runs it: an implicit one of its
 * own in autocommit, or the open transaction block. Since PostgreSQL 11 a DO block or a procedure
 * called outside a transaction block may COMMIT (each COMMIT starts a new transaction); inside a
 * transaction block, inside a BEGIN ... EXCEPTION block, or in a function, COMMIT fails with
 * "invalid transaction termination" (https://www.postgresql.org/docs/current/plpgsql-transactions.html).
 */
export interface BlockFacts {
  /** Index of the top-level statement that runs the body: the DO, the CALL or the SELECT. */
  runner: number;
  /** 'DO block', 'function f', 'procedure p'. */
  routine: string;
  /** The body runs inside a transaction block (BEGIN, or the migration tool's). */
  inTransactionBlock: boolean;
  /** For COMMIT / ROLLBACK in the body: why PostgreSQL rejects it when it runs (undefined: it ends the body's transaction). */
  fails?: 'transaction block' | 'subtransaction' | 'function';
}

export interface FileFacts {
  parsed: ParsedFile;
  statements: StatementFacts[];
  /** The catalog after the last statement: what the next migration of the folder starts from. */
  catalogAfter: CatalogView;
  context: MigrationContext;
  settings: Settings;
}


/** The relation's name as the SQL writes it. */
export function relationName(rangeVar: Node | undefined): string {
  if (!rangeVar) return '';
  return rangeVar.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : (rangeVar.relname as string);
}

function namesToRelation(items: Node[]): { key: string; name: string } {
  const parts = items.map((i) => i.String?.sval as string);
  const name = parts.join('.');
  const key = parts.length > 1 && parts[0] === 'public' ? parts.slice(1).join('.') : name;
  return { key, name };
}

export function hasDefElem(params: Node[] | undefined, name: string): boolean {
  return (params ?? []).some((p) => p.DefElem?.defname === name);
}

/** A constant written in SQL, as text ('5s', '5000', '0'). */
export function constantText(node: Node | undefined): string | undefined {
  const c = node?.A_Const;
  if (!c) return undefined;
  if (c.sval) return c.sval.sval ?? '';
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return c.fval.fval;
  if (c.boolval) return String(c.boolval.boolval ?? false);
  return undefined;
}

const LOCK_STMT_MODES: LockMode[] = [...LOCK_MODES];

interface Effect {
  locks: Omit<LockFact, 'existing'>[];
  implicit: ImplicitLock[];
  caveats: string[];
  keys: Map<string, string>;
  rewrites: string[];
  scans: string[];
  concurrently: boolean;
}

function newEffect(): Effect {
  return { locks: [], implicit: [], caveats: [], keys: new Map(), rewrites: [], scans: [], concurrently: false };
}

function lock(effect: Effect, name: string, key: string, mode: LockMode, role: string): void {
  const found = effect.locks.find((l) => l.relation === name);
  if (found) {
    if (strength(mode) > strength(found.mode)) found.mode = mode;
    return;
  }
  effect.locks.push({ relation: name, mode, role });
  effect.keys.set(name, key);
}

function rel(effect: Effect, rangeVar: Node | undefined, mode: LockMode, role: string): string {
  const name = relationName(rangeVar);
  if (name) lock(effect, name, relationKey(rangeVar), mode, role);
  return name;
}

// Built-in functions known to be volatile (pg_proc.provolatile = 'v') that migrations use as
// column defaults. A volatile default makes ADD COLUMN rewrite the table even on 11+.
export const VOLATILE_FUNCTIONS = new Set([
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'random',
  'random_normal',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'gen_random_bytes',
  'txid_current',
  'setseed',
]);

// Built-in functions that are stable or immutable: evaluated once for ADD COLUMN on 11+, so the
// default is stored in the catalog and no row is rewritten.
export const NON_VOLATILE_FUNCTIONS = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_timestamp',
  'current_date',
  'localtimestamp',
  'lower',
  'upper',
  'coalesce',
  'jsonb_build_object',
  'json_build_object',
  'jsonb_build_array',
  'array',
  'to_jsonb',
  'make_interval',
  'current_setting',
  'timezone',
]);

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export type DefaultVolatility = 'none' | 'constant' | 'stable' | 'volatile' | 'unknown';

/** Walks an expression and reports the function calls in it. */
function functionCalls(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) functionCalls(n, out);
  } else if (node && typeof node === 'object') {
    const fc = (node as Node).FuncCall;
    if (fc) out.push((fc.funcname as Node[]).map((n) => n.String?.sval).pop() as string);
    for (const v of Object.values(node as Node)) functionCalls(v, out);
  }
  return out;
}

/** How volatile a column's default is: what decides whether ADD COLUMN rewrites the table. */
export function defaultVolatility(column: Node): { volatility: DefaultVolatility; functions: string[] } {
  const typeName = (column.typeName?.names as Node[] | undefined)?.map((n) => n.String?.sval).pop();
  if (typeName && SERIAL_TYPES.has(typeName)) return { volatility: 'volatile', functions: [`nextval (${typeName})`] };
  const constraints = (column.constraints ?? []) as Node[];
  const identity = constraints.find((c) => c.Constraint?.contype === 'CONSTR_IDENTITY');
  if (identity) return { volatility: 'volatile', functions: ['nextval (identity)'] };
  const def = constraints.find((c) => c.Constraint?.contype === 'CONSTR_DEFAULT')?.Constraint;
  if (!def) return { volatility: 'none', functions: [] };
  const expr = def.raw_expr;
  if (expr?.A_Const?.isnull) return { volatility: 'none', functions: [] };
  const calls = functionCalls(expr);
  const volatile = calls.filter((f) => VOLATILE_FUNCTIONS.has(f));
  if (volatile.length) return { volatility: 'volatile', functions: volatile };
  const unknown = calls.filter((f) => !NON_VOLATILE_FUNCTIONS.has(f));
  if (unknown.length) return { volatility: 'unknown', functions: unknown };
  // CURRENT_TIMESTAMP and friends parse as SQLValueFunction: stable.
  return { volatility: calls.length || JSON.stringify(expr).includes('SQLValueFunction') ? 'stable' : 'constant', functions: calls };
}

function constraintsOf(column: Node): Node[] {
  return ((column.constraints ?? []) as Node[]).map((c) => c.Constraint).filter(Boolean);
}

/**
 * The lock a constraint's DROP or VALIDATE takes on a foreign key's referenced table: on that table
 * by name when an earlier statement or migration added the constraint (none at all when it is a
 * CHECK), else described ("the referenced table, when the constraint is a foreign key").
 */
function referencedTable(effect: Effect, catalog: CatalogView, table: Node, constraint: string | undefined, mode: LockMode, scanned: boolean): void {
  const known = constraintOf(catalog, relationKey(table), constraint);
  if (!known) {
    effect.implicit.push({ on: FK_REFERENCED, mode, ...(scanned ? { scanned } : {}) });
    return;
  }
  if (known.kind !== 'foreign key' || !known.references) return;
  lock(effect, known.references, known.references, mode, 'referenced table');
  if (scanned) effect.scans.push(known.references);
}

/** The lock, rewrite and scan of one ALTER TABLE subcommand (ALTER TABLE page, "Notes" and each form). */
function alterCommand(effect: Effect, table: Node, cmd: Node, settings: Settings, catalog: CatalogView, objtype?: string): LockMode {
  const name = relationName(table);
  const subtype = cmd.subtype as string;
  const def = cmd.def as Node | undefined;
  switch (subtype) {
    case 'AT_AddColumn': {
      const column = def?.ColumnDef ?? {};
      const { volatility } = defaultVolatility(column);
      const constraints = constraintsOf(column);
      // Since PostgreSQL 11 a non-volatile default is stored in the catalog ("fast default");
      // before 11 any non-null default rewrote the table.
      const rewrites =
        volatility === 'volatile' ||
        (volatility !== 'none' && settings.pgVersion < 11) ||
        constraints.some((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind === 's');
      if (rewrites) effect.rewrites.push(name);
      if (volatility === 'constant' || volatility === 'stable') {
        effect.caveats.push('PostgreSQL 11+ stores a non-volatile default in the catalog without touching rows; before 11 any default rewrote the table.');
      }
      for (const c of constraints) {
        if (c.contype === 'CONSTR_FOREIGN') {
          rel(effect, c.pktable, 'ShareRowExclusiveLock', 'referenced table');
          // Proven (docs/locks.md): a new column without a default is all NULL and the foreign
          // key is not validated by a scan; with a default every row is checked against the
          // referenced table.
          if (volatility !== 'none') effect.scans.push(name, relationName(c.pktable));
        }
        // CHECK constraints are checked on every row; UNIQUE / PRIMARY KEY build an index.
        if (['CONSTR_CHECK', 'CONSTR_PRIMARY', 'CONSTR_UNIQUE'].includes(c.contype)) effect.scans.push(name);
      }
      return 'AccessExclusiveLock';
    }
    case 'AT_AlterColumnType': {
      const old = catalog.get(relationKey(table))?.columns.get(cmd.name);
      const next = columnInfo(def?.ColumnDef ?? {});
      if (typeChangeRewrites(old, next, Boolean(def?.ColumnDef?.raw_default)) === false) {
        effect.caveats.push(`${cmd.name} is ${old!.type}${old!.typmods.length ? `(${old!.typmods.join(', ')})` : ''} (known from this migration): a binary-coercible change, no rewrite.`);
        return 'AccessExclusiveLock';
      }
      // Foreign keys that reference the column are rebuilt and re-validated: their tables get
      // ACCESS EXCLUSIVE and are read in full.
      effect.rewrites.push(name);
      effect.implicit.push({ on: FKS_REFERENCING, mode: 'AccessExclusiveLock', scanned: true });
      return 'AccessExclusiveLock';
    }
    case 'AT_SetNotNull': {
      // PostgreSQL 12+ skips the scan when a valid CHECK (col IS NOT NULL) already proves it.
      const proven = catalog.get(relationKey(table))?.checks.some((c) => c.validated && c.notNullColumn === cmd.name);
      if (proven && settings.pgVersion >= 12) {
        effect.caveats.push(`A valid CHECK (${cmd.name} IS NOT NULL) lets PostgreSQL 12+ skip the scan; before 12 it scans anyway.`);
      } else effect.scans.push(name);
      return 'AccessExclusiveLock';
    }
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
      return 'ShareUpdateExclusiveLock';
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_DisableTrig':
    case 'AT_EnableTrigAll':
    case 'AT_DisableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrigUser':
      return 'ShareRowExclusiveLock';
    case 'AT_AddConstraint': {
      const c = def?.Constraint ?? {};
      switch (c.contype) {
        case 'CONSTR_FOREIGN':
          // Both the table and the referenced table: SHARE ROW EXCLUSIVE.
          rel(effect, c.pktable, 'ShareRowExclusiveLock', 'referenced table');
          // Validation joins the table to the referenced table: both are read.
          if (!c.skip_validation) effect.scans.push(name, relationName(c.pktable));
          return 'ShareRowExclusiveLock';
        case 'CONSTR_CHECK':
          if (!c.skip_validation) effect.scans.push(name);
          return 'AccessExclusiveLock';
        case 'CONSTR_PRIMARY':
        case 'CONSTR_UNIQUE':
          if (!c.indexname) effect.scans.push(name);
          return 'AccessExclusiveLock';
        case 'CONSTR_EXCLUSION':
        case 'CONSTR_NOTNULL':
          effect.scans.push(name);
          return 'AccessExclusiveLock';
        default:
          return 'AccessExclusiveLock';
      }
    }
    case 'AT_ValidateConstraint':
      // Validation scans under SHARE UPDATE EXCLUSIVE: reads and writes go on (9.4+). A foreign
      // key's referenced table gets ROW SHARE.
      effect.scans.push(name);
      referencedTable(effect, catalog, table, cmd.name, 'RowShareLock', true);
      return 'ShareUpdateExclusiveLock';
    case 'AT_DropConstraint':
      // Dropping a foreign key removes its triggers from the referenced table too.
      referencedTable(effect, catalog, table, cmd.name, 'AccessExclusiveLock', false);
      return 'AccessExclusiveLock';
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
    case 'AT_SetTableSpace':
    case 'AT_SetAccessMethod':
      effect.rewrites.push(name);
      return 'AccessExclusiveLock';
    case 'AT_SetExpression':
      effect.caveats.push('ALTER COLUMN ... SET EXPRESSION exists since PostgreSQL 17.');
      effect.rewrites.push(name);
      return 'AccessExclusiveLock';
    case 'AT_AttachPartition': {
      if (objtype === 'OBJECT_INDEX') {
        // ALTER INDEX parent ATTACH PARTITION child (proven, docs/locks.md): ACCESS EXCLUSIVE on
        // the partition's index, SHARE UPDATE EXCLUSIVE on the parent's, ACCESS SHARE on both
        // tables; nothing is read.
        rel(effect, def?.PartitionCmd?.name, 'AccessExclusiveLock', 'index');
        effect.implicit.push({ on: INDEX_TABLE, mode: 'AccessShareLock' }, { on: PARTITION_INDEX_TABLE, mode: 'AccessShareLock' });
        return 'ShareUpdateExclusiveLock';
      }
      // 12+: SHARE UPDATE EXCLUSIVE on the parent; the partition itself is scanned under ACCESS
      // EXCLUSIVE unless a CHECK constraint proves the bound.
      const partition = def?.PartitionCmd?.name;
      const partitionName = rel(effect, partition, 'AccessExclusiveLock', 'partition');
      effect.scans.push(partitionName);
      effect.caveats.push('PostgreSQL 12+ takes SHARE UPDATE EXCLUSIVE on the parent; before 12, ACCESS EXCLUSIVE.');
      return settings.pgVersion >= 12 ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock';
    }
    case 'AT_DetachPartition': {
      // DETACH ... CONCURRENTLY (14+): SHARE UPDATE EXCLUSIVE on the parent.
      const concurrent = def?.PartitionCmd?.concurrent === true;
      if (concurrent) {
        effect.concurrently = true;
        effect.caveats.push('DETACH PARTITION ... CONCURRENTLY exists since PostgreSQL 14.');
      }
      rel(effect, def?.PartitionCmd?.name, concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock', 'partition');
      return concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock';
    }
    case 'AT_AddInherit':
      // INHERIT parent: SHARE UPDATE EXCLUSIVE on the parent (proven, docs/locks.md); NO INHERIT
      // only reads the parent (ACCESS SHARE).
      rel(effect, def?.RangeVar, 'ShareUpdateExclusiveLock', 'parent table');
      return 'AccessExclusiveLock';
    default:
      // Every other form (DROP COLUMN, SET/DROP DEFAULT, DROP NOT NULL, SET STORAGE, DROP
      // CONSTRAINT, ROW LEVEL SECURITY, OWNER TO, identity, ...) takes ACCESS EXCLUSIVE:
      // "An ACCESS EXCLUSIVE lock is acquired unless explicitly noted."
      return 'AccessExclusiveLock';
  }
}

/** Locks, rewrites and scans of one statement, before the migration's history is applied. */
function statementEffect(statement: Statement, settings: Settings, catalog: CatalogView): Effect {
  const effect = newEffect();
  const n = statement.node ?? {};
  switch (statement.kind) {
    case 'AlterTableStmt': {
      const modes = ((n.cmds ?? []) as Node[]).map((c) => alterCommand(effect, n.relation, c.AlterTableCmd ?? {}, settings, catalog, n.objtype));
      const role = n.objtype === 'OBJECT_INDEX' ? 'index' : n.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table';
      const mode = modes.reduce<LockMode>((a, b) => (strength(b) > strength(a) ? b : a), modes[0] ?? 'AccessExclusiveLock');
      // The table's own entry first, as pg_locks lists the relation being altered.
      const others = effect.locks.splice(0);
      rel(effect, n.relation, mode, role);
      for (const o of others) lock(effect, o.relation, effect.keys.get(o.relation) ?? o.relation, o.mode, o.role);
      break;
    }
    case 'IndexStmt':
      // CREATE INDEX: SHARE (blocks writes); CONCURRENTLY: SHARE UPDATE EXCLUSIVE.
      effect.concurrently = n.concurrent === true;
      rel(effect, n.relation, n.concurrent ? 'ShareUpdateExclusiveLock' : 'ShareLock', 'table');
      // CREATE INDEX ... ON ONLY (proven on a partitioned table, docs/locks.md): an invalid index
      // on the parent alone, which has no rows to read; ON ONLY is how partitioned tables get one.
      if (n.relation && !n.relation.inh) effect.caveats.push('ON ONLY on a partitioned table reads nothing: the index stays invalid until each partition\'s index is attached. On a plain table ONLY changes nothing and the index is built as usual.');
      else effect.scans.push(relationName(n.relation));
      break;
    case 'DropStmt': {
      const objects = (n.objects ?? []) as Node[];
      const type = n.removeType as string;
      if (type === 'OBJECT_INDEX') {
        // DROP INDEX: ACCESS EXCLUSIVE on the index and its table; CONCURRENTLY: SHARE UPDATE EXCLUSIVE.
        effect.concurrently = n.concurrent === true;
        const mode: LockMode = n.concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock';
        let unknown = false;
        for (const o of objects) {
          const r = namesToRelation(o.List?.items ?? []);
          lock(effect, r.name, r.key, mode, 'index');
          // The index's table, when an earlier migration created the index: named, not described.
          const table = tableOfIndex(catalog, r.key);
          if (!table) {
            unknown = true;
            continue;
          }
          lock(effect, table, table, mode, "index's table");
          const backs = catalog.get(table)?.indexes?.get(r.key.slice(r.key.lastIndexOf('.') + 1))?.constraint;
          if (backs) effect.caveats.push(`${r.name} backs the constraint ${backs} of ${table}: DROP INDEX fails ("cannot drop index ... because constraint ... requires it"); ALTER TABLE ${table} DROP CONSTRAINT ${backs} drops both, under ACCESS EXCLUSIVE.`);
        }
        if (unknown) effect.implicit.push({ on: INDEX_TABLE, mode });
      } else if (['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE'].includes(type)) {
        const role = type.replace('OBJECT_', '').replace('MATVIEW', 'materialized view').replace('_', ' ').toLowerCase();
        for (const o of objects) {
          const r = namesToRelation(o.List?.items ?? []);
          lock(effect, r.name, r.key, 'AccessExclusiveLock', role);
        }
        // Its foreign keys' triggers live on the referenced tables.
        if (type === 'OBJECT_TABLE') effect.implicit.push({ on: FKS_REFERENCED, mode: 'AccessExclusiveLock' });
      } else if (type === 'OBJECT_TRIGGER' || type === 'OBJECT_POLICY' || type === 'OBJECT_RULE') {
        // DROP TRIGGER / POLICY / RULE name ON table: the last item is the object, the rest the table.
        for (const o of objects) {
          const items = (o.List?.items ?? []) as Node[];
          const r = namesToRelation(items.slice(0, -1));
          lock(effect, r.name, r.key, 'AccessExclusiveLock', 'table');
        }
      }
      break;
    }
    case 'ReindexStmt': {
      // REINDEX: SHARE on the table, ACCESS EXCLUSIVE on each index rebuilt; CONCURRENTLY (12+):
      // SHARE UPDATE EXCLUSIVE.
      const concurrent = hasDefElem(n.params, 'concurrently');
      effect.concurrently = concurrent;
      if (concurrent) effect.caveats.push('REINDEX ... CONCURRENTLY exists since PostgreSQL 12.');
      // Rebuilding an index reads its table in full.
      if (n.kind === 'REINDEX_OBJECT_INDEX') {
        rel(effect, n.relation, concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock', 'index');
        const tableMode: LockMode = concurrent ? 'ShareUpdateExclusiveLock' : 'ShareLock';
        const table = tableOfIndex(catalog, relationKey(n.relation));
        if (table) {
          lock(effect, table, table, tableMode, "index's table");
          effect.scans.push(table);
        } else effect.implicit.push({ on: INDEX_TABLE, mode: tableMode, scanned: true });
      } else if (n.kind === 'REINDEX_OBJECT_TABLE') {
        effect.scans.push(rel(effect, n.relation, concurrent ? 'ShareUpdateExclusiveLock' : 'ShareLock', 'table'));
      }
      break;
    }
    case 'CreateStmt': {
      // A new table; its foreign keys take SHARE ROW EXCLUSIVE on each referenced table, and
      // PARTITION OF takes ACCESS EXCLUSIVE on the parent.
      for (const elt of (n.tableElts ?? []) as Node[]) {
        const cs = elt.ColumnDef ? constraintsOf(elt.ColumnDef) : elt.Constraint ? [elt.Constraint] : [];
        for (const c of cs) if (c.contype === 'CONSTR_FOREIGN') rel(effect, c.pktable, 'ShareRowExclusiveLock', 'referenced table');
      }
      if (n.partbound) for (const parent of (n.inhRelations ?? []) as Node[]) rel(effect, parent.RangeVar, 'AccessExclusiveLock', 'partitioned table');
      break;
    }
    case 'TruncateStmt':
      for (const r of (n.relations ?? []) as Node[]) rel(effect, r.RangeVar, 'AccessExclusiveLock', 'table');
      break;
    case 'VacuumStmt': {
      const full = hasDefElem(n.options, 'full');
      // VACUUM reads every page not known all-visible; ANALYZE reads a sample only.
      for (const r of (n.rels ?? []) as Node[]) {
        const name = rel(effect, r.VacuumRelation?.relation, full ? 'AccessExclusiveLock' : 'ShareUpdateExclusiveLock', 'table');
        if (full) effect.rewrites.push(name);
        else if (n.is_vacuumcmd) effect.scans.push(name);
      }
      break;
    }
    case 'ClusterStmt':
      if (n.relation) effect.rewrites.push(rel(effect, n.relation, 'AccessExclusiveLock', 'table'));
      break;
    case 'LockStmt':
      for (const r of (n.relations ?? []) as Node[]) rel(effect, r.RangeVar, LOCK_STMT_MODES[(n.mode ?? 8) - 1] ?? 'AccessExclusiveLock', 'table');
      break;
    case 'RefreshMatViewStmt':
      // REFRESH: ACCESS EXCLUSIVE and new storage; CONCURRENTLY: EXCLUSIVE (reads go on).
      effect.concurrently = n.concurrent === true;
      if (n.concurrent) effect.scans.push(rel(effect, n.relation, 'ExclusiveLock', 'materialized view'));
      else effect.rewrites.push(rel(effect, n.relation, 'AccessExclusiveLock', 'materialized view'));
      effect.implicit.push({ on: VIEW_SOURCES, mode: 'AccessShareLock', scanned: true });
      break;
    case 'CreateTrigStmt':
      rel(effect, n.relation, 'ShareRowExclusiveLock', 'table');
      break;
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      rel(effect, n.table, 'AccessExclusiveLock', 'table');
      break;
    case 'RenameStmt':
      if (n.relation) {
        // ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE since 12; other renames ACCESS EXCLUSIVE.
        const indexRename = n.renameType === 'OBJECT_INDEX' && settings.pgVersion >= 12;
        if (n.renameType === 'OBJECT_INDEX') effect.caveats.push('ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE since PostgreSQL 12; ACCESS EXCLUSIVE before.');
        rel(effect, n.relation, indexRename ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock', n.renameType === 'OBJECT_INDEX' ? 'index' : 'table');
      }
      break;
    case 'AlterObjectSchemaStmt':
      if (n.relation) rel(effect, n.relation, 'AccessExclusiveLock', 'table');
      break;
    case 'ViewStmt':
      if (n.replace) rel(effect, n.view, 'AccessExclusiveLock', 'view');
      break;
    case 'CommentStmt':
      // COMMENT ON TABLE / COLUMN: SHARE UPDATE EXCLUSIVE on the table.
      if (n.objtype === 'OBJECT_TABLE' || n.objtype === 'OBJECT_COLUMN') {
        const items = (n.object?.List?.items ?? []) as Node[];
        const r = namesToRelation(n.objtype === 'OBJECT_COLUMN' ? items.slice(0, -1) : items);
        lock(effect, r.name, r.key, 'ShareUpdateExclusiveLock', 'table');
      }
      break;
    case 'UpdateStmt':
    case 'DeleteStmt': {
      const name = rel(effect, n.relation, 'RowExclusiveLock', 'table');
      // Without WHERE every row is touched in one transaction.
      if (!n.whereClause) effect.scans.push(name);
      break;
    }
    case 'AlterSeqStmt':
      // Proven (docs/locks.md): SHARE ROW EXCLUSIVE on the sequence; RESTART gives it new storage.
      rel(effect, n.sequence, 'ShareRowExclusiveLock', 'sequence');
      break;
    case 'CreateTableAsStmt':
      // CREATE TABLE AS / MATERIALIZED VIEW runs its query: every table it reads is read in full.
      readRelations(effect, n.query, new Set());
      effect.scans.push(...effect.locks.map((l) => l.relation));
      break;
    case 'InsertStmt':
    case 'MergeStmt':
      rel(effect, n.relation, 'RowExclusiveLock', 'table');
      // Foreign key checks lock the referenced rows FOR KEY SHARE.
      effect.implicit.push({ on: FKS_REFERENCED, mode: 'RowShareLock' });
      break;
  }
  // GRANT / REVOKE on a table: ACCESS SHARE on PostgreSQL 18, no lock on 15 (both observed,
  // docs/locks.md); 16 and 17 are not verified here and are claimed as 15.
  if (statement.kind === 'GrantStmt') {
    effect.caveats.push('GRANT and REVOKE take ACCESS SHARE on the table on PostgreSQL 18 and no table lock on 15 (both observed); 16 and 17 are not verified.');
    if (settings.pgVersion < 18) return effect;
  }
  // Names of WITH queries are not relations.
  const ctes = statement.tokens.some((t) => t.keyword === 'WITH') ? (JSON.stringify(n).match(/"ctename":"[^"]+"/g)?.map((m) => m.slice(11, -1)) ?? []) : [];
  // A data-modifying WITH query (`WITH u AS (UPDATE t ...) SELECT ...`, a common batch step in DO
  // blocks) takes ROW EXCLUSIVE on its table, as the statement itself would.
  for (const cte of (n.withClause?.ctes ?? []) as Node[]) {
    const q = cte.CommonTableExpr?.ctequery as Node | undefined;
    const target = q?.UpdateStmt ?? q?.DeleteStmt ?? q?.InsertStmt ?? q?.MergeStmt;
    if (target?.relation) rel(effect, target.relation, 'RowExclusiveLock', 'table');
  }
  readRelations(effect, n, new Set([...createdBy(statement), ...ctes]));
  return effect;
}

/**
 * Every other relation the statement names is opened for reading during parse analysis: ACCESS
 * SHARE (a view's or a CREATE TABLE AS query's tables, UPDATE ... FROM, subqueries).
 */
function readRelations(effect: Effect, node: unknown, created: Set<string>): void {
  for (const rangeVar of rangeVarsIn(node)) {
    if (created.has(relationKey(rangeVar))) continue;
    const name = relationName(rangeVar);
    if (!effect.locks.some((l) => l.relation === name)) lock(effect, name, relationKey(rangeVar), 'AccessShareLock', 'read');
  }
}

/**
 * The RangeVars a parse tree reads, in tree order. Trees are shared by statement text (the parse
 * cache) and never changed, so an unchanged statement is walked once, not on every keystroke.
 */
const rangeVarCache = new WeakMap<object, Node[]>();
function rangeVarsIn(node: unknown): Node[] {
  if (!node || typeof node !== 'object') return [];
  const cached = rangeVarCache.get(node);
  if (cached) return cached;
  const out: Node[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const rangeVar = (n as Node).RangeVar;
    if (rangeVar) out.push(rangeVar);
    for (const [key, value] of Object.entries(n as Node)) {
      // The statement's own targets are locked above; `relation` fields are RangeVars without the wrapper.
      if (['relation', 'rel', 'view', 'table', 'pktable', 'name', 'sequence'].includes(key)) continue;
      walk(value);
    }
  };
  walk(node);
  rangeVarCache.set(node, out);
  return out;
}

/** Splits an ALTER TABLE's tokens into its subcommands, at commas outside parentheses. */
function alterCommands(statement: Statement): AlterCommand[] {
  const n = statement.node ?? {};
  const cmds = ((n.cmds ?? []) as Node[]).map((c) => c.AlterTableCmd ?? {});
  const relStart = statement.at(n.relation?.location ?? 0);
  let i = statement.tokens.findIndex((t) => t.start === relStart);
  const spans: Token[][] = [];
  if (i >= 0) {
    while (statement.tokens[i + 1]?.text === '.') i += 2;
    let depth = 0;
    let current: Token[] = [];
    for (const t of statement.tokens.slice(i + 1)) {
      if (t.text === '(') depth++;
      if (t.text === ')') depth--;
      if (t.text === ',' && depth === 0) {
        spans.push(current);
        current = [];
      } else current.push(t);
    }
    spans.push(current);
  }
  const aligned = spans.length === cmds.length && spans.every((s) => s.length > 0);
  return cmds.map((node, k) => {
    const tokens = aligned ? spans[k] : statement.tokens;
    return { subtype: node.subtype as string, node, tokens, start: tokens[0].start, end: tokens[tokens.length - 1].end };
  });
}

/** Relations a statement creates (tables, views, indexes), by key. */
function createdBy(statement: Statement): string[] {
  const n = statement.node ?? {};
  switch (statement.kind) {
    case 'CreateStmt':
      return [relationKey(n.relation)];
    case 'CreateTableAsStmt':
      return [relationKey(n.into?.rel)];
    case 'ViewStmt':
      return n.replace ? [] : [relationKey(n.view)];
    case 'IndexStmt':
      if (!n.idxname) return [];
      return [n.relation?.schemaname && n.relation.schemaname !== 'public' ? `${n.relation.schemaname}.${n.idxname}` : n.idxname];
    default:
      return [];
  }
}

interface TimeoutState {
  session?: string;
  local?: string;
}

function setTimeout(state: TimeoutState, value: string | undefined, local: boolean, inTransaction: boolean): void {
  // 0 disables the timeout; SET LOCAL outside a transaction block has no effect.
  const normalized = value === undefined || /^0+\s*(ms|s|min|h|d)?$/i.test(value.trim()) ? undefined : value;
  if (local) {
    if (inTransaction) state.local = normalized ?? '';
  } else {
    state.session = normalized;
    if (inTransaction) state.local = undefined;
  }
}

function effective(state: TimeoutState): string | undefined {
  if (state.local !== undefined) return state.local === '' ? undefined : state.local;
  return state.session;
}

/** The state deriveFacts carries from one statement to the next, as it was before a statement. */
interface SavedState {
  createdSnapshot: PersistentSet;
  catalog: CatalogView;
  inTransaction: boolean;
  toolTransaction: boolean;
  transactions: number;
  /** Index into the context's segments (-1: before the first). */
  segment: number;
  held: LockFact[];
  timeouts: Record<'lock_timeout' | 'statement_timeout', TimeoutState>;
}

/** Per FileFacts, the state before each statement: where an edit's re-analysis starts from. */
const savedStates = new WeakMap<FileFacts, SavedState[]>();
/** Per FileFacts, the prior catalog it started from. */
const priorOf = new WeakMap<FileFacts, CatalogView | undefined>();

/**
 * Compares the states before each statement of a new analysis and of the previous one, statement
 * after statement: the catalogs and the sets of created relations are followed as they change
 * (see Divergence), so that two analyses that never meet again cost their changes, not the
 * catalog's size at every statement.
 */
function stateComparison(): (a: SavedState, b: SavedState) => boolean {
  const sameCatalogs = catalogComparison();
  const created = new Divergence<true>(() => true);
  return (a, b) =>
    a.inTransaction === b.inTransaction &&
    a.toolTransaction === b.toolTransaction &&
    a.transactions === b.transactions &&
    a.segment === b.segment &&
    created.equal(a.createdSnapshot.map, b.createdSnapshot.map) &&
    JSON.stringify(a.held) === JSON.stringify(b.held) &&
    JSON.stringify(a.timeouts) === JSON.stringify(b.timeouts) &&
    sameCatalogs(a.catalog, b.catalog);
}

/** The same migration context, but for segment starts after `from` moved by `delta`. */
function sameContext(a: MigrationContext, b: MigrationContext, from: number, delta: number): boolean {
  const strip = (c: MigrationContext) => JSON.stringify({ ...c, segments: c.segments.map((g) => ({ ...g, start: 0 })) });
  return (
    a.segments.length === b.segments.length &&
    a.segments.every((g, i) => (g.start < from ? b.segments[i].start === g.start : b.segments[i].start === g.start + delta)) &&
    strip(a) === strip(b)
  );
}

const sameStatement = (a: Statement, b: Statement, delta: number) => a.text === b.text && a.kind === b.kind && a.start + delta === b.start && (a.terminatorEnd === undefined) === (b.terminatorEnd === undefined);

/**
 * Derives the facts of every statement of a file, in order.
 *
 * `previous`: the facts of the same document before an edit (same settings, prior catalog and
 * tool). The statements before the edit keep their facts; from the edited one on, facts are
 * derived again until the state before a statement is the same as it was before the edit, and
 * the rest keep their facts too (moved by the edit's length). An edit in a long migration then
 * costs the edited statements, not the file.
 */
export function deriveFacts(parsed: ParsedFile, settings: Settings, context: MigrationContext, prior?: CatalogView, previous?: FileFacts): FileFacts {
  const created = new Set<string>();
  let catalog = new Catalog(prior);
  let createdSnapshot = PersistentSet.empty();
  let inTransaction = false;
  let toolTransaction = false;
  let transactions = 0;
  let segment: MigrationContext['segments'][number] | undefined;
  let held: LockFact[] = [];
  // Set by the runner or the role (the timeoutsInForce setting): in force before the first statement.
  let timeouts: Record<'lock_timeout' | 'statement_timeout', TimeoutState> = settings.timeoutsInForce
    ? { lock_timeout: { session: settings.lockTimeout }, statement_timeout: { session: settings.statementTimeout } }
    : { lock_timeout: {}, statement_timeout: {} };
  const out: StatementFacts[] = [];
  const states: SavedState[] = [];
  const save = (): SavedState => ({
    createdSnapshot,
    catalog: catalog.view(),
    inTransaction,
    toolTransaction,
    transactions,
    segment: segment ? context.segments.indexOf(segment) : -1,
    held: held.length ? held.map((l) => ({ ...l })) : [],
    timeouts: { lock_timeout: { ...timeouts.lock_timeout }, statement_timeout: { ...timeouts.statement_timeout } },
  });

  // What the previous analysis of this document can give.
  const old = previous && savedStates.get(previous);
  const delta = parsed.text.length - (previous?.parsed.text.length ?? 0);
  let first = 0; // statements before this index keep their facts
  let tail = -1; // from this index on, facts may be re-used once the state is the same
  if (previous && old && previous.settings === settings && samePrior(previous, prior)) {
    const a = previous.parsed.statements;
    const b = parsed.statements;
    while (first < a.length && first < b.length && sameStatement(a[first], b[first], 0)) first++;
    const changeStart = first < b.length ? b[first].start : parsed.text.length;
    if (!sameContext(previous.context, context, changeStart, delta)) first = 0;
    else {
      // The same statement object (parseFile re-uses unchanged ones): the same facts object.
      for (let i = 0; i < first; i++) out.push(a[i] === b[i] ? previous.statements[i] : { ...previous.statements[i], statement: b[i] });
      if (first > 0) {
        const s = old[first];
        if (s) {
          createdSnapshot = s.createdSnapshot;
          for (const k of s.createdSnapshot) created.add(k);
          catalog = Catalog.resume(s.catalog);
          inTransaction = s.inTransaction;
          toolTransaction = s.toolTransaction;
          transactions = s.transactions;
          segment = s.segment >= 0 ? context.segments[s.segment] : undefined;
          held = s.held.map((l) => ({ ...l }));
          timeouts = { lock_timeout: { ...s.timeouts.lock_timeout }, statement_timeout: { ...s.timeouts.statement_timeout } };
          states.push(...old.slice(0, first));
        } else {
          out.length = 0;
          first = 0;
        }
      }
      // Same number of statements: statement indexes (held locks' `since`, the catalog's) still hold.
      if (a.length === b.length) tail = first + 1;
    }
  }

  const lastRunner = previous ? previous.statements.reduce((last, f, i) => (f.inner ? i : last), -1) : -1;
  const sameState = stateComparison();
  // PL/pgSQL routines the migration creates, by name: a CALL or SELECT after one runs its body.
  const routines = new Map<string, number[]>();
  for (const s of parsed.statements) {
    const r = plpgsqlRoutine(s);
    if (r) routines.set(r.name, [...(routines.get(r.name) ?? []), s.index]);
  }
  /** The PL/pgSQL bodies a statement runs: a DO block's own, the routines a CALL or SELECT calls. */
  const bodiesRun = (statement: Statement): RoutineBody[] => {
    if (statement.kind === 'DoStmt') {
      const body = routineBody(statement);
      return body ? [body] : [];
    }
    return calledRoutines(statement, routines).flatMap((name) => {
      const creator = routines.get(name)!.filter((i) => i < statement.index).pop();
      const body = creator === undefined ? undefined : routineBody(parsed.statements[creator], statement.index);
      return body ? [body] : [];
    });
  };
  /**
   * A statement that runs PL/pgSQL bodies: each statement of the bodies in turn, in the
   * transaction the runner is in, or in the runner's own implicit one (which each permitted
   * COMMIT of the body ends and opens anew); the runner's facts are the union of theirs.
   */
  const runBodies = (runner: Statement, bodies: RoutineBody[]): StatementFacts => {
    const outer = inTransaction;
    const self = step(runner);
    if (!inTransaction) {
      inTransaction = true;
      transactions++;
    }
    const inner: StatementFacts[] = [];
    for (const body of bodies) {
      for (const s of body.statements) {
        const ends = s.kind === 'TransactionStmt' && ['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK'].includes(s.node?.kind);
        const fails: BlockFacts['fails'] = !ends ? undefined : outer ? 'transaction block' : s.body.subtransaction ? 'subtransaction' : body.routine.startsWith('function') ? 'function' : undefined;
        inner.push(step(s, { runner: runner.index, routine: body.routine, inTransactionBlock: outer, fails }));
        if (ends && !fails) {
          held = [];
          for (const t of Object.values(timeouts)) t.local = undefined;
          transactions++;
        }
      }
    }
    if (!outer) {
      inTransaction = false;
      held = [];
      for (const t of Object.values(timeouts)) t.local = undefined;
    }
    const locks = [...self.locks.map((l) => ({ ...l }))];
    for (const l of inner.flatMap((f) => f.locks)) {
      const found = locks.find((x) => x.relation === l.relation);
      if (!found) locks.push({ ...l });
      else {
        if (strength(l.mode) > strength(found.mode)) found.mode = l.mode;
        found.existing ||= l.existing;
      }
    }
    const implicit = new Map([...self.implicitLocks, ...inner.flatMap((f) => f.implicitLocks)].map((i) => [`${i.on}|${i.mode}`, i]));
    const rewrites = [...new Set([...self.rewrites, ...inner.flatMap((f) => f.rewrites)])];
    return {
      ...self,
      locks,
      implicitLocks: [...implicit.values()],
      rewrites,
      scans: [...new Set([...self.scans, ...inner.flatMap((f) => f.scans)])].filter((r) => !rewrites.includes(r)),
      caveats: [...new Set([...self.caveats, ...inner.flatMap((f) => f.caveats)])],
      // What the transaction holds once the block has run (nothing when the block ran on its own).
      heldAfter: held.map((l) => ({ ...l })),
      inner,
      routines: bodies,
    };
  };

  /** The facts of one statement in the state it runs in, and the state after it (`block`: inside a PL/pgSQL body). */
  const step = (statement: Statement, block?: BlockFacts): StatementFacts => {
    const effect = statementEffect(statement, settings, catalog.view());
    // A relation is new when an earlier statement, or this one (a table referencing itself), created it.
    const ownNew = new Set(createdBy(statement));
    const isNew = (key: string) => created.has(key) || ownNew.has(key);
    const locks: LockFact[] = effect.locks.map((l) => {
      const fact: LockFact = { ...l, existing: !isNew(effect.keys.get(l.relation) ?? l.relation) };
      const h = inTransaction ? held.find((x) => x.relation === l.relation) : undefined;
      if (h && strength(h.mode) > strength(l.mode)) fact.alreadyHeld = { mode: h.mode, since: h.since ?? 0 };
      return fact;
    });
    const facts: StatementFacts = {
      statement,
      kind: statement.kind,
      locks,
      implicitLocks: effect.implicit,
      rewrites: [...new Set(effect.rewrites)],
      scans: [...new Set(effect.scans)].filter((s) => !effect.rewrites.includes(s)),
      inTransaction,
      heldBefore: held.length ? held.map((l) => ({ ...l })) : [],
      heldAfter: [],
      lockTimeout: effective(timeouts.lock_timeout),
      statementTimeout: effective(timeouts.statement_timeout),
      createdBefore: createdSnapshot,
      commands: statement.kind === 'AlterTableStmt' ? alterCommands(statement) : [],
      concurrently: effect.concurrently,
      caveats: effect.caveats,
      catalog: catalog.view(),
      transaction: inTransaction ? transactions : undefined,
      direction: segment?.direction ?? 'up',
      toolTransaction,
      ...(block ? { block } : {}),
    };

    // The state after the statement.
    const n = statement.node ?? {};
    if (inTransaction) {
      for (const l of locks) {
        const h = held.find((x) => x.relation === l.relation);
        if (!h) held.push({ ...l, since: statement.index });
        else if (strength(l.mode) > strength(h.mode)) h.mode = l.mode;
      }
    }
    if (statement.kind === 'TransactionStmt' && !block) {
      const kind = n.kind as string;
      if ((kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') && !inTransaction) {
        inTransaction = true;
        transactions++;
      }
      if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE') {
        inTransaction = false;
        toolTransaction = false;
        held = [];
        for (const t of Object.values(timeouts)) t.local = undefined;
      }
    } else if (statement.kind === 'VariableSetStmt' && (n.name === 'lock_timeout' || n.name === 'statement_timeout')) {
      const state = timeouts[n.name as 'lock_timeout' | 'statement_timeout'];
      const value = n.kind === 'VAR_SET_VALUE' ? constantText(n.args?.[0]) : undefined;
      setTimeout(state, value, n.is_local === true, inTransaction);
    } else if (statement.kind === 'SelectStmt') {
      // SELECT set_config('lock_timeout', '5s', is_local)
      for (const target of (n.targetList ?? []) as Node[]) {
        const fc = target.ResTarget?.val?.FuncCall;
        if (fc?.funcname?.map((x: Node) => x.String?.sval).pop() !== 'set_config') continue;
        const [name, value, local] = ((fc.args ?? []) as Node[]).map(constantText);
        if (name === 'lock_timeout' || name === 'statement_timeout') setTimeout(timeouts[name], value, local === 'true', inTransaction);
      }
    }
    if (!inTransaction) held = [];
    if (held.length) facts.heldAfter = held.map((l) => ({ ...l }));
    for (const key of createdBy(statement)) {
      if (!key || created.has(key)) continue;
      created.add(key);
      createdSnapshot = createdSnapshot.add(key); // persistent: statements share all but the new path
    }
    if (statement.kind === 'CreateStmt') catalog.createTable(relationKey(n.relation), n.tableElts ?? []);
    if (statement.kind === 'DropStmt' && n.removeType === 'OBJECT_TABLE') {
      for (const o of (n.objects ?? []) as Node[]) catalog.dropTable(namesToRelation(o.List?.items ?? []).key);
    }
    if (statement.kind === 'DropStmt' && n.removeType === 'OBJECT_INDEX') {
      for (const o of (n.objects ?? []) as Node[]) catalog.dropIndex(namesToRelation(o.List?.items ?? []).key);
    }
    if (statement.kind === 'IndexStmt' && n.idxname) {
      const columns = ((n.indexParams ?? []) as Node[]).map((p) => (p.IndexElem?.name as string | undefined) ?? '(expression)');
      catalog.createIndex(relationKey(n.relation), n.idxname, { columns, unique: n.unique === true });
    }
    if (statement.kind === 'AlterTableStmt' && n.objtype === 'OBJECT_TABLE') {
      for (const c of (n.cmds ?? []) as Node[]) catalog.alter(relationKey(n.relation), c.AlterTableCmd ?? {}, statement.index, facts.transaction);
    }
    return facts;
  };

  for (let index = first; index < parsed.statements.length; index++) {
    const statement = parsed.statements[index];
    // Facts of PL/pgSQL bodies hold positions inside them: re-derived, never moved.
    if (tail >= 0 && index >= tail && index > lastRunner && old && sameStatement(previous!.parsed.statements[index], statement, delta)) {
      const before = save();
      if (sameState(before, old[index])) {
        // From here on, nothing differs from the previous analysis but the positions.
        for (let i = index; i < parsed.statements.length; i++) {
          const f = previous!.statements[i];
          const moved = parsed.statements[i];
          out.push({ ...f, statement: moved, commands: f.commands.length ? alterCommands(moved) : f.commands });
          states.push(old[i]);
        }
        const result = { parsed, statements: out, context, settings, catalogAfter: previous!.catalogAfter };
        savedStates.set(result, states);
        priorOf.set(result, prior);
        return result;
      }
      states.push(before);
    } else states.push(save());
    // Entering a new part of the file (a changeset, dbmate's down section...): the tool commits
    // the previous part's transaction and opens the next one's.
    const next = segmentAt(context, statement.start);
    if (next !== segment) {
      if (toolTransaction) {
        inTransaction = false;
        toolTransaction = false;
        held = [];
        for (const t of Object.values(timeouts)) t.local = undefined;
      }
      // A down section runs later, on rollback: what the up section created exists by then.
      if (segment && next.direction !== segment.direction) {
        created.clear();
        createdSnapshot = PersistentSet.empty();
      }
      if (next.transaction && !inTransaction) {
        inTransaction = true;
        toolTransaction = true;
        transactions++;
      }
      segment = next;
    }
    const bodies = bodiesRun(statement);
    out.push(bodies.length ? runBodies(statement, bodies) : step(statement));
  }
  const result = { parsed, statements: out, context, settings, catalogAfter: catalog.view() };
  savedStates.set(result, states);
  priorOf.set(result, prior);
  return result;
}

/** The previous analysis started from the same catalog of earlier migrations. */
function samePrior(previous: FileFacts, prior: CatalogView | undefined): boolean {
  return priorOf.get(previous) === prior;
}
