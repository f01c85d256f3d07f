/**
 * The LSP adapter over the engine: diagnostics on open and change, hover with the statement's
 * locks, quick fixes carried in each diagnostic's `data` (STYLE.md §13). Settings are pulled per
 * document with workspace/configuration, cached per URI, evicted on close and dropped on change
 * (STYLE.md §14). Nothing throws across the LSP boundary: a failure is logged and the request
 * answers empty.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeAction,
  CodeActionKind,
  CodeLens,
  CodeLensRefreshRequest,
  Connection,
  CreateFile,
  createConnection,
  Diagnostic,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  Hover,
  Range,
  InitializeResult,
  MarkupKind,
  ProposedFeatures,
  TextDocuments,
  TextDocumentEdit,
  TextDocumentSyncKind,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver/node';
import { Analysis, analyzeSource, Finding, FindingFix, loadParser } from './engine/analyze';
import { describeRelation, describeStatement, factsAt, lensTitle, withBodies } from './engine/describe';
import { safeFixEdits } from './engine/fixall';
import { planFor, planReadsExtensions } from './engine/plan';
import { findRule } from './engine/rules';
import { planFiles } from './planfiles';
import { Token } from './engine/parse';
import { APPLIED, AppliedAnswer, CHECKLIST, IGNORE_REASON_PLACEHOLDER, PLAN, STATUS, StatusParams, TRACE, TRACE_WARNINGS } from './protocol';
import { fileCommentPlace } from './engine/context';
import { docsUrl } from './engine/docs';
import { Settings, Severity } from './engine/settings';
import { configFor, mergeSettings, ProjectConfig } from './config';
import { projectOptions, projectProbe } from './probe';
import { MigrationHistory } from './history';
import { buildChecklist, Checklist, ChecklistAnswers, checklistMarkdown, ChecklistInput, DatabaseEvidence, probeRequest } from './engine/checklist';
import { workloadHover } from './engine/impact';
import type { DatabaseTarget } from './database';
import type { TraceResult } from './trace';
import { TraceWorker } from './trace-client';
import { matchesAny } from './glob';

/** What a diagnostic carries for the code-action handler, so that it recomputes nothing. */
export interface DiagnosticData {
  fixes: FindingFix[];
  rule: string;
  /** Line of the statement's start, where an ignore comment goes. */
  statementLine?: number;
  /** Where the file-wide ignore comment goes (after a tool's header line), and the text before/after the comment. */
  fileIgnore?: { range: Range; before: string; after: string };
}


/** Changes to one document closer together than this are analysed once, at the latest version. */
const COALESCE_MS = 15;
/** ... but a document that keeps changing is still analysed this often. */
const COALESCE_MAX_MS = 250;

/** The editor's "fix all" kind for this extension: `editor.codeActionsOnSave: {"source.fixAll.migrationGuard": "explicit"}`. */
const FIX_ALL = `${CodeActionKind.SourceFixAll}.migrationGuard`;

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

const docsHref = new Map<string, string>();
/** The rule's page shipped beside the bundle (works offline), else the repository's copy. */
function docsLink(rule: string): string {
  let href = docsHref.get(rule);
  if (!href) {
    const local = path.join(__dirname, '..', 'docs', 'rules', `${rule}.md`);
    href = fs.existsSync(local) ? pathToFileURL(local).toString() : docsUrl(rule);
    docsHref.set(rule, href);
  }
  return href;
}

/** The document range of a span of the analysed SQL: itself, or the TypeScript it came from. */
function documentRange(analysis: Analysis, start: number, end: number): Range {
  if (!analysis.source) return analysis.lines.range(start, end);
  const mapped = analysis.source.toSource(start, end);
  return analysis.source.lines.range(mapped.start, mapped.end);
}

