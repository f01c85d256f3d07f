/**
 * Atlas (`atlas migrate apply`): a migration directory with `atlas.sum`; each file in one
 * transaction (`--tx-mode file`, the default) unless its header says `-- atlas:txmode none`.
 */
import { defineTool, leadingVersion, nextVersion, Segment, stepNeedsNoTransaction, wholeFile } from './tool';

/**
 * The file's header: the comment lines at its top, counted only when a blank line separates them
 * from the statements (sql/migrate/dir.go, LocalFile.comments).
 */
function header(text: string): { start: number; end: number; text: string }[] {
  const lines: { start: number; end: number; text: string }[] = [];
  let at = 0;
  while (text.startsWith('--', at) || text.startsWith('#', at)) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return [...lines, { start: at, end: text.length, text: text.slice(at) }];
    lines.push({ start: at, end: nl, text: text.slice(at, nl).trim() });
    at = nl + 1;
  }
  const rest = text.slice(at);
  return rest === '' || /^[ \t]*\n/.test(rest) ? lines : [];
}

/** The `atlas:txmode` directive of the header, and where its value is. */
function txmode(text: string): { value: string; start: number; end: number } | undefined {
  for (const line of header(text)) {
    const m = /^([ -~]*)atlas:txmode(?: +(\S+))?/.exec(line.text);
    if (m) {
      const value = m[2] ?? '';
      const start = line.start + text.slice(line.start, line.end).indexOf(value, m[1].length + 'atlas:txmode'.length);
      return { value, start, end: start + value.length };
    }
  }
  return undefined;
}

export const atlas = defineTool({
  id: 'atlas',
  label: 'Atlas',
  docs: {
    detectedFrom: '`atlas.sum` in the migration directory',
    transaction: 'one per file (`--tx-mode file`, the default; `all`: every pending file in one); statements are sent one by one',
    optOut: '`-- atlas:txmode none` in the file header (comment lines at the top, then a blank line); `atlas migrate hash` afterwards',
    sources: [
      'ariga/atlas `cmd/atlas/internal/cmdapi/migrate.go` (`--tx-mode` default `file`; `txmodeFor`: a file directive `none` or `file`, `all` refused in a file; `tx.driverFor` opens a transaction per file in file mode), `sql/migrate/dir.go` (`reDirective`, `LocalFile.comments`: the header must be followed by a blank line), https://atlasgo.io/versioned/apply#transaction-configuration',
    ],
  },
  sql: {
    detect: (file) => (file.probe.exists('atlas.sum') ? 'atlas.sum' : undefined),
    segments(file): Segment[] {
      const mode = txmode(file.text)?.value;
      return wholeFile(file, mode !== 'none');
    },
    optOut: 'add -- atlas:txmode none to the file header (then a blank line), and run atlas migrate hash',
    optOutEdit(_segment, text) {
      const note = 'with -- atlas:txmode none in the file header (run atlas migrate hash afterwards)';
      const mode = txmode(text);
      if (mode) return { edit: { start: mode.start, end: mode.end, newText: 'none' }, note };
      return { edit: { start: 0, end: 0, newText: header(text).length ? '-- atlas:txmode none\n' : '-- atlas:txmode none\n\n' }, note };
    },
    planFile: ({ base, n, step, body }) => ({ path: `${nextVersion(leadingVersion(base), n)}_${step.slug}.sql`, content: stepNeedsNoTransaction(step.sql) ? `-- atlas:txmode none\n\n${body}` : body }),
  },
});
