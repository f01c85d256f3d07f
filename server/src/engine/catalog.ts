/**
 * What the migration itself says about its tables: the columns of the tables it creates or
 * alters, and the CHECK and foreign key constraints it adds and validates. Rules use it to tell a change that
 * PostgreSQL makes without a rewrite or scan (varchar(50) to varchar(100); SET NOT NULL on a
 * column already proven NOT NULL by a valid CHECK) from one that rewrites or scans.
 *
 * Snapshots are immutable: each statement's facts keep the catalog as it was before it ran.
 */
import { Node, nodeOf, Of } from './ast';
import { Divergence, PersistentMap } from './pmap';

export interface ColumnInfo {
  /** The type's last name as the parser gives it: int4, int8, varchar, numeric, text, timestamp... */
  type: string;
  /** Type modifiers: varchar(50) → [50]; numeric(10, 2) → [10, 2]. */
  typmods: number[];
  isArray: boolean;
  notNull: boolean;
}

export interface CheckInfo {
  name?: string;
  kind: 'check' | 'foreign key';
  /** Transaction that added it, NOT VALID or not (undefined: autocommit). */
  addedIn?: number;
  /** The column this CHECK proves NOT NULL (`CHECK (col IS NOT NULL)`), if it is one. */
  notNullColumn?: string;
  /** A foreign key's referenced table (its key: `name`, or `schema.name` outside public). */
  references?: string;
  validated: boolean;
  /** Transaction that added or last validated it (undefined: autocommit). */
  transaction?: number;
  /** Statement that made it valid. */
  validatedAt?: number;
}

/** An index the migrations created (CREATE INDEX, or behind a PRIMARY KEY / UNIQUE constraint). */
export interface IndexInfo {
  columns: readonly string[];
  unique: boolean;
  /** The PRIMARY KEY or UNIQUE constraint the index backs: DROP INDEX refuses it, DROP CONSTRAINT drops it. */
  constraint?: string;
  /** The constraint is the table's PRIMARY KEY. */
  primary?: boolean;
}

export interface TableInfo {
  columns: ReadonlyMap<string, ColumnInfo>;
  checks: readonly CheckInfo[];
  primaryKey?: readonly string[];
  /** Indexes by name (an index lives in its table's schema). */
  indexes?: ReadonlyMap<string, IndexInfo>;
  /** REPLICA IDENTITY as the migrations set it (undefined: DEFAULT, the primary key). */
  replicaIdentity?: 'full' | 'index' | 'nothing';
}

/**
 * What the migrations say about their tables, by key (see relationKey). A view made by Catalog is a
 * CatalogSnapshot, which also knows the functions, views, row sources and publications (see catalogObjects).
 */
export type CatalogView = ReadonlyMap<string, TableInfo>;

/** A function (or procedure) the migrations created: `pg_proc.provolatile` as CREATE FUNCTION declared it. */
export interface FunctionInfo {
  /** Without a marker a function is VOLATILE (CREATE FUNCTION docs). */
  volatility: 'immutable' | 'stable' | 'volatile';
  language?: string;
}

/** A view or materialized view, and what it reads. */
export interface ViewInfo {
  materialized: boolean;
  /** Keys of the relations its query reads (tables, or other views). */
  reads: readonly string[];
  /**
   * Per relation read, the columns the query uses: PostgreSQL records a dependency on each, so it
   * refuses to retype them and DROP COLUMN fails without CASCADE (which drops the view). `*` is
   * expanded when the view is created: the table's columns then, or '*' when they are unknown.
   */
  columns: Readonly<Record<string, readonly string[] | '*'>>;
}

/** A table object that calls a function: a column's default, or a trigger. */
export interface FunctionUse {
  table: string;
  column?: string;
  trigger?: string;
}

/**
 * A publication the migrations created (CREATE / ALTER / DROP PUBLICATION): which tables it
 * publishes, and what it publishes (the default `publish` is 'insert, update, delete, truncate').
 * Plain arrays, not sets: the snapshots compare and store them as JSON.
 */
export interface PublicationInfo {
  allTables: boolean;
  /** Table keys (relationKey) of FOR TABLE. */
  tables: readonly string[];
  /** Schemas of FOR TABLES IN SCHEMA (PostgreSQL 15+); `public` as ''. */
  schemas: readonly string[];
  /** The operations it publishes, from `publish`. */
  publish: readonly string[];
}

/** The statement that put rows in a table created in this migration. */
export interface RowSource {
  statement: number;
  /** 'CREATE TABLE AS', 'INSERT ... SELECT', 'INSERT ... VALUES', 'COPY'. */
  how: string;
}

export interface CatalogObjects {
  /** By key (`name`, or `schema.name` outside public); overloads share one entry. */
  functions: PersistentMap<FunctionInfo>;
  views: PersistentMap<ViewInfo>;
  /** Per function key, the defaults and triggers that call it. */
  uses: PersistentMap<readonly FunctionUse[]>;
  /** Tables rows were put in, in this migration (not carried to the next one). */
  rows: PersistentMap<RowSource>;
  /** By name (publications belong to the database, not to a schema). */
  publications: PersistentMap<PublicationInfo>;
}

const NO_OBJECTS: CatalogObjects = {
  functions: PersistentMap.empty(),
  views: PersistentMap.empty(),
  uses: PersistentMap.empty(),
  rows: PersistentMap.empty(),
  publications: PersistentMap.empty(),
};

/** An immutable view of a Catalog: its tables (as a map) and its other objects. */
export class CatalogSnapshot implements ReadonlyMap<string, TableInfo> {
  constructor(
    readonly tables: PersistentMap<TableInfo>,
    readonly objects: CatalogObjects,
  ) {}
  get size(): number {
    return this.tables.size;
  }
  get(key: string): TableInfo | undefined {
    return this.tables.get(key);
  }
  has(key: string): boolean {
    return this.tables.has(key);
  }
  entries(): MapIterator<[string, TableInfo]> {
    return this.tables.entries();
  }
  keys(): MapIterator<string> {
    return this.tables.keys();
  }
  values(): MapIterator<TableInfo> {
    return this.tables.values();
  }
  [Symbol.iterator](): MapIterator<[string, TableInfo]> {
    return this.tables.entries();
  }
  forEach(callback: (value: TableInfo, key: string, map: ReadonlyMap<string, TableInfo>) => void): void {
    for (const [k, v] of this.tables) callback(v, k, this);
  }
}

