/**
 * The one typed contract between Cellflow's processes: custom LSP messages (client <-> language server)
 * and webview messages (extension host <-> webview). Client, server and webview scripts all import it.
 * It depends on nothing: a request is its method name carrying its parameter and result types, so the
 * extension's activation bundle and webview bundles pull in no JSON-RPC code.
 */

import type { RunEvent } from './core/runner/events';
import { EXECUTORS, type ExecutorKind } from './core/runner/executors';
import type { Selection as RunSelection } from './core/runner/selection';
import type { ExperimentSummary, LineageEdge, ModelSummary, ModelVersion, RunDetail, RunOutputs, RunSummary } from './core/store/types';

export type { ExecutorKind };

/** A custom request: the method, with the types of its params and result. */
export interface RequestSpec<P, R> {
  readonly method: string;
  /** Type carriers only; never set. */
  readonly params?: P;
  readonly result?: R;
}

function request<P, R>(method: string): RequestSpec<P, R> {
  return { method };
}

// ---- Language server custom messages ----

export interface NativeModuleStatus {
  name: string;
  ok: boolean;
  /** What the module reported when it loaded (e.g. the SQLite version). */
  detail?: string;
  /** Why it did not load, e.g. an ABI mismatch between the runtime and the build. */
  error?: string;
}

export interface ServerStatus {
  version: string;
  pid: number;
  /** process.version of the runtime the server runs on. */
  node: string;
  /** process.versions.modules: the ABI native modules must be built for. */
  abi: string;
  execPath: string;
  /** process.execArgv: the Node flags it was started with (SERVER_NODE_FLAGS). */
  execArgv: string[];
  uptimeMs: number;
  openDocuments: number;
  nativeModules: NativeModuleStatus[];
  /** process.memoryUsage() in bytes: resident set and the JS heap. */
  memory: { rss: number; heapUsed: number; heapTotal: number };
}

/** client -> server: the server's identity, runtime and whether its native modules load. */
export const ServerStatusRequest = request<null, ServerStatus>('cellflow/serverStatus');

// ---- Settings (the one source; a test checks package.json's contributes.configuration against it) ----

/**
 * Node flags the language server is started with, by the extension and by the tests alike. A cold lint
 * of a large pipeline builds its whole parse at once; with V8's default 16 MB young generation a
 * scavenge that copies that still-live parse followed most such lints (about 10 ms each, measured on a
 * 1,000-step file). 32 MB makes them half as frequent; README, "Speed", has the figures.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

export const SETTINGS = {
  'cellflow.server.nodePath': { type: 'string', default: '', scope: 'machine-overridable' },
  'cellflow.trace.server': { type: 'string', default: 'off', scope: 'window', enum: ['off', 'messages', 'verbose'] },
  'cellflow.promote.inPlaceFunctions': { type: 'array', default: [], scope: 'resource' },
  'cellflow.run.executor': { type: 'string', default: 'python', scope: 'resource', enum: EXECUTORS },
  'cellflow.python.path': { type: 'string', default: '', scope: 'machine-overridable' },
  'cellflow.jupyter.url': { type: 'string', default: '', scope: 'machine-overridable' },
  'cellflow.dask.scheduler': { type: 'string', default: '', scope: 'machine-overridable' },
  'cellflow.dask.schedulerFile': { type: 'string', default: '', scope: 'machine-overridable' },
  'cellflow.dask.tlsCa': { type: 'string', default: '', scope: 'machine-overridable' },
  'cellflow.dask.tlsCert': { type: 'string', default: '', scope: 'machine-overridable' },
  'cellflow.dask.tlsKey': { type: 'string', default: '', scope: 'machine-overridable' },
} as const;

/** What the client tells the server when it starts it (LSP initializationOptions). */
export interface InitializationOptions {
  /** `cellflow.promote.inPlaceFunctions`: functions that change their first argument in place. */
  inPlaceFunctions?: string[];
  /** Workspace Trust as the editor says; absent is untrusted: the server runs nothing then. */
  trusted?: boolean;
}

/** client -> server: the user trusted the workspace (Workspace Trust is only ever granted while open). */
export const WorkspaceTrustedNotification = notification<{ trusted: true }>('cellflow/workspaceTrusted');

export type SettingKey = keyof typeof SETTINGS;

// ---- Promotion (client -> server) ----

