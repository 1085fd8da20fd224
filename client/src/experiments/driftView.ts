import * as path from 'node:path';
import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import { describeDriftProgress, DriftHistoryRequest, DriftProgressNotification, DriftRequest, ModelsRequest, RUN_COMMANDS, type DriftChoices, type DriftFromWebview, type DriftParams, type DriftReport, type DriftToWebview } from '../../../server/src/protocol';
import { errorMessage, type StoreAccess } from './storeAccess';
import { webviewHtml } from './webviewHtml';

/** Most data files offered in the pickers. */
const MAX_FILES = 500;

/**
 * The Data Drift view (a webview in the Cellflow sidebar): pick a model version (its training data)
 * or a file as the reference, and the current data; the language server runs `cellflow drift` and
 * the page draws the table, the verdict, a column's distributions and the version's history. The
 * page asks for its data once its script has loaded (`ready`).
 */
export class DriftView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private readonly queue: DriftToWebview[] = [];
  /** The comparison under way, which the page's Cancel ends. */
  private running: vscode.CancellationTokenSource | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Every message sent, for the editor tests (what the page was given to draw). */
  readonly sent: DriftToWebview[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly stores: StoreAccess,
  ) {
    this.subscriptions.push(vscode.window.registerWebviewViewProvider('cellflow.drift', this), stores.onDidChange(() => void this.sendChoices()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'media')] };
    view.webview.html = webviewHtml(view.webview, this.context.extensionUri, { script: 'drift.js', style: 'drift.css', title: 'Data Drift', loading: 'Loading…' });
    this.subscriptions.push(
      view.webview.onDidReceiveMessage((m: DriftFromWebview) => void this.received(m)),
      view.onDidDispose(() => {
        this.view = undefined;
        this.ready = false;
      }),
    );
  }

  dispose(): void {
    this.running?.cancel();
    for (const s of this.subscriptions) s.dispose();
  }

  private async received(m: DriftFromWebview): Promise<void> {
    if (m.type === 'ready') {
      this.ready = true;
      for (const q of this.queue.splice(0)) this.post(q);
      await this.sendChoices();
      return;
    }
    if (m.type === 'cancel') return this.running?.cancel();
    await this.compare(m.reference, m.current);
  }

  /**
   * Runs a comparison (also the editor tests' way in): progress, then the table, the verdict and the
   * history go to the page. A new comparison cancels the one under way; so does the page's Cancel.
   */
  async compare(reference: DriftParams['reference'], current: string): Promise<void> {
    const folder = this.stores.folders()[0];
    if (!folder) return this.send({ type: 'error', message: 'Open a folder to compare data in it.' });
    const shown = reference.kind === 'model' ? reference.model : reference.path;
    this.running?.cancel();
    const source = (this.running = new vscode.CancellationTokenSource());
    const progressToken = randomUUID();
    this.send({ type: 'running', reference: shown, current });
    const progress = await this.stores.onNotification(DriftProgressNotification, (n) => n.progressToken === progressToken && this.send({ type: 'progress', message: describeDriftProgress(n.progress) }));
    try {
      const python = vscode.workspace.getConfiguration('cellflow').get<string>('python.path') || undefined;
      const { report, saved } = await vscode.window.withProgress({ location: { viewId: 'cellflow.drift' } }, () => this.stores.request(DriftRequest, { folder, reference, current, python, progressToken }, source.token));
      if (source.token.isCancellationRequested) return this.send({ type: 'cancelled' });
      const model = saved.model ?? (reference.kind === 'model' ? reference.model : undefined);
      const history = model ? (await this.stores.request(DriftHistoryRequest, { folder, model })).reports.map((r) => ({ createdAt: r.createdAt, share: r.share, drifted: r.drifted })).reverse() : [];
      this.send({ type: 'report', reference: shown, current, report, history });
      if (model && report.dataset.drifted && saved.pipeline) void this.offerRerun(folder, model, report, saved.pipeline);
    } catch (err) {
      this.send(source.token.isCancellationRequested ? { type: 'cancelled' } : { type: 'error', message: errorMessage(err) });
    } finally {
      progress.dispose();
      if (this.running === source) this.running = undefined;
      source.dispose();
    }
  }

  /** A drifted version whose lineage leads to a pipeline: offer to retrain it. */
  private async offerRerun(folder: string, model: string, report: DriftReport, pipeline: string): Promise<void> {
    const uri = this.stores.fileUri(folder, pipeline);
    if (!uri) return;
    const d = report.dataset;
    const choice = await vscode.window.showWarningMessage(`Cellflow: the data has drifted from ${model}'s training data (${d.driftedColumns.length} of ${report.columns.length} columns). ${pipeline} trained it.`, 'Re-run Pipeline');
    if (choice) await vscode.commands.executeCommand(RUN_COMMANDS.runPipeline, uri);
  }

  private async sendChoices(): Promise<void> {
    const folder = this.stores.folders()[0];
    if (!folder) return;
    try {
      const { models } = await this.stores.request(ModelsRequest, { folder });
      const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.{csv,tsv,parquet}'), '**/{node_modules,.cellflow,.git}/**', MAX_FILES);
      const choices: DriftChoices = {
        models: models.flatMap((m) => m.versions.map((v) => ({ id: `${m.name}@${v.version}`, aliases: v.aliases, ...(v.drift ? { drifted: v.drift.drifted } : {}) }))),
        files: found.map((u) => path.relative(folder, u.fsPath).split(path.sep).join('/')).sort(),
      };
      this.send({ type: 'choices', choices });
    } catch (err) {
      this.send({ type: 'error', message: errorMessage(err) });
    }
  }

  private send(message: DriftToWebview): void {
    if (this.view && this.ready) this.post(message);
    else if (message.type !== 'choices') this.queue.push(message);
  }

  private post(message: DriftToWebview): void {
    this.sent.push(message);
    void this.view?.webview.postMessage(message);
  }
}
