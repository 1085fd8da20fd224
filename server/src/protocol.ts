/**
 * The one typed contract between Cellflow's processes: custom LSP messages (client <-> language server)
 * and webview messages (extension host <-> webview). Client, server and webview scripts all import it.
 * It depends on nothing: a request is its method name carrying its parameter and result types, so the
 * extension's activation bundle and webview bundles pull in no JSON-RPC code.
 */

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
  uptimeMs: number;
  openDocuments: number;
  nativeModules: NativeModuleStatus[];
  /** process.memoryUsage() in bytes: resident set and the JS heap. */
  memory: { rss: number; heapUsed: number; heapTotal: number };
}

/** client -> server: the server's identity, runtime and whether its native modules load. */
export const ServerStatusRequest = request<null, ServerStatus>('cellflow/serverStatus');

// ---- Settings (the one source; a test checks package.json's contributes.configuration against it) ----

export const SETTINGS = {
  'cellflow.server.nodePath': { type: 'string', default: '', scope: 'machine-overridable' },
  'cellflow.trace.server': { type: 'string', default: 'off', scope: 'window', enum: ['off', 'messages', 'verbose'] },
} as const;

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
}

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
  stale: boolean;
  staleReason?: string;
  /** Where the step's cells are in the snapshot (0-based indices). */
  cells: number[];
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
