import * as vscode from 'vscode';
import { LineageGraphRequest, type LineageFromWebview, type LineageGraph, type LineageToWebview } from '../../../server/src/protocol';
import { errorMessage, type StoreAccess } from './storeAccess';
import { webviewHtml } from './webviewHtml';

/**
 * The Lineage page: the chain both ways from a run, a version, a step or a cell, laid out as a
 * graph (dagre) with the chosen node centred; a node opens its place: the notebook cell, the step
 * in its pipeline file, the run in Runs, the version in Model Registry.
 */
export class LineagePanel implements vscode.Disposable {
  private static current: LineagePanel | undefined;
  private ready = false;
  private last: LineageToWebview | undefined;
  private graph: LineageGraph | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Every message sent, for the editor tests. */
  readonly sent: LineageToWebview[] = [];

  static async show(context: vscode.ExtensionContext, stores: StoreAccess, folder: string, ref: string): Promise<LineagePanel> {
    if (!LineagePanel.current) {
      const panel = vscode.window.createWebviewPanel('cellflow.lineage', 'Lineage', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'media')] });
      LineagePanel.current = new LineagePanel(panel, context, stores);
    }
    const p = LineagePanel.current;
    p.folder = folder;
    p.panel.title = `Lineage: ${ref}`;
    p.panel.reveal(undefined, false);
    try {
      p.graph = await stores.request(LineageGraphRequest, { folder, ref });
      p.send({ type: 'graph', ref, graph: p.graph });
    } catch (err) {
      p.send({ type: 'error', message: errorMessage(err) });
    }
    return p;
  }

  static get active(): LineagePanel | undefined {
    return LineagePanel.current;
  }

  private folder = '';

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly stores: StoreAccess,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'cellflow.svg');
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, { script: 'lineage.js', style: 'lineage.css', title: 'Lineage', loading: 'Loading the lineage…' });
    this.subscriptions.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.webview.onDidReceiveMessage((m: LineageFromWebview) => {
        if (m.type === 'ready') {
          this.ready = true;
          if (this.last) this.post(this.last);
        } else this.open(m.node).catch((err: unknown) => void vscode.window.showErrorMessage(`Cellflow: cannot open that node: ${errorMessage(err)}`));
      }),
    );
  }

  /** A node's place: a cell in its notebook, a step in its pipeline file, a run or a version in its view. */
  private async open(id: string): Promise<void> {
    const node = this.graph?.nodes.find((n) => n.id === id);
    if (!node) return;
    const file = (relative: string) => {
      const uri = this.stores.fileUri(this.folder, relative);
      if (!uri) throw new Error(`${relative} is outside the workspace`);
      return uri;
    };
    if (node.kind === 'cell-hash' && node.location) {
      const notebook = await vscode.workspace.openNotebookDocument(file(node.location.file));
      const cell = node.location.cell ?? 0;
      await vscode.window.showNotebookDocument(notebook, { selections: [new vscode.NotebookRange(cell, cell + 1)] });
    } else if (node.kind === 'step-version' && node.location) {
      const doc = await vscode.workspace.openTextDocument(file(node.location.file));
      const line = node.location.line ?? 0;
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0) });
    } else if (node.kind === 'run') {
      await vscode.commands.executeCommand('cellflow.revealRun', { folder: this.folder, runId: node.key });
    } else if (node.kind === 'model-version') {
      const at = node.key.lastIndexOf('@');
      await vscode.commands.executeCommand('cellflow.revealModelVersion', { folder: this.folder, model: node.key.slice(0, at), version: Number(node.key.slice(at + 1)) });
    } else if (node.kind === 'drift-report') {
      await vscode.commands.executeCommand('cellflow.drift.focus');
    } else if (node.kind === 'benchmark') {
      const version = this.graph?.edges.find((e) => e.to === node.id)?.from.replace(/^model-version:/, '');
      if (version) await vscode.commands.executeCommand('cellflow.revealModelVersion', { folder: this.folder, model: version.slice(0, version.lastIndexOf('@')), version: Number(version.slice(version.lastIndexOf('@') + 1)) });
    }
  }

  dispose(): void {
    if (LineagePanel.current === this) LineagePanel.current = undefined;
    for (const s of this.subscriptions) s.dispose();
    this.panel.dispose();
  }

  private send(message: LineageToWebview): void {
    this.last = message;
    if (this.ready) this.post(message);
  }

  private post(message: LineageToWebview): void {
    this.sent.push(message);
    void this.panel.webview.postMessage(message);
  }
}
