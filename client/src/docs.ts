/**
 * The rule link of a diagnostic (its code, in the hover and the Problems panel) opens the rule's
 * page rendered: the page shipped with the extension (docs/rules/<id>.md) in VS Code's Markdown
 * preview, or the page of a published docs site when `migrationGuard.docs.url` names one.
 *
 * The server's link is a file: URL (or the repository's page), which VS Code would open as
 * Markdown source; the client points it at a command instead. Other LSP editors keep the server's link.
 */
import * as fs from 'node:fs';
import { commands, Diagnostic, env, ExtensionContext, Uri, window, workspace } from 'vscode';
import { docsUrl } from '../../server/src/engine/docs';

export const OPEN_RULE_DOCS = 'migrationGuard.openRuleDocs';

/** The command link a rule's diagnostics carry: `command:migrationGuard.openRuleDocs?["<rule>"]`. */
export function ruleDocsLink(rule: string): Uri {
  return Uri.parse(`command:${OPEN_RULE_DOCS}?${encodeURIComponent(JSON.stringify([rule]))}`);
}

/** Points the code link of Migration Guard's diagnostics at the command (in place: the client keeps their data). */
export function withRuleDocsLinks(diagnostics: Diagnostic[]): Diagnostic[] {
  for (const d of diagnostics) {
    if (d.source === 'migration-guard' && typeof d.code === 'object' && typeof d.code.value === 'string') d.code = { value: d.code.value, target: ruleDocsLink(d.code.value) };
  }
  return diagnostics;
}

/**
 * The docs site's page of a rule, when one is configured: `{rule}` in the URL is replaced by the
 * id, or the id is appended. In an untrusted workspace only the user's own setting counts, so that
 * a folder cannot send its rule links elsewhere.
 */
function siteUrl(rule: string): string | undefined {
  const inspected = workspace.getConfiguration('migrationGuard').inspect<string>('docs.url');
  const url = (workspace.isTrusted ? (inspected?.workspaceValue ?? inspected?.globalValue) : inspected?.globalValue)?.trim();
  if (!url) return undefined;
  return url.includes('{rule}') ? url.replace(/\{rule\}/g, encodeURIComponent(rule)) : `${url.replace(/\/+$/, '')}/${encodeURIComponent(rule)}`;
}

/** `migrationGuard.openRuleDocs(rule)`: the docs site's page, else the shipped page in the Markdown preview. */
export function openRuleDocs(context: ExtensionContext): (rule: unknown) => Promise<void> {
  return async (rule) => {
    // Ids are kebab-case: anything else is not a rule of ours (a crafted command link).
    if (typeof rule !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(rule)) return;
    const site = siteUrl(rule);
    if (site) {
      await env.openExternal(Uri.parse(site));
      return;
    }
    const page = context.asAbsolutePath(`docs/rules/${rule}.md`);
    if (fs.existsSync(page)) {
      try {
        await commands.executeCommand('markdown.showPreview', Uri.file(page));
        return;
      } catch {
        // VS Code's Markdown extension is disabled: the page as text, still the rule's page.
        await window.showTextDocument(Uri.file(page), { preview: true });
        return;
      }
    }
    await env.openExternal(Uri.parse(docsUrl(rule)));
  };
}