/**
 * A notebook as the editor holds it, unsaved edits included; the server analyses this rather than
 * the file on disk, so what the user sees is what gets promoted.
 */
export interface NotebookSnapshot {
  /** Absolute file-system path of the .ipynb. */
  path: string;
  /** The kernel's language, when the editor knows it. */
  language?: string;
  cells: Array<{ kind: 'code' | 'markdown' | 'raw'; source: string; id?: string; tags: string[] }>;
}

export interface StepView {
  id: string;
  version: number;
  code: string;
  dependsOn: string[];
  reads: string[];
  writes: string[];
  params: string[];
  source?: { notebook: string; cells: Array<{ index: number; id?: string; hash?: string }>; hash: string };
}

export interface PromoteParams {
  notebook: NotebookSnapshot;
  /** 0-based indices among all cells. */
  cells: number[];
  /** Absent: the step the cells already are, else one named after the heading above them. */
  stepId?: string;
  /** Absolute path of the pipeline file (created when missing). */
  pipelinePath: string;
  /** Take cells that belong to other steps out of them; without it, such a promotion is refused with CellsTakenData. */
  move?: boolean;
}

/** The `data` of a refused request, for the client to act on rather than only show. */
export type RequestErrorData = { kind: 'cells-taken'; holders: Array<{ stepId: string; cells: number[] }> };

export interface PromoteResponse {
  status: 'created' | 'new-version' | 'relocated' | 'restored' | 'unchanged';
  step: StepView;
  /** Files for the client to write as one workspace edit; empty when nothing changed. */
  files: Array<{ path: string; content: string }>;
  warnings: string[];
}

/** client -> server: promote cells; the server computes, the client applies the edit. */
export const PromoteRequest = request<PromoteParams, PromoteResponse>('cellflow/promote');

export interface SuggestStepParams {
  notebook: NotebookSnapshot;
  cells: number[];
  pipelinePath: string;
}

export interface SuggestStepResponse {
  stepId: string;
  /** The cells already are this step: promoting makes its next version. */
  existing: boolean;
}

/** client -> server: the step id to offer for cells. */
export const SuggestStepRequest = request<SuggestStepParams, SuggestStepResponse>('cellflow/suggestStep');

export interface NotebookStep {
  pipelinePath: string;
  stepId: string;
  version: number;
  reads: string[];
  writes: string[];
  /** Names it changes in place that came from before it (`grid` for `grid.fit(X, y)`): read and written. */
  updates: string[];
  /** Setup carried from earlier cells, as `cell 1: np.random.seed(42)`. */
  setup: string[];
  stale: boolean;
  staleReason?: string;
  /** Where the step's cells are in the snapshot (0-based indices). */
  cells: number[];
  /** The runs and model versions that descend from this version of the step (the store's lineage). */
  descendants?: { runs: number; modelVersions: number };
}

/** client -> server: the pipeline steps promoted from a notebook, with where their cells are now. */
export const NotebookStepsRequest = request<{ notebook: NotebookSnapshot }, { steps: NotebookStep[] }>('cellflow/notebookSteps');

// ---- Notebooks the editor has open (client -> server notifications) ----

/** A custom notification: the method, with the type of its params. */
export interface NotificationSpec<P> {
  readonly method: string;
  readonly params?: P;
}

function notification<P>(method: string): NotificationSpec<P> {
  return { method };
}

/** client -> server: an open notebook's current cells, so pipeline diagnostics follow unsaved edits. */
export const NotebookChangedNotification = notification<{ notebook: NotebookSnapshot }>('cellflow/notebookChanged');

/** client -> server: the notebook was closed; the server goes back to the file on disk. */
export const NotebookClosedNotification = notification<{ path: string }>('cellflow/notebookClosed');

// ---- Editor commands the server's quick fixes name ----

/** Argument of `cellflow.repromoteFromPipeline`, the quick fix for a stale step. */
export type { RepromoteFromPipeline } from './core/pipeline/features/codeActions';

// ---- Experiment store (client -> server requests; one store per workspace folder) ----

export type { ExperimentSummary, LineageEdge, MetricPoint, ModelSummary, ModelVersion, RunDetail, RunOutputs, RunStatus, RunSummary } from './core/store/types';

