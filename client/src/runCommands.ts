import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_COMMANDS, RunEventNotification, RunPipelineRequest, WorkspaceTrustedNotification, type DaskSettings, type ExecutorKind, type RunCommand, type RunEvent, type RunPipelineParams, type RunPipelineResult, type RunSelection } from '../../server/src/protocol';
import type { LanguageServerController } from './languageServer';

/** Where the token of the user's Jupyter server is kept: SecretStorage, never settings. */
const JUPYTER_TOKEN_KEY = 'cellflow.jupyter.token';

/** The `cellflow.dask.*` settings, files relative to the workspace folder made absolute (the CLI runs in the pipeline's folder). */
function daskSettings(config: vscode.WorkspaceConfiguration, folder: string | undefined): DaskSettings {
  const file = (key: string) => {
    const value = config.get<string>(key) || undefined;
    return value && folder ? path.resolve(folder, value) : value;
  };
  const scheduler = config.get<string>('dask.scheduler') || undefined;
  return { scheduler, schedulerFile: scheduler ? undefined : file('dask.schedulerFile'), tlsCa: file('dask.tlsCa'), tlsCert: file('dask.tlsCert'), tlsKey: file('dask.tlsKey') };
}
const MARK: Record<string, string> = { started: '▶', ran: '✔', reused: '↺', failed: '✘', skipped: '–', cancelled: '■' };

/**
 * Run Pipeline / Run Step / Run From Here: the server runs `cellflow run` and streams its events;
 * here they become a cancellable progress notification ("3/7 train · 12 s") and the "Cellflow Runs"
 * log channel. Refused, and hidden from menus, in an untrusted workspace.
 */
