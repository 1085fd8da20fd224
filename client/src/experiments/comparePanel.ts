import * as vscode from 'vscode';
import { RunDetailsRequest, type CompareFromWebview, type CompareRun, type CompareToWebview } from '../../../server/src/protocol';
import { errorMessage, type StoreAccess } from './storeAccess';
import { webviewHtml } from './webviewHtml';

/** The issue's range: a comparison of more runs than this is cut, and says so. */
export const MAX_COMPARED_RUNS = 200;
/** Points per metric per run sent to the charts; the server keeps each bucket's extremes. */
const POINTS_PER_SERIES = 500;

/**
 * The Compare Runs webview: one panel, showing the runs last asked for, redrawn when their store
 * changes (a run still logging updates in place). The page asks for data once its script is ready.
 */
export class ComparePanel implements vscode.Disposable {
  private static current: ComparePanel | undefined;
  private ready = false;
  private pending: CompareToWebview | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private loads = 0;
  /** The last message sent, for the editor tests (what the page was given to draw). */
  lastSent: CompareToWebview | undefined;

  static show(context: vscode.ExtensionContext, stores: StoreAccess, folder: string, runIds: string[], actions: CompareActions, focus?: CompareFocus): ComparePanel {
    const ids = runIds.slice(0, MAX_COMPARED_RUNS);
    const truncatedTo = runIds.length > ids.length ? ids.length : undefined;
    if (ComparePanel.current) {
      ComparePanel.current.panel.reveal(undefined, false);
    } else {
      const panel = vscode.window.createWebviewPanel('cellflow.compareRuns', 'Compare Runs', vscode.ViewColumn.Active, {
        enableScripts: true,
        retainContextWhenHidden: false,
        localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'media')],
      });
      ComparePanel.current = new ComparePanel(panel, context, stores, actions);
    }
    const current = ComparePanel.current;
    current.folder = folder;
    current.runIds = ids;
    current.truncatedTo = truncatedTo;
    current.focus = focus;
    void current.load();
    return current;
  }

  static get active(): ComparePanel | undefined {
    return ComparePanel.current;
  }

  private folder = '';
  private runIds: string[] = [];
  private truncatedTo: number | undefined;
  private focus: CompareFocus | undefined;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly stores: StoreAccess,
    private readonly actions: CompareActions,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'cellflow.svg');
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, { script: 'compare.js', style: 'compare.css', title: 'Compare Runs', loading: 'Loading runs…' });
    this.subscriptions.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: CompareFromWebview) => this.received(m)),
      // A hidden webview's page is torn down (retainContextWhenHidden is off); it says ready again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      stores.onDidChange((folder) => {
        // StoreAccess already throttles changes; a slower answer is dropped by load's sequence number.
        if (folder === undefined || folder === this.folder) void this.load();
      }),
    );
  }

  dispose(): void {
    if (ComparePanel.current === this) ComparePanel.current = undefined;
    for (const s of this.subscriptions) s.dispose();
    this.panel.dispose();
  }

  private received(message: CompareFromWebview): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        if (this.pending) this.post(this.pending);
        else if (this.lastSent) this.post(this.lastSent);
        return;
      case 'openRun':
        void this.actions.revealRun(this.folder, message.runId);
        return;
      case 'exportCsv':
        void this.actions.exportCsv(this.folder, this.runIds);
        return;
    }
  }

  private async load(): Promise<void> {
    // A slow answer for an earlier selection must not replace a newer one.
    const seq = ++this.loads;
    try {
      const { runs } = await this.stores.request(RunDetailsRequest, { folder: this.folder, runIds: this.runIds, maxPoints: POINTS_PER_SERIES });
      if (seq !== this.loads) return;
      const compared: CompareRun[] = runs.map((r) => ({
        id: r.id,
        // A sweep's trials share the pipeline's name; their trial number tells them apart.
        label: `${r.name ?? r.id.slice(0, 8)}${r.tags['cellflow.trial'] ? ` #${r.tags['cellflow.trial']}` : ''}`,
        status: r.status,
        experiment: r.experiment,
        params: r.params,
        metrics: r.metrics,
        history: Object.fromEntries(Object.entries(r.metricHistory).map(([k, points]) => [k, points.map((p): [number, number] => [p.step, p.value])])),
      }));
      this.send({ type: 'runs', runs: compared, ...(this.truncatedTo ? { truncatedTo: this.truncatedTo } : {}), ...(this.focus ? { focus: this.focus } : {}) });
    } catch (err) {
      if (seq === this.loads) this.send({ type: 'error', message: errorMessage(err) });
    }
  }

  private send(message: CompareToWebview): void {
    if (this.ready) this.post(message);
    else this.pending = message;
  }

  private post(message: CompareToWebview): void {
    this.pending = undefined;
    this.lastSent = message;
    void this.panel.webview.postMessage(message);
  }
}

export type CompareFocus = NonNullable<Extract<CompareToWebview, { type: 'runs' }>['focus']>;

export interface CompareActions {
  revealRun(folder: string, runId: string): Promise<void>;
  exportCsv(folder: string, runIds: string[]): Promise<void>;
}
