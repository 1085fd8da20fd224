import * as vscode from 'vscode';
import type { BenchFromWebview, BenchmarkSummary, BenchReport, BenchToWebview } from '../../../server/src/protocol';
import { webviewHtml } from './webviewHtml';

/**
 * The benchmark results page: one panel, showing the latest benchmark (while it runs, how far it has
 * got): a table per provider and batch, latency percentiles and throughput against batch size per
 * provider, and the model's earlier results beside them, regressions marked. Data after `ready`.
 */
export class BenchPanel implements vscode.Disposable {
  private static current: BenchPanel | undefined;
  private ready = false;
  private last: BenchToWebview | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Every message sent, for the editor tests. */
  readonly sent: BenchToWebview[] = [];

  static show(context: vscode.ExtensionContext, model: string): BenchPanel {
    if (!BenchPanel.current) {
      const panel = vscode.window.createWebviewPanel('cellflow.bench', 'Benchmark', vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'media')],
      });
      BenchPanel.current = new BenchPanel(panel, context);
    }
    const p = BenchPanel.current;
    p.model = model;
    p.panel.title = `Benchmark: ${model}`;
    p.panel.reveal(undefined, false);
    p.send({ type: 'running', model, message: 'starting…' });
    return p;
  }

  static get active(): BenchPanel | undefined {
    return BenchPanel.current;
  }

  private model = '';

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'cellflow.svg');
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, { script: 'bench.js', style: 'bench.css', title: 'Benchmark', loading: 'Loading…' });
    this.subscriptions.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: BenchFromWebview) => {
        if (m.type !== 'ready') return;
        this.ready = true;
        if (this.last) this.post(this.last);
      }),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false; // its page is torn down; it says ready again when shown
      }),
    );
  }

  running(message: string): void {
    this.send({ type: 'running', model: this.model, message });
  }

  results(report: BenchReport, history: BenchmarkSummary[]): void {
    this.send({ type: 'results', model: this.model, report, history });
  }

  failed(message: string): void {
    this.send({ type: 'error', message });
  }

  dispose(): void {
    if (BenchPanel.current === this) BenchPanel.current = undefined;
    for (const s of this.subscriptions) s.dispose();
    this.panel.dispose();
  }

  private send(message: BenchToWebview): void {
    this.last = message;
    if (this.ready) this.post(message);
  }

  private post(message: BenchToWebview): void {
    this.sent.push(message);
    void this.panel.webview.postMessage(message);
  }
}
