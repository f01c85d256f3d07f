/**
 * The VS Code extension: starts the language server (dist/server.js) for SQL documents and
 * registers the commands. Settings live under `migrationGuard.*`; the server pulls them per
 * document, so nothing here reads configuration.
 */
import * as path from 'node:path';
import { CodeAction, commands, ExtensionContext, Position, SnippetString, TextEdit, Uri, window, workspace } from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { Context, planSafeChange, restartServer, showOutput } from './commands';
import { configureDatabase } from './database';
import { registerMcpServer } from './mcp';
import { ChecklistPanel, showTrace } from './panels';
import { explicitSettings } from './settings';
import { StatusBar, ToolStatus } from './status';
import { databaseTarget } from './database';
import { OPEN_RULE_DOCS, openRuleDocs, withRuleDocsLinks } from './docs';
import { MoveFolders } from './moves';
import { APPLIED, AppliedAnswer, IGNORE_REASON_PLACEHOLDER, INSERT_IGNORE_COMMAND, STATUS, StatusParams } from '../../server/src/protocol';

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  // SQL, and the TypeScript / JavaScript migrations of TypeORM, Knex, Sequelize, node-pg-migrate and Kysely.
  const languages = ['sql', 'pgsql', 'postgres', 'postgresql', 'typescript', 'javascript'];
  // The keys the server reads (package.json's first configuration section), without the prefix.
  // The database section stays in the client: the server gets a target per request, never a setting.
  const properties = Object.keys(context.extension.packageJSON.contributes.configuration[0].properties as object);
  const keys = properties.map((p) => p.replace(/^migrationGuard\./, ''));
  // An undone move to a migration of its own leaves no empty migration folder behind.
  const moveFolders = new MoveFolders();
  context.subscriptions.push(moveFolders);
  const clientOptions: LanguageClientOptions = {
    documentSelector: languages.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    synchronize: {
      // The project file: the server re-reads it when it changes.
      fileEvents: workspace.createFileSystemWatcher('**/{migration-guard.json,.migration-guard.json}'),
    },
    middleware: {
      // The rule link opens the rule's page rendered (docs.ts), not its Markdown source.
      handleDiagnostics: (uri, diagnostics, next) => next(uri, withRuleDocsLinks(diagnostics)),
      // The ignore quick fixes ask for a reason: inserted as a snippet, the placeholder selected.
      provideCodeActions: async (document, range, context, token, next) => {
        const actions = await next(document, range, context, token);
        for (const a of actions ?? []) if (a instanceof CodeAction) moveFolders.offered(a, document.uri);
        return actions?.map((a) => (a instanceof CodeAction ? asIgnoreSnippet(a) : a));
      },
      workspace: {
        configuration: (params) => params.items.map((item) => (item.section === 'migrationGuard' ? explicitSettings(keys, item.scopeUri) : null)),
      },
    },
  };
  client = new LanguageClient('migrationGuard', 'Migration Guard', serverOptions, clientOptions);
  const ctx: Context = { client, database: async () => (await databaseTarget(context))?.target };
  context.subscriptions.push(
    commands.registerCommand('migrationGuard.restartServer', restartServer(ctx)),
    commands.registerCommand('migrationGuard.showOutput', showOutput(ctx)),
    commands.registerCommand('migrationGuard.planSafeChange', planSafeChange(ctx)),
    commands.registerCommand('migrationGuard.runChecklist', (uri?: Uri) => withMigration(uri, (u) => ChecklistPanel.show(context, client!, u))),
    commands.registerCommand('migrationGuard.traceLocks', (uri?: Uri) => withMigration(uri, (u) => showTrace(context, client!, u))),
    commands.registerCommand('migrationGuard.configureDatabase', configureDatabase(context)),
    commands.registerCommand(OPEN_RULE_DOCS, openRuleDocs(context)),
    commands.registerCommand(INSERT_IGNORE_COMMAND, async (uri: Uri, position: Position, snippet: string) => {
      const editor = await window.showTextDocument(uri);
      await editor.insertSnippet(new SnippetString(snippet), position);
    }),
  );
  // Coding agents: the MCP server for VS Code's agent mode, where the editor has the API (1.101+).
  registerMcpServer(context, (message) => client?.outputChannel.appendLine(message));
  const status = new StatusBar();
  context.subscriptions.push(status);
  await client.start();
  const applied = watchApplied(context, client, status);
  // One handler per notification (a second registration would replace the first).
  context.subscriptions.push(
    client.onNotification(STATUS, (params: StatusParams) => {
      // Sent after every analysis; a document that is no migration has no tool to show.
      if (!params.migration) return status.forget(params.uri);
      status.update(params as ToolStatus);
      void applied(params.uri);
    }),
  );
}

