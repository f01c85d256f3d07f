/** Supabase CLI: `supabase/migrations/<timestamp>_<name>.sql`, one transaction per file, a few statements standalone. */
import { defineTool, leadingVersion, nextVersion, Segment, simplified } from './tool';

// Supabase CLI (2.109+) runs these on their own, outside the migration's transaction
// (supabase/cli pull requests #5671 and #6276).
const STANDALONE = [/^(CREATE( UNIQUE)?|DROP) INDEX CONCURRENTLY/, /^REINDEX .*CONCURRENTLY/, /^VACUUM/, /^ALTER SYSTEM/, /^CLUSTER/];

export const supabase = defineTool({
  id: 'supabase',
  label: 'Supabase CLI',
  docs: {
    detectedFrom: '`supabase/migrations/<timestamp>_<name>.sql`',
    transaction: 'one per file; since CLI 2.109 `CREATE/DROP INDEX CONCURRENTLY`, `REINDEX ... CONCURRENTLY`, `VACUUM`, `ALTER SYSTEM`, `CLUSTER` run on their own',
    optOut: 'a migration of its own for anything else (`DETACH PARTITION ... CONCURRENTLY`)',
    sources: [
      '"We are running each migration file in its own transaction" (supabase/cli issue #2898); pipeline-incompatible statements run standalone outside the batch (supabase/cli pull requests #5671 and #6276, 2.109+).',
    ],
  },
  sql: {
    detect: (file) => (/(^|\/)supabase\/migrations\/[^/]+\.sql$/.test(file.path) ? 'supabase/migrations/' : undefined),
    segments(file) {
      // Each file in its own transaction; CONCURRENTLY and a few others run standalone.
      const segments: Segment[] = [{ start: 0, direction: file.direction, transaction: true }];
      for (const s of file.statements) {
        if (!STANDALONE.some((re) => re.test(simplified(s)))) continue;
        segments.push({ start: s.start, direction: file.direction, transaction: false });
        const next = file.statements[s.index + 1];
        if (next) segments.push({ start: next.start, direction: file.direction, transaction: true });
      }
      return segments;
    },
    optOut: 'the Supabase CLI (2.109+) runs CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and VACUUM on their own; put anything else in a migration of its own',
    planFile: ({ base, n, step, body }) => ({ path: `${nextVersion(leadingVersion(base), n)}_${step.slug}.sql`, content: body }),
  },
});
