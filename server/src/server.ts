/**
 * The LSP adapter over the engine: diagnostics on open and change, hover with the statement's
 * locks, quick fixes carried in each diagnostic's `data` (STYLE.md §13). Settings are pulled per
 * document with workspace/configuration, cached per URI, evicted on close and dropped on change
 * (STYLE.md §14). Nothing throws across the LSP boundary: a failure is logged and the request
 * answers empty.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeActionKind, CodeLensRefreshRequest, Connection, createConnection, DidChangeConfigurationNotification, InitializeResult, ProposedFeatures, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { loadParser } from './engine/analyze';
import { TraceWorker } from './trace-client';
import { createServerContext } from './lsp/context';
import { FIX_ALL } from './lsp/diagnostics';
import { registerHover } from './lsp/hover';
import { registerRequests } from './lsp/requests';
import { registerCodeLens } from './lsp/codelens';
import { registerCodeActions } from './lsp/actions';

export { toDiagnostic } from './lsp/diagnostics';
export type { DiagnosticData } from './lsp/diagnostics';

/** Wires the handlers (server/src/lsp/*) to a connection over one shared context. */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): void {
  const ctx = createServerContext(connection);
  const { documents, settingsCache, warned, validate, caps, log, inProgress, analyses, lastEvidence, publishedDiagnostics } = ctx;

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    await loadParser();
    caps.pullConfiguration = params.capabilities.workspace?.configuration === true;
    caps.codeLensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    const workspaceEdit = params.capabilities.workspace?.workspaceEdit;
    caps.createFiles = workspaceEdit?.documentChanges === true && (workspaceEdit.resourceOperations ?? []).includes('create');
    caps.configurationChanges = params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    caps.initialSettings = (params.initializationOptions as { settings?: unknown } | undefined)?.settings;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    caps.workspaceFolders = folders.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).split(path.sep).join('/').replace(/\/$/, ''));
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite, FIX_ALL] },
      },
      serverInfo: { name: 'migration-guard' },
    };
  });

  const refreshAll = () => {
    settingsCache.clear();
    warned.clear();
    for (const d of documents.all()) void validate(d);
    if (caps.codeLensRefresh) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  };
  connection.onDidChangeConfiguration(refreshAll);
  // A client that pulls settings (workspace/configuration) sends no change notification unless the
  // server registers for one: VS Code then re-sends it whenever a migrationGuard.* setting changes.
  connection.onInitialized(() => {
    if (caps.configurationChanges) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'migrationGuard' }).catch((e) => log('could not register for configuration changes', e));
  });
  // A migration-guard.json changed on disk (the client watches them).
  connection.onDidChangeWatchedFiles(refreshAll);

  documents.onDidChangeContent((change) => void validate(change.document));
  documents.onDidClose((event) => {
    settingsCache.delete(event.document.uri);
    inProgress.delete(event.document.uri);
    analyses.delete(event.document.uri);
    lastEvidence.delete(event.document.uri);
    publishedDiagnostics.delete(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });

  registerHover(ctx);

  // Lock traces run in a worker thread (PGlite is WebAssembly: seconds of CPU on a cold start),
  // started on the first trace and kept warm; diagnostics never wait for it.
  const tracer = new TraceWorker(path.join(__dirname, 'trace-worker.js'));
  connection.onShutdown(() => tracer.stop());
  registerRequests(ctx, tracer);
  registerCodeLens(ctx);
  registerCodeActions(ctx);

  documents.listen(connection);
  connection.listen();
}
