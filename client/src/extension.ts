/**
 * The VS Code extension: starts the language server (dist/server.js) for SQL documents and
 * registers the commands. Settings live under `migrationGuard.*`; the server pulls them per
 * document, so nothing here reads configuration.
 */
import * as path from 'node:path';
import { commands, ExtensionContext, workspace } from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { Context, planSafeChange, restartServer, showOutput } from './commands';
import { explicitSettings } from './settings';
import { StatusBar, ToolStatus } from './status';

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  // SQL, and the TypeScript / JavaScript migrations of TypeORM, Knex, Sequelize, node-pg-migrate and Kysely.
  const languages = ['sql', 'pgsql', 'postgres', 'postgresql', 'typescript', 'javascript'];
  // The keys the extension declares (package.json contributes.configuration), without the prefix.
  const properties = Object.keys(context.extension.packageJSON.contributes.configuration.properties as object);
  const keys = properties.map((p) => p.replace(/^migrationGuard\./, ''));
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
      workspace: {
        configuration: (params) => params.items.map((item) => (item.section === 'migrationGuard' ? explicitSettings(keys, item.scopeUri) : null)),
      },
    },
  };
  client = new LanguageClient('migrationGuard', 'Migration Guard', serverOptions, clientOptions);
  const ctx: Context = { client };
  context.subscriptions.push(
    commands.registerCommand('migrationGuard.restartServer', restartServer(ctx)),
    commands.registerCommand('migrationGuard.showOutput', showOutput(ctx)),
    commands.registerCommand('migrationGuard.planSafeChange', planSafeChange(ctx)),
  );
  const status = new StatusBar();
  context.subscriptions.push(status);
  await client.start();
  context.subscriptions.push(client.onNotification('migrationGuard/status', (params: ToolStatus) => status.update(params)));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
