/**
 * yoyo-migrations: `.sql` files beside `yoyo.ini` (rollback in `<name>.rollback.sql`); each
 * migration in one transaction unless its leading comments say `-- transactional: false`.
 */
import { defineTool, findUp, wholeFile } from './tool';

/** The directives of the leading comment lines (yoyo/migrations.py parse_metadata_from_sql_comments). */
function directives(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r\n|\r|\n/)) {
    const m = /^\s*--\s*(transactional|depends)\s*:\s*(.*)$/.exec(line);
    if (m) out.set(m[1], out.has(m[1]) ? `${out.get(m[1])} ${m[2]}` : m[2]);
    else if (!/^(\s*|\s*--.*)$/.test(line)) break;
  }
  return out;
}

export const yoyo = defineTool({
  id: 'yoyo',
  label: 'yoyo-migrations',
  docs: {
    detectedFrom: '`yoyo.ini`; a `-- depends:` directive in the leading comments',
    transaction: 'one per migration; with `-- transactional: false` each statement runs on its own (autocommit)',
    optOut: '`-- transactional: false` in the leading comments',
    sources: [
      'yoyo `yoyo/migrations.py` (`parse_metadata_from_sql_comments`: the `transactional` and `depends` directives of the leading comment lines; `read_sql_migration` splits the file with sqlparse, one step per statement; `Migration.process_steps`: `backend.transaction()` or `backend.disable_transactions()`; `<name>.rollback.sql` holds the rollback steps), read in the mirror Rolleander/yoyo_mirror (source: https://sr.ht/~olly/yoyo); https://ollycope.com/software/yoyo/latest/',
    ],
  },
  sql: {
    detect(file) {
      if (!file.base.endsWith('.sql')) return undefined;
      if (findUp(file.probe, 'yoyo.ini')) return 'yoyo.ini';
      return directives(file.text).has('depends') ? '-- depends:' : undefined;
    },
    segments: (file) => wholeFile(file, directives(file.text).get('transactional')?.trim().toLowerCase() !== 'false'),
    optOut: 'add -- transactional: false to the leading comments of the migration',
    optOutEdit: () => ({ edit: { start: 0, end: 0, newText: '-- transactional: false\n' }, note: 'with -- transactional: false' }),
    direction: (file) => (/\.rollback\.sql$/.test(file.base) ? 'down' : undefined),
  },
});
