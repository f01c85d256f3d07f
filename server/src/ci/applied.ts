/**
 * `check --database URL`: the migration tool's own applied-migrations table says which files have
 * run on that database; those are not reported. One read-only query per tool table (the session
 * is `default_transaction_read_only`), the table found from the tool detected for the files.
 *
 * Each entry below says which table the tool keeps, which columns are read, and how a file maps
 * to a row; docs/ci.md gives the source of each (the tool's code or documentation).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { connectReadOnly, DatabaseError, DatabaseTarget, describeTarget } from '../database';

export const MIGRATION_TOOLS = [
  'golang-migrate',
  'dbmate',
  'flyway',
  'prisma',
  'diesel',
  'goose',
  'sqlx',
  'knex',
  'typeorm',
  'node-pg-migrate',
  'sqitch',
  'drizzle',
  'atlas',
  'liquibase',
  'supabase',
] as const;
export type MigrationTool = (typeof MIGRATION_TOOLS)[number];

/** A migration file as the check read it. */
export interface MigrationFile {
  path: string;
  text: string;
  /** The tool the engine detected for the file (its `framework`). */
  framework: string;
}

export interface AppliedState {
  tool: MigrationTool;
  table: string;
  /** When the tool recorded it, when its table keeps that. */
  at?: Date;
  /** The table's checksum for the file differs from the file's: it was edited after it ran. */
  edited?: boolean;
}

type Row = Record<string, unknown>;

interface ToolTable {
  /** Table (schema-qualified when the tool puts it in its own schema), as SQL. */
  table: string;
  columns: string;
  /** Per file: applied or not, from all the rows. */
  match(rows: Row[], files: MigrationFile[]): Map<MigrationFile, Omit<AppliedState, 'tool' | 'table'> | undefined>;
}

const base = (f: MigrationFile) => path.basename(f.path);
const stem = (f: MigrationFile) => base(f).replace(/\.[^.]+$/, '');
const leadingNumber = (name: string) => /^(\d+)/.exec(name)?.[1];
const date = (v: unknown) => (v instanceof Date ? v : typeof v === 'string' && v ? new Date(v) : undefined);
const hex = (algorithm: string, text: string) => createHash(algorithm).update(text, 'utf8').digest('hex');

/** A stored checksum matches the file when it matches the text with LF or with CRLF line ends. */
function sameChecksum(stored: unknown, text: string, digest: (t: string) => string): boolean {
  if (typeof stored !== 'string' || !stored) return true;
  const lf = text.replace(/\r\n/g, '\n');
  return [text, lf, lf.replace(/\n/g, '\r\n')].some((t) => digest(t) === stored.toLowerCase());
}

/** Flyway's checksum: CRC-32 over the UTF-8 of each line without its terminator, BOM dropped, as a signed int. */
export function flywayChecksum(text: string): number {
  let crc = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) crc = crc32(Buffer.from(line, 'utf8'), crc);
  return crc | 0;
}

/** Flyway compares versions part by part as numbers, and ignores trailing zero parts (1.0 = 1). */
function flywayVersion(v: string): string {
  const parts = v.split(/[._]/).map((p) => (/^\d+$/.test(p) ? BigInt(p).toString() : p));
  while (parts.length > 1 && parts[parts.length - 1] === '0') parts.pop();
  return parts.join('.');
}

/** A set of versions or names, each file applied when its key is in it. */
function byKey(key: (f: MigrationFile) => string | undefined, rowKey: (r: Row) => string | undefined, at?: (r: Row) => Date | undefined): ToolTable['match'] {
  return (rows, files) => {
    const seen = new Map<string, Row>();
    for (const r of rows) {
      const k = rowKey(r);
      if (k !== undefined) seen.set(k, r);
    }
    return new Map(
      files.map((f) => {
        const k = key(f);
        const row = k === undefined ? undefined : seen.get(k);
        return [f, row ? { at: at?.(row) } : undefined];
      }),
    );
  };
}

