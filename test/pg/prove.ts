/**
 * Runs one shape on a real server and compares what PostgreSQL does with what the engine claims:
 * the locks `pg_locks` shows for the session (joined to `pg_class`), whether `relfilenode`
 * changed (rewrite), and whether `pg_stat_xact_all_tables.seq_scan` moved (full scan).
 */
import { analyze } from '../../server/src/engine/analyze';
import { LockMode, lockName, strength, strongestPerName } from '../../server/src/engine/locks';
import { resolveSettings } from '../../server/src/engine/settings';
import { Server, Session } from './servers';
import { SETUP, Shape } from './shapes';

export interface Facts {
  locks: Map<string, LockMode>;
  rewrites: Set<string>;
  scans: Set<string>;
  /** Claimed locks no session can observe (an index's, from a second session: LOCK TABLE takes no index). */
  unobservable?: string[];
}

export interface ShapeResult {
  sql: string;
  /** The lock table entries the statement is (locktable.ts ids): what the shape proves. */
  forms: string[];
  server: string;
  claimed: string;
  observed: string;
  /** proven: observed equals claimed; failed: it does not; skipped: cannot be observed on this server. */
  status: 'proven' | 'failed' | 'skipped';
  problems: string[];
  method: string;
}

const strip = (name: string) => name.replace(/^public\./, '');

/** The engine's claims for a shape, on this server's major version. */
export function claimsFor(shape: Shape, major: number): Facts & { unmapped: string[]; forms: string[] } {
  const settings = resolveSettings({ pgVersion: major }).settings;
  const prior = shape.history ? analyze(SETUP, { settings }).facts.catalogAfter : undefined;
  // The prelude runs first, in the same migration and transaction: the claim is the statement's after it.
  const statements = analyze(shape.prelude ? `${shape.prelude};\n${shape.sql}` : shape.sql, { settings, prior }).facts.statements;
  const s = statements[statements.length - 1];
  const locks = new Map<string, LockMode>();
  for (const l of s.locks) locks.set(strip(l.relation), l.mode);
  const unmapped: string[] = [];
  const scans = new Set(s.scans.map(strip));
  for (const i of s.implicitLocks) {
    const mapped = shape.implicit?.[i.on];
    if (!mapped) {
      unmapped.push(i.on);
      continue;
    }
    // One description can stand for several relations ("the table's indexes").
    for (const relation of typeof mapped === 'string' ? [mapped] : mapped) {
      const known = locks.get(relation);
      if (!known || strength(i.mode) > strength(known)) locks.set(relation, i.mode);
      if (i.scanned) scans.add(relation);
    }
  }
  return { locks, rewrites: new Set(s.rewrites.map(strip)), scans, unmapped, forms: s.forms };
}

export function describeFacts(f: Facts, newStorage: string[] = []): string {
  const locks = [...f.locks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([r, m]) => `${r} ${lockName(m)}`);
  const parts = [locks.length ? locks.join(', ') : 'no table lock'];
  if (f.rewrites.size) parts.push(`rewrites ${[...f.rewrites].sort().join(', ')}`);
  if (newStorage.length) parts.push(`new empty storage ${newStorage.join(', ')}`);
  const scans = [...f.scans].filter((r) => !f.rewrites.has(r)).sort();
  if (scans.length) parts.push(`scans ${scans.join(', ')}`);
  return parts.join('; ');
}

interface Relation {
  oid: number;
  relname: string;
  relkind: string;
  relfilenode: number;
  seq_scan: number;
}

const SNAPSHOT = `
SELECT c.oid::int AS oid, c.relname, c.relkind::text AS relkind, c.relfilenode::int AS relfilenode,
       COALESCE(s.seq_scan, 0)::int AS seq_scan
FROM pg_class c
LEFT JOIN pg_stat_xact_all_tables s ON s.relid = c.oid
WHERE c.relnamespace IN ('public'::regnamespace, 'other'::regnamespace)`;

const LOCKS = `
SELECT l.relation::int AS oid, l.mode
FROM pg_locks l
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted`;

/** Relation kinds whose locks are compared in full: tables, partitioned tables, views, matviews, sequences. */
const COMPARED_KINDS = new Set(['r', 'p', 'v', 'm', 'S', 'f']);

async function snapshot(session: Session): Promise<Map<number, Relation>> {
  return new Map((await session.query<Relation>(SNAPSHOT)).map((r) => [r.oid, r]));
}

