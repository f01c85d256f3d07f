/**
 * The language server's state and what every handler shares: the open documents, their latest
 * analyses, settings per document, the client's capabilities, and how a document is analysed and
 * its diagnostics published (coalesced changes, stale analyses dropped, diagnostics sent only when
 * they changed). The handlers (hover, codelens, actions, requests) read it; server.ts wires them.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Connection, Diagnostic, TextDocuments } from 'vscode-languageserver/node';
import { Analysis, analyzeSource } from '../engine/analyze';
import { STATUS, StatusParams } from '../protocol';
import { Settings } from '../engine/settings';
import { configFor, mergeSettings, ProjectConfig } from '../config';
import { projectOptions, projectProbe } from '../probe';
import { MigrationHistory } from '../history';
import { DatabaseEvidence } from '../engine/checklist';
import { matchesAny } from '../glob';
import { toDiagnostic } from './diagnostics';

/** Changes to one document closer together than this are analysed once, at the latest version. */
const COALESCE_MS = 15;
/** ... but a document that keeps changing is still analysed this often. */
const COALESCE_MAX_MS = 250;

/** What the client said it can do (initialize), and the settings it sent with it. */
export interface Capabilities {
  workspaceFolders: string[];
  pullConfiguration: boolean;
  codeLensRefresh: boolean;
  /** The client applies workspace edits that create files (documentChanges with CreateFile). */
  createFiles: boolean;
  configurationChanges: boolean;
  initialSettings: unknown;
}

export type ServerContext = ReturnType<typeof createServerContext>;

