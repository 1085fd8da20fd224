/** What a step executor is given and gives back: the runner's one contract with the python and jupyter executors. */

/** What the harness (python/cellflow/_harness.py) needs to run one step. */
export interface StepRequest {
  code: string;
  step: string;
  inputs: Record<string, { path: string; format: string }>;
  params: Record<string, unknown>;
  outputs: string[];
  artifacts: string;
  /** Validation gates by output name, as the pipeline declares them. */
  checks: Record<string, unknown>;
}

export interface CheckResult {
  output: string;
  check: string;
  ok: boolean;
  message: string;
}

/** An output as the harness wrote it; a table also says its columns and their types. */
export type OutputRecord = { digest: string; format: string; size: number; file: string; columns?: Array<[string, string]> };

export type StepOutcome =
  | { kind: 'finished'; outputs: Record<string, OutputRecord>; checks: CheckResult[] }
  | { kind: 'failed'; error: string; traceback?: string; checks: CheckResult[] }
  | { kind: 'cancelled' };

/** Where and how one step runs: the same for every executor. */
export interface StepContext {
  /** The step's CELLFLOW_* variables (its run, the store, the pipeline); executors add them to what they inherit. */
  env: Record<string, string>;
  /** The step's working folder: the pipeline file's. */
  cwd: string;
  /** The workspace root: modules under it are the step's own, not third-party ones. */
  workspace: string;
  /** The step's stdout and stderr, as they come. */
  onLog(stream: 'stdout' | 'stderr', text: string): void;
  /** Written with everything the step printed. */
  logFile: string;
  signal: AbortSignal;
  /** The runs of the upstream steps that ran in this pipeline run (an executor may order by them: Dask dependencies). */
  dependsOn?: string[];
}

/** Runs steps; a run makes one, uses it for all its steps and disposes of it at the end. */
export interface StepExecutor {
  /** Steps it runs at once at most (a kernel runs one request at a time). */
  readonly concurrency: number;
  execute(request: StepRequest, context: StepContext): Promise<StepOutcome>;
  dispose(): Promise<void>;
}

/** A harness event, from fd 3 (python) or IOPub display data (jupyter), folded into an outcome. */
export class OutcomeBuilder {
  private checks: CheckResult[] = [];
  outcome: StepOutcome | undefined;

  take(e: { event?: string; outputs?: Record<string, OutputRecord>; error?: string; traceback?: string; results?: CheckResult[] }): void {
    if (e.event === 'checks') this.checks = e.results ?? [];
    else if (e.event === 'finished') this.outcome = { kind: 'finished', outputs: e.outputs ?? {}, checks: this.checks };
    else if (e.event === 'failed') this.outcome = { kind: 'failed', error: e.error ?? 'the step failed', traceback: e.traceback, checks: this.checks };
  }

  failed(error: string): StepOutcome {
    return { kind: 'failed', error, checks: this.checks };
  }
}