const strongestByName = (rows: { name: string; mode: LockMode }[]) => strongestPerName(rows, (l) => l.name);

/** Runs the shape inside BEGIN ... ROLLBACK and reads what it did. */
async function observeInTransaction(session: Session, shape: Shape, claimed: Facts): Promise<{ facts: Facts; relkinds: Map<string, string> }> {
  await session.query('BEGIN');
  try {
    if (shape.indexScans) await session.query('SET LOCAL enable_seqscan = off');
    if (shape.prelude) await session.query(shape.prelude);
    const before = await snapshot(session);
    await session.query(shape.sql);
    const held = await session.query<{ oid: number; mode: LockMode }>(LOCKS);
    const after = await snapshot(session);
    const relkinds = new Map([...before.values()].map((r) => [r.relname, r.relkind]));
    const rows = held
      .filter((l) => before.has(l.oid))
      .map((l) => ({ name: before.get(l.oid)!.relname, kind: before.get(l.oid)!.relkind, mode: l.mode }))
      // Indexes are compared when the engine names them; other relations always.
      .filter((l) => COMPARED_KINDS.has(l.kind) || claimed.locks.has(l.name));
    const rewrites = new Set<string>();
    const scans = new Set<string>();
    for (const [oid, b] of before) {
      const a = after.get(oid);
      if (!a) continue;
      // An index's storage is compared when the engine claims it is copied (ALTER INDEX ... SET TABLESPACE).
      if (!COMPARED_KINDS.has(b.relkind)) {
        if (claimed.rewrites.has(b.relname) && b.relfilenode !== 0 && a.relfilenode !== b.relfilenode) rewrites.add(b.relname);
        continue;
      }
      if (b.relfilenode !== 0 && a.relfilenode !== b.relfilenode) rewrites.add(b.relname);
      if (a.seq_scan > b.seq_scan) scans.add(b.relname);
    }
    return { facts: { locks: strongestByName(rows), rewrites, scans }, relkinds };
  } finally {
    await session.query('ROLLBACK');
  }
}

/**
 * For statements that cannot run in a transaction block: a first session holds ACCESS EXCLUSIVE
 * on one relation; the statement, run by a second session, queues for its lock on it, and
 * `pg_locks` shows the mode it waits for. One round per relation the engine claims.
 */
/**
 * The weakest lock that conflicts with `mode`: held by the first session, it makes the second
 * queue exactly where it asks for `mode` (or anything stronger), and not for the weaker locks
 * taken on the way (VACUUM first looks the table up under ACCESS SHARE).
 */
const HOLDER_FOR: Record<LockMode, LockMode> = {
  AccessShareLock: 'AccessExclusiveLock',
  RowShareLock: 'ExclusiveLock',
  RowExclusiveLock: 'ShareLock',
  ShareUpdateExclusiveLock: 'ShareUpdateExclusiveLock',
  ShareLock: 'RowExclusiveLock',
  ShareRowExclusiveLock: 'RowExclusiveLock',
  ExclusiveLock: 'RowShareLock',
  AccessExclusiveLock: 'AccessShareLock',
};

const SQL_MODE = (mode: LockMode) => lockName(mode);

async function observeWaiting(server: Server, shape: Shape, claimed: Facts): Promise<Facts> {
  const holder = server.session;
  const locks = new Map<string, LockMode>();
  const unobservable: string[] = [];
  for (const [relation, mode] of claimed.locks) {
    const [kind] = await holder.query<{ relkind: string }>(`SELECT relkind::text FROM pg_class WHERE oid = '${relation}'::regclass`);
    if (kind.relkind === 'i') {
      unobservable.push(relation); // LOCK TABLE takes no index.
      continue;
    }
    const runner = await server.connect!();
    const pid = await runner.pid();
    await holder.query('BEGIN');
    try {
      await holder.query(`LOCK TABLE ${relation} IN ${SQL_MODE(HOLDER_FOR[mode])} MODE`);
      const running = runner.query(shape.sql).then(
        () => 'finished',
        (e: Error) => e.message,
      );
      let waiting: { mode: LockMode }[] = [];
      const deadline = Date.now() + 15_000;
      while (waiting.length === 0 && Date.now() < deadline) {
        waiting = await holder.query<{ mode: LockMode }>(
          `SELECT mode FROM pg_locks WHERE pid = ${pid} AND locktype = 'relation' AND NOT granted AND relation = '${relation}'::regclass`,
        );
      }
      await holder.query(`SELECT pg_cancel_backend(${pid})`);
      const outcome = await running;
      if (waiting[0]) locks.set(relation, waiting[0].mode);
      else throw new Error(`the statement never waited for ${relation} (${outcome})`);
    } finally {
      await holder.query('ROLLBACK');
      await runner.close();
    }
  }
  const rewrites = new Set<string>();
  if (claimed.rewrites.size) {
    // Let it run to the end once, to see the storage change.
    const before = await snapshot(holder);
    await holder.query(shape.sql);
    const after = await snapshot(holder);
    for (const [oid, b] of before) if (after.get(oid) && after.get(oid)!.relfilenode !== b.relfilenode && COMPARED_KINDS.has(b.relkind)) rewrites.add(b.relname);
  }
  // Scans are not observable this way: the statement never runs past its first queued lock.
  return { locks, rewrites, scans: new Set(), unobservable };
}

