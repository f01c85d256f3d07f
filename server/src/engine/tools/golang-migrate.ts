/** golang-migrate: `<version>_<name>.up.sql` / `.down.sql`, each file sent as one simple query. */
import { defineTool, leadingVersion, nextVersion, numberedMigrations, oneSimpleQuery, versionsIn } from './tool';

export const golangMigrate = defineTool({
  id: 'golang-migrate',
  label: 'golang-migrate',
  docs: {
    detectedFrom: '`<version>_<name>.up.sql` / `.down.sql`',
    transaction: 'the whole file is one simple query: with more than one statement PostgreSQL runs it as one implicit transaction; a single statement runs on its own',
    optOut: 'one statement per file, or `x-multi-statement=true` in the URL',
    sources: ['`database/postgres/postgres.go`, `Run` sends the whole migration in one `ExecContext` unless `MultiStatementEnabled` (`x-multi-statement`) splits it on `;`.'],
  },
  sql: {
    detect: (file) => (/^\d+_.+\.(up|down)\.sql$/.test(file.base) ? '<version>_<name>.up.sql / .down.sql' : undefined),
    // The whole file goes to PostgreSQL as one simple query (golang-migrate postgres.go Run).
    segments: oneSimpleQuery,
    optOut: 'put the statement alone in a migration of its own, or enable x-multi-statement in the database URL',
    // A file of one statement is one query that PostgreSQL runs on its own, outside a transaction
    // block; the down file reverts it the same way.
    ownMigration: (input) =>
      numberedMigrations(input, leadingVersion(input.base, '0'), versionsIn(input.names('.'), /^(\d+)_.*\.(up|down)\.sql$/), (version, m, slug) => [
        { path: `${version}_${slug}.up.sql`, content: m.up },
        { path: `${version}_${slug}.down.sql`, content: m.down },
      ]),
    planFile({ base, n, step, body }) {
      const version = /^(\d+)_/.exec(base)?.[1] ?? '1';
      return { path: `${nextVersion(version, n)}_${step.slug}.up.sql`, content: body };
    },
  },
});
