/**
 * tern: `<n>_<name>.sql` beside `tern.conf`, the down part after `---- create above / drop below ----`;
 * each part in one transaction unless it holds `---- tern: disable-tx ----`.
 */
import { defineTool, findUp, leadingVersion, lineMarkers, markerOf, nextVersion, Segment, stepNeedsNoTransaction } from './tool';

const SPLIT = '---- create above / drop below ----';
const DISABLE_TX = /^---- tern: disable-tx ----$/m;

export const tern = defineTool({
  id: 'tern',
  label: 'tern',
  docs: {
    detectedFrom: '`<n>_<name>.sql` with `tern.conf`; `---- create above / drop below ----`',
    transaction: 'one per migration part (up, down); with `---- tern: disable-tx ----` its statements run one by one, each on its own',
    optOut: '`---- tern: disable-tx ----` on a line of the part',
    sources: [
      'jackc/tern `migrate/migrate.go` (`migrationPattern` = `\\A(\\d+)_.+\\.sql\\z`; `LoadMigrations` splits on `---- create above / drop below ----`; `disableTxPattern` = `(?m)^---- tern: disable-tx ----$`; `MigrateTo` begins a transaction unless disabled; `doSQLMigration` splits the SQL into statements when there is none)',
    ],
  },
  sql: {
    detect(file) {
      if (file.text.includes(SPLIT) || DISABLE_TX.test(file.text)) return SPLIT;
      return /^\d+_.+\.sql$/.test(file.base) && findUp(file.probe, 'tern.conf') ? 'tern.conf' : undefined;
    },
    segments(file) {
      const split = lineMarkers(file.text, /^---- create above \/ drop below ----[^\n]*$/gm)[0];
      const up = split ? file.text.slice(0, split.start) : file.text;
      const segments: Segment[] = [{ start: 0, direction: 'up', transaction: !DISABLE_TX.test(up) }];
      if (split) segments.push({ start: split.start, direction: 'down', transaction: !DISABLE_TX.test(file.text.slice(split.end)), marker: markerOf(split) });
      return segments;
    },
    optOut: 'add a line ---- tern: disable-tx ---- to the migration part',
    optOutEdit: (segment) =>
      segment.marker
        ? { edit: { start: segment.marker.end, end: segment.marker.end, newText: '\n---- tern: disable-tx ----' }, note: 'with ---- tern: disable-tx ---- in the down part' }
        : { edit: { start: 0, end: 0, newText: '---- tern: disable-tx ----\n' }, note: 'with ---- tern: disable-tx ----' },
    planFile: ({ base, n, step, body }) => ({
      path: `${nextVersion(leadingVersion(base), n)}_${step.slug}.sql`,
      content: `${stepNeedsNoTransaction(step.sql) ? '---- tern: disable-tx ----\n' : ''}${body}`,
    }),
  },
});
