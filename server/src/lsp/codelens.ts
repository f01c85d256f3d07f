/** CodeLens: the lock of each statement worth a glance, once the latest analysis is in. */

import { CodeLens } from 'vscode-languageserver/node';
import { lensTitle, withBodies } from '../engine/describe';

import { documentRange } from './diagnostics';
import type { ServerContext } from './context';

export function registerCodeLens(ctx: ServerContext): void {
  const { connection, documents, analyses, log, settingsFor, inProgress } = ctx;
  connection.onCodeLens(async (params, token): Promise<CodeLens[]> => {
    try {
      // The editor asks right after a change; the analysis of that change may still be running.
      await inProgress.get(params.textDocument.uri);
      // The editor cancels the request when the document changed again meanwhile: a newer one comes.
      if (token.isCancellationRequested) return [];
      const document = documents.get(params.textDocument.uri);
      const entry = analyses.get(params.textDocument.uri);
      if (!document || !entry || entry.version !== document.version) return [];
      if (!(await settingsFor(params.textDocument.uri)).codeLens) return [];
      const { analysis } = entry;
      return withBodies(analysis.facts).flatMap((s) => {
        const title = lensTitle(s);
        const line = documentRange(analysis, s.statement.start, s.statement.end).start.line;
        return title ? [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, command: { title, command: '' } }] : [];
      });
    } catch (e) {
      log('codeLens failed', e);
      return [];
    }
  });
}
