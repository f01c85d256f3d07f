/**
 * One run over migrations on disk, shared by the CLI and the MCP server: which files, the settings
 * of each (the nearest migration-guard.json, or --config), the chain of earlier migrations of its
 * folder, and the analyses, fixes and plans the two adapters print in their own ways.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analysis, analyze, analyzeSource, Finding, SOURCE_FILE, UNREADABLE_FILE } from './engine/analyze';
import { fixAll, FixAllResult } from './engine/fixall';
import { Settings } from './engine/settings';
import { CONFIG_NAMES, ConfigError, mergeSettings, ProjectConfig, readConfigFile } from './config';
import { describeFsError, fileKind, FileProblem, invalidUtf8Of, readSource, regularFile, SourceFile } from './files';
import { matchesAny } from './glob';
import { projectProbe } from './probe';
import { MigrationHistory } from './history';
import { ProbeRecord, ResultCache, sha256, StoredResult, toolIdentity } from './cache';
import { CatalogView } from './engine/catalog';
import { ProjectProbe } from './engine/context';
import { loadParser } from './engine/parse';
import { FindingOutline, outlineOf, ResultSummary } from './report';

/** A mistake in what the caller asked for (bad path, bad argument, bad configuration): the message says which. */
export class UsageError extends Error {}

export const VERSION: string = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
})();

export interface SettingsOptions {
  /** A configuration file for every migration, instead of the nearest one. */
  config?: string;
  /** Wins over the configuration files. */
  pgVersion?: number;
}

export interface FileSettings {
  settings: Settings;
  /** Folder that relative `exclude` globs start from. */
  base: string;
}

/**
 * Settings per file: `config` for every file, else the nearest migration-guard.json above
 * each file (cached per folder). `pgVersion` wins over both.
 */
export function settingsResolver(options: SettingsOptions): (file: string) => FileSettings {
  const read = (config: ProjectConfig): FileSettings => {
    const flags = options.pgVersion !== undefined ? { pgVersion: options.pgVersion } : {};
    const { settings } = mergeSettings(config.raw, flags);
    return { settings, base: config.file ? path.dirname(config.file) : process.cwd() };
  };
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(`invalid configuration:\n${e.message}`);
      throw e;
    }
  };
  if (options.config) {
    if (!fs.existsSync(options.config)) throw new UsageError(`no such configuration file: ${options.config}`);
    const fixed = wrap(() => read(readConfigFile(options.config!)));
    return () => fixed;
  }
  // Per folder, and per configuration file: a folder without one has its parent's (config.ts's
  // findConfigFile, walked once per folder instead of once per folder of migrations and level above).
  const byFolder = new Map<string, FileSettings>();
  const byFile = new Map<string, FileSettings>();
  const forFolder = (dir: string): FileSettings => {
    let found = byFolder.get(dir);
    if (!found) {
      const file = CONFIG_NAMES.map((name) => path.join(dir, name)).find((f) => fs.existsSync(f));
      const parent = path.dirname(dir);
      if (file) {
        found = byFile.get(file);
        if (!found) byFile.set(file, (found = wrap(() => read(readConfigFile(file)))));
      } else found = parent === dir ? wrap(() => read({ raw: {} })) : forFolder(parent);
      byFolder.set(dir, found);
    }
    return found;
  };
  return (file) => forFolder(path.dirname(path.resolve(file)));
}

