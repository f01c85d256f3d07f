/**
 * "Moved to its own migration" creates a file in a new folder (Prisma's
 * `migrations/<timestamp>_<name>/migration.sql`, Diesel's `up.sql` / `down.sql`). VS Code creates
 * the folder along with the file, and undoing the edit deletes the file but leaves the folder:
 * an empty migration folder, which Prisma refuses ("Could not find the migration file at
 * migration.sql", P3015). So the folders a move would create are noted when the action is
 * offered, and when the files in one are deleted (the undo) and it is left empty, it goes too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeAction, Disposable, FileDeleteEvent, Uri, workspace } from 'vscode';

export class MoveFolders implements Disposable {
  /** Folder path -> files a move would create in it; only folders that did not exist when offered. */
  private readonly folders = new Map<string, Set<string>>();
  private readonly listener = workspace.onDidDeleteFiles((e) => this.deleted(e));

  /** Notes the new folders of an action's edit: files in other documents whose folder does not exist yet. */
  offered(action: CodeAction, document: Uri): void {
    for (const [uri] of action.edit?.entries() ?? []) {
      if (uri.scheme !== 'file' || uri.toString() === document.toString()) continue;
      const folder = path.dirname(uri.fsPath);
      if (fs.existsSync(folder) && !this.folders.has(folder)) continue;
      const files = this.folders.get(folder) ?? new Set<string>();
      files.add(uri.fsPath);
      this.folders.set(folder, files);
    }
  }

  private deleted(e: FileDeleteEvent): void {
    for (const file of e.files) {
      const folder = path.dirname(file.fsPath);
      if (!this.folders.get(folder)?.has(file.fsPath)) continue;
      let left: string[];
      try {
        left = fs.readdirSync(folder);
      } catch {
        continue; // already gone
      }
      // Only a folder the move created and left empty; anything put there since stays.
      if (left.length === 0) void workspace.fs.delete(Uri.file(folder), { recursive: false, useTrash: false }).then(undefined, () => undefined);
    }
  }

  dispose(): void {
    this.listener.dispose();
  }
}