const TABLES: Record<MigrationTool, ToolTable> = {
  // One row: the current version and whether its migration failed half way.
  'golang-migrate': {
    table: 'schema_migrations',
    columns: 'version::text AS version, dirty',
    match: (rows, files) => {
      const row = rows[0];
      const current = row ? BigInt(String(row.version)) : undefined;
      return new Map(
        files.map((f) => {
          const v = /^(\d+)_/.exec(base(f))?.[1];
          if (current === undefined || v === undefined || current < 0n) return [f, undefined];
          const n = BigInt(v);
          return [f, n < current || (n === current && row!.dirty !== true) ? {} : undefined];
        }),
      );
    },
  },
  // One row per applied version: the digits the file name starts with.
  dbmate: { table: 'schema_migrations', columns: 'version::text AS version', match: byKey((f) => leadingNumber(base(f)), (r) => String(r.version)) },
  flyway: {
    table: 'flyway_schema_history',
    columns: 'installed_rank, version, type, script, checksum, installed_on, success',
    match: (rows, files) => {
      const ordered = [...rows].sort((a, b) => Number(a.installed_rank) - Number(b.installed_rank));
      const versions = new Map<string, Row>();
      const scripts = new Map<string, Row>();
      let baseline: string | undefined;
      for (const r of ordered) {
        if (r.success !== true) continue;
        const type = String(r.type ?? '');
        const v = typeof r.version === 'string' && r.version ? flywayVersion(r.version) : undefined;
        if (type === 'BASELINE' && v) baseline = v;
        else if (type.startsWith('UNDO') || type === 'DELETE') {
          if (v) versions.delete(v);
        } else if (v) versions.set(v, r);
        else if (typeof r.script === 'string') scripts.set(path.basename(r.script), r);
      }
      const below = (v: string) => {
        if (!baseline) return false;
        const [a, b] = [v.split('.'), baseline.split('.')];
        for (let i = 0; i < Math.max(a.length, b.length); i++) {
          const [x, y] = [BigInt(/^\d+$/.test(a[i] ?? '0') ? (a[i] ?? '0') : '0'), BigInt(/^\d+$/.test(b[i] ?? '0') ? (b[i] ?? '0') : '0')];
          if (x !== y) return x < y;
        }
        return true;
      };
      return new Map(
        files.map((f) => {
          const name = base(f);
          const versioned = /^[VU](\d[\w.]*?)__/.exec(name);
          if (versioned) {
            const v = flywayVersion(versioned[1]);
            const row = versions.get(v);
            if (row) return [f, { at: date(row.installed_on), edited: name.startsWith('V') && row.checksum !== null && row.checksum !== undefined && Number(row.checksum) !== flywayChecksum(f.text) }];
            return [f, below(v) ? {} : undefined];
          }
          // A repeatable migration runs again whenever its checksum changes: applied only as it is now.
          const row = name.startsWith('R__') ? scripts.get(name) : undefined;
          return [f, row && Number(row.checksum) === flywayChecksum(f.text) ? { at: date(row.installed_on) } : undefined];
        }),
      );
    },
  },
  // A row per migration folder; finished and not rolled back means applied.
  prisma: {
    table: '_prisma_migrations',
    columns: 'migration_name, checksum, finished_at, rolled_back_at',
    match: (rows, files) => {
      const done = new Map<string, Row>();
      for (const r of rows) if (r.finished_at && !r.rolled_back_at) done.set(String(r.migration_name), r);
      return new Map(
        files.map((f) => {
          const row = done.get(path.basename(path.dirname(f.path)));
          return [f, row ? { at: date(row.finished_at), edited: !sameChecksum(row.checksum, f.text, (t) => hex('sha256', t)) } : undefined];
        }),
      );
    },
  },
  // The folder name up to its first `_`, without dashes: 2024-01-15-143022_users → 20240115143022.
  diesel: {
    table: '__diesel_schema_migrations',
    columns: 'version, run_on',
    match: byKey((f) => path.basename(path.dirname(f.path)).split('_')[0].replace(/-/g, ''), (r) => String(r.version), (r) => date(r.run_on)),
  },
  // Every up and down is a row; the latest row of a version says whether it is applied.
  goose: {
    table: 'goose_db_version',
    columns: 'id, version_id::text AS version_id, is_applied, tstamp',
    match: (rows, files) => {
      const latest = new Map<string, Row>();
      for (const r of [...rows].sort((a, b) => Number(a.id) - Number(b.id))) latest.set(String(r.version_id), r);
      return new Map(
        files.map((f) => {
          const v = leadingNumber(base(f));
          const row = v === undefined ? undefined : latest.get(BigInt(v).toString());
          return [f, row?.is_applied === true ? { at: date(row.tstamp) } : undefined];
        }),
      );
    },
  },
  sqlx: {
    table: '_sqlx_migrations',
    columns: "version::text AS version, success, encode(checksum, 'hex') AS checksum, installed_on",
    match: (rows, files) => {
      const done = new Map<string, Row>();
      for (const r of rows) if (r.success === true) done.set(String(r.version), r);
      return new Map(
        files.map((f) => {
          const v = /^(\d+)_/.exec(base(f))?.[1];
          const row = v === undefined ? undefined : done.get(BigInt(v).toString());
          const up = !/\.down\.sql$/.test(base(f));
          return [f, row ? { at: date(row.installed_on), edited: up && !sameChecksum(row.checksum, f.text, (t) => hex('sha384', t)) } : undefined];
        }),
      );
    },
  },
  // The file name, with its extension (knex 0.x-3.x) or without it.
  knex: {
    table: 'knex_migrations',
    columns: 'name, migration_time',
    match: (rows, files) => {
      const names = new Map(rows.map((r) => [String(r.name), r]));
      return new Map(files.map((f) => [f, ((row) => (row ? { at: date(row.migration_time) } : undefined))(names.get(base(f)) ?? names.get(stem(f)))]));
    },
  },
  // The timestamp the class name ends with, which TypeORM's generator also puts first in the file name.
  typeorm: {
    table: 'migrations',
    columns: '"timestamp"::text AS "timestamp", name',
    match: byKey((f) => leadingNumber(base(f)), (r) => String(r.timestamp)),
  },
  'node-pg-migrate': { table: 'pgmigrations', columns: 'name, run_on', match: byKey(stem, (r) => String(r.name), (r) => date(r.run_on)) },
  // Changes currently deployed; a change is the script's path under deploy/ without .sql.
  sqitch: {
    table: 'sqitch.changes',
    columns: 'change, project, committed_at',
    match: byKey(
      (f) => /(?:^|\/)(?:deploy|revert|verify)\/(.+)\.sql$/.exec(f.path.split(path.sep).join('/'))?.[1],
      (r) => String(r.change),
      (r) => date(r.committed_at),
    ),
  },
  // drizzle runs every journal entry whose `when` is above the newest created_at in its table.
  drizzle: {
    table: 'drizzle.__drizzle_migrations',
    columns: 'hash, created_at::text AS created_at',
    match: (rows, files) => {
      let newest = -1n;
      const byWhen = new Map<string, Row>();
      for (const r of rows) {
        if (r.created_at === null || r.created_at === undefined) continue;
        const when = BigInt(String(r.created_at).split('.')[0]);
        if (when > newest) newest = when;
        byWhen.set(when.toString(), r);
      }
      const journals = new Map<string, { tag: string; when: number }[]>();
      const journal = (dir: string) => {
        if (!journals.has(dir)) {
          try {
            journals.set(dir, JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')).entries ?? []);
          } catch {
            journals.set(dir, []);
          }
        }
        return journals.get(dir)!;
      };
      return new Map(
        files.map((f) => {
          const entry = journal(path.dirname(f.path)).find((e) => e.tag === stem(f));
          if (!entry || newest < 0n || BigInt(entry.when) > newest) return [f, undefined];
          const row = byWhen.get(String(entry.when));
          return [f, { edited: row ? !sameChecksum(row.hash, f.text.replace(/\r\n/g, '\n'), (t) => hex('sha256', t)) : false }];
        }),
      );
    },
  },
  // The file name up to its first `_`; a row is applied once all its statements ran.
  atlas: {
    table: 'atlas_schema_revisions.atlas_schema_revisions',
    columns: 'version, type, applied, total, executed_at',
    match: (rows, files) => {
      const done = new Map<string, Row>();
      let baseline: string | undefined;
      for (const r of rows) {
        // RevisionType: 1 baseline, 2 executed, 4 resolved (bit flags).
        if ((Number(r.type) & 1) === 1 && (!baseline || natural(String(r.version), baseline) > 0)) baseline = String(r.version);
        if (Number(r.applied) >= Number(r.total)) done.set(String(r.version), r);
      }
      return new Map(
        files.map((f) => {
          const v = base(f).replace(/\.sql$/, '').split('_')[0];
          const row = done.get(v);
          if (row) return [f, { at: date(row.executed_at) }];
          return [f, baseline && natural(v, baseline) <= 0 ? {} : undefined];
        }),
      );
    },
  },
  // A formatted SQL changelog is applied when each of its changesets has a row (id, author, file name).
  liquibase: {
    table: 'databasechangelog',
    columns: 'id, author, filename, exectype, dateexecuted',
    match: (rows, files) => {
      const ran = new Map<string, Row>();
      for (const r of rows) {
        if (!['EXECUTED', 'RERAN', 'MARK_RAN'].includes(String(r.exectype))) continue;
        ran.set(`${r.author}\0${r.id}\0${path.basename(String(r.filename).replace(/\\/g, '/'))}`, r);
      }
      return new Map(
        files.map((f) => {
          const sets = [...f.text.matchAll(/^--\s*changeset\s+([^:\s]+):(\S+)/gim)].map((m) => ran.get(`${m[1]}\0${m[2]}\0${base(f)}`));
          return [f, sets.length && sets.every((r) => r) ? { at: date(sets[sets.length - 1]!.dateexecuted) } : undefined];
        }),
      );
    },
  },
  supabase: { table: 'supabase_migrations.schema_migrations', columns: 'version', match: byKey((f) => /^(\d+)_/.exec(base(f))?.[1], (r) => String(r.version)) },
};

const natural = new Intl.Collator(undefined, { numeric: true }).compare;

/** The tool whose table says whether `file` ran: the detected framework, or what the folder shows for tools the engine does not model. */
export function toolFor(file: string, framework: string, override?: MigrationTool): MigrationTool | undefined {
  if (override) return override;
  if ((MIGRATION_TOOLS as readonly string[]).includes(framework)) return framework as MigrationTool;
  const dir = path.dirname(path.resolve(file));
  if (fs.existsSync(path.join(dir, 'atlas.sum'))) return 'atlas';
  // Diesel: <migrations>/<YYYY-MM-DD-HHMMSS>_<name>/up.sql
  if (/^(up|down)\.sql$/.test(path.basename(file)) && /^\d{4}-?\d{2}-?\d{2}-?\d{6}_/.test(path.basename(dir))) return 'diesel';
  return undefined;
}

/** `schema.table` or `table` as the user names it, quoted for SQL; or an error for anything else. */
export function tableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/.test(name)) {
    throw new DatabaseError(`--migration-table takes a table name (schema.table or table), not ${JSON.stringify(name)}`);
  }
  return name
    .split('.')
    .map((p) => `"${p}"`)
    .join('.');
}

