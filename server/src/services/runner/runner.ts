import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from '../../core/errors';
import { executionOrder, stepDependencies } from '../../core/pipeline/graph';
import type { PipelineModel, StepModel } from '../../core/pipeline/model';
import { cacheKey, whyRun, type KeyParts } from '../../core/runner/cacheKey';
import type { RunEvent, StepStatus } from '../../core/runner/events';
import { selectSteps, type Selection } from '../../core/runner/selection';
import type { Store } from '../store/store';
import { FileDigests } from './fileDigests';
import { localModules } from './localModules';
import type { CheckResult, OutputRecord, StepExecutor, StepOutcome } from './executor';
import { PARAM_VALUE_MAX, TAG_VALUE_MAX } from '../../core/store/rules';
import { RunLock } from './runLock';

export interface RunOptions {
  /** Absolute path of the pipeline file, and the model lint made of it (with no errors). */
  pipelinePath: string;
  model: PipelineModel;
  workspaceRoot: string;
  store: Store;
  selection: Selection;
  force: boolean;
  dryRun: boolean;
  keepGoing: boolean;
  /** `--param K=V` values, over the pipeline's. */
  params: Record<string, unknown>;
  jobs: number;
  /** The interpreter, and what `python --version` says of it. */
  python: { path: string; version: string };
  /** Runs the steps; the caller makes it and disposes of it. */
  executor: StepExecutor;
  /** Module names a step imports, for finding the workspace-local ones (the Python analysis). */
  importsOf(source: string): string[];
  signal: AbortSignal;
  onEvent(event: RunEvent): void;
}

export interface RunResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  runId?: string;
  steps: Record<string, StepStatus | 'would-run'>;
}

interface StepInfo {
  id: string;
  version: number;
  model: StepModel;
  code: string;
  reads: string[];
  writes: string[];
  params: string[];
  dependsOn: string[];
}

type Done = { status: StepStatus | 'would-run'; outputs?: Record<string, OutputRecord> };

/**
 * Runs a pipeline: the steps in the graph's order, independent ones in parallel up to `jobs`, each
 * reused when its cache key (code, local modules, params, inputs, files, interpreter) matches its last
 * successful run, else run by the python executor. Every run goes to the store: the pipeline run, and
 * a child run per executed step with its params, log, outputs (content-addressed artifacts) and lineage.
 */
export async function runPipeline(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const plan = planSteps(options);
  const pipelineRel = path.relative(options.workspaceRoot, options.pipelinePath).split(path.sep).join('/');
  const name = options.model.name ?? path.basename(options.pipelinePath).replace(/\.cellflow\.ya?ml$/, '');
  const lock = options.dryRun ? undefined : RunLock.acquire(path.join(options.workspaceRoot, '.cellflow', 'locks', `${name}.lock`), pipelineRel);
  try {
    const runner = new PipelineRun(options, plan, pipelineRel, name);
    const result = await runner.run();
    options.onEvent({ event: 'pipeline', status: result.status, runId: result.runId, steps: result.steps, seconds: (Date.now() - started) / 1000 });
    return result;
  } finally {
    lock?.release();
  }
}

/** The steps to consider, in execution order, or a refusal naming what cannot be ordered. */
function planSteps(options: RunOptions): { order: StepInfo[]; take: Set<string>; forced: Set<string> } {
  const order = executionOrder(stepDependencies(options.model));
  if (order.unordered.length) {
    const why = order.unordered.map((u) => `\`${u.id}\` (${u.reason === 'cycle' ? `in the cycle ${u.cycle.join(' → ')}` : u.reason === 'unknown-dependency' ? `depends on unknown ${u.unknown.join(', ')}` : u.reason === 'blocked' ? `blocked by ${u.by.join(', ')}` : 'a duplicate id'})`);
    throw new InvalidInput(`the pipeline cannot be put in order: ${why.join('; ')}`);
  }
  const byId = new Map(options.model.steps.filter((s) => s.id).map((s) => [s.id!.value, s]));
  const dir = path.dirname(options.pipelinePath);
  const steps = order.levels.flat().map((id): StepInfo => {
    const s = byId.get(id)!;
    return {
      id,
      version: s.version,
      model: s,
      code: path.resolve(dir, s.code!.value),
      reads: s.reads.map((r) => r.value),
      writes: s.writes.map((w) => w.value),
      params: s.params.map((p) => p.value),
      dependsOn: s.dependsOn.map((d) => d.value),
    };
  });
  const { take, targets } = selectSteps(steps, options.selection);
  return { order: steps.filter((s) => take.has(s.id)), take, forced: options.force ? targets : new Set() };
}

