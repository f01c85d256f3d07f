/**
 * The result cache of `check`, on by default as ESLint's `--cache` and ruff's cache are: per
 * migration, its findings and what the output formats read of its analysis (report.ts's
 * ResultSummary), and beside it, for one migration in CATALOG_EVERY of a chain and the last two
 * (history.ts's keepsCatalog), the catalog it leaves for the ones after it, gzipped: a changed
 * file starts from the nearest one kept and analyses again the few files between.
 *
 * An entry is found by its key, a hash of everything its result is made from (run.ts computes
 * it): the tool (version and the hash of its own code), the effective settings, the file's path
 * and bytes, and the chain of earlier migrations (each one's bytes, and the answers of the project
 * files its tool detection probed). The entry also lists the project files the migration's own
 * analysis probed, with their answers, checked again on every read.
 *
 * Stored under node_modules/.cache/migration-guard when a node_modules folder is above the working
 * folder (where ESLint, Babel and others keep theirs), else in .migration-guard-cache/.
 * Concurrent runs: each write goes to a new temporary file in the folder, then a rename over the
 * entry, so that a reader sees a whole entry or none. A file that is not a whole entry of this
 * format (truncated, corrupt, foreign, another key) is a miss, never an error.
 * Bounded: after a run that wrote entries, the oldest (by modification time, refreshed on a hit
 * at most once a day) are deleted beyond MAX_ENTRIES.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { catalogObjects, CatalogSnapshot, CatalogView, CheckInfo, ColumnInfo, FunctionInfo, FunctionUse, IndexInfo, PublicationInfo, TableInfo, ViewInfo } from './engine/catalog';
import { PersistentMap } from './engine/pmap';
import type { Analysis, Finding } from './engine/analyze';
import { FindingOutline } from './report';

/** Entries of another layout are never read: bump when the stored shape changes. */
const LAYOUT = 4;
export const MAX_ENTRIES = 20_000;
const DAY = 24 * 3600 * 1000;
/** A kept catalog's file: its JSON, gzipped (a catalog of a large project is ~150 KB of JSON, ~15 KB gzipped). */
export const CATALOG = '.catalog.json.gz';

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The folder of the cache for a run in `cwd`: node_modules/.cache/migration-guard above it, else .migration-guard-cache. */
export function defaultCacheFolder(cwd = process.cwd()): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    try {
      if (fs.statSync(path.join(dir, 'node_modules')).isDirectory()) return path.join(dir, 'node_modules', '.cache', 'migration-guard');
    } catch {
      // no node_modules here: one folder up
    }
    if (path.dirname(dir) === dir) return path.join(path.resolve(cwd), '.migration-guard-cache');
  }
}

let toolHash: string | undefined;

/**
 * The tool's identity: its version and a hash of its own code (the bundle this runs from, or the
 * compiled modules beside this one), so that a rebuilt tool never reads what an older one wrote.
 */
export function toolIdentity(version: string): string {
  if (toolHash) return toolHash;
  const hash = createHash('sha256').update(`${version}\0${LAYOUT}\0`);
  const files: string[] = [];
  if (path.basename(__dirname) === 'dist') {
    files.push(__filename);
    // TypeScript / JavaScript migrations are read by the TypeScript bundle beside it.
    try {
      hash.update(`typescript.js:${fs.statSync(path.join(__dirname, 'typescript.js')).size}\0`);
    } catch {
      // not built: TypeScript migrations are read by the typescript package
    }
  } else {
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else if (e.name.endsWith('.js')) files.push(path.join(dir, e.name));
      }
    };
    walk(__dirname);
  }
  for (const f of files) hash.update(fs.readFileSync(f));
  return (toolHash = hash.digest('hex'));
}

/** A project file the tool detection asked about, and the answer (hashed): [kind, absolute path, answer]. */
export type ProbeRecord = [kind: 'exists' | 'read' | 'list', file: string, answer: string];

