/** Commands are small functions over the running client (STYLE.md §8); extension.ts only wires them. */
import { Uri, window, workspace } from 'vscode';
import { PLAN } from '../../server/src/protocol';
import { LanguageClient } from 'vscode-languageclient/node';
// A type only: the server's module itself is not bundled into the extension.
import type { DatabaseTarget } from '../../server/src/database';

export interface Context {
  client: LanguageClient;
  /** The configured database, when there is one (VACUUM FULL / CLUSTER plans read its extensions). */
  database?: () => Promise<DatabaseTarget | undefined>;
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

interface PlannedFile {
  path: string;
  content: string;
}

/**
 * Plan Safe Change: asks the server for the expand-contract migrations of the statement under
 * the cursor (or on the line a code action names), shows them, and writes them on request.
 */
export function planSafeChange(ctx: Context): (uri?: string, line?: number) => Promise<void> {
  return async (uri, line) => {
    const editor = window.activeTextEditor;
    const target = uri ?? editor?.document.uri.toString();
    const at = line ?? editor?.selection.active.line;
    if (!target || at === undefined) return;
    const plan = await ctx.client.sendRequest<{ title: string; framework: string; files: PlannedFile[] } | null>(PLAN, { uri: target, line: at, database: await ctx.database?.() });
    if (!plan) {
      void window.showInformationMessage('Migration Guard: no expand-contract plan for this statement (plans cover type changes, renames, NOT NULL and required columns).');
      return;
    }
    const preview = plan.files.map((f) => `-- ${workspace.asRelativePath(f.path)}\n${f.content}`).join('\n');
    await window.showTextDocument(await workspace.openTextDocument({ language: 'sql', content: `-- ${plan.title} (${plan.framework})\n\n${preview}` }), { preview: true });
    const write = `Write ${plan.files.length} migrations`;
    if ((await window.showInformationMessage(plan.title, write)) !== write) return;
    for (const f of plan.files) await workspace.fs.writeFile(Uri.file(f.path), new TextEncoder().encode(f.content));
    void window.showInformationMessage(`Migration Guard: wrote ${plan.files.length} migrations. Replace the original statement with them.`);
  };
}
