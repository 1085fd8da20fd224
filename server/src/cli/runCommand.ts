import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidInput } from '../core/errors';
import { lintDocument } from '../core/pipeline/lint';
import type { RunEvent } from '../core/runner/events';
import { EXECUTORS, isExecutorKind } from '../core/runner/executors';
import type { Selection } from '../core/runner/selection';
import { decodeUtf8 } from '../core/text/decode';
import { terminalSafe as safe } from '../core/text/terminalSafe';
import { diskContext } from '../io/diskContext';
import { tlsFlags } from './tlsFlags';
import { findWorkspaceRoot, storePath } from '../io/storeLocation';
import { collectGarbage } from '../services/runner/gc';
import { importedModules } from '../services/runner/localModules';
import type { StepExecutor } from '../services/runner/executor';
import { clusterState } from '../services/runner/cluster';
import { DaskExecutor, type DaskTarget } from '../services/runner/daskExecutor';
import { PythonExecutor } from '../services/runner/pythonExecutor';
import { runPipeline, type RunResult } from '../services/runner/runner';
import { refuseLinkedOut } from '../services/store/db';
import { Store } from '../services/store/store';

export interface RunArgs {
  pipeline: string;
  step?: string;
  from?: string;
  force: boolean;
  dryRun: boolean;
  keepGoing: boolean;
  params: string[];
  executor: string;
  /** The user's Jupyter server; its token comes from CELLFLOW_JUPYTER_TOKEN (the editor passes it from SecretStorage). */
  jupyterUrl?: string;
  /** --executor dask: the scheduler (tcp:// or tls://), or its scheduler file; certificates for TLS. */
  scheduler?: string;
  schedulerFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  jobs?: string;
  python?: string;
  store?: string;
  json: boolean;
  /** With --json, the steps' output too, as {"event":"log"} lines (the editor streams them to its log channel). */
  logEvents?: boolean;
}

/** Exit codes: 0 succeeded, 1 a step or check failed, 2 bad usage or input, 130 cancelled. */
export async function runRun(args: RunArgs, pythonPackages: string): Promise<number> {
  const session = await openPipelineSession(args, pythonPackages);
  try {
    const result = await session.run(parseParams(args.params, session.declared), (e) => print(e, args, session.root));
    return result.status === 'succeeded' ? 0 : result.status === 'cancelled' ? 130 : 1;
  } finally {
    await session.close();
  }
}

/** A pipeline checked and ready to run, perhaps many times (a sweep's trials): one store, one executor, Ctrl+C cancels. */
export interface PipelineSession {
  root: string;
  pipelineRel: string;
  declared: string[];
  store: Store;
  run(params: Record<string, unknown>, onEvent: (e: RunEvent) => void): Promise<RunResult>;
  close(): Promise<void>;
}

export async function openPipelineSession(args: RunArgs, pythonPackages: string): Promise<PipelineSession> {
  refuseMismatchedFlags(args);
  let jobs = args.jobs === undefined ? os.availableParallelism() : Number(args.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new InvalidInput(`--jobs takes a whole number from 1 to 256, not ${JSON.stringify(args.jobs)}`);
  const pipelinePath = path.resolve(args.pipeline);
  let text: string;
  try {
    text = decodeUtf8(fs.readFileSync(pipelinePath));
  } catch {
    throw new InvalidInput(`${args.pipeline}: no such file`);
  }
  const root = findWorkspaceRoot(path.dirname(pipelinePath));
  const lint = lintDocument(text, { context: diskContext(pipelinePath, undefined, root) });
  const errors = lint.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !lint.model) {
    const first = errors.slice(0, 3).map((d) => `${args.pipeline}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`);
    throw new InvalidInput(`the pipeline has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} first (cellflow lint): ${first.join('; ')}`);
  }
  const model = lint.model;
  const declared = [...model.params.keys()];
  parseParams(args.params, declared); // a mistyped --param is refused before anything starts
  let python = probePython(args.python ?? process.env.CELLFLOW_PYTHON ?? 'python3');
  const target = args.executor === 'dask' ? daskTarget(args, root) : undefined;
  const file = args.store ? path.resolve(args.store) : storePath(root);
  refuseLinkedOut(file, root);
  const store = new Store(file, root);
  const selection: Selection = args.step ? { kind: 'step', id: args.step } : args.from ? { kind: 'from', id: args.from } : { kind: 'all' };
  let executor: StepExecutor;
  try {
    executor = await makeExecutor(args, python.path, pythonPackages, root, store, target);
  } catch (err) {
    store.close();
    throw err;
  }
  if (executor instanceof DaskExecutor) {
    // The steps run on the workers' Python: their results are keyed by it, and the cluster's threads bound --jobs.
    python = executor.python;
    if (args.jobs === undefined) jobs = Math.max(1, executor.concurrency);
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    root,
    pipelineRel: path.relative(root, pipelinePath).split(path.sep).join('/'),
    declared,
    store,
    run: (params, onEvent) => {
      const { force, dryRun, keepGoing } = args;
      return runPipeline({ pipelinePath, model, workspaceRoot: root, store, selection, force, dryRun, keepGoing, params, jobs, python, executor, importsOf: importedModules, signal: controller.signal, onEvent });
    },
    close: async () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      await executor.dispose();
      store.close();
    },
  };
}

