import * as vscode from 'vscode';

export type ServerState =
  | { kind: 'starting' }
  | { kind: 'running'; detail: string }
  | { kind: 'stopped'; reason: string };

/** One status bar item that mirrors the language server's state; clicking it shows the server status. */
export class ServerStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('cellflow.server', vscode.StatusBarAlignment.Left, 0);

  constructor() {
    this.item.name = 'Cellflow Language Server';
    this.item.command = 'cellflow.showServerStatus';
    this.set({ kind: 'starting' });
    this.item.show();
  }

  set(state: ServerState): void {
    switch (state.kind) {
      case 'starting':
        this.item.text = '$(loading~spin) Cellflow';
        this.item.tooltip = 'Cellflow language server is starting';
        this.item.backgroundColor = undefined;
        break;
      case 'running':
        this.item.text = '$(pass) Cellflow';
        this.item.tooltip = `Cellflow language server: ${state.detail}`;
        this.item.backgroundColor = undefined;
        break;
      case 'stopped':
        this.item.text = '$(error) Cellflow';
        this.item.tooltip = `Cellflow language server stopped: ${state.reason}. Click for details; run "Cellflow: Restart Language Server" to start it again.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