/** The functions, views, row sources and publications of a catalog view (none for a plain map). */
export function catalogObjects(view: CatalogView | undefined): CatalogObjects {
  return view instanceof CatalogSnapshot ? view.objects : NO_OBJECTS;
}

/** `schema.name`, or `name` when unqualified or in `public`: how created and altered relations are matched. */
export function relationKey(rangeVar: Of<'RangeVar'> | undefined): string {
  if (!rangeVar) return '';
  const schema = rangeVar.schemaname;
  const name = rangeVar.relname ?? '';
  return schema && schema !== 'public' ? `${schema}.${name}` : name;
}

export function columnInfo(column: Of<'ColumnDef'>): ColumnInfo {
  const typeName = column.typeName ?? {};
  const names = ((typeName.names ?? []) as Node[]).map((n) => n.String?.sval as string);
  const typmods = ((typeName.typmods ?? []) as Node[]).map((t) => Number(t.A_Const?.ival?.ival ?? 0));
  const constraints = ((column.constraints ?? []) as Node[]).map((c) => c.Constraint ?? {});
  return {
    type: names[names.length - 1] ?? '',
    typmods,
    isArray: Array.isArray(typeName.arrayBounds) && typeName.arrayBounds.length > 0,
    notNull: constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY'),
  };
}