export function excluded(file: string, { settings, base }: FileSettings): boolean {
  if (!settings.exclude.length) return false;
  const rel = (from: string) => path.relative(from, path.resolve(file)).split(path.sep).join('/');
  return matchesAny(rel(base), settings.exclude) || matchesAny(rel(process.cwd()), settings.exclude);
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out']);

/** A file to analyse, or one that was found but cannot be read (said in the output, never skipped in silence). */
export interface Input {
  path: string;
  problem?: string;
}

/** Whether a folder entry is a migration the CLI reads: `*.sql`, or a TypeScript / JavaScript source under a migrations folder. */
function wanted(name: string, dir: string): boolean {
  if (name.toLowerCase().endsWith('.sql')) return true;
  return SOURCE_FILE.test(name) && !name.endsWith('.d.ts') && /(^|[\\/])(migrations?|migrate)([\\/]|$)/i.test(dir);
}

/**
 * The files named, and the migrations in the folders named (recursively, in name order).
 * Symbolic links to files and folders are followed; a link to a folder the walk is already in (a
 * loop) is skipped with a note on stderr. What cannot be read (permissions, paths too long, links
 * to nothing, FIFOs and devices) is an Input with its problem.
 */
export function collectFiles(inputs: string[]): Input[] {
  const files: Input[] = [];
  const note = (message: string) => process.stderr.write(`migration-guard: ${message}\n`);
  /** The folders the walk is in, by device and inode. */
  const inside = new Set<string>();
  const walk = (dir: string, stat: fs.Stats) => {
    const id = `${stat.dev}:${stat.ino}`;
    if (inside.has(id)) {
      note(`skipped ${dir}: a symbolic link to a folder it is in`);
      return;
    }
    inside.add(id);
    try {
      read(dir);
    } finally {
      inside.delete(id);
    }
  };
  const read = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      files.push({ path: dir, problem: `cannot read the folder: ${describeFsError(e)}` });
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      let target: fs.Stats | undefined;
      try {
        target = entry.isSymbolicLink() || entry.isDirectory() ? fs.statSync(full) : undefined;
      } catch (e) {
        const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'a symbolic link to a file that does not exist' : describeFsError(e);
        if (entry.isDirectory()) files.push({ path: full, problem: `cannot read the folder: ${reason}` });
        else if (wanted(entry.name, dir)) files.push({ path: full, problem: `cannot read: ${reason}` });
        continue;
      }
      if (target?.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(full, target);
      } else if (wanted(entry.name, dir)) {
        const isFile = target ? target.isFile() : entry.isFile();
        if (isFile) files.push({ path: full });
        // A named pipe or a device called *.sql: never opened (reading it could wait forever).
        else if (!entry.isDirectory()) files.push({ path: full, problem: `${target ? fileKind(target) : entryKind(entry)}, not a regular file: not read` });
      }
    }
  };
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const link = (() => {
        try {
          return fs.lstatSync(input).isSymbolicLink();
        } catch {
          return false;
        }
      })();
      if (code === 'ENOENT' && !link) throw new UsageError(`no such file or folder: ${input}`);
      files.push({ path: input, problem: `cannot read: ${code === 'ENOENT' ? 'a symbolic link to a file that does not exist' : describeFsError(e)}` });
      continue;
    }
    if (stat.isDirectory()) walk(input, stat);
    else if (stat.isFile()) files.push({ path: input });
    else files.push({ path: input, problem: `${fileKind(stat)}, not a regular file: not read` });
  }
  return files;
}