export function createServerContext(connection: Connection) {
  const documents = new TextDocuments(TextDocument);
  const history = new MigrationHistory(false, (file) => projectProbe(file));
  const settingsCache = new Map<string, Promise<Settings>>();
  const analyses = new Map<string, { version: number; analysis: Analysis }>();
  /** The database evidence of each document's last checklist run: the hover tells the workload a statement's locks block. */
  const lastEvidence = new Map<string, DatabaseEvidence>();
  /** What the client said it can do, set on initialize. */
  const caps: Capabilities = { workspaceFolders: [], pullConfiguration: false, codeLensRefresh: false, createFiles: false, configurationChanges: false, initialSettings: undefined };

  const log = (message: string, e?: unknown) => connection.console.error(`${message}${e ? `: ${(e as Error).stack ?? e}` : ''}`);

  const warned = new Set<string>();
  /** Says a configuration problem once, where the user sees it. */
  function warn(message: string): void {
    if (warned.has(message)) return;
    warned.add(message);
    connection.console.warn(message);
    void connection.window.showWarningMessage(`Migration Guard: ${message}`);
  }

  /**
   * The project file (nearest migration-guard.json above the document), then the editor's own
   * settings on top: the extension sends only the values the user set (see client/src/extension.ts).
   */
  function settingsFor(uri: string): Promise<Settings> {
    let cached = settingsCache.get(uri);
    if (!cached) {
      cached = (async () => {
        let editor: unknown = caps.initialSettings;
        if (caps.pullConfiguration) {
          try {
            editor = await connection.workspace.getConfiguration({ scopeUri: uri, section: 'migrationGuard' });
          } catch (e) {
            log('could not read settings', e);
          }
        }
        let project: ProjectConfig = { raw: {} };
        if (uri.startsWith('file:')) {
          try {
            project = configFor(fileURLToPath(uri));
          } catch (e) {
            warn((e as Error).message);
          }
        }
        const overrides = editor && typeof editor === 'object' ? (editor as Record<string, unknown>) : {};
        const { settings, problems } = mergeSettings(project.raw, overrides);
        for (const p of problems) warn(`migrationGuard settings: ${p}`);
        configBase.set(uri, project.file ? path.dirname(project.file).split(path.sep).join('/') : undefined);
        return settings;
      })();
      settingsCache.set(uri, cached);
    }
    return cached;
  }
  const configBase = new Map<string, string | undefined>();

  /** Is the document a migration by the `include` globs? Relative to its workspace folder, else its full path. */
  function isMigration(uri: string, settings: Settings): boolean {
    if (!uri.startsWith('file:')) return true;
    const file = fileURLToPath(uri).split(path.sep).join('/');
    const folder = caps.workspaceFolders.find((f) => file.startsWith(`${f}/`));
    const relative = folder ? file.slice(folder.length + 1) : file.replace(/^\/+/, '');
    const base = configBase.get(uri);
    const fromConfig = base && file.startsWith(`${base}/`) ? file.slice(base.length + 1) : undefined;
    if (matchesAny(relative, settings.exclude) || (fromConfig !== undefined && matchesAny(fromConfig, settings.exclude))) return false;
    return matchesAny(relative, settings.include);
  }

  /** Per document, the analysis in progress: CodeLens waits for it rather than answer from an old one. */
  const inProgress = new Map<string, Promise<void>>();
  /** Per document, an analysis scheduled and not started yet: its timer, its promise, when it was first asked for. */
  const scheduled = new Map<string, { timer: NodeJS.Timeout; done: Promise<void>; start: () => void; since: number }>();
  /**
   * Analyses a document once the changes that arrive together have all been read, at its latest
   * version: while someone types (and while an earlier analysis ran) the changes queue up in the
   * connection, which hands them over one per turn of the event loop, so the analysis waits until
   * none has come for COALESCE_MS (never longer than COALESCE_MAX_MS after the first). Analyses
   * then never queue up behind the keystrokes.
   */
  function validate(document: TextDocument): Promise<void> {
    const uri = document.uri;
    const pending = scheduled.get(uri);
    const now = Date.now();
    if (pending) {
      clearTimeout(pending.timer);
      pending.timer = setTimeout(pending.start, now - pending.since > COALESCE_MAX_MS ? 0 : COALESCE_MS);
      return pending.done;
    }
    let start!: () => void;
    const done = new Promise<void>((resolve) => {
      start = () => {
        scheduled.delete(uri);
        const latest = documents.get(uri);
        // Closed meanwhile: nothing to analyse, nothing to publish.
        if (!latest) return resolve();
        void analyzeDocument(latest).finally(resolve);
      };
    });
    scheduled.set(uri, { timer: setTimeout(start, COALESCE_MS), done, start, since: now });
    inProgress.set(uri, done);
    return done;
  }

  /** Per document, the diagnostics last published (as JSON): the same ones are not sent again. */
  const publishedDiagnostics = new Map<string, string>();
  /** Publishes the diagnostics of a version when they differ from the last published, then says the version is analysed. */
  async function publish(document: TextDocument, diagnostics: Diagnostic[], status: Omit<StatusParams, 'uri' | 'version'>): Promise<void> {
    const json = JSON.stringify(diagnostics);
    if (publishedDiagnostics.get(document.uri) !== json) {
      publishedDiagnostics.set(document.uri, json);
      await connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
    }
    await connection.sendNotification(STATUS, { uri: document.uri, version: document.version, ...status } satisfies StatusParams);
  }

  async function analyzeDocument(document: TextDocument): Promise<void> {
    try {
      const settings = await settingsFor(document.uri);
      // A newer version arrived while the settings were pulled: its own analysis is scheduled.
      if (documents.get(document.uri)?.version !== document.version) return;
      if (!isMigration(document.uri, settings)) {
        analyses.delete(document.uri);
        await publish(document, [], { migration: false });
        return;
      }
      const text = document.getText();
      const file = document.uri.startsWith('file:') ? fileURLToPath(document.uri) : undefined;
      const analysis = analyzeSource(text, {
        settings,
        prior: file ? history.priorCatalog(file, settings) : undefined,
        ...(file ? projectOptions(file) : {}),
        // The last analysis of this document: facts are derived again from the edited statement on.
        previous: analyses.get(document.uri)?.analysis,
      });
      // The analysis ran without a turn of the event loop: changes sent meanwhile wait unread in
      // the connection. One turn lets them in; when a newer version arrived, this analysis is
      // stale and is not published (the newer one's is scheduled), but it is the nearest text to
      // the newer one, and that analysis starts from it (hover and the other requests check the
      // version they answer for).
      await new Promise((resolve) => setImmediate(resolve));
      if (documents.get(document.uri)?.version !== document.version) {
        if (analysis && documents.get(document.uri)) analyses.set(document.uri, { version: document.version, analysis });
        return;
      }
      if (!analysis) {
        // A TypeScript / JavaScript file that is no migration of a known tool.
        analyses.delete(document.uri);
        await publish(document, [], { migration: false });
        return;
      }
      analyses.set(document.uri, { version: document.version, analysis });
      // For the status bar: which tool runs the file, and whether in a transaction.
      const { framework, evidence, segments } = analysis.facts.context;
      await publish(
        document,
        analysis.findings.map((f) => toDiagnostic(f, analysis)),
        { migration: true, framework, evidence, transaction: segments.some((g) => g.transaction) },
      );
    } catch (e) {
      log(`analysis of ${document.uri} failed`, e);
    }
  }

  return { connection, documents, history, settingsCache, analyses, lastEvidence, caps, log, warned, warn, settingsFor, configBase, isMigration, inProgress, scheduled, validate, publishedDiagnostics, publish, analyzeDocument };
}
