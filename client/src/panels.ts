/**
 * The checklist and trace panels (webviews). The server computes everything; a panel renders it,
 * keeps the user's answers for the migration (workspace state), and writes the Markdown report
 * beside the migration for the pull request.
 */
import * as path from 'node:path';
import { CHECKLIST, TRACE, TRACE_WARNINGS } from '../../server/src/protocol';
import { ExtensionContext, Uri, ViewColumn, WebviewPanel, window, workspace } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { databaseTarget } from './database';

interface ChecklistItem {
  id: string;
  title: string;
  state: 'passed' | 'failed' | 'needs-you' | 'not-checked';
  evidence: string[];
  fix: string;
  manual: boolean;
}

interface Answers {
  stagingTested?: boolean;
  backupsVerified?: boolean;
  offPeakWindow?: string;
  monitoringOpen?: boolean;
}

interface TraceStatement {
  line: number;
  sql: string;
  status: 'ran' | 'error' | 'not-run';
  note?: string;
  durationMs?: number;
  observed: { relation: string; mode: string }[];
  newStorage: string[];
  predicted: { locks: { relation: string; mode: string }[]; rewrites: string[] };
  differences: string[];
}

interface TraceResult {
  target: string;
  version: string;
  setup: { files: string[]; errors: string[] };
  statements: TraceStatement[];
  summary: { statements: number; errors: number; differences: number; verified: number; notVerified: number; durationMs: number };
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const MARK = { passed: 'passed', failed: 'FAILED', 'needs-you': 'needs you', 'not-checked': 'not checked' };
const ANSWER_OF: Record<string, keyof Answers> = { 'staging-mirror': 'stagingTested', backups: 'backupsVerified', monitoring: 'monitoringOpen' };

function page(title: string, body: string, nonce: string, cspSource: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';">
<title>${escape(title)}</title>
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1em; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid var(--vscode-panel-border); padding: 4px 8px; vertical-align: top; text-align: left; }
pre { white-space: pre-wrap; margin: 0; font-family: var(--vscode-editor-font-family); }
.failed { color: var(--vscode-errorForeground); } .passed { color: var(--vscode-testing-iconPassed, green); }
.differs { color: var(--vscode-editorWarning-foreground); }
button { margin: 0.5em 0.5em 0.5em 0; }
</style></head><body>${body}</body></html>`;
}

const nonce = () => Array.from({ length: 24 }, () => Math.floor(Math.random() * 36).toString(36)).join('');

/** Migration Guard: Run Production Checklist. */
export class ChecklistPanel {
  private static readonly panels = new Map<string, ChecklistPanel>();
  private readonly panel: WebviewPanel;
  private markdown = '';

  /** Opens (or reveals) the panel; resolves with the item counts shown, for scripts and tests. */
  static async show(context: ExtensionContext, client: LanguageClient, uri: Uri): Promise<Record<string, number> | undefined> {
    const key = uri.toString();
    let panel = ChecklistPanel.panels.get(key);
    if (panel) panel.panel.reveal();
    else {
      panel = new ChecklistPanel(context, client, uri);
      ChecklistPanel.panels.set(key, panel);
    }
    return panel.refresh(false);
  }

  private constructor(
    private readonly context: ExtensionContext,
    private readonly client: LanguageClient,
    private readonly uri: Uri,
  ) {
    this.panel = window.createWebviewPanel('migrationGuard.checklist', `Checklist: ${migrationLabel(uri)}`, ViewColumn.Beside, { enableScripts: true });
    this.panel.onDidDispose(() => ChecklistPanel.panels.delete(uri.toString()));
    this.panel.webview.onDidReceiveMessage(async (m: { type: string; id?: string; value?: unknown }) => {
      if (m.type === 'answer' && m.id) {
        const answers = this.answers();
        if (m.id === 'off-peak') answers.offPeakWindow = String(m.value ?? '').trim() || undefined;
        else answers[ANSWER_OF[m.id] as 'stagingTested'] = Boolean(m.value);
        await this.context.workspaceState.update(this.stateKey, answers);
        await this.refresh(false);
      } else if (m.type === 'recheck') await this.refresh(false);
      else if (m.type === 'trace') await this.refresh(true);
      else if (m.type === 'save') await this.save();
    });
  }

  private get stateKey(): string {
    return `migrationGuard.checklist:${this.uri.toString()}`;
  }

  private answers(): Answers {
    return { ...(this.context.workspaceState.get<Answers>(this.stateKey) ?? {}) };
  }

  async refresh(trace: boolean): Promise<Record<string, number> | undefined> {
    const database = await databaseTarget(this.context);
    this.panel.webview.html = page('Checklist', `<p>Checking${database ? ` against ${escape(database.where)}` : ''}${trace ? ', tracing locks on PGlite' : ''}…</p>`, nonce(), this.panel.webview.cspSource);
    const reply = await this.client.sendRequest<{ checklist?: { file: string; items: ChecklistItem[]; counts: Record<string, number> }; markdown?: string; problems: string[] }>(CHECKLIST, {
      uri: this.uri.toString(),
      answers: this.answers(),
      database: database?.target,
      trace,
    });
    this.markdown = reply.markdown ?? '';
    this.render(reply.checklist, reply.problems, database?.where);
    return reply.checklist?.counts;
  }

  private render(checklist: { file: string; items: ChecklistItem[]; counts: Record<string, number> } | undefined, problems: string[], where: string | undefined): void {
    const n = nonce();
    const answers = this.answers();
    const trusted = workspace.isTrusted;
    const rows = (checklist?.items ?? [])
      .map((item) => {
        let control = '';
        if (item.id === 'off-peak') control = `<input data-id="off-peak" type="text" placeholder="planned window" value="${escape(answers.offPeakWindow ?? '')}">`;
        else if (ANSWER_OF[item.id]) control = `<label><input data-id="${item.id}" type="checkbox" ${answers[ANSWER_OF[item.id]] ? 'checked' : ''}> done</label>`;
        return `<tr data-item="${item.id}"><td class="${item.state}">${MARK[item.state]}</td><td><b>${escape(item.title)}</b>${item.manual ? ' (manual)' : ''}<br>${control}</td><td><pre>${escape(item.evidence.join('\n'))}</pre><a href="${escape(item.fix.split(' ')[0])}">how</a></td></tr>`;
      })
      .join('');
    const c = checklist?.counts ?? {};
    const body = `<h2>Production checklist: ${escape(checklist?.file ?? path.basename(this.uri.fsPath))}</h2>
<p id="summary">${c.passed ?? 0} passed, ${c.failed ?? 0} failed, ${c['needs-you'] ?? 0} need you, ${c['not-checked'] ?? 0} not checked.
${where ? `Evidence from ${escape(where)}.` : trusted ? 'No database connected (Migration Guard: Configure Database Connection).' : 'Restricted mode: database features are off.'}</p>
${problems.map((p) => `<p class="failed">${escape(p)}</p>`).join('')}
<button id="recheck">Re-check</button>${trusted ? '<button id="trace">Trace locks on PGlite</button>' : ''}<button id="save">Save report beside the migration</button>
<table><thead><tr><th>State</th><th>Item</th><th>Evidence</th></tr></thead><tbody>${rows}</tbody></table>
<script nonce="${n}">
const vscode = acquireVsCodeApi();
for (const el of document.querySelectorAll('input[data-id]')) el.addEventListener('change', () => vscode.postMessage({ type: 'answer', id: el.dataset.id, value: el.type === 'checkbox' ? el.checked : el.value }));
for (const id of ['recheck', 'trace', 'save']) document.getElementById(id)?.addEventListener('click', () => vscode.postMessage({ type: id }));
</script>`;
    this.panel.webview.html = page('Checklist', body, n, this.panel.webview.cspSource);
  }

  private async save(): Promise<void> {
    const target = Uri.file(this.uri.fsPath.replace(/\.(sql|ts|js|mjs|cjs|mts|cts)$/, '') + '.checklist.md');
    await workspace.fs.writeFile(target, new TextEncoder().encode(this.markdown));
    void window.showInformationMessage(`Migration Guard: checklist saved to ${workspace.asRelativePath(target)}.`);
  }
}

/** Migration Guard: Trace Locks. */
export async function showTrace(context: ExtensionContext, client: LanguageClient, uri: Uri): Promise<void> {
  if (!workspace.isTrusted) {
    void window.showWarningMessage('Migration Guard: lock traces are off in an untrusted workspace.');
    return;
  }
  let database = await databaseTarget(context);
  if (database) {
    const onDatabase = `Run on ${database.where}`;
    const warnings = await client.sendRequest<string[]>(TRACE_WARNINGS, { uri: uri.toString() }).catch(() => [] as string[]);
    const choice = await window.showWarningMessage(
      `Trace ${migrationLabel(uri)} on ${database.where}? It runs inside BEGIN ... ROLLBACK with a low lock_timeout and statement_timeout; statements that cannot run in a transaction, and the migration's own transaction control, are not run.`,
      { modal: true, detail: warnings.length ? `Not undone by the rollback:\n${warnings.join('\n')}` : undefined },
      onDatabase,
      'Use embedded PGlite',
    );
    if (!choice) return;
    if (choice !== onDatabase) database = undefined;
  }
  const panel = window.createWebviewPanel('migrationGuard.trace', `Lock trace: ${migrationLabel(uri)}`, ViewColumn.Beside, { enableScripts: false });
  panel.webview.html = page('Lock trace', `<p>Tracing on ${database ? escape(database.where) : 'embedded PGlite (the first trace starts it: a few seconds)'}…</p>`, nonce(), panel.webview.cspSource);
  // A schema dump to run first, from migrationGuard.trace.schemaFile (relative to the workspace folder).
  const schemaSetting = workspace.getConfiguration('migrationGuard.trace', uri).get<string>('schemaFile')?.trim();
  const folder = workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  const schema = schemaSetting ? (path.isAbsolute(schemaSetting) || !folder ? schemaSetting : path.join(folder, schemaSetting)) : undefined;
  const { result, error } = await client.sendRequest<{ result?: TraceResult; error?: string }>(TRACE, { uri: uri.toString(), database: database?.target, schema });
  if (!result) {
    panel.webview.html = page('Lock trace', `<p class="failed">Trace failed: ${escape(error ?? 'no result')}</p>`, nonce(), panel.webview.cspSource);
    return;
  }
  // ACCESS EXCLUSIVE, as everywhere in the product; pg_locks' AccessExclusiveLock in the tooltip.
  const locks = (ls: { relation: string; mode: string }[]) => ls.map((l) => `<span title="${escape(l.mode)}">${escape(lockWords(l.mode))}</span> on ${escape(l.relation)}`).join(', ') || '—';
  const rows = result.statements
    .map((s) => {
      const observed = s.status === 'ran' ? `${locks(s.observed)}${s.newStorage.length ? `<br>new storage: ${escape(s.newStorage.join(', '))}` : ''}` : s.status === 'error' ? `<span class="failed">ERROR: ${escape(s.note ?? '')}</span>` : `not run: ${escape(s.note ?? '')}`;
      const predicted = `${locks(s.predicted.locks)}${s.predicted.rewrites.length ? `<br>rewrites: ${escape(s.predicted.rewrites.join(', '))}` : ''}`;
      return `<tr><td>${s.line}</td><td><pre>${escape(s.sql.split('\n')[0].slice(0, 100))}</pre></td><td>${observed}</td><td>${predicted}</td><td>${s.durationMs !== undefined ? `${s.durationMs.toFixed(1)} ms` : ''}</td><td class="differs">${s.differences.map(escape).join('<br>')}</td></tr>`;
    })
    .join('');
  const m = result.summary;
  const failed = result.statements.filter((s) => s.status === 'error');
  panel.webview.html = page(
    'Lock trace',
    `<h2>Lock trace: ${escape(migrationLabel(uri))}</h2>
<p id="summary">On ${escape(result.target)} (${escape(result.version)}), in BEGIN ... ROLLBACK: ${m.statements} statements in ${m.durationMs.toFixed(0)} ms: ${m.verified} verified, ${m.differences} differing from the prediction, ${m.notVerified} not verified (${m.errors} failed, ${m.notVerified - m.errors} not run).
${result.setup.files.length ? `Schema from ${result.setup.files.length} earlier migrations${result.setup.errors.length ? ` (${result.setup.errors.length} of their statements failed)` : ''}.` : ''}</p>
${failed.length ? `<h3>Failed: not verified</h3><ul id="failed">${failed.map((s) => `<li>line ${s.line}: <span class="failed">${escape(s.note ?? '')}</span></li>`).join('')}</ul>` : ''}
<table><thead><tr><th>Line</th><th>Statement</th><th>Observed</th><th>Predicted</th><th>Time</th><th>Differences</th></tr></thead><tbody>${rows}</tbody></table>`,
    nonce(),
    panel.webview.cspSource,
  );
}

/** The migration's folder and file name: Prisma and Diesel name every file migration.sql or up.sql. */
export function migrationLabel(uri: Uri): string {
  return `${path.basename(path.dirname(uri.fsPath))}/${path.basename(uri.fsPath)}`;
}

/** AccessExclusiveLock as the product writes it: ACCESS EXCLUSIVE. */
function lockWords(mode: string): string {
  return mode.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}
