/**
 * Diesel: one folder per migration (`migrations/<version>_<name>/up.sql` and `down.sql`), each run
 * in one transaction unless the folder's `metadata.toml` says `run_in_transaction = false`.
 */
import { defineTool, findUp, NewFile, oneSimpleQuery, slugAt, wholeFile, stepNeedsNoTransaction } from './tool';

/**
 * Diesel's TomlMetadata: no metadata.toml (or one that does not parse) means a transaction; a
 * metadata.toml without the key means none, since the field is `#[serde(default)] bool`.
 */
function runInTransaction(metadata: string | undefined): boolean {
  if (metadata === undefined) return true;
  const value = /^\s*run_in_transaction\s*=\s*(true|false)\s*(#.*)?$/m.exec(metadata)?.[1];
  return value === 'true';
}

/** The next version after a Diesel folder's, `n` steps on, sorting between it and the next: `2024-01-01-000000` → `2024-01-01-000000-0001`. */
function nextDieselVersion(folder: string, n: number): string {
  const version = folder.split('_')[0];
  const suffix = /^(.*-)(\d{4})$/.exec(version);
  if (suffix && version.split('-').length > 4) return `${suffix[1]}${String(Number(suffix[2]) + n).padStart(4, '0')}`;
  return `${version}-${String(n).padStart(4, '0')}`;
}

export const diesel = defineTool({
  id: 'diesel',
  label: 'Diesel',
  docs: {
    detectedFrom: '`<version>_<name>/up.sql` / `down.sql`; `diesel.toml`',
    transaction: 'one per migration (`up.sql` or `down.sql`); without it the file is one simple query (an implicit transaction when it has several statements)',
    optOut: '`run_in_transaction = false` in the folder\'s `metadata.toml` (note: a `metadata.toml` without the key also means no transaction), with the statement alone in its migration',
    sources: [
      'diesel-rs/diesel `diesel_migrations/src/file_based_migrations.rs` (doc comment "Transactions"; `run_sql_from_file` sends the file with `batch_execute`), `diesel_migrations/src/migration_harness.rs` (`run_migration`: `self.transaction(...)` when `run_in_transaction()`), `diesel_migrations/migrations_internals/src/lib.rs` (`TomlMetadata`: `#[serde(default)] run_in_transaction: bool`, default true when the file is missing), `diesel/src/pg/connection/mod.rs` (`batch_execute` is `PQexec`: one simple query)',
    ],
  },
  sql: {
    detect(file) {
      if (!/^(up|down)\.sql$/.test(file.base)) return undefined;
      if (findUp(file.probe, 'diesel.toml')) return 'diesel.toml';
      const folder = file.path.split('/').slice(-2, -1)[0] ?? '';
      return /^\d[\d-]*_/.test(folder) ? '<version>_<name>/up.sql' : undefined;
    },
    segments: (file) => (runInTransaction(file.probe.read('metadata.toml')) ? wholeFile(file, true) : oneSimpleQuery(file)),
    optOut: 'put the statement alone in a migration of its own with run_in_transaction = false in its metadata.toml (Diesel sends the file as one query: several statements still share an implicit transaction)',
    // migrations_internals version_from_string: the name up to its first `_`, dashes removed;
    // migrations run in the order of that text (MigrationVersion derives Ord on a string).
    folder: { up: 'up.sql', down: 'down.sql', version: (name) => name.split('_')[0].replace(/-/g, '') },
    direction: (file) => (file.base === 'down.sql' ? 'down' : 'up'),
    // A folder of its own beside this one, sorting right after it; run_in_transaction = false when
    // the statement must run outside a transaction (then it is alone: Diesel sends up.sql as one query).
    ownMigration(input) {
      const taken = new Set(input.names('..').map((name) => name.split('_')[0]));
      const files: NewFile[] = [];
      let n = 0;
      input.migrations.forEach((m, i) => {
        do n++;
        while (taken.has(nextDieselVersion(input.folder, n)));
        const dir = `../${nextDieselVersion(input.folder, n)}_${slugAt(input, i)}`;
        files.push({ path: `${dir}/up.sql`, content: m.up }, { path: `${dir}/down.sql`, content: m.down });
        if (m.noTransaction) files.push({ path: `${dir}/metadata.toml`, content: 'run_in_transaction = false\n' });
      });
      return files;
    },
    // A step that must run outside a transaction (CONCURRENTLY, a DO block that commits) gets run_in_transaction = false.
    planFile: ({ folder, n, step, body }) => ({
      path: `../${nextDieselVersion(folder, n)}_${step.slug}/up.sql`,
      content: body,
      ...(stepNeedsNoTransaction(step.sql) ? { also: [{ path: `../${nextDieselVersion(folder, n)}_${step.slug}/metadata.toml`, content: 'run_in_transaction = false\n' }] } : {}),
    }),
  },
});