/** Where "Ignore ... for this file" inserts its comment: the same for every finding of an analysis. */
const fileIgnoreSpots = new WeakMap<Analysis, DiagnosticData['fileIgnore']>();
function fileIgnoreAt(analysis: Analysis): DiagnosticData['fileIgnore'] {
  let spot = fileIgnoreSpots.get(analysis);
  if (!spot) {
    const { offset, before, after } = fileCommentPlace(analysis.facts.parsed.text);
    spot = { range: analysis.lines.range(offset, offset), before, after };
    fileIgnoreSpots.set(analysis, spot);
  }
  return spot;
}

export function toDiagnostic(finding: Finding, analysis: Analysis): Diagnostic {
  const statement = finding.statement === undefined ? undefined : analysis.facts.parsed.statements[finding.statement];
  const data: DiagnosticData = {
    fixes: finding.fixes,
    rule: finding.rule,
    // Ignore comments are SQL comments: offered in SQL files only.
    statementLine: statement && !analysis.source ? analysis.lines.position(statement.start).line : undefined,
    fileIgnore: analysis.source ? undefined : fileIgnoreAt(analysis),
  };
  return {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    code: finding.rule,
    codeDescription: { href: docsLink(finding.rule) },
    source: 'migration-guard',
    message: finding.message,
    data,
  };
}