/** Every check result as JSON for the run's tag; past the tag limit, the failed ones only. */
function checksTag(checks: CheckResult[]): string {
  const row = (c: CheckResult) => ({ check: `${c.output}.${c.check}`, ok: c.ok, message: c.message.slice(0, 300) });
  const all = JSON.stringify(checks.map(row));
  if (all.length <= TAG_VALUE_MAX) return all;
  const failed = JSON.stringify(checks.filter((c) => !c.ok).slice(0, 20).map(row));
  return failed.length <= TAG_VALUE_MAX ? failed : '[]';
}

function overall(statuses: Array<StepStatus | 'would-run'>, aborted: boolean): RunResult['status'] {
  if (aborted || statuses.includes('cancelled')) return 'cancelled';
  return statuses.includes('failed') ? 'failed' : 'succeeded';
}

class PipelineRun {
  private readonly done = new Map<string, Done>();
  /** The step runs made in this pipeline run, by step id. */
  private readonly stepRuns = new Map<string, string>();
  private readonly digests: FileDigests;
  /** The planned steps by id, for finding which upstream step provides an input. */
  private readonly byId: Map<string, StepInfo>;
  private readonly artifacts: string;
  private runId: string | undefined;
  private failed = false;

  constructor(
    private readonly o: RunOptions,
    private readonly plan: { order: StepInfo[]; forced: Set<string> },
    private readonly pipelineRel: string,
    private readonly name: string,
  ) {
    this.digests = new FileDigests(o.store);
    this.byId = new Map(plan.order.map((x) => [x.id, x]));
    this.artifacts = path.join(o.workspaceRoot, '.cellflow', 'artifacts');
  }

  async run(): Promise<RunResult> {
    if (!this.o.dryRun) {
      this.runId = this.o.store.startRun({ experiment: this.name, name: this.name, pipeline: this.pipelineRel });
      this.o.store.setTags(this.runId, { 'cellflow.kind': 'pipeline' });
    }
    const pending = [...this.plan.order];
    const running = new Map<string, Promise<void>>();
    while (pending.length || running.size) {
      if (this.o.signal.aborted) break;
      const launched = this.launchReady(pending, running);
      if (running.size) await Promise.race(running.values());
      else if (!launched) break; // nothing ready and nothing running: only steps outside the selection remain
    }
    await Promise.all(running.values());
    const aborted = this.o.signal.aborted;
    for (const s of pending) this.finish(s, { status: aborted ? 'cancelled' : 'skipped' }, { reason: aborted ? 'the run was cancelled' : 'not reached' });
    const steps = Object.fromEntries([...this.done].map(([id, d]) => [id, d.status]));
    const status = overall(Object.values(steps), aborted);
    if (this.runId) this.o.store.endRun(this.runId, ({ succeeded: 'FINISHED', failed: 'FAILED', cancelled: 'KILLED' } as const)[status]);
    return { status, runId: this.runId, steps };
  }

  /**
   * Starts the pending steps whose dependencies are done, up to `jobs` at once, and skips those that
   * depend on a failed one (or every new one after a failure, without --keep-going). Whether it did any.
   */
  private launchReady(pending: StepInfo[], running: Map<string, Promise<void>>): boolean {
    let launched = false;
    for (let i = 0; i < pending.length && running.size < Math.max(1, Math.min(this.o.jobs, this.o.executor.concurrency)); ) {
      const s = pending[i];
      const blocker = s.dependsOn.find((d) => this.blocks(d));
      if (blocker || (this.failed && !this.o.keepGoing)) {
        pending.splice(i, 1);
        const reason = blocker ? `upstream \`${blocker}\` ${this.done.get(blocker)?.status}` : 'an earlier step failed (run with --keep-going to run independent steps)';
        this.finish(s, { status: 'skipped' }, { reason });
        launched = true;
      } else if (s.dependsOn.every((d) => this.ready(d))) {
        pending.splice(i, 1);
        running.set(s.id, this.step(s).finally(() => running.delete(s.id)));
        launched = true;
      } else {
        i++;
      }
    }
    return launched;
  }