/** Flags that contradict each other or the executor, refused before anything is read or started. */
function refuseMismatchedFlags(args: RunArgs): void {
  if (args.step && args.from) throw new InvalidInput('--step and --from cannot be used together');
  if (!isExecutorKind(args.executor)) throw new InvalidInput(`--executor takes ${EXECUTORS.slice(0, -1).join(', ')} or ${EXECUTORS.at(-1)}, not ${JSON.stringify(args.executor)}`);
  if ((args.scheduler || args.schedulerFile || args.tlsCa || args.tlsCert || args.tlsKey) && args.executor !== 'dask') throw new InvalidInput('--scheduler, --scheduler-file and --tls-* go with --executor dask');
  if (args.jupyterUrl && args.executor !== 'jupyter') throw new InvalidInput('--jupyter-url goes with --executor jupyter');
  if (args.jupyterUrl && !/^https?:\/\/[^/]/.test(args.jupyterUrl)) throw new InvalidInput(`--jupyter-url takes an http(s) URL, not ${JSON.stringify(args.jupyterUrl)}`);
}

/** The python executor, a Dask one, or a jupyter one (loaded only then: @jupyterlab/services is not small). */
async function makeExecutor(args: RunArgs, python: string, pythonPackages: string, root: string, store: Store, target: DaskTarget | undefined): Promise<StepExecutor> {
  if (args.executor === 'python') return new PythonExecutor(python, pythonPackages);
  if (target) return DaskExecutor.connect({ python, pythonPackages, target, store });
  const { JupyterExecutor } = await import('../services/runner/jupyterExecutor');
  const server = args.jupyterUrl ? { url: args.jupyterUrl, token: process.env.CELLFLOW_JUPYTER_TOKEN ?? '' } : undefined;
  return new JupyterExecutor({ python, pythonPackages, workspace: root, server });
}

/**
 * The cluster --executor dask uses: --scheduler, --scheduler-file, or else the one `cellflow cluster
 * start` started for this workspace; with --tls-ca, --tls-cert and --tls-key (all three), TLS only.
 */
function daskTarget(args: RunArgs, root: string): DaskTarget {
  if (args.scheduler && args.schedulerFile) throw new InvalidInput('--scheduler and --scheduler-file cannot be used together');
  if (args.scheduler && !/^(tcp|tls):\/\/[^/]+$/.test(args.scheduler)) throw new InvalidInput(`--scheduler takes tcp://HOST:PORT or tls://HOST:PORT, not ${JSON.stringify(args.scheduler)}`);
  const tls = tlsFlags(args);
  if (args.scheduler) {
    if (args.scheduler.startsWith('tls://') !== Boolean(tls)) throw new InvalidInput(tls ? 'the certificates are for a tls:// scheduler' : `${args.scheduler} needs --tls-ca, --tls-cert and --tls-key`);
    return { scheduler: args.scheduler, tls };
  }
  if (args.schedulerFile) {
    if (!fs.existsSync(args.schedulerFile)) throw new InvalidInput(`${args.schedulerFile}: no such file`);
    return { schedulerFile: path.resolve(args.schedulerFile), tls };
  }
  const cluster = clusterState(root);
  if (!cluster) throw new InvalidInput('no Dask cluster for this workspace: pass --scheduler tcp://HOST:PORT or --scheduler-file F, or start one with `cellflow cluster start --workers N`');
  return { schedulerFile: cluster.schedulerFile, tls: tls ?? cluster.tls };
}

