import * as vscode from 'vscode';
import { MaturityRequest, type MaturityCriterion } from '../../../server/src/protocol';
import { errorMessage, type StoreAccess } from './storeAccess';

type Assessed = { level: number; label: string; criteria: MaturityCriterion[]; nextStep?: string };
type Fetched = { folder: string; result: Assessed } | { folder: string; error: string };

export type MaturityNode =
  | { kind: 'level'; folder: string; level: number; label: string; next?: string }
  | { kind: 'criterion'; folder: string; criterion: MaturityCriterion; next: boolean }
  | { kind: 'problem'; message: string };

/**
 * The Maturity view: the workspace's level (0 ad hoc to 4 optimized), then each criterion met or
 * not with its evidence; an unmet one offers its next step as an action. Re-read when the store
 * changes and on Refresh (files such as a CI workflow are read then).
 */
export class MaturityTree implements vscode.TreeDataProvider<MaturityNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<MaturityNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];
  /** The last assessment read, for the editor tests. */
  last: { level: number; criteria: MaturityCriterion[] } | undefined;

  constructor(private readonly stores: StoreAccess) {
    this.subscriptions.push(stores.onDidChange(() => void this.reload()), vscode.workspace.onDidSaveTextDocument((d) => /\.(ya?ml)$/.test(d.fileName) && void this.reload()));
  }

  private assessment: Fetched | undefined;
  private shown = '';
  private loading: Promise<void> | undefined;

  /** Reads the assessment again; the view redraws only when it changed (a redraw drops the rows' handles a click may hold). */
  refresh(): void {
    void this.reload(true);
  }

  private reload(force = false): Promise<void> {
    this.loading ??= (async () => {
      try {
        const next = await this.fetch();
        const key = JSON.stringify(next);
        this.assessment = next;
        if (force || key !== this.shown) {
          this.shown = key;
          this.changed.fire(undefined);
        }
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private async fetch(): Promise<Fetched | undefined> {
    const folder = this.stores.folders()[0];
    if (!folder) return undefined;
    try {
      return { folder, result: await this.stores.request(MaturityRequest, { folder }) };
    } catch (err) {
      return { folder, error: errorMessage(err) };
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }

  async getChildren(node?: MaturityNode): Promise<MaturityNode[]> {
    if (node) return node.kind === 'level' ? this.criteria(node.folder) : [];
    if (!this.assessment) {
      await this.reload();
      this.shown = JSON.stringify(this.assessment);
    }
    const a = this.assessment;
    if (!a) return [];
    if ('error' in a) return [{ kind: 'problem', message: a.error }];
    this.last = a.result;
    return [{ kind: 'level', folder: a.folder, level: a.result.level, label: a.result.label, ...(a.result.nextStep ? { next: a.result.criteria.find((c) => c.id === a.result.nextStep)?.next } : {}) }];
  }

  private criteria(folder: string): MaturityNode[] {
    const a = this.assessment;
    if (!a || 'error' in a) return [];
    return a.result.criteria.map((criterion) => ({ kind: 'criterion', folder, criterion, next: criterion.id === a.result.nextStep }));
  }

  getTreeItem(node: MaturityNode): vscode.TreeItem {
    if (node.kind === 'problem') {
      const item = new vscode.TreeItem(node.message);
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      return item;
    }
    if (node.kind === 'level') {
      const item = new vscode.TreeItem(`Level ${node.level}: ${node.label}`, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `maturity:${node.folder}`;
      item.description = node.next ? `next: ${node.next}` : 'every criterion met';
      item.tooltip = 'The MLOps maturity model: 0 ad hoc, 1 managed, 2 defined, 3 automated, 4 optimized. A level counts when its criteria and all below it hold.';
      item.iconPath = new vscode.ThemeIcon('pulse');
      return item;
    }
    const c = node.criterion;
    const item = new vscode.TreeItem(`L${c.level} ${c.title}`, vscode.TreeItemCollapsibleState.None);
    item.id = `maturity:${node.folder}:${c.id}`;
    item.description = c.evidence;
    item.tooltip = new vscode.MarkdownString(`**${c.title}** (level ${c.level}): ${c.met ? 'met' : 'not met'}\n\n${c.evidence}${c.met ? '' : `\n\nNext: ${c.next ?? ''}`}`);
    item.iconPath = c.met ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')) : new vscode.ThemeIcon(node.next ? 'arrow-right' : 'circle-large-outline', new vscode.ThemeColor(node.next ? 'list.warningForeground' : 'descriptionForeground'));
    item.contextValue = c.met ? 'cellflow.maturityMet' : c.action ? 'cellflow.maturityAction' : 'cellflow.maturityUnmet';
    return item;
  }
}
