import * as path from 'node:path';
import * as vscode from 'vscode';
import { DriftHistoryRequest, DriftRequest, ModelsRequest, type DriftChoices, type DriftFromWebview, type DriftParams, type DriftToWebview } from '../../../server/src/protocol';
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
    for (const s of this.subscriptions) s.dispose();
  }

  private async received(m: DriftFromWebview): Promise<void> {
    if (m.type === 'ready') {
      this.ready = true;
      for (const q of this.queue.splice(0)) this.post(q);
      await this.sendChoices();
      return;
    }
    await this.compare(m.reference, m.current);
  }

  /** Runs a comparison (also the editor tests' way in): the table, the verdict and the history go to the page. */
  async compare(reference: DriftParams['reference'], current: string): Promise<void> {
    const folder = this.stores.folders()[0];
    if (!folder) return this.send({ type: 'error', message: 'Open a folder to compare data in it.' });
    const shown = reference.kind === 'model' ? reference.model : reference.path;
    this.send({ type: 'running', reference: shown, current });
    try {
      const python = vscode.workspace.getConfiguration('cellflow').get<string>('python.path') || undefined;
      const { report, saved } = await vscode.window.withProgress({ location: { viewId: 'cellflow.drift' } }, () => this.stores.request(DriftRequest, { folder, reference, current, python }));
      const model = saved.model ?? (reference.kind === 'model' ? reference.model : undefined);
      const history = model ? (await this.stores.request(DriftHistoryRequest, { folder, model })).reports.map((r) => ({ createdAt: r.createdAt, share: r.share, drifted: r.drifted })).reverse() : [];
      this.send({ type: 'report', reference: shown, current, report, history });
    } catch (err) {
      this.send({ type: 'error', message: errorMessage(err) });
    }
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