/** The relation name a token stands for, with its schema when the SQL qualifies it: `app.users`. */
function relationNameAt(tokens: Token[], i: number): string | undefined {
  const unquote = (t: Token) => (t.text.startsWith('"') ? t.text.slice(1, -1).replace(/""/g, '"') : t.text.toLowerCase());
  const t = tokens[i];
  if (t.name !== 'IDENT' && !t.keyword) return undefined;
  if (tokens[i + 1]?.text === '.' && tokens[i + 2]) return `${unquote(t)}.${unquote(tokens[i + 2])}`;
  if (tokens[i - 1]?.text === '.' && tokens[i - 2]) return `${unquote(tokens[i - 2])}.${unquote(t)}`;
  return unquote(t);
}

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): void {
  const documents = new TextDocuments(TextDocument);
  const history = new MigrationHistory(false, (file) => projectProbe(file));
  const settingsCache = new Map<string, Promise<Settings>>();
  const analyses = new Map<string, { version: number; analysis: Analysis }>();
  /** The database evidence of each document's last checklist run: the hover tells the workload a statement's locks block. */
  const lastEvidence = new Map<string, DatabaseEvidence>();
  let workspaceFolders: string[] = [];
  let pullConfiguration = false;
  let codeLensRefresh = false;
  /** The client applies workspace edits that create files (documentChanges with CreateFile). */
  let createFiles = false;
  let configurationChanges = false;
  let initialSettings: unknown;

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
        let editor: unknown = initialSettings;
        if (pullConfiguration) {
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
    const folder = workspaceFolders.find((f) => file.startsWith(`${f}/`));
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

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    await loadParser();
    pullConfiguration = params.capabilities.workspace?.configuration === true;
    codeLensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    const workspaceEdit = params.capabilities.workspace?.workspaceEdit;
    createFiles = workspaceEdit?.documentChanges === true && (workspaceEdit.resourceOperations ?? []).includes('create');
    configurationChanges = params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    initialSettings = (params.initializationOptions as { settings?: unknown } | undefined)?.settings;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    workspaceFolders = folders.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).split(path.sep).join('/').replace(/\/$/, ''));
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
    if (codeLensRefresh) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  };
  connection.onDidChangeConfiguration(refreshAll);
  // A client that pulls settings (workspace/configuration) sends no change notification unless the
  // server registers for one: VS Code then re-sends it whenever a migrationGuard.* setting changes.
  connection.onInitialized(() => {
    if (configurationChanges) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'migrationGuard' }).catch((e) => log('could not register for configuration changes', e));
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

  connection.onHover((params): Hover | null => {
    try {
      const document = documents.get(params.textDocument.uri);
      const entry = analyses.get(params.textDocument.uri);
      if (!document || !entry || entry.version !== document.version) return null;
      const { analysis } = entry;
      const offset = analysis.source ? analysis.source.toVirtual(analysis.source.lines.offset(params.position)) : analysis.lines.offset(params.position);
      if (offset === undefined) return null;
      // The last statement starting at or before the offset (binary search: files can be long).
      const all = analysis.facts.statements;
      let [lo, hi] = [0, all.length - 1];
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (all[mid].statement.start <= offset) lo = mid;
        else hi = mid - 1;
      }
      const outer = all[lo] && all[lo].statement.start <= offset && offset <= (all[lo].statement.terminatorEnd ?? all[lo].statement.end) ? all[lo] : undefined;
      if (!outer) return null;
      // Inside a DO block or a routine the migration calls: the statement of the body there.
      const facts = factsAt(analysis.facts, outer, offset);
      const tokens = facts.statement.tokens;
      const at = tokens.findIndex((t) => t.start <= offset && offset <= t.end);
      const name = at >= 0 ? relationNameAt(tokens, at) : undefined;
      const relation = name ? describeRelation(analysis.facts, name, analysis.lines) : undefined;
      if (relation && !analysis.source) {
        return { contents: { kind: MarkupKind.Markdown, value: relation }, range: analysis.lines.range(tokens[at].start, tokens[at].end) };
      }
      const evidence = lastEvidence.get(params.textDocument.uri);
      const workload = evidence ? workloadHover(facts, analysis.facts, evidence) : undefined;
      return {
        contents: { kind: MarkupKind.Markdown, value: [describeStatement(facts, analysis.lines, analysis.facts), workload].filter(Boolean).join('\n\n') },
        range: documentRange(analysis, facts.statement.start, facts.statement.end),
      };
    } catch (e) {
      log('hover failed', e);
      return null;
    }
  });

  // Lock traces run in a worker thread (PGlite is WebAssembly: seconds of CPU on a cold start),
  // started on the first trace and kept warm; diagnostics never wait for it.
  const tracer = new TraceWorker(path.join(__dirname, 'trace-worker.js'));
  connection.onShutdown(() => tracer.stop());

  async function traceOf(uri: string, database?: DatabaseTarget, schema?: string): Promise<TraceResult> {
    const document = documents.get(uri);
    if (!document || !uri.startsWith('file:')) throw new Error('Save the migration first: the trace replays the earlier migrations of its folder.');
    return tracer.run({ file: fileURLToPath(uri), text: document.getText(), settings: await settingsFor(uri), database, schema });
  }

  connection.onRequest(TRACE, async (params: { uri: string; database?: DatabaseTarget; schema?: string }): Promise<{ result?: TraceResult; error?: string }> => {
    try {
      if (params.schema && !fs.existsSync(params.schema)) return { error: `The schema file ${params.schema} (migrationGuard.trace.schemaFile) does not exist.` };
      return { result: await traceOf(params.uri, params.database, params.schema) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  });

  // The applied-migrations table of the document's tool on the configured database (the client
  // sends a target only in a trusted workspace): for the status bar and the warning on edit.
  connection.onRequest(APPLIED, async (params: { uri: string; database: DatabaseTarget }): Promise<AppliedAnswer> => {
    const document = documents.get(params.uri);
    const entry = analyses.get(params.uri);
    if (!document || !entry || !params.uri.startsWith('file:')) return { note: 'not a migration Migration Guard analyses' };
    const file = fileURLToPath(params.uri);
    try {
      // pg loads on the first database request: the server starts without it.
      const { readApplied } = require('./ci/applied') as typeof import('./ci/applied');
      const report = await readApplied(params.database, [{ path: file, text: document.getText(), framework: entry.analysis.facts.context.framework }]);
      const state = report.applied.get(path.resolve(file));
      return { where: report.where, ...(state ? { applied: { tool: state.tool, ...(state.at ? { at: state.at.toISOString() } : {}), ...(state.edited ? { edited: true } : {}) } } : { note: report.notes.join('; ') }) };
    } catch (e) {
      return { note: (e as Error).message };
    }
  });

  connection.onRequest(TRACE_WARNINGS, (params: { uri: string }): string[] => {
    const entry = analyses.get(params.uri);
    return entry ? (require('./trace') as typeof import('./trace')).traceWarnings(entry.analysis) : [];
  });

  // The production checklist: automatic items from the analysis, evidence from the database when
  // the client sends one (never in an untrusted workspace), and a trace's summary when asked.
  connection.onRequest(
    CHECKLIST,
    async (params: { uri: string; answers?: ChecklistAnswers; database?: DatabaseTarget; trace?: boolean }): Promise<{ checklist?: Checklist; markdown?: string; problems: string[] }> => {
      const problems: string[] = [];
      try {
        const document = documents.get(params.uri);
        const entry = analyses.get(params.uri);
        if (!document || !entry) return { problems: ['Not a migration Migration Guard analyses (see the migrationGuard.include setting).'] };
        const input: ChecklistInput = { answers: params.answers };
        const { analysis } = entry;
        if (params.database) {
          try {
            // pg loads on the first probe: the server starts without it.
            const { gatherEvidence } = (require('./database') as typeof import('./database'));
            input.database = await gatherEvidence(params.database, probeRequest(analysis));
            lastEvidence.set(params.uri, input.database);
          } catch (e) {
            lastEvidence.delete(params.uri);
            problems.push((e as Error).message);
          }
        }
        if (params.trace) {
          try {
            input.trace = (await traceOf(params.uri)).summary;
          } catch (e) {
            problems.push(`Trace failed: ${(e as Error).message}`);
          }
        }
        const file = params.uri.startsWith('file:') ? path.basename(fileURLToPath(params.uri)) : params.uri;
        const checklist = buildChecklist(file, analysis, input);
        return { checklist, markdown: checklistMarkdown(checklist, new Date().toISOString(), input), problems };
      } catch (e) {
        log('checklist failed', e);
        return { problems: [...problems, `Checklist failed: ${(e as Error).message}`] };
      }
    },
  );

  // Plan Safe Change: the expand-contract migrations for the statement on a line.
  connection.onRequest(PLAN, async (params: { uri: string; line: number; database?: DatabaseTarget }) => {
    try {
      const document = documents.get(params.uri);
      const entry = analyses.get(params.uri);
      if (!document || !entry) return null;
      const { analysis } = entry;
      if (analysis.source) return null;
      const { start, end } = analysis.lines.lineSpan(params.line);
      const index = analysis.facts.statements.findIndex((s) => s.statement.start < end && (s.statement.terminatorEnd ?? s.statement.end) >= start);
      const settings = await settingsFor(params.uri);
      // VACUUM FULL / CLUSTER: the configured database says whether pg_squeeze or pg_repack is installed (read-only).
      const probed = params.database && index >= 0 && planReadsExtensions(analysis.facts, index) ? await (require('./database') as typeof import('./database')).readExtensions(params.database) : undefined;
      const plan = index >= 0 ? planFor(analysis.facts, index, { batchSize: settings.planBatchSize, pause: settings.planPauseSeconds, lockTimeout: settings.lockTimeout, extensions: probed?.installed, available: probed?.available }) : undefined;
      if (!plan) return null;
      const file = params.uri.startsWith('file:') ? fileURLToPath(params.uri) : 'migration.sql';
      return { title: plan.title, framework: analysis.facts.context.framework, files: planFiles(file, analysis.facts.context.framework, plan) };
    } catch (e) {
      log('plan failed', e);
      return null;
    }
  });

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

  /**
   * A fix that creates files (a statement moved to a migration of its own) as one workspace edit:
   * each file created (never over an existing one) and filled, then the statement removed here,
   * so that one undo reverts it all. Disabled, with the reason, for a client that cannot create files.
   */
  function withNewFiles(uri: string, fix: FindingFix): { edit: WorkspaceEdit } | { disabled: { reason: string } } {
    const names = (fix.files ?? []).map((f) => f.path).join(', ');
    if (!createFiles || !uri.startsWith('file:')) {
      return { disabled: { reason: `this editor cannot create files from a code action (${names}): run migration-guard fix --unsafe --write on the file` } };
    }
    const document = documents.get(uri);
    const created = (fix.files ?? []).flatMap((f) => {
      const target = new URL(f.path, uri).toString();
      return [
        CreateFile.create(target, { overwrite: false, ignoreIfExists: false }),
        TextDocumentEdit.create({ uri: target, version: null }, [TextEdit.insert({ line: 0, character: 0 }, f.content)]),
      ];
    });
    const here = TextDocumentEdit.create({ uri, version: document?.version ?? null }, fix.edits.map((e) => TextEdit.replace(e.range, e.newText)));
    return { edit: { documentChanges: [...created, here] } };
  }

  connection.onCodeAction((params): CodeAction[] => {
    const actions: CodeAction[] = [];
    const uri = params.textDocument.uri;
    const only = params.context.only;
    if (only?.some((k) => FIX_ALL.startsWith(k) || k === CodeActionKind.SourceFixAll)) {
      // source.fixAll.migrationGuard: the safe fixes only (fixes that change how the migration
      // runs are offered one by one). Computed from the latest analysis of the document.
      const document = documents.get(uri);
      const entry = analyses.get(uri);
      if (!document || !entry || entry.version !== document.version) return [];
      const edits = safeFixEdits(document.getText(), entry.analysis.findings);
      return edits.length ? [{ title: 'Migration Guard: fix all safe problems', kind: FIX_ALL, edit: { changes: { [uri]: edits.map((e) => TextEdit.replace(e.range, e.newText)) } } }] : [];
    }
    for (const diagnostic of params.context.diagnostics) {
      const data = diagnostic.data as DiagnosticData | undefined;
      if (diagnostic.source !== 'migration-guard' || !data) continue;
      data.fixes.forEach((fix, i) => {
        // Unsafe fixes (they change how the migration runs) are never preferred nor part of fix-all.
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: i === 0 && fix.safety === 'safe' && !fix.disabled,
          ...(fix.disabled
            ? { disabled: { reason: fix.disabled } }
            : fix.files?.length
              ? withNewFiles(uri, fix)
              : { edit: { changes: { [uri]: fix.edits.map((e) => TextEdit.replace(e.range, e.newText)) } } }),
        });
      });
      if (data.statementLine !== undefined && findRule(data.rule)?.meta.plan) {
        actions.push({
          title: 'Plan the safe change as expand-contract migrations',
          kind: CodeActionKind.RefactorRewrite,
          diagnostics: [diagnostic],
          command: { title: 'Plan Safe Change', command: 'migrationGuard.planSafeChange', arguments: [uri, diagnostic.range.start.line] },
        });
      }
      if (data.statementLine !== undefined) {
        const at = { line: data.statementLine, character: 0 };
        actions.push({
          title: `Ignore ${data.rule} for this statement`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: { changes: { [uri]: [TextEdit.insert(at, `-- migration-guard-ignore ${data.rule} -- reason: ${IGNORE_REASON_PLACEHOLDER}\n`)] } },
        });
      }
      // An SQL comment: SQL files only, after the header line a tool needs first (Liquibase's).
      const spot = data.fileIgnore;
      if (spot) {
        actions.push({
          title: `Ignore ${data.rule} for this file`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: { changes: { [uri]: [TextEdit.insert(spot.range.start, `${spot.before}-- migration-guard-ignore-file ${data.rule} -- reason: ${IGNORE_REASON_PLACEHOLDER}${spot.after}`)] } },
        });
      }
    }
    return actions;
  });

  documents.listen(connection);
  connection.listen();
}