// Metric values that are not finite (a diverged loss of Infinity) arrive as the strings "Infinity" and
// "-Infinity": JSON has no infinities, and would send null (core/store/format.ts, jsonSafe).
/** How the CLI, the views and the webviews all show a metric value. */
export { formatNumber } from './core/store/format';

export interface StoreScope {
  /** Absolute path of the workspace folder whose store is meant. */
  folder: string;
}

/** A store's contents, or why there are none: not logged yet, or a file Cellflow will not use. */
export interface StoreState {
  storePath: string;
  /** The folder the store's artifact and pipeline paths are relative to (the folder, or a repository root above it). */
  root: string;
  exists: boolean;
  /** The store exists but cannot be used (not SQLite, damaged, from a newer Cellflow): the message. */
  problem?: string;
}

export const ExperimentsRequest = request<StoreScope, StoreState & { experiments: ExperimentSummary[] }>('cellflow/experiments');

export interface RunsParams extends StoreScope {
  experiment?: string;
  /** Runs that belong to no pipeline run (the pipeline runs themselves, and runs logged by hand). */
  topLevel?: boolean;
  /** The step runs of this pipeline run. */
  parentId?: string;
  filter?: string;
  orderBy?: string;
  limit?: number;
  offset?: number;
}

export const RunsRequest = request<RunsParams, { runs: RunSummary[]; nextOffset?: number }>('cellflow/runs');

/** Runs with metric histories cut to at most maxPoints points per key (default 1000). */
export const RunDetailsRequest = request<StoreScope & { runIds: string[]; maxPoints?: number }, { runs: RunDetail[] }>('cellflow/runDetails');

/** A run's artifacts and the model versions registered from it, without its metric history. */
export const RunOutputsRequest = request<StoreScope & { runId: string }, RunOutputs>('cellflow/runOutputs');

export const ModelsRequest = request<StoreScope, StoreState & { models: ModelSummary[] }>('cellflow/models');

/** What a node came from: kind is 'model-version' (id `name@version`), 'run', 'step-version' or 'cell-hash'. */
export const LineageRequest = request<StoreScope & { kind: string; id: string }, { edges: LineageEdge[] }>('cellflow/lineage');

export const RegisterModelRequest = request<StoreScope & { name: string; artifactPath: string; runId?: string }, ModelVersion>('cellflow/registerModel');

export const SetAliasRequest = request<StoreScope & { name: string; version: number; alias: string }, null>('cellflow/setAlias');

/** The runs named (or matching the filter) as CSV text, for the client to save where the user says. */
export const ExportRunsCsvRequest = request<StoreScope & { runIds?: string[]; experiment?: string; filter?: string }, { csv: string; count: number; capped?: number }>('cellflow/exportRunsCsv');

/** server -> client: a folder's store changed (any writer, any process); views refresh. */
export const StoreChangedNotification = notification<StoreScope>('cellflow/storeChanged');

// ---- Running pipelines (client -> server; the server runs `cellflow run` in a process of its own) ----

/** Which steps: the whole pipeline, one step (and what it needs that is not cached), or one and everything downstream. */
export type { Selection as RunSelection } from './core/runner/selection';

export interface RunPipelineParams {
  /** The pipeline document. */
  uri: string;
  selection: RunSelection;
  force?: boolean;
  /** `cellflow.run.executor`, `cellflow.python.path`, `cellflow.jupyter.url` as the client read them. */
  executor?: ExecutorKind;
  python?: string;
  jupyterUrl?: string;
  /** The `cellflow.dask.*` settings, paths absolute: unset, the workspace's own `cellflow cluster start` cluster. */
  dask?: DaskSettings;
  /** The token of `jupyterUrl`, from SecretStorage; it goes to the run's environment only. */
  jupyterToken?: string;
  /** Names this run in the RunEventNotifications it causes. */
  runToken: string;
}

/** As `cellflow run` takes them (--scheduler, --scheduler-file, --tls-*), which checks them and names a wrong one. */
export interface DaskSettings {
  scheduler?: string;
  schedulerFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface RunPipelineResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  runId?: string;
  steps: Record<string, string>;
  seconds: number;
}

/** client -> server: run a pipeline (cancel the request to cancel the run). Refused in an untrusted workspace. */
export const RunPipelineRequest = request<RunPipelineParams, RunPipelineResult>('cellflow/runPipeline');