/** The column a CHECK expression proves NOT NULL: `col IS NOT NULL`. */
export function notNullColumnOf(expr: Node | undefined): string | undefined {
  const test = expr?.NullTest;
  if (!test || test.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = (test.arg?.ColumnRef?.fields ?? []) as Node[];
  return fields.length === 1 ? (fields[0].String?.sval as string | undefined) : undefined;
}

export class Catalog {
  /** Persistent: each change makes a new map sharing every other table with the old one. */
  private tables: PersistentMap<TableInfo> = PersistentMap.empty();
  private objects: CatalogObjects = NO_OBJECTS;
  private snapshot?: CatalogSnapshot;

  /**
   * `prior`: what the earlier migrations of the same folder left (their transactions are over, so
   * their constraints count as committed).
   */
  constructor(prior?: CatalogView) {
    for (const [key, table] of prior ?? []) {
      this.tables = this.tables.set(key, {
        columns: table.columns,
        primaryKey: table.primaryKey,
        indexes: table.indexes,
        ...(table.replicaIdentity ? { replicaIdentity: table.replicaIdentity } : {}),
        checks: table.checks.map((c) => ({ ...c, addedIn: undefined, transaction: undefined, validatedAt: undefined })),
      });
    }
    // Functions, views, the objects calling functions and publications carry over; rows put in tables are this migration's own.
    const objects = catalogObjects(prior);
    this.objects = { ...objects, rows: PersistentMap.empty() };
  }

  view(): CatalogView {
    if (!this.snapshot || this.snapshot.tables !== this.tables || this.snapshot.objects !== this.objects) this.snapshot = new CatalogSnapshot(this.tables, this.objects);
    return this.snapshot;
  }

  /** Continues from a view this class produced (in the same migration: transactions kept as they were). */
  static resume(view: CatalogView): Catalog {
    const catalog = new Catalog();
    const tables = view instanceof CatalogSnapshot ? view.tables : view;
    catalog.tables = tables instanceof PersistentMap ? tables : PersistentMap.from(tables);
    catalog.objects = catalogObjects(view);
    return catalog;
  }

  private update(
    key: string,
    change: (t: { columns: PersistentMap<ColumnInfo>; checks: CheckInfo[]; primaryKey?: readonly string[]; indexes?: ReadonlyMap<string, IndexInfo>; replicaIdentity?: TableInfo['replicaIdentity'] }) => void,
  ): void {
    const current = this.tables.get(key);
    const columns = current?.columns;
    const next: { columns: PersistentMap<ColumnInfo>; checks: CheckInfo[]; primaryKey?: readonly string[]; indexes?: ReadonlyMap<string, IndexInfo>; replicaIdentity?: TableInfo['replicaIdentity'] } = {
      columns: columns instanceof PersistentMap ? columns : PersistentMap.from<ColumnInfo>(columns ?? []),
      checks: [...(current?.checks ?? [])],
      primaryKey: current?.primaryKey,
      indexes: current?.indexes,
    };
    if (current?.replicaIdentity) next.replicaIdentity = current.replicaIdentity;
    change(next);
    if (!next.replicaIdentity) delete next.replicaIdentity;
    // A new map that shares the other tables: earlier snapshots stay as they were.
    this.tables = this.tables.set(key, next);
  }

  createTable(key: string, elements: Node[]): void {
    this.tables = this.tables.delete(key);
    this.update(key, (t) => {
      for (const e of elements) {
        const column = e.ColumnDef;
        if (column) t.columns = t.columns.set(column.colname ?? '', columnInfo(column));
        const c = e.Constraint;
        if (c?.contype === 'CONSTR_CHECK') t.checks.push({ name: c.conname, kind: 'check', notNullColumn: notNullColumnOf(c.raw_expr), validated: true });
        // A column's own CHECK, named `<table>_<column>_check` as PostgreSQL names it.
        for (const x of column ? (column.constraints ?? []).map((y) => y.Constraint ?? {}) : []) {
          if (x.contype === 'CONSTR_CHECK') t.checks.push({ name: x.conname ?? `${indexName(key)}_${column?.colname}_check`.slice(0, 63), kind: 'check', notNullColumn: notNullColumnOf(x.raw_expr), validated: true });
        }
        // Foreign keys, named as PostgreSQL names them (`<table>_<column>_fkey`): dropping or validating one locks its referenced table.
        const fks = [
          ...(c?.contype === 'CONSTR_FOREIGN' ? [{ c, cols: (c.fk_attrs ?? []).map((x) => x.String?.sval ?? '') }] : []),
          ...(column ? (column.constraints ?? []).map((x) => x.Constraint ?? {}).filter((x) => x.contype === 'CONSTR_FOREIGN').map((x) => ({ c: x, cols: [column.colname ?? ''] })) : []),
        ];
        for (const fk of fks) {
          const name = fk.c.conname ?? `${indexName(key)}_${fk.cols.join('_')}_fkey`.slice(0, 63);
          t.checks.push({ name, kind: 'foreign key', references: relationKey(fk.c.pktable) || undefined, validated: !fk.c.skip_validation });
        }
        if (c?.contype === 'CONSTR_PRIMARY') {
          t.primaryKey = (c.keys ?? []).map((k) => k.String?.sval ?? '');
          for (const k of t.primaryKey) t.columns = markNotNull(t.columns, k);
        }
        if (column && (column.constraints ?? []).some((x) => x.Constraint?.contype === 'CONSTR_PRIMARY')) t.primaryKey = [column.colname ?? ''];
        // The indexes behind PRIMARY KEY and UNIQUE, named as PostgreSQL names them.
        const inline = column ? (column.constraints ?? []).map((x) => x.Constraint ?? {}) : [];
        for (const k of [...inline.map((x) => ({ c: x, cols: [column?.colname ?? ''] })), ...(c ? [{ c, cols: (c.keys ?? []).map((x) => x.String?.sval ?? '') }] : [])]) {
          if (k.c.contype !== 'CONSTR_PRIMARY' && k.c.contype !== 'CONSTR_UNIQUE') continue;
          const name = constraintIndexName(key, k.c, k.cols);
          t.indexes = withIndex(t.indexes, name, { columns: k.cols, unique: true, constraint: name, ...(k.c.contype === 'CONSTR_PRIMARY' ? { primary: true } : {}) });
        }
      }
    });
  }

  /** CREATE INDEX name ON table. */
  createIndex(tableKey: string, name: string, info: IndexInfo): void {
    this.update(tableKey, (t) => (t.indexes = withIndex(t.indexes, name, info)));
  }

  /** DROP INDEX: off whichever table of the same schema has it. */
  dropIndex(indexKey: string): void {
    const table = tableOfIndex(this.tables, indexKey);
    if (table) this.update(table, (t) => (t.indexes = withoutIndex(t.indexes, indexName(indexKey))));
  }

  dropTable(key: string): void {
    this.tables = this.tables.delete(key);
  }

  /**
   * A column goes, with the indexes and the primary key that include it and the CHECK proving it
   * NOT NULL ("Indexes and table constraints involving the column will be automatically dropped as
   * well": ALTER TABLE docs, DROP COLUMN). The views and defaults: see dropColumn.
   */
  private dropColumnOnly(key: string, column: string): void {
    this.update(key, (t) => {
      t.columns = t.columns.delete(column);
      if (t.primaryKey?.includes(column)) t.primaryKey = undefined;
      if (t.indexes && [...t.indexes.values()].some((i) => i.columns.includes(column))) t.indexes = new Map([...t.indexes].filter(([, i]) => !i.columns.includes(column)));
      t.checks = t.checks.filter((c) => c.notNullColumn !== column);
    });
  }

  /** Applies one ALTER TABLE subcommand. Unknown tables get an entry too: what the migration adds to them is known. */
  alter(key: string, cmd: Of<'AlterTableCmd'>, statementIndex: number, transaction: number | undefined): void {
    const column = cmd.name ?? '';
    const def = cmd.def ?? {};
    switch (cmd.subtype) {
      case 'AT_AddColumn':
        this.update(key, (t) => (t.columns = t.columns.set(def.ColumnDef?.colname ?? '', columnInfo(def.ColumnDef ?? {}))));
        break;
      case 'AT_DropColumn':
        this.dropColumnOnly(key, column);
        break;
      case 'AT_AlterColumnType':
        this.update(key, (t) => {
          const old = t.columns.get(column);
          t.columns = t.columns.set(column, { ...columnInfo(def.ColumnDef ?? {}), notNull: old?.notNull ?? false });
        });
        break;
      case 'AT_SetNotNull':
      case 'AT_DropNotNull':
        this.update(key, (t) => {
          const old = t.columns.get(column);
          if (old) t.columns = t.columns.set(column, { ...old, notNull: cmd.subtype === 'AT_SetNotNull' });
        });
        break;
      case 'AT_AddConstraint': {
        const c = def.Constraint ?? {};
        if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE') {
          // USING INDEX takes over (and renames) an existing index.
          const cols = (c.keys ?? []).map((x) => x.String?.sval ?? '');
          const name = constraintIndexName(key, c, cols);
          this.update(key, (t) => {
            const existing = c.indexname ? t.indexes?.get(c.indexname) : undefined;
            const primary = c.contype === 'CONSTR_PRIMARY';
            const columns = existing?.columns ?? cols;
            t.indexes = withIndex(withoutIndex(t.indexes, c.indexname), name, { columns, unique: true, constraint: name, ...(primary ? { primary } : {}) });
            // ALTER TABLE ... ADD PRIMARY KEY (as pg_dump writes every key) makes the columns NOT NULL.
            if (primary) {
              t.primaryKey = columns;
              for (const k of columns) t.columns = markNotNull(t.columns, k);
            }
          });
          break;
        }
        if (c.contype !== 'CONSTR_CHECK' && c.contype !== 'CONSTR_FOREIGN') break;
        const validated = !c.skip_validation;
        this.update(key, (t) =>
          t.checks.push({
            name: c.conname ?? (c.contype === 'CONSTR_FOREIGN' ? `${indexName(key)}_${(c.fk_attrs ?? []).map((x) => x.String?.sval).join('_')}_fkey`.slice(0, 63) : undefined),
            kind: c.contype === 'CONSTR_CHECK' ? 'check' : 'foreign key',
            ...(c.contype === 'CONSTR_FOREIGN' ? { references: relationKey(c.pktable) || undefined } : {}),
            addedIn: transaction,
            notNullColumn: c.contype === 'CONSTR_CHECK' ? notNullColumnOf(c.raw_expr) : undefined,
            validated,
            transaction,
            validatedAt: validated ? statementIndex : undefined,
          }),
        );
        break;
      }
      case 'AT_ReplicaIdentity': {
        const type = def.ReplicaIdentityStmt?.identity_type;
        this.update(key, (t) => (t.replicaIdentity = type === 'f' ? 'full' : type === 'i' ? 'index' : type === 'n' ? 'nothing' : undefined));
        break;
      }
      case 'AT_ValidateConstraint':
        this.update(key, (t) => {
          const i = t.checks.findIndex((c) => c.name === column);
          if (i >= 0) t.checks[i] = { ...t.checks[i], validated: true, transaction, validatedAt: statementIndex };
        });
        break;
      case 'AT_DropConstraint':
        this.update(key, (t) => {
          const i = t.checks.findIndex((c) => c.name === column);
          if (i >= 0) t.checks.splice(i, 1);
          const index = t.indexes?.get(column);
          if (index?.constraint === column) t.indexes = withoutIndex(t.indexes, column);
          if (index?.constraint === column && index.primary) t.primaryKey = undefined;
        });
        break;
    }
  }

  private setObjects(change: Partial<CatalogObjects>): void {
    this.objects = { ...this.objects, ...change };
  }

  /**
   * What a statement does to the functions, views, function uses, row sources and publications
   * (issue 14 point 2); the tables, columns, constraints and indexes are the methods above. `index`: the statement's.
   */
  record(statement: { kind: string; node?: unknown }, index: number): void {
    const o = this.objects;
    const { kind } = statement;
    switch (kind) {
      case 'CreateFunctionStmt': {
        const n = nodeOf(statement, kind) ?? {};
        const options = n.options ?? [];
        const option = (name: string) => options.find((x) => x.DefElem?.defname === name)?.DefElem?.arg?.String?.sval;
        const volatility = (option('volatility') ?? 'volatile') as FunctionInfo['volatility'];
        this.setObjects({ functions: o.functions.set(namesKey(n.funcname), { volatility, language: option('language') }) });
        break;
      }
      case 'AlterFunctionStmt': {
        const n = nodeOf(statement, kind) ?? {};
        const key = namesKey(n.func?.objname);
        const known = o.functions.get(key);
        const volatility = (n.actions ?? []).find((x) => x.DefElem?.defname === 'volatility')?.DefElem?.arg?.String?.sval as FunctionInfo['volatility'] | undefined;
        if (known && volatility) this.setObjects({ functions: o.functions.set(key, { ...known, volatility }) });
        break;
      }
      case 'CreateStmt': {
        const n = nodeOf(statement, kind) ?? {};
        const table = relationKey(n.relation);
        this.dropUsesOf(table);
        for (const e of n.tableElts ?? []) if (e.ColumnDef) this.addDefaultUses(table, e.ColumnDef.colname, (e.ColumnDef.constraints ?? []).find((c) => c.Constraint?.contype === 'CONSTR_DEFAULT')?.Constraint?.raw_expr);
        break;
      }
      case 'CreateTrigStmt': {
        const n = nodeOf(statement, kind) ?? {};
        this.addUse(namesKey(n.funcname), { table: relationKey(n.relation), trigger: n.trigname });
        break;
      }
      case 'AlterTableStmt': {
        const n = nodeOf(statement, kind) ?? {};
        if (n.objtype !== 'OBJECT_TABLE') break;
        const table = relationKey(n.relation);
        for (const cmd of (n.cmds ?? []).map((c) => c.AlterTableCmd ?? {})) {
          if (cmd.subtype === 'AT_AddColumn') this.addDefaultUses(table, cmd.def?.ColumnDef?.colname, (cmd.def?.ColumnDef?.constraints ?? []).find((c) => c.Constraint?.contype === 'CONSTR_DEFAULT')?.Constraint?.raw_expr);
          if (cmd.subtype === 'AT_ColumnDefault') {
            this.dropUsesOf(table, cmd.name);
            this.addDefaultUses(table, cmd.name, cmd.def);
          }
          if (cmd.subtype === 'AT_DropColumn') this.dropColumn(table, cmd.name ?? '', cmd.behavior === 'DROP_CASCADE', false);
        }
        break;
      }
      case 'ViewStmt': {
        const n = nodeOf(statement, kind) ?? {};
        this.setObjects({ views: o.views.set(relationKey(n.view), viewOf(n.query, false, this.tables)) });
        break;
      }
      case 'CreateTableAsStmt': {
        const n = nodeOf(statement, kind) ?? {};
        const key = relationKey(n.into?.rel);
        if (n.objtype === 'OBJECT_MATVIEW') this.setObjects({ views: o.views.set(key, viewOf(n.query, true, this.tables)) });
        else if (!n.into?.skipData) this.setObjects({ rows: o.rows.set(key, { statement: index, how: 'CREATE TABLE AS' }) });
        break;
      }
      case 'InsertStmt':
      case 'CopyStmt': {
        const insert = nodeOf(statement, 'InsertStmt');
        const copy = nodeOf(statement, 'CopyStmt');
        if (copy && !copy.is_from) break;
        const key = relationKey((insert ?? copy)?.relation);
        // The first statement that filled the table is the one to name.
        if (!key || o.rows.has(key)) break;
        const how = copy ? 'COPY' : insert?.selectStmt?.SelectStmt?.valuesLists ? 'INSERT ... VALUES' : insert?.selectStmt ? 'INSERT ... SELECT' : 'INSERT';
        this.setObjects({ rows: o.rows.set(key, { statement: index, how }) });
        break;
      }
      case 'TruncateStmt':
        for (const r of nodeOf(statement, kind)?.relations ?? []) this.setObjects({ rows: this.objects.rows.delete(relationKey(r.RangeVar)) });
        break;
      case 'CreatePublicationStmt': {
        const n = nodeOf(statement, kind) ?? {};
        const created: PublicationInfo = { allTables: n.for_all_tables === true, tables: [], schemas: [], publish: ALL_OPERATIONS };
        this.setObjects({ publications: o.publications.set(n.pubname ?? '', publicationWith(created, n, 'AP_AddObjects')) });
        break;
      }
      case 'AlterPublicationStmt': {
        // A publication the migrations did not create is not known: its publish list may be anything.
        const n = nodeOf(statement, kind) ?? {};
        const known = o.publications.get(n.pubname ?? '');
        if (known) this.setObjects({ publications: o.publications.set(n.pubname ?? '', publicationWith(known, n, n.action ?? '')) });
        break;
      }
      case 'AlterObjectSchemaStmt': {
        // SET SCHEMA moves the object: like a rename, what refers to it follows (indexes go with their table).
        const n = nodeOf(statement, kind) ?? {};
        const moved = (key: string) => (n.newschema && n.newschema !== 'public' ? `${n.newschema}.${key.slice(key.lastIndexOf('.') + 1)}` : key.slice(key.lastIndexOf('.') + 1));
        const relation = relationKey(n.relation);
        if (relation && ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(n.objectType ?? '')) {
          if (moved(relation) !== relation) this.renameRelation(relation, moved(relation));
        } else if (['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'].includes(n.objectType ?? '')) {
          const from = namesKey(n.object?.ObjectWithArgs?.objname);
          const fn = o.functions.get(from);
          const uses = o.uses.get(from);
          if (!from || moved(from) === from) break;
          if (fn) this.setObjects({ functions: o.functions.delete(from).set(moved(from), fn) });
          if (uses) this.setObjects({ uses: this.objects.uses.delete(from).set(moved(from), uses) });
        }
        break;
      }
      case 'RenameStmt': {
        const n = nodeOf(statement, kind) ?? {};
        const to = n.newname ?? '';
        const relation = relationKey(n.relation);
        const within = (key: string) => (schemaOf(key) ? `${schemaOf(key)}.${to}` : to);
        switch (n.renameType) {
          case 'OBJECT_TABLE':
          case 'OBJECT_VIEW':
          case 'OBJECT_MATVIEW':
          case 'OBJECT_FOREIGN_TABLE':
            if (relation && to) this.renameRelation(relation, within(relation));
            break;
          case 'OBJECT_COLUMN':
            if (relation && n.subname && to) this.renameColumn(relation, n.subname, to);
            break;
          case 'OBJECT_TABCONSTRAINT':
            if (relation && n.subname && to) this.renameConstraint(relation, n.subname, to);
            break;
          case 'OBJECT_INDEX': {
            // An index behind a constraint renames the constraint with it (and the other way round).
            const table = tableOfIndex(this.tables, relation);
            const index = table ? this.tables.get(table)?.indexes?.get(indexName(relation)) : undefined;
            if (table && index?.constraint === indexName(relation)) this.renameConstraint(table, index.constraint, to);
            else if (table && index) this.update(table, (t) => (t.indexes = withIndex(withoutIndex(t.indexes, indexName(relation)), to, index)));
            break;
          }
          case 'OBJECT_FUNCTION':
          case 'OBJECT_PROCEDURE':
          case 'OBJECT_ROUTINE': {
            const from = namesKey(n.object?.ObjectWithArgs?.objname);
            const fn = o.functions.get(from);
            const uses = o.uses.get(from);
            if (!from || !to) break;
            // Overloads share one entry: the renamed one takes what is known of the name with it.
            if (fn) this.setObjects({ functions: o.functions.delete(from).set(within(from), fn) });
            if (uses) this.setObjects({ uses: this.objects.uses.delete(from).set(within(from), uses) });
            break;
          }
          case 'OBJECT_PUBLICATION': {
            const from = n.object?.String?.sval ?? '';
            const p = o.publications.get(from);
            if (p && to) this.setObjects({ publications: o.publications.delete(from).set(to, p) });
            break;
          }
        }
        break;
      }
      case 'DropStmt': {
        const n = nodeOf(statement, kind) ?? {};
        const type = n.removeType;
        if (type === 'OBJECT_PUBLICATION') for (const x of n.objects ?? []) this.setObjects({ publications: this.objects.publications.delete(x.String?.sval ?? '') });
        const objects = n.objects ?? [];
        if (type === 'OBJECT_FUNCTION' || type === 'OBJECT_PROCEDURE' || type === 'OBJECT_ROUTINE') {
          for (const x of objects) {
            const key = namesKey(x.ObjectWithArgs?.objname);
            this.setObjects({ functions: this.objects.functions.delete(key), ...(n.behavior === 'DROP_CASCADE' ? { uses: this.objects.uses.delete(key) } : {}) });
          }
        } else if (type === 'OBJECT_VIEW' || type === 'OBJECT_MATVIEW') {
          for (const x of objects) this.dropView(namesKey(x.List?.items));
        } else if (type === 'OBJECT_TABLE') {
          for (const x of objects) {
            const key = namesKey(x.List?.items);
            this.dropUsesOf(key);
            // A dropped table leaves the publications that listed it (FOR TABLE: a new table of the name is not in them).
            let publications = this.objects.publications;
            for (const [name, p] of publications) if (p.tables.includes(key)) publications = publications.set(name, { ...p, tables: p.tables.filter((t) => t !== key) });
            this.setObjects({ publications });
            this.setObjects({ rows: this.objects.rows.delete(key) });
            // The views that read it go too (with CASCADE; without it the DROP succeeds only when none is left).
            this.dropViewsReading(key);
          }
        } else if ((type === 'OBJECT_TYPE' || type === 'OBJECT_DOMAIN') && n.behavior === 'DROP_CASCADE') {
          // CASCADE drops the columns of the type (arrays of it too), and what depends on them.
          for (const x of objects) {
            const names = (x.TypeName?.names ?? []).map((i) => i.String?.sval ?? '');
            for (const c of columnsOfType(this.tables, names[names.length - 1] ?? '')) this.dropColumn(c.table, c.column, true);
          }
        } else if (type === 'OBJECT_TRIGGER') {
          for (const x of objects) {
            const items = (x.List?.items ?? []).map((i) => i.String?.sval ?? '');
            const table = namesKey(x.List?.items?.slice(0, -1));
            this.removeUses((u) => u.table === table && u.trigger === items[items.length - 1]);
          }
        } else if (type === 'OBJECT_SCHEMA' && n.behavior === 'DROP_CASCADE') {
          for (const x of objects) {
            const schema = x.String?.sval ?? '';
            const inSchema = (key: string) => schemaOf(key) === schema;
            for (const key of [...this.objects.functions.keys()].filter(inSchema)) this.setObjects({ functions: this.objects.functions.delete(key), uses: this.objects.uses.delete(key) });
            for (const key of [...this.objects.views.keys()].filter(inSchema)) this.dropView(key);
            for (const key of [...this.tables.keys()].filter(inSchema)) this.dropTable(key);
          }
        }
        break;
      }
    }
  }

  /**
   * ALTER TABLE / VIEW ... RENAME TO: the relation keeps its columns, constraints and indexes under
   * its new key, and what refers to it follows (PostgreSQL refers by OID): the views that read it,
   * the foreign keys that reference it, the defaults and triggers on it, the publications of it.
   */
  private renameRelation(from: string, to: string): void {
    const table = this.tables.get(from);
    if (table) this.tables = this.tables.delete(from).set(to, table);
    for (const [key, t] of this.tables) {
      if (t.checks.some((c) => c.references === from)) this.update(key, (u) => (u.checks = u.checks.map((c) => (c.references === from ? { ...c, references: to } : c))));
    }
    let views = this.objects.views;
    const view = views.get(from);
    if (view) views = views.delete(from).set(to, view);
    for (const [key, v] of views) {
      if (!v.reads.includes(from)) continue;
      const columns: Record<string, readonly string[] | '*'> = {};
      for (const [k, c] of Object.entries(v.columns)) columns[k === from ? to : k] = c;
      views = views.set(key, { ...v, reads: v.reads.map((r) => (r === from ? to : r)), columns });
    }
    const rows = this.objects.rows.get(from);
    let publications = this.objects.publications;
    for (const [name, p] of publications) if (p.tables.includes(from)) publications = publications.set(name, { ...p, tables: p.tables.map((t) => (t === from ? to : t)) });
    this.setObjects({ views, publications, ...(rows ? { rows: this.objects.rows.delete(from).set(to, rows) } : {}) });
    this.mapUses((u) => (u.table === from ? { ...u, table: to } : u));
  }

  /** ALTER TABLE ... RENAME COLUMN: the column, and the keys, indexes, views and defaults that use it. */
  private renameColumn(table: string, from: string, to: string): void {
    const rename = (c: string) => (c === from ? to : c);
    if (this.tables.has(table)) {
      this.update(table, (t) => {
        const column = t.columns.get(from);
        if (column) t.columns = t.columns.delete(from).set(to, column);
        if (t.primaryKey?.includes(from)) t.primaryKey = t.primaryKey.map(rename);
        if (t.indexes && [...t.indexes.values()].some((i) => i.columns.includes(from))) t.indexes = new Map([...t.indexes].map(([k, i]) => [k, { ...i, columns: i.columns.map(rename) }]));
        t.checks = t.checks.map((c) => (c.notNullColumn === from ? { ...c, notNullColumn: to } : c));
      });
    }
    let views = this.objects.views;
    for (const [key, v] of views) {
      const cols = v.columns[table];
      if (cols && cols !== '*' && cols.includes(from)) views = views.set(key, { ...v, columns: { ...v.columns, [table]: cols.map(rename) } });
    }
    if (views !== this.objects.views) this.setObjects({ views });
    this.mapUses((u) => (u.table === table && u.column === from ? { ...u, column: to } : u));
  }

  /** ALTER TABLE ... RENAME CONSTRAINT: a PRIMARY KEY or UNIQUE constraint's index is renamed with it. */
  private renameConstraint(table: string, from: string, to: string): void {
    if (!this.tables.has(table)) return;
    this.update(table, (t) => {
      t.checks = t.checks.map((c) => (c.name === from ? { ...c, name: to } : c));
      const index = t.indexes?.get(from);
      if (index?.constraint === from) t.indexes = withIndex(withoutIndex(t.indexes, from), to, { ...index, constraint: to });
    });
  }

  private mapUses(change: (u: FunctionUse) => FunctionUse): void {
    let uses = this.objects.uses;
    for (const [fn, list] of uses) {
      const next = list.map(change);
      if (next.some((u, i) => u !== list[i])) uses = uses.set(fn, next);
    }
    if (uses !== this.objects.uses) this.setObjects({ uses });
  }

  /**
   * What else goes with a dropped column: the defaults calling functions, and with CASCADE the
   * views that use it (without it the statement fails). `own`: drop the column itself here too
   * (ALTER TABLE's subcommand has been applied by alter()).
   */
  private dropColumn(table: string, column: string, cascade: boolean, own = true): void {
    if (own) this.dropColumnOnly(table, column);
    this.dropUsesOf(table, column);
    if (cascade) for (const v of viewsUsing(this.view(), table, column)) this.dropView(v);
  }

  private addUse(fn: string, use: FunctionUse): void {
    if (!fn || !use.table) return;
    this.setObjects({ uses: this.objects.uses.set(fn, [...(this.objects.uses.get(fn) ?? []), use]) });
  }

  private addDefaultUses(table: string, column: string | undefined, expr: Node | undefined): void {
    if (!column || !expr) return;
    for (const fn of new Set(functionKeysIn(expr))) this.addUse(fn, { table, column });
  }

  private removeUses(gone: (u: FunctionUse) => boolean): void {
    let uses = this.objects.uses;
    for (const [fn, list] of uses) {
      const kept = list.filter((u) => !gone(u));
      if (kept.length !== list.length) uses = kept.length ? uses.set(fn, kept) : uses.delete(fn);
    }
    if (uses !== this.objects.uses) this.setObjects({ uses });
  }

  /** A table (or one of its columns) no longer calls anything. */
  private dropUsesOf(table: string, column?: string): void {
    this.removeUses((u) => u.table === table && (column === undefined || u.column === column));
  }

  /** A view, and the views that read it (CASCADE drops them; without it the DROP fails while they exist). */
  private dropView(key: string): void {
    if (this.objects.views.has(key)) this.setObjects({ views: this.objects.views.delete(key) });
    this.dropViewsReading(key);
  }

  private dropViewsReading(key: string): void {
    for (const [view, info] of this.objects.views) if (info.reads.includes(key)) this.dropView(view);
  }
}

