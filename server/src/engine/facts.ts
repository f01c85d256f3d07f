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
import { alterCommands, AlterCommand, createdBy, namesToRelation } from './tree';
import { Catalog, catalogComparison, CatalogView, relationKey } from './catalog';
import { MigrationContext, segmentAt } from './context';
import { statementEffect } from './effect';
import { LockMode, strength } from './locks';
import { DESCRIBED, FK_REFERENCED_WORDS } from './locktable';
import { nodeOf } from './ast';
import { ParsedFile, Statement } from './parse';
import { calledRoutines, plpgsqlRoutine, RoutineBody, routineBody } from './plpgsql';
import { Divergence, PersistentSet } from './pmap';
import { Settings } from './settings';
import { effective } from './timeouts';
import { begin, commitAndContinue, end, initialState, step, TransactionState } from './transaction';

// What other modules import from facts: the AST helpers and volatility tables have their own files.
export { relationKey } from './catalog';
export { constantText, hasDefElem, relationName } from './tree';
export type { AlterCommand } from './tree';
export { defaultVolatility, NON_VOLATILE_FUNCTIONS, VOLATILE_FUNCTIONS } from './volatility';
export type { DefaultVolatility } from './volatility';

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

/** How the facts describe relations the SQL does not name (the lock table's words). */
export const INDEX_TABLE = DESCRIBED.indexTable!;
export const PARTITION_INDEX_TABLE = DESCRIBED.partitionIndexTable!;
export const TABLE_INDEXES = DESCRIBED.tableIndexes!;
export const FK_REFERENCED = FK_REFERENCED_WORDS;
export const FKS_REFERENCED = DESCRIBED.fksReferenced!;
export const VIEW_SOURCES = DESCRIBED.viewSources!;
export const FKS_REFERENCING = DESCRIBED.fksReferencing!;


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
  /** The lock table entries (locktable.ts ids) the statement is: where its locks, rewrites and scans come from. */
  forms: string[];
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




/** The state deriveFacts carries from one statement to the next, as it was before a statement. */
interface SavedState {
  createdSnapshot: PersistentSet;
  catalog: CatalogView;
  /** Index into the context's segments (-1: before the first). */
  segment: number;
  tx: TransactionState;
}

/** Per FileFacts, the state before each statement: where an edit's re-analysis starts from. */
const savedStates = new WeakMap<FileFacts, SavedState[]>();
/** Per FileFacts, the prior catalog it started from. */
const priorOf = new WeakMap<FileFacts, CatalogView | undefined>();

/**
 * Which statements deriveFacts took from the previous analysis rather than deriving them: those
 * before `before` (unmoved) and those from `from` on (moved by `delta`); the others were derived.
 */
export interface ReusedStatements {
  previous: FileFacts;
  before: number;
  from: number;
  delta: number;
}
const reusedOf = new WeakMap<FileFacts, ReusedStatements>();

/** The statements of `file` whose facts are the previous analysis' (undefined: every one was derived). */
export function reusedStatements(file: FileFacts): ReusedStatements | undefined {
  return reusedOf.get(file);
}

/**
 * A newer analysis was derived from `file`: `file`'s own link to the analysis before it is of no
 * more use, and kept it would chain every analysis of the document since it was opened (each
 * holding the one before), which an editor session grows without bound.
 */
