/**
 * The workspace's database connection: host, port, database and user (or a URL without the
 * password) in the `migrationGuard.database.*` settings, the password in VS Code's SecretStorage,
 * never in a settings file. Nothing here runs in an untrusted workspace.
 */
import { ExtensionContext, window, workspace } from 'vscode';
// A type only: the server's module itself is not bundled into the extension.
import type { DatabaseTarget } from '../../server/src/database';

const secretKey = (where: string) => `migrationGuard.database.password:${where}`;

function configured(): { target: DatabaseTarget; where: string } | undefined {
  const c = workspace.getConfiguration('migrationGuard.database');
  const url = c.get<string>('url')?.trim();
  if (url) {
    const u = new URL(url);
    u.password = '';
    return { target: { url: u.toString() }, where: `${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)} as ${decodeURIComponent(u.username)}` };
  }
  const host = c.get<string>('host')?.trim();
  if (!host) return undefined;
  const target: DatabaseTarget = { host, port: c.get<number>('port') ?? 5432, database: c.get<string>('name') || undefined, user: c.get<string>('user') || undefined };
  return { target, where: `${host}:${target.port}/${target.database ?? ''} as ${target.user ?? ''}` };
}

/** The configured target with its password, or undefined (no connection, or an untrusted workspace). */
export async function databaseTarget(context: ExtensionContext): Promise<{ target: DatabaseTarget; where: string } | undefined> {
  if (!workspace.isTrusted) return undefined;
  const found = configured();
  if (!found) return undefined;
  const password = await context.secrets.get(secretKey(found.where));
  return { target: { ...found.target, ...(password ? { password } : {}) }, where: found.where };
}

/** Migration Guard: Configure Database Connection. */
export function configureDatabase(context: ExtensionContext): () => Promise<void> {
  return async () => {
    if (!workspace.isTrusted) {
      void window.showWarningMessage('Migration Guard: database features are off in an untrusted workspace.');
      return;
    }
    const url = await window.showInputBox({
      title: 'Database for the checklist and lock traces (this workspace)',
      prompt: 'postgres://user@host:5432/database, without the password (asked next, kept in VS Code\'s secret storage)',
      value: workspace.getConfiguration('migrationGuard.database').get<string>('url') ?? '',
      validateInput: (v) => {
        if (!v.trim()) return undefined;
        try {
          const u = new URL(v);
          if (!/^postgres(ql)?:$/.test(u.protocol)) return 'A postgres:// or postgresql:// URL';
          if (u.password) return 'Leave the password out: it is asked next and kept in secret storage';
        } catch {
          return 'Not a URL';
        }
        return undefined;
      },
    });
    if (url === undefined) return;
    await workspace.getConfiguration('migrationGuard.database').update('url', url.trim() || undefined, false);
    const found = configured();
    if (!found) return;
    const password = await window.showInputBox({ title: `Password for ${found.where}`, password: true, prompt: 'Empty: no password (peer or trust authentication, or ~/.pgpass)' });
    if (password) await context.secrets.store(secretKey(found.where), password);
    else await context.secrets.delete(secretKey(found.where));
    void window.showInformationMessage(`Migration Guard: database set to ${found.where}${password ? ' (password in secret storage)' : ''}.`);
  };
}