/** Runs `f` on the migration a menu passed, or the active editor's. */
async function withMigration<T>(uri: Uri | undefined, f: (uri: Uri) => Promise<T>): Promise<T | undefined> {
  const target = uri ?? window.activeTextEditor?.document.uri;
  if (!target) {
    void window.showInformationMessage('Migration Guard: open a migration first.');
    return undefined;
  }
  if (window.activeTextEditor?.document.uri.toString() === target.toString()) await window.activeTextEditor.document.save();
  return f(target);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

/**
 * An "Ignore ..." action whose one edit inserts the comment with the reason placeholder becomes
 * a command that inserts it as a snippet (the cursor on the placeholder); other actions are kept.
 */
function asIgnoreSnippet(action: CodeAction): CodeAction {
  const entries = action.edit?.entries() ?? [];
  const [uri, edits] = entries.length === 1 ? entries[0] : [undefined, [] as TextEdit[]];
  const edit = edits.length === 1 ? edits[0] : undefined;
  if (!uri || !edit || !edit.range.isEmpty || !edit.newText.includes(IGNORE_REASON_PLACEHOLDER)) return action;
  const escaped = edit.newText.replace(/[$}\\]/g, (c) => `\\${c}`).replace(IGNORE_REASON_PLACEHOLDER, `\${1:${IGNORE_REASON_PLACEHOLDER}}`);
  action.edit = undefined;
  action.command = { title: action.title, command: INSERT_IGNORE_COMMAND, arguments: [uri, edit.range.start, escaped] };
  return action;
}

/**
 * With a database configured (trusted workspaces only), asks once per migration whether its tool's
 * applied-migrations table lists it: the status bar says "applied on <database>", and editing such
 * a migration warns (once) that the edit reaches only new databases.
 */
function watchApplied(context: ExtensionContext, language: LanguageClient, status: StatusBar): (uri: string) => Promise<AppliedAnswer | undefined> {
  const answers = new Map<string, Promise<AppliedAnswer | undefined>>();
  const warned = new Set<string>();
  const ask = (uri: string) => {
    let answer = answers.get(uri);
    if (!answer) {
      answer = databaseTarget(context).then((db) => (db ? language.sendRequest<AppliedAnswer>(APPLIED, { uri, database: db.target }) : undefined)).catch(() => undefined);
      answers.set(uri, answer);
      void answer.then((a) => status.setApplied(uri, a?.applied && a.where ? { where: a.where, at: a.applied.at, edited: a.applied.edited } : undefined));
    }
    return answer;
  };
  context.subscriptions.push(
    workspace.onDidChangeTextDocument(async (e) => {
      const uri = e.document.uri.toString();
      if (!e.contentChanges.length || warned.has(uri) || !answers.has(uri)) return;
      const a = await answers.get(uri);
      if (!a?.applied || warned.has(uri)) return;
      warned.add(uri);
      void window.showWarningMessage(
        `Migration Guard: this migration already ran on ${a.where}${a.applied.at ? ` (${a.applied.at})` : ''}. Editing it changes nothing on databases that ran it; put the change in a new migration.`,
      );
    }),
    workspace.onDidSaveTextDocument((d) => answers.delete(d.uri.toString())),
    workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('migrationGuard.database') && answers.clear()),
  );
  return ask;
}
