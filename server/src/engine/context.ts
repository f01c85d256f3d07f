/**
 * How the migration tool runs a file: which tool (from the file's path, name and markers, and
 * the project files the adapter found around it), and for each part of the file whether the tool
 * wraps it in a transaction, and how a file opts out. docs/frameworks.md gives the source for each
 * model. A file no tool claims is plain SQL, run statement by statement as `psql -f` does.
 */
import { ParsedFile, Statement } from './parse';
import { Settings } from './settings';

export const FRAMEWORKS = ['plain', 'flyway', 'liquibase', 'golang-migrate', 'dbmate', 'goose', 'prisma', 'drizzle', 'sqitch', 'supabase', 'node-pg-migrate', 'typeorm', 'knex', 'sequelize', 'kysely'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** A part of the file the tool runs as a unit: dbmate's up and down sections, a Liquibase changeset... */
export interface Segment {
  /** UTF-16 offset where the segment starts; it runs to the next segment. */
  start: number;
  direction: 'up' | 'down';
  /** The tool runs this part inside one transaction. */
  transaction: boolean;
  /** The marker that opens it (`--changeset alice:1`), when there is one. */
  marker?: { start: number; end: number; text: string };
}

export interface MigrationContext {
  framework: Framework;
  /** Why: the path, marker or project file that gave the tool away, or the setting. */
  evidence: string;
  segments: Segment[];
  /** The transaction of the first segment (kept for the rules that only need one answer). */
  wrapsInTransaction: boolean;
  /** How a file of this tool runs a statement outside the tool's transaction, in words. */
  optOut: string;
}

/** What the adapter found on disk around the file (the engine reads no files). */
export interface ProjectHints {
  /** Names of files in the file's folder and its parents, relative to the file's folder: `../flyway.conf`, `meta/_journal.json`. */
  nearby?: string[];
  /** Flyway's per-script configuration `<script>.sql.conf`, when it exists. */
  scriptConfig?: string;
  /** Flyway's `executeInTransaction` from flyway.conf / flyway.toml, when set there. */
  flywayExecuteInTransaction?: boolean;
}

// Flyway's PostgreSQLParser.detectCanExecuteInTransaction: a script with one of these runs
// without a transaction (flyway/flyway, flyway-database-postgresql, PostgreSQLParser.java).
const FLYWAY_NON_TRANSACTIONAL = [
  /^(CREATE|DROP)( UNIQUE)? INDEX CONCURRENTLY/,
  /^REINDEX( VERBOSE)? (SCHEMA|DATABASE|SYSTEM)/,
  /^VACUUM/,
  /^DISCARD ALL/,
  /^ALTER TYPE( .*)? ADD VALUE/,
  /^(CREATE|DROP) (DATABASE|TABLESPACE|SUBSCRIPTION)/,
  /^ALTER SYSTEM/,
];

// Supabase CLI (2.109+) runs these on their own, outside the migration's transaction
// (supabase/cli pull requests #5671 and #6276).
const SUPABASE_STANDALONE = [/^(CREATE( UNIQUE)?|DROP) INDEX CONCURRENTLY/, /^REINDEX .*CONCURRENTLY/, /^VACUUM/, /^ALTER SYSTEM/, /^CLUSTER/];

const simplified = (s: Statement) => s.text.replace(/\s+/g, ' ').trim().toUpperCase();

function lineMarkers(text: string, pattern: RegExp): { start: number; end: number; text: string; match: RegExpExecArray }[] {
  const out: { start: number; end: number; text: string; match: RegExpExecArray }[] = [];
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ start: m.index, end: m.index + m[0].length, text: m[0], match: m });
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/** Which tool runs the file, from the setting, then markers, then its path and the project files near it. */
export function detectFramework(path: string | undefined, text: string, settings: Settings, hints: ProjectHints = {}): { framework: Framework; evidence: string } {
  if (settings.framework !== 'auto') return { framework: settings.framework, evidence: 'the framework setting' };
  const file = (path ?? '').split('\\').join('/');
  const base = file.split('/').pop() ?? '';
  const near = (name: string) => (hints.nearby ?? []).some((n) => n === name || n.endsWith(`/${name}`));
  if (/^\s*--\s*liquibase formatted sql/i.test(text)) return { framework: 'liquibase', evidence: '--liquibase formatted sql' };
  if (/^--\s*migrate:(up|down)\b/m.test(text)) return { framework: 'dbmate', evidence: '-- migrate:up' };
  if (/^--\s*\+goose (Up|Down)\b/m.test(text)) return { framework: 'goose', evidence: '-- +goose Up' };
  if (/-->\s*statement-breakpoint/.test(text) || near('meta/_journal.json')) return { framework: 'drizzle', evidence: near('meta/_journal.json') ? 'meta/_journal.json' : '--> statement-breakpoint' };
  if (/(^|\/)prisma\/migrations\/[^/]+\/migration\.sql$/.test(file)) return { framework: 'prisma', evidence: 'prisma/migrations/<name>/migration.sql' };
  if (/(^|\/)supabase\/migrations\/[^/]+\.sql$/.test(file)) return { framework: 'supabase', evidence: 'supabase/migrations/' };
  if (/(^|\/)(deploy|revert|verify)\/[^/]+\.sql$/.test(file) && near('sqitch.plan')) return { framework: 'sqitch', evidence: 'sqitch.plan' };
  if (/^[VUR]\d*(\.\d+)*__.+\.sql$/.test(base) && (/^[VU]\d/.test(base) || base.startsWith('R__'))) {
    return { framework: 'flyway', evidence: near('flyway.conf') || near('flyway.toml') ? 'flyway.conf' : `${base[0]}<version>__<description>.sql` };
  }
  if (/^\s*--[\s-]*up\s+migration/im.test(text) && !/^\d+_.+\.(up|down)\.sql$/.test(base)) return { framework: 'node-pg-migrate', evidence: '-- Up Migration' };
  if (/^\d+_.+\.(up|down)\.sql$/.test(base)) return { framework: 'golang-migrate', evidence: '<version>_<name>.up.sql / .down.sql' };
  return { framework: 'plain', evidence: settings.assumeInTransaction ? 'no tool detected; assumeInTransaction' : 'no tool detected' };
}