/** `name`, or `schema.name` outside public, from a list of String nodes. */
function namesKey(items: Node[] | undefined): string {
  const parts = ((items ?? []) as Node[]).map((i) => i.String?.sval as string).filter((x) => x !== undefined);
  return (parts.length > 1 && parts[0] === 'public' ? parts.slice(1) : parts).join('.');
}

/** The keys of the functions an expression calls. */
export function functionKeysIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) functionKeysIn(x, out);
  else if (node && typeof node === 'object') {
    const fc = (node as Node).FuncCall;
    if (fc) out.push(namesKey(fc.funcname));
    for (const v of Object.values(node as Node)) functionKeysIn(v, out);
  }
  return out;
}

/** The relations a view's query reads and the columns it uses of each. */
function viewOf(query: Node | undefined, materialized: boolean, tables: ReadonlyMap<string, TableInfo>): ViewInfo {
  const ctes = new Set((JSON.stringify(query ?? {}).match(/"ctename":"[^"]+"/g) ?? []).map((m) => m.slice(11, -1)));
  const byName = new Map<string, string>();
  const reads: string[] = [];
  const refs: Of<'ColumnRef'>[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (!x || typeof x !== 'object') return;
    const rv = (x as Node).RangeVar;
    if (rv && !(!rv.schemaname && ctes.has(rv.relname ?? ''))) {
      const key = relationKey(rv);
      if (!reads.includes(key)) reads.push(key);
      byName.set(rv.alias?.aliasname ?? rv.relname ?? '', key);
      if (!rv.alias) byName.set(key, key);
    }
    const ref = (x as Node).ColumnRef;
    if (ref) refs.push(ref);
    for (const v of Object.values(x as Node)) walk(v);
  };
  walk(query);
  const columns: Record<string, string[] | '*'> = {};
  const use = (key: string, column: string | '*') => {
    if (columns[key] === '*') return;
    if (column === '*') {
      const known = tables.get(key)?.columns;
      columns[key] = known && known.size ? [...known.keys()] : '*';
      return;
    }
    const list = (columns[key] ??= []) as string[];
    if (!list.includes(column)) list.push(column);
  };
  for (const ref of refs) {
    const fields = (ref.fields ?? []).map((f) => (f.A_Star ? '*' : (f.String?.sval ?? '')));
    const column = fields[fields.length - 1];
    if (fields.length >= 2) {
      const key = byName.get(fields.slice(0, -1).join('.')) ?? byName.get(fields[fields.length - 2]);
      if (key) use(key, column);
      continue;
    }
    if (column === '*') {
      for (const k of reads) use(k, '*');
      continue;
    }
    // Unqualified: the relation that has the column, when the migrations say; else every one whose columns are unknown.
    const owners = reads.filter((k) => tables.get(k)?.columns.has(column));
    for (const k of owners.length ? owners : reads.filter((r) => !tables.get(r)?.columns.size)) use(k, column);
  }
  return { materialized, reads, columns };
}

/** The views (by key) whose query uses `table`.`column`. */
export function viewsUsing(catalog: CatalogView, table: string, column: string): string[] {
  const out: string[] = [];
  for (const [key, v] of catalogObjects(catalog).views) {
    const cols = v.columns[table];
    if (cols && (cols === '*' || cols.includes(column))) out.push(key);
  }
  return out.sort();
}

/** The tables a view reads, through the views it reads (undefined: the migrations did not create it). */
export function viewSources(catalog: CatalogView, key: string): string[] | undefined {
  const views = catalogObjects(catalog).views;
  if (!views.has(key)) return undefined;
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    const v = views.get(k);
    if (k !== key && !out.includes(k)) out.push(k);
    for (const r of v?.reads ?? []) visit(r);
  };
  visit(key);
  return out;
}

/**
 * How volatile a function the migrations created is, by the name a call writes (`name` or
 * `schema.name`); an unqualified call matches a function of any schema (the search_path decides).
 */
export function functionVolatility(catalog: CatalogView | undefined, key: string): FunctionInfo['volatility'] | undefined {
  const functions = catalogObjects(catalog).functions;
  const known = functions.get(key);
  if (known) return known.volatility;
  if (key.includes('.')) return undefined;
  const order = ['immutable', 'stable', 'volatile'] as const;
  let found: FunctionInfo['volatility'] | undefined;
  for (const [k, f] of functions) if (k.slice(k.lastIndexOf('.') + 1) === key && (!found || order.indexOf(f.volatility) > order.indexOf(found))) found = f.volatility;
  return found;
}

/** The defaults and triggers that call a function (by key). */
export function functionUses(catalog: CatalogView, key: string): readonly FunctionUse[] {
  return catalogObjects(catalog).uses.get(key) ?? [];
}

/** Per function of a schema, the defaults and triggers that call it: what DROP SCHEMA ... CASCADE drops from other tables. */
export function schemaFunctionUses(catalog: CatalogView, schema: string): { fn: string; use: FunctionUse }[] {
  const out: { fn: string; use: FunctionUse }[] = [];
  for (const [fn, uses] of catalogObjects(catalog).uses) if (schemaOf(fn) === schema) for (const use of uses) if (schemaOf(use.table) !== schema) out.push({ fn, use });
  return out.sort((a, b) => a.use.table.localeCompare(b.use.table) || a.fn.localeCompare(b.fn));
}

/** The columns (table key, column) whose type has this name (the last part of the type's name). */
export function columnsOfType(catalog: CatalogView, typeName: string): { table: string; column: string }[] {
  const out: { table: string; column: string }[] = [];
  for (const [table, info] of catalog) for (const [column, c] of info.columns) if (c.type === typeName) out.push({ table, column });
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column));
}

