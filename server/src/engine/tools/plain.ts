/** Plain SQL, run as `psql -f` runs it: statement by statement, each committing on its own. */
import { defineTool, wholeFile } from './tool';

export const plain = defineTool({
  id: 'plain',
  label: 'plain SQL (`psql -f`)',
  docs: {
    detectedFrom: 'nothing else matched',
    transaction: 'none: each statement commits on its own (unless the file says BEGIN, or `assumeInTransaction`)',
    optOut: '—',
    sources: [],
  },
  sql: {
    segments: (file) => wholeFile(file, file.settings.assumeInTransaction),
    optOut: 'run the statement on its own, outside the transaction',
  },
});
