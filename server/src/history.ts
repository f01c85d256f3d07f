/**
 * The migrations that run before a file: its siblings in the same folder or, for the tools with one
 * folder per migration (Prisma's and Drizzle's `<version>_<name>/migration.sql`, Diesel's
 * `<version>_<name>/up.sql` and `down.sql`: each tool module's `folder`), the same file of the
 * sibling folders; in natural order, without down, undo and revert files. Their statements tell
 * the engine the column types and constraints the tables already have, so that ALTER COLUMN TYPE
 * to the type a column already has, or SET NOT NULL after a CHECK validated in an earlier
 * migration, is known not to rewrite or scan.
 *
 * Each file's resulting catalog is cached by path, size, modification time and the catalog it
 * started from. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analysis, analyze } from './engine/analyze';
import { CatalogView } from './engine/catalog';
import { ProjectProbe } from './engine/context';
import { Settings } from './engine/settings';
import { invalidUtf8Of, readSource } from './files';
import { FOLDER_LAYOUTS } from './engine/tools';

/** The result cache keeps the catalog after one migration in this many of a chain (and after the last two). */
export const CATALOG_EVERY = 20;

const DOWN = /(^|[._-])(down|rollback|revert|undo)\.sql$/i;
const natural = new Intl.Collator(undefined, { numeric: true }).compare;

/** Down, undo (Flyway U), revert and verify (Sqitch) files, and Flyway's repeatables, which run after every versioned one. */
function outOfChain(file: string): boolean {
  const base = path.basename(file);
  return DOWN.test(base) || /^(U\d|R__)/.test(base) || /(^|\/)(revert|verify)\//.test(file.split(path.sep).join('/'));
}

/**
 * Where the chain of a file lives: the folder listed, and, for one folder per migration, the file
 * of each sibling folder that runs forward (a down file's chain is that of the up files).
 */
function chainKey(resolved: string): { root: string; folderFile?: string; order: (a: string, b: string) => number } {
  const dir = path.dirname(resolved);
  const base = path.basename(resolved);
  const layout = FOLDER_LAYOUTS.find((l) => l.up === base || l.down === base);
  if (!layout) return { root: dir, order: natural };
  // The tool's own order of its folders (Diesel: the version with its dashes removed, compared as text).
  const version = layout.version;
  const order = version
    ? (a: string, b: string) => {
        const [va, vb] = [version(path.basename(path.dirname(a))), version(path.basename(path.dirname(b)))];
        return va < vb ? -1 : va > vb ? 1 : natural(a, b);
      }
    : natural;
  return { root: path.dirname(dir), folderFile: layout.up, order };
}

/** The in-chain migration files of a folder, in the order the tool runs them. */
function chainOf(root: string, folderFile: string | undefined, order: (a: string, b: string) => number, listing: (dir: string) => fs.Dirent[]): string[] {
  let files: string[];
  try {
    files = folderFile
      ? listing(root)
          .filter((e) => e.isDirectory())
          .map((e) => path.join(root, e.name, folderFile))
          .filter((f) => fs.existsSync(f))
      : listing(root)
          .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.sql'))
          .map((e) => path.join(root, e.name));
  } catch {
    return [];
  }
  return files.filter((f) => !outOfChain(f)).sort(order);
}

/**
 * How many files of the sorted `chain` run before `resolved`. A down file runs after its own up
 * file (`x.down.sql` after `x.up.sql`, Diesel's `<folder>/down.sql` after `<folder>/up.sql`).
 */
