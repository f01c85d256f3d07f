/**
 * What the migration itself says about its tables: the columns of the tables it creates or
 * alters, and the CHECK and foreign key constraints it adds and validates. Rules use it to tell a change that
 * PostgreSQL makes without a rewrite or scan (varchar(50) to varchar(100); SET NOT NULL on a
 * column already proven NOT NULL by a valid CHECK) from one that rewrites or scans.
 *
 * Snapshots are immutable: each statement's facts keep the catalog as it was before it ran.
 */
import { Node } from './parse';
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
}

export interface TableInfo {
  columns: ReadonlyMap<string, ColumnInfo>;
  checks: readonly CheckInfo[];
  primaryKey?: readonly string[];
  /** Indexes by name (an index lives in its table's schema). */
  indexes?: ReadonlyMap<string, IndexInfo>;
}

export type CatalogView = ReadonlyMap<string, TableInfo>;

/** `schema.name`, or `name` when unqualified or in `public`: how created and altered relations are matched. */
export function relationKey(rangeVar: Node | undefined): string {
  if (!rangeVar) return '';
  const schema = rangeVar.schemaname as string | undefined;
  const name = rangeVar.relname as string;
  return schema && schema !== 'public' ? `${schema}.${name}` : name;
}

export function columnInfo(column: Node): ColumnInfo {
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
        checks: table.checks.map((c) => ({ ...c, addedIn: undefined, transaction: undefined, validatedAt: undefined })),
      });
    }
  }

  view(): CatalogView {
    return this.tables;
  }

  /** Continues from a view this class produced (in the same migration: transactions kept as they were). */
  static resume(view: CatalogView): Catalog {
    const catalog = new Catalog();
    catalog.tables = view instanceof PersistentMap ? view : PersistentMap.from(view);
    return catalog;
  }

  private update(key: string, change: (t: { columns: PersistentMap<ColumnInfo>; checks: CheckInfo[]; primaryKey?: readonly string[]; indexes?: ReadonlyMap<string, IndexInfo> }) => void): void {
    const current = this.tables.get(key);
    const columns = current?.columns;
    const next = {
      columns: columns instanceof PersistentMap ? columns : PersistentMap.from<ColumnInfo>(columns ?? []),
      checks: [...(current?.checks ?? [])],
      primaryKey: current?.primaryKey,
      indexes: current?.indexes,
    };
    change(next);
    // A new map that shares the other tables: earlier snapshots stay as they were.
    this.tables = this.tables.set(key, next);
  }

  createTable(key: string, elements: Node[]): void {
    this.tables = this.tables.delete(key);
    this.update(key, (t) => {
      for (const e of elements) {
        if (e.ColumnDef) t.columns = t.columns.set(e.ColumnDef.colname, columnInfo(e.ColumnDef));
        const c = e.Constraint;
        if (c?.contype === 'CONSTR_CHECK') t.checks.push({ name: c.conname, kind: 'check', notNullColumn: notNullColumnOf(c.raw_expr), validated: true });
        // A column's own CHECK, named `<table>_<column>_check` as PostgreSQL names it.
        for (const x of e.ColumnDef ? ((e.ColumnDef.constraints ?? []) as Node[]).map((y) => y.Constraint ?? {}) : []) {
          if (x.contype === 'CONSTR_CHECK') t.checks.push({ name: (x.conname as string | undefined) ?? `${indexName(key)}_${e.ColumnDef.colname}_check`.slice(0, 63), kind: 'check', notNullColumn: notNullColumnOf(x.raw_expr), validated: true });
        }
        // Foreign keys, named as PostgreSQL names them (`<table>_<column>_fkey`): dropping or validating one locks its referenced table.
        const fks = [
          ...(c?.contype === 'CONSTR_FOREIGN' ? [{ c, cols: ((c.fk_attrs ?? []) as Node[]).map((x) => x.String?.sval as string) }] : []),
          ...(e.ColumnDef ? ((e.ColumnDef.constraints ?? []) as Node[]).map((x) => x.Constraint ?? {}).filter((x) => x.contype === 'CONSTR_FOREIGN').map((x) => ({ c: x, cols: [e.ColumnDef.colname as string] })) : []),
        ];
        for (const fk of fks) {
          const name = (fk.c.conname as string | undefined) ?? `${indexName(key)}_${fk.cols.join('_')}_fkey`.slice(0, 63);
          t.checks.push({ name, kind: 'foreign key', references: relationKey(fk.c.pktable) || undefined, validated: !fk.c.skip_validation });
        }
        if (c?.contype === 'CONSTR_PRIMARY') {
          t.primaryKey = ((c.keys ?? []) as Node[]).map((k) => k.String?.sval as string);
          for (const k of t.primaryKey) t.columns = markNotNull(t.columns, k);
        }
        if (e.ColumnDef && ((e.ColumnDef.constraints ?? []) as Node[]).some((x) => x.Constraint?.contype === 'CONSTR_PRIMARY')) t.primaryKey = [e.ColumnDef.colname];
        // The indexes behind PRIMARY KEY and UNIQUE, named as PostgreSQL names them.
        const inline = e.ColumnDef ? ((e.ColumnDef.constraints ?? []) as Node[]).map((x) => x.Constraint ?? {}) : [];
        for (const k of [...inline.map((x) => ({ c: x, cols: [e.ColumnDef.colname as string] })), ...(c ? [{ c, cols: ((c.keys ?? []) as Node[]).map((x) => x.String?.sval as string) }] : [])]) {
          if (k.c.contype !== 'CONSTR_PRIMARY' && k.c.contype !== 'CONSTR_UNIQUE') continue;
          const name = constraintIndexName(key, k.c, k.cols);
          t.indexes = withIndex(t.indexes, name, { columns: k.cols, unique: true, constraint: name });
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

  /** Applies one ALTER TABLE subcommand. Unknown tables get an entry too: what the migration adds to them is known. */
  alter(key: string, cmd: Node, statementIndex: number, transaction: number | undefined): void {
    const def = cmd.def ?? {};
    switch (cmd.subtype) {
      case 'AT_AddColumn':
        this.update(key, (t) => (t.columns = t.columns.set(def.ColumnDef?.colname, columnInfo(def.ColumnDef ?? {}))));
        break;
      case 'AT_DropColumn':
        this.update(key, (t) => (t.columns = t.columns.delete(cmd.name)));
        break;
      case 'AT_AlterColumnType':
        this.update(key, (t) => {
          const old = t.columns.get(cmd.name);
          t.columns = t.columns.set(cmd.name, { ...columnInfo(def.ColumnDef ?? {}), notNull: old?.notNull ?? false });
        });
        break;
      case 'AT_SetNotNull':
      case 'AT_DropNotNull':
        this.update(key, (t) => {
          const old = t.columns.get(cmd.name);
          if (old) t.columns = t.columns.set(cmd.name, { ...old, notNull: cmd.subtype === 'AT_SetNotNull' });
        });
        break;
      case 'AT_AddConstraint': {
        const c = def.Constraint ?? {};
        if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE') {
          // USING INDEX takes over (and renames) an existing index.
          const cols = ((c.keys ?? []) as Node[]).map((x) => x.String?.sval as string);
          const name = constraintIndexName(key, c, cols);
          this.update(key, (t) => {
            const existing = c.indexname ? t.indexes?.get(c.indexname) : undefined;
            t.indexes = withIndex(withoutIndex(t.indexes, c.indexname), name, { columns: existing?.columns ?? cols, unique: true, constraint: name });
          });
          break;
        }
        if (c.contype !== 'CONSTR_CHECK' && c.contype !== 'CONSTR_FOREIGN') break;
        const validated = !c.skip_validation;
        this.update(key, (t) =>
          t.checks.push({
            name: c.conname ?? (c.contype === 'CONSTR_FOREIGN' ? `${indexName(key)}_${((c.fk_attrs ?? []) as Node[]).map((x) => x.String?.sval).join('_')}_fkey`.slice(0, 63) : undefined),
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
      case 'AT_ValidateConstraint':
        this.update(key, (t) => {
          const i = t.checks.findIndex((c) => c.name === cmd.name);
          if (i >= 0) t.checks[i] = { ...t.checks[i], validated: true, transaction, validatedAt: statementIndex };
        });
        break;
      case 'AT_DropConstraint':
        this.update(key, (t) => {
          const i = t.checks.findIndex((c) => c.name === cmd.name);
          if (i >= 0) t.checks.splice(i, 1);
          if (t.indexes?.get(cmd.name)?.constraint === cmd.name) t.indexes = withoutIndex(t.indexes, cmd.name);
        });
        break;
    }
  }
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
function constraintIndexName(tableKey: string, c: Node, columns: string[]): string {
  if (c.conname) return c.conname as string;
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
  if (t.indexes !== u.indexes && JSON.stringify([...(t.indexes ?? [])]) !== JSON.stringify([...(u.indexes ?? [])])) return false;
  const same = (c: ColumnInfo, d: ColumnInfo | undefined) => JSON.stringify(c) === JSON.stringify(d);
  if (t.columns instanceof PersistentMap && u.columns instanceof PersistentMap) return t.columns.equals(u.columns, same);
  for (const [name, c] of t.columns) if (!same(c, u.columns.get(name))) return false;
  return true;
}