function sameObjects(a: CatalogObjects, b: CatalogObjects): boolean {
  if (a === b) return true;
  const same = <V>(x: PersistentMap<V>, y: PersistentMap<V>) => x === y || (x.size === y.size && x.equals(y, (p, q) => JSON.stringify(p) === JSON.stringify(q)));
  return same(a.functions, b.functions) && same(a.views, b.views) && same(a.uses, b.uses) && same(a.rows, b.rows) && same(a.publications, b.publications);
}


/** A constraint the migrations added to a table, by name. */
export function constraintOf(catalog: CatalogView, tableKey: string, name: string | undefined): CheckInfo | undefined {
  return name ? catalog.get(tableKey)?.checks.find((c) => c.name === name) : undefined;
}

const schemaOf = (key: string) => (key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '');
const indexName = (key: string) => key.slice(key.lastIndexOf('.') + 1);

/** The table (by key) that has the index `indexKey` (`name` or `schema.name`), when the migrations created it. */
export function tableOfIndex(catalog: CatalogView, indexKey: string): string | undefined {
  const schema = schemaOf(indexKey);
  const name = indexName(indexKey);
  for (const [table, info] of catalog) if (schemaOf(table) === schema && info.indexes?.has(name)) return table;
  return undefined;
}

/** The index of a PRIMARY KEY or UNIQUE constraint: its name, else PostgreSQL's `<table>_pkey` / `<table>_<cols>_key`. */
function constraintIndexName(tableKey: string, c: Of<'Constraint'>, columns: string[]): string {
  if (c.conname) return c.conname;
  const table = indexName(tableKey);
  return (c.contype === 'CONSTR_PRIMARY' ? `${table}_pkey` : `${table}_${columns.join('_')}_key`).slice(0, 63);
}