export async function prove(server: Server, shape: Shape): Promise<ShapeResult> {
  const claim = claimsFor(shape, server.major);
  const claimed = describeFacts(claim, shape.newStorage);
  const base = { sql: shape.sql, server: server.name, claimed, forms: claim.forms };
  if (shape.minVersion && server.major < shape.minVersion) {
    return { ...base, observed: `needs PostgreSQL ${shape.minVersion}+`, status: 'skipped', problems: [], method: 'version' };
  }
  if (shape.needsTablespace && !server.connect) {
    return { ...base, observed: 'no CREATE TABLESPACE on PGlite', status: 'skipped', problems: [], method: 'tablespace' };
  }
  if (shape.secondSession && !server.connect) {
    return { ...base, observed: 'not observable (one connection)', status: 'skipped', problems: [], method: 'second session' };
  }
  const problems: string[] = [];
  let observed: Facts;
  let method = 'in BEGIN ... ROLLBACK';
  try {
    if (shape.secondSession) {
      method = 'second session';
      observed = await observeWaiting(server, shape, claim);
    } else {
      observed = (await observeInTransaction(server.session, shape, claim)).facts;
    }
  } catch (e) {
    return { ...base, observed: `failed: ${(e as Error).message}`, status: 'failed', problems: [`the statement failed: ${(e as Error).message}`], method };
  }
  for (const [relation, mode] of claim.locks) {
    if (observed.unobservable?.includes(relation)) continue;
    const seen = observed.locks.get(relation);
    if (seen !== mode) problems.push(`${relation}: claimed ${mode}, observed ${seen ?? 'no lock'}`);
  }
  for (const [relation, mode] of observed.locks) {
    if (!claim.locks.has(relation)) problems.push(`${relation}: observed ${mode}, not claimed`);
  }
  const storage = new Set([...claim.rewrites, ...(shape.newStorage ?? [])]);
  for (const relation of new Set([...storage, ...observed.rewrites])) {
    if (storage.has(relation) !== observed.rewrites.has(relation)) {
      problems.push(`${relation}: ${storage.has(relation) ? 'claimed' : 'not claimed'} new storage, relfilenode ${observed.rewrites.has(relation) ? 'changed' : 'unchanged'}`);
    }
  }
  if (!shape.secondSession) {
    for (const relation of new Set([...claim.scans, ...observed.scans])) {
      if (!claim.locks.has(relation) && !observed.locks.has(relation)) continue;
      // A rewrite reads the table by copying it (a scan, or a file copy for SET TABLESPACE), and
      // TRUNCATE resets the counters with the storage: only the other relations are compared.
      if (storage.has(relation)) continue;
      if (claim.scans.has(relation) !== observed.scans.has(relation)) {
        problems.push(`${relation}: ${claim.scans.has(relation) ? 'claimed' : 'not claimed'} a full read, seq_scan ${observed.scans.has(relation) ? 'moved' : 'did not move'}`);
      }
    }
  }
  const notes: string[] = [];
  if (observed.unobservable?.length) notes.push(`${observed.unobservable.join(', ')}: an index, which LOCK TABLE cannot hold`);
  if (shape.secondSession) notes.push('locks queued for by a second session; scans not observable');
  const unseen = notes.length ? ` (${notes.join('; ')})` : '';
  const shown = { ...observed, rewrites: new Set([...observed.rewrites].filter((r) => !shape.newStorage?.includes(r))) };
  const observedText = describeFacts(shown, shape.newStorage?.filter((r) => observed.rewrites.has(r))) + unseen;
  return { ...base, observed: observedText, status: problems.length ? 'failed' : 'proven', problems, method };
}