/** server -> client: what a run is doing; `total` is how many steps it considers. */
export const RunEventNotification = notification<{ runToken: string; uri: string; total: number; event: RunEvent }>('cellflow/runEvent');

export type { RunEvent } from './core/runner/events';

/** The run commands' ids: the server's lenses name them, the client registers them. */
export { RUN_COMMAND_IDS, RUN_COMMANDS, type RunCommand } from './core/runner/commands';

/** What a step came to in the last run of its pipeline (core/runner/results.ts). */
export type { StepResult } from './core/runner/results';

// ---- Data drift (client -> server; the server runs `cellflow drift` in a process of its own) ----

export type { DriftReport, ColumnResult as DriftColumn, Finding as DriftFinding } from './core/drift/report';
export type { Distribution } from './core/drift/distribution';
export type { DriftReportSummary } from './core/store/types';

export interface DriftParams extends StoreScope {
  /** A model version (`name@version`: its training data) or a file, relative to the folder. */
  reference: { kind: 'model'; model: string } | { kind: 'file'; path: string };
  current: string;
  /** `cellflow.python.path`: reads a pipeline step's pickled training inputs. */
  python?: string;
  /** Names this comparison in the DriftProgressNotifications it causes. */
  progressToken?: string;
}

/**
 * client -> server: compare and save a drift report; cancellable (the CLI process ends). `pipeline`
 * is the pipeline file that trained the model version, when one did. Refused in an untrusted
 * workspace (a model version's inputs are unpickled).
 */
export const DriftRequest = request<DriftParams, { report: import('./core/drift/report').DriftReport; saved: { id: string; model?: string; pipeline?: string } }>('cellflow/drift');

export type { DriftProgress } from './core/drift/progress';
export { describeProgress as describeDriftProgress } from './core/drift/progress';

/** server -> client: rows read, columns tested. */
export const DriftProgressNotification = notification<{ progressToken: string; progress: import('./core/drift/progress').DriftProgress }>('cellflow/driftProgress');

/** The reports of one model version, newest first, for the panel's history chart. */
export const DriftHistoryRequest = request<StoreScope & { model: string }, { reports: Array<import('./core/store/types').DriftReportSummary> }>('cellflow/driftHistory');

// ---- Inference benchmarks (client -> server; the server runs `cellflow bench` in a process of its own) ----

export type { BenchReport, BenchResult, BenchEnvironment, Regression as BenchRegression } from './core/bench/result';
export type { BenchmarkSummary } from './core/store/types';
export type { BenchProgress } from './core/bench/progress';
export { describeBenchProgress } from './core/bench/progress';

export interface BenchParams extends StoreScope {
  /** A model version (`name@version`: its artifact) or an .onnx file, relative to the folder. */
  model: { kind: 'model'; model: string } | { kind: 'file'; path: string };
  eps: string[];
  batches: number[];
  /** Names this benchmark in the BenchProgressNotifications it causes. */
  progressToken?: string;
  /** Stop measuring each provider and batch after this long (default 30 s). */
  maxSeconds?: number;
}

/** client -> server: benchmark and save; cancellable (the CLI process ends). Refused in an untrusted workspace. */
export const BenchRequest = request<BenchParams, { report: import('./core/bench/result').BenchReport; saved: { id: string } }>('cellflow/bench');

/** server -> client: "webgpu · batch 8 · window 3". */
export const BenchProgressNotification = notification<{ progressToken: string; progress: import('./core/bench/progress').BenchProgress }>('cellflow/benchProgress');

/** The execution providers this machine can run, and why not the others. */
export const BenchProvidersRequest = request<StoreScope, { present: string[]; unavailable: Array<{ ep: string; reason: string }> }>('cellflow/benchProviders');

/** The benchmarks kept of a model (all its versions), newest first. */
export const BenchHistoryRequest = request<StoreScope & { model: string }, { benchmarks: Array<import('./core/store/types').BenchmarkSummary> }>('cellflow/benchHistory');

// ---- Bench results webview messages (extension host <-> webview) ----

export type BenchToWebview =
  | { type: 'running'; model: string; message: string }
  | { type: 'results'; model: string; report: import('./core/bench/result').BenchReport; history: Array<import('./core/store/types').BenchmarkSummary> }
  | { type: 'error'; message: string };

export type BenchFromWebview = { type: 'ready' };

// ---- Maturity (client -> server; the server runs `cellflow maturity`) ----

