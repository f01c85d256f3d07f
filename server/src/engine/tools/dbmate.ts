/** dbmate: `-- migrate:up` and `-- migrate:down` sections, each in its own transaction unless `transaction:false`. */
import { defineTool, leadingVersion, lineMarkers, markerOf, nextVersion, Segment, stepNeedsNoTransaction } from './tool';

export const dbmate = defineTool({
  id: 'dbmate',
  label: 'dbmate',
  docs: {
    detectedFrom: '`-- migrate:up`, `-- migrate:down`',
    transaction: 'one per section',
    optOut: '`transaction:false` on the `-- migrate:up` / `-- migrate:down` line',
    sources: ['`-- migrate:up transaction:false` (added in v1.5.0), amacneil/dbmate README and issue #285.'],
  },
  sql: {
    detect: (file) => (/^--\s*migrate:(up|down)\b/m.test(file.text) ? '-- migrate:up' : undefined),
    segments(file) {
      const segments: Segment[] = [{ start: 0, direction: file.direction, transaction: false }];
      for (const m of lineMarkers(file.text, /^--\s*migrate:(up|down)\b[^\n]*$/gm)) {
        segments.push({ start: m.start, direction: m.match[1].toLowerCase() === 'down' ? 'down' : 'up', transaction: !/transaction:\s*false/.test(m.text), marker: markerOf(m) });
      }
      return segments;
    },
    optOut: 'add transaction:false to the -- migrate:up line',
    optOutEdit: (segment) =>
      segment.marker ? { edit: { start: segment.marker.end, end: segment.marker.end, newText: ' transaction:false' }, note: `with transaction:false on the ${segment.direction} section` } : undefined,
    planFile: ({ base, n, step, body }) => ({
      path: `${nextVersion(leadingVersion(base), n)}_${step.slug}.sql`,
      content: `-- migrate:up${stepNeedsNoTransaction(step.sql) ? ' transaction:false' : ''}\n${body}\n-- migrate:down\n`,
    }),
  },
});
