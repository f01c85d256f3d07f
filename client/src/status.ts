/** The status bar item: which migration tool runs the active file, and whether in a transaction. */
import { Disposable, StatusBarAlignment, StatusBarItem, TextEditor, window } from 'vscode';

export interface ToolStatus {
  uri: string;
  framework: string;
  evidence: string;
  transaction: boolean;
}

export class StatusBar implements Disposable {
  private readonly item: StatusBarItem = window.createStatusBarItem(StatusBarAlignment.Right, 100);
  private readonly byUri = new Map<string, ToolStatus>();
  private readonly listener = window.onDidChangeActiveTextEditor((editor) => this.show(editor));

  update(status: ToolStatus): void {
    this.byUri.set(status.uri, status);
    this.show(window.activeTextEditor);
  }

  private show(editor: TextEditor | undefined): void {
    const status = editor ? this.byUri.get(editor.document.uri.toString()) : undefined;
    if (!status) {
      this.item.hide();
      return;
    }
    const tool = status.framework === 'plain' ? 'plain SQL' : status.framework;
    this.item.text = `$(database) ${tool}${status.transaction ? ' · in a transaction' : ''}`;
    this.item.tooltip = `Migration Guard: ${tool}, detected from ${status.evidence}. Set migrationGuard.framework to override.`;
    this.item.command = 'migrationGuard.showOutput';
    this.item.show();
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}
