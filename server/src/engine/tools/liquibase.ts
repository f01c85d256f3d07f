/** Liquibase formatted SQL: each `--changeset` is its own transaction unless `runInTransaction:false`. */
import { defineTool, lineMarkers, markerOf, Segment, stepNeedsNoTransaction } from './tool';

export const liquibase = defineTool({
  id: 'liquibase',
  label: 'Liquibase formatted SQL',
  docs: {
    detectedFrom: '`--liquibase formatted sql`',
    transaction: 'one per changeset',
    optOut: '`runInTransaction:false` on the `--changeset` line',
    sources: ['changeset attribute `runInTransaction` (default true), https://docs.liquibase.com/concepts/changelogs/attributes/runintransaction.html'],
  },
  sql: {
    detect: (file) => (/^\s*--\s*liquibase formatted sql/i.test(file.text) ? '--liquibase formatted sql' : undefined),
    segments(file) {
      // Each changeset is its own transaction unless runInTransaction:false.
      const segments: Segment[] = [{ start: 0, direction: file.direction, transaction: false }];
      for (const m of lineMarkers(file.text, /^--\s*changeset\s+[^\n]*$/gim)) {
        segments.push({ start: m.start, direction: file.direction, transaction: !/runInTransaction:\s*false/i.test(m.text), marker: markerOf(m) });
      }
      return segments;
    },
    optOut: 'add runInTransaction:false to the --changeset line (a changeset of its own)',
    optOutEdit: (segment) =>
      segment.marker ? { edit: { start: segment.marker.end, end: segment.marker.end, newText: ' runInTransaction:false' }, note: 'with runInTransaction:false on the changeset' } : undefined,
    planFile: ({ base, n, step, body }) => ({
      path: `${base.replace(/\.sql$/, '')}.step${n}-${step.slug}.sql`,
      content: `--liquibase formatted sql\n\n--changeset migration-guard:${step.slug}-${n}${stepNeedsNoTransaction(step.sql) ? ' runInTransaction:false' : ''}\n${body}`,
    }),
  },
});
