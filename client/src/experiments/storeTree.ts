import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage, type StoreAccess } from './storeAccess';

/** The rows every store tree has: a folder (multi-root only), a store that cannot be read, a failed request. */
export type CommonNode = { kind: 'folder'; folder: string } | { kind: 'problem'; folder: string; message: string } | { kind: 'error'; message: string };

/**
 * What the Runs and Model Registry trees share: one subtree per local workspace folder (the folder
 * row shown only in a multi-root workspace), a refresh whenever a store changes, and a failed request
 * shown as a row rather than thrown at the view.
 */
export abstract class StoreTree<N extends { kind: string }> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  protected readonly changed = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** Row reads in flight, and when the tree last changed or answered one: see settled(). */
  private reading = 0;
  private lastActivity = 0;

  constructor(protected readonly stores: StoreAccess) {
    this.subscription = stores.onDidChange(() => this.changed.fire(undefined));
    this.changed.event(() => (this.lastActivity = Date.now()));
  }

  /**
   * Resolves once the view has read its rows after the last refresh: nothing in flight and nothing
   * asked for `quietMs` (the view asks for an expanded row's children one round trip after its
   * parent's), or after `maxMs` at most.
   */
  async settled(quietMs = 150, maxMs = 3000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline && (this.reading > 0 || Date.now() - this.lastActivity < quietMs)) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  async getChildren(node?: N): Promise<N[]> {
    this.reading++;
    try {
      if (!node) {
        const folders = this.stores.folders();
        return folders.length === 1 ? await this.folderChildren(folders[0]) : folders.map((folder) => this.common({ kind: 'folder', folder }));
      }
      const common = node as unknown as CommonNode;
      return common.kind === 'folder' ? await this.folderChildren(common.folder) : await this.childrenOf(node);
    } catch (err) {
      return [this.common({ kind: 'error', message: errorMessage(err) })];
    } finally {
      this.reading--;
      this.lastActivity = Date.now();
    }
  }

  abstract getTreeItem(node: N): vscode.TreeItem;

  /** The top rows of a folder's store: its experiments, its models, or the problem with it. */
  protected abstract folderChildren(folder: string): Promise<N[]>;

  protected abstract childrenOf(node: N): Promise<N[]> | N[];

  /** The parent of a top row: its folder's row, which only a multi-root workspace shows. */
  protected folderParent(folder: string): N | undefined {
    return this.stores.folders().length > 1 ? this.common({ kind: 'folder', folder }) : undefined;
  }

  /** Each tree's node type includes the common rows; this is the one place that says so to the compiler. */
  protected common(node: CommonNode): N {
    return node as unknown as N;
  }
}

/** The tree item of a common row, or undefined for a tree's own kinds. */
export function commonItem(node: { kind: string }): vscode.TreeItem | undefined {
  const common = node as CommonNode;
  switch (common.kind) {
    case 'folder': {
      const item = new vscode.TreeItem(path.basename(common.folder), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `folder:${common.folder}`;
      item.iconPath = vscode.ThemeIcon.Folder;
      item.resourceUri = vscode.Uri.file(common.folder);
      return item;
    }
    case 'problem': {
      const item = new vscode.TreeItem('The experiment store cannot be read', vscode.TreeItemCollapsibleState.None);
      item.id = `problem:${common.folder}`;
      item.description = common.message;
      item.tooltip = common.message;
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      return item;
    }
    case 'error': {
      const item = new vscode.TreeItem(common.message, vscode.TreeItemCollapsibleState.None);
      item.tooltip = common.message;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      return item;
    }
    default:
      return undefined;
  }
}