function positionIn(chain: string[], resolved: string, order: (a: string, b: string) => number): number {
  const layout = FOLDER_LAYOUTS.find((l) => l.down && path.basename(resolved) === l.down);
  const position = layout ? `${path.join(path.dirname(resolved), layout.up)}~` : resolved.replace(/([._-])down\.sql$/i, '$1up.sql~');
  let [lo, hi] = [0, chain.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order(chain[mid], position) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The migration files that run before `file`, in order. */
export function earlierMigrations(file: string, listing: (dir: string) => fs.Dirent[] = (dir) => fs.readdirSync(dir, { withFileTypes: true })): string[] {
  const resolved = path.resolve(file);
  const { root, folderFile, order } = chainKey(resolved);
  const chain = chainOf(root, folderFile, order, listing);
  return chain.slice(0, positionIn(chain, resolved, order)).filter((f) => f !== resolved);
}

interface Chain {
  files: string[];
  order: (a: string, b: string) => number;
  /** The catalog after the file at each index, where known. */
  after: Map<number, CatalogView | undefined>;
}

export class MigrationHistory {
  /** Per file: the catalog it leaves, valid while its stat and the catalog it started from are the same. */
  private readonly cache = new Map<string, { size: number; mtimeMs: number; prior: CatalogView | undefined; catalog: CatalogView }>();
  private readonly listings = new Map<string, fs.Dirent[]>();
  private readonly stats = new Map<string, fs.Stats>();
  /** Stable mode: analyses made for the chain before the caller reached the file itself. */
  private readonly ahead = new Map<string, { analysis: Analysis; settings: Settings }>();
  /** Stable mode: per folder, its chain and the catalog after each of its files that is known (computed, recorded or cached). */
  private readonly chains = new Map<string, Chain>();
  /**
   * `stable`: the files do not change while this object lives (one CLI run), so folder listings
   * and file stats are read once. The language server keeps checking them.
   */
  constructor(
    private readonly stable = false,
    /** The project-file probe of a file, so that earlier files are read as their tool runs them. */
    private readonly probeFor: (file: string) => ProjectProbe | undefined = () => undefined,
    /**
     * Stable mode: the catalog after an earlier migration as a result cache kept it (analysed
     * with these settings, the same earlier files and project files), or undefined.
     */
    private readonly cachedAfter: (file: string, settings: Settings) => CatalogView | undefined = () => undefined,
    /** Stable mode: told of each earlier migration analysed for a chain (the result cache keeps it). */
    private readonly analysed: (file: string, settings: Settings, analysis: Analysis) => void = () => undefined,
  ) {}

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
    if (this.stable) return this.stablePrior(path.resolve(file), settings);
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
      let source;
      try {
        source = readSource(earlier);
      } catch {
        continue; // unreadable: skipped, as in the CLI's chain
      }
      catalog = analyze(source.text, { settings, path: earlier, prior, probe: this.probeFor(earlier), invalidUtf8: invalidUtf8Of(source) }).facts.catalogAfter;
      this.cache.set(earlier, { size: stat.size, mtimeMs: stat.mtimeMs, prior, catalog });
    }
    return catalog;
  }

  /** Stable mode: per file, its chain and how many of the chain's files run before it (positionIn), found once. */
  private readonly placed = new Map<string, { chain: Chain; count: number }>();

  /** Stable mode: the chain of `resolved` and the number of its files that run before it. */
  private place(resolved: string): { chain: Chain; count: number } {
    let found = this.placed.get(resolved);
    if (!found) {
      const chain = this.chainFor(resolved);
      this.placed.set(resolved, (found = { chain, count: positionIn(chain.files, resolved, chain.order) }));
    }
    return found;
  }

  /** Stable mode: the chain of the folder `resolved` is in, listed once. */
  private chainFor(resolved: string): Chain {
    const { root, folderFile, order } = chainKey(resolved);
    const key = `${folderFile ? `${folderFile}:` : ''}${root}`;
    let chain = this.chains.get(key);
    if (!chain) this.chains.set(key, (chain = { files: chainOf(root, folderFile, order, (dir) => this.list(dir)), order, after: new Map() }));
    return chain;
  }

  /**
   * The migrations that run before `file`: the first `count` of `files`, in order (the files
   * whose catalogs its prior catalog is made of). Stable mode lists each folder once.
   */
  earlierOf(file: string): { files: readonly string[]; count: number } {
    if (!this.stable) {
      const files = earlierMigrations(file, (dir) => this.list(dir));
      return { files, count: files.length };
    }
    const resolved = path.resolve(file);
    const { chain, count } = this.place(resolved);
    return { files: chain.files, count };
  }

  /**
   * One CLI run: each folder's chain is listed and sorted once, and the catalog after each prefix
   * is computed once, so a folder of n migrations costs n analyses, not n squared. The catalog
   * right before the file may come from the result cache; otherwise the analysis starts after
   * the last file whose catalog is known.
   */
  private stablePrior(resolved: string, settings: Settings): CatalogView | undefined {
    // positionIn counts the files before `resolved` only: the file itself compares equal.
    const { chain, count } = this.place(resolved);
    if (count === 0) return undefined;
    if (chain.after.has(count - 1)) return chain.after.get(count - 1);
    // The nearest catalog known before the file: computed in this run, or kept by the result cache
    // (which keeps one every CATALOG_EVERY files and the last two of a chain: keepsCatalog), looked
    // for at most CATALOG_EVERY + 1 files back.
    let known = count - 1;
    for (let tries = 0; known >= 0 && !chain.after.has(known); known--) {
      if (tries++ > CATALOG_EVERY) continue;
      const cached = this.cachedAfter(chain.files[known], settings);
      if (cached) {
        chain.after.set(known, cached);
        break;
      }
    }
    for (let i = known + 1; i < count; i++) {
      const earlier = chain.files[i];
      const prior = i === 0 ? undefined : chain.after.get(i - 1);
      let catalog = prior;
      try {
        if (this.stat(earlier).size <= settings.maxFileSizeKB * 1024) {
          const source = readSource(earlier);
          const analysis = analyze(source.text, { settings, path: earlier, prior, probe: this.probeFor(earlier), invalidUtf8: invalidUtf8Of(source) });
          catalog = analysis.facts.catalogAfter;
          this.ahead.set(earlier, { analysis, settings });
          this.analysed(earlier, settings, analysis);
        }
      } catch {
        // unreadable: skipped, as the language server does
      }
      chain.after.set(i, catalog);
    }
    return chain.after.get(count - 1);
  }

  /**
   * Stable mode: whether the result cache keeps the catalog `file` leaves: one every
   * CATALOG_EVERY files of its chain, and the last two (the catalog a new migration or an edit
   * of the newest one starts from). A later file that changed starts from the nearest one kept.
   */
  keepsCatalog(file: string): boolean {
    if (!this.stable) return false;
    const resolved = path.resolve(file);
    const { chain, count: index } = this.place(resolved);
    return chain.files[index] === resolved && (index >= chain.files.length - 2 || (index + 1) % CATALOG_EVERY === 0);
  }

  /**
   * Stable mode: the analysis of `file` made while building a later file's chain, with the same
   * settings, prior catalog and probe the caller would use; handed out once.
   */
  take(file: string, settings: Settings): Analysis | undefined {
    const resolved = path.resolve(file);
    const kept = this.ahead.get(resolved);
    this.ahead.delete(resolved);
    return kept && JSON.stringify(kept.settings) === JSON.stringify(settings) ? kept.analysis : undefined;
  }

  /**
   * Stable mode: the caller analysed `file` itself, right after asking for its prior catalog; its
   * catalog extends the chain, so that the next file does not analyse it again.
   */
  record(file: string, catalogAfter: CatalogView): void {
    if (!this.stable) return;
    const resolved = path.resolve(file);
    const { chain, count: index } = this.place(resolved);
    if (chain.files[index] === resolved) chain.after.set(index, catalogAfter);
  }
}
