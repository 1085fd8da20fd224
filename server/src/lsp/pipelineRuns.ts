import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { CodeLensRefreshRequest, DiagnosticSeverity, ErrorCodes, ResponseError, type CancellationToken, type CodeLens, type Connection, type Diagnostic, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import type { LintResult } from '../core/pipeline/lint';
import type { RunEvent } from '../core/runner/events';
import { applyRunEvent, resultsFromStore, type StepResult } from '../core/runner/results';
import { plannedSteps, selectSteps, type Selection } from '../core/runner/selection';
import { failedSteps, runLenses } from '../core/runner/view';
import { findWorkspaceRoot } from '../io/storeLocation';
import { RunEventNotification, RunPipelineRequest, type RunPipelineParams, type RunPipelineResult } from '../protocol';
import type { DiagnosticsScheduler } from './diagnostics';
import { PIPELINE_LANGUAGE } from './diagnostics';
import type { Experiments } from './experiments';
import { onRequest } from './requests';
import { UNTRUSTED, type Trust } from './trust';

/** A run the editor started, while it runs and after: it has the skipped steps the store does not. */
interface EditorRun {
  results: Map<string, StepResult>;
  startedAt: Map<string, number>;
  running: boolean;
  runId?: string;
}

/** The CLI this server ships beside (dist/cli/cellflow.js): runs go through it, so the editor and CI run the same code. */
export const CLI = path.resolve(__dirname, '..', 'cli', 'cellflow.js');
/** While a step runs, its lens ("running 12 s") is refreshed this often. */
const TICK_MS = 1000;

/**
 * Pipeline runs from the editor: `cellflow/runPipeline` runs `cellflow run --json` in a process of its
 * own (never in the server, so lint never waits on a step), streams its events to the client, and
 * cancels it with SIGINT when the request is cancelled. Lenses and failed-step diagnostics show the
 * last run's results: the editor's own while it runs, else the store's. Nothing runs untrusted.
 */
export function registerRuns(connection: Connection, documents: TextDocuments<TextDocument>, lint: DiagnosticsScheduler, experiments: Experiments, trust: Trust): void {
  const isTrusted = () => trust.trusted;
  const runs = new Map<string, EditorRun>();
  let tick: NodeJS.Timeout | undefined;

  const refresh = () => {
    void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined); // a client without the refresh capability asks again on edits
  };

  // A run from the CLI (or another window) shows here too, once it is in the store.
  experiments.onStoreChanged(() => {
    refresh();
    lint.scheduleAll();
  });

  trust.onGranted(refresh);

  /** The results to show for a pipeline file: a running editor run, else the store's last run (or the editor's, when it is that one). */
  const resultsFor = (fsPath: string, versionOf: (id: string) => number | undefined): EditorRun | undefined => {
    const own = runs.get(fsPath);
    if (own?.running) return own;
    const last = experiments.lastPipelineRun(fsPath);
    if (!last || (own && own.runId === last.run.id)) return own;
    return { results: resultsFromStore(last.run, last.steps, versionOf), startedAt: new Map(), running: false, runId: last.run.id };
  };

  const modelOf = (uri: string): { doc: TextDocument; fsPath: string; result: LintResult } | undefined => {
    const doc = documents.get(uri);
    const u = URI.parse(uri);
    if (!doc || doc.languageId !== PIPELINE_LANGUAGE || u.scheme !== 'file') return undefined;
    return { doc, fsPath: u.fsPath, result: lint.current(doc) };
  };

  connection.onCodeLens(({ textDocument }): CodeLens[] => {
    const o = modelOf(textDocument.uri);
    const model = o?.result.model;
    if (!o || !model || !o.result.parsed) return [];
    const versions = new Map(model.steps.filter((s) => s.id).map((s) => [s.id!.value, s.version]));
    const shown = resultsFor(o.fsPath, (id) => versions.get(id));
    const root = findWorkspaceRoot(path.dirname(o.fsPath));
    const lines = o.result.parsed.lines;
    return runLenses(model, textDocument.uri, {
      trusted: isTrusted(),
      running: shown?.running ?? false,
      results: shown?.results ?? new Map(),
      startedAt: shown?.startedAt ?? new Map(),
      logTarget: (log) => path.join(root, log),
    }).map((l) => {
      const at = lines.positionAt(l.offset);
      return { range: { start: at, end: at }, command: { title: l.title, command: l.command, arguments: l.args, ...(l.tooltip ? { tooltip: l.tooltip } : {}) } };
    });
  });

  lint.addDiagnostics((doc, result) => {
    const u = URI.parse(doc.uri);
    if (!result.model || !result.parsed || u.scheme !== 'file') return [];
    const model = result.model;
    const versions = new Map(model.steps.filter((s) => s.id).map((s) => [s.id!.value, s.version]));
    const shown = resultsFor(u.fsPath, (id) => versions.get(id));
    if (!shown) return [];
    const root = findWorkspaceRoot(path.dirname(u.fsPath));
    return failedSteps(model, shown.results).map((f): Diagnostic => {
      const log = f.log ? URI.file(path.join(root, f.log)).toString() : undefined;
      return {
        range: result.parsed!.lines.rangeOf(f.start, f.end),
        severity: DiagnosticSeverity.Error,
        source: 'cellflow',
        code: 'step-failed',
        message: f.message,
        ...(log ? { codeDescription: { href: log }, relatedInformation: [{ location: { uri: log, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }, message: 'the full log of the step' }] } : {}),
      };
    });
  });

  onRequest(connection, RunPipelineRequest, async (params, token) => {
    if (!isTrusted()) throw new ResponseError(ErrorCodes.InvalidRequest, UNTRUSTED);
    const uri = URI.parse(params.uri);
    if (uri.scheme !== 'file') throw new ResponseError(ErrorCodes.InvalidParams, `only a pipeline file on disk can run, not ${params.uri}`);
    const o = modelOf(params.uri);
    const fsPath = uri.fsPath;
    if (runs.get(fsPath)?.running) throw new ResponseError(ErrorCodes.InvalidRequest, `${path.basename(fsPath)} is already running; wait for it, or cancel it first`);
    const total = o?.result.model ? countSelected(o.result.model, params.selection) : 0;
    const run: EditorRun = { results: new Map(), startedAt: new Map(), running: true };
    runs.set(fsPath, run);
    tick ??= setInterval(() => {
      if ([...runs.values()].some((r) => r.running)) refresh();
    }, TICK_MS);
    refresh();
    try {
      return await runCli(fsPath, params, token, (event) => {
        if (event.event === 'step' && event.status === 'started') run.startedAt.set(event.step, Date.now());
        if (event.event === 'pipeline') run.runId = event.runId;
        applyRunEvent(run.results, event);
        void connection.sendNotification(RunEventNotification.method, { runToken: params.runToken, uri: params.uri, total, event });
        if (event.event !== 'log') {
          refresh();
          lint.schedule(params.uri);
        }
      });
    } finally {
      run.running = false;
      if (![...runs.values()].some((r) => r.running)) {
        clearInterval(tick);
        tick = undefined;
      }
      refresh();
      lint.schedule(params.uri);
    }
  });
}

