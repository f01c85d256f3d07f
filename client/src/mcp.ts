/**
 * Migration Guard's MCP server (dist/mcp.js) for VS Code's agent mode: registered through
 * `vscode.lm.registerMcpServerDefinitionProvider` and the `mcpServerDefinitionProviders`
 * contribution, a stable API since VS Code 1.101. The extension supports 1.100 (engines.vscode),
 * where the API is missing or a proposal the extension may not use: there it registers nothing and
 * says so in the output channel; everything else works as before.
 */
import * as vscode from 'vscode';

/** The id in package.json's contributes.mcpServerDefinitionProviders. */
export const MCP_PROVIDER_ID = 'migrationGuard.mcp';

/** The parts of the 1.101 API used here (@types/vscode is pinned to 1.100, which lacks them). */
interface McpApi {
  lm?: { registerMcpServerDefinitionProvider?: (id: string, provider: McpProvider) => vscode.Disposable };
  McpStdioServerDefinition?: new (label: string, command: string, args?: string[], env?: Record<string, string | number | null>, version?: string) => McpDefinition;
}
interface McpDefinition {
  cwd?: vscode.Uri;
}
interface McpProvider {
  onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): McpDefinition[];
}

/**
 * Registers the server when the editor has the API; returns whether it did. The server runs with
 * the editor's own Node.js (process.execPath; ELECTRON_RUN_AS_NODE makes Electron behave as node)
 * in the first workspace folder, and only in a trusted workspace: fix can write files. Nothing
 * here throws: activation goes on either way.
 */
export function registerMcpServer(context: vscode.ExtensionContext, log: (message: string) => void): boolean {
  const changed = new vscode.EventEmitter<void>();
  try {
    const api = vscode as unknown as McpApi;
    const register = api.lm?.registerMcpServerDefinitionProvider;
    const Definition = api.McpStdioServerDefinition;
    if (typeof register !== 'function' || typeof Definition !== 'function') {
      changed.dispose();
      log(`MCP server for agent mode not registered: VS Code ${vscode.version} lacks vscode.lm.registerMcpServerDefinitionProvider (stable since 1.101). Agents can still start \`migration-guard mcp\` themselves (docs/agents.md).`);
      return false;
    }
    const provider: McpProvider = {
      onDidChangeMcpServerDefinitions: changed.event,
      provideMcpServerDefinitions: () => {
        if (!vscode.workspace.isTrusted) return [];
        const version = String(context.extension.packageJSON.version ?? '');
        const server = new Definition('Migration Guard', process.execPath, [context.asAbsolutePath('dist/mcp.js')], { ELECTRON_RUN_AS_NODE: '1' }, version);
        const folder = vscode.workspace.workspaceFolders?.[0];
        if (folder?.uri.scheme === 'file') server.cwd = folder.uri;
        return [server];
      },
    };
    // On 1.100 the function exists as a proposed API, and calling it without the proposal throws.
    const registration = register.call(api.lm, MCP_PROVIDER_ID, provider);
    context.subscriptions.push(
      registration,
      changed,
      vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
    );
    return true;
  } catch (e) {
    changed.dispose();
    log(`MCP server for agent mode not registered: ${(e as Error).message}`);
    return false;
  }
}
