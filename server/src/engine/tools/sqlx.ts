/**
 * sqlx (`sqlx migrate run`, `sqlx::migrate!`): `migrations/<version>_<name>.sql`, or reversible
 * `.up.sql` / `.down.sql` pairs; each in one transaction unless it starts with `-- no-transaction`.
 */
import { cargoDepends, defineTool, leadingVersion, nextVersion, numberedMigrations, oneSimpleQuery, stepNeedsNoTransaction, versionsIn, wholeFile } from './tool';

const NO_TRANSACTION = '-- no-transaction';

export const sqlx = defineTool({
  id: 'sqlx',
  label: 'sqlx',
  docs: {
    detectedFrom: '`<version>_<name>.sql` (or `.up.sql` / `.down.sql`) in a crate whose `Cargo.toml` depends on sqlx, or starting with `-- no-transaction`',
    transaction: 'one per file; with `-- no-transaction` the file is one simple query (an implicit transaction when it has several statements)',
    optOut: '`-- no-transaction` as the very first characters of the file, with the statement alone in its migration',
    sources: [
      'launchbadge/sqlx `sqlx-core/src/migrate/source.rs` (`resolve_blocking_with_config`: `<VERSION>_<DESCRIPTION>.sql`, `no_tx = sql.starts_with("-- no-transaction")`), `sqlx-core/src/migrate/migration_type.rs` (`.up.sql` / `.down.sql`), `sqlx-postgres/src/migrate.rs` (`apply`: `self.begin()` unless `no_tx`), `sqlx-postgres/src/connection/executor.rs` (a query without arguments is sent as a simple `Query`)',
    ],
  },
  sql: {
    detect(file) {
      if (!/^\d+_.+\.sql$/.test(file.base)) return undefined;
      if (cargoDepends(file.probe, 'sqlx')) return 'Cargo.toml depends on sqlx';
      return file.text.startsWith(NO_TRANSACTION) ? NO_TRANSACTION : undefined;
    },
    segments: (file) => (file.text.startsWith(NO_TRANSACTION) ? oneSimpleQuery(file) : wholeFile(file, true)),
    optOut: 'start the file with -- no-transaction, with the statement alone in its migration (sqlx sends the file as one query: several statements still share an implicit transaction)',
    optOutEdit: () => ({ edit: { start: 0, end: 0, newText: `${NO_TRANSACTION}\n` }, note: `with ${NO_TRANSACTION} at the top` }),
    optOutAlone: true,
    // `-- no-transaction` first when the statement must run outside one; a reversible pair when
    // the migration is one (sqlx refuses to mix simple and reversible migrations).
    ownMigration(input) {
      const reversible = /\.(up|down)\.sql$/.test(input.base);
      const marked = (sql: string, no: boolean) => (no ? `${NO_TRANSACTION}\n${sql}` : sql);
      return numberedMigrations(input, leadingVersion(input.base, '0'), versionsIn(input.names('.'), /^(\d+)_.*\.sql$/), (version, m, slug) =>
        reversible
          ? [
              { path: `${version}_${slug}.up.sql`, content: marked(m.up, m.noTransaction) },
              { path: `${version}_${slug}.down.sql`, content: marked(m.down, m.noTransaction) },
            ]
          : [{ path: `${version}_${slug}.sql`, content: marked(m.up, m.noTransaction) }],
      );
    },
    planFile: ({ base, n, step, body }) => ({
      path: `${nextVersion(leadingVersion(base), n)}_${step.slug}${/\.up\.sql$/.test(base) ? '.up' : ''}.sql`,
      content: stepNeedsNoTransaction(step.sql) ? `${NO_TRANSACTION}\n${body}` : body,
    }),
  },
});
