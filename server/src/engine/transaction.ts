/**
 * The transaction state machine of a migration, as pure functions: `step(state, statement,
 * locks)` is the state after a statement, from the state before it and the locks it takes. The
 * state is what each statement's facts read (in a transaction block or not, which one, the locks
 * held since earlier statements, the timeouts in force); deriveFacts saves it before every
 * statement, so that re-analysis after an edit resumes from it and the held-after locks are
 * computed once. Never changed in place: every function returns a new state.
 *
 * Transaction control: https://www.postgresql.org/docs/current/sql-begin.html, sql-commit,
 * sql-rollback, sql-prepare-transaction (PREPARE TRANSACTION ends the session's transaction);
 * SET LOCAL lasts to the end of the transaction (https://www.postgresql.org/docs/current/sql-set.html).
 */
import { nodeOf } from './ast';
import { constantText } from './tree';
import { relationKey } from './catalog';
import type { BlockFacts, LockFact } from './facts';
import { strength } from './locks';
import { Statement } from './parse';
import { Settings } from './settings';
import { setTimeout, TimeoutState } from './timeouts';

export type Timeouts = Record<'lock_timeout' | 'statement_timeout', TimeoutState>;

export interface TransactionState {
  /** Inside a transaction block (BEGIN, the migration tool's, or a PL/pgSQL body's implicit one). */
  readonly inTransaction: boolean;
  /** The open transaction was opened by the migration tool. */
  readonly toolTransaction: boolean;
  /** Transactions opened so far: the current one's number. */
  readonly transactions: number;
  /** Locks the open transaction holds, each with the statement that took it. */
  readonly held: readonly LockFact[];
  readonly timeouts: Timeouts;
  /** The session's TimeZone as SET by the migration (SET / SET LOCAL; undefined: the server's, unknown). */
  readonly timezone: TimeoutState;
  /**
   * Tables emptied earlier in the open transaction (TRUNCATE, DELETE without WHERE) and not
   * filled again since: a later rewrite of one copies no rows of this migration's.
   */
  readonly emptied: readonly { key: string; by: 'TRUNCATE' | 'DELETE' }[];
}

const TRANSACTION_ENDS = ['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE'];

/** Whether a statement ends the transaction it runs in (COMMIT, ROLLBACK, PREPARE TRANSACTION). */
export function endsTransaction(statement: Statement): boolean {
  return TRANSACTION_ENDS.includes(nodeOf(statement, 'TransactionStmt')?.kind ?? '');
}

/** Before the first statement: the timeouts the runner or the role set (setting timeoutsInForce), no transaction. */
export function initialState(settings: Settings): TransactionState {
  const timeouts: Timeouts = settings.timeoutsInForce
    ? { lock_timeout: { session: settings.lockTimeout }, statement_timeout: { session: settings.statementTimeout } }
    : { lock_timeout: {}, statement_timeout: {} };
  return { inTransaction: false, toolTransaction: false, transactions: 0, held: [], timeouts, timezone: {}, emptied: [] };
}

const copyTimeouts = (t: Timeouts): Timeouts => ({ lock_timeout: { ...t.lock_timeout }, statement_timeout: { ...t.statement_timeout } });

/** SET LOCAL values end with the transaction. */
function withoutLocal(t: Timeouts): Timeouts {
  const out = copyTimeouts(t);
  for (const s of Object.values(out)) s.local = undefined;
  return out;
}

/** A transaction opens (BEGIN, the migration tool's, a PL/pgSQL body's implicit one). */
export function begin(state: TransactionState, tool: boolean): TransactionState {
  if (state.inTransaction) return state;
  return { ...state, inTransaction: true, toolTransaction: tool, transactions: state.transactions + 1 };
}

/** The transaction ends: its locks and SET LOCAL values go. */
export function end(state: TransactionState): TransactionState {
  return { ...state, inTransaction: false, toolTransaction: false, held: [], timeouts: withoutLocal(state.timeouts), timezone: { session: state.timezone.session }, emptied: [] };
}

/** A COMMIT inside a PL/pgSQL body run outside a transaction block: the next transaction opens at once. */
export function commitAndContinue(state: TransactionState): TransactionState {
  return { ...state, held: [], timeouts: withoutLocal(state.timeouts), timezone: { session: state.timezone.session }, emptied: [], transactions: state.transactions + 1 };
}