  /** A dependency outside the selection counts as ready: its cached outputs are looked up when needed. */
  private ready(id: string): boolean {
    const d = this.done.get(id);
    if (d) return d.status === 'ran' || d.status === 'reused' || d.status === 'would-run';
    return !this.plan.order.some((s) => s.id === id);
  }

  private blocks(id: string): boolean {
    const d = this.done.get(id)?.status;
    return d === 'failed' || d === 'skipped' || d === 'cancelled';
  }

  private finish(s: StepInfo, done: Done, detail: { runId?: string; seconds?: number; reason?: string; error?: string; log?: string } = {}): void {
    this.done.set(s.id, done);
    if (done.status === 'failed') this.failed = true;
    if (done.status === 'would-run' || (this.o.dryRun && done.status === 'reused')) {
      this.o.onEvent({ event: 'step', step: s.id, status: done.status, version: s.version, reason: detail.reason ?? '', dryRun: true });
    } else {
      this.o.onEvent({ event: 'step', step: s.id, status: done.status as StepStatus, version: s.version, ...detail });
    }
  }

  private async step(s: StepInfo): Promise<void> {
    let inputs: Record<string, OutputRecord | undefined>;
    let parts: KeyParts | undefined;
    try {
      inputs = this.inputsOf(s);
      parts = this.partsOf(s, inputs);
    } catch (err) {
      this.finish(s, { status: 'failed' }, { error: (err as Error).message });
      return;
    }
    const unknownInput = Object.entries(inputs).find(([, v]) => v === undefined);
    const key = parts && cacheKey(parts);
    const cached = key ? this.o.store.cachedStep(this.pipelineRel, s.id, key) : undefined;
    const forced = this.plan.forced.has(s.id);
    if (cached && !forced && Object.values(cached.outputs).every((o) => fs.existsSync(path.join(this.artifacts, o.file)))) {
      if (this.runId) this.o.store.setTags(this.runId, { [`cellflow.reused.${s.id}`]: cached.runId });
      this.finish(s, { status: 'reused', outputs: cached.outputs }, { runId: cached.runId, reason: 'unchanged since its last run' });
      return;
    }
    const latest = this.o.store.latestCachedStep(this.pipelineRel, s.id);
    const reason = unknownInput ? `upstream \`${this.providerOf(s, unknownInput[0])}\` runs first` : (whyRun(latest?.parts as KeyParts | undefined, parts!, { forced }) ?? 'its outputs are gone');
    if (this.o.dryRun) {
      this.finish(s, { status: 'would-run' }, { reason });
      return;
    }
    await this.execute(s, inputs as Record<string, OutputRecord>, parts!, key!, reason);
  }

  /** Runs a step, recording it; a failure of the store or the executor fails the step, not the whole run. */
  private async execute(s: StepInfo, inputs: Record<string, OutputRecord>, parts: KeyParts, key: string, reason: string): Promise<void> {
    let runId: string | undefined;
    try {
      runId = this.o.store.startRun({ experiment: this.name, name: s.id, pipeline: this.pipelineRel, stepId: s.id, stepVersion: s.version, cellHash: s.model.hash, parentId: this.runId });
      await this.executeRecorded(s, runId, inputs, parts, key, reason);
    } catch (err) {
      const error = (err as Error).message;
      if (runId) {
        try {
          this.o.store.endRun(runId, 'FAILED');
        } catch {
          // the store itself failed: the step is reported failed all the same
        }
      }
      if (!this.done.has(s.id)) this.finish(s, { status: 'failed' }, { ...(runId ? { runId } : {}), error });
    }
  }