export type { Assessment, Criterion as MaturityCriterion, Action as MaturityAction } from './core/maturity/assess';

/** The workspace against the five-level model. */
export const MaturityRequest = request<StoreScope, Omit<import('./core/maturity/assess').Assessment, 'nextStep'> & { nextStep?: string }>('cellflow/maturity');

/** A GitHub Actions workflow for the folder (lint, run, drift and bench gates), and where it would go. */
export const CiWorkflowRequest = request<StoreScope, { path: string; text: string }>('cellflow/ciWorkflow');

/** The checks block the last run's columns suggest for a step of an open pipeline file; a reason where there is none. */
export const AddChecksRequest = request<{ uri: string; stepId: string }, { edit?: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }; reason?: string }>('cellflow/addChecks');

export { defaultGoal, rankBy, rankableMetrics } from './core/store/ranking';

// ---- Parameter sweeps (client -> server; the server runs `cellflow sweep` in a process of its own) ----

export type { SweepProgress, SweepReport, SweepTrial } from './core/sweep/report';
export { describeSweepProgress } from './core/sweep/report';
export { suggestValues } from './core/sweep/plan';

export interface SweepParams extends StoreScope {
  /** The pipeline file, absolute. */
  pipeline: string;
  /** NAME=VALUES, each as the CLI's --param takes it. */
  params: string[];
  strategy?: 'grid' | 'random';
  trials?: number;
  metric?: string;
  goal?: 'min' | 'max';
  /** `cellflow.python.path` as the client read it; the CLI's default (`python3`) without it. */
  python?: string;
  /** Names this sweep in the SweepProgressNotifications it causes. */
  progressToken?: string;
}

/** client -> server: run the sweep; cancellable (the CLI process ends, the running trial is cancelled). Refused in an untrusted workspace. */
export const SweepRequest = request<SweepParams, import('./core/sweep/report').SweepReport>('cellflow/sweep');

/** server -> client: a trial started or ended. */
export const SweepProgressNotification = notification<{ progressToken: string; progress: import('./core/sweep/report').SweepProgress }>('cellflow/sweepProgress');

// ---- Lineage (client -> server; the server runs `cellflow lineage`) ----

export type { LineageGraph, GraphNode as LineageNode } from './core/lineage/graph';
export { nodeLabel, parseStepVersion } from './core/lineage/nodes';

/** The chain both ways from a run id, `name@version`, `pipeline#step` or a cell hash. */
export const LineageGraphRequest = request<StoreScope & { ref: string }, import('./core/lineage/graph').LineageGraph>('cellflow/lineageGraph');

export type LineageToWebview = { type: 'graph'; ref: string; graph: import('./core/lineage/graph').LineageGraph } | { type: 'error'; message: string };
export type LineageFromWebview = { type: 'ready' } | { type: 'open'; node: string };

// ---- Drift webview messages (extension host <-> webview) ----

export interface DriftChoices {
  /** Model versions as `name@version`, with their aliases. */
  models: Array<{ id: string; aliases: string[]; drifted?: boolean }>;
  /** CSV and Parquet files in the folder, relative to it. */
  files: string[];
}

export type DriftToWebview =
  | { type: 'choices'; choices: DriftChoices }
  | { type: 'running'; reference: string; current: string }
  | { type: 'progress'; message: string }
  | { type: 'cancelled' }
  | { type: 'report'; reference: string; current: string; report: import('./core/drift/report').DriftReport; history: Array<{ createdAt: number; share: number; drifted: boolean }> }
  | { type: 'error'; message: string };

export type DriftFromWebview = { type: 'ready' } | { type: 'compare'; reference: DriftParams['reference']; current: string } | { type: 'cancel' };

// ---- Compare webview messages (extension host <-> webview) ----

export interface CompareRun {
  id: string;
  label: string;
  status: RunSummary['status'];
  experiment: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  history: Record<string, Array<[step: number, value: number]>>;
}

/** `focus`: the metric (and its goal) the comparison is about, as a sweep names it; the params-against-metric charts start on it. */
export type CompareToWebview = { type: 'runs'; runs: CompareRun[]; truncatedTo?: number; focus?: { metric: string; goal: 'min' | 'max' } } | { type: 'error'; message: string };

export type CompareFromWebview = { type: 'ready' } | { type: 'openRun'; runId: string } | { type: 'exportCsv' };