function withIndex(indexes: ReadonlyMap<string, IndexInfo> | undefined, name: string, info: IndexInfo): ReadonlyMap<string, IndexInfo> {
  return new Map([...(indexes ?? []), [name, info]]);
}

function withoutIndex(indexes: ReadonlyMap<string, IndexInfo> | undefined, name: string | undefined): ReadonlyMap<string, IndexInfo> | undefined {
  if (!indexes || !name || !indexes.has(name)) return indexes;
  const next = new Map(indexes);
  next.delete(name);
  return next;
}

function markNotNull(columns: PersistentMap<ColumnInfo>, name: string | undefined): PersistentMap<ColumnInfo> {
  const c = name ? columns.get(name) : undefined;
  return c ? columns.set(name!, { ...c, notNull: true }) : columns;
}

/**
 * Whether ALTER COLUMN ... TYPE rewrites the table, when the old type is known: PostgreSQL skips
 * the rewrite for binary-coercible changes (ALTER TABLE docs, "Notes": varchar(n) to varchar(m >= n)
 * or text, numeric precision increase with the same scale, ...). undefined when unknown.
 */
export function typeChangeRewrites(old: ColumnInfo | undefined, next: ColumnInfo, hasUsing: boolean): boolean | undefined {
  if (!old) return undefined;
  if (hasUsing || old.isArray !== next.isArray) return true;
  const same = old.type === next.type;
  const [n, m] = [old.typmods[0], next.typmods[0]];
  if (same && old.typmods.join() === next.typmods.join()) return false;
  const textual = (t: string) => t === 'varchar' || t === 'text';
  if (textual(old.type) && next.type === 'text') return false;
  if (textual(old.type) && next.type === 'varchar') {
    if (next.typmods.length === 0) return false;
    if (old.type === 'varchar' && old.typmods.length === 1 && m >= n) return false;
    return true;
  }
  if (same && (old.type === 'numeric' || old.type === 'varbit' || old.type === 'bit varying')) {
    if (next.typmods.length === 0) return false;
    if (old.type === 'numeric') return !(old.typmods.length >= 1 && m >= n && (old.typmods[1] ?? 0) === (next.typmods[1] ?? 0));
    return !(old.typmods.length === 1 && m >= n);
  }
  if (old.type === 'cidr' && next.type === 'inet') return false;
  return true;
}