/** The locks held once a statement taking `locks` has run in the state. */
function holdAfter(state: TransactionState, locks: readonly LockFact[], index: number): LockFact[] {
  const held = state.held.map((l) => ({ ...l }));
  for (const l of locks) {
    const h = held.find((x) => x.relation === l.relation);
    if (!h) held.push({ ...l, since: index });
    else if (strength(l.mode) > strength(h.mode)) h.mode = l.mode;
  }
  return held;
}

/** The timeouts after a SET / SET LOCAL / set_config of lock_timeout or statement_timeout. */
function timeoutsAfter(state: TransactionState, statement: Statement): Timeouts {
  const n = nodeOf(statement, 'VariableSetStmt');
  let timeouts = state.timeouts;
  const set = (name: 'lock_timeout' | 'statement_timeout', value: string | undefined, local: boolean) => {
    if (timeouts === state.timeouts) timeouts = copyTimeouts(state.timeouts);
    setTimeout(timeouts[name], value, local, state.inTransaction);
  };
  const select = nodeOf(statement, 'SelectStmt');
  if (n && (n.name === 'lock_timeout' || n.name === 'statement_timeout')) {
    set(n.name, n.kind === 'VAR_SET_VALUE' ? constantText(n.args?.[0]) : undefined, n.is_local === true);
  } else if (select) {
    // SELECT set_config('lock_timeout', '5s', is_local)
    for (const target of select.targetList ?? []) {
      const fc = target.ResTarget?.val?.FuncCall;
      if (fc?.funcname?.map((x) => x.String?.sval).pop() !== 'set_config') continue;
      const [name, value, local] = (fc.args ?? []).map(constantText);
      if (name === 'lock_timeout' || name === 'statement_timeout') set(name, value, local === 'true');
    }
  }
  return timeouts;
}

/** The TimeZone after SET [LOCAL] timezone / SET TIME ZONE / RESET (a value PostgreSQL resolves itself is unknown). */
function timezoneAfter(state: TransactionState, statement: Statement): TimeoutState {
  const n = nodeOf(statement, 'VariableSetStmt');
  if (!n || String(n.name).toLowerCase() !== 'timezone') return state.timezone;
  const value = n.kind === 'VAR_SET_VALUE' ? constantText(n.args?.[0]) : undefined;
  // SET LOCAL outside a transaction block has no effect.
  if (n.is_local === true) return state.inTransaction ? { ...state.timezone, local: value ?? '' } : state.timezone;
  return { session: value };
}

/** Tables emptied in the open transaction, after the statement (INSERT, COPY or MERGE fill one again). */
function emptiedAfter(state: TransactionState, statement: Statement): TransactionState['emptied'] {
  if (!state.inTransaction) return state.emptied;
  const truncate = nodeOf(statement, 'TruncateStmt');
  const del = nodeOf(statement, 'DeleteStmt');
  const fill = nodeOf(statement, 'InsertStmt') ?? nodeOf(statement, 'CopyStmt') ?? nodeOf(statement, 'MergeStmt');
  if (truncate) {
    const keys = (truncate.relations ?? []).map((r) => relationKey(r.RangeVar));
    return [...state.emptied.filter((e) => !keys.includes(e.key)), ...keys.map((key) => ({ key, by: 'TRUNCATE' as const }))];
  }
  if (del && !del.whereClause && del.relation) {
    const key = relationKey(del.relation);
    return [...state.emptied.filter((e) => e.key !== key), { key, by: 'DELETE' }];
  }
  if (fill?.relation) {
    const key = relationKey(fill.relation);
    return state.emptied.some((e) => e.key === key) ? state.emptied.filter((e) => e.key !== key) : state.emptied;
  }
  return state.emptied;
}

/**
 * The state after a statement that takes `locks`, run in `state` (`block`: a statement of a
 * PL/pgSQL body, whose COMMIT / ROLLBACK the runner handles).
 */
export function step(state: TransactionState, statement: Statement, locks: readonly LockFact[], block?: BlockFacts): TransactionState {
  let next: TransactionState = { ...state, held: state.inTransaction ? holdAfter(state, locks, statement.index) : state.held };
  if (statement.kind === 'TransactionStmt' && !block) {
    const kind = nodeOf(statement, 'TransactionStmt')?.kind;
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') next = begin(next, false);
    if (endsTransaction(statement)) next = end(next);
  } else next = { ...next, timeouts: timeoutsAfter(state, statement), timezone: timezoneAfter(state, statement), emptied: emptiedAfter(state, statement) };
  return next.inTransaction || next.held.length === 0 ? next : { ...next, held: [] };
}
