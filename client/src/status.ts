/** The status bar item: which migration tool runs the active file, and whether in a transaction. */
import { Disposable, StatusBarAlignment, StatusBarItem, TextEditor, window } from 'vscode';

export interface ToolStatus {
  uri: string;
  framework: string;
  evidence: string;
  transaction: boolean;
}

/** The migration ran on the configured database (its tool's applied-migrations table lists it). */
export interface AppliedStatus {
  where: string;
  at?: string;
  edited?: boolean;
}

export class StatusBar implements Disposable {
  private readonly item: StatusBarItem = window.createStatusBarItem(StatusBarAlignment.Right, 100);
  private readonly byUri = new Map<string, ToolStatus>();
  private readonly applied = new Map<string, AppliedStatus>();

  setApplied(uri: string, applied: AppliedStatus | undefined): void {
    if (applied) this.applied.set(uri, applied);
    else this.applied.delete(uri);
    this.show(window.activeTextEditor);
  }
  private readonly listener = window.onDidChangeActiveTextEditor((editor) => this.show(editor));

  update(status: ToolStatus): void {
    this.byUri.set(status.uri, status);
    this.show(window.activeTextEditor);
  }

  /** The document is no migration (any more): no tool to show for it. */
  forget(uri: string): void {
    if (this.byUri.delete(uri)) this.show(window.activeTextEditor);
  }

  private show(editor: TextEditor | undefined): void {
    const status = editor ? this.byUri.get(editor.document.uri.toString()) : undefined;
    if (!status) {
      this.item.hide();
      return;
    }
    const tool = status.framework === 'plain' ? 'plain SQL' : status.framework;
    const applied = this.applied.get(status.uri);
    const ran = applied ? ` · applied on ${applied.where}${applied.at ? ` at ${applied.at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : ''}` : '';
    this.item.text = `$(database) ${tool}${status.transaction ? ' · in a transaction' : ''}${ran}`;
    this.item.tooltip = `Migration Guard: ${tool}, detected from ${status.evidence}. Set migrationGuard.framework to override.${applied ? `\nThis migration already ran on ${applied.where}${applied.edited ? ', and the file changed since (its checksum differs)' : ''}: editing it changes nothing there.` : ''}`;
    this.item.command = 'migrationGuard.showOutput';
    this.item.show();
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}
