/** goose: `-- +goose Up` / `-- +goose Down`, one transaction per migration unless `-- +goose NO TRANSACTION`. */
import { defineTool, leadingVersion, lineMarkers, markerOf, nextVersion, Segment, stepNeedsNoTransaction } from './tool';

/**
 * goose's annotations (internal/sqlparser/parser.go extractAnnotation): a line starting with `--`
 * (no leading blank) holding `+goose` and the annotation, compared case-insensitively.
 */
const ANNOTATION_UP_DOWN = /^--\s*\+goose\s+(up|down)\s*$/gim;

export const goose = defineTool({
  id: 'goose',
  label: 'goose',
  docs: {
    detectedFrom: '`-- +goose Up`, `-- +goose Down`',
    transaction: 'one per migration',
    optOut: '`-- +goose NO TRANSACTION`',
    sources: [
      'annotations `-- +goose NO TRANSACTION`, https://pressly.github.io/goose/blog/2022/overview-sql-file; pressly/goose `internal/sqlparser/parser.go` (`extractAnnotation`: Up, Down, StatementBegin, StatementEnd, NO TRANSACTION, ENVSUB ON/OFF, matched with `strings.EqualFold`; statements are sent one by one, in the migration\'s transaction unless NO TRANSACTION)',
    ],
  },
  sql: {
    detect: (file) => (new RegExp(ANNOTATION_UP_DOWN.source, 'im').test(file.text) ? '-- +goose Up' : undefined),
    segments(file) {
      const noTransaction = /^--\s*\+goose\s+NO TRANSACTION\s*$/im.test(file.text);
      const segments: Segment[] = [{ start: 0, direction: file.direction, transaction: false }];
      for (const m of lineMarkers(file.text, ANNOTATION_UP_DOWN)) {
        segments.push({ start: m.start, direction: m.match[1].toLowerCase() === 'down' ? 'down' : 'up', transaction: !noTransaction, marker: markerOf(m) });
      }
      return segments;
    },
    optOut: 'add -- +goose NO TRANSACTION at the top of the file',
    // At the top, after a byte-order mark if there is one.
    optOutEdit: (_segment, text) => {
      const top = text.charCodeAt(0) === 0xfeff ? 1 : 0;
      return { edit: { start: top, end: top, newText: '-- +goose NO TRANSACTION\n' }, note: 'with -- +goose NO TRANSACTION' };
    },
    planFile: ({ base, n, step, body }) => ({
      path: `${nextVersion(leadingVersion(base), n)}_${step.slug}.sql`,
      content: `${stepNeedsNoTransaction(step.sql) ? '-- +goose NO TRANSACTION\n' : ''}-- +goose Up\n${body}`,
    }),
  },
});