function countSelected(model: NonNullable<LintResult['model']>, selection: Selection): number {
  try {
    return selectSteps(plannedSteps(model), selection).take.size;
  } catch {
    return 0; // an unknown step: the CLI refuses it with the message
  }
}

/** The `cellflow.dask.*` settings as `cellflow run` flags; the CLI checks them (and names a wrong one). */
function daskFlags(d: NonNullable<RunPipelineParams['dask']>): string[] {
  const flags: string[] = [];
  if (d.scheduler) flags.push('--scheduler', d.scheduler);
  if (d.schedulerFile) flags.push('--scheduler-file', d.schedulerFile);
  if (d.tlsCa) flags.push('--tls-ca', d.tlsCa);
  if (d.tlsCert) flags.push('--tls-cert', d.tlsCert);
  if (d.tlsKey) flags.push('--tls-key', d.tlsKey);
  return flags;
}

/** `cellflow run <file> --json --log-events`, its events passed on; exit 2 (bad usage, a refusal) is an error with its message. */
function runCli(fsPath: string, p: RunPipelineParams, token: CancellationToken, onEvent: (e: RunEvent) => void): Promise<RunPipelineResult> {
  const args = [CLI, 'run', fsPath, '--json', '--log-events'];
  if (p.selection.kind !== 'all') args.push(p.selection.kind === 'step' ? '--step' : '--from', p.selection.id);
  if (p.force) args.push('--force');
  if (p.executor) args.push('--executor', p.executor);
  if (p.python) args.push('--python', p.python);
  if (p.jupyterUrl && p.executor === 'jupyter') args.push('--jupyter-url', p.jupyterUrl);
  if (p.executor === 'dask' && p.dask) args.push(...daskFlags(p.dask));
  const env = { ...process.env, ...(p.jupyterToken ? { CELLFLOW_JUPYTER_TOKEN: p.jupyterToken } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: path.dirname(fsPath), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let last: RunPipelineResult | undefined;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-8000)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let e: RunEvent;
      try {
        e = JSON.parse(line) as RunEvent;
      } catch {
        return; // not an event
      }
      if (e.event === 'pipeline') last = { status: e.status, runId: e.runId, steps: e.steps, seconds: e.seconds };
      onEvent(e);
    });
    const cancel = token.onCancellationRequested(() => child.kill('SIGINT'));
    child.on('error', (err) => reject(new ResponseError(ErrorCodes.InternalError, `could not start the Cellflow CLI: ${err.message}`)));
    child.on('close', (code) => {
      cancel.dispose();
      if (last) return resolve(last);
      const said = stderr.trim().replace(/^cellflow: /, '');
      reject(new ResponseError(code === 2 ? ErrorCodes.InvalidParams : ErrorCodes.InternalError, said || `cellflow run exited with code ${code}`));
    });
  });
}