function entryKind(entry: fs.Dirent): string {
  if (entry.isFIFO()) return 'a named pipe (FIFO)';
  if (entry.isCharacterDevice()) return 'a character device';
  if (entry.isBlockDevice()) return 'a block device';
  if (entry.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The result for a file that could not be read: one unreadable-file finding, saying why. */
function problemResult(file: string, problem: string): FileResult {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return { path: file, findings: [{ rule: UNREADABLE_FILE, severity: 'error', message: problem.charAt(0).toUpperCase() + problem.slice(1), range, fixes: [] }] };
}

export interface FileResult {
  path: string;
  findings: Finding[];
  /** The analysis made in this run; a result from the cache has its summary instead. */
  analysis?: Analysis;
  summary?: ResultSummary;
}

/** A probe answer as the cache records it: a short hash of what the file system said. */
function answerHash(value: string | boolean | string[] | undefined): string {
  if (value === undefined) return '-';
  if (typeof value === 'boolean') return value ? '1' : '0';
  return sha256(Array.isArray(value) ? value.join('\0') : value).slice(0, 32);
}

/**
 * The files around the migrations do not change while a run lives (one CLI invocation, one MCP
 * tool call): folder listings, the project files around them and the catalogs of earlier migrations are read once.
 * With a result cache (`check`), each file's result is looked up before anything is parsed.
 */
export class MigrationRun {
  private readonly probeCache = new Map<string, string | null | boolean>();
  private readonly history: MigrationHistory;
  /** Per file (absolute), the project files its analyses probed in this run, and the answers. */
  private readonly probed = new Map<string, Map<string, ProbeRecord>>();
  /** Per file (absolute): the sha256 of its bytes, or '' when it cannot be read. */
  private readonly bytes = new Map<string, string>();
  /** Per settings hash and file: the hash of the chain up to and including the file, when known. */
  private readonly links = new Map<string, string>();
  /** Per key: the entry read (or written) in this run, its probes checked; null when there is none. */
  private readonly entries = new Map<string, StoredResult | null>();
  private readonly settingsHashes = new WeakMap<Settings, string>();

  constructor(private readonly cache?: ResultCache) {
    this.history = new MigrationHistory(
      true,
      (file) => this.probe(file),
      (file, settings) => this.cachedCatalog(file, settings),
      (file, settings, analysis) => this.store(file, settings, analysis),
    );
  }

  /** The project-file probe of a migration: answers kept for the run, and recorded for the cache. */
  private probe(file: string): ProjectProbe {
    const resolved = path.resolve(file);
    const inner = projectProbe(resolved, this.probeCache);
    if (!this.cache) return inner;
    const dir = path.dirname(resolved);
    let log = this.probed.get(resolved);
    if (!log) this.probed.set(resolved, (log = new Map()));
    const record = <T extends string | boolean | string[] | undefined>(kind: ProbeRecord[0], relative: string, value: T): T => {
      const target = path.resolve(dir, relative);
      log!.set(`${kind}\0${target}`, [kind, target, answerHash(value)]);
      return value;
    };
    return {
      exists: (relative) => record('exists', relative, inner.exists(relative)),
      read: (relative) => record('read', relative, inner.read(relative)),
      list: (relative) => record('list', relative, inner.list?.(relative)),
    };
  }

  private stillAnswered(probes: ProbeRecord[]): boolean {
    return probes.every((p) => this.answerNow(p) === p[2]);
  }

  /** Per probe (kind and path): the answer the file system gives now, asked once per run. */
  private readonly answers = new Map<string, string>();

  /** The answer the file system gives now to a recorded probe. */
  private answerNow([kind, target]: ProbeRecord): string {
    const id = `${kind}\0${target}`;
    let answer = this.answers.get(id);
    if (answer === undefined) this.answers.set(id, (answer = this.askNow(kind, target)));
    return answer;
  }

  private askNow(kind: ProbeRecord[0], target: string): string {
    const probe = projectProbe(path.join(path.dirname(target), 'probe'), this.probeCache);
    const relative = path.basename(target);
    return answerHash(kind === 'exists' ? probe.exists(relative) : kind === 'read' ? probe.read(relative) : probe.list?.(relative));
  }

  private settingsHash(settings: Settings): string {
    let hash = this.settingsHashes.get(settings);
    if (!hash) this.settingsHashes.set(settings, (hash = sha256(JSON.stringify(settings))));
    return hash;
  }

  private bytesHash(file: string): string {
    let hash = this.bytes.get(file);
    if (hash === undefined) {
      try {
        hash = sha256(fs.readFileSync(file));
      } catch {
        hash = '';
      }
      this.bytes.set(file, hash);
    }
    return hash;
  }

  /** The key of a file's entry after `link` (the hash of the chain before it). */
  private keyAfter(resolved: string, settings: Settings, link: string): string {
    return sha256(`${toolIdentity(VERSION)}\0${this.settingsHash(settings)}\0${resolved}\0${this.bytesHash(resolved)}\0${link}`);
  }

  /**
   * The entry of `key`, read once per run, when its recorded project files still answer as they
   * did; null when there is none (or it is stale).
   */
  private entry(key: string): StoredResult | null {
    let found = this.entries.get(key);
    if (found === undefined) {
      const read = this.cache!.read(key);
      found = read && this.stillAnswered(read.probes) ? read : null;
      this.entries.set(key, found);
    }
    return found;
  }

  /**
   * The key of the entry for `file` with `settings`, or undefined while the chain before it is not
   * known: every earlier migration needs an entry (its probes) for the chain's hash.
   */
  private keyOf(file: string, settings: Settings): string | undefined {
    const resolved = path.resolve(file);
    const { files: earlier, count } = this.history.earlierOf(resolved);
    const s = this.settingsHash(settings);
    let i = count - 1;
    while (i >= 0 && !this.links.has(`${s}\0${earlier[i]}`)) i--;
    let link = i >= 0 ? this.links.get(`${s}\0${earlier[i]}`)! : 'start';
    for (let j = i + 1; j < count; j++) {
      const key = this.keyAfter(earlier[j], settings, link);
      const entry = this.entry(key);
      if (!entry) return undefined;
      link = sha256(`${key}\0${JSON.stringify(entry.probes)}`);
      this.links.set(`${s}\0${earlier[j]}`, link);
    }
    return this.keyAfter(resolved, settings, link);
  }

  /** The history's hook: the catalog after an earlier migration, from its entry. */
  private cachedCatalog(file: string, settings: Settings): CatalogView | undefined {
    if (!this.cache) return undefined;
    const key = this.keyOf(file, settings);
    return key && this.entry(key) ? this.cache.readCatalog(key) : undefined;
  }

  /** Keeps the result (and, for a SQL migration, the catalog it leaves) of an analysis made in this run. */
  private store(file: string, settings: Settings, analysis: Analysis | undefined): void {
    if (!this.cache) return;
    const resolved = path.resolve(file);
    const key = this.keyOf(resolved, settings);
    if (!key || this.entries.get(key)) return;
    const probes = [...(this.probed.get(resolved)?.values() ?? [])].sort((a, b) => (a[1] === b[1] ? (a[0] < b[0] ? -1 : 1) : a[1] < b[1] ? -1 : 1));
    const stored: StoredResult = {
      probes,
      result: analysis && {
        findings: analysis.findings,
        coverage: analysis.coverage,
        framework: analysis.facts.context.framework,
        outlines: analysis.findings.map((f): FindingOutline => outlineOf(f, { analysis })),
      },
    };
    this.cache.write(key, stored);
    if (analysis && !SOURCE_FILE.test(file) && this.history.keepsCatalog(resolved)) this.cache.writeCatalog(key, analysis.facts.catalogAfter);
    this.entries.set(key, stored);
  }

  /** Framework hints and the earlier migrations' catalog for a migration at `file` (which need not exist yet). */
  around(file: string, settings: Settings) {
    return { settings, prior: this.history.priorCatalog(file, settings), path: path.resolve(file), probe: this.probe(file) };
  }

  /**
   * `check`'s result for a file: from the cache when it has it (nothing parsed), else analysed
   * (the parser loaded on the first such file) and kept.
   */
  async checkFile(input: Input, settings: Settings): Promise<FileResult | undefined> {
    if (this.cache && !input.problem) {
      const key = this.keyOf(input.path, settings);
      const hit = key === undefined ? undefined : this.entry(key);
      if (hit) {
        if (!hit.result) return undefined;
        const { findings, coverage, framework, outlines } = hit.result;
        return { path: input.path, findings, summary: { coverage, framework, outlines: new Map(findings.map((f, i) => [f, outlines[i]])) } };
      }
    }
    await loadParser();
    return this.analyzeFile(input, settings);
  }

  analyzeFile(input: Input, settings: Settings): FileResult | undefined {
    const file = input.path;
    if (input.problem) return problemResult(file, input.problem);
    let source: SourceFile;
    try {
      const size = regularFile(file).size;
      // Past a few times the limit, do not even read the file into memory.
      if (size > settings.maxFileSizeKB * 1024 * 4) {
        const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
        return problemResult(file, `File is ${mb(size)}, above the ${mb(settings.maxFileSizeKB * 1024)} limit (setting maxFileSizeKB): not analysed. Split the migration, or raise the limit.`);
      }
      source = readSource(file);
    } catch (e) {
      if (e instanceof FileProblem) return problemResult(file, `cannot read: ${e.message}`);
      throw e;
    }
    const prior = this.history.priorCatalog(file, settings);
    const analysis = this.history.take(file, settings) ?? analyzeSource(source.text, { settings, prior, path: path.resolve(file), probe: this.probe(file), invalidUtf8: invalidUtf8Of(source) });
    if (analysis && !SOURCE_FILE.test(file)) this.history.record(file, analysis.facts.catalogAfter);
    // Keyed by the bytes read now (the hash of the file is read once per run).
    if (this.cache) this.bytes.set(path.resolve(file), source.hash);
    this.store(file, settings, analysis);
    // A source file that is no migration of a known tool is left out.
    return analysis && { path: file, findings: analysis.findings, analysis };
  }

  /**
   * Text that is (or will be) the migration at `file`: its tool is detected from that path and
   * the earlier migrations of its folder are read, as if the file held the text. Without a
   * path, a plain SQL file run as psql -f runs it. Undefined as for analyzeSource.
   */
  analyzeText(text: string, file: string | undefined, settings: Settings): Analysis | undefined {
    return analyzeSource(text, file === undefined ? { settings } : this.around(file, settings));
  }

  /** The text with its fixes applied (the safe ones, or all with `unsafe`), as `fix` prints or writes it. */
  fixText(text: string, file: string | undefined, settings: Settings, unsafe: boolean | undefined, invalidUtf8?: ReturnType<typeof invalidUtf8Of>): FixAllResult {
    return fixAll(text, { ...(file === undefined ? { settings } : this.around(file, settings)), unsafe, invalidUtf8 });
  }

  /** The SQL analysis a plan is made from (plans rewrite SQL, not TypeScript / JavaScript sources). */
  analyzeForPlan(text: string, file: string, settings: Settings): Analysis {
    return analyze(text, this.around(file, settings));
  }
}