  private async executeRecorded(s: StepInfo, runId: string, inputs: Record<string, OutputRecord>, parts: KeyParts, key: string, reason: string): Promise<void> {
    const store = this.o.store;
    // What the step read, as lineage: each upstream output (by digest) -> this run, so the chain runs
    // from a model version back through every step that made its data, to their cells.
    for (const [name, input] of Object.entries(inputs)) store.link('artifact', input.digest, 'run', runId, `input:${name}`);
    // And the files it reads (`files:`), as datasets of its run with their digests: where the chain
    // starts. Context `file`, not `training`: a drift reference is still what a step logged or read.
    for (const [file, digest] of Object.entries(parts.files)) {
      const rel = path.relative(this.o.workspaceRoot, path.resolve(path.dirname(this.o.pipelinePath), file)).split(path.sep).join('/');
      store.logInput(runId, { digest, name: rel, source: rel, context: 'file' });
    }
    store.logParams(runId, Object.fromEntries(Object.entries(parts.params).map(([k, v]) => [k, (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, PARAM_VALUE_MAX)])));
    const logs = path.join(this.o.workspaceRoot, '.cellflow', 'logs');
    fs.mkdirSync(logs, { recursive: true });
    const logFile = path.join(logs, `${runId}.log`);
    const logRel = path.relative(this.o.workspaceRoot, logFile).split(path.sep).join('/');
    store.setTags(runId, { 'cellflow.kind': 'step', 'cellflow.log': logRel, 'cellflow.reason': reason.slice(0, 1000) });
    this.stepRuns.set(s.id, runId);
    this.o.onEvent({ event: 'step', step: s.id, status: 'started', version: s.version, runId, reason });
    const t0 = Date.now();
    const outcome: StepOutcome = await this.o.executor.execute(
      {
        code: s.code,
        step: s.id,
        inputs: Object.fromEntries(Object.entries(inputs).map(([n, o]) => [n, { path: path.join(this.artifacts, o.file), format: o.format }])),
        params: parts.params,
        outputs: s.writes,
        artifacts: this.artifacts,
        checks: Object.fromEntries(s.model.checks.map((c) => [c.output.value, c.spec])),
      },
      {
        cwd: path.dirname(this.o.pipelinePath),
        workspace: this.o.workspaceRoot,
        env: this.envFor(s, runId),
        logFile,
        onLog: (stream, text) => this.o.onEvent({ event: 'log', step: s.id, stream, text }),
        signal: this.o.signal,
        dependsOn: s.dependsOn.flatMap((d) => this.stepRuns.get(d) ?? []),
      },
    );
    const seconds = (Date.now() - t0) / 1000;
    // Check results are stored with the run, passed or not: "tenure: 137 nulls (2.7%), allowed 0".
    if (outcome.kind !== 'cancelled' && outcome.checks.length) {
      store.setTags(runId, { 'cellflow.checks': checksTag(outcome.checks) });
      const passed = outcome.checks.filter((c) => c.ok).length;
      store.logMetrics(runId, [{ key: 'checks.passed', value: passed }, { key: 'checks.failed', value: outcome.checks.length - passed }]);
    }
    if (outcome.kind === 'finished') {
      for (const [name, o] of Object.entries(outcome.outputs)) {
        store.recordArtifact(runId, `.cellflow/artifacts/${o.file}`, o.digest.replace(/^sha256:/, ''), o.size);
        store.link('run', runId, 'artifact', o.digest, `output:${name}`);
      }
      store.cacheStep(this.pipelineRel, s.id, key, { parts, outputs: outcome.outputs, runId });
      store.endRun(runId, 'FINISHED');
      this.finish(s, { status: 'ran', outputs: outcome.outputs }, { runId, seconds, reason, log: logRel });
    } else if (outcome.kind === 'failed') {
      store.setTags(runId, { 'cellflow.error': outcome.error.slice(0, 1000) });
      store.endRun(runId, 'FAILED');
      this.finish(s, { status: 'failed' }, { runId, seconds, error: outcome.error, log: logRel });
    } else {
      store.endRun(runId, 'KILLED');
      this.finish(s, { status: 'cancelled' }, { runId, seconds, reason: 'cancelled', log: logRel });
    }
  }