function forgetPrevious(file: FileFacts): void {
  reusedOf.delete(file);
}

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
    a.tx.inTransaction === b.tx.inTransaction &&
    a.tx.toolTransaction === b.tx.toolTransaction &&
    a.tx.transactions === b.tx.transactions &&
    a.segment === b.segment &&
    created.equal(a.createdSnapshot.map, b.createdSnapshot.map) &&
    JSON.stringify(a.tx.held) === JSON.stringify(b.tx.held) &&
    JSON.stringify(a.tx.timeouts) === JSON.stringify(b.tx.timeouts) &&
    JSON.stringify(a.tx.timezone) === JSON.stringify(b.tx.timezone) &&
    JSON.stringify(a.tx.emptied) === JSON.stringify(b.tx.emptied) &&
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
  let segment: MigrationContext['segments'][number] | undefined;
  // The transaction state before the next statement (pure: each step returns a new one).
  let tx = initialState(settings);
  const out: StatementFacts[] = [];
  const states: SavedState[] = [];
  const save = (): SavedState => ({
    createdSnapshot,
    catalog: catalog.view(),
    segment: segment ? context.segments.indexOf(segment) : -1,
    tx,
  });

  // What the previous analysis of this document can give.
  const old = previous && savedStates.get(previous);
  const delta = parsed.text.length - (previous?.parsed.text.length ?? 0);
  const reuse = reusable(parsed, settings, context, prior, previous, delta);
  const first = reuse.first; // statements before this index keep their facts
  const tail = reuse.tail; // from this index on, facts may be re-used once the state is the same
  out.push(...reuse.out);
  if (reuse.resume) {
    const s = reuse.resume;
    createdSnapshot = s.createdSnapshot;
    for (const k of s.createdSnapshot) created.add(k);
    catalog = Catalog.resume(s.catalog);
    segment = s.segment >= 0 ? context.segments[s.segment] : undefined;
    tx = s.tx;
    states.push(...old!.slice(0, first));
  }

  const lastRunner = previous ? previous.statements.reduce((last, f, i) => (f.inner ? i : last), -1) : -1;
  const sameState = stateComparison();
  const bodiesRun = bodiesRunIn(parsed);
  /**
   * A statement that runs PL/pgSQL bodies: each statement of the bodies in turn, in the
   * transaction the runner is in, or in the runner's own implicit one (which each permitted
   * COMMIT of the body ends and opens anew); the runner's facts are the union of theirs.
   */
  const runBodies = (runner: Statement, bodies: RoutineBody[]): StatementFacts => {
    const outer = tx.inTransaction;
    const self = factsOf(runner);
    // Outside a transaction block the body runs in an implicit transaction of its own.
    if (!tx.inTransaction) tx = { ...begin(tx, false), toolTransaction: tx.toolTransaction };
    const inner: StatementFacts[] = [];
    for (const body of bodies) {
      for (const s of body.statements) {
        const end = nodeOf(s, 'TransactionStmt')?.kind;
        const ends = end === 'TRANS_STMT_COMMIT' || end === 'TRANS_STMT_ROLLBACK';
        const fails: BlockFacts['fails'] = !ends ? undefined : outer ? 'transaction block' : s.body.subtransaction ? 'subtransaction' : body.routine.startsWith('function') ? 'function' : undefined;
        inner.push(factsOf(s, { runner: runner.index, routine: body.routine, inTransactionBlock: outer, fails }));
        if (ends && !fails) tx = commitAndContinue(tx);
      }
    }
    if (!outer) tx = { ...end(tx), toolTransaction: tx.toolTransaction };
    // What the transaction holds once the block has run (nothing when the block ran on its own).
    return { ...unionFacts(self, inner), heldAfter: tx.held.map((l) => ({ ...l })), inner, routines: bodies };
  };

  /** The facts of one statement in the state it runs in, and the state after it (`block`: inside a PL/pgSQL body). */
  const factsOf = (statement: Statement, block?: BlockFacts): StatementFacts => {
    const effect = statementEffect(statement, settings, catalog.view(), { timezone: effective(tx.timezone) });
    // A relation is new when an earlier statement, or this one (a table referencing itself), created it.
    const ownNew = new Set(createdBy(statement));
    const isNew = (key: string) => created.has(key) || ownNew.has(key);
    const locks: LockFact[] = effect.locks.map((l) => {
      const fact: LockFact = { ...l, existing: !isNew(effect.keys.get(l.relation) ?? l.relation) };
      const h = tx.inTransaction ? tx.held.find((x) => x.relation === l.relation) : undefined;
      if (h && strength(h.mode) > strength(l.mode)) fact.alreadyHeld = { mode: h.mode, since: h.since ?? 0 };
      return fact;
    });
    effect.caveats.push(...emptiedCaveats(tx, effect.rewrites, effect.keys));
    const facts: StatementFacts = {
      statement,
      kind: statement.kind,
      locks,
      implicitLocks: effect.implicit,
      rewrites: [...new Set(effect.rewrites)],
      scans: [...new Set(effect.scans)].filter((s) => !effect.rewrites.includes(s)),
      inTransaction: tx.inTransaction,
      heldBefore: tx.held.length ? tx.held.map((l) => ({ ...l })) : [],
      heldAfter: [],
      lockTimeout: effective(tx.timeouts.lock_timeout),
      statementTimeout: effective(tx.timeouts.statement_timeout),
      createdBefore: createdSnapshot,
      commands: statement.kind === 'AlterTableStmt' ? alterCommands(statement) : [],
      concurrently: effect.concurrently,
      caveats: effect.caveats,
      forms: effect.forms,
      catalog: catalog.view(),
      transaction: tx.inTransaction ? tx.transactions : undefined,
      direction: segment?.direction ?? 'up',
      toolTransaction: tx.toolTransaction,
      ...(block ? { block } : {}),
    };

    // The state after the statement.
    tx = step(tx, statement, locks, block);
    if (tx.held.length) facts.heldAfter = tx.held.map((l) => ({ ...l }));
    for (const key of createdBy(statement)) {
      if (!key || created.has(key)) continue;
      created.add(key);
      createdSnapshot = createdSnapshot.add(key); // persistent: statements share all but the new path
    }
    const create = nodeOf(statement, 'CreateStmt');
    const drop = nodeOf(statement, 'DropStmt');
    const index = nodeOf(statement, 'IndexStmt');
    const alter = nodeOf(statement, 'AlterTableStmt');
    if (create) catalog.createTable(relationKey(create.relation), create.tableElts ?? []);
    if (drop?.removeType === 'OBJECT_TABLE') {
      for (const o of drop.objects ?? []) catalog.dropTable(namesToRelation(o.List?.items ?? []).key);
    }
    if (drop?.removeType === 'OBJECT_INDEX') {
      for (const o of drop.objects ?? []) catalog.dropIndex(namesToRelation(o.List?.items ?? []).key);
    }
    if (index?.idxname) {
      const columns = (index.indexParams ?? []).map((p) => p.IndexElem?.name ?? '(expression)');
      catalog.createIndex(relationKey(index.relation), index.idxname, { columns, unique: index.unique === true });
    }
    if (alter?.objtype === 'OBJECT_TABLE') {
      for (const c of alter.cmds ?? []) catalog.alter(relationKey(alter.relation), c.AlterTableCmd ?? {}, statement.index, facts.transaction);
    }
    // Functions, views, the defaults and triggers that call functions, rows put in new tables.
    catalog.record(statement, statement.index);
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
        reusedOf.set(result, { previous: previous!, before: reuse.resume ? first : 0, from: index, delta });
        forgetPrevious(previous!);
        return result;
      }
      states.push(before);
    } else states.push(save());
    // Entering a new part of the file (a changeset, dbmate's down section...): the tool commits
    // the previous part's transaction and opens the next one's.
    const next = segmentAt(context, statement.start);
    if (next !== segment) {
      if (tx.toolTransaction) tx = end(tx);
      // A down section runs later, on rollback: what the up section created exists by then.
      if (segment && next.direction !== segment.direction) {
        created.clear();
        createdSnapshot = PersistentSet.empty();
      }
      if (next.transaction && !tx.inTransaction) tx = begin(tx, true);
      segment = next;
    }
    const bodies = bodiesRun(statement);
    out.push(bodies.length ? runBodies(statement, bodies) : factsOf(statement));
  }
  const result = { parsed, statements: out, context, settings, catalogAfter: catalog.view() };
  savedStates.set(result, states);
  priorOf.set(result, prior);
  if (reuse.resume) {
    reusedOf.set(result, { previous: previous!, before: first, from: out.length, delta });
    forgetPrevious(previous!);
  }
  return result;
}

