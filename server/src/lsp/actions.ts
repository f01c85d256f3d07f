/** Code actions: each diagnostic's fixes (moves as one workspace edit), plans, ignores, and fix-all. */

import { CodeAction, CodeActionKind, CreateFile, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import { FindingFix } from '../engine/analyze';
import { safeFixEdits } from '../engine/fixall';
import { findRule } from '../engine/rules';
import { IGNORE_REASON_PLACEHOLDER } from '../protocol';

import { DiagnosticData, FIX_ALL } from './diagnostics';
import type { ServerContext } from './context';

export function registerCodeActions(ctx: ServerContext): void {
  const { connection, documents, analyses, caps } = ctx;
  /**
   * A fix that creates files (a statement moved to a migration of its own) as one workspace edit:
   * each file created (never over an existing one) and filled, then the statement removed here,
   * so that one undo reverts it all. Disabled, with the reason, for a client that cannot create files.
   */
  function withNewFiles(uri: string, fix: FindingFix): { edit: WorkspaceEdit } | { disabled: { reason: string } } {
    const names = (fix.files ?? []).map((f) => f.path).join(', ');
    if (!caps.createFiles || !uri.startsWith('file:')) {
      return { disabled: { reason: `this editor cannot create files from a code action (${names}): run migration-guard fix --unsafe --write on the file` } };
    }
    const document = documents.get(uri);
    const created = (fix.files ?? []).flatMap((f) => {
      const target = new URL(f.path, uri).toString();
      return [
        CreateFile.create(target, { overwrite: false, ignoreIfExists: false }),
        TextDocumentEdit.create({ uri: target, version: null }, [TextEdit.insert({ line: 0, character: 0 }, f.content)]),
      ];
    });
    const here = TextDocumentEdit.create({ uri, version: document?.version ?? null }, fix.edits.map((e) => TextEdit.replace(e.range, e.newText)));
    return { edit: { documentChanges: [...created, here] } };
  }

  connection.onCodeAction((params): CodeAction[] => {
    const actions: CodeAction[] = [];
    const uri = params.textDocument.uri;
    const only = params.context.only;
    if (only?.some((k) => FIX_ALL.startsWith(k) || k === CodeActionKind.SourceFixAll)) {
      // source.fixAll.migrationGuard: the safe fixes only (fixes that change how the migration
      // runs are offered one by one). Computed from the latest analysis of the document.
      const document = documents.get(uri);
      const entry = analyses.get(uri);
      if (!document || !entry || entry.version !== document.version) return [];
      const edits = safeFixEdits(document.getText(), entry.analysis.findings);
      return edits.length ? [{ title: 'Migration Guard: fix all safe problems', kind: FIX_ALL, edit: { changes: { [uri]: edits.map((e) => TextEdit.replace(e.range, e.newText)) } } }] : [];
    }
    for (const diagnostic of params.context.diagnostics) {
      const data = diagnostic.data as DiagnosticData | undefined;
      if (diagnostic.source !== 'migration-guard' || !data) continue;
      data.fixes.forEach((fix, i) => {
        // Unsafe fixes (they change how the migration runs) are never preferred nor part of fix-all.
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: i === 0 && fix.safety === 'safe' && !fix.disabled,
          ...(fix.disabled
            ? { disabled: { reason: fix.disabled } }
            : fix.files?.length
              ? withNewFiles(uri, fix)
              : { edit: { changes: { [uri]: fix.edits.map((e) => TextEdit.replace(e.range, e.newText)) } } }),
        });
      });
      if (data.statementLine !== undefined && findRule(data.rule)?.meta.plan) {
        actions.push({
          title: 'Plan the safe change as expand-contract migrations',
          kind: CodeActionKind.RefactorRewrite,
          diagnostics: [diagnostic],
          command: { title: 'Plan Safe Change', command: 'migrationGuard.planSafeChange', arguments: [uri, diagnostic.range.start.line] },
        });
      }
      if (data.statementLine !== undefined) {
        const at = { line: data.statementLine, character: 0 };
        actions.push({
          title: `Ignore ${data.rule} for this statement`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: { changes: { [uri]: [TextEdit.insert(at, `-- migration-guard-ignore ${data.rule} -- reason: ${IGNORE_REASON_PLACEHOLDER}\n`)] } },
        });
      }
      // An SQL comment: SQL files only, after the header line a tool needs first (Liquibase's).
      const spot = data.fileIgnore;
      if (spot) {
        actions.push({
          title: `Ignore ${data.rule} for this file`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: { changes: { [uri]: [TextEdit.insert(spot.range.start, `${spot.before}-- migration-guard-ignore-file ${data.rule} -- reason: ${IGNORE_REASON_PLACEHOLDER}${spot.after}`)] } },
        });
      }
    }
    return actions;
  });
}