/** What an entry holds: the result of `check` for one migration. */
export interface StoredResult {
  /** Undefined: a TypeScript / JavaScript source that is no migration of a known tool. */
  result?: {
    findings: Finding[];
    coverage: Analysis['coverage'];
    framework: string;
    /** In the order of `findings`. */
    outlines: FindingOutline[];
  };
  /** The project files the migration's own analysis probed. */
  probes: ProbeRecord[];
}

interface EntryFile extends StoredResult {
  layout: number;
  key: string;
}

/** The catalog as JSON: maps as arrays of entries, in their iteration order. */
type StoredCatalog = [string, { columns: [string, ColumnInfo][]; checks: CheckInfo[]; primaryKey?: string[]; indexes?: [string, IndexInfo][]; replicaIdentity?: TableInfo['replicaIdentity'] }][];

/** The catalog's other objects that a later migration reads (row sources stay in their migration). */
interface StoredObjects {
  functions: [string, FunctionInfo][];
  views: [string, ViewInfo][];
  uses: [string, readonly FunctionUse[]][];
  publications: [string, PublicationInfo][];
}

export class ResultCache {
  /** Whether this run wrote an entry (eviction runs only then). */
  private wrote = false;
  /** Why the last write failed, once per run. */
  problem?: string;

  constructor(readonly folder: string) {}

  private file(key: string, suffix: string): string {
    return path.join(this.folder, `${key}${suffix}`);
  }

  /** The whole text of an entry file, or undefined (missing, unreadable, not a regular file). */
  private readText(file: string): string | undefined {
    return this.readBytes(file)?.toString('utf8');
  }

  /** The whole content of an entry file, or undefined (missing, unreadable, not a regular file). */
  private readBytes(file: string): Buffer | undefined {
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) return undefined;
      const text = fs.readFileSync(fd);
      // A hit keeps the entry young for the eviction (at most one write of the time a day).
      if (Date.now() - stat.mtimeMs > DAY) {
        try {
          fs.futimesSync(fd, new Date(), new Date());
        } catch {
          // a read-only cache is still read
        }
      }
      return text;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** The entry of `key`, or undefined when there is none or it is not a whole entry of this layout. */
  read(key: string): StoredResult | undefined {
    const text = this.readText(this.file(key, '.json'));
    if (text === undefined) return undefined;
    try {
      const entry = JSON.parse(text) as EntryFile;
      if (!entry || entry.layout !== LAYOUT || entry.key !== key || !Array.isArray(entry.probes)) return undefined;
      if (!entry.probes.every((p) => Array.isArray(p) && p.length === 3 && p.every((x) => typeof x === 'string'))) return undefined;
      const r = entry.result;
      if (r !== undefined) {
        if (!Array.isArray(r.findings) || !Array.isArray(r.outlines) || r.outlines.length !== r.findings.length || typeof r.framework !== 'string') return undefined;
        if (!r.coverage || typeof r.coverage.analysed !== 'number' || typeof r.coverage.unanalysed !== 'number') return undefined;
        const valid = (f: Finding) =>
          f && typeof f.rule === 'string' && typeof f.message === 'string' && typeof f.severity === 'string' && Array.isArray(f.fixes) && typeof f.range?.start?.line === 'number' && typeof f.range?.end?.character === 'number';
        if (!r.findings.every(valid) || !r.outlines.every((o) => o && typeof o === 'object')) return undefined;
      }
      return { result: r, probes: entry.probes };
    } catch {
      return undefined;
    }
  }

  write(key: string, stored: StoredResult): void {
    const entry: EntryFile = { layout: LAYOUT, key, ...stored };
    this.writeFile(this.file(key, '.json'), JSON.stringify(entry));
  }

