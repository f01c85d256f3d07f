/**
 * What a migration tool module holds (STYLE.md §19): how the tool is recognised, how it runs each
 * part of a file (transaction segments), how a file takes a statement out of its transaction, how
 * it names new migration files, and, for tools whose migrations are TypeScript / JavaScript, how
 * the SQL is read out of them. One file per tool in this folder; tools/index.ts lists them, and
 * the settings enum and docs/frameworks.md's tables are generated from that list.
 */
import type { Plan, PlanStep } from '../plan';
import type { Statement } from '../parse';
import type { NewFile, OffsetEdit } from '../rule';

export type { NewFile } from '../rule';
import type { Settings } from '../settings';
import type { EmbeddedSupport } from './embedded-api';

export type Direction = 'up' | 'down';

/** A part of the file the tool runs as a unit: dbmate's up and down sections, a Liquibase changeset... */
export interface Segment {
  /** UTF-16 offset where the segment starts; it runs to the next segment. */
  start: number;
  direction: Direction;
  /** The tool runs this part inside one transaction. */
  transaction: boolean;
  /** The marker that opens it (`--changeset alice:1`), when there is one. */
  marker?: { start: number; end: number; text: string };
}

/**
 * A read-only look at the files around a migration, by paths relative to the migration's folder
 * (`../flyway.conf`, `meta/_journal.json`, `V1__init.sql.conf`). The adapters give one that reads
 * the disk; the engine itself reads no files.
 */
export interface ProjectProbe {
  exists(relative: string): boolean;
  /** The file's text, or undefined when it does not exist or cannot be read. */
  read(relative: string): string | undefined;
  /** The names in a folder (`.`, `..`), or undefined when it cannot be listed: which versions are taken. */
  list?(relative: string): string[] | undefined;
}

/** The probe of a file whose surroundings are unknown (no path, or a test's text). */
export const NO_PROBE: ProjectProbe = { exists: () => false, read: () => undefined };

/** A migration file as detection sees it. */
export interface ToolFile {
  /** The file's path with forward slashes ('' when unknown). */
  path: string;
  /** The file's name. */
  base: string;
  text: string;
  probe: ProjectProbe;
}

/** A migration file as a tool runs it. */
export interface RunFile extends ToolFile {
  statements: Statement[];
  /** Up, or down (a down / revert / undo file). */
  direction: Direction;
  settings: Settings;
}

/** A step of an expand-contract plan to write as a migration of the tool. */
export interface PlanFileInput {
  /** The name of the migration the plan replaces, and of its folder. */
  base: string;
  folder: string;
  /** 1-based. */
  n: number;
  step: PlanStep;
  plan: Plan;
  /** The step's SQL with its header comment. */
  body: string;
}

/** One migration to write in place of statements moved out of a file the tool runs in one transaction. */
export interface OwnMigration {
  /** The statements, each ending with `;`. */
  up: string;
  /** What reverts them (`DROP INDEX CONCURRENTLY IF EXISTS ...`), or a `--` comment saying there is nothing to undo. */
  down: string;
  /** It must run outside a transaction (CONCURRENTLY): then it holds one statement. */
  noTransaction: boolean;
}

/** The statements moved out of a migration, in the order they must run, and where they come from. */
export interface OwnMigrationInput {
  /** The name of the migration they leave, and of its folder. */
  base: string;
  folder: string;
  /** Short name for the new migrations (`create_index_concurrently_users_email_idx`). */
  slug: string;
  migrations: OwnMigration[];
  /** The names in a folder relative to the migration's folder (`.`, `..`), [] when unknown: versions already taken are skipped. */
  names(relative: string): string[];
}

/** One folder per migration: which file of a folder runs forward, which reverts it, and the tool's order of the folders. */
export interface FolderLayout {
  up: string;
  down?: string;
  /** The folder's version as the tool sorts it (compared as text), when that is not the natural order of the names. */
  version?(folder: string): string;
}