export class RunCommands implements vscode.Disposable {
  private readonly running = new Map<string, vscode.CancellationTokenSource>();
  private output: vscode.OutputChannel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private counter = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly server: Promise<LanguageServerController>,
  ) {
    this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void server.then((s) => s.notify(WorkspaceTrustedNotification, { trusted: true }))));
  }

  /** A run command, as the activation bundle's stub passes it on (RUN_COMMAND_IDS). */
  execute(command: RunCommand, args: unknown[]): Promise<unknown> | unknown {
    const [target, id] = args as [string | vscode.Uri | undefined, string | undefined];
    switch (command) {
      case RUN_COMMANDS.runPipeline:
        return this.run(target, { kind: 'all' });
      case RUN_COMMANDS.runStep:
        return this.run(target, { kind: 'step', id: id ?? '' });
      case RUN_COMMANDS.runFromHere:
        return this.run(target, { kind: 'from', id: id ?? '' });
      case RUN_COMMANDS.cancelRun:
        return this.cancel(target);
      case RUN_COMMANDS.openStepLog:
        return this.openLog(String(target));
      case RUN_COMMANDS.setJupyterToken:
        return this.setJupyterToken();
    }
  }

  dispose(): void {
    for (const source of this.running.values()) source.cancel();
    for (const d of this.disposables) d.dispose();
    this.output?.dispose();
  }

  /** Runs a pipeline; resolves with its result (undefined when refused), for the palette and the tests alike. */
  async run(target: string | vscode.Uri | undefined, selection: RunSelection): Promise<RunPipelineResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage('Cellflow does not run pipelines in an untrusted workspace: trust this folder (Workspace Trust) to run it.');
      return undefined;
    }
    const doc = await this.pipelineDocument(target);
    if (!doc) {
      void vscode.window.showErrorMessage('Cellflow: open a pipeline file (*.cellflow.yaml) to run it.');
      return undefined;
    }
    if (selection.kind !== 'all' && !selection.id) {
      const id = await vscode.window.showInputBox({ prompt: 'The id of the step to run' });
      if (!id) return undefined;
      selection = { ...selection, id };
    }
    if (doc.isDirty) await doc.save(); // the run reads the file on disk
    const key = doc.uri.toString();
    if (this.running.has(key)) {
      void vscode.window.showErrorMessage(`Cellflow: ${path.basename(doc.uri.fsPath)} is already running; wait for it, or cancel it first.`);
      return undefined;
    }
    const params = await this.params(doc, selection);
    const source = new vscode.CancellationTokenSource();
    this.running.set(key, source);
    const what = selection.kind === 'all' ? path.basename(doc.uri.fsPath) : `${selection.kind === 'step' ? 'step' : 'from'} ${selection.id}`;
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cellflow: running ${what}`, cancellable: true }, async (progress, token) => {
        token.onCancellationRequested(() => source.cancel());
        return this.follow(params, progress, source.token);
      });
    } catch (err) {
      void vscode.window.showErrorMessage(`Cellflow: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    } finally {
      this.running.delete(key);
      source.dispose();
    }
  }

  private async follow(params: RunPipelineParams, progress: vscode.Progress<{ message?: string }>, token: vscode.CancellationToken): Promise<RunPipelineResult> {
    const server = await this.server;
    const out = this.channel();
    out.appendLine(`── ${new Date().toLocaleTimeString()} ${vscode.workspace.asRelativePath(vscode.Uri.parse(params.uri))} ${params.selection.kind === 'all' ? '' : `${params.selection.kind} ${params.selection.id}`}`.trimEnd());
    let done = 0;
    let total = 0;
    let current: { step: string; since: number } | undefined;
    const report = () => progress.report({ message: `${done}/${total || '?'}${current ? ` ${current.step} · ${Math.round((Date.now() - current.since) / 1000)} s` : ''}` });
    const timer = setInterval(report, 1000);
    const sub = server.onNotification(RunEventNotification, (n) => {
      if (n.runToken !== params.runToken) return;
      total = n.total;
      const e = n.event;
      if (e.event === 'log') {
        out.append(e.text.replace(/^(?=.)/gm, `[${e.step}] `));
        return;
      }
      if (e.event === 'step') {
        if (e.status === 'started') current = { step: e.step, since: Date.now() };
        else {
          done++;
          if (current?.step === e.step) current = undefined;
        }
      }
      out.appendLine(describe(e));
      report();
    });
    try {
      report();
      const result = await server.request(RunPipelineRequest, params, token);
      this.announce(result, out);
      return result;
    } finally {
      clearInterval(timer);
      sub.dispose();
    }
  }

  private announce(result: RunPipelineResult, out: vscode.OutputChannel): void {
    const counts = Object.values(result.steps).reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    const summary = `${result.status} in ${result.seconds.toFixed(1)} s: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'no steps'}`;
    if (result.status === 'failed') {
      const failed = Object.entries(result.steps).filter(([, s]) => s === 'failed').map(([id]) => id);
      void vscode.window.showErrorMessage(`Cellflow: the pipeline ${summary}; failed: ${failed.join(', ')}.`, 'Show Output').then((c) => c && out.show(true));
    } else {
      vscode.window.setStatusBarMessage(`Cellflow: pipeline ${summary}`, 10_000);
    }
  }

  private cancel(target?: string | vscode.Uri): void {
    const key = target ? (typeof target === 'string' ? target : target.toString()) : vscode.window.activeTextEditor?.document.uri.toString();
    const source = key ? this.running.get(key) : [...this.running.values()][0];
    source?.cancel();
  }

  private async openLog(file: string): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(doc, { preview: true });
    const end = new vscode.Position(doc.lineCount, 0);
    editor.revealRange(new vscode.Range(end, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async setJupyterToken(): Promise<void> {
    const token = await vscode.window.showInputBox({ prompt: 'The token of the Jupyter server in cellflow.jupyter.url (kept in the editor\'s secret storage)', password: true, ignoreFocusOut: true });
    if (token === undefined) return;
    await this.context.secrets.store(JUPYTER_TOKEN_KEY, token);
  }

  private async pipelineDocument(target: string | vscode.Uri | undefined): Promise<vscode.TextDocument | undefined> {
    if (target) return vscode.workspace.openTextDocument(typeof target === 'string' ? vscode.Uri.parse(target) : target);
    const active = vscode.window.activeTextEditor?.document;
    return active?.languageId === 'cellflow-pipeline' ? active : undefined;
  }

  private async params(doc: vscode.TextDocument, selection: RunSelection): Promise<RunPipelineParams> {
    const config = vscode.workspace.getConfiguration('cellflow', doc.uri);
    const executor = config.get<ExecutorKind>('run.executor') ?? 'python';
    const python = config.get<string>('python.path') || undefined;
    const jupyterUrl = config.get<string>('jupyter.url') || undefined;
    const jupyterToken = jupyterUrl ? await this.context.secrets.get(JUPYTER_TOKEN_KEY) : undefined;
    const dask = executor === 'dask' ? daskSettings(config, vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath) : undefined;
    return { uri: doc.uri.toString(), selection, executor, python, jupyterUrl, jupyterToken, dask, runToken: `run-${process.pid}-${++this.counter}` };
  }

  private channel(): vscode.OutputChannel {
    this.output ??= vscode.window.createOutputChannel('Cellflow Runs');
    return this.output;
  }
}

function describe(e: Exclude<RunEvent, { event: 'log' }>): string {
  if (e.event === 'pipeline') return `pipeline ${e.status} in ${e.seconds.toFixed(1)} s`;
  const secs = 'seconds' in e && e.seconds !== undefined ? ` ${e.seconds.toFixed(1)} s` : '';
  const why = 'reason' in e && e.reason ? ` (${e.reason})` : '';
  const error = 'error' in e && e.error ? `\n  ${e.error}${'log' in e && e.log ? `\n  full log: ${e.log}` : ''}` : '';
  return `${MARK[e.status] ?? ' '} ${e.step} v${e.version} ${e.status}${secs}${why}${error}`;
}
