import * as vscode from 'vscode';
import { StoreChangedNotification, type NotificationSpec, type RequestSpec } from '../../../server/src/protocol';

/** What the views need of the language server; the controller lives in a bundle loaded after activation. */
export interface StoreServer {
  request<P, R>(spec: RequestSpec<P, R>, params: P): Promise<R>;
  onNotification<P>(spec: NotificationSpec<P>, handler: (params: P) => void): vscode.Disposable;
  onDidChangeState: vscode.Event<{ kind: string }>;
}

/**
 * The experiment stores of the open workspace folders, as the language server serves them: one per
 * local folder. Fires `onDidChange` with the folder whose store changed (any writer, any process), or
 * with undefined when everything should be read again (the server restarted, folders changed).
 */
export class StoreAccess implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];

  constructor(private readonly server: Promise<StoreServer>) {
    void server.then((s) => {
      this.subscriptions.push(
        s.onNotification(StoreChangedNotification, ({ folder }) => this.changed.fire(folder)),
        s.onDidChangeState((state) => state.kind === 'running' && this.changed.fire(undefined)),
      );
    });
    this.subscriptions.push(vscode.workspace.onDidChangeWorkspaceFolders(() => this.changed.fire(undefined)));
  }

  /** Local workspace folders, each of which may hold a store. */
  folders(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  }

  async request<P, R>(spec: RequestSpec<P, R>, params: P): Promise<R> {
    return (await this.server).request(spec, params);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

export { formatNumber } from '../../../server/src/core/store/format';

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
