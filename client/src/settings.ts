/**
 * What the extension answers to the server's workspace/configuration requests: only the
 * migrationGuard.* values the user set (user, workspace or folder settings), not VS Code's
 * defaults, so that the project's migration-guard.json applies wherever the editor says nothing.
 */
import { ConfigurationScope, Uri, workspace } from 'vscode';

export function explicitSettings(keys: string[], scopeUri: string | undefined): Record<string, unknown> {
  const scope: ConfigurationScope | undefined = scopeUri ? Uri.parse(scopeUri) : undefined;
  const config = workspace.getConfiguration('migrationGuard', scope);
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const inspected = config.inspect(key);
    const value = inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
    if (value !== undefined) out[key] = value;
  }
  return out;
}
