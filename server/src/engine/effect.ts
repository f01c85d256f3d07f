/**
 * What one statement does on its own: the locks it takes on which relations, what it rewrites and
 * what it reads in full, before the migration's transaction and history are applied (facts.ts).
 *
 * The code here only decides WHICH entry of the lock table a statement (or ALTER TABLE
 * subcommand) is, and which relations fill the entry's roles; the modes, rewrites and scans are
 * read from the entry (locktable.ts), so the facts, the hover, docs/locks.md and the proof shapes
 * cannot disagree.
 */
import { CatalogView, catalogObjects, columnInfo, constraintOf, relationKey, schemaFunctionUses, tableOfIndex, typeChangeRewrites, viewSources } from './catalog';
import { constraintsOf, createdBy, hasDefElem, namesToRelation, rangeVarsIn, relationName } from './tree';
import type { ImplicitLock, LockFact } from './facts';
import { LOCK_MODES, LockMode, strength } from './locks';
import { DESCRIBED, FK_REFERENCED_WORDS, LOCK_TABLE as T, LockEntry, modeOf, mustMode, Role } from './locktable';
import { Node, NodeTag, Of } from './ast';
import { Statement } from './parse';
import { Settings } from './settings';
import { defaultVolatility } from './volatility';


export interface Effect {
  locks: Omit<LockFact, 'existing'>[];
  implicit: ImplicitLock[];
  caveats: string[];
  keys: Map<string, string>;
  rewrites: string[];
  scans: string[];
  concurrently: boolean;
  /** The lock table entries the statement is (their ids, in the order met). */
  forms: string[];
}

/** What the migration has set in the session before the statement. */
export interface Session {
  /** TimeZone, as SET by the migration (undefined: the server's, unknown here). */
  timezone?: string;
}

/** What the entry-reading helpers need besides the effect. */
interface Ctx {
  effect: Effect;
  settings: Settings;
  catalog: CatalogView;
  session: Session;
}

/** Time zones with a zero UTC offset at every date: what PostgreSQL 12+ checks before it skips the rewrite. */
const UTC_ZONES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'zulu', 'etc/zulu', 'universal', 'etc/universal', 'uct', 'etc/uct', 'greenwich', 'etc/greenwich']);

