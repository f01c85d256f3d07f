/** Commands are small functions over the running client (STYLE.md §8); extension.ts only wires them. */
import { window } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';

export interface Context {
  client: LanguageClient;
}

export function restartServer(ctx: Context): () => Promise<void> {
  return async () => {
    await ctx.client.restart();
    window.setStatusBarMessage('Migration Guard: server restarted', 3000);
  };
}

export function showOutput(ctx: Context): () => void {
  return () => ctx.client.outputChannel.show(true);
}
