/**
 * PostgreSQL's table-level lock modes and what each one blocks.
 * Source: https://www.postgresql.org/docs/current/explicit-locking.html (Table 13.2,
 * "Conflicting Lock Modes"; unchanged since PostgreSQL 8.2).
 */

/** Lock modes as `pg_locks.mode` spells them, weakest first. */
export const LOCK_MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;

export type LockMode = (typeof LOCK_MODES)[number];

const CONFLICTS: Record<LockMode, LockMode[]> = {
  AccessShareLock: ['AccessExclusiveLock'],
  RowShareLock: ['ExclusiveLock', 'AccessExclusiveLock'],
  RowExclusiveLock: ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareUpdateExclusiveLock: [
    'ShareUpdateExclusiveLock',
    'ShareLock',
    'ShareRowExclusiveLock',
    'ExclusiveLock',
    'AccessExclusiveLock',
  ],
  ShareLock: ['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareRowExclusiveLock: [
    'RowExclusiveLock',
    'ShareUpdateExclusiveLock',
    'ShareLock',
    'ShareRowExclusiveLock',
    'ExclusiveLock',
    'AccessExclusiveLock',
  ],
  ExclusiveLock: [
    'RowShareLock',
    'RowExclusiveLock',
    'ShareUpdateExclusiveLock',
    'ShareLock',
    'ShareRowExclusiveLock',
    'ExclusiveLock',
    'AccessExclusiveLock',
  ],
  AccessExclusiveLock: [...LOCK_MODES],
};

export function conflicts(a: LockMode, b: LockMode): boolean {
  return CONFLICTS[a].includes(b);
}

export function strength(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

export function strongest(modes: LockMode[]): LockMode | undefined {
  return modes.reduce<LockMode | undefined>((a, b) => (a === undefined || strength(b) > strength(a) ? b : a), undefined);
}

/** "ACCESS EXCLUSIVE", as the SQL and the docs spell the mode in text. */
export function lockName(mode: LockMode): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** What a lock held on a table stops other sessions from doing, in words. */
export function blocksInWords(mode: LockMode): string {
  // SELECT takes ACCESS SHARE; INSERT/UPDATE/DELETE take ROW EXCLUSIVE; SELECT ... FOR UPDATE
  // takes ROW SHARE; VACUUM, ANALYZE and CREATE INDEX CONCURRENTLY take SHARE UPDATE EXCLUSIVE.
  if (conflicts(mode, 'AccessShareLock')) return 'blocks reads and writes (every query on the table waits)';
  if (conflicts(mode, 'RowShareLock')) return 'blocks writes and SELECT ... FOR UPDATE/SHARE; plain reads continue';
  if (conflicts(mode, 'RowExclusiveLock')) return 'blocks writes (INSERT, UPDATE, DELETE); reads continue';
  if (conflicts(mode, 'ShareUpdateExclusiveLock'))
    return 'blocks schema changes, VACUUM and other index builds; reads and writes continue';
  return 'blocks only ACCESS EXCLUSIVE (DDL that rewrites or drops the table); reads and writes continue';
}

export function blocksReads(mode: LockMode): boolean {
  return conflicts(mode, 'AccessShareLock');
}

export function blocksWrites(mode: LockMode): boolean {
  return conflicts(mode, 'RowExclusiveLock');
}

/** The strongest mode per name among rows of pg_locks-like observations (one relation can show several). */
export function strongestPerName<T extends { mode: LockMode }>(rows: Iterable<T>, nameOf: (row: T) => string): Map<string, LockMode> {
  const out = new Map<string, LockMode>();
  for (const row of rows) {
    const name = nameOf(row);
    const known = out.get(name);
    if (!known || strength(row.mode) > strength(known)) out.set(name, row.mode);
  }
  return out;
}