/** How the detected tool runs this file, part by part. */
export function migrationContext(path: string | undefined, parsed: ParsedFile, settings: Settings, hints: ProjectHints = {}): MigrationContext {
  const { framework, evidence } = detectFramework(path, parsed.text, settings, hints);
  const text = parsed.text;
  const statements = parsed.statements;
  const explicit = statements.some((s) => s.kind === 'TransactionStmt');
  const down = /(^|[._-])down\.sql$/i.test(path ?? '') || /(^|\/)revert\//.test((path ?? '').split('\\').join('/')) || /^U\d/.test((path ?? '').split(/[\\/]/).pop() ?? '');
  const direction = down ? 'down' : 'up';
  const whole = (transaction: boolean): Segment[] => [{ start: 0, direction, transaction }];
  let segments: Segment[];
  let optOut: string;
  switch (framework) {
    case 'flyway': {
      const conf = /^\s*executeInTransaction\s*=\s*(true|false)\s*$/m.exec(hints.scriptConfig ?? '')?.[1];
      const auto = statements.some((s) => FLYWAY_NON_TRANSACTIONAL.some((re) => re.test(simplified(s))));
      const transaction = conf !== undefined ? conf === 'true' : hints.flywayExecuteInTransaction === false ? false : !auto;
      segments = whole(transaction);
      optOut = 'Flyway runs a script without a transaction when it has CREATE/DROP INDEX CONCURRENTLY (detected), or with executeInTransaction=false in <script>.sql.conf';
      break;
    }
    case 'liquibase': {
      // Each changeset is its own transaction unless runInTransaction:false.
      const markers = lineMarkers(text, /^--\s*changeset\s+[^\n]*$/gim);
      segments = [{ start: 0, direction, transaction: false }];
      for (const m of markers) segments.push({ start: m.start, direction, transaction: !/runInTransaction:\s*false/i.test(m.text), marker: m });
      optOut = 'add runInTransaction:false to the --changeset line (a changeset of its own)';
      break;
    }
    case 'dbmate':
    case 'goose': {
      const markers = lineMarkers(text, framework === 'dbmate' ? /^--\s*migrate:(up|down)\b[^\n]*$/gm : /^--\s*\+goose (Up|Down)\b[^\n]*$/gm);
      const noTransaction = framework === 'goose' && /^--\s*\+goose NO TRANSACTION\b/m.test(text);
      segments = [{ start: 0, direction, transaction: false }];
      for (const m of markers) {
        const dir = m.match[1].toLowerCase() === 'down' ? 'down' : 'up';
        const transaction = framework === 'dbmate' ? !/transaction:\s*false/.test(m.text) : !noTransaction;
        segments.push({ start: m.start, direction: dir, transaction, marker: m });
      }
      optOut = framework === 'dbmate' ? 'add transaction:false to the -- migrate:up line' : 'add -- +goose NO TRANSACTION at the top of the file';
      break;
    }
    case 'golang-migrate':
    case 'prisma':
      // The whole file goes to PostgreSQL as one simple query: several statements run as one
      // implicit transaction, a single statement on its own (golang-migrate postgres.go Run,
      // prisma-engines apply_migration_script: simple_query).
      segments = whole(!explicit && statements.length > 1);
      optOut =
        framework === 'prisma'
          ? 'put the statement alone in a migration of its own (a single-statement script runs outside a transaction)'
          : 'put the statement alone in a migration of its own, or enable x-multi-statement in the database URL';
      break;
    case 'drizzle':
      // drizzle-orm's PgDialect.migrate runs every pending migration in one transaction.
      segments = whole(true);
      optOut = 'drizzle-kit migrate has no way out: run the statement outside drizzle (by hand or a separate script)';
      break;
    case 'supabase': {
      // Each file in its own transaction; CONCURRENTLY and a few others run standalone.
      segments = [{ start: 0, direction, transaction: true }];
      for (const s of statements) {
        if (!SUPABASE_STANDALONE.some((re) => re.test(simplified(s)))) continue;
        segments.push({ start: s.start, direction, transaction: false });
        const next = statements[s.index + 1];
        if (next) segments.push({ start: next.start, direction, transaction: true });
      }
      optOut = 'the Supabase CLI (2.109+) runs CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and VACUUM on their own; put anything else in a migration of its own';
      break;
    }
    case 'node-pg-migrate': {
      // SQL migrations run inside a transaction (one for all pending migrations by default).
      const downAt = text.search(/^\s*--[\s-]*down\s+migration/im);
      segments = [{ start: 0, direction: 'up', transaction: true }];
      if (downAt >= 0) segments.push({ start: downAt, direction: 'down', transaction: true });
      optOut = 'SQL migrations of node-pg-migrate always run in a transaction: write this one in JavaScript with pgm.noTransaction()';
      break;
    }
    case 'sqitch':
      segments = whole(false);
      optOut = 'leave the statement outside the BEGIN ... COMMIT of the script';
      break;
    default:
      segments = whole(settings.assumeInTransaction);
      optOut = 'run the statement on its own, outside the transaction';
  }
  return { framework, evidence, segments, wrapsInTransaction: segments[0].transaction, optOut };
}

/**
 * Where a comment about the whole file goes (the editor's "Ignore ... for this file"), written
 * between `before` and `after` at `offset`: at the top,
 * but after a byte-order mark and after the lines a tool needs first. Liquibase reads a file as
 * formatted SQL only when it starts with `--liquibase formatted sql` (docs/frameworks.md); the
 * other tools' markers (`-- migrate:up`, `-- +goose Up`) may have comments above them.
 */
export function fileCommentPlace(text: string): { offset: number; before: string; after: string } {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const header = /^\s*--\s*liquibase formatted sql[^\r\n]*(\r?\n)?/i.exec(text.slice(bom));
  if (!header) return { offset: bom, before: '', after: '\n' };
  // A header with no line break after it (the whole file): the comment goes on a line of its own.
  return { offset: bom + header[0].length, before: header[1] ? '' : '\n', after: header[1] ?? '' };
}

/** The segment a document offset belongs to. */
export function segmentAt(context: MigrationContext, offset: number): Segment {
  let found = context.segments[0];
  for (const s of context.segments) if (s.start <= offset) found = s;
  return found;
}