/** `--param K=V`: K a param of the pipeline; V as JSON when it reads as JSON (0.3, true, [1, 2]), else text. */
export function parseParams(pairs: string[], declared: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidInput(`--param takes KEY=VALUE, not ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq);
    if (!declared.includes(key)) throw new InvalidInput(`--param ${key}: not a param of the pipeline (params: ${declared.join(', ') || 'none'})`);
    const raw = pair.slice(eq + 1);
    try {
      out[key] = JSON.parse(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

function probePython(python: string): { path: string; version: string } {
  // Keyed by its version and prefix too: two virtual environments both called `python3` differ there.
  // And by the path it runs from (sys.executable), not the name it was given: `python3` here and
  // `/usr/bin/python3` on a Dask worker are one interpreter, and share their cached results.
  const r = spawnSync(python, ['-c', 'import sys; print(sys.executable); print(sys.version.split()[0], sys.prefix)'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new InvalidInput(`the Python interpreter ${python} cannot be run${r.error ? ` (${r.error.message})` : ''}; pass --python or set CELLFLOW_PYTHON`);
  const [executable, version] = r.stdout.trim().split('\n');
  return { path: executable?.trim() || python, version: (version ?? '').trim() };
}

const MARK: Record<string, string> = { started: '▶', ran: '✔', reused: '↺', failed: '✘', skipped: '–', cancelled: '■', 'would-run': '▶' };

function print(e: RunEvent, args: Pick<RunArgs, 'json' | 'logEvents'>, root: string): void {
  if (args.json) {
    if (e.event !== 'log' || args.logEvents) process.stdout.write(`${JSON.stringify(e)}\n`);
    return;
  }
  if (e.event === 'log') return; // in the step's log file; a failure prints its tail
  if (e.event === 'pipeline') {
    const counts = Object.values(e.steps).reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    process.stdout.write(`pipeline ${e.status} in ${e.seconds.toFixed(1)} s: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'no steps'}\n`);
    return;
  }
  const seconds = 'seconds' in e && e.seconds !== undefined ? ` ${e.seconds.toFixed(1)} s` : '';
  const dry = 'dryRun' in e ? (e.status === 'would-run' ? ' would run' : ' would be reused') : '';
  const why = 'reason' in e && e.reason ? ` (${safe(e.reason)})` : '';
  process.stdout.write(`${MARK[e.status] ?? ' '} ${safe(e.step)} v${e.version}${dry || (e.status === 'started' ? '' : ` ${e.status}`)}${seconds}${why}\n`);
  if (e.status === 'failed' && 'error' in e && e.error) {
    process.stdout.write(`  ${safe(e.error)}\n`);
    if ('log' in e && e.log) {
      const tail = fs.readFileSync(path.join(root, e.log), 'utf8').trimEnd().split('\n').slice(-15);
      process.stdout.write(`${tail.map((l) => `  | ${safe(l)}`).join('\n')}\n  full log: ${e.log}\n`);
    }
  }
}

/** `cellflow gc [--dry-run] [--json]`: artifacts no cached result or recorded run refers to, removed. */
export function runGc(options: { dryRun: boolean; json: boolean; store?: string }): number {
  const root = findWorkspaceRoot(process.cwd());
  const file = options.store ? path.resolve(options.store) : storePath(root);
  refuseLinkedOut(file, root);
  if (!fs.existsSync(file)) {
    process.stdout.write(options.json ? `${JSON.stringify({ removed: [], kept: 0, bytes: 0 })}\n` : 'Nothing to collect: nothing has run in this workspace.\n');
    return 0;
  }
  const store = new Store(file, root);
  try {
    const r = collectGarbage(root, store, { dryRun: options.dryRun });
    if (options.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else process.stdout.write(`${options.dryRun ? 'Would remove' : 'Removed'} ${r.removed.length} artifact${r.removed.length === 1 ? '' : 's'} (${(r.bytes / 1024 / 1024).toFixed(1)} MB); kept ${r.kept} that runs refer to.\n`);
    return 0;
  } finally {
    store.close();
  }
}
