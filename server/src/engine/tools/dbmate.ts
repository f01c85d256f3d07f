/** dbmate: `-- migrate:up` and `-- migrate:down` sections, each in its own transaction unless `transaction:false`. */
import { defineTool, implicitTransaction, leadingVersion, lineMarkers, markerOf, nextVersion, Segment, statementsIn, stepNeedsNoTransaction } from './tool';

export const dbmate = defineTool({
  id: 'dbmate',
  label: 'dbmate',
  docs: {
    detectedFrom: '`-- migrate:up`, `-- migrate:down`',
    transaction: 'one per section; with `transaction:false` the section is one simple query (an implicit transaction when it has several statements)',
    optOut: '`transaction:false` on the `-- migrate:up` / `-- migrate:down` line',
    sources: [
      '`-- migrate:up transaction:false` (added in v1.5.0), amacneil/dbmate README and issue #285; `pkg/dbmate/migration.go` (`upRegExp` = `(?m)^--\\s*migrate:up(\\s*$|\\s+\\S+)`, `parseMigrationOptions`: whitespace-separated `key:value` pairs), `pkg/dbmate/db.go` (`Migrate`: `doTransaction` unless `transaction:false`, then `sqlDB.Exec(section)`: with lib/pq one simple query, so several statements share an implicit transaction)',
    ],
  },
  sql: {
    detect: (file) => (/^--\s*migrate:(up|down)(?=\s|$)/m.test(file.text) ? '-- migrate:up' : undefined),
    segments(file) {
      const segments: Segment[] = [{ start: 0, direction: file.direction, transaction: false }];
      const markers = lineMarkers(file.text, /^--\s*migrate:(up|down)(?=\s|$)[^\n]*$/gm);
      markers.forEach((m, i) => {
        // parseMigrationOptions: whitespace-separated key:value pairs; `transaction: false` is not one.
        const optedOut = m.text.replace(/^--\s*migrate:(up|down)/, '').trim().split(/\s+/).includes('transaction:false');
        // Without a transaction the section goes to PostgreSQL in one Exec (lib/pq: one simple query).
        const transaction = !optedOut || implicitTransaction(statementsIn(file, m.end, markers[i + 1]?.start));
        segments.push({ start: m.start, direction: m.match[1] === 'down' ? 'down' : 'up', transaction, marker: markerOf(m) });
      });
      return segments;
    },
    optOut: 'add transaction:false to the -- migrate:up line, with the statement alone in its section (a section of several statements is sent as one query: an implicit transaction)',
    optOutEdit: (segment) =>
      segment.marker && !/(^|\s)transaction:false(\s|$)/.test(segment.marker.text) ? { edit: { start: segment.marker.end, end: segment.marker.end, newText: ' transaction:false' }, note: `with transaction:false on the ${segment.direction} section` } : undefined,
    planFile: ({ base, n, step, body }) => ({
      path: `${nextVersion(leadingVersion(base), n)}_${step.slug}.sql`,
      content: `-- migrate:up${stepNeedsNoTransaction(step.sql) ? ' transaction:false' : ''}\n${body}\n-- migrate:down\n`,
    }),
  },
});