  /** The catalog an entry's migration leaves, or undefined. Read only once the entry itself was found valid. */
  readCatalog(key: string): CatalogView | undefined {
    const bytes = this.readBytes(this.file(key, CATALOG));
    if (bytes === undefined) return undefined;
    try {
      const stored = JSON.parse(gunzipSync(bytes).toString('utf8')) as { layout: number; key: string; tables: StoredCatalog; objects: StoredObjects };
      if (stored?.layout !== LAYOUT || stored.key !== key || !Array.isArray(stored.tables)) return undefined;
      const o = stored.objects;
      if (!o || !Array.isArray(o.functions) || !Array.isArray(o.views) || !Array.isArray(o.uses) || !Array.isArray(o.publications)) return undefined;
      const tables = new Map<string, TableInfo>();
      for (const [name, t] of stored.tables) {
        if (typeof name !== 'string' || !Array.isArray(t?.columns) || !Array.isArray(t.checks)) return undefined;
        tables.set(name, {
          columns: new Map(t.columns),
          checks: t.checks,
          ...(t.primaryKey ? { primaryKey: t.primaryKey } : {}),
          ...(t.indexes ? { indexes: new Map(t.indexes) } : {}),
          ...(t.replicaIdentity ? { replicaIdentity: t.replicaIdentity } : {}),
        });
      }
      return new CatalogSnapshot(PersistentMap.from(tables), {
        functions: PersistentMap.from(o.functions),
        views: PersistentMap.from(o.views),
        uses: PersistentMap.from(o.uses),
        rows: PersistentMap.empty(),
        publications: PersistentMap.from(o.publications),
      });
    } catch {
      return undefined;
    }
  }

  writeCatalog(key: string, catalog: CatalogView): void {
    const tables: StoredCatalog = [...catalog].map(([name, t]) => [
      name,
      { columns: [...t.columns], checks: [...t.checks], ...(t.primaryKey ? { primaryKey: [...t.primaryKey] } : {}), ...(t.indexes ? { indexes: [...t.indexes] } : {}), ...(t.replicaIdentity ? { replicaIdentity: t.replicaIdentity } : {}) },
    ]);
    const o = catalogObjects(catalog);
    const objects: StoredObjects = { functions: [...o.functions], views: [...o.views], uses: [...o.uses], publications: [...o.publications] };
    this.writeFile(this.file(key, CATALOG), gzipSync(JSON.stringify({ layout: LAYOUT, key, tables, objects }), { level: 6 }));
  }

  /** A new file in the folder (never through a link), then renamed over the entry: readers see all of it or none. */
  private writeFile(file: string, text: string | Buffer): void {
    if (this.problem) return;
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      fs.mkdirSync(this.folder, { recursive: true });
      fs.writeFileSync(temp, text, { flag: 'wx' });
      fs.renameSync(temp, file);
      this.wrote = true;
    } catch (e) {
      this.problem = `the result cache in ${this.folder} was not written: ${(e as Error).message}`;
      try {
        fs.unlinkSync(temp);
      } catch {
        // never created
      }
    }
  }

  /**
   * After a run that wrote entries: the oldest beyond `max` go (an entry and its catalog count as
   * one), and temporary files a killed run left behind (older than an hour).
   */
  evict(max = MAX_ENTRIES): void {
    if (!this.wrote) return;
    let names: string[];
    try {
      names = fs.readdirSync(this.folder);
    } catch {
      return;
    }
    const now = Date.now();
    const keys: string[] = [];
    for (const name of names) {
      if (name.endsWith('.tmp')) {
        try {
          const full = path.join(this.folder, name);
          if (now - fs.lstatSync(full).mtimeMs > 3600 * 1000) fs.unlinkSync(full);
        } catch {
          // another run renamed or removed it
        }
      } else if (/^[0-9a-f]{64}\.json$/.test(name)) keys.push(name.slice(0, 64));
    }
    // The entries' times are read only when there are too many (a run that wrote one entry stats none).
    if (keys.length <= max) return;
    const entries: { key: string; mtime: number }[] = [];
    for (const key of keys) {
      try {
        entries.push({ key, mtime: fs.lstatSync(this.file(key, '.json')).mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
    if (entries.length <= max) return;
    entries.sort((a, b) => a.mtime - b.mtime);
    for (const { key } of entries.slice(0, entries.length - max)) {
      for (const suffix of ['.json', CATALOG]) {
        try {
          fs.unlinkSync(this.file(key, suffix));
        } catch {
          // gone already
        }
      }
    }
  }
}
