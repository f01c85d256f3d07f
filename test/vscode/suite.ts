/**
 * The extension-host suite: runs inside VS Code with the extension under development loaded, and
 * drives it through VS Code's own API (as a user's commands would): diagnostics, hover, the
 * CONCURRENTLY quick fix, the checklist command. Two hosts run it: `npm run test:electron`
 * (@vscode/test-electron, on a machine that can download VS Code) and, in CI, code-server
 * (test/e2e.test.ts), which is offline.
 *
 * The workspace is the folder VS Code opened; the suite writes its migrations there.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** Resolves with the diagnostics of `uri` once `accept` takes them (VS Code's own event, no polling). */
function diagnosticsOf(uri: vscode.Uri, accept: (d: readonly vscode.Diagnostic[]) => boolean): Promise<readonly vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const now = vscode.languages.getDiagnostics(uri);
    if (accept(now)) return resolve(now);
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`no matching diagnostics for ${uri.fsPath}: ${JSON.stringify(vscode.languages.getDiagnostics(uri))}`));
    }, 60_000);
    const listener = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const d = vscode.languages.getDiagnostics(uri);
      if (!accept(d)) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(d);
    });
  });
}

/** Resolves when a tab labelled `label` is open (at once if it already is). */
function tabOpened(label: string): Promise<void> {
  const open = () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === label));
  return new Promise((resolve, reject) => {
    if (open()) return resolve();
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`no tab ${label} among ${vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label)).join(', ')}`));
    }, 60_000);
    const listener = vscode.window.tabGroups.onDidChangeTabs(() => {
      if (!open()) return;
      clearTimeout(timer);
      listener.dispose();
      resolve();
    });
  });
}

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  assert.ok(folder, 'a workspace folder is open');
  const dir = vscode.Uri.joinPath(folder, 'migrations');
  await vscode.workspace.fs.createDirectory(dir);
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, '001_init.sql'), new TextEncoder().encode('CREATE TABLE users (id bigint PRIMARY KEY, email text);\n'));
  const uri = vscode.Uri.joinPath(dir, '002_index.sql');
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode("SET lock_timeout = '5s';\nSET statement_timeout = '30min';\nCREATE INDEX users_email_idx ON users (email);\n"));
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);

  // The diagnostic, with its rule and its docs link.
  const [diagnostic] = await diagnosticsOf(uri, (d) => d.some((x) => x.source === 'migration-guard'));
  assert.equal((diagnostic.code as { value: string }).value, 'require-concurrent-index');
  assert.equal(diagnostic.range.start.line, 2);

  // The rule link (the code in the hover and the Problems panel) opens the rule's page shipped
  // with the extension, rendered in the Markdown preview, not its Markdown source.
  const target = (diagnostic.code as { target: vscode.Uri }).target;
  assert.equal(target.scheme, 'command');
  assert.equal(target.path, 'migrationGuard.openRuleDocs');
  const preview = 'Preview require-concurrent-index.md';
  const previewed = tabOpened(preview);
  await vscode.commands.executeCommand(target.path, ...JSON.parse(decodeURIComponent(target.query)));
  await previewed;
  assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.path.endsWith('/docs/rules/require-concurrent-index.md') && vscode.window.visibleTextEditors.some((e) => e.document === d)), 'the page is not shown as source');
  await vscode.window.showTextDocument(document);

  // Settings apply to open files at once (the server registers for configuration changes):
  // the rule turned off, then back on, through the same configuration service as the Settings UI.
  const config = vscode.workspace.getConfiguration('migrationGuard', uri);
  await config.update('rules', { 'require-concurrent-index': 'off' }, vscode.ConfigurationTarget.Workspace);
  await diagnosticsOf(uri, (d) => !d.some((x) => x.source === 'migration-guard'));
  await config.update('rules', undefined, vscode.ConfigurationTarget.Workspace);
  await diagnosticsOf(uri, (d) => d.some((x) => (x.code as { value: string } | undefined)?.value === 'require-concurrent-index'));

  // The hover: the lock in words.
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(2, 3));
  const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
  assert.match(text, /SHARE/);
  assert.match(text, /blocks writes/);

  // The ignore quick fix asks for a reason: a snippet, with the placeholder selected for typing.
  const ignoreActions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
  const ignore = ignoreActions.find((a) => a.title === 'Ignore require-concurrent-index for this statement');
  assert.ok(ignore?.command && !ignore.edit, `an ignore action that inserts a snippet among ${ignoreActions.map((a) => a.title).join(', ')}`);
  await vscode.commands.executeCommand(ignore.command.command, ...(ignore.command.arguments ?? []));
  assert.match(document.getText(), /^-- migration-guard-ignore require-concurrent-index -- reason: why this is safe here\nCREATE INDEX users_email_idx/m);
  const editor = vscode.window.activeTextEditor!;
  assert.equal(editor.document.getText(editor.selection), 'why this is safe here', 'the cursor selects the reason placeholder');
  await diagnosticsOf(uri, (d) => !d.some((x) => x.source === 'migration-guard'));
  await vscode.commands.executeCommand('undo');
  assert.doesNotMatch(document.getText(), /migration-guard-ignore/);
  await diagnosticsOf(uri, (d) => d.some((x) => (x.code as { value: string } | undefined)?.value === 'require-concurrent-index'));

  // The quick fix, applied as the light bulb would.
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
  const fix = actions.find((a) => a.title.startsWith('Add CONCURRENTLY'));
  assert.ok(fix?.edit, `a CONCURRENTLY fix among ${actions.map((a) => a.title).join(', ')}`);
  assert.ok(await vscode.workspace.applyEdit(fix.edit));
  assert.match(document.getText(), /CREATE INDEX CONCURRENTLY users_email_idx ON users \(email\);/);
  await diagnosticsOf(uri, (d) => !d.some((x) => x.source === 'migration-guard'));
  await document.save();

  // The checklist command opens its panel and says what it found.
  const title = `Checklist: migrations/${path.basename(uri.fsPath)}`;
  const opened = new Promise<void>((resolve) => {
    const listener = vscode.window.tabGroups.onDidChangeTabs((e) => {
      if (!e.opened.some((t) => t.label === title)) return;
      listener.dispose();
      resolve();
    });
  });
  const counts = await vscode.commands.executeCommand<Record<string, number>>('migrationGuard.runChecklist', uri);
  assert.equal(counts.failed, 0, JSON.stringify(counts));
  assert.ok(counts.passed >= 5, JSON.stringify(counts));
  const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
  if (!tabs().includes(title)) await opened;
}
