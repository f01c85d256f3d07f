/**
 * How volatile a column default is (pg_proc.provolatile of the functions it calls): what decides
 * whether ADD COLUMN rewrites the table (PostgreSQL 11+ stores a non-volatile default in the
 * catalog; https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES).
 */
import { CatalogView, functionKeysIn, functionVolatility } from './catalog';
import { Node, Of } from './parse';

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

/**
 * How volatile a column's default is: what decides whether ADD COLUMN rewrites the table.
 * `catalog`: a function the migrations created counts as it was declared (no marker: VOLATILE).
 */
export function defaultVolatility(column: Of<'ColumnDef'>, catalog?: CatalogView): { volatility: DefaultVolatility; functions: string[] } {
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
  // The same calls, schema-qualified as written: how the catalog knows the migrations' functions.
  const declared = functionKeysIn(expr).map((key) => functionVolatility(catalog, key));
  const volatile = calls.filter((f, i) => declared[i] === 'volatile' || (!declared[i] && VOLATILE_FUNCTIONS.has(f)));
  if (volatile.length) return { volatility: 'volatile', functions: volatile };
  const unknown = calls.filter((f, i) => !declared[i] && !NON_VOLATILE_FUNCTIONS.has(f));
  if (unknown.length) return { volatility: 'unknown', functions: unknown };
  // CURRENT_TIMESTAMP and friends parse as SQLValueFunction: stable.
  return { volatility: calls.length || JSON.stringify(expr).includes('SQLValueFunction') ? 'stable' : 'constant', functions: calls };
}
