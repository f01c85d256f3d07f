/**
 * The migrations that run before a file: its siblings in the same folder (or, for Prisma's
 * `<timestamp>_<name>/migration.sql`, the sibling folders), in natural order, without down, undo
 * and revert files. Their statements tell the engine the column types and constraints the tables
 * already have, so that ALTER COLUMN TYPE to the type a column already has, or SET NOT NULL after
 * a CHECK validated in an earlier migration, is known not to rewrite or scan.
 *
 * Each file's resulting catalog is cached by path, size, modification time and the catalog it
 * started from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from './engine/analyze';
import { CatalogView } from './engine/catalog';
import { Settings } from './engine/settings';

const DOWN = /(^|[._-])(down|rollback|revert|undo)\.sql$/i;
const natural = new Intl.Collator(undefined, { numeric: true }).compare;

/** Down, undo (Flyway U), revert and verify (Sqitch) files, and Flyway's repeatables, which run after every versioned one. */
function outOfChain(file: string): boolean {
  const base = path.basename(file);
  return DOWN.test(base) || /^(U\d|R__)/.test(base) || /(^|\/)(revert|verify)\//.test(file.split(path.sep).join('/'));
}

/** The migration files that run before `file`, in order. */
export function earlierMigrations(file: string, listing: (dir: string) => fs.Dirent[] = (dir) => fs.readdirSync(dir, { withFileTypes: true })): string[] {
  const resolved = path.resolve(file);
  const dir = path.dirname(resolved);
  let siblings: string[];
  try {
    if (path.basename(resolved) === 'migration.sql') {
      const root = path.dirname(dir);
      siblings = listing(root)
        .filter((e) => e.isDirectory())
        .map((e) => path.join(root, e.name, 'migration.sql'))
        .filter((f) => fs.existsSync(f));
    } else {
      siblings = listing(dir)
        .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.sql'))
        .map((e) => path.join(dir, e.name));
    }
  } catch {
    return [];
  }
  // A down file runs after its own up file.
  const position = resolved.replace(/([._-])down\.sql$/i, '$1up.sql~');
  return siblings.filter((f) => !outOfChain(f) && f !== resolved && natural(f, position) < 0).sort(natural);
}

export class MigrationHistory {
  /** Per file: the catalog it leaves, valid while its stat and the catalog it started from are the same. */
  private readonly cache = new Map<string, { size: number; mtimeMs: number; prior: CatalogView | undefined; catalog: CatalogView }>();
  private readonly listings = new Map<string, fs.Dirent[]>();
  private readonly stats = new Map<string, fs.Stats>();

  /**
   * `stable`: the files do not change while this object lives (one CLI run), so folder listings
   * and file stats are read once. The language server keeps checking them.
   */
  constructor(private readonly stable = false) {}

  private list(dir: string): fs.Dirent[] {
    if (!this.stable) return fs.readdirSync(dir, { withFileTypes: true });
    let entries = this.listings.get(dir);
    if (!entries) this.listings.set(dir, (entries = fs.readdirSync(dir, { withFileTypes: true })));
    return entries;
  }

  private stat(file: string): fs.Stats {
    if (!this.stable) return fs.statSync(file);
    let stat = this.stats.get(file);
    if (!stat) this.stats.set(file, (stat = fs.statSync(file)));
    return stat;
  }

  /** What the earlier migrations of the folder leave behind, or undefined when there are none. */
  priorCatalog(file: string, settings: Settings): CatalogView | undefined {
    let catalog: CatalogView | undefined;
    for (const earlier of earlierMigrations(file, (dir) => this.list(dir))) {
      let stat: fs.Stats;
      try {
        stat = this.stat(earlier);
      } catch {
        continue;
      }
      if (stat.size > settings.maxFileSizeKB * 1024) continue;
      const cached = this.cache.get(earlier);
      if (cached && cached.prior === catalog && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) {
        catalog = cached.catalog;
        continue;
      }
      const prior = catalog;
      catalog = analyze(fs.readFileSync(earlier, 'utf8'), { settings, path: earlier, prior }).facts.catalogAfter;
      this.cache.set(earlier, { size: stat.size, mtimeMs: stat.mtimeMs, prior, catalog });
    }
    return catalog;
  }
}