/** Types a column can change to without a rewrite from some other type: where an unknown old type leaves the answer open. */
export const COERCIBLE_TARGETS = new Set(['varchar', 'text', 'numeric', 'varbit', 'inet']);

/** Two views say the same about every table (views share unchanged tables, so most compare by identity). */
export function sameCatalog(a: CatalogView, b: CatalogView): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  if (!sameObjects(catalogObjects(a), catalogObjects(b))) return false;
  if (a instanceof CatalogSnapshot && b instanceof CatalogSnapshot) return sameCatalog(a.tables, b.tables);
  // Versions of one persistent map: only the paths that differ are compared.
  if (a instanceof PersistentMap && b instanceof PersistentMap) return a.equals(b, sameTable);
  for (const [key, t] of a) {
    const u = b.get(key);
    if (!u || !sameTable(t, u)) return false;
  }
  return true;
}

/**
 * Compares the catalogs of two analyses of a document statement after statement (the new one
 * and the previous one, to find where they meet again): each call compares only the tables that
 * differed at the last call or changed since.
 */
export function catalogComparison(): (a: CatalogView, b: CatalogView) => boolean {
  const divergence = new Divergence<TableInfo>(sameTable);
  return (a, b) => (a instanceof PersistentMap && b instanceof PersistentMap ? divergence.equal(a, b) : sameCatalog(a, b));
}