  /** The step's inputs: each name from the upstream step that writes it (undefined while that one has not run, in a dry run). */
  private inputsOf(s: StepInfo): Record<string, OutputRecord | undefined> {
    const out: Record<string, OutputRecord | undefined> = {};
    for (const name of s.reads) {
      const provider = this.providerOf(s, name);
      if (!provider) throw new InvalidInput(`no step \`${s.id}\` depends on writes \`${name}\`; add the step that makes it to depends-on`);
      const done = this.done.get(provider) ?? this.cachedOutside(provider);
      if (done?.status === 'would-run') {
        out[name] = undefined;
        continue;
      }
      const record = done?.outputs?.[name];
      if (!record) throw new InvalidInput(`\`${provider}\` has no recorded \`${name}\` for \`${s.id}\`: run it first (cellflow run --step ${provider})`);
      out[name] = record;
    }
    return out;
  }

  /** The nearest upstream step (in depends-on, then theirs) that writes `name`. */
  private providerOf(s: StepInfo, name: string): string | undefined {
    const byId = this.byId;
    const seen = new Set<string>();
    let frontier = [...s.dependsOn].reverse();
    while (frontier.length) {
      const next: string[] = [];
      for (const id of frontier) {
        if (seen.has(id)) continue;
        seen.add(id);
        const dep = byId.get(id);
        if (!dep) continue;
        if (dep.writes.includes(name)) return id;
        next.push(...[...dep.dependsOn].reverse());
      }
      frontier = next;
    }
    return undefined;
  }

  /** A step outside the selection: its latest cached result stands for it. */
  private cachedOutside(id: string): Done | undefined {
    const latest = this.o.store.latestCachedStep(this.pipelineRel, id);
    return latest ? { status: 'reused', outputs: latest.outputs } : undefined;
  }

  /** The cache key's parts; undefined for inputs not known yet (a dry run past a step that would run). */
  private partsOf(s: StepInfo, inputs: Record<string, OutputRecord | undefined>): KeyParts | undefined {
    const declared = Object.fromEntries([...this.o.model.params].map(([k, v]) => [k, v.value]));
    const params = Object.fromEntries(s.params.map((p) => [p, p in this.o.params ? this.o.params[p] : declared[p]]));
    const codeDir = path.dirname(s.code);
    const modules: Record<string, string> = {};
    for (const m of localModules(s.code, [codeDir, path.dirname(this.o.pipelinePath)], this.o.importsOf)) modules[path.relative(this.o.workspaceRoot, m).split(path.sep).join('/')] = this.digests.digest(m);
    const inputDigests: Record<string, string> = {};
    for (const [n, r] of Object.entries(inputs)) {
      if (!r) return undefined;
      inputDigests[n] = r.digest;
    }
    const files: Record<string, string> = {};
    for (const f of s.model.files) {
      const file = path.resolve(path.dirname(this.o.pipelinePath), f.value);
      if (!fs.existsSync(file)) throw new InvalidInput(`\`${s.id}\` reads ${f.value}, which does not exist`);
      files[f.value] = this.digests.digest(file);
    }
    const checks = Object.fromEntries(s.model.checks.map((c) => [c.output.value, c.spec]));
    return { code: this.digests.digest(s.code), modules, params, inputs: inputDigests, files, interpreter: `${this.o.python.path} ${this.o.python.version}`, outputs: [...s.writes].sort(), checks };
  }

  private envFor(s: StepInfo, runId: string): Record<string, string> {
    return {
      CELLFLOW_RUN_ID: runId,
      CELLFLOW_STORE: this.o.store.file,
      CELLFLOW_WORKSPACE: this.o.workspaceRoot,
      CELLFLOW_PIPELINE: this.pipelineRel,
      CELLFLOW_STEP: s.id,
      CELLFLOW_STEP_VERSION: String(s.version),
    };
  }
}