/**
 * What the previous analysis of the same document can give after an edit: the facts of the
 * statements before the first changed one (`first`), the state to resume from there, and from
 * which statement on (`tail`) facts may be re-used once the state is the same as before.
 */
function reusable(parsed: ParsedFile, settings: Settings, context: MigrationContext, prior: CatalogView | undefined, previous: FileFacts | undefined, delta: number): { first: number; tail: number; out: StatementFacts[]; resume?: SavedState } {
  const none = { first: 0, tail: -1, out: [] };
  const old = previous && savedStates.get(previous);
  if (!previous || !old || previous.settings !== settings || !samePrior(previous, prior)) return none;
  const a = previous.parsed.statements;
  const b = parsed.statements;
  let first = 0;
  while (first < a.length && first < b.length && sameStatement(a[first], b[first], 0)) first++;
  const changeStart = first < b.length ? b[first].start : parsed.text.length;
  if (!sameContext(previous.context, context, changeStart, delta)) return none;
  // Same number of statements: statement indexes (held locks' `since`, the catalog's) still hold.
  const tailAt = (from: number) => (a.length === b.length ? from + 1 : -1);
  const resume = first > 0 ? old[first] : undefined;
  if (!resume) return { first: 0, tail: tailAt(0), out: [] };
  const tail = tailAt(first);
  // The same statement object (parseFile re-uses unchanged ones): the same facts object.
  const out = a.slice(0, first).map((s, i) => (s === b[i] ? previous.statements[i] : { ...previous.statements[i], statement: b[i] }));
  return { first, tail, out, resume };
}

