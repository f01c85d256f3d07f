/**
 * Graphile Migrate: `migrations/committed/<NNNNNN>[-message].sql` (with `--! Previous:` /
 * `--! Hash:` headers) and `migrations/current.sql`; each in one transaction unless its body
 * starts with `--! no-transaction`.
 */
import { defineTool, findUp, oneSimpleQuery, wholeFile } from './tool';

/** Where the body starts: after the `--! Header: value` lines and the blank line that ends them. */
function bodyStart(text: string): number {
  let at = 0;
  let headers = 0;
  while (/^--! [A-Z][a-zA-Z0-9_]*(:.*)?$/.test(text.slice(at, text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at)))) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
    headers++;
  }
  return headers && text[at] === '\n' ? at + 1 : at;
}

/** src/header.ts isNoTransactionDefined: the body's first line. */
const noTransaction = (text: string) => /^--!\s*no-transaction\b/.test(text.slice(bodyStart(text)).split('\n')[0]);

export const graphileMigrate = defineTool({
  id: 'graphile-migrate',
  label: 'Graphile Migrate',
  docs: {
    detectedFrom: '`migrations/committed/*.sql`, `migrations/current.sql` with `.gmrc`',
    transaction: 'one per migration; with `--! no-transaction` the body is one query (an implicit transaction when it has several statements)',
    optOut: '`--! no-transaction` as the first line of the body (in `current.sql`, before committing: a committed migration is hashed), with the statement alone',
    sources: [
      'graphile/migrate `src/header.ts` (`isNoTransactionDefined`: `/^--!\\s*no-transaction\\b/` on the first line), `src/migration.ts` (`runStringMigration`: `begin` ... `commit` unless no-transaction, the body sent with one `pgClient.query`; `parseMigrationText`: headers then a blank line), README "**IMPORTANT**: `pg` always runs multi-statement queries in a pseudo-transaction, so `--! no-transaction` migrations must contain exactly one statement."',
    ],
  },
  sql: {
    detect(file) {
      if (/(^|\/)committed\/\d+(-[^/]*)?\.sql$/.test(file.path) && (/^--! (Previous|Hash):/m.test(file.text) || findUp(file.probe, '.gmrc'))) return 'migrations/committed/';
      return file.base === 'current.sql' && findUp(file.probe, '.gmrc') ? '.gmrc' : undefined;
    },
    segments: (file) => (noTransaction(file.text) ? oneSimpleQuery(file) : wholeFile(file, true)),
    optOut: 'start the migration body with --! no-transaction (in current.sql, before it is committed), with the statement alone: several statements still share an implicit transaction',
    optOutEdit(_segment, text) {
      // A committed migration carries the hash of its text: it is not edited in place.
      if (/^--! Hash:/m.test(text)) return undefined;
      const at = bodyStart(text);
      return { edit: { start: at, end: at, newText: '--! no-transaction\n' }, note: 'with --! no-transaction' };
    },
  },
});
