/**
 * What the checklist's items measure a migration with: the tables it locks, rewrites or reads in
 * full, the throughputs behind a duration estimate, and the words for sizes and durations. Pure;
 * shared by the checklist (checklist.ts) and the database-impact items (impact.ts).
 */
import { Analysis } from './analyze';
import { LockMode, strength } from './locks';
import { parsedStatements } from './rule';

/**
 * Throughputs behind the duration estimate. Assumptions, said so in the evidence: a rewrite copies
 * the table and rebuilds its indexes; a scan reads it once. Staging tells the real figure.
 */
export const REWRITE_BYTES_PER_SECOND = 50 * 1024 * 1024;
export const SCAN_BYTES_PER_SECOND = 200 * 1024 * 1024;

export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function seconds(s: number): string {
  if (s < 1) return 'under a second';
  if (s < 90) return `~${Math.round(s)} s`;
  if (s < 5400) return `~${Math.round(s / 60)} min`;
  return `~${(s / 3600).toFixed(1)} h`;
}

/**
 * A time setting as PostgreSQL reads it, in seconds: `5s`, `500ms`, `1min`, `2h`, `1d`, or a
 * bare number of milliseconds (lock_timeout's unit). Undefined when it cannot be read.
 */
export function settingSeconds(value: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/i.exec(value ?? '');
  if (!m) return undefined;
  const factor: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, min: 60, h: 3600, d: 86400 };
  return Number(m[1]) * factor[(m[2] ?? 'ms').toLowerCase()];
}

const strongerOf = (a: LockMode | undefined, b: LockMode): LockMode => (a && strength(a) > strength(b) ? a : b);

/** The relation names (as the SQL writes them) the migration locks on existing tables, with the strongest mode. */
export function lockedRelations(analysis: Analysis): Map<string, LockMode> {
  const out = new Map<string, LockMode>();
  for (const s of analysis.facts.statements) {
    if (s.direction === 'down') continue;
    for (const l of s.locks) {
      if (!l.existing || l.role === 'index') continue;
      out.set(l.relation, strongerOf(out.get(l.relation), l.mode));
    }
  }
  return out;
}

/** Existing tables the migration rewrites or reads in full, with whether it rewrites them and the lock held meanwhile. */
export function heavyTables(analysis: Analysis): Map<string, { rewrite: boolean; lock: LockMode }> {
  const heavy = new Map<string, { rewrite: boolean; lock: LockMode }>();
  for (const s of parsedStatements(analysis.facts)) {
    if (s.direction === 'down') continue;
    const existing = new Map(s.locks.filter((l) => l.existing).map((l) => [l.relation, l.mode]));
    for (const r of s.rewrites) if (existing.has(r)) heavy.set(r, { rewrite: true, lock: existing.get(r)! });
    for (const r of s.scans) if (existing.has(r) && !heavy.get(r)?.rewrite) heavy.set(r, { rewrite: false, lock: existing.get(r)! });
  }
  return heavy;
}

/** The relations the database probes look at: every table the migration locks, rewrites or scans. */
export const probedRelations = (analysis: Analysis): string[] => [...new Set([...lockedRelations(analysis).keys(), ...heavyTables(analysis).keys()])];