/** The bodies each statement of the file runs: a DO block's own, the routines a CALL or SELECT calls (PL/pgSQL routines the file creates, by name). */
function bodiesRunIn(parsed: ParsedFile): (statement: Statement) => RoutineBody[] {
  const routines = new Map<string, number[]>();
  for (const s of parsed.statements) {
    const r = plpgsqlRoutine(s);
    if (r) routines.set(r.name, [...(routines.get(r.name) ?? []), s.index]);
  }
  return (statement) => {
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
}

/** A statement that runs PL/pgSQL bodies: its own facts joined with those of the statements the bodies run (what a trace observes for the whole statement). */
function unionFacts(self: StatementFacts, inner: StatementFacts[]): StatementFacts {
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
  const all = <T>(pick: (f: StatementFacts) => T[]) => [...new Set([...pick(self), ...inner.flatMap(pick)])];
  return {
    ...self,
    locks,
    implicitLocks: [...implicit.values()],
    rewrites,
    scans: all((f) => f.scans).filter((r) => !rewrites.includes(r)),
    caveats: all((f) => f.caveats),
    forms: all((f) => f.forms),
  };
}

/** A rewrite of a table emptied earlier in the transaction has no rows of the migration's to copy: said in a caveat, the verdict unchanged. */
function emptiedCaveats(tx: TransactionState, rewrites: string[], keys: Map<string, string>): string[] {
  if (!tx.inTransaction) return [];
  return [...new Set(rewrites)].flatMap((r) => {
    const emptied = tx.emptied.find((e) => e.key === (keys.get(r) ?? r));
    return emptied ? [`${r} was emptied earlier in this transaction (${emptied.by}): the rewrite copies no rows of this migration's, so it is quick${emptied.by === 'DELETE' ? ' (rows other sessions insert meanwhile are copied too)' : ''}; the lock is the same.`] : [];
  });
}

/** The previous analysis started from the same catalog of earlier migrations. */
function samePrior(previous: FileFacts, prior: CatalogView | undefined): boolean {
  return priorOf.get(previous) === prior;
}