/** How a tool runs `.sql` migration files. */
export interface SqlSupport {
  /**
   * The evidence (a path pattern, marker or project file) when this tool runs the file, else
   * undefined. Tools are asked in the registry's order; the first to claim the file wins.
   */
  detect?(file: ToolFile): string | undefined;
  /** How the tool runs each part of the file; the first segment starts at 0. */
  segments(file: RunFile): Segment[];
  /** How a file of this tool runs a statement outside the tool's transaction, in words. */
  optOut: string;
  /**
   * The edit that takes the segment out of the tool's transaction the tool's own way
   * (dbmate's `transaction:false`), or undefined when the file has no such switch.
   */
  optOutEdit?(segment: Segment, text: string): { edit: OffsetEdit; note: string } | undefined;
  /**
   * The in-file opt-out only helps a statement alone in its part of the file (sqlx's
   * `-- no-transaction` makes the file one simple query: several statements still share an
   * implicit transaction): with other statements there, the statement moves to its own migration.
   */
  optOutAlone?: boolean;
  /**
   * New migration files holding statements that must leave the tool's transaction, named and marked
   * the way the tool runs them (the next version, its no-transaction marker, its down file), each
   * path relative to the migration's folder (`/`-separated), in the order they run.
   */
  ownMigration?(input: OwnMigrationInput): NewFile[];
  /** Where a plan step goes: a path relative to the planned file's folder (`/`-separated), and its content. */
  planFile?(input: PlanFileInput): { path: string; content: string; also?: { path: string; content: string }[] };
  /**
   * Whether the file is an up or a down migration, where the tool says so otherwise than the
   * usual names (`*.down.sql`, `revert/`, Flyway's `U<version>__`): yoyo's `*.rollback.sql` is a
   * down file, refinery's `U<version>__` an up one.
   */
  direction?(file: ToolFile): Direction | undefined;
  /**
   * One folder per migration (`<version>_<name>/migration.sql`): the name of the file in each
   * folder that runs forward, and of the one that reverts it. The chain of earlier migrations is
   * then that file in each sibling folder.
   */
  folder?: FolderLayout;
}

/** The tool's rows in docs/frameworks.md (Markdown, one line each). */
export interface ToolDocs {
  /** What gives the tool away. */
  detectedFrom?: string;
  /** How it runs a file. */
  transaction: string;
  /** How a file or migration opts out of the transaction. */
  optOut: string;
  /** For a tool with both: how it runs its TypeScript / JavaScript migrations, when that differs from its SQL files. */
  embedded?: { transaction: string; optOut: string };
  /** Where the model comes from: the tool's docs pages (URLs) and source files (repository, path, what they show). */
  sources: string[];
}

export interface MigrationTool {
  /** The `framework` setting's value and the name shown in messages. */
  id: string;
  /** The tool's name for people. */
  label: string;
  docs: ToolDocs;
  /** `.sql` migrations; tools without it have TypeScript / JavaScript migrations only. */
  sql?: SqlSupport;
  /** TypeScript / JavaScript migrations. */
  embedded?: EmbeddedSupport;
}

/** Declares a tool, keeping its id's literal type (the registry's ids become a union type). */
export function defineTool<const Id extends string>(tool: MigrationTool & { id: Id }): MigrationTool & { id: Id } {
  return tool;
}

// ---- helpers shared by the tool modules ----

/** A statement's text on one line, upper-cased: what the tools' own regular expressions look at. */
export const simplified = (s: Statement): string => s.text.replace(/\s+/g, ' ').trim().toUpperCase();

/** Every match of a line-anchored pattern, with its span. */
export function lineMarkers(text: string, pattern: RegExp): { start: number; end: number; text: string; match: RegExpExecArray }[] {
  const out: { start: number; end: number; text: string; match: RegExpExecArray }[] = [];
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ start: m.index, end: m.index + m[0].length, text: m[0], match: m });
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/** A segment's marker without the match details. */
export const markerOf = (m: { start: number; end: number; text: string }) => ({ start: m.start, end: m.end, text: m.text });

/** The relative path of `name` in the file's folder or one of its `levels - 1` parents, nearest first. */
export function findUp(probe: ProjectProbe, name: string, levels = 5): string | undefined {
  for (let up = 0; up < levels; up++) {
    const candidate = `${'../'.repeat(up)}${name}`;
    if (probe.exists(candidate)) return candidate;
  }
  return undefined;
}

/** The whole file as one segment. */
export const wholeFile = (file: RunFile, transaction: boolean): Segment[] => [{ start: 0, direction: file.direction, transaction }];

