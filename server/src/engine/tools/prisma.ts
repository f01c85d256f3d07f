/** Prisma Migrate: `prisma/migrations/<timestamp>_<name>/migration.sql`, each file sent as one simple query. */
import { defineTool, nextVersion, numberedMigrations, oneSimpleQuery, versionsIn } from './tool';

export const prisma = defineTool({
  id: 'prisma',
  label: 'Prisma Migrate',
  docs: {
    detectedFrom: '`prisma/migrations/<timestamp>_<name>/migration.sql`',
    transaction: 'like golang-migrate: one simple query, an implicit transaction when it has several statements',
    optOut: 'a migration with the one statement alone',
    sources: ['prisma-engines, Postgres `apply_migration_script` runs the script with `client.simple_query(script)`.'],
  },
  sql: {
    detect: (file) => (/(^|\/)prisma\/migrations\/[^/]+\/migration\.sql$/.test(file.path) ? 'prisma/migrations/<name>/migration.sql' : undefined),
    // prisma-engines apply_migration_script: simple_query.
    segments: oneSimpleQuery,
    optOut: 'put the statement alone in a migration of its own (a single-statement script runs outside a transaction)',
    folder: { up: 'migration.sql' },
    // A migration folder of its own, the next free timestamp after this one; Prisma has no down
    // migrations. A script of one statement runs outside a transaction block.
    ownMigration: (input) =>
      numberedMigrations(input, /^(\d+)_/.exec(input.folder)?.[1] ?? '0', versionsIn(input.names('..'), /^(\d+)_/), (version, m, slug) => [
        { path: `../${version}_${slug}/migration.sql`, content: m.up },
      ]),
    planFile({ folder, n, step, body }) {
      const stamp = /^(\d+)_/.exec(folder)?.[1] ?? '0';
      return { path: `../${nextVersion(stamp, n)}_${step.slug}/migration.sql`, content: body };
    },
  },
});
