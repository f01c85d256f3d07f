/** Drizzle Kit: `--> statement-breakpoint`, `meta/_journal.json`; every pending migration in one transaction. */
import { defineTool, wholeFile } from './tool';

export const drizzle = defineTool({
  id: 'drizzle',
  label: 'Drizzle Kit',
  docs: {
    detectedFrom: '`--> statement-breakpoint`, `meta/_journal.json`',
    transaction: 'every pending migration in **one** transaction',
    optOut: 'none: run such statements outside `drizzle-kit migrate`',
    sources: ['drizzle-orm `pg-core/dialect.ts`, `PgDialect.migrate` wraps the loop over all pending migrations in `session.transaction(...)`.'],
  },
  sql: {
    detect(file) {
      const journal = file.probe.exists('meta/_journal.json');
      if (!/-->\s*statement-breakpoint/.test(file.text) && !journal) return undefined;
      return journal ? 'meta/_journal.json' : '--> statement-breakpoint';
    },
    // drizzle-orm's PgDialect.migrate runs every pending migration in one transaction.
    segments: (file) => wholeFile(file, true),
    optOut: 'drizzle-kit migrate has no way out: run the statement outside drizzle (by hand or a separate script)',
  },
});
