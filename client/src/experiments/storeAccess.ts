import * as path from 'node:path';
import * as vscode from 'vscode';
import { StoreChangedNotification, type NotificationSpec, type RequestSpec, type StoreState } from '../../../server/src/protocol';

/** The views re-read a store at most this often while it is being written. */
const THROTTLE_MS = 500;

/** What the views need of the language server; the controller lives in a bundle loaded after activation. */
export interface StoreServer {
  request<P, R>(spec: RequestSpec<P, R>, params: P, token?: vscode.CancellationToken): Promise<R>;
  onNotification<P>(spec: NotificationSpec<P>, handler: (params: P) => void): vscode.Disposable;
  onDidChangeState: vscode.Event<{ kind: string }>;
}

/**
 * The experiment stores of the open workspace folders, as the language server serves them: one per
 * local folder, changes from any writer in any process included.
 */
export class StoreAccess implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  private readonly subscriptions: vscode.Disposable[] = [this.changed];
  private readonly roots = new Map<string, string>();
  private disposed = false;
  /** Folders changed since the last fire (undefined: all), and when the last fire was. */
  private due: Set<string> | undefined | 'none' = 'none';
  private timer: NodeJS.Timeout | undefined;
  private lastFire = 0;

  /**
   * A folder's store changed, or (undefined) everything should be read again. At most one change per
   * THROTTLE_MS: a process logging fast commits many times a second, and each view re-reads on each.
   */
  readonly onDidChange = this.changed.event;

  constructor(private readonly server: Promise<StoreServer>) {
    void server.then(
      (s) => {
        if (this.disposed) return;
        this.subscriptions.push(
          s.onNotification(StoreChangedNotification, ({ folder }) => this.schedule(folder)),
          s.onDidChangeState((state) => state.kind === 'running' && this.schedule(undefined)),
        );
      },
      () => undefined,
    );
    this.subscriptions.push(vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule(undefined)));
  }

  /** Local workspace folders, each of which may hold a store. */
  folders(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  }

  /**
   * The folder that a folder's store records paths against: the folder itself, or the repository root
   * above it where the Python client and the CLI put the store (as the server last said).
   */
  root(folder: string): string {
    return this.roots.get(folder) ?? folder;
  }

  /**
   * A store path (relative to the root) as a file to open, or undefined when it leads outside the
   * root: the store may have come with a cloned repository and say anything.
   */
  fileUri(folder: string, relative: string): vscode.Uri | undefined {
    const root = this.root(folder);
    const file = path.resolve(root, relative);
    return file.startsWith(root + path.sep) ? vscode.Uri.file(file) : undefined;
  }

  async request<P, R>(spec: RequestSpec<P, R>, params: P, token?: vscode.CancellationToken): Promise<R> {
    const result = await (await this.server).request(spec, params, token);
    const folder = (params as { folder?: unknown }).folder;
    // Only a StoreState says where the store's root is: other results have a `root` of their own
    // (a lineage graph's is its root node's id).
    const state = result as Partial<StoreState> | null;
    if (typeof folder === 'string' && typeof state?.storePath === 'string' && typeof state.root === 'string') this.roots.set(folder, state.root);
    return result;
  }

  /** A server notification, for as long as the returned disposable lives. */
  async onNotification<P>(spec: NotificationSpec<P>, handler: (params: P) => void): Promise<vscode.Disposable> {
    return (await this.server).onNotification(spec, handler);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }

  private schedule(folder: string | undefined): void {
    if (folder === undefined) this.due = undefined;
    else if (this.due === 'none') this.due = new Set([folder]);
    else this.due?.add(folder);
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastFire + THROTTLE_MS - Date.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const due = this.due;
    this.due = 'none';
    this.lastFire = Date.now();
    if (due === 'none') return;
    if (due === undefined) this.changed.fire(undefined);
    else for (const f of due) this.changed.fire(f);
  }
}

export { formatNumber } from '../../../server/src/protocol';

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
