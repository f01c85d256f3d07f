/** goose: `-- +goose Up` / `-- +goose Down`, one transaction per migration unless `-- +goose NO TRANSACTION`. */
import { defineTool, leadingVersion, lineMarkers, markerOf, nextVersion, Segment, stepNeedsNoTransaction } from './tool';

export const goose = defineTool({
  id: 'goose',
  label: 'goose',
  docs: {
    detectedFrom: '`-- +goose Up`, `-- +goose Down`',
    transaction: 'one per migration',
    optOut: '`-- +goose NO TRANSACTION`',
    sources: ['annotations `-- +goose NO TRANSACTION`, https://pressly.github.io/goose/blog/2022/overview-sql-file'],
  },
  sql: {
    detect: (file) => (/^--\s*\+goose (Up|Down)\b/m.test(file.text) ? '-- +goose Up' : undefined),
    segments(file) {
      const noTransaction = /^--\s*\+goose NO TRANSACTION\b/m.test(file.text);
      const segments: Segment[] = [{ start: 0, direction: file.direction, transaction: false }];
      for (const m of lineMarkers(file.text, /^--\s*\+goose (Up|Down)\b[^\n]*$/gm)) {
        segments.push({ start: m.start, direction: m.match[1].toLowerCase() === 'down' ? 'down' : 'up', transaction: !noTransaction, marker: markerOf(m) });
      }
      return segments;
    },
    optOut: 'add -- +goose NO TRANSACTION at the top of the file',
    optOutEdit: () => ({ edit: { start: 0, end: 0, newText: '-- +goose NO TRANSACTION\n' }, note: 'with -- +goose NO TRANSACTION' }),
    planFile: ({ base, n, step, body }) => ({
      path: `${nextVersion(leadingVersion(base), n)}_${step.slug}.sql`,
      content: `${stepNeedsNoTransaction(step.sql) ? '-- +goose NO TRANSACTION\n' : ''}-- +goose Up\n${body}`,
    }),
  },
});