function newEffect(): Effect {
  return { locks: [], implicit: [], caveats: [], keys: new Map(), rewrites: [], scans: [], concurrently: false, forms: [] };
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

function rel(effect: Effect, rangeVar: Of<'RangeVar'> | undefined, mode: LockMode, role: string): string {
  const name = relationName(rangeVar);
  if (name) lock(effect, name, relationKey(rangeVar), mode, role);
  return name;
}

/** The statement is this entry: recorded in the facts' `forms`. */
function is(ctx: Ctx, entry: LockEntry): LockEntry {
  if (!ctx.effect.forms.includes(entry.id)) ctx.effect.forms.push(entry.id);
  return entry;
}

/** The entry's lock on a role, on the relation the SQL names there. */
function take(ctx: Ctx, entry: LockEntry, role: Role, rangeVar: Of<'RangeVar'> | undefined, words: string): string {
  const mode = modeOf(entry, role, ctx.settings.pgVersion);
  return mode ? rel(ctx.effect, rangeVar, mode, words) : relationName(rangeVar);
}

/** The entry's lock on a role the SQL does not name, described in words (DESCRIBED). */
function describe(ctx: Ctx, entry: LockEntry, role: Role, words = DESCRIBED[role]!): void {
  const mode = mustMode(entry, role, ctx.settings.pgVersion);
  ctx.effect.implicit.push({ on: words, mode, ...(entry.scansAlso?.includes(role) ? { scanned: true } : {}) });
}

/** The entry's rewrite and scan when they hold always (conditional ones are decided by the caller). */
function work(ctx: Ctx, entry: LockEntry, name: string): void {
  if (entry.rewrites === true) ctx.effect.rewrites.push(name);
  else if (entry.scans === true) ctx.effect.scans.push(name);
}

/**
 * The lock a constraint's DROP or VALIDATE takes on a foreign key's referenced table: on that table
 * by name when an earlier statement or migration added the constraint (none at all when it is a
 * CHECK), else described ("the referenced table, when the constraint is a foreign key").
 */
function referencedTable(ctx: Ctx, entry: LockEntry, table: Of<'RangeVar'> | undefined, constraint: string | undefined): void {
  const mode = mustMode(entry, 'referenced', ctx.settings.pgVersion);
  const scanned = entry.scansAlso?.includes('referenced') ?? false;
  const known = constraintOf(ctx.catalog, relationKey(table), constraint);
  if (!known) {
    ctx.effect.implicit.push({ on: FK_REFERENCED_WORDS, mode, ...(scanned ? { scanned } : {}) });
    return;
  }
  if (known.kind !== 'foreign key' || !known.references) return;
  lock(ctx.effect, known.references, known.references, mode, 'referenced table');
  if (scanned) ctx.effect.scans.push(known.references);
}

/** ADD COLUMN: the fast default (11+), volatile defaults, stored generated columns, inline constraints. */
function addColumn(ctx: Ctx, name: string, def: Node | undefined): LockEntry {
  const entry = is(ctx, T.alterAddColumn);
  const { effect, settings } = ctx;
  const column = def?.ColumnDef ?? {};
  const { volatility } = defaultVolatility(column, ctx.catalog);
  const constraints = constraintsOf(column);
  // Since PostgreSQL 11 a non-volatile default is stored in the catalog ("fast default");
  // before 11 any non-null default rewrote the table.
  const rewrites =
    volatility === 'volatile' ||
    (volatility !== 'none' && settings.pgVersion < 11) ||
    constraints.some((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind === 's');
  if (rewrites) effect.rewrites.push(name);
  if (volatility === 'constant' || volatility === 'stable') effect.caveats.push(entry.caveat!);
  for (const c of constraints) {
    if (c.contype === 'CONSTR_FOREIGN') {
      take(ctx, entry, 'referenced', c.pktable, 'referenced table');
      // Proven (docs/locks.md): a new column without a default is all NULL and the foreign
      // key is not validated by a scan; with a default every row is checked against the
      // referenced table.
      if (volatility !== 'none') effect.scans.push(name, relationName(c.pktable));
    }
    // CHECK constraints are checked on every row; UNIQUE / PRIMARY KEY build an index.
    if (c.contype === 'CONSTR_CHECK' || c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE') effect.scans.push(name);
  }
  return entry;
}

/** ALTER COLUMN TYPE: a rewrite unless the migration history shows a binary-coercible change. */
function alterType(ctx: Ctx, table: Of<'RangeVar'> | undefined, cmd: Of<'AlterTableCmd'>, def: Node | undefined): LockEntry {
  const old = ctx.catalog.get(relationKey(table))?.columns.get(cmd.name ?? '');
  const next = columnInfo(def?.ColumnDef ?? {});
  const using = Boolean(def?.ColumnDef?.raw_default);
  // timestamp <-> timestamptz with the session in UTC (12+): the values' bits are the same, only
  // the indexes on the column are rebuilt (proven, docs/locks.md).
  const zones = old && !using && old.typmods.join() === next.typmods.join() && [old.type, next.type].sort().join() === 'timestamp,timestamptz';
  if (zones && ctx.session.timezone && UTC_ZONES.has(ctx.session.timezone.toLowerCase()) && ctx.settings.pgVersion >= 12) {
    const entry = is(ctx, T.alterColumnTypeUtc);
    ctx.effect.caveats.push(`${cmd.name} is ${old.type} (known from this migration) and the session's TimeZone is ${ctx.session.timezone}: ${entry.caveat}`);
    return entry;
  }
  const entry = is(ctx, T.alterColumnType);
  if (zones && ctx.settings.pgVersion >= 12) ctx.effect.caveats.push(`SET timezone = 'UTC' earlier in the session would make this ${old.type} to ${next.type} change free of a rewrite on PostgreSQL 12+.`);
  if (typeChangeRewrites(old, next, using) === false) {
    ctx.effect.caveats.push(`${cmd.name} is ${old!.type}${old!.typmods.length ? `(${old!.typmods.join(', ')})` : ''} (known from this migration): a binary-coercible change, no rewrite.`);
    return entry;
  }
  // Foreign keys that reference the column are rebuilt and re-validated: their tables get
  // ACCESS EXCLUSIVE and are read in full.
  ctx.effect.rewrites.push(relationName(table));
  describe(ctx, entry, 'fksReferencing');
  return entry;
}

/** ADD CONSTRAINT: which kind, and whether NOT VALID or USING INDEX spares the scan. */
function addConstraint(ctx: Ctx, name: string, c: Of<'Constraint'>): LockEntry {
  const { effect } = ctx;
  switch (c.contype) {
    case 'CONSTR_FOREIGN': {
      const entry = is(ctx, T.alterAddForeignKey);
      take(ctx, entry, 'referenced', c.pktable, 'referenced table');
      // Validation joins the table to the referenced table: both are read.
      if (!c.skip_validation) effect.scans.push(name, relationName(c.pktable));
      return entry;
    }
    case 'CONSTR_CHECK':
      if (!c.skip_validation) effect.scans.push(name);
      return is(ctx, T.alterAddCheck);
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
      if (!c.indexname) effect.scans.push(name);
      return is(ctx, T.alterAddUnique);
    case 'CONSTR_EXCLUSION':
      effect.scans.push(name);
      return is(ctx, T.alterAddExclusion);
    case 'CONSTR_NOTNULL': {
      // PostgreSQL 18: ADD CONSTRAINT c NOT NULL col checks every row like SET NOT NULL, unless NOT VALID.
      const entry = is(ctx, T.alterAddNotNull);
      if (!c.skip_validation) effect.scans.push(name);
      effect.caveats.push(entry.caveat!);
      return entry;
    }
    default:
      return is(ctx, T.alterAddConstraintOther);
  }
}

/** ATTACH PARTITION, of a table or of an index. */
function attachPartition(ctx: Ctx, def: Node | undefined, objtype: string | undefined): LockEntry {
  const partition = def?.PartitionCmd?.name;
  if (objtype === 'OBJECT_INDEX') {
    // ALTER INDEX parent ATTACH PARTITION child (proven, docs/locks.md): ACCESS EXCLUSIVE on
    // the partition's index, SHARE UPDATE EXCLUSIVE on the parent's, ACCESS SHARE on both
    // tables; nothing is read.
    const entry = is(ctx, T.alterIndexAttachPartition);
    take(ctx, entry, 'partition', partition, 'index');
    describe(ctx, entry, 'indexTable');
    describe(ctx, entry, 'partitionIndexTable');
    return entry;
  }
  // 12+: SHARE UPDATE EXCLUSIVE on the parent; the partition itself is scanned under ACCESS
  // EXCLUSIVE unless a CHECK constraint proves the bound.
  const entry = is(ctx, T.alterAttachPartition);
  ctx.effect.scans.push(take(ctx, entry, 'partition', partition, 'partition'));
  ctx.effect.caveats.push(entry.caveat!);
  return entry;
}

/** ALTER TABLE subcommands → their entry: the ALTER TABLE page, "Description" and each form. */
const ALTER_FORMS: Record<string, LockEntry> = {
  AT_SetStatistics: T.alterColumnSettings,
  AT_SetOptions: T.alterColumnSettings,
  AT_ResetOptions: T.alterColumnSettings,
  AT_SetRelOptions: T.alterColumnSettings,
  AT_ResetRelOptions: T.alterColumnSettings,
  AT_ClusterOn: T.alterColumnSettings,
  AT_DropCluster: T.alterColumnSettings,
  AT_EnableTrig: T.alterTriggers,
  AT_EnableAlwaysTrig: T.alterTriggers,
  AT_EnableReplicaTrig: T.alterTriggers,
  AT_DisableTrig: T.alterTriggers,
  AT_EnableTrigAll: T.alterTriggers,
  AT_DisableTrigAll: T.alterTriggers,
  AT_EnableTrigUser: T.alterTriggers,
  AT_DisableTrigUser: T.alterTriggers,
  AT_SetLogged: T.alterNewStorage,
  AT_SetUnLogged: T.alterNewStorage,
  AT_SetTableSpace: T.alterNewStorage,
  AT_SetAccessMethod: T.alterNewStorage,
};

/** The entry of one ALTER TABLE subcommand, with its rewrites, scans and other relations applied. */
function alterCommand(ctx: Ctx, table: Of<'RangeVar'> | undefined, cmd: Of<'AlterTableCmd'>, objtype?: string): LockEntry {
  const { effect, settings, catalog } = ctx;
  const name = relationName(table);
  const def = cmd.def;
  switch (cmd.subtype as string) {
    case 'AT_AddColumn':
      return addColumn(ctx, name, def);
    case 'AT_AlterColumnType':
      return alterType(ctx, table, cmd, def);
    case 'AT_SetNotNull': {
      const entry = is(ctx, T.alterSetNotNull);
      // PostgreSQL 12+ skips the scan when a valid CHECK (col IS NOT NULL) already proves it.
      const proven = catalog.get(relationKey(table))?.checks.some((c) => c.validated && c.notNullColumn === cmd.name);
      if (proven && settings.pgVersion >= 12) effect.caveats.push(`A valid CHECK (${cmd.name} IS NOT NULL) ${entry.caveat}`);
      else effect.scans.push(name);
      return entry;
    }
    case 'AT_AddConstraint':
      return addConstraint(ctx, name, def?.Constraint ?? {});
    case 'AT_ValidateConstraint': {
      // Validation scans under SHARE UPDATE EXCLUSIVE: reads and writes go on (9.4+). A foreign
      // key's referenced table gets ROW SHARE.
      const entry = is(ctx, T.alterValidateConstraint);
      effect.scans.push(name);
      referencedTable(ctx, entry, table, cmd.name);
      return entry;
    }
    case 'AT_DropConstraint': {
      // Dropping a foreign key removes its triggers from the referenced table too.
      const entry = is(ctx, T.alterDropConstraint);
      referencedTable(ctx, entry, table, cmd.name);
      return entry;
    }
    case 'AT_SetExpression':
      effect.caveats.push(is(ctx, T.alterSetExpression).caveat!);
      effect.rewrites.push(name);
      return T.alterSetExpression;
    case 'AT_AttachPartition':
      return attachPartition(ctx, def, objtype);
    case 'AT_DetachPartition': {
      // DETACH ... CONCURRENTLY (14+): SHARE UPDATE EXCLUSIVE on the parent.
      const concurrent = def?.PartitionCmd?.concurrent === true;
      const entry = is(ctx, concurrent ? T.alterDetachPartitionConcurrently : T.alterDetachPartition);
      if (concurrent) {
        effect.concurrently = true;
        effect.caveats.push(entry.caveat!);
      }
      take(ctx, entry, 'partition', def?.PartitionCmd?.name, 'partition');
      return entry;
    }
    case 'AT_AddInherit': {
      // INHERIT parent: SHARE UPDATE EXCLUSIVE on the parent (proven, docs/locks.md); NO INHERIT
      // only reads the parent (ACCESS SHARE).
      const entry = is(ctx, T.alterInherit);
      take(ctx, entry, 'parent', def?.RangeVar, 'parent table');
      return entry;
    }
    default: {
      // Every other form (DROP COLUMN, SET/DROP DEFAULT, DROP NOT NULL, SET STORAGE, ROW LEVEL
      // SECURITY, OWNER TO, identity, ...) takes ACCESS EXCLUSIVE: "An ACCESS EXCLUSIVE lock is
      // acquired unless explicitly noted."
      const entry = is(ctx, ALTER_FORMS[cmd.subtype ?? ''] ?? T.alterOther);
      work(ctx, entry, name);
      return entry;
    }
  }
}

function alterTable(ctx: Ctx, n: Of<'AlterTableStmt'>): void {
  const { effect, settings } = ctx;
  const modes = (n.cmds ?? []).map((c) => mustMode(alterCommand(ctx, n.relation, c.AlterTableCmd ?? {}, n.objtype), 'target', settings.pgVersion));
  const role = n.objtype === 'OBJECT_INDEX' ? 'index' : n.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table';
  // "When multiple subcommands are given, the lock acquired will be the strictest one required by any subcommand."
  const mode = modes.reduce<LockMode>((a, b) => (strength(b) > strength(a) ? b : a), modes[0] ?? mustMode(T.alterOther, 'target', settings.pgVersion));
  // The table's own entry first, as pg_locks lists the relation being altered.
  const others = effect.locks.splice(0);
  rel(effect, n.relation, mode, role);
  for (const o of others) lock(effect, o.relation, effect.keys.get(o.relation) ?? o.relation, o.mode, o.role);
}

function dropIndex(ctx: Ctx, n: Of<'DropStmt'>): void {
  const { effect, catalog, settings } = ctx;
  // DROP INDEX: ACCESS EXCLUSIVE on the index and its table; CONCURRENTLY: SHARE UPDATE EXCLUSIVE.
  effect.concurrently = n.concurrent === true;
  const entry = is(ctx, n.concurrent ? T.dropIndexConcurrently : T.dropIndex);
  const mode = mustMode(entry, 'target', settings.pgVersion);
  let unknown = false;
  for (const o of (n.objects ?? []) as Node[]) {
    const r = namesToRelation(o.List?.items ?? []);
    lock(effect, r.name, r.key, mode, 'index');
    // The index's table, when an earlier migration created the index: named, not described.
    const table = tableOfIndex(catalog, r.key);
    if (!table) {
      unknown = true;
      continue;
    }
    lock(effect, table, table, mustMode(entry, 'indexTable', settings.pgVersion), "index's table");
    const backs = catalog.get(table)?.indexes?.get(r.key.slice(r.key.lastIndexOf('.') + 1))?.constraint;
    if (backs) effect.caveats.push(`${r.name} backs the constraint ${backs} of ${table}: DROP INDEX fails ("cannot drop index ... because constraint ... requires it"); ALTER TABLE ${table} DROP CONSTRAINT ${backs} drops both, under ACCESS EXCLUSIVE.`);
  }
  if (unknown) describe(ctx, entry, 'indexTable');
}

function drop(ctx: Ctx, n: Of<'DropStmt'>): void {
  const { effect, settings } = ctx;
  const objects = (n.objects ?? []) as Node[];
  const type = n.removeType as string;
  if (type === 'OBJECT_INDEX') dropIndex(ctx, n);
  else if (['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE'].includes(type)) {
    const entry = is(ctx, type === 'OBJECT_TABLE' ? T.dropTable : T.dropRelation);
    const role = type.replace('OBJECT_', '').replace('MATVIEW', 'materialized view').replace('_', ' ').toLowerCase();
    for (const o of objects) {
      const r = namesToRelation(o.List?.items ?? []);
      lock(effect, r.name, r.key, mustMode(entry, 'target', settings.pgVersion), role);
    }
    // Its foreign keys' triggers live on the referenced tables.
    if (type === 'OBJECT_TABLE') describe(ctx, entry, 'fksReferenced');
  } else if (type === 'OBJECT_SCHEMA' && n.behavior === 'DROP_CASCADE') {
    schemaCascadeLocks(ctx, objects);
  } else if (type === 'OBJECT_TRIGGER' || type === 'OBJECT_POLICY' || type === 'OBJECT_RULE') {
    // DROP TRIGGER / POLICY / RULE name ON table: the last item is the object, the rest the table.
    const entry = is(ctx, T.dropOnTable);
    for (const o of objects) {
      const items = (o.List?.items ?? []) as Node[];
      const r = namesToRelation(items.slice(0, -1));
      lock(effect, r.name, r.key, mustMode(entry, 'target', settings.pgVersion), 'table');
    }
  }
}

function reindex(ctx: Ctx, n: Of<'ReindexStmt'>): void {
  const { effect, catalog, settings } = ctx;
  // REINDEX: SHARE on the table, ACCESS EXCLUSIVE on each index rebuilt; CONCURRENTLY (12+):
  // SHARE UPDATE EXCLUSIVE.
  const concurrent = hasDefElem(n.params, 'concurrently');
  effect.concurrently = concurrent;
  if (concurrent) effect.caveats.push(T.reindexConcurrently.caveat!);
  // Rebuilding an index reads its table in full.
  if (n.kind === 'REINDEX_OBJECT_INDEX') {
    const entry = is(ctx, concurrent ? T.reindexConcurrently : T.reindexIndex);
    take(ctx, entry, 'target', n.relation, 'index');
    const table = tableOfIndex(catalog, relationKey(n.relation));
    if (table) {
      lock(effect, table, table, mustMode(entry, 'indexTable', settings.pgVersion), "index's table");
      effect.scans.push(table);
    } else describe(ctx, entry, 'indexTable');
  } else if (n.kind === 'REINDEX_OBJECT_TABLE') {
    const entry = is(ctx, concurrent ? T.reindexConcurrently : T.reindexTable);
    const name = take(ctx, entry, 'target', n.relation, 'table');
    effect.scans.push(name);
    if (concurrent) return;
    // Each index of the table is rebuilt under ACCESS EXCLUSIVE (measured in pg_locks): the ones the
    // migration's history created are named; the description stays, as the history may not have
    // seen every index (one created outside the migrations, or on a table it never created).
    const schema = n.relation?.schemaname ? `${n.relation.schemaname}.` : '';
    for (const index of (catalog.get(relationKey(n.relation))?.indexes ?? new Map()).keys()) lock(effect, `${schema}${index}`, `${schema}${index}`, mustMode(entry, 'tableIndexes', settings.pgVersion), 'index');
    describe(ctx, entry, 'tableIndexes');
  }
}

function createTable(ctx: Ctx, n: Of<'CreateStmt'>): void {
  // A new table; its foreign keys take SHARE ROW EXCLUSIVE on each referenced table, and
  // PARTITION OF takes ACCESS EXCLUSIVE on the parent.
  const entry = T.createTable;
  for (const elt of (n.tableElts ?? []) as Node[]) {
    const cs = elt.ColumnDef ? constraintsOf(elt.ColumnDef) : elt.Constraint ? [elt.Constraint] : [];
    for (const c of cs) if (c.contype === 'CONSTR_FOREIGN') take(ctx, is(ctx, entry), 'referenced', c.pktable, 'referenced table');
  }
  if (n.partbound) for (const parent of (n.inhRelations ?? []) as Node[]) take(ctx, is(ctx, entry), 'parent', parent.RangeVar, 'partitioned table');
}

function vacuum(ctx: Ctx, n: Of<'VacuumStmt'>): void {
  const full = hasDefElem(n.options, 'full');
  const entry = is(ctx, full ? T.vacuumFull : T.vacuum);
  // VACUUM reads every page not known all-visible; ANALYZE reads a sample only.
  for (const r of (n.rels ?? []) as Node[]) {
    const name = take(ctx, entry, 'target', r.VacuumRelation?.relation, 'table');
    work(ctx, entry, name);
    if (!full && n.is_vacuumcmd) ctx.effect.scans.push(name);
  }
}

function refresh(ctx: Ctx, n: Of<'RefreshMatViewStmt'>): void {
  // REFRESH: ACCESS EXCLUSIVE and new storage; CONCURRENTLY: EXCLUSIVE (reads go on).
  ctx.effect.concurrently = n.concurrent === true;
  const entry = is(ctx, n.concurrent ? T.refreshMatviewConcurrently : T.refreshMatview);
  work(ctx, entry, take(ctx, entry, 'target', n.relation, 'materialized view'));
  viewSourceLocks(ctx, entry, n.relation);
}

/**
 * REFRESH MATERIALIZED VIEW runs the view's query: ACCESS SHARE on every relation it reads (through
 * the views it reads), each table read in full. Named when the migrations created the view.
 */
function viewSourceLocks(ctx: Ctx, entry: LockEntry, view: Of<'RangeVar'> | undefined): void {
  const sources = viewSources(ctx.catalog, relationKey(view));
  if (!sources) {
    describe(ctx, entry, 'viewSources');
    return;
  }
  const views = catalogObjects(ctx.catalog).views;
  for (const source of sources) {
    lock(ctx.effect, source, source, mustMode(entry, 'viewSources', ctx.settings.pgVersion), 'view source');
    // A plain view has no rows of its own: its tables are the ones read.
    if (!views.get(source) || views.get(source)!.materialized) ctx.effect.scans.push(source);
  }
}

/**
 * DROP SCHEMA ... CASCADE drops the schema's functions and with them the column defaults and
 * triggers of other tables that call them: ACCESS EXCLUSIVE on each such table (proven,
 * docs/locks.md), and on the tables of the schema, which it drops.
 */
function schemaCascadeLocks(ctx: Ctx, objects: Node[]): void {
  const { effect, catalog } = ctx;
  for (const o of objects) {
    const schema = o.String?.sval as string;
    for (const { fn, use } of schemaFunctionUses(catalog, schema)) {
      lock(effect, use.table, use.table, 'AccessExclusiveLock', use.trigger ? `table of trigger ${use.trigger} (calls ${fn})` : `table whose default of ${use.column} calls ${fn}`);
    }
    for (const table of catalog.keys()) if (table.startsWith(`${schema}.`) && !table.slice(schema.length + 1).includes('.')) lock(effect, table, table, 'AccessExclusiveLock', 'table in the schema');
  }
}

const LOCK_STMT_MODES: LockMode[] = [...LOCK_MODES];

/** Statement kinds → how the statement fills its entry's roles. */
const STATEMENTS: { [K in NodeTag]?: (ctx: Ctx, n: Of<K>) => void } = {
  AlterTableStmt: alterTable,
  IndexStmt: (ctx, n) => {
    // CREATE INDEX: SHARE (blocks writes); CONCURRENTLY: SHARE UPDATE EXCLUSIVE.
    ctx.effect.concurrently = n.concurrent === true;
    const entry = is(ctx, n.concurrent ? T.createIndexConcurrently : T.createIndex);
    take(ctx, entry, 'target', n.relation, 'table');
    // CREATE INDEX ... ON ONLY (proven on a partitioned table, docs/locks.md): an invalid index
    // on the parent alone, which has no rows to read; ON ONLY is how partitioned tables get one.
    if (n.relation && !n.relation.inh) ctx.effect.caveats.push(T.createIndex.caveat!);
    else ctx.effect.scans.push(relationName(n.relation));
  },
  DropStmt: drop,
  ReindexStmt: reindex,
  CreateStmt: createTable,
  TruncateStmt: (ctx, n) => {
    for (const r of (n.relations ?? []) as Node[]) take(ctx, is(ctx, T.truncate), 'target', r.RangeVar, 'table');
  },
  VacuumStmt: vacuum,
  ClusterStmt: (ctx, n) => {
    if (n.relation) work(ctx, is(ctx, T.cluster), take(ctx, T.cluster, 'target', n.relation, 'table'));
  },
  LockStmt: (ctx, n) => {
    // The mode the statement names (LockStmt.mode is 1..8, weakest first); ACCESS EXCLUSIVE by default.
    const entry = is(ctx, T.lockTable);
    for (const r of (n.relations ?? []) as Node[]) rel(ctx.effect, r.RangeVar, LOCK_STMT_MODES[(n.mode ?? 8) - 1] ?? mustMode(entry, 'target', ctx.settings.pgVersion), 'table');
  },
  RefreshMatViewStmt: refresh,
  CreateTrigStmt: (ctx, n) => void take(ctx, is(ctx, T.createTrigger), 'target', n.relation, 'table'),
  CreatePolicyStmt: (ctx, n) => void take(ctx, is(ctx, T.policy), 'target', n.table, 'table'),
  AlterPolicyStmt: (ctx, n) => void take(ctx, is(ctx, T.policy), 'target', n.table, 'table'),
  RenameStmt: (ctx, n) => {
    if (!n.relation) return;
    // ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE since 12; other renames ACCESS EXCLUSIVE.
    const index = n.renameType === 'OBJECT_INDEX';
    const entry = is(ctx, index ? T.alterIndexRename : T.rename);
    if (index) ctx.effect.caveats.push(entry.caveat!);
    take(ctx, entry, 'target', n.relation, index ? 'index' : 'table');
  },
  AlterObjectSchemaStmt: (ctx, n) => {
    if (n.relation) take(ctx, is(ctx, T.setSchema), 'target', n.relation, 'table');
  },
  ViewStmt: (ctx, n) => {
    if (n.replace) take(ctx, is(ctx, T.replaceView), 'target', n.view, 'view');
  },
  CommentStmt: (ctx, n) => {
    // COMMENT ON TABLE / COLUMN: SHARE UPDATE EXCLUSIVE on the table.
    if (n.objtype !== 'OBJECT_TABLE' && n.objtype !== 'OBJECT_COLUMN') return;
    const items = (n.object?.List?.items ?? []) as Node[];
    const r = namesToRelation(n.objtype === 'OBJECT_COLUMN' ? items.slice(0, -1) : items);
    lock(ctx.effect, r.name, r.key, mustMode(is(ctx, T.comment), 'target', ctx.settings.pgVersion), 'table');
  },
  UpdateStmt: updateDelete,
  DeleteStmt: updateDelete,
  AlterSeqStmt: (ctx, n) => {
    // Proven (docs/locks.md): SHARE ROW EXCLUSIVE on the sequence; RESTART gives it new storage.
    take(ctx, is(ctx, T.alterSequence), 'target', n.sequence, 'sequence');
  },
  CreateTableAsStmt: (ctx, n) => {
    // CREATE TABLE AS / MATERIALIZED VIEW runs its query: every table it reads is read in full.
    is(ctx, T.createTableAs);
    readRelations(ctx, n.query, new Set());
    ctx.effect.scans.push(...ctx.effect.locks.map((l) => l.relation));
  },
  InsertStmt: insert,
  MergeStmt: insert,
};

function updateDelete(ctx: Ctx, n: Of<'UpdateStmt'> | Of<'DeleteStmt'>): void {
  const name = take(ctx, is(ctx, T.updateDelete), 'target', n.relation, 'table');
  // Without WHERE every row is touched in one transaction.
  if (!n.whereClause) ctx.effect.scans.push(name);
}

function insert(ctx: Ctx, n: Of<'InsertStmt'> | Of<'MergeStmt'>): void {
  const entry = is(ctx, T.insert);
  take(ctx, entry, 'target', n.relation, 'table');
  // Foreign key checks lock the referenced rows FOR KEY SHARE.
  describe(ctx, entry, 'fksReferenced');
}

/** Locks, rewrites and scans of one statement, before the migration's history is applied. */
export function statementEffect(statement: Statement, settings: Settings, catalog: CatalogView, session: Session = {}): Effect {
  const ctx: Ctx = { effect: newEffect(), settings, catalog, session };
  // The payload is of the statement's kind (parse.ts): the table's entry for that kind takes it.
  const n = (statement.node ?? {}) as { withClause?: Of<'WithClause'> };
  (STATEMENTS[statement.kind as NodeTag] as ((ctx: Ctx, n: object) => void) | undefined)?.(ctx, n);
  // GRANT / REVOKE on a table: ACCESS SHARE on PostgreSQL 18, no lock on 15 (both observed,
  // docs/locks.md); 16 and 17 are not verified here and are claimed as 15.
  if (statement.kind === 'GrantStmt') {
    const entry = is(ctx, T.grant);
    ctx.effect.caveats.push(entry.caveat!);
    if (!modeOf(entry, 'target', settings.pgVersion)) return ctx.effect;
  }
  // Names of WITH queries are not relations.
  const ctes = statement.tokens.some((t) => t.keyword === 'WITH') ? (JSON.stringify(n).match(/"ctename":"[^"]+"/g)?.map((m) => m.slice(11, -1)) ?? []) : [];
  // A data-modifying WITH query (`WITH u AS (UPDATE t ...) SELECT ...`, a common batch step in DO
  // blocks) takes ROW EXCLUSIVE on its table, as the statement itself would.
  for (const cte of (n.withClause?.ctes ?? []) as Node[]) {
    const q = cte.CommonTableExpr?.ctequery;
    const target = q?.UpdateStmt ?? q?.DeleteStmt ?? q?.InsertStmt ?? q?.MergeStmt;
    if (target?.relation) take(ctx, is(ctx, T.withDml), 'target', target.relation, 'table');
  }
  readRelations(ctx, n, new Set([...createdBy(statement), ...ctes]));
  return ctx.effect;
}

/**
 * Every other relation the statement names is opened for reading during parse analysis: ACCESS
 * SHARE (a view's or a CREATE TABLE AS query's tables, UPDATE ... FROM, subqueries).
 */
function readRelations(ctx: Ctx, node: unknown, created: Set<string>): void {
  const { effect } = ctx;
  for (const rangeVar of rangeVarsIn(node)) {
    if (created.has(relationKey(rangeVar))) continue;
    const name = relationName(rangeVar);
    if (!effect.locks.some((l) => l.relation === name)) lock(effect, name, relationKey(rangeVar), mustMode(is(ctx, T.read), 'read', ctx.settings.pgVersion), 'read');
  }
}