/** A plan step that cannot run in a transaction: CONCURRENTLY, or its own COMMITs. */
export const stepNeedsNoTransaction = (sql: string): boolean => /CONCURRENTLY|COMMIT;/.test(sql);

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A 14-digit timestamp plus `seconds`. */
function addSeconds(stamp: string, seconds: number): string {
  const d = new Date(Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(8, 10), +stamp.slice(10, 12), +stamp.slice(12, 14)) + seconds * 1000);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}`;
}

/** The next version after `version`, `step` steps on: timestamps move by seconds, sequences by one. */
export function nextVersion(version: string, step: number): string {
  if (/^\d{14}$/.test(version)) return addSeconds(version, step);
  if (/^\d{13}$/.test(version)) return String(Number(version) + step); // node-pg-migrate: milliseconds
  return pad(Number(version) + step, version.length);
}

/**
 * The first version after `version` (`nextVersion(version, n)`, n = 1, 2...; digits only) that
 * `taken` does not hold, and after `after` when given: the versions of several new migrations in a row.
 */
export function freeVersion(version: string, taken: (candidate: string) => boolean, after?: string): string {
  for (let n = 1; ; n++) {
    const candidate = nextVersion(version, n);
    if (after !== undefined && BigInt(candidate) <= BigInt(after)) continue;
    if (!taken(candidate)) return candidate;
  }
}

/** The leading number of a file name (`20240101000000_x.sql` → `20240101000000`), or `fallback`. */
export const leadingVersion = (base: string, fallback = '0'): string => /^(\d+)/.exec(base)?.[1] ?? fallback;

/**
 * The whole file sent as one simple query (golang-migrate, Prisma): PostgreSQL runs several
 * statements as one implicit transaction, a single statement on its own, and a file with its own
 * BEGIN / COMMIT as written.
 */
export const oneSimpleQuery = (file: RunFile): Segment[] => wholeFile(file, implicitTransaction(file.statements));

/**
 * Statements sent together as one simple query (libpq's PQexec, lib/pq's Exec or node-postgres'
 * query without parameters) run as one implicit transaction when there are several of them,
 * unless they hold their own BEGIN / COMMIT (PostgreSQL protocol docs, "Multiple Statements in a
 * Simple Query").
 */
export const implicitTransaction = (statements: readonly Statement[]): boolean => statements.length > 1 && !statements.some((s) => s.kind === 'TransactionStmt');

/** Whether a Cargo.toml in the file's folder or one of its parents depends on the crate. */
export function cargoDepends(probe: ProjectProbe, crate: string): boolean {
  const dependency = new RegExp(`^\\s*(\\[[\\w.-]*dependencies\\.)?${crate}(?![\\w-])`, 'm');
  for (let up = 0; up < 5; up++) {
    const text = probe.read(`${'../'.repeat(up)}Cargo.toml`);
    if (text !== undefined && dependency.test(text)) return true;
  }
  return false;
}

/** The statements of the file that start in [from, to). */
export const statementsIn = (file: RunFile, from: number, to = Infinity): Statement[] => file.statements.filter((s) => s.start >= from && s.start < to);

/** The versions of the names in a listing, read by `pattern`'s first group. */
export function versionsIn(names: string[], pattern: RegExp): Set<string> {
  return new Set(names.flatMap((n) => pattern.exec(n)?.[1] ?? []));
}

/**
 * The new migrations' files, one version each: the next free ones after the migration's own
 * version (`own`), skipping those that `taken` holds.
 */
export function numberedMigrations(
  input: OwnMigrationInput,
  own: string,
  taken: Set<string>,
  write: (version: string, migration: OwnMigration, slug: string) => NewFile[],
): NewFile[] {
  // Compared as numbers (`0042` is `42`), through a set made once: freeVersion asks per candidate,
  // and a folder of hundreds of migrations made this a CLI run's hot spot.
  let numbers: Set<bigint> | undefined;
  const isTaken = (v: string) => (numbers ??= new Set([...taken].map((t) => BigInt(t)))).has(BigInt(v));
  let last: string | undefined;
  return input.migrations.flatMap((m, i) => {
    last = freeVersion(own, isTaken, last);
    return write(last, m, slugAt(input, i));
  });
}

/** The slug of the i-th new migration: numbered when there are several. */
export const slugAt = (input: OwnMigrationInput, i: number): string => (input.migrations.length > 1 ? `${input.slug}_${i + 1}` : input.slug);