function sameTable(t: TableInfo, u: TableInfo): boolean {
  if (t === u) return true;
  if (t.columns.size !== u.columns.size || JSON.stringify(t.checks) !== JSON.stringify(u.checks) || JSON.stringify(t.primaryKey) !== JSON.stringify(u.primaryKey)) return false;
  if (t.replicaIdentity !== u.replicaIdentity) return false;
  if (t.indexes !== u.indexes && JSON.stringify([...(t.indexes ?? [])]) !== JSON.stringify([...(u.indexes ?? [])])) return false;
  const same = (c: ColumnInfo, d: ColumnInfo | undefined) => JSON.stringify(c) === JSON.stringify(d);
  if (t.columns instanceof PersistentMap && u.columns instanceof PersistentMap) return t.columns.equals(u.columns, same);
  for (const [name, c] of t.columns) if (!same(c, u.columns.get(name))) return false;
  return true;
}

const ALL_OPERATIONS = ['insert', 'update', 'delete', 'truncate'];

/** A publication after CREATE or ALTER PUBLICATION: its objects added, dropped or set, and its `publish` option. */
function publicationWith(p: PublicationInfo, n: { pubobjects?: Node[]; options?: Node[] }, action: string): PublicationInfo {
  const objects = n.pubobjects ?? [];
  const tables = new Set(action === 'AP_SetObjects' && objects.length ? [] : p.tables);
  const schemas = new Set(action === 'AP_SetObjects' && objects.length ? [] : p.schemas);
  for (const o of objects.map((x) => x.PublicationObjSpec ?? {})) {
    const schema = o.pubobjtype === 'PUBLICATIONOBJ_TABLES_IN_SCHEMA' ? (o.name === 'public' ? '' : (o.name ?? '')) : undefined;
    const table = o.pubobjtype === 'PUBLICATIONOBJ_TABLE' ? relationKey(o.pubtable?.relation) : undefined;
    if (action === 'AP_DropObjects') {
      if (table) tables.delete(table);
      if (schema !== undefined) schemas.delete(schema);
    } else {
      if (table) tables.add(table);
      if (schema !== undefined) schemas.add(schema);
    }
  }
  const option = (n.options ?? []).find((x) => x.DefElem?.defname === 'publish')?.DefElem;
  const publish = option ? String(option.arg?.String?.sval ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean) : p.publish;
  return { allTables: p.allTables, tables: [...tables], schemas: [...schemas], publish };
}

/**
 * The publications (by name, sorted) that publish UPDATE or DELETE of the table (by key): the
 * table's primary key is then its replica identity, which those operations need.
 */
export function publishingChanges(catalog: CatalogView, tableKey: string): string[] {
  const out: string[] = [];
  for (const [name, p] of catalogObjects(catalog).publications) {
    if (!(p.publish.includes('update') || p.publish.includes('delete'))) continue;
    if (p.allTables || p.tables.includes(tableKey) || p.schemas.includes(schemaOf(tableKey))) out.push(name);
  }
  return out.sort();
}
