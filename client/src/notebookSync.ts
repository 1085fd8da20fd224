import * as vscode from 'vscode';
import { NotebookChangedNotification, NotebookClosedNotification } from '../../server/src/protocol';
import type { LanguageServerController } from './languageServer';
import { snapshotNotebook } from './notebookSnapshot';

const SEND_AFTER_EDIT_MS = 250;

/**
 * Keeps the server's view of open notebooks current, unsaved edits included, so a pipeline step is
 * marked stale as soon as its cell changes in the editor, not only when the notebook is saved.
 */
export class NotebookSync implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly server: Promise<LanguageServerController>) {
    this.disposables.push(
      vscode.workspace.onDidOpenNotebookDocument((n) => this.send(n)),
      vscode.workspace.onDidChangeNotebookDocument((e) => this.sendSoon(e.notebook)),
      vscode.workspace.onDidCloseNotebookDocument((n) => void this.notifyClosed(n)),
    );
    void server.then((c) => {
      // A restarted server starts with no snapshots: give it every open notebook again.
      this.disposables.push(c.onDidChangeState((s) => s.kind === 'running' && this.sendAll()));
      this.sendAll();
    });
  }

  private sendAll(): void {
    for (const n of vscode.workspace.notebookDocuments) this.send(n);
  }

  private sendSoon(notebook: vscode.NotebookDocument): void {
    const key = notebook.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => this.send(notebook), SEND_AFTER_EDIT_MS));
  }

  private send(notebook: vscode.NotebookDocument): void {
    if (notebook.notebookType !== 'jupyter-notebook' || notebook.uri.scheme !== 'file') return;
    void this.server.then((c) => c.notify(NotebookChangedNotification, { notebook: snapshotNotebook(notebook) }));
  }

  private async notifyClosed(notebook: vscode.NotebookDocument): Promise<void> {
    if (notebook.uri.scheme !== 'file') return;
    clearTimeout(this.timers.get(notebook.uri.toString()));
    (await this.server).notify(NotebookClosedNotification, { path: notebook.uri.fsPath });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