export interface AppliedReport {
  /** By resolved path: the files the database ran. */
  applied: Map<string, AppliedState>;
  /** What the run should say about the tables it read (or did not find). */
  notes: string[];
  /** The database, in words. */
  where: string;
}

/**
 * Reads, for every tool the files belong to, its table on `target`: one query per table, on a
 * read-only session. A missing table means nothing of that tool ran there (a note says so).
 */
export async function readApplied(target: DatabaseTarget, files: MigrationFile[], options: { tool?: MigrationTool; table?: string } = {}): Promise<AppliedReport> {
  const where = describeTarget(target);
  const report: AppliedReport = { applied: new Map(), notes: [], where };
  const byTool = new Map<MigrationTool, MigrationFile[]>();
  const unknown: MigrationFile[] = [];
  for (const f of files) {
    const tool = toolFor(f.path, f.framework, options.tool);
    if (!tool) unknown.push(f);
    else byTool.set(tool, [...(byTool.get(tool) ?? []), f]);
  }
  if (unknown.length) {
    report.notes.push(
      `${unknown.length} file${unknown.length === 1 ? '' : 's'} whose migration tool has no applied-migrations table Migration Guard reads (no tool detected, or Sequelize / Kysely) are reported (${unknown
        .slice(0, 3)
        .map((f) => path.basename(f.path))
        .join(', ')}${unknown.length > 3 ? ', ...' : ''}); --migration-tool TOOL names the tool`,
    );
  }
  if (!byTool.size) return report;
  const client = await connectReadOnly(target);
  try {
    for (const [tool, group] of byTool) {
      const spec = TABLES[tool];
      const table = options.table ? tableName(options.table) : spec.table;
      let rows: Row[];
      try {
        rows = (await client.query(`SELECT ${spec.columns} FROM ${table}`)).rows as Row[];
      } catch (e) {
        const err = e as Error & { code?: string };
        // 42P01 undefined_table, 3F000 invalid_schema_name: the tool never ran on this database.
        if (err.code === '42P01' || err.code === '3F000') {
          report.notes.push(`${where} has no ${table} table (${tool}): nothing of ${group.length} ${tool} migration${group.length === 1 ? '' : 's'} counts as applied there`);
          continue;
        }
        throw new DatabaseError(`Reading ${tool}'s ${table} on ${where} failed: ${err.message}${err.code === '42703' ? ` (is it ${tool}'s table? --migration-tool and --migration-table name another)` : ''}`);
      }
      let count = 0;
      for (const [f, state] of spec.match(rows, group)) {
        if (!state) continue;
        count++;
        report.applied.set(path.resolve(f.path), { tool, table, ...state });
      }
      report.notes.push(`${count} of ${group.length} ${tool} migration${group.length === 1 ? '' : 's'} applied on ${where} (${table}): not reported`);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  return report;
}
