/**
 * The VS Code extension: starts the language server (dist/server.js) for SQL documents and
 * registers the commands. Settings live under `migrationGuard.*`; the server pulls them per
 * document, so nothing here reads configuration.
 */
import * as path from 'node:path';
import { commands, ExtensionContext } from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { Context, restartServer, showOutput } from './commands';

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const languages = ['sql', 'pgsql', 'postgres', 'postgresql'];
  const clientOptions: LanguageClientOptions = {
    documentSelector: languages.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
  };
  client = new LanguageClient('migrationGuard', 'Migration Guard', serverOptions, clientOptions);
  const ctx: Context = { client };
  context.subscriptions.push(
    commands.registerCommand('migrationGuard.restartServer', restartServer(ctx)),
    commands.registerCommand('migrationGuard.showOutput', showOutput(ctx)),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
